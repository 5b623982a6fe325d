"""Numbers, percents, money, dates and plurals as a Russian and an English reader write them (analytics/i18n.py).

Every expected string below is written by hand; "\u00a0" is the no-break space the app puts between digit groups,
before "%" and "₽", and between a count and its noun.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import i18n

S = "\u00a0"


@pytest.mark.parametrize(("value", "lang", "decimals", "expected"), [
    (1234.5, "ru", 1, f"1{S}234,5"),
    (1234.5, "en", 1, "1,234.5"),
    (1234567, "ru", 0, f"1{S}234{S}567"),
    (1234567, "en", 0, "1,234,567"),
    (999, "ru", 0, "999"),
    (-1234.5, "ru", 1, f"−1{S}234,5"),
    (-1234.5, "en", 1, "−1,234.5"),
    (-7, "en", 0, "−7"),
    (0, "ru", 0, "0"),
    (0.125, "en", 2, "0.13"),  # half away from zero, as by hand (the banker's rounding would give 0.12)
    (2.5, "ru", 0, "3"),
    (-2.5, "ru", 0, "−3"),
    (-0.04, "ru", 1, "0,0"),  # rounds to zero: no minus sign
    (12.0, "en", 2, "12.00"),
    (Decimal("1234.56"), "ru", 2, f"1{S}234,56"),
    (np.int64(2044), "ru", 0, f"2{S}044"),
    (np.float64(2044.4), "en", 0, "2,044"),
    (True, "en", 0, "1"),
    (None, "ru", 0, "—"),
    (float("nan"), "en", 0, "—"),
    (float("inf"), "ru", 0, "—"),
    (np.float64("nan"), "ru", 1, "—"),
])
def test_number(value: object, lang: i18n.Lang, decimals: int, expected: str) -> None:
    assert i18n.number(value, lang, decimals) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "lang", "signed", "expected"), [
    (0.1234, "ru", False, f"12,3{S}%"),
    (0.1234, "en", False, "12.3%"),
    (1.5, "ru", False, f"150,0{S}%"),
    (12.345, "en", False, "1,234.5%"),
    (0, "en", False, "0.0%"),
    (-0.2, "ru", False, f"−20,0{S}%"),
    (0.1234, "ru", True, f"+12,3{S}%"),
    (0.1234, "en", True, "+12.3%"),
    (-0.04, "ru", True, f"−4,0{S}%"),
    (-0.04, "en", True, "−4.0%"),
    (0, "en", True, "±0.0%"),
    (-0.0004, "ru", True, f"±0,0{S}%"),  # shown as 0.0: no direction to announce
    (None, "ru", False, "—"),
    (float("nan"), "en", True, "—"),
])
def test_percent(value: float | None, lang: i18n.Lang, signed: bool, expected: str) -> None:
    assert i18n.percent(value, lang, signed) == expected


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (12314000, "ru", f"12{S}314{S}000{S}₽"),
    (12314000, "en", f"RUB{S}12,314,000"),
    (12314000.49, "ru", f"12{S}314{S}000{S}₽"),
    (12314000.5, "en", f"RUB{S}12,314,001"),
    (950, "ru", f"950{S}₽"),
    (0, "en", f"RUB{S}0"),
    (-1500, "ru", f"−1{S}500{S}₽"),
    (-1500, "en", f"−RUB{S}1,500"),
    (None, "ru", "—"),
    (float("nan"), "en", "—"),
])
def test_money(value: float | None, lang: i18n.Lang, expected: str) -> None:
    assert i18n.money(value, lang) == expected


def test_money_with_kopecks() -> None:
    assert i18n.money(1234.5, "ru", decimals=2) == f"1{S}234,50{S}₽"
    assert i18n.money(1234.5, "en", decimals=2) == f"RUB{S}1,234.50"


@pytest.mark.parametrize(("day", "lang", "expected"), [
    (dt.date(2026, 10, 5), "ru", "05.10.2026"),
    (dt.date(2026, 10, 5), "en", "5 Oct 2026"),
    (dt.date(2026, 1, 31), "en", "31 Jan 2026"),
    (None, "ru", "—"),
])
def test_date_label(day: dt.date | None, lang: i18n.Lang, expected: str) -> None:
    assert i18n.date_label(day, lang) == expected


@pytest.mark.parametrize(("day", "lang", "expected"), [
    (dt.date(2026, 10, 5), "ru", "октябрь 2026"),  # the standalone form, not «октября»
    (dt.date(2026, 5, 1), "ru", "май 2026"),
    (dt.date(2026, 10, 5), "en", "October 2026"),
])
def test_month_label(day: dt.date, lang: i18n.Lang, expected: str) -> None:
    assert i18n.month_label(day, lang) == expected


RU_CATEGORIES = [(0, "many"), (1, "one"), (2, "few"), (4, "few"), (5, "many"), (11, "many"), (12, "many"),
                 (14, "many"), (21, "one"), (22, "few"), (25, "many"), (101, "one"), (111, "many"), (1001, "one")]


@pytest.mark.parametrize(("n", "category"), RU_CATEGORIES)
def test_russian_plural_categories(n: int, category: str) -> None:
    assert i18n.plural_category(n, "ru") == category


@pytest.mark.parametrize(("n", "category"), [(0, "other"), (1, "one"), (2, "other"), (4, "other"), (5, "other"),
                                             (11, "other"), (21, "other"), (101, "other"), (1001, "other")])
def test_english_plural_categories(n: int, category: str) -> None:
    assert i18n.plural_category(n, "en") == category


@pytest.mark.parametrize(("n", "ru", "en"), [
    (0, f"0{S}находок", f"0{S}findings"),
    (1, f"1{S}находка", f"1{S}finding"),
    (2, f"2{S}находки", f"2{S}findings"),
    (4, f"4{S}находки", f"4{S}findings"),
    (5, f"5{S}находок", f"5{S}findings"),
    (11, f"11{S}находок", f"11{S}findings"),
    (12, f"12{S}находок", f"12{S}findings"),
    (14, f"14{S}находок", f"14{S}findings"),
    (21, f"21{S}находка", f"21{S}findings"),
    (22, f"22{S}находки", f"22{S}findings"),
    (25, f"25{S}находок", f"25{S}findings"),
    (101, f"101{S}находка", f"101{S}findings"),
    (111, f"111{S}находок", f"111{S}findings"),
    (1001, f"1{S}001{S}находка", f"1,001{S}findings"),
])
def test_findings_agree_with_the_count(n: int, ru: str, en: str) -> None:
    assert i18n.count_phrase(n, "findings", "ru") == ru
    assert i18n.count_phrase(n, "findings", "en") == en


@pytest.mark.parametrize(("n", "noun", "lang", "expected"), [
    (41, "meetings_held", "ru", f"41{S}проведённая встреча"),
    (2, "meetings_held", "ru", f"2{S}проведённые встречи"),
    (11, "meetings_held", "ru", f"11{S}проведённых встреч"),
    (41, "meetings_held", "en", f"41{S}meetings held"),
    (1, "meetings_held", "en", f"1{S}meeting held"),
    (2044, "calls", "ru", f"2{S}044{S}звонка"),
    (2044, "calls", "en", f"2,044{S}calls"),
    (3, "findings", "ru", f"3{S}находки"),
    (5, "findings", "ru", f"5{S}находок"),
    (1, "calls", "en", f"1{S}call"),
    (0, "calls", "en", f"0{S}calls"),
    (1, "people", "ru", f"1{S}человек"),
    (3, "people", "ru", f"3{S}человека"),
    (7, "people", "ru", f"7{S}человек"),
    (1, "people", "en", f"1{S}person"),
    (7, "people", "en", f"7{S}people"),
    (22, "target_leads", "ru", f"22{S}целевых лида"),
    (21, "days", "ru", f"21{S}день"),
    (3, "working_days", "ru", f"3{S}рабочих дня"),
    (1234, "rows", "ru", f"1{S}234{S}строки"),
    (1.96, "calls", "ru", f"2{S}звонка"),  # agrees with the number as shown
    (None, "calls", "ru", f"—{S}звонков"),
])
def test_count_phrase(n: int | float | None, noun: str, lang: i18n.Lang, expected: str) -> None:
    assert i18n.count_phrase(n, noun, lang) == expected


@pytest.mark.parametrize(("n", "decimals", "lang", "expected"), [
    (1.5, 1, "ru", f"1,5{S}минуты"),
    (2.5, 1, "en", f"2.5{S}minutes"),
    (1.0, 1, "en", f"1.0{S}minutes"),  # "1.0 minutes": English takes the singular for a bare 1 only
    (1.0, 1, "ru", f"1,0{S}минуты"),
])
def test_fractions(n: float, decimals: int, lang: i18n.Lang, expected: str) -> None:
    assert i18n.count_phrase(n, "minutes", lang, decimals=decimals) == expected


@pytest.mark.parametrize(("n", "expected"), [
    (1, f"1{S}звонка"), (21, f"21{S}звонка"), (2, f"2{S}звонков"), (5, f"5{S}звонков"), (11, f"11{S}звонков"),
    (101, f"101{S}звонка"), (2044, f"2{S}044{S}звонков"),
])
def test_genitive_after_a_preposition(n: int, expected: str) -> None:
    """«из 21 звонка», «из 5 звонков»."""
    assert i18n.count_phrase(n, "calls", "ru", case="genitive") == expected


def test_genitive_is_the_english_plural() -> None:
    assert i18n.count_phrase(21, "calls", "en", case="genitive") == f"21{S}calls"


@pytest.mark.parametrize("noun", sorted(i18n.NOUNS))
def test_every_noun_takes_the_one_form_after_21_in_russian_only(noun: str) -> None:
    forms = i18n.NOUNS[noun]
    assert i18n.count_phrase(21, noun, "ru") == f"21{S}{forms.ru[0]}"
    assert i18n.count_phrase(21, noun, "en") == f"21{S}{forms.en[1]}"
    assert i18n.count_phrase(1, noun, "en") == f"1{S}{forms.en[0]}"


@pytest.mark.parametrize(("n", "expected"), [(1, "звонок"), (3, "звонка"), (5, "звонков"), (0.5, "звонка")])
def test_plural_picks_the_form(n: float, expected: str) -> None:
    assert i18n.plural(n, "ru", ("звонок", "звонка", "звонков")) == expected


def test_plural_uses_the_fraction_form_when_given() -> None:
    assert i18n.plural(1.5, "ru", ("минута", "минуты", "минут", "минуты с половиной")) == "минуты с половиной"
    assert i18n.plural(1, "en", ("call", "calls")) == "call"
    assert i18n.plural(2, "en", ("call", "calls")) == "calls"


@pytest.mark.parametrize(("key", "value", "lang", "expected"), [
    ("conv_scheduled_to_held", 0.5, "ru", f"50,0{S}%"),
    ("conv_scheduled_to_held", None, "en", "—"),
    ("revenue", 12314000, "en", "12,314,000"),
    ("minutes_on_line", 1234.6, "ru", f"1{S}235"),
    ("calls_60s", 2044, "ru", f"2{S}044"),
])
def test_fmt_is_unchanged_for_the_pages(key: str, value: float | None, lang: i18n.Lang, expected: str) -> None:
    assert i18n.fmt(key, value, lang) == expected


def test_existing_helpers_keep_working() -> None:
    assert i18n.language_of("ru-RU") == "ru" and i18n.language_of("en-US") == "en" and i18n.language_of(None) == "en"
    assert i18n.t("rows_count", "en", n=3) == "Records: 3"
    assert i18n.table_format("conv_held_to_paid", "ru") == "%.1f %%"
    assert (i18n.NBSP, i18n.DASH, i18n.LANGS) == ("\u00a0", "—", ("ru", "en"))


def read_back(text: str, lang: i18n.Lang) -> Decimal:
    """A shown number back to its value, in exact arithmetic: group separators out, the decimal mark to "."."""
    digits = text.replace(i18n.NBSP, "").replace("−", "-")
    return Decimal(digits.replace(",", ".") if lang == "ru" else digits.replace(",", ""))


@given(cents=st.integers(min_value=-10**12, max_value=10**12), lang=st.sampled_from(i18n.LANGS))
def test_a_shown_number_reads_back_exactly(cents: int, lang: i18n.Lang) -> None:
    text = i18n.number(Decimal(cents) / 100, lang, 2)
    assert "\u202f" not in text and "-" not in text
    assert read_back(text, lang) == Decimal(cents) / 100


@pytest.mark.parametrize(("n", "lang", "expected"), [
    (1, "ru", "10.2026 против 09.2026: 1 находка, из них серьёзных — 0. Начните сверху."),
    (3, "ru", "10.2026 против 09.2026: 3 находки, из них серьёзных — 0. Начните сверху."),
    (5, "ru", "10.2026 против 09.2026: 5 находок, из них серьёзных — 0. Начните сверху."),
    (21, "ru", "10.2026 против 09.2026: 21 находка, из них серьёзных — 0. Начните сверху."),
    (f"1{S}001", "ru", f"10.2026 против 09.2026: 1{S}001 находка, из них серьёзных — 0. Начните сверху."),
    (1, "en", "10.2026 against 09.2026: 1 finding, 0 of them serious. Start at the top."),
    ("1,001", "en", "10.2026 against 09.2026: 1,001 findings, 0 of them serious. Start at the top."),
])
def test_a_template_noun_agrees_with_its_count(n: object, lang: i18n.Lang, expected: str) -> None:
    """Pages pass a count or the text `number` made of it; the noun agrees either way."""
    assert i18n.t("diag_sentence", lang, month="10.2026", previous="09.2026", n=n, high=0) == expected


@pytest.mark.parametrize(("calls", "lang", "expected"), [
    (1, "ru", "Встречи и оплаты (из 1 звонка от 60 с)"),
    (21, "ru", "Встречи и оплаты (из 21 звонка от 60 с)"),
    (f"2{S}044", "ru", f"Встречи и оплаты (из 2{S}044 звонков от 60 с)"),
    (1, "en", "Meetings and payments (from 1 call of 60 s or longer)"),
    ("2,044", "en", "Meetings and payments (from 2,044 calls of 60 s or longer)"),
])
def test_a_template_noun_after_a_preposition(calls: object, lang: i18n.Lang, expected: str) -> None:
    assert i18n.t("funnel_chart_title", lang, calls=calls) == expected


def test_sentences_that_count_read_right() -> None:
    assert i18n.t("person_sentence", "ru", who="Анна", held="41", booked="21", calls=f"2{S}044", t=60,
                  per_day="92,9") == (f"Анна: 41 проведённая встреча из 21 назначенной, 2{S}044 звонка от 60 с "
                                      "(в среднем 92,9 в рабочий день).")
    assert i18n.t("overview_sentence", "ru", held="2", change=" (+3,0 % к прошлому периоду)", whence="", paid="1",
                  revenue="5") == (
        "За период лидорубы довели до проведённой встречи 2 клиентов (+3,0 % к прошлому периоду); 1 из них "
        "оплатили на 5.")
    assert i18n.t("accounted", "en", file="CSV", rows="3", ok="0", bad="3") == "CSV: 3 rows = 0 imported + 3 rejected."
    assert i18n.t("accounted", "ru", file="CSV", rows="1", ok="1", bad="0") == (
        "CSV: 1 строка = 1 загружено + 0 отклонено.")
    assert i18n.t("pacing_caption", "ru", month="11.2026", done=5, total=21).startswith(
        "11.2026: прошло 5 из 21 рабочего дня;")
    assert i18n.t("calls_only_sentence", "ru", calls="3", t=60, minutes="1,5").startswith(
        "В данных только звонки: за период 3 звонка от 60 с и 1,5 минуты на линии.")


@pytest.mark.parametrize(("text", "lang", "expected"), [
    (f"1{S}234,5", "ru", Decimal("1234.5")), ("1,234.5", "en", Decimal("1234.5")), ("−3", "ru", Decimal(-3)),
    ("1\\.0", "en", Decimal("1.0")), ("—", "ru", None), (7, "en", Decimal(7)), (None, "ru", None),
])
def test_shown_value_reads_what_number_wrote(text: object, lang: i18n.Lang, expected: Decimal | None) -> None:
    assert i18n.shown_value(text, lang) == expected


def test_every_template_names_known_nouns_and_values() -> None:
    """A typo in `{n@noun}` would only show when the sentence is drawn; catch it here for both languages."""
    for key, templates in i18n.STRINGS.items():
        for template in templates:
            for name, noun, _ in i18n._AGREEING.findall(template):
                assert noun in i18n.NOUNS, (key, noun)
                assert "{" + name + "}" in template, (key, name)
