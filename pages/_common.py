"""What every page shares: the data in this session, the filters, the language, and cached computation.

Uploaded files live only in this browser session's state. Caches are keyed by a digest of the content (and of
the settings that change the result), so two sessions can share a cache entry only by uploading the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import polars as pl
import streamlit as st

from analytics import i18n, people, settings
from analytics.comparison import compare
from analytics.importing.pipeline import Bundle, Memory, Upload, import_files
from analytics.metrics import (
    DEFAULT_MIN_CALL_SECONDS,
    MODES,
    Filters,
    Mode,
    aggregate,
    facts,
    filter_facts,
    without_missing,
)
from analytics.model import Prepared, prepare, span
from analytics.periods import (
    PRESETS,
    WEEKDAYS,
    Period,
    add_months,
    data_end,
    month_complete,
    month_end,
    month_start,
    preset,
    previous,
    pro_rata,
)
from analytics.plans import DailyPlan, resolve_plan
from data.generate_demo import CALLS_FILE, DEALS_FILE, DEMO_DIR
from pages._widgets import escape

DEMO_FILES = (DEALS_FILE, CALLS_FILE)
PERSON_ALIASES = "person_aliases"
SOURCE_ALIASES = "source_aliases"


# ---- data -------------------------------------------------------------------------------------------------------

def digest(uploads: list[Upload]) -> str:
    """A key for everything derived from these files: their bytes and what the user said about them."""
    h = hashlib.sha256()
    for u in uploads:
        h.update(u.content_digest.encode())
        h.update(json.dumps([u.name, u.kind, dict(u.overrides), {k: dict(v) for k, v in u.step_maps.items()}],
                            ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


# The imported data and everything derived from it are kept with st.cache_resource: the same objects on every
# rerun, without the copy st.cache_data makes (which costs more than the page for a large export). They are never
# modified, and every key is a digest of the content, so a session only meets an entry by having the same bytes.
@st.cache_resource(show_spinner=False, max_entries=1)
def demo_uploads() -> list[Upload]:
    return [Upload(name, (DEMO_DIR / name).read_bytes()) for name in DEMO_FILES]


MAPPINGS = "mappings"
STAGE_STEPS = "stage_steps"


def memory() -> Memory:
    return Memory(settings.load(MAPPINGS, {}), settings.load(STAGE_STEPS, {}))


# Two sessions may ask for a dataset nobody has loaded yet (two first visits to a fresh server). Each dataset is
# loaded under a lock of its own, so the second session waits for the first one's finished result instead of
# meeting a half-built one or building it twice; and the importer runs for one upload set at a time, so that no
# reader library is ever used from two threads at once. Cache hits never wait for another session's import.
_IMPORTING = threading.Lock()
_LOADING: dict[str, threading.Lock] = {}
_LOADING_GUARD = threading.Lock()


@contextlib.contextmanager
def loading(key: str) -> Iterator[None]:
    """Hold the lock of the dataset `key` while it is looked up or loaded."""
    with _LOADING_GUARD:
        lock = _LOADING.setdefault(key, threading.Lock())
    with lock:
        yield


@st.cache_resource(show_spinner=False, max_entries=8)
def load_bundle(key: str, memory_json: str, _uploads: list[Upload]) -> Bundle:
    """Import the files (cached by `key`, the digest of their content, and by what the user confirmed before)."""
    remembered = json.loads(memory_json)
    with _IMPORTING:
        return import_files(_uploads, Memory(remembered["mappings"], remembered["steps"]))


@st.cache_resource(show_spinner=False, max_entries=8)
def load_model(key: str, aliases_json: str, _bundle: Bundle) -> Prepared:
    aliases = json.loads(aliases_json)
    return prepare(_bundle.dataset, person_aliases=aliases["people"], source_aliases=aliases["sources"])


@st.cache_resource(show_spinner=False, max_entries=32)
def load_facts(key: str, mode: Mode, min_call_seconds: int, _model: Prepared) -> pl.DataFrame:
    return facts(_model, mode, min_call_seconds)


def aliases() -> dict[str, dict[str, str]]:
    return {"people": settings.load(PERSON_ALIASES, {}), "sources": settings.load(SOURCE_ALIASES, {})}


@dataclass(frozen=True)
class Loaded:
    key: str
    bundle: Bundle
    model: Prepared
    demo: bool
    first_day: date
    last_day: date
    employees: tuple[str, ...]
    sources: tuple[str, ...]
    true_span: tuple[date, date] | None = None  # the data's own first and last day, when they lie out of range


# The pages work out periods, months and calendars from the data's span. A typo in a file (year 9999, year 1)
# would make that span millennia long and the date arithmetic overflow, so the span the pages use is clipped to
# a range where every computation is sound; records outside it are in no period, and the pages say so.
EARLIEST_DAY = date(1900, 1, 1)
HORIZON = timedelta(days=366)  # how far after today a date may lie (plans and bookings run a little ahead)


def usable_span(first: date, last: date, today: date) -> tuple[date, date]:
    """The span the pages compute with: the data's, clipped to [EARLIEST_DAY, today + HORIZON]."""
    shown_last = max(min(last, today + HORIZON), EARLIEST_DAY)
    return min(max(first, EARLIEST_DAY), shown_last), shown_last


