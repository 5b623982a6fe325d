"""Drawing helpers every page uses: metric tables, downloads, KPI deltas, definitions. All labels come from the
metric registry, so a metric is named the same on every screen and in every export."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from analytics import export, i18n, records
from analytics.registry import BY_KEY, metric

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

KEY_LABELS = {"employee": "employee", "source": "source", "month": "month", "week": "week", "day": "day",
              "metric": "metric", "hunter": "hunter"}


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
    """Labels and help (on hover) for every column; numeric columns right-aligned. A first column of names (a
    person, a source, a hunter) is pinned, sized to its names: scrolling sideways to the column a sentence talks
    about keeps the row's name in view, and no fixed width takes room from the numbers."""
    specs = column_specs(frame, lang, columns)
    first = frame.columns[0] if frame.columns else None
    return {column: st.column_config.TextColumn(
        spec.label, help=spec.help, alignment="right" if spec.kind in NUMERIC_KINDS else None,
        **({"pinned": True} if column == first and spec.kind not in NUMERIC_KINDS else {}))
        for column, spec in specs.items()}


MONTH_CODE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def month_heading(month: str, lang: i18n.Lang, running: bool = False) -> str:
    """A month table's column header: `2026-06` → `июн 2026` / `Jun 2026` (a code is not a word, a full month name
    too wide for six columns); the month still in progress reads `ноя 2026 (идёт)` / `Nov 2026 (running)`."""
    heading = i18n.period_label(month, lang, space=i18n.NBSP)
    return i18n.t("month_running", lang, month=heading) if running else heading


def newest_first(months: Collection[str]) -> list[str]:
    """A month table's columns, newest month first: on a phone only the first two or three fit beside the pinned
    name, and the month that matters (the latest, where a fall is red) must be among them. Charts keep time
    left → right; a table is read from its name outwards."""
    return sorted(months, reverse=True)


def month_columns(months: Sequence[str], lang: i18n.Lang, running: Collection[str] = (),
                  key: str | None = None) -> dict[str, ColumnSpec]:
    """The specs of a month table's month columns, newest first (`newest_first`): each headed in words, of the
    metric's kind, its help saying what a red cell compares with (the month before, the column to its right), or
    that the running month is never red."""
    specs = {}
    for month in newest_first(months):
        name = i18n.month_label(date(int(month[:4]), int(month[5:7]), 1), lang)
        help_text = i18n.t("month_running_help" if month in running else "month_column_help", lang,
                           month=i18n.sentence(name))
        kind: Kind = metric(key).kind if key is not None else "text"
        specs[month] = ColumnSpec(month_heading(month, lang, month in running), kind, help_text)
    return specs


def without_running(worse: pl.DataFrame, running: Collection[str]) -> pl.DataFrame:
    """The drop flags with the month in progress cleared: its numbers are incomplete, and a red cell there would
    read as a collapse that is only the month not being over."""
    return worse.with_columns(pl.lit(False).alias(c) for c in worse.columns if c in running)


FINDINGS_AT_ONCE = 20  # the Diagnostics draw this many findings, each with its records, before "show all"
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
    if "month" in frame.columns and frame.schema["month"] == pl.String:  # a row per month: `июн 2026`, not a code
        written.append(pl.Series("month", [x if x is None or not MONTH_CODE.fullmatch(x) else month_heading(x, lang)
                                           for x in frame["month"]], dtype=pl.String))
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
    downloads(frame, name, lang, columns=columns)
    return event


# The tables whose downloads are named after what they hold: `<name>` or `<name>_<who>` → a title in the app's
# language (i18n `file_<name>`). Longest first, so that `calls_to_listen` is not taken for `calls`.
FILE_STEMS = tuple(sorted((key.removeprefix("file_") for key in i18n.STRINGS if key.startswith("file_")),
                          key=len, reverse=True))
TIMELESS = frozenset({"issues", "rejected_batch"})  # an import's report: not of any period
PERIODS = ("month", "week")


@dataclass(frozen=True)
class Download:
    """One table ready to leave the app: as the screen titles it (`shown`, with its Excel formats) and with the
    stable keys for scripts (`raw`), and the file name without its extension."""

    shown: pl.DataFrame
    raw: pl.DataFrame
    file: str
    sheet: str
    formats: dict[str, str]  # the shown table's number formats, by title
    raw_formats: dict[str, str]  # the same by key
    row_formats: list[str | None] | None = None

    def files(self, keys: bool) -> tuple[pl.DataFrame, dict[str, str], str]:
        """The table, its number formats and the file name: as the screen titles it, or with the keys."""
        return (self.raw, self.raw_formats, f"{self.file}_keys") if keys else (self.shown, self.formats, self.file)

    @property
    def whole_numbers(self) -> bool:
        """A table turned with metrics as rows mixes counts and ratios in one column: write `396`, not `396.0`."""
        return self.row_formats is not None


