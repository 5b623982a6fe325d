"""The three situations of the methodology, answered from data (SPEC §6), plus plan shortfalls and sources.

For one month against the month before, for the floor, each lead generator and each source. Every finding
names the numbers that triggered it and the records behind it. A finding needs a real change (see
comparison.py); its severity grows with both the size of the fall and how sure we are of it:
high = a fall of at least twice the threshold at p < 0.001; medium = p < 0.01; low = otherwise significant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import polars as pl

from analytics import i18n
from analytics.comparison import DEFAULT_THRESHOLD, compare, proportion_p_value, with_target_share
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
from analytics.registry import metric

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
MIN_SOURCE_LEADS = 20  # a source with fewer qualified leads in the month is too small to judge


@dataclass(frozen=True)
class Report:
    month: str
    previous_month: str
    findings: list[dict[str, Any]] = field(default_factory=list)


def new_sources(model: Prepared, month: date) -> dict[str, date]:
    """Sources first seen in `month` or the month before ("a new source", SPEC §6), with their first lead's date.
    `unknown` is never new: it is missing data, not a channel."""
    first_seen = model.leads.group_by("source").agg(pl.col("created_at").min().dt.date().alias("first"))
    since = add_months(month.replace(day=1), -1)
    return dict(first_seen.filter((pl.col("first") >= since) & (pl.col("source") != UNKNOWN_SOURCE)).iter_rows())


def _severity(rel: float | None, p: float, threshold: float) -> str:
    if p < 0.001 and rel is not None and abs(rel) >= 2 * threshold:
        return "high"
    return "medium" if p < 0.01 else "low"


def _plan_severity(attainment: float) -> str | None:
    if attainment < 0.5:
        return "high"
    if attainment < 0.75:
        return "medium"
    return "low" if attainment < 0.9 else None


@dataclass
class _Scope:
    scope: str
    who: str | None
    filters: Filters
    changes: dict[str, dict[str, Any]]


class _Writer:
    """Builds findings with sentences in both languages."""

    def __init__(self, month: str, previous_month: str) -> None:
        self.month, self.previous_month = month, previous_month
        self.findings: list[dict[str, Any]] = []

    def add(self, scope: _Scope, situation: str, key: str, current: Any, previous: Any, severity: str,
            ru: str, en: str, records: dict[str, Any], evidence: dict[str, Any] | None = None,
            p_value: float | None = None) -> None:
        self.findings.append({
            "scope": scope.scope, "who": scope.who, "situation": situation, "metric": key,
            "current": current, "previous": previous, "severity": severity,
            "message_ru": ru, "message_en": en, "p_value": p_value, "evidence": evidence or {},
            "records": {"month": self.month, "employee": scope.who if scope.scope == "employee" else None,
                        "source": scope.who if scope.scope == "source" else None, **records},
        })


def _num(value: float | None, lang: i18n.Lang) -> str:
    return i18n.number(value, lang)


def _day(value: float | None, lang: i18n.Lang) -> str:
    """A per-day figure: one decimal, so that 1.4 meetings a day does not read as 1."""
    return i18n.number(value, lang, 1)


def _pct(value: float | None, lang: i18n.Lang) -> str:
    return i18n.percent(value, lang)


def _who(scope: _Scope, lang: i18n.Lang) -> str:
    if scope.scope == "floor":
        return "Отдел" if lang == "ru" else "The floor"
    if scope.scope == "source":
        return ("Источник " if lang == "ru" else "Source ") + str(scope.who)
    return str(scope.who)


def _moved(c: dict[str, Any], lang: i18n.Lang) -> str:
    """`0,82 → 0,33` style: previous → current, in the metric's format."""
    return f"{i18n.fmt(c['metric'], c['previous'], lang)} → {i18n.fmt(c['metric'], c['current'], lang)}"


