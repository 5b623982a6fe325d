"""Russian and English: the UI's words, and numbers, money, dates and plurals in the locale's format.

Numbers go through babel (CLDR data) rather than hand-made string surgery, so that `1 234,5` / `1,234.5`, the
percent sign, the rouble and `1 звонок / 2 звонка / 5 звонков` follow the same rules as every other Russian and
English text. Two deliberate departures from raw CLDR, both for the reader: a negative number is written with the
typographic minus "−" (CLDR's Russian minus is the hyphen "-"), and spaces inside a value are the plain no-break
space U+00A0, never the narrow one U+202F, so that a value never wraps and every screen and test sees one spacing.
Metric names and definitions live in registry.py; this module holds everything else the screens say.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, cast

import polars as pl
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from analytics.registry import metric

Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
MINUS = "−"
DASH = "—"
PluralCategory = Literal["zero", "one", "two", "few", "many", "other"]
Case = Literal["nominative", "genitive"]


def language_of(locale: str | None) -> Lang:
    """Russian for a Russian (or other CIS-Cyrillic) browser locale, English otherwise."""
    return "ru" if (locale or "").lower().split("-")[0] in ("ru", "be", "uk", "kk") else "en"


def _decimal(value: object) -> Decimal | None:
    """A finite value as an exact Decimal (a float through its shortest repr, so 0.1 stays 0.1); else None."""
    if value is None:
        return None
    try:
        exact = Decimal(int(value)) if isinstance(value, bool) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return exact if exact.is_finite() else None


def _rounded(value: Decimal, decimals: int) -> Decimal:
    """Half away from zero, as people and spreadsheets round (2.5 → 3), not the banker's half-to-even."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _typeset(text: str) -> str:
    """CLDR's hyphen-minus → the typographic minus; the narrow no-break space → the plain one."""
    return text.replace("-", MINUS).replace(NARROW_NBSP, NBSP)


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


@functools.cache
def _number_format(lang: Lang, decimals: int, percent: bool = False) -> tuple[babel_numbers.NumberPattern, Locale]:
    """Babel's pattern and locale for a number (or a percent) with `decimals`, parsed once: a screen writes hundreds
    of numbers a run, and parsing them each time took three quarters of the 24 µs of each."""
    locale = Locale.parse(lang)
    pattern = locale.percent_formats[None].pattern.replace("#,##0", _pattern(decimals), 1) if percent \
        else _pattern(decimals)
    return babel_numbers.parse_pattern(pattern), locale


def number(value: float | int | Decimal | None, lang: Lang, decimals: int = 0) -> str:
    """`1 234,5` (ru, NBSP between groups) / `1,234.5` (en); "—" for a missing or non-finite value; "−" for minus.

    A value that rounds to zero is written without a sign: "−0" would announce a fall that the digits do not show.
    """
    exact = _decimal(value)
    if exact is None:
        return DASH
    shown = _rounded(exact, decimals)
    if shown == 0:
        shown = abs(shown)
    pattern, locale = _number_format(lang, decimals)
    return _typeset(pattern.apply(shown, locale, decimal_quantization=True))


def percent(value: float | None, lang: Lang, signed: bool = False, decimals: int = 1) -> str:
    """A share as a percent with one decimal: `12,3 %` (ru, CLDR puts a no-break space before %) / `12.3%` (en).

    `signed` writes a change: `+12,3 %`, `−4,0 %`, and `±0,0 %` for no change at the shown precision.
    `decimals=0` writes a chosen setting, such as a threshold, as it was chosen: `15 %`, never `15,0 %`.
    """
    exact = _decimal(value)
    if exact is None:
        return DASH
    shown = _rounded(exact * 100, decimals)
    if shown == 0:
        shown = abs(shown)
    pattern, locale = _number_format(lang, decimals, percent=True)
    text = _typeset(pattern.apply(abs(shown) / 100 if signed else shown / 100, locale))
    if signed:
        text = ("+" if shown > 0 else MINUS if shown < 0 else "±") + text
    return text


def money(value: float | int | Decimal | None, lang: Lang, decimals: int = 0) -> str:
    """An amount in roubles, whole roubles by default: `12 314 000 ₽` (ru) / `RUB 12,314,000` (en).

    The data are always roubles (the CRM exports of a Russian business). For an English reader we follow CLDR's
    English spelling, the ISO code before the amount: "RUB" cannot be misread (₽ looks like a Latin P, is
    missing from some fonts, and is unfamiliar to a foreign owner or investor), and it is what an English invoice
    or bank statement of a Russian company shows. Kopecks are dropped unless `decimals` asks for them: a head of
    sales reads revenue in roubles.
    """
    exact = _decimal(value)
    if exact is None:
        return DASH
    shown = _rounded(exact, decimals)
    if shown == 0:
        shown = abs(shown)
    pattern = Locale.parse(lang).currency_formats["standard"].pattern.replace("#,##0.00", _pattern(decimals), 1)
    text = babel_numbers.format_currency(abs(shown), "RUB", format=pattern, locale=lang, currency_digits=False)
    # CLDR's currency spacing, which babel leaves out: a code made of letters is kept apart from the digits.
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", NBSP, text)
    return _typeset(("-" if shown < 0 else "") + text)


# English dates are day-first (British): the data come from a Russian business, where 05.10 is the 5th of October,
# and `5 Oct 2026` cannot be misread either way, unlike the American `10/5/26`.
DATE_LOCALE: dict[Lang, str] = {"ru": "ru", "en": "en_GB"}
DATE_FORMAT: dict[Lang, str] = {"ru": "short", "en": "medium"}


def date_label(value: dt.date | None, lang: Lang) -> str:
    """A day as a reader of the language writes it: `05.10.2026` (ru) / `5 Oct 2026` (en)."""
    if value is None:
        return DASH
    return _typeset(babel_dates.format_date(value, DATE_FORMAT[lang], locale=DATE_LOCALE[lang]))


def month_label(value: dt.date | None, lang: Lang, case: Case = "nominative") -> str:
    """A calendar month in words: `октябрь 2026` / `October 2026`; `case="genitive"` gives the form after
    «против» / «с» (`против сентября 2026`) — CLDR's format-context month. English has one form."""
    if value is None:
        return DASH
    pattern = "MMMM y" if case == "genitive" else "LLLL y"
    return _typeset(babel_dates.format_date(value, pattern, locale=DATE_LOCALE[lang]))


def short_month(day: dt.date, lang: Lang) -> str:
    """The month's first three letters (CLDR's stand-alone month): `июн`, `сен`, `ноя` / `Jun`, `Sep` — without
    CLDR's abbreviation dots (`нояб.`, `Sept`), so that every month of a table's header or an axis is as wide."""
    return babel_dates.format_date(day, "LLL", locale=DATE_LOCALE[lang]).rstrip(".")[:3]


def period_label(period: str, lang: Lang, space: str = " ") -> str:
    """A metrics table's period as a reader writes it: `2026-11` → `ноя 2026` / `Nov 2026` (`space` between month
    and year: a table header keeps them together with a no-break space, a chart axis may break the line there),
    `2026-W43` → its Monday `19 окт` / `19 Oct`; anything else as it is."""
    if len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit():
        return f"{short_month(dt.date(int(period[:4]), int(period[5:]), 1), lang)}{space}{period[:4]}"
    if len(period) == 8 and period[4:6] == "-W" and period[:4].isdigit() and period[6:].isdigit():
        monday = dt.date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return f"{monday.day} {short_month(monday, lang)}"
    return period


def plural_category(n: float | int | Decimal, lang: Lang) -> PluralCategory:
    """CLDR's plural category of a number: ru one (1, 21, 101) / few (2–4, 22) / many (0, 5–20, 111) / other
    (fractions); en one (exactly 1) / other. A Decimal keeps its visible decimals: `1.0` is "other" in both."""
    return cast(PluralCategory, Locale.parse(lang).plural_form(n))


def plural(n: float | int | Decimal, lang: Lang, forms: Sequence[str]) -> str:
    """The word form that agrees with `n`. `forms` are (one, few, many[, other]) in Russian — `звонок`, `звонка`,
    `звонков` — and (one, other) in English; a Russian fraction takes `other`, else the `few` form (`1,5 звонка`).
    """
    category = plural_category(n, lang)
    if lang == "ru":
        one, few, many, *rest = forms
        return {"one": one, "few": few, "many": many}.get(category, rest[0] if rest else few)
    one, other = forms
    return one if category == "one" else other


@dataclass(frozen=True)
class Noun:
    """The forms a counted noun takes: ru (1, 2, 5), ru after «из» / «от» (1, 5), en (1, 2).

    The genitive is what a count takes after a preposition: «из 1 звонка», «из 5 звонков», «из 21 звонка».
    """

    ru: tuple[str, str, str]
    en: tuple[str, str]
    ru_genitive: tuple[str, str]


# The nouns the screens count. Adjective + noun phrases are whole entries: an adjective agrees with the count too
# (1 проведённая встреча, 2 проведённые встречи, 5 проведённых встреч; 2 целевых лида).
NOUNS: dict[str, Noun] = {
    "calls": Noun(("звонок", "звонка", "звонков"), ("call", "calls"), ("звонка", "звонков")),
    "meetings": Noun(("встреча", "встречи", "встреч"), ("meeting", "meetings"), ("встречи", "встреч")),
    "meetings_booked": Noun(("назначенная встреча", "назначенные встречи", "назначенных встреч"),
                            ("meeting booked", "meetings booked"), ("назначенной встречи", "назначенных встреч")),
    "meetings_held": Noun(("проведённая встреча", "проведённые встречи", "проведённых встреч"),
                          ("meeting held", "meetings held"), ("проведённой встречи", "проведённых встреч")),
    "leads": Noun(("лид", "лида", "лидов"), ("lead", "leads"), ("лида", "лидов")),
    "target_leads": Noun(("целевой лид", "целевых лида", "целевых лидов"), ("target lead", "target leads"),
                         ("целевого лида", "целевых лидов")),
    "payments": Noun(("оплата", "оплаты", "оплат"), ("payment", "payments"), ("оплаты", "оплат")),
    "clients": Noun(("клиент", "клиента", "клиентов"), ("client", "clients"), ("клиента", "клиентов")),
    "findings": Noun(("находка", "находки", "находок"), ("finding", "findings"), ("находки", "находок")),
    "rows": Noun(("строка", "строки", "строк"), ("row", "rows"), ("строки", "строк")),
    "records": Noun(("запись", "записи", "записей"), ("record", "records"), ("записи", "записей")),
    "values": Noun(("значение", "значения", "значений"), ("value", "values"), ("значения", "значений")),
    "files": Noun(("файл", "файла", "файлов"), ("file", "files"), ("файла", "файлов")),
    "days": Noun(("день", "дня", "дней"), ("day", "days"), ("дня", "дней")),
    "working_days": Noun(("рабочий день", "рабочих дня", "рабочих дней"), ("working day", "working days"),
                         ("рабочего дня", "рабочих дней")),
    "months": Noun(("месяц", "месяца", "месяцев"), ("month", "months"), ("месяца", "месяцев")),
    "minutes": Noun(("минута", "минуты", "минут"), ("minute", "minutes"), ("минуты", "минут")),
    "seconds": Noun(("секунда", "секунды", "секунд"), ("second", "seconds"), ("секунды", "секунд")),
    "people": Noun(("человек", "человека", "человек"), ("person", "people"), ("человека", "человек")),
    "lead_generators": Noun(("лидоруб", "лидоруба", "лидорубов"), ("lead generator", "lead generators"),
                            ("лидоруба", "лидорубов")),
    "sources": Noun(("источник", "источника", "источников"), ("source", "sources"), ("источника", "источников")),
    # An adjective standing for "meetings" after «из»: «1 проведённая встреча из 21 назначенной».
    "booked": Noun(("назначенная", "назначенные", "назначенных"), ("booked", "booked"), ("назначенной", "назначенных")),
}


