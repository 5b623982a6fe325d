"""The screens beyond the happy path: names from files shown as text, same-named uploads, long calendars, absurd
dates, damaged or unwritable settings, and two sessions loading the same data at once."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.importing.pipeline import Bundle, Upload
from analytics.schema import Dataset
from data.generate_demo import CALLS_FILE, DEALS_FILE, DEMO_DIR, FloorConfig, generate_floor
from pages import _charts, _dataset, _sidebar
from pages._pages import SCREENS
from pages._widgets import escape, file_name
from tests.conftest import hand_dataset, open_screen

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = tuple(screen.name for screen in SCREENS)
EVIL = "[win](http://evil) ![x](http://t/x.png) <img src=x onerror=alert(1)> **bold**"
# What the evil name would do if rendered as Markdown: a link, an image, HTML, bold, a bare autolink.
UNSAFE = re.compile(r"(?<!\\)(?:\[win|\]\(http|!\[x|<img|\*\*bold|http://)")
ESCAPED = r"\[win\]\(http\://evil\)"


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def open_page(page: str, uploads: list[Upload] | None = None, **state) -> AppTest:
    return open_screen(page, **state) if uploads is None else open_screen(page, uploads=uploads, **state)


# ---- names from files are text --------------------------------------------------------------------------------

def evil_deals() -> bytes:
    """Two months of deals: the evil person (and source) hold 12 meetings in September and 2 in October, so that
    every page, the diagnostics included, has something to say about them; Ann is steady."""
    quote = lambda text: '"' + text.replace('"', '""') + '"'  # noqa: E731
    rows = ["ID,Created,Responsible,Source,Meeting date,Meeting held"]
    for month, held in ((9, 12), (10, 2)):
        for day in range(1, 15):
            for who, source in ((EVIL, EVIL), ("Ann", "google")):
                done = "yes" if who == "Ann" or day <= held else "no"
                rows.append(f"{len(rows)},2026-{month:02d}-{day:02d},{quote(who)},{quote(source)},"
                            f"2026-{month:02d}-{day + 1:02d},{done}")
    return ("\n".join(rows) + "\n").encode()


def rendered_markdown(at: AppTest) -> list[str]:
    """Every text of the page that Streamlit renders as Markdown: markdown, titles, captions, alerts, and the
    labels and help of widgets, metrics, expanders and tabs, and radio/segmented options."""
    found: list[str] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        if kind in ("markdown", "title", "header", "subheader", "caption", "error", "warning", "info", "success",
                    "toast"):
            found.append(str(node.value))
        for attribute in ("label", "help"):
            try:
                value = getattr(node, attribute)
            except (AttributeError, KeyError, ValueError):
                continue
            if isinstance(value, str):
                found.append(value)
        if kind in ("radio", "button_group"):
            found.extend(str(o) for o in node.options)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def test_names_and_sources_from_a_file_are_shown_as_text() -> None:
    uploads = [Upload(EVIL + ".csv", evil_deals())]
    escaped_somewhere = 0
    for page in PAGES:
        at = open_page(page, uploads, person=EVIL, compare_sources=[EVIL, "Google"])
        texts = rendered_markdown(at)
        assert texts, page
        unsafe = [t for t in texts if UNSAFE.search(t)]
        assert unsafe == [], (page, unsafe)
        escaped_somewhere += sum(ESCAPED in t for t in texts)
        if page == "lead_generator":
            assert at.title[0].value == "Lead generator: " + ESCAPED + r" \!\[x\]\(http\://t/x\.png\) " \
                r"\<img src\=x onerror\=alert\(1\)\> \*\*bold\*\*"
        if page == "chain_diagnostics":  # the findings name the person and the source
            assert sum(ESCAPED in t for t in texts) >= 4
    assert escaped_somewhere >= 12  # the name is on the screens (escaped), not merely absent


def test_the_unsafe_pattern_catches_raw_markdown() -> None:
    """The check above can fail: the raw name, a bare link and HTML are caught; the escaped name is not."""
    assert UNSAFE.search(EVIL) and UNSAFE.search("see http://evil") and UNSAFE.search("x <img src=y>")
    assert not UNSAFE.search(escape(EVIL))


def test_escape_keeps_a_name_on_one_line_without_shortcodes() -> None:
    assert escape("Иванов\n# Boss :material/star: www.evil.com") == r"Иванов \# Boss \:material/star\: www\.evil\.com"


def test_download_names_from_data_are_file_names() -> None:
    assert file_name("secondary_[win](http://evil) <img>") == "secondary_[win](http_evil) _img_"
    assert file_name("months_a/b\\c:d*e?f\"g|h") == "months_a_b_c_d_e_f_g_h"
    assert file_name(" ... ") == "table"


# ---- two files with the same name ------------------------------------------------------------------------------

def test_same_name_uploads_are_told_apart() -> None:
    calls, deals = b"calls bytes", b"deals bytes"
    first = _dataset.merge_uploads([("export.csv", calls), ("export.csv", deals)], [])
    assert [u.name for u in first] == ["export.csv", "export.csv (2)"]
    assert [u.content for u in first] == [calls, deals]
    # The user said the second is a deals file; uploading a third file keeps that choice with that file.
    chosen = [first[0], replace(first[1], kind="leads")]
    second = _dataset.merge_uploads([("export.csv", calls), ("export.csv", deals), ("x.csv", b"x")], chosen)
    assert [(u.name, u.kind) for u in second] == [("export.csv", None), ("export.csv (2)", "leads"), ("x.csv", None)]
    # Removing the first: the second is now the only `export.csv` and is still the deals file it was.
    third = _dataset.merge_uploads([("export.csv", deals)], second)
    assert [(u.name, u.kind, u.content) for u in third] == [("export.csv", "leads", deals)]
    # The same name with new bytes is a new file: nothing chosen for the old bytes applies to it.
    assert _dataset.merge_uploads([("export.csv", b"new")], third)[0].kind is None


def test_the_data_page_keeps_same_named_files_apart() -> None:
    calls = (DEMO_DIR / CALLS_FILE).read_bytes()
    deals = b"ID,Created,Responsible,Source\n1,2026-10-01,Ann,google\n2,2026-10-02,Bob,yandex\n"
    # However the session got them (here: both named alike), the page shows two files with names of their own.
    at = open_page("data_import", [Upload("export.csv", calls), Upload("export.csv", deals)])
    assert [s.value for s in at.subheader][:2] == [r"export\.csv", r"export\.csv \(2\)"]
    assert [u.name for u in at.session_state["uploads"]] == ["export.csv", "export.csv (2)"]
    first, second = at.session_state["uploads"]
    first_key, second_key = (f"kind_{u.name}_{u.content_digest[:12]}" for u in (first, second))
    kinds = {s.key: s.value for s in at.selectbox if s.key.startswith("kind_")}
    assert kinds == {first_key: "calls", second_key: "leads"}
    # Changing what the second file is changes that file only (it used to flip both, back and forth, forever).
    at.selectbox(key=second_key).set_value("meetings").run()
    assert not at.exception
    assert [u.kind for u in at.session_state["uploads"]] == [None, "meetings"]
    assert at.selectbox(key=first_key).value == "calls"


# ---- the Plan calendar on a long period ------------------------------------------------------------------------

def floor_days(people: int, days: int) -> pl.DataFrame:
    dates = pl.date_range(date(2025, 11, 3), date(2025, 11, 3) + timedelta(days=days - 1), "1d", eager=True)
    return pl.DataFrame({
        "employee": [f"P{p:02d}" for p in range(people) for _ in dates],
        "date": list(dates) * people,
        "attainment": [0.5] * (people * days),
        "actual": [40.0] * (people * days),
        "plan_low": [80.0] * (people * days),
    })


def test_calendar_by_week_above_altairs_limit() -> None:
    small, grain = _charts.calendar_data(floor_days(25, 200))  # 5 000 cells: still by day
    assert (small.height, grain) == (5000, "day")
    year = floor_days(25, 364)  # 25 people × 52 weeks of 7 days
    cells, grain = _charts.calendar_data(year)
    assert grain == "week" and cells.height == 25 * 52
    week = cells.row(0, named=True)
    assert week == {"employee": "P00", "date": date(2025, 11, 3), "attainment": 0.5, "actual": 280.0,
                    "plan_low": 560.0}
    spec = _charts.calendar(cells, "t", {k: k for k in ("date", "attainment", "employee", "actual", "plan")},
                            grain).to_dict(validate=True)
    assert spec["mark"]["type"] == "rect"
    many, grain = _charts.calendar_data(floor_days(500, 364))  # 500 × 12–13 months > 5 000: months, then pages
    assert grain == "month" and many.height > _charts.ALTAIR_MAX_ROWS


def test_the_plan_page_draws_25_people_over_a_year(monkeypatch) -> None:
    people = tuple(f"Сотрудник {i:02d}" for i in range(25))
    floor = generate_floor(replace(FloorConfig(), setters=people, start=date(2025, 11, 1), end=date(2026, 10, 31),
                                   calls_per_day=40.0, leads_per_day=4.0, stories=False))
    monkeypatch.setattr(_dataset, "import_files", lambda uploads, memory=None, isolated=False: Bundle(floor, (), ()))
    at = open_page("plan_attainment", [Upload("floor.csv", b"25 people, one year")], f_period="all")
    chart = at.get("vega_lite_chart")[-1].proto  # the calendar is the page's last chart
    assert json.loads(chart.spec)["encoding"]["x"]["title"] == "Week"
    cells = pl.read_ipc_stream(io.BytesIO(chart.datasets[0].data.data))
    assert cells["employee"].n_unique() == 25
    assert 25 * 50 <= cells.height <= 25 * 53  # weeks, not the ≈ 6 500 person-days


# ---- absurd dates ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("far", [datetime(9999, 12, 30, 9), datetime(1, 1, 2, 9)])
def test_a_date_far_away_does_not_break_the_pages(monkeypatch, far: datetime) -> None:
    data = hand_dataset()
    leads = data.leads.with_columns(
        pl.when(pl.col("lead_id") == "L4").then(pl.lit(far)).otherwise(pl.col("created_at")).alias("created_at"))
    dataset = Dataset.from_frames(calls=data.calls, leads=leads, meetings=data.meetings, payments=data.payments)
    monkeypatch.setattr(_dataset, "import_files", lambda uploads, memory=None, isolated=False: Bundle(dataset, (), ()))
    uploads = [Upload("far.csv", f"far away {far}".encode())]
    for page in ("plan_attainment", "chain_diagnostics"):
        for period in ("last_month", "all"):
            at = open_page(page, uploads, f_period=period)
            assert any("most likely mistyped dates" in w.value for w in at.warning), page
            assert at.title


def test_usable_span() -> None:
    today = date(2026, 11, 29)
    assert _dataset.usable_span(date(2026, 1, 5), date(2026, 11, 20), today) == (date(2026, 1, 5), date(2026, 11, 20))
    assert _dataset.usable_span(date(2026, 1, 5), date(9999, 12, 30), today) == (date(2026, 1, 5), date(2027, 11, 30))
    assert _dataset.usable_span(date(1, 1, 2), date(2026, 2, 1), today) == (date(1900, 1, 1), date(2026, 2, 1))
    assert _dataset.usable_span(date(9999, 1, 1), date(9999, 2, 1), today) == (date(2027, 11, 30), date(2027, 11, 30))


# ---- settings that are damaged or cannot be written ------------------------------------------------------------

def test_a_damaged_settings_file_is_reported_not_raised(tmp_path) -> None:
    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "plans.json").write_text(json.dumps({"*": {"calls_60s": ["a", "b"]}, "Петров Иван": "x"}))
    (folder / "working_days").with_suffix(".json").write_text("[0, 1, 9]")
    at = open_page("plan_attainment")
    warnings = [w.value for w in at.warning]
    assert sum("damaged and is ignored" in w for w in warnings) == 3


def test_an_unwritable_workspace_gives_one_error(tmp_path, monkeypatch) -> None:
    """Settings live in the team's workspace: a workspace that cannot be created is one sentence, not a traceback."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SALES_FLOOR_WORKSPACE", str(blocker / "workspace" / "team.duckdb"))
    at = open_page("plan_attainment")
    assert not at.exception
    assert [e.value for e in at.error] == ["The workspace “team” cannot be opened: Not a directory"]


