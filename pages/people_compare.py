"""Lead generators side by side (issue 13, item 10): two or more people's metrics and conversions in one table and
one chart, with the floor beside them, so that "who converts worse" is read against how sure the numbers are."""

import polars as pl
import streamlit as st

from analytics import i18n
from analytics.comparison import wilson_interval
from analytics.registry import METRIC_KEYS, RATIO_METRICS, Metric, metric
from pages import _charts, _view, _widgets

PICKED = "compare_people"  # the session key of the people compared
FOLLOWED = "compare_people_sidebar"  # the sidebar's people the default was taken from


def default_people(v: _view.View, everyone: list[str]) -> list[str]:
    """The sidebar's people when they are two or more (the user already said whom they look at), otherwise the two
    who held the most meetings in the period (ties: more payments, then the name), so the screen opens on a
    comparison that matters."""
    if v.people and len(v.people) >= 2:
        return [p for p in v.people if p in everyone]
    ranked = v.metrics(("employee",), v.scope.for_people(None)).filter(pl.col("employee").is_in(everyone)).sort(
        ["meetings_held", "payments", "employee"], descending=[True, True, False], nulls_last=True)
    top = ranked["employee"].to_list()[:2]
    return top if len(top) == 2 else everyone[:2]


def largest_gap(rows: dict[str, dict], chosen: list[str]) -> tuple[Metric, str, str, bool] | None:
    """The conversion on which the chosen people differ most, as (metric, highest, lowest, sure): the largest gap
    whose 95 % Wilson intervals do not overlap (a difference that is not chance), else the largest gap of all with
    `sure` False; None when no conversion has two people with data. The story of a comparison is there, not only
    in who held the most meetings."""
    gaps = []
    for spec in RATIO_METRICS:
        assert spec.numerator is not None and spec.denominator is not None, spec.key
        had = [who for who in chosen if rows[who][spec.denominator]]
        if len(had) < 2:
            continue
        successes = [float(rows[who][spec.numerator] or 0) for who in had]
        trials = [float(rows[who][spec.denominator]) for who in had]
        low, high = wilson_interval(successes, trials)
        rates = [s / n for s, n in zip(successes, trials, strict=True)]
        top, bottom = max(range(len(had)), key=rates.__getitem__), min(range(len(had)), key=rates.__getitem__)
        if rates[top] > rates[bottom]:
            gaps.append((low[top] > high[bottom], rates[top] - rates[bottom], spec, had[top], had[bottom]))
    if not gaps:
        return None
    sure, _, spec, high_who, low_who = max(gaps, key=lambda g: (g[0], g[1]))
    return spec, high_who, low_who, sure


v = _view.current()
st.title(v.t("compare_title"))
_view.data_caption(v)
st.caption(v.period_caption())

everyone = list(v.data.employees)
if len(everyone) < 2:
    st.info(v.t("no_people"), icon=":material/info:")
    st.stop()
# The default is chosen again when the sidebar's people change (the user moved on) or a name left the data.
sidebar_people = tuple(v.people or ())
if (PICKED not in st.session_state or st.session_state.get(FOLLOWED) != sidebar_people
        or any(p not in everyone for p in st.session_state[PICKED])):
    st.session_state[PICKED] = default_people(v, everyone)
    st.session_state[FOLLOWED] = sidebar_people
chosen: list[str] = st.multiselect(v.t("compare_pick"), everyone, key=PICKED, format_func=v.person)
if len(chosen) < 2:
    st.info(v.t("compare_need_two"), icon=":material/info:")
    st.stop()

table = v.metrics(("employee",), v.scope.for_people(tuple(chosen)))
rows = {r["employee"]: r for r in table.iter_rows(named=True)}
empty = dict.fromkeys(METRIC_KEYS)
rows = {who: rows.get(who, empty) for who in chosen}  # a person with nothing in the period still gets a column
floor = v.metrics(scope=v.scope.for_people(None)).row(0, named=True)
floor_label = v.t("floor_average")

# Headline: each person's main numbers, then the sentence that says who is ahead.
# Two cards a row, the numbers stacked in each: at 1024 px wide, four cards a row cut their labels and numbers
# ("Проведен…", "31,8…"), and three numbers side by side in a card cut "Проведение → оплата" even at 1440 px.
per_row = 2
for start in range(0, len(chosen), per_row):
    for column, who in zip(st.columns(per_row), chosen[start:start + per_row], strict=False):
        row = rows[who]
        with column.container(border=True):
            st.markdown("**" + _widgets.escape(v.person(who)) + "**")
            for key in ("meetings_held", "payments", "conv_held_to_paid"):
                st.metric(metric(key).label(v.lang), i18n.fmt(key, row[key], v.lang),
                          help=metric(key).definition(v.lang))
