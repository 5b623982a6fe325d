"""Drawing helpers every page uses: metric tables, downloads, KPI deltas, definitions. All labels come from the
metric registry, so a metric is named the same on every screen and in every export."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from analytics import export, i18n
from analytics.registry import BY_KEY, metric

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

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


Kind = Literal["count", "ratio", "money", "minutes", "number", "text", "date"]
NUMERIC_KINDS = frozenset({"count", "ratio", "money", "minutes", "number"})


@dataclass(frozen=True)
class ColumnSpec:
    """What a table's column holds: its label, the kind of its values (which says how they are written) and the
    help shown on hover. A metric column takes all three from the registry (`of_metric`); any other column
    declares its own, so that no tooltip explains a metric the column is not."""

    label: str
    kind: Kind = "text"
    help: str | None = None

    @classmethod
    def of_metric(cls, key: str, lang: i18n.Lang, label: str | None = None) -> ColumnSpec:
        """The registry's label, kind and definition of the metric `key` (the label may be replaced)."""
        spec = metric(key)
        return cls(label or spec.label(lang), spec.kind, spec.definition(lang))

    def written(self, value: object, lang: i18n.Lang) -> str:
        """A value as the screen writes it: locale digits, percent for a ratio, "—" for nothing."""
        if value is None:
            return i18n.DASH
        if self.kind == "ratio":
            return i18n.percent(float(value), lang)  # type: ignore[arg-type]
        if self.kind in NUMERIC_KINDS:
            return i18n.number(value, lang)  # type: ignore[arg-type]
        if self.kind == "date" and isinstance(value, date):
            return i18n.date_label(value, lang)
        return str(value)


def number_format(kind: Kind, lang: i18n.Lang) -> str:
    """A st.column_config number format for a column of this kind (ratios are shown multiplied by 100)."""
    if kind == "ratio":
        return "%.1f %%" if lang == "ru" else "%.1f%%"
    return "localized" if lang == "ru" else "%,d" if kind == "count" else "%,.0f"


def column_specs(frame: pl.DataFrame, lang: i18n.Lang, columns: Mapping[str, ColumnSpec] | None = None
                 ) -> dict[str, ColumnSpec]:
    """Every column's spec: the one declared, else the metric's of that key, else the grouping key's label."""
    specs: dict[str, ColumnSpec] = {}
    for column in frame.columns:
        if columns and column in columns:
            specs[column] = columns[column]
        elif column in BY_KEY:
            specs[column] = ColumnSpec.of_metric(column, lang)
        elif column in KEY_LABELS:
            specs[column] = ColumnSpec(i18n.t(KEY_LABELS[column], lang))
    return specs


def column_config(frame: pl.DataFrame, lang: i18n.Lang, columns: Mapping[str, ColumnSpec] | None = None) -> dict:
    """Labels and help (on hover) for every column; numeric columns right-aligned."""
    return {column: st.column_config.TextColumn(spec.label, help=spec.help,
                                                alignment="right" if spec.kind in NUMERIC_KINDS else None)
            for column, spec in column_specs(frame, lang, columns).items()}


DROP_STYLE = "background-color: #fde0dc; color: #a61b1b; font-weight: 600"


def styled(frame: pl.DataFrame, lang: i18n.Lang, columns: Mapping[str, ColumnSpec] | None = None,
           worse: pl.DataFrame | None = None) -> Styler:
    """The table as the screen shows it: numbers written in the app's language (`1 234,5` / `1,234.5`),
    "—" for a missing value, and the cells flagged in `worse` (boolean columns) painted as drops.

    Metric tables are small (people × months at most), so writing each number here is cheap; downloads keep the
    raw numbers under the stable metric keys.
    """
    written = [pl.Series(column, [spec.written(x, lang) for x in frame[column]], dtype=pl.String)
               for column, spec in column_specs(frame, lang, columns).items() if spec.kind in NUMERIC_KINDS]
    styler = frame.with_columns(written).to_pandas().style
    if worse is not None:
        flags = worse.to_pandas()
        styler = styler.apply(
            lambda col: [DROP_STYLE if col.name in flags and flags[col.name].iloc[i] else "" for i in range(len(col))]
        )
    return styler


def metric_table(frame: pl.DataFrame, lang: i18n.Lang, *, name: str, columns: Mapping[str, ColumnSpec] | None = None,
                 worse: pl.DataFrame | None = None, height: int | Literal["auto"] = "auto", key: str | None = None,
                 selectable: bool = False) -> Any:
    """A table with RU/EN labels, help on hover, locale formats, drops in red, CSV/XLSX downloads. Metric columns
    describe themselves; every other column is declared in `columns`."""
    event = st.dataframe(
        styled(frame, lang, columns, worse), column_config=column_config(frame, lang, columns),
        hide_index=True, width="stretch", height=height, key=key,
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


AMOUNTS = ("amount", "paid_amount")  # the money columns of records (analytics/records.py)


def records_table(frame: pl.DataFrame, lang: i18n.Lang, *, name: str, height: int = 320) -> None:
    """Raw records (meetings, leads, calls) with translated headers, readable dates and downloads."""
    config = {}
    for column, dtype in frame.schema.items():
        label = i18n.t(f"col_{column}", lang) if f"col_{column}" in i18n.STRINGS else column
        if dtype == pl.Boolean:
            config[column] = st.column_config.CheckboxColumn(label)
        elif isinstance(dtype, pl.Datetime):
            config[column] = st.column_config.DatetimeColumn(label, format="DD.MM.YYYY HH:mm")
        elif column in AMOUNTS:
            config[column] = st.column_config.TextColumn(label, alignment="right")
        else:
            config[column] = st.column_config.Column(label)
    # An amount is written as the screens write money (`1 234,5`), and "—" when there is none (never "None").
    shown = frame.with_columns(
        pl.Series(c, [i18n.DASH if x is None else i18n.number(x, lang, 0 if x == int(x) else 2) for x in frame[c]],
                  dtype=pl.String) for c in AMOUNTS if c in frame.columns)
    st.dataframe(shown, hide_index=True, width="stretch", height=height, column_config=config)
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
