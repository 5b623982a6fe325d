"""Turn a recognised file into canonical rows, accounting for every row: imported, skipped or rejected, with the reason.

A row is rejected when a required value is empty, not understood or implausible; an optional value that is not
understood is left empty and reported, and the row is kept. A row that is fine but is not a record of its own — another
leg of the same call, a call that reached nobody — is skipped and reported. Nothing is dropped silently:
imported + skipped + rejected = rows in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from analytics import schema
from analytics.frames import aligned
from analytics.importing import reading, values
from analytics.importing.mapping import CALL_ENDS, DATETIME_FIELDS, REQUIRED, FileKind
from analytics.importing.reading import ROW, RawFile
from analytics.importing.report import ISSUE_SCHEMA, NOTED, REJECTED, SKIPPED, VALUE_IGNORED

__all__ = ["ISSUE_SCHEMA", "NOT_SET", "REJECTED", "SKIPPED", "STEPS", "VALUE_IGNORED", "FileImport", "Step", "convert",
           "guess_step", "stage_values"]

Step = Literal["none", "booked", "confirmed", "held", "paid"]
STEPS: tuple[Step, ...] = ("none", "booked", "confirmed", "held", "paid")
NOT_SET = "не указан / not set"  # the employee of leads from a file with no responsible person (never guessed)

_EXTENSION = r"^(\d{2,5})$"
_CHANNEL_EXTENSION = r"(?i)^(?:sip|pjsip|iax2|local|dahdi|sccp|skinny|h323|mgcp|unistim|webrtc)/(\d{2,5})(?:[-@;/].*)?$"


def guess_step(label: str) -> Step:
    """The furthest funnel step a stage or meeting status implies, guessed from its words (the user can correct)."""
    text = label.lower().replace("ё", "е")
    if any(w in text for w in ("не подтвержд", "не провед", "не состоял", "не приш", "неявк", "no-show", "no show",
                               "отмен", "перенес", "cancel")):
        return "booked"
    if any(w in text for w in ("не реализ", "отказ", "lost", "lose", "проигр", "нецелев", "junk")):
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

    Only the rows `fast` cannot read are given to `full`, which keeps millions of rows quick. `plausible` says
    whether a parsed value can be true; a value that cannot is reported with `implausible`.
    """

    fast: Callable[[pl.Expr], pl.Expr]
    full: Callable[[pl.Expr], pl.Expr]
    described: str
    plausible: Callable[[pl.Expr], pl.Expr] | None = None
    implausible: str = ""
    # Quicker still than `fast`, for the column's main spelling only: where it gives a value, `fast` gives the same.
    quick: tuple[Callable[[pl.Expr], pl.Expr], ...] = ()


def parser_for(name: str, column: pl.Series) -> Parser:
    if name in DATETIME_FIELDS:
        spellings = values.formats_in(column)
        return Parser(spellings.parse, lambda e: values.datetime_(e, epoch=spellings.epoch), "not a date",
                      values.plausible_date, values.implausible_date_reason(), spellings.quick())
    if name == "duration_s":
        clock, plain = values.duration_spellings(column)
        return Parser(lambda e: values.duration_seconds_fast(e, clock, plain), values.duration_seconds,
                      "not a duration (seconds, MM:SS or HH:MM:SS)", values.plausible_duration,
                      values.IMPLAUSIBLE_DURATION)
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


