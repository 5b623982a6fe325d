"""The metrics of SPEC §3 for any grouping and filters, in cohort or event mode.

Every source table is turned into dated *facts* — (date, employee, source) with counts — and summed once per
day, person and source. Any grouping by employee/source/day/week/month and any filter is then a filter and a
sum over that small frame, so the two counting modes differ only in how the facts are dated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import polars as pl

from analytics.model import Prepared
from analytics.registry import GROUP_KEYS, METRIC_KEYS, RATIO_METRICS

Mode = Literal["cohort", "event"]
MODES: tuple[Mode, ...] = ("cohort", "event")
DEFAULT_MIN_CALL_SECONDS = 60

# What the facts frame sums; minutes_on_line and the ratios are derived from these.
SUMMED: tuple[str, ...] = (
    "calls_60s", "calls_total", "seconds_on_line", "leads_new", "leads_target", "leads_nontarget",
    "meetings_scheduled", "meetings_confirmed", "meetings_held", "payments", "revenue",
    "paid_without_meeting", "revenue_without_meeting",
)
FACT_KEYS: tuple[str, ...] = ("date", "employee", "source")


@dataclass(frozen=True)
class Filters:
    """SPEC §3 filters: an inclusive date range, people, sources and the minimum call length T."""

    date_from: date | None = None
    date_to: date | None = None
    employees: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    min_call_seconds: int = DEFAULT_MIN_CALL_SECONDS


NO_FILTERS = Filters()


def _dated(frame: pl.DataFrame, when: str, employee: str, **counts: pl.Expr) -> pl.LazyFrame:
    return frame.lazy().select(
        pl.col(when).dt.date().alias("date"),
        pl.col(employee).alias("employee"),
        "source",
        *(expr.alias(name) for name, expr in counts.items()),
    )


def _flag(name: str) -> pl.Expr:
    return pl.col(name).fill_null(False).cast(pl.Int64)


def _meeting_facts(meetings: pl.DataFrame, mode: Mode) -> list[pl.LazyFrame]:
    one = pl.lit(1, pl.Int64)
    if mode == "cohort":
        return [
            _dated(
                meetings, "booked_at", "setter",
                meetings_scheduled=one, meetings_confirmed=_flag("confirmed"), meetings_held=_flag("held"),
            )
        ]
    return [
        _dated(meetings, "booked_at", "setter", meetings_scheduled=one),
        _dated(meetings.filter(pl.col("confirmed")), "confirmed_date", "setter", meetings_confirmed=one),
        _dated(meetings.filter(pl.col("held")), "held_date", "setter", meetings_held=one),
    ]


def _payment_facts(model: Prepared, mode: Mode) -> list[pl.LazyFrame]:
    one = pl.lit(1, pl.Int64)
    credited = pl.col("credited_meeting_row").is_not_null()
    paid, rows = model.paid_leads, model.payments
    if mode == "cohort":
        return [
            _dated(paid.filter(credited), "credited_booked_at", "credited_to", payments=one, revenue=pl.col("amount")),
            _dated(
                paid.filter(~credited), "first_paid_at", "lead_employee",
                paid_without_meeting=one, revenue_without_meeting=pl.col("amount"),
            ),
        ]
    return [
        _dated(paid.filter(credited), "first_paid_at", "credited_to", payments=one),
        _dated(rows.filter(credited), "paid_at", "credited_to", revenue=pl.col("amount")),
        _dated(paid.filter(~credited), "first_paid_at", "lead_employee", paid_without_meeting=one),
        _dated(rows.filter(~credited), "paid_at", "lead_employee", revenue_without_meeting=pl.col("amount")),
    ]


def facts(model: Prepared, mode: Mode = "cohort", min_call_seconds: int = DEFAULT_MIN_CALL_SECONDS) -> pl.DataFrame:
    """Every countable event summed per (date, employee, source); the one frame all metrics read."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    one = pl.lit(1, pl.Int64)
    parts = [
        _dated(
            model.calls, "started_at", "employee",
            calls_total=one,
            calls_60s=(pl.col("duration_s") >= min_call_seconds).cast(pl.Int64),
            seconds_on_line=pl.col("duration_s").fill_null(0),
        ),
        _dated(
            model.leads, "created_at", "employee",
            leads_new=one,
            leads_target=(pl.col("is_target") == True).fill_null(False).cast(pl.Int64),  # noqa: E712
            leads_nontarget=(pl.col("is_target") == False).fill_null(False).cast(pl.Int64),  # noqa: E712
        ),
        *_meeting_facts(model.meetings, mode),
        *_payment_facts(model, mode),
    ]
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .group_by(FACT_KEYS)
        .agg(pl.col(c).sum() for c in SUMMED)
        .with_columns(pl.col(c).fill_null(0) for c in SUMMED)
        .with_columns(pl.col("revenue", "revenue_without_meeting").cast(pl.Float64))
        .sort(FACT_KEYS, nulls_last=True)
        .collect()
    )


