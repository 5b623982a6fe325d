"""Sales-floor analytics: the entrypoint. Page config, the navigation, and the shared sidebar, built once per run
before the chosen page runs (Streamlit's multipage "widgets in the entrypoint" pattern)."""

from pathlib import Path

import streamlit as st

from pages import _pages, _sidebar, _widgets

# A file, not a `:material/…:` name or an emoji: Streamlit turns those into a favicon fetched from a CDN
# (fonts.gstatic.com), which an offline server cannot reach. An SVG file is inlined into the page as a data: URI.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.svg"
st.set_page_config(page_title="Sales floor · lead generators", page_icon=str(FAVICON), layout="wide")
_widgets.fit_layout()  # every screen, the Data page too: KPI rows and buttons wrap instead of cutting

lang = _sidebar.init_language()
navigation = st.navigation(_pages.navigation(lang))
view = _sidebar.build()
_sidebar.write_url(view)
navigation.run()
