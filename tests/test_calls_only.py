"""A floor that uploads only its PBX log sees calls and minutes; what needs deals is unknown, not zero."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.importing.pipeline import Upload
from pages._pages import BY_NAME

ROOT = Path(__file__).resolve().parent.parent
SIPUNI = ROOT / "tests" / "fixtures" / "real" / "sipuni_utf8.csv"


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def open_with_calls_only(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.session_state["uploads"] = [Upload("sipuni.csv", SIPUNI.read_bytes())]
    at.run()
    at.sidebar.selectbox(key="f_period").set_value("all").run()
    if page != "floor_overview":
        at.switch_page(BY_NAME[page].file).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_overview_of_a_calls_only_floor_shows_calls_and_minutes() -> None:
    shown = metrics(open_with_calls_only("floor_overview"))
    # tests/test_real_exports.py counts this file by hand: 6 calls, 4 of them ≥ 60 s, 494 s on the line.
    assert shown == {"Calls ≥ 60 s": "4", "Minutes on the line": "8", "All calls": "6"}


def test_a_person_of_a_calls_only_floor_has_calls_and_unknown_meetings() -> None:
    shown = metrics(open_with_calls_only("lead_generator"))
    assert shown["Meetings held"] == "—" and shown["Payments"] == "—"


def test_the_data_page_accounts_for_the_call_nobody_took() -> None:
    shown = metrics(open_with_calls_only("data_import"))
    assert (shown["Rows in file"], shown["Imported"], shown["Skipped"], shown["Rejected"]) == ("7", "6", "1", "0")


def test_a_hostile_upload_costs_one_line_and_the_app_keeps_serving() -> None:
    """The 1.5 KB workbook whose reader would ask for 512 GB: the Data page says so in one line, the other file is
    imported, and the next screen still draws."""
    from tests.hostile.make_corpus import _a1_and_xfd

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.session_state["uploads"] = [Upload("bomb.xlsx", _a1_and_xfd("A1:XFD1048576")),
                                   Upload("sipuni.csv", SIPUNI.read_bytes())]
    at.run()
    at.switch_page("pages/data_import.py").run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]  # shown escaped: file text is never Markdown
    assert len(errors) == 1 and errors[0].startswith("bomb.xlsx") and "\n" not in errors[0]
    assert metrics(at)["Imported"] == "6"
    at.switch_page("pages/floor_overview.py").run()
    assert not at.exception and "All calls" in metrics(at)  # the calls-only Overview, drawn
