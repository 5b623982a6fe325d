"""Trends as charts (issue 13, item 11) on the Lead generator and Overview screens, calls ≥ 60 s and minutes in the
Overview's ranking, and the Lead generator's checks of situation 1 (item 9), under AppTest on the demo in both
languages: the charts' data against the metrics engine, the drops against the tables' rule, the checks against
counts made by hand from the demo's meetings."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.metrics import Filters, compute
from analytics.model import Prepared
from tests.conftest import open_screen as open_page

OCTOBER = Filters(date(2026, 10, 1), date(2026, 10, 31))  # the demo's "last month", the sidebar's default
SOKOLOV = "Соколов Дмитрий"  # story 1: his clients confirm ~30 % of October's meetings instead of ~82 %


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def trend_charts(at: AppTest) -> list[pl.DataFrame]:
    """The data of the page's trend charts (the charts whose rows carry `period` and `worse`), in page order."""
    frames = []
    for element in at.main:
        if getattr(element, "type", None) != "vega_lite_chart":
            continue
        for data in element.proto.datasets:
            frame = pl.from_pandas(convert_arrow_bytes_to_pandas_df(data.data.data))
            if {"period", "worse"} <= set(frame.columns):
                frames.append(frame)
    return frames


# ---- the Lead generator's trend --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ru"])
def test_person_trend_opens_on_meetings_held_by_month(lang: str, demo_model: Prepared) -> None:
    at = open_page("lead_generator", lang, person=SOKOLOV)
    assert at.selectbox(key="trend_metric").value == "meetings_held"
    assert at.radio(key="trend_grain").value == "month"
    [chart] = trend_charts(at)
    expected = compute(demo_model, by=["month"], filters=Filters(employees=(SOKOLOV,)))
    assert chart["period"].to_list() == expected["month"].to_list() == [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert chart["meetings_held"].to_list() == expected["meetings_held"].to_list() == [69, 78, 66, 77, 44, 43]
    # 77 → 44 held in October is his collapse: marked as a drop, like the table's red cell
    assert dict(zip(chart["period"], chart["worse"], strict=True))["2026-10"] is True


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_person_trend_marks_octobers_confirmation_collapse(lang: str) -> None:
    at = open_page("lead_generator", lang, person=SOKOLOV)
    at.selectbox(key="trend_metric").set_value("conv_scheduled_to_confirmed").run()
    assert not at.exception
    [chart] = trend_charts(at)
    rates = dict(zip(chart["period"], chart["conv_scheduled_to_confirmed"], strict=True))
    assert rates["2026-09"] == pytest.approx(92 / 110) and rates["2026-10"] == pytest.approx(48 / 117)
    worse = dict(zip(chart["period"], chart["worse"], strict=True))
    assert worse["2026-10"] is True and worse["2026-09"] is False and worse["2026-07"] is False
    assert set(chart["flag"]) == {"", i18n.t("trend_drop", lang)}


def test_person_trend_week_by_week_and_as_bars(demo_model: Prepared) -> None:
    at = open_page("lead_generator", person=SOKOLOV)
    at.radio(key="trend_grain").set_value("week").run()
    at.radio(key="trend_mark").set_value("bar").run()
    assert not at.exception
    [chart] = trend_charts(at)
    expected = compute(demo_model, by=["week"], filters=Filters(employees=(SOKOLOV,)))
    assert chart["period"].to_list() == expected["week"].to_list()
    assert chart["period"][0] == "2026-W23" and chart["period"][-1] == "2026-W47"  # 1 June … 20 November
    assert chart["meetings_held"].to_list() == expected["meetings_held"].to_list()
    assert chart["meetings_held"].sum() == 69 + 78 + 66 + 77 + 44 + 43  # every held meeting is in one week
    # the last week (data end on Friday 20.11 inside it) is partial: never a drop, though it holds fewer
    assert chart["worse"][-1] is False


# ---- the Overview's trend and ranking ----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ru"])
def test_overview_trend_of_the_two_main_kpis(lang: str, demo_model: Prepared) -> None:
    at = open_page("floor_overview", lang)
    held, payments = trend_charts(at)
    expected = compute(demo_model, by=["month"])
    assert held["period"].to_list() == expected["month"].to_list()
    assert held["meetings_held"].to_list() == expected["meetings_held"].to_list()
    assert payments["payments"].to_list() == expected["payments"].to_list()
    by_month = dict(zip(held["period"], held["meetings_held"], strict=True))
    assert (by_month["2026-09"], by_month["2026-10"]) == (433, 396)  # the floor's cohorts, as the table says
    assert dict(zip(payments["period"], payments["payments"], strict=True))["2026-10"] == 117


def test_overview_trend_week_by_week(demo_model: Prepared) -> None:
    at = open_page("floor_overview")
    at.radio(key="overview_trend_grain").set_value("week").run()
    assert not at.exception
    held, payments = trend_charts(at)
    expected = compute(demo_model, by=["week"])
    assert held["meetings_held"].to_list() == expected["meetings_held"].to_list()
    assert held["meetings_held"].sum() == 427 + 497 + 442 + 433 + 396 + 235
    assert payments["payments"].to_list() == expected["payments"].to_list()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_overview_ranking_shows_calls_and_minutes(lang: str, demo_model: Prepared) -> None:
    at = open_page("floor_overview", lang)
    board = next(d.value for d in at.dataframe if "minutes_on_line" in d.value.columns)
    assert list(board.columns)[-2:] == ["calls_60s", "minutes_on_line"]
    expected = {r["employee"]: r for r in compute(demo_model, by=["employee"], filters=OCTOBER).iter_rows(named=True)}
    for row in board.itertuples():
        assert row.calls_60s == i18n.number(expected[row.employee]["calls_60s"], lang)
        assert row.minutes_on_line == i18n.number(expected[row.employee]["minutes_on_line"], lang)
    petrov = board.set_index("employee").loc["Петров Иван"]
    sep = i18n.NBSP if lang == "ru" else ","
    assert (petrov["calls_60s"], petrov["minutes_on_line"]) == (f"2{sep}095", f"6{sep}411")


# ---- situation 1: many meetings, few payments ---------------------------------------------------------------

def octobers_meetings(model: Prepared, who: str) -> pl.DataFrame:
    """The meetings `who` booked in October, each with whether its lead paid: counted here without the engine."""
    paid = model.paid_leads["lead_id"].implode()
    return model.meetings.filter(
        (pl.col("setter") == who) & pl.col("booked_at").dt.date().is_between(date(2026, 10, 1), date(2026, 10, 31))
    ).with_columns(pl.col("lead_id").is_in(paid).alias("paid"))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_situation_one_checks_for_sokolov(lang: str, demo_model: Prepared) -> None:
    at = open_page("lead_generator", lang, person=SOKOLOV)
    assert i18n.t("s1_title", lang) in [h.value for h in at.subheader]
    mine = octobers_meetings(demo_model, SOKOLOV)
    known = mine.filter(pl.col("is_target").is_not_null())
    nontarget = known.filter(~pl.col("is_target")).height
    from_vk = mine.filter(pl.col("source") == "vk_ads").height
    held = mine.filter(pl.col("held"))
    unpaid = held.filter(~pl.col("paid")).height
    # Counted by hand from the demo: 7 of the 116 qualified leads are non-target, 12 of 117 meetings come from
    # vk_ads (new in October), 27 of the 44 held meetings did not pay.
    assert (nontarget, known.height, from_vk, mine.height, unpaid, held.height) == (7, 116, 12, 117, 27, 44)
    cards = {m.label: m for m in at.metric}
    for key, part, whole in (("s1_nontarget", 7, 116), ("s1_new_source", 12, 117), ("s1_unpaid", 27, 44)):
        card = cards[i18n.t(key, lang)]
        assert card.value == i18n.percent(part / whole, lang)
        assert card.proto.delta == i18n.t("s1_of", lang, n=part, total=whole)
    assert any("vk\\_ads" in c.value for c in at.caption)  # the new source is named


def test_situation_one_lists_the_calls_to_listen_to(demo_model: Prepared) -> None:
    at = open_page("lead_generator", "ru", person=SOKOLOV)
    mine = octobers_meetings(demo_model, SOKOLOV)
    unpaid_leads = mine.filter(pl.col("held") & ~pl.col("paid"))["lead_id"].unique()
    expected = demo_model.calls.filter(pl.col("lead_id").is_in(unpaid_leads.implode()))
    table = next(d.value for d in at.dataframe if "call_id" in d.value.columns)
    assert len(table) == expected.height > 0
    assert set(table["lead_id"]) <= set(unpaid_leads.to_list())
    assert sorted(table["call_id"]) == sorted(expected["call_id"].to_list())  # the ID that finds the recording
    assert any(i18n.t("s1_no_recording", "ru") == c.value for c in at.caption)
    assert i18n.t("s1_listen_caption", "ru", n=27) in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_steps_after_booking_are_judged_on_mature_meetings_only(lang: str) -> None:
    at = open_page("lead_generator", lang, person="Попова Мария")
    at.selectbox(key="trend_metric").set_value("conv_held_to_paid").run()
    [chart] = trend_charts(at)
    rates = dict(zip(chart["period"], chart["conv_held_to_paid"], strict=True))
    worse = dict(zip(chart["period"], chart["worse"], strict=True))
    # November's held meetings (data end 20.11) have not had their 30 days to pay: 0 % raw, yet no drop
    assert rates["2026-11"] == 0 and worse["2026-11"] is False
    # Соколов's August held → paid (18.2 % against July's 32.1 %, all mature by now) is a real drop
    at.selectbox(key="person").set_value(SOKOLOV).run()
    [chart] = trend_charts(at)
    worse = dict(zip(chart["period"], chart["worse"], strict=True))
    assert worse["2026-08"] is True and worse["2026-09"] is False
    rule = i18n.t("mature_rule", lang, end=i18n.date_label(date(2026, 11, 20), lang), window=30)
    assert rule in [c.value for c in at.caption]
