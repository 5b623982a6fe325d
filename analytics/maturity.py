"""Only what has had its chance is compared (SPEC §6): which meetings are mature by the data end.

A meeting dated after the data end cannot have been confirmed or held yet, and a meeting held last week cannot have
paid yet. In a cohort (meetings counted in their booking month) the last weeks of data therefore look like a
collapse of the steps after booking that is only the calendar. The rule, in one place for every screen:

- the steps after booking (9 booked → confirmed, 10 confirmed → held, 11 booked → held) are compared only on
  meetings **due** by the data end: meeting date (`meeting_at`, else the booking date) on or before it;
- held → paid (12) is compared only on held meetings whose **payment window** has passed (held date + window ≤ the
  data end, 30 days by default), and a meeting counts as paid only when its lead's first payment came within that
  window — so that a month judged 50 days later is not favoured over one judged 31 days later;
- both months of a comparison are restricted alike; where too few are mature the answer is "too early to judge".

The metric tables keep the plain definitions of SPEC §3; this module serves comparisons: diagnostics today, and the
person and overview pages should judge their month-over-month cells of 9–12 the same way —
`metrics_on_mature(sum_mature(filter_facts(mature_facts(...), filters), ["month"]), ["month"], "chain")` into
`comparison.month_over_month`, instead of leaving a whole month in progress unjudged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from analytics.comparison import as_next_month, compare
from analytics.metrics import SUMMED, Filters, derived, filter_facts, period_keys
from analytics.model import Prepared
from analytics.registry import METRIC_KEYS

DEFAULT_PAYMENT_WINDOW_DAYS = 30
# Fewer mature meetings than this (while more are still to come) are too few to judge a step on.
MIN_MATURE = 20

# What `mature_facts` sums per (date, employee, source): the cohort and its mature part.
MATURE_SUMS: tuple[str, ...] = (
    "meetings_scheduled", "meetings_due", "confirmed_due", "held_due", "meetings_held", "held_ripe", "paid_ripe",
)
# The meeting counts a comparison reads, replaced by their mature part: the chain (9–11) on due meetings, held → paid
# (12) on held meetings whose window has passed.
Step = Literal["chain", "payment"]
MATURE_COUNTS: dict[Step, dict[str, str]] = {
    "chain": {"meetings_scheduled": "meetings_due", "meetings_confirmed": "confirmed_due", "meetings_held": "held_due"},
    "payment": {"meetings_held": "held_ripe", "payments": "paid_ripe"},
}
STEP_RATES: dict[Step, tuple[str, ...]] = {
    "chain": ("conv_scheduled_to_confirmed", "conv_confirmed_to_held", "conv_scheduled_to_held"),
    "payment": ("conv_held_to_paid",),
}
MATURE_RATES: dict[str, tuple[str, str]] = {  # rate: (numerator, denominator) over mature meetings only
    "conv_scheduled_to_confirmed": ("confirmed_due", "meetings_due"),
    "conv_confirmed_to_held": ("held_due", "confirmed_due"),
    "conv_scheduled_to_held": ("held_due", "meetings_due"),
    "conv_held_to_paid": ("paid_ripe", "held_ripe"),
}


def mature_meetings(model: Prepared, data_end: date, window_days: int = DEFAULT_PAYMENT_WINDOW_DAYS) -> pl.DataFrame:
    """The meetings table with what has had its chance flagged.

    Added columns: `due_on` (meeting date, else booking date), `due` (due_on ≤ data end), `pay_by` (a held
    meeting's held date + the window), `window_passed` (held and pay_by ≤ data end) and `paid_in_window` (the lead's
    first payment is credited to this meeting and came by pay_by).
    """
    credited = model.paid_leads.filter(pl.col("credited_meeting_row").is_not_null()).select(
        pl.col("credited_meeting_row").alias("meeting_row"), pl.col("first_paid_at").dt.date().alias("_paid_on"))
    window = timedelta(days=window_days)
    return (
        model.meetings.join(credited, on="meeting_row", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("meeting_at", "booked_at").dt.date().alias("due_on"),
            pl.when(pl.col("held")).then(pl.col("held_date").dt.date() + window).alias("pay_by"),
        )
        .with_columns(
            (pl.col("due_on") <= data_end).fill_null(False).alias("due"),
            (pl.col("pay_by") <= data_end).fill_null(False).alias("window_passed"),
            (pl.col("_paid_on") <= pl.col("pay_by")).fill_null(False).alias("paid_in_window"),
        )
        .drop("_paid_on")
    )


def mature_facts(model: Prepared, data_end: date, window_days: int = DEFAULT_PAYMENT_WINDOW_DAYS) -> pl.DataFrame:
    """Cohort facts of the meetings (dated by booking, credited to the setter) with their mature part:
    `MATURE_SUMS` per (date, employee, source, hunter). Filter it with `metrics.filter_facts` like the other facts."""
    return facts_of_mature(mature_meetings(model, data_end, window_days))


def facts_of_mature(meetings: pl.DataFrame) -> pl.DataFrame:
    """`mature_facts` of a table that `mature_meetings` made (when the caller needs the meetings too)."""
    flag = lambda name: pl.col(name).cast(pl.Int64)  # noqa: E731
    return (
        meetings.lazy()
        .select(
            pl.col("booked_at").dt.date().alias("date"), pl.col("setter").alias("employee"), "source", "hunter",
            pl.lit(1, pl.Int64).alias("meetings_scheduled"),
            flag("due").alias("meetings_due"),
            (pl.col("due") & pl.col("confirmed")).cast(pl.Int64).alias("confirmed_due"),
            (pl.col("due") & pl.col("held")).cast(pl.Int64).alias("held_due"),
            flag("held").alias("meetings_held"),
            flag("window_passed").alias("held_ripe"),
            (pl.col("window_passed") & pl.col("paid_in_window")).cast(pl.Int64).alias("paid_ripe"),
        )
        .group_by("date", "employee", "source", "hunter")
        .agg(pl.col(*MATURE_SUMS).sum())
        .sort("date", "employee", "source", "hunter", nulls_last=True)
        .collect()
    )


def sum_mature(frame: pl.DataFrame | pl.LazyFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """MATURE_SUMS per group of `by` (employee, source, and day / week / month as in `metrics.aggregate`)."""
    by = list(by)
    lazy = frame.lazy().with_columns(**{k: e for k, e in period_keys().items() if k in by})
    summed = pl.col(*MATURE_SUMS).sum()
    return (lazy.group_by(by).agg(summed).sort(by, nulls_last=True) if by else lazy.select(summed)).collect()


def metrics_on_mature(sums: pl.DataFrame, by: Sequence[str], step: Step) -> pl.DataFrame:
    """A metrics table (the columns of `metrics.aggregate`) whose meeting counts are the mature ones of `step`, so
    that `comparison.compare` and `month_over_month` judge the rates of `STEP_RATES[step]` on mature meetings only.
    Only those rates (and the counts behind them) mean something in it; the other metrics are zero or null."""
    counts = MATURE_COUNTS[step]
    summed = [pl.col(counts[c]).alias(c) if c in counts else pl.lit(0, pl.Int64).alias(c) for c in SUMMED]
    return sums.select(*by, *summed).with_columns(derived()).select(*by, *METRIC_KEYS)


def mature_rates(sums: pl.DataFrame) -> pl.DataFrame:
    """Add the conversions 9–12 computed on mature meetings only (null where nothing is mature)."""
    return sums.with_columns(
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).alias(rate)
        for rate, (num, den) in MATURE_RATES.items()
    )


@dataclass(frozen=True)
class Readiness:
    """How much of one cohort has had its chance: `mature` of `cohort`, and whether that is enough to judge."""

    mature: int
    cohort: int

    @property
    def needed(self) -> int:
        """At least half the cohort and at least MIN_MATURE — or the whole cohort when it is smaller than that."""
        return min(self.cohort, max(MIN_MATURE, math.ceil(self.cohort / 2)))

    @property
    def enough(self) -> bool:
        return self.mature >= self.needed

    @property
    def complete(self) -> bool:
        return self.mature == self.cohort


def ready_on(maturity_dates: pl.Series, needed: int) -> date | None:
    """The day by which `needed` of the cohort will be mature (the needed-th earliest maturity date)."""
    known = maturity_dates.drop_nulls().sort()
    return known[needed - 1] if 0 < needed <= known.len() else None


# ---- the screens' drops: the steps after booking judged on what has had its chance -----------------------------
# The rates of each step and the counts that still grow in a cohort while its meetings are ahead.
AFTER_BOOKING_RATES = frozenset(rate for rates in STEP_RATES.values() for rate in rates)
STEP_COUNTS: dict[Step, tuple[str, ...]] = {
    "chain": ("meetings_confirmed", "meetings_held"),
    "payment": ("payments", "revenue"),
}
# (mature, cohort) of each step in `sum_mature`'s columns: due of booked; past their window of held.
STEP_COHORT: dict[Step, tuple[str, str]] = {"chain": ("meetings_due", "meetings_scheduled"),
                                            "payment": ("held_ripe", "meetings_held")}


def _readiness(sums: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Per group and month (and the month before it, paired as `comparison.month_over_month` pairs them): whether
    each step has enough mature meetings to judge its rates (`Readiness.enough`) and all of them to judge its
    counts (`Readiness.complete`), in both months."""
    flags = []
    for step, (mature, cohort) in STEP_COHORT.items():
        needed = pl.min_horizontal(pl.col(cohort), pl.max_horizontal(pl.lit(MIN_MATURE), (pl.col(cohort) / 2).ceil()))
        flags += [(pl.col(mature) >= needed).alias(f"{step}_enough"), (pl.col(mature) == pl.col(cohort)).alias(
            f"{step}_complete")]
    ready = sums.select(*by, "month", *flags)
    before = as_next_month(ready)
    names = [f"{s}_{k}" for s in STEP_COHORT for k in ("enough", "complete")]
    # A group with no meetings the month before has nothing unready there.
    joined = ready.join(before, on=[*by, "month"], how="left", suffix="_before", nulls_equal=True)
    return joined.select(*by, "month", *((pl.col(n) & pl.col(f"{n}_before").fill_null(True)).alias(n) for n in names))


