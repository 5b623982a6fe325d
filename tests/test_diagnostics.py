"""Diagnostics: a hand-built break is found at the right link; noise is not an alarm; the demo's stories show."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from analytics.diagnostics import diagnose, findings_text
from analytics.model import prepare
from analytics.schema import Dataset
from data.generate_demo import FloorConfig, generate_floor, steady_floor


def month_of_meetings(month: int, person: str, booked: int, confirmed: int, held: int, start: int) -> tuple:
    """`booked` leads and meetings in 2026-`month`: the first `confirmed` confirmed, the first `held` held."""
    ids = [f"{person}-{month}-{i}" for i in range(booked)]
    when = [datetime(2026, month, 1 + i % 20, 10) for i in range(booked)]
    leads = pl.DataFrame({"lead_id": ids, "created_at": when, "employee": [person] * booked,
                          "source": ["google"] * booked, "is_target": [True] * booked})
    meetings = pl.DataFrame({
        "lead_id": ids, "booked_at": [w + timedelta(hours=1) for w in when], "setter": [person] * booked,
        "confirmed": [i < confirmed for i in range(booked)], "held": [i < held for i in range(booked)],
    })
    return leads, meetings


def floor_with_confirmation_break() -> Dataset:
    parts = [
        month_of_meetings(9, "Steady", 60, 48, 40, 0), month_of_meetings(10, "Steady", 60, 47, 40, 0),
        month_of_meetings(9, "Breaking", 60, 50, 42, 0), month_of_meetings(10, "Breaking", 62, 18, 15, 0),
    ]
    calls = pl.DataFrame({"started_at": [datetime(2026, 11, 2, 9)], "employee": ["Steady"], "duration_s": [30]})
    return Dataset.from_frames(
        leads=pl.concat([p[0] for p in parts]), meetings=pl.concat([p[1] for p in parts]), calls=calls
    )


def test_a_confirmation_break_is_localised_to_booked_to_confirmed() -> None:
    report = diagnose(prepare(floor_with_confirmation_break()), month="2026-10")
    held = [f for f in report.findings if f["situation"] == "few_held" and f["scope"] == "employee"]
    assert [(f["who"], f["metric"], f["severity"]) for f in held] == [
        ("Breaking", "conv_scheduled_to_confirmed", "high")]
    finding = held[0]
    assert finding["current"] == pytest.approx(18 / 62) and finding["previous"] == pytest.approx(50 / 60)
    assert "booked → confirmed" in finding["message_en"] and "booking is normal" in finding["message_en"]
    assert "назначение → подтверждение" in finding["message_ru"]
    assert not any(f["who"] == "Steady" and f["situation"] == "few_held" for f in report.findings)


def test_every_finding_has_the_documented_fields() -> None:
    report = diagnose(prepare(floor_with_confirmation_break()), month="2026-10")
    assert report.month == "2026-10" and report.previous_month == "2026-09"
    for f in report.findings:
        assert {"scope", "who", "situation", "metric", "current", "previous", "severity", "message_ru",
                "message_en"} <= set(f)
        assert f["scope"] in ("floor", "employee", "source")
        assert f["severity"] in ("high", "medium", "low")
        assert f["message_ru"].endswith(".") and f["message_en"].endswith(".")
    ranks = [("high", "medium", "low").index(f["severity"]) for f in report.findings]
    assert ranks == sorted(ranks)


def test_a_bad_month_is_a_clear_error() -> None:
    model = prepare(floor_with_confirmation_break())
    with pytest.raises(ValueError, match="YYYY-MM"):
        diagnose(model, month="October")
    with pytest.raises(ValueError, match="no data in 2025-01"):
        diagnose(model, month="2025-01")


@pytest.mark.parametrize("seed", range(20))
def test_a_steady_floor_raises_no_high_alarm(seed: int) -> None:
    """Noise control: same rates every month for every person and source → nothing `high`."""
    report = diagnose(prepare(generate_floor(steady_floor(seed))))
    assert [f["message_en"] for f in report.findings if f["severity"] == "high"] == []


@pytest.fixture(scope="module")
def demo_report():
    return diagnose(prepare(generate_floor(FloorConfig())))


def test_demo_names_the_confirmation_collapse(demo_report) -> None:
    found = [f for f in demo_report.findings if f["who"] == "Соколов Дмитрий" and f["situation"] == "few_held"]
    assert found and found[0]["metric"] == "conv_scheduled_to_confirmed" and found[0]["severity"] == "high"


def test_demo_names_the_one_who_calls_too_little(demo_report) -> None:
    found = [f for f in demo_report.findings if f["who"] == "Волков Алексей" and f["metric"] == "calls_60s"]
    assert found and found[0]["situation"] in ("few_booked", "below_plan")
    assert not any(f["metric"] == "calls_60s" for f in demo_report.findings if f["who"] != "Волков Алексей")


def test_demo_marks_yandex_and_the_new_source(demo_report) -> None:
    situations = {(f["who"], f["situation"], f["metric"]) for f in demo_report.findings if f["scope"] == "source"}
    assert ("Yandex", "source_quality", "target_share") in situations
    assert ("vk", "new_source", "leads_new") in situations
    assert not any(who == "Google" for who, _, _ in situations)


def test_text_form_lists_findings_most_severe_first(demo_report) -> None:
    text = findings_text(demo_report, "en")
    assert text.startswith("Diagnostics for 2026-10 (compared with 2026-09)")
    assert text.splitlines()[2].startswith("[HIGH]")
