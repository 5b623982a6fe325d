"""Sources side by side: which channel brings target clients who come to meetings and pay — and at what cost."""

import polars as pl
import streamlit as st

from analytics import i18n, spend
from analytics.comparison import wilson_interval, with_target_share
from analytics.diagnostics import new_sources
from analytics.importing.reading import BadFile
from analytics.registry import SOURCE_METRICS, SPEND_METRICS, TARGET_SHARE, metric
from data.generate_demo import DEMO_DIR, SPEND_FILE
from pages import _charts, _dataset, _settings, _view, _widgets

v = _view.current()
st.title(v.t("sources_title"))
_view.data_caption(v)

available = v.data.sources
if not available:
    st.info(v.t("no_data"), icon=":material/info:")
    st.stop()
if "compare_sources" not in st.session_state:
    preferred = [s for s in ("Google", "Yandex") if s in available]
    st.session_state["compare_sources"] = preferred if len(preferred) == 2 else list(available[:2])
chosen = st.multiselect(v.t("compare_sources"), available, key="compare_sources",
                        format_func=lambda s: i18n.source_label(s, v.lang))
if not chosen:
    st.info(v.t("choose_sources"), icon=":material/info:")
    st.stop()

fresh = new_sources(v.data.model, v.data.last_day)
is_new = {s: s in fresh for s in chosen}


def name_of(source: str) -> str:
    """The source as the screen shows it: "not set" for `unknown`, a badge when it is new."""
    shown = i18n.source_label(source, v.lang)
    return f"{shown} · {v.t('new_badge')}" if is_new.get(source) else shown


compared = v.scope.for_sources(tuple(chosen))
table = with_target_share(v.metrics(("source",), compared))
rows = {r["source"]: r for r in table.iter_rows(named=True)}

# Headline: the sentence a head of sales wants — who brings target clients, who brings payments.
best = max(chosen, key=lambda s: (rows.get(s) or {}).get("target_share") or -1)
worst = min(chosen, key=lambda s: (rows.get(s) or {}).get("target_share") or 2)
cols = st.columns(len(chosen))
for column, source in zip(cols, chosen, strict=True):
    row = rows.get(source)
    with column.container(border=True):
        st.markdown("**" + _widgets.escape(name_of(source)) + "**")
        if row is None:
            st.caption(v.t("no_data"))
            continue
        st.metric(TARGET_SHARE.label(v.lang), i18n.percent(row["target_share"], v.lang))
        st.metric(metric("meetings_held").label(v.lang), i18n.number(row["meetings_held"], v.lang))
        st.metric(metric("payments").label(v.lang), i18n.number(row["payments"], v.lang),
                  help=metric("payments").definition(v.lang))
if best != worst and rows.get(best) and rows.get(worst):
    st.markdown(v.md(
        "sources_sentence", best=name_of(best), worst=name_of(worst),
        best_share=i18n.percent(rows[best]["target_share"], v.lang),
        worst_share=i18n.percent(rows[worst]["target_share"], v.lang),
        best_paid=i18n.percent(rows[best]["conv_held_to_paid"], v.lang),
        worst_paid=i18n.percent(rows[worst]["conv_held_to_paid"], v.lang),
    ))
if any(is_new.values()):
    st.caption(v.md("new_source_note", sources=", ".join(i18n.source_label(s, v.lang) for s in chosen if is_new[s])))

# Metrics 5–12 side by side (SPEC §4).
st.subheader(v.t("side_by_side"))
keys = ("target_share", *SOURCE_METRICS)
shown = pl.concat([
    pl.DataFrame({"label": [metric(k).label(v.lang) for k in keys]}),
    pl.DataFrame({name_of(s): [i18n.fmt(k, rows.get(s, {}).get(k), v.lang) for k in keys] for s in chosen}),
], how="horizontal")
st.dataframe(shown, hide_index=True, width="stretch", height=35 * (len(keys) + 1) + 3,
             column_config={"label": v.t("metric"), **{name_of(s): st.column_config.TextColumn(
                 name_of(s), alignment="right") for s in chosen}})
_widgets.downloads(table, "sources", v.lang)

# Conversions with their uncertainty.
st.subheader(v.t("conversions_uncertainty"))
parts = []
for key in ("target_share", "conv_scheduled_to_confirmed", "conv_confirmed_to_held", "conv_held_to_paid"):
    spec = metric(key)
    num = table[spec.numerator].to_numpy()
    den = table[spec.denominator].to_numpy()
    low, high = wilson_interval(num, den)
    parts.append(table.select(pl.col("source").replace_strict({s: name_of(s) for s in chosen},
                                                              default=pl.col("source"))).with_columns(
        pl.lit(spec.label(v.lang)).alias("conversion"), pl.Series("rate", num / den.clip(1)),
        pl.Series("low", low), pl.Series("high", high), pl.Series("n", den),
    ).filter(pl.col("n") > 0))
intervals = pl.concat(parts)
_charts.show(
    _charts.rates_with_uncertainty, intervals, "", v.t("rate"),
    {"source": v.t("source"), "rate": v.t("rate"), "low": v.t("ci_low"), "high": v.t("ci_high"), "n": v.t("n"),
     "conversion": v.t("metric")},
)
st.caption(v.t("uncertainty_caption"))

