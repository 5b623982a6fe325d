"""Drawing helpers every page uses: metric tables, downloads, KPI deltas, definitions. All labels come from the
metric registry, so a metric is named the same on every screen and in every export."""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl
import streamlit as st

from analytics import export, i18n
from analytics.registry import BY_KEY, metric

KEY_LABELS = {"employee": "employee", "source": "source", "month": "month", "week": "week", "day": "day"}


MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:&=")


def escape(text: object) -> str:
    """Text from a file (a name, a source, a stage, a file name) made inert for anything Streamlit renders as
    Markdown: no links (also no bare `http://` autolinks), images, emphasis, HTML, emoji or icon shortcodes, and
    on one line."""
    flat = " ".join(str(text).splitlines())
    return "".join("\\" + c if c in MARKDOWN_SPECIALS else c for c in flat)


def file_name(name: str) -> str:
    """A download's file name without the characters file systems refuse (names come from data)."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .")
    return cleaned[:120] or "table"


def share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """part / whole, null where whole is zero or missing."""
    return pl.when(whole > 0).then(part / whole)


def column_config(frame: pl.DataFrame, lang: i18n.Lang, labels: dict[str, str] | None = None,
                  formats: dict[str, str] | None = None) -> dict:
    """Labels and definitions (on hover) for every column; numeric columns right-aligned."""
    formats = formats or {}
    config: dict = {}
    for column in frame.columns:
        key = formats.get(column, column)
        label = (labels or {}).get(column)
        if key in BY_KEY:
            spec = metric(key)
            config[column] = st.column_config.TextColumn(label or spec.label(lang), help=spec.definition(lang),
                                                         alignment="right")
        elif label or column in KEY_LABELS:
            config[column] = st.column_config.TextColumn(label or i18n.t(KEY_LABELS[column], lang))
    return config


DROP_STYLE = "background-color: #fde0dc; color: #a61b1b; font-weight: 600"


def styled(frame: pl.DataFrame, lang: i18n.Lang, formats: dict[str, str] | None = None,
           worse: pl.DataFrame | None = None):
    """The table as the screen shows it: numbers written in the app's language (`1 234,5` / `1,234.5`),
    "—" for a missing ratio, and the cells flagged in `worse` (boolean columns) painted as drops.

    Metric tables are small (people × months at most), so writing each number here is cheap; downloads keep the
    raw numbers under the stable metric keys.
    """
    formats = formats or {}
    written = []
    for column in frame.columns:
        key = formats.get(column, column)
        if key in BY_KEY:
            written.append(pl.Series(column, [i18n.fmt(key, x, lang) for x in frame[column]], dtype=pl.String))
    styler = frame.with_columns(written).to_pandas().style
    if worse is not None:
        flags = worse.to_pandas()
        styler = styler.apply(
            lambda col: [DROP_STYLE if col.name in flags and flags[col.name].iloc[i] else "" for i in range(len(col))]
        )
    return styler


def metric_table(frame: pl.DataFrame, lang: i18n.Lang, *, name: str, labels: dict[str, str] | None = None,
                 formats: dict[str, str] | None = None, worse: pl.DataFrame | None = None,
                 height: int | str = "auto", key: str | None = None, selectable: bool = False):
    """A metric table with RU/EN labels, definitions on hover, locale formats, drops in red, CSV/XLSX downloads."""
    event = st.dataframe(
        styled(frame, lang, formats, worse), column_config=column_config(frame, lang, labels, formats),
        hide_index=True,
        width="stretch", height=height, key=key,
        on_select="rerun" if selectable else "ignore", selection_mode="single-row",
    )
    downloads(frame, name, lang)
    return event


def downloads(frame: pl.DataFrame, name: str, lang: i18n.Lang) -> None:
    left, right, _ = st.columns([1, 1, 4])
    # The files are built only when clicked: building XLSX on every rerun would slow every page down.
    left.download_button(i18n.t("download_csv", lang), lambda: export.to_csv(frame), f"{file_name(name)}.csv",
                         "text/csv", key=f"csv_{name}", icon=":material/download:")
    right.download_button(
        i18n.t("download_xlsx", lang), lambda: export.to_xlsx(frame, name), f"{file_name(name)}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{name}",
        icon=":material/download:",
    )


def records_table(frame: pl.DataFrame, lang: i18n.Lang, *, name: str, height: int = 320) -> None:
    """Raw records (meetings, leads, calls) with translated headers, readable dates and downloads."""
    config = {}
    for column, dtype in frame.schema.items():
        label = i18n.t(f"col_{column}", lang) if f"col_{column}" in i18n.STRINGS else column
        if dtype == pl.Boolean:
            config[column] = st.column_config.CheckboxColumn(label)
        elif isinstance(dtype, pl.Datetime):
            config[column] = st.column_config.DatetimeColumn(label, format="DD.MM.YYYY HH:mm")
        else:
            config[column] = st.column_config.Column(label)
    st.dataframe(frame, hide_index=True, width="stretch", height=height, column_config=config)
    downloads(frame, name, lang)


def delta_text(current: float | None, previous: float | None, key: str, lang: i18n.Lang) -> str | None:
    """The change shown under a KPI: absolute and relative, signed with ASCII '-' so Streamlit colours it."""
    if current is None or previous is None:
        return None  # nothing to compare with
    spec = metric(key)
    if spec.kind == "ratio":
        points = (current - previous) * 100
        text = i18n.number(abs(points), lang, 1) + (" п.п." if lang == "ru" else " pp")
        return ("-" if points < 0 else "+") + text
    change = current - previous
    rel = f" ({i18n.percent(change / previous, lang, signed=True)})" if previous else ""
    return ("-" if change < 0 else "+") + i18n.number(abs(change), lang) + rel.replace("−", "-")


def kpi(column, key: str, current: float | None, previous: float | None, lang: i18n.Lang,
        worse: bool = False) -> None:
    """A headline number and its change. The change is coloured only when it is a real drop (the same rule as the
    tables: large and significant); any other change stays grey, so that noise does not look like an alarm."""
    spec = metric(key)
    colour = ("normal" if spec.higher_is_better else "inverse") if worse else "off"
    column.metric(
        spec.label(lang), i18n.fmt(key, current, lang), delta_text(current, previous, key, lang),
        delta_color=colour, help=spec.definition(lang), border=True,
    )


def definitions(keys: Sequence[str], lang: i18n.Lang, extra: str | None = None) -> None:
    with st.expander(i18n.t("definitions", lang), icon=":material/menu_book:"):
        for key in keys:
            spec = metric(key)
            number = f"{spec.number}. " if spec.number else ""
            st.markdown(f"**{number}{spec.label(lang)}** (`{key}`) — {spec.definition(lang)}")
        if extra:
            st.markdown(extra)
