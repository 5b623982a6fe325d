"""The issue table: every row or value the importer could not take as it was, with what it did about it.

One schema for the reader, the converter, the Data page and the downloads, so that "imported + skipped + rejected =
rows in the file" can be checked from the table alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

ISSUE_SCHEMA = pl.Schema(
    {"file": pl.String, "row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String,
     "action": pl.String}
)
REJECTED = "row rejected"  # the row is broken: it is in no table
SKIPPED = "row skipped"  # the row is fine but is not a record of its own (another leg of a call, a call nobody took)
VALUE_IGNORED = "value left empty"  # an optional value was not understood: the row is kept without it
NOTED = "row kept, noted"  # the row is kept as read, but something about it deserves a look (a refund, a repair)
ROW_ACTIONS = (REJECTED, SKIPPED)


def issues(rows: Sequence[dict[str, object]]) -> pl.DataFrame:
    """A few issues found outside Polars (by the reader), as a frame of ISSUE_SCHEMA."""
    return pl.DataFrame(list(rows), schema=ISSUE_SCHEMA) if rows else pl.DataFrame(schema=ISSUE_SCHEMA)


def clip(text: str | None, limit: int = 200) -> str | None:
    """A value as the report shows it: a megabyte-long cell must not blow up the table."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text):,} characters)"
