"""Issue 13, item 6 on the screens: in a cohort, the steps after booking are judged on meetings that have had their
chance — the Overview's cards and leaderboard, the Sources month table and a person's month table alike
(analytics/maturity.py `judged_on_mature`), with "too early to judge" where too few are mature.

The fixture is the demo floor exported on Friday 30.10 (tests/test_diagnostics.py `cut_at_friday`): October is
complete by its working days, but the meetings booked in its last days are still ahead and none of October's held
meetings has had its 30-day payment window. Compared plainly, the floor's October held, payments, revenue and
held → paid "fell" 20–44 %; what the diagnostics find is Соколов's confirmation collapse and Yandex's target share.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from analytics.comparison import compare, month_over_month
from analytics.importing.pipeline import Upload
from analytics.maturity import judged_on_mature, judged_periods, mature_facts, sum_mature
from analytics.metrics import Filters, aggregate, facts, filter_facts
from analytics.model import prepare
from analytics.schema import Dataset
from data.generate_demo import (
    CALLS_FILE,
    DEALS_FILE,
    FloorConfig,
    calls_csv,
    calls_table,
    deals_table,
    deals_xlsx,
    generate_floor,
)
from tests.conftest import open_screen
from tests.test_diagnostics import cut_at_friday

RED, GRAY = MetricProto.MetricColor.RED, MetricProto.MetricColor.GRAY
SOKOLOV = "Соколов Дмитрий"


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


@pytest.fixture(scope="module")
def friday() -> Dataset:
    return cut_at_friday(generate_floor(FloorConfig()))


@pytest.fixture(scope="module")
def friday_files(friday: Dataset) -> list[Upload]:
    """The Friday export as a floor uploads it: the CRM's deals workbook and the PBX's call log."""
    return [Upload(DEALS_FILE, deals_xlsx(deals_table(friday))), Upload(CALLS_FILE, calls_csv(calls_table(friday)))]


def card(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def red_cells(at: AppTest, columns_include: str) -> tuple[pl.DataFrame, set[tuple[object, str]]]:
    """The table whose columns include `columns_include` and its cells painted as a drop: {(first column, column)}."""
    table = next(d for d in at.dataframe if columns_include in d.value.columns)
    frame = table.value
    css = table.proto.arrow_data.styler.styles
    painted = {(int(r), int(c)) for selectors, style in re.findall(r"([^{}]*)\{([^}]*)\}", css) if "#fde0dc" in style
               for r, c in re.findall(r"row(\d+)_col(\d+)", selectors)}
    return pl.from_pandas(frame), {(frame.iloc[r, 0], frame.columns[c]) for r, c in painted}


# ---- the rule itself, on hand-built cohorts -----------------------------------------------------------------------

Spec = tuple[datetime, bool, bool]  # (meeting date, held, paid a week after it)


def two_cohorts(september: list[Spec], october: list[Spec]) -> Dataset:
    """Ann's meetings booked on 1.09 and on 1.10, one lead each; the data end on Friday 30.10 (a call that day)."""
    rows = [("S", datetime(2026, 9, 1, 10), spec) for spec in september] + [
        ("O", datetime(2026, 10, 1, 10), spec) for spec in october]
    ids = [f"{prefix}{i}" for i, (prefix, _, _) in enumerate(rows)]
    leads = pl.DataFrame({"lead_id": ids, "created_at": [datetime(2026, 8, 31, 9)] * len(ids),
                          "employee": ["Ann"] * len(ids), "source": ["google"] * len(ids)})
    meetings = pl.DataFrame({"lead_id": ids, "booked_at": [booked for _, booked, _ in rows],
                             "meeting_at": [spec[0] for _, _, spec in rows], "confirmed": [True] * len(ids),
                             "held": [spec[1] for _, _, spec in rows]})
    paid = [(lead, spec[0] + timedelta(days=7)) for lead, (_, _, spec) in zip(ids, rows, strict=True) if spec[2]]
    payments = pl.DataFrame({"lead_id": [lead for lead, _ in paid], "paid_at": [when for _, when in paid],
                             "amount": [100.0] * len(paid)})
    calls = pl.DataFrame({"started_at": [datetime(2026, 10, 30, 17)], "employee": ["Ann"], "duration_s": [90]})
    return Dataset.from_frames(calls=calls, leads=leads, meetings=meetings, payments=payments)


