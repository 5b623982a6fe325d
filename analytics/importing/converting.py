"""Turn a recognised file into canonical rows, accounting for every row: imported or rejected, with the reason.

A row is rejected when a required value is empty or not understood; an optional value that is not understood
is left empty and reported, and the row is kept. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from analytics import schema
from analytics.importing import values
from analytics.importing.mapping import DATETIME_FIELDS, REQUIRED, FileKind, normalise_header
from analytics.importing.reading import ROW, RawFile

Step = Literal["none", "booked", "confirmed", "held", "paid"]
STEPS: tuple[Step, ...] = ("none", "booked", "confirmed", "held", "paid")
ISSUE_SCHEMA = pl.Schema(
    {"file": pl.String, "row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String,
     "action": pl.String}
)
REJECTED, VALUE_IGNORED = "row rejected", "value left empty"


def guess_step(label: str) -> Step:
    """The furthest funnel step a stage or meeting status implies, guessed from its words (the user can correct)."""
    text = label.lower().replace("ё", "е")
    if any(w in text for w in ("не подтвержд", "не провед", "не состоял", "не приш", "неявк", "no-show", "no show",
                               "отмен", "перенес", "cancel")):
        return "booked"
    if any(w in text for w in ("не реализ", "отказ", "lost", "проигр", "нецелев")):
        return "none"
    for step, words in (
        ("paid", ("успешн", "оплач", "оплата получена", "won", "выигр", "paid", "реализовано")),
        ("held", ("провед", "состоял", "held", "прошла")),
        ("confirmed", ("подтвержд", "confirmed")),
        ("booked", ("назнач", "запис", "booked", "scheduled", "встреча")),
    ):
        if any(w in text for w in words):
            return step  # type: ignore[return-value]
    return "none"


@dataclass(frozen=True)
class Parser:
    """How a field's text becomes a value: `fast` reads the spellings this column uses, `full` every spelling.

    Only the rows `fast` cannot read are given to `full`, which keeps millions of rows quick.
    """

    fast: Callable[[pl.Expr], pl.Expr]
    full: Callable[[pl.Expr], pl.Expr]
    described: str


def parser_for(name: str, column: pl.Series) -> Parser:
    if name in DATETIME_FIELDS:
        formats, serial = values.formats_in(column)
        return Parser(lambda e: values.datetime_(e, formats, serial), values.datetime_, "not a date")
    if name == "duration_s":
        return Parser(values.duration_seconds_fast, values.duration_seconds,
                      "not a duration (seconds, MM:SS or HH:MM:SS)")
    simple: dict[str, tuple[Callable[[pl.Expr], pl.Expr], str]] = {
        "confirmed": (values.boolean, "not a yes/no value"),
        "held": (values.boolean, "not a yes/no value"),
        "is_target": (values.boolean, "not a yes/no (target/non-target) value"),
        "amount": (values.money, "not an amount of money"),
        "lead_id": (values.identifier, "not an id"),
        "call_id": (values.identifier, "not an id"),
        "meeting_id": (values.identifier, "not an id"),
        "direction": (_direction, "not a call direction (incoming/outgoing)"),
    }
    parse, described = simple.get(name, (values.blank, "empty"))
    return Parser(parse, parse, described)


def _parse(frame: pl.DataFrame, name: str, header: str) -> pl.Series:
    """One column parsed: the fast parser everywhere, the full one on what the fast one could not read."""
    parser = parser_for(name, frame[header])
    column = frame[header]
    # Few distinct values (flags, directions, stages): parse each once. A sample tells cheaply whether to look.
    if column.head(20_000).n_unique() * 20 < min(frame.height, 20_000) and \
            (distinct := column.drop_nulls().unique()).len() * 20 < frame.height:
        lookup = distinct.to_frame().with_columns(parser.full(pl.col(header)).alias(name))
        return frame[header].replace_strict(lookup[header], lookup[name], default=None).alias(name)
    # Lazy, so that subexpressions a parser uses twice are computed once.
    if parser.fast is parser.full:
        return frame.lazy().select(parser.full(pl.col(header)).alias(name)).collect().to_series()
    parsed = frame.lazy().select(pl.col(ROW), parser.fast(pl.col(header)).alias(name)).collect()
    missed = frame.filter(parsed[name].is_null() & values.blank(pl.col(header)).is_not_null())
    if missed.is_empty():
        return parsed[name]
    # What the fast parser missed gets every spelling, trimmed (padding may first appear deep in a big file).
    second = missed.select(pl.col(ROW), parser.full(pl.col(header).str.strip_chars()).alias(name))
    return parsed.update(second, on=ROW)[name]


def _direction(expr: pl.Expr) -> pl.Expr:
    text = values.blank(expr).str.to_lowercase()
    return (
        pl.when(text.str.contains(r"^(исх|out|o$)")).then(pl.lit("out"))
        .when(text.str.contains(r"^(вх|in|i$)")).then(pl.lit("in"))
    )


@dataclass
class FileImport:
    """What became of one file: its tables, its issues and the counts that prove no row was lost."""

    name: str
    format: str
    kind: FileKind
    mapping: dict[str, str | None]
    rows_in_file: int
    tables: dict[schema.TableName, pl.DataFrame]
    issues: pl.DataFrame
    stage_values: pl.DataFrame | None = None  # stage/status value, its row count and the step it maps to
    stage_column: str | None = None  # which field the stage values come from: "stage" or "meeting_status"
    samples: dict[str, list[str]] = field(default_factory=dict)  # header → a few values, for the mapping editor

    @property
    def rejected(self) -> int:
        return self.issues.filter(pl.col("action") == REJECTED).select(pl.col("row").n_unique()).item()

    @property
    def imported(self) -> int:
        return self.rows_in_file - self.rejected


def _with_asterisk_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Asterisk logs the extension on one side and the client on the other: the short number is the employee."""
    short = lambda c: pl.col(c).str.contains(r"^\d{2,5}$")  # noqa: E731
    return frame.with_columns(
        pl.when(short("src")).then(pl.col("src")).when(short("dst")).then(pl.col("dst")).alias("employee"),
        pl.when(short("src")).then(pl.col("dst")).otherwise(pl.col("src")).alias("phone"),
        pl.when(short("src")).then(pl.lit("out")).when(short("dst")).then(pl.lit("in")).alias("direction"),
    )


