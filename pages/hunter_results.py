"""Hunters (SPEC §3a): who turns held meetings into payments, month by month, and — in the lead generator × hunter
matrix — whether a setter's meetings fail with every hunter (the setter's problem) or with one (the hunter's)."""

from dataclasses import replace
from datetime import date

import polars as pl
import streamlit as st

from analytics import i18n, records
from analytics.comparison import compare, month_over_month, wilson_interval
from analytics.diagnostics import matrix_outliers
from analytics.maturity import DEFAULT_PAYMENT_WINDOW_DAYS, Readiness, metrics_on_mature, sum_mature
from analytics.metrics import Filters, filter_facts
from analytics.model import UNKNOWN_HUNTER
from analytics.periods import add_months
from analytics.registry import metric
from pages import _charts, _view, _widgets
from pages._widgets import ColumnSpec

KEYS = ("meetings_held", "payments", "revenue", "conv_held_to_paid")
PAID = "conv_held_to_paid"

v = _view.current()
st.title(v.t("hunters_title"))
_view.data_caption(v)
st.caption(v.period_caption())


def shown(hunter: str) -> str:
    """A hunter as the screen names them: the meetings with no hunter are "не указан" / "not set"."""
    return v.t("hunter_not_set") if hunter == UNKNOWN_HUNTER else hunter


def with_names(frame: pl.DataFrame) -> pl.DataFrame:
    """The table as the screen names its hunters, people and sources ("не указан" / "not set" for none)."""
    return v.named(frame).with_columns(pl.col("hunter").replace(UNKNOWN_HUNTER, v.t("hunter_not_set")))


if "meetings" not in v.data.bundle.available or not v.data.model.meetings["held"].any():
    st.info(v.t("hunters_no_meetings"), icon=":material/info:")
    st.stop()
if v.scope.sources:
    st.info(v.md("hunters_source_note", sources=", ".join(i18n.source_label(s, v.lang) for s in v.scope.sources)),
            icon=":material/filter_alt:")
if v.scope.people:
    st.caption(v.t("hunters_people_note"))

now = v.metrics(("hunter",)).filter(pl.col("meetings_held") > 0).sort(
    "meetings_held", "payments", "hunter", descending=[True, True, False])
if now.is_empty():
    st.info(v.t("no_data"), icon=":material/info:")
    st.stop()
before = v.before(("hunter",))
before = before if before is not None else now.clear()


def paid_drops(current: Filters, previous: Filters, by: list[str]) -> pl.DataFrame:
    """Held → paid fell for real, judged only on held meetings whose payment window has passed (maturity.py), in
    both periods alike; too few mature meetings in either period is "too early", never a drop. Cohort mode only:
    in event mode a payment is counted on its own day."""
    sums = [sum_mature(filter_facts(mature, f), by) for f in (current, previous)]
    changes = compare(*(metrics_on_mature(s, by, "payment") for s in sums), by).filter(pl.col("metric") == PAID)
    ready = [s.select(*by, pl.struct("held_ripe", "meetings_held").alias(f"r{i}")) for i, s in enumerate(sums)]
    joined = changes.join(ready[0], on=by, how="left").join(ready[1], on=by, how="left")
    enough = [all(Readiness(int((r or {}).get("held_ripe") or 0), int((r or {}).get("meetings_held") or 0)).enough
                  for r in pair) for pair in zip(joined["r0"], joined["r1"], strict=True)]
    return joined.select(*by, (pl.col("worse") & pl.Series(enough, dtype=pl.Boolean)).alias("worse"))


mature = v.mature  # built once per dataset (pages/_dataset.load_mature)


# The headline: per hunter, the period against the previous one; a drop is red by the usual rule.
exposure = v.exposure()
changes = compare(now, before, ["hunter"], weight=exposure, immature=v.mode == "cohort" and exposure < 1)
worse = {(r["hunter"], r["metric"]): r["worse"] for r in changes.iter_rows(named=True)}
if v.mode == "cohort" and v.previous is not None:
    previous_scope = v.scope.previous()
    assert previous_scope is not None
    worse |= {(r["hunter"], PAID): r["worse"] for r in paid_drops(
        v.filters, previous_scope.filters(), ["hunter"]).iter_rows(named=True)}
rows_before = {r["hunter"]: r for r in before.iter_rows(named=True)}
for row in now.iter_rows(named=True):
    hunter = row["hunter"]
    with st.container(border=True):
        st.markdown("**" + _widgets.escape(shown(hunter)) + "**")
        # Two by two: four cards in a row are cut at 1024 px ("Проведе…", "4 4…"); two fit down to a phone.
        cols = [*st.columns(2), *st.columns(2)]
        earlier = rows_before.get(hunter, {})
        for column, key in zip(cols, KEYS, strict=True):
            _widgets.kpi(column, key, row[key], earlier.get(key) if v.previous is not None else None, v.lang,
                         bool(worse.get((hunter, key), False)))

