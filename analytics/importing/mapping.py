"""Recognise what an export is and which of its columns hold which canonical field.

Headers are matched by a normalised form against the headers real systems write (amoCRM, Bitrix24, Sipuni,
Mango, UIS, Asterisk, generic English); a required field no header names is looked for by column content.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import phonenumbers
import polars as pl

from analytics.importing import values
from analytics.importing.reading import ROW, BadFile, RawFile

FileKind = Literal["calls", "leads", "meetings", "payments"]
FILE_KINDS: tuple[FileKind, ...] = ("calls", "leads", "meetings", "payments")

# Fields a file of each kind may carry. A leads (deals) file may also carry its meeting and payment (SPEC §2).
# A PBX log names the two ends of a call (caller, callee) and their channels rather than "the employee": the converter
# finds the employee's extension there (see converting.py).
MEETING_FIELDS = (
    "booked_at", "meeting_at", "confirmed", "confirmed_at", "held", "held_at", "hunter", "meeting_status",
)
CALL_ENDS = ("caller", "callee", "caller_channel", "callee_channel")
FIELDS: dict[FileKind, tuple[str, ...]] = {
    "calls": ("started_at", "employee", "duration_s", "direction", "lead_id", "phone", "call_id", "recording",
              *CALL_ENDS, "disposition"),
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
# Where a required field may be found instead of its own column: a call's employee in the ends of the call; a lead
# without a responsible person is imported as "not set" (with a warning) so that sources can still be compared.
STAND_INS: dict[FileKind, dict[str, tuple[str, ...]]] = {
    "calls": {"employee": CALL_ENDS},
    "leads": {"employee": ("lead_id",)},
}
# Fields several columns may fill, row by row, in the order of their aliases (amoCRM has both `utm_source` and
# `Источник`, either may be empty; a CRM fills any of its phone columns; a CDR has `linkedid`, else `uniqueid`).
COALESCED = frozenset({"source", "phone", "call_id"})
# Sipuni's `ID записи` is the id of the call's recording (its API hands the recording out by it) and the only id
# Sipuni writes for a call. It stays the call's id — the key a workspace knows the call by, so a Sipuni log imported
# before this column existed is not doubled by importing it again — and, with no recording column of its own, it is
# the recording's id too.
RECORDING_AND_CALL_IDS = frozenset({"id записи"})

# Normalised header → field, per kind, in order of preference (the first alias present wins).
_COMMON = {
    "lead_id": ("id сделки", "сделка id", "id лида", "номер сделки", "lead id", "deal id", "lead_id", "deal_id",
                "сделка", "лид", "lead", "deal"),
    "employee": ("ответственный", "сотрудник", "менеджер", "лидоруб", "оператор", "кто ответил", "пользователь",
                 "ответственный за сделку", "employee", "responsible", "manager", "owner", "agent", "operator",
                 "user", "assigned to", "responsible user", "answered by", "assigned by id", "assigned by"),
    "phone": ("мобильный телефон", "рабочий телефон", "телефон", "номер клиента", "телефон клиента",
              "номер телефона", "номер абонента", "абонент", "клиент", "phone", "mobile phone", "work phone",
              "client number", "client phone", "phone number", "number", "домашний телефон", "другой телефон"),
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
               "сумма", "budget", "revenue", "price", "opportunity"),
}
ALIASES: dict[FileKind, dict[str, tuple[str, ...]]] = {
    "calls": {
        # Grandstream's "Call Time" is a duration, not the start: it is no alias of anything.
        "started_at": ("дата и время", "дата звонка", "время звонка", "начало звонка", "начало", "время", "дата",
                       "start", "start time", "started at", "started_at", "call date", "calldate", "date",
                       "datetime", "time"),
        "employee": _COMMON["employee"],
        "duration_s": ("длительность разговора", "время разговора", "продолжительность разговора", "разговор",
                       "billsec", "talk time", "talk duration", "duration_s", "длительность звонка", "длительность",
                       "продолжительность", "duration", "call duration"),
        "direction": ("тип", "тип звонка", "направление", "direction", "type", "call type", "call direction"),
        "lead_id": _COMMON["lead_id"],
        "phone": _COMMON["phone"],
        "call_id": ("id звонка", "идентификатор звонка", "call id", "call_id", "linkedid", "uniqueid", "unique id",
                    "id записи", "id"),
        # Mango Office, UIS and others write a link to the recording; FreePBX's CDR the recording's file name
        # (`recordingfile`); Sipuni an id (RECORDING_AND_CALL_IDS).
        "recording": ("запись разговора", "ссылка на запись", "ссылка на запись разговора", "запись звонка",
                      "запись", "файл записи", "recording url", "recording link", "record link", "record url",
                      "recording", "record", "recordingfile", "recording file"),
        "caller": ("откуда", "кто звонил", "номер звонящего", "caller number", "caller", "calling number", "src",
                   "from", "call from", "cnum"),
        "callee": ("куда", "кому звонили", "номер назначения", "callee number", "callee", "called number", "dst",
                   "to", "call to"),
        "caller_channel": ("channel", "source channel"),
        "callee_channel": ("dstchannel", "destination channel"),
        "disposition": ("disposition", "статус", "статус звонка", "status", "результат", "call status"),
    },
    "leads": {
        "lead_id": ("id", *_COMMON["lead_id"]),
        "created_at": ("дата создания сделки", "дата создания", "дата создания лида", "создана", "создан",
                       "created at", "created", "date created", "created_at", "creation date", "date create",
                       "дата"),
        "employee": _COMMON["employee"],
        "source": ("utm_source", "utm source", "рекламная система", "источник", "источник сделки",
                   "источник лида", "канал", "source", "lead source", "channel", "source id"),
        "is_target": ("квалификация", "целевой", "целевая", "целевой лид", "тип лида", "статус квалификации",
                      "is target", "is_target", "target", "qualification", "qualified"),
        "phone": _COMMON["phone"],
        "stage": ("этап сделки", "этап", "стадия сделки", "стадия", "статус", "статус сделки", "stage",
                  "deal stage", "pipeline stage", "status", "stage id", "status id"),
        **{f: _COMMON[f] for f in MEETING_FIELDS},
        "paid_at": _COMMON["paid_at"],
        "closed_at": ("дата закрытия", "дата закрытия сделки", "closed at", "close date", "closedate",
                      "closed_at"),
        "amount": _COMMON["amount"],
    },
    "meetings": {
        "lead_id": _COMMON["lead_id"],
        "setter": ("кто назначил", "назначил", "лидоруб", "setter", "booked by", "ответственный", "сотрудник"),
        **{f: _COMMON[f] for f in MEETING_FIELDS},
        "booked_at": (*_COMMON["booked_at"], "booked_at", "создана", "дата создания", "created at"),
        "meeting_status": (*_COMMON["meeting_status"], "статус", "status"),
        "meeting_id": ("id встречи", "meeting id", "meeting_id", "id"),
    },
    "payments": {
        "lead_id": _COMMON["lead_id"],
        "paid_at": (*_COMMON["paid_at"], "paid_at", "дата", "date"),
        "amount": _COMMON["amount"],
    },
}
# The kind of each field's values, which decides its parser (see converting.py).
DATETIME_FIELDS = frozenset(
    {"started_at", "created_at", "booked_at", "meeting_at", "confirmed_at", "held_at", "paid_at", "closed_at"}
)
# Headers that say "this is a contacts export", and headers any deals export has.
_CONTACT_HEADERS = frozenset({"полное имя контакта", "дата создания контакта", "имя контакта", "contact name"})
_DEAL_HEADERS = frozenset({"название сделки", "этап", "этап сделки", "бюджет", "воронка", "id сделки", "stage",
                           "deal name", "сделка"})


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
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # COALESCED field → further headers
    by_content: frozenset[str] = frozenset()  # fields whose column was chosen by its values, no header naming it


SAMPLE_ROWS = 500
CONTENT_COLUMNS = 200  # content detection looks at this many unnamed columns at most: its cost must not grow with width


def _filled(sample: pl.DataFrame) -> set[str]:
    counts = sample.select(pl.all().is_not_null().sum()).row(0, named=True) if sample.width else {}
    return {h for h, n in counts.items() if n}


def _by_header(headers: list[str], kind: FileKind, filled: set[str]) -> tuple[dict[str, str | None], dict]:
    """Each field's column by its header. Among several columns a field's aliases name, a filled one beats an
    empty one; for COALESCED fields the others are kept as fallbacks, row by row."""
    normalised = {h: normalise_header(h) for h in headers}
    mapping: dict[str, str | None] = {}
    fallbacks: dict[str, tuple[str, ...]] = {}
    taken: set[str] = set()
    for name in FIELDS[kind]:
        matches = [h for alias in _NORMALISED_ALIASES[kind].get(name, ())
                   for h in headers if normalised[h] == alias and h not in taken]
        matches = list(dict.fromkeys(matches))
        if not matches:
            mapping[name] = None
            continue
        chosen = next((h for h in matches if h in filled), matches[0])
        mapping[name] = chosen
        taken.add(chosen)
        if name in COALESCED:
            rest = tuple(h for h in matches if h != chosen and h in filled)
            if rest:
                fallbacks[name] = rest
                taken.update(rest)
    return mapping, fallbacks


_PHONE_TEXT = r"^\+?[\d\s()\-]{5,24}$"


def looks_like_phones(column: pl.Series) -> bool:
    """Most values of a sample are possible phone numbers (checked with `phonenumbers`): never dates, UUIDs or
    `1543540774.0`-style ids."""
    values_ = [v for v in column.drop_nulls().head(50).to_list() if isinstance(v, str)]
    if not values_:
        return False
    good = 0
    for value in values_:
        digits = re.sub(r"\D", "", value)
        if not re.match(_PHONE_TEXT, value) or re.match(r"^\d{4}-\d{2}-\d{2}", value) or not 5 <= len(digits) <= 15:
            continue
        if len(digits) < 10:  # an extension or a short service number: a phone, though not a client's
            good += 1
            continue
        try:
            number = phonenumbers.parse(value if value.startswith("+") else digits, "RU")
        except phonenumbers.NumberParseException:
            continue
        good += phonenumbers.is_possible_number(number)
    return good >= 0.8 * len(values_)


def _by_content(sample: pl.DataFrame, headers: list[str], kind: FileKind,
                mapping: dict[str, str | None]) -> dict[str, str | None]:
    """Fill required fields no header named from columns whose values look right."""
    used = set(mapping.values())
    free = [h for h in headers if h not in used][:CONTENT_COLUMNS]
    wanted = [f for f in (*REQUIRED[kind], "phone") if f in FIELDS[kind] and mapping.get(f) is None]
    if kind == "calls" and any(mapping.get(end) for end in CALL_ENDS):
        # The client's number is the far end of the call; another number column (a DID) is ours, not theirs.
        wanted = [f for f in wanted if f not in ("phone", "employee")]
    if not free or not wanted:
        return mapping
    filled = sample.select(pl.col(free).is_not_null().sum()).row(0, named=True)
    free = [h for h in free if filled[h]]
    if not free:
        return mapping
    checks: dict[str, Callable[[str], pl.Expr]] = {
        "duration_s": lambda c: pl.col(c).str.contains(r"^\d{1,2}:\d{2}(:\d{2})?$"),
    }
    for name in wanted:
        if name == "phone":
            found = next((h for h in free if looks_like_phones(sample[h])), None)
        else:
            if name in DATETIME_FIELDS:
                test = lambda c: values.datetime_(pl.col(c)).is_not_null()  # noqa: E731
            elif name in checks:
                test = checks[name]
            else:
                continue
            if not free:
                break
            shares = sample.select(
                (test(h).fill_null(False).sum() / max(filled[h], 1)).alias(h) for h in free).row(0, named=True)
            found = next((h for h in free if shares[h] >= 0.9), None)
        if found is not None:
            mapping[name] = found
            free.remove(found)
    return mapping


def _checked_phone(sample: pl.DataFrame, mapping: dict[str, str | None], fallbacks: dict) -> None:
    """A column named like a phone must hold phones: an id or a date under such a header is not taken."""
    candidates = [h for h in (mapping.get("phone"), *fallbacks.get("phone", ())) if h]
    good = [h for h in candidates if looks_like_phones(sample[h])]
    mapping["phone"] = good[0] if good else None
    if len(good) > 1:
        fallbacks["phone"] = tuple(good[1:])
    else:
        fallbacks.pop("phone", None)


def _checked_recording(sample: pl.DataFrame, mapping: dict[str, str | None]) -> None:
    """A column named like a recording must hold links or ids: a yes/no column (`Запись: да`) is not taken. Without
    a recording column, Sipuni's `ID записи` (the call's id) is the recording's id as well."""
    header = mapping.get("recording")
    if header is not None:
        filled = sample.select(pl.col(header).is_not_null().sum()).item()
        flags = sample.select(values.boolean(pl.col(header)).is_not_null().sum()).item()
        if filled and flags >= 0.9 * filled:
            mapping["recording"] = None
    call_id = mapping.get("call_id")
    if mapping.get("recording") is None and call_id is not None and \
            normalise_header(call_id) in RECORDING_AND_CALL_IDS:
        mapping["recording"] = call_id


