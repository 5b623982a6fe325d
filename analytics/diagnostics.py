"""The three situations of the methodology, answered from data (SPEC §6), plus plan shortfalls and sources.

For one month against the month before, for the floor, each lead generator and each source. The module has three
parts that do not mix:

- **data**: a `Finding` is numbers (scope, who, situation, metric, current, previous or plan, severity, p-value,
  evidence, the records behind it) plus the key of its sentence template and the values it is worded from; the
  sentence is written in the reader's language when read (`Finding.message`), from `i18n.FINDINGS`;
- **rules**: every situation is a function `(DiagnosisContext, ScopeChanges) -> list[Finding]`; what two rules both
  need (why booking fell, whether a source is worse than the others) is a shared pure function, never the order
  in which the rules run;
- **orchestration** (`diagnose`): one grouped comparison for all people at once, the floor and the sources, then
  every rule on every scope, most severe first.

A finding needs a real change (see comparison.py); its severity grows with both the size of the fall and how sure
we are of it: high = a fall of at least twice the threshold at p < 0.001; medium = p < 0.01; low = otherwise
significant. The steps after booking are judged only on meetings that have had their chance (maturity.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import polars as pl

from analytics import i18n
from analytics.comparison import COMPARED, DEFAULT_THRESHOLD, compare, proportion_p_value, with_target_share
from analytics.maturity import (
    DEFAULT_PAYMENT_WINDOW_DAYS,
    Readiness,
    facts_of_mature,
    mature_meetings,
    metrics_on_mature,
    ready_on,
    sum_mature,
)
from analytics.metrics import NO_FILTERS, Filters, aggregate, facts, filter_facts
from analytics.model import Prepared, span
from analytics.normalize import UNKNOWN_SOURCE
from analytics.periods import (
    WEEKDAYS,
    Period,
    add_months,
    data_end,
    last_complete_month,
    month_complete,
    month_end,
    pro_rata,
)
from analytics.plans import DailyPlan, daily_attainment, period_attainment
from analytics.records import Subset

ScopeName = Literal["floor", "employee", "source"]
Situation = Literal["few_payments", "few_held", "few_booked", "below_plan", "source_quality", "new_source",
                    "too_early"]
Severity = Literal["high", "medium", "low"]
RecordKind = Literal["calls", "leads", "meetings"]
Change = Mapping[str, Any]  # one row of comparison.compare: metric, current, previous, change_rel, p_value, worse

SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
MIN_SOURCE_LEADS = 20  # a source with fewer qualified leads in the month is too small to judge
PLAN_SHORTFALL = 0.9  # below 90 % of plan is a shortfall worth a finding
MIN_HUNTER_MEETINGS = 10  # a hunter with fewer ripe held meetings in either month is too few to blame


# ---- data ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordsSpec:
    """Which records a finding points at: the month's calls, leads or meetings of its person or source."""

    kind: RecordKind
    month: str
    employee: str | None = None
    source: str | None = None
    only: Subset = "all"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "month": self.month, "employee": self.employee, "source": self.source,
                "only": self.only}


@dataclass(frozen=True)
class Finding:
    """One finding as numbers; its sentence is `template` of `i18n.FINDINGS` worded from `values`.

    `previous` is last month's value of `metric` (for `source_quality`: the other sources' value) and None where the
    finding is not a comparison; a plan shortfall carries `plan` instead.
    """

    scope: ScopeName
    who: str | None
    situation: Situation
    metric: str
    current: float | None
    previous: float | None
    severity: Severity
    template: str
    values: tuple[tuple[str, object], ...]
    records: RecordsSpec
    p_value: float | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    plan: float | None = None

    def message(self, lang: i18n.Lang) -> str:
        return i18n.finding_text(self.template, dict(self.values), lang)

    def to_json(self) -> dict[str, Any]:
        """The JSON of SPEC §7 `diagnose` (and what exists beyond it: plan, p_value, evidence, records)."""
        return _plain({
            "scope": self.scope, "who": self.who, "situation": self.situation, "metric": self.metric,
            "current": self.current, "previous": self.previous, "plan": self.plan, "severity": self.severity,
            "message_ru": self.message("ru"), "message_en": self.message("en"), "p_value": self.p_value,
            "evidence": self.evidence, "records": self.records.to_json(),
        })


@dataclass(frozen=True)
class Report:
    """The findings for `month` against `previous_month`, most severe first, and the basis they were counted on."""

    month: str
    previous_month: str
    findings: list[Finding] = field(default_factory=list)
    data_end: date | None = None
    mode: str = "cohort"
    payment_window_days: int = DEFAULT_PAYMENT_WINDOW_DAYS
    maturity: Mapping[str, Any] = field(default_factory=dict)  # the floor's mature meetings of `month`

    def to_json(self) -> dict[str, Any]:
        return _plain({
            "month": self.month, "previous_month": self.previous_month, "data_end": self.data_end,
            "mode": self.mode, "payment_window_days": self.payment_window_days, "maturity": self.maturity,
            "findings": [f.to_json() for f in self.findings],
        })