def noun_form(n: float | int | Decimal | None, noun: str, lang: Lang, case: Case = "nominative") -> str:
    """The form of a noun of NOUNS that agrees with `n` (as shown: pass the rounded value), without the number.

    The genitive (after «из» / «от», and the accusative of people: «довели 21 клиента») has the singular for
    1, 21, 101 and fractions and the plural otherwise; English has one plural. A missing `n` takes the plural.
    """
    forms = NOUNS[noun]
    if n is None:
        return forms.ru[2] if lang == "ru" else forms.en[1]
    if lang == "ru" and case == "genitive":
        return forms.ru_genitive[0] if plural_category(n, lang) in ("one", "other") else forms.ru_genitive[1]
    return plural(n, lang, forms.ru if lang == "ru" else forms.en)


def count_phrase(n: float | int | None, noun: str, lang: Lang, decimals: int = 0,
                 case: Case = "nominative") -> str:
    """`41 проведённая встреча`, `2 044 звонка`, `5 находок` / `1 call`, `2,044 calls`: a count and its noun.

    The form agrees with the number as shown (1.96 shown as "2" reads `2 звонка`); a no-break space keeps the
    number with its noun. `case="genitive"` gives the form after «из» / «от» (`из 21 звонка`, `из 5 звонков`;
    English has one form). A missing count is "—" with the plural noun.
    """
    exact = _decimal(n)
    if exact is None:
        return f"{DASH}{NBSP}{noun_form(None, noun, lang)}"
    word = noun_form(abs(_rounded(exact, decimals)), noun, lang, case)
    return f"{number(exact, lang, decimals)}{NBSP}{word}"


def fmt(key: str, value: float | int | None, lang: Lang) -> str:
    """A metric's value as the UI shows it."""
    kind = metric(key).kind
    if kind == "ratio":
        return percent(value, lang)
    if kind == "minutes":
        return number(value, lang, 0)
    return number(value, lang, 0)


def table_format(key: str, lang: Lang) -> str:
    """A st.column_config number format for a metric column (ratios are shown multiplied by 100)."""
    kind = metric(key).kind
    if kind == "ratio":
        return "%.1f %%" if lang == "ru" else "%.1f%%"
    return "localized" if lang == "ru" else "%,d" if kind == "count" else "%,.0f"