def _parse(frame: pl.DataFrame, name: str, header: str, parser: Parser) -> pl.Series:
    """One column parsed: the fast parser everywhere, the full one on what the fast one could not read."""
    column = frame[header]
    if reading.FAST_PATH and column.null_count() == column.len():  # an unused column of the export: no value to read
        nothing = pl.select(parser.full(pl.lit(None, pl.String)).alias(name)).to_series()
        if nothing.is_null().all():
            return pl.repeat(None, column.len(), dtype=nothing.dtype, eager=True).alias(name)
    # A column the parser would give back as it is, is taken as it is: no copy of 2 M texts.
    unchanged = _UNCHANGED.get(parser.full)
    if reading.FAST_PATH and unchanged is not None and unchanged(column):
        return column.alias(name)
    # Few distinct values (flags, directions, stages): parse each once. A sample tells cheaply whether to look.
    sample = column.head(SAMPLE_ROWS)
    if (seen := sample.n_unique()) * 20 < min(frame.height, SAMPLE_ROWS):
        if reading.FAST_PATH and column.dtype == pl.String:
            # Each value's place among the distinct ones, then its parsed value: half the time of replace_strict,
            # and none of its 80 MB of scratch on 2 M rows. A handful of values (directions, flags, stages) are
            # all in the sample as a rule: the cast fails on a value the sample lacks, and only then are the 2 M
            # values made unique.
            places = _places(column, sample.unique().drop_nulls()) if seen <= FEW_VALUES else None
            if places is None and (distinct := column.unique().drop_nulls()).len() * 20 < frame.height:
                places = _places(column, distinct)
            if places is not None:
                distinct, at = places
                return pl.select(parser.full(pl.lit(distinct)).alias(name)).to_series().gather(at)
        elif (distinct := column.unique().drop_nulls()).len() * 20 < frame.height:  # no copy of the column
            lookup = distinct.to_frame("raw").with_columns(parser.full(pl.col("raw")).alias("parsed"))
            return column.replace_strict(lookup["raw"], lookup["parsed"], default=None).alias(name)
    # Lazy, so that subexpressions a parser uses twice are computed once.
    if parser.fast is parser.full:
        return frame.lazy().select(parser.full(pl.col(header)).alias(name)).collect().to_series()
    tiers = [*parser.quick, parser.fast] if reading.FAST_PATH else [parser.fast]
    parsed = frame.lazy().select(tiers[0](pl.col(header)).alias(name)).collect().to_series()
    for tier in tiers[1:]:
        # The rows the quicker parser did not read get the next one, as if they had been parsed so first.
        missed = (parsed.is_null() & column.is_not_null()).arg_true()
        if missed.is_empty():
            return parsed
        parsed = parsed.scatter(missed, pl.select(tier(pl.lit(column.gather(missed))).alias(name)).to_series())
    missed = (parsed.is_null() & column.is_not_null()).arg_true()
    if missed.is_empty():
        return parsed
    # What the fast parser missed gets every spelling, trimmed (padding may first appear deep in a big file).
    second = pl.select(parser.full(pl.lit(column.gather(missed).str.strip_chars())).alias(name)).to_series()
    return parsed.scatter(missed, second)


SAMPLE_ROWS = 20_000  # the first rows of a column, which tell whether it has few distinct values
FEW_VALUES = 64  # a column with no more distinct values than this in its sample is tried with those alone


def _places(column: pl.Series, distinct: pl.Series) -> tuple[pl.Series, pl.Series] | None:
    """The distinct values and each row's place among them (null where the row is null), or None when a value of
    the column is not among them."""
    if distinct.is_empty():
        return None
    try:
        return distinct, column.cast(pl.Enum(distinct)).to_physical()
    except pl.exceptions.InvalidOperationError:
        return None


_UNCHANGED: dict[Callable[[pl.Expr], pl.Expr], Callable[[pl.Series], bool]] = {
    values.blank: values.unchanged_by_blank, values.identifier: values.unchanged_by_identifier}


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
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # further columns of a coalesced field
    warnings: tuple[str, ...] = ()  # about the whole file, e.g. "no responsible person"
    guesses: tuple[str, ...] = ()  # what the importer inferred rather than read from a named column, and why
    encoding: str = ""

    def _rows(self, action: str) -> pl.Series:
        return self.issues.filter(pl.col("action") == action)["row"].unique()

    @property
    def rejected(self) -> int:
        return self._rows(REJECTED).len()

    @property
    def skipped(self) -> int:
        rejected = self._rows(REJECTED)
        return self._rows(SKIPPED).filter(~self._rows(SKIPPED).is_in(rejected.implode())).len()

    @property
    def imported(self) -> int:
        return self.rows_in_file - self.rejected - self.skipped


# ---- calls: who talked, to whom, which leg ------------------------------------------------------------------------

def _end(present: Mapping[str, str], name: str) -> pl.Expr:
    return values.blank(pl.col(present[name])) if name in present else pl.lit(None, pl.String)


