"""Daily plans of the lead generators and how they are met (SPEC §5).

Plans count in event mode (held meetings on the day they were held, credited to the setter). A person's plan
runs on working days between their first and last activity in the data, so a new hire is not "below plan"
before their first day. The plan of a period is the daily plan × its working days up to the last date in the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from analytics.metrics import NO_FILTERS, Filters, filter_facts
from analytics.periods import WEEKDAYS, Period, month_end, month_start, working_days

PLAN_METRICS: tuple[str, ...] = ("calls_60s", "meetings_scheduled", "meetings_held")


@dataclass(frozen=True)
class DailyPlan:
    """A range per metric: below `low` is below plan; `high` is the ambitious end of the band."""

    calls_60s: tuple[float, float] = (80, 100)
    meetings_scheduled: tuple[float, float] = (3, 5)
    meetings_held: tuple[float, float] = (3, 3)

    def low(self, key: str) -> float:
        return getattr(self, key)[0]

    def high(self, key: str) -> float:
        return getattr(self, key)[1]

    def to_dict(self) -> dict[str, list[float]]:
        return {k: list(getattr(self, k)) for k in PLAN_METRICS}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> DailyPlan:
        values = {}
        for key in PLAN_METRICS:
            pair = raw.get(key)
            if isinstance(pair, list | tuple) and len(pair) == 2:
                low, high = float(pair[0]), float(pair[1])
                values[key] = (min(low, high), max(low, high))
        return cls(**values)


DEFAULT_PLAN = DailyPlan()
EVERYONE = "*"  # the saved plan that applies to whoever has none of their own


def resolve_plan(saved: Mapping[str, Mapping[str, object] | DailyPlan], person: str) -> DailyPlan:
    """Which plan applies to a person: their own, else everyone's ("*"), else the default of SPEC §5.
    The one rule for the Plan page, the person's page, diagnostics and the command line."""
    chosen = saved.get(person) or saved.get(EVERYONE)
    if chosen is None:
        return DEFAULT_PLAN
    return chosen if isinstance(chosen, DailyPlan) else DailyPlan.from_dict(chosen)


def resolve_plans(saved: Mapping[str, Mapping[str, object] | DailyPlan], people: Iterable[str]) -> dict[str, DailyPlan]:
    return {person: resolve_plan(saved, person) for person in people}


def plan_frame(people: list[str], plans: Mapping[str, DailyPlan]) -> pl.DataFrame:
    """One row per person and plan metric: low and high daily plan."""
    rows = [
        {"employee": p, "metric": k, "plan_low": plans.get(p, DEFAULT_PLAN).low(k),
         "plan_high": plans.get(p, DEFAULT_PLAN).high(k)}
        for p in people for k in PLAN_METRICS
    ]
    return pl.DataFrame(rows, schema={"employee": pl.String, "metric": pl.String, "plan_low": pl.Float64,
                                      "plan_high": pl.Float64})


def daily_attainment(
    event_facts: pl.DataFrame,
    period: Period,
    plans: Mapping[str, DailyPlan],
    filters: Filters = NO_FILTERS,
    weekdays: tuple[int, ...] = WEEKDAYS,
) -> pl.DataFrame:
    """Per person, day and plan metric: actual, plan_low, plan_high, attainment (actual / low), below.

    Every calendar day of a person's active span is listed: the plan applies on working days only, but what was
    done on a Saturday still counts towards the period.
    """
    scoped = filter_facts(event_facts, Filters(employees=filters.employees, sources=filters.sources)).collect()
    active = (
        scoped.filter(pl.col("employee").is_not_null())
        .group_by("employee")
        .agg(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
    )
    if active.is_empty() or period.end < period.start:
        return pl.DataFrame(schema={"employee": pl.String, "date": pl.Date, "metric": pl.String, "actual": pl.Float64,
                                    "plan_low": pl.Float64, "plan_high": pl.Float64, "working": pl.Boolean,
                                    "attainment": pl.Float64, "below": pl.Boolean})
    actual = (
        scoped.filter(pl.col("date").is_between(period.start, period.end))
        .group_by("employee", "date")
        .agg(pl.col(list(PLAN_METRICS)).sum())
        .unpivot(list(PLAN_METRICS), index=["employee", "date"], variable_name="metric", value_name="actual")
    )
    days = pl.date_range(period.start, period.end, "1d", eager=True).alias("date").to_frame()
    working = pl.col("date").dt.weekday().is_in([d + 1 for d in weekdays])
    return (
        active.join(days, how="cross")
        .filter(pl.col("date").is_between(pl.col("first"), pl.col("last")))
        .drop("first", "last")
        .join(plan_frame(active["employee"].to_list(), plans), on="employee")
        .join(actual, on=["employee", "date", "metric"], how="left")
        .with_columns(pl.col("actual").fill_null(0).cast(pl.Float64), working.alias("working"))
        .filter(pl.col("working") | (pl.col("actual") > 0))
        .with_columns(pl.when(pl.col("working")).then(pl.col(c)).otherwise(0.0).alias(c)
                      for c in ("plan_low", "plan_high"))
        .with_columns(
            pl.when(pl.col("plan_low") > 0).then(pl.col("actual") / pl.col("plan_low")).alias("attainment"),
            (pl.col("working") & (pl.col("actual") < pl.col("plan_low"))).alias("below"),
        )
        .sort("employee", "date", "metric")
    )


def period_attainment(daily: pl.DataFrame) -> pl.DataFrame:
    """Per person and plan metric over the whole period: actual, plan (low × working days), attainment,
    working days and the days below plan."""
    return (
        daily.group_by("employee", "metric")
        .agg(
            pl.col("actual").sum(),
            pl.col("plan_low").sum().alias("plan"),
            pl.col("plan_high").sum().alias("plan_high"),
            pl.col("working").sum().alias("working_days"),
            pl.col("below").sum().alias("days_below"),
        )
        .with_columns(pl.when(pl.col("plan") > 0).then(pl.col("actual") / pl.col("plan")).alias("attainment"))
        .sort("employee", "metric")
    )


def pacing(
    event_facts: pl.DataFrame,
    last_day: date,
    plans: Mapping[str, DailyPlan],
    filters: Filters = NO_FILTERS,
    weekdays: tuple[int, ...] = WEEKDAYS,
) -> pl.DataFrame:
    """The month in progress: actual so far, projected month end at the current pace, the month's plan, on track."""
    start, end = month_start(last_day), month_end(last_day)
    elapsed = working_days(start, last_day, weekdays)
    total = working_days(start, end, weekdays)
    so_far = period_attainment(daily_attainment(event_facts, Period(start, last_day), plans, filters, weekdays))
    if so_far.is_empty() or elapsed == 0:
        return so_far
    return so_far.with_columns(
        (pl.col("actual") / elapsed * total).alias("projected"),
        (pl.col("plan") / pl.col("working_days") * total).alias("month_plan"),
        pl.lit(elapsed).alias("days_elapsed"),
        pl.lit(total).alias("days_in_month"),
    ).with_columns((pl.col("projected") >= pl.col("month_plan")).alias("on_track"))

