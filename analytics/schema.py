"""The canonical tables of SPEC §2: one typed definition that importers, the model and tests share.

Every importer maps an export into these tables; everything downstream can rely on the names and dtypes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

TableName = Literal["calls", "leads", "meetings", "payments"]
TABLES: tuple[TableName, ...] = ("calls", "leads", "meetings", "payments")

DATETIME = pl.Datetime("us")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: TableName
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


CALLS = Table(
    "calls",
    (
        Column("started_at", DATETIME, required=True),
        Column("employee", pl.String(), required=True),
        Column("duration_s", pl.Int64(), required=True),
        Column("direction", pl.String()),
        Column("lead_id", pl.String()),
        Column("phone", pl.String()),
        Column("call_id", pl.String()),
        # The call's recording as the telephony names it: a link (Mango Office, UIS) or an id (Sipuni), for the
        # "listen to the calls" checks. Never counted in a metric.
        Column("recording", pl.String()),
    ),
)

LEADS = Table(
    "leads",
    (
        Column("lead_id", pl.String(), required=True),
        Column("created_at", DATETIME, required=True),
        Column("employee", pl.String(), required=True),
        Column("source", pl.String()),
        Column("is_target", pl.Boolean()),
        Column("phone", pl.String()),
    ),
)

MEETINGS = Table(
    "meetings",
    (
        Column("lead_id", pl.String(), required=True),
        Column("booked_at", DATETIME, required=True),
        Column("setter", pl.String()),
        Column("meeting_at", DATETIME),
        Column("confirmed", pl.Boolean()),
        Column("confirmed_at", DATETIME),
        Column("held", pl.Boolean()),
        Column("held_at", DATETIME),
        Column("hunter", pl.String()),
        Column("meeting_id", pl.String()),
    ),
)

PAYMENTS = Table(
    "payments",
    (
        Column("lead_id", pl.String(), required=True),
        Column("paid_at", DATETIME, required=True),
        Column("amount", pl.Float64()),
    ),
)

TABLE_BY_NAME: dict[TableName, Table] = {t.name: t for t in (CALLS, LEADS, MEETINGS, PAYMENTS)}


def empty(table: TableName) -> pl.DataFrame:
    """An empty frame with the table's canonical schema (a missing optional file)."""
    return pl.DataFrame(schema=TABLE_BY_NAME[table].schema)


def conform(frame: pl.DataFrame, table: TableName) -> pl.DataFrame:
    """Cast to the canonical schema, adding absent optional columns as nulls and dropping extra ones."""
    spec = TABLE_BY_NAME[table]
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: required column(s) missing: {', '.join(missing)}")
    # A column already of its type is taken as it is: in Polars a cast to the same type still copies the column
    # (95 MB of text for 2 M calls).
    return frame.select(
        pl.col(c.name) if frame.schema.get(c.name) == c.dtype
        else (pl.col(c.name) if c.name in frame.columns else pl.lit(None)).cast(c.dtype).alias(c.name)
        for c in spec.columns
    )


@dataclass(frozen=True)
class Dataset:
    """The four canonical tables, as imported (before linking and attribution)."""

    calls: pl.DataFrame
    leads: pl.DataFrame
    meetings: pl.DataFrame
    payments: pl.DataFrame

    @classmethod
    def from_frames(
        cls,
        calls: pl.DataFrame | None = None,
        leads: pl.DataFrame | None = None,
        meetings: pl.DataFrame | None = None,
        payments: pl.DataFrame | None = None,
    ) -> Dataset:
        given: dict[TableName, pl.DataFrame | None] = {"calls": calls, "leads": leads, "meetings": meetings,
                                                       "payments": payments}
        return cls(**{name: empty(name) if f is None else conform(f, name) for name, f in given.items()})

    def table(self, name: TableName) -> pl.DataFrame:
        return getattr(self, name)
