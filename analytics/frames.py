"""Keeping big tables cheap to work on: their columns chunked alike.

A table read in pieces has columns in many chunks; a column parsed or derived from them comes in one. Polars copies
such a table into one chunk at its next eager operation — every column of it, each time — so the import and the
model cut the odd columns like the rest, which costs a view, not a copy.
"""

from __future__ import annotations

from collections import Counter
from itertools import accumulate

import polars as pl


def aligned(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns cut into the same chunks, without a copy: the odd columns are sliced like the layout whose
    columns would cost most to copy (a column in one chunk is sliced as a view; one in other chunks is joined
    first, a copy). A column of nulls is made anew in that layout."""
    layouts = {c: tuple(len(chunk) for chunk in frame[c].get_chunks()) for c in frame.columns}
    if frame.height == 0 or len(set(layouts.values())) < 2:
        return frame
    weight: Counter[tuple[int, ...]] = Counter()
    for c, layout in layouts.items():
        weight[layout] += int(frame[c].estimated_size()) + 1 if len(layout) > 1 else 0
    target = weight.most_common(1)[0][0] if weight.total() else next(iter(layouts.values()))
    starts = [0, *accumulate(target)][:-1]

    def cut(column: pl.Series) -> pl.Series:
        if column.null_count() == column.len():  # made anew: joining the chunks of nulls would write 16 B a cell
            whole = pl.repeat(None, column.len(), dtype=column.dtype, eager=True).alias(column.name)
        else:
            whole = column.rechunk() if column.n_chunks() > 1 else column
        return pl.concat([whole.slice(start, length) for start, length in zip(starts, target, strict=True)])

    return frame.with_columns(cut(frame[c]) for c, layout in layouts.items() if layout != target)
