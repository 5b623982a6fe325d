"""The Scope the sidebar builds and the engine reads, the page table, and the structure around them: filters that
survive switching pages and language, and a new screen that is one file plus one line."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.metrics import Filters, facts
from analytics.model import prepare
from analytics.periods import Period
from analytics.scope import Scope, metrics_table
from pages import _pages
from pages._pages import BY_NAME, SCREENS, Screen
from tests.conftest import hand_dataset

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
JANUARY = Period(date(2026, 1, 1), date(2026, 1, 31))
EVERY_TABLE = frozenset({"calls", "leads", "meetings", "payments"})


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


# ---- the Scope ----------------------------------------------------------------------------------------------------

def test_the_scope_gives_the_engine_its_filters() -> None:
    scope = Scope(OCTOBER, ("A",), ("google",), None, "event", 90)
    assert scope.filters() == Filters(date(2026, 10, 1), date(2026, 10, 31), ("A",), ("google",), 90)
    everything = scope.whole_history().filters()
    assert (everything.date_from, everything.date_to, everything.employees, everything.min_call_seconds) == (
        None, None, ("A",), 90)


def test_the_scope_passes_its_hunters_on() -> None:
    assert Scope(OCTOBER, hunters=("Closer",)).filters().hunters == ("Closer",)
    assert Scope(OCTOBER).whole_history().filters().hunters is None


@pytest.mark.parametrize(("period", "comparable", "expected"), [
    (OCTOBER, True, Period(date(2026, 9, 1), date(2026, 9, 30))),  # a whole month: the month before
    (Period(date(2026, 8, 1), date(2026, 10, 31)), True, Period(date(2026, 5, 1), date(2026, 7, 31))),
    (Period(date(2026, 11, 1), date(2026, 11, 13)), True, Period(date(2026, 10, 1), date(2026, 10, 13))),
    (Period(date(2026, 10, 10), date(2026, 10, 19)), True, Period(date(2026, 9, 30), date(2026, 10, 9))),
    (OCTOBER, False, None),  # "all time": nothing comparable before it
    (None, True, None),  # the whole history
])
def test_the_previous_scope(period: Period | None, comparable: bool, expected: Period | None) -> None:
    scope = Scope(period, ("A",), comparable=comparable)
    assert scope.previous_period == expected
    before = scope.previous()
    assert (before is None) == (expected is None)
    if before is not None:
        assert before == replace(scope, period=expected)  # people, sources, mode and T kept


def test_a_scope_in_a_month_and_for_people() -> None:
    scope = Scope(OCTOBER, ("A",), ("google",), mode="event", min_call_seconds=30)
    february = scope.in_month(date(2026, 2, 14))
    assert february.period == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert (february.people, february.sources, february.mode, february.min_call_seconds) == (
        ("A",), ("google",), "event", 30)
    assert scope.for_people(None).people is None and scope.for_people(("B",)).people == ("B",)
    assert scope.for_sources(("yandex",)).sources == ("yandex",)
    assert scope.in_mode("cohort").mode == "cohort"


def test_exposure_of_a_month_in_progress() -> None:
    # The data end on Friday 13 November 2026: 10 working days of November (2–13) against October's 22.
    november = Scope(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert november.exposure(date(2026, 11, 13), (0, 1, 2, 3, 4)) == pytest.approx(10 / 22)
    assert november.exposure(date(2026, 11, 30), (0, 1, 2, 3, 4)) == 1.0
    assert replace(november, comparable=False).exposure(date(2026, 11, 13), (0, 1, 2, 3, 4)) == 1.0


def test_the_metrics_table_of_a_scope() -> None:
    # tests/conftest.py: in January A calls 60 s and 59 s, B 120 s (logged twice, one call); in February B 300 s.
    model = prepare(hand_dataset())
    counted = facts(model, "cohort", 60)
    calls_only = metrics_table(counted, Scope(JANUARY), (), {"calls"}).row(0, named=True)
    assert (calls_only["calls_60s"], calls_only["calls_total"], calls_only["meetings_held"]) == (2, 3, None)
    assert calls_only["minutes_on_line"] == pytest.approx((60 + 59 + 120) / 60)
    just_a = metrics_table(counted, Scope(JANUARY, ("A",)), (), EVERY_TABLE).row(0, named=True)
    assert (just_a["calls_60s"], just_a["calls_total"]) == (1, 2)
    by_month = metrics_table(counted, Scope(JANUARY).whole_history(), ("month",), EVERY_TABLE)
    assert by_month.select("month", "calls_60s", "leads_new").rows() == [("2026-01", 2, 3), ("2026-02", 1, 1)]


# ---- the page table -----------------------------------------------------------------------------------------------

def test_every_screen_file_is_in_the_page_table() -> None:
    """The page list lives in pages/_pages.py alone: every screen file is in it, and app.py names no page file."""
    screens = {Path(s.file).name for s in SCREENS}
    deep_links = {f"{s.url_path}.py" for s in SCREENS}
    files = {p.name for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_")}
    assert files - deep_links == screens
    # Each URL path has its file for the first request after a server start (see _pages.deep_link).
    assert deep_links <= files and not deep_links & screens
    assert all((ROOT / s.file).is_file() for s in SCREENS)
    assert len({s.url_path for s in SCREENS}) == len(SCREENS) and sum(s.default for s in SCREENS) == 1
    app_text = (ROOT / "app.py").read_text(encoding="utf-8")
    assert not any(Path(s.file).name in app_text for s in SCREENS)
    assert sorted(BY_NAME) == sorted(Path(s.file).stem for s in SCREENS)


def test_a_new_screen_is_one_file_and_one_line(tmp_path, monkeypatch) -> None:
    """A screen written the way every page is (read the View, draw) appears in the navigation, under its section
    and with the sidebar's filters, once it has its line in the table."""
    page = tmp_path / "team_calendar.py"
    page.write_text(
        "import streamlit as st\nfrom pages import _view\n\n"
        "v = _view.current()\n"
        "st.title(f'Calendar {v.period.start:%d.%m.%Y}-{v.period.end:%d.%m.%Y} {v.mode} {v.people}')\n",
        encoding="utf-8")
    line = Screen(str(page), "team-calendar", "analysis", "page_plan", ":material/calendar_month:")
    monkeypatch.setattr(_pages, "SCREENS", (*SCREENS, line))
    monkeypatch.setattr(_pages, "BY_NAME", {**BY_NAME, "team_calendar": line})
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.session_state["f_people"] = ["Соколов Дмитрий"]
    at.run()
    at.switch_page(str(page)).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Calendar 01.10.2026-31.10.2026 cohort ('Соколов Дмитрий',)"
    assert at.sidebar.multiselect(key="f_people").value == ["Соколов Дмитрий"]


