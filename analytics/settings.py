"""What the user decided and the app must remember between runs: mappings, merges, aliases, plans, ad spend.

One JSON file per concern in a settings folder (`SALES_FLOOR_SETTINGS` or `~/.sales_floor`). Settings are the
user's configuration, never their uploaded data.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

SETTINGS_ENV = "SALES_FLOOR_SETTINGS"


def settings_dir() -> Path:
    return Path(os.environ.get(SETTINGS_ENV) or Path.home() / ".sales_floor")


def load(name: str, default: Any) -> Any:
    """The saved value, or `default` when nothing was saved (or the file is unreadable)."""
    path = settings_dir() / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def save(name: str, value: Any) -> None:
    """Write atomically, so a crash never leaves a half-written settings file."""
    directory = settings_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, delete=False, suffix=".tmp") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=2, sort_keys=True)
    Path(handle.name).replace(directory / f"{name}.json")
