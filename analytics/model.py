"""From imported tables to the linked, attributed model the metrics are counted on (SPEC §2–§3).

Linking and attribution are done once per dataset; every metric query then only filters and groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from analytics import normalize
from analytics.schema import Dataset


@dataclass(frozen=True)
class Prepared:
    """The canonical tables after cleaning, linking and attribution.

    leads:      one row per lead_id (last row wins), normalised source, comparable phone.
    calls:      deduplicated by call_id, linked to a lead (by lead_id, else by phone), with the lead's source.
    meetings:   deduplicated by meeting_id; setter filled from the lead; confirmed includes held; event dates.
    paid_leads: one row per paid lead with its credit: the setter and booking date of its first held meeting.
    payments:   every payment row with the credit of its lead (for event-mode revenue).
    """

    leads: pl.DataFrame
    calls: pl.DataFrame
    meetings: pl.DataFrame
    paid_leads: pl.DataFrame
    payments: pl.DataFrame
    warnings: tuple[str, ...] = field(default_factory=tuple)


def span(model: Prepared) -> tuple[date, date] | None:
    """The first and last date with a call or a lead; None for empty data."""
    days = pl.concat([model.calls.select(pl.col("started_at").dt.date().alias("d")),
                      model.leads.select(pl.col("created_at").dt.date().alias("d"))])["d"].drop_nulls()
    return (days.min(), days.max()) if days.len() else None


def _dedupe(frame: pl.DataFrame, key: str, keep: str) -> tuple[pl.DataFrame, int]:
    """Drop repeated non-null keys (keeping the first or last row of each); rows without a key are all kept."""
    distinct = pl.col(key).is_first_distinct() if keep == "first" else pl.col(key).is_last_distinct()
    kept = frame.filter(pl.col(key).is_null() | distinct)
    return kept, frame.height - kept.height


def _per_distinct(frame: pl.DataFrame, column: str, normalise: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """Normalise a column with few distinct values (names) once per value, not once per row."""
    distinct = frame.select(pl.col(column).unique()).drop_nulls()
    lookup = distinct.with_columns(normalise(pl.col(column)).alias("_normal"))
    return frame[column].replace_strict(lookup[column], lookup["_normal"], default=None, return_dtype=pl.String)


def _link_calls_by_phone(calls: pl.DataFrame, leads: pl.DataFrame) -> pl.DataFrame:
    """Give calls without a lead_id the lead with the same number.

    Most numbers belong to one lead: a plain join. Where one number has several leads, a call goes to the latest
    lead created before it, else the next one.
    """
    by_phone = leads.select("lead_id", "created_at", "phone_norm").drop_nulls("phone_norm")
    leads_per_phone = by_phone.group_by("phone_norm").agg(pl.len().alias("_leads"), pl.col("lead_id").first())
    unlinked = calls.filter(pl.col("lead_id").is_null() & pl.col("phone_norm").is_not_null()).select(
        "_row", "started_at", "phone_norm")
    candidates = unlinked.join(leads_per_phone, on="phone_norm", how="inner")
    single = candidates.filter(pl.col("_leads") == 1).select("_row", pl.col("lead_id").alias("_phone_lead"))
    shared = candidates.filter(pl.col("_leads") > 1).select("_row", "started_at", "phone_norm").sort("started_at")
    parts = [single]
    if not shared.is_empty():
        dated = by_phone.join(shared.select("phone_norm").unique(), on="phone_norm").sort("created_at").rename(
            {"lead_id": "_phone_lead"})
        matched = [
            shared.join_asof(dated, left_on="started_at", right_on="created_at", by="phone_norm", strategy=strategy,
                             check_sortedness=False).select("_row", pl.col("_phone_lead").alias(strategy))
            for strategy in ("backward", "forward")
        ]
        parts.append(matched[0].join(matched[1], on="_row").select(
            "_row", pl.coalesce("backward", "forward").alias("_phone_lead")))
    return calls.join(pl.concat(parts), on="_row", how="left")


def prepare(
    data: Dataset,
    *,
    source_aliases: Mapping[str, str] | None = None,
    person_aliases: Mapping[str, str] | None = None,
) -> Prepared:
    """Clean, link and attribute the four tables; collect the warnings a user must see."""
    warnings: list[str] = []

    leads, repeated = _dedupe(data.leads, "lead_id", keep="last")
    if repeated:
        warnings.append(f"leads: {repeated} repeated lead_id row(s); the last row of each lead was kept")
    # Lazy, so that Polars computes the subexpressions the normalisers share once (eager select would not).
    leads = leads.lazy().with_columns(
        normalize.person(pl.col("employee"), person_aliases).alias("employee"),
        normalize.source(pl.col("source"), source_aliases).alias("source"),
        normalize.phone(pl.col("phone")).alias("phone_norm"),
    ).collect()
    lead_info = leads.select(
        "lead_id", pl.col("source").alias("lead_source"), pl.col("employee").alias("lead_employee"), "is_target"
    )

    calls, dropped = _dedupe(data.calls, "call_id", keep="first")
    if dropped:
        warnings.append(f"calls: {dropped} duplicate call_id row(s) dropped")
    calls = calls.with_row_index("_row").lazy().with_columns(
        _per_distinct(calls, "employee", lambda e: normalize.person(e, person_aliases)).alias("employee"),
        normalize.text(pl.col("lead_id")).alias("lead_id"),
        normalize.phone(pl.col("phone")).alias("phone_norm"),
    ).collect()
    calls = (
        _link_calls_by_phone(calls, leads)
        .with_columns(
            pl.when(pl.col("lead_id").is_not_null())
            .then(pl.lit("lead_id"))
            .when(pl.col("_phone_lead").is_not_null())
            .then(pl.lit("phone"))
            .alias("linked_by"),
            pl.coalesce("lead_id", "_phone_lead").alias("lead_id"),
        )
        .join(lead_info.select("lead_id", "lead_source"), on="lead_id", how="left")
        .with_columns(pl.col("lead_source").fill_null(normalize.UNKNOWN_SOURCE).alias("source"))
        .sort("_row")
        .drop("_row", "_phone_lead", "lead_source")
    )

    meetings, dropped = _dedupe(data.meetings, "meeting_id", keep="first")
    if dropped:
        warnings.append(f"meetings: {dropped} duplicate meeting_id row(s) dropped")
    meetings = (
        meetings.with_row_index("meeting_row")
        .join(lead_info, on="lead_id", how="left")
        .with_columns(
            pl.coalesce(normalize.person(pl.col("setter"), person_aliases), "lead_employee").alias("setter"),
            pl.col("lead_source").fill_null(normalize.UNKNOWN_SOURCE).alias("source"),
            pl.col("held").fill_null(False).alias("held"),
        )
        .with_columns(
            (pl.col("confirmed").fill_null(False) | pl.col("held")).alias("confirmed"),
            pl.coalesce("confirmed_at", "meeting_at", "booked_at").alias("confirmed_date"),
            pl.coalesce("held_at", "meeting_at", "booked_at").alias("held_date"),
        )
        .drop("lead_source")
        .sort("meeting_row")
    )
    orphans = meetings.filter(pl.col("lead_employee").is_null() & pl.col("is_target").is_null()).height
    if orphans and not leads.is_empty():
        warnings.append(f"meetings: {orphans} meeting(s) refer to a lead that is not in the leads file")

    first_held = (
        meetings.filter(pl.col("held"))
        .sort("held_date", "booked_at", "meeting_row")
        .group_by("lead_id", maintain_order=True)
        .first()
        .select(
            "lead_id",
            pl.col("setter").alias("credited_to"),
            pl.col("booked_at").alias("credited_booked_at"),
            pl.col("meeting_row").alias("credited_meeting_row"),
        )
    )
    payments = (
        data.payments.with_columns(pl.col("amount").fill_null(0.0))
        .join(first_held, on="lead_id", how="left")
        .join(lead_info.select("lead_id", "lead_source", "lead_employee"), on="lead_id", how="left")
        .with_columns(pl.col("lead_source").fill_null(normalize.UNKNOWN_SOURCE).alias("source"))
        .drop("lead_source")
    )
    paid_leads = payments.group_by("lead_id", maintain_order=True).agg(
        pl.col("paid_at").min().alias("first_paid_at"),
        pl.col("amount").sum().alias("amount"),
        pl.len().alias("payment_rows"),
        pl.col("credited_to", "credited_booked_at", "credited_meeting_row", "source", "lead_employee").first(),
    )
    return Prepared(leads, calls, meetings, paid_leads, payments, tuple(warnings))