STRINGS: dict[str, tuple[str, str]] = {
    # navigation and shell
    "app_title": ("Отдел продаж: лидорубы", "Sales floor: lead generators"),
    "page_overview": ("Обзор", "Overview"),
    "page_person": ("Лидоруб", "Lead generator"),
    "page_sources": ("Источники", "Sources"),
    "page_plan": ("План", "Plan"),
    "page_diagnostics": ("Диагностика", "Diagnostics"),
    "page_data": ("Данные", "Data"),
    "language": ("Язык", "Language"),
    "filters": ("Фильтры", "Filters"),
    "period": ("Период", "Period"),
    "period_this_month": ("Этот месяц", "This month"),
    "period_last_month": ("Прошлый месяц", "Last month"),
    "period_last_3_months": ("Последние 3 месяца", "Last 3 months"),
    "period_all": ("Всё время", "All time"),
    "period_custom": ("Свой диапазон", "Custom range"),
    "dates": ("Даты", "Dates"),
    "employees": ("Лидорубы", "Lead generators"),
    "sources": ("Источники", "Sources"),
    "all": ("все", "all"),
    "mode": ("Режим подсчёта", "Counting mode"),
    "mode_cohort": ("Когорта", "Cohort"),
    "mode_event": ("События", "Events"),
    "mode_cohort_help": (
        "Каждый шаг встречи — в периоде даты назначения: конверсии честные (≤ 100 %), свежие когорты ещё дозревают.",
        "Every meeting step counts in the period it was booked: conversions are true rates (≤ 100%); "
        "recent cohorts are still maturing.",
    ),
    "mode_event_help": (
        "Каждый шаг — в свою дату: «сегодня проведено 3 встречи». Так считает экран плана.",
        "Each step counts on its own date: \"3 meetings held today\". The Plan screen counts this way.",
    ),
    "min_call": ("Минимальная длина звонка, с", "Minimum call length, s"),
    "data_demo": ("Демо-данные: вымышленный отдел из 7 лидорубов. Загрузите свои выгрузки на странице «Данные».",
                  "Demo data: a made-up floor of 7 lead generators. Upload your own exports on the Data page."),
    "data_uploaded": ("Ваши данные: {files}", "Your data: {files}"),
    "no_data": ("В выбранном периоде нет данных. Расширьте период или снимите фильтры.",
                "No data in the selected period. Widen the period or clear the filters."),
    "period_caption": ("{start} — {end}, сравнение с {pstart} — {pend}", "{start} – {end}, compared with "
                       "{pstart} – {pend}"),
    "definitions": ("Определения показателей", "How the numbers are defined"),
    "download_csv": ("Скачать CSV", "Download CSV"),
    "download_xlsx": ("Скачать XLSX", "Download XLSX"),
    "immature": (
        "Режим «когорта»: встречи, назначенные в последние 14 дней данных, ещё могут быть подтверждены, проведены "
        "и оплачены — их конверсии пока занижены.",
        "Cohort mode: meetings booked in the last 14 days of data may still be confirmed, held and paid — their "
        "conversions are still too low.",
    ),
    "employee": ("Лидоруб", "Lead generator"),
    "source": ("Источник", "Source"),
    "month": ("Месяц", "Month"),
    "day": ("День", "Day"),
    "week": ("Неделя", "Week"),
    "metric": ("Показатель", "Metric"),
    "value": ("Значение", "Value"),
    "previous": ("Было", "Before"),
    "change": ("Изменение", "Change"),
    "count": ("Количество", "Count"),
    # overview
    "overview_title": ("Обзор отдела", "Floor overview"),
    "overview_sentence": (
        "За период лидорубы довели до проведённой встречи {held} {held@clients:gen}{whence}{change}; {paid} из них "
        "оплатили на {revenue}.",
        "In the period the lead generators brought {held} {held@clients}{whence} to a held meeting{change}; {paid} of "
        "them paid, {revenue} in all.",
    ),
    "funnel": ("Воронка", "Funnel"),
    "funnel_chart_title": ("Встречи и оплаты (из {calls} {calls@calls:gen} от 60 с)",
                           "Meetings and payments (from {calls} {calls@calls} of 60 s or longer)"),
    "drop_rule": (
        "Красным — падение не меньше {threshold} к прошлому периоду, и неслучайное (значимо на уровне 95 %: "
        "для количеств — точный тест Пуассона, для конверсий — тест двух долей). Мелкие числа (2 → 1) тревогой не "
        "считаются.",
        "In red: a fall of at least {threshold} on the previous period that is not chance (significant at 95%: an "
        "exact Poisson test for counts, a two-proportion test for conversions). Tiny numbers (2 → 1) are never "
        "alarms.",
    ),
    "step": ("Шаг", "Step"),
    "of_previous": ("% от предыдущего", "% of previous"),
    "of_first": ("% от первого", "% of first"),
    "leaderboard": ("Лидорубы по главному показателю", "Lead generators by the main KPI"),
    "leaderboard_hint": (
        "Смотрите на главные цифры; когда одна из них падает — выберите строку, чтобы открыть второстепенные.",
        "Look at the main numbers; when one falls, select a row to open the secondary ones.",
    ),
    "secondary_for": ("Второстепенные показатели: {who}", "Secondary numbers: {who}"),
    "open_person": ("Открыть страницу лидоруба", "Open the lead generator's page"),
    "paid_without_meeting_note": (
        "Ещё {n} {n@payments} ({amount}) без проведённой встречи: такие оплаты лидорубам не засчитываются.",
        "Another {n} {n@payments} ({amount}) without a held meeting: such payments are not credited to lead "
        "generators.",
    ),
    # lead generator
    "person_title": ("Лидоруб: {who}", "Lead generator: {who}"),
    "choose_person": ("Лидоруб", "Lead generator"),
    "daily_activity": ("Активность по дням", "Daily activity"),
    "plan_band": ("План", "Plan"),
    "vs_floor": ("Конверсии против среднего по отделу", "Conversions against the floor average"),
    "floor_average": ("Отдел", "Floor"),
    "mom_table": ("Месяц к месяцу", "Month over month"),
    "source_mix": ("Источники его лидов", "Where their leads come from"),
    "records": ("Записи за цифрами", "The records behind the numbers"),
    "meetings": ("Встречи", "Meetings"),
    "leads": ("Лиды", "Leads"),
    "calls": ("Звонки", "Calls"),
    "person_sentence": (
        "{who}: {held} {held@meetings_held} из {booked} {booked@booked:gen}, {calls} {calls@calls} от {t} с "
        "(в среднем {per_day} в рабочий день).",
        "{who}: {held} {held@meetings_held} out of {booked} booked, {calls} {calls@calls} of {t} s or longer "
        "({per_day} per working day on average).",
    ),
    "daily_caption": ("Красным — рабочие дни ниже нижней границы плана; зелёная полоса — план.",
                      "Red: working days below the low end of the plan; the green band is the plan."),
    "rows_count": ("Записей: {n}", "Records: {n}"),
    "immature_month": (
        "{month} ещё идёт: количества сравниваются пропорционально рабочим дням, а подтверждения, проведения и "
        "оплаты его встреч ещё не успели случиться — они не подсвечиваются.",
        "{month} is still in progress: counts are compared pro rata to working days, and its meetings have not had "
        "time to be confirmed, held and paid — those are not highlighted.",
    ),
    "col_lead_id": ("ID лида", "Lead ID"),
    "col_setter": ("Назначил", "Booked by"),
    "col_source": ("Источник", "Source"),
    "col_is_target": ("Целевой", "Target"),
    "col_booked_at": ("Назначена", "Booked at"),
    "col_meeting_at": ("Дата встречи", "Meeting at"),
    "col_confirmed": ("Подтверждена", "Confirmed"),
    "col_held": ("Проведена", "Held"),
    "col_hunter": ("Хантер", "Hunter"),
    "col_paid": ("Оплачен", "Paid"),
    "col_paid_amount": ("Сумма оплат", "Amount paid"),
    "col_created_at": ("Создан", "Created at"),
    "col_employee": ("Сотрудник", "Employee"),
    "col_caller": ("Кто звонил (номер)", "Caller (number)"),
    "col_callee": ("Кому звонили (номер)", "Callee (number)"),
    "col_caller_channel": ("Канал звонящего (SIP/…)", "Caller's channel (SIP/…)"),
    "col_callee_channel": ("Канал принявшего (SIP/…)", "Callee's channel (SIP/…)"),
    "col_disposition": ("Исход звонка", "Call outcome"),
    "col_phone": ("Телефон", "Phone"),
    "col_started_at": ("Начало звонка", "Started at"),
    "col_duration_s": ("Длительность, с", "Duration, s"),
    "col_direction": ("Направление", "Direction"),
    "col_linked_by": ("Связан с лидом по", "Linked to lead by"),
    "col_call_id": ("ID звонка", "Call ID"),
    "col_meeting_id": ("ID встречи", "Meeting ID"),
    "col_stage": ("Этап сделки", "Deal stage"),
    "col_meeting_status": ("Статус встречи", "Meeting status"),
    "col_confirmed_at": ("Дата подтверждения", "Confirmed at"),
    "col_held_at": ("Дата проведения", "Held at"),
    "col_paid_at": ("Дата оплаты", "Paid at"),
    "col_closed_at": ("Дата закрытия", "Closed at"),
    "col_amount": ("Сумма оплаты", "Amount paid"),
    "sources_title": ("Источники", "Sources"),
    "compare_sources": ("Сравнить источники", "Compare sources"),
    "choose_sources": ("Выберите хотя бы один источник.", "Choose at least one source."),
    "new_badge": ("новый", "new"),
    "new_source_note": ("Новый источник — первый лид не раньше прошлого месяца: {sources}.",
                        "A new source's first lead came last month or this month: {sources}."),
    "sources_sentence": (
        "{best} приводит больше целевых лидов ({best_share}), чем {worst} ({worst_share}); из проведённых встреч "
        "оплачивают {best_paid} и {worst_paid}.",
        "{best} brings more target leads ({best_share}) than {worst} ({worst_share}); of the meetings held, "
        "{best_paid} and {worst_paid} pay.",
    ),
    "side_by_side": ("Источники рядом: от лидов до оплат", "Sources side by side: from leads to payments"),
    "conversions_uncertainty": ("Конверсии и их неопределённость", "Conversions and how sure we are"),
    "uncertainty_caption": (
        "Точка — конверсия, линия — 95 % доверительный интервал (Уилсона). Длинная линия — мало данных: "
        "разница может быть случайной.",
        "The dot is the conversion, the line its 95% (Wilson) interval. A long line means few data: the "
        "difference may be chance.",
    ),
    "rate": ("Конверсия", "Rate"),
    "ci_low": ("Нижняя граница 95 %", "95% low"),
    "ci_high": ("Верхняя граница 95 %", "95% high"),
    "n": ("Наблюдений", "Sample size"),
    "mom_sources": ("Месяц к месяцу по источникам", "Month over month by source"),
    "cost_title": ("Сколько стоит источник", "What a source costs"),
    "cost_caption": (
        "Добавьте рекламный расход по месяцам (CSV/XLSX с колонками месяц, источник, расход, или введите в таблицу) — "
        "увидите цену лида, целевого лида, проведённой встречи, оплаты и ROMI.",
        "Add ad spend per month (a CSV/XLSX with month, source, spend, or type it in) to see the cost per lead, per "
        "target lead, per held meeting, per payment and ROMI.",
    ),
    "spend_upload": ("Файл расходов", "Spend file"),
    "spend_loaded": ("Загружено строк расходов: {n}", "Spend rows loaded: {n}"),
    "spend_save": ("Сохранить расходы", "Save spend"),
    "spend_demo": ("Демо-расходы на рекламу; загрузите или введите свои — они сохранятся.",
                   "Demo ad spend; upload or type your own and it will be saved."),
    "spend_empty": ("Расходов пока нет.", "No spend yet."),
    "plan_title": ("План", "Plan"),
    "plan_caption": (
        "План считается по событиям: звонки и назначения — в день, когда случились, проведённые встречи — в день "
        "встречи, засчитываются назначившему. План периода = дневной план × рабочие дни до последней даты в данных.",
        "Plans count events: calls and bookings on the day they happened, held meetings on the day of the meeting, "
        "credited to the setter. A period's plan = the daily plan × its working days up to the last date in the data.",
    ),
    "weekdays": ("Пн,Вт,Ср,Чт,Пт,Сб,Вс", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "working_days": ("Рабочие дни", "Working days"),
    "edit_plans": ("Дневные планы (изменить)", "Daily plans (edit)"),
    "plan_default_help": ("«*» — план для всех, у кого нет своего.",
                          "\"*\" is the plan of everyone without their own."),
    "calls_low": ("Звонки от 60 с: от", "Calls ≥ 60 s: from"),
    "calls_high": ("до", "to"),
    "booked_low": ("Назначено: от", "Booked: from"),
    "booked_high": ("до", "to"),
    "save_plans": ("Сохранить планы", "Save plans"),
    "plans_saved": ("Планы сохранены.", "Plans saved."),
    "people_on_plan": ("в плане: {n} из {of}", "on plan: {n} of {of}"),
    "plan_metric_help": ("Факт / план за период (нижняя граница дневного плана × рабочие дни).",
                         "Actual / plan for the period (the low end of the daily plan × working days)."),
    "plan_sentence": ("Дальше всех от плана по проведённым встречам — {who}: {share} плана.",
                      "Furthest from the held-meetings plan: {who}, at {share} of plan."),
    "attainment": ("Выполнение плана за период", "Plan attainment in the period"),
    "part_actual": ("факт", "actual"),
    "part_plan": ("план", "plan"),
    "part_attainment": ("выполнение", "attainment"),
    "part_days_below": ("дней ниже плана", "days below plan"),
    "calendar": ("Календарь", "Calendar"),
    "calendar_title": ("{metric}: выполнение дневного плана", "{metric}: daily plan attainment"),
    "days_below": ("Дни ниже плана: {n}", "Days below plan: {n}"),
    "pacing": ("Темп текущего месяца", "Pace of the month in progress"),
    "pacing_caption": ("{month}: прошло {done} из {total} {total@working_days:gen}; прогноз — факт в том же темпе "
                       "до конца месяца.",
                       "{month}: {done} of {total} {total@working_days} gone; the projection keeps the current pace to "
                       "the month's end."),
    "projected": ("Прогноз на месяц", "Projected"),
    "month_plan": ("План месяца", "Month plan"),
    "status": ("Статус", "Status"),
    "on_track": ("в графике", "on track"),
    "behind": ("отстаёт", "behind"),
    "diag_title": ("Диагностика: где порвалась цепочка", "Diagnostics: where the chain broke"),
    "diag_month": ("Месяц", "Month"),
    "diag_threshold": ("Порог падения", "Drop threshold"),
    "diag_threshold_help": ("Насколько должен упасть показатель, чтобы это считалось падением.",
                            "How far a number must fall to count as a drop."),
    "diag_rule": (
        "Месяц сравнивается с предыдущим. Падение — это снижение не меньше чем на {threshold}, которое ещё и "
        "неслучайно (95 %): для количеств — точный тест Пуассона, для конверсий — тест двух долей. Серьёзность: "
        "высокая — падение вдвое больше порога и p < 0,001; средняя — p < 0,01; иначе низкая.",
        "The month is compared with the one before. A drop is a fall of at least {threshold} that is also not "
        "chance (95%): an exact Poisson test for counts, a two-proportion test for conversions. Severity: high — "
        "a fall of twice the threshold at p < 0.001; medium — p < 0.01; low otherwise.",
    ),
    "severity_high": ("Высокая", "High"),
    "severity_medium": ("Средняя", "Medium"),
    "severity_low": ("Низкая", "Low"),
    "diag_nothing": ("{month} против {previous}: ничего тревожного.", "{month} against {previous}: nothing alarming."),
    "diag_sentence": ("{month} против {previous}: {n} {n@findings}, из них серьёзных — {high}. Начните сверху.",
                      "{month} against {previous}: {n} {n@findings}, {high} of them serious. Start at the top."),
    "diag_scope": ("Показать", "Show"),
    "diag_first": ("Показаны {shown} самых серьёзных из {n}.", "The {shown} most serious of {n} are shown."),
    "diag_show_all": ("Показать все {n}", "Show all {n}"),
    "scope_all": ("Все", "All"),
    "scope_floor": ("Отдел", "Floor"),
    "scope_employee": ("Лидорубы", "Lead generators"),
    "scope_source": ("Источники", "Sources"),
    "situation_few_payments": ("Встреч много, оплат мало", "Many meetings, few payments"),
    "situation_few_held": ("Много назначено, мало проведено", "Many booked, few held"),
    "situation_few_booked": ("Меньше назначенных встреч", "Fewer meetings booked"),
    "situation_below_plan": ("Ниже плана", "Below plan"),
    "situation_source_quality": ("Качество источника", "Source quality"),
    "situation_new_source": ("Новый источник", "New source"),
    "versus_others": ("{label}: {who} {now}, остальные источники {others}",
                      "{label}: {who} {now}, other sources {others}"),
    "diag_records": ("Записи за находкой", "The records behind it"),
    "records_all": ("все записи месяца", "all records of the month"),
    "records_unconfirmed": ("неподтверждённые встречи", "unconfirmed meetings"),
    "records_not_held": ("подтверждённые, но не проведённые встречи", "confirmed but not held meetings"),
    "records_held_unpaid": ("звонки по проведённым, но не оплаченным встречам — послушайте их",
                            "calls behind held but unpaid meetings — listen to them"),
    "diag_text": ("Текстом для рассылки", "As text for an e-mail"),
    "diag_cli": ("То же из командной строки, например по понедельникам из планировщика:",
                 "The same from the command line, e.g. every Monday from a scheduler:"),
    "situation_too_early": ("Судить рано", "Too early to judge"),
    "diag_text_head": ("Диагностика за {month} (сравнение с {previous})", "Diagnostics for {month} (compared with "
                       "{previous})"),
    "diag_text_nothing": ("Тревожного ничего нет.", "Nothing alarming."),
    "diag_basis": ("{month} против {previous}, когорта: встречи по дате назначения; план — по событиям.",
                   "{month} against {previous}, cohort: meetings by booking date; plans by events."),
    "diag_mode_differs": ("Режим «События» с боковой панели здесь не действует: цепочку честно сравнивать только "
                          "когортами.",
                          "The sidebar's Events mode does not apply here: the chain can only be compared fairly by "
                          "cohort."),
    "diag_period_differs": ("Период с боковой панели здесь не действует: диагностика сравнивает целый месяц с "
                            "предыдущим.",
                            "The sidebar's period does not apply here: diagnostics compare a whole month with the "
                            "month before."),
    "diag_maturity": (
        "Сравнивается только то, у чего был шанс, в обоих месяцах одинаково: шаги после назначения — по встречам со "
        "сроком не позже {end} ({due} из {booked}), проведение → оплата — по встречам, проведённым не позже "
        "{cutoff}, с оплатой в течение {window} ({ripe} из {held}).",
        "Only what has had its chance is compared, in both months alike: the steps after booking on meetings due by "
        "{end} ({due} of {booked}), held → paid on meetings held by {cutoff}, paid within {window} ({ripe} of "
        "{held}).",
    ),
    "diag_caption_moved": ("{label}: {before} ({previous_month}) → {now} ({month})",
                           "{label}: {before} ({previous_month}) → {now} ({month})"),
    "diag_caption_plan": ("{label} за {month} по дате события: план {plan}, факт {actual} ({attainment})",
                          "{label} in {month} by event date: plan {plan}, actual {actual} ({attainment})"),
    "reading_files": ("Читаю файлы…", "Reading the files…"),
    "data_title": ("Данные", "Data"),
    "data_intro": (
        "Загрузите выгрузку сделок из CRM (amoCRM, Битрикс24 — XLSX, CSV или «XLS») и журнал звонков телефонии "
        "(CSV, XLSX, Asterisk Master.csv). Что есть что, определяется по содержимому; проверьте сопоставление колонок "
        "ниже. До импорта файлы видны только в этой вкладке; «Импортировать в рабочее пространство» сохраняет их для "
        "всей команды.",
        "Upload the deals export of your CRM (amoCRM, Bitrix24 — XLSX, CSV or \"XLS\") and the call log of your "
        "telephony (CSV, XLSX, Asterisk Master.csv). What each file is, is told from its content; check the column "
        "mapping below. Until imported, files are seen in this browser tab only; \"Import into the workspace\" keeps "
        "them for the whole team.",
    ),
    "upload_label": ("Файлы выгрузок", "Export files"),
    "upload_help": ("Можно несколько файлов сразу: сделки, звонки, встречи, оплаты.",
                    "Several files at once: deals, calls, meetings, payments."),
    "back_to_demo": ("Вернуться к демо-данным", "Back to the demo data"),
    "detected_as": ("Распознан как", "Read as"),
    "kind_calls": ("журнал звонков", "call log"),
    "kind_leads": ("сделки / лиды", "deals / leads"),
    "kind_meetings": ("встречи", "meetings"),
    "kind_payments": ("оплаты", "payments"),
    "rows_in_file": ("Строк в файле", "Rows in file"),
    "rows_imported": ("Загружено", "Imported"),
    "rows_rejected": ("Отклонено", "Rejected"),
    "values_ignored": ("Оставлено пустым", "Left empty"),
    "accounted": ("{file}: {rows} {rows@rows} = {ok} загружено + {bad} отклонено.",
                  "{file}: {rows} {rows@rows} = {ok} imported + {bad} rejected."),
    "accounted_skipped": ("{file}: {rows} {rows@rows} = {ok} загружено + {skipped} пропущено + {bad} отклонено.",
                          "{file}: {rows} {rows@rows} = {ok} imported + {skipped} skipped + {bad} rejected."),
    "rows_skipped": ("Пропущено", "Skipped"),
    "rows_skipped_help": (
        "Строки в порядке, но это не отдельные записи: ещё одно плечо уже учтённого звонка или звонок, который не "
        "дошёл ни до одного сотрудника (IVR, очередь, пропущенный). Причины — в таблице замечаний.",
        "Rows that are fine but are not records of their own: another leg of a call already counted, or a call that "
        "reached no employee (IVR, queue, missed). The reasons are in the issue table.",
    ),
    "guessed": ("Что распознано по догадке", "What was inferred"),
    "file_warning": ("Обратите внимание", "Note"),
    "calls_only_sentence": (
        "В данных только звонки: за период {calls} {calls@calls} от {t} с и {minutes} {minutes@minutes} на линии. "
        "Загрузите выгрузку сделок из CRM, чтобы увидеть лиды, встречи и оплаты.",
        "The data hold calls only: {calls} {calls@calls} of {t} s or longer and {minutes} {minutes@minutes} on the "
        "line in the period. "
        "Upload the CRM's deals export to see leads, meetings and payments.",
    ),
    "mapping": ("Сопоставление колонок", "Column mapping"),
    "field": ("Поле", "Field"),
    "meaning": ("Что это", "Meaning"),
    "required": ("Обяз.", "Req."),
    "file_column": ("Колонка файла", "File column"),
    "sample": ("Примеры значений", "Sample values"),
    "apply_mapping": ("Применить сопоставление", "Apply the mapping"),
    "stages": ("Этапы воронки", "Pipeline stages"),
    "stages_help": (
        "Для каждого этапа выберите самый дальний шаг воронки, который он означает: без встречи, назначена, "
        "подтверждена, проведена или оплачено.",
        "For each stage choose the furthest step of the funnel it implies: no meeting, booked, confirmed, held or "
        "paid.",
    ),
    "stage_value": ("Этап", "Stage"),
    "stage_step": ("Шаг воронки", "Funnel step"),
    "apply_stages": ("Применить этапы", "Apply the stages"),
    "issues": ("Проблемные строки и значения: {n}", "Rows and values with problems: {n}"),
    "issue_file": ("Файл", "File"),
    "issue_row": ("Строка", "Row"),
    "issue_value": ("Значение", "Value"),
    "issue_reason": ("Причина", "Reason"),
    "issue_action": ("Что сделано", "What was done"),
    "warnings": ("Предупреждения: {n}", "Warnings: {n}"),
    "people_title": ("Сотрудники", "People"),
    "people_help": (
        "Телефония и CRM часто пишут одного человека по-разному («205 (Иванов)» и «Иванов Иван»). Укажите, кто есть "
        "кто; подсказки по фамилии уже подставлены — сохраните, чтобы применить.",
        "Telephony and CRM often spell one person differently (\"205 (Ivanov)\" and \"Ivanov Ivan\"). Say who is "
        "who; suggestions by surname are filled in — save to apply.",
    ),
    "spelling": ("Написание", "Spelling"),
    "same_as": ("Это тот же человек, что", "Same person as"),
    "save_people": ("Сохранить сотрудников", "Save people"),
    "sources_alias_title": ("Источники: как считать написания", "Sources: how spellings count"),
    "sources_alias_help": (
        "Всё, где упомянут Google, считается Google, всё с Яндексом — Yandex, пустое — «не указан». Поправьте "
        "колонку «Считать как», чтобы объединить остальные.",
        "Anything naming Google counts as Google, anything naming Yandex as Yandex, empty as \"not set\". Edit "
        "\"Counts as\" to merge the rest.",
    ),
    "raw_source": ("Как написано в файле", "As written in the file"),
    "counted_as": ("Считать как", "Counts as"),
    "save_sources": ("Сохранить источники", "Save sources"),
    "no_people": ("В данных нет ни одного лидоруба.", "There are no lead generators in the data."),
    # hunters (SPEC §3a)
    "page_hunters": ("Хантеры", "Hunters"),
    "hunters_title": ("Хантеры: кто превращает встречи в оплаты", "Hunters: who turns meetings into payments"),
    "hunter": ("Хантер", "Hunter"),
    "hunter_not_set": ("не указан", "not set"),
    "hunters_no_meetings": ("В данных нет проведённых встреч — хантерам нечего показать.",
                            "There are no held meetings in the data — nothing to show for hunters."),
    "hunters_sentence": (
        "Лучше всех превращает проведённые встречи в оплаты хантер {best}: {best_rate} ({best_paid} из "
        "{best_held}); хуже всех — {worst}: {worst_rate} ({worst_paid} из {worst_held}).",
        "Held meetings pay most often with {best} ({best_rate}, {best_paid} of {best_held}) and least often with "
        "{worst} ({worst_rate}, {worst_paid} of {worst_held}).",
    ),
    "hunters_sure": ("Разница неслучайна: 95 % интервалы не пересекаются.",
                     "The difference is not chance: the 95% intervals do not overlap."),
    "hunters_unsure": ("95 % интервалы пересекаются: при таком числе встреч разница может быть случайной.",
                       "The 95% intervals overlap: with this many meetings the difference may be chance."),
    "hunters_source_note": (
        "Фильтр источников ({sources}): показаны только встречи и оплаты лидов из этих источников. Хантер не "
        "выбирает, откуда пришёл клиент, — так хантеров сравнивают на одних и тех же лидах.",
        "Source filter ({sources}): only the meetings and payments of leads from these sources are shown. A hunter "
        "does not choose where a client came from — this compares the hunters on the same kind of leads.",
    ),
    "hunters_people_note": (
        "Фильтр лидорубов: показаны только встречи, которые назначили выбранные лидорубы.",
        "Lead generator filter: only the meetings the chosen lead generators booked are shown.",
    ),
    "hunters_table": ("Хантеры за период", "Hunters in the period"),
    "hunters_mom": ("Хантеры месяц к месяцу", "Hunters month over month"),
    "hunters_mom_chart": ("{metric} по месяцам", "{metric} by month"),
    "hunters_paid_maturity": (
        "Проведение → оплата сравнивается с прошлым периодом только по встречам, у которых истёк срок оплаты "
        "({window} после встречи, к {end}); где таких мало — судить рано, красным не подсвечивается.",
        "Held → paid is compared with the previous period only on meetings whose payment window ({window} after "
        "the meeting, by {end}) has passed; where too few have, it is too early to judge and nothing is red.",
    ),
    "hunters_matrix": ("Лидоруб × хантер: проведение → оплата", "Lead generator × hunter: held → paid"),
    "hunters_matrix_caption": (
        "В клетке — оплачено / проведено · доля, в подсказке — 95 % интервал (Уилсона). Если встречи лидоруба "
        "плохо оплачиваются у всех хантеров — дело в лидорубе (каких клиентов и с какими ожиданиями он "
        "приводит); если только у одного — дело в хантере.",
        "Each cell: paid / held · rate; the tooltip gives the 95% (Wilson) interval. If a lead generator's "
        "meetings pay poorly with every hunter, it is the lead generator (which clients, what expectations); if "
        "only with one, it is the hunter.",
    ),
    "hunters_cell": ("Оплачено / проведено", "Paid / held"),
    "hunters_records": ("Проведённые встречи хантера", "A hunter's held meetings"),
    "hunters_records_caption": (
        "Встречи, проведённые в периоде ({mode}), оплаченные и нет. «Засчитана» — первая проведённая встреча "
        "лида: его оплата идёт в зачёт этому хантеру.",
        "Meetings held in the period ({mode}), paid or not. \"Credited\" marks the lead's first held meeting: "
        "its payment counts for this hunter.",
    ),
    "hunters_mode_cohort": ("по дате назначения", "by booking date"),
    "hunters_mode_event": ("по дате проведения", "by the day held"),
    "hunters_extra_definition": (
        "**Хантер** — тот, кто провёл встречу (колонка «Хантер»; пусто — «не указан»). Оплата лида засчитывается "
        "хантеру его первой проведённой встречи — той же, что засчитывает её лидорубу. Звонки и лиды — не работа "
        "хантера, поэтому здесь их нет.",
        "**Hunter** — who held the meeting (the \"Hunter\" column; empty is \"not set\"). A lead's payment is "
        "credited to the hunter of its first held meeting — the same meeting that credits its lead generator. "
        "Calls and leads are no hunter's work, so they are not here.",
    ),
    "col_credited": ("Засчитана", "Credited"),
    "hunters_chart_without": ("На графике нет {month}: месяц ещё идёт, его встречи не успели провести и оплатить.",
                              "The chart leaves out {month}: the month is still in progress, its meetings have not had "
                              "time to be held and paid."),
    "hunters_matrix_hunter": (
        "{employee}: встречи оплачиваются хуже только у одного хантера — {hunter}: {rate} ({paid} из {held}) против "
        "{others} у остальных хантеров. Вопрос к хантеру.",
        "{employee}: meetings pay less with one hunter only — {hunter}: {rate} ({paid} of {held}) against {others} "
        "with the other hunters. A question for the hunter.",
    ),
    "hunters_matrix_setter": (
        "{employee}: встречи оплачиваются хуже у всех хантеров — {rate} ({paid} из {held}) против {others} у "
        "остальных лидорубов. Вопрос к лидорубу: каких клиентов и с какими ожиданиями он приводит.",
        "{employee}: meetings pay less with every hunter — {rate} ({paid} of {held}) against {others} for the "
        "other lead generators. A question for the lead generator: which clients, with what expectations.",
    ),
    "hunters_matrix_none": (
        "Ни у одного лидоруба встречи не оплачиваются заметно хуже ни у одного хантера, ни у всех сразу.",
        "No lead generator's meetings pay markedly less with one hunter, or with all of them.",
    ),
    "hunters_matrix_basis": (
        "Вывод — только по встречам периода, у которых истёк срок оплаты ({window}; таких {ripe} из {held}), и "
        "только при заметной разнице (тест двух долей, p < 0,01, не меньше 10 встреч с каждой стороны).",
        "Judged only on the period's meetings whose payment window ({window}) has passed ({ripe} of {held}), and "
        "only on a marked difference (two-proportion test, p < 0.01, at least 10 meetings on each side).",
    ),
    # --- T1: source filter and maturity on the screens
    "source_not_set": ("не указан", "not set"),
    "calls_by_source": (
        "Под фильтром по источнику звонки, минуты и конверсия «звонок → назначение» не показываются («—»): звонок "
        "относится к источнику только через связанный с ним лид, а у большинства звонков лида нет.",
        "Under a source filter calls, minutes and call → booked are not shown (\"—\"): a call belongs to a source "
        "only through a lead linked to it, and most calls have none.",
    ),
    "calls_by_source_help": (
        "Холодные звонки и звонки до создания лида не связаны ни с каким лидом. Поэтому звонков «источника» — малая "
        "и особая часть всех звонков, а конверсия «звонок → назначение» по ней завышена в разы и несравнима с "
        "отделом. Звонки смотрите без фильтра по источнику.",
        "Cold calls and calls made before the lead was created are linked to no lead. The calls \"of a source\" are "
        "therefore a small, special part of all calls, and call → booked on them is inflated many times over and "
        "not comparable with the floor. Look at calls without a source filter.",
    ),
    "person_sentence_by_source": (
        "{who}: {held} {held@meetings_held} из {booked} {booked@booked:gen} (источник: {sources}).",
        "{who}: {held} {held@meetings_held} out of {booked} booked (source: {sources}).",
    ),
    "daily_by_source": (
        "План не показан: он — на всю работу лидоруба, а здесь только источник {sources}. Звонки по источникам не "
        "делятся, поэтому их графиков здесь нет.",
        "No plan band: the plan is for all of a lead generator's work, and here is only the source {sources}. Calls "
        "are not split by source, so their charts are not here.",
    ),
    "plan_all_sources": (
        "План — на всю работу лидоруба, поэтому здесь учитываются все источники: фильтр по источнику ({sources}) к "
        "плану не применяется.",
        "A plan is for all of a lead generator's work, so this page counts every source: the source filter "
        "({sources}) does not apply to plans.",
    ),
    "too_early_cards": (
        "Рано судить: {metrics} — часть встреч этой когорты ещё впереди (срок встречи не наступил к {end} или не "
        "прошло {window} дней на оплату). Это не падение; конверсии сравниваются только на встречах, у которых "
        "срок наступил.",
        "Too early to judge: {metrics} — some of this cohort's meetings are still ahead (not due by {end}, or "
        "their {window}-day payment window has not passed). It is not a drop; the conversions are compared only "
        "on meetings that have had their chance.",
    ),
    "funnel_chart_title_by_source": ("Встречи и оплаты {whence}", "Meetings and payments {whence}"),
    "too_early_months": (
        "Рано судить ({months}): {metrics} — встречи этих когорт ещё впереди, это не падение.",
        "Too early to judge ({months}): {metrics} — these cohorts' meetings are still ahead, not a drop.",
    ),
    # --- T2: downloads and layout
    "download_keys": ("Заголовки для программ (англ.)", "Headers for programs (fixed keys)"),
    "download_keys_help": (
        "Обычно не нужно. Включите, только если файл читает программа (скрипт, BI, ваш аналитик): тогда в "
        "заголовках столбцов будут неизменные английские ключи (`meetings_held`, `conv_held_to_paid`…) вместо "
        "названий с экрана, и программа не сломается при смене языка.",
        "Usually not needed. Turn it on only when a program reads the file (a script, a BI tool, your analyst): the "
        "column headers are then fixed keys (`meetings_held`, `conv_held_to_paid`…) instead of the screen's titles, "
        "so the program keeps working whatever the app's language.",
    ),
    "no_change": ("без изменений", "no change"),
    "col_person": ("Лидоруб", "Lead generator"),
    "col_floor": ("Отдел", "Floor"),
    "col_plan_low": ("План", "Plan"),
    "col_actual": ("Факт", "Actual"),
    "col_date": ("Дата", "Date"),
    "file_leaderboard": ("лидорубы", "lead-generators"),
    "file_funnel": ("воронка", "funnel"),
    "file_calls_by_person": ("звонки_по_лидорубам", "calls-by-lead-generator"),
    "file_secondary": ("показатели", "metrics"),
    "file_months": ("по_месяцам", "by-month"),
    "file_conversions": ("конверсии", "conversions"),
    "file_sources": ("источники", "sources"),
    "file_source_costs": ("расходы_на_источники", "source-costs"),
    "file_plan_attainment": ("выполнение_плана", "plan-attainment"),
    "file_below_plan": ("ниже_плана", "below-plan"),
    "file_hunters": ("хантеры", "hunters"),
    "file_setter_by_hunter": ("лидорубы_и_хантеры", "lead-generators-by-hunter"),
    "file_hunter_meetings": ("встречи_хантера", "hunter-meetings"),
    "file_finding": ("находка", "finding"),
    "file_calls_to_listen": ("звонки_прослушать", "calls-to-listen"),
    "file_meetings": ("встречи", "meetings"),
    "file_leads": ("лиды", "leads"),
    "file_calls": ("звонки", "calls"),
    "file_compare": ("сравнение_лидорубов", "lead-generators-compared"),
    "file_issues": ("замечания_импорта", "import-issues"),
    "file_rejected_batch": ("отклонённые_строки", "rejected-rows"),
    # --- T3: Russian everywhere
    # --- T4: offline assets and recordings
    "col_recording": ("Запись разговора (ссылка или ID)", "Call recording (link or ID)"),
    "col_recording_url": ("Запись разговора", "Recording"),
    "col_recording_id": ("ID записи", "Recording ID"),
    "recording_open": ("слушать", "listen"),
    "recording_open_help": ("Открывает запись в телефонии (может понадобиться вход в её кабинет).",
                            "Opens the recording in the telephony (you may have to log in there)."),
    "s1_recording_links": ("Ссылка «слушать» открывает запись разговора в телефонии.",
                           "The “listen” link opens the call's recording in the telephony."),
    "s1_recording_ids": ("Запись разговора находится в телефонии по «ID записи».",
                         "Find the call's recording in the telephony by its “Recording ID”."),
    # --- T5: the last English and raw codes on the Russian screens
    "person_not_set": ("не указан", "not set"),
    # --- T6: follow-ups of the screen work
    "pace_actual": ("Факт", "Actual"),  # a column title; "part_actual" is the lower-case word inside a legend
    # --- U3: sentences that agree with their numbers
    "overview_title_sources": ("Обзор отдела · {sources}", "Floor overview · {sources}"),
    "overview_change": (" ({held_change} к прошлому периоду)", " ({held_change} on the previous period)"),
    "from_source": ("из источника {sources}", "from the source {sources}"),
    "from_sources": ("из источников {sources}", "from the sources {sources}"),
    "severity_count_high": ("Находки высокой важности", "High-severity findings"),
    "severity_count_medium": ("Находки средней важности", "Medium-severity findings"),
    "severity_count_low": ("Находки низкой важности", "Low-severity findings"),
    "plan_card": ("{label}: факт / план", "{label}: actual / plan"),
    "plan_cards_basis": (
        "По дате события: встреча считается в день, когда прошла, поэтому числа могут отличаться от экранов в режиме "
        "когорт (там — по дате назначения).",
        "By event date: a meeting counts on the day it took place, so the numbers may differ from the screens in "
        "cohort mode (there, by booking date).",
    ),
    "compare_gap": ("Сильнее всего различается «{label}»: {high_who} — {high}, {low_who} — {low}; {sure}",
                    "The largest gap is in {label}: {high_who} {high}, {low_who} {low}; {sure}"),
    "compare_gap_sure": ("разница неслучайна (95 % интервалы не пересекаются).",
                         "the difference is not chance (the 95% intervals do not overlap)."),
    "compare_gap_unsure": ("при таком числе встреч разница может быть случайной.",
                           "with this many meetings the difference may be chance."),
    "by_booking_month": ("{label} (из назначенных в месяце)", "{label} (of the meetings booked in the month)"),
    "field_keys_help": ("Ключи полей для скриптов и командной строки: {keys}.",
                        "The fields' keys for scripts and the command line: {keys}."),
    # --- U1: charts a head of sales can read
    "chart_running": ("период ещё идёт — неполный", "not over yet — incomplete"),
    "chart_note": ("Примечание", "Note"),
    "matrix_few": ("Бледные клетки — меньше {n} проведённых встреч: по ним выводов не делать.",
                   "Pale cells have fewer than {n} meetings held: too few to judge."),
}


# `{held@clients:gen}` in a template: the form of the noun `clients` that agrees with the value `held`.
_AGREEING = re.compile(r"\{(\w+)@(\w+)(?::(gen))?\}")


def shown_value(value: object, lang: Lang) -> Decimal | None:
    """The number a value shows: a number as it is, a text as written by `number` (`1 234,5`, `−3`, `1,234.5`,
    also with Markdown escapes) read back with its visible decimals; None for "—" or anything else."""
    if not isinstance(value, str):
        return _decimal(value)
    digits = re.sub(r"[\s\\]", "", value).replace(MINUS, "-")
    digits = digits.replace(",", ".") if lang == "ru" else digits.replace(",", "")
    return _decimal(digits)


def t(key: str, lang: Lang, **values: object) -> str:
    """A screen's sentence in the language, with `values` filled in.

    A template may say `{n} {n@findings}`: the noun then agrees with the value of `n`, whether the page passes the
    count itself or the text `number` made of it, so `1 находка`, `3 находки`, `5 находок` need no change in pages.
    """
    ru, en = STRINGS[key]
    text = ru if lang == "ru" else en
    if not values:
        return text
    text = _AGREEING.sub(lambda m: noun_form(shown_value(values.get(m[1]), lang), m[2], lang,
                                             "genitive" if m[3] else "nominative"), text)
    return text.format(**values)


# ---- the findings of the diagnostics: templates with named values ----------------------------------------------
# A finding keeps its template key and its values (numbers, not text); the sentence is written when it is read,
# in the reader's language. A value is a plain text (a name, a source) or one of the small classes below, which
# say how to write it: a metric's value, a change, a count with its agreeing noun, a day, a month, or another
# template (a clause).


@dataclass(frozen=True)
class Num:
    """A plain number (`decimals` for per-day figures: 1.4 meetings a day must not read as 1)."""

    value: float | int | None
    decimals: int = 0

    def text(self, lang: Lang) -> str:
        return number(self.value, lang, self.decimals)


@dataclass(frozen=True)
class Pct:
    value: float | None

    def text(self, lang: Lang) -> str:
        return percent(self.value, lang)


@dataclass(frozen=True)
class MetricValue:
    """A metric's value in the metric's format (a percent for a conversion)."""

    key: str
    value: float | int | None

    def text(self, lang: Lang) -> str:
        return fmt(self.key, self.value, lang)


@dataclass(frozen=True)
class Moved:
    """A change `before → now`, both in the metric's format: `910 → 744`, `82,0 % → 30,2 %`."""

    key: str
    before: float | int | None
    now: float | int | None

    def text(self, lang: Lang) -> str:
        return f"{fmt(self.key, self.before, lang)} → {fmt(self.key, self.now, lang)}"


@dataclass(frozen=True)
class Count:
    """A count with its agreeing noun of NOUNS: `220 лидов`, `из 21 назначенной встречи`."""

    n: float | int | None
    noun: str
    case: Case = "nominative"

    def text(self, lang: Lang) -> str:
        return count_phrase(self.n, self.noun, lang, case=self.case)


@dataclass(frozen=True)
class Day:
    value: dt.date | None

    def text(self, lang: Lang) -> str:
        return date_label(self.value, lang)


@dataclass(frozen=True)
class Month:
    value: dt.date | None
    case: Case = "nominative"

    def text(self, lang: Lang) -> str:
        return month_label(self.value, lang, self.case)


@dataclass(frozen=True)
class Label:
    """A metric's name inside a sentence, lower case: `назначение → подтверждение`, `calls ≥ 60 s`."""

    key: str

    def text(self, lang: Lang) -> str:
        name = metric(self.key).label(lang)
        return name[:1].lower() + name[1:]


@dataclass(frozen=True)
class Clause:
    """Another template of FINDINGS with its own values: a part of a sentence chosen by the rule."""

    key: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, **values: object) -> Clause:
        return cls(key, tuple(values.items()))

    def text(self, lang: Lang) -> str:
        return finding_text(self.key, dict(self.values), lang)