# Pages that still set dates by hand, and what replaces it. The list only shrinks: the test fails as soon as one of
# them no longer does, so that its line is removed.
BY_HAND: dict[str, str] = {}


def test_pages_never_set_dates_by_hand() -> None:
    """Pages derive periods from the Scope: no `replace(…, date_from=…)` and no Filters built in a page."""
    for path in (ROOT / "pages").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        words = {n.arg for n in ast.walk(tree) if isinstance(n, ast.keyword)}
        called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        by_hand = bool(words & {"date_from", "date_to"}) or "Filters" in called
        assert by_hand == (path.name in BY_HAND), (path.name, BY_HAND.get(path.name, "use the Scope's methods"))


# ---- the sidebar: one set of filters for every page and both languages ------------------------------------------

def test_filters_survive_switching_pages_and_language() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    at.sidebar.multiselect(key="f_people").set_value(["Соколов Дмитрий"]).run()
    at.sidebar.radio(key="f_mode").set_value("event").run()
    at.sidebar.number_input(key="f_min_call").set_value(90).run()
    at.sidebar.selectbox(key="f_period").set_value("last_3_months").run()
    chosen = {"f_people": ["Соколов Дмитрий"], "f_mode": "event", "f_min_call": 90, "f_period": "last_3_months"}

    def sidebar_values() -> dict[str, object]:
        return {"f_people": at.sidebar.multiselect(key="f_people").value,
                "f_mode": at.sidebar.radio(key="f_mode").value,
                "f_min_call": at.sidebar.number_input(key="f_min_call").value,
                "f_period": at.sidebar.selectbox(key="f_period").value}

    for name in ("source_comparison", "plan_attainment", "data_import", "lead_generator"):
        at.switch_page(BY_NAME[name].file).run()
        assert not at.exception, (name, at.exception)
        assert sidebar_values() == chosen, name
    at.button_group(key="lang_switch").set_value("ru").run()
    assert at.title[0].value == "Лидоруб: Соколов Дмитрий"  # the person comes from the filter
    assert sidebar_values() == chosen
    assert at.sidebar.radio(key="f_mode").label == "Режим подсчёта"
    at.switch_page(BY_NAME["floor_overview"].file).run()
    assert sidebar_values() == chosen
    assert at.title[0].value == "Обзор отдела"
