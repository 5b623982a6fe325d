"""Real browser journeys: Playwright drives Debian's Chromium against `streamlit run app.py`.

Screenshots of every step are kept in artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import fastexcel
import pytest
from playwright.sync_api import Browser, Page, expect

from analytics import i18n
from pages._pages import BY_NAME, SCREENS

pytestmark = pytest.mark.browser
# Assertions retry until they hold: long enough for a rerun of a loaded machine (an import in a child process on a
# fresh server takes seconds), and they return as soon as the page shows what is expected.
expect.set_options(timeout=60_000)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

DEALS = (  # the ID column is called "Номер", which detection does not take: the user maps it
    "Номер;Создан;Менеджер;Источник;Статус встречи;Дата встречи\n"
    "1;01.10.2026 10:00;Анна Белова;google;проведена;03.10.2026 12:00\n"
    "2;02.10.2026 11:00;Анна Белова;яндекс;назначена;04.10.2026 12:00\n"
    "3;03.10.2026 12:00;Борис Орлов;google;проведена;05.10.2026 12:00\n"
)
CALLS = (
    "Время;Оператор;Клиент;Разговор\n"
    "01.10.2026 09:50;Анна Белова;89000000001;120\n"
    "02.10.2026 10:50;Анна Белова;89000000002;90\n"
    "03.10.2026 11:50;Борис Орлов;89000000003;45\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(settings: Path, log_path: Path,
                     options: tuple[str, ...] = ("--browser.gatherUsageStats", "false")) -> Iterator[str]:
    """`streamlit run app.py` on a free port, as Streamlit's own e2e tests start it: ready when /_stcore/health is.
    Its settings and its workspace are its own (never the user's), so every server starts with nothing saved.
    `options` are command-line settings beyond the address and port (none: the repository's config.toml decides)."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", *options],
            cwd=ROOT, env={**os.environ, "SALES_FLOOR_SETTINGS": str(settings),
                           "SALES_FLOOR_WORKSPACE": str(settings / "workspace" / "team.duckdb")},
            stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail("streamlit did not start within 90 s")
                    time.sleep(0.5)  # polling the health endpoint, as Streamlit's e2e conftest does
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


# Counts the script runs the page has seen finish: Streamlit marks its app element `data-test-script-state`
# `running` while the script runs, and the count goes up when that mark is taken away.
COUNT_RUNS = """
window.__finishedRuns = 0;
new MutationObserver((changes) => {
    for (const change of changes) {
        if (change.oldValue === "running" && change.target.getAttribute("data-test-script-state") !== "running") {
            window.__finishedRuns += 1;
        }
    }
}).observe(document, {attributes: true, attributeOldValue: true, subtree: true,
                      attributeFilter: ["data-test-script-state"]});
"""
SETTLED = """(since) => {
    const app = document.querySelector("[data-testid='stApp']");
    return app !== null && app.getAttribute("data-test-script-state") === "notRunning"
        && window.__finishedRuns > since && document.querySelector("[data-testid='stSkeleton']") === null;
}"""


def new_page(browser: Browser, locale: str = "en-US") -> Page:
    # Tall, so that a screenshot holds the whole page (Streamlit scrolls inside its own container).
    context = browser.new_context(viewport={"width": 1440, "height": 2600}, locale=locale, accept_downloads=True)
    context.add_init_script(COUNT_RUNS)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def finished_runs(page: Page) -> int:
    return page.evaluate("() => window.__finishedRuns")


def settle(page: Page, since: int = -1) -> None:
    """Wait until Streamlit has finished a run after the `since`-th (`finished_runs` before an action) and has
    drawn it: the app is not running and no element is a skeleton. Without `since`, the current run."""
    page.wait_for_function(SETTLED, arg=since, timeout=90_000)


def act(page: Page, action: Callable[[], object]) -> None:
    """Do what a person does (a click, a choice) and wait for the rerun it causes to be drawn."""
    before = finished_runs(page)
    action()
    settle(page, before)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    settle(page, 0)
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()


def title_of(name: str, lang: str = "en") -> str:
    """The navigation's title of a screen (pages/_pages.py)."""
    return i18n.t(BY_NAME[name].title, lang)  # type: ignore[arg-type]


def go_to(page: Page, name: str, lang: str = "en") -> None:
    act(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name=title_of(name, lang), exact=True).click)


def choose(page: Page, label: str, option: str) -> None:
    """Choose `option` in the select box `label` (choosing what it already shows reruns nothing)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    if box.get_by_role("combobox").input_value() == option:
        return
    box.click()
    act(page, page.get_by_role("option", name=option, exact=True).click)


def metric(page: Page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text()


def upload(page: Page, files: list[Path]) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stFileUploaderDropzone").click()
    act(page, lambda: chooser.value.set_files([str(f) for f in files]))


def test_russian_journey_through_every_screen(server: str, browser: Browser) -> None:
    page = new_page(browser)
    open_app(page, server)
    expect(page.get_by_role("heading", name="Floor overview")).to_be_visible()
    shot(page, "01_overview_en")
    act(page, page.get_by_test_id("stSidebar").get_by_test_id("stButtonGroup").get_by_text("RU", exact=True).click)
    expect(page.get_by_role("heading", name="Обзор отдела")).to_be_visible()
    assert metric(page, "Проведено встреч").replace("\u00a0", "").isdigit()
    shot(page, "02_overview_ru")

    go_to(page, "lead_generator", "ru")
    choose(page, "Лидоруб", "Соколов Дмитрий")
    expect(page.get_by_role("heading", name="Лидоруб: Соколов Дмитрий")).to_be_visible()
    shot(page, "03_lead_generator_ru")

    go_to(page, "source_comparison", "ru")
    chosen = page.get_by_test_id("stMultiSelect").filter(has_text="Сравнить источники")
    expect(chosen.get_by_text("Google", exact=True)).to_be_visible()
    expect(chosen.get_by_text("Yandex", exact=True)).to_be_visible()
    expect(page.get_by_text("Google приводит больше целевых лидов")).to_be_visible()
    shot(page, "04_sources_ru")

    go_to(page, "plan_attainment", "ru")
    expect(page.get_by_role("heading", name="Выполнение плана за период")).to_be_visible()
    shot(page, "05_plan_ru")

    go_to(page, "chain_diagnostics", "ru")
    expect(page.get_by_text("цепочка рвётся на шаге «назначение → подтверждение»").first).to_be_visible()
    shot(page, "06_diagnostics_ru")

    go_to(page, "data_import", "ru")
    expect(page.get_by_text("crm_deals.xlsx").first).to_be_visible()
    shot(page, "07_data_ru")
    page.context.close()


def fix_lead_id_mapping(page: Page, column: str) -> None:
    """In the first mapping grid, set the file column of lead_id (row 0, column 1 'File column') by keyboard, as a
    person would, each step waiting for the grid to show it took the previous one: the grid has the focus, the
    cell's choice is open, the option is offered, the edit reran the page."""
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    grid.click(position={"x": 30, "y": 35 + 17})  # the first cell of the first row (a header and rows of 35 px)
    expect(grid.get_by_test_id("data-grid-canvas")).to_be_focused()
    page.keyboard.press("ArrowRight")  # the file column comes right after the field's meaning
    page.keyboard.press("Enter")
    choice = page.locator("#portal").get_by_role("combobox")
    expect(choice).to_be_focused()
    choice.fill(column)
    expect(page.locator("#portal").get_by_text(column, exact=True)).to_be_visible()
    act(page, lambda: page.keyboard.press("Enter"))  # the edit reruns the page
    expect(grid.locator("#glide-cell-1-0")).to_have_text(column)


def test_a_new_users_path_from_upload_to_download(server: str, browser: Browser, tmp_path: Path) -> None:
    deals, calls = tmp_path / "deals.csv", tmp_path / "calls.csv"
    deals.write_bytes(DEALS.encode("cp1251"))
    calls.write_bytes(CALLS.encode("utf-8"))
    page = new_page(browser)
    open_app(page, server)
    go_to(page, "data_import")
    upload(page, [deals, calls])
    expect(page.get_by_text("CSV: 3 rows = 0 imported + 3 rejected.")).to_be_visible()  # deals: no lead id yet
    expect(page.get_by_text("CSV: 3 rows = 3 imported + 0 rejected.")).to_have_count(1)  # calls: fine
    shot(page, "11_upload_needs_mapping")

    fix_lead_id_mapping(page, "Номер")
    act(page, page.get_by_role("button", name="Apply the mapping").click)
    expect(page.get_by_text("CSV: 3 rows = 3 imported + 0 rejected.")).to_have_count(2)
    shot(page, "12_mapping_fixed")

    go_to(page, "floor_overview")
    choose(page, "Period", "All time")
    expect(page.get_by_text("Your data: deals.csv, calls.csv")).to_be_visible()
    assert metric(page, "Meetings held") == "2" and metric(page, "Meetings booked") == "3"
    shot(page, "13_overview_with_my_data")

    settle(page)
    button = page.get_by_role("button", name="Download XLSX").last
    button.scroll_into_view_if_needed()
    with page.expect_download() as download:
        button.click()
    content = Path(download.value.path()).read_bytes()
    leaderboard = fastexcel.read_excel(content).load_sheet(0).to_polars()
    assert leaderboard.columns[:2] == ["Lead generator", "Meetings held"]  # the screen's titles, in its language
    assert sorted(leaderboard["Lead generator"].to_list()) == ["Анна Белова", "Борис Орлов"]

    go_to(page, "lead_generator")
    choose(page, "Lead generator", "Анна Белова")
    expect(page.get_by_role("heading", name="Lead generator: Анна Белова")).to_be_visible()
    assert metric(page, "Meetings held") == "1"
    shot(page, "14_lead_generator_mine")

    go_to(page, "source_comparison")
    sources_heading = page.get_by_text("Google brings more target leads").or_(page.get_by_text("Sources side by side"))
    expect(sources_heading.first).to_be_visible()
    shot(page, "15_sources_mine")

    go_to(page, "chain_diagnostics")
    expect(page.get_by_role("heading", name="Diagnostics: where the chain broke")).to_be_visible()
    shot(page, "16_diagnostics_mine")
    page.context.close()


def people_file(person: str) -> bytes:
    return (f"ID;Ответственный;Дата создания;Встреча проведена\n"
            f"1;{person};01.10.2026;Да\n2;{person};02.10.2026;Нет\n").encode()


def test_two_sessions_never_see_each_others_data(server: str, browser: Browser, tmp_path: Path) -> None:
    pages = {}
    for person in ("Алиса Первая", "Борис Второй"):
        path = tmp_path / f"{person}.csv"
        path.write_bytes(people_file(person))
        page = new_page(browser)
        open_app(page, server)
        go_to(page, "data_import")
        upload(page, [path])
        pages[person] = page
    for person, page in pages.items():
        go_to(page, "floor_overview")
        choose(page, "Period", "All time")
        other = next(p for p in pages if p != person)
        expect(page.get_by_text(f"Your data: {person}.csv")).to_be_visible()
        body = page.locator("body").inner_text()
        assert other not in body and "Соколов" not in body
        assert metric(page, "Meetings held") == "1"
        shot(page, f"21_session_{person.split()[0]}")
    for page in pages.values():
        page.context.close()


def test_a_russian_browser_opens_in_russian(server: str, browser: Browser) -> None:
    page = new_page(browser, locale="ru-RU")
    open_app(page, server)
    expect(page.get_by_role("heading", name="Обзор отдела")).to_be_visible()
    value = metric(page, "Проведено встреч")
    assert value.replace("\u00a0", "").isdigit()
    expect(page.get_by_test_id("stSidebar").get_by_text("Фильтры", exact=True)).to_be_visible()
    page.context.close()


@pytest.mark.parametrize(("path", "heading"), [
    ("/overview", "Floor overview"),
    ("/lead-generator?who=Соколов Дмитрий", "Lead generator: Соколов Дмитрий"),
], ids=["overview", "lead_generator"])
def test_a_deep_link_is_the_first_request_of_a_fresh_server(browser: Browser, tmp_path: Path, path: str,
                                                           heading: str) -> None:
    """Streamlit routes the first request after a start by the pages/ folder; a link to a screen still opens that
    screen, with the sidebar and without a "page not found" notice (pages/_pages.deep_link)."""
    with streamlit_server(tmp_path / "settings", tmp_path / "streamlit.log") as url:
        page = new_page(browser)
        page.goto(url + path)
        settle(page, 0)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_test_id("stSidebar").get_by_text("Filters", exact=True)).to_be_visible()
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Analysis", exact=True)).to_be_visible()
        for screen in SCREENS:  # the app's navigation, not the files of pages/
            expect(nav.get_by_role("link", name=title_of(screen.name), exact=True)).to_be_visible()
        expect(nav.get_by_role("link")).to_have_count(len(SCREENS))
        assert page.evaluate("() => location.pathname") == path.split("?")[0]
        shot(page, f"31_deep_link_{path.strip('/').split('?')[0]}")
        page.context.close()


def test_a_filter_survives_the_language_and_the_pages(server: str, browser: Browser) -> None:
    """The sidebar is drawn once by the entrypoint with fixed keys: relabelled in Russian and on another page, the
    period chosen in English is still the period."""
    page = new_page(browser)
    open_app(page, server)
    choose(page, "Period", "Last 3 months")
    act(page, page.get_by_test_id("stSidebar").get_by_test_id("stButtonGroup").get_by_text("RU", exact=True).click)
    period = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Период").first
    expect(period.get_by_role("combobox")).to_have_value("Последние 3 месяца")
    go_to(page, "source_comparison", "ru")
    expect(period.get_by_role("combobox")).to_have_value("Последние 3 месяца")
    assert "period=last_3_months" in page.url and "lang=ru" in page.url
    page.context.close()
