"""Sales-floor analytics: the entrypoint. Page config, the navigation, and the shared sidebar, built once per run
before the chosen page runs (Streamlit's multipage "widgets in the entrypoint" pattern)."""

import streamlit as st

from pages import _pages, _sidebar

st.set_page_config(page_title="Sales floor · lead generators", page_icon=":material/support_agent:", layout="wide")

lang = _sidebar.init_language()
navigation = st.navigation(_pages.navigation(lang))
view = _sidebar.build()
_sidebar.write_url(view)
navigation.run()