SEPTEMBER = [(datetime(2026, 9, 3, 11), True, i < 100) for i in range(200)]  # 200 held, 100 paid within a week


def october_judged(october: list[Spec]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """October against September per metric: the plain comparison and the one judged on mature meetings."""
    model = prepare(two_cohorts(SEPTEMBER, october))
    changes = month_over_month(aggregate(facts(model), ["month"]))
    sums = sum_mature(mature_facts(model, date(2026, 10, 30)), ["month"])
    judged = judged_on_mature(changes, sums)
    return changes.filter(pl.col("month") == "2026-10"), judged.filter(pl.col("month") == "2026-10")


def flags(table: pl.DataFrame, column: str = "worse") -> dict[str, bool]:
    return dict(zip(table["metric"], table[column], strict=True))


def test_a_fresh_cohorts_payments_are_too_early_not_a_drop() -> None:
    # October: 200 meetings held 26.10, none paid by the data end 30.10. Plainly held → paid fell from
    # 100 / 200 = 50 % to 0 % and payments from 100 to 0. None of October's held meetings is past its 30-day
    # window (26.10 + 30 days > 30.10): too early to judge, not a drop.
    october = [(datetime(2026, 10, 26, 11), True, False) for _ in range(200)]
    plain, judged = october_judged(october)
    assert flags(plain)["conv_held_to_paid"] and flags(plain)["payments"] and flags(plain)["revenue"]
    assert (flags(judged)["conv_held_to_paid"], flags(judged)["payments"], flags(judged)["revenue"]) == (
        False, False, False)
    assert flags(judged, "too_early")["conv_held_to_paid"] and flags(judged, "too_early")["payments"]
    # the chain had its chance: 200 due, 200 held, as in September — judged, and no drop
    assert not flags(judged, "too_early")["conv_scheduled_to_held"] and not flags(judged)["meetings_held"]


def test_meetings_still_ahead_do_not_make_the_held_count_fall() -> None:
    # October: 150 meetings on 5.10, all held; 50 on 3.11, still ahead. Plainly 150 held against 200 (−25 %,
    # binomial p ≈ 0.004): red. Of the due meetings all were held (100 % as in September), and 150 held of the
    # 75 % of the cohort that is due is 200 for the whole cohort: no fall.
    october = [(datetime(2026, 10, 5, 11), True, False)] * 150 + [(datetime(2026, 11, 3, 11), False, False)] * 50
    plain, judged = october_judged(october)
    assert flags(plain)["meetings_held"] and flags(plain)["conv_scheduled_to_held"]
    held = judged.filter(pl.col("metric") == "meetings_held").row(0, named=True)
    assert (held["current"], held["previous"], held["worse"], held["too_early"]) == (150, 200, False, False)
    assert not flags(judged)["conv_scheduled_to_held"]


def test_a_real_fall_of_held_meetings_is_still_red() -> None:
    # October: 200 meetings on 5.10, all due; only 100 held. Held 100 against 200 and booked → held 50 % against
    # 100 %: a real fall, red on mature meetings as plainly.
    october = [(datetime(2026, 10, 5, 11), i < 100, False) for i in range(200)]
    plain, judged = october_judged(october)
    for table in (plain, judged):
        assert flags(table)["meetings_held"] and flags(table)["conv_scheduled_to_held"]
        assert flags(table)["conv_confirmed_to_held"]


def test_a_period_against_the_one_before_is_judged_alike() -> None:
    """The Overview's cards compare a period with the one before (`compare`), not month tables: the same rule."""
    model = prepare(two_cohorts(SEPTEMBER, [(datetime(2026, 10, 26, 11), True, False) for _ in range(200)]))
    october, september = Filters(date(2026, 10, 1), date(2026, 10, 31)), Filters(date(2026, 9, 1), date(2026, 9, 30))
    table = lambda f: aggregate(filter_facts(facts(model), f))  # noqa: E731
    judged = judged_periods(compare(table(october), table(september)), mature_facts(model, date(2026, 10, 30)),
                            october, september)
    assert not judged["worse"].any()
    assert {m for m in judged.filter(pl.col("too_early"))["metric"]} == {"payments", "revenue", "conv_held_to_paid"}


# ---- the screens, on the demo exported on Friday 30.10 -------------------------------------------------------------

def test_overview_does_not_paint_the_fresh_cohort_red(friday_files: list[Upload]) -> None:
    at = open_screen("floor_overview", uploads=friday_files)
    held, paid, revenue = card(at, "Meetings held"), card(at, "Payments"), card(at, "Revenue")
    # October against September as the cards show them: plainly these are falls of 20–44 %, and were red.
    assert (held.value, held.delta) == ("345", "−88 (−20.3%)")
    assert (paid.value, paid.delta) == ("66", "−51 (−43.6%)")
    assert (held.proto.color, paid.proto.color, revenue.proto.color) == (GRAY, GRAY, GRAY)
    assert any(c.value.startswith("Too early to judge: Payments, Revenue, Held → paid") for c in at.caption)
    # The leaderboard: nobody's October held → paid is painted (none of it has had its payment window) …
    board, painted = red_cells(at, "conv_held_to_paid")
    assert not [cell for cell in painted if cell[1] in ("conv_held_to_paid", "payments", "revenue")]
    # … while Соколов's collapse is: 37 held of 117 booked, 100 due (September 77 of 110).
    assert (SOKOLOV, "meetings_held") in painted
    assert board.filter(pl.col("employee") == SOKOLOV)["meetings_held"].to_list() == ["37"]


def test_a_real_drop_is_still_red_on_the_overview(friday_files: list[Upload]) -> None:
    at = open_screen("floor_overview", uploads=friday_files, f_people=[SOKOLOV])
    held = card(at, "Meetings held")
    assert (held.value, held.delta, held.proto.color) == ("37", "−40 (−51.9%)", RED)
    assert card(at, "Payments").proto.color == GRAY  # his payments: too early, like everyone's


def test_sources_month_table_judges_held_to_paid_on_mature_meetings(friday_files: list[Upload]) -> None:
    at = open_screen("source_comparison", uploads=friday_files, sources_mom_metric="conv_held_to_paid")
    table, painted = red_cells(at, "2026-10")
    # Plainly Google 30.6 % → 19.9 % and Yandex 25.8 % → 16.5 %: falls of a third, and they were red.
    assert table.select("source", "2026-09", "2026-10").rows() == [("Google", "30.6%", "19.9%"),
                                                                  ("Yandex", "25.8%", "16.5%")]
    assert not painted
    assert any(c.value.startswith("Too early to judge (October 2026): Held → paid") for c in at.caption)


def test_sources_month_table_still_paints_a_real_drop(friday_files: list[Upload]) -> None:
    at = open_screen("source_comparison", uploads=friday_files, sources_mom_metric="meetings_held")
    table, painted = red_cells(at, "2026-10")
    # Yandex held 124 → 79 of meetings booked in September / October — still red on the meetings that were due;
    # Google's 186 → 151 is what its meetings still ahead explain.
    assert table.select("source", "2026-09", "2026-10").rows() == [("Google", "186", "151"), ("Yandex", "124", "79")]
    assert ("Yandex", "2026-10") in painted and ("Google", "2026-10") not in painted


def test_a_persons_month_table_uses_the_same_rule(friday_files: list[Upload]) -> None:
    at = open_screen("lead_generator", uploads=friday_files, person=SOKOLOV)
    _, painted = red_cells(at, "2026-10")
    painted_october = {label for label, month in painted if month == "2026-10"}
    assert "Booked → confirmed" in painted_october and "Meetings held" in painted_october
    assert not painted_october & {"Held → paid", "Payments", "Revenue"}
