"""Hunters (SPEC §3a): the `hunter` grouping and filter, checked on a floor whose every number is counted by hand.

The floor: lead generators A and B book eight meetings for hunters H1 and H2 (one with no hunter: `unknown`).

    meeting lead setter hunter        booked  meeting  confirmed (at)   held (at)       event dates: conf / held
    m1      L1   A      H1            03-05   03-10    yes (03-06)      yes (03-10)     03-06 / 03-10
    m2      L2   B      H2            03-06   04-02    –                yes (04-02)     04-02 / 04-02
    m3      L2   A      H1            03-20   03-25    yes              yes (03-25)     03-25 / 03-25
    m4      L3   B      H2            03-09   03-12    yes (03-10)      no              03-10 / –
    m5      L4   B      (empty)       03-10   03-16    no               no              – / –
    m6      L4   B      " H2 "        03-25   04-01    yes (03-30)      yes (no date)   03-30 / 04-01
    m7      L1   A      "Hunter  Two" 03-12   03-18    yes              yes (03-18)     03-18 / 03-18
    m8      L3   B      H1            03-21   –        no               no              – / –

"Hunter  Two" is merged into H2 by the people merges, " H2 " is trimmed. L1 and L2 each have two held meetings by
different hunters: the payment goes with the *first held* meeting, m1 (not m7) and m3 (not m2, held later although
booked earlier), so both paid leads are A × H1's. Payments: L1 1 000 on 03-15 and 100 on 04-10; L2 2 000 on 04-05
and 300 on 04-20; L3 500 on 03-20 with no held meeting (paid without a meeting, credited to B, no hunter's).
Calls: A 90 s and 30 s, B 61 s and 45 s (to L4's number).
Leads: L1 (A, target), L2 (A, non-target), L3 (B), L4 (B, target).
"""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import records
from analytics.cli import build_parser, main
from analytics.metrics import NOT_HUNTERS_WORK, Filters, aggregate, compute, facts, filter_facts
from analytics.model import Prepared, prepare
from analytics.registry import METRIC_KEYS
from analytics.schema import Dataset
from tests.test_metrics_properties import floors

N = None  # a ratio with a zero denominator, or a metric that is no hunter's work


def d(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-{text}")


LEADS = pl.DataFrame({
    "lead_id": ["L1", "L2", "L3", "L4"],
    "created_at": [d("03-02 09:00"), d("03-03 09:00"), d("03-03 10:00"), d("03-04 09:00")],
    "employee": ["A", "A", "B", "B"],
    "source": ["google", "яндекс", "google", None],
    "is_target": [True, False, None, True],
    "phone": ["79000000001", "79000000002", "79000000003", "79000000004"],
})
CALLS = pl.DataFrame({
    "started_at": [d("03-02 10:00"), d("03-02 11:00"), d("03-03 12:00"), d("03-24 15:00")],
    "employee": ["A", "A", "B", "B"],
    "duration_s": [90, 30, 61, 45],
    "lead_id": ["L1", None, None, None],
    "phone": [None, None, None, "+7 900 000-00-04"],
    "call_id": ["c1", "c2", "c3", "c4"],
})
MEETINGS = pl.DataFrame({
    "meeting_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"],
    "lead_id": ["L1", "L2", "L2", "L3", "L4", "L4", "L1", "L3"],
    "setter": ["A", "B", "A", "B", "B", "B", "A", "B"],
    "hunter": ["H1", "H2", "H1", "H2", "", " H2 ", "Hunter  Two", "H1"],
    "booked_at": [d("03-05 10:00"), d("03-06 10:00"), d("03-20 10:00"), d("03-09 10:00"), d("03-10 10:00"),
                  d("03-25 10:00"), d("03-12 10:00"), d("03-21 10:00")],
    "meeting_at": [d("03-10 11:00"), d("04-02 11:00"), d("03-25 11:00"), d("03-12 11:00"), d("03-16 11:00"),
                   d("04-01 11:00"), d("03-18 11:00"), None],
    "confirmed": [True, None, True, True, False, True, True, False],
    "confirmed_at": [d("03-06 09:00"), None, None, d("03-10 09:00"), None, d("03-30 09:00"), None, None],
    "held": [True, True, True, False, False, True, True, False],
    "held_at": [d("03-10 11:00"), d("04-02 11:00"), d("03-25 11:00"), None, None, None, d("03-18 11:00"), None],
})
PAYMENTS = pl.DataFrame({
    "lead_id": ["L1", "L1", "L2", "L2", "L3"],
    "paid_at": [d("03-15 12:00"), d("04-10 12:00"), d("04-05 12:00"), d("04-20 12:00"), d("03-20 12:00")],
    "amount": [1000.0, 100.0, 2000.0, 300.0, 500.0],
})
MERGES = {"Hunter Two": "H2"}
MARCH = Filters(date(2026, 3, 1), date(2026, 3, 31))


