"""Overview: the two main KPIs and their trend, the funnel, and the lead generators ranked on the main KPI."""

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.maturity import DEFAULT_PAYMENT_WINDOW_DAYS
from analytics.registry import FUNNEL, MAIN_KPIS, METRIC_KEYS, metric
from pages import _charts, _pages, _view, _widgets
from pages._widgets import ColumnSpec

v = _view.current()
# Under a source filter the title, the sentence and the funnel say whose numbers they are: a forwarded screenshot
# must not read as the whole floor.
sources = v.scope.sources or ()
source_names = ", ".join(i18n.source_label(s, v.lang) for s in sources)
st.title(v.md("overview_title_sources", sources=source_names) if sources else v.t("overview_title"))
_view.data_caption(v)
st.caption(v.period_caption())

now_table = v.metrics()
now = now_table.row(0, named=True)
previous_table = v.before()
before = previous_table.row(0, named=True) if previous_table is not None else dict.fromkeys(now)

if not any(now[k] for k in ("calls_total", "leads_new", "meetings_scheduled")):
    st.info(v.t("no_data"), icon=":material/info:")
    st.stop()

if "meetings" not in v.data.bundle.available:
    # A floor that uploaded only its PBX log: the calls are the whole story so far.
    cols = st.columns(3)
    drops, _ = v.verdicts(now_table, previous_table)
    for column, key in zip(cols, ("calls_60s", "minutes_on_line", "calls_total"), strict=True):
        _widgets.kpi(column, key, now[key], before[key], v.lang, drops.get(key, False))
    st.markdown(v.t("calls_only_sentence", calls=i18n.number(now["calls_60s"], v.lang), t=v.filters.min_call_seconds,
                    minutes=i18n.number(now["minutes_on_line"], v.lang)))
    people = v.metrics(("employee",)).select("employee", "calls_60s", "minutes_on_line", "calls_total").sort(
        "calls_60s", descending=True)
    st.subheader(v.t("leaderboard"))
    _widgets.metric_table(v.named(people), v.lang, name="calls_by_person")
    v.calls_note()
    _widgets.definitions(("calls_60s", "minutes_on_line", "calls_total"), v.lang)
    st.stop()

# The headline: the main KPIs first (SPEC §3), each against the previous period; in a cohort the steps after
# booking judged on the meetings that have had their chance (View.judge).
cols = st.columns(4)
headline = (*MAIN_KPIS, "revenue", "meetings_scheduled")
drops, early = v.verdicts(now_table, previous_table, (*headline, "conv_held_to_paid"))
for column, key in zip(cols, headline, strict=True):
    _widgets.kpi(column, key, now[key], before[key], v.lang, drops.get(key, False))
# With nothing to compare with, the sentence has no "(— к прошлому периоду)".
whence = v.t("from_source" if len(sources) == 1 else "from_sources", sources=source_names) if sources else ""
change = v.t("overview_change", held_change=i18n.percent(now["meetings_held"] / before["meetings_held"] - 1, v.lang,
                                                         signed=True)) if before["meetings_held"] else ""
st.markdown(v.t("overview_sentence", held=i18n.number(now["meetings_held"], v.lang), change=change,
                whence=" " + _widgets.escape(whence) if whence else "", paid=i18n.number(now["payments"], v.lang),
                revenue=i18n.number(now["revenue"], v.lang)))
if now["paid_without_meeting"]:
    st.caption(v.t("paid_without_meeting_note", n=i18n.number(now["paid_without_meeting"], v.lang),
                   amount=i18n.number(now["revenue_without_meeting"], v.lang)))
if early:
    st.caption(v.t("too_early_cards", metrics=", ".join(metric(k).label(v.lang) for k in early),
                   end=i18n.date_label(v.data.last_day, v.lang), window=DEFAULT_PAYMENT_WINDOW_DAYS))
elif v.mode == "cohort" and (v.data.last_day - v.period.end).days < 14:
    st.caption(v.t("immature"))
v.calls_note()

# The main KPIs over time, month by month or week by week, drops (the tables' rule) marked red.
st.subheader(v.t("overview_trend"))
grain = st.radio(v.t("trend_grain"), ("month", "week"), horizontal=True, key="overview_trend_grain",
                 format_func=lambda g: v.t(f"trend_by_{g}"))
history = v.metrics((grain,), v.scope.whole_history()).sort(grain)
last_day = v.data.last_day
weights, _ = v.grain_weights(grain)
history_changes = v.changes_over_time(history, grain)
for column, key in zip(st.columns(2), MAIN_KPIS, strict=True):
    label = metric(key).label(v.lang)
    with column:
        _charts.show(_charts.trend, _charts.trend_rows(history, grain, key, history_changes), key, label, label,
                     v.t(grain), {"drop": v.t("trend_drop"), "flag": v.t("trend_flag"),
                                  "running": v.t("chart_running"), "note": v.t("chart_note")},
                     mark="bar", lang=v.lang, running=tuple(weights))
