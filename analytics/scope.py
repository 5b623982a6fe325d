"""The scope of a screen: which period, people, sources and hunters, counted in which mode, with which T.

The sidebar builds one `Scope` per run and every page derives what it needs from it (`whole_history()`,
`for_people(...)`, `in_month(...)`, `previous()`), so that the period lives in one place and no page sets dates by
hand. `filters()` is what the engine's `metrics.filter_facts` takes; the mode and T choose the facts themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from analytics import periods
from analytics.metrics import (
    CALL_METRICS,
    DEFAULT_MIN_CALL_SECONDS,
    Filters,
    Mode,
    aggregate,
    filter_facts,
    without_missing,
)
from analytics.periods import Period, month_end, month_start, pro_rata


@dataclass(frozen=True)
class Scope:
    """What the numbers on a screen are about. `period` None is the whole history; `comparable` False means there
    is no earlier period to compare with (the "all time" preset)."""

    period: Period | None
    people: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    hunters: tuple[str, ...] | None = None
    mode: Mode = "cohort"
    min_call_seconds: int = DEFAULT_MIN_CALL_SECONDS
    comparable: bool = True

    def filters(self) -> Filters:
        """The engine's filters for this scope (the period's dates, people, sources, hunters and T)."""
        return Filters(
            self.period.start if self.period else None, self.period.end if self.period else None,
            self.people, self.sources, self.min_call_seconds, self.hunters,
        )

    # ---- the scopes a page derives from the sidebar's ----------------------------------------------------------

    def whole_history(self) -> Scope:
        """The same people, sources and mode over every date (for month-over-month tables)."""
        return replace(self, period=None, comparable=False)

    def in_period(self, period: Period) -> Scope:
        return replace(self, period=period)

    def in_month(self, day: date) -> Scope:
        """The calendar month of `day`, first to last day."""
        return replace(self, period=Period(month_start(day), month_end(day)))

    def for_people(self, people: tuple[str, ...] | None) -> Scope:
        """Only these people (None: everyone)."""
        return replace(self, people=people)

    def for_sources(self, sources: tuple[str, ...] | None) -> Scope:
        """Only these sources (None: every source)."""
        return replace(self, sources=sources)

    def in_mode(self, mode: Mode) -> Scope:
        return replace(self, mode=mode)

    @property
    def previous_period(self) -> Period | None:
        """The comparable period before this one (periods.previous), None when there is none."""
        return periods.previous(self.period) if self.comparable and self.period is not None else None

    def previous(self) -> Scope | None:
        """The same scope over the comparable period before, or None when there is nothing to compare with."""
        before = self.previous_period
        return None if before is None else replace(self, period=before)

    def exposure(self, last_day: date, weekdays: tuple[int, ...]) -> float:
        """This period's share of the previous one's working days when the data end inside it (pro rata), else 1."""
        before = self.previous_period
        return 1.0 if before is None or self.period is None else pro_rata(self.period, before, last_day, weekdays)


def calls_split_by_source(scope: Scope, by: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a table of this scope, grouped by `by`, splits calls by source: under a source filter or grouped by
    source. A call has a source only through the lead linked to it, and most calls (cold calls, calls before the
    lead was created) have none — so there the call metrics (`metrics.CALL_METRICS`) would count a small, unlike
    part of the calls against meetings of the whole source (call → booked 32.6 % for one source against 4.6 % for
    the floor) and against a plan for all calls. They are unknown there ("—"), never a misleading number."""
    return scope.sources is not None or "source" in by


def metrics_table(facts: pl.DataFrame, scope: Scope, by: tuple[str, ...], available: frozenset[str] | set[str]
                  ) -> pl.DataFrame:
    """The metrics table of `facts` (counted in the scope's mode and T) within the scope, grouped by `by`; the
    metrics of tables no input provided are unknown (null), not zero, and so are the call metrics where the table
    splits calls by source (`calls_split_by_source`)."""
    table = without_missing(aggregate(filter_facts(facts, scope.filters()), by), available)
    if not calls_split_by_source(scope, by):
        return table
    return table.with_columns(pl.lit(None, table.schema[key]).alias(key) for key in CALL_METRICS)