METRIC_PART = re.compile("_(" + "|".join(sorted(map(re.escape, BY_KEY), key=len, reverse=True)) + ")(?=_|$)")


def file_title(name: str, lang: i18n.Lang) -> str:
    """`leaderboard` → `лидорубы` / `lead-generators`; `months_Соколов` → `по_месяцам_Соколов`;
    `hunters_payments_by_month` → `хантеры_Оплаты_по_месяцам` (a metric's key in a name is written as its title).
    A name of no known table stays as it is."""
    for stem in FILE_STEMS:
        if name == stem or name.startswith(stem + "_"):
            rest = METRIC_PART.sub(lambda m: "_" + metric(m.group(1)).label(lang), name[len(stem):])
            rest = re.sub(r"_by_month$", "_" + i18n.t("file_months", lang), rest)
            return i18n.t(f"file_{stem}", lang) + rest
    return name


def _sidebar_period() -> tuple[date, date] | None:
    """The period the sidebar chose (the page's View, built by app.py before the page), if there is one."""
    view = st.session_state.get("_view")  # pages/_view.VIEW; _view imports this module, so not imported here
    scope = getattr(view, "scope", None)
    period = getattr(scope, "period", None)
    return (period.start, period.end) if period is not None else None


def period_of(frame: pl.DataFrame, name: str, period: tuple[date, date] | None) -> str:
    """The period a file name carries: a table of months names its months (a person's month table holds all of
    them, whatever the sidebar says; turned, its months are its columns), any other the sidebar's period; an import
    report none."""
    if name in TIMELESS or any(name.startswith(stem + "_") for stem in TIMELESS):
        return ""
    if "month" in frame.columns and frame.height and frame.schema["month"] == pl.String:
        return export.months_label(frame["month"].drop_nulls().to_list())
    month_codes = [c for c in frame.columns if MONTH_CODE.fullmatch(c)]
    if "metric" in frame.columns and month_codes:  # a person's month table, turned on its page as shown
        return export.months_label(month_codes)
    return export.period_label(*period) if period is not None else ""


def download_name(frame: pl.DataFrame, name: str, lang: i18n.Lang, period: tuple[date, date] | None) -> str:
    """`лидорубы_2026-10`: the table's title in the app's language and its period, safe for any file system. A name
    that already ends with its period (a page that wrote it itself) does not get it twice."""
    title = file_title(name, lang)
    label = period_of(frame, name, period)
    written = {label, *((f"{period[0]:%Y-%m-%d}_{period[1]:%Y-%m-%d}",) if period else ())}
    if not label or any(title.endswith(p) for p in written if p):
        return file_name(title)
    return file_name(f"{title}_{label}")


def column_titles(frame: pl.DataFrame, lang: i18n.Lang, columns: Mapping[str, ColumnSpec] | None = None
                  ) -> dict[str, ColumnSpec]:
    """Every column's title and kind as the screen shows it (`column_specs`), else a records column's title
    (`col_<key>`), else none: the key stays."""
    specs = column_specs(frame, lang, columns)
    for column in frame.columns:
        if column not in specs and f"col_{column}" in i18n.STRINGS:
            specs[column] = ColumnSpec(i18n.t(f"col_{column}", lang), "money" if column in AMOUNTS else "text")
    return specs


def is_month_table(frame: pl.DataFrame) -> bool:
    """One row per month and nothing but metrics: the person's month table, which the screen shows turned (metrics
    as rows, months as columns), so its download is turned the same way."""
    keys = [c for c in frame.columns if c not in PERIODS]
    return len(frame.columns) - len(keys) == 1 and len(keys) > 1 and all(k in BY_KEY for k in keys)


