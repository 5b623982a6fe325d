"""Sales-floor analytics: the entrypoint. Page config and navigation; each page draws the shared sidebar."""

import streamlit as st

from analytics import i18n
from pages import _common

st.set_page_config(page_title="Sales floor · lead generators", page_icon=":material/support_agent:", layout="wide")

lang = _common.init_language()

# A URL path never equals a file name in pages/: Streamlit's legacy pages-folder routing would otherwise run that
# file alone for the first request after a server start (see README, "Deep links").
pages = [
    st.Page("pages/floor_overview.py", title=i18n.t("page_overview", lang), icon=":material/insights:", default=True,
            url_path="overview"),
    st.Page("pages/lead_generator.py", title=i18n.t("page_person", lang), icon=":material/person:",
            url_path="lead-generator"),
    st.Page("pages/source_comparison.py", title=i18n.t("page_sources", lang), icon=":material/call_split:",
            url_path="sources"),
    st.Page("pages/plan_attainment.py", title=i18n.t("page_plan", lang), icon=":material/flag:", url_path="plan"),
    st.Page("pages/chain_diagnostics.py", title=i18n.t("page_diagnostics", lang), icon=":material/troubleshoot:",
            url_path="diagnostics"),
    st.Page("pages/data_import.py", title=i18n.t("page_data", lang), icon=":material/upload_file:", url_path="data"),
]
st.navigation(pages).run()