# The sentence: who turns meetings into payments best and worst, and whether the difference is more than chance.
rated = now.filter(pl.col(PAID).is_not_null())
best, worst = (rated.sort(PAID, descending=True).row(0, named=True), rated.sort(PAID).row(0, named=True)) \
    if rated.height >= 2 else ({PAID: 0.0}, {PAID: 0.0})
if best[PAID] > worst[PAID]:  # equal rates have no best and no worst
    st.markdown(v.md(
        "hunters_sentence", best=shown(best["hunter"]), worst=shown(worst["hunter"]),
        best_rate=i18n.percent(best[PAID], v.lang), worst_rate=i18n.percent(worst[PAID], v.lang),
        best_paid=i18n.number(best["payments"], v.lang), best_held=i18n.number(best["meetings_held"], v.lang),
        worst_paid=i18n.number(worst["payments"], v.lang), worst_held=i18n.number(worst["meetings_held"], v.lang),
    ))
    (best_low,), _ = wilson_interval([best["payments"]], [best["meetings_held"]])
    _, (worst_high,) = wilson_interval([worst["payments"]], [worst["meetings_held"]])
    st.caption(v.t("hunters_sure" if best_low > worst_high else "hunters_unsure"))

hunter_spec = ColumnSpec(v.t("hunter"))
st.subheader(v.t("hunters_table"))
table = now.select("hunter", "meetings_scheduled", *KEYS)
flags = pl.DataFrame({key: [bool(worse.get((h, key), False)) for h in table["hunter"]] for key in KEYS})
_widgets.metric_table(with_names(table), v.lang, name="hunters", worse=flags, columns={"hunter": hunter_spec})
if v.mode == "cohort":
    st.caption(v.t("hunters_paid_maturity", window=i18n.count_phrase(DEFAULT_PAYMENT_WINDOW_DAYS, "days", v.lang),
                   end=i18n.date_label(v.data.last_day, v.lang)))
st.caption(v.t("drop_rule", threshold=i18n.percent(0.15, v.lang, decimals=0)))

# Month over month per hunter: a chart and a table, drops in red.
st.subheader(v.t("hunters_mom"))
key = st.selectbox(v.t("metric"), KEYS, index=KEYS.index(PAID), format_func=lambda k: metric(k).label(v.lang),
                   key="hunters_mom_metric")
history = v.scope.whole_history()
by_month = v.metrics(("hunter", "month"), history).filter(pl.col("meetings_held") > 0)
months = sorted(by_month["month"].unique().to_list())[-6:]
recent = by_month.filter(pl.col("month").is_in(months)).sort("hunter", "month")
label = metric(key).label(v.lang)
# A month in progress is left out of the chart in cohort mode: its meetings have not had time to be held and paid,
# and a line falling to it would read as a collapse (the table keeps it, with its caption).
in_progress = sorted(v.month_weights()) if v.mode == "cohort" else []
charted = recent.filter(~pl.col("month").is_in(in_progress))
_charts.show(_charts.lines_by_month, with_names(charted.select("hunter", "month", key)), "hunter", key,
             v.t("hunters_mom_chart", metric=label), label, {"hunter": v.t("hunter"), "month": v.t("month")},
             metric(key).kind == "ratio", lang=v.lang, running=tuple(v.month_weights()))
weights = v.month_weights()
month_changes = month_over_month(by_month, ["hunter"], weights=weights,
                                 immature=frozenset(weights) if v.mode == "cohort" else frozenset())
month_flags = (month_changes.filter(pl.col("metric") == key).select("hunter", "month", "worse")
               if not month_changes.is_empty() else pl.DataFrame(schema={"hunter": pl.String, "month": pl.String,
                                                                          "worse": pl.Boolean}))
if key == PAID and v.mode == "cohort":
    # Held → paid month over month: on mature meetings only, as in the headline, each month against the one before.
    month_flags = pl.concat([
        paid_drops(history.in_month(start).filters(), history.in_month(add_months(start, -1)).filters(),
                   ["hunter"]).with_columns(pl.lit(start.strftime("%Y-%m")).alias("month"))
        for start in (date.fromisoformat(f"{m}-01") for m in months)
    ])
if in_progress and recent["month"].is_in(in_progress).any():
    st.caption(v.t("hunters_chart_without", month=", ".join(v.month_name(m, "genitive") for m in in_progress)))
values = recent.pivot("month", index="hunter", values=key).sort("hunter")
grid = values.select("hunter").join(month_flags.pivot("month", index="hunter", values="worse")
                                    if not month_flags.is_empty() else values.select("hunter"), on="hunter",
                                    how="left")