def _plain(value: Any) -> Any:
    """JSON-ready: no NaN or infinity (null instead), dates as ISO text, mappings and sequences as dicts and lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class DiagnosisContext:
    """What every rule may read: the data, the two months, the threshold and the maturity settings."""

    model: Prepared
    month: str
    previous_month: str
    current: Period
    previous: Period
    data_end: date
    threshold: float
    payment_window_days: int
    min_call_seconds: int
    new_sources: Mapping[str, date]
    meetings: pl.DataFrame  # maturity.mature_meetings of the whole model
    floor_too_early: frozenset[str] = frozenset()  # "due" / "ripe": steps the floor as a whole cannot judge yet

    def finding(self, scope: ScopeChanges, situation: Situation, metric: str, current: float | None,
                previous: float | None, severity: Severity, template: str, values: Mapping[str, object],
                records: RecordKind, only: Subset = "all", p_value: float | None = None,
                evidence: Mapping[str, Any] | None = None, plan: float | None = None) -> Finding:
        spec = RecordsSpec(records, self.month, scope.who if scope.scope == "employee" else None,
                           scope.who if scope.scope == "source" else None, only)
        return Finding(scope.scope, scope.who, situation, metric, current, previous, severity, template,
                       tuple(values.items()), spec, p_value, evidence or {}, plan)


@dataclass(frozen=True)
class ScopeChanges:
    """One scope (the floor, a person or a source) with everything compared for it.

    changes:  every metric of the month against the month before, on the whole cohort (comparison.compare rows);
    chain:    the same on meetings due by the data end only, in both months (steps 9–11 are read from here);
    payment:  the same on held meetings whose payment window has passed, in both months (step 12);
    plan:     plan attainment rows per plan metric (people only);
    due, ripe: how much of this month's and last month's cohort is mature, for each of the two;
    month_row, others: for a source, its metrics of the month and the other sources' totals.
    """

    scope: ScopeName
    who: str | None
    filters: Filters
    changes: Mapping[str, Change] = field(default_factory=dict)
    chain: Mapping[str, Change] = field(default_factory=dict)
    payment: Mapping[str, Change] = field(default_factory=dict)
    plan: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    due: tuple[Readiness, Readiness] = (Readiness(0, 0), Readiness(0, 0))
    ripe: tuple[Readiness, Readiness] = (Readiness(0, 0), Readiness(0, 0))
    month_row: Mapping[str, Any] = field(default_factory=dict)
    others: Mapping[str, float] = field(default_factory=dict)


Rule = Callable[[DiagnosisContext, ScopeChanges], list[Finding]]


# ---- shared helpers of the rules -------------------------------------------------------------------------------

def new_sources(model: Prepared, month: date) -> dict[str, date]:
    """Sources first seen in `month` or the month before ("a new source", SPEC §6), with their first lead's date.
    `unknown` is never new: it is missing data, not a channel."""
    first_seen = model.leads.group_by("source").agg(pl.col("created_at").min().dt.date().alias("first"))
    since = add_months(month.replace(day=1), -1)
    return dict(first_seen.filter((pl.col("first") >= since) & (pl.col("source") != UNKNOWN_SOURCE)).iter_rows())


def _severity(change: Change, threshold: float) -> Severity:
    rel, p = change["change_rel"], change["p_value"]
    if p < 0.001 and rel is not None and abs(rel) >= 2 * threshold:
        return "high"
    return "medium" if p < 0.01 else "low"


def _plan_severity(attainment: float | None) -> Severity | None:
    if attainment is None or attainment >= PLAN_SHORTFALL:
        return None
    if attainment < 0.5:
        return "high"
    return "medium" if attainment < 0.75 else "low"


def _milder(a: Severity, b: Severity) -> Severity:
    return a if SEVERITY_RANK[a] >= SEVERITY_RANK[b] else b


def _attainment(scope: ScopeChanges, key: str) -> float | None:
    row = scope.plan.get(key)
    return None if row is None else row["attainment"]


def _who(scope: ScopeChanges) -> object:
    if scope.scope == "floor":
        return i18n.Clause.of("who_floor")
    if scope.scope == "source":
        return i18n.Clause.of("who_source", source=scope.who)
    return str(scope.who)


def _moved(change: Change) -> i18n.Moved:
    return i18n.Moved(change["metric"], change["previous"], change["current"])


def _evidence(change: Change) -> dict[str, Any]:
    return {k: v for k, v in change.items() if k in ("metric", "current", "previous", "change", "change_rel",
                                                      "p_value", "worse")}


@dataclass(frozen=True)
class Cause:
    """A reason booking fell: a number that fell month over month, or calls below plan."""

    key: str
    clause: i18n.Clause
    fell: bool
    plan: float | None = None


def booking_short(scope: ScopeChanges) -> bool:
    """Situation 3 applies: fewer meetings booked than last month (a real drop), or booking below plan."""
    attainment = _attainment(scope, "meetings_scheduled")
    return bool(scope.changes["meetings_scheduled"]["worse"]) or (
        attainment is not None and attainment < PLAN_SHORTFALL)


def booking_causes(context: DiagnosisContext, scope: ScopeChanges) -> list[Cause]:
    """Why booking fell, most direct first. A number is a cause only if it fell (or, for calls, is below plan):
    calls that rose from 718 to 780 are not a reason for fewer meetings."""
    causes = []
    calls = scope.changes["calls_60s"]
    attainment = _attainment(scope, "calls_60s")
    short = attainment is not None and attainment < PLAN_SHORTFALL
    values = {"t": context.min_call_seconds, "moved": _moved(calls), "actual": i18n.Num(calls["current"]),
              "attainment": i18n.Pct(attainment)}
    plan = scope.plan["calls_60s"]["plan"] if short else None
    if calls["worse"]:
        key = "cause_calls_fell_below_plan" if short else "cause_calls_fell"
        causes.append(Cause("calls_60s", i18n.Clause.of(key, **values), True, plan))
    elif short:
        causes.append(Cause("calls_60s", i18n.Clause.of("cause_calls_below_plan", **values), False, plan))
    for key, template in (("minutes_on_line", "cause_minutes"), ("leads_new", "cause_leads"),
                          ("target_share", "cause_target_share")):
        if scope.changes[key]["worse"]:
            causes.append(Cause(key, i18n.Clause.of(template, moved=_moved(scope.changes[key])), True))
    return causes


def calls_explain_booking(context: DiagnosisContext, scope: ScopeChanges) -> bool:
    """The few-booked finding of this scope already names calls as the reason (so below_plan need not repeat it)."""
    if not booking_short(scope):
        return False
    causes = booking_causes(context, scope)
    return bool(causes) and causes[0].key == "calls_60s"


def _scope_meetings(context: DiagnosisContext, scope: ScopeChanges, period: Period) -> pl.DataFrame:
    """The scope's meetings booked in `period`, with their maturity columns."""
    frame = context.meetings.filter(pl.col("booked_at").dt.date().is_between(period.start, period.end))
    if scope.filters.employees is not None:
        frame = frame.filter(pl.col("setter").is_in(list(scope.filters.employees)))
    if scope.filters.sources is not None:
        frame = frame.filter(pl.col("source").is_in(list(scope.filters.sources)))
    return frame


