"""Diagnostics: the methodology's three situations answered from data, most severe first, with the records
behind every finding (SPEC §6). The page says next to the numbers which month (against which), which counting mode
and which meetings it compares, because it does not follow the sidebar's period and mode."""

import json
from datetime import date
from typing import Literal

import streamlit as st

from analytics import i18n, records
from analytics.diagnostics import Finding, Report, diagnose, findings_text
from analytics.maturity import DEFAULT_PAYMENT_WINDOW_DAYS
from analytics.metrics import Filters
from analytics.model import UNKNOWN_HUNTER, Prepared
from analytics.periods import add_months, last_complete_month, month_end, month_start
from analytics.plans import DailyPlan, resolve_plans
from analytics.registry import BY_KEY
from pages import _settings, _view, _widgets

SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}
SEVERITY_COLOR: dict[str, Literal["red", "orange", "blue"]] = {"high": "red", "medium": "orange", "low": "blue"}
# The counts of the chain that follow a meeting booked in the month (a cohort), unlike calls, leads and bookings.
BY_BOOKING = ("meetings_confirmed", "meetings_held", "payments", "revenue")
SHOW_ALL = "diag_show_all"  # every finding drawn, not only the most serious
WORDED_IN = "_diag_worded_in"  # the language the month and scope widgets last showed their options in


@st.cache_data(show_spinner=False, max_entries=32)
def cached_diagnosis(key: str, month: str, threshold: float, filters: Filters, plans_json: str,
                     weekdays: tuple[int, ...], window_days: int, _model: Prepared) -> Report:
    plans = {who: DailyPlan.from_dict(raw) for who, raw in json.loads(plans_json).items()}
    return diagnose(_model, filters, month=month, threshold=threshold, plans=plans, weekdays=weekdays,
                    payment_window_days=window_days)


def month_of(month: str) -> date:
    """The first day of a `YYYY-MM` month."""
    return date(int(month[:4]), int(month[5:7]), 1)


def month_options(v: _view.View) -> list[str]:
    """Every month of the data but the first (it has no month before it to be compared with)."""
    months, cursor = [], month_start(v.data.first_day)
    while cursor <= v.data.last_day:
        months.append(cursor.strftime("%Y-%m"))
        cursor = add_months(cursor, 1)
    return months[1:] or months


def default_month(v: _view.View, options: list[str]) -> str:
    """The sidebar's month when its period is one whole month; else the last complete month by the data end."""
    start, end = v.period.start, v.period.end
    if start.day == 1 and end == month_end(start) and start.strftime("%Y-%m") in options:
        return start.strftime("%Y-%m")
    chosen = last_complete_month(v.data.last_day, _settings.working_days())
    return chosen if chosen in options else options[-1]


def number_caption(v: _view.View, report: Report, finding: Finding) -> list[str]:
    """The numbers behind a finding, each read as what it is: plan against actual, month against month, or a
    source against the others."""
    key = finding.metric
    if key not in BY_KEY:
        return []
    label = BY_KEY[key].label(v.lang)
    now = i18n.fmt(key, finding.current, v.lang)
    lines = []
    if finding.situation == "source_quality":  # against the other sources, not against last month
        lines.append(v.md("versus_others", label=label, who=who_of(v, finding), now=now,
                          others=i18n.fmt(key, finding.previous, v.lang)))
    elif finding.previous is not None:
        # The chain compares booking cohorts: a meeting's step counts in the month it was booked.
        moved_label = v.t("by_booking_month", label=label) if key in BY_BOOKING else label
        lines.append(v.t("diag_caption_moved", label=moved_label, before=i18n.fmt(key, finding.previous, v.lang),
                         now=now,
                         previous_month=i18n.month_label(month_of(report.previous_month), v.lang),
                         month=i18n.month_label(month_of(report.month), v.lang)))
    if finding.plan is not None:
        attainment = finding.current / finding.plan if finding.plan and finding.current is not None else None
        # A plan counts events (a meeting on the day it was held), the chain a booking cohort: the caption says so,
        # so that "факт 49" does not read as contradicting "проведено 77 → 44" of the same person and month.
        lines.append(v.t("diag_caption_plan", label=label, plan=i18n.fmt(key, finding.plan, v.lang), actual=now,
                         attainment=i18n.percent(attainment, v.lang),
                         month=i18n.month_label(month_of(report.month), v.lang)))
    return lines


