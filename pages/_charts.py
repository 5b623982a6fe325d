"""Altair charts shared by the pages: every one with a title, axis titles and tooltips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import altair as alt
import polars as pl
import streamlit as st

from analytics.i18n import Lang, period_label

BLUE, GREY, RED, GREEN = "#2F6FB3", "#9AA5B1", "#C0392B", "#2E8B57"
# Altair refuses to embed more rows than this in a chart (alt.data_transformers' default max_rows).
ALTAIR_MAX_ROWS = 5000
Grain = Literal["day", "week", "month"]
GRAIN_EVERY: dict[Grain, str] = {"week": "1w", "month": "1mo"}
GRAIN_FORMAT = {"day": ("%d.%m", "%d.%m.%Y"), "week": ("%d.%m", "%d.%m.%Y"), "month": ("%m.%Y", "%m.%Y")}
# Streamlit fits the whole chart (title, axes, legend) into the height a spec gives, so a chart with one band a row
# (a person, a funnel step) is as tall as its rows plus that frame. A band narrower than its label makes Vega hide
# every other label (its label-overlap rule): the plan heat map named only half of the people.
ROW_PX = 28  # one band: an 11-13 px label with room above and below
CALENDAR_FRAME_PX = 170  # title, the legend above, the dates written at -60°, the axis title
FUNNEL_FRAME_PX = 70  # title, the count axis and its title
LEGEND_ROW_PX = 30  # one entry of a one-column legend above a chart
LEGEND_FRAME_PX = 70  # the legend's title, the x axis and its title under the bands
RUNNING_OPACITY = 0.4  # a month (week) not over yet: drawn lighter, so that a short bar is not read as a collapse
FEW_MEETINGS = 10  # a matrix cell on fewer meetings than this keeps its text but loses most of its colour
MUTED_OPACITY = 0.3
NARROW_CELL_PX = 100  # a matrix cell narrower than this writes only the rate ("17,4 %"), not "4 / 23 · 17,4 %"


def with_period_labels(frame: pl.DataFrame, column: str, lang: Lang, running: Sequence[str] = ()) -> pl.DataFrame:
    """`frame` with `<column>_label` (the period in words) and `running` (the period is not over yet)."""
    periods = frame[column].cast(pl.String)
    labels = {p: period_label(p, lang) for p in periods.unique().to_list() if p is not None}
    return frame.with_columns(periods.replace_strict(labels, default=periods).alias(f"{column}_label"),
                              periods.is_in(list(running)).alias("running"))


def label_order(frame: pl.DataFrame, column: str) -> list[str]:
    """The labels of `column` in the order of the periods (by the code `2026-06` < `2026-07`, not by the words)."""
    return frame.select(column, f"{column}_label").unique().sort(column)[f"{column}_label"].to_list()


def month_axis(title: str | None) -> alt.Axis:
    """A month (week) axis: each label on two lines ("нояб." over "2026"), upright, so that six to twelve months
    fit half a 1024 px page without Vega hiding every other one."""
    return alt.Axis(title=title, labelAngle=0, labelExpr="split(datum.label, ' ')", labelOverlap=True)


def top_legend(columns: int) -> alt.Legend:
    """A legend above the chart in at most `columns` columns: in one row a person's name and "Floor" ran off a
    phone's screen (390 px). Vega starts it where the plot starts, so a chart with long row labels on its left (the
    conversions) takes one column; a name longer than its column is shortened with "…" rather than cut by the edge."""
    return alt.Legend(orient="top", columns=columns, labelLimit=170)


def rows_height(rows: int, frame: int, row: int = ROW_PX) -> int:
    """The height of a chart of `rows` bands: every band `row` px, plus the `frame` its title and axes take."""
    return row * max(rows, 1) + frame


def layered(*charts: alt.Chart) -> alt.LayerChart:
    """`alt.layer`, typed: altair annotates it as returning a layer or a facet."""
    return alt.LayerChart(layer=list(charts))


def show(builder: Callable[..., alt.TopLevelMixin], *args: object, **kwargs: object) -> None:
    """Draw `builder(*args)`. Building an Altair chart costs tens of milliseconds (it parses and validates every
    channel), so the finished spec is cached by the builder's inputs and not validated again at runtime;
    tests/test_charts.py validates every chart this module builds."""
    st.vega_lite_chart(_spec(builder.__name__, args, kwargs), width="stretch")


@st.cache_data(show_spinner=False, max_entries=512)
def _spec(builder: str, args: tuple, kwargs: dict) -> dict:
    return globals()[builder](*args, **kwargs).to_dict(validate=False)


def funnel(steps: pl.DataFrame, title: str, count_title: str, step_title: str, label_title: str) -> alt.LayerChart:
    """Horizontal bars per funnel step (`step`, `count`, `label`), the label written at the end of each bar."""
    bars = alt.Chart(steps).mark_bar(color=BLUE).encode(
        y=alt.Y("step:N", sort=list(steps["step"]), title=None,
                axis=alt.Axis(labelLimit=260, labelFontSize=13, labelOverlap=False)),
        x=alt.X("count:Q", title=count_title, axis=alt.Axis(tickCount=5, tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("step:N", title=step_title), alt.Tooltip("label:N", title=label_title)],
    )
    text = bars.mark_text(align="left", dx=6, fontSize=13).encode(text="label:N")
    # A long title ("Meetings and payments (from 13,098 calls of 60 s or more)") on two lines: it ran off a phone.
    head, _, tail = title.partition(" (")
    lines: str | list[str] = [head, f"({tail}"] if tail else title
    frame = FUNNEL_FRAME_PX + (18 if tail else 0)  # the title's second line
    return (bars + text).properties(height=rows_height(steps.height, frame, ROW_PX + 8), title=lines)


def daily_with_plan(frame: pl.DataFrame, value: str, title: str, y_title: str, plan: tuple[float, float] | None,
                    date_title: str, plan_title: str) -> alt.LayerChart | alt.Chart:
    """Bars per day with the plan as a shaded band; a day below the plan's low end is drawn red."""
    data = frame.with_columns(pl.col("date").cast(pl.String).alias("day"))
    if plan:
        data = data.with_columns(pl.lit(plan[0]).alias("plan_low"), pl.lit(plan[1]).alias("plan_high"),
                                 (pl.col(value) < plan[0]).alias("below"))
    else:
        data = data.with_columns(pl.lit(False).alias("below"))
    base = alt.Chart(data).encode(x=alt.X("date:T", title=date_title, axis=alt.Axis(format="%d.%m", labelAngle=-45)))
    bars = base.mark_bar(opacity=0.9).encode(
        # No axis title that repeats the chart's title; counts in whole steps (never "0.5 calls").
        y=alt.Y(f"{value}:Q", title=None if y_title == title else y_title, axis=alt.Axis(tickMinStep=1)),
        color=alt.condition("datum.below", alt.value(RED), alt.value(BLUE)),
        tooltip=[alt.Tooltip("date:T", title=date_title, format="%d.%m.%Y"), alt.Tooltip(f"{value}:Q", title=y_title)],
    )
    if not plan:
        return bars.properties(title=title, height=220)
    band = base.mark_area(opacity=0.18, color=GREEN).encode(
        y="plan_low:Q", y2="plan_high:Q",
        tooltip=[alt.Tooltip("plan_low:Q", title=plan_title), alt.Tooltip("plan_high:Q", title=plan_title)],
    )
    rule = base.mark_line(color=GREEN, strokeDash=[4, 3]).encode(y="plan_low:Q")
    return layered(band, bars, rule).properties(title=title, height=220)


