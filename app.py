"""Sales-floor analytics: the entrypoint. Page config and navigation; each page draws the shared sidebar."""

import streamlit as st

from analytics import i18n
from pages import _common

st.set_page_config(page_title="Sales floor · lead generators", page_icon=":material/support_agent:", layout="wide")

lang = _common.init_language()

pages = [
    st.Page("pages/overview.py", title=i18n.t("page_overview", lang), icon=":material/insights:", default=True,
            url_path="overview"),
    st.Page("pages/lead_generator.py", title=i18n.t("page_person", lang), icon=":material/person:",
            url_path="lead-generator"),
    st.Page("pages/sources.py", title=i18n.t("page_sources", lang), icon=":material/call_split:",
            url_path="sources"),
    st.Page("pages/plan.py", title=i18n.t("page_plan", lang), icon=":material/flag:", url_path="plan"),
    st.Page("pages/diagnostics.py", title=i18n.t("page_diagnostics", lang), icon=":material/troubleshoot:",
            url_path="diagnostics"),
    st.Page("pages/data.py", title=i18n.t("page_data", lang), icon=":material/upload_file:", url_path="data"),
]
st.navigation(pages).run()
