"""`prepare` gives exactly what it gave before it was made fast: every frame, row order, dtype and warning.

The reference below is `analytics/model.py` as it stood before the speed work (commit f266c06), copied verbatim
(only the function names carry a `_reference` prefix), then extended, in the slow way, by the hunter of each meeting
and the `credited_hunter` of each paid lead (SPEC §3a; the lines marked "extended"). It is compared with today's
`prepare` on the hand floor of conftest.py, on small generated floors (also made messy: lead ids on calls, shared
numbers, repeated rows), and on hypothesis-drawn datasets full of the awkward cases: shared phone numbers in every
spelling, repeated lead_ids, call_ids and meeting_ids, empty strings, nulls, ties in time, aliases, hunters' names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from analytics import normalize
from analytics.model import LINKED_BY, Prepared, _dedupe, _normal_phones, prepare
from analytics.schema import Dataset
from data.generate_demo import SETTERS, FloorConfig, generate_floor, steady_floor
from tests.conftest import hand_dataset

# ---- The reference: today's prepare before the speed work, verbatim ------------------------------------------------

def _reference_dedupe(frame: pl.DataFrame, key: str, keep: str) -> tuple[pl.DataFrame, int]:
    """Drop repeated non-null keys (keeping the first or last row of each); rows without a key are all kept."""
    distinct = pl.col(key).is_first_distinct() if keep == "first" else pl.col(key).is_last_distinct()
    kept = frame.filter(pl.col(key).is_null() | distinct)
    return kept, frame.height - kept.height


def _reference_per_distinct(frame: pl.DataFrame, column: str, normalise: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """Normalise a column with few distinct values (names) once per value, not once per row."""
    distinct = frame.select(pl.col(column).unique()).drop_nulls()
    lookup = distinct.with_columns(normalise(pl.col(column)).alias("_normal"))
    return frame[column].replace_strict(lookup[column], lookup["_normal"], default=None, return_dtype=pl.String)


def _reference_link_calls_by_phone(calls: pl.DataFrame, leads: pl.DataFrame) -> pl.DataFrame:
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


def _reference_prepare(
    data: Dataset,
    *,
    source_aliases: Mapping[str, str] | None = None,
    person_aliases: Mapping[str, str] | None = None,
) -> Prepared:
    """Clean, link and attribute the four tables; collect the warnings a user must see."""
    warnings: list[str] = []

    leads, repeated = _reference_dedupe(data.leads, "lead_id", keep="last")
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

    calls, dropped = _reference_dedupe(data.calls, "call_id", keep="first")
    if dropped:
        warnings.append(f"calls: {dropped} duplicate call_id row(s) dropped")
    calls = calls.with_row_index("_row").lazy().with_columns(
        _reference_per_distinct(calls, "employee", lambda e: normalize.person(e, person_aliases)).alias("employee"),
        normalize.text(pl.col("lead_id")).alias("lead_id"),
        normalize.phone(pl.col("phone")).alias("phone_norm"),
    ).collect()
    calls = (
        _reference_link_calls_by_phone(calls, leads)
        .with_columns(
            pl.when(pl.col("lead_id").is_not_null())
            .then(pl.lit("lead_id"))
            .when(pl.col("_phone_lead").is_not_null())
            .then(pl.lit("phone"))
            .cast(LINKED_BY)  # the same codes, kept as an Enum (one byte a call)
            .alias("linked_by"),
            pl.coalesce("lead_id", "_phone_lead").alias("lead_id"),
        )
        .join(lead_info.select("lead_id", "lead_source"), on="lead_id", how="left")
        .with_columns(pl.col("lead_source").fill_null(normalize.UNKNOWN_SOURCE).alias("source"))
        .sort("_row")
        .drop("_row", "_phone_lead", "lead_source")
    )

    meetings, dropped = _reference_dedupe(data.meetings, "meeting_id", keep="first")
    if dropped:
        warnings.append(f"meetings: {dropped} duplicate meeting_id row(s) dropped")
    meetings = (
        meetings.with_row_index("meeting_row")
        .join(lead_info, on="lead_id", how="left")
        .with_columns(
            pl.coalesce(normalize.person(pl.col("setter"), person_aliases), "lead_employee").alias("setter"),
            # Extended (not part of f266c06): the hunter of SPEC §3a, normalised like a person, empty → unknown.
            normalize.person(pl.col("hunter"), person_aliases).fill_null("unknown").alias("hunter"),
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
            pl.col("hunter").alias("credited_hunter"),  # extended: the hunter of the first held meeting
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


# ---- Comparing ---------------------------------------------------------------------------------------------------

FRAMES = ("leads", "calls", "meetings", "paid_leads", "payments")


def assert_same(data: Dataset, **aliases: Mapping[str, str] | None) -> Prepared:
    """Both implementations on the same data: every frame equal (values, row order, columns, dtypes), same warnings."""
    expected = _reference_prepare(data, **aliases)
    actual = prepare(data, **aliases)
    for name in FRAMES:
        try:
            assert_frame_equal(getattr(actual, name), getattr(expected, name), check_exact=True)
        except AssertionError as difference:
            raise AssertionError(f"Prepared.{name} differs: {difference}") from None
    assert actual.warnings == expected.warnings
    return actual


# ---- (a) the hand floor --------------------------------------------------------------------------------------------


def test_hand_floor_is_prepared_as_before() -> None:
    model = assert_same(hand_dataset())
    # The same floor checked by hand (see test_metrics.py): c1 has its lead id, c2 and c5 are linked by their
    # numbers written in other formats, the repeated c3 row is dropped and c3 has no number.
    assert model.calls["call_id"].to_list() == ["c1", "c2", "c3", "c5"]
    assert model.calls["lead_id"].to_list() == ["L1", "L2", None, "L3"]
    assert model.calls["linked_by"].to_list() == ["lead_id", "phone", None, "phone"]
    assert model.calls["phone_norm"].to_list() == [None, "79000010002", None, "79000010003"]
    assert model.calls["source"].to_list() == ["Google", "Yandex", "unknown", "unknown"]
    assert model.warnings == ("calls: 1 duplicate call_id row(s) dropped",)


def test_hand_floor_with_aliases_is_prepared_as_before() -> None:
    model = assert_same(hand_dataset(), person_aliases={"B": "A"}, source_aliases={"site": "Yandex"})
    assert model.calls["employee"].to_list() == ["A", "A", "A", "A"]
    assert model.leads["source"].to_list() == ["Google", "Yandex", "unknown", "Yandex"]


def test_a_model_of_tables_read_in_pieces_has_its_columns_chunked_alike() -> None:
    """Calls and leads read in pieces come in several chunks, the columns the model adds in one: the model cuts them
    alike, or Polars would copy the whole table at each filter of it. The values are those of one-chunk tables."""
    data = hand_dataset()
    split = lambda frame: pl.concat([frame.slice(0, 2), frame.slice(2)], rechunk=False)  # noqa: E731
    model = assert_same(replace(data, calls=split(data.calls), leads=split(data.leads)))
    for table in (model.calls, model.leads):
        assert {tuple(len(chunk) for chunk in table[c].get_chunks()) for c in table.columns} == {(2, table.height - 2)}
    assert_frame_equal(model.calls, prepare(data).calls)


# ---- (b) generated floors ------------------------------------------------------------------------------------------

SMALL = replace(FloorConfig(), start=date(2026, 9, 1), end=date(2026, 10, 20), setters=SETTERS[:4])


def messy(data: Dataset, seed: int) -> Dataset:
    """A floor as real exports have it: some calls carry a lead id (with stray spaces), numbers in every spelling,
    some leads share a number, and repeated lead, call and meeting rows."""
    leads = data.leads.with_columns(
        # every 7th lead shares the number of the lead before it
        pl.when(pl.int_range(pl.len()) % 7 == 3).then(pl.col("phone").shift(1)).otherwise(pl.col("phone"))
        .alias("phone"),
    )
    leads = pl.concat([leads, leads.filter(pl.int_range(pl.len()) % 50 == seed % 50).with_columns(
        pl.lit("site").alias("source"))])
    by_phone = leads.unique("phone", keep="first").select("phone", pl.col("lead_id").alias("owner"))
    row = pl.int_range(pl.len())
    calls = (
        data.calls.join(by_phone, on="phone", how="left", maintain_order="left")
        .with_columns(
            pl.when(row % 5 == seed % 5).then(pl.format(" {} ", "owner")).alias("lead_id"),
            pl.when(row % 3 == 0).then(pl.lit("8") + pl.col("phone").str.slice(1))
            .when(row % 3 == 1)
            .then(pl.format("+7 ({}) {}", pl.col("phone").str.slice(1, 3), pl.col("phone").str.slice(4)))
            .otherwise(pl.col("phone")).alias("phone"),
            pl.when(row % 97 == 5).then(pl.col("call_id").shift(1)).otherwise(pl.col("call_id")).alias("call_id"),
            pl.when(row % 11 == 0).then(pl.format("  {}", "employee")).otherwise(pl.col("employee")).alias("employee"),
        )
        .drop("owner")
    )
    meetings = data.meetings.with_columns(pl.format("m{}", pl.int_range(pl.len()) // 2).alias("meeting_id"))
    return Dataset.from_frames(calls=calls, leads=leads, meetings=meetings, payments=data.payments)


@pytest.mark.parametrize("config", [
    SMALL, replace(SMALL, seed=7, stories=False), steady_floor(3, start=date(2026, 10, 1), end=date(2026, 10, 31)),
])
def test_generated_floor_is_prepared_as_before(config: FloorConfig) -> None:
    data = generate_floor(config)
    model = assert_same(data)
    assert model.calls.height == data.calls.height  # no repeats in a generated floor
    assert model.warnings == ()


@pytest.mark.parametrize("seed", [1, 2])
def test_messy_generated_floor_is_prepared_as_before(seed: int) -> None:
    data = messy(generate_floor(replace(SMALL, seed=seed)), seed)
    model = assert_same(data, person_aliases={SETTERS[0]: SETTERS[1]}, source_aliases={"site": "referral"})
    assert set(model.calls["linked_by"].drop_nulls()) == {"lead_id", "phone"}
    assert len(model.warnings) == 3  # repeated leads, duplicate calls, duplicate meetings


# ---- (c) drawn datasets --------------------------------------------------------------------------------------------

START = datetime(2026, 3, 2, 9)
# Few moments, so that ties (a call at the very minute a lead is created; two leads at the same time) are common.
moments = st.integers(0, 12).map(lambda hours: START + timedelta(hours=6 * hours))
maybe_moments = st.none() | moments
# One client in every spelling, a second and third client, a short number, foreign and odd values.
PHONES = ["+7 (900) 001-00-01", "89000010001", "9000010001", "79000010001", "79000010002", "8 900 001-00-02",
          "79000010003", "7900001000٣", "1234", "12345", "+44 20 7946 0000", "", None]
PEOPLE = ["A", " A ", "A  B", "B", "Иванов И.", "", "   ", None]
SOURCES = ["google ads", "Яндекс", "site", " Site ", "ya", "", None]
LEAD_IDS = ["L1", "L2", "L3", "L4", None]
CALL_LEAD_IDS = ["L1", " L2 ", "L 3", "L9", "", "  ", None]


def table(name: str, rows: list[dict]) -> pl.DataFrame | None:
    return pl.DataFrame(rows, schema=Dataset.from_frames().table(name).schema) if rows else None  # type: ignore[arg-type]


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    lead = st.fixed_dictionaries({
        "lead_id": st.sampled_from(LEAD_IDS), "created_at": maybe_moments, "employee": st.sampled_from(PEOPLE),
        "source": st.sampled_from(SOURCES), "is_target": st.sampled_from([True, False, None]),
        "phone": st.sampled_from(PHONES),
    })
    call = st.fixed_dictionaries({
        "started_at": maybe_moments, "employee": st.sampled_from(PEOPLE), "duration_s": st.integers(0, 400),
        "direction": st.sampled_from(["in", "out", None]), "lead_id": st.sampled_from(CALL_LEAD_IDS),
        "phone": st.sampled_from(PHONES), "call_id": st.sampled_from(["c1", "c2", "c3", None]),
    })
    meeting = st.fixed_dictionaries({
        "lead_id": st.sampled_from([*LEAD_IDS, "L9"]), "booked_at": maybe_moments, "setter": st.sampled_from(PEOPLE),
        "meeting_at": maybe_moments, "confirmed": st.sampled_from([True, False, None]),
        "confirmed_at": maybe_moments, "held": st.sampled_from([True, False, None]), "held_at": maybe_moments,
        "hunter": st.sampled_from(["H", " H ", *PEOPLE]), "meeting_id": st.sampled_from(["m1", "m2", "m3", None]),
    })
    payment = st.fixed_dictionaries({
        "lead_id": st.sampled_from([*LEAD_IDS, "L9"]), "paid_at": maybe_moments,
        "amount": st.none() | st.sampled_from([0.0, 100.0, 2500.5]),
    })
    return Dataset.from_frames(
        leads=table("leads", draw(st.lists(lead, max_size=10))),
        calls=table("calls", draw(st.lists(call, max_size=25))),
        meetings=table("meetings", draw(st.lists(meeting, max_size=10))),
        payments=table("payments", draw(st.lists(payment, max_size=6))),
    )


person_aliases = st.none() | st.just({"A B": "A", "Иванов И.": "B"})
source_aliases = st.none() | st.just({" SITE ": "Google", "ya": "referral"})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(), person_aliases, source_aliases)
def test_drawn_dataset_is_prepared_as_before(data: Dataset, people: dict | None, sources: dict | None) -> None:
    assert_same(data, person_aliases=people, source_aliases=sources)


# ---- The exact-but-cheap repeat finder ----------------------------------------------------------------------------


def by_length(key: pl.Expr) -> pl.Expr:
    """A deliberately poor fingerprint: every key of the same length collides."""
    return key.str.len_bytes()


@pytest.mark.parametrize(("keep", "kept"), [("first", ["a", "bb", "cc", None, None, "dd"]),
                                            ("last", ["cc", "a", None, "bb", None, "dd"])])
def test_repeats_are_found_exactly_even_when_fingerprints_collide(keep: str, kept: list) -> None:
    frame = pl.DataFrame({"key": ["a", "bb", "cc", "a", None, "bb", None, "dd"], "row": range(8)})
    result, dropped = _dedupe(frame, "key", keep, fingerprint=by_length)
    assert result["key"].to_list() == kept
    assert dropped == 2


def test_colliding_fingerprints_without_repeats_drop_nothing() -> None:
    frame = pl.DataFrame({"key": ["aa", "bb", None, "cc", None]})
    result, dropped = _dedupe(frame, "key", "first", fingerprint=by_length)
    assert result["key"].to_list() == ["aa", "bb", None, "cc", None]
    assert dropped == 0


@pytest.mark.parametrize("normal_share", [0, 1, 5, 9])
def test_phones_are_normalised_as_the_regular_expression_does_whatever_the_mix(normal_share: int) -> None:
    """Mostly other layouts (the whole column rebuilt) or mostly `7…` (only the others gathered): every number
    as `normalize.phone` has it, nulls and odd spellings included."""
    odd = ["89000010001", "+7 (900) 001-00-02", "8 900 001-00-03", "+7 (900) 0010004", "7900001000٣", "1234", "",
           "+44 20 7946 0000", None, "+7 (9OO) 001-00-05", "8900001000", "8-900-001-00-06", "-7900-001-00-07-",
           "+7 (+7 (900) 01-00-08", "+7 (900) 001–00–09", "+7 (٣00) 001-00-10", "+7 (900) 001-00-1"]
    phones = pl.Series("phone", ["79000010009"] * normal_share * len(odd) + odd * (10 - normal_share), pl.String)
    expected = phones.to_frame().select(normalize.phone(pl.col("phone")).alias("phone_norm")).to_series()
    assert_series_equal(_normal_phones(phones), expected)
    assert _normal_phones(phones).head(3).to_list() == (["79000010009"] * 3 if normal_share else
                                                        ["79000010001", "79000010002", "79000010003"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="0123456789+7 ()-8٣x–", max_size=20),
                          st.lists(st.sampled_from([*"0123456789" * 4, "+7 (", ") ", "-", " ", "٣"]),
                                   min_size=9, max_size=15).map("".join)), max_size=30))
def test_any_phone_is_normalised_as_the_regular_expression_does(phones: list[str | None]) -> None:
    """The literal replacements of `+7 (`, `) ` and `-` give the digits `\\D` removal gives, whatever the text."""
    series = pl.Series("phone", phones, pl.String)
    expected = series.to_frame().select(normalize.phone(pl.col("phone")).alias("phone_norm")).to_series()
    assert_series_equal(_normal_phones(series), expected)