def grouped_bars(frame: pl.DataFrame, category: str, group: str, value: str, title: str, value_title: str,
                 category_title: str, group_title: str, percent: bool = True) -> alt.Chart:
    """Side-by-side bars: e.g. a person's conversions against the floor's."""
    fmt = ".1%" if percent else ",.0f"
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset(f"{group}:N"),
        x=alt.X(f"{value}:Q", title=value_title,
                axis=alt.Axis(format=".0%") if percent else alt.Axis(format=",.0f", tickMinStep=1)),
        # The first group (the person, or the first metric) gets the strong colour, whatever the alphabet says.
        color=alt.Color(f"{group}:N", title=group_title, legend=top_legend(1),
                        scale=alt.Scale(domain=frame[group].unique(maintain_order=True).to_list(),
                                        range=[BLUE, GREY, "#E69F00", "#7B61FF"])),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip(f"{group}:N", title=group_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=fmt)],
    ).properties(**({"title": title} if title else {}))


def rates_with_uncertainty(frame: pl.DataFrame, title: str, x_title: str, labels: dict[str, str]) -> alt.LayerChart:
    """Conversions per source with their 95 % interval: a wide bar means a small, unsure sample. One band per
    conversion in the order the frame gives them (the funnel's), one line per source inside it. Not faceted: a facet
    kept a fixed 620 px width, so at 1024 px the rates above 65 % and at 390 px every point fell off the column."""
    sources = frame["source"].unique(maintain_order=True).to_list()
    return _rates_with_intervals(frame, "source", alt.Scale(domain=sources, scheme="tableau10"), title, x_title,
                                 labels, point_size=90)