def shown_names(names: Sequence[str]) -> list[str]:
    """Names that tell same-named files apart: the second `calls.csv` is `calls.csv (2)`."""
    seen: dict[str, int] = {}
    shown = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        shown.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return shown


def merge_uploads(files: Sequence[tuple[str, bytes]], before: Sequence[Upload]) -> list[Upload]:
    """The session's uploads for the files the uploader holds now (name, bytes), in its order.

    A file is known by its name AND its content: a file kept from before keeps what the user chose for it (kind,
    mapping, stage steps); a new file with the name of another one is a new upload. Every upload gets a name of its
    own, because the pages key their widgets and their choices by it.
    """
    previous: dict[tuple[str, str], list[Upload]] = {}
    for upload in before:
        previous.setdefault((_file_name(upload.name), upload.content_digest), []).append(upload)
    merged = []
    for (name, content), shown in zip(files, shown_names([name for name, _ in files]), strict=True):
        fresh = Upload(shown, content)
        kept = previous.get((_file_name(name), fresh.content_digest))
        merged.append(replace(kept.pop(0), name=shown) if kept else fresh)
    return merged


def _file_name(shown: str) -> str:
    """The uploader's file name behind a shown name (`calls.csv (2)` → `calls.csv`)."""
    return re.sub(r" \(\d+\)$", "", shown)


def on_upload() -> None:
    """The uploader changed: the session's files are what it holds now (choices kept for files kept)."""
    files = st.session_state.get("uploader") or []
    st.session_state["uploads"] = merge_uploads([(f.name, f.getvalue()) for f in files],
                                                st.session_state.get("uploads") or [])


@st.cache_data(show_spinner=False, max_entries=8)
def suggest_people(names: list[str], crm_names: list[str]) -> dict[str, str]:
    """Telephony spellings that name exactly one CRM person (analytics/people.py), cached per set of names."""
    return people.suggest(names, crm_names)


def current_uploads() -> tuple[list[Upload], bool]:
    uploads = st.session_state.get("uploads") or []
    names = [u.name for u in uploads]
    if len(set(names)) < len(names):  # however they came into the session, the pages need one name per file
        uploads = [replace(u, name=n) for u, n in zip(uploads, shown_names(names), strict=True)]
        st.session_state["uploads"] = uploads
    return (uploads, False) if uploads else (demo_uploads(), True)


def load_dataset(uploads: list[Upload], memory_json: str, alias_json: str) -> tuple[str, Bundle, Prepared]:
    """The imported and prepared data of these files: the digest key, the bundle and the model.

    Safe to call from several sessions at once (see `loading`): all of them get the same finished objects.
    """
    key = hashlib.sha256((digest(uploads) + memory_json).encode()).hexdigest()
    with loading(key):
        bundle = load_bundle(key, memory_json, uploads)
        model = load_model(key, alias_json, bundle)
    return key, bundle, model


def load_current() -> Loaded:
    uploads, demo = current_uploads()
    alias_json = json.dumps(aliases(), ensure_ascii=False, sort_keys=True)
    remembered = memory()
    memory_json = json.dumps({"mappings": remembered.mappings, "steps": remembered.steps}, ensure_ascii=False,
                             sort_keys=True)
    with st.spinner(i18n.t("reading_files", st.session_state.get("lang", "en"))):
        key, bundle, model = load_dataset(uploads, memory_json, alias_json)
    model_key = hashlib.sha256((key + alias_json).encode()).hexdigest()
    return replace(describe(model_key, bundle, model), demo=demo)


