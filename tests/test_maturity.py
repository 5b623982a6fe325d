"""Maturity: which meetings have had their chance by the data end (SPEC §6, "Only what has had its chance")."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from analytics.comparison import compare
from analytics.maturity import (
    MATURE_SUMS,
    Readiness,
    mature_facts,
    mature_meetings,
    mature_rates,
    metrics_on_mature,
    ready_on,
    sum_mature,
)
from analytics.model import prepare
from analytics.schema import Dataset

END = date(2026, 10, 30)  # a Friday export


def six_meetings() -> Dataset:
    """M2, M3, M6 booked in September, M1, M4, M5 in October, all by Ann; data end 30.10, window 30 days.

    M1 held 12.10 → due; pays by 11.11, window still open.      M4 meets 2.11 → not due yet.
    M2 held 3.9, paid 20.9 → window passed (3.10), paid in it.  M5 no meeting date → due on its booking day 29.10.
    M3 held 4.9, paid 10.10 → window passed (4.10), paid late.  M6 held 1.10 (held_at) → window open to 31.10.
    """
    ids = ["M1", "M2", "M3", "M4", "M5", "M6"]
    leads = pl.DataFrame({"lead_id": ids, "created_at": [datetime(2026, 9, 1, 9)] * 6, "employee": ["Ann"] * 6})
    meetings = pl.DataFrame({
        "lead_id": ids,
        "booked_at": [datetime(2026, 10, 10, 10), datetime(2026, 9, 1, 10), datetime(2026, 9, 2, 10),
                      datetime(2026, 10, 28, 10), datetime(2026, 10, 29, 10), datetime(2026, 9, 20, 10)],
        "meeting_at": [datetime(2026, 10, 12, 11), datetime(2026, 9, 3, 11), datetime(2026, 9, 4, 11),
                       datetime(2026, 11, 2, 11), None, datetime(2026, 9, 30, 11)],
        "held_at": [None, None, None, None, None, datetime(2026, 10, 1, 12)],
        "confirmed": [True, True, False, False, False, True],
        "held": [True, True, True, False, False, True],
    })
    payments = pl.DataFrame({"lead_id": ["M2", "M3"], "paid_at": [datetime(2026, 9, 20, 9), datetime(2026, 10, 10, 9)],
                             "amount": [100.0, 200.0]})
    return Dataset.from_frames(leads=leads, meetings=meetings, payments=payments)


def test_each_meeting_is_flagged_by_its_own_dates() -> None:
    flagged = mature_meetings(prepare(six_meetings()), END).sort("lead_id")
    assert flagged["due_on"].to_list() == [date(2026, 10, 12), date(2026, 9, 3), date(2026, 9, 4), date(2026, 11, 2),
                                           date(2026, 10, 29), date(2026, 9, 30)]
    assert flagged["due"].to_list() == [True, True, True, False, True, True]
    # held date + 30 days: 12.10 → 11.11, 3.9 → 3.10, 4.9 → 4.10, 1.10 → 31.10; not held → none
    assert flagged["pay_by"].to_list() == [date(2026, 11, 11), date(2026, 10, 3), date(2026, 10, 4), None, None,
                                           date(2026, 10, 31)]
    assert flagged["window_passed"].to_list() == [False, True, True, False, False, False]
    assert flagged["paid_in_window"].to_list() == [False, True, False, False, False, False]


def test_a_shorter_window_ripens_sooner() -> None:
    flagged = mature_meetings(prepare(six_meetings()), END, window_days=7).sort("lead_id")
    # 12.10 + 7 = 19.10 ≤ 30.10; 1.10 + 7 = 8.10 ≤ 30.10; M3 paid 10.10 > 4.9 + 7 = 11.9 → not in its window
    assert flagged["window_passed"].to_list() == [True, True, True, False, False, True]
    assert flagged["paid_in_window"].to_list() == [False, False, False, False, False, False]


def test_mature_facts_sum_the_cohort_and_its_mature_part_by_booking_month() -> None:
    table = mature_facts(prepare(six_meetings()), END)
    by_month = (table.group_by(pl.col("date").dt.strftime("%Y-%m").alias("month")).agg(pl.col(*MATURE_SUMS).sum())
                .sort("month"))
    # September: M2, M3, M6 — all due and held (held counts as confirmed); M2 and M3 ripe; M2 paid in its window.
    # October: M1, M4, M5 — M1 and M5 due; M1 confirmed and held, not ripe.
    assert by_month.to_dicts() == [
        {"month": "2026-09", "meetings_scheduled": 3, "meetings_due": 3, "confirmed_due": 3, "held_due": 3,
         "meetings_held": 3, "held_ripe": 2, "paid_ripe": 1},
        {"month": "2026-10", "meetings_scheduled": 3, "meetings_due": 2, "confirmed_due": 1, "held_due": 1,
         "meetings_held": 1, "held_ripe": 0, "paid_ripe": 0},
    ]
    rates = mature_rates(by_month).row(1, named=True)
    assert rates["conv_scheduled_to_confirmed"] == pytest.approx(1 / 2)  # M1 of M1, M5
    assert rates["conv_scheduled_to_held"] == pytest.approx(1 / 2)
    assert rates["conv_confirmed_to_held"] == pytest.approx(1.0)
    assert rates["conv_held_to_paid"] is None  # nothing ripe: null, never 0
    assert mature_rates(by_month).row(0, named=True)["conv_held_to_paid"] == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    ("mature", "cohort", "needed", "enough"),
    [
        (0, 0, 0, True),       # nothing to judge: nothing is missing
        (3, 3, 3, True),       # a small cohort, all mature: compared (the test of significance takes care of size)
        (2, 3, 3, False),      # a small cohort still maturing: wait for all of it
        (19, 30, 20, False),   # at least 20 …
        (20, 30, 20, True),
        (74, 150, 75, False),  # … and at least half
        (75, 150, 75, True),
    ],
)
def test_readiness(mature: int, cohort: int, needed: int, enough: bool) -> None:
    readiness = Readiness(mature, cohort)
    assert (readiness.needed, readiness.enough, readiness.complete) == (needed, enough, mature == cohort)


def test_ready_on_is_the_day_enough_will_be_mature() -> None:
    days = pl.Series([date(2026, 11, 5), None, date(2026, 11, 1), date(2026, 11, 3)])
    assert ready_on(days, 2) == date(2026, 11, 3)  # sorted: 1.11, 3.11, 5.11 — the second
    assert ready_on(days, 4) is None  # only three known dates
    assert ready_on(days, 0) is None


def test_metrics_on_mature_meetings_compare_like_any_metrics_table() -> None:
    """By month, the chain table counts due meetings only and the payment table ripe ones: September's held → paid
    is 1 of 2 ripe (M2; M6's window is still open), October's booked → held 1 of 2 due (M1 of M1, M5)."""
    sums = sum_mature(mature_facts(prepare(six_meetings()), END), ["month"])
    assert sums["month"].to_list() == ["2026-09", "2026-10"]
    chain = metrics_on_mature(sums, ["month"], "chain")
    assert chain["meetings_scheduled"].to_list() == [3, 2]  # due, not booked (October booked 3)
    assert chain["conv_scheduled_to_held"].to_list() == [pytest.approx(1.0), pytest.approx(0.5)]
    payment = metrics_on_mature(sums, ["month"], "payment")
    assert payment["meetings_held"].to_list() == [2, 0]
    assert payment["conv_held_to_paid"].to_list() == [pytest.approx(0.5), None]
    changes = compare(chain.filter(pl.col("month") == "2026-10").drop("month"),
                      chain.filter(pl.col("month") == "2026-09").drop("month"))
    row = changes.filter(pl.col("metric") == "conv_scheduled_to_held").row(0, named=True)
    assert (row["current"], row["previous"]) == (pytest.approx(0.5), pytest.approx(1.0))