held = {who: rows[who]["meetings_held"] or 0 for who in chosen}
best, worst = max(chosen, key=lambda w: held[w]), min(chosen, key=lambda w: held[w])
if held[best] == held[worst]:
    st.markdown(v.md("compare_same", held=i18n.number(held[best], v.lang)))
else:
    st.markdown(v.md(
        "compare_sentence", best=v.person(best), worst=v.person(worst), held=i18n.number(held[best], v.lang),
        held_worst=i18n.number(held[worst], v.lang),
        best_paid=i18n.percent(rows[best]["conv_held_to_paid"], v.lang),
        worst_paid=i18n.percent(rows[worst]["conv_held_to_paid"], v.lang),
    ))
gap = largest_gap(rows, chosen)
if gap is not None:
    spec, high_who, low_who, sure = gap
    st.markdown(v.t("compare_gap", label=spec.label(v.lang), high_who=_widgets.escape(v.person(high_who)),
                    low_who=_widgets.escape(v.person(low_who)),
                    high=i18n.fmt(spec.key, rows[high_who][spec.key], v.lang),
                    low=i18n.fmt(spec.key, rows[low_who][spec.key], v.lang),
                    sure=v.t("compare_gap_sure" if sure else "compare_gap_unsure")))

# ONE table: metrics as rows, people as columns, the floor last. Columns are keyed p0, p1, … (a name from the file
# may be anything, even "label"), their titles are the names.
st.subheader(v.t("compare_table"))
person_columns = {f"p{i}": who for i, who in enumerate(chosen)}
shown = pl.DataFrame({
    "label": [metric(k).label(v.lang) for k in METRIC_KEYS],
    **{column: [i18n.fmt(k, rows[who][k], v.lang) for k in METRIC_KEYS] for column, who in person_columns.items()},
    "floor": [i18n.fmt(k, floor[k], v.lang) for k in METRIC_KEYS],
})
st.dataframe(shown, hide_index=True, width="stretch", height=35 * (len(METRIC_KEYS) + 1) + 3, column_config={
    # the metric's name pinned and wide enough for "Назначение → подтверждение" (it was cut at 1024 and 390 px)
    "label": st.column_config.TextColumn(v.t("metric"), width="medium", pinned=True),
    **{column: st.column_config.TextColumn(v.person(who), alignment="right") for column, who in person_columns.items()},
    "floor": st.column_config.TextColumn(floor_label, alignment="right"),
})
st.caption(v.t("compare_table_caption"))
v.calls_note()
raw = pl.DataFrame({"metric": list(METRIC_KEYS),
                    **{v.person(who): [rows[who][k] for k in METRIC_KEYS] for who in chosen},
                    "floor": [floor[k] for k in METRIC_KEYS]}, strict=False)
_widgets.downloads(raw, "compare", v.lang)  # сравнение_лидорубов_2026-10: `downloads` adds the period

# ONE chart: each conversion per person (and the floor) with its 95 % Wilson interval.
st.subheader(v.t("compare_chart"))
everyone_rows = [*((v.person(who), rows[who]) for who in chosen), (floor_label, floor)]
parts = []
for spec in RATIO_METRICS:
    assert spec.numerator is not None and spec.denominator is not None, spec.key
    successes = [float(r[spec.numerator] or 0) for _, r in everyone_rows]
    trials = [float(r[spec.denominator] or 0) for _, r in everyone_rows]
    low, high = wilson_interval(successes, trials)
    parts.append(pl.DataFrame({
        "conversion": [spec.label(v.lang)] * len(everyone_rows), "who": [w for w, _ in everyone_rows],
        "rate": [s / n if n else None for s, n in zip(successes, trials, strict=True)],
        "low": low, "high": high, "n": trials,
    }, schema_overrides={"rate": pl.Float64}).filter(pl.col("n") > 0))  # a conversion nobody had is all null
intervals = pl.concat(parts)
if intervals.is_empty():
    st.info(v.t("no_data"), icon=":material/info:")
else:
    _charts.show(_charts.rates_by_person, intervals, "", v.t("rate"), {
        "floor": floor_label, "who": v.t("who"), "conversion": v.t("metric"), "rate": v.t("rate"),
        "low": v.t("ci_low"), "high": v.t("ci_high"), "n": v.t("n")})
st.caption(v.t("compare_chart_caption"))

_widgets.definitions(METRIC_KEYS, v.lang)
