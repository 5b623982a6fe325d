"""One lead generator: daily activity against plan, funnel against the floor, month over month (a table and a
chart), the checks of "many meetings, few payments", records."""

from collections.abc import Sequence

import polars as pl
import streamlit as st

from analytics import export, i18n, records
from analytics.diagnostics import new_sources
from analytics.maturity import DEFAULT_PAYMENT_WINDOW_DAYS
from analytics.periods import working_days
from analytics.registry import METRIC_KEYS, RATIO_METRICS, metric
from pages import _charts, _settings, _view, _widgets
from pages._widgets import ColumnSpec


def busiest(v: _view.View, people: Sequence[str]) -> str:
    """The person with the most activity in the period (meetings held, then booked, then calls of 60 s, then the
    name): the screen opens on someone with numbers, as Compare does, not on the first name of a call log (an
    extension "201" with no leads reads "0" on every card)."""
    ranked = v.metrics(("employee",), v.scope.for_people(None)).filter(pl.col("employee").is_in(people)).sort(
        ["meetings_held", "meetings_scheduled", "calls_60s", "employee"], descending=[True, True, True, False],
        nulls_last=True)
    return ranked["employee"][0] if ranked.height else people[0]


v = _view.current()
people = v.data.employees
if not people:
    st.info(v.t("no_people"), icon=":material/info:")
    st.stop()
if st.session_state.get("person") not in people:
    # A link may name the person; otherwise one chosen in the filter, otherwise the busiest of the period (as Compare
    # opens on): the first name of a call log may be an extension with no leads at all.
    linked = st.query_params.get("who")
    st.session_state["person"] = linked if linked in people else (v.people or (busiest(v, people),))[0]
who = st.selectbox(v.t("choose_person"), people, key="person", format_func=v.person)
st.query_params["who"] = who
named = v.person(who)  # the name as the screen reads it; `who` stays the stored one the filters and files use
st.title(v.md("person_title", who=named))
_view.data_caption(v)
mine = v.scope.for_people((who,))

now_table = v.metrics(scope=mine)
now = now_table.row(0, named=True)
previous_table = v.before(scope=mine)
before = previous_table.row(0, named=True) if previous_table is not None else dict.fromkeys(now)
cols = st.columns(4)
headline = ("meetings_held", "payments", "meetings_scheduled", "calls_60s")
drops, early = v.verdicts(now_table, previous_table,
                          (*headline, "conv_confirmed_to_held", "conv_held_to_paid"), scope=mine)
for column, key in zip(cols, headline, strict=True):
    _widgets.kpi(column, key, now[key], before[key], v.lang, drops.get(key, False))
days = max(working_days(v.period.start, min(v.period.end, v.data.last_day)), 1)
sources = ", ".join(i18n.source_label(s, v.lang) for s in v.scope.sources or ())
if v.calls_hidden():
    st.markdown(v.md("person_sentence_by_source", who=named, held=i18n.number(now["meetings_held"], v.lang),
                     booked=i18n.number(now["meetings_scheduled"], v.lang), sources=sources))
else:
    st.markdown(v.md(
        "person_sentence", who=named, held=i18n.number(now["meetings_held"], v.lang),
        booked=i18n.number(now["meetings_scheduled"], v.lang), calls=i18n.number(now["calls_60s"], v.lang),
        t=v.filters.min_call_seconds,
        per_day=i18n.number(None if now["calls_60s"] is None else now["calls_60s"] / days, v.lang, 1),
    ))
if early:
    st.caption(v.t("too_early_cards", metrics=", ".join(metric(k).label(v.lang) for k in early),
                   end=i18n.date_label(v.data.last_day, v.lang), window=DEFAULT_PAYMENT_WINDOW_DAYS))
v.calls_note()

# Daily activity against the plan.
st.subheader(v.t("daily_activity"))
plan = _settings.plan_of(who)
daily = v.metrics(("day",), mine).with_columns(pl.col("day").str.to_date().alias("date"))
if v.calls_hidden():
    # A plan is for all of a person's work, calls are not split by source: one source's meetings, no plan band.
    label = metric("meetings_scheduled").label(v.lang)
    _charts.show(_charts.daily_with_plan, daily.select("date", "meetings_scheduled"), "meetings_scheduled", label,
                 label, None, v.t("day"), v.t("plan_band"))
    st.caption(v.md("daily_by_source", sources=sources))
else:
    left, middle, right = st.columns(3)
    for column, key, band in ((left, "calls_60s", plan.calls_60s), (middle, "meetings_scheduled",
                                                                     plan.meetings_scheduled),
                              (right, "minutes_on_line", None)):
        label = metric(key).label(v.lang)
        with column:
            if not (daily[key].fill_null(0) != 0).any():  # an axis of one tick "0.000000" says nothing
                st.markdown(f"**{label}**")
                st.info(v.t("chart_no_data"), icon=":material/info:")
                continue
            _charts.show(_charts.daily_with_plan, daily.select("date", key), key, label, label, band, v.t("day"),
                         v.t("plan_band"))
    st.caption(v.t("daily_caption"))