def calendar_data(days: pl.DataFrame, limit: int = ALTAIR_MAX_ROWS) -> tuple[pl.DataFrame, Grain]:
    """The calendar's cells (`employee`, `date`, `attainment`, `actual`, `plan_low`): one per person and day while
    they fit in a chart, otherwise one per person and week (dated by its Monday), otherwise per month. A week's
    attainment is its actual over its plan, not an average of days. The result may still exceed `limit` (hundreds
    of people): the page then shows the people a page at a time."""
    grouped: pl.DataFrame = days
    grain: Grain = "day"
    if days.height <= limit:
        return days, grain
    for grain in GRAIN_EVERY:
        grouped = (
            days.group_by("employee", pl.col("date").dt.truncate(GRAIN_EVERY[grain]))
            .agg(pl.col("actual").sum(), pl.col("plan_low").sum())
            .with_columns(pl.when(pl.col("plan_low") > 0).then(pl.col("actual") / pl.col("plan_low"))
                          .alias("attainment"))
            .select("employee", "date", "attainment", "actual", "plan_low")
            .sort("employee", "date")
        )
        if grouped.height <= limit:
            break
    return grouped, grain


def calendar(frame: pl.DataFrame, title: str, labels: dict[str, str], grain: Grain = "day") -> alt.Chart:
    """A heat map per person and day (or week, or month, see `calendar_data`): green at or above plan, red below;
    blank where no plan applies."""
    axis_format, tooltip_format = GRAIN_FORMAT[grain]
    return alt.Chart(frame).mark_rect(stroke="white").encode(
        x=alt.X("date:O", title=labels["date"], timeUnit="yearmonthdate" if grain != "month" else "yearmonth",
                axis=alt.Axis(format=axis_format, labelAngle=-60)),
        y=alt.Y("employee:N", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        color=alt.Color("attainment:Q", title=labels["attainment"],
                        scale=alt.Scale(domain=[0, 1, 1.5], range=[RED, "#F4E3B5", GREEN], clamp=True),
                        # above, across: at the right it took a phone's heat map a quarter of its width
                        legend=alt.Legend(format=".0%", orient="top", direction="horizontal", titleOrient="left",
                                          gradientLength=100)),
        tooltip=[alt.Tooltip("employee:N", title=labels["employee"]),
                 alt.Tooltip("date:T", title=labels["date"], format=tooltip_format),
                 alt.Tooltip("actual:Q", title=labels["actual"]), alt.Tooltip("plan_low:Q", title=labels["plan"]),
                 alt.Tooltip("attainment:Q", title=labels["attainment"], format=".0%")],
    ).properties(title=title, height=rows_height(frame["employee"].n_unique(), CALENDAR_FRAME_PX))


def rates_by_person(frame: pl.DataFrame, title: str, x_title: str, labels: dict[str, str]) -> alt.LayerChart:
    """Conversions of several people side by side (`conversion`, `who`, `rate`, `low`, `high`, `n`): per
    conversion one line per person, a point at the rate and its 95 % Wilson interval as a bar, so that two people
    whose intervals overlap are not read as different. The floor keeps the grey, the people the strong colours. Not
    faceted, so the chart takes the page's width (a facet keeps a fixed width and runs off a phone's screen)."""
    people = frame["who"].unique(maintain_order=True).to_list()
    palette = [BLUE, "#E69F00", "#7B61FF", GREEN, RED, "#17BECF", "#8C564B", "#E377C2"]
    colours = [GREY if who == labels["floor"] else palette[i % len(palette)] for i, who in enumerate(people)]
    return _rates_with_intervals(frame, "who", alt.Scale(domain=people, range=colours), title, x_title, labels,
                                 point_size=70)


def _rates_with_intervals(frame: pl.DataFrame, group: str, colour: alt.Scale, title: str, x_title: str,
                          labels: dict[str, str], point_size: int) -> alt.LayerChart:
    """One band per conversion (in the frame's order), one line per `group` value inside it: a point at the rate
    and its 95 % interval as a bar. Streamlit fits the legend above (a line a value) and the axis below into the
    height too: without that frame the bands shrank to 15 px and Vega hid the names of some conversions."""
    groups = frame[group].unique(maintain_order=True).to_list()
    conversions = frame["conversion"].unique(maintain_order=True).to_list()
    base = alt.Chart(frame).encode(
        y=alt.Y("conversion:N", title=None, sort=conversions, axis=alt.Axis(labelLimit=200, labelOverlap=False)),
        yOffset=alt.YOffset(f"{group}:N", sort=groups),
        color=alt.Color(f"{group}:N", title=labels[group], sort=groups, scale=colour, legend=top_legend(1)),
    )
    interval = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("low:Q", title=x_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])), x2="high:Q",
    )
    point = base.mark_point(filled=True, size=point_size).encode(
        x="rate:Q",
        tooltip=[alt.Tooltip("conversion:N", title=labels.get("conversion", "")),
                 alt.Tooltip(f"{group}:N", title=labels[group]),
                 alt.Tooltip("rate:Q", title=labels["rate"], format=".1%"),
                 alt.Tooltip("low:Q", title=labels["low"], format=".1%"),
                 alt.Tooltip("high:Q", title=labels["high"], format=".1%"),
                 alt.Tooltip("n:Q", title=labels["n"])],
    )
    height = rows_height(len(conversions), LEGEND_FRAME_PX + LEGEND_ROW_PX * len(groups), 16 * len(groups) + 16)
    return layered(interval, point).properties(height=height, **({"title": title} if title else {}))


