"""Tables that show what the sentence talks about (screen review R, items 4, 5, 10, 12, 13, 15, 20, 24, 25): months in
words and the running month marked, newest first (a phone sees the latest); the name pinned; the column a sentence
names in view; no "None" for an empty date; the Lead generator opening on someone with numbers; every source with
spend in the cost table."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from analytics.importing.pipeline import Upload
from pages import _widgets
from tests.conftest import column_configs, labels, open_screen, table_with

REAL = Path(__file__).parent / "fixtures" / "real"
NB = "\u00a0"
DEMO_MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]  # the demo's last six; November runs


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


# ---- item 4, 5, 24: month headers in words, the running month marked and never red, newest first --------------------

@pytest.mark.parametrize(("lang", "month", "running", "expected"), [
    ("ru", "2026-06", False, f"июн{NB}2026"), ("en", "2026-06", False, f"Jun{NB}2026"),
    ("ru", "2026-11", True, f"ноя{NB}2026 (идёт)"), ("en", "2026-11", True, f"Nov{NB}2026 (running)"),
    ("ru", "2025-01", False, f"янв{NB}2025"), ("en", "2025-12", False, f"Dec{NB}2025"),
])
def test_a_month_column_is_headed_in_words(lang: str, month: str, running: bool, expected: str) -> None:
    assert _widgets.month_heading(month, lang, running) == expected  # type: ignore[arg-type]


def test_month_columns_say_what_red_compares_with_and_that_the_running_month_is_never_red() -> None:
    specs = _widgets.month_columns(["2026-10", "2026-11"], "ru", {"2026-11": 0.8}, "meetings_held")
    assert [s.label for s in specs.values()] == [f"ноя{NB}2026 (идёт)", f"окт{NB}2026"]  # newest first
    assert specs["2026-10"].kind == "count"
    assert specs["2026-10"].help == "Октябрь 2026. Красным — падение к предыдущему месяцу, колонке справа."
    assert specs["2026-11"].help == "Ноябрь 2026 ещё идёт: его числа неполные, и падением он не красится."
    flags = pl.DataFrame({"2026-10": [True, False], "2026-11": [True, True]})
    assert _widgets.without_running(flags, {"2026-11": 0.8}).to_dict(as_series=False) == {
        "2026-10": [True, False], "2026-11": [False, False]}


def test_a_metric_table_of_rows_per_month_writes_the_month_in_words() -> None:
    frame = pl.DataFrame({"source": ["Google", "Google"], "month": ["2026-10", "2026-11"], "spend": [1.0, 2.0]})
    assert _widgets.styled(frame, "ru").data["month"].tolist() == [f"окт{NB}2026", f"ноя{NB}2026"]


@pytest.mark.parametrize(("lang", "running"), [("ru", f"ноя{NB}2026 (идёт)"), ("en", f"Nov{NB}2026 (running)")])
def test_the_person_month_table_runs_newest_first_in_words_with_the_metric_pinned(lang: str, running: str) -> None:
    at = open_screen("lead_generator", lang)
    table = table_with(at, "label")
    assert list(table.proto.column_order) == ["label", *reversed(DEMO_MONTHS)]  # the running month next to the name
    shown = labels(table)
    assert shown["2026-06"] == ("июн" if lang == "ru" else "Jun") + f"{NB}2026"
    assert shown["2026-11"] == running
    assert (column_configs(table)["label"]["pinned"], column_configs(table)["label"]["width"]) == (True, "medium")


def test_the_hunters_and_sources_month_tables_are_headed_in_words() -> None:
    hunters = open_screen("hunter_results", "ru")
    table = next(d for d in hunters.dataframe if "2026-11" in d.value.columns and "hunter" in d.value.columns)
    assert [labels(table)[m] for m in DEMO_MONTHS[-2:]] == [f"окт{NB}2026", f"ноя{NB}2026 (идёт)"]
    assert column_configs(table)["hunter"]["pinned"] is True
    sources = open_screen("source_comparison", "en")
    table = next(d for d in sources.dataframe if "2026-11" in d.value.columns)
    assert [labels(table)[m] for m in DEMO_MONTHS[-2:]] == [f"Oct{NB}2026", f"Nov{NB}2026 (running)"]


# ---- item 13: an empty date reads "—" ------------------------------------------------------------------------------

def test_a_meeting_not_paid_reads_a_dash_for_its_payment_date() -> None:
    at = open_screen("hunter_results", "ru")
    held = table_with(at, "paid_at").value
    assert held["paid_at"].isna().sum() == 0  # written, never a null Streamlit shows as "None"
    assert (held["paid_at"] == "—").sum() > 0  # the demo's hunters have unpaid meetings
    paid = held.loc[held["paid_at"] != "—", "paid_at"].iloc[0]
    assert len(paid) == len("19.10.2026 01:15") and paid[2] == "." and paid[10] == " "


# ---- item 15: the Lead generator opens on the busiest person; an empty daily chart says so --------------------------

def preview() -> list[Upload]:
    return [Upload(name, (REAL / name).read_bytes()) for name in ("sipuni_cp1251.csv", "amocrm_deals.csv")]


def test_the_lead_generator_opens_on_the_busiest_person_not_the_first_extension() -> None:
    at = open_screen("lead_generator", "ru", uploads=preview(), f_period="all")
    person = at.selectbox(key="person")
    assert person.options[0] == "201"  # the call log's extension sorts first …
    assert person.value != "201"  # … but the screen opens on the person with the most meetings
    compare = open_screen("people_compare", "ru", uploads=preview(), f_period="all")
    assert person.value == compare.multiselect(key="compare_people").value[0]  # the same person Compare opens on


def test_the_demo_lead_generator_opens_on_the_one_who_held_most() -> None:
    at = open_screen("lead_generator", "en")
    board = open_screen("floor_overview", "en")
    leader = table_with(board, "meetings_held").value["employee"].iloc[0]  # sorted by meetings held
    assert at.selectbox(key="person").value == leader


def test_an_empty_daily_chart_says_no_data_instead_of_drawing_a_zero_axis() -> None:
    # The extension "201" chosen: in the file's last month it has no call, booking or minute of its own.
    at = open_screen("lead_generator", "ru", uploads=preview(), person="201")
    assert at.selectbox(key="person").value == "201"
    assert [i.value for i in at.info].count("Нет данных за период.") == 3  # calls, meetings booked, minutes


# ---- item 20: the spend editor and the cost table --------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "form"), [("ru", "localized"), ("en", "%,.0f")])
def test_the_spend_editor_separates_thousands(lang: str, form: str) -> None:
    at = open_screen("source_comparison", lang)
    editor = table_with(at, "spend")
    assert column_configs(editor)["spend"]["type_config"]["format"] == form


def test_the_cost_table_shows_every_source_with_spend_not_only_the_compared() -> None:
    at = open_screen("source_comparison", "ru")
    assert at.multiselect(key="compare_sources").value == ["Google", "Yandex"]
    costs = table_with(at, "cost_per_lead")
    assert list(costs.value.columns[:2]) == ["source", "month"]  # the source pinned first
    assert column_configs(costs)["source"]["pinned"] is True
    assert "vk_ads" in set(costs.value["source"])  # spend in Oct and Nov (data/demo ad_spend.csv), not compared


# ---- items 10, 25: the column the sentence talks about in view, the pace table in funnel order -----------------------

def test_the_plan_table_starts_with_held_meetings_and_the_pace_table_runs_in_funnel_order() -> None:
    at = open_screen("plan_attainment", "ru")
    table = table_with(at, "attainment_meetings_held")
    assert list(table.value.columns[:3]) == ["employee", "attainment_meetings_held", "actual_meetings_held"]
    assert column_configs(table)["employee"]["pinned"] is True
    pace = table_with(at, "on_track").value
    first = pace[pace["employee"] == pace["employee"].iloc[0]]
    assert first["metric"].tolist() == ["Звонки от 60 с", "Назначено встреч", "Проведено встреч"]


def test_the_overview_leaderboard_pins_the_name_and_shows_held_to_paid_before_revenue() -> None:
    at = open_screen("floor_overview", "en")
    board = table_with(at, "conv_held_to_paid")
    columns = list(board.value.columns)
    assert columns.index("conv_held_to_paid") < columns.index("revenue")
    assert column_configs(board)["employee"]["pinned"] is True
    assert "width" not in column_configs(board)["employee"]  # sized to the names: a fixed width cut held → paid at 1440


def test_compare_pins_the_metric_name() -> None:
    at = open_screen("people_compare", "ru")
    assert column_configs(table_with(at, "label"))["label"]["pinned"] is True


STAGES = ("ID;Ответственный;Дата создания;Этап\n" + "".join(
    f"{n};Анна;01.10.2026;{'Думает' if n <= 3 else 'Купил'}\n" for n in range(1, 6))).encode()


def test_the_data_page_puts_the_columns_to_set_beside_their_names() -> None:
    at = open_screen("data_import", "ru", uploads=[Upload("deals.csv", STAGES)])
    assert list(table_with(at, "step").proto.column_order) == ["value", "step", "rows"]
    assert list(table_with(at, "sample").proto.column_order) == ["label", "column", "required", "sample"]
