"""What the user saved, as the screens read and write it: plans, working days, and one clear error for a save that
fails. The settings themselves (names, types, defaults) are declared in analytics/settings.py; they live in the
session's workspace (pages/_dataset.py), the same store the CLI's `--workspace` reads."""

from __future__ import annotations

import copy
from typing import Any

import duckdb
import streamlit as st

from analytics import i18n, settings
from analytics.periods import WEEKDAYS
from analytics.plans import DailyPlan, resolve_plan
from analytics.workspace import WorkspaceBusy
from pages import _dataset
from pages._widgets import escape

PLANS = "plans"
WORKING_DAYS = "working_days"
SPEND = "ad_spend"


def load(name: str, default: Any = None) -> Any:
    """A saved setting of the session's workspace, validated (bad entries dropped); `default` when none is saved.

    The pages read settings here, not with analytics.settings.load (the old JSON folder)."""
    if name not in settings.BY_NAME:
        return _dataset.workspace().get_setting(name, default)
    value = getattr(_dataset.settings_snapshot(), name)
    if value == settings.BY_NAME[name].default and default is not None:
        return default
    return copy.deepcopy(list(value) if isinstance(value, tuple) else value)  # the caller may change its copy


def working_days() -> tuple[int, ...]:
    """The working weekdays the user saved on the Plan page (Mon–Fri by default); every page reads them here."""
    return _dataset.settings_snapshot().working_days or WEEKDAYS


def plans() -> dict[str, DailyPlan]:
    """The saved daily plans per person ("*" is everyone's default)."""
    return {who: DailyPlan.from_dict(raw) for who, raw in _dataset.settings_snapshot().plans.items()}


def plan_of(person: str) -> DailyPlan:
    return resolve_plan(plans(), person)


# ---- what a page says about damaged settings, failed saves and dates out of range --------------------------------
def local_text(key: str, lang: i18n.Lang, **values: object) -> str:
    """A sentence of analytics/i18n.STRINGS (`dates_outside`, `settings_problem`, `settings_not_saved`,
    `workspace_not_writable`) in the language, its values escaped for Markdown."""
    return i18n.t(key, lang, **{k: escape(v) for k, v in values.items()})


def settings_notice(lang: i18n.Lang) -> None:
    """Say what was wrong in the saved settings (the bad entries were dropped; the page works without them)."""
    for problem in _dataset.settings_snapshot().problems:
        st.warning(local_text("settings_problem", lang, problem=problem), icon=":material/settings_alert:")


def save_setting(name: str, value: object) -> bool:
    """Save into the session's workspace, or show one clear error (busy with an import, a read-only folder, a full
    disk) instead of a traceback; True when saved."""
    lang = st.session_state.get("lang", "en")
    target = _dataset.workspace()
    if _unchanged(name, value):  # a page that saves what is already saved must not start a new version each run
        return True
    try:
        target.set_setting(name, value)
        _dataset.refresh_settings(target)
    except WorkspaceBusy:
        st.warning(i18n.t("ws_busy", lang), icon=":material/hourglass_top:")
        return False
    except (OSError, duckdb.Error) as error:
        reason = getattr(error, "strerror", None) or str(error).strip().splitlines()[0] or type(error).__name__
        st.error(local_text("workspace_not_writable", lang, path=target.path, reason=reason), icon=":material/error:")
        return False
    return True



def _unchanged(name: str, value: object) -> bool:
    """The workspace already holds this value of a declared setting (as validated, tuples read as lists)."""
    if name not in settings.BY_NAME:
        return False
    declared = settings.BY_NAME[name]
    wanted, problems = settings.validate(name, value, declared.default, name)
    saved = getattr(_dataset.settings_snapshot(), name)
    plain = (lambda v: list(v) if isinstance(v, tuple) else v)  # noqa: E731
    return not problems and _dataset.workspace().get_setting(name) is not None and plain(wanted) == plain(saved)