def trend(frame: pl.DataFrame, value: str, title: str, y_title: str, x_title: str, labels: dict[str, str],
          mark: Literal["line", "bar"] = "line", percent: bool = False, lang: Lang = "en",
          running: Sequence[str] = ()) -> alt.LayerChart:
    """A metric period by period (`period` as text `2026-10` / `2026-W43`, `value`, `worse`): a line or bars, and
    the periods that fell for real (comparison.py's rule, the same as the tables' red cells) marked red. The axis
    writes the months in words (`нояб. 2026`); the `running` periods (not over yet) are drawn lighter and say so in
    the tooltip (`labels["running"]` under `labels["note"]`), so that a half month's bar is not read as a collapse."""
    fmt = ".1%" if percent else ",.0f"
    data = with_period_labels(frame, "period", lang, running).with_columns(
        pl.col("worse").fill_null(False),
        pl.when(pl.col("worse")).then(pl.lit(labels["drop"])).otherwise(pl.lit("")).alias("flag"),
        pl.when(pl.col("period").is_in(list(running))).then(pl.lit(labels.get("running", ""))).otherwise(pl.lit(""))
        .alias("note"))
    x = alt.X("period_label:N", title=x_title, sort=label_order(data, "period"), axis=month_axis(x_title))
    y = alt.Y(f"{value}:Q", title=None if y_title == title else y_title,
              axis=alt.Axis(format=".0%") if percent else alt.Axis(format=",.0f", tickMinStep=1))
    tooltip = [alt.Tooltip("period_label:N", title=x_title), alt.Tooltip(f"{value}:Q", title=y_title, format=fmt),
               alt.Tooltip("flag:N", title=labels["flag"])]
    if running:
        tooltip.append(alt.Tooltip("note:N", title=labels.get("note", "")))
    base = alt.Chart(data).encode(x=x, y=y, tooltip=tooltip)
    colour = alt.condition("datum.worse", alt.value(RED), alt.value(BLUE))
    opacity = alt.condition("datum.running", alt.value(RUNNING_OPACITY), alt.value(1.0))
    if mark == "bar":
        body = base.mark_bar().encode(color=colour, opacity=opacity)
        return layered(body).properties(title=title, height=300)
    line = base.mark_line(color=BLUE)
    points = base.mark_point(filled=True, size=70).encode(color=colour, opacity=opacity)
    return layered(line, points).properties(title=title, height=300)