def shown_value(v: _view.View, name: str, value: object) -> object:
    """A finding's value as the screen names it: a person not set, the source `unknown` and a meeting with no hunter
    read "не указан" / "not set" in the screen's language (the report keeps the stored names), also inside a
    clause (`Источник {source}`)."""
    if isinstance(value, i18n.Clause):
        return i18n.Clause(value.key, tuple((key, shown_value(v, key, x)) for key, x in value.values))
    if isinstance(value, i18n.Listed):
        return i18n.Listed(tuple(shown_value(v, name, part) for part in value.parts))
    if not isinstance(value, str):
        return value
    if name == "source":
        return i18n.source_label(value, v.lang)
    if name == "hunter":
        return v.t("hunter_not_set") if value == UNKNOWN_HUNTER else value
    return v.person(value) if name in ("who", "employee") else value


def message(v: _view.View, finding: Finding) -> str:
    """The finding's sentence (Finding.message) with the names as the screen shows them (`shown_value`)."""
    return i18n.finding_text(finding.template, {k: shown_value(v, k, x) for k, x in finding.values}, v.lang)


def who_of(v: _view.View, finding: Finding) -> str:
    """Whom a finding is about, as the screen names them: the floor, a person or a source."""
    if finding.who is None:
        return v.t("scope_floor")
    return i18n.source_label(finding.who, v.lang) if finding.scope == "source" else v.person(finding.who)


def worded_choices(lang: i18n.Lang, defaults: dict[str, str]) -> None:
    """The month and scope widgets show their options in words of the language. After a language switch the browser
    keeps showing the chosen option in the old language unless the choice is set again through Session State, so the
    page does that once per switch. Their defaults go through Session State too: a widget given both a default and
    a value from Session State makes Streamlit warn."""
    for key, default in defaults.items():
        st.session_state.setdefault(key, default)
    if st.session_state.get(WORDED_IN) != lang:
        for key in defaults:
            st.session_state[key] = st.session_state[key]
        st.session_state[WORDED_IN] = lang


v = _view.current()
st.title(v.t("diag_title"))
_view.data_caption(v)

options = month_options(v)
default = default_month(v, options)
# Keyed by the default, so that a new sidebar month (or new data) opens on its own month, not on an old choice.
MONTH, SCOPE = f"diag_month_{default}", "diag_scope"
if st.session_state.get(MONTH, default) not in options:  # a choice the data no longer have
    st.session_state[MONTH] = default
worded_choices(v.lang, {MONTH: default, SCOPE: "all"})
left, right = st.columns([1, 2])
month = left.selectbox(v.t("diag_month"), options, key=MONTH,
                       format_func=lambda m: i18n.month_label(month_of(m), v.lang))
threshold = right.slider(v.t("diag_threshold"), 5, 50, 15, 5, format="%d %%", key="diag_threshold",
                         help=v.t("diag_threshold_help")) / 100

plans = resolve_plans(_settings.plans(), v.data.employees)
scope_filters = v.scope.whole_history().filters()
report = cached_diagnosis(
    v.data.key, month, threshold, scope_filters,
    json.dumps({k: p.to_dict() for k, p in plans.items()}, sort_keys=True),
    _settings.working_days(), DEFAULT_PAYMENT_WINDOW_DAYS, v.data.model,
)

# Which month against which, counted how — next to the numbers, because the sidebar's period and mode do not apply.
shown_month, shown_previous = month_of(report.month), month_of(report.previous_month)
st.markdown("**" + i18n.sentence(v.t("diag_basis", month=i18n.month_label(shown_month, v.lang),
                                     previous=i18n.month_label(shown_previous, v.lang, "genitive"))) + "**")
if v.mode != "cohort":
    st.caption(v.t("diag_mode_differs"))
