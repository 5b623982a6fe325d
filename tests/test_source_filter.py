"""Issue 13, item 5: under a source filter the call metrics are "—", with one sentence why, on every screen.

A call has a source only through the lead linked to it; most calls (cold calls, calls before the lead) have none. One
source's "calls" are therefore a small, unlike part of the calls: on the demo, October, Google's call → booked would be
32 % against the floor's 4–5 %, and the daily calls chart would be red every day against the whole plan. The rule
lives in analytics/scope.py (`calls_split_by_source`, `metrics_table`); item 7: the source `unknown` reads "not set".
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics import i18n
from analytics.metrics import CALL_METRICS, NEEDS, Filters, compute, facts
from analytics.model import Prepared
from analytics.periods import Period
from analytics.scope import Scope, calls_split_by_source, metrics_table
from tests.conftest import open_screen

OCTOBER = Filters(date(2026, 10, 1), date(2026, 10, 31))
EVERY_TABLE = frozenset({"calls", "leads", "meetings", "payments"})


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def test_the_call_metrics_are_exactly_those_that_need_the_call_log() -> None:
    assert set(CALL_METRICS) == {key for key, needs in NEEDS.items() if "calls" in needs}


def test_a_source_filter_or_grouping_makes_the_call_metrics_unknown(hand_model: Prepared) -> None:
    """The hand floor (conftest): 4 distinct calls, 3 of them ≥ 60 s; L1 (Google) has two meetings and one call."""
    everything = Scope(None)
    google = everything.for_sources(("Google",))
    whole = metrics_table(facts(hand_model), everything, (), EVERY_TABLE).row(0, named=True)
    assert (whole["calls_total"], whole["calls_60s"], whole["minutes_on_line"]) == (4, 3, (60 + 59 + 120 + 300) / 60)
    assert whole["conv_call_to_scheduled"] == pytest.approx(4 / 3)
    mine = metrics_table(facts(hand_model), google, (), EVERY_TABLE).row(0, named=True)
    # The engine would say 1 call ≥ 60 s and call → booked 2 / 1 = 200 %; the screens say "—".
    assert compute(hand_model, filters=google.filters())["conv_call_to_scheduled"].item() == 2.0
    assert {k: mine[k] for k in CALL_METRICS} == dict.fromkeys(CALL_METRICS)
    assert (mine["meetings_scheduled"], mine["leads_new"]) == (2, 1)  # the rest of the source is counted
    by_source = metrics_table(facts(hand_model), everything, ("source",), EVERY_TABLE)
    assert by_source.select(CALL_METRICS).null_count().row(0) == (by_source.height,) * len(CALL_METRICS)
    assert calls_split_by_source(google) and calls_split_by_source(everything, ("employee", "source"))
    assert not calls_split_by_source(everything, ("employee",))
    assert not calls_split_by_source(Scope(Period(date(2026, 1, 1), date(2026, 1, 31)), people=("A",)))


def test_overview_under_a_source_filter(demo_model: Prepared) -> None:
    at = open_screen("floor_overview", f_sources=["Google"])
    funnel = next(d.value for d in at.dataframe if "of_first" in d.value.columns)
    # The funnel starts at Google's 261 booked meetings: there are no "calls of a source" to start it from.
    assert funnel["step"].tolist() == ["Meetings booked", "Meetings confirmed", "Meetings held", "Payments"]
    assert funnel["count"].tolist() == ["261", "197", "176", "51"]
    board = next(d.value for d in at.dataframe if "calls_60s" in d.value.columns)
    assert set(board["calls_60s"]) == {"—"} and set(board["minutes_on_line"]) == {"—"}
    assert any(c.value.startswith("Under a source filter calls, minutes and call → booked are not shown")
               for c in at.caption)
    google = compute(demo_model, filters=Filters(OCTOBER.date_from, OCTOBER.date_to, sources=("Google",)))
    assert google["meetings_scheduled"].item() == 261


def test_lead_generator_under_a_source_filter() -> None:
    at = open_screen("lead_generator", "ru", person="Соколов Дмитрий", f_sources=["Google"])
    assert next(m.value for m in at.metric if m.label == "Звонки от 60 с") == "—"
    assert any(md.value == "Соколов Дмитрий: 14 проведённых встреч из 45 назначенных (источник: Google)."
               for md in at.markdown)
    versus = next(d.value for d in at.dataframe if "floor" in d.value.columns)
    call_to_booked = versus[versus["metric"] == "Звонок → назначение"]
    assert call_to_booked[["person", "floor"]].values.tolist() == [["—", "—"]]
    months = next(d.value for d in at.dataframe if "2026-10" in d.value.columns)
    assert set(months.loc[months["label"] == "Звонки от 60 с"].iloc[0, 1:]) == {"—"}
    captions = [c.value for c in at.caption]
    # No plan band against one source's part of the work: the daily chart says why, not "the green band is the plan".
    assert any(c.startswith("План не показан: он — на всю работу лидоруба") for c in captions)
    assert not any(c == i18n.t("daily_caption", "ru") for c in captions)


def test_without_a_source_filter_the_calls_are_there() -> None:
    at = open_screen("lead_generator", person="Соколов Дмитрий")
    assert next(m.value for m in at.metric if m.label == "Calls ≥ 60 s") == "2,318"
    assert not any(c.value.startswith("Under a source filter") for c in at.caption)


def test_plan_counts_every_source_and_says_so(demo_model: Prepared) -> None:
    at = open_screen("plan_attainment", f_sources=["Google"])
    whole = compute(demo_model, filters=OCTOBER, mode="event").row(0, named=True)
    calls = next(m.value for m in at.metric if m.label == "Calls ≥ 60 s: actual / plan")
    assert calls.startswith(i18n.number(whole["calls_60s"], "en") + " / ")
    held = next(m.value for m in at.metric if m.label == "Meetings held: actual / plan")
    assert held.startswith("404 / ")  # every source's October held, as without the filter
    assert any("the source filter (Google) does not apply to plans" in i.value for i in at.info)


def test_people_side_by_side_under_a_source_filter() -> None:
    at = open_screen("people_compare", f_sources=["Google"])
    table = next(d.value for d in at.dataframe if "floor" in d.value.columns)
    calls = table[table["label"] == "Calls ≥ 60 s"].iloc[0, 1:]
    assert set(calls) == {"—"}
    assert table[table["label"] == "Meetings booked"]["floor"].tolist() == ["261"]
    assert any(c.value.startswith("Under a source filter") for c in at.caption)


def test_the_unknown_source_reads_not_set() -> None:
    assert (i18n.source_label("unknown", "ru"), i18n.source_label("unknown", "en")) == ("не указан", "not set")
    assert i18n.source_label(None, "en") == "not set" and i18n.source_label("Google", "ru") == "Google"
    at = open_screen("source_comparison", "ru", compare_sources=["Google", "unknown"])
    assert "не указан" in at.sidebar.multiselect(key="f_sources").options
    assert "unknown" not in at.sidebar.multiselect(key="f_sources").options
    assert at.multiselect(key="compare_sources").value == ["Google", "unknown"]  # the stored value stays
    assert any(md.value == "**не указан**" for md in at.markdown)
    side_by_side = next(d.value for d in at.dataframe if "label" in d.value.columns)
    assert list(side_by_side.columns) == ["label", "Google", "не указан"]
    by_month = next(d.value for d in at.dataframe if "source" in d.value.columns and "2026-10" in d.value.columns)
    assert by_month["source"].tolist() == ["Google", "не указан"]

