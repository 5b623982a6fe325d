"""Invariants of the metrics over random floors (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.metrics import Filters, compute
from analytics.model import prepare
from analytics.registry import COUNT_KEYS
from analytics.schema import Dataset

START = datetime(2026, 1, 1)
PEOPLE = ["A", "B", "C"]
SOURCES = ["google", "Яндекс", "site", None]
moments = st.integers(0, 90 * 24).map(lambda hours: START + timedelta(hours=hours))


@st.composite
def floors(draw: st.DrawFn) -> Dataset:
    n_leads = draw(st.integers(1, 12))
    lead_ids = [f"L{i}" for i in range(n_leads)]
    leads = pl.DataFrame({
        "lead_id": lead_ids,
        "created_at": draw(st.lists(moments, min_size=n_leads, max_size=n_leads)),
        "employee": draw(st.lists(st.sampled_from(PEOPLE), min_size=n_leads, max_size=n_leads)),
        "source": draw(st.lists(st.sampled_from(SOURCES), min_size=n_leads, max_size=n_leads)),
        "is_target": draw(st.lists(st.sampled_from([True, False, None]), min_size=n_leads, max_size=n_leads)),
        "phone": [f"8900000{i:04d}" for i in range(n_leads)],
    }, schema_overrides={"is_target": pl.Boolean, "source": pl.String})
    meeting = st.fixed_dictionaries({
        "lead_id": st.sampled_from(lead_ids), "booked_at": moments, "setter": st.sampled_from([*PEOPLE, None]),
        "meeting_at": st.none() | moments, "confirmed": st.sampled_from([True, False, None]),
        "confirmed_at": st.none() | moments, "held": st.booleans(), "held_at": st.none() | moments,
    })
    payment = st.fixed_dictionaries({
        "lead_id": st.sampled_from([*lead_ids, "nobody"]), "paid_at": moments,
        "amount": st.floats(0, 1e6, allow_nan=False),
    })
    call = st.fixed_dictionaries({
        "started_at": moments, "employee": st.sampled_from(PEOPLE), "duration_s": st.integers(0, 400),
        "lead_id": st.none() | st.sampled_from(lead_ids),
        "phone": st.none() | st.integers(0, n_leads + 2).map(lambda i: f"+7 900 000 {i:04d}"),
    })
    frame = lambda items, table: pl.DataFrame(items, schema=Dataset.from_frames().table(table).schema) if items \
        else None  # noqa: E731
    return Dataset.from_frames(
        leads=leads,
        meetings=frame(draw(st.lists(meeting, max_size=15)), "meetings"),
        payments=frame(draw(st.lists(payment, max_size=8)), "payments"),
        calls=frame(draw(st.lists(call, max_size=20)), "calls"),
    )


FUNNEL_CONVERSIONS = ("conv_scheduled_to_confirmed", "conv_confirmed_to_held", "conv_scheduled_to_held",
                      "conv_held_to_paid")


@settings(max_examples=60, deadline=None)
@given(floors())
def test_cohort_funnel_conversions_are_rates(data: Dataset) -> None:
    table = compute(prepare(data), ["employee", "source", "month"], mode="cohort")
    for key in FUNNEL_CONVERSIONS:
        values = table[key].drop_nulls()
        assert ((values >= 0) & (values <= 1)).all(), key


@pytest.mark.parametrize("mode", ["cohort", "event"])
@settings(max_examples=40, deadline=None)
@given(data=floors())
def test_employees_sum_to_the_floor(data: Dataset, mode: str) -> None:
    model = prepare(data)
    floor = compute(model, mode=mode)
    by_employee = compute(model, ["employee"], mode=mode)
    for key in COUNT_KEYS:
        assert by_employee[key].sum() == pytest.approx(floor[key].item()), key


@settings(max_examples=40, deadline=None)
@given(data=floors(), source=st.sampled_from(["Google", "Yandex", "site", "unknown"]))
def test_one_source_filter_equals_its_row(data: Dataset, source: str) -> None:
    model = prepare(data)
    by_source = compute(model, ["source"]).filter(pl.col("source") == source).drop("source")
    filtered = compute(model, filters=Filters(sources=(source,)))
    if by_source.is_empty():
        assert all(filtered[k].item() in (0, 0.0) for k in COUNT_KEYS)
    else:
        assert_frame_equal(by_source, filtered, check_exact=False)