def hunters_floor() -> Dataset:
    return Dataset.from_frames(calls=CALLS, leads=LEADS, meetings=MEETINGS, payments=PAYMENTS)


@pytest.fixture(scope="module")
def model() -> Prepared:
    return prepare(hunters_floor(), person_aliases=MERGES)


def rows(table: pl.DataFrame, *keys: str) -> dict[tuple[str, ...], dict]:
    return {tuple(r[k] for k in keys): r for r in table.to_dicts()}


def check(row: dict, expected: dict) -> None:
    for key, value in expected.items():
        if value is None:
            assert row[key] is None, key
        else:
            assert row[key] == pytest.approx(value), key


# ---- the model ----------------------------------------------------------------------------------------------------


def test_hunters_are_normalised_and_merged_and_empty_is_unknown(model: Prepared) -> None:
    assert model.meetings["hunter"].to_list() == ["H1", "H2", "H1", "H2", "unknown", "H2", "H2", "H1"]
    unmerged = prepare(hunters_floor())
    assert unmerged.meetings["hunter"].to_list()[6] == "Hunter Two"  # trimmed, inner spaces collapsed, not merged


def test_a_paid_lead_goes_to_the_hunter_and_setter_of_its_first_held_meeting(model: Prepared) -> None:
    paid = rows(model.paid_leads, "lead_id")
    assert (paid[("L1",)]["credited_to"], paid[("L1",)]["credited_hunter"]) == ("A", "H1")  # m1, not m7 (H2)
    assert (paid[("L2",)]["credited_to"], paid[("L2",)]["credited_hunter"]) == ("A", "H1")  # m3, not m2 (B, H2)
    assert paid[("L3",)]["credited_hunter"] is None  # paid without a held meeting: nobody's meeting


# ---- --by hunter ---------------------------------------------------------------------------------------------------

NO_CALLS_OR_LEADS = dict(calls_60s=N, calls_total=N, minutes_on_line=N, leads_new=N, leads_target=N,
                         leads_nontarget=N, conv_call_to_scheduled=N, paid_without_meeting=N,
                         revenue_without_meeting=N)
BY_HUNTER = {  # identical in both modes over the whole data; the months differ (below)
    ("H1",): dict(meetings_scheduled=3, meetings_confirmed=2, meetings_held=2, payments=2, revenue=3400.0,
                  conv_scheduled_to_confirmed=2 / 3, conv_confirmed_to_held=1.0, conv_scheduled_to_held=2 / 3,
                  conv_held_to_paid=1.0),
    ("H2",): dict(meetings_scheduled=4, meetings_confirmed=4, meetings_held=3, payments=0, revenue=0.0,
                  conv_scheduled_to_confirmed=1.0, conv_confirmed_to_held=0.75, conv_scheduled_to_held=0.75,
                  conv_held_to_paid=0.0),
    ("unknown",): dict(meetings_scheduled=1, meetings_confirmed=0, meetings_held=0, payments=0, revenue=0.0,
                       conv_scheduled_to_confirmed=0.0, conv_confirmed_to_held=N, conv_scheduled_to_held=0.0,
                       conv_held_to_paid=N),
}


@pytest.mark.parametrize("mode", ["cohort", "event"])
def test_by_hunter(model: Prepared, mode: str) -> None:
    table = compute(model, ["hunter"], mode=mode)
    assert table.columns == ["hunter", *METRIC_KEYS]
    got = rows(table, "hunter")
    assert list(got) == list(BY_HUNTER)  # sorted; calls, leads and the payment without a meeting form no row
    for hunter, expected in BY_HUNTER.items():
        check(got[hunter], {**expected, **NO_CALLS_OR_LEADS})


def test_the_floor_keeps_calls_leads_and_the_payment_without_a_meeting(model: Prepared) -> None:
    floor = compute(model).row(0, named=True)
    check(floor, dict(calls_60s=2, calls_total=4, minutes_on_line=226 / 60, leads_new=4, leads_target=2,
                      leads_nontarget=1, meetings_scheduled=8, meetings_confirmed=6, meetings_held=5, payments=2,
                      revenue=3400.0, conv_call_to_scheduled=4.0, paid_without_meeting=1,
                      revenue_without_meeting=500.0))


