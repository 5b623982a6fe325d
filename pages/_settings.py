"""What the user saved, as the screens read and write it: plans, working days, and one clear error for a save that
fails. The settings themselves (names, types, defaults) are declared in analytics/settings.py."""

from __future__ import annotations

import streamlit as st

from analytics import i18n, settings
from analytics.periods import WEEKDAYS
from analytics.plans import DailyPlan, resolve_plan
from pages._widgets import escape

PLANS = "plans"
WORKING_DAYS = "working_days"
SPEND = "ad_spend"


def working_days() -> tuple[int, ...]:
    """The working weekdays the user saved on the Plan page (Mon–Fri by default); every page reads them here."""
    saved = tuple(d for d in settings.load(WORKING_DAYS, list(WEEKDAYS)) if isinstance(d, int) and 0 <= d <= 6)
    return saved or WEEKDAYS


def plans() -> dict[str, DailyPlan]:
    """The saved daily plans per person ("*" is everyone's default)."""
    return {who: DailyPlan.from_dict(raw) for who, raw in settings.load(PLANS, {}).items()}


def plan_of(person: str) -> DailyPlan:
    return resolve_plan(plans(), person)


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