st.caption(" ".join(part for part in (
    v.t("trend_caption", threshold=i18n.percent(0.15, v.lang, decimals=0)),
    v.t("trend_partial", day=i18n.date_label(last_day, v.lang)) if weights else "",
    v.t("immature") if v.mode == "cohort" else "") if part))

# The funnel: calls ≥ T → booked → confirmed → held → paid; under a source filter it starts at booked (calls have
# no source but through a lead: scope.calls_split_by_source).
st.subheader(v.t("funnel"))
steps = FUNNEL[1:] if v.calls_hidden() else FUNNEL
counts = [now[k] for k in steps]
funnel = pl.DataFrame({"step": [metric(k).label(v.lang) for k in steps], "count": counts}).with_columns(
    _widgets.share(pl.col("count"), pl.col("count").shift(1)).alias("of_previous"),
    _widgets.share(pl.col("count"), pl.lit(counts[0])).alias("of_first"),
)
# Calls outnumber meetings a hundred to one: the chart shows the meeting steps on a readable scale.
first_meeting_step = 0 if v.calls_hidden() else 1
meetings = funnel.slice(first_meeting_step).with_columns(
    pl.Series("label", [i18n.number(c, v.lang) + ("" if p is None else f"  ·  {i18n.percent(p, v.lang)}")
                        for c, p in zip(counts[first_meeting_step:], funnel["of_previous"][first_meeting_step:],
                                        strict=True)]),
)
title = (v.t("funnel_chart_title_by_source", whence=whence) if v.calls_hidden()
         else v.t("funnel_chart_title", calls=i18n.number(counts[0], v.lang)))
_charts.show(_charts.funnel, meetings.select("step", "count", "label"), title, v.t("count"), v.t("step"),
             v.t("count") + " · " + v.t("of_previous"))
_widgets.metric_table(funnel, v.lang, name="funnel", columns={
    "step": ColumnSpec(v.t("step")), "count": ColumnSpec(v.t("count"), "count"),
    "of_previous": ColumnSpec(v.t("of_previous"), "ratio"), "of_first": ColumnSpec(v.t("of_first"), "ratio"),
})

# The leaderboard on the main KPI; the secondary numbers one click away.
st.subheader(v.t("leaderboard"))
st.caption(v.t("leaderboard_hint"))
people_now = v.metrics(("employee",))
people_before = v.before(("employee",))
if people_before is None:  # nothing to compare with: the same columns, empty
    people_before = people_now.clear()
changes = v.judge(people_now, people_before, ("employee",))
board = (
    people_now.join(people_before.select("employee", pl.col("meetings_held").alias("held_before"),
                                         pl.col("payments").alias("payments_before")), on="employee", how="left")
    .with_columns(pl.col("held_before", "payments_before").fill_null(0))
    .sort("meetings_held", "payments", descending=True)
)
# The main KPI and its conversion to payment first, beside the pinned name: the columns the sentence talks about
# are in view at 1440 and 1024 px; activity (calls, minutes) last.
main_columns = ["employee", "meetings_held", "held_before", "payments", "payments_before", "conv_held_to_paid",
                "revenue", "calls_60s", "minutes_on_line"]
if v.previous is None:
    main_columns = [c for c in main_columns if not c.endswith("_before")]
worse = board.select("employee").join(
    changes.filter(pl.col("metric").is_in(main_columns)).pivot("metric", index="employee", values="worse"),
    on="employee", how="left",
).select(pl.exclude("employee").fill_null(False))
before_columns = {column: ColumnSpec.of_metric(key, v.lang, v.t("previous_column", metric=metric(key).label(v.lang)))
                  for column, key in (("held_before", "meetings_held"), ("payments_before", "payments"))}
# The names as the screen reads them; a selected row is looked up by its position in `board` (the stored names).
event = _widgets.metric_table(v.named(board.select(main_columns)), v.lang, name="leaderboard",
                              columns=before_columns, key="leaderboard", selectable=True, worse=worse)
st.caption(v.t("drop_rule", threshold=i18n.percent(0.15, v.lang, decimals=0)))
selected = event.selection.rows if event is not None else []
if selected:
    who = board["employee"][selected[0]]
    with st.container(border=True):
        st.markdown("**" + v.md("secondary_for", who=v.person(who)) + "**")
        row = board.filter(pl.col("employee") == who).select(METRIC_KEYS)
        st.dataframe(_widgets.styled(row, v.lang), hide_index=True, width="stretch",
                     column_config=_widgets.column_config(row, v.lang))
        _widgets.downloads(board.filter(pl.col("employee") == who), f"secondary_{who}", v.lang)
        if st.button(v.t("open_person"), icon=":material/person:"):
            st.session_state["person"] = who
            st.switch_page(_pages.page("lead_generator", v.lang))

_widgets.definitions((*FUNNEL, "meetings_confirmed", "revenue", "conv_held_to_paid", "paid_without_meeting"),
                     v.lang)
