"""The metrics of SPEC §3 for any grouping and filters, in cohort or event mode.

Every source table is turned into dated *facts* — (date, employee, source, hunter) with counts — and summed once
per day, person, source and hunter. Any grouping by employee/source/hunter/day/week/month and any filter is then a
filter and a sum over that small frame, so the two counting modes differ only in how the facts are dated.

Hunters (SPEC §3a): a meeting's facts carry its hunter, a paid lead's the hunter of the first held meeting that
credits its setter. Calls, leads and payments without a held meeting are no hunter's work: their facts have no hunter,
and with a hunter grouping or filter their metrics are null, never zero.
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
FACT_KEYS: tuple[str, ...] = ("date", "employee", "source", "hunter")
# The facts record the T their calls_60s was counted with, so that a filter asking for another T is refused.
T_COLUMN = "min_call_seconds"
# What is no hunter's work (SPEC §3a): calls (1, 1.1, hence 8) and leads (2–4), and a payment with no held meeting,
# which no hunter held. Null, not zero, wherever hunters are grouped or filtered.
NOT_HUNTERS_WORK: tuple[str, ...] = (
    "calls_60s", "calls_total", "seconds_on_line", "leads_new", "leads_target", "leads_nontarget",
    "paid_without_meeting", "revenue_without_meeting",
)
MONEY_SUMS = frozenset({"revenue", "revenue_without_meeting"})
# The metrics counted from calls (1, all calls, 1.1, 8 call → booked): `NEEDS` names "calls" for exactly these. A
# call has a source only through a linked lead, so split by source they are not shown (analytics/scope.py).
CALL_METRICS: tuple[str, ...] = ("calls_60s", "calls_total", "minutes_on_line", "conv_call_to_scheduled")


class _FactsT(int):
    """The T of a Filters that names none: 60 where the facts are built (`compute`, `facts`), and "the T the facts
    were built with" to `filter_facts` — so a filter that only scopes dates, people or sources never clashes."""


_T_NOT_NAMED = _FactsT(DEFAULT_MIN_CALL_SECONDS)


@dataclass(frozen=True)
class Filters:
    """SPEC §3 filters: an inclusive date range, people, sources, hunters and the minimum call length T.

    T decides how the facts count calls (see `facts`); `filter_facts` refuses facts counted with another T.
    `hunters` is last so that the positional order of the older fields is kept.
    """

    date_from: date | None = None
    date_to: date | None = None
    employees: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    min_call_seconds: int = _T_NOT_NAMED
    hunters: tuple[str, ...] | None = None


NO_FILTERS = Filters()


def _dated(frame: pl.DataFrame, when: str, employee: str, hunter: str | None, **counts: pl.Expr) -> pl.LazyFrame:
    return frame.lazy().select(
        pl.col(when).dt.date().alias("date"),
        pl.col(employee).alias("employee"),
        "source",
        *([pl.col(hunter).alias("hunter")] if hunter else []),
        *(expr.alias(name) for name, expr in counts.items()),
    )


def _sum_dtype(column: str) -> pl.DataType:
    return pl.Float64() if column in MONEY_SUMS else pl.Int64()


def _flag(name: str) -> pl.Expr:
    return pl.col(name).fill_null(False).cast(pl.Int64)


def _meeting_facts(meetings: pl.DataFrame, mode: Mode) -> list[pl.LazyFrame]:
    one = pl.lit(1, pl.Int64)
    if mode == "cohort":
        return [
            _dated(
                meetings, "booked_at", "setter", "hunter",
                meetings_scheduled=one, meetings_confirmed=_flag("confirmed"), meetings_held=_flag("held"),
            )
        ]
    return [
        _dated(meetings, "booked_at", "setter", "hunter", meetings_scheduled=one),
        _dated(meetings.filter(pl.col("confirmed")), "confirmed_date", "setter", "hunter", meetings_confirmed=one),
        _dated(meetings.filter(pl.col("held")), "held_date", "setter", "hunter", meetings_held=one),
    ]


