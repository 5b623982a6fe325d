"""Shared fixtures: a small hand-built floor whose every number is computed by hand in the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.model import Prepared, prepare
from analytics.schema import Dataset
from pages import _widgets
from pages._pages import BY_NAME


@pytest.fixture(autouse=True)
def own_workspace(tmp_path, monkeypatch) -> None:
    """Every test gets an empty workspace of its own (the app shows the demo then), never the user's real one."""
    monkeypatch.setenv("SALES_FLOOR_WORKSPACE", str(tmp_path / "workspace" / "team.duckdb"))


@pytest.fixture
def own_settings(tmp_path, monkeypatch) -> None:
    """No saved plans, working days, mappings or aliases from another test, nor old JSON settings for a workspace to
    adopt: the settings file is one that does not exist. A module of screen tests takes it for all its tests
    (`pytestmark = pytest.mark.usefixtures("own_settings")`); others keep the environment they had."""
    monkeypatch.setenv("SALES_FLOOR_SETTINGS", str(tmp_path / "settings"))


def table_with(at: AppTest, column: str):
    """The first table (st.dataframe or st.data_editor) on a screen that has `column`."""
    return next(d for d in at.dataframe if column in d.value.columns)


def column_configs(table) -> dict[str, dict]:
    """{column: its st.column_config} of a table on a screen."""
    return json.loads(table.proto.columns)


def labels(table) -> dict[str, str]:
    """{column: its title on screen} of a table."""
    return {name: config.get("label") for name, config in column_configs(table).items()}


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def hand_dataset() -> Dataset:
    """Four leads, five call rows (one duplicate), four meetings, three payments — see test_metrics.py."""
    leads = pl.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3", "L4"],
            "created_at": [dt("2026-01-05 09:00"), dt("2026-01-06 09:00"), dt("2026-01-07 09:00"),
                           dt("2026-02-01 09:00")],
            "employee": ["A", "A", " B ", "B"],
            "source": ["google ads", "Яндекс", None, "site"],
            "is_target": [True, False, None, True],
            "phone": ["+7 (900) 001-00-01", "89000010002", "79000010003", None],
        }
    )
    calls = pl.DataFrame(
        {
            "started_at": [dt("2026-01-05 10:00"), dt("2026-01-05 11:00"), dt("2026-01-06 12:00"),
                           dt("2026-01-06 12:00"), dt("2026-02-02 15:00")],
            "employee": ["A", "A", "B", "B", "B"],
            "duration_s": [60, 59, 120, 120, 300],
            "lead_id": ["L1", None, None, None, None],
            "phone": [None, "+7 900 001 00 02", None, None, "9000010003"],
            "call_id": ["c1", "c2", "c3", "c3", "c5"],
        }
    )
    meetings = pl.DataFrame(
        {
            "lead_id": ["L1", "L1", "L2", "L3"],
            "booked_at": [dt("2026-01-06 10:00"), dt("2026-01-10 10:00"), dt("2026-01-07 10:00"),
                          dt("2026-01-31 10:00")],
            "setter": ["A", "B", None, "B"],
            "meeting_at": [None, None, None, dt("2026-02-05 10:00")],
            "confirmed": [None, True, True, False],
            "confirmed_at": [None, None, dt("2026-01-08 10:00"), None],
            "held": [True, True, False, False],
            "held_at": [dt("2026-02-03 10:00"), dt("2026-01-20 10:00"), None, None],
            "meeting_id": ["m1", "m2", "m3", "m4"],
        }
    )
    payments = pl.DataFrame(
        {
            "lead_id": ["L1", "L1", "L4"],
            "paid_at": [dt("2026-02-10 12:00"), dt("2026-03-01 12:00"), dt("2026-02-15 12:00")],
            "amount": [1000.0, 500.0, 700.0],
        }
    )
    return Dataset.from_frames(calls=calls, leads=leads, meetings=meetings, payments=payments)


APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_screen(page: str, lang: str = "en", **state: object) -> AppTest:
    """Open the app under AppTest in `lang`, with `state` in the session, and switch to the screen `page` (the stem of
    its file in pages/_pages.SCREENS); fails on any exception the run raised."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page != "floor_overview":
        at.switch_page(BY_NAME[page].file).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def hand_model() -> Prepared:
    return prepare(hand_dataset())


@pytest.fixture(scope="session")
def demo_model() -> Prepared:
    """The bundled demo, imported from its files as the app imports them and prepared once for the whole run."""
    from analytics.importing.pipeline import Upload, import_files
    from data.generate_demo import CALLS_FILE, DEALS_FILE, DEMO_DIR

    uploads = [Upload(n, (DEMO_DIR / n).read_bytes()) for n in (DEALS_FILE, CALLS_FILE)]
    return prepare(import_files(uploads).dataset)


@pytest.fixture
def prepared(monkeypatch) -> list[_widgets.Download]:
    """Every download a page prepared (what its buttons send), in order."""
    made: list[_widgets.Download] = []
    original = _widgets.prepare_download

    def recording(*args, **kwargs) -> _widgets.Download:
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(_widgets, "prepare_download", recording)
    return made


# The browser tests' server and Chromium, one of each per test module (tests/test_browser.py has the helpers).
# Playwright is imported only when a browser test asks for them.
@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    from tests.test_browser import streamlit_server

    with streamlit_server(tmp_path_factory.mktemp("settings"), tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is missing: `bash .ci/run` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