def test_by_hunter_and_month_in_cohort_mode_everything_is_march(model: Prepared) -> None:
    got = rows(compute(model, ["hunter", "month"]), "hunter", "month")
    assert list(got) == [("H1", "2026-03"), ("H2", "2026-03"), ("unknown", "2026-03")]
    check(got[("H1", "2026-03")], dict(meetings_held=2, payments=2, revenue=3400.0, conv_held_to_paid=1.0))


def test_by_hunter_and_month_in_event_mode_each_step_on_its_own_date(model: Prepared) -> None:
    got = rows(compute(model, ["hunter", "month"], mode="event"), "hunter", "month")
    assert list(got) == [("H1", "2026-03"), ("H1", "2026-04"), ("H2", "2026-03"), ("H2", "2026-04"),
                         ("unknown", "2026-03")]
    check(got[("H1", "2026-03")], dict(meetings_scheduled=3, meetings_confirmed=2, meetings_held=2, payments=1,
                                       revenue=1000.0, conv_held_to_paid=0.5, calls_60s=N))
    check(got[("H1", "2026-04")], dict(meetings_scheduled=0, meetings_held=0, payments=1, revenue=2400.0,
                                       conv_held_to_paid=N))
    check(got[("H2", "2026-03")], dict(meetings_scheduled=4, meetings_confirmed=3, meetings_held=1, payments=0,
                                       conv_held_to_paid=0.0))
    check(got[("H2", "2026-04")], dict(meetings_scheduled=0, meetings_confirmed=1, meetings_held=2,
                                       conv_confirmed_to_held=2.0))
    check(got[("unknown", "2026-03")], dict(meetings_scheduled=1, meetings_confirmed=0, meetings_held=0))


# ---- --by employee,hunter: the lead generator × hunter matrix -------------------------------------------------------

MATRIX = {  # cohort mode, any period holding March; held → paid is the matrix a head of sales reads
    ("A", "H1"): dict(meetings_scheduled=2, meetings_confirmed=2, meetings_held=2, payments=2, revenue=3400.0,
                      conv_held_to_paid=1.0),
    ("A", "H2"): dict(meetings_scheduled=1, meetings_confirmed=1, meetings_held=1, payments=0, conv_held_to_paid=0.0),
    ("B", "H1"): dict(meetings_scheduled=1, meetings_confirmed=0, meetings_held=0, payments=0, conv_held_to_paid=N),
    ("B", "H2"): dict(meetings_scheduled=3, meetings_confirmed=3, meetings_held=2, payments=0, conv_held_to_paid=0.0,
                      conv_scheduled_to_held=2 / 3),
    ("B", "unknown"): dict(meetings_scheduled=1, meetings_confirmed=0, meetings_held=0, conv_confirmed_to_held=N),
}
EVENT_MARCH_MATRIX = {
    ("A", "H1"): dict(meetings_scheduled=2, meetings_confirmed=2, meetings_held=2, payments=1, revenue=1000.0,
                      conv_held_to_paid=0.5),
    ("A", "H2"): dict(meetings_scheduled=1, meetings_confirmed=1, meetings_held=1, payments=0, conv_held_to_paid=0.0),
    ("B", "H1"): dict(meetings_scheduled=1, meetings_confirmed=0, meetings_held=0, conv_held_to_paid=N),
    ("B", "H2"): dict(meetings_scheduled=3, meetings_confirmed=2, meetings_held=0, conv_confirmed_to_held=0.0,
                      conv_held_to_paid=N),
    ("B", "unknown"): dict(meetings_scheduled=1, meetings_confirmed=0, meetings_held=0),
}


@pytest.mark.parametrize(("mode", "expected"), [("cohort", MATRIX), ("event", EVENT_MARCH_MATRIX)])
def test_lead_generator_by_hunter_matrix_in_march(model: Prepared, mode: str, expected: dict) -> None:
    got = rows(compute(model, ["employee", "hunter"], MARCH, mode), "employee", "hunter")
    assert list(got) == list(expected)
    for pair, values in expected.items():
        check(got[pair], {**values, **NO_CALLS_OR_LEADS})