def _issues(raw: pl.DataFrame, parsed: pl.DataFrame, mapping: Mapping[str, str | None], kind: FileKind,
            file_name: str) -> pl.DataFrame:
    parts: list[pl.LazyFrame] = []
    for name, header in mapping.items():
        if header is None:
            continue
        described = parser_for(name, raw[header]).described
        text = values.blank(pl.col(header))
        required = name in REQUIRED[kind]
        reason = (
            pl.when(text.is_null() & required).then(pl.lit(f"{name}: required value is empty"))
            .when(text.is_not_null() & pl.col(f"_parsed_{name}").is_null())
            .then(pl.lit(f"{name}: {described}"))
        )
        parts.append(
            pl.concat([raw.lazy(), parsed.lazy().select(pl.col(name).alias(f"_parsed_{name}"))], how="horizontal")
            .select(
                pl.lit(file_name).alias("file"), pl.col(ROW).alias("row"), pl.lit(header).alias("column"),
                pl.col(header).alias("value"), reason.alias("reason"),
                pl.lit(REJECTED if required else VALUE_IGNORED).alias("action"),
            )
            .filter(pl.col("reason").is_not_null())
        )
    for name in REQUIRED[kind]:
        if mapping.get(name) is None:
            parts.append(
                raw.lazy().select(
                    pl.lit(file_name).alias("file"), pl.col(ROW).alias("row"), pl.lit(None, pl.String).alias("column"),
                    pl.lit(None, pl.String).alias("value"),
                    pl.lit(f"{name}: no column is mapped to this required field").alias("reason"),
                    pl.lit(REJECTED).alias("action"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat(parts).sort("row", "column").collect().cast(ISSUE_SCHEMA)  # type: ignore[arg-type]


def _step_rank(column: str, step_map: Mapping[str, Step]) -> pl.Expr:
    ranks = {value: STEPS.index(step) for value, step in step_map.items()}
    return pl.col(column).replace_strict(ranks, default=0, return_dtype=pl.Int8).fill_null(0)


def _flag(name: str, mapped: set[str]) -> pl.Expr:
    """A yes/no column of the file, false where empty or where the file has no such column."""
    return pl.col(name).fill_null(False) if name in mapped else pl.lit(False)


def _funnel_rank(mapped: set[str], step_maps: Mapping[str, Mapping[str, Step]]) -> pl.Expr:
    """The furthest step a row's stage or meeting status implies, as an index into STEPS."""
    rank = pl.lit(0, pl.Int8)
    for column in ("stage", "meeting_status"):
        if column in mapped:
            rank = pl.max_horizontal(rank, _step_rank(column, step_maps.get(column, {})))
    return rank


def stage_values(frame: pl.DataFrame, header: str, saved: Mapping[str, Step] | None = None) -> pl.DataFrame:
    """Each distinct stage/status value with its row count and the step it maps to (saved choice, else a guess)."""
    saved = saved or {}
    counts = frame.group_by(pl.col(header).alias("value")).len("rows").drop_nulls("value").sort("rows", descending=True)
    steps = [saved.get(v, guess_step(v)) for v in counts["value"].to_list()]
    return counts.with_columns(pl.Series("step", steps, dtype=pl.String))


def _leads_tables(rows: pl.DataFrame, mapped: set[str], step_maps: Mapping[str, Mapping[str, Step]]) -> dict:
    """A deals file: the lead itself, and its meeting and payment where the columns or the stage show them."""
    rank = _funnel_rank(mapped, step_maps)
    at_least = lambda step: rank >= STEPS.index(step)  # noqa: E731
    flag = lambda name: _flag(name, mapped)  # noqa: E731
    col = lambda name: pl.col(name) if name in mapped else pl.lit(None)  # noqa: E731
    rows = rows.with_columns(
        (flag("held") | at_least("held")).alias("_held"),
        (flag("confirmed") | at_least("confirmed")).alias("_confirmed"),
        (col("paid_at").is_not_null() | at_least("paid")).alias("_paid"),
    )
    has_meeting = (
        col("booked_at").is_not_null() | col("meeting_at").is_not_null() | pl.col("_confirmed") | pl.col("_held")
        | at_least("booked")
    )
    leads = rows.select(*(c for c in schema.LEADS.schema if c in rows.columns))
    meetings = rows.filter(has_meeting).select(
        "lead_id",
        pl.coalesce(col("booked_at"), pl.col("created_at")).alias("booked_at"),
        pl.col("employee").alias("setter"),
        col("meeting_at").alias("meeting_at"),
        pl.col("_confirmed").alias("confirmed"),
        col("confirmed_at").alias("confirmed_at"),
        pl.col("_held").alias("held"),
        col("held_at").alias("held_at"),
        col("hunter").alias("hunter"),
    )
    payments = rows.filter(pl.col("_paid")).select(
        "lead_id",
        pl.coalesce(col("paid_at"), col("closed_at"), col("held_at"), col("meeting_at"), pl.col("created_at"))
        .alias("paid_at"),
        col("amount").alias("amount"),
    )
    return {"leads": leads, "meetings": meetings, "payments": payments}


def convert(
    raw: RawFile,
    kind: FileKind,
    mapping: Mapping[str, str | None],
    step_maps: Mapping[str, Mapping[str, Step]] | None = None,
) -> FileImport:
    """Map, parse and validate one file; the result accounts for every row of it."""
    step_maps = step_maps or {}
    frame = _with_asterisk_columns(raw.frame) if raw.format == "asterisk" else raw.frame
    present = {name: header for name, header in mapping.items() if header is not None and header in frame.columns}
    parsed = frame.select(ROW).with_columns(_parse(frame, n, h) for n, h in present.items())
    if kind == "leads" and "phone" in present:  # a CRM may fill any of its phone columns
        others = [h for h in frame.columns if h != present["phone"] and normalise_header(h) in (
            "мобильный телефон", "рабочий телефон", "телефон", "домашний телефон", "другой телефон", "phone")]
        parsed = parsed.with_columns(pl.coalesce("phone", *(frame[h] for h in others)).alias("phone"))
    issues = _issues(frame, parsed, present, kind, raw.name)
    rejected_rows = issues.filter(pl.col("action") == REJECTED)["row"].unique()
    rows = parsed.filter(~pl.col(ROW).is_in(rejected_rows.implode()))

    stages, stage_column = None, None
    for column in ("stage", "meeting_status"):
        if column in present and kind in ("leads", "meetings"):
            stages = stage_values(frame, present[column], step_maps.get(column))
            step_maps = {**step_maps, column: dict(zip(stages["value"], stages["step"], strict=True))}
            stage_column = column
            break

    if any(present.get(name) is None for name in REQUIRED[kind]):
        # Every row is already rejected for the unmapped column; there is nothing to build.
        produced = ("leads", "meetings", "payments") if kind == "leads" else (kind,)
        tables = {name: schema.empty(name) for name in produced}
    elif kind == "leads":
        tables = _leads_tables(rows, set(present), step_maps)
    elif kind == "meetings":
        rank = _funnel_rank(set(present), step_maps)
        flag = lambda name: _flag(name, set(present))  # noqa: E731
        tables = {"meetings": rows.with_columns(
            (flag("confirmed") | (rank >= STEPS.index("confirmed"))).alias("confirmed"),
            (flag("held") | (rank >= STEPS.index("held"))).alias("held"),
        )}
    else:
        tables = {kind: rows}
    tables = {name: schema.conform(t, name) for name, t in tables.items()}
    samples = {h: raw.frame[h].drop_nulls().head(1000).unique(maintain_order=True).head(3).to_list()
               for h in raw.headers}
    return FileImport(raw.name, raw.format, kind, dict(mapping), raw.rows, tables, issues, stages, stage_column,
                      samples)
