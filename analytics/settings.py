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
from pathlib import Path
from typing import Annotated, Any, Literal

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


# The type of one entry of each settings file; "dict" files map a string to an entry, "list" files hold entries.
SCHEMAS: dict[str, tuple[Literal["dict", "list"], Any]] = {
    "mappings": ("dict", dict[StrictStr, StrictStr | None]),  # header signature → field → column
    "stage_steps": ("dict", dict[StrictStr, Step]),  # stage column → stage value → funnel step
    "person_aliases": ("dict", StrictStr),
    "source_aliases": ("dict", StrictStr),
    "plans": ("dict", PlanEntry),
    "working_days": ("list", Annotated[int, Field(ge=0, le=6, strict=True)]),
    "ad_spend": ("list", SpendEntry),
}
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
    if name not in SCHEMAS:
        return raw, []
    shape, _ = SCHEMAS[name]
    adapter = _ADAPTERS[name]
    if not isinstance(raw, dict if shape == "dict" else list):
        expected = "an object" if shape == "dict" else "a list"
        return default, [f"{path}: expected {expected}, found {type(raw).__name__}; the defaults are used"]
    items = raw.items() if isinstance(raw, dict) else enumerate(raw)
    kept: dict[Any, Any] = {}
    problems: list[str] = []
    for key, entry in items:
        try:
            kept[key] = _plain(adapter.validate_python(entry))
        except ValidationError as error:
            reason = error.errors()[0]
            where = ".".join(str(p) for p in (key, *reason["loc"]))
            problems.append(f"{path}: entry {where!s} dropped ({reason['msg']})")
    return (kept if shape == "dict" else list(kept.values())), problems


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