# Month over month per source.
st.subheader(v.t("mom_sources"))
st.session_state.setdefault("sources_mom_metric", "meetings_held")  # set, not a default: see _sidebar.WORDED_CHOICES
key = st.selectbox(v.t("metric"), keys, format_func=lambda k: metric(k).label(v.lang), key="sources_mom_metric")
by_month = v.metrics(("source", "month"), compared.whole_history())
changes = v.changes_over_time(with_target_share(by_month), "month", ("source",), scope=compared)
months = sorted(by_month["month"].unique().to_list())[-6:]
values = with_target_share(by_month).filter(pl.col("month").is_in(months)).pivot(
    "month", index="source", values=key).sort("source")
# Months newest first, as every month table runs (a phone sees the latest beside the pinned source); so does the file.
values = values.select("source", *_widgets.newest_first(m for m in months if m in values.columns))
flags = changes.filter((pl.col("metric") == key) & pl.col("month").is_in(months)).pivot(
    "month", index="source", values="worse") if not changes.is_empty() else pl.DataFrame({"source": chosen})
flags = values.select("source").join(flags, on="source", how="left").select(pl.exclude("source").fill_null(False))
_widgets.metric_table(values.with_columns(pl.col("source").replace_strict({s: name_of(s) for s in chosen},
                                                                          default=pl.col("source"))),
                      v.lang, name=f"sources_{key}_by_month", worse=_widgets.without_running(flags, v.month_weights()),
                      columns=_widgets.month_columns(months, v.lang, v.month_weights(), key))
st.caption(v.t("drop_rule", threshold=i18n.percent(0.15, v.lang, decimals=0)))
early_months = [] if changes.is_empty() else sorted(changes.filter(
    (pl.col("metric") == key) & pl.col("month").is_in(months) & pl.col("too_early"))["month"].unique().to_list())
if early_months:
    st.caption(v.t("too_early_months", months=", ".join(v.month_name(m) for m in early_months),
                   metrics=metric(key).label(v.lang)))

# What a source costs.
st.subheader(v.t("cost_title"))
st.caption(v.t("cost_caption"))
saved = pl.DataFrame(_settings.load(_settings.SPEND, []), schema=spend.SPEND_SCHEMA)
if saved.is_empty() and v.data.demo:  # the demo comes with its own ad budget
    saved = spend.read_spend((DEMO_DIR / SPEND_FILE).read_bytes(), SPEND_FILE)
    st.caption(v.t("spend_demo"))
uploaded = st.file_uploader(v.t("spend_upload"), type=["csv", "xlsx", "xls", "txt"], key="spend_file")
if uploaded is not None:
    try:
        saved = spend.read_spend(uploaded.getvalue(), uploaded.name, _dataset.aliases()["sources"])
        if _settings.save_setting(_settings.SPEND, saved.to_dicts()):
            st.success(v.t("spend_loaded", n=saved.height), icon=":material/check:")
    except BadFile as error:
        st.error(_widgets.escape(error), icon=":material/error:")
edited = st.data_editor(
    saved, num_rows="dynamic", key="spend_editor", width="stretch",
    column_config={
        "month": st.column_config.TextColumn(v.t("month"), help="YYYY-MM", validate=r"^\d{4}-\d{2}$"),
        "source": st.column_config.TextColumn(v.t("source")),
        "spend": st.column_config.NumberColumn(metric("spend").label(v.lang), min_value=0,
                                               format=_widgets.number_format("money", v.lang)),  # 848 000
    },
)
edited = spend.clean(pl.DataFrame(edited, schema=spend.SPEND_SCHEMA) if not isinstance(edited, pl.DataFrame)
                     else edited, _dataset.aliases()["sources"])
if not edited.equals(saved.sort("month", "source")) and st.button(v.t("spend_save"), icon=":material/save:") \
        and _settings.save_setting(_settings.SPEND, edited.to_dicts()):
    st.rerun()
if edited.is_empty():
    st.info(v.t("spend_empty"), icon=":material/payments:")
else:
    # Every source with spend, compared or not: a new source's price per lead matters most, and it is rarely one
    # of the two picked above.
    spent = tuple(sorted(set(chosen) | set(edited.filter(pl.col("spend") > 0)["source"].to_list())))
    per_month = v.metrics(("source", "month"), v.scope.for_sources(spent))
    cost_keys = [m.key for m in SPEND_METRICS]
    costed = spend.costs(per_month, edited).filter(pl.col("source").is_in(chosen) | pl.col("spend").is_not_null())
    costed = costed.select("source", "month", *cost_keys, "revenue").sort("source", "month").with_columns(
        pl.col("source").replace_strict({s: i18n.source_label(s, v.lang) for s in spent}, default=pl.col("source")))
    _widgets.metric_table(costed, v.lang, name="source_costs")

_widgets.definitions((*SOURCE_METRICS, *(m.key for m in SPEND_METRICS)), v.lang,
                     extra=f"**{TARGET_SHARE.label(v.lang)}** — {TARGET_SHARE.definition(v.lang)}")