def _due_note(context: DiagnosisContext, scope: ScopeChanges) -> object:
    """Say on which meetings the chain was compared, when some of this month's are still ahead."""
    now = scope.due[0]
    if now.complete:
        return ""
    return i18n.Clause.of("due_note", end=i18n.Day(context.data_end), due=i18n.Num(now.mature),
                          booked=i18n.Num(now.cohort))


def _held_lead_mix(context: DiagnosisContext, scope: ScopeChanges, period: Period) -> dict[str, Any]:
    """Target share of the held meetings' leads, and the share of them from a new source (situation 1)."""
    held = _scope_meetings(context, scope, period).filter(pl.col("held"))
    stats = held.select(
        pl.len().alias("held"),
        (pl.col("is_target") == True).sum().alias("target"),  # noqa: E712
        pl.col("is_target").is_not_null().sum().alias("qualified"),
        pl.col("source").is_in(list(context.new_sources)).sum().alias("from_new"),
    ).row(0, named=True)
    stats["target_share"] = stats["target"] / stats["qualified"] if stats["qualified"] else None
    stats["new_source_share"] = stats["from_new"] / stats["held"] if stats["held"] else None
    return stats


QUALITY: tuple[tuple[str, str, str], ...] = (  # rate, numerator, denominator: a source against the others
    ("target_share", "leads_target", "leads_qualified"),
    ("conv_scheduled_to_held", "meetings_held", "meetings_scheduled"),
    ("conv_held_to_paid", "payments", "meetings_held"),
)


def quality_shortfalls(context: DiagnosisContext, scope: ScopeChanges) -> list[dict[str, Any]]:
    """The rates on which a source is significantly worse than the other sources together in the month."""
    found: list[dict[str, Any]] = []
    if scope.who == UNKNOWN_SOURCE:
        return found
    for key, num, den in QUALITY:
        x1, n1 = scope.month_row[num], scope.month_row[den]
        x2, n2 = scope.others[num], scope.others[den]
        if n1 < MIN_SOURCE_LEADS or n2 == 0:
            continue
        mine, theirs = x1 / n1, x2 / n2
        p = float(proportion_p_value(*(np.array([v], dtype=float) for v in (x1, n1, x2, n2)))[0])
        rel = mine / theirs - 1 if theirs else None
        if p < 0.05 and rel is not None and rel <= -context.threshold:
            found.append({"metric": key, "mine": mine, "theirs": theirs, "p_value": p, "change_rel": rel,
                          "n": n1, "others_n": n2})
    return found


def _ripe_by_hunter(context: DiagnosisContext, scope: ScopeChanges, period: Period) -> dict[str, tuple[int, int]]:
    """{hunter: (paid within the window, held with the window passed)} of the scope's meetings booked in `period`."""
    ripe = _scope_meetings(context, scope, period).filter(pl.col("window_passed"))
    grouped = ripe.group_by("hunter").agg(pl.col("paid_in_window").sum().alias("paid"), pl.len().alias("held"))
    return {row["hunter"]: (int(row["paid"]), int(row["held"])) for row in grouped.iter_rows(named=True)}


