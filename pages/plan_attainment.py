"""Plan: daily plans per lead generator, attainment per day and per period, who is below plan on which days,
and whether the month in progress is on track. Counted in event mode (SPEC §5)."""

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.periods import WEEKDAYS
from analytics.plans import (
    PLAN_METRICS,
    DailyPlan,
    daily_attainment,
    pacing,
    period_attainment,
    resolve_plan,
    resolve_plans,
)
from analytics.registry import metric
from pages import _charts, _settings, _view, _widgets
from pages._widgets import ColumnSpec

v = _view.current()
st.title(v.t("plan_title"))
_view.data_caption(v)
st.caption(v.t("plan_caption"))

weekday_names = v.t("weekdays").split(",")
saved_days = tuple(_settings.load(_settings.WORKING_DAYS, list(WEEKDAYS)))
weekdays = tuple(st.multiselect(v.t("working_days"), range(7), default=list(saved_days),
                                format_func=lambda d: weekday_names[d], key="working_days"))
if weekdays != saved_days and weekdays:
    _settings.save_setting(_settings.WORKING_DAYS, list(weekdays))
weekdays = weekdays or WEEKDAYS

# The plans: one row per person, "*" for everyone else.
plans = _settings.plans()
people = list(v.data.employees)
rows = []
for who in ["*", *people]:
    plan = resolve_plan(plans, who)
    rows.append({"employee": who, "calls_low": plan.calls_60s[0], "calls_high": plan.calls_60s[1],
                 "booked_low": plan.meetings_scheduled[0], "booked_high": plan.meetings_scheduled[1],
                 "held": plan.meetings_held[0]})
with st.expander(v.t("edit_plans"), icon=":material/edit:"):
    number = lambda label: st.column_config.NumberColumn(label, min_value=0, step=1, format="%.0f")  # noqa: E731
    edited = st.data_editor(
        v.named(pl.DataFrame(rows)), hide_index=True, width="stretch", key="plan_editor", disabled=["employee"],
        column_config={
            "employee": st.column_config.TextColumn(v.t("employee"), help=v.t("plan_default_help")),
            "calls_low": number(v.t("calls_low")), "calls_high": number(v.t("calls_high")),
            "booked_low": number(v.t("booked_low")), "booked_high": number(v.t("booked_high")),
            "held": number(metric("meetings_held").label(v.lang)),
        },
    )
    if st.button(v.t("save_plans"), icon=":material/save:"):
        frame = edited if isinstance(edited, pl.DataFrame) else pl.DataFrame(edited)
        # The editor shows the names as the screen reads them; the plans are saved under the stored ones (a row
        # keeps its place: the editor adds and removes none).
        if _settings.save_setting(_settings.PLANS, {
            who: DailyPlan((r["calls_low"], r["calls_high"]), (r["booked_low"], r["booked_high"]),
                                     (r["held"], r["held"])).to_dict()
            for who, r in zip((row["employee"] for row in rows), frame.iter_rows(named=True), strict=True)
        }):
            st.success(v.t("plans_saved"), icon=":material/check:")
            st.rerun()

plans = _settings.plans()
per_person = resolve_plans(plans, people)
event = v.facts("event")
# A plan is for all of a person's work (calls have no source but through a lead): every source counts here.
whole_work = v.scope.for_sources(None).filters()
if v.scope.sources:
    st.info(v.md("plan_all_sources", sources=", ".join(i18n.source_label(s, v.lang) for s in v.scope.sources)),
            icon=":material/info:")
daily = daily_attainment(event, v.period, per_person, whole_work, weekdays)
if daily.is_empty():
    st.info(v.t("no_data"), icon=":material/info:")
    st.stop()
summary = period_attainment(daily)

# Headline: how many people meet each plan in the period.
cols = st.columns(len(PLAN_METRICS))
for column, key in zip(cols, PLAN_METRICS, strict=True):
    part = summary.filter(pl.col("metric") == key)
    meeting = part.filter(pl.col("attainment") >= 1).height
    total = part["actual"].sum()
    plan_total = part["plan"].sum()
    column.metric(v.t("plan_card", label=metric(key).label(v.lang)),
                  f"{i18n.number(total, v.lang)} / {i18n.number(plan_total, v.lang)}",
                  v.t("people_on_plan", n=meeting, of=part.height), delta_color="off", delta_arrow="off",
                  border=True, help=v.t("plan_metric_help"))
st.caption(v.t("plan_cards_basis"))  # why 404 held here and 396 on the Overview of the same month
behind = summary.filter((pl.col("metric") == "meetings_held") & (pl.col("attainment") < 1)).sort("attainment")
if not behind.is_empty():
    st.markdown(v.md("plan_sentence", who=v.person(behind["employee"][0]),
                     share=i18n.percent(behind["attainment"][0], v.lang)))

