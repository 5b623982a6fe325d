"""The shared sidebar, drawn once per run by the entrypoint: the language switch and the filters, turned into the
run's Scope; and the URL, which mirrors the filters so that a shared link reproduces the view.

Every widget has a fixed key, so its choice survives switching pages (the entrypoint draws it on every page) and
switching language (a keyed widget keeps its value when only its label changes). Pages read the result through
pages/_view.py, never the widgets' keys.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date

import streamlit as st

from analytics import i18n
from analytics.metrics import DEFAULT_MIN_CALL_SECONDS, MODES
from analytics.periods import PRESETS, Period, preset
from analytics.scope import Scope
from pages import _dataset, _settings
from pages._view import VIEW, View

# The filter widgets' keys: the sidebar owns them; the URL reader fills them; tests set them.
LANG, LANG_SWITCH = "lang", "lang_switch"
PERIOD, DATES, PEOPLE, SOURCES, MODE, MIN_CALL = "f_period", "f_dates", "f_people", "f_sources", "f_mode", "f_min_call"
MAX_MIN_CALL = 3600
# A page's own choice that outlives the page (Streamlit forgets a widget's value when its page is left).
PAGE_CHOICES = ("person",)
# Widgets whose options are written in the language. A keyed widget keeps its value when relabelled, but the
# browser keeps showing the option in the old language until the value is set again through Session State
# (which Streamlit allows without a warning only for widgets created without a default).
WORDED_CHOICES = (PERIOD, MODE, "sources_mom_metric", "plan_metric")


# ---- the language -------------------------------------------------------------------------------------------------

def init_language() -> i18n.Lang:
    """The session's language: from the link, else from the browser, then from the switch."""
    _from_url()
    if LANG not in st.session_state:
        st.session_state[LANG] = i18n.language_of(st.context.locale)
    st.session_state.setdefault(LANG_SWITCH, st.session_state[LANG])
    return st.session_state[LANG]


def _language_chosen() -> None:
    """Runs before the script: the whole page is then drawn in the new language (deselecting keeps the old)."""
    chosen = st.session_state.get(LANG_SWITCH)
    if chosen in i18n.LANGS:
        st.session_state[LANG] = chosen
        for key in WORDED_CHOICES:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
    else:
        st.session_state[LANG_SWITCH] = st.session_state[LANG]


# ---- the URL ------------------------------------------------------------------------------------------------------

def _from_url() -> None:
    """Fill the filter widgets' state from the URL once per session, so a shared link reproduces the view."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    q = st.query_params
    if q.get("ws"):  # the workspace the link opens (pages/_dataset.workspace_for says which files it may name)
        st.session_state[_dataset.WS_STEM] = q["ws"]
    if q.get("lang") in i18n.LANGS:
        st.session_state[LANG] = q["lang"]
    if q.get("period") in PRESETS:
        st.session_state[PERIOD] = q["period"]
    if q.get("from") and q.get("to"):
        with contextlib.suppress(ValueError):
            st.session_state[DATES] = (date.fromisoformat(q["from"]), date.fromisoformat(q["to"]))
    if q.get_all("emp"):
        st.session_state[PEOPLE] = q.get_all("emp")
    if q.get_all("src"):
        st.session_state[SOURCES] = q.get_all("src")
    if q.get("mode") in MODES:
        st.session_state[MODE] = q["mode"]
    if (q.get("t") or "").isdigit():
        st.session_state[MIN_CALL] = min(int(q["t"]), MAX_MIN_CALL)


def write_url(view: View) -> None:
    """Mirror the workspace and the filters in the query string (after st.navigation, so the page in the path is
    kept): a colleague on the same server opens the same data in the same view."""
    chosen = st.session_state[PERIOD]
    params: dict[str, str | list[str]] = {"ws": _dataset.workspace_path().stem, "lang": view.lang, "period": chosen,
                                          "mode": view.mode, "t": str(view.scope.min_call_seconds)}
    if chosen == "custom":
        params |= {"from": view.period.start.isoformat(), "to": view.period.end.isoformat()}
    if view.scope.people:
        params["emp"] = list(view.scope.people)
    if view.scope.sources:
        params["src"] = list(view.scope.sources)
    if st.query_params.get("who"):
        params["who"] = st.query_params["who"]  # the Lead generator page's own choice
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(params)


# ---- the filters --------------------------------------------------------------------------------------------------

def clamp_dates(dates: Sequence[date], first: date, last: date) -> tuple[date, date]:
    """A (start, end) pair inside [first, last], start not after end."""
    start, end = (min(max(d, first), last) for d in dates)
    return (start, end) if start <= end else (end, start)


def _offered(key: str, options: Sequence[object], default: object) -> None:
    """Make a widget's stored choice one its options hold (a link or other data may name what is not there)."""
    state = st.session_state
    if key not in state or state[key] not in options:
        state[key] = default


