"""One lead generator: daily activity against plan, funnel against the floor, month over month, records."""

import polars as pl
import streamlit as st

from analytics import i18n, records
from analytics.comparison import month_over_month
from analytics.periods import working_days
from analytics.registry import METRIC_KEYS, RATIO_METRICS, metric
from pages import _charts, _settings, _view, _widgets
from pages._widgets import ColumnSpec

v = _view.current()
people = v.data.employees
if not people:
    st.info(v.t("no_people"), icon=":material/info:")
    st.stop()
if st.session_state.get("person") not in people:
    # A link may name the person; otherwise one chosen in the filter, otherwise the first.
    linked = st.query_params.get("who")
    st.session_state["person"] = linked if linked in people else (v.people or people)[0]
who = st.selectbox(v.t("choose_person"), people, key="person")
st.query_params["who"] = who
st.title(v.md("person_title", who=who))
_view.data_caption(v)
mine = v.scope.for_people((who,))

now_table = v.metrics(scope=mine)
now = now_table.row(0, named=True)
previous_table = v.before(scope=mine)
before = previous_table.row(0, named=True) if previous_table is not None else dict.fromkeys(now)
cols = st.columns(4)
drops = v.drops(now_table, previous_table)
for column, key in zip(cols, ("meetings_held", "payments", "meetings_scheduled", "calls_60s"), strict=True):
    _widgets.kpi(column, key, now[key], before[key], v.lang, drops.get(key, False))
days = max(working_days(v.period.start, min(v.period.end, v.data.last_day)), 1)
st.markdown(v.md(
    "person_sentence", who=who, held=i18n.number(now["meetings_held"], v.lang),
    booked=i18n.number(now["meetings_scheduled"], v.lang), calls=i18n.number(now["calls_60s"], v.lang),
    t=v.filters.min_call_seconds,
    per_day=i18n.number(None if now["calls_60s"] is None else now["calls_60s"] / days, v.lang, 1),
))

# Daily activity against the plan.
st.subheader(v.t("daily_activity"))
plan = _settings.plan_of(who)
daily = v.metrics(("day",), mine).with_columns(pl.col("day").str.to_date().alias("date"))
left, middle, right = st.columns(3)
for column, key, band in ((left, "calls_60s", plan.calls_60s), (middle, "meetings_scheduled", plan.meetings_scheduled),
                          (right, "minutes_on_line", None)):
    label = metric(key).label(v.lang)
    with column:
        _charts.show(_charts.daily_with_plan, daily.select("date", key), key, label, label, band, v.t("day"),
                     v.t("plan_band"))
st.caption(v.t("daily_caption"))

# Funnel and conversions against the floor average.
st.subheader(v.t("vs_floor"))
floor = v.metrics(scope=v.scope.for_people(None)).row(0, named=True)
versus = pl.DataFrame({
    "conversion": [m.label(v.lang) for m in RATIO_METRICS] * 2,
    "who": [who] * len(RATIO_METRICS) + [v.t("floor_average")] * len(RATIO_METRICS),
    "rate": [now[m.key] for m in RATIO_METRICS] + [floor[m.key] for m in RATIO_METRICS],
})
_charts.show(_charts.grouped_bars, versus, "conversion", "who", "rate", "", v.t("value"),
             v.t("metric"), v.t("employee"))
comparison = pl.DataFrame({
    "metric": [m.label(v.lang) for m in RATIO_METRICS],
    "person": [now[m.key] for m in RATIO_METRICS],
    "floor": [floor[m.key] for m in RATIO_METRICS],
})
st.dataframe(
    _widgets.styled(comparison, v.lang, {"person": ColumnSpec(who, "ratio"),
                                         "floor": ColumnSpec(v.t("floor_average"), "ratio")}),
    hide_index=True, width="stretch",
    column_config={"metric": v.t("metric"), "person": st.column_config.TextColumn(who, alignment="right"),
                   "floor": st.column_config.TextColumn(v.t("floor_average"), alignment="right")},
)
_widgets.downloads(pl.DataFrame({"metric": [m.key for m in RATIO_METRICS], "person": comparison["person"],
                                 "floor": comparison["floor"]}), f"conversions_{who}", v.lang)

# Month over month: every metric, drops in red.
st.subheader(v.t("mom_table"))
all_months = v.metrics(("month",), mine.whole_history())
weights = v.month_weights()
changes = month_over_month(all_months, weights=weights,
                           immature=frozenset(weights) if v.mode == "cohort" else frozenset())
months = all_months["month"].to_list()[-6:]
wide = all_months.filter(pl.col("month").is_in(months)).unpivot(METRIC_KEYS, index="month", variable_name="metric")
table = wide.pivot("month", index="metric", values="value").with_columns(
    pl.col("metric").replace_strict({k: metric(k).label(v.lang) for k in METRIC_KEYS}).alias("label"))
flags = (
    changes.filter(pl.col("month").is_in(months)).pivot("month", index="metric", values="worse")
    if not changes.is_empty() else pl.DataFrame({"metric": list(METRIC_KEYS)})
)
flags = table.select("metric").join(flags, on="metric", how="left").select(pl.exclude("metric").fill_null(False))
shown = pl.concat([
    pl.DataFrame({"label": table["label"]}),
    pl.DataFrame({m: [i18n.fmt(k, x, v.lang) for k, x in zip(table["metric"], table[m], strict=True)]
                  for m in months}),
], how="horizontal")
styler = shown.to_pandas().style.apply(
    lambda col: [_widgets.DROP_STYLE if col.name in flags.columns and flags[col.name][i] else ""
                 for i in range(len(col))]
)
st.dataframe(styler, hide_index=True, width="stretch", height=35 * (len(METRIC_KEYS) + 1) + 3,
             column_config={"label": v.t("metric"), **{m: st.column_config.TextColumn(m, alignment="right")
                                                        for m in months}})
_widgets.downloads(all_months, f"months_{who}", v.lang)
st.caption(v.t("drop_rule", threshold=i18n.percent(0.15, v.lang)))
if weights and v.mode == "cohort":
    st.caption(v.t("immature_month", month=next(iter(weights))))

# Where their leads come from.
st.subheader(v.t("source_mix"))
mix = v.metrics(("source",), mine).filter(pl.col("leads_new") > 0).with_columns(
    (pl.col("leads_target") / (pl.col("leads_target") + pl.col("leads_nontarget"))).alias("target_share"))
_charts.show(
    _charts.grouped_bars,
    mix.unpivot(["leads_new", "leads_target"], index="source").with_columns(
        pl.col("variable").replace_strict({k: metric(k).label(v.lang) for k in ("leads_new", "leads_target")})),
    "source", "variable", "value", "", v.t("count"), v.t("source"), v.t("metric"), percent=False,
)

# The records behind the numbers.
st.subheader(v.t("records"))
behind = mine.filters()
tabs = st.tabs([v.t("meetings"), v.t("leads"), v.t("calls")])
for tab, name, frame in zip(tabs, ("meetings", "leads", "calls"), (
        records.meetings(v.data.model, behind), records.leads(v.data.model, behind),
        records.calls(v.data.model, behind)), strict=True):
    with tab:
        st.caption(v.t("rows_count", n=i18n.number(frame.height, v.lang)))
        _widgets.records_table(frame, v.lang, name=f"{name}_{who}")

_widgets.definitions(("meetings_held", "payments", "meetings_scheduled", "calls_60s", "minutes_on_line",
                      *(m.key for m in RATIO_METRICS)), v.lang)