def _payment_facts(model: Prepared, mode: Mode) -> tuple[list[pl.LazyFrame], list[pl.LazyFrame]]:
    """The facts of the paid leads credited through a held meeting (a hunter's) and of those without one."""
    one = pl.lit(1, pl.Int64)
    credited = pl.col("credited_meeting_row").is_not_null()
    paid, rows = model.paid_leads, model.payments
    if mode == "cohort":
        return [
            _dated(paid.filter(credited), "credited_booked_at", "credited_to", "credited_hunter",
                   payments=one, revenue=pl.col("amount")),
        ], [
            _dated(
                paid.filter(~credited), "first_paid_at", "lead_employee", None,
                paid_without_meeting=one, revenue_without_meeting=pl.col("amount"),
            ),
        ]
    return [
        _dated(paid.filter(credited), "first_paid_at", "credited_to", "credited_hunter", payments=one),
        _dated(rows.filter(credited), "paid_at", "credited_to", "credited_hunter", revenue=pl.col("amount")),
    ], [
        _dated(paid.filter(~credited), "first_paid_at", "lead_employee", None, paid_without_meeting=one),
        _dated(rows.filter(~credited), "paid_at", "lead_employee", None, revenue_without_meeting=pl.col("amount")),
    ]


def _summed(parts: list[pl.LazyFrame], keys: tuple[str, ...]) -> pl.LazyFrame:
    frame = pl.concat(parts, how="diagonal_relaxed")
    present = frame.collect_schema()
    return frame.group_by(keys).agg(pl.col(c).sum() for c in SUMMED if c in present)


