"""Parsing the values real exports contain, as Polars expressions over text columns.

Each parser returns null for a value it does not understand; the converter compares that with the raw text
to report the row and column of every value that was not understood.
"""

from __future__ import annotations

import polars as pl

from analytics.schema import DATETIME

DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%d", "%d.%m.%y %H:%M", "%d.%m.%y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
)
# Values that mean "no date" in CRM exports (amoCRM writes `не закрыта` for an open deal).
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


_EMPTY_SPELLINGS = tuple({f(w) for w in EMPTY_WORDS for f in (str.lower, str.capitalize, str.upper)} | {""})


def blank(expr: pl.Expr) -> pl.Expr:
    """Text with CRM placeholders for "nothing" turned into null (cells arrive trimmed from reading.py)."""
    text = expr.cast(pl.String)
    return pl.when(text.is_in(_EMPTY_SPELLINGS)).then(None).otherwise(text)


def _excel_serial(text: pl.Expr) -> pl.Expr:
    serial = text.str.replace(",", ".").cast(pl.Float64, strict=False)
    return pl.when(serial.is_between(20_000, 80_000)).then(
        ((serial - EXCEL_EPOCH_DAYS) * 86_400_000_000).round(0).cast(pl.Int64).cast(DATETIME)
    )


def datetime_(expr: pl.Expr, formats: tuple[str, ...] = DATETIME_FORMATS, serial: bool = True) -> pl.Expr:
    """Dates in any of the given formats (default: all that exports use) or as Excel serial numbers.

    Formats may mix in one column. Trying fewer formats is much faster: see `formats_in`.
    """
    text = blank(expr)
    # A sample with no date in it leaves no format to try: one attempt keeps the column's shape (all null).
    attempts = [text.str.strptime(DATETIME, fmt, strict=False, exact=True) for fmt in formats or DATETIME_FORMATS[:1]]
    if serial:
        attempts.append(_excel_serial(text))
    return pl.coalesce(*attempts) if len(attempts) > 1 else attempts[0]


def formats_in(column: pl.Series, sample: int = 2000) -> tuple[tuple[str, ...], bool]:
    """The date formats (most frequent first) and whether Excel serials occur, judged on a sample of the column."""
    values = pl.DataFrame({"v": column.drop_nulls().head(sample)})
    counts = values.select(
        *(pl.col("v").str.strptime(DATETIME, f, strict=False, exact=True).is_not_null().sum().alias(f)
          for f in DATETIME_FORMATS),
        _excel_serial(pl.col("v")).is_not_null().sum().alias("serial"),
    ).row(0, named=True)
    serial = counts.pop("serial") > 0
    found = tuple(f for f, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n > 0)
    return found, serial


def duration_seconds_fast(expr: pl.Expr) -> pl.Expr:
    """The common spellings of talk time only — whole seconds and `HH:MM:SS` under a day — read quickly."""
    text = blank(expr)
    clock = text.str.strptime(pl.Time, "%H:%M:%S", strict=False).cast(pl.Int64) // 1_000_000_000
    seconds = pl.coalesce(clock, text.cast(pl.Int64, strict=False))
    return pl.when(seconds >= 0).then(seconds)


def duration_seconds(expr: pl.Expr) -> pl.Expr:
    """Talk time as seconds: `75`, `75.0`, `01:15`, `00:01:15`, `25:00:00`."""
    text = blank(expr)
    parts = text.str.split_exact(":", 2)
    part = lambda i: parts.struct.field(f"field_{i}").cast(pl.Int64, strict=False)  # noqa: E731
    plain = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False).round(0).cast(pl.Int64)
    has_colon = parts.struct.field("field_1").is_not_null()
    seconds = (
        pl.when(parts.struct.field("field_2").is_not_null()).then(part(0) * 3600 + part(1) * 60 + part(2))
        .when(has_colon).then(part(0) * 60 + part(1))
        .otherwise(plain)
    )
    return pl.when(seconds >= 0).then(seconds)


def boolean(expr: pl.Expr) -> pl.Expr:
    """`Да/Нет`, `yes/no`, `true/false`, `1/0`, `✓`, `Целевой/Нецелевой` → true/false; anything else null."""
    text = blank(expr).str.to_lowercase().str.replace_all("ё", "е", literal=True)
    return pl.when(text.is_in(TRUE_WORDS)).then(True).when(text.is_in(FALSE_WORDS)).then(False)


def money(expr: pl.Expr) -> pl.Expr:
    """`1 234,50 ₽`, `1234.5`, `1,234.50 руб.` → 1234.5."""
    text = blank(expr).str.replace_all(r"[\s\u00a0\u202f₽$€]|руб\.?|rub|р\.", "")
    # A comma followed by exactly two digits at the end is a decimal comma; other commas group thousands.
    text = text.str.replace(r",(\d{1,2})$", ".$1").str.replace_all(",", "")
    return text.cast(pl.Float64, strict=False)


def identifier(expr: pl.Expr) -> pl.Expr:
    """Ids as text; `12345.0` from a spreadsheet number becomes `12345`."""
    return blank(expr).str.strip_suffix(".0")