def _few_booked(w: _Writer, s: _Scope, plan_rows: Mapping[str, dict], threshold: float) -> bool:
    booked = s.changes["meetings_scheduled"]
    plan = plan_rows.get("meetings_scheduled")
    below_plan = plan is not None and plan["attainment"] is not None and plan["attainment"] < 0.9
    if not (booked["worse"] or below_plan):
        return False
    causes_ru, causes_en, cause_key = [], [], None
    calls = s.changes["calls_60s"]
    calls_plan = plan_rows.get("calls_60s")
    if calls["worse"] or (calls_plan and calls_plan["attainment"] is not None and calls_plan["attainment"] < 0.9):
        cause_key = "calls_60s"
        if calls_plan and calls_plan["attainment"] is not None:
            causes_ru.append(f"звонков от 60 с {_moved(calls, 'ru')}, это {_pct(calls_plan['attainment'], 'ru')} плана")
            causes_en.append(f"calls ≥ 60 s {_moved(calls, 'en')}, {_pct(calls_plan['attainment'], 'en')} of plan")
        else:
            causes_ru.append(f"звонков от 60 с {_moved(calls, 'ru')}")
            causes_en.append(f"calls ≥ 60 s {_moved(calls, 'en')}")
        minutes = s.changes["minutes_on_line"]
        causes_ru.append(f"минут на линии {_moved(minutes, 'ru')}")
        causes_en.append(f"minutes on the line {_moved(minutes, 'en')}")
    for key, ru, en in (("leads_new", "новых лидов", "new leads"), ("target_share", "доля целевых", "target share")):
        if s.changes[key]["worse"]:
            cause_key = cause_key or key
            causes_ru.append(f"{ru} {_moved(s.changes[key], 'ru')}")
            causes_en.append(f"{en} {_moved(s.changes[key], 'en')}")
    if booked["worse"]:
        severity = _severity(booked["change_rel"], booked["p_value"], threshold)
    else:
        severity = _plan_severity(plan["attainment"]) or "low"
    if booked["worse"] and plan and plan["attainment"] is not None:
        severity = min(severity, _plan_severity(plan["attainment"]) or "low", key=SEVERITY_RANK.get)
    head_ru = f"{_who(s, 'ru')}: назначено встреч {_moved(booked, 'ru')}"
    head_en = f"{_who(s, 'en')}: meetings booked {_moved(booked, 'en')}"
    if plan and plan["attainment"] is not None:
        head_ru += f" ({_pct(plan['attainment'], 'ru')} плана)"
        head_en += f" ({_pct(plan['attainment'], 'en')} of plan)"
    if causes_ru:
        ru = head_ru + "; причина — " + ", ".join(causes_ru) + "."
        en = head_en + "; why — " + ", ".join(causes_en) + "."
    else:
        ru = head_ru + "; звонки, лиды и их качество в норме — разберите, как звонки превращаются во встречи."
        en = head_en + "; calls, leads and their quality are normal — look at how calls turn into meetings."
    key = cause_key or "meetings_scheduled"
    w.add(s, "few_booked", key, s.changes[key]["current"], s.changes[key]["previous"], severity, ru, en,
          {"kind": "calls" if key == "calls_60s" else "leads"}, {"meetings_scheduled": booked},
          booked["p_value"])
    return True


CHAIN = (
    ("conv_scheduled_to_confirmed", "назначение → подтверждение", "booked → confirmed",
     "клиенты не подтверждают встречи: выясните почему (напоминания, ожидания, время встречи)",
     "clients do not confirm: find out why (reminders, expectations, meeting times)", "unconfirmed"),
    ("conv_confirmed_to_held", "подтверждение → проведение", "confirmed → held",
     "подтверждённые клиенты не приходят: проверьте, что им обещали и кто проводит встречи",
     "confirmed clients do not come: check what they were promised and who holds the meetings", "not_held"),
)


