"""What the user decided and the app must remember between runs: mappings, merges, aliases, plans, ad spend.

One JSON file per concern in a settings folder (`SALES_FLOOR_SETTINGS` or `~/.sales_floor`). Settings are the
user's configuration, never their uploaded data.

Every settings name has a declared type. A file is checked entry by entry when it is read: an entry of the wrong
type is dropped (and reported by `problems`) instead of breaking the page that uses it, and the other entries
are kept. A file that cannot be written raises `SettingsError` with one sentence for the user.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictStr, TypeAdapter, ValidationError

SETTINGS_ENV = "SALES_FLOOR_SETTINGS"

Step = Literal["none", "booked", "confirmed", "held", "paid"]  # analytics.importing.converting.STEPS
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Band = Annotated[list[Amount], Field(min_length=2, max_length=2)]


class PlanEntry(BaseModel):
    """One person's daily plan: a [low, high] band per plan metric (analytics.plans.DailyPlan.to_dict)."""

    model_config = ConfigDict(extra="forbid")
    calls_60s: Band | None = None
    meetings_scheduled: Band | None = None
    meetings_held: Band | None = None


class SpendEntry(BaseModel):
    """One month's ad spend of one source (analytics.spend.SPEND_SCHEMA)."""

    month: StrictStr | None = None
    source: StrictStr | None = None
    spend: Annotated[float, Field(allow_inf_nan=False)] | None = None


@dataclass(frozen=True)
class Setting:
    """One thing the user decides and the product remembers: declared once, read by the app, the CLI and the docs."""

    name: str
    shape: Literal["dict", "list"]  # a dict maps a string to an entry; a list holds entries
    entry: Any  # the type of one entry, checked on load
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("mappings", "dict", dict[StrictStr, StrictStr | None], {},
            "Confirmed column mappings, by the signature of a file's headers: field → column."),
    Setting("stage_steps", "dict", dict[StrictStr, Step], {},
            "The funnel step each stage or meeting status implies (stage column → value → step)."),
    Setting("person_aliases", "dict", StrictStr, {}, "Spellings of a person's name → the person they are."),
    Setting("source_aliases", "dict", StrictStr, {}, "Raw lead sources → the source they count as."),
    Setting("plans", "dict", PlanEntry, {},
            "Daily plans per person, a [low, high] band per plan metric; “*” is everyone's default."),
    Setting("working_days", "list", Annotated[int, Field(ge=0, le=6, strict=True)], [0, 1, 2, 3, 4],
            "Working weekdays, 0 = Monday: plans count on them, and a month is complete at its last one."),
    Setting("ad_spend", "list", SpendEntry, [], "Ad spend per month and source."),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
# The type of one entry of each settings name (kept for callers that read the shapes directly).
SCHEMAS: dict[str, tuple[Literal["dict", "list"], Any]] = {s.name: (s.shape, s.entry) for s in SETTINGS}
_ADAPTERS = {name: TypeAdapter(entry) for name, (_, entry) in SCHEMAS.items()}


class SettingsError(Exception):
    """A settings file could not be written; the message says where and why, for the user."""


def settings_dir() -> Path:
    return Path(os.environ.get(SETTINGS_ENV) or Path.home() / ".sales_floor")


def _path(name: str) -> Path:
    return settings_dir() / f"{name}.json"


def _plain(value: Any) -> Any:
    """A validated entry as the JSON-like value the callers expect (models become dicts without empty keys)."""
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=isinstance(value, PlanEntry))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def validate(name: str, raw: Any, default: Any, where: str) -> tuple[Any, list[str]]:
    """A stored value with its bad entries dropped, and one message per problem (`where` names the store)."""
    if name not in SCHEMAS:
        return raw, []
    shape, _ = SCHEMAS[name]
    adapter = _ADAPTERS[name]
    if not isinstance(raw, dict if shape == "dict" else list):
        expected = "an object" if shape == "dict" else "a list"
        return default, [f"{where}: expected {expected}, found {type(raw).__name__}; the defaults are used"]
    items = raw.items() if isinstance(raw, dict) else enumerate(raw)
    kept: dict[Any, Any] = {}
    problems: list[str] = []
    for key, entry in items:
        try:
            kept[key] = _plain(adapter.validate_python(entry))
        except ValidationError as error:
            reason = error.errors()[0]
            spot = ".".join(str(p) for p in (key, *reason["loc"]))
            problems.append(f"{where}: entry {spot!s} dropped ({reason['msg']})")
    return (kept if shape == "dict" else list(kept.values())), problems