def prepare_download(frame: pl.DataFrame, name: str, lang: i18n.Lang, *,
                     columns: Mapping[str, ColumnSpec] | None = None, period: tuple[date, date] | None = None,
                     metrics_as_rows: bool | None = None) -> Download:
    """The files of one table (see `downloads`). Values stay raw numbers (a ratio a fraction), so that a
    spreadsheet computes with them; only the titles are the screen's."""
    file = download_name(frame, name, lang, period)
    turned = is_month_table(frame) if metrics_as_rows is None else metrics_as_rows and any(
        c in PERIODS for c in frame.columns)  # only a table of periods can be turned
    if turned:
        period_key = next(c for c in frame.columns if c in PERIODS)
        raw = export.metrics_as_rows(frame, period_key)
        keys = raw["metric"].to_list()
        shown = raw.with_columns(pl.Series("metric", [metric(k).label(lang) for k in keys]))
        shown = shown.rename({"metric": i18n.t("metric", lang)})
        row_formats = [export.EXCEL_FORMATS.get(metric(k).kind) for k in keys]
        return Download(shown, raw, file, file_title(name, lang), {}, {}, row_formats)
    specs = column_titles(frame, lang, columns)
    if "metric" in frame.columns and frame.schema["metric"] == pl.String \
            and frame["metric"].drop_nulls().is_in(list(BY_KEY)).all():
        # a table of metrics by row: its rows named as on screen, each written in its kind's format
        keys = frame["metric"].to_list()
        shown = frame.with_columns(pl.Series("metric", [metric(k).label(lang) if k in BY_KEY else k for k in keys]))
        row_formats = [export.EXCEL_FORMATS.get(metric(k).kind) if k in BY_KEY else None for k in keys]
        titles = {c: spec.label for c, spec in specs.items()}
        return Download(export.with_titles(shown, titles), frame, file, file_title(name, lang), {}, {}, row_formats)
    shown = export.with_titles(frame, {c: spec.label for c, spec in specs.items()})
    raw_formats = {key: export.EXCEL_FORMATS[spec.kind] for key, spec in specs.items()
                   if spec.kind in export.EXCEL_FORMATS}
    formats = {title: raw_formats[key] for key, title in zip(frame.columns, shown.columns, strict=True)
               if key in raw_formats}
    return Download(shown, frame, file, file_title(name, lang), formats, raw_formats)


def downloads(frame: pl.DataFrame, name: str, lang: i18n.Lang, *, columns: Mapping[str, ColumnSpec] | None = None,
              metrics_as_rows: bool | None = None) -> None:
    """CSV and XLSX of a table with the screen's column titles in the app's language, or with the stable keys for
    scripts (a toggle). The file is named after the table and its period (`лидорубы_2026-10.xlsx`); a month table is
    turned as the screen shows it. The row wraps onto a second line rather than cut a label."""
    fit_layout()
    ready = prepare_download(frame, name, lang, columns=columns, period=_sidebar_period(),
                             metrics_as_rows=metrics_as_rows)
    toggle = f"keys_{name}"
    # The toggle is drawn after the buttons but read first: its value of this run is in the session already.
    table, formats, file = ready.files(bool(st.session_state.get(toggle, False)))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # The files are built only when clicked: building XLSX on every rerun would slow every page down.
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.download_button(i18n.t("download_csv", lang),
                           lambda: export.to_csv(table, whole_numbers=ready.whole_numbers),
                           f"{file}.csv", "text/csv", key=f"csv_{name}", icon=":material/download:")
        st.download_button(i18n.t("download_xlsx", lang),
                           lambda: export.to_xlsx(table, ready.sheet, formats=formats, row_formats=ready.row_formats),
                           f"{file}.xlsx", xlsx, key=f"xlsx_{name}", icon=":material/download:")
        st.toggle(i18n.t("download_keys", lang), key=toggle, help=i18n.t("download_keys_help", lang))


AMOUNTS = ("amount", "paid_amount")  # the money columns of records (analytics/records.py)


def records_table(frame: pl.DataFrame, lang: i18n.Lang, *, name: str, height: int = 320) -> pl.DataFrame:
    """Raw records (meetings, leads, calls) with translated headers, readable dates and downloads. Coded values read
    in words (`out` «исходящий», `phone` «телефону»); a call's recording comes right after its start, a web link
    opened with a click and an id as text (records.recording_columns), so every records table shows calls alike.
    Returns the columns as shown (a page's caption may say what the recordings are)."""
    frame = records.recording_columns(i18n.coded_values(frame, lang))
    config = {}
    titles: dict[str, ColumnSpec] = {}
    for column, dtype in frame.schema.items():
        label = i18n.t(f"col_{column}", lang) if f"col_{column}" in i18n.STRINGS else column
        titles[column] = ColumnSpec(label, "money" if column in AMOUNTS else "text")
        if column == "recording_url":
            config[column] = st.column_config.LinkColumn(label, display_text=i18n.t("recording_open", lang),
                                                         help=i18n.t("recording_open_help", lang))
        elif dtype == pl.Boolean:
            config[column] = st.column_config.CheckboxColumn(label)
        elif isinstance(dtype, pl.Datetime | pl.Date):
            config[column] = st.column_config.TextColumn(label)  # written below, "—" for none; sized to fit
        elif column in AMOUNTS:
            config[column] = st.column_config.TextColumn(label, alignment="right")
        else:
            config[column] = st.column_config.Column(label)
    # An amount is written as the screens write money (`1 234,5`), and "—" when there is none (never "None"); so is
    # any missing text (a call with no lead), except a link: "—" would be a link to nowhere, and a missing date
    # (a meeting not paid): Streamlit's date column writes a null as "None".
    shown = frame.with_columns(
        *(pl.col(c).dt.strftime("%d.%m.%Y %H:%M" if isinstance(dtype, pl.Datetime) else "%d.%m.%Y")
          .fill_null(i18n.DASH) for c, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime | pl.Date)),
        *(pl.col(c).fill_null(i18n.DASH) for c, dtype in frame.schema.items()
          if dtype == pl.String and c != "recording_url"),
        *(pl.Series(c, [i18n.DASH if x is None else i18n.number(x, lang, 0 if x == int(x) else 2) for x in frame[c]],
                    dtype=pl.String) for c in AMOUNTS if c in frame.columns))
    st.dataframe(shown, hide_index=True, width="stretch", height=height, column_config=config)
    downloads(frame, name, lang, columns=titles)
    return frame


