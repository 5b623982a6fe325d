"""Issue 13, item 12, the leftovers: no English and no raw codes on a Russian screen, and the same words in English.

The demo's data end on Friday 20.11.2026, so November 2026 is the month in progress: 15 of its 21 working days
(Mon–Fri: 2–6, 9–13, 16–20 of 23–27 and 30) are gone. The sidebar's default period is October, against September.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import analytics.maturity
from analytics import i18n
from analytics.importing.converting import NOT_SET
from analytics.importing.pipeline import Upload
from pages import _dataset
from tests.conftest import labels, open_screen, table_with

pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def column_labels(at: AppTest, column: str) -> dict[str, str]:
    """The titles the screen gives the columns of the first table that has `column` ({column: title})."""
    return labels(table_with(at, column))


# ---- the functions -------------------------------------------------------------------------------------------------

def test_the_employee_not_set_reads_in_the_screens_language() -> None:
    assert NOT_SET == "не указан / not set"  # stored bilingual: a download or the CLI reads in either language
    assert (i18n.person_label(NOT_SET, "ru"), i18n.person_label(NOT_SET, "en")) == ("не указан", "not set")
    assert i18n.person_label("Соколов Дмитрий", "ru") == "Соколов Дмитрий"
    assert i18n.person_label("не указан", "en") == "не указан"  # only the stored placeholder, not a lookalike


def test_a_sentence_starts_with_a_capital() -> None:
    assert i18n.sentence(i18n.t("diag_nothing", "ru", month="октябрь 2026", previous="сентября 2026")) == (
        "Октябрь 2026 против сентября 2026: ничего тревожного.")
    assert i18n.sentence("November 2026 is still in progress") == "November 2026 is still in progress"
    assert i18n.sentence("") == ""


# ---- 1: the previous period's column on the Overview ---------------------------------------------------------------

@pytest.mark.parametrize(("lang", "held", "paid"), [
    ("ru", "Проведено встреч, прошлый период", "Оплаты, прошлый период"),
    ("en", "Meetings held, previous period", "Payments, previous period"),
])
def test_the_leaderboards_previous_column_names_the_metric_first(lang: str, held: str, paid: str) -> None:
    titles = column_labels(open_screen("floor_overview", lang), "held_before")
    assert (titles["held_before"], titles["payments_before"]) == (held, paid)


# ---- 2: months in words, not `2026-11` / `11.2026` -----------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [
    ("ru", "Ноябрь 2026 ещё идёт: количества сравниваются пропорционально рабочим дням."),
    ("en", "November 2026 is still in progress: counts are compared pro rata to working days."),
])
def test_lead_generator_names_the_month_in_progress(lang: str, expected: str) -> None:
    assert expected in captions(open_screen("lead_generator", lang))


def test_hunters_name_the_month_left_out_of_the_chart() -> None:
    russian = captions(open_screen("hunter_results", "ru"))
    assert "На графике нет ноября 2026: месяц ещё идёт, его встречи не успели провести и оплатить." in russian
    assert any(c.startswith("Ноябрь 2026 ещё идёт: количества сравниваются") for c in russian)
    english = captions(open_screen("hunter_results", "en"))
    assert "The chart leaves out November 2026: the month is still in progress, its meetings have not had time to " \
           "be held and paid." in english
    assert not any("2026-11" in c for c in russian + english)


@pytest.mark.parametrize(("lang", "start"), [
    ("ru", "Ноябрь 2026: прошло 15 из 21 рабочего дня;"),
    ("en", "November 2026: 15 of 21 working days gone;"),
])
def test_plan_pacing_names_the_month(lang: str, start: str) -> None:
    assert any(c.startswith(start) for c in captions(open_screen("plan_attainment", lang)))


# ---- 3: a Diagnostics sentence starts with a capital ---------------------------------------------------------------

def test_diagnostics_sentences_start_with_a_capital() -> None:
    shown = markdown(open_screen("chain_diagnostics", "ru"))
    assert "**Октябрь 2026 против сентября 2026, когорта: встречи по дате назначения; план — по событиям.**" in shown
    assert "Октябрь 2026 против сентября 2026: 10 находок, из них серьёзных — 4. Начните сверху." in shown


# ---- 4: the source `unknown` on Diagnostics and Hunters -------------------------------------------------------------

def test_hunters_name_the_unknown_source_not_set() -> None:
    at = open_screen("hunter_results", "ru", f_sources=["unknown"])
    assert any(i.value.startswith("Фильтр источников (не указан): показаны только") for i in at.info)
    held = next(d.value for d in at.dataframe if "credited" in d.value.columns)
    assert set(held["source"]) == {"не указан"}


def test_diagnostics_records_name_the_unknown_source_not_set() -> None:
    at = open_screen("chain_diagnostics", "ru")
    sources = set().union(*(set(d.value["source"]) for d in at.dataframe if "source" in d.value.columns))
    assert "не указан" in sources and "unknown" not in sources


# ---- 5: the employee of a file without a responsible person --------------------------------------------------------

# A deals file with no responsible person: both leads are "не указан / not set" (analytics/importing/converting.py).
NO_RESPONSIBLE = (
    "ID;Дата создания сделки;utm_source;Дата назначения встречи;Дата встречи;Встреча проведена;Хантер;Дата оплаты;"
    "Сумма оплаты\n"
    "1;01.10.2026 10:00;google;01.10.2026 11:00;05.10.2026;да;Петров Пётр;07.10.2026;1000\n"
    "2;02.10.2026 10:00;;02.10.2026 11:00;06.10.2026;да;Петров Пётр;;\n"
).encode("cp1251")


@pytest.mark.parametrize(("lang", "word"), [("ru", "не указан"), ("en", "not set")])
def test_the_employee_not_set_on_the_sidebar_and_overview(lang: str, word: str) -> None:
    at = open_screen("floor_overview", lang, uploads=[Upload("deals.csv", NO_RESPONSIBLE)], f_period="all")
    assert at.sidebar.multiselect(key="f_people").options == [word]
    board = next(d.value for d in at.dataframe if "conv_held_to_paid" in d.value.columns)
    assert board["employee"].tolist() == [word]
    at.sidebar.multiselect(key="f_people").set_value([NOT_SET]).run()  # the filter keeps the stored name
    assert not at.exception
    assert next(m for m in at.metric if m.label in ("Проведено встреч", "Meetings held")).value == "2"


@pytest.mark.parametrize(("lang", "word"), [("ru", "не указан"), ("en", "not set")])
def test_the_employee_not_set_on_the_lead_generator_page(lang: str, word: str) -> None:
    at = open_screen("lead_generator", lang, uploads=[Upload("deals.csv", NO_RESPONSIBLE)], f_period="all")
    assert at.selectbox(key="person").value == NOT_SET  # the stored name
    assert at.selectbox(key="person").options == [word]
    assert at.title[0].value == i18n.t("person_title", lang, who=word)
    assert markdown(at)[0].startswith(f"{word}: 2 ")
    # The tables of figures; the records' tabs (with `lead_id`) are helper T4's part of the page.
    assert NOT_SET not in str([d.value.to_dict() for d in at.dataframe if "lead_id" not in d.value.columns])
    assert column_labels(at, "floor")["person"] == word  # the person's column against the floor average


def test_the_employee_not_set_on_hunters_and_plan() -> None:
    uploads = [Upload("deals.csv", NO_RESPONSIBLE)]
    at = open_screen("hunter_results", "ru", uploads=uploads, f_period="all")
    matrix = next(d.value for d in at.dataframe if "low" in d.value.columns)
    assert matrix[["employee", "hunter"]].values.tolist() == [["не указан", "Петров Пётр"]]
    assert NOT_SET not in str([d.value.to_dict() for d in at.dataframe])
    at = open_screen("plan_attainment", "ru", uploads=uploads, f_period="all")
    assert NOT_SET not in str([d.value.to_dict() for d in at.dataframe])
    assert "не указан" in next(d.value for d in at.dataframe if "attainment_meetings_held" in d.value.columns)[
        "employee"].tolist()


def test_the_employee_not_set_on_diagnostics() -> None:
    at = open_screen("chain_diagnostics", "ru", uploads=[Upload("deals.csv", NO_RESPONSIBLE)])
    shown = markdown(at)
    assert not any(NOT_SET in text for text in shown)
    # Two meetings held on 5 working days (1–7 October, the data's end) against the default plan of 3 a day.
    assert "**не указан** · Ниже плана" in shown
    assert "не указан\\: проведено встреч — 0,4 в рабочий день при плане 3,0 \\(13,3\xa0% плана\\), ниже плана в 5 " \
           "из 5\xa0рабочих дней\\." in shown
    records = next(d.value for d in at.dataframe if "setter" in d.value.columns)
    assert records[["setter", "source"]].values.tolist() == [["не указан", "Google"], ["не указан", "не указан"]]


# ---- 7: the mature facts are built once per dataset, not on every run -----------------------------------------------

def test_the_mature_facts_are_built_once_per_dataset(monkeypatch) -> None:
    _dataset.load_mature.clear()
    built = []
    original = analytics.maturity.facts_of_mature
    monkeypatch.setattr(analytics.maturity, "facts_of_mature", lambda meetings: built.append(1) or original(meetings))
    at = open_screen("floor_overview", "en")
    at.sidebar.multiselect(key="f_people").set_value(["Соколов Дмитрий"]).run()
    at.sidebar.multiselect(key="f_people").set_value([]).run()
    assert not at.exception
    assert len(built) == 1  # three runs (two of them with other people chosen), one build