def _kept(key: str, options: Sequence[str]) -> None:
    """Drop from a multiselect's stored choice the names these data do not have."""
    state = st.session_state
    chosen = list(state.get(key) or [])
    kept = [c for c in chosen if c in options]
    if key not in state or kept != chosen:
        state[key] = kept


def scope(data: _dataset.Loaded, lang: i18n.Lang) -> Scope:
    """Draw the filters in the sidebar and return what they choose."""
    state = st.session_state
    tr = lambda key: i18n.t(key, lang)  # noqa: E731
    _offered(PERIOD, PRESETS, "last_month")
    _kept(PEOPLE, data.employees)
    _kept(SOURCES, data.sources)
    _offered(MODE, MODES, "cohort")
    if not isinstance(state.get(MIN_CALL), int) or not 0 <= state[MIN_CALL] <= MAX_MIN_CALL:
        state[MIN_CALL] = DEFAULT_MIN_CALL_SECONDS
    with st.sidebar:
        st.subheader(tr("filters"))
        name = st.selectbox(tr("period"), PRESETS, key=PERIOD, format_func=lambda p: tr(f"period_{p}"))
        if name == "custom":
            default = (max(data.first_day, preset("last_month", data.last_day, data.first_day,
                                                  _settings.working_days()).start), data.last_day)
            stored = state.get(DATES)
            # While a range is being picked the widget holds one date; the last whole range still counts.
            whole = stored if isinstance(stored, tuple | list) and len(stored) == 2 else state.get("_dates", default)
            # Dates from a link or from other data may lie outside this data's span: the widget refuses those.
            whole = clamp_dates(whole, data.first_day, data.last_day)
            if stored is None or (len(stored) == 2 and tuple(stored) != whole):
                state[DATES] = whole
            state["_dates"] = whole
            st.date_input(tr("dates"), min_value=data.first_day, max_value=data.last_day, format="DD.MM.YYYY",
                          key=DATES)
            period = Period(*whole)
        else:
            period = preset(name, data.last_day, data.first_day, _settings.working_days())
        people = st.multiselect(tr("employees"), data.employees, key=PEOPLE, placeholder=tr("all"),
                                format_func=lambda p: i18n.person_label(p, lang))
        sources = st.multiselect(tr("sources"), data.sources, key=SOURCES, placeholder=tr("all"),
                                 format_func=lambda s: i18n.source_label(s, lang))
        mode = st.radio(tr("mode"), MODES, key=MODE, format_func=lambda m: tr(f"mode_{m}"), horizontal=True)
        st.caption(tr(f"mode_{mode}_help"))
        min_call = st.number_input(tr("min_call"), min_value=0, max_value=MAX_MIN_CALL, step=5, key=MIN_CALL)
    return Scope(period, tuple(people) or None, tuple(sources) or None, None, mode, int(min_call),
                 comparable=name != "all")


def build() -> View:
    """The language switch and the filters, drawn once in the sidebar; the run's View, kept for the page."""
    for key in PAGE_CHOICES:  # interrupt Streamlit's clean-up of a page widget's value while its page is not shown
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    lang = init_language()
    with st.sidebar:
        st.segmented_control("Язык · Language", i18n.LANGS, key=LANG_SWITCH, format_func=str.upper,
                             selection_mode="single", on_change=_language_chosen)
    data = _dataset.load_current()
    view = View(lang, data, scope(data, lang))
    st.session_state[VIEW] = view
    _settings.settings_notice(lang)
    return view