def _call_ends(present: Mapping[str, str], named_as_is: bool = False) -> dict[str, pl.Expr]:
    """The employee, the client's number and the direction of a call from the ends a PBX log names.

    The employee is the named column (`Кто ответил`, `Answered by`) where filled; else the extension on the caller's
    side (its channel `SIP/205-…`, else a 2–5 digit number) — an outgoing call; else on the callee's side — an
    incoming one. A 6-digit DID in `dst` is not an extension: the agent is then found in `dstchannel`.
    `named_as_is`: the employee column has no placeholder for "nothing" (values.unchanged_by_blank).
    """
    def extension(number: str, channel: str) -> pl.Expr:
        return pl.coalesce(_end(present, channel).str.extract(_CHANNEL_EXTENSION, 1),
                           _end(present, number).str.strip_chars().str.extract(_EXTENSION, 1))

    caller, callee = extension("caller", "caller_channel"), extension("callee", "callee_channel")
    named = pl.col(present["employee"]) if named_as_is else values.blank(_end(present, "employee"))
    if named_as_is and not any(end in present for end in CALL_ENDS):  # no ends to look at: the column as it is
        return {"employee": named, "_phone_from_ends": pl.lit(None, pl.String),
                "_direction_from_ends": pl.lit(None, pl.String)}
    long_caller = pl.when(caller.is_null()).then(_end(present, "caller"))
    long_callee = pl.when(callee.is_null()).then(_end(present, "callee"))
    return {
        "employee": pl.coalesce(named, caller, callee),
        "_phone_from_ends": pl.coalesce(long_caller, long_callee),
        "_direction_from_ends": pl.when(named.is_null() & caller.is_not_null()).then(pl.lit("out"))
        .when(named.is_null() & callee.is_not_null()).then(pl.lit("in"))
        .when(caller.is_not_null() & callee.is_null()).then(pl.lit("out"))
        .when(callee.is_not_null() & caller.is_null()).then(pl.lit("in")),
    }


def _answered(present: Mapping[str, str]) -> pl.Expr:
    """Whether the PBX says the call was answered; null where the file has no disposition (talk time tells then)."""
    if "disposition" not in present:
        return pl.lit(None, pl.Boolean)
    text = pl.col(present["disposition"]).str.to_uppercase()
    no = text.str.contains("NO ANSWER|НЕ ОТВЕЧ|НЕОТВЕЧ|ПРОПУЩ|BUSY|FAILED|CONGESTION")
    return text.str.contains("ANSWER|ОТВЕЧ|ПРИНЯТ|УСПЕШ") & ~no