@st.cache_resource(show_spinner=False, max_entries=8)
def describe(key: str, _bundle: Bundle, _model: Prepared) -> Loaded:
    """The data's span and the names the filters offer, worked out once per dataset."""
    today = date.today()
    first_event, _ = span(_model) or (today, today)
    true_first, true_last = first_event, data_end(_model) or today
    first_day, last_day = usable_span(true_first, true_last, today)
    return Loaded(
        key=key, bundle=_bundle, model=_model, demo=False, first_day=first_day, last_day=last_day,
        # Everyone who did something: a floor that uploads only its PBX log has people too.
        employees=tuple(sorted(pl.concat([_model.leads["employee"], _model.calls["employee"],
                                          _model.meetings["setter"]]).drop_nulls().unique().to_list())),
        sources=tuple(sorted(_model.leads["source"].drop_nulls().unique().to_list())),
        true_span=None if (first_day, last_day) == (true_first, true_last) else (true_first, true_last),
    )


# ---- the view: language, filters, period ------------------------------------------------------------------------

@dataclass(frozen=True)
class View:
    """Everything a page needs to draw: the data, the language, the chosen filters and periods."""

    lang: i18n.Lang
    data: Loaded
    mode: Mode
    period: Period
    previous: Period | None  # None for "all time": there is nothing comparable before it
    filters: Filters  # with the period's dates
    people: tuple[str, ...] | None = None

    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)

    def md(self, key: str, **values: object) -> str:
        """The sentence `key` for Markdown: the words are the app's, every value (a name, a source, a file) is
        escaped, because file contents must be shown as text, never as links, images or HTML."""
        return i18n.t(key, self.lang, **{k: escape(v) for k, v in values.items()})

    def facts(self, mode: Mode | None = None) -> pl.DataFrame:
        return load_facts(self.data.key, mode or self.mode, self.filters.min_call_seconds, self.data.model)

    def period_caption(self) -> str:
        start, end = self.period.start.strftime("%d.%m.%Y"), self.period.end.strftime("%d.%m.%Y")
        if self.previous is None:
            return f"{start} — {end}"
        return self.t("period_caption", start=start, end=end, pstart=self.previous.start.strftime("%d.%m.%Y"),
                      pend=self.previous.end.strftime("%d.%m.%Y"))

    def before(self, by: tuple[str, ...] = (), **overrides: object) -> pl.DataFrame | None:
        """The same table for the previous comparable period, or None when there is none."""
        return None if self.previous is None else self.metrics(by, period=self.previous, **overrides)

    def drops(self, now: pl.DataFrame, before: pl.DataFrame | None) -> dict[str, bool]:
        """Which metrics fell for real from `before` to `now` (comparison.py's rule), for this view's periods."""
        if before is None:
            return {}
        changes = compare(now, before, weight=exposure(self), immature=self.mode == "cohort" and exposure(self) < 1)
        return dict(zip(changes["metric"], changes["worse"], strict=True))

    def metrics(self, by: tuple[str, ...] = (), period: Period | None = None, mode: Mode | None = None,
                **overrides: object) -> pl.DataFrame:
        """The metrics table for this view (or another period/mode, or other filter values)."""
        chosen = period or self.period
        filters = replace(self.filters, date_from=chosen.start, date_to=chosen.end, **overrides)
        # A floor that uploads only its PBX log sees calls and minutes; what needs deals is unknown, not zero.
        return without_missing(aggregate(filter_facts(self.facts(mode), filters), by), self.data.bundle.available)