# ---- the hunter filter ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(hunters=("H2",)), BY_HUNTER[("H2",)]),
    (Filters(hunters=("H1", "unknown")), dict(meetings_scheduled=4, meetings_held=2, payments=2, revenue=3400.0)),
    (Filters(employees=("A",), hunters=("H1",)), MATRIX[("A", "H1")]),
    (Filters(hunters=("nobody",)), dict(meetings_scheduled=0, payments=0, conv_held_to_paid=N)),
])
def test_a_hunter_filter_keeps_their_meetings_and_payments_and_nulls_calls_and_leads(
        model: Prepared, filters: Filters, expected: dict) -> None:
    check(compute(model, filters=filters).row(0, named=True), {**expected, **NO_CALLS_OR_LEADS})


def test_the_hunter_filter_and_the_hunter_grouping_agree(model: Prepared) -> None:
    by_hunter = compute(model, ["hunter", "month"], mode="event").filter(pl.col("hunter") == "H2").drop("hunter")
    assert by_hunter.equals(compute(model, ["month"], Filters(hunters=("H2",)), "event"))


# ---- T travels with the facts (issue 14) ----------------------------------------------------------------------------


def test_facts_counted_with_another_t_are_refused(model: Prepared) -> None:
    counted_at_60 = facts(model, "cohort", 60)
    with pytest.raises(ValueError, match="at least 60 s, but the filters ask for 90 s"):
        filter_facts(counted_at_60, Filters(min_call_seconds=90))
    assert aggregate(filter_facts(counted_at_60, Filters(min_call_seconds=60)))["calls_60s"].item() == 2


def test_filters_that_name_no_t_take_the_facts_own(model: Prepared) -> None:
    at_90 = facts(model, "event", 90)
    assert aggregate(filter_facts(at_90, Filters(employees=("A", "B"))))["calls_60s"].item() == 1  # the 90 s call
    assert compute(model, filters=Filters(min_call_seconds=90))["calls_60s"].item() == 1
    assert compute(model, filters=Filters(min_call_seconds=91))["calls_60s"].item() == 0


def test_facts_without_calls_carry_no_t_and_take_any_filter(model: Prepared) -> None:
    meetings_only = facts(model).filter(pl.col("hunter").is_not_null()).drop("min_call_seconds")
    assert aggregate(filter_facts(meetings_only, Filters(min_call_seconds=90)))["meetings_held"].item() == 5


# ---- the records of a hunter ---------------------------------------------------------------------------------------


def test_records_of_a_hunter_are_their_held_meetings_paid_or_not(model: Prepared) -> None:
    h2 = records.hunter_meetings(model, Filters(hunters=("H2",)))
    # m7 (L1, held 03-18), m6 (L4, held 04-01, its meeting date), m2 (L2, held 04-02): L1 and L2 paid, but to H1.
    assert h2.select("lead_id", "setter", "paid", "credited", "paid_amount").rows() == [
        ("L1", "A", True, False, None), ("L4", "B", False, False, None), ("L2", "B", True, False, None)]
    h1 = records.hunter_meetings(model, Filters(hunters=("H1",)))
    assert h1.select("lead_id", "credited", "paid_amount", "paid_at").rows() == [
        ("L1", True, 1100.0, d("03-15 12:00")), ("L2", True, 2300.0, d("04-05 12:00"))]


def test_records_of_a_hunter_follow_the_mode_and_period(model: Prepared) -> None:
    march = Filters(date(2026, 3, 1), date(2026, 3, 31), hunters=("H2",))
    assert records.hunter_meetings(model, march, "cohort")["lead_id"].to_list() == ["L1", "L4", "L2"]  # booked
    assert records.hunter_meetings(model, march, "event")["lead_id"].to_list() == ["L1"]  # held in March: m7 only
    everyone = records.hunter_meetings(model, Filters(employees=("B",)))
    assert everyone.select("hunter", "lead_id").rows() == [("H2", "L4"), ("H2", "L2")]  # B's held meetings


def test_other_records_under_a_hunter_filter(model: Prepared) -> None:
    scoped = Filters(hunters=("H2",))
    assert records.meetings(model, scoped)["lead_id"].to_list() == ["L2", "L3", "L1", "L4"]  # m2 m4 m7 m6
    assert records.leads(model, scoped).is_empty() and records.calls(model, scoped).is_empty()  # no hunter's work
    # The calls to listen to behind H2's held but unpaid meetings: m6 of L4, whose number B called on 03-24.
    listen = records.calls(model, scoped, "held_unpaid")
    assert listen.select("employee", "duration_s", "lead_id", "linked_by").rows() == [("B", 45, "L4", "phone")]
    assert records.calls(model, Filters(hunters=("H1",)), "held_unpaid").is_empty()  # H1's held meetings all paid