@dataclass(frozen=True)
class Listed:
    """Clauses in a row: `звонков от 60 с 910 → 744, минут на линии 2 230 → 1 810`."""

    parts: tuple[object, ...]

    def text(self, lang: Lang) -> str:
        return ", ".join(_written(part, lang) for part in self.parts)


def _written(value: object, lang: Lang) -> str:
    writer = getattr(value, "text", None)
    return writer(lang) if callable(writer) else str(value)


FINDINGS: dict[str, tuple[str, str]] = {
    # who
    "who_floor": ("Отдел", "The floor"),
    "who_source": ("Источник {source}", "Source {source}"),
    # situation 3: few booked — the head says whether it is a fall month over month or a shortfall against plan
    "booked_fell": ("{who}: назначенных встреч меньше, чем месяцем раньше: {moved}",
                    "{who}: fewer meetings booked than the month before: {moved}"),
    "booked_fell_below_plan": ("{who}: назначенных встреч меньше, чем месяцем раньше: {moved}, это {attainment} "
                               "плана",
                               "{who}: fewer meetings booked than the month before: {moved}, {attainment} of plan"),
    "booked_fell_on_plan": ("{who}: назначенных встреч меньше, чем месяцем раньше: {moved}, хотя это всё ещё "
                            "{attainment} плана",
                            "{who}: fewer meetings booked than the month before: {moved}, though still {attainment} "
                            "of plan"),
    "booked_below_plan": ("{who}: назначено встреч — {booked_n}, это {attainment} плана",
                          "{who}: {booked}, {attainment} of plan"),
    "few_booked_because": ("{head}; причина — {causes}.", "{head}; why — {causes}."),
    "few_booked_unexplained": ("{head}; звонки, лиды и их качество в норме — разберите, как звонки превращаются "
                               "во встречи.",
                               "{head}; calls, leads and their quality are normal — look at how calls turn into "
                               "meetings."),
    "cause_calls_fell": ("звонков от {t} с {moved}", "calls ≥ {t} s {moved}"),
    "cause_calls_fell_below_plan": ("звонков от {t} с {moved}, это {attainment} плана",
                                    "calls ≥ {t} s {moved}, {attainment} of plan"),
    "cause_calls_below_plan": ("мало звонков от {t} с: {actual}, это {attainment} плана",
                               "few calls ≥ {t} s: {actual}, {attainment} of plan"),
    "cause_minutes": ("минут на линии {moved}", "minutes on the line {moved}"),
    "cause_leads": ("новых лидов {moved}", "new leads {moved}"),
    "cause_target_share": ("доля целевых {moved}", "target share {moved}"),
    # situation 2: booked but not held — the first link of the chain that fell
    "few_held_link": ("{who}: из назначенных в месяце проведено встреч {held}; цепочка рвётся на шаге «{link}» "
                      "({link_moved}), {booking} — {advice}.{due}",
                      "{who}: of the meetings booked in the month, held {held}; the chain breaks at {link} "
                      "({link_moved}) {booking} — {advice}.{due}"),
    "few_held_unexplained": ("{who}: из назначенных в месяце проведено встреч {held}, но ни одно звено цепочки в "
                             "отдельности не упало значимо — посмотрите встречи.{due}",
                             "{who}: of the meetings booked in the month, held {held}, yet no single link of the "
                             "chain fell significantly — look at the meetings.{due}"),
    "booking_normal": ("назначения в норме ({moved})", "while booking is normal ({moved})"),
    "booking_fell": ("и назначений тоже меньше ({moved})", "and fewer meetings were booked too ({moved})"),
    "advice_unconfirmed": ("клиенты не подтверждают встречи: выясните почему (напоминания, ожидания, время встречи)",
                           "clients do not confirm: find out why (reminders, expectations, meeting times)"),
    "advice_not_held": ("подтверждённые клиенты не приходят: проверьте, что им обещали и кто проводит встречи",
                        "confirmed clients do not come: check what they were promised and who holds the meetings"),
    "due_note": (" Сравниваются только встречи со сроком не позже {end}: в этом месяце {due} из {booked}.",
                 " Only meetings due by {end} are compared: {due} of {booked} this month."),
    # situation 1: meetings but few payments
    "few_payments": ("{who}: встречи есть, оплат мало — {what} {moved}. Послушайте звонки по проведённым, но не "
                     "оплаченным встречам: какие ожидания создал лидоруб.",
                     "{who}: meetings but few payments — {what} {moved}. Listen to the calls behind held but unpaid "
                     "meetings: what expectations were set."),
    "few_payments_checked": ("{who}: встречи есть, оплат мало — {what} {moved}; {checks}. Послушайте звонки по "
                             "проведённым, но не оплаченным встречам: какие ожидания создал лидоруб.",
                             "{who}: meetings but few payments — {what} {moved}; {checks}. Listen to the calls behind "
                             "held but unpaid meetings: what expectations were set."),
    "paid_within": ("проведение → оплата в течение {window} (встречи, проведённые не позже {cutoff})",
                    "held → paid within {window} (meetings held by {cutoff})"),
    "check_target_share": ("доля целевых среди лидов проведённых встреч {moved}",
                           "target share of the held meetings' leads {moved}"),
    "check_new_source": ("из нового источника {share} встреч", "{share} of the meetings from a new source"),
    # a plan shortfall: plan against actual, never last month against this month
    "below_plan": ("{who}: {label} — {per_day} в рабочий день при плане {plan_day} ({attainment} плана), ниже плана "
                   "в {days_below} из {days}.",
                   "{who}: {label} — {per_day} per working day against a plan of {plan_day} ({attainment} of plan), "
                   "below plan on {days_below} of {days}."),
    # sources
    "source_quality": ("Источник {source}: {label} {mine} против {theirs} у остальных источников — он приводит "
                       "менее качественных клиентов.",
                       "Source {source}: {label} {mine} against {theirs} for the other sources — it brings "
                       "lower-quality clients."),
    "new_source": ("Новый источник {source}: первый лид {first}, за месяц {leads}, доля целевых {share}, {held}.",
                   "New source {source}: first lead on {first}, {leads} this month, target share {share}, {held}."),
    # too early to judge: a step whose meetings have not had their chance yet
    "too_early_due": ("{who}: {label} за {month} судить рано — срок наступил только у {mature} из {cohort} (встречи "
                      "с датой не позже {end}); остальные ещё впереди, это не падение.{again}",
                      "{who}: too early to judge {label} for {month} — only {mature} of {cohort} were due by {end}; "
                      "the rest are still ahead, this is not a drop.{again}"),
    "too_early_paid": ("{who}: {label} за {month} судить рано — срок оплаты ({window}) истёк только у {mature} из "
                       "{cohort}; это не падение.{again}",
                       "{who}: too early to judge {label} for {month} — the payment window ({window}) has passed for "
                       "only {mature} of {cohort}; this is not a drop.{again}"),
    "look_again": (" Вернитесь к этому после {day}.", " Look again after {day}."),
    # hunters in diagnostics
    # situation 1 when the fall sits with one hunter (issue 13 item 8): that hunter, not the lead generator
    "few_payments_hunter": (
        "{who}: встречи есть, оплат мало — {what} {moved}. Падение только у одного хантера — {hunter}: {hunter_moved} "
        "(оплачено {paid} из {held}), у остальных хантеров {others_moved}{checks}. Разберите встречи, которые провёл "
        "{hunter}: дело, скорее всего, в хантере, а не в лидорубе.",
        "{who}: meetings but few payments — {what} {moved}. The fall sits with one hunter, {hunter}: {hunter_moved} "
        "({paid} paid of {held}), while the other hunters went {others_moved}{checks}. Look at the meetings {hunter} "
        "held: the cause is more likely the hunter than the lead generator.",
    ),
    "hunter_checks": ("; {checks}", "; {checks}"),
    # end of hunters in diagnostics
}