def _mature_changes(sums: pl.DataFrame, by: list[str], step: Step, weights: dict[str, float]) -> pl.DataFrame:
    """Each month against the month before (paired as `month_over_month` pairs them) on the mature meetings of
    `step`. The counts of the chain (confirmed, held on due meetings) are weighed by the share of each month's
    cohort that is due, so that a month whose last meetings are still ahead is not read as a fall of its count."""
    keys = [*by, "month"]
    first_month = sums["month"].min()
    mature, cohort = STEP_COHORT[step]
    share = (pl.when(pl.col(cohort) > 0).then(pl.col(mature) / pl.col(cohort)).otherwise(1.0) if step == "chain"
             else pl.lit(1.0)).alias("due_share")
    table = metrics_on_mature(sums, keys, step).with_columns(sums.with_columns(share)["due_share"])
    previous = as_next_month(table)
    weight = (pl.col("month").replace_strict(weights, default=1.0, return_dtype=pl.Float64)
              * (pl.col("due_share") / pl.col("due_share_prev")).fill_null(1.0).fill_nan(1.0))
    return compare(table.filter(pl.col("month") != first_month), previous, keys, weight=weight)


def judged_on_mature(changes: pl.DataFrame, sums: pl.DataFrame, by: Sequence[str] = (),
                     weights: dict[str, float] | None = None) -> pl.DataFrame:
    """`comparison.month_over_month`'s changes (grouped by `by` and `month`) with the steps after booking judged as
    the diagnostics judge them, in both months alike:

    - the rates 9–11 on meetings due by the data end, 12 on held meetings past their payment window, and the counts
      confirmed and held on due meetings (weighed by the share of the cohort that is due) — only when enough of
      both months' meetings are mature (`Readiness.enough`);
    - payments and revenue only when every held meeting of both months is past its window (`Readiness.complete`).

    `sums` is `sum_mature` of the same scope grouped by `by` and `month` (a week or a period may be named `month`);
    `weights` are the months' pro rata exposures given to `month_over_month`. Adds `too_early`: True where a metric
    after booking cannot be judged yet ("too early to judge", not a drop). For cohort mode only: event mode counts
    what happened and is compared as it is."""
    by = list(by)
    keys = [*by, "month"]
    if changes.is_empty() or sums.select("month").n_unique() < 2:
        return changes.with_columns(pl.lit(False).alias("too_early"))
    mature = pl.concat([
        _mature_changes(sums, by, step, weights or {}).filter(pl.col("metric").is_in(STEP_RATES[step] + (
            STEP_COUNTS[step] if step == "chain" else ()))).select(*keys, "metric", pl.col("worse").alias("mature"))
        for step in STEP_RATES])
    judged = (changes.join(_readiness(sums, by), on=keys, how="left", nulls_equal=True)
              .join(mature, on=[*keys, "metric"], how="left", nulls_equal=True))
    worse, ready = pl.col("worse"), pl.lit(True)
    for step in STEP_RATES:
        enough, complete = pl.col(f"{step}_enough").fill_null(True), pl.col(f"{step}_complete").fill_null(True)
        on_mature = pl.col("metric").is_in(STEP_RATES[step] + (STEP_COUNTS[step] if step == "chain" else ()))
        when_complete = pl.col("metric").is_in(STEP_COUNTS[step] if step == "payment" else ())
        worse = (pl.when(on_mature).then(pl.col("mature").fill_null(False) & enough)
                 .when(when_complete).then(pl.col("worse") & complete).otherwise(worse))
        ready = pl.when(on_mature).then(enough).when(when_complete).then(complete).otherwise(ready)
    names = [f"{s}_{k}" for s in STEP_COHORT for k in ("enough", "complete")]
    return judged.with_columns(worse.alias("worse"), (~ready).alias("too_early")).drop("mature", *names)


def judged_periods(changes: pl.DataFrame, mature: pl.DataFrame, now: Filters, before: Filters,
                   by: Sequence[str] = (), weight: float = 1.0) -> pl.DataFrame:
    """`comparison.compare`'s changes of a period against the one before (`weight`: its pro rata exposure), judged
    like `judged_on_mature` (the Overview's and a person's cards, the leaderboard): `mature` is `mature_facts`."""
    by = list(by)
    labelled = [sum_mature(filter_facts(mature, filters), by).with_columns(pl.lit(label).alias("month"))
                for label, filters in (("1", before), ("2", now))]
    judged = judged_on_mature(changes.with_columns(pl.lit("2").alias("month")), pl.concat(labelled), by,
                              {"2": weight})
    return judged.drop("month")
