"""Round U, words (screen review items 6–9, 11, 14/15, 19, 22, 23, 27/28): the sentences, captions and labels next to
a number say what it counts, in the screen's language, with no raw codes and no placeholder inside a sentence."""

from __future__ import annotations

import json
import re

import pytest

from analytics import i18n
from tests.conftest import open_screen

S = "\u00a0"  # the no-break space CLDR puts before a Russian %


# ---- item 19: a chosen threshold reads as chosen; English percents have no space ------------------------------------

def test_a_threshold_is_written_whole() -> None:
    assert i18n.percent(0.15, "ru", decimals=0) == f"15{S}%"
    assert i18n.percent(0.15, "en", decimals=0) == "15%"
    assert i18n.percent(0.15, "ru") == f"15,0{S}%"  # a measured share keeps its decimal
    assert i18n.t("drop_rule", "ru", threshold=i18n.percent(0.15, "ru", decimals=0)).startswith(
        f"Красным — падение не меньше 15{S}% к прошлому периоду")


def test_english_percents_have_no_space() -> None:
    spaced = [key for key, (_, en) in i18n.STRINGS.items() if re.search(r"\d %", en)]
    assert spaced == []
    assert i18n.t("ci_low", "en") == "95% low"


# ---- item 7: the period caption in the language's dates -------------------------------------------------------------

def test_the_english_period_caption_reads_like_every_other_english_date() -> None:
    at = open_screen("people_compare", "en", compare_people=["Соколов Дмитрий", "Волков Алексей"],
                     compare_people_sidebar=())
    assert "1 Oct 2026 – 31 Oct 2026, compared with 1 Sept 2026 – 30 Sept 2026" in [c.value for c in at.caption]
    # the review's pair differ most on booked → confirmed, not on held → paid (item 23)
    gap = [m.value for m in at.markdown if m.value.startswith("The largest gap")]
    assert gap == ["The largest gap is in Booked → confirmed: Волков Алексей 87.5%, Соколов Дмитрий 41.0%; the "
                   "difference is not chance (the 95% intervals do not overlap)."]


# ---- item 8: conversions named, not numbered ------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "named"), [("ru", "конверсии после назначения (подтверждение, проведение)"),
                                             ("en", "the conversions after booking (confirmed, held)")])
def test_the_maturity_rule_names_its_conversions(lang: i18n.Lang, named: str) -> None:
    text = i18n.t("mature_rule", lang, end="31.10.2026", window=30)
    assert named in text and "9–12" not in text


# ---- item 22: one person, one dash ----------------------------------------------------------------------------------

def test_the_diagnostics_wording_agrees() -> None:
    assert i18n.t("situation_few_held", "ru") == "Много назначено, мало проведено"
    cause = i18n.finding_text("cause_calls_below_plan", {"t": 60, "actual": i18n.Num(780),
                                                         "attainment": i18n.Pct(0.443)}, "ru")
    assert cause == f"мало звонков от 60 с: 780, это 44,3{S}% плана"
    assert i18n.finding_text("cause_calls_below_plan", {"t": 60, "actual": i18n.Num(780),
                                                        "attainment": i18n.Pct(0.443)}, "en") == (
        "few calls ≥ 60 s: 780, 44.3% of plan")


# ---- items 14/15: the overview sentence says whose numbers, and no "(— к прошлому периоду)" -------------------------

def test_the_overview_sentence_names_the_source_and_drops_an_empty_comparison() -> None:
    change = i18n.t("overview_change", "ru", held_change=f"−5,4{S}%")
    whence = " " + i18n.t("from_source", "ru", sources="Google")
    assert i18n.t("overview_sentence", "ru", held="176", change=change, whence=whence, paid="51", revenue="5") == (
        f"За период лидорубы довели до проведённой встречи 176 клиентов из источника Google (−5,4{S}% к прошлому "
        "периоду); 51 из них оплатили на 5.")
    assert i18n.t("overview_sentence", "en", held="2", change="", whence="", paid="1", revenue="5") == (
        "In the period the lead generators brought 2 clients to a held meeting; 1 of them paid, 5 in all.")
    assert i18n.t("funnel_chart_title_by_source", "ru", whence=i18n.t("from_source", "ru", sources="Google")) == (
        "Встречи и оплаты из источника Google")


def test_the_overview_under_a_source_filter_says_which_source() -> None:
    at = open_screen("floor_overview", "ru", f_sources=["Google"])
    assert at.title[0].value == "Обзор отдела · Google"
    sentence = next(m.value for m in at.markdown if m.value.startswith("За период лидорубы"))
    assert sentence.startswith("За период лидорубы довели до проведённой встречи 176 клиентов из источника Google (")


# ---- items 6 and 11: the diagnostics say what they count ------------------------------------------------------------

def test_diagnostics_cards_and_plan_captions_say_what_they_count() -> None:
    at = open_screen("chain_diagnostics", "ru")
    assert [m.label for m in at.metric] == ["Находки высокой важности", "Находки средней важности",
                                            "Находки низкой важности"]
    plan_lines = [c.value for c in at.caption if "план " in c.value and "факт" in c.value]
    assert plan_lines and all(" по дате события: план " in line for line in plan_lines), plan_lines
    assert f"Проведено встреч за октябрь 2026 по дате события: план 66, факт 49 (74,2{S}%)" in plan_lines
    # the same person and month by booking cohort: the sentence says so, so 44 does not contradict 49
    assert any(m.value.startswith("Соколов Дмитрий\\: из назначенных в месяце проведено встреч 77 → 44;")
               for m in at.markdown)


def test_plan_cards_say_fact_over_plan_by_event_date() -> None:
    at = open_screen("plan_attainment", "ru")
    assert at.metric[0].label.endswith(": факт / план")
    assert any(c.value.startswith("По дате события: встреча считается в день, когда прошла") for c in at.caption)


# ---- items 9, 27, 28: the Data page and the keys switch -------------------------------------------------------------

def test_the_data_page_and_the_keys_switch_speak_to_a_head_of_sales() -> None:
    assert "unknown" not in i18n.t("sources_alias_help", "ru") and "«не указан»" in i18n.t("sources_alias_help", "ru")
    assert "unknown" not in i18n.t("sources_alias_help", "en")
    assert i18n.t("download_keys", "ru") == "Заголовки для программ (англ.)"
    assert i18n.t("download_keys_help", "ru").startswith("Обычно не нужно. Включите, только если файл читает программа")


def test_the_data_page_reads_not_set_and_hides_the_field_keys_in_english_too() -> None:
    at = open_screen("data_import", "en")
    sources = next(d.value for d in at.dataframe if "counted_as" in d.value.columns)
    assert sources.loc[sources["raw"] == "", "counted_as"].tolist() == ["not set"]  # the demo's 430 leads, no source
    assert "unknown" not in set(sources["counted_as"])
    mappings = [d for d in at.dataframe if "field" in d.value.columns]
    assert mappings and all("field" not in d.proto.column_order for d in mappings)
    for mapping in mappings:  # the keys are in the meaning column's help, in the order of the rows
        keys = ", ".join(mapping.value["field"])
        assert json.loads(mapping.proto.columns)["label"]["help"] == (
            f"The fields' keys for scripts and the command line: {keys}.")
    assert any(d.value["field"].tolist()[:2] == ["lead_id", "created_at"] for d in mappings)