def finding_text(key: str, values: dict[str, object], lang: Lang) -> str:
    """The template `key` of FINDINGS in the language, every value written for that language."""
    ru, en = FINDINGS[key]
    return (ru if lang == "ru" else en).format(**{name: _written(v, lang) for name, v in values.items()})


# ---- people side by side, trends, the situation-1 checks (issue 13 items 9–11) ---------------------------------
STRINGS.update({
    "page_compare": ("Сравнение лидорубов", "People side by side"),
    "compare_title": ("Лидорубы рядом друг с другом", "Lead generators side by side"),
    "compare_pick": ("Кого сравнить (двоих и больше)", "Whom to compare (two or more)"),
    "compare_need_two": ("Выберите хотя бы двоих лидорубов.", "Pick at least two lead generators."),
    "compare_sentence": (
        "Больше всего проведённых встреч: {best} — {held} {held@meetings_held}; меньше всего: {worst} — "
        "{held_worst} {held_worst@meetings_held}. Проведение → оплата: {best_paid} против {worst_paid}.",
        "Most meetings held: {best} — {held} {held@meetings_held}; fewest: {worst} — {held_worst} "
        "{held_worst@meetings_held}. Held → paid: {best_paid} against {worst_paid}.",
    ),
    "compare_same": ("У всех выбранных одинаково: {held} {held@meetings_held}.",
                     "Everyone chosen held the same: {held} {held@meetings_held}."),
    "compare_table": ("Показатели и конверсии", "Metrics and conversions"),
    "compare_table_caption": ("Люди — по столбцам, последний столбец — весь отдел за тот же период.",
                              "People in columns; the last column is the whole floor in the same period."),
    "compare_chart": ("Конверсии и их неопределённость", "Conversions and how sure we are"),
    "compare_chart_caption": (
        "Точка — конверсия, линия — 95 % доверительный интервал (Уилсона). Если линии двоих перекрываются, "
        "разница между ними может быть случайной.",
        "The dot is the conversion, the line its 95% (Wilson) interval. Where two people's lines overlap, the "
        "difference between them may be chance.",
    ),
    "who": ("Кто", "Who"),
    "trend_title": ("Динамика показателя", "A metric over time"),
    "trend_grain": ("Шаг", "Step"),
    "trend_by_month": ("По месяцам", "By month"),
    "trend_by_week": ("По неделям", "By week"),
    "trend_mark": ("Вид", "Chart"),
    "trend_line": ("Линия", "Line"),
    "trend_bar": ("Столбцы", "Bars"),
    "trend_drop": ("падение", "drop"),
    "trend_flag": ("Отметка", "Flag"),
    "trend_caption": (
        "Красная точка или столбец — падение не меньше {threshold} к предыдущему периоду, и неслучайное (то же "
        "правило, что у красных ячеек таблицы).",
        "A red point or bar: a fall of at least {threshold} on the period before that is not chance (the same rule "
        "as the table's red cells).",
    ),
    "overview_trend": ("Главные показатели по времени", "The main numbers over time"),
    "s1_title": ("Много встреч, мало оплат?", "Many meetings, few payments?"),
    "s1_intro": (
        "Три проверки методики: не нецелевые ли клиенты приходят на встречи, не из нового ли они источника, и что "
        "обещали клиентам в звонках по встречам, которые прошли, но не оплачены.",
        "The methodology's three checks: are the meetings booked with non-target leads, do they come from a new "
        "source, and what were the clients promised in the calls behind meetings held but not paid.",
    ),
    "s1_nontarget": ("Нецелевые", "Non-target"),
    "s1_nontarget_help": (
        "Доля назначенных в периоде встреч, лид которых отмечен как нецелевой (из встреч, где квалификация "
        "известна).",
        "The share of the meetings booked in the period whose lead is marked non-target (of the meetings whose "
        "qualification is known).",
    ),
    "s1_new_source": ("Новый источник", "New source"),
    "s1_new_source_help": (
        "Доля назначенных в периоде встреч, лид которых пришёл из источника, впервые появившегося в этом или "
        "прошлом месяце (конец данных).",
        "The share of the meetings booked in the period whose lead came from a source first seen in the data's last "
        "month or the month before.",
    ),
    "s1_unpaid": ("Не оплачены", "Unpaid"),
    "s1_unpaid_help": ("Встречи, назначенные в периоде, которые прошли, а лид не оплатил.",
                       "Meetings booked in the period that were held while the lead did not pay."),
    "s1_of": ("{n} из {total}", "{n} of {total}"),
    "s1_new_sources_named": ("Новые источники: {sources}.", "New sources: {sources}."),
    "s1_no_new_sources": ("Новых источников в данных нет.", "There is no new source in the data."),
    "s1_listen": ("Послушайте звонки", "Listen to the calls"),
    "s1_listen_caption": (
        "Звонки (любой даты) по лидам встреч, которые прошли, но не оплачены ({n} {n@meetings}): что лидоруб "
        "пообещал клиенту.",
        "The calls (of any date) to the leads of {n} {n@meetings} held but not paid: what the lead generator "
        "promised the client.",
    ),
    "s1_no_recording": (
        "Ссылки на запись в журнале звонков нет: по ID звонка запись находится в телефонии.",
        "The call log has no recording link: find the recording in the telephony by the call's ID.",
    ),
    "trend_partial": ("Данные заканчиваются {day}: последний период неполный.",
                      "The data end on {day}: the last period is not complete."),
    "mature_rule": (
        "Когорта: конверсии после назначения (подтверждение, проведение) сравниваются только на встречах, чей срок "
        "наступил к {end}, а проведение → оплата — "
        "на встречах, после которых прошло {window} дней (в обоих периодах одинаково): по свежим встречам судить "
        "рано, это не падение.",
        "Cohort mode: the conversions after booking (confirmed, held) are compared only on meetings due by {end}, and "
        "held → paid only on meetings "
        "held at least {window} days before it (in both periods alike): fresh meetings are too early to judge, not "
        "a drop.",
    ),
    "partial_month": ("{month} ещё идёт: количества сравниваются пропорционально рабочим дням.",
                      "{month} is still in progress: counts are compared pro rata to working days."),
    "s1_no_unpaid": ("Проведённых, но не оплаченных встреч в периоде нет.",
                     "No held meeting went unpaid in the period."),
})


