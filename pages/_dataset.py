"""The session's data: the uploaded files (or the demo), imported, prepared and described once per content.

Owns the caches. Uploaded files live only in this browser session's state. Every cache is keyed by a digest of the
content (and of the settings that change the result), so two sessions can share an entry only by uploading the
same bytes; the caches are bounded (`max_entries`), because a dataset can take gigabytes.
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
from analytics.importing.pipeline import Bundle, Memory, Upload, import_files
from analytics.metrics import Mode, facts
from analytics.model import Prepared, prepare, span
from analytics.periods import data_end
from data.generate_demo import CALLS_FILE, DEALS_FILE, DEMO_DIR

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
