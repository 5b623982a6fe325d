"""From imported tables to the linked, attributed model the metrics are counted on (SPEC §2–§3).

Linking and attribution are done once per dataset; every metric query then only filters and groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from analytics import normalize
from analytics.frames import aligned
from analytics.schema import Dataset

# The hunter of a meeting with none named on it (SPEC §3a), as `unknown` is the source of a lead without one.
UNKNOWN_HUNTER = "unknown"
# How a call found its lead: a code of one byte a call (a text column of 2 M calls takes 33 MB); records show text.
LINKED_BY = pl.Enum(["lead_id", "phone"])


@dataclass(frozen=True)
class Prepared:
    """The canonical tables after cleaning, linking and attribution.

    leads:      one row per lead_id (last row wins), normalised source, comparable phone.
    calls:      deduplicated by call_id, linked to a lead (by lead_id, else by phone: `linked_by`), with the lead's
                source.
    meetings:   deduplicated by meeting_id; setter filled from the lead; hunter normalised like a person's name
                (merges apply; empty → "unknown"); confirmed includes held; event dates.
    paid_leads: one row per paid lead with its credit: the setter, hunter and booking date of its first held meeting.
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
    if not days.len():
        return None
    first, last = days.min(), days.max()
    assert isinstance(first, date) and isinstance(last, date)
    return first, last


def _fingerprint(key: pl.Expr) -> pl.Expr:
    """A cheap stand-in for a key when looking for repeats; equal keys give equal fingerprints."""
    return key.hash()


def _dedupe(
    frame: pl.DataFrame, key: str, keep: str, fingerprint: Callable[[pl.Expr], pl.Expr] = _fingerprint
) -> tuple[pl.DataFrame, int]:
    """Drop repeated non-null keys (keeping the first or last row of each); rows without a key are all kept.

    Exact, but priced for exports where repeats are rare: fingerprints of millions of ids are compared first
    (cheap), and the ids themselves only on the few rows whose fingerprint repeats. No repeats: no copy.
    """
    fingerprints = frame.select(fingerprint(pl.col(key)).filter(pl.col(key).is_not_null())).to_series()
    if fingerprints.n_unique() == fingerprints.len():
        return frame, 0
    ordered = fingerprints.sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    suspects = frame.select(
        (pl.col(key).is_not_null() & fingerprint(pl.col(key)).is_in(repeated.implode())).arg_true()
    ).to_series()
    keys = frame[key].gather(suspects)
    distinct = keys.is_first_distinct() if keep == "first" else keys.is_last_distinct()
    dropped = suspects.filter(~distinct)
    if dropped.is_empty():
        return frame, 0
    kept = pl.repeat(True, frame.height, eager=True).scatter(dropped, False)
    return frame.filter(kept), dropped.len()


