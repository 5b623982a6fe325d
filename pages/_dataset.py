"""The session's data: the team's workspace, the files this session uploaded and has not imported (a preview), or
the demo while the workspace is empty; imported, prepared and described once per content.

The workspace (analytics/workspace.py) is one DuckDB file: `SALES_FLOOR_WORKSPACE`, else
`$XDG_DATA_HOME/sales-floor/workspace.duckdb`, else `~/.local/share/sales-floor/workspace.duckdb`. A link may name
another workspace of the same folder by its file stem (`?ws=north`); see `workspace_for`.

Owns the caches. Uploaded files live only in this browser session's state until they are imported. Every cache is
keyed by a digest of the content (and of the settings that change the result) or by the workspace's version, so
two sessions share an entry only by uploading the same bytes or by opening the same workspace; the caches are
bounded (`max_entries`), because a dataset can take gigabytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from analytics import i18n, people, settings
from analytics.importing import limits
from analytics.importing.pipeline import Bundle, Memory, Upload, import_files, provided_tables
from analytics.maturity import mature_facts
from analytics.metrics import Mode, facts
from analytics.model import Prepared, prepare, span
from analytics.periods import data_end
from analytics.workspace import Workspace, WorkspaceBusy
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


# How many datasets (imported files or a workspace's version, with their model) the process keeps: each can take
# gigabytes, and a server shared by a team meets a new one with every import; the least recently used goes first.
DATASETS = 4

# The imported data and everything derived from it are kept with st.cache_resource: the same objects on every
# rerun, without the copy st.cache_data makes (which costs more than the page for a large export). They are never
# modified, and every key is a digest of the content, so a session only meets an entry by having the same bytes.
@st.cache_resource(show_spinner=False, max_entries=1)
def demo_uploads() -> list[Upload]:
    return [Upload(name, (DEMO_DIR / name).read_bytes()) for name in DEMO_FILES]


MAPPINGS = "mappings"
STAGE_STEPS = "stage_steps"


# ---- the workspace ----------------------------------------------------------------------------------------------

WORKSPACE_ENV = "SALES_FLOOR_WORKSPACE"
WORKSPACE_SUFFIX = ".duckdb"
WS_STEM = "_ws"  # session key: the stem of the workspace a link named (the URL reader sets it once per session)
SNAPSHOT = "_settings_snapshot"  # session key: (workspace path, version, settings.Snapshot) read this run
# A stem names a file of the default workspace's folder and nothing else: no separator, no leading dot.
_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def default_workspace() -> Path:
    """The team's workspace file: `SALES_FLOOR_WORKSPACE`, else under the user's data directory (XDG)."""
    configured = os.environ.get(WORKSPACE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sales-floor" / f"workspace{WORKSPACE_SUFFIX}"


def workspace_for(stem: str | None) -> Path | None:
    """The workspace a link names by its file stem, or None when there is no such workspace to open.

    No stem, or the default's own stem, is the default workspace (which may not exist yet: the first import
    creates it). Any other stem must be an existing `<stem>.duckdb` beside the default: a link can open only the
    workspaces the server's operator put in that folder, never a path of its choosing.
    """
    default = default_workspace()
    if not stem or stem == default.stem:
        return default
    if not _STEM.fullmatch(stem):
        return None
    path = default.with_name(stem + WORKSPACE_SUFFIX)
    return path if path.is_file() else None


class WorkspaceMissing(Exception):
    """The link names a workspace this server does not have."""


def workspace_path() -> Path:
    """The session's workspace file (the link's, else the default); WorkspaceMissing when the link's is absent."""
    stem = st.session_state.get(WS_STEM)
    path = workspace_for(stem)
    if path is None:
        raise WorkspaceMissing(str(stem))
    return path


def workspace() -> Workspace:
    return Workspace(workspace_path())


def _safe_stem() -> str:
    with contextlib.suppress(WorkspaceMissing):
        return workspace_path().stem
    return str(st.session_state.get(WS_STEM))


_ADOPTED: set[str] = set()  # workspaces this process already offered the old JSON settings to
_ADOPTING = threading.Lock()


def adopt_folder_settings(target: Workspace) -> list[str]:
    """Copy the settings of the old JSON folder (`SALES_FLOOR_SETTINGS` or ~/.sales_floor) into a workspace that
    has no data and no settings yet, once: the names copied. The folder is never written again."""
    with _ADOPTING:
        if str(target.path) in _ADOPTED:
            return []
        _ADOPTED.add(str(target.path))
        folder = settings.Folder()
        found = {s.name: value for s in settings.SETTINGS if (value := folder.get_setting(s.name)) is not None}
        if not found or not target.is_empty() \
                or any(target.get_setting(s.name) is not None for s in settings.SETTINGS):
            return []
        for name, value in found.items():
            target.set_setting(name, value)
        return sorted(found)