def _legs(rows: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Issues for the other legs of calls logged in several rows (ring groups, transfers): one call is kept as its
    leg with an agent, answered, longest — never simply the first leg."""
    ids = rows["call_id"].drop_nulls()  # one column, not the table: most files have no second leg at all
    if ids.is_empty() or _all_distinct(ids):
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    with_id = rows.filter(pl.col("call_id").is_not_null())
    ranked = with_id.sort(
        [pl.col("employee").is_not_null(), pl.col("_answered"), pl.col("duration_s").fill_null(0), pl.col(ROW)],
        descending=[True, True, True, False],
    )
    return _row_issues(ranked.filter(~pl.col("call_id").is_first_distinct()), file_name, None, pl.col("call_id"),
                       "another leg of the same call: the call is kept once, as its answered, longest leg", SKIPPED)


def _all_distinct(ids: pl.Series) -> bool:
    """Whether no id repeats. Counting 2 M distinct strings costs 0.3 s; ids are first told apart as integers when
    they are numbers, else by their 64-bit hashes (0.05 s for `sip-1`…`sip-2329639`): distinct integers or hashes
    come from distinct texts; equal ones (`01` and `1`, or a collision) are settled by the texts themselves."""
    if reading.FAST_PATH:
        numbers = ids.cast(pl.Int64, strict=False)
        if numbers.null_count() == ids.null_count() and numbers.n_unique() == ids.len():
            return True
        if ids.null_count() == 0 and ids.hash().n_unique() == ids.len():
            return True
    return ids.n_unique() == ids.len()


def _nobody(rows: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Calls no employee took (IVR, queue timeouts, missed) count for nobody: skipped, reported, not broken."""
    return _row_issues(rows.filter(pl.col("employee").is_null()), file_name, None, pl.lit(None, pl.String),
                       "the call reached no employee (IVR, queue or missed): it counts for nobody", SKIPPED)


def _row_issues(rows: pl.DataFrame, file_name: str, column: str | None, value: pl.Expr, reason: str,
                action: str) -> pl.DataFrame:
    """One issue per row of `rows` (already chosen by the caller), in the issue table's schema."""
    return rows.select(
        pl.lit(file_name).alias("file"), pl.col(ROW).alias("row"), pl.lit(column, pl.String).alias("column"),
        value.cast(pl.String).alias("value"), pl.lit(reason).alias("reason"), pl.lit(action).alias("action"),
    ).cast(ISSUE_SCHEMA)  # type: ignore[arg-type]


# ---- issues ------------------------------------------------------------------------------------------------------

def _issues(raw: pl.DataFrame, parsed: pl.DataFrame, mapping: Mapping[str, str], kind: FileKind,
            file_name: str, parsers: Mapping[str, Parser], soft: frozenset[str]) -> pl.DataFrame:
    """Every value of a mapped column that is empty where required, not understood, or implausible.

    Only the rows that can have an issue — a parsed value that is null, or implausible — are looked at closely, so a
    clean file of millions of rows costs a null check per column.
    """
    parts: list[pl.DataFrame] = []
    for name, header in mapping.items():
        parser = parsers[name]
        required = name in REQUIRED[kind] and name not in soft
        value = parsed[name]
        # An empty optional value is no issue: only a value that was there and not understood is looked at.
        suspect = value.is_null() if required or not reading.FAST_PATH else value.is_null() & raw[header].is_not_null()
        if parser.plausible is not None:
            suspect |= pl.select(parser.plausible(pl.lit(value)).not_().fill_null(False)).to_series()
        rows = suspect.arg_true()
        if rows.is_empty():
            continue
        look = pl.DataFrame({ROW: raw[ROW].gather(rows), "value": raw[header].gather(rows),
                             "_parsed": value.gather(rows)})
        text = values.blank(pl.col("value"))
        reason = (
            pl.when(text.is_null() & required).then(pl.lit(f"{name}: required value is empty"))
            .when(text.is_not_null() & pl.col("_parsed").is_null()).then(pl.lit(f"{name}: {parser.described}"))
        )
        if parser.plausible is not None:
            reason = reason.when(pl.col("_parsed").is_not_null() & ~parser.plausible(pl.col("_parsed"))).then(
                pl.lit(f"{name}: {parser.implausible}"))
        parts.append(look.select(
            pl.lit(file_name).alias("file"), pl.col(ROW).alias("row"), pl.lit(header).alias("column"),
            "value", reason.alias("reason"), pl.lit(REJECTED if required else VALUE_IGNORED).alias("action"),
        ).filter(pl.col("reason").is_not_null()))
    for name in REQUIRED[kind]:
        if mapping.get(name) is None and name not in soft:
            parts.append(raw.select(
                pl.lit(file_name).alias("file"), pl.col(ROW).alias("row"), pl.lit(None, pl.String).alias("column"),
                pl.lit(None, pl.String).alias("value"),
                pl.lit(f"{name}: no column is mapped to this required field").alias("reason"),
                pl.lit(REJECTED).alias("action"),
            ))
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    long = pl.col("value").str.len_chars() > 200  # a megabyte-long cell must not blow up the report
    return pl.concat(parts).with_columns(
        pl.when(long).then(pl.col("value").str.slice(0, 200) + pl.lit("…")).otherwise(pl.col("value")).alias("value")
    ).cast(ISSUE_SCHEMA)  # type: ignore[arg-type]


def _refunds(rows: pl.DataFrame, header: str, file_name: str) -> pl.DataFrame:
    """A negative amount is a refund: it is kept (it lowers revenue) and pointed out."""
    return _row_issues(rows.filter(pl.col("amount") < 0), file_name, header, pl.col("amount"),
                       "amount: a negative amount, kept as a refund", NOTED)


# ---- deals and meetings ------------------------------------------------------------------------------------------

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
    counts = frame.group_by(pl.col(header).alias("value")).len("rows").drop_nulls("value").sort(
        "rows", "value", descending=[True, False])  # ties by name: the same order on every import
    steps = [saved.get(v, guess_step(v)) for v in counts["value"].to_list()]
    return counts.with_columns(pl.Series("step", steps, dtype=pl.String))


def _leads_tables(rows: pl.DataFrame, mapped: set[str],
                  step_maps: Mapping[str, Mapping[str, Step]]) -> dict[schema.TableName, pl.DataFrame]:
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


def conformed(frame: pl.DataFrame, table: schema.TableName) -> pl.DataFrame:
    """schema.conform, but a column that has its type already is taken as it is: Polars copies a text column cast
    to text (95 MB for 2 M calls)."""
    spec = schema.TABLE_BY_NAME[table]
    if not reading.FAST_PATH or any(c not in frame.columns for c in spec.required):
        return schema.conform(frame, table)  # (which also says which required column is missing)
    return aligned(frame.select(
        pl.col(c.name) if frame.schema.get(c.name) == c.dtype
        else (pl.col(c.name) if c.name in frame.columns else pl.lit(None)).cast(c.dtype).alias(c.name)
        for c in spec.columns
    ))


# ---- one file ----------------------------------------------------------------------------------------------------

def _guesses(kind: FileKind, present: Mapping[str, str], extra: Mapping[str, tuple[str, ...]],
             by_content: frozenset[str], legs: int) -> tuple[str, ...]:
    """Plain sentences for the Data page: what was inferred, from which columns."""
    said = [f"{name}: column “{present[name]}” chosen by its values (no header names it)"
            for name in sorted(by_content) if name in present]
    said += [f"{name}: “{present[name]}”, where empty then " + ", then ".join(f"“{h}”" for h in headers)
             + ", row by row" for name, headers in extra.items() if headers]
    if kind == "calls":
        ends = [present[e] for e in CALL_ENDS if e in present]
        if ends and "employee" not in present:
            said.append("employee: the extension (2–5 digits) on the caller's or callee's side — "
                        + ", ".join(f"“{h}”" for h in ends) + "; a call on the caller's side is outgoing")
        elif ends:
            said.append(f"employee: “{present['employee']}”, where empty the extension in "
                        + ", ".join(f"“{h}”" for h in ends))
        if ends and "phone" not in present:
            said.append("phone: the far end of the call (the number that is not an extension)")
        if legs:
            said.append(f"call_id: {legs} row(s) are further legs of calls already counted — each call is kept once, "
                        f"as its answered, longest leg")
    if kind == "leads" and "employee" not in present:
        said.append(f"employee: no column names the responsible person — every lead is “{NOT_SET}”")
    return tuple(said)


def convert(
    raw: RawFile,
    kind: FileKind,
    mapping: Mapping[str, str | None],
    step_maps: Mapping[str, Mapping[str, Step]] | None = None,
    fallbacks: Mapping[str, tuple[str, ...]] | None = None,
    by_content: frozenset[str] = frozenset(),
) -> FileImport:
    """Map, parse and validate one file; the result accounts for every row of it."""
    step_maps = step_maps or {}
    frame = raw.frame
    present = {name: header for name, header in mapping.items() if header is not None and header in frame.columns}
    extra = {name: tuple(h for h in headers if h in frame.columns) for name, headers in (fallbacks or {}).items()
             if name in present}
    warnings: list[str] = []
    soft: set[str] = set()
    ends = {n: h for n, h in present.items() if n in (*CALL_ENDS, "disposition")}
    fields = {n: h for n, h in present.items() if n not in ends}
    if kind == "calls":
        soft.add("employee")  # a call nobody took is skipped, not rejected
        fields.pop("employee", None)
    if kind == "leads" and "employee" not in present:
        soft.add("employee")
        warnings.append(f"{raw.name}: no column names the responsible person; the leads are imported with the "
                        f"employee “{NOT_SET}” — sources can be compared, people cannot")

    parsers = {n: parser_for(n, frame[h]) for n, h in fields.items()}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="parse") as parsing:
        columns = list(parsing.map(lambda field: _parse(frame, field[0], field[1], parsers[field[0]]), fields.items()))
    parsed = frame.select(ROW).with_columns(columns)
    issues = _issues(frame, parsed, fields, kind, raw.name, parsers, frozenset(soft))
    for name, headers in extra.items():  # the further columns of a field fill its gaps, row by row
        more = [_parse(frame, name, h, parsers[name]).alias(f"_{i}") for i, h in enumerate(headers)]
        parsed = parsed.with_columns(pl.coalesce(pl.col(name), *more).alias(name))
    plausible = [pl.when(p.plausible(pl.col(n))).then(pl.col(n)).alias(n) for n, p in parsers.items() if p.plausible]
    parsed = parsed.with_columns(plausible)

    if kind == "calls":
        named_as_is = reading.FAST_PATH and "employee" in present and \
            values.unchanged_by_blank(frame[present["employee"]])
        no_ends = named_as_is and not any(end in present for end in CALL_ENDS)
        derived = frame.select(ROW, **_call_ends(present, named_as_is), _said_answered=_answered(present)).drop(ROW)
        own = lambda name: [pl.col(name)] if name in parsed.columns else []  # noqa: E731
        parsed = pl.concat([parsed, derived], how="horizontal").with_columns(
            pl.coalesce(*own(name), f"_{name}_from_ends").alias(name) for name in ("phone", "direction")
            if not (no_ends and name in parsed.columns))  # with no ends, the file's own column as it is
        if "duration_s" in present:  # an unanswered call has an empty talk time: a call of 0 s, not a broken row
            empty = frame.select(values.blank(pl.col(present["duration_s"])).is_null()).to_series()
            if empty.any() or not reading.FAST_PATH:
                parsed = parsed.with_columns(
                    pl.when(empty).then(pl.lit(0, pl.Int64)).otherwise(pl.col("duration_s")).alias("duration_s"))
            parsed = parsed.with_columns(
                pl.coalesce("_said_answered", pl.col("duration_s").fill_null(0) > 0).alias("_answered"))
            issues = issues.filter(pl.col("reason") != "duration_s: required value is empty")
    if kind == "leads" and "employee" not in present:
        parsed = parsed.with_columns(pl.lit(NOT_SET).alias("employee"))

    rejected_rows = issues.filter(pl.col("action") == REJECTED)["row"].unique()
    rows = parsed.filter(~pl.col(ROW).is_in(rejected_rows.implode())) if rejected_rows.len() else parsed
    legs = pl.DataFrame(schema=ISSUE_SCHEMA)
    if kind == "calls":
        legs = _legs(rows, raw.name) if {"call_id", "_answered"} <= set(rows.columns) else \
            pl.DataFrame(schema=ISSUE_SCHEMA)
        if legs.height or not reading.FAST_PATH:  # each filter copies the table: only when it removes rows
            rows = rows.filter(~pl.col(ROW).is_in(legs["row"].implode()))
        nobody = _nobody(rows, raw.name)
        if nobody.height or not reading.FAST_PATH:
            rows = rows.filter(pl.col("employee").is_not_null())
        issues = pl.concat([issues, legs, nobody])
    if "amount" in rows.columns:
        issues = pl.concat([issues, _refunds(rows, present["amount"], raw.name)])
    issues = pl.concat([raw.notes.with_columns(pl.lit(raw.name).alias("file")).cast(ISSUE_SCHEMA), issues]).sort(
        "row", "column", nulls_last=True)

    stages, stage_column = None, None
    for column in ("stage", "meeting_status"):
        if column in present and kind in ("leads", "meetings"):
            stages = stage_values(frame, present[column], step_maps.get(column))
            step_maps = {**step_maps, column: dict(zip(stages["value"], stages["step"], strict=True))}
            stage_column = column
            break

    unmapped = [n for n in REQUIRED[kind] if n not in present and n not in soft]
    if kind == "calls" and "employee" not in present and not ends:
        unmapped.append("employee")
    tables: dict[schema.TableName, pl.DataFrame]
    if unmapped:
        # Every row is already rejected for the unmapped column; there is nothing to build.
        produced: tuple[schema.TableName, ...] = ("leads", "meetings", "payments") if kind == "leads" else (kind,)
        tables = {name: schema.empty(name) for name in produced}
    elif kind == "leads":
        tables = _leads_tables(rows, set(present) | {"employee"}, step_maps)
    elif kind == "meetings":
        rank = _funnel_rank(set(present), step_maps)
        flag = lambda name: _flag(name, set(present))  # noqa: E731
        tables = {"meetings": rows.with_columns(
            (flag("confirmed") | (rank >= STEPS.index("confirmed"))).alias("confirmed"),
            (flag("held") | (rank >= STEPS.index("held"))).alias("held"),
        )}
    else:
        tables = {kind: rows}
    tables = {name: conformed(t, name) for name, t in tables.items()}
    samples = {h: [str(v) for v in raw.frame[h].drop_nulls().head(1000).unique(maintain_order=True).head(3).to_list()]
               for h in raw.headers}
    guesses = _guesses(kind, present, extra, by_content, legs.height)
    return FileImport(raw.name, raw.format, kind, dict(mapping), raw.rows, tables, issues, stages, stage_column,
                      samples, dict(extra), tuple(warnings), guesses, raw.encoding)
