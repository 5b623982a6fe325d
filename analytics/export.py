"""Tables out of the app and the CLI: CSV and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import io
import re

import polars as pl

# A text cell is run as a formula by spreadsheets (CSV/formula injection) when its first non-blank character,
# after any spaces and quotes, is one of `= + - @`, or when it starts with a tab or a carriage return.
FORMULA = r"""^(?:[\t\r]|[\s"']*[=+\-@])"""
# Fields that must be quoted: Excel in a Russian locale splits CSV on `;`, other locales on `,`.
NEEDS_QUOTES = r"""[,;"\r\n]"""
# Excel refuses these in a sheet name, a name over 31 characters, an empty one, and one starting or ending with `'`.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_MAX = 31
DEFAULT_SHEET = "data"


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c, dtype in frame.schema.items()
            if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)]


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe; numbers stay numbers."""
    texts = _text_columns(frame)
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.String).str.contains(FORMULA))
        .then(pl.lit("'") + pl.col(c).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in texts
    )


def _quoted(value: pl.Expr) -> pl.Expr:
    """`"…"` with inner quotes doubled, for a field holding a separator, a quote or a line break."""
    return pl.when(value.str.contains(NEEDS_QUOTES)).then(
        pl.lit('"') + value.str.replace_all('"', '""', literal=True) + pl.lit('"')).otherwise(value)


def _quote_header(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if re.search(NEEDS_QUOTES, name) else name


def to_csv(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM (so that Excel opens Cyrillic text correctly), comma-separated, and every field that holds
    `,` `;` `"` or a line break quoted, so that no locale's Excel splits it. Numbers are written as numbers."""
    safe = neutralise(frame)
    safe = safe.with_columns(_quoted(pl.col(c)).alias(c) for c in _text_columns(safe))
    header = ",".join(_quote_header(c) for c in safe.columns) + "\n"
    body = safe.write_csv(include_header=False, quote_style="never") if safe.width else ""
    return b"\xef\xbb\xbf" + (header + body).encode("utf-8")


def sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: no `[]:*?/\\`, no quote at either end, 1 to 31 characters."""
    cleaned = SHEET_FORBIDDEN.sub("", str(name)).strip().strip("'").strip()[:SHEET_MAX].strip().strip("'")
    if not cleaned or cleaned.lower() == "history":  # "History" is reserved by Excel
        return DEFAULT_SHEET
    return cleaned


def to_xlsx(frame: pl.DataFrame, sheet: str = DEFAULT_SHEET) -> bytes:
    buffer = io.BytesIO()
    neutralise(frame).write_excel(buffer, worksheet=sheet_name(sheet), autofit=True)
    return buffer.getvalue()