def _fell(x1: int, n1: int, x2: int, n2: int, threshold: float, alpha: float = 0.05) -> bool:
    """Rate x1/n1 is below x2/n2 by at least `threshold` (relative) and significantly (two-proportion test)."""
    if n1 == 0 or n2 == 0 or x2 == 0:
        return False
    p = float(proportion_p_value(*(np.array([v], dtype=float) for v in (x1, n1, x2, n2)))[0])
    return p < alpha and (x1 / n1) / (x2 / n2) - 1 <= -threshold


def hunter_at_fault(context: DiagnosisContext, scope: ScopeChanges) -> dict[str, Any] | None:
    """The one hunter with whom this scope's held → paid fell, when the fall sits with that hunter alone (issue 13
    item 8): on ripe meetings (payment window passed) of both months, that hunter's rate fell significantly (with at
    least MIN_HUNTER_MEETINGS in each month) and the other hunters' together did not. None when no hunter, or more
    than one, fell — then it is the lead generator's (or everyone's) problem, not one hunter's."""
    now = _ripe_by_hunter(context, scope, context.current)
    before = _ripe_by_hunter(context, scope, context.previous)
    fallen = [h for h in sorted(set(now) & set(before))
              if min(now[h][1], before[h][1]) >= MIN_HUNTER_MEETINGS and _fell(*now[h], *before[h], context.threshold)]
    if len(fallen) != 1:
        return None
    hunter = fallen[0]
    others_now = [sum(v[i] for h, v in now.items() if h != hunter) for i in (0, 1)]
    others_before = [sum(v[i] for h, v in before.items() if h != hunter) for i in (0, 1)]
    if others_now[1] == 0 or others_before[1] == 0 or _fell(others_now[0], others_now[1], others_before[0],
                                                            others_before[1], context.threshold):
        return None
    return {"hunter": hunter, "paid_now": now[hunter][0], "held_now": now[hunter][1],
            "paid_before": before[hunter][0], "held_before": before[hunter][1],
            "others_paid_now": others_now[0], "others_held_now": others_now[1],
            "others_paid_before": others_before[0], "others_held_before": others_before[1]}


MATRIX_ALPHA = 0.01  # a lead generator × hunter matrix makes dozens of comparisons at once: only strong ones count