if (v.period.start, v.period.end) != (shown_month, month_end(shown_month)):
    st.caption(v.t("diag_period_differs"))
maturity = report.maturity
if maturity and report.data_end is not None:
    st.caption(v.t(
        "diag_maturity", end=i18n.date_label(report.data_end, v.lang), due=i18n.number(maturity["due"], v.lang),
        booked=i18n.number(maturity["booked"], v.lang), cutoff=i18n.date_label(maturity["held_by"], v.lang),
        window=i18n.count_phrase(report.payment_window_days, "days", v.lang, case="genitive"),
        ripe=i18n.number(maturity["ripe"], v.lang), held=i18n.number(maturity["held"], v.lang)))
st.caption(v.t("diag_rule", threshold=i18n.percent(threshold, v.lang, decimals=0)))

counts = {s: sum(f.severity == s for f in report.findings) for s in ("high", "medium", "low")}
cols = st.columns(3)
for column, severity in zip(cols, counts, strict=True):
    column.metric(v.t(f"severity_count_{severity}"), counts[severity], border=True)
month_words = {"month": i18n.month_label(shown_month, v.lang),
               "previous": i18n.month_label(shown_previous, v.lang, "genitive")}  # «против сентября»
if not report.findings:
    st.success(i18n.sentence(v.t("diag_nothing", **month_words)), icon=":material/check_circle:")
else:
    st.markdown(i18n.sentence(v.t("diag_sentence", n=len(report.findings), high=counts["high"], **month_words)))

scopes = ("all", "floor", "employee", "source")
shown_scope = st.segmented_control(v.t("diag_scope"), scopes, key=SCOPE, format_func=lambda s: v.t(f"scope_{s}"))
model = v.data.model
listed = [(index, finding) for index, finding in enumerate(report.findings)
          if shown_scope in (None, "all") or finding.scope == shown_scope]
# Each finding carries the table of its records, and a big floor can have 150 findings (seconds to draw): the most
# serious are drawn, the rest when asked for.
at_once = _widgets.FINDINGS_AT_ONCE
all_drawn = len(listed) <= at_once or bool(st.session_state.get(SHOW_ALL))
for index, finding in listed if all_drawn else listed[:at_once]:
    with st.container(border=True):
        head, badge = st.columns([4, 1])  # room for «Средняя» at 1024 px
        head.markdown(f"**{_widgets.escape(who_of(v, finding))}** · {v.t('situation_' + finding.situation)}")
        badge.badge(v.t(f"severity_{finding.severity}"), icon=SEVERITY_ICON[finding.severity],
                    color=SEVERITY_COLOR[finding.severity])
        st.markdown(_widgets.escape(message(v, finding)))
        for line in number_caption(v, report, finding):
            st.caption(line)
        spec = finding.records
        with st.expander(v.t("diag_records"), icon=":material/table_view:"):
            start = month_of(spec.month)
            scope = (v.scope.in_month(start).for_people((spec.employee,) if spec.employee else v.scope.people)
                     .for_sources((spec.source,) if spec.source else v.scope.sources).filters())
            if spec.kind == "meetings":
                frame = records.meetings(model, scope, spec.only)
            else:
                frame = records.calls(model, scope, spec.only) if spec.kind == "calls" else records.leads(model, scope)
            frame = v.named(frame)  # display only: the person not set and the source `unknown` in words
            st.caption(v.t("rows_count", n=i18n.number(frame.height, v.lang)) + " · " + v.t(f"records_{spec.only}"))
            _widgets.records_table(frame, v.lang, name=f"finding_{index}", height=260)

if len(listed) > at_once:
    if not all_drawn:
        st.caption(v.t("diag_first", shown=i18n.number(at_once, v.lang), n=i18n.number(len(listed), v.lang)))
    st.toggle(v.t("diag_show_all", n=i18n.number(len(listed), v.lang)), key=SHOW_ALL)

with st.expander(v.t("diag_text"), icon=":material/mail:"):
    st.code(findings_text(report, v.lang), language=None)
    st.caption(v.t("diag_cli"))
    st.code("python -m analytics diagnose --calls calls.csv --leads deals.xlsx --format text", language="bash")
