"""The View a page draws with: the language, the session's data and the sidebar's Scope, with the metrics tables,
comparisons and captions every page words the same way.

The entrypoint (app.py) builds one View per run, before the page runs; a page gets it with `current()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Literal

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.comparison import compare, month_over_month
from analytics.importing.converting import NOT_SET
from analytics.maturity import DEFAULT_PAYMENT_WINDOW_DAYS, judged_on_mature, judged_periods, sum_mature
from analytics.metrics import Filters, Mode, filter_facts
from analytics.normalize import UNKNOWN_SOURCE
from analytics.periods import Period, add_months, month_complete, month_end, month_start, pro_rata
from analytics.scope import Scope, calls_split_by_source, metrics_table
from pages import _dataset, _settings
from pages._dataset import Loaded, load_facts, load_mature
from pages._widgets import escape

VIEW = "_view"  # the session key of this run's View
PERSON_COLUMNS = ("employee", "setter")  # the columns of a table that name a lead generator
Grain = Literal["month", "week"]


@dataclass(frozen=True)
class View:
    """Everything a page needs to draw: the language, the data and the sidebar's scope."""

    lang: i18n.Lang
    data: Loaded
    scope: Scope

    # ---- the scope's parts, as pages read them --------------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self.scope.mode

    @property
    def period(self) -> Period:
        assert self.scope.period is not None, "the sidebar always chooses a period"
        return self.scope.period

    @property
    def previous(self) -> Period | None:
        """The comparable period before (None for "all time": there is nothing comparable before it)."""
        return self.scope.previous_period

    @property
    def filters(self) -> Filters:
        return self.scope.filters()

    @property
    def people(self) -> tuple[str, ...] | None:
        return self.scope.people

    # ---- words ----------------------------------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)

    def person(self, name: str) -> str:
        """A person as the screen names them: the employee "не указан / not set" (a file without a responsible
        person) in the screen's language only (i18n.person_label); the stored name stays."""
        return i18n.person_label(name, self.lang)

    def named(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A table as the screen shows it: in its name columns (employee, setter, source) the employee "не указан /
        not set" and the source `unknown` read in the screen's language (i18n.person_label, i18n.source_label).
        Display only: look records up by the stored names, never by these."""
        people = {NOT_SET: i18n.person_label(NOT_SET, self.lang)}
        sources = {UNKNOWN_SOURCE: i18n.source_label(UNKNOWN_SOURCE, self.lang)}
        return frame.with_columns(pl.col(column).replace(people if column in PERSON_COLUMNS else sources)
                                  for column, dtype in frame.schema.items()
                                  if column in (*PERSON_COLUMNS, "source") and dtype == pl.String)

    def md(self, key: str, **values: object) -> str:
        """The sentence `key` for Markdown: the words are the app's, every value (a name, a source, a file) is
        escaped, because file contents must be shown as text, never as links, images or HTML."""
        return i18n.t(key, self.lang, **{k: escape(v) for k, v in values.items()})

    def month_name(self, month: str, case: i18n.Case = "nominative") -> str:
        """A `YYYY-MM` month (a metrics table's `month`) in words inside a sentence: `ноябрь 2026` / `November
        2026`, `case="genitive"` after «нет» (`ноября 2026`), never the code."""
        return i18n.month_label(date(int(month[:4]), int(month[5:7]), 1), self.lang, case)

    def period_caption(self) -> str:
        """The period (and the one it is compared with) in the language's dates: `01.10.2026 — 31.10.2026` /
        `1 Oct 2026 – 31 Oct 2026`, as every other date on the screen."""
        start, end = i18n.date_label(self.period.start, self.lang), i18n.date_label(self.period.end, self.lang)
        if self.previous is None:
            return f"{start} — {end}" if self.lang == "ru" else f"{start} – {end}"
        return self.t("period_caption", start=start, end=end, pstart=i18n.date_label(self.previous.start, self.lang),
                      pend=i18n.date_label(self.previous.end, self.lang))

    # ---- numbers ----------------------------------------------------------------------------------------------------
    def facts(self, mode: Mode | None = None) -> pl.DataFrame:
        """The dated facts of the session's data in `mode` (the scope's by default), with the scope's T."""
        return load_facts(self.data.key, mode or self.mode, self.scope.min_call_seconds, self.data.model)

    def metrics(self, by: tuple[str, ...] = (), scope: Scope | None = None) -> pl.DataFrame:
        """The metrics table for the sidebar's scope (or `scope`, derived from it), grouped by `by`. A floor that
        uploads only its PBX log sees calls and minutes; what needs deals is unknown, not zero."""
        chosen = scope or self.scope
        return metrics_table(self.facts(chosen.mode), chosen, by, self.data.bundle.available)

    def before(self, by: tuple[str, ...] = (), scope: Scope | None = None) -> pl.DataFrame | None:
        """The same table for the previous comparable period, or None when there is none."""
        earlier = (scope or self.scope).previous()
        return None if earlier is None else self.metrics(by, earlier)

    def exposure(self) -> float:
        """The current period against the previous one, pro rata when the data end inside the current period."""
        return self.scope.exposure(self.data.last_day, _settings.working_days())

    @cached_property
    def mature(self) -> pl.DataFrame:
        """The meetings' cohort facts with their mature part (analytics/maturity.py), built once per dataset."""
        return load_mature(self.data.key, self.data.last_day, DEFAULT_PAYMENT_WINDOW_DAYS, self.data.model)

    def judge(self, now: pl.DataFrame, before: pl.DataFrame, by: tuple[str, ...] = (),
              scope: Scope | None = None) -> pl.DataFrame:
        """`now` against `before` (the scope's period and the one before, grouped by `by`): comparison.py's long
        table. In a cohort the steps after booking are judged on mature meetings only (`maturity.judged_on_mature`,
        the rule of the diagnostics and of every screen); `too_early` marks what cannot be judged yet."""
        chosen = scope or self.scope
        exposure = chosen.exposure(self.data.last_day, _settings.working_days())
        changes = compare(now, before, list(by), weight=exposure, immature=self.mode == "cohort" and exposure < 1)
        earlier = chosen.previous()
        if self.mode != "cohort" or earlier is None:
            return changes.with_columns(pl.lit(False).alias("too_early"))
        return judged_periods(changes, self.mature, chosen.filters(), earlier.filters(), by, exposure)

    def verdicts(self, now: pl.DataFrame, before: pl.DataFrame | None, keys: tuple[str, ...] = (),
                 scope: Scope | None = None) -> tuple[dict[str, bool], list[str]]:
        """The headline cards' verdicts from one `judge`: which metrics fell for real from `before` to `now`, and
        which of `keys` cannot be judged yet (meetings still ahead), in that order. Nothing to compare: none."""
        if before is None:
            return {}, []
        changes = self.judge(now, before, scope=scope)
        early = set(changes.filter(pl.col("too_early"))["metric"].to_list())
        return dict(zip(changes["metric"], changes["worse"], strict=True)), [k for k in keys if k in early]

    def grain_weights(self, grain: Grain) -> tuple[dict[str, float], frozenset[str]]:
        """The last month or week compared pro rata ({label: weight}, empty when it is complete), and the periods
        whose cohort is still in progress in cohort mode (the last month when incomplete; the last two weeks)."""
        if grain == "month":
            weights = self.month_weights()
            return weights, frozenset(weights) if self.mode == "cohort" else frozenset()
        last = self.data.last_day
        monday = last - timedelta(days=last.weekday())
        weight = pro_rata(Period(monday, monday + timedelta(days=6)),
                          Period(monday - timedelta(days=7), monday - timedelta(days=1)), last,
                          _settings.working_days())
        young = frozenset((last - timedelta(days=7 * n)).strftime("%G-W%V") for n in range(2))
        weights = {last.strftime("%G-W%V"): weight} if weight < 1 else {}
        return weights, young if self.mode == "cohort" else frozenset()

    def changes_over_time(self, table: pl.DataFrame, grain: Grain = "month", by: tuple[str, ...] = (),
                          scope: Scope | None = None) -> pl.DataFrame:
        """Every month (or week) of `table` (grouped by `by` and `grain`) against the one before: month_over_month's
        long table, its period column named `month`. The last period pro rata when the data end inside it; in a
        cohort the steps after booking judged on mature meetings only, as on every screen (`judge`)."""
        weights, young = self.grain_weights(grain)
        periods = table.rename({grain: "month"}) if grain != "month" else table
        changes = month_over_month(periods, list(by), weights=weights, immature=young)
        if self.mode != "cohort":
            return changes.with_columns(pl.lit(False).alias("too_early")) if not changes.is_empty() else changes
        chosen = (scope or self.scope).whole_history()
        sums = sum_mature(filter_facts(self.mature, chosen.filters()), [*by, grain])
        return judged_on_mature(changes, sums.rename({grain: "month"}) if grain != "month" else sums, by, weights)

    # ---- the source filter and calls --------------------------------------------------------------------------------
    def calls_hidden(self, by: tuple[str, ...] = (), scope: Scope | None = None) -> bool:
        """Whether the call metrics are "—" here: under a source filter or split by source (scope.py's rule)."""
        return calls_split_by_source(scope or self.scope, by)

    def calls_note(self, by: tuple[str, ...] = (), scope: Scope | None = None) -> None:
        """The one sentence that says why calls are "—" under a source filter, where they are."""
        if self.calls_hidden(by, scope):
            st.caption(self.t("calls_by_source"), help=self.t("calls_by_source_help"))

    def month_weights(self) -> dict[str, float]:
        """The month in progress (the data end before its last working day) is compared pro rata to the month
        before: {`YYYY-MM`: its weight}, empty when the last month is complete."""
        last, days = self.data.last_day, _settings.working_days()
        if month_complete(month_start(last), last, days):
            return {}
        before = add_months(month_start(last), -1)
        weight = pro_rata(Period(month_start(last), month_end(last)), Period(before, month_end(before)), last, days)
        return {last.strftime("%Y-%m"): weight}


def current() -> View:
    """This run's View, built by the entrypoint's sidebar before the page runs."""
    view = st.session_state.get(VIEW)
    if not isinstance(view, View):
        raise RuntimeError("run the app through app.py: it builds the sidebar and the view before the page")
    return view


def data_caption(v: View) -> None:
    """Which data the numbers are of, and a warning when some records lie outside every period.

    The demo gets one clear banner (every page calls this once): with an empty workspace a colleague must never
    take the invented floor for the team's data."""
    if v.data.demo:
        st.info(v.md("ws_demo_banner", name=_dataset.workspace_path().stem), icon=":material/science:")
    elif v.data.workspace is not None:
        st.caption(v.md("ws_caption", name=v.data.workspace, n=i18n.number(v.data.batches, v.lang)))
    else:
        st.caption(v.md("data_uploaded", files=", ".join(f.name for f in v.data.bundle.files)))
        st.caption(v.md("ws_preview", name=_dataset.workspace_path().stem))
    if v.data.true_span:
        st.warning(_settings.local_text(
            "dates_outside", v.lang, first=v.data.first_day.strftime("%d.%m.%Y"),
            last=v.data.last_day.strftime("%d.%m.%Y"), data_first=v.data.true_span[0].strftime("%d.%m.%Y"),
            data_last=v.data.true_span[1].strftime("%d.%m.%Y")), icon=":material/event_busy:")
