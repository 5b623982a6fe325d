"""Recognise what an export is and which of its columns hold which canonical field.

Headers are matched by a normalised form against the headers real systems write (amoCRM, Bitrix24, Sipuni,
Mango, UIS, Asterisk, generic English); a required field no header names is looked for by column content.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

from analytics.importing import values
from analytics.importing.reading import ROW, RawFile

FileKind = Literal["calls", "leads", "meetings", "payments"]
FILE_KINDS: tuple[FileKind, ...] = ("calls", "leads", "meetings", "payments")

# Fields a file of each kind may carry. A leads (deals) file may also carry its meeting and payment (SPEC §2).
MEETING_FIELDS = (
    "booked_at", "meeting_at", "confirmed", "confirmed_at", "held", "held_at", "hunter", "meeting_status",
)
FIELDS: dict[FileKind, tuple[str, ...]] = {
    "calls": ("started_at", "employee", "duration_s", "direction", "lead_id", "phone", "call_id"),
    "leads": (
        "lead_id", "created_at", "employee", "source", "is_target", "phone", "stage", *MEETING_FIELDS,
        "paid_at", "closed_at", "amount",
    ),
    "meetings": ("lead_id", "setter", *MEETING_FIELDS, "meeting_id"),
    "payments": ("lead_id", "paid_at", "amount"),
}
REQUIRED: dict[FileKind, tuple[str, ...]] = {
    "calls": ("started_at", "employee", "duration_s"),
    "leads": ("lead_id", "created_at", "employee"),
    "meetings": ("lead_id", "booked_at"),
    "payments": ("lead_id", "paid_at"),
}

# Normalised header → field, per kind, in order of preference (the first alias present wins).
_COMMON = {
    "lead_id": ("id сделки", "сделка id", "id лида", "номер сделки", "lead id", "deal id", "lead_id", "deal_id",
                "сделка", "лид", "lead", "deal"),
    "employee": ("ответственный", "сотрудник", "менеджер", "лидоруб", "оператор", "кто ответил", "пользователь",
                 "ответственный за сделку", "employee", "responsible", "manager", "owner", "agent", "operator",
                 "user", "assigned to", "responsible user"),
    "phone": ("мобильный телефон", "рабочий телефон", "телефон", "номер клиента", "телефон клиента",
              "номер телефона", "номер абонента", "абонент", "клиент", "phone", "mobile phone", "work phone",
              "client number", "client phone", "phone number", "number", "caller", "откуда", "куда"),
    "booked_at": ("дата назначения встречи", "встреча назначена", "дата назначения", "дата записи на встречу",
                  "booked at", "meeting booked", "booking date", "booked"),
    "meeting_at": ("дата встречи", "дата и время встречи", "время встречи", "встреча", "meeting date",
                   "meeting at", "meeting time", "meeting"),
    "confirmed": ("встреча подтверждена", "подтверждена", "подтверждение", "подтверждение встречи", "confirmed",
                  "meeting confirmed"),
    "confirmed_at": ("дата подтверждения", "дата подтверждения встречи", "confirmed at", "confirmation date"),
    "held": ("встреча проведена", "встреча состоялась", "проведена", "состоялась", "held", "meeting held"),
    "held_at": ("дата проведения встречи", "дата проведения", "held at", "held date"),
    "hunter": ("хантер", "кто провел встречу", "менеджер встречи", "провел встречу", "hunter",
               "account executive", "closer"),
    "meeting_status": ("статус встречи", "результат встречи", "meeting status", "meeting result"),
    "paid_at": ("дата оплаты", "дата платежа", "оплачено", "дата поступления оплаты", "paid at", "payment date",
                "paid date", "paid"),
    "amount": ("сумма оплаты", "сумма платежа", "оплата", "amount", "payment amount", "paid amount", "бюджет",
               "сумма", "budget", "revenue", "price"),
}
ALIASES: dict[FileKind, dict[str, tuple[str, ...]]] = {
    "calls": {
        "started_at": ("дата и время", "дата звонка", "время звонка", "начало звонка", "начало", "время", "дата",
                       "start", "started at", "call date", "calldate", "call time", "date", "datetime", "time"),
        "employee": _COMMON["employee"],
        "duration_s": ("длительность разговора", "время разговора", "длительность звонка", "длительность",
                       "продолжительность", "разговор", "billsec", "talk time", "talk duration", "duration",
                       "call duration"),
        "direction": ("тип", "тип звонка", "направление", "direction", "type", "call type"),
        "lead_id": _COMMON["lead_id"],
        "phone": _COMMON["phone"],
        "call_id": ("id звонка", "идентификатор звонка", "call id", "call_id", "uniqueid", "id записи", "id"),
    },
    "leads": {
        "lead_id": ("id", *_COMMON["lead_id"]),
        "created_at": ("дата создания сделки", "дата создания", "дата создания лида", "создана", "создан",
                       "created at", "created", "date created", "created_at", "creation date", "дата"),
        "employee": _COMMON["employee"],
        "source": ("utm_source", "utm source", "рекламная система", "источник", "источник сделки",
                   "источник лида", "канал", "source", "lead source", "channel"),
        "is_target": ("квалификация", "целевой", "целевая", "целевой лид", "тип лида", "статус квалификации",
                      "is target", "is_target", "target", "qualification", "qualified"),
        "phone": _COMMON["phone"],
        "stage": ("этап сделки", "этап", "стадия сделки", "стадия", "статус", "статус сделки", "stage",
                  "deal stage", "pipeline stage", "status"),
        **{f: _COMMON[f] for f in MEETING_FIELDS},
        "paid_at": _COMMON["paid_at"],
        "closed_at": ("дата закрытия", "дата закрытия сделки", "closed at", "close date", "closed"),
        "amount": _COMMON["amount"],
    },
    "meetings": {
        "lead_id": _COMMON["lead_id"],
        "setter": ("кто назначил", "назначил", "лидоруб", "setter", "booked by", "ответственный", "сотрудник"),
        **{f: _COMMON[f] for f in MEETING_FIELDS},
        "booked_at": (*_COMMON["booked_at"], "создана", "дата создания", "created at"),
        "meeting_status": (*_COMMON["meeting_status"], "статус", "status"),
        "meeting_id": ("id встречи", "meeting id", "meeting_id", "id"),
    },
    "payments": {
        "lead_id": _COMMON["lead_id"],
        "paid_at": (*_COMMON["paid_at"], "дата", "date"),
        "amount": _COMMON["amount"],
    },
}
# The kind of each field's values, which decides its parser (see converting.py).
DATETIME_FIELDS = frozenset(
    {"started_at", "created_at", "booked_at", "meeting_at", "confirmed_at", "held_at", "paid_at", "closed_at"}
)


def normalise_header(header: str) -> str:
    """Compare headers as a person would: case, `ё`, `.1` suffixes, units and `Контакт:` prefixes do not matter."""
    text = header.lower().replace("ё", "е").strip()
    text = re.sub(r"\.\d+$", "", text)
    text = re.sub(r"^(контакт|компания|contact|company)\s*:\s*", "", text)
    text = re.sub(r",?\s*\(?(сек|секунд|с|sec|seconds|s|руб|rub|₽|мин|min)\.?\)?$", "", text)
    text = re.sub(r"[₽$€]", "", text)
    text = re.sub(r"[^\w\s]", " ", text).replace("_", " ")
    return " ".join(text.split())


_NORMALISED_ALIASES: dict[FileKind, dict[str, tuple[str, ...]]] = {
    kind: {field: tuple(normalise_header(a) for a in aliases) for field, aliases in table.items()}
    for kind, table in ALIASES.items()
}


@dataclass(frozen=True)
class Detection:
    kind: FileKind
    mapping: dict[str, str | None]  # field → header
    score: int


def _by_header(headers: list[str], kind: FileKind) -> dict[str, str | None]:
    normalised = {h: normalise_header(h) for h in headers}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for field in FIELDS[kind]:
        mapping[field] = None
        for alias in _NORMALISED_ALIASES[kind].get(field, ()):
            match = next((h for h in headers if normalised[h] == alias and h not in taken), None)
            if match is not None:
                mapping[field] = match
                taken.add(match)
                break
    return mapping


def _share(frame: pl.DataFrame, column: str, parsed: pl.Expr) -> float:
    sample = frame.select(pl.col(column)).drop_nulls().head(200)
    if sample.is_empty():
        return 0.0
    return sample.select(parsed.is_not_null().mean()).item()


def _by_content(raw: RawFile, kind: FileKind, mapping: dict[str, str | None]) -> dict[str, str | None]:
    """Fill required fields no header named from columns whose values look right."""
    free = [h for h in raw.headers if h not in mapping.values()]
    checks = {
        "duration_s": lambda c: pl.col(c).str.contains(r"^\d{1,2}:\d{2}(:\d{2})?$"),
        "phone": lambda c: pl.col(c).str.replace_all(r"\D", "").str.len_chars() >= 10,
    }
    for field in (*REQUIRED[kind], "phone"):
        if mapping.get(field) is not None or field not in FIELDS[kind]:
            continue
        if field in DATETIME_FIELDS:
            test = lambda c: values.datetime_(pl.col(c))  # noqa: E731
        elif field in checks:
            test = lambda c, f=field: pl.when(checks[f](c)).then(True)  # noqa: E731
        else:
            continue
        for header in free:
            if _share(raw.frame, header, test(header)) >= 0.9:
                mapping[field] = header
                free.remove(header)
                break
    return mapping


def _phone_by_content(raw: RawFile, kind: FileKind, mapping: dict[str, str | None]) -> dict[str, str | None]:
    """Several headers may name a phone (Sipuni's `Откуда` and `Куда`): take the one holding clients' numbers."""
    aliases = _NORMALISED_ALIASES[kind].get("phone", ())
    taken = {h for f, h in mapping.items() if f != "phone"}
    candidates = [h for h in raw.headers if normalise_header(h) in aliases and h not in taken]
    if len(candidates) > 1:
        long_number = lambda c: pl.when(pl.col(c).str.replace_all(r"\D", "").str.len_chars() >= 10).then(True)  # noqa: E731
        mapping["phone"] = max(candidates, key=lambda h: _share(raw.frame, h, long_number(h)))
    return mapping


def detect(raw: RawFile, kind: FileKind | None = None) -> Detection:
    """The most likely kind of file (unless given) and its column mapping."""
    candidates = (kind,) if kind else FILE_KINDS
    best: Detection | None = None
    for candidate in candidates:
        mapping = _by_content(raw, candidate, _phone_by_content(raw, candidate, _by_header(raw.headers, candidate)))
        required = sum(mapping[f] is not None for f in REQUIRED[candidate])
        matched = sum(v is not None for v in mapping.values())
        complete = required == len(REQUIRED[candidate])
        score = (1000 if complete else 0) + 10 * required + matched
        if best is None or score > best.score:
            best = Detection(candidate, mapping, score)
    assert best is not None
    if raw.format == "asterisk" and best.kind == "calls":
        best.mapping.update(started_at="start", duration_s="billsec", employee="employee", phone="phone",
                            direction="direction", call_id="uniqueid" if "uniqueid" in raw.headers else None)
    return best


def apply_overrides(mapping: Mapping[str, str | None], overrides: Mapping[str, str | None]) -> dict[str, str | None]:
    """The user's choices (from the Data page or `--map`) win over detection."""
    return {**mapping, **overrides}


def signature(headers: list[str], kind: FileKind) -> str:
    """A key for remembering a confirmed mapping: the same headers in any order give the same key."""
    text = kind + "|" + "|".join(sorted(normalise_header(h) for h in headers if h != ROW))
    return hashlib.sha1(text.encode()).hexdigest()[:16]
