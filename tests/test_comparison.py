"""When is a fall a drop? Large *and* significant; tiny numbers and wobbles never are."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics.comparison import compare
from analytics.periods import Period, last_complete_month, preset, previous, working_days
from analytics.registry import METRIC_KEYS


def table(**values: float) -> pl.DataFrame:
    """A one-row metrics table: the given numbers, zeros elsewhere, ratios derived like the engine does."""
    row = {k: 0.0 for k in METRIC_KEYS} | values
    sched, conf, held = row["meetings_scheduled"], row["meetings_confirmed"], row["meetings_held"]
    row["conv_scheduled_to_confirmed"] = conf / sched if sched else None
    row["conv_confirmed_to_held"] = held / conf if conf else None
    row["conv_scheduled_to_held"] = held / sched if sched else None
    return pl.DataFrame([row], schema={k: pl.Float64 for k in METRIC_KEYS})


def worse(current: pl.DataFrame, previous_: pl.DataFrame, key: str, weight: float = 1.0) -> bool:
    result = compare(current, previous_, weight=weight)
    return result.filter(pl.col("metric") == key)["worse"].item()


@pytest.mark.parametrize(
    ("now", "before", "key", "expected"),
    [
        (dict(meetings_held=1), dict(meetings_held=2), "meetings_held", False),  # 2 → 1: tiny numbers
        (dict(meetings_held=38), dict(meetings_held=40), "meetings_held", False),  # a 5 % wobble on 40
        (dict(meetings_held=30), dict(meetings_held=40), "meetings_held", False),  # −25 %, but p ≈ 0.16
        (dict(meetings_held=50), dict(meetings_held=100), "meetings_held", True),  # halved on a hundred
        (dict(meetings_held=90), dict(meetings_held=100), "meetings_held", False),  # −10 % < threshold
        (dict(leads_nontarget=100), dict(leads_nontarget=50), "leads_nontarget", True),  # more is worse here
        (dict(meetings_scheduled=100, meetings_confirmed=30), dict(meetings_scheduled=100, meetings_confirmed=80),
         "conv_scheduled_to_confirmed", True),
        (dict(meetings_scheduled=2, meetings_confirmed=1), dict(meetings_scheduled=2, meetings_confirmed=2),
         "conv_scheduled_to_confirmed", False),  # 100 % → 50 % on two meetings
        (dict(meetings_scheduled=40, meetings_confirmed=31), dict(meetings_scheduled=40, meetings_confirmed=33),
         "conv_scheduled_to_confirmed", False),
    ],
)
def test_drop_needs_size_and_significance(now: dict, before: dict, key: str, expected: bool) -> None:
    assert worse(table(**now), table(**before), key) is expected


def test_a_month_in_progress_is_compared_pro_rata() -> None:
    # Half the working days gone: 50 calls is the same pace as 100 last month, 25 is half the pace.
    assert not worse(table(calls_60s=50), table(calls_60s=100), "calls_60s", weight=0.5)
    assert worse(table(calls_60s=25), table(calls_60s=100), "calls_60s", weight=0.5)
    change = compare(table(calls_60s=50), table(calls_60s=100), weight=0.5).filter(pl.col("metric") == "calls_60s")
    assert change["change_rel"].item() == pytest.approx(0.0)


def test_zero_previous_gives_no_relative_change() -> None:
    change = compare(table(meetings_held=5), table()).filter(pl.col("metric") == "meetings_held")
    assert change["change_rel"].item() is None and not change["worse"].item()


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(date(2026, 10, 1), date(2026, 10, 31)), Period(date(2026, 9, 1), date(2026, 9, 30))),
        (Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2026, 2, 1), date(2026, 2, 28))),
        (Period(date(2026, 11, 1), date(2026, 11, 20)), Period(date(2026, 10, 1), date(2026, 10, 20))),
        (Period(date(2026, 3, 1), date(2026, 3, 30)), Period(date(2026, 2, 1), date(2026, 2, 28))),
        (Period(date(2026, 8, 1), date(2026, 10, 31)), Period(date(2026, 5, 1), date(2026, 7, 31))),
        (Period(date(2026, 10, 5), date(2026, 10, 11)), Period(date(2026, 9, 28), date(2026, 10, 4))),
    ],
)
def test_previous_comparable_period(period: Period, expected: Period) -> None:
    assert previous(period) == expected


def test_presets_are_anchored_on_the_data() -> None:
    anchor, first = date(2026, 11, 20), date(2026, 6, 1)
    assert preset("this_month", anchor, first) == Period(date(2026, 11, 1), anchor)
    assert preset("last_month", anchor, first) == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert preset("last_3_months", anchor, first) == Period(date(2026, 9, 1), anchor)
    assert preset("all", anchor, first) == Period(first, anchor)
    assert last_complete_month(anchor) == "2026-10"
    assert last_complete_month(date(2026, 10, 31)) == "2026-10"
    assert working_days(date(2026, 1, 1), date(2026, 1, 31)) == 22


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [
        (date(2026, 11, 30), 1.0),             # the data cover the whole month
        (date(2026, 11, 13), 10 / 22),         # 10 working days of November against October's 22
        (date(2026, 11, 1), 1.0),              # a Sunday: no working day yet, nothing to scale by
    ],
)
def test_pro_rata(last_day: date, expected: float) -> None:
    from analytics.periods import pro_rata

    november, october = Period(date(2026, 11, 1), date(2026, 11, 30)), Period(date(2026, 10, 1), date(2026, 10, 31))
    assert pro_rata(november, october, last_day) == pytest.approx(expected)
