"""Diagnostics: the methodology's three situations answered from data, most severe first, with the records
behind every finding (SPEC §6)."""

import json
from dataclasses import replace

import polars as pl
import streamlit as st

from analytics import i18n, records
from analytics.diagnostics import Report, diagnose, findings_text
from analytics.metrics import Filters
from analytics.model import Prepared
from analytics.periods import add_months, last_complete_month, month_end
from analytics.plans import DailyPlan
from analytics.registry import BY_KEY
from pages import _common, _widgets

SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}
SEVERITY_COLOR = {"high": "red", "medium": "orange", "low": "blue"}


@st.cache_data(show_spinner=False, max_entries=32)
def cached_diagnosis(key: str, month: str, threshold: float, filters: Filters, plans_json: str,
                     weekdays: tuple[int, ...], _model: Prepared) -> Report:
    plans = {who: DailyPlan.from_dict(raw) for who, raw in json.loads(plans_json).items()}
    return diagnose(_model, filters, month=month, threshold=threshold, plans=plans, weekdays=weekdays)


v = _common.view()
st.title(v.t("diag_title"))
_common.data_caption(v)

months = []
cursor = v.data.first_day.replace(day=1)
while cursor <= v.data.last_day:
    months.append(cursor.strftime("%Y-%m"))
    cursor = add_months(cursor, 1)
default = last_complete_month(v.data.last_day, _common.working_days())
left, right = st.columns([1, 2])
month = left.selectbox(v.t("diag_month"), months[1:] or months, key="diag_month",
                       index=(months[1:] or months).index(default) if default in months[1:] else len(months) - 2)
threshold = right.slider(v.t("diag_threshold"), 5, 50, 15, 5, format="%d %%", key="diag_threshold",
                         help=v.t("diag_threshold_help")) / 100
st.caption(v.t("diag_rule", threshold=i18n.percent(threshold, v.lang)))
if month == v.data.last_day.strftime("%Y-%m") and v.data.last_day < month_end(v.data.last_day):
    st.caption(v.t("immature_month", month=month))

plans = _common.plans()
per_person = {p: plans.get(p) or plans.get("*") for p in v.data.employees if plans.get(p) or plans.get("*")}
scope_filters = replace(v.filters, date_from=None, date_to=None)
report = cached_diagnosis(
    v.data.key, month, threshold, scope_filters,
    json.dumps({k: p.to_dict() for k, p in per_person.items()}, sort_keys=True),
    _common.working_days(), v.data.model,
)

counts = {s: sum(f["severity"] == s for f in report.findings) for s in ("high", "medium", "low")}
cols = st.columns(3)
for column, severity in zip(cols, counts, strict=True):
    column.metric(v.t(f"severity_{severity}"), counts[severity], border=True)
if not report.findings:
    st.success(v.t("diag_nothing", month=month, previous=report.previous_month), icon=":material/check_circle:")
else:
    st.markdown(v.t("diag_sentence", month=month, previous=report.previous_month, n=len(report.findings),
                    high=counts["high"]))

scopes = ("all", "floor", "employee", "source")
shown_scope = st.segmented_control(v.t("diag_scope"), scopes, default="all", key="diag_scope",
                                   format_func=lambda s: v.t(f"scope_{s}"))
model = v.data.model
for index, finding in enumerate(report.findings):
    if shown_scope not in (None, "all") and finding["scope"] != shown_scope:
        continue
    with st.container(border=True):
        head, badge = st.columns([6, 1])
        who = finding["who"] or v.t("scope_floor")
        head.markdown(f"**{_widgets.escape(who)}** · {v.t('situation_' + finding['situation'])}")
        badge.badge(v.t(f"severity_{finding['severity']}"), icon=SEVERITY_ICON[finding["severity"]],
                    color=SEVERITY_COLOR[finding["severity"]])
        st.markdown(_widgets.escape(finding[f"message_{v.lang}"]))
        key = finding["metric"]
        if key in BY_KEY and finding["previous"] is not None:
            label = BY_KEY[key].label(v.lang)
            before, now = (i18n.fmt(key, finding[k], v.lang) for k in ("previous", "current"))
            if finding["situation"] == "source_quality":  # against the other sources, not against last month
                st.caption(v.md("versus_others", label=label, who=finding["who"], now=now, others=before))
            else:
                st.caption(f"{label}: {report.previous_month} {before} → {report.month} {now}")
        spec = finding["records"]
        with st.expander(v.t("diag_records"), icon=":material/table_view:"):
            start = pl.Series([spec["month"] + "-01"]).str.to_date()[0]
            scope = replace(
                v.filters, date_from=start, date_to=month_end(start),
                employees=(spec["employee"],) if spec.get("employee") else v.filters.employees,
                sources=(spec["source"],) if spec.get("source") else v.filters.sources,
            )
            kind, only = spec["kind"], spec.get("only", "all")
            frame = (records.meetings(model, scope, only) if kind == "meetings"
                     else records.calls(model, scope, only) if kind == "calls" else records.leads(model, scope))
            st.caption(v.t("rows_count", n=i18n.number(frame.height, v.lang)) + " · " + v.t(f"records_{only}"))
            _widgets.records_table(frame, v.lang, name=f"finding_{index}", height=260)

with st.expander(v.t("diag_text"), icon=":material/mail:"):
    st.code(findings_text(report, v.lang), language=None)
    st.caption(v.t("diag_cli"))
    st.code("python -m analytics diagnose --calls calls.csv --leads deals.xlsx --format text", language="bash")