def lines_by_month(frame: pl.DataFrame, series: str, value: str, title: str, y_title: str,
                   labels: dict[str, str], percent: bool = True, lang: Lang = "en",
                   running: Sequence[str] = ()) -> alt.LayerChart:
    """One line per `series` (a hunter, a person) over `month` (YYYY-MM): who rises, who falls, month by month. The
    months in words; a `running` month (not over yet) as a lighter point on a dashed segment. The y axis starts near
    the data: three hunters between 24 and 33 % were three flat lines on a 0-35 % axis."""
    fmt = ".1%" if percent else ",.0f"
    data = with_period_labels(frame, "month", lang, running)
    x = alt.X("month_label:N", title=labels["month"], sort=label_order(data, "month") if data.height else None,
              axis=month_axis(labels["month"]))
    y = alt.Y(f"{value}:Q", title=None if y_title == title else y_title, scale=alt.Scale(zero=not percent),
              axis=alt.Axis(format=".0%") if percent else alt.Axis(format=",.0f", tickMinStep=1))
    colour = alt.Color(f"{series}:N", title=labels[series], legend=top_legend(2), scale=alt.Scale(scheme="tableau10"))
    tooltip = [alt.Tooltip(f"{series}:N", title=labels[series]), alt.Tooltip("month_label:N", title=labels["month"]),
               alt.Tooltip(f"{value}:Q", title=y_title, format=fmt)]
    done = data.filter(~pl.col("running"))
    # The dashed segment: each series' last finished month and its running month.
    last_done = data.join(done.group_by(series).agg(pl.col("month").max()), on=[series, "month"], how="semi")
    tail = pl.concat([last_done, data.filter(pl.col("running"))]) if data["running"].any() else done.clear()
    lines = alt.Chart(done).mark_line().encode(x=x, y=y, color=colour)
    dashed = alt.Chart(tail).mark_line(strokeDash=[4, 3], opacity=RUNNING_OPACITY).encode(x=x, y=y, color=colour)
    points = alt.Chart(data).mark_point(filled=True, size=60).encode(
        x=x, y=y, color=colour, tooltip=tooltip,
        opacity=alt.condition("datum.running", alt.value(RUNNING_OPACITY), alt.value(1.0)))
    # The height holds the legend and axes too (Streamlit fits the chart into it).
    return layered(lines, dashed, points).properties(title=title, height=400)