grid = pl.DataFrame({m: grid[m].fill_null(False) if m in grid.columns else [False] * grid.height for m in months
                     if m in values.columns})
# Months newest first (a phone sees the latest beside the pinned name; the chart above keeps time left → right); the
# month in progress headed "(идёт)" and never red. The download keeps the order shown.
running = frozenset(weights)
values = values.select("hunter", *_widgets.newest_first(m for m in months if m in values.columns))
_widgets.metric_table(with_names(values), v.lang, name=f"hunters_{key}_by_month",
                      worse=_widgets.without_running(grid, running),
                      columns={"hunter": hunter_spec, **_widgets.month_columns(months, v.lang, running, key)})
st.caption(v.t("drop_rule", threshold=i18n.percent(0.15, v.lang, decimals=0)))
if weights and v.mode == "cohort":
    st.caption(i18n.sentence(v.t("immature_month", month=v.month_name(next(iter(weights))))))

# The lead generator × hunter matrix of held → paid, with 95 % Wilson intervals.
st.subheader(v.t("hunters_matrix"))
pairs = v.metrics(("employee", "hunter")).filter(pl.col("meetings_held") > 0).sort("employee", "hunter")
low, high = wilson_interval(pairs["payments"].to_numpy(), pairs["meetings_held"].to_numpy())
matrix = with_names(pairs.select("employee", "hunter", "meetings_held", "payments", PAID)).with_columns(
    pl.Series("low", low), pl.Series("high", high),
    pl.Series("label", [f"{i18n.number(p, v.lang)} / {i18n.number(h, v.lang)} · {i18n.percent(r, v.lang)}"
                        for p, h, r in zip(pairs["payments"], pairs["meetings_held"], pairs[PAID], strict=True)]),
)
_charts.show(_charts.rate_matrix, matrix.select("employee", "hunter", pl.col(PAID).alias("rate"), "label", "low",
                                                "high", pl.col("meetings_held").alias("n")),
             "employee", "hunter", metric(PAID).label(v.lang),
             {"employee": v.t("employee"), "hunter": v.t("hunter"), "rate": metric(PAID).label(v.lang),
              "label": v.t("hunters_cell"), "low": v.t("ci_low"), "high": v.t("ci_high"),
              "few": v.t("matrix_few", n=_charts.FEW_MEETINGS)})
st.caption(v.t("hunters_matrix_caption"))
# Read for the head of sales: whose meetings fail with one hunter, whose with every hunter (on ripe meetings only).
ripe = sum_mature(filter_facts(mature, v.filters), ["employee", "hunter"])
outliers = matrix_outliers(ripe.select("employee", "hunter", pl.col("held_ripe").alias("meetings_held"),
                                       pl.col("paid_ripe").alias("payments")))
for outlier in outliers:
    st.markdown("- " + v.md(
        f"hunters_matrix_{outlier['kind']}", employee=v.person(outlier["employee"]),
        hunter=shown(outlier["hunter"] or ""),
        rate=i18n.percent(outlier["paid"] / outlier["held"], v.lang), paid=i18n.number(outlier["paid"], v.lang),
        held=i18n.number(outlier["held"], v.lang),
        others=i18n.percent(outlier["others_paid"] / outlier["others_held"], v.lang)))
if not outliers:
    st.markdown(v.t("hunters_matrix_none"))
st.caption(v.t("hunters_matrix_basis", window=i18n.count_phrase(DEFAULT_PAYMENT_WINDOW_DAYS, "days", v.lang),
               ripe=i18n.number(ripe["held_ripe"].sum(), v.lang),
               held=i18n.number(ripe["meetings_held"].sum(), v.lang)))
_widgets.metric_table(matrix.drop("label"), v.lang, name="setter_by_hunter", columns={
    "hunter": hunter_spec, "low": ColumnSpec(v.t("ci_low"), "ratio"), "high": ColumnSpec(v.t("ci_high"), "ratio")})

# The records: a hunter's held meetings, paid or not.
st.subheader(v.t("hunters_records"))
chosen = st.selectbox(v.t("hunter"), now["hunter"].to_list(), format_func=shown, key="hunters_records_hunter")
held = records.hunter_meetings(v.data.model, replace(v.filters, hunters=(chosen,)), v.mode)
st.caption(v.t("hunters_records_caption", mode=v.t(f"hunters_mode_{v.mode}")))
st.caption(v.t("rows_count", n=i18n.number(held.height, v.lang)))
_widgets.records_table(with_names(held), v.lang, name=f"hunter_meetings_{chosen}")

_widgets.definitions(("meetings_held", "payments", "revenue", PAID), v.lang, extra=v.t("hunters_extra_definition"))
