"""Tables out of the app and the CLI: CSV and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import io

import polars as pl

# A cell starting with one of these is run as a formula by spreadsheets (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe; numbers stay numbers."""
    pattern = "^[" + "".join("\\" + c if c in "-+=" else c for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


def to_csv(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel opens Cyrillic text correctly."""
    return b"\xef\xbb\xbf" + neutralise(frame).write_csv().encode("utf-8")


def to_xlsx(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    neutralise(frame).write_excel(buffer, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()
