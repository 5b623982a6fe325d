"""Every metric of SPEC §3 on the hand-built floor of conftest.py, in both modes, computed by hand.

The floor (T = 60 s):
  leads     L1 A google ads target  (Jan 5)   L2 A Яндекс non-target (Jan 6)
            L3 B no source, unqualified (Jan 7)   L4 B site target (Feb 1)
  calls     c1 A 60 s  L1 (exactly T)          c2 A 59 s  phone of L2 only (made before L2 existed)
            c3 B 120 s, no lead (+ a duplicate c3 row)   c5 B 300 s Feb 2, phone of L3 in another format
  meetings  m1 L1 A booked Jan 6, held Feb 3, never flagged confirmed
            m2 L1 B booked Jan 10, confirmed, held Jan 20  ← L1's first held meeting: credit to B
            m3 L2 setter empty → A, booked Jan 7, confirmed Jan 8, not held
            m4 L3 B booked Jan 31, meeting Feb 5, not confirmed, not held
  payments  L1 1000 on Feb 10 and 500 on Mar 1; L4 700 on Feb 15 (no meeting → paid without a meeting)
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics.metrics import Filters, compute
from analytics.model import Prepared
from analytics.registry import METRIC_KEYS

N = None  # a ratio with a zero denominator


def rows(table: pl.DataFrame, key: str) -> dict[str, dict]:
    return {r[key]: r for r in table.to_dicts()}


def check(actual: dict, expected: dict) -> None:
    for name, value in expected.items():
        if value is None or isinstance(value, int):
            assert actual[name] == value, name
        else:
            assert actual[name] == pytest.approx(value), name


@pytest.mark.parametrize(
    ("mode", "employee", "expected"),
    [
        ("cohort", "A", dict(
            calls_60s=1, calls_total=2, minutes_on_line=119 / 60, leads_new=2, leads_target=1, leads_nontarget=1,
            meetings_scheduled=2, meetings_confirmed=2, meetings_held=1, payments=0, revenue=0.0,
            conv_call_to_scheduled=2.0, conv_scheduled_to_confirmed=1.0, conv_confirmed_to_held=0.5,
            conv_scheduled_to_held=0.5, conv_held_to_paid=0.0, paid_without_meeting=0,
        )),
        ("cohort", "B", dict(
            calls_60s=2, calls_total=2, minutes_on_line=7.0, leads_new=2, leads_target=1, leads_nontarget=0,
            meetings_scheduled=2, meetings_confirmed=1, meetings_held=1, payments=1, revenue=1500.0,
            conv_call_to_scheduled=1.0, conv_scheduled_to_confirmed=0.5, conv_confirmed_to_held=1.0,
            conv_scheduled_to_held=0.5, conv_held_to_paid=1.0, paid_without_meeting=1, revenue_without_meeting=700.0,
        )),
        ("event", "A", dict(meetings_scheduled=2, meetings_confirmed=2, meetings_held=1, payments=0, revenue=0.0)),
        ("event", "B", dict(meetings_scheduled=2, meetings_confirmed=1, meetings_held=1, payments=1, revenue=1500.0)),
    ],
)
def test_by_employee(hand_model: Prepared, mode: str, employee: str, expected: dict) -> None:
    check(rows(compute(hand_model, ["employee"], mode=mode), "employee")[employee], expected)


def test_cohort_by_month_dates_every_step_by_booking(hand_model: Prepared) -> None:
    table = rows(compute(hand_model, ["month"], mode="cohort"), "month")
    assert list(table) == ["2026-01", "2026-02"]  # March has only a payment, which cohort dates by booking
    check(table["2026-01"], dict(
        calls_60s=2, calls_total=3, minutes_on_line=239 / 60, leads_new=3, meetings_scheduled=4,
        meetings_confirmed=3, meetings_held=2, payments=1, revenue=1500.0, conv_scheduled_to_confirmed=0.75,
        conv_confirmed_to_held=2 / 3, conv_scheduled_to_held=0.5, conv_held_to_paid=0.5,
    ))
    check(table["2026-02"], dict(
        calls_60s=1, leads_new=1, meetings_scheduled=0, conv_call_to_scheduled=0.0, conv_scheduled_to_confirmed=N,
        conv_confirmed_to_held=N, conv_scheduled_to_held=N, conv_held_to_paid=N, paid_without_meeting=1,
        revenue_without_meeting=700.0,
    ))


def test_event_by_month_dates_every_step_on_its_own_date(hand_model: Prepared) -> None:
    table = rows(compute(hand_model, ["month"], mode="event"), "month")
    assert list(table) == ["2026-01", "2026-02", "2026-03"]
    # m1's confirmation has no date of its own: it falls back to meeting_at, then booked_at (Jan 6).
    check(table["2026-01"], dict(meetings_scheduled=4, meetings_confirmed=3, meetings_held=1, payments=0,
                                 conv_confirmed_to_held=1 / 3, conv_scheduled_to_held=0.25))
    # m1 held on Feb 3; L1 first paid Feb 10 with 1000; L4 paid without a meeting.
    check(table["2026-02"], dict(meetings_held=1, payments=1, revenue=1000.0, conv_confirmed_to_held=N,
                                 conv_held_to_paid=1.0, paid_without_meeting=1, revenue_without_meeting=700.0))
    check(table["2026-03"], dict(payments=0, revenue=500.0, calls_total=0, conv_call_to_scheduled=N))


def test_sources_come_from_the_lead_and_calls_link_by_phone(hand_model: Prepared) -> None:
    table = rows(compute(hand_model, ["source"]), "source")
    assert list(table) == ["Google", "Yandex", "site", "unknown"]
    check(table["Google"], dict(calls_total=1, leads_new=1, meetings_scheduled=2, meetings_held=2, payments=1))
    check(table["Yandex"], dict(calls_total=1, calls_60s=0, leads_nontarget=1, meetings_held=0,
                                conv_call_to_scheduled=N, conv_confirmed_to_held=0.0))
    check(table["unknown"], dict(calls_total=2, leads_new=1, meetings_scheduled=1, conv_confirmed_to_held=N))
    linked = hand_model.calls.select("call_id", "lead_id", "linked_by").rows()
    assert linked == [("c1", "L1", "lead_id"), ("c2", "L2", "phone"), ("c3", None, None), ("c5", "L3", "phone")]


def test_floor_total_and_column_order(hand_model: Prepared) -> None:
    table = compute(hand_model)
    assert table.columns == list(METRIC_KEYS)
    check(table.row(0, named=True), dict(calls_60s=3, calls_total=4, leads_new=4, meetings_scheduled=4,
                                         meetings_held=2, payments=1, revenue=1500.0, paid_without_meeting=1))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(min_call_seconds=59), dict(calls_60s=4)),
        (Filters(min_call_seconds=61), dict(calls_60s=2)),
        (Filters(date_from=date(2026, 2, 1)), dict(calls_total=1, leads_new=1, meetings_scheduled=0, payments=0)),
        (Filters(date_to=date(2026, 1, 5)), dict(calls_total=2, leads_new=1, meetings_scheduled=0)),
        (Filters(employees=("B",)), dict(calls_total=2, meetings_held=1, payments=1, paid_without_meeting=1)),
        (Filters(sources=("Google", "Yandex")), dict(leads_new=2, meetings_scheduled=3, payments=1)),
        (Filters(employees=("nobody",)), dict(calls_total=0, conv_scheduled_to_held=N, revenue=0.0)),
    ],
)
def test_filters(hand_model: Prepared, filters: Filters, expected: dict) -> None:
    check(compute(hand_model, filters=filters).row(0, named=True), expected)


def test_week_and_day_keys(hand_model: Prepared) -> None:
    weeks = compute(hand_model, ["week"])["week"].to_list()
    assert weeks[0] == "2026-W02" and "2026-W05" in weeks  # Jan 5 2026 is a Monday of ISO week 2
    days = compute(hand_model, ["employee", "day"])
    assert days.select("employee", "day").row(0) == ("A", "2026-01-05")


def test_unknown_grouping_is_refused(hand_model: Prepared) -> None:
    with pytest.raises(ValueError, match="cannot group by"):
        compute(hand_model, ["setter"])  # meetings' setters are grouped as `employee`; `hunter` is a key (§3a)


def test_repeated_lead_keeps_last_row_and_warns() -> None:
    from analytics.model import prepare
    from analytics.schema import Dataset
    from tests.conftest import dt

    leads = pl.DataFrame({"lead_id": ["X", "X"], "created_at": [dt("2026-01-01"), dt("2026-01-02")],
                          "employee": ["A", "B"]})
    model = prepare(Dataset.from_frames(leads=leads))
    assert model.leads["employee"].to_list() == ["B"]
    assert any("repeated lead_id" in w for w in model.warnings)