def _few_held(w: _Writer, s: _Scope, booked_reported: bool, threshold: float) -> None:
    held = s.changes["meetings_held"]
    rate = s.changes["conv_scheduled_to_held"]
    if not (held["worse"] or rate["worse"]):
        return
    for key, ru_link, en_link, ru_why, en_why, only in CHAIN:
        link = s.changes[key]
        if link["worse"]:
            ru = (f"{_who(s, 'ru')}: проведено встреч {_moved(held, 'ru')}; цепочка рвётся на шаге «{ru_link}» "
                  f"({_moved(link, 'ru')}), назначения в норме ({_moved(s.changes['meetings_scheduled'], 'ru')}) — "
                  f"{ru_why}.")
            en = (f"{_who(s, 'en')}: meetings held {_moved(held, 'en')}; the chain breaks at {en_link} "
                  f"({_moved(link, 'en')}) while booking is normal ({_moved(s.changes['meetings_scheduled'], 'en')})"
                  f" — {en_why}.")
            if booked_reported and s.changes["meetings_scheduled"]["worse"]:
                ru = ru.replace(", назначения в норме", ", и назначений тоже меньше")
                en = en.replace(" while booking is normal", " and fewer meetings were booked too")
            w.add(s, "few_held", key, link["current"], link["previous"],
                  _severity(link["change_rel"], link["p_value"], threshold), ru, en, {"kind": "meetings", "only": only},
                  {"meetings_held": held, key: link}, link["p_value"])
            return
    if s.changes["meetings_scheduled"]["worse"]:
        return  # fewer held only because fewer were booked: the few_booked finding says so
    ru = (f"{_who(s, 'ru')}: проведено встреч {_moved(held, 'ru')}, но ни одно звено цепочки в отдельности не упало "
          f"значимо — посмотрите встречи.")
    en = (f"{_who(s, 'en')}: meetings held {_moved(held, 'en')}, yet no single link of the chain fell significantly "
          f"— look at the meetings.")
    worst = held if held["worse"] else rate
    w.add(s, "few_held", worst["metric"], worst["current"], worst["previous"],
          _severity(worst["change_rel"], worst["p_value"], threshold), ru, en, {"kind": "meetings", "only": "not_held"},
          {"meetings_held": held}, worst["p_value"])


def _held_lead_mix(model: Prepared, filters: Filters, period: Period, new_sources: set[str]) -> dict[str, Any]:
    """Target share of the held meetings' leads, and the share of them from a new source (situation 1)."""
    held = model.meetings.filter(
        pl.col("held") & pl.col("booked_at").dt.date().is_between(period.start, period.end)
    )
    if filters.employees is not None:
        held = held.filter(pl.col("setter").is_in(list(filters.employees)))
    if filters.sources is not None:
        held = held.filter(pl.col("source").is_in(list(filters.sources)))
    stats = held.select(
        pl.len().alias("held"),
        (pl.col("is_target") == True).sum().alias("target"),  # noqa: E712
        pl.col("is_target").is_not_null().sum().alias("qualified"),
        pl.col("source").is_in(list(new_sources)).sum().alias("from_new"),
    ).row(0, named=True)
    stats["target_share"] = stats["target"] / stats["qualified"] if stats["qualified"] else None
    stats["new_source_share"] = stats["from_new"] / stats["held"] if stats["held"] else None
    return stats


def _few_payments(w: _Writer, s: _Scope, model: Prepared, cur: Period, prev: Period, new_sources: set[str],
                  threshold: float) -> None:
    rate = s.changes["conv_held_to_paid"]
    paid = s.changes["payments"]
    if not (rate["worse"] or (paid["worse"] and not s.changes["meetings_held"]["worse"])):
        return
    mix_now = _held_lead_mix(model, s.filters, cur, new_sources)
    mix_before = _held_lead_mix(model, s.filters, prev, new_sources)
    checks_ru, checks_en = [], []
    if mix_now["target_share"] is not None and mix_before["target_share"] is not None:
        checks_ru.append(f"доля целевых среди лидов проведённых встреч {_pct(mix_before['target_share'], 'ru')} → "
                         f"{_pct(mix_now['target_share'], 'ru')}")
        checks_en.append(f"target share of the held meetings' leads {_pct(mix_before['target_share'], 'en')} → "
                         f"{_pct(mix_now['target_share'], 'en')}")
    if mix_now["from_new"]:
        checks_ru.append(f"из нового источника {_pct(mix_now['new_source_share'], 'ru')} встреч")
        checks_en.append(f"{_pct(mix_now['new_source_share'], 'en')} of the meetings from a new source")
    key = "conv_held_to_paid" if rate["worse"] else "payments"
    c = s.changes[key]
    ru = (f"{_who(s, 'ru')}: встречи есть, оплат мало — {metric(key).label('ru').lower()} {_moved(c, 'ru')}"
          + ("; " + ", ".join(checks_ru) if checks_ru else "")
          + ". Послушайте звонки по проведённым, но не оплаченным встречам: какие ожидания создал лидоруб.")
    en = (f"{_who(s, 'en')}: meetings but few payments — {metric(key).label('en').lower()} {_moved(c, 'en')}"
          + ("; " + ", ".join(checks_en) if checks_en else "")
          + ". Listen to the calls behind held but unpaid meetings: what expectations were set.")
    w.add(s, "few_payments", key, c["current"], c["previous"], _severity(c["change_rel"], c["p_value"], threshold),
          ru, en, {"kind": "calls", "only": "held_unpaid"},
          {"held_meetings_now": mix_now, "held_meetings_before": mix_before, key: c}, c["p_value"])