# Funnel and conversions against the floor average.
st.subheader(v.t("vs_floor"))
floor = v.metrics(scope=v.scope.for_people(None)).row(0, named=True)
versus = pl.DataFrame({
    "conversion": [m.label(v.lang) for m in RATIO_METRICS] * 2,
    "who": [named] * len(RATIO_METRICS) + [v.t("floor_average")] * len(RATIO_METRICS),
    "rate": [now[m.key] for m in RATIO_METRICS] + [floor[m.key] for m in RATIO_METRICS],
})
_charts.show(_charts.grouped_bars, versus, "conversion", "who", "rate", "", v.t("rate"),
             v.t("metric"), v.t("employee"))
comparison = pl.DataFrame({
    "metric": [m.label(v.lang) for m in RATIO_METRICS],
    "person": [now[m.key] for m in RATIO_METRICS],
    "floor": [floor[m.key] for m in RATIO_METRICS],
})
st.dataframe(
    _widgets.styled(comparison, v.lang, {"person": ColumnSpec(named, "ratio"),
                                         "floor": ColumnSpec(v.t("floor_average"), "ratio")}),
    hide_index=True, width="stretch",
    column_config={"metric": v.t("metric"), "person": st.column_config.TextColumn(named, alignment="right"),
                   "floor": st.column_config.TextColumn(v.t("floor_average"), alignment="right")},
)
_widgets.downloads(pl.DataFrame({"metric": [m.key for m in RATIO_METRICS], "person": comparison["person"],
                                 "floor": comparison["floor"]}), f"conversions_{who}", v.lang)

# Month over month: every metric, drops in red.
st.subheader(v.t("mom_table"))
all_months = v.metrics(("month",), mine.whole_history())
weights = v.month_weights()
changes = v.changes_over_time(all_months, "month", scope=mine)
months = all_months["month"].to_list()[-6:]
wide = all_months.filter(pl.col("month").is_in(months)).unpivot(METRIC_KEYS, index="month", variable_name="metric")
table = wide.pivot("month", index="metric", values="value").with_columns(
    pl.col("metric").replace_strict({k: metric(k).label(v.lang) for k in METRIC_KEYS}).alias("label"))
flags = (
    changes.filter(pl.col("month").is_in(months)).pivot("month", index="metric", values="worse")
    if not changes.is_empty() else pl.DataFrame({"metric": list(METRIC_KEYS)})
)
flags = _widgets.without_running(
    table.select("metric").join(flags, on="metric", how="left").select(pl.exclude("metric").fill_null(False)), weights)
# Months run newest first (a phone sees the latest beside the pinned name; the trend chart below keeps time left →
# right), so a red cell is a fall on the column to its right; the month in progress says so.
shown_months = _widgets.newest_first(months)
shown = pl.concat([
    pl.DataFrame({"label": table["label"]}),
    pl.DataFrame({m: [i18n.fmt(k, x, v.lang) for k, x in zip(table["metric"], table[m], strict=True)]
                  for m in shown_months}),
], how="horizontal")
styler = shown.to_pandas().style.apply(
    lambda col: [_widgets.DROP_STYLE if col.name in flags.columns and flags[col.name][i] else ""
                 for i in range(len(col))]
)
headings = _widgets.month_columns(months, v.lang, weights)
st.dataframe(styler, hide_index=True, width="stretch", height=35 * (len(METRIC_KEYS) + 1) + 3,
             column_order=["label", *shown_months],
             column_config={"label": st.column_config.TextColumn(v.t("metric"), width="medium", pinned=True),
                            **{m: st.column_config.TextColumn(spec.label, help=spec.help, alignment="right")
                               for m, spec in headings.items()}})
# The file holds every month, turned and ordered as the screen shows them and its months titled in words.
every_month = all_months["month"].to_list()
_widgets.downloads(
    export.metrics_as_rows(all_months.select("month", *METRIC_KEYS), "month").select(
        "metric", *_widgets.newest_first(every_month)),
    f"months_{who}", v.lang, metrics_as_rows=False, columns=_widgets.month_columns(every_month, v.lang, weights))
st.caption(v.t("drop_rule", threshold=i18n.percent(0.15, v.lang, decimals=0)))
if weights:
    st.caption(i18n.sentence(v.t("partial_month", month=v.month_name(next(iter(weights))))))
if v.mode == "cohort":
    st.caption(v.t("mature_rule", end=i18n.date_label(v.data.last_day, v.lang), window=DEFAULT_PAYMENT_WINDOW_DAYS))