# ---- the team's workspace in the app (issue 11) -----------------------------------------------------------------
STRINGS.update({
    "ws_missing": (
        "Эта ссылка ведёт в рабочее пространство «{name}», которого на этом сервере нет (рабочие пространства "
        "лежат в {folder}). Попросите новую ссылку или откройте приложение без параметра ws.",
        "This link opens the workspace “{name}”, which this server does not have (workspaces live in {folder}). "
        "Ask for a new link, or open the app without the ws parameter.",
    ),
    "ws_busy": ("Рабочее пространство занято другим импортом. Попробуйте ещё раз через минуту.",
                "The workspace is busy with another import. Try again in a minute."),
    "ws_demo_banner": (
        "Демо-данные: рабочее пространство «{name}» пока пустое. Это вымышленный отдел, только для просмотра; "
        "импортируйте свои выгрузки на странице «Данные».",
        "Demo data: the workspace “{name}” is still empty. This is an invented floor, read-only; import your "
        "exports on the Data page.",
    ),
    "ws_caption": ("Рабочее пространство «{name}», импортов: {n}", "Workspace “{name}”, imports: {n}"),
    "ws_preview": (
        "Предпросмотр ваших файлов: они видны только в этой вкладке и не сохранены. Чтобы их увидели коллеги и "
        "они остались, импортируйте их в рабочее пространство «{name}».",
        "A preview of your files: only this browser tab sees them and they are not kept. Import them into the "
        "workspace “{name}” to keep them and share them with your colleagues.",
    ),
    "ws_import": ("Импортировать в рабочее пространство", "Import into the workspace"),
    "ws_import_help": (
        "Новые записи добавятся, изменившиеся обновятся, повторы не задвоятся. Импорт можно отменить в истории.",
        "New records are added, changed ones updated, nothing is doubled. An import can be undone in the history.",
    ),
    "ws_imported": ("Импортировано, пакет {batch}.", "Imported as batch {batch}."),
    "ws_already": ("{file}: этот файл уже импортирован (пакет {batch}), ничего не изменилось.",
                   "{file}: this file was already imported (batch {batch}); nothing changed."),
    "ws_not_imported": ("Ничего не импортировано: {reason}", "Nothing was imported: {reason}"),
    "ws_history": ("История импорта", "Import history"),
    "ws_history_empty": ("В рабочее пространство ещё ничего не импортировано.",
                         "Nothing has been imported into the workspace yet."),
    "ws_batch": ("Пакет {batch} · {when}", "Batch {batch} · {when}"),
    "ws_file": ("Файл", "File"),
    "ws_kind": ("Что это", "Kind"),
    "ws_rows_read": ("Строк прочитано", "Rows read"),
    "ws_new": ("Новых", "New"),
    "ws_updated": ("Обновлено", "Updated"),
    "ws_unchanged": ("Без изменений", "Unchanged"),
    "ws_stream": ("Записи", "Records"),
    "ws_rejected_rows": ("Отклонённые строки пакета {batch}: {n}", "Rejected rows of batch {batch}: {n}"),
    "ws_undo": ("Отменить пакет {batch}", "Undo batch {batch}"),
    "ws_undo_confirm": (
        "Отменить пакет {batch}? Его записи удалятся, а то, что он заменил, станет текущим снова.",
        "Undo batch {batch}? Its records are removed and what it replaced is current again.",
    ),
    "ws_undo_yes": ("Да, отменить пакет {batch}", "Yes, undo batch {batch}"),
    "ws_undo_no": ("Не отменять", "Keep it"),
    "ws_undone": ("Пакет {batch} отменён.", "Batch {batch} was undone."),
    "ws_unusable": ("Рабочее пространство «{name}» не открывается: {reason}",
                    "The workspace “{name}” cannot be opened: {reason}"),
})