def read(name: str, default: Any) -> tuple[Any, list[str]]:
    """The saved value with its bad entries dropped, and one message per problem found (empty when all is well).

    Nothing saved gives `default` without a message; a file that is not JSON, or not the declared shape at all,
    gives `default` with a message.
    """
    path = _path(name)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default, []
    except (OSError, ValueError) as error:
        return default, [f"{path}: cannot be read ({error}); the defaults are used"]
    return validate(name, raw, default, str(path))


def load(name: str, default: Any) -> Any:
    """The saved value (bad entries dropped), or `default` when nothing was saved or the file is unreadable."""
    return read(name, default)[0]


def problems() -> list[str]:
    """What is wrong in the saved settings, one message per problem, so that a page can say so."""
    found: list[str] = []
    for name in SCHEMAS:
        found.extend(read(name, None)[1])
    return found


def save(name: str, value: Any) -> None:
    """Write atomically, so a crash never leaves a half-written settings file.

    Raises SettingsError (one sentence naming the folder) when the folder cannot be created or written.
    """
    directory = settings_dir()
    temporary: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, delete=False,
                                         suffix=".tmp") as handle:
            temporary = Path(handle.name)
            json.dump(value, handle, ensure_ascii=False, indent=2, sort_keys=True)
        temporary.replace(directory / f"{name}.json")
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        reason = error.strerror or type(error).__name__
        raise SettingsError(f"The settings could not be saved to {directory}: {reason}. "
                            f"Make the folder writable or set {SETTINGS_ENV} to a writable folder.") from error


# ---- where settings live: a folder of JSON files, or a workspace -------------------------------------------------

class Store(Protocol):
    """Anything that keeps settings by name: the JSON folder below, or a workspace (analytics.workspace)."""

    def get_setting(self, name: str, default: Any = None) -> Any: ...

    def set_setting(self, name: str, value: Any) -> None: ...


class Folder:
    """The settings folder (`SALES_FLOOR_SETTINGS` or `~/.sales_floor`), one JSON file per setting."""

    def get_setting(self, name: str, default: Any = None) -> Any:
        path = _path(name)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return default
        except (OSError, ValueError):
            return default

    def set_setting(self, name: str, value: Any) -> None:
        save(name, value)


@dataclass(frozen=True)
class Snapshot:
    """What the settings say, validated, read once for a run: the one place the app, the CLI and diagnostics get
    mappings, merges, aliases, plans and working days from."""

    mappings: dict[str, dict[str, str | None]]
    stage_steps: dict[str, dict[str, Step]]
    person_aliases: dict[str, str]
    source_aliases: dict[str, str]
    plans: dict[str, dict[str, list[float]]]
    working_days: tuple[int, ...]
    ad_spend: list[dict[str, Any]]
    problems: tuple[str, ...] = ()


def snapshot(store: Store, where: str = "settings") -> Snapshot:
    """Every declared setting from `store`, validated (bad entries dropped and reported in `problems`)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        raw = store.get_setting(setting.name, None)
        value, found = (setting.default, []) if raw is None else validate(
            setting.name, raw, setting.default, f"{where} “{setting.name}”")
        values[setting.name] = value
        problems.extend(found)
    values["working_days"] = tuple(sorted(set(values["working_days"]))) or tuple(BY_NAME["working_days"].default)
    return Snapshot(**values, problems=tuple(problems))