def _from_url() -> None:
    """Fill the filter widgets' state from the URL once per session, so a shared link reproduces the view."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    q = st.query_params
    if q.get("lang") in i18n.LANGS:
        st.session_state["lang"] = q["lang"]
    if q.get("period") in PRESETS:
        st.session_state["f_period"] = q["period"]
    if q.get("from") and q.get("to"):
        with contextlib.suppress(ValueError):
            st.session_state["f_dates"] = (date.fromisoformat(q["from"]), date.fromisoformat(q["to"]))
    if q.get_all("emp"):
        st.session_state["f_people"] = q.get_all("emp")
    if q.get_all("src"):
        st.session_state["f_sources"] = q.get_all("src")
    if q.get("mode") in MODES:
        st.session_state["f_mode"] = q["mode"]
    if (q.get("t") or "").isdigit():
        st.session_state["f_min_call"] = int(q["t"])


def write_url(view: View) -> None:
    """Mirror the filters in the query string (after st.navigation, so the page in the path is kept)."""
    params: dict[str, str | list[str]] = {"lang": view.lang, "period": st.session_state["f_period"],
                                          "mode": view.mode, "t": str(view.filters.min_call_seconds)}
    if st.session_state["f_period"] == "custom":
        params |= {"from": view.period.start.isoformat(), "to": view.period.end.isoformat()}
    if view.filters.employees:
        params["emp"] = list(view.filters.employees)
    if view.filters.sources:
        params["src"] = list(view.filters.sources)
    if st.query_params.get("who"):
        params["who"] = st.query_params["who"]  # the Lead generator page's own choice
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(params)


def init_language() -> i18n.Lang:
    _from_url()
    if "lang" not in st.session_state:
        st.session_state["lang"] = i18n.language_of(st.context.locale)
    st.session_state.setdefault("lang_switch", st.session_state["lang"])
    return st.session_state["lang"]


def _language_chosen() -> None:
    """Runs before the script: the whole page is then drawn in the new language (deselecting keeps the old)."""
    chosen = st.session_state.get("lang_switch")
    if chosen in i18n.LANGS:
        st.session_state["lang"] = chosen
    else:
        st.session_state["lang_switch"] = st.session_state["lang"]


def widget_key(name: str) -> str:
    """Widgets are relabelled when the language changes, and a relabelled widget starts afresh. So each choice
    lives in a session key of its own (`name`) and its widget's key carries the language."""
    return f"{name}__{st.session_state['lang']}"


def remember(name: str, value: object) -> object:
    st.session_state[name] = value
    return value


def clamp_dates(dates: Sequence[date], first: date, last: date) -> tuple[date, date]:
    """A (start, end) pair inside [first, last], start not after end."""
    start, end = (min(max(d, first), last) for d in dates)
    return (start, end) if start <= end else (end, start)


def sidebar(data: Loaded) -> View:
    """The filter bar shared by every page; built in the entrypoint so that choices survive switching pages."""
    lang: i18n.Lang = st.session_state["lang"]
    tr = lambda key: i18n.t(key, lang)  # noqa: E731
    state = st.session_state
    with st.sidebar:
        st.segmented_control("Язык · Language", i18n.LANGS, key="lang_switch", format_func=str.upper,
                             selection_mode="single", on_change=_language_chosen)
        st.subheader(tr("filters"))
        state.setdefault("f_period", "last_month")
        name = remember("f_period", st.selectbox(
            tr("period"), PRESETS, index=PRESETS.index(state["f_period"]), key=widget_key("f_period"),
            format_func=lambda p: tr(f"period_{p}")))
        if name == "custom":
            default = (max(data.first_day, preset("last_month", data.last_day, data.first_day, working_days()).start),
                       data.last_day)
            # Dates from a link or from other data may lie outside this data's span: the widget refuses those.
            stored = clamp_dates(state.get("f_dates") or default, data.first_day, data.last_day)
            chosen = st.date_input(tr("dates"), value=stored, min_value=data.first_day, max_value=data.last_day,
                                   format="DD.MM.YYYY", key=widget_key("f_dates"))
            start, end = chosen if isinstance(chosen, tuple | list) and len(chosen) == 2 else stored
            remember("f_dates", (start, end))
            period = Period(start, end)
        else:
            period = preset(name, data.last_day, data.first_day, working_days())
        people = remember("f_people", st.multiselect(
            tr("employees"), data.employees, default=[p for p in state.get("f_people", []) if p in data.employees],
            key=widget_key("f_people"), placeholder=tr("all")))
        sources = remember("f_sources", st.multiselect(
            tr("sources"), data.sources, default=[s for s in state.get("f_sources", []) if s in data.sources],
            key=widget_key("f_sources"), placeholder=tr("all")))
        mode = remember("f_mode", st.radio(
            tr("mode"), MODES, index=MODES.index(state.get("f_mode", "cohort")), key=widget_key("f_mode"),
            format_func=lambda m: tr(f"mode_{m}"), horizontal=True))
        st.caption(tr(f"mode_{mode}_help"))
        min_call = remember("f_min_call", st.number_input(
            tr("min_call"), min_value=0, max_value=3600, step=5, value=int(state.get("f_min_call",
                                                                                   DEFAULT_MIN_CALL_SECONDS)),
            key=widget_key("f_min_call")))
    filters = Filters(period.start, period.end, tuple(people) or None, tuple(sources) or None, int(min_call))
    before = None if name == "all" else previous(period)
    return View(lang, data, mode, period, before, filters, tuple(people) or None)


