"""An offline server: every screen opens in Chromium with no request leaving the machine and no console error.

A floor's server often runs on a closed network. Every request to a host other than the server is blocked and
recorded, as a machine without internet would; the app passes only if nothing was even tried. The server is started
without command-line settings, so what is checked is the repository's own `.streamlit/config.toml` (with
`browser.gatherUsageStats = true` the browser fetches https://data.streamlit.io/metrics.json) and `app.py`'s page
config (a `:material/…:` or emoji favicon is fetched from fonts.gstatic.com).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Route

from pages._pages import SCREENS
from tests.test_browser import streamlit_server

pytestmark = pytest.mark.browser

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Opened on a screen's own path (/overview), Streamlit's frontend first tries that path as the app's base URL
# (/overview/_stcore/health, /overview/_stcore/host-config): two 404s from our own server, then the right one
# (streamlit/streamlit#7074). They say nothing about the network, so they are the only console errors allowed.
BASE_URL_PROBE = re.compile(r"^http://127\.0\.0\.1:\d+/[\w-]+/_stcore/(health|host-config)$")


def is_local(url: str) -> bool:
    """A request that stays on this machine: the server itself, or data the page already holds."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS


@dataclass
class Traffic:
    """What the pages tried to fetch from elsewhere and what their consoles said was wrong."""

    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort("internetdisconnected")

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or BASE_URL_PROBE.match(message.location.get("url", "")):
            return
        self.console_errors.append(f"{message.location.get('url', '')}: {message.text}")


@pytest.fixture(scope="module")
def offline_server(tmp_path_factory) -> Iterator[str]:
    """A server with no command-line settings, so the repository's config.toml decides, as it does for a user."""
    home = tmp_path_factory.mktemp("offline")
    with streamlit_server(home, home / "streamlit.log", options=()) as url:
        yield url


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_screen_opens_offline(offline_server: str, browser: Browser, lang: str) -> None:
    traffic = Traffic()
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ru-RU")
    context.route("**/*", traffic.route)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.on("console", traffic.console)
    page.on("pageerror", lambda error: traffic.console_errors.append(f"{page.url}: {error}"))
    favicons = {}
    for screen in SCREENS:
        page.goto(f"{offline_server}/{screen.url_path}?lang={lang}")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
        page.wait_for_selector("[data-testid='stSidebarNav']")
        # Charts, tables and the favicon load after the run; give them the time a person would.
        page.wait_for_load_state("networkidle")
        assert page.get_by_test_id("stException").count() == 0, f"{screen.url_path}: the screen raised"
        favicons[screen.url_path] = (page.locator("link[rel='shortcut icon']").get_attribute("href") or "")[:26]
    context.close()
    assert traffic.external == []
    assert traffic.console_errors == []
    # The favicon is app.py's own file, inlined (a data: URI), on every screen.
    assert favicons == dict.fromkeys(
        ("overview", "lead-generator", "sources", "compare", "hunters", "plan", "diagnostics", "data"),
        "data:image/svg+xml;base64,")


def test_the_check_sees_a_request_to_the_internet(browser: Browser, offline_server: str) -> None:
    """The blocking and recording work: a page asking for an outside image is caught, and its failure is a console
    error — so an empty record above means nothing was tried, not that nothing was seen."""
    traffic = Traffic()
    context = browser.new_context()
    context.route("**/*", traffic.route)
    page = context.new_page()
    page.on("console", traffic.console)
    page.goto(f"{offline_server}/_stcore/health")
    page.set_content('<img src="https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/'
                     'support_agent/default/24px.svg">')
    page.wait_for_load_state("networkidle")
    context.close()
    assert traffic.external == [
        "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/support_agent/default/24px.svg"]
    assert len(traffic.console_errors) == 1 and "ERR_INTERNET_DISCONNECTED" in traffic.console_errors[0]