def _at_most_the_others(cell: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> bool:
    """A lead generator's cell pays no better than the same hunter's meetings of the other lead generators."""
    theirs = [r for r in rows if r["hunter"] == cell["hunter"] and r["employee"] != cell["employee"]]
    held = sum(r["meetings_held"] for r in theirs)
    return held == 0 or cell["payments"] * held <= sum(r["payments"] for r in theirs) * cell["meetings_held"]


def matrix_outliers(pairs: pl.DataFrame, threshold: float = DEFAULT_THRESHOLD,
                    min_meetings: int = MIN_HUNTER_MEETINGS) -> list[dict[str, Any]]:
    """Read the lead generator × hunter matrix of held → paid (`employee`, `hunter`, `meetings_held`, `payments`)
    the way a head of sales asks it: whose meetings fail with one hunter (the hunter's problem) and whose fail with
    every hunter (the lead generator's).

    - `kind="hunter"`: one cell of a lead generator is significantly below the same person's meetings with the other
      hunters together (and it is the only such cell);
    - `kind="setter"`: no single cell stands out, but the person's meetings pay significantly less than the other
      lead generators' together, and less with every hunter than that hunter's meetings of the others.

    Significance is a one-sided two-proportion test at MATRIX_ALPHA with a relative fall of at least `threshold`;
    cells with fewer than `min_meetings` held meetings (on either side) are not judged.
    """
    rows = pairs.select("employee", "hunter", "meetings_held", "payments").to_dicts()
    total_paid, total_held = sum(r["payments"] for r in rows), sum(r["meetings_held"] for r in rows)
    found: list[dict[str, Any]] = []
    for setter in sorted({r["employee"] for r in rows}):
        mine = [r for r in rows if r["employee"] == setter]
        paid, held = sum(r["payments"] for r in mine), sum(r["meetings_held"] for r in mine)
        flagged = []
        for cell in mine:
            others_paid, others_held = paid - cell["payments"], held - cell["meetings_held"]
            if min(cell["meetings_held"], others_held) >= min_meetings and _fell(
                    cell["payments"], cell["meetings_held"], others_paid, others_held, threshold, MATRIX_ALPHA):
                flagged.append({"employee": setter, "kind": "hunter", "hunter": cell["hunter"],
                                "paid": cell["payments"], "held": cell["meetings_held"],
                                "others_paid": others_paid, "others_held": others_held})
        if len(flagged) == 1:
            found += flagged
            continue
        if flagged or min(held, total_held - held) < min_meetings or not _fell(
                paid, held, total_paid - paid, total_held - held, threshold, MATRIX_ALPHA):
            continue
        every = all(_at_most_the_others(cell, rows) for cell in mine)
        if every:
            found.append({"employee": setter, "kind": "setter", "hunter": None, "paid": paid, "held": held,
                          "others_paid": total_paid - paid, "others_held": total_held - held})
    return found


# ---- the rules ------------------------------------------------------------------------------------------------

def few_booked(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """Situation 3: few meetings booked — a real drop month over month, or a shortfall against plan — and why.

    The head says which of the two it is, so a title never contradicts its numbers; the finding carries the first
    cause's numbers (calls against plan carry `plan`, not a "previous" that was never last month's actual).
    """
    if not booking_short(scope):
        return []
    booked = scope.changes["meetings_scheduled"]
    attainment = _attainment(scope, "meetings_scheduled")
    plan_severity = _plan_severity(attainment)
    values = {"who": _who(scope), "moved": _moved(booked), "booked_n": i18n.Num(booked["current"]),
              "booked": i18n.Count(booked["current"], "meetings_booked"), "attainment": i18n.Pct(attainment)}
    if booked["worse"]:
        head = ("booked_fell" if attainment is None else
                "booked_fell_below_plan" if plan_severity else "booked_fell_on_plan")
        severity = _severity(booked, context.threshold)
        if attainment is not None:
            severity = _milder(severity, plan_severity or "low")
    else:
        head, severity = "booked_below_plan", plan_severity or "low"
    causes = booking_causes(context, scope)
    sentence: dict[str, object] = {"head": i18n.Clause.of(head, **values),
                                   "causes": i18n.Listed(tuple(c.clause for c in causes))}
    template = "few_booked_because" if causes else "few_booked_unexplained"
    if causes:
        first = causes[0]
        change = scope.changes[first.key]
        current, previous, plan = change["current"], change["previous"] if first.fell else None, first.plan
        key = first.key
    else:
        key, current = "meetings_scheduled", booked["current"]
        previous = booked["previous"] if booked["worse"] else None
        plan = scope.plan["meetings_scheduled"]["plan"] if attainment is not None else None
    return [context.finding(scope, "few_booked", key, current, previous, severity, template, sentence,
                            "calls" if key == "calls_60s" else "leads", p_value=booked["p_value"],
                            evidence={"meetings_scheduled": _evidence(booked),
                                      "causes": [c.key for c in causes]}, plan=plan)]


CHAIN: tuple[tuple[str, str, Subset], ...] = (  # link, advice, the records to look at
    ("conv_scheduled_to_confirmed", "advice_unconfirmed", "unconfirmed"),
    ("conv_confirmed_to_held", "advice_not_held", "not_held"),
)


def few_held(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """Situation 2: booked but not held — the first link of booked → confirmed → held that fell.

    Judged on meetings due by the data end in both months. The count of held meetings is compared only when all
    of this month's meetings are due: otherwise it is lower merely because some meetings are still ahead.
    """
    if not (scope.due[0].enough and scope.due[1].enough):
        return []  # too_early says so where it matters
    held, rate = scope.chain["meetings_held"], scope.chain["conv_scheduled_to_held"]
    count_fell = bool(held["worse"]) and scope.due[0].complete
    if not (rate["worse"] or count_fell):
        return []
    booking = scope.changes["meetings_scheduled"]
    maturity = {"due_now": scope.due[0].mature, "booked_now": scope.due[0].cohort,
                "due_before": scope.due[1].mature, "booked_before": scope.due[1].cohort}
    for key, advice, only in CHAIN:
        link = scope.chain[key]
        if link["worse"]:
            values = {
                "who": _who(scope), "held": _moved(held), "link": i18n.Label(key), "link_moved": _moved(link),
                "booking": i18n.Clause.of("booking_fell" if booking["worse"] else "booking_normal",
                                          moved=_moved(booking)),
                "advice": i18n.Clause.of(advice), "due": _due_note(context, scope),
            }
            return [context.finding(scope, "few_held", key, link["current"], link["previous"],
                                    _severity(link, context.threshold), "few_held_link", values, "meetings", only,
                                    link["p_value"], {"meetings_held": _evidence(held), key: _evidence(link),
                                                      "maturity": maturity})]
    if booking["worse"]:
        return []  # fewer held only because fewer were booked: the few_booked finding says so
    worst = held if count_fell else rate
    values = {"who": _who(scope), "held": _moved(held), "due": _due_note(context, scope)}
    return [context.finding(scope, "few_held", worst["metric"], worst["current"], worst["previous"],
                            _severity(worst, context.threshold), "few_held_unexplained", values, "meetings",
                            "not_held", worst["p_value"], {"meetings_held": _evidence(held), "maturity": maturity})]


def few_payments(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """Situation 1: meetings but few payments, with the checks of the methodology (target share of the held
    meetings' leads, meetings from a new source) and the calls to listen to.

    Held → paid is judged on held meetings whose payment window has passed, paid within the window, in both
    months; the count of payments only when every held meeting of this month has had its window.
    """
    if not (scope.ripe[0].enough and scope.ripe[1].enough):
        return []
    rate, paid = scope.payment["conv_held_to_paid"], scope.payment["payments"]
    count_fell = bool(paid["worse"]) and scope.ripe[0].complete and not scope.payment["meetings_held"]["worse"]
    if not (rate["worse"] or count_fell):
        return []
    mix_now = _held_lead_mix(context, scope, context.current)
    mix_before = _held_lead_mix(context, scope, context.previous)
    checks: list[object] = []
    if mix_now["target_share"] is not None and mix_before["target_share"] is not None:
        checks.append(i18n.Clause.of("check_target_share", moved=i18n.Moved(
            "target_share", mix_before["target_share"], mix_now["target_share"])))
    if mix_now["from_new"]:
        checks.append(i18n.Clause.of("check_new_source", share=i18n.Pct(mix_now["new_source_share"])))
    key = "conv_held_to_paid" if rate["worse"] else "payments"
    change = scope.payment[key]
    window = context.payment_window_days
    what = (i18n.Clause.of("paid_within", window=i18n.Count(window, "days", "genitive"),
                           cutoff=i18n.Day(context.data_end - timedelta(days=window)))
            if key == "conv_held_to_paid" else i18n.Label(key))
    values: dict[str, object] = {"who": _who(scope), "what": what, "moved": _moved(change),
                                 "checks": i18n.Listed(tuple(checks))}
    template = "few_payments_checked" if checks else "few_payments"
    evidence = {"held_meetings_now": mix_now, "held_meetings_before": mix_before, key: _evidence(change),
                "ripe_now": scope.ripe[0].mature, "held_now": scope.ripe[0].cohort}
    fault = hunter_at_fault(context, scope)
    if fault is not None:
        share = lambda paid, held: paid / held if held else None  # noqa: E731
        template = "few_payments_hunter"
        values |= {
            "hunter": fault["hunter"], "paid": i18n.Num(fault["paid_now"]),
            "held": i18n.Count(fault["held_now"], "meetings_held", "genitive"),
            "hunter_moved": i18n.Moved("conv_held_to_paid", share(fault["paid_before"], fault["held_before"]),
                                       share(fault["paid_now"], fault["held_now"])),
            "others_moved": i18n.Moved("conv_held_to_paid",
                                       share(fault["others_paid_before"], fault["others_held_before"]),
                                       share(fault["others_paid_now"], fault["others_held_now"])),
            "checks": i18n.Clause.of("hunter_checks", checks=i18n.Listed(tuple(checks))) if checks else "",
        }
        evidence["hunter"] = fault
    return [context.finding(scope, "few_payments", key, change["current"], change["previous"],
                            _severity(change, context.threshold), template, values, "calls", "held_unpaid",
                            change["p_value"], evidence)]


def too_early(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """"Too early to judge" instead of a drop: a low-severity note, at most one per step and scope.

    A step (the chain 9–11 on due meetings; held → paid on meetings whose payment window has passed) is too early
    when fewer of this month's (or last month's) meetings are mature than maturity.Readiness.needed: half the cohort
    and at least 20. The floor always gets the note when it is too early — it explains why that step has no
    finding for anyone (the last complete month is always too early for payments with a 30-day window). A person
    gets one only when the floor is mature enough but they are not, and only where their plain cohort numbers
    (what the other screens show) do fall: that is where a reader would go looking for a cause that is not there.
    """
    notes = []
    for kind, (now, before), rates, mature in (
        ("due", scope.due, ("conv_scheduled_to_confirmed", "conv_confirmed_to_held", "conv_scheduled_to_held"),
         scope.chain),
        ("ripe", scope.ripe, ("conv_held_to_paid",), scope.payment),
    ):
        if now.enough and before.enough:
            continue
        plain = (*rates, "meetings_confirmed", "meetings_held") if kind == "due" else (*rates, "payments")
        fallen = [k for k in plain if scope.changes[k]["worse"]]
        if scope.scope != "floor" and (kind in context.floor_too_early or not fallen):
            continue
        key = next((k for k in fallen if k in rates), rates[-1])
        late, period = (now, context.current) if not now.enough else (before, context.previous)
        cohort = _scope_meetings(context, scope, period)
        dates = cohort["due_on"] if kind == "due" else cohort.filter(pl.col("held"))["pay_by"]
        ready = ready_on(dates, late.needed)
        values: dict[str, object] = {
            "who": _who(scope), "label": i18n.Label(key), "month": i18n.Month(period.start),
            "mature": i18n.Num(late.mature), "end": i18n.Day(context.data_end),
            "window": i18n.Count(context.payment_window_days, "days"),
            "cohort": i18n.Count(late.cohort, "meetings_booked" if kind == "due" else "meetings_held", "genitive"),
            "again": i18n.Clause.of("look_again", day=i18n.Day(ready)) if ready and ready > context.data_end else "",
        }
        change = mature[key]
        notes.append(context.finding(
            scope, "too_early", key, change["current"], change["previous"], "low",
            "too_early_due" if kind == "due" else "too_early_paid", values, "meetings",
            evidence={"mature": late.mature, "cohort": late.cohort, "needed": late.needed, "ready_on": ready,
                      "plain_cohort": {k: _evidence(scope.changes[k]) for k in fallen}}))
    return notes


def below_plan(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """A person under 90 % of a daily plan over the month: plan against actual, never month against month."""
    found = []
    keys = ("meetings_held",) if calls_explain_booking(context, scope) else ("calls_60s", "meetings_held")
    for key in keys:
        row = scope.plan.get(key)
        severity = _plan_severity(None if row is None else row["attainment"])
        if row is None or severity is None:
            continue
        days = row["working_days"]
        values = {
            "who": _who(scope), "label": i18n.Label(key),
            "per_day": i18n.Num(row["actual"] / days if days else None, 1),
            "plan_day": i18n.Num(row["plan"] / days if days else None, 1),
            "attainment": i18n.Pct(row["attainment"]), "days_below": i18n.Num(row["days_below"]),
            "days": i18n.Count(days, "working_days", "genitive"),
        }
        found.append(context.finding(scope, "below_plan", key, row["actual"], None, severity, "below_plan", values,
                                     "calls" if key == "calls_60s" else "meetings", evidence={"plan": dict(row)},
                                     plan=row["plan"]))
    return found


def source_quality(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """A source whose target share, booked → held or held → paid is well below the other sources' together."""
    return [
        context.finding(
            scope, "source_quality", s["metric"], s["mine"], s["theirs"],
            _severity({"change_rel": s["change_rel"], "p_value": s["p_value"]}, context.threshold),
            "source_quality", {"source": scope.who, "label": i18n.Label(s["metric"]),
                               "mine": i18n.Pct(s["mine"]), "theirs": i18n.Pct(s["theirs"])},
            "leads", p_value=s["p_value"], evidence={"n": s["n"], "others_n": s["others_n"]})
        for s in quality_shortfalls(context, scope)
    ]


def new_source(context: DiagnosisContext, scope: ScopeChanges) -> list[Finding]:
    """A source first seen this month or last, with its first date, leads, quality and meetings held; medium when
    it is also worse than the other sources."""
    seen = context.new_sources.get(str(scope.who))
    if seen is None:
        return []
    row = scope.month_row
    values = {"source": scope.who, "first": i18n.Day(seen), "leads": i18n.Count(row["leads_new"], "leads"),
              "share": i18n.Pct(row["target_share"]), "held": i18n.Count(row["meetings_held"], "meetings_held")}
    severity: Severity = "medium" if quality_shortfalls(context, scope) else "low"
    return [context.finding(scope, "new_source", "leads_new", row["leads_new"], None, severity, "new_source", values,
                            "leads", evidence={"first_seen": seen})]


PEOPLE_RULES: tuple[Rule, ...] = (few_booked, few_held, few_payments, too_early, below_plan)
SOURCE_RULES: tuple[Rule, ...] = (source_quality, new_source)


# ---- orchestration -----------------------------------------------------------------------------------------------

def _mature_sums(frame: pl.DataFrame, filters: Filters, period: Period, by: Sequence[str]) -> pl.DataFrame:
    return sum_mature(filter_facts(frame, replace(filters, date_from=period.start, date_to=period.end)), by)


# A scope with nothing to compare (no meetings in either month): no change anywhere.
NO_CHANGE: dict[str, dict[str, Any]] = {
    key: {"metric": key, "current": None, "previous": None, "change": None, "change_rel": None, "p_value": 1.0,
          "worse": False}
    for key in COMPARED
}


def _by_group(table: pl.DataFrame, by: Sequence[str]) -> dict[str | None, dict[str, dict[str, Any]]]:
    """compare's long table as {group: {metric: row}} (a handful of people × metrics, not data rows)."""
    result: dict[str | None, dict[str, dict[str, Any]]] = {}
    for row in table.to_dicts():
        result.setdefault(row[by[0]] if by else None, {})[row["metric"]] = row
    return result


def _readiness(sums: pl.DataFrame, by: Sequence[str], mature: str, cohort: str) -> dict[str | None, Readiness]:
    return {(row[by[0]] if by else None): Readiness(int(row[mature] or 0), int(row[cohort] or 0))
            for row in sums.to_dicts()}


def _people_scopes(context: DiagnosisContext, cohort: pl.DataFrame, mature: pl.DataFrame, filters: Filters,
                   weight: float, plan_rows: Mapping[str, Mapping[str, Mapping[str, Any]]],
                   people: Sequence[str]) -> list[ScopeChanges]:
    """The floor and every person, each compared in one grouped comparison (the floor's without grouping)."""
    scopes = []
    for by in ((), ("employee",)):
        def table(period: Period, by: tuple[str, ...] = by) -> pl.DataFrame:
            return aggregate(filter_facts(cohort, replace(filters, date_from=period.start, date_to=period.end)), by)

        sums_now = _mature_sums(mature, filters, context.current, by)
        sums_before = _mature_sums(mature, filters, context.previous, by)
        changes = _by_group(compare(table(context.current), table(context.previous), by, context.threshold, weight),
                            by)
        chain, payment = (
            _by_group(compare(metrics_on_mature(sums_now, by, step), metrics_on_mature(sums_before, by, step), by,
                              context.threshold, weight), by)
            for step in ("chain", "payment")
        )
        due = [_readiness(s, by, "meetings_due", "meetings_scheduled") for s in (sums_now, sums_before)]
        ripe = [_readiness(s, by, "held_ripe", "meetings_held") for s in (sums_now, sums_before)]
        groups = [None] if not by else [p for p in people if p in changes]
        for who in groups:
            empty = Readiness(0, 0)
            scopes.append(ScopeChanges(
                "employee" if by else "floor", who, replace(filters, employees=(str(who),)) if by else filters,
                changes[who], chain.get(who, NO_CHANGE), payment.get(who, NO_CHANGE),
                plan_rows.get(who, {}) if who else {},
                (due[0].get(who, empty), due[1].get(who, empty)), (ripe[0].get(who, empty), ripe[1].get(who, empty)),
            ))
    return scopes


def _source_scopes(context: DiagnosisContext, cohort: pl.DataFrame, filters: Filters) -> list[ScopeChanges]:
    month = with_target_share(aggregate(filter_facts(cohort, replace(
        filters, date_from=context.current.start, date_to=context.current.end)), ["source"]))
    columns = sorted({c for _, num, den in QUALITY for c in (num, den)})
    totals = month.select(pl.col(columns).sum()).row(0, named=True)
    scopes = []
    for row in month.iter_rows(named=True):  # a handful of sources, not data rows
        others = {c: (totals[c] or 0) - (row[c] or 0) for c in columns}
        scopes.append(ScopeChanges("source", row["source"], replace(filters, sources=(row["source"],)),
                                   month_row=row, others=others))
    return scopes


def _month_start(month: str) -> date:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"--month must be YYYY-MM, not {month!r}")
    return date(int(month[:4]), int(month[5:]), 1)


def diagnose(
    model: Prepared,
    filters: Filters = NO_FILTERS,
    month: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    plans: Mapping[str, DailyPlan] | None = None,
    weekdays: tuple[int, ...] = WEEKDAYS,
    payment_window_days: int = DEFAULT_PAYMENT_WINDOW_DAYS,
) -> Report:
    """Findings for `month` (default: the last complete month) against the month before, most severe first.

    Meetings are counted as a cohort (by booking date); plans by events, as the Plan screen counts them.
    """
    dates = span(model)
    last_day = data_end(model)
    if dates is None or last_day is None:
        raise ValueError("there is no data to diagnose")
    month = month or last_complete_month(last_day, weekdays)
    start = _month_start(month)
    first_lead: date | None = model.leads.select(pl.col("created_at").min().dt.date()).item()
    if start > last_day or (first_lead is not None and month_end(start) < first_lead):
        raise ValueError(f"no data in {month}: the data run from {dates[0]:%Y-%m-%d} to {last_day:%Y-%m-%d}")
    complete = month_complete(start, last_day, weekdays)
    cur = Period(start, month_end(start) if complete else min(month_end(start), last_day))
    prev = Period(add_months(start, -1), month_end(add_months(start, -1)))
    weight = pro_rata(Period(start, month_end(start)), prev, last_day, weekdays)
    meetings = mature_meetings(model, last_day, payment_window_days)
    context = DiagnosisContext(model, month, prev.start.strftime("%Y-%m"), cur, prev, last_day, threshold,
                               payment_window_days, filters.min_call_seconds, new_sources(model, start), meetings)

    cohort = facts(model, "cohort", filters.min_call_seconds)
    event = facts(model, "event", filters.min_call_seconds)
    plan_table = period_attainment(daily_attainment(event, cur, plans or {}, filters, weekdays))
    plan_rows: dict[str, dict[str, dict[str, Any]]] = {}
    for row in plan_table.to_dicts():
        plan_rows.setdefault(row["employee"], {})[row["metric"]] = row
    people = sorted(model.leads["employee"].drop_nulls().unique().to_list())
    if filters.employees is not None:
        people = [p for p in people if p in filters.employees]

    scopes = _people_scopes(context, cohort, facts_of_mature(meetings), filters, weight, plan_rows, people)
    floor = scopes[0]
    unready = {kind for kind, (now, before) in (("due", floor.due), ("ripe", floor.ripe))
               if not (now.enough and before.enough)}
    context = replace(context, floor_too_early=frozenset(unready))
    findings = [f for scope in scopes for rule in PEOPLE_RULES for f in rule(context, scope)]
    findings += [f for scope in _source_scopes(context, cohort, filters) for rule in SOURCE_RULES
                 for f in rule(context, scope)]
    findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.p_value if f.p_value is not None else 1.0))
    maturity = {"due": floor.due[0].mature, "booked": floor.due[0].cohort, "ripe": floor.ripe[0].mature,
                "held": floor.ripe[0].cohort, "held_by": last_day - timedelta(days=payment_window_days)}
    return Report(month, context.previous_month, findings, last_day, "cohort", payment_window_days, maturity)


def findings_text(report: Report, lang: i18n.Lang = "ru") -> str:
    """The readable form for a Monday e-mail: one line per finding, most severe first."""
    lines = [i18n.t("diag_text_head", lang, month=report.month, previous=report.previous_month), ""]
    lines += [f"[{f.severity.upper()}] {f.message(lang)}" for f in report.findings]
    if not report.findings:
        lines.append(i18n.t("diag_text_nothing", lang))
    return "\n".join(lines) + "\n"