def facts(model: Prepared, mode: Mode = "cohort", min_call_seconds: int = DEFAULT_MIN_CALL_SECONDS) -> pl.DataFrame:
    """Every countable event summed per (date, employee, source, hunter); the one frame all metrics read.

    Calls of at least `min_call_seconds` are counted in calls_60s, and the frame records that T in its
    `min_call_seconds` column. Calls, leads and payments without a held meeting have a null hunter.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    one = pl.lit(1, pl.Int64)
    hunters_payments, other_payments = _payment_facts(model, mode)
    no_hunter = [
        _dated(
            model.calls, "started_at", "employee", None,
            calls_total=one,
            calls_60s=(pl.col("duration_s") >= min_call_seconds).cast(pl.Int64),
            seconds_on_line=pl.col("duration_s").fill_null(0),
        ),
        _dated(
            model.leads, "created_at", "employee", None,
            leads_new=one,
            leads_target=(pl.col("is_target") == True).fill_null(False).cast(pl.Int64),  # noqa: E712
            leads_nontarget=(pl.col("is_target") == False).fill_null(False).cast(pl.Int64),  # noqa: E712
        ),
        *other_payments,
    ]
    hunters_work = [*_meeting_facts(model.meetings, mode), *hunters_payments]
    # Summed apart: the facts without a hunter (most of them, calls) never share a row with a hunter's.
    return (
        pl.concat([_summed(no_hunter, FACT_KEYS[:-1]), _summed(hunters_work, FACT_KEYS)], how="diagonal_relaxed")
        .select(
            *FACT_KEYS,
            *(pl.col(c).fill_null(0).cast(_sum_dtype(c)) for c in SUMMED),
            pl.lit(int(min_call_seconds), pl.Int32).alias(T_COLUMN),
        )
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


def counted_with(frame: pl.DataFrame | pl.LazyFrame) -> int | None:
    """The T the facts' calls_60s was counted with; None for facts without calls (e.g. the mature meetings')."""
    if T_COLUMN not in frame.collect_schema():
        return None
    first = frame.lazy().select(pl.col(T_COLUMN).first()).collect().item()
    return None if first is None else int(first)


def _check_t(frame: pl.DataFrame | pl.LazyFrame, filters: Filters) -> None:
    if isinstance(filters.min_call_seconds, _FactsT):
        return  # the filters name no T: the facts' own stands
    counted = counted_with(frame)
    if counted is not None and counted != filters.min_call_seconds:
        raise ValueError(
            f"these facts count calls of at least {counted} s, but the filters ask for {filters.min_call_seconds} s; "
            f"build the facts with facts(model, mode, {filters.min_call_seconds}) or use compute()"
        )


def filter_facts(frame: pl.DataFrame | pl.LazyFrame, filters: Filters) -> pl.LazyFrame:
    """The facts inside the filters: dates (inclusive), employees, sources, hunters — and T, which is checked.

    T: calls_60s was counted when the facts were built, so a filter cannot change it; facts counted with a T other
    than the one the filters name are refused with a ValueError instead of quietly counting at the wrong T (a Filters
    that names no T takes the facts' own).

    Hunters: only the meetings and payments credited to those hunters are kept. Calls, leads and payments without a
    held meeting are no hunter's work (SPEC §3a): they are dropped, and their columns become null-typed, so that
    `aggregate` reports them as null (shown "—"), not as a misleading zero.
    """
    _check_t(frame, filters)
    lazy = frame.lazy()
    if filters.date_from is not None:
        lazy = lazy.filter(pl.col("date") >= filters.date_from)
    if filters.date_to is not None:
        lazy = lazy.filter(pl.col("date") <= filters.date_to)
    if filters.employees is not None:
        lazy = lazy.filter(pl.col("employee").is_in(list(filters.employees)))
    if filters.sources is not None:
        lazy = lazy.filter(pl.col("source").is_in(list(filters.sources)))
    if filters.hunters is not None:
        present = lazy.collect_schema()
        if "hunter" not in present:
            raise ValueError("these facts have no hunter column, so they cannot be scoped to hunters")
        lazy = lazy.filter(pl.col("hunter").is_in(list(filters.hunters))).with_columns(
            pl.lit(None).alias(c) for c in NOT_HUNTERS_WORK if c in present
        )
    return lazy


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """A conversion: null where the denominator is zero (SPEC §3), never 0 or NaN."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def derived() -> list[pl.Expr]:
    """minutes_on_line and every conversion, from summed counts."""
    return [
        (pl.col("seconds_on_line") / 60).alias("minutes_on_line"),
        *(ratio(pl.col(m.numerator), pl.col(m.denominator)).alias(m.key)
          for m in RATIO_METRICS if m.numerator and m.denominator),
    ]


def aggregate(frame: pl.DataFrame | pl.LazyFrame, by: tuple[str, ...] | list[str] = ()) -> pl.DataFrame:
    """Sum facts by the grouping keys and derive the ratios; columns are the group keys then METRIC_KEYS.

    With `hunter` among the keys only hunters' work is grouped (SPEC §3a): the facts without a hunter (calls, leads,
    payments without a held meeting) form no row, and their metrics — 1, 1.1, 2–4, 8 and the payments without a
    meeting — are null. After a hunter filter (`filter_facts`) the same metrics are null.
    """
    by = tuple(by)
    unknown = [k for k in by if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)}; choose from {', '.join(GROUP_KEYS)}")
    calendar = {k: e for k, e in period_keys().items() if k in by}
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    not_counted = {c for c in SUMMED if schema.get(c) == pl.Null}
    if "hunter" in by:
        lazy = lazy.filter(pl.col("hunter").is_not_null())
        not_counted |= set(NOT_HUNTERS_WORK)
    counted = [c for c in SUMMED if c not in not_counted]
    summed = pl.col(*counted).sum()
    lazy = lazy.with_columns(**calendar)
    grouped = lazy.group_by(by).agg(summed).sort(by, nulls_last=True) if by else lazy.select(summed)
    nulls = [pl.lit(None, _sum_dtype(c)).alias(c) for c in SUMMED if c in not_counted]
    return grouped.with_columns(nulls).with_columns(derived()).select(*by, *METRIC_KEYS).collect()


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
    """The metrics table: one row per group, the metric keys as columns, sorted by the group keys.

    The facts are built with the filters' own T, so every filter — T included — applies.
    """
    return aggregate(filter_facts(facts(model, mode, filters.min_call_seconds), filters), by)