# --- T1: the source named `unknown` (a lead without a source) reads as "not set"; the stored value stays.
def source_label(value: str | None, lang: Lang) -> str:
    """A source as the screens show it: `unknown` (normalize.UNKNOWN_SOURCE) and no value read "не указан" /
    "not set", every other source as it is written."""
    from analytics.normalize import UNKNOWN_SOURCE

    return t("source_not_set", lang) if value is None or value == UNKNOWN_SOURCE else value


# --- T5: the employee of leads from a file with no responsible person reads as "not set" in the screen's language;
# the stored value (importing.converting.NOT_SET, bilingual so that a download or the CLI reads in either) stays.
def person_label(value: str, lang: Lang) -> str:
    """A person as the screens name them: converting.NOT_SET reads "не указан" / "not set", anyone else as written."""
    from analytics.importing.converting import NOT_SET

    return t("person_not_set", lang) if value == NOT_SET else value


def sentence(text: str) -> str:
    """`text` with its first letter upper-case: a sentence that opens with a month (`октябрь 2026 против…`) or
    another lower-case word starts as a sentence does. The rest is left as it is (names, `п.п.`, `≥ 60 s`)."""
    return text[:1].upper() + text[1:]


# ---- T3: the importer's texts, the navigation and the settings' sentences in Russian (issue 13 item 12) --------
# The importer (analytics/importing/*) writes its reasons, warnings, guesses and errors in English, with values in
# them. Each English text has a template here: its English form, with `{placeholders}` where the values go, is read
# as a pattern, and the Russian form is written with the values found. A page renders the few DISTINCT texts of a
# table (never row by row). An English text no template matches is shown as it is: tests/test_russian_screens.py
# imports every fixture and the hostile corpus and fails on such a text.
STRINGS.update({
    # navigation sections (pages/_pages.py)
    "section_analysis": ("Анализ", "Analysis"),
    "section_data": ("Данные", "Data"),
    # what a page says about damaged settings, failed saves and dates out of range (pages/_settings.py)
    "dates_outside": ("Данные идут с {data_first} по {data_last}: записи вне {first} — {last} — скорее всего, "
                      "опечатки в датах — не входят ни в один период.",
                      "The data run from {data_first} to {data_last}: records outside {first} — {last}, most "
                      "likely mistyped dates, are in no period."),
    "settings_problem": ("Настройки повреждены, неверная запись пропущена: {problem}",
                         "A settings entry was damaged and is ignored: {problem}"),
    "settings_not_saved": ("Не удалось сохранить: {reason}", "Not saved: {reason}"),
    "workspace_not_writable": ("Не удалось сохранить в рабочее пространство {path}: {reason}",
                               "Not saved to the workspace {path}: {reason}"),
    # the funnel steps a stage or meeting status can mean (the Data page's stage editor)
    "step_none": ("без встречи", "no meeting"),
    "step_booked": ("назначена", "booked"),
    "step_confirmed": ("подтверждена", "confirmed"),
    "step_held": ("проведена", "held"),
    "step_paid": ("оплачено", "paid"),
    # ---- the importer: what was done with a row or value (analytics/importing/report.py)
    # coded values of the records tables (analytics/records.py): `in`/`out`, linked by `phone`/`lead_id`
    "value_direction_in": ("входящий", "incoming"),
    "value_direction_out": ("исходящий", "outgoing"),
    "value_linked_by_phone": ("телефону", "phone"),
    "value_linked_by_lead_id": ("ID лида", "lead ID"),
    # a metric's column for the previous period (instead of "Было · Проведено встреч")
    "previous_column": ("{metric}, прошлый период", "{metric}, previous period"),
    "importer_action_rejected": ("строка отклонена", "row rejected"),
    "importer_action_skipped": ("строка пропущена", "row skipped"),
    "importer_action_ignored": ("значение оставлено пустым", "value left empty"),
    "importer_action_noted": ("строка загружена, есть замечание", "row kept, noted"),
    # ---- reasons: a value of a field (converting.py)
    "importer_required_empty": ("{field}: обязательное значение не заполнено", "{field}: required value is empty"),
    "importer_not_date": ("{field}: это не дата", "{field}: not a date"),
    "importer_not_duration": ("{field}: это не длительность (секунды, ММ:СС или ЧЧ:ММ:СС)",
                              "{field}: not a duration (seconds, MM:SS or HH:MM:SS)"),
    "importer_not_yes_no": ("{field}: это не «да» или «нет»", "{field}: not a yes/no value"),
    "importer_not_target": ("{field}: это не «да» или «нет» (целевой или нецелевой)",
                            "{field}: not a yes/no (target/non-target) value"),
    "importer_not_money": ("{field}: это не денежная сумма", "{field}: not an amount of money"),
    "importer_not_id": ("{field}: это не идентификатор", "{field}: not an id"),
    "importer_not_direction": ("{field}: это не направление звонка (входящий или исходящий)",
                               "{field}: not a call direction (incoming/outgoing)"),
    "importer_empty": ("{field}: пусто", "{field}: empty"),
    "importer_date_outside": ("{field}: дата вне допустимого диапазона {first} … {last}",
                              "{field}: the date is outside {first} … {last}"),
    "importer_too_long_call": ("{field}: звонок дольше 24 часов — это не настоящий звонок",
                               "{field}: a call longer than 24 hours is not a real call"),
    "importer_unmapped": ("{field}: этому обязательному полю не сопоставлена ни одна колонка файла",
                          "{field}: no column is mapped to this required field"),
    "importer_refund": ("{field}: отрицательная сумма — загружена как возврат",
                        "{field}: a negative amount, kept as a refund"),
    # ---- reasons: a whole row
    "importer_leg": ("ещё одно плечо того же звонка: звонок учтён один раз — по отвеченному, самому длинному плечу",
                     "another leg of the same call: the call is kept once, as its answered, longest leg"),
    "importer_nobody": ("звонок не дошёл ни до одного сотрудника (голосовое меню, очередь или пропущенный): он ничей",
                        "the call reached no employee (IVR, queue or missed): it counts for nobody"),
    "importer_ragged_row": ("в строке {n} {n@fields}, а в заголовке {width} — «{delimiter}» внутри значения?",
                            "the row has {n} fields, the header {width} — a '{delimiter}' inside a value?"),
    "importer_not_utf8": ("строка не в кодировке UTF-8, как остальной файл; прочитана как {encoding}",
                          "the line is not UTF-8 like the rest of the file; read as {encoding}"),
    "importer_control_chars": ("из значения удалены управляющие символы (например, NUL)",
                               "control characters (e.g. NUL) removed from the value"),
    # ---- warnings about a whole file
    "importer_no_responsible": (
        "{file}: ни одна колонка не называет ответственного; лиды загружены с сотрудником «{not_set}» — источники "
        "сравнить можно, людей нельзя",
        "{file}: no column names the responsible person; the leads are imported with the employee “{not_set}” — "
        "sources can be compared, people cannot",
    ),
    # ---- what was inferred rather than read from a named column
    "importer_by_content": ("{field}: колонка «{column}» выбрана по её значениям (ни один заголовок её не называет)",
                            "{field}: column “{column}” chosen by its values (no header names it)"),
    "importer_fallback": ("{field}: колонка «{column}», а где она пуста — {columns}, построчно",
                          "{field}: “{column}”, where empty then {columns}, row by row"),
    "importer_extension": (
        "{field}: внутренний номер (2–5 цифр) звонящего или принявшего звонок из колонок {columns}; звонок со стороны "
        "звонящего — исходящий",
        "{field}: the extension (2–5 digits) on the caller's or callee's side — {columns}; a call on the caller's "
        "side is outgoing",
    ),
    "importer_named_extension": ("{field}: колонка «{column}», а где она пуста — внутренний номер из {columns}",
                                 "{field}: “{column}”, where empty the extension in {columns}"),
    "importer_far_end": ("{field}: другой конец звонка (номер, который не внутренний)",
                         "{field}: the far end of the call (the number that is not an extension)"),
    "importer_legs": (
        "{field}: другие плечи уже учтённых звонков — {n} {n@rows}; каждый звонок учтён один раз, по отвеченному, "
        "самому длинному плечу",
        "{field}: {n} row(s) are further legs of calls already counted — each call is kept once, as its answered, "
        "longest leg",
    ),
    "importer_every_lead_not_set": ("{field}: ни одна колонка не называет ответственного — у каждого лида "
                                    "«{not_set}»",
                                    "{field}: no column names the responsible person — every lead is “{not_set}”"),
    # ---- the tables as a whole (analytics/model.py)
    "importer_repeated_leads": ("{table}: {n} {n@rows} с повторным значением поля {field}; у каждого лида оставлена "
                                "последняя строка",
                                "{table}: {n} repeated {field} row(s); the last row of each lead was kept"),
    "importer_duplicate_calls": ("{table}: отброшено повторов по полю {field}: {n}",
                                 "{table}: {n} duplicate {field} row(s) dropped"),
    "importer_orphan_meetings": ("{table}: у {n} {n@meetings:gen} лида нет в файле сделок",
                                 "{table}: {n} meeting(s) refer to a lead that is not in the leads file"),
    # ---- a file that cannot be read at all (BadFile)
    "importer_too_large": (
        "{file}: файл слишком велик или повреждён для ограничений импорта ({detail}); проверьте, что это настоящая "
        "выгрузка, или разбейте его на файлы поменьше",
        "{file}: the file is too large or malformed for the import limits ({detail}); check that it is a real "
        "export, or split it into smaller files",
    ),
    "importer_malformed": ("{file}: файл повреждён, прочитать его не удалось ({detail})",
                           "{file}: the file is malformed and could not be read ({detail})"),
    "importer_not_workbook": ("{file}: это не книга Excel ({detail}); сохраните её заново как .xlsx или выгрузите CSV",
                              "{file}: not an Excel workbook ({detail}); save it again as .xlsx or export CSV"),
    "importer_long_first_line": ("{file}: первая строка длиннее {n} {n@characters:gen} — это не выгрузка таблицы",
                                 "{file}: the first line is longer than {n} characters — this is not a table export"),
    "importer_wide_header": ("{file}: в заголовке больше {n} {n@columns:gen} — это не выгрузка звонков или сделок",
                             "{file}: the header has more than {n} columns — this is not an export of calls or "
                             "deals"),
    "importer_wide_sheet": ("{file}: на листе «{sheet}» больше {n} {n@columns:gen} — это не выгрузка звонков или "
                            "сделок",
                            "{file}: sheet {sheet} has more than {n} columns — this is not an export of calls or "
                            "deals"),
    "importer_wide_html_row": ("{file}: в строке таблицы больше {n} {n@cells:gen} — это не выгрузка звонков или сделок",
                               "{file}: a table row has more than {n} cells — this is not an export of calls or deals"),
    "importer_csv_unparsed": ("{file}: CSV не разобрать около строки {line} — проверьте кавычки ({detail})",
                              "{file}: the CSV could not be parsed near line {line} — check its quotes ({detail})"),
    "importer_csv_open_quote": ("{file}: CSV не разобрать около строки {line} — открытая там кавычка нигде не "
                                "закрывается; проверьте кавычки",
                                "{file}: the CSV could not be parsed near line {line} — a quote opened there is never "
                                "closed; check its quotes"),
    "importer_spreadsheet_unread": ("{file}: таблицу не удалось прочитать ({detail})",
                                    "{file}: the spreadsheet could not be read ({detail})"),
    "importer_no_sheet": ("{file}: в книге нет листа с данными", "{file}: the workbook has no sheet with data"),
    "importer_no_table": ("{file}: на странице нет таблицы", "{file}: the page has no table"),
    "importer_no_columns": ("{file}: в файле нет колонок", "{file}: the file has no columns"),
    "importer_empty_file": ("{file}: файл пустой", "{file}: the file is empty"),
    "importer_archive": ("{file}: это {what}, а не таблица — выгрузите из CRM или телефонии CSV или XLSX",
                         "{file}: this is {what}, not a table — export CSV or XLSX from your CRM or telephony"),
    "importer_binary": ("{file}: это двоичный файл, а не таблица", "{file}: this is a binary file, not a table"),
    "importer_header_only": ("{file}: в файле есть заголовок, но нет строк",
                             "{file}: the file has a header but no rows"),
    "importer_contacts": (
        "{file}: похоже на выгрузку контактов, а не сделок — в amoCRM выгрузите сделки: Сделки → … → Экспорт (в "
        "Битрикс24: CRM → Сделки → Экспорт)",
        "{file}: this looks like a contacts export, not deals — in amoCRM export deals: Сделки → … → Экспорт (in "
        "Bitrix24: CRM → Сделки → Экспорт)",
    ),
    "importer_no_column_named": ("{file}: нет колонки {names}; колонки файла: {headers}",
                                 "{file}: no column named {names}; the columns are: {headers}"),
    # the details of a limit a file ran into (limits.py, xlsx_guard.py)
    "importer_limit_memory": ("память: {n} МБ адресного пространства", "memory: {n} MB of address space"),
    "importer_limit_cpu": ("время процессора: {n} с", "CPU time: {n} s"),
    "importer_limit_time": ("время: {n} с", "time: {n} s"),
    "importer_worker": ("обработчик импорта не запустился: {detail}", "the import worker could not start: {detail}"),
    "importer_archive_parts": ("частей в архиве {n}, допустимо {limit}", "{n} parts in the archive: {limit}"),
    "importer_uncompressed": ("{n} МБ в распакованном виде, допустимо {limit} МБ",
                              "{n} MB uncompressed: {limit} MB"),
    "importer_ratio": ("«{member}» сжат в {n} раз, допустимо в {limit} раз",
                       "{member} compressed {n} to 1: {limit} to 1"),
    "importer_sheet_reaches": ("лист «{sheet}» доходит до колонки {n}, допустимо {limit} {limit@columns}",
                               "sheet {sheet} reaches column {n}: {limit} columns"),
    "importer_sheet_declares": ("лист «{sheet}» объявляет {n} {n@columns}, допустимо {limit}",
                                "sheet {sheet} declares {n} columns: {limit} columns"),
    "importer_sheet_spans": ("лист «{sheet}»: {n} {n@rows} × {width} {width@columns}, допустимо {limit} {limit@cells}",
                             "sheet {sheet} spans {n} rows × {width} columns: {limit} cells"),
    "importer_sheet_declares_cells": ("лист «{sheet}» объявляет {n} {n@rows} × {width} {width@columns}, допустимо "
                                      "{limit} {limit@cells}",
                                      "sheet {sheet} declares {n} rows × {width} columns: {limit} cells"),
    "importer_big_cell": ("ячейка больше {n} МБ, допустимо {limit} МБ на ячейку",
                          "a cell over {n} MB: {limit} MB a cell"),
    "importer_big_shared_strings": ("общие строки книги — {n} МБ, допустимо {limit} МБ",
                                    "shared strings of {n} MB: {limit} MB"),
    "importer_big_shared_string": ("общая строка больше {n} МБ, допустимо {limit} МБ на ячейку",
                                   "a shared string over {n} MB: {limit} MB a cell"),
    "importer_workbook_damaged": ("файл повреждён или это не zip-архив", "the file is damaged or not a zip archive"),
    "importer_workbook_no_book": ("zip-архив без «xl/workbook.xml»", "a zip archive without xl/workbook.xml"),
    "importer_workbook_truncated": ("файл повреждён или обрезан", "the file is damaged or truncated"),
    "importer_xls_damaged_detail": ("файл .xls повреждён: {detail}", "the .xls file is damaged: {detail}"),
    "importer_xls_no_header": ("нет заголовка OLE2", "no OLE2 header"),
    "importer_xls_damaged": ("файл .xls повреждён или обрезан", "the .xls file is damaged or truncated"),
    "importer_xls_bad_header": ("у файла .xls повреждён заголовок", "the .xls file has a damaged header"),
    "importer_xls_truncated": ("файл .xls обрезан", "the .xls file is truncated"),
    "importer_pdf": ("документ PDF", "a PDF document"),
    "importer_png": ("картинка PNG", "a PNG picture"),
    "importer_jpeg": ("картинка JPEG", "a JPEG picture"),
    "importer_gif": ("картинка GIF", "a GIF picture"),
    "importer_rar": ("архив RAR", "a RAR archive"),
    "importer_gzip": ("архив gzip", "a gzip archive"),
    "importer_7zip": ("архив 7-Zip", "a 7-Zip archive"),
})