def exposure(v: View) -> float:
    """The current period against the previous one, pro rata when the data end inside the current period."""
    return 1.0 if v.previous is None else pro_rata(v.period, v.previous, v.data.last_day, working_days())


def working_days() -> tuple[int, ...]:
    """The working weekdays the user saved on the Plan page (Mon–Fri by default); every page reads them here."""
    saved = tuple(d for d in settings.load("working_days", list(WEEKDAYS)) if isinstance(d, int) and 0 <= d <= 6)
    return saved or WEEKDAYS


def month_weights(v: View) -> dict[str, float]:
    """The month in progress (the data end before its last working day) is compared pro rata to the month before."""
    last, days = v.data.last_day, working_days()
    if month_complete(month_start(last), last, days):
        return {}
    before = add_months(month_start(last), -1)
    weight = pro_rata(Period(month_start(last), month_end(last)), Period(before, month_end(before)), last, days)
    return {last.strftime("%Y-%m"): weight}


PLANS = "plans"


def plans() -> dict[str, DailyPlan]:
    """The saved daily plans per person ("*" is everyone's default)."""
    return {who: DailyPlan.from_dict(raw) for who, raw in settings.load(PLANS, {}).items()}


def plan_of(person: str) -> DailyPlan:
    return resolve_plan(plans(), person)


def view() -> View:
    """The language, the data and the filters for this run, with the shared sidebar drawn.

    Every page calls this first. It is not done once in app.py because Streamlit may run a page file without
    the entrypoint: when a `pages/` folder exists it does so for the first request after a server start and for
    every rerun under AppTest. The widgets keep their state across pages through their own session keys.
    """
    init_language()
    current = sidebar(load_current())
    write_url(current)
    settings_notice(current.lang)
    return current


def data_caption(v: View) -> None:
    if v.data.demo:
        st.caption(v.t("data_demo"))
    else:
        st.caption(v.md("data_uploaded", files=", ".join(f.name for f in v.data.bundle.files)))
    if v.data.true_span:
        st.warning(local_text("dates_outside", v.lang, first=v.data.first_day.strftime("%d.%m.%Y"),
                              last=v.data.last_day.strftime("%d.%m.%Y"),
                              data_first=v.data.true_span[0].strftime("%d.%m.%Y"),
                              data_last=v.data.true_span[1].strftime("%d.%m.%Y")), icon=":material/event_busy:")


# ---- what a page says about damaged settings, failed saves and dates out of range -------------------------------
# (These sentences belong in analytics/i18n.STRINGS; they live here until that file takes them.)
LOCAL_TEXT = {
    "dates_outside": ("Данные идут с {data_first} по {data_last}: записи вне {first} — {last} — скорее всего, "
                      "опечатки в датах — не входят ни в один период.",
                      "The data run from {data_first} to {data_last}: records outside {first} — {last}, most "
                      "likely mistyped dates, are in no period."),
    "settings_problem": ("Настройки повреждены, неверная запись пропущена: {problem}",
                         "A settings entry was damaged and is ignored: {problem}"),
    "settings_not_saved": ("Не удалось сохранить: {reason}", "Not saved: {reason}"),
}


def local_text(key: str, lang: i18n.Lang, **values: object) -> str:
    """A sentence of LOCAL_TEXT in the language, its values escaped for Markdown."""
    ru, en = LOCAL_TEXT[key]
    return (ru if lang == "ru" else en).format(**{k: escape(v) for k, v in values.items()})


def settings_notice(lang: i18n.Lang) -> None:
    """Say what was wrong in the saved settings (the bad entries were dropped; the page works without them)."""
    for problem in settings.problems():
        st.warning(local_text("settings_problem", lang, problem=problem), icon=":material/settings_alert:")


def save_setting(name: str, value: object) -> bool:
    """Save, or show one clear error (a read-only folder, a full disk) instead of a traceback; True when saved."""
    try:
        settings.save(name, value)
    except settings.SettingsError as error:
        st.error(local_text("settings_not_saved", st.session_state.get("lang", "en"), reason=error),
                 icon=":material/error:")
        return False
    return True