def refresh_settings(target: Workspace) -> tuple[str, settings.Snapshot]:
    """The workspace's version and its settings, validated, kept for this run: opening the file costs tens of
    milliseconds, so a run asks once (at its start, and after a save) and the pages read the kept snapshot."""
    version = target.version()
    kept = st.session_state.get(SNAPSHOT)
    if kept is not None and kept[0] == str(target.path) and kept[1] == version:
        return version, kept[2]
    snap = settings.snapshot(target, target.path.name)
    st.session_state[SNAPSHOT] = (str(target.path), version, snap)
    return version, snap


def settings_snapshot() -> settings.Snapshot:
    """The session workspace's settings as this run read them (see `refresh_settings`)."""
    target = workspace()
    kept = st.session_state.get(SNAPSHOT)
    if kept is not None and kept[0] == str(target.path):
        return kept[2]
    return refresh_settings(target)[1]


def memory() -> Memory:
    """The confirmed mappings and stage steps of the session's workspace, for reading the next file the same way."""
    snap = settings_snapshot()
    return Memory(snap.mappings, snap.stage_steps)


# Two sessions may ask for a dataset nobody has loaded yet (two first visits to a fresh server). Each dataset is
# loaded under a lock of its own, so the second session waits for the first one's finished result instead of
# meeting a half-built one or building it twice; and the importer runs for one upload set at a time, so that no
# reader library is ever used from two threads at once. Cache hits never wait for another session's import.
_IMPORTING = threading.Lock()
with contextlib.suppress(ValueError):  # a bad limit in the environment is reported by the first upload, in one line
    # One import worker started while the server starts (this module is imported once per server), so that a
    # person's first upload is read at once instead of after an interpreter and Polars start (≈ 0.25 s).
    limits.pool_for(limits.Limits.from_env()).warm()
_LOADING: dict[str, threading.Lock] = {}
_LOADING_GUARD = threading.Lock()


@contextlib.contextmanager
def loading(key: str) -> Iterator[None]:
    """Hold the lock of the dataset `key` while it is looked up or loaded."""
    with _LOADING_GUARD:
        lock = _LOADING.setdefault(key, threading.Lock())
    with lock:
        yield


@st.cache_resource(show_spinner=False, max_entries=DATASETS)
def load_bundle(key: str, memory_json: str, _uploads: list[Upload]) -> Bundle:
    """Import the files (cached by `key`, the digest of their content, and by what the user confirmed before)."""
    remembered = json.loads(memory_json)
    # A person's upload is read in a child process under the import limits (a file that would crash a reader costs
    # one line, not the server everyone shares); the bundled demo files are our own and read in-process.
    untrusted = [u.content_digest for u in _uploads] != [u.content_digest for u in demo_uploads()]
    with _IMPORTING:
        return import_files(_uploads, Memory(remembered["mappings"], remembered["steps"]), isolated=untrusted)


@st.cache_resource(show_spinner=False, max_entries=DATASETS)
def load_model(key: str, aliases_json: str, _bundle: Bundle) -> Prepared:
    aliases = json.loads(aliases_json)
    return prepare(_bundle.dataset, person_aliases=aliases["people"], source_aliases=aliases["sources"])


@st.cache_resource(show_spinner=False, max_entries=32)
def load_facts(key: str, mode: Mode, min_call_seconds: int, _model: Prepared) -> pl.DataFrame:
    return facts(_model, mode, min_call_seconds)


# The meetings' mature part (analytics/maturity.py), asked for on every run of every screen that judges a cohort:
# built once per dataset, keyed like load_facts (the data's key, with the day the data end and the payment window).
# st.cache_resource like the facts, not st.cache_data: on 80 people × 12 months (43 762 meetings, 39 579 rows of
# day × person × source × hunter) a build takes 28 ms and cache_data's copy on every hit 4–18 ms; this one, none.
@st.cache_resource(show_spinner=False, max_entries=32)
def load_mature(key: str, last_day: date, window_days: int, _model: Prepared) -> pl.DataFrame:
    return mature_facts(_model, last_day, window_days)


def aliases() -> dict[str, dict[str, str]]:
    """The people merges and source aliases of the session's workspace (the CLI's `--workspace` applies the same)."""
    snap = settings_snapshot()
    return {"people": dict(snap.person_aliases), "sources": dict(snap.source_aliases)}


