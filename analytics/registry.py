"""The one source of truth for metric keys, labels (RU/EN), definitions and formats (SPEC §3, §4).

The UI, the command line and the exports all read this table; nothing else spells a metric's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["count", "minutes", "ratio", "money"]


@dataclass(frozen=True)
class Metric:
    key: str
    number: str  # the number in the methodology; "" where the methodology has none
    label_ru: str
    label_en: str
    definition_ru: str
    definition_en: str
    kind: Kind
    higher_is_better: bool = True
    numerator: str | None = None  # ratios: the keys they divide, for tests of significance
    denominator: str | None = None

    def label(self, lang: str) -> str:
        return self.label_ru if lang == "ru" else self.label_en

    def definition(self, lang: str) -> str:
        return self.definition_ru if lang == "ru" else self.definition_en


def _ratio(key: str, number: str, num: str, den: str, ru: str, en: str, def_ru: str, def_en: str) -> Metric:
    return Metric(key, number, ru, en, def_ru, def_en, "ratio", numerator=num, denominator=den)


METRICS: tuple[Metric, ...] = (
    Metric(
        "calls_60s", "1", "Звонки от 60 с", "Calls ≥ 60 s",
        "Входящие и исходящие звонки длительностью не меньше порога T (по умолчанию 60 с) за период.",
        "Incoming and outgoing calls lasting at least T seconds (default 60) in the period.",
        "count",
    ),
    Metric(
        "calls_total", "", "Все звонки", "All calls",
        "Все звонки за период, любой длительности.",
        "All calls in the period, of any length.",
        "count",
    ),
    Metric(
        "minutes_on_line", "1.1", "Минуты на линии", "Minutes on the line",
        "Сумма длительности разговора (billsec) всех звонков за период, в минутах.",
        "Total talk time (billsec) of all calls in the period, in minutes.",
        "minutes",
    ),
    Metric(
        "leads_new", "2", "Новые лиды", "New leads",
        "Лиды (заявки/сделки), созданные в периоде, по ответственному лидорубу.",
        "Leads created in the period, credited to the responsible lead generator.",
        "count",
    ),
    Metric(
        "leads_target", "3", "Целевые лиды", "Target leads",
        "Из новых лидов — отмеченные как целевые.",
        "Of the new leads, those qualified as target.",
        "count",
    ),
    Metric(
        "leads_nontarget", "4", "Нецелевые лиды", "Non-target leads",
        "Из новых лидов — отмеченные как нецелевые.",
        "Of the new leads, those qualified as non-target.",
        "count",
        higher_is_better=False,
    ),
    Metric(
        "meetings_scheduled", "5", "Назначено встреч", "Meetings booked",
        "Встречи, назначенные в периоде (по дате назначения), засчитываются тому, кто назначил.",
        "Meetings booked in the period (by booking date), credited to the person who booked them.",
        "count",
    ),
    Metric(
        "meetings_confirmed", "6", "Подтверждено встреч", "Meetings confirmed",
        "Встречи, которые клиент подтвердил; проведённая встреча всегда считается подтверждённой. "
        "Когорта — по дате назначения, события — по дате подтверждения.",
        "Meetings the client confirmed; a held meeting always counts as confirmed. "
        "Cohort mode dates them by booking, event mode by confirmation.",
        "count",
    ),
    Metric(
        "meetings_held", "7", "Проведено встреч", "Meetings held",
        "Встречи, которые хантер провёл, из назначенных лидорубом — главный показатель лидоруба. "
        "Когорта — по дате назначения, события — по дате проведения.",
        "Meetings a hunter held out of those the lead generator booked — the lead generator's main KPI. "
        "Cohort mode dates them by booking, event mode by the meeting itself.",
        "count",
    ),
    _ratio(
        "conv_call_to_scheduled", "8", "meetings_scheduled", "calls_60s",
        "Звонок → назначение", "Call → booked",
        "Назначено встреч / звонки от 60 с.", "Meetings booked / calls ≥ 60 s.",
    ),
    _ratio(
        "conv_scheduled_to_confirmed", "9", "meetings_confirmed", "meetings_scheduled",
        "Назначение → подтверждение", "Booked → confirmed",
        "Подтверждено / назначено.", "Meetings confirmed / meetings booked.",
    ),
    _ratio(
        "conv_confirmed_to_held", "10", "meetings_held", "meetings_confirmed",
        "Подтверждение → проведение", "Confirmed → held",
        "Проведено / подтверждено.", "Meetings held / meetings confirmed.",
    ),
    _ratio(
        "conv_scheduled_to_held", "11", "meetings_held", "meetings_scheduled",
        "Назначение → проведение", "Booked → held",
        "Проведено / назначено.", "Meetings held / meetings booked.",
    ),
    Metric(
        "payments", "", "Оплаты", "Payments",
        "Оплатившие лиды, засчитанные лидорубу, назначившему первую проведённую встречу лида — главный показатель "
        "для бизнеса. Оплата без проведённой встречи сюда не входит.",
        "Paid leads credited to the setter of the lead's first held meeting — the business's main KPI. "
        "A payment with no held meeting is not counted here.",
        "count",
    ),
    Metric(
        "revenue", "", "Выручка", "Revenue",
        "Сумма оплат засчитанных лидов.",
        "Total amount paid by the credited leads.",
        "money",
    ),
    _ratio(
        "conv_held_to_paid", "12", "payments", "meetings_held",
        "Проведение → оплата", "Held → paid",
        "Оплаты / проведённые встречи.", "Payments / meetings held.",
    ),
    Metric(
        "paid_without_meeting", "", "Оплаты без встречи", "Paid without a meeting",
        "Оплатившие лиды без проведённой встречи: показаны отдельно и не входят в «Оплаты».",
        "Paid leads with no held meeting: shown separately, never part of Payments.",
        "count",
    ),
    Metric(
        "revenue_without_meeting", "", "Выручка без встречи", "Revenue without a meeting",
        "Сумма оплат лидов без проведённой встречи.",
        "Amount paid by leads with no held meeting.",
        "money",
    ),
)

# Derived numbers used by diagnostics and the Sources screen; not part of the metric table rows.
TARGET_SHARE = _ratio(
    "target_share", "", "leads_target", "leads_qualified",
    "Доля целевых", "Target share",
    "Целевые / (целевые + нецелевые): доля целевых среди квалифицированных лидов.",
    "Target / (target + non-target): the share of target leads among qualified leads.",
)

SPEND_METRICS: tuple[Metric, ...] = (
    Metric("spend", "", "Расход", "Ad spend", "Рекламный бюджет источника за месяц.",
           "Ad spend of the source in the month.", "money", higher_is_better=False),
    Metric("cost_per_lead", "", "Цена лида", "Cost per lead", "Расход / новые лиды.",
           "Spend / new leads.", "money", higher_is_better=False),
    Metric("cost_per_target_lead", "", "Цена целевого лида", "Cost per target lead",
           "Расход / целевые лиды.", "Spend / target leads.", "money", higher_is_better=False),
    Metric("cost_per_held", "", "Цена проведённой встречи", "Cost per held meeting",
           "Расход / проведённые встречи.", "Spend / meetings held.", "money", higher_is_better=False),
    Metric("cost_per_payment", "", "Цена оплаты", "Cost per payment", "Расход / оплаты.",
           "Spend / payments.", "money", higher_is_better=False),
    Metric("romi", "", "ROMI", "ROMI", "(Выручка − расход) / расход.", "(Revenue − spend) / spend.", "ratio"),
)

METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
COUNT_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS if m.kind != "ratio")
RATIO_METRICS: tuple[Metric, ...] = tuple(m for m in METRICS if m.kind == "ratio")
BY_KEY: dict[str, Metric] = {m.key: m for m in (*METRICS, TARGET_SHARE, *SPEND_METRICS)}

# The funnel of a lead generator, in order (SPEC §1 and the Overview screen).
FUNNEL: tuple[str, ...] = ("calls_60s", "meetings_scheduled", "meetings_confirmed", "meetings_held", "payments")
# "Look at the main numbers only; when one of them falls, open the secondary ones."
MAIN_KPIS: tuple[str, ...] = ("meetings_held", "payments")
# Metrics 5–12 of the methodology, shown per source side by side (SPEC §4).
SOURCE_METRICS: tuple[str, ...] = (
    "leads_new", "leads_target", "meetings_scheduled", "meetings_confirmed", "meetings_held",
    "conv_scheduled_to_confirmed", "conv_confirmed_to_held", "conv_scheduled_to_held",
    "payments", "conv_held_to_paid", "revenue",
)
# The grouping keys of SPEC §3; `hunter` (§3a) groups meetings and payments only — calls and leads are no hunter's.
GROUP_KEYS: tuple[str, ...] = ("employee", "source", "hunter", "day", "week", "month")


def metric(key: str) -> Metric:
    return BY_KEY[key]