# ---- invariants (hypothesis): hunters sum to the floor ---------------------------------------------------------------

HUNTERS_SUMS = ("meetings_scheduled", "meetings_confirmed", "meetings_held", "payments", "revenue")


@st.composite
def floors_with_hunters(draw: st.DrawFn) -> Dataset:
    data = draw(floors())
    names = st.sampled_from(["H1", " H1", "H2", "", None])
    hunters = draw(st.lists(names, min_size=data.meetings.height, max_size=data.meetings.height))
    return Dataset(data.calls, data.leads, data.meetings.with_columns(pl.Series("hunter", hunters, pl.String)),
                   data.payments)


@pytest.mark.parametrize("mode", ["cohort", "event"])
@settings(max_examples=40, deadline=None)
@given(data=floors_with_hunters())
def test_hunters_sum_to_the_floor_and_the_matrix_to_each_lead_generator(data: Dataset, mode: str) -> None:
    model = prepare(data)
    floor = compute(model, mode=mode)
    by_hunter = compute(model, ["hunter"], mode=mode)
    for key in HUNTERS_SUMS:
        assert by_hunter[key].sum() == pytest.approx(floor[key].item()), key
    assert all(by_hunter[key].null_count() == by_hunter.height for key in NOT_HUNTERS_WORK if key in METRIC_KEYS)
    matrix = compute(model, ["employee", "hunter"], mode=mode).group_by("employee").agg(pl.col(HUNTERS_SUMS).sum())
    by_employee = compute(model, ["employee"], mode=mode).join(matrix, on="employee", how="left", suffix="_matrix",
                                                                 nulls_equal=True)
    for key in HUNTERS_SUMS:
        # Revenue is summed in another order per grouping: equal up to float rounding (cents on millions).
        assert (by_employee[key] - by_employee[f"{key}_matrix"].fill_null(0)).abs().max() == pytest.approx(
            0, abs=1e-6), key


# ---- the command line ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("hunters")
    written = []
    for name, frame in (("calls", CALLS), ("leads", LEADS), ("meetings", MEETINGS), ("payments", PAYMENTS)):
        path = folder / f"{name}.csv"
        frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M")
        written += [f"--{name}", str(path)]
    return written


def run(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["metrics", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_by_hunter(files: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, *files, "--by", "hunter")
    assert out["warnings"] == []
    got = {(r["hunter"],): r for r in out["rows"]}
    # Without the merges of a workspace, "Hunter  Two" is a hunter of its own (m7: A's, held, not paid).
    assert list(got) == [("H1",), ("H2",), ("Hunter Two",), ("unknown",)]
    check(got[("H1",)], {**BY_HUNTER[("H1",)], **NO_CALLS_OR_LEADS})
    check(got[("H2",)], dict(meetings_scheduled=3, meetings_confirmed=3, meetings_held=2, payments=0,
                             conv_held_to_paid=0.0, calls_60s=N, minutes_on_line=N, leads_new=N))
    check(got[("Hunter Two",)], dict(meetings_scheduled=1, meetings_held=1, payments=0, conv_held_to_paid=0.0))


def test_cli_lead_generator_by_hunter_in_event_mode(files: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, *files, "--by", "employee,hunter", "--mode", "event", "--from", "2026-03-01",
              "--to", "2026-03-31")
    got = {(r["employee"], r["hunter"]): r for r in out["rows"]}
    assert list(got) == [("A", "H1"), ("A", "Hunter Two"), ("B", "H1"), ("B", "H2"), ("B", "unknown")]
    check(got[("A", "H1")], {**EVENT_MARCH_MATRIX[("A", "H1")], **NO_CALLS_OR_LEADS})
    check(got[("B", "H2")], EVENT_MARCH_MATRIX[("B", "H2")])


def test_cli_floor_is_unchanged_by_hunters(files: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    floor = run(capsys, *files)["rows"][0]
    check(floor, dict(calls_60s=2, leads_new=4, meetings_held=5, payments=2, paid_without_meeting=1))


HAS_HUNTER_OPTION = not build_parser().parse_known_args(["metrics", "--hunter", "H1"])[1]


@pytest.mark.skipif(not HAS_HUNTER_OPTION, reason="analytics/cli.py has no --hunter option yet (the lead adds it)")
def test_cli_hunter_filter(files: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, *files, "--hunter", "H1", "unknown")
    check(out["rows"][0], dict(meetings_scheduled=4, meetings_held=2, payments=2, revenue=3400.0, calls_60s=N,
                               leads_new=N))
