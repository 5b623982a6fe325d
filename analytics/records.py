"""The records behind a number: the meetings, leads and calls a metric counted, for drill-down and findings."""

from __future__ import annotations

from typing import Literal

import polars as pl

from analytics.metrics import Filters, Mode
from analytics.model import Prepared

Subset = Literal["all", "unconfirmed", "not_held", "held_unpaid"]


def _in_period(column: str, filters: Filters) -> pl.Expr:
    day = pl.col(column).dt.date()
    expr = pl.lit(True)
    if filters.date_from is not None:
        expr &= day >= filters.date_from
    if filters.date_to is not None:
        expr &= day <= filters.date_to
    return expr


def _scoped(frame: pl.DataFrame, person: str, filters: Filters, hunter: str | None = None) -> pl.DataFrame:
    """The rows of the filters' people, sources and hunters. Under a hunter filter, records that are no hunter's
    work (leads, calls: `hunter` None) are none, as their facts are dropped by `metrics.filter_facts`."""
    if filters.employees is not None:
        frame = frame.filter(pl.col(person).is_in(list(filters.employees)))
    if filters.sources is not None:
        frame = frame.filter(pl.col("source").is_in(list(filters.sources)))
    if filters.hunters is not None:
        frame = frame.filter(pl.col(hunter).is_in(list(filters.hunters))) if hunter else frame.clear()
    return frame


def meetings(model: Prepared, filters: Filters, only: Subset = "all") -> pl.DataFrame:
    """Meetings booked in the period (the cohort the funnel counts), with their lead and whether it paid."""
    paid = model.paid_leads.select("lead_id", pl.lit(True).alias("paid"), pl.col("amount").alias("paid_amount"))
    frame = (
        _scoped(model.meetings.filter(_in_period("booked_at", filters)), "setter", filters, "hunter")
        .join(paid, on="lead_id", how="left")
        .with_columns(pl.col("paid").fill_null(False))
    )
    if only == "unconfirmed":
        frame = frame.filter(~pl.col("confirmed"))
    elif only == "not_held":
        frame = frame.filter(pl.col("confirmed") & ~pl.col("held"))
    elif only == "held_unpaid":
        frame = frame.filter(pl.col("held") & ~pl.col("paid"))
    return frame.select(
        "lead_id", "setter", "source", "is_target", "booked_at", "meeting_at", "confirmed", "held", "hunter",
        "paid", "paid_amount",
    ).sort("booked_at")


def leads(model: Prepared, filters: Filters) -> pl.DataFrame:
    return _scoped(model.leads.filter(_in_period("created_at", filters)), "employee", filters).select(
        "lead_id", "created_at", "employee", "source", "is_target", "phone"
    ).sort("created_at")


def calls(model: Prepared, filters: Filters, only: Subset = "all") -> pl.DataFrame:
    """Calls in the period; with `held_unpaid`, the calls (any date) behind held but unpaid meetings of the period
    — the ones to listen to when meetings do not turn into payments.

    Each call keeps its `call_id` and its `recording` (a link or an id), which find the conversation in the
    telephony; `recording` is left out when none of these calls has one, so a call log without recordings gives the
    table it always gave."""
    if only == "held_unpaid":
        lead_ids = meetings(model, filters, "held_unpaid")["lead_id"].unique()
        frame = model.calls.filter(pl.col("lead_id").is_in(lead_ids.implode()))
    else:
        frame = _scoped(model.calls.filter(_in_period("started_at", filters)), "employee", filters)
    frame = frame.select(
        "started_at", "employee", "duration_s", "direction", "phone", "lead_id", pl.col("linked_by").cast(pl.String),
        "source", "call_id", "recording",
    ).sort("started_at")
    return frame if frame["recording"].is_not_null().any() else frame.drop("recording")


# A recording a screen may open: a web address and nothing else (a `javascript:` or `file:` value stays text).
RECORDING_LINK = r"(?i)^https?://\S+$"


def recording_columns(calls_: pl.DataFrame) -> pl.DataFrame:
    """`calls`' `recording` as a screen shows it, right after the call's start (seen even on a phone): `recording_url`
    where it is a web link (Mango Office, UIS), to be opened with a click, and `recording_id` otherwise (Sipuni,
    FreePBX), to be looked up in the telephony. A column with no value is left out, and so is `call_id` where it
    only repeats the recording's id (Sipuni's `ID записи` is both)."""
    if "recording" not in calls_.columns:
        return calls_
    link = pl.col("recording").str.contains(RECORDING_LINK)
    shown = calls_.with_columns(
        pl.when(link).then(pl.col("recording")).alias("recording_url"),
        pl.when(~link).then(pl.col("recording")).alias("recording_id"),
    ).drop("recording")
    if "call_id" in shown.columns:
        repeats = shown.filter(pl.col("call_id").is_not_null() | pl.col("recording_id").is_not_null())
        if (repeats["call_id"] == repeats["recording_id"]).fill_null(False).all():  # also when no call has an id
            shown = shown.drop("call_id")
    shown = shown.drop(c for c in ("recording_url", "recording_id") if shown[c].is_null().all())
    first = [c for c in ("started_at", "recording_url", "recording_id") if c in shown.columns]
    return shown.select(*first, pl.exclude(first))


def hunter_meetings(model: Prepared, filters: Filters, mode: Mode = "cohort") -> pl.DataFrame:
    """The held meetings behind a hunter's numbers (SPEC §3a), paid or not, for the Hunters screen.

    Scoped like the metrics: the filters' hunters (all when None), setters (`employees`) and sources, in the period
    by the meeting's booking date (cohort) or the day it was held (event). `paid`: the lead paid; `credited`: this
    meeting is the lead's first held one, so the lead's payment counts for this hunter (and its setter) — a later
    held meeting of a paid lead is held but not paid for its hunter. `paid_amount` is the lead's, on credited rows.
    """
    held_on = "booked_at" if mode == "cohort" else "held_date"
    paid = model.paid_leads.select(
        "lead_id", pl.lit(True).alias("paid"), "credited_meeting_row", "amount", "first_paid_at")
    return (
        _scoped(model.meetings.filter(pl.col("held") & _in_period(held_on, filters)), "setter", filters, "hunter")
        .join(paid, on="lead_id", how="left")
        .with_columns(
            pl.col("paid").fill_null(False),
            (pl.col("credited_meeting_row") == pl.col("meeting_row")).fill_null(False).alias("credited"),
        )
        .with_columns(
            pl.when(pl.col("credited")).then(pl.col("amount")).alias("paid_amount"),
            pl.when(pl.col("credited")).then(pl.col("first_paid_at")).alias("paid_at"),
        )
        .select(
            "hunter", "lead_id", "setter", "source", "is_target", "booked_at", pl.col("held_date").alias("held_at"),
            "paid", "credited", "paid_amount", "paid_at",
        )
        .sort("hunter", "held_at", "booked_at", "lead_id")
    )