def _below_plan(w: _Writer, s: _Scope, plan_rows: Mapping[str, dict], calls_reported: bool) -> None:
    for key in ("meetings_held",) if calls_reported else ("calls_60s", "meetings_held"):
        row = plan_rows.get(key)
        if not row or row["attainment"] is None:
            continue
        severity = _plan_severity(row["attainment"])
        if severity is None:
            continue
        per_day = row["actual"] / row["working_days"] if row["working_days"] else None
        plan_day = row["plan"] / row["working_days"] if row["working_days"] else None
        label_ru, label_en = metric(key).label("ru").lower(), metric(key).label("en").lower()
        ru = (f"{s.who}: {label_ru} — {_day(per_day, 'ru')} в рабочий день при плане {_day(plan_day, 'ru')} "
              f"({_pct(row['attainment'], 'ru')} плана), ниже плана {row['days_below']} из {row['working_days']} дней.")
        en = (f"{s.who}: {label_en} — {_day(per_day, 'en')} per working day against a plan of {_day(plan_day, 'en')} "
              f"({_pct(row['attainment'], 'en')} of plan), below plan on {row['days_below']} of "
              f"{row['working_days']} days.")
        w.add(s, "below_plan", key, row["actual"], row["plan"], severity, ru, en,
              {"kind": "calls" if key == "calls_60s" else "meetings"}, {"plan": row})


def _sources(w: _Writer, cohort: pl.DataFrame, filters: Filters, cur: Period, new: dict[str, date],
             threshold: float) -> None:
    month = with_target_share(aggregate(filter_facts(cohort, replace(filters, date_from=cur.start,
                                                                      date_to=cur.end)), ["source"]))
    for row in month.iter_rows(named=True):  # a handful of sources, not data rows
        source = row["source"]
        others = month.filter(pl.col("source") != source)
        scope = _Scope("source", source, replace(filters, sources=(source,)), {})
        flagged = False
        for key, num, den in (("target_share", "leads_target", "leads_qualified"),
                              ("conv_scheduled_to_held", "meetings_held", "meetings_scheduled"),
                              ("conv_held_to_paid", "payments", "meetings_held")):
            x1, n1 = row[num], row[den]
            x2, n2 = others[num].sum(), others[den].sum()
            if n1 < MIN_SOURCE_LEADS or n2 == 0 or source == "unknown":
                continue
            mine, theirs = x1 / n1, x2 / n2
            p = float(proportion_p_value(*(pl.Series([v]).to_numpy() for v in (x1, n1, x2, n2)))[0])
            rel = mine / theirs - 1 if theirs else None
            if p < 0.05 and rel is not None and rel <= -threshold:
                label_ru, label_en = metric(key).label("ru").lower(), metric(key).label("en").lower()
                ru = (f"Источник {source}: {label_ru} {_pct(mine, 'ru')} против {_pct(theirs, 'ru')} у остальных "
                      f"источников — он приводит менее качественных клиентов.")
                en = (f"Source {source}: {label_en} {_pct(mine, 'en')} against {_pct(theirs, 'en')} for the other "
                      f"sources — it brings lower-quality clients.")
                w.add(scope, "source_quality", key, mine, theirs, _severity(rel, p, threshold), ru, en,
                      {"kind": "leads"}, {"n": n1, "others_n": n2}, p)
                flagged = True
        seen = new.get(source)
        if seen is not None:
            ru = (f"Новый источник {source}: первый лид {seen:%d.%m.%Y}, за месяц {_num(row['leads_new'], 'ru')} "
                  f"лидов, доля целевых {_pct(row['target_share'], 'ru')}, проведено встреч "
                  f"{_num(row['meetings_held'], 'ru')}.")
            en = (f"New source {source}: first lead on {seen:%d.%m.%Y}, {_num(row['leads_new'], 'en')} leads this "
                  f"month, target share {_pct(row['target_share'], 'en')}, {_num(row['meetings_held'], 'en')} "
                  f"meetings held.")
            w.add(scope, "new_source", "leads_new", row["leads_new"], None, "medium" if flagged else "low", ru, en,
                  {"kind": "leads"}, {"first_seen": seen.isoformat()})


