"""A deterministic generator of a sales floor, written out as real exports look in the wild.

Run `python -m data.generate_demo` to rewrite the committed demo files in `data/demo/`.
The same function, without the stories and at any size, feeds the noise-control test and the benchmark.
See data/README.md for the stories built into the demo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from analytics.schema import Dataset

DEMO_DIR = Path(__file__).parent / "demo"
DEALS_FILE = "crm_deals.xlsx"
CALLS_FILE = "calls.csv"
SPEND_FILE = "ad_spend.csv"
# What a lead costs in each paid channel (rubles): Yandex is cheaper per lead, but its leads are worse.
COST_PER_LEAD = {"Google": 1500.0, "Yandex": 1100.0, "vk": 900.0}
DEMO_SEED = 20261129

SETTERS = (
    "Смирнова Анна", "Петров Иван", "Кузнецова Ольга", "Соколов Дмитрий",
    "Попова Мария", "Волков Алексей", "Морозова Екатерина",
)
HUNTERS = ("Лебедев Сергей", "Новикова Татьяна", "Козлов Андрей")

# Raw utm_source spellings per source, as CRMs receive them.
RAW_SOURCES: dict[str, tuple[str, ...]] = {
    "Google": ("google", "google_ads", "cpc_google", "Google Ads"),
    "Yandex": ("yandex", "yandex.direct", "Яндекс.Директ", "direct_yandex"),
    "site": ("site",),
    "referral": ("referral",),
    "unknown": ("",),
    "vk": ("vk_ads",),
}


@dataclass(frozen=True)
class FloorConfig:
    """What kind of floor to generate. The defaults are the committed demo."""

    seed: int = DEMO_SEED
    start: date = date(2026, 6, 1)
    end: date = date(2026, 11, 20)
    setters: tuple[str, ...] = SETTERS
    hunters: tuple[str, ...] = HUNTERS
    calls_per_day: float = 112.0
    leads_per_day: float = 11.0
    stories: bool = True
    skill_spread: float = 0.08  # how much people differ; 0 makes everyone alike
    source_mix: dict[str, float] = field(
        default_factory=lambda: {"Google": 0.36, "Yandex": 0.36, "site": 0.14, "referral": 0.09, "unknown": 0.05}
    )
    target_share: dict[str, float] = field(
        default_factory=lambda: {
            "Google": 0.72, "Yandex": 0.42, "site": 0.62, "referral": 0.8, "unknown": 0.5, "vk": 0.35,
        }
    )


# The stories of data/README.md, in one place.
CONFIRMATION_COLLAPSE = ("Соколов Дмитрий", date(2026, 10, 1), date(2026, 10, 31))
FEWER_CALLS = ("Волков Алексей", date(2026, 9, 1))
NEW_SOURCE = ("vk", date(2026, 10, 1), 0.14)


def _working_days(start: date, end: date) -> list[date]:
    days = (start + timedelta(n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def _times(rng: np.random.Generator, days: np.ndarray, first_hour: float, last_hour: float) -> np.ndarray:
    """Random wall-clock times on the given days (datetime64[s]) between two hours."""
    seconds = rng.uniform(first_hour * 3600, last_hour * 3600, days.size).astype("int64")
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def _as_frame(columns: dict[str, np.ndarray | list]) -> pl.DataFrame:
    return pl.DataFrame({k: (v if isinstance(v, list) else v.tolist()) for k, v in columns.items()})


def steady_floor(seed: int, **changes: object) -> FloorConfig:
    """A floor where nothing happens: no stories, everyone alike, every source of the same quality, the same
    rates every month. What diagnostics must find on it is noise."""
    sources = ("Google", "Yandex", "site", "referral", "unknown")
    return FloorConfig(seed=seed, stories=False, skill_spread=0.0,
                       source_mix=dict(zip(sources, (0.36, 0.36, 0.14, 0.09, 0.05), strict=True)),
                       target_share={s: 0.6 for s in sources}, **changes)  # type: ignore[arg-type]


def generate_floor(config: FloorConfig = FloorConfig()) -> Dataset:
    """The canonical tables of a floor: leads, meetings, payments and calls, deterministic in `config.seed`."""
    rng = np.random.default_rng(config.seed)
    days = np.array(_working_days(config.start, config.end), dtype="datetime64[D]")
    end = np.datetime64(config.end + timedelta(days=1), "s")
    n_setters = len(config.setters)
    setter_idx, day_idx = (a.ravel() for a in np.meshgrid(np.arange(n_setters), np.arange(days.size), indexing="ij"))
    cell_days = days[day_idx]
    setters = np.array(config.setters)

    # Each person has a steady personal level; the stories bend it.
    skill = rng.normal(1.0, config.skill_spread, n_setters).clip(0.8, 1.2)
    activity = skill[setter_idx].copy()
    if config.stories and FEWER_CALLS[0] in config.setters:
        slacker = config.setters.index(FEWER_CALLS[0])
        activity[(setter_idx == slacker) & (cell_days >= np.datetime64(FEWER_CALLS[1]))] *= 0.42

    # Leads
    leads_n = rng.poisson(config.leads_per_day * activity)
    lead_setter = np.repeat(setter_idx, leads_n)
    lead_day = np.repeat(cell_days, leads_n)
    created = _times(rng, lead_day, 9.5, 18.5)
    n_leads = created.size
    names = list(config.source_mix)
    source = np.array(names)[rng.choice(len(names), n_leads, p=np.array(list(config.source_mix.values())))]
    if config.stories:
        new_name, since, share = NEW_SOURCE
        fresh = (lead_day >= np.datetime64(since)) & (rng.random(n_leads) < share)
        source = np.where(fresh, new_name, source)
    target_p = np.vectorize(config.target_share.get)(source)
    qualified = rng.random(n_leads) > 0.07
    is_target = np.where(qualified, rng.random(n_leads) < target_p, None)
    lead_ids = np.arange(100_000, 100_000 + n_leads).astype(str)
    phones = 79_000_000_000 + rng.permutation(9_000_000)[:n_leads]

    # Meetings: booked from target leads mostly, within two days of the lead.
    book_p = np.where(is_target == True, 0.62, np.where(is_target == False, 0.06, 0.25))  # noqa: E712
    booked_mask = rng.random(n_leads) < book_p
    # Booked within two working days of the lead, during working hours, never before the lead itself.
    booked_day = np.busday_offset(created.astype("datetime64[D]"), rng.integers(0, 3, n_leads), roll="forward")
    booked = np.maximum(
        _times(rng, booked_day, 9.5, 18.5), created + np.timedelta64(600, "s")
    )
    booked_mask &= booked < end
    m_lead = np.flatnonzero(booked_mask)
    m_booked = booked[m_lead]
    meeting_days = np.busday_offset(m_booked.astype("datetime64[D]"), rng.integers(1, 6, m_lead.size), roll="forward")
    meeting_at = meeting_days.astype("datetime64[s]")
    meeting_at += (rng.integers(10, 18, m_lead.size) * 3600).astype("timedelta64[s]")
    confirm_p = np.full(m_lead.size, 0.82)
    if config.stories and CONFIRMATION_COLLAPSE[0] in config.setters:
        who, since, until = CONFIRMATION_COLLAPSE
        booked_day = m_booked.astype("datetime64[D]")
        hit = (
            (setters[lead_setter[m_lead]] == who)
            & (booked_day >= np.datetime64(since))
            & (booked_day <= np.datetime64(until))
        )
        confirm_p[hit] = 0.3
    happened = meeting_at < end
    confirmed = (rng.random(m_lead.size) < confirm_p) & (meeting_at - np.timedelta64(1, "D") < end)
    held = happened & (rng.random(m_lead.size) < np.where(confirmed, 0.86, 0.12))
    hunter = np.array(config.hunters)[rng.integers(0, len(config.hunters), m_lead.size)]

    # Payments: a share of held meetings pays within three weeks.
    target_m = is_target[m_lead] == True  # noqa: E712
    pays = held & (rng.random(m_lead.size) < np.where(target_m, 0.3, 0.1))
    paid_at = meeting_at + rng.integers(2 * 86_400, 21 * 86_400, m_lead.size).astype("timedelta64[s]")
    pays &= paid_at < end
    amount = (rng.integers(30, 181, m_lead.size) * 1000).astype(float)

    # Calls: every lead was called when it was created and when its meeting was booked; the rest are cold.
    calls_n = rng.poisson(config.calls_per_day * activity)
    cold_n = np.maximum(calls_n - leads_n - np.bincount(
        np.repeat(np.arange(setter_idx.size), leads_n)[m_lead], minlength=setter_idx.size
    ), 0)
    cold_setter = np.repeat(setter_idx, cold_n)
    cold_start = _times(rng, np.repeat(cell_days, cold_n), 9.0, 19.0)
    call_setter = np.concatenate([lead_setter, lead_setter[m_lead], cold_setter])
    call_start = np.concatenate([
        created - rng.integers(60, 1800, n_leads).astype("timedelta64[s]"),
        m_booked - rng.integers(30, 600, m_lead.size).astype("timedelta64[s]"),
        cold_start,
    ])
    n_calls = call_start.size
    short = rng.random(n_calls) < 0.2
    duration = np.where(
        short, rng.integers(0, 60, n_calls), np.clip(rng.lognormal(np.log(150), 0.6, n_calls), 60, 3600)
    ).astype("int64")
    duration[: n_leads + m_lead.size] = np.maximum(duration[: n_leads + m_lead.size], 60)
    cold_phone = 79_010_000_000 + rng.integers(0, 9_000_000, cold_setter.size)
    call_phone = np.concatenate([phones, phones[m_lead], cold_phone])
    direction = np.where(rng.random(n_calls) < 0.85, "out", "in")
    order = np.argsort(call_start, kind="stable")

    calls = _as_frame({
        "started_at": call_start[order].astype("datetime64[us]"),
        "employee": setters[call_setter[order]],
        "duration_s": duration[order],
        "direction": direction[order],
        "phone": call_phone[order].astype(str),
        "call_id": np.arange(1, n_calls + 1).astype(str),
    })
    leads = _as_frame({
        "lead_id": lead_ids,
        "created_at": created.astype("datetime64[us]"),
        "employee": setters[lead_setter],
        "source": source,
        "is_target": list(is_target),
        "phone": phones.astype(str),
    })
    meetings = _as_frame({
        "lead_id": lead_ids[m_lead],
        "booked_at": m_booked.astype("datetime64[us]"),
        "setter": setters[lead_setter[m_lead]],
        "meeting_at": meeting_at.astype("datetime64[us]"),
        "confirmed": confirmed,
        "held": held,
        "hunter": hunter,
    })
    payments = _as_frame({
        "lead_id": lead_ids[m_lead][pays],
        "paid_at": paid_at[pays].astype("datetime64[us]"),
        "amount": amount[pays],
    })
    return Dataset.from_frames(calls=calls, leads=leads, meetings=meetings, payments=payments)


# ---- Writing the floor as exports look in the wild -------------------------------------------------------------

RU_DATETIME = "%d.%m.%Y %H:%M:%S"


def _pretty_phone(digits: pl.Expr) -> pl.Expr:
    """`79001234567` → `+7 (900) 123-45-67`, as CRMs show numbers."""
    return pl.format(
        "+7 ({}) {}-{}-{}", digits.str.slice(1, 3), digits.str.slice(4, 3), digits.str.slice(7, 2),
        digits.str.slice(9, 2),
    )


def deals_table(data: Dataset, config: FloorConfig = FloorConfig()) -> pl.DataFrame:
    """One row per deal, Russian headers, the meeting and the payment as columns (amoCRM-style)."""
    rng = np.random.default_rng(config.seed + 1)
    raw_choice = {
        name: np.array(options)[rng.integers(0, len(options), data.leads.height)]
        for name, options in RAW_SOURCES.items()
    }
    raw_source = np.select(
        [data.leads["source"].to_numpy() == name for name in raw_choice], list(raw_choice.values()), ""
    )
    payment = data.payments.group_by("lead_id").agg(pl.col("paid_at").min(), pl.col("amount").sum())
    stage = (
        pl.when(pl.col("paid_at").is_not_null()).then(pl.lit("Успешно реализовано"))
        .when(pl.col("held")).then(pl.lit("Встреча проведена"))
        .when(pl.col("confirmed")).then(pl.lit("Встреча подтверждена"))
        .when(pl.col("booked_at").is_not_null()).then(pl.lit("Встреча назначена"))
        .when(pl.col("is_target") == False).then(pl.lit("Закрыто и не реализовано"))  # noqa: E712
        .otherwise(pl.lit("Первичный контакт"))
    )
    yes_no = {True: "Да", False: "Нет"}
    return (
        data.leads.with_columns(pl.Series("raw_source", raw_source))
        .join(data.meetings.select("lead_id", "booked_at", "meeting_at", "confirmed", "held", "hunter"),
              on="lead_id", how="left")
        .join(payment, on="lead_id", how="left")
        .select(
            pl.col("lead_id").cast(pl.Int64).alias("ID"),
            pl.format("Заявка #{}", "lead_id").alias("Название сделки"),
            pl.col("amount").alias("Бюджет"),
            pl.col("employee").alias("Ответственный"),
            pl.col("created_at").dt.strftime(RU_DATETIME).alias("Дата создания сделки"),
            stage.alias("Этап сделки"),
            _pretty_phone(pl.col("phone")).alias("Мобильный телефон"),
            pl.col("raw_source").alias("utm_source"),
            pl.col("is_target").replace_strict({True: "Целевой", False: "Нецелевой"}, default=None,
                                               return_dtype=pl.String).alias("Квалификация"),
            pl.col("booked_at").dt.strftime(RU_DATETIME).alias("Дата назначения встречи"),
            pl.col("meeting_at").alias("Дата встречи"),
            pl.col("confirmed").replace_strict(yes_no, default=None, return_dtype=pl.String)
            .alias("Встреча подтверждена"),
            pl.col("held").replace_strict(yes_no, default=None, return_dtype=pl.String).alias("Встреча проведена"),
            pl.col("hunter").alias("Хантер"),
            pl.col("paid_at").alias("Дата оплаты"),
            pl.col("amount").alias("Сумма оплаты"),
        )
    )


def calls_table(data: Dataset, config: FloorConfig = FloorConfig()) -> pl.DataFrame:
    """The telephony log: `;`-separated, `HH:MM:SS` talk time, Russian dates, the number but no deal id."""
    rng = np.random.default_rng(config.seed + 2)
    plain = rng.random(data.calls.height) < 0.5
    return data.calls.select(
        pl.col("started_at").dt.strftime(RU_DATETIME).alias("Дата и время"),
        pl.col("direction").replace_strict({"in": "Входящий", "out": "Исходящий"}).alias("Тип"),
        pl.col("employee").alias("Сотрудник"),
        pl.when(pl.Series(plain)).then(pl.lit("8") + pl.col("phone").str.slice(1))
        .otherwise(_pretty_phone(pl.col("phone"))).alias("Номер клиента"),
        pl.format(
            "{}:{}:{}",
            (pl.col("duration_s") // 3600).cast(pl.String).str.zfill(2),
            (pl.col("duration_s") % 3600 // 60).cast(pl.String).str.zfill(2),
            (pl.col("duration_s") % 60).cast(pl.String).str.zfill(2),
        ).alias("Длительность разговора"),
        pl.format("sip-{}", "call_id").alias("ID звонка"),
    )


def deals_xlsx(deals: pl.DataFrame) -> bytes:
    """The deals as XLSX bytes: text dates where amoCRM writes text, real Excel dates where a user's column has them.

    The workbook's creation time is fixed so that the same floor gives the same bytes.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(2026, 11, 27), "author": "demo"})
    sheet = workbook.add_worksheet("Сделки")
    bold = workbook.add_format({"bold": True})
    stamp = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    sheet.write_row(0, 0, deals.columns, bold)
    for col, name in enumerate(deals.columns):
        values = deals[name]
        for row, value in enumerate(values.to_list(), start=1):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(row, col, value, stamp)
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, value)
    sheet.set_column(0, len(deals.columns) - 1, 18)
    workbook.close()
    return buffer.getvalue()