@dataclass(frozen=True)
class StoredBundle(Bundle):
    """A workspace's current records: no files to show (the import history tells them), and the tables its
    imported files could fill, from the mappings the history kept."""

    tables: frozenset[str] = frozenset()

    @property
    def available(self) -> frozenset[str]:
        return self.tables


@dataclass(frozen=True)
class Stored:
    bundle: StoredBundle
    batches: int


# A workspace is loaded once per version (every import, undo and settings save makes a new one): the stored typed
# tables, DuckDB → Arrow → Polars, with no file parsed again. Few entries: each holds a whole dataset, and the
# older versions of a workspace are never asked for again (least recently used goes first).
@st.cache_resource(show_spinner=False, max_entries=3)
def load_stored(path: str, version: str) -> Stored | None:
    """The workspace's data at `version`, or None while it holds no import."""
    target = Workspace(path)
    history = target.history()
    if not history:
        return None
    tables: set[str] = set()
    for batch in history:
        for file in batch["files"]:
            tables |= provided_tables(file["kind"], file.get("mapping") or {})
    return Stored(StoredBundle(target.dataset(), (), (), frozenset(tables)), len(history))


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
    workspace: str | None = None  # the workspace's name when the data are its imports (not a preview, not the demo)
    batches: int = 0  # how many imports the workspace holds


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


UPLOADER_ROUND = "_uploader_round"  # bumped when the preview is imported or discarded: a fresh, empty uploader


def uploader_key() -> str:
    """The uploader widget's key: a new one after an import, so the imported files leave the widget too."""
    round_ = st.session_state.get(UPLOADER_ROUND, 0)
    return "uploader" if not round_ else f"uploader_{round_}"


def on_upload(key: str = "uploader") -> None:
    """The uploader changed: the session's files are what it holds now (choices kept for files kept)."""
    files = st.session_state.get(key) or []
    st.session_state["uploads"] = merge_uploads([(f.name, f.getvalue()) for f in files],
                                                st.session_state.get("uploads") or [])


def forget_uploads() -> None:
    """End the session's preview (its files were imported, or set aside): the workspace's data show again."""
    st.session_state["uploads"] = []
    st.session_state[UPLOADER_ROUND] = st.session_state.get(UPLOADER_ROUND, 0) + 1


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
    """This session's data: its preview uploads, else the workspace's imports, else the demo (read-only).

    A link to a workspace this server does not have stops the page with one clear error: showing the demo instead
    would pass invented numbers off as a colleague's.
    """
    lang = st.session_state.get("lang", "en")
    try:
        target = workspace()
        adopt_folder_settings(target)
        version, snap = refresh_settings(target)
    except WorkspaceMissing as missing:
        st.error(i18n.t("ws_missing", lang, name=escape(missing), folder=escape(default_workspace().parent)),
                 icon=":material/error:")
        st.stop()
        raise  # st.stop ends the run; this line only tells the type checker
    except WorkspaceBusy:
        st.warning(i18n.t("ws_busy", lang), icon=":material/hourglass_top:")
        st.stop()
        raise
    except (OSError, duckdb.Error) as error:  # a folder it cannot write its lock in, a file that is not DuckDB
        reason = getattr(error, "strerror", None) or str(error).strip().splitlines()[0]
        st.error(i18n.t("ws_unusable", lang, name=escape(_safe_stem()), reason=escape(reason)),
                 icon=":material/error:")
        st.stop()
        raise
    alias_json = json.dumps({"people": snap.person_aliases, "sources": snap.source_aliases}, ensure_ascii=False,
                            sort_keys=True)
    preview = st.session_state.get("uploads") or []
    if not preview:
        key = hashlib.sha256(f"{target.path}\0{version}".encode()).hexdigest()
        with st.spinner(i18n.t("reading_files", lang)), loading(key):
            stored = None if version == "empty" else load_stored(str(target.path), version)
            if stored is not None:
                model = load_model(key, alias_json, stored.bundle)
        if stored is not None:
            return replace(describe(key, stored.bundle, model), demo=False, workspace=target.path.stem,
                           batches=stored.batches)
    uploads, demo = current_uploads()
    memory_json = json.dumps({"mappings": snap.mappings, "steps": snap.stage_steps}, ensure_ascii=False,
                             sort_keys=True)
    with st.spinner(i18n.t("reading_files", lang)):
        key, bundle, model = load_dataset(uploads, memory_json, alias_json)
    model_key = hashlib.sha256((key + alias_json).encode()).hexdigest()
    return replace(describe(model_key, bundle, model), demo=demo)


@st.cache_resource(show_spinner=False, max_entries=DATASETS)
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