NOUNS.update({
    "fields": Noun(("поле", "поля", "полей"), ("field", "fields"), ("поля", "полей")),
    "columns": Noun(("колонка", "колонки", "колонок"), ("column", "columns"), ("колонки", "колонок")),
    "cells": Noun(("ячейка", "ячейки", "ячеек"), ("cell", "cells"), ("ячейки", "ячеек")),
    "characters": Noun(("символ", "символа", "символов"), ("character", "characters"), ("символа", "символов")),
})

IMPORTER = "importer_"  # the key prefix of the importer's templates in STRINGS
# What a placeholder of an importer template may match: a field's key, a count (`2,000` in English), any text.
_SHAPES: dict[str, str] = {"field": r"[a-z_]+", "table": r"[a-z_]+", "n": r"\d[\d,]*(?:\.\d+)?", "width": r"\d[\d,]*",
                           "limit": r"\d[\d,]*", "line": r"\d+"}
_QUOTED = re.compile(r"“([^”]*)”")


@dataclass(frozen=True)
class _Template:
    key: str
    pattern: re.Pattern[str]


def _pattern_of(english: str) -> re.Pattern[str]:
    """The English template as a pattern: its words literally, each `{name}` a named group of its shape."""
    parts = re.split(r"(\{\w+\})", english)
    return re.compile("".join(f"(?P<{p[1:-1]}>{_SHAPES.get(p[1:-1], '.+?')})" if p.startswith("{") and
                              p.endswith("}") else re.escape(p) for p in parts if p))


@functools.cache
def _templates() -> tuple[_Template, ...]:
    """The importer's templates, the longest English words first (a more specific text wins), built once."""
    keys = [key for key in STRINGS if key.startswith(IMPORTER)]
    literal = lambda key: len(re.sub(r"\{\w+\}", "", STRINGS[key][1]))  # noqa: E731
    return tuple(_Template(key, _pattern_of(STRINGS[key][1])) for key in sorted(keys, key=literal, reverse=True))


def _importer_value(name: str, value: str, lang: Lang) -> str:
    """A value found in an importer text, written for the language: a field by its label, a count by the locale,
    column names in the language's quotes, a nested text (a limit's detail) by its own template."""
    if name == "field":
        key = f"col_{value}"
        return f"«{STRINGS[key][0]}»" if key in STRINGS else value
    if name == "table":
        key = f"kind_{value}"
        return STRINGS[key][0].capitalize() if key in STRINGS else value
    if name in ("n", "width", "limit", "line"):
        return number(Decimal(value.replace(",", "")), lang, decimals=len(value.partition(".")[2]))
    if name in ("detail", "what"):
        return importer_text(value, lang)
    if name == "not_set":
        return value.split(" / ")[0]  # the converter's bilingual "не указан / not set"
    if name == "columns":
        return _QUOTED.sub(r"«\1»", value).replace(", then ", ", затем ")
    return value


def importer_text(text: str, lang: Lang) -> str:
    """One text of the importer (a reason, a warning, a guess, an error) in the language; as it is when English, or
    when no template knows it."""
    if lang == "en" or not text:
        return text
    for template in _templates():
        found = template.pattern.fullmatch(text)
        if found:
            values = {name: _importer_value(name, value, lang) for name, value in found.groupdict().items()}
            return t(template.key, lang, **values)
    return text


def importer_texts(texts: Sequence[str], lang: Lang) -> list[str]:
    """Several texts of the importer (a file's warnings or guesses) in the language."""
    return [importer_text(text, lang) for text in texts]


def importer_column(column: pl.Series, lang: Lang) -> pl.Series:
    """A column of importer texts in the language: each DISTINCT text is rendered once, then put back in place, so
    a table of a million rejected rows costs a few templates."""
    if lang == "en" or column.is_empty():
        return column
    distinct = column.drop_nulls().unique().to_list()
    return column.replace({text: importer_text(text, lang) for text in distinct})


CODED_COLUMNS = ("direction", "linked_by")  # records columns whose values are codes with words in STRINGS


def coded_values(frame: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """A records table with its coded values (`in`, `out`, `phone`, `lead_id`) in words of the language, each
    distinct value looked up once; a value without words stays as it is."""
    def words(column: str, value: str) -> str:
        key = f"value_{column}_{value}"
        return t(key, lang) if key in STRINGS else value

    return frame.with_columns(
        frame[column].replace({v: words(column, v) for v in frame[column].drop_nulls().unique().to_list()})
        for column in CODED_COLUMNS if column in frame.columns and frame.schema[column] == pl.String)


def importer_issues(issues: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """The importer's issue table (report.ISSUE_SCHEMA) with its reasons and actions in the language."""
    return issues.with_columns(importer_column(issues[name], lang) for name in ("reason", "action")
                               if name in issues.columns)


# --- U2: tables that show what the sentence talks about (screen review items 4, 5, 12, 15, 20, 24, 25).
STRINGS.update({
    "month_running": ("{month} (идёт)", "{month} (running)"),
    "month_column_help": ("{month}. Красным — падение к предыдущему месяцу, колонке справа.",
                          "{month}. In red: a fall on the month before, the column to the right."),
    "month_running_help": ("{month} ещё идёт: его числа неполные, и падением он не красится.",
                           "{month} is still running: its numbers are incomplete and never painted as a fall."),
    "chart_no_data": ("Нет данных за период.", "No data for the period."),
})