# ---- two first sessions at once --------------------------------------------------------------------------------

def test_two_first_loads_at_once_share_one_import(monkeypatch) -> None:
    real = _dataset.import_files
    calls: list[float] = []

    def slow_import(uploads, memory=None, isolated=False):
        calls.append(time.perf_counter())
        time.sleep(0.5)  # long enough for the second session to arrive while the first one imports
        return real(uploads, memory, isolated)

    monkeypatch.setattr(_dataset, "import_files", slow_import)
    # The demo's bytes with one more line break: a dataset no other test has loaded, so the cache is cold.
    uploads = [Upload("deals.xlsx", (DEMO_DIR / DEALS_FILE).read_bytes()),
               Upload("calls.csv", (DEMO_DIR / CALLS_FILE).read_bytes() + b"\n")]
    memory_json = json.dumps({"mappings": {}, "steps": {}})
    alias_json = json.dumps({"people": {}, "sources": {}}, sort_keys=True)
    results: list[tuple] = []
    errors: list[BaseException] = []

    def session() -> None:
        try:
            results.append(_dataset.load_dataset(list(uploads), memory_json, alias_json))
        except BaseException as error:  # the test reports whatever a thread raised
            errors.append(error)

    threads = [threading.Thread(target=session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(results) == 2 and len(calls) == 1  # imported once; the second session waited for it
    (key_a, bundle_a, model_a), (key_b, bundle_b, model_b) = results
    assert key_a == key_b and bundle_a is bundle_b and model_a is model_b
    assert model_a.leads.height > 0 and bundle_a.errors == ()


def test_a_link_with_dates_outside_the_data() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"lang": "en", "period": "custom", "from": "0001-01-01", "to": "9999-12-31"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    first, last = at.sidebar.date_input(key="f_dates").value
    assert (first, last) == (date(2026, 6, 1), date(2026, 11, 20))  # the demo's whole span, not an error
    assert _sidebar.clamp_dates((date(2026, 12, 1), date(2026, 1, 1)), date(2026, 6, 1), date(2026, 11, 20)) == (
        date(2026, 6, 1), date(2026, 11, 20))