def rate_matrix(frame: pl.DataFrame, row: str, column: str, title: str, labels: dict[str, str]) -> alt.LayerChart:
    """A heat map of a rate per `row` × `column` (a lead generator × a hunter): the colour is the rate, the cell says
    `label` ("3 / 10 · 30 %"), the tooltip the counts and the 95 % interval (`rate`, `low`, `high`, `n`). The legend
    sits under the matrix (beside it, it left a phone three 14 px columns); a cell narrower than `NARROW_CELL_PX`
    writes only its rate; a cell on fewer than `FEW_MEETINGS` meetings (`n`) is pale, so that 0 / 6 does not paint
    the darkest red of the screen."""
    data = frame.with_columns(pl.col("label").str.split(" · ").list.last().alias("short"))
    if "n" not in data.columns:
        data = data.with_columns(pl.lit(None, pl.Int64).alias("n"))
    few = f"datum.n != null && datum.n < {FEW_MEETINGS}"
    base = alt.Chart(data).encode(
        # A name on two lines ("Лебедев" over "Сергей"): on one line, at 1024 px, Vega hid every other hunter's name.
        x=alt.X(f"{column}:N", title=labels[column],
                axis=alt.Axis(labelAngle=0, labelLimit=200, orient="top", labelOverlap=False,
                              labelExpr="split(datum.label, ' ')")),
        y=alt.Y(f"{row}:N", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("rate:Q", title=labels["rate"], scale=alt.Scale(scheme="redyellowgreen", domainMin=0),
                        legend=alt.Legend(format=".0%", orient="bottom", direction="horizontal")),
        opacity=alt.condition(few, alt.value(MUTED_OPACITY), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{row}:N", title=labels[row]), alt.Tooltip(f"{column}:N", title=labels[column]),
                 alt.Tooltip("label:N", title=labels["label"]),
                 alt.Tooltip("low:Q", title=labels["low"], format=".1%"),
                 alt.Tooltip("high:Q", title=labels["high"], format=".1%")],
    )
    # White on the darkest cells (the lowest and the highest fifth of the rates), black on the pale ones.
    rates = frame["rate"].drop_nulls()
    low, high = (float(rates.min()), float(rates.max())) if rates.len() else (0.0, 1.0)  # type: ignore[arg-type]
    dark = f"!({few}) && (datum.rate < {low + 0.2 * (high - low)} || datum.rate > {low + 0.8 * (high - low)})"
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("label:N", condition={"test": f"bandwidth('x') < {NARROW_CELL_PX}",
                                            "value": {"expr": "datum.short"}}),
        color=alt.condition(dark, alt.value("white"), alt.value("black")))
    # The height holds the title, the column labels and the legend under the matrix too (Streamlit fits the chart
    # into it): 34 px a row.
    # The note under the title on two lines (at its colon): on one line it ran off a phone.
    few_note = labels.get("few", "")
    head, colon, rest = few_note.partition(": ")
    subtitle = [head + colon.rstrip(), rest] if rest else few_note
    heading = alt.TitleParams(title, subtitle=subtitle) if few_note else title
    return (cells + text).properties(title=heading, height=34 * max(frame[row].n_unique(), 1) + 170)


def trend_rows(by_period: pl.DataFrame, period: str, key: str, changes: pl.DataFrame) -> pl.DataFrame:
    """The data of `trend`: one row per period (`period`, `key`, `worse`), oldest first. `by_period` is a metrics
    table grouped by `period` (`month` or `week`); `changes` is `comparison.month_over_month`'s long table of it
    (its period column is called `month` whatever the grain), empty when there is nothing to compare."""
    rows = by_period.select(pl.col(period).alias("period"), key)
    if changes.is_empty():
        return rows.with_columns(pl.lit(False).alias("worse")).sort("period")
    flags = changes.filter(pl.col("metric") == key).select(pl.col("month").alias("period"), "worse")
    return rows.join(flags, on="period", how="left").with_columns(pl.col("worse").fill_null(False)).sort("period")
