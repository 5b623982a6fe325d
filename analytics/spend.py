"""Ad spend per source and month, and what it buys (SPEC §4): cost per lead, per target lead, per held meeting,
per payment, and ROMI = (revenue − spend) / spend. Null where a denominator is zero or spend is missing."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from analytics import normalize
from analytics.importing import values
from analytics.importing.mapping import normalise_header
from analytics.importing.reading import BadFile, read_raw
from analytics.metrics import ratio

SPEND_SCHEMA = pl.Schema({"month": pl.String, "source": pl.String, "spend": pl.Float64})
_HEADERS = {
    "month": ("month", "месяц", "период", "period"),
    "source": ("source", "источник", "канал", "channel", "utm source"),
    "spend": ("spend", "расход", "расходы", "бюджет", "затраты", "cost", "budget", "amount", "сумма"),
}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SPEND_SCHEMA)


def clean(frame: pl.DataFrame, source_aliases: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Normalise a spend table: `YYYY-MM` months (also `MM.YYYY`, dates), sources as in SPEC §4, summed per pair."""
    text = pl.col("month").cast(pl.String).str.strip_chars()
    month = pl.coalesce(
        text.str.extract(r"^(\d{4}-\d{2})"),
        pl.concat_str(text.str.extract(r"^(\d{2})\.(\d{4})$", 2), pl.lit("-"), text.str.extract(r"^(\d{2})\.", 1)),
        values.datetime_(text).dt.strftime("%Y-%m"),
    )
    spend = pl.col("spend")
    spend = spend if frame.schema.get("spend") in (pl.Float64, pl.Int64) else values.money(spend.cast(pl.String))
    return (
        frame.select(month.alias("month"), normalize.source(pl.col("source"), source_aliases).alias("source"),
                     spend.cast(pl.Float64).alias("spend"))
        .drop_nulls(["month", "spend"])
        .group_by("month", "source").agg(pl.col("spend").sum())
        .sort("month", "source")
    )


def read_spend(content: bytes, name: str, source_aliases: Mapping[str, str] | None = None) -> pl.DataFrame:
    """A small CSV/XLSX `month, source, spend` (Russian or English headers)."""
    raw = read_raw(content, name)
    found = {}
    for field, aliases in _HEADERS.items():
        header = next((h for h in raw.headers if normalise_header(h) in aliases), None)
        if header is None:
            raise BadFile(f"{name}: no column for {field}; expected headers like "
                          f"{', '.join(_HEADERS[field][:3])}; found: {', '.join(raw.headers)}")
        found[field] = header
    return clean(raw.frame.select(pl.col(h).alias(f) for f, h in found.items()), source_aliases)


def costs(by_source_month: pl.DataFrame, spend: pl.DataFrame) -> pl.DataFrame:
    """Join a metrics table grouped by source and month with spend; add the cost metrics and ROMI."""
    joined = by_source_month.join(spend, on=["month", "source"], how="left")
    s = pl.col("spend")
    return joined.with_columns(
        ratio(s, pl.col("leads_new")).alias("cost_per_lead"),
        ratio(s, pl.col("leads_target")).alias("cost_per_target_lead"),
        ratio(s, pl.col("meetings_held")).alias("cost_per_held"),
        ratio(s, pl.col("payments")).alias("cost_per_payment"),
        ratio(pl.col("revenue") - s, s).alias("romi"),
    )
