"""Parsing the values real exports contain, as Polars expressions over text columns, and the rules of plausibility.

Each parser returns null for a value it does not understand; the converter compares that with the raw text to report
the row and column of every value that was not understood. A value that parses but cannot be true (a call of 3 years,
a deal dated 0017) is caught by the plausibility checks below and reported with its own reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from analytics.schema import DATETIME

# Two-digit years first: `%Y` would read `24/08/17` as the year 17, `%y` cannot read a four-digit year.
DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    "%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M", "%d.%m.%y",
    "%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
)
# Values that mean "no date" in CRM exports (amoCRM writes `не закрыта` for an open deal); `NULL` comes from SQL dumps.
# "nan" is not among them: in any spelling it is a value that is not understood (a talk time of NaN is no call).
EMPTY_WORDS = ("не закрыта", "не закрыто", "нет даты", "-", "—", "n/a", "null", "none")

TRUE_WORDS = (
    "да", "yes", "y", "true", "1", "✓", "✔", "+", "v", "x", "истина", "целевой", "целевая", "целевое", "target",
    "подтверждена", "подтверждено", "проведена", "проведено", "состоялась",
)
FALSE_WORDS = (
    "нет", "no", "n", "false", "0", "✗", "✘", "-", "ложь", "нецелевой", "нецелевая", "нецелевое", "non-target",
    "nontarget", "not target", "не целевой", "не подтверждена", "не проведена", "не состоялась",
)
EXCEL_EPOCH_DAYS = 25569  # 1970-01-01 as an Excel serial date
EPOCH_ZONE = "Europe/Moscow"  # epoch seconds (Mango's API) become the wall-clock time of Russian PBX providers

# Plausibility (README, "What a value may be"): a call lasts at most a day; dates lie between 2000 and a year ahead.
MAX_CALL_SECONDS = 24 * 3600
FIRST_DATE = date(2000, 1, 1)


def last_date() -> date:
    """The latest plausible date: a year after today (meetings are booked ahead, nothing further)."""
    return date.today() + timedelta(days=366)


_EMPTY_SPELLINGS = tuple({f(w) for w in EMPTY_WORDS for f in (str.lower, str.capitalize, str.upper)} | {""})
_ISO_OFFSET = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}:?\d{2})$"


def blank(expr: pl.Expr) -> pl.Expr:
    """Text with CRM placeholders for "nothing" turned into null (cells arrive trimmed from reading.py)."""
    text = expr.cast(pl.String)
    return pl.when(text.is_in(_EMPTY_SPELLINGS)).then(None).otherwise(text)


def unchanged_by_blank(column: pl.Series) -> bool:
    """Whether `blank` would give the column back as it is: text with no placeholder for "nothing" in it."""
    return column.dtype == pl.String and not column.is_in(_EMPTY_SPELLINGS).any()


def unchanged_by_identifier(column: pl.Series) -> bool:
    """Whether `identifier` would give the column back as it is (no placeholder, no spreadsheet `.0`)."""
    return unchanged_by_blank(column) and not column.str.ends_with(".0").any()


def _date_text(expr: pl.Expr, offsets: bool = True) -> pl.Expr:
    """ISO-8601 with `Z` or an offset keeps its wall-clock time: times are local and never converted (SPEC §2).
    The regular expression costs a second on 2 M rows, so a column without offsets is spared it."""
    text = blank(expr)
    return text.str.replace(_ISO_OFFSET, "$1") if offsets else text


def _excel_serial(text: pl.Expr) -> pl.Expr:
    serial = text.str.replace(",", ".").cast(pl.Float64, strict=False)
    return pl.when(serial.is_between(20_000, 80_000)).then(
        ((serial - EXCEL_EPOCH_DAYS) * 86_400_000_000).round(0).cast(pl.Int64, strict=False).cast(DATETIME)
    )


def _epoch_seconds(text: pl.Expr) -> pl.Expr:
    seconds = pl.when(text.str.contains(r"^\d{10}$")).then(text.cast(pl.Int64, strict=False))
    return (pl.from_epoch(seconds, "s").dt.replace_time_zone("UTC").dt.convert_time_zone(EPOCH_ZONE)
            .dt.replace_time_zone(None).cast(DATETIME))


def datetime_(expr: pl.Expr, formats: tuple[str, ...] = DATETIME_FORMATS, serial: bool = True,
              epoch: bool = False, offsets: bool = True) -> pl.Expr:
    """Dates in any of the given formats (default: all that exports use), as Excel serial numbers, or (when the
    column holds them) as epoch seconds. Formats may mix in one column; trying fewer is faster: see `formats_in`."""
    text = _date_text(expr, offsets)
    # A sample with no date in it leaves no format to try: one attempt keeps the column's shape (all null).
    attempts = [text.str.strptime(DATETIME, fmt, strict=False, exact=True) for fmt in formats or DATETIME_FORMATS[:1]]
    if serial:
        attempts.append(_excel_serial(text))
    if epoch:
        attempts.append(_epoch_seconds(text))
    return pl.coalesce(*attempts) if len(attempts) > 1 else attempts[0]


@dataclass(frozen=True)
class DateSpellings:
    """How a column writes its dates, judged on a sample: the fewest formats that read the sample (most frequent
    first), and whether Excel serials, epoch seconds or ISO offsets occur."""

    formats: tuple[str, ...]
    serial: bool
    epoch: bool
    offsets: bool

    def parse(self, expr: pl.Expr) -> pl.Expr:
        return datetime_(expr, self.formats, self.serial, self.epoch, self.offsets)

    def quick(self) -> tuple[Callable[[pl.Expr], pl.Expr], ...]:
        """Quicker readings of the column's first format where Polars' own is slow, to try in turn, each on the rows
        the one before left: a fraction of zeros (what exports write), then any six digits (see `fixed_fraction`)."""
        if not self.formats or self.formats[0] not in _FRACTION_FORMATS:
            return ()
        base, offsets = _FRACTION_FORMATS[self.formats[0]], self.offsets
        return (lambda expr: _date_text(expr, offsets).str.strptime(DATETIME, base + ".000000", strict=False,
                                                                     exact=True, cache=False),
                lambda expr: fixed_fraction(_date_text(expr, offsets), base))


# Formats with a fraction of a second: `%.f` sends Polars to its general parser (0.25 µs a value, 0.5 s for 2 M
# calls); the 19 characters before the fraction have a fixed width, which its fast parser reads 6 times quicker.
_FRACTION_FORMATS = {"%Y-%m-%d %H:%M:%S%.f": "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f": "%Y-%m-%dT%H:%M:%S"}
_FRACTION_FROM = 19


def fixed_fraction(text: pl.Expr, base: str) -> pl.Expr:
    """`2025-01-31T09:00:00.123456` read as `base` plus microseconds: the stamp with no fraction or with exactly six
    digits; null for any other value, which the caller then reads with the general format (`base` + `%.f`)."""
    stamp = text.str.slice(0, _FRACTION_FROM).str.strptime(DATETIME, base, strict=False, exact=True, cache=False)
    digits = text.str.slice(_FRACTION_FROM + 1)
    width = text.str.len_bytes()
    micros = (
        pl.when(width == _FRACTION_FROM).then(pl.lit(0, pl.UInt32))
        .when((width == _FRACTION_FROM + 7) & (text.str.slice(_FRACTION_FROM, 1) == ".") & ~digits.str.starts_with("+"))
        .then(digits.cast(pl.UInt32, strict=False))  # no sign, no space: six digits or null
    )
    return (stamp.cast(pl.Int64) + micros.cast(pl.Int64)).cast(DATETIME)


def formats_in(column: pl.Series, sample: int = 2000) -> DateSpellings:
    values = pl.DataFrame({"raw": column.drop_nulls().head(sample)}).select(
        blank(pl.col("raw")).alias("raw"), _date_text(pl.col("raw")).alias("v")).drop_nulls("v")
    parsed = values.select(
        *(pl.col("v").str.strptime(DATETIME, f, strict=False, exact=True).is_not_null().alias(f)
          for f in DATETIME_FORMATS),
        _excel_serial(pl.col("v")).is_not_null().alias("serial"),
        pl.col("v").str.contains(r"^\d{10}$").alias("epoch"),
        (pl.col("raw") != pl.col("v")).alias("offsets"),
    )
    serial, offsets = bool(parsed["serial"].any()), bool(parsed["offsets"].any())
    epoch = values.height > 0 and bool(parsed["epoch"].all())
    # Greedy cover: the format that reads most of the sample, then what reads most of the rest, …
    chosen: list[str] = []
    left = parsed.select(DATETIME_FORMATS)
    while left.height:
        counts = left.sum().row(0, named=True)
        best = max(DATETIME_FORMATS, key=lambda f: (counts[f], -DATETIME_FORMATS.index(f)))
        if counts[best] == 0:
            break
        chosen.append(best)
        left = left.filter(~pl.col(best))
    return DateSpellings(tuple(chosen), serial, epoch, offsets)


def plausible_date(parsed: pl.Expr) -> pl.Expr:
    return parsed.is_between(datetime.combine(FIRST_DATE, datetime.min.time()),
                             datetime.combine(last_date(), datetime.max.time()))


def implausible_date_reason() -> str:
    return f"the date is outside {FIRST_DATE:%d.%m.%Y} … {last_date():%d.%m.%Y}"


def duration_seconds_fast(expr: pl.Expr, clock: bool = True, plain: bool = True) -> pl.Expr:
    """The common spellings of talk time only — whole seconds and `HH:MM:SS` under a day — read quickly; a column
    that (judged on a sample) uses only one of them is spared the other."""
    text = blank(expr)
    attempts = []
    if clock:
        attempts.append(text.str.strptime(pl.Time, "%H:%M:%S", strict=False).cast(pl.Int64) // 1_000_000_000)
    if plain or not attempts:
        attempts.append(text.cast(pl.Int64, strict=False))
    seconds = pl.coalesce(*attempts) if len(attempts) > 1 else attempts[0]
    return pl.when(seconds >= 0).then(seconds)


def duration_spellings(column: pl.Series, sample: int = 2000) -> tuple[bool, bool]:
    """Whether a sample of a duration column has `HH:MM:SS` values, and whether it has plain numbers."""
    head = column.drop_nulls().head(sample)
    return bool(head.str.contains(":").any()), bool((~head.str.contains(":")).any())


def duration_seconds(expr: pl.Expr) -> pl.Expr:
    """Talk time as seconds: `75`, `75.0`, `01:15`, `00:01:15`, `25:00:00`. Minutes and seconds of a clock must be
    below 60 (`00:99:99` is not a duration); `NaN`, `inf` and numbers beyond any integer are not either."""
    text = blank(expr).str.strip_chars()
    parts = text.str.split_exact(":", 2)
    part = lambda i: parts.struct.field(f"field_{i}").cast(pl.Int64, strict=False)  # noqa: E731
    number = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    plain = pl.when(number.is_finite() & (number.abs() < 1e15)).then(number.round(0)).cast(pl.Int64, strict=False)
    has_colon = parts.struct.field("field_1").is_not_null()
    clock_ok = (part(1) < 60) & (part(2) < 60)
    seconds = (
        pl.when(parts.struct.field("field_2").is_not_null())
        .then(pl.when(clock_ok).then(part(0) * 3600 + part(1) * 60 + part(2)))
        .when(has_colon).then(pl.when(part(1) < 60).then(part(0) * 60 + part(1)))
        .otherwise(plain)
    )
    return pl.when(seconds >= 0).then(seconds)


def plausible_duration(parsed: pl.Expr) -> pl.Expr:
    return parsed <= MAX_CALL_SECONDS


IMPLAUSIBLE_DURATION = "a call longer than 24 hours is not a real call"


def boolean(expr: pl.Expr) -> pl.Expr:
    """`Да/Нет`, `yes/no`, `true/false`, `1/0`, `✓`, `Целевой/Нецелевой`, `Y/N` → true/false; anything else null."""
    text = blank(expr).str.to_lowercase().str.replace_all("ё", "е", literal=True)
    return pl.when(text.is_in(TRUE_WORDS)).then(True).when(text.is_in(FALSE_WORDS)).then(False)


def money(expr: pl.Expr) -> pl.Expr:
    """`1 234,50 ₽`, `1234.5`, `1,234.50 руб.`, `1 234,5` → a finite number; NaN and infinity are not money."""
    text = blank(expr).str.replace_all(r"[\s\u00a0\u202f₽$€]|руб\.?|rub|р\.", "")
    # A comma followed by one or two digits at the end is a decimal comma; other commas group thousands.
    text = text.str.replace(r",(\d{1,2})$", ".$1").str.replace_all(",", "")
    amount = text.cast(pl.Float64, strict=False)
    return pl.when(amount.is_finite()).then(amount)


def identifier(expr: pl.Expr) -> pl.Expr:
    """Ids as text; `12345.0` from a spreadsheet number becomes `12345`."""
    return blank(expr).str.strip_suffix(".0")