def _satisfied(kind: FileKind, mapping: Mapping[str, str | None]) -> int:
    """How many required fields are found, counting a field whose stand-ins are there."""
    count = 0
    for name in REQUIRED[kind]:
        stand_ins = STAND_INS.get(kind, {}).get(name, ())
        count += mapping.get(name) is not None or (kind == "calls" and any(mapping.get(s) for s in stand_ins)) \
            or (kind == "leads" and name == "employee" and mapping.get("lead_id") is not None)
    return count


def _refuse_contacts(raw: RawFile) -> None:
    names = {normalise_header(h) for h in raw.headers}
    if names & _CONTACT_HEADERS and not names & _DEAL_HEADERS:
        raise BadFile(f"{raw.name}: this looks like a contacts export, not deals — in amoCRM export deals: "
                      f"Сделки → … → Экспорт (in Bitrix24: CRM → Сделки → Экспорт)")


def detect(raw: RawFile, kind: FileKind | None = None) -> Detection:
    """The most likely kind of file (unless given) and its column mapping."""
    _refuse_contacts(raw)
    sample = raw.frame.head(SAMPLE_ROWS)
    filled = _filled(sample.drop(ROW))
    best: Detection | None = None
    for candidate in (kind,) if kind else FILE_KINDS:
        mapping, fallbacks = _by_header(raw.headers, candidate, filled)
        if "phone" in mapping:
            _checked_phone(sample, mapping, fallbacks)
        if "recording" in mapping:
            _checked_recording(sample, mapping)
        named = {f for f, h in mapping.items() if h}
        mapping = _by_content(sample, raw.headers, candidate, mapping)
        required = _satisfied(candidate, mapping)
        matched = sum(v is not None for v in mapping.values())
        complete = required == len(REQUIRED[candidate])
        score = (1000 if complete else 0) + 10 * required + matched
        if best is None or score > best.score:
            found = frozenset(f for f, h in mapping.items() if h and f not in named)
            best = Detection(candidate, mapping, score, fallbacks, found)
    assert best is not None
    return best


def apply_overrides(mapping: Mapping[str, str | None], overrides: Mapping[str, str | None]) -> dict[str, str | None]:
    """The user's choices (from the Data page or `--map`) win over detection."""
    return {**mapping, **overrides}


def signature(headers: list[str], kind: FileKind) -> str:
    """A key for remembering a confirmed mapping: the same headers in any order give the same key."""
    text = kind + "|" + "|".join(sorted(normalise_header(h) for h in headers if h != ROW))
    return hashlib.sha1(text.encode()).hexdigest()[:16]