def delta_text(current: float | None, previous: float | None, key: str, lang: i18n.Lang) -> str | None:
    """The change shown under a KPI: absolute and relative, signed with the typographic minus "−" like every other
    number of the app (kpi gives Streamlit the arrow and the colour itself), and "no change" when the change is
    nothing at the precision shown (Streamlit would draw "↑ +0" for "+0")."""
    if current is None or previous is None:
        return None  # nothing to compare with
    spec = metric(key)
    if spec.kind == "ratio":
        points = (current - previous) * 100
        if round(points, 1) == 0:
            return i18n.t("no_change", lang)
        text = i18n.number(abs(points), lang, 1) + (" п.п." if lang == "ru" else " pp")
        return (i18n.MINUS if points < 0 else "+") + text
    change = current - previous
    if round(change) == 0:
        return i18n.t("no_change", lang)
    rel = f" ({i18n.percent(change / previous, lang, signed=True)})" if previous else ""
    return (i18n.MINUS if change < 0 else "+") + i18n.number(abs(change), lang) + rel


def kpi(column, key: str, current: float | None, previous: float | None, lang: i18n.Lang,
        worse: bool = False) -> None:
    """A headline number and its change. The change is red only when it is a real drop (the same rule as the
    tables: large and significant); any other change stays grey, so that noise does not look like an alarm. The
    arrow and the colour are given explicitly: Streamlit reads a fall only from an ASCII "-" at the start."""
    fit_layout()
    spec = metric(key)
    change = delta_text(current, previous, key, lang)
    moved = change is not None and change != i18n.t("no_change", lang)
    column.metric(
        spec.label(lang), i18n.fmt(key, current, lang), change, delta_color="red" if worse and moved else "gray",
        delta_arrow=("down" if (current or 0) < (previous or 0) else "up") if moved else "off",
        help=spec.definition(lang), border=True,
    )


# Layout rules Streamlit has no parameter for, so that nothing is cut at 1024 px or on a phone:
# - a row of KPI cards (st.columns of st.metric) wraps to two cards a row between a phone's width (where Streamlit
#   stacks columns itself) and 1280 px, where four cards are too narrow for "12 314 000" or "Проведено встреч";
# - a card's title, number and change wrap between words instead of ending in "…" (numbers keep their no-break
#   spaces, so "12 314 000" never breaks inside).
KPI_ROW = ('[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > '
           '[data-testid="stElementContainer"] > [data-testid="stMetric"])')
LAYOUT_MARK = "sales-floor layout rules"
LAYOUT_CSS = f"""<style>
/* {LAYOUT_MARK} */
@media (min-width: 640px) and (max-width: 1279.98px) {{
  {KPI_ROW} {{ flex-wrap: wrap; row-gap: 1rem; }}
  {KPI_ROW} > [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 1rem) !important; min-width: calc(50% - 1rem) !important; }}
}}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
[data-testid="stMetricValue"] > div, [data-testid="stMetricDelta"] > div {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
</style>"""
_STYLED = "_layout_css_run"


def fit_layout() -> None:
    """Send the layout rules once per script run (KPI cards and download buttons call this; a style-only st.html
    takes no room on the page)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        if getattr(ctx, _STYLED, None) is ctx.cursors:  # a new dict every run: sent already in this run
            return
        setattr(ctx, _STYLED, ctx.cursors)
    st.html(LAYOUT_CSS)


def definitions(keys: Sequence[str], lang: i18n.Lang, extra: str | None = None) -> None:
    """The definitions of a screen's metrics. The English screen names each metric's key too (what a script or the
    CSV with keys calls it); on the Russian screen an English key would be jargon, so it is left out."""
    with st.expander(i18n.t("definitions", lang), icon=":material/menu_book:"):
        for key in keys:
            spec = metric(key)
            number = f"{spec.number}. " if spec.number else ""
            code = f" (`{key}`)" if lang == "en" else ""
            st.markdown(f"**{number}{spec.label(lang)}**{code} — {spec.definition(lang)}")
        if extra:
            st.markdown(extra)
