"""The app's screens, declared once: file, URL path, navigation section, title and icon.

app.py builds the navigation from this table, pages switch to each other through `page(...)`, and the tests read
the same table. A new screen is one file in pages/ plus one line here.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from analytics import i18n

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "app.py"


@dataclass(frozen=True)
class Screen:
    file: str  # relative to the app's folder
    url_path: str
    section: str  # its navigation header: the i18n key `section_<section>`
    title: str  # an i18n key
    icon: str
    default: bool = False

    @property
    def name(self) -> str:
        """The file's stem (`floor_overview`), the screen's name in tests and screenshots."""
        return Path(self.file).stem


# A URL path never equals a page file's name: see `deep_link` below.
SCREENS: tuple[Screen, ...] = (
    Screen("pages/floor_overview.py", "overview", "analysis", "page_overview", ":material/insights:", default=True),
    Screen("pages/lead_generator.py", "lead-generator", "analysis", "page_person", ":material/person:"),
    Screen("pages/source_comparison.py", "sources", "analysis", "page_sources", ":material/call_split:"),
    Screen("pages/people_compare.py", "compare", "analysis", "page_compare", ":material/compare_arrows:"),
    Screen("pages/hunter_results.py", "hunters", "analysis", "page_hunters", ":material/handshake:"),
    Screen("pages/plan_attainment.py", "plan", "analysis", "page_plan", ":material/flag:"),
    Screen("pages/chain_diagnostics.py", "diagnostics", "analysis", "page_diagnostics", ":material/troubleshoot:"),
    Screen("pages/data_import.py", "data", "data", "page_data", ":material/upload_file:"),
)
BY_NAME: dict[str, Screen] = {s.name: s for s in SCREENS}

def section_label(section: str, lang: i18n.Lang) -> str:
    """The navigation's header of a section of screens, in the language."""
    return i18n.t(f"section_{section}", lang)


# Streamlit serves the default screen at "/" and at no other path, so its st.Page takes this internal name, and a
# hidden page under the screen's own path opens it for a link (/overview) too.
HOME = "home"


def page(name: str, lang: i18n.Lang = "en") -> StreamlitPage:
    """The st.Page of the screen `name` (its file's stem), for st.navigation and st.switch_page."""
    screen = BY_NAME[name]
    return st.Page(str(ROOT / screen.file), title=i18n.t(screen.title, lang), icon=screen.icon,
                   url_path=HOME if screen.default else screen.url_path, default=screen.default)


def navigation(lang: i18n.Lang) -> dict[str, list[StreamlitPage]]:
    """The screens grouped by section, titled in `lang`, for st.navigation."""
    grouped: dict[str, list[StreamlitPage]] = {}
    for screen in SCREENS:
        section = grouped.setdefault(section_label(screen.section, lang), [])
        section.append(page(screen.name, lang))
        if screen.default:
            section.append(st.Page(str(ROOT / screen.file), title=i18n.t(screen.title, lang), icon=screen.icon,
                                   url_path=screen.url_path, visibility="hidden"))
    return grouped


def deep_link() -> None:
    """Run the entrypoint for a link that Streamlit's legacy pages-folder routing took to a file named after a URL
    path (pages/overview.py, …). That routing is used only for the first run after a server start, while Streamlit
    still believes the pages/ folder is the navigation; the entrypoint then builds the sidebar and st.navigation
    runs the screen the link names. See README, "Decisions", deep links."""
    runpy.run_path(str(ENTRYPOINT), run_name="__main__")