# Attainment per person over the period.
st.subheader(v.t("attainment"))
wide = summary.pivot("metric", index="employee", values=["actual", "plan", "attainment", "days_below"])
columns = ["employee"]
specs: dict[str, ColumnSpec] = {}
# Held meetings first (the main KPI, the one the sentence above names), each attainment before its fact: at 1440 px
# the columns the sentence talks about are in view, on a phone beside the pinned name.
for key in ("meetings_held", *(k for k in PLAN_METRICS if k != "meetings_held")):
    # the plans themselves are in the cards above; the days below plan in the calendar
    for part in ("attainment", "actual"):
        name = f"{part}_{key}"
        columns.append(name)
        label = f"{metric(key).label(v.lang)} · {v.t('part_' + part)}"
        specs[name] = (ColumnSpec(label, "ratio", v.t("plan_metric_help")) if part == "attainment"
                       else ColumnSpec(label, "count", metric(key).definition(v.lang)))
table = v.named(wide.select(columns))
worse = table.select(
    pl.lit(False).alias("employee"),
    *(pl.col(c) < 1 if c.startswith("attainment_") else pl.lit(False).alias(c) for c in columns[1:]),
)
_widgets.metric_table(table, v.lang, name="plan_attainment", columns=specs, worse=worse)

# The calendar: who is below plan on which days.
st.subheader(v.t("calendar"))
key = st.selectbox(v.t("metric"), PLAN_METRICS, format_func=lambda k: metric(k).label(v.lang), key="plan_metric")
days = daily.filter((pl.col("metric") == key) & pl.col("working"))
# Altair embeds at most 5 000 cells: a long period is drawn by week (or month), many people a page at a time.
cells, grain = _charts.calendar_data(v.named(days.select("employee", "date", "attainment", "actual", "plan_low")))
if cells.height > _charts.ALTAIR_MAX_ROWS:
    everyone = cells["employee"].unique().sort().to_list()
    per_page = max(1, _charts.ALTAIR_MAX_ROWS // cells.group_by("employee").len()["len"].max())
    pages = [everyone[i:i + per_page] for i in range(0, len(everyone), per_page)]
    page = st.selectbox(v.t("employees"), range(len(pages)), key="calendar_page",
                        format_func=lambda i: f"{i * per_page + 1}–{i * per_page + len(pages[i])} / {len(everyone)}")
    cells = cells.filter(pl.col("employee").is_in(pages[page]))
_charts.show(_charts.calendar, cells, v.t("calendar_title", metric=metric(key).label(v.lang)), {
    "date": v.t(grain), "attainment": v.t("part_attainment"), "employee": v.t("employee"),
    "actual": v.t("part_actual"), "plan": v.t("part_plan")}, grain)
below = days.filter(pl.col("below")).select("employee", "date", "actual", "plan_low").sort("date", "employee")
with st.expander(v.t("days_below", n=below.height), icon=":material/event_busy:"):
    st.dataframe(v.named(below), hide_index=True, width="stretch", column_config={
        "employee": v.t("employee"), "date": st.column_config.DateColumn(v.t("day"), format="DD.MM.YYYY"),
        "actual": v.t("part_actual"), "plan_low": v.t("part_plan")})
    _widgets.downloads(below, f"below_plan_{key}", v.lang)

# Pacing of the month in progress.
st.subheader(v.t("pacing"))
pace = pacing(event, v.data.last_day, per_person, whole_work, weekdays)
if pace.is_empty() or "projected" not in pace.columns:
    st.caption(v.t("no_data"))
else:
    first = pace.row(0, named=True)
    st.caption(i18n.sentence(v.t("pacing_caption", month=i18n.month_label(v.data.last_day, v.lang),
                                 done=first["days_elapsed"], total=first["days_in_month"])))
    in_funnel = pl.col("metric").replace_strict({k: i for i, k in enumerate(PLAN_METRICS)}, default=None)
    shown = v.named(pace.sort(pl.col("employee"), in_funnel)).select(  # calls, booked, held: the funnel's order
        "employee", "metric", "actual", "projected", "month_plan", "on_track").with_columns(
        pl.col("metric").replace_strict({k: metric(k).label(v.lang) for k in PLAN_METRICS}),
        pl.col("on_track").replace_strict({True: v.t("on_track"), False: v.t("behind")}, return_dtype=pl.String),
    )
    _widgets.metric_table(
        shown, v.lang, name="pacing",
        columns={"metric": ColumnSpec(v.t("metric")), "actual": ColumnSpec(v.t("pace_actual"), "count"),
                 "projected": ColumnSpec(v.t("projected"), "count"),
                 "month_plan": ColumnSpec(v.t("month_plan"), "count"), "on_track": ColumnSpec(v.t("status"))},
        worse=shown.select(*(pl.lit(False).alias(c) for c in shown.columns[:-1]),
                           (pl.col("on_track") == v.t("behind")).alias("on_track")),
    )
_widgets.definitions(PLAN_METRICS, v.lang, extra=v.t("plan_caption"))