def period_keys() -> dict[str, pl.Expr]:
    """The calendar grouping keys of SPEC §3, as text: day `YYYY-MM-DD`, ISO week `YYYY-Www`, month `YYYY-MM`."""
    return {
        "day": pl.col("date").dt.strftime("%Y-%m-%d"),
        "week": pl.col("date").dt.strftime("%G-W%V"),
        "month": pl.col("date").dt.strftime("%Y-%m"),
    }


def filter_facts(frame: pl.DataFrame | pl.LazyFrame, filters: Filters) -> pl.LazyFrame:
    lazy = frame.lazy()
    if filters.date_from is not None:
        lazy = lazy.filter(pl.col("date") >= filters.date_from)
    if filters.date_to is not None:
        lazy = lazy.filter(pl.col("date") <= filters.date_to)
    if filters.employees is not None:
        lazy = lazy.filter(pl.col("employee").is_in(list(filters.employees)))
    if filters.sources is not None:
        lazy = lazy.filter(pl.col("source").is_in(list(filters.sources)))
    return lazy


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """A conversion: null where the denominator is zero (SPEC §3), never 0 or NaN."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def derived() -> list[pl.Expr]:
    """minutes_on_line and every conversion, from summed counts."""
    return [
        (pl.col("seconds_on_line") / 60).alias("minutes_on_line"),
        *(ratio(pl.col(m.numerator), pl.col(m.denominator)).alias(m.key) for m in RATIO_METRICS),
    ]


def aggregate(frame: pl.DataFrame | pl.LazyFrame, by: tuple[str, ...] | list[str] = ()) -> pl.DataFrame:
    """Sum facts by the grouping keys and derive the ratios; columns are the group keys then METRIC_KEYS."""
    by = tuple(by)
    unknown = [k for k in by if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)}; choose from {', '.join(GROUP_KEYS)}")
    calendar = {k: e for k, e in period_keys().items() if k in by}
    lazy = frame.lazy().with_columns(**calendar)
    summed = pl.col(*SUMMED).sum()
    grouped = lazy.group_by(by).agg(summed).sort(by, nulls_last=True) if by else lazy.select(summed)
    return grouped.with_columns(derived()).select(*by, *METRIC_KEYS).collect()


# The tables each metric is counted from: with a calls log alone, the metrics of deals are unknown, not zero.
NEEDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("calls_60s", "calls_total", "minutes_on_line"), frozenset({"calls"})),
    **dict.fromkeys(("leads_new", "leads_target", "leads_nontarget"), frozenset({"leads"})),
    **dict.fromkeys(("meetings_scheduled", "meetings_confirmed", "meetings_held", "conv_scheduled_to_confirmed",
                     "conv_confirmed_to_held", "conv_scheduled_to_held"), frozenset({"meetings"})),
    "conv_call_to_scheduled": frozenset({"calls", "meetings"}),
    **dict.fromkeys(("payments", "revenue", "conv_held_to_paid"), frozenset({"meetings", "payments"})),
    **dict.fromkeys(("paid_without_meeting", "revenue_without_meeting"), frozenset({"payments"})),
}


def without_missing(table: pl.DataFrame, available: frozenset[str] | set[str]) -> pl.DataFrame:
    """Null the metrics whose tables no input provided (SPEC §7: with calls alone, only 1 and 1.1 are numbers)."""
    unknown = [key for key, needs in NEEDS.items() if key in table.columns and not needs <= available]
    return table.with_columns(pl.lit(None, table.schema[key]).alias(key) for key in unknown)


def compute(
    model: Prepared,
    by: tuple[str, ...] | list[str] = (),
    filters: Filters = NO_FILTERS,
    mode: Mode = "cohort",
) -> pl.DataFrame:
    """The metrics table: one row per group, the metric keys as columns, sorted by the group keys."""
    return aggregate(filter_facts(facts(model, mode, filters.min_call_seconds), filters), by)