def calls_csv(calls: pl.DataFrame) -> bytes:
    """The call log as the telephony writes it: `;`, Windows-1251, CRLF."""
    text = calls.write_csv(separator=";", line_terminator="\r\n")
    return text.encode("cp1251")


def spend_table(data: Dataset) -> pl.DataFrame:
    """Monthly ad spend of the paid channels: leads × cost per lead, rounded to thousands."""
    return (
        data.leads.filter(pl.col("source").is_in(list(COST_PER_LEAD)))
        .group_by(pl.col("created_at").dt.strftime("%Y-%m").alias("month"), "source")
        .agg(pl.len().alias("leads"))
        .with_columns(
            (pl.col("leads") * pl.col("source").replace_strict(COST_PER_LEAD) / 1000).round(0).mul(1000)
            .cast(pl.Int64).alias("spend"),
            pl.col("source").replace({"vk": "vk_ads"}),
        )
        .sort("month", "source")
        .select("month", "source", "spend")
    )


def write_demo(directory: Path = DEMO_DIR, config: FloorConfig = FloorConfig()) -> dict[str, int]:
    """Write the demo exports; return the row counts of what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    data = generate_floor(config)
    deals, calls = deals_table(data, config), calls_table(data, config)
    (directory / DEALS_FILE).write_bytes(deals_xlsx(deals))
    (directory / CALLS_FILE).write_bytes(calls_csv(calls))
    (directory / SPEND_FILE).write_text(spend_table(data).write_csv(), encoding="utf-8")
    return {"deals": deals.height, "calls": calls.height, "meetings": data.meetings.height,
            "payments": data.payments.height}


if __name__ == "__main__":
    counts = write_demo()
    print(", ".join(f"{name}: {n}" for name, n in counts.items()))