# Trends: any metric month by month or week by week as a chart, its drops (the table's rule) marked red.
st.subheader(v.t("trend_title"))
pick, grain_col, mark_col = st.columns([2, 1, 1])
if "trend_metric" not in st.session_state:  # the main KPI first; set once, so a language switch keeps the choice
    st.session_state["trend_metric"] = "meetings_held"
trend_key = pick.selectbox(v.t("metric"), METRIC_KEYS, format_func=lambda k: metric(k).label(v.lang),
                           key="trend_metric")
grain = grain_col.radio(v.t("trend_grain"), ("month", "week"), horizontal=True, key="trend_grain",
                        format_func=lambda g: v.t(f"trend_by_{g}"))
mark = mark_col.radio(v.t("trend_mark"), ("line", "bar"), horizontal=True, key="trend_mark",
                      format_func=lambda m: v.t(f"trend_{m}"))
if grain == "month":
    by_period, period_changes, period_weights = all_months, changes, weights
else:
    by_period = v.metrics(("week",), mine.whole_history()).sort("week")
    period_weights, _ = v.grain_weights("week")
    period_changes = v.changes_over_time(by_period, "week", scope=mine)
rows = _charts.trend_rows(by_period, grain, trend_key, period_changes)
label = metric(trend_key).label(v.lang)
_charts.show(_charts.trend, rows, trend_key, label, label, v.t(grain), {"drop": v.t("trend_drop"),
                                                                        "flag": v.t("trend_flag"),
                                                                        "running": v.t("chart_running"),
                                                                        "note": v.t("chart_note")},
             mark=mark, percent=metric(trend_key).kind == "ratio", lang=v.lang, running=tuple(period_weights))
st.caption(" ".join(part for part in (
    v.t("trend_caption", threshold=i18n.percent(0.15, v.lang, decimals=0)),
    v.t("trend_partial", day=i18n.date_label(v.data.last_day, v.lang)) if period_weights else "",
    v.t("immature") if v.mode == "cohort" else "") if part))

# Situation 1 of the methodology, "many meetings, few payments": is it the leads, the source or the calls?
st.subheader(v.t("s1_title"))
st.caption(v.t("s1_intro"))
booked = records.meetings(v.data.model, mine.filters())
qualified = booked.filter(pl.col("is_target").is_not_null())
nontarget = qualified.filter(~pl.col("is_target")).height
fresh = new_sources(v.data.model, v.data.last_day)
from_new = booked.filter(pl.col("source").is_in(list(fresh))).height
unpaid = records.meetings(v.data.model, mine.filters(), "held_unpaid")
checks = st.columns(3)
for column, key, part, whole in ((checks[0], "s1_nontarget", nontarget, qualified.height),
                                 (checks[1], "s1_new_source", from_new, booked.height),
                                 (checks[2], "s1_unpaid", unpaid.height, booked.filter(pl.col("held")).height)):
    column.metric(v.t(key), i18n.percent(part / whole if whole else None, v.lang),
                  v.t("s1_of", n=i18n.number(part, v.lang), total=i18n.number(whole, v.lang)),
                  delta_color="off", delta_arrow="off", help=v.t(f"{key}_help"), border=True)
st.caption(v.md("s1_new_sources_named", sources=", ".join(i18n.source_label(s, v.lang) for s in fresh)) if fresh
           else v.t("s1_no_new_sources"))
st.markdown("**" + v.t("s1_listen") + "**")
if unpaid.is_empty():
    st.caption(v.t("s1_no_unpaid"))
else:
    st.caption(v.t("s1_listen_caption", n=i18n.number(unpaid.height, v.lang)))
    # The recording a click away where the call log links it (Mango Office, UIS), its id where it names it (Sipuni).
    to_listen = v.named(records.calls(v.data.model, mine.filters(), "held_unpaid"))
    shown = _widgets.records_table(to_listen, v.lang, name=f"calls_to_listen_{who}",
                                   height=min(260, 35 * (to_listen.height + 1) + 3))
    st.caption(v.t("s1_recording_links") if "recording_url" in shown.columns
               else v.t("s1_recording_ids") if "recording_id" in shown.columns else v.t("s1_no_recording"))

# Where their leads come from.
st.subheader(v.t("source_mix"))
mix = v.metrics(("source",), mine).filter(pl.col("leads_new") > 0).with_columns(
    (pl.col("leads_target") / (pl.col("leads_target") + pl.col("leads_nontarget"))).alias("target_share"),
    pl.col("source").replace_strict({s: i18n.source_label(s, v.lang) for s in v.data.sources},
                                    default=pl.col("source")))
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
        _widgets.records_table(v.named(frame), v.lang, name=f"{name}_{who}")

_widgets.definitions(("meetings_held", "payments", "meetings_scheduled", "calls_60s", "minutes_on_line",
                      *(m.key for m in RATIO_METRICS)), v.lang)