def diagnose(
    model: Prepared,
    filters: Filters = NO_FILTERS,
    month: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    plans: Mapping[str, DailyPlan] | None = None,
    weekdays: tuple[int, ...] = WEEKDAYS,
) -> Report:
    """Findings for `month` (default: the last complete month) against the month before, most severe first."""
    dates = span(model)
    last_day = data_end(model)
    if dates is None or last_day is None:
        raise ValueError("there is no data to diagnose")
    month = month or last_complete_month(last_day, weekdays)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"--month must be YYYY-MM, not {month!r}")
    start = date(int(month[:4]), int(month[5:]), 1)
    first_day = model.leads["created_at"].min()
    if start > last_day or (first_day is not None and month_end(start) < first_day.date()):
        raise ValueError(f"no data in {month}: the data run from {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}")
    complete = month_complete(start, last_day, weekdays)
    cur = Period(start, month_end(start) if complete else min(month_end(start), last_day))
    prev = Period(add_months(start, -1), month_end(add_months(start, -1)))
    weight = pro_rata(Period(start, month_end(start)), prev, last_day, weekdays)
    plans = plans or {}
    cohort = facts(model, "cohort", filters.min_call_seconds)
    event = facts(model, "event", filters.min_call_seconds)
    new = new_sources(model, start)
    plan_table = period_attainment(daily_attainment(event, cur, plans, filters, weekdays))

    w = _Writer(month, prev.start.strftime("%Y-%m"))
    people = sorted(model.leads["employee"].drop_nulls().unique().to_list())
    if filters.employees is not None:
        people = [p for p in people if p in filters.employees]
    scopes = [("floor", None, filters)] + [("employee", p, replace(filters, employees=(p,))) for p in people]
    for scope_name, who, scope_filters in scopes:
        now = aggregate(filter_facts(cohort, replace(scope_filters, date_from=cur.start, date_to=cur.end)))
        before = aggregate(filter_facts(cohort, replace(scope_filters, date_from=prev.start, date_to=prev.end)))
        changes = {r["metric"]: r for r in compare(now, before, threshold=threshold, weight=weight).to_dicts()}
        scope = _Scope(scope_name, who, scope_filters, changes)
        plan_rows: dict[str, dict] = {}
        if scope_name == "employee":
            plan_rows = {r["metric"]: r for r in plan_table.filter(pl.col("employee") == who).to_dicts()}
        booked = _few_booked(w, scope, plan_rows, threshold)
        calls_reported = booked and w.findings[-1]["metric"] == "calls_60s"
        _few_held(w, scope, booked, threshold)
        _few_payments(w, scope, model, cur, prev, set(new), threshold)
        if scope_name == "employee":
            _below_plan(w, scope, plan_rows, calls_reported)
    _sources(w, cohort, filters, cur, new, threshold)
    findings = sorted(w.findings, key=lambda f: (SEVERITY_RANK[f["severity"]],
                                                 f["p_value"] if f["p_value"] is not None else 1.0))
    return Report(month, prev.start.strftime("%Y-%m"), findings)


def findings_text(report: Report, lang: i18n.Lang = "ru") -> str:
    """The readable form for a Monday e-mail: one line per finding, most severe first."""
    words = {"ru": ("Диагностика за", "сравнение с", "Тревожного ничего нет."),
             "en": ("Diagnostics for", "compared with", "Nothing alarming.")}[lang]
    lines = [f"{words[0]} {report.month} ({words[1]} {report.previous_month})", ""]
    for f in report.findings:
        lines.append(f"[{f['severity'].upper()}] {f['message_' + lang]}")
    if not report.findings:
        lines.append(words[2])
    return "\n".join(lines) + "\n"
