"""Issue 13's follow-ups of the screen work (items 9, 12, 13, 14): what helpers T1–T5 left in files that were not
theirs. Each test failed before its change.

The demo's data end on Friday 20.11.2026; the sidebar's default period is October 2026.
"""

from __future__ import annotations

import pytest

from analytics import i18n
from analytics.importing.pipeline import Upload
from analytics.registry import METRIC_KEYS, metric
from tests.conftest import column_configs, labels, open_screen, table_with
from tests.test_russian_leftovers import NO_RESPONSIBLE

pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


# ---- 2: records tables: coded values in words, the person and the source not set in the language ------------------

# Two calls of Анна's: one linked to lead 1 by its phone, one of a number no lead has. The records' `direction` and
# `linked_by` are codes (out, in, phone); the second call has no lead and no link.
CALLS = ("Дата и время;Сотрудник;Номер клиента;Длительность разговора;Тип звонка\n"
         "01.10.2026 10:00;Анна;79165550101;65;Исходящий\n"
         "01.10.2026 11:00;Анна;79165559999;70;Входящий\n").encode()
DEALS = (
    "lead_id;created_at;employee;source;phone;booked_at;meeting_at;held\n"
    "L1;01.10.2026 09:00;Анна;google;79165550101;02.10.2026 12:00;06.10.2026 12:00;да\n"
).encode()


@pytest.mark.parametrize(("lang", "out", "incoming", "phone"), [("ru", "исходящий", "входящий", "телефону"),
                                                                 ("en", "outgoing", "incoming", "phone")])
def test_a_calls_records_table_writes_its_codes_in_words(lang: str, out: str, incoming: str, phone: str) -> None:
    at = open_screen("lead_generator", lang, uploads=[Upload("deals.csv", DEALS), Upload("calls.csv", CALLS)],
                     f_period="all", person="Анна")
    listen, calls = (d for d in at.dataframe if "linked_by" in d.value.columns)
    # The listen-to-the-calls table (lead 1's meeting was held, not paid) and the records' calls tab, whose call of
    # no lead reads "—", never "None".
    assert listen.value[["direction", "lead_id", "linked_by"]].values.tolist() == [[out, "L1", phone]]
    assert calls.value[["direction", "lead_id", "linked_by"]].values.tolist() == [[out, "L1", phone],
                                                                                 [incoming, "—", "—"]]
    assert labels(calls)["linked_by"] == i18n.t("col_linked_by", lang)


def test_the_lead_generators_records_name_the_person_and_source_not_set() -> None:
    at = open_screen("lead_generator", "ru", uploads=[Upload("deals.csv", NO_RESPONSIBLE)], f_period="all")
    meetings = table_with(at, "setter").value
    assert meetings[["lead_id", "setter", "source"]].values.tolist() == [["1", "не указан", "Google"],
                                                                        ["2", "не указан", "не указан"]]
    leads = next(d.value for d in at.dataframe if "created_at" in d.value.columns)
    assert leads[["employee", "source"]].values.tolist() == [["не указан", "Google"], ["не указан", "не указан"]]


# ---- 3: the definitions name a metric's key on the English screen only ----------------------------------------------

def test_the_definitions_name_the_metric_key_in_english_only() -> None:
    russian = [m.value for m in open_screen("floor_overview", "ru").markdown]
    english = [m.value for m in open_screen("floor_overview", "en").markdown]
    held_ru, held_en = metric("meetings_held").label("ru"), metric("meetings_held").label("en")
    assert any(f"{held_ru}** — " in m for m in russian)
    assert not any("(`" in m for m in russian)
    assert any(f"{held_en}** (`meetings_held`) — " in m for m in english)


# ---- 5: People side by side names the employee not set in the language ----------------------------------------------

# Анна's one call beside the two leads of a file with no responsible person ("не указан / not set").
ANNA_CALLS = ("Дата и время;Сотрудник;Номер клиента;Длительность разговора\n"
              "01.10.2026 10:00;Анна;79165550101;65\n").encode()


@pytest.mark.parametrize(("lang", "word"), [("ru", "не указан"), ("en", "not set")])
def test_people_compared_name_the_employee_not_set(lang: str, word: str) -> None:
    at = open_screen("people_compare", lang, f_period="all",
                     uploads=[Upload("deals.csv", NO_RESPONSIBLE), Upload("calls.csv", ANNA_CALLS)])
    assert at.multiselect(key="compare_people").options == ["Анна", word]  # stored: "не указан / not set"
    # compared by default: the two who held the most, the employee not set (2 held) first
    table = table_with(at, "p0")
    assert [labels(table)[c] for c in ("p0", "p1")] == [word, "Анна"]
    assert f"**{word}**" in [m.value for m in at.markdown]  # the person's card
    assert not any("not set" in m.value and "не указан" in m.value for m in at.markdown)


# ---- 6: a person's month table on a phone: the metric pinned; months oldest first, as the trend chart runs (R 24) ---

def test_the_person_month_table_pins_the_metric_and_runs_newest_first() -> None:
    at = open_screen("lead_generator", "ru")
    table = table_with(at, "label")
    months = ["2026-11", "2026-10", "2026-09", "2026-08", "2026-07", "2026-06"]  # the demo's last six, newest first
    assert list(table.value.columns) == ["label", *months]
    assert list(table.proto.column_order) == ["label", *months]
    config = column_configs(table)["label"]
    assert (config["label"], config["pinned"]) == ("Показатель", True)
    assert len(table.value) == len(METRIC_KEYS)


# ---- 7: the Plan's pace table and the Data page's counts ------------------------------------------------------------

def test_the_plan_pace_table_titles_the_actual_with_a_capital() -> None:
    at = open_screen("plan_attainment", "ru")
    assert labels(table_with(at, "on_track"))["actual"] == "Факт"


# 1 200 deals at two stages: the stage table counts 1 000 and 200.
STAGES = ("ID;Ответственный;Дата создания;Этап\n" + "".join(
    f"{n};Анна;01.10.2026;{'Думает' if n <= 1000 else 'Купил'}\n" for n in range(1, 1201))).encode()


@pytest.mark.parametrize(("lang", "thousand"), [("ru", "1\u00a0000"), ("en", "1,000")])
def test_the_data_page_writes_stage_counts_in_the_language(lang: str, thousand: str) -> None:
    at = open_screen("data_import", lang, uploads=[Upload("deals.csv", STAGES)])
    stages = table_with(at, "step").value
    assert dict(zip(stages["value"], stages["rows"], strict=True)) == {"Думает": thousand, "Купил": "200"}