def _per_distinct(column: pl.Series, normalise: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """Normalise a column with few distinct values (names, sources) once per value, not once per row.

    Null is one of the values (a missing source is `unknown`). When every value is already in its normal form (the
    usual case for names) the column is returned as it is.
    """
    lookup = pl.LazyFrame({"raw": column.unique()}).with_columns(normalise(pl.col("raw")).alias("normal")).collect()
    if lookup["normal"].equals(lookup["raw"]):
        return column
    return column.replace_strict(lookup["raw"], lookup["normal"], default=None, return_dtype=pl.String)


def _spread(rows: pl.Series, values: pl.Series, length: int, fill: pl.Series | str | None = None) -> pl.Series:
    """A column of `length` rows holding `values` at `rows` and `fill` (a value, or a column's own) elsewhere.

    A gather, not a scatter: scattering millions of strings into a column is far slower.
    """
    at = pl.repeat(None, length, dtype=rows.dtype, eager=True).scatter(
        rows, pl.int_range(rows.len(), eager=True, dtype=pl.UInt32))
    otherwise = pl.lit(fill) if isinstance(fill, pl.Series) else pl.lit(fill, dtype=pl.String)
    return pl.select(
        pl.when(pl.lit(at).is_not_null()).then(pl.lit(values).gather(pl.lit(at))).otherwise(otherwise)
    ).to_series().alias(values.name)


def _ascii_digits(text: pl.Expr) -> pl.Expr:
    """Whether a text (that does not start with a sign) is ASCII digits only: it parses as an integer."""
    return text.str.to_integer(strict=False).is_not_null()


def _common_layouts(phones: pl.Series) -> pl.Series:
    """`normalize.phone` for the layouts most exports use, without the regular expression; null for anything else.

    `+7 (`, `) ` and `-` are replaced by the digits they hold (`7`, none, none) in one pass; when that leaves eleven
    ASCII digits, they are the very digits `\\D` removal would leave (every other character was in a replaced
    piece): `7…` is the number, `8…` (telephony's trunk prefix) becomes `7…`. So `79000010002`, `+7 (900) 001-00-02`
    (CRMs), `89000010002` and `8-900-001-00-02` are rebuilt; the rest is left to `normalize.phone`.
    """
    digits = pl.col("_digits")
    eleven = (digits.str.len_bytes() == 11) & _ascii_digits(digits)
    return (
        phones.to_frame("phone").lazy()
        .select(pl.col("phone").str.replace_many(["+7 (", ") ", "-"], ["7", "", ""]).alias("_digits"))
        .select(pl.when(eleven & digits.str.starts_with("7")).then(digits)
                .when(eleven & digits.str.starts_with("8")).then(pl.lit("7") + digits.str.slice(1)))
        .collect().to_series()
    )


def _normal_phones(phone: pl.Series) -> pl.Series:
    """`normalize.phone` of every number, with the regular expression only for numbers in no common layout.

    Exports written by software mostly carry `7` + ten ASCII digits already: for those the normal form is the
    number itself, and checking that is far cheaper than rebuilding it. Telephony's `8…` and CRMs' `+7 (…) …-…-…`
    are rebuilt in one pass of literal replacements; whatever is left goes through `normalize.phone`.
    """
    text = pl.col(phone.name)
    written_normally = (text.str.len_bytes() == 11) & text.str.starts_with("7") & _ascii_digits(text)
    others = phone.to_frame().select((text.is_not_null() & ~written_normally).arg_true()).to_series()
    if others.is_empty():
        return phone.alias("phone_norm")
    # When most numbers are in another layout (a telephony log of `8…`, a CRM's `+7 (…)`), the whole column is
    # rebuilt in one pass: gathering those rows out and spreading them back would copy the column twice.
    whole = others.len() * 2 > phone.len()
    written = phone if whole else phone.gather(others)
    fixed = _common_layouts(written)
    rest = (fixed.is_null() & written.is_not_null()).arg_true()
    if not rest.is_empty():
        # Lazy, so that the digits the branches of `normalize.phone` share are extracted once.
        odd = written.gather(rest).to_frame().lazy().select(normalize.phone(text)).collect().to_series()
        fixed = _spread(rest, odd, fixed.len(), fill=fixed)
    if whole:
        return fixed.alias("phone_norm")
    return _spread(others, fixed, phone.len(), fill=phone).alias("phone_norm")


def _link_calls_by_phone(calls: pl.DataFrame, leads: pl.DataFrame) -> pl.Series:
    """The lead of each call without a lead_id, found by its number (null where there is none).

    Most numbers belong to one lead: a plain join. Where one number has several leads, a call goes to the latest
    lead created before it, else the next one. Only the calls whose number is a lead's number take part.
    """
    by_phone = leads.select("lead_id", "created_at", "phone_norm").drop_nulls("phone_norm")
    leads_per_phone = by_phone.group_by("phone_norm").agg(pl.len().alias("_leads"), pl.col("lead_id").first())
    rows = calls.select(
        (pl.col("lead_id").is_null() & pl.col("phone_norm").is_in(by_phone["phone_norm"].implode())).arg_true()
    ).to_series()
    unlinked = calls.select(pl.col("started_at", "phone_norm").gather(rows)).with_columns(rows.alias("_row"))
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
    found = pl.concat(parts)
    return _spread(found["_row"], found["_phone_lead"], calls.height)


def _sources(lead_ids: pl.Series, lead_info: pl.DataFrame) -> pl.Series:
    """The normalised source of each call's lead; unknown where the call has no lead or the lead is not known."""
    rows = lead_ids.to_frame().select(pl.col(lead_ids.name).is_not_null().arg_true()).to_series()
    found = (
        lead_ids.gather(rows).to_frame("lead_id")
        .join(lead_info.select("lead_id", "lead_source"), on="lead_id", how="left", maintain_order="left")
        .select(pl.col("lead_source").fill_null(normalize.UNKNOWN_SOURCE).alias("source"))
        .to_series()
    )
    return _spread(rows, found, lead_ids.len(), normalize.UNKNOWN_SOURCE)


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
    leads = aligned(leads.with_columns(
        _per_distinct(leads["employee"], lambda e: normalize.person(e, person_aliases)).alias("employee"),
        _per_distinct(leads["source"], lambda e: normalize.source(e, source_aliases)).alias("source"),
        _normal_phones(leads["phone"]),
    ))
    lead_info = leads.select(
        "lead_id", pl.col("source").alias("lead_source"), pl.col("employee").alias("lead_employee"), "is_target"
    )

    calls, dropped = _dedupe(data.calls, "call_id", keep="first")
    if dropped:
        warnings.append(f"calls: {dropped} duplicate call_id row(s) dropped")
    # Column by column, each in place and in the file's row order: no row index, no re-sort, and the work on
    # 2 M rows is only what each column needs (most calls are already clean and most have no lead).
    given_lead = calls["lead_id"]
    if given_lead.null_count() < given_lead.len():
        given_lead = calls.select(normalize.text(pl.col("lead_id")).alias("lead_id")).to_series()
    calls = calls.with_columns(
        _per_distinct(calls["employee"], lambda e: normalize.person(e, person_aliases)).alias("employee"),
        given_lead,
        _normal_phones(calls["phone"]),
    )
    phone_lead = _link_calls_by_phone(calls, leads)
    # A file's own lead ids, else the ones found by phone; when one of the two is empty, the other as it is (a third
    # column of 2 M ids beside them: 33 MB).
    lead_id = (phone_lead if given_lead.null_count() == given_lead.len()
               else given_lead if phone_lead.null_count() == phone_lead.len()
               else pl.select(pl.coalesce(pl.lit(given_lead), pl.lit(phone_lead))).to_series()).alias("lead_id")
    # The columns made here come in one chunk and the file's in the reader's: cut alike, or every later filter of the
    # calls (a screen's records) would copy the whole table first.
    calls = aligned(calls.with_columns(
        lead_id,
        pl.when(given_lead.is_not_null()).then(pl.lit("lead_id", LINKED_BY))
        .when(phone_lead.is_not_null()).then(pl.lit("phone", LINKED_BY))
        .alias("linked_by"),
        _sources(lead_id, lead_info),
    ))

    meetings, dropped = _dedupe(data.meetings, "meeting_id", keep="first")
    if dropped:
        warnings.append(f"meetings: {dropped} duplicate meeting_id row(s) dropped")
    hunters = _per_distinct(meetings["hunter"], lambda h: normalize.person(h, person_aliases))
    meetings = (
        meetings.with_columns(hunters.fill_null(UNKNOWN_HUNTER))
        .with_row_index("meeting_row")
        .join(lead_info, on="lead_id", how="left", maintain_order="left")
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
            pl.col("hunter").alias("credited_hunter"),
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
        pl.col("credited_to", "credited_booked_at", "credited_meeting_row", "credited_hunter", "source",
               "lead_employee").first(),
    )
    return Prepared(leads, calls, meetings, paid_leads, payments, tuple(warnings))
