"""Issue 13 item 12: no English left on the Russian screens.

The importer writes its reasons, warnings, guesses and errors in English; analytics/i18n renders them in Russian from
one catalogue of templates. Every real-world fixture and every file of the hostile corpus is imported here, and each
DISTINCT text it produced must have a Russian rendering with no Latin word left but names (a file, a column, a
value, an encoding) and a short list of technical names. Then the Data page, the navigation and the Diagnostics
widgets in Russian under AppTest.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from analytics import i18n
from analytics.importing.pipeline import Upload, import_files, import_one
from analytics.importing.reading import BadFile
from analytics.importing.report import NOTED, REJECTED, SKIPPED, VALUE_IGNORED
from analytics.model import prepare
from pages import _pages, _settings
from tests.conftest import open_screen
from tests.hostile.make_corpus import LEAD_ROWS, VALID_LEADS_FILE, cases, leads_csv

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real"
NBSP = i18n.NBSP
# Latin words a Russian text may keep: names of formats, encodings and products, and "ID" as Russian CRMs write it.
TECHNICAL = {"ID", "UTF", "NUL", "CSV", "XLSX", "xlsx", "xls", "xml", "Excel", "OLE2", "CRM", "amoCRM", "cp1251",
             "zip", "gzip", "RAR", "PDF", "PNG", "JPEG", "GIF", "Zip"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _latin_words(text: str, names: set[str]) -> set[str]:
    """The Latin words of `text` outside «quotes» (column names and values) that are neither a name nor technical."""
    unquoted = re.sub(r"«[^»]*»", "", text)
    for name in sorted(names, key=len, reverse=True):
        unquoted = unquoted.replace(name, "")
    return {w for w in LATIN_WORD.findall(unquoted) if w not in TECHNICAL}


def _corpus() -> list[tuple[str, bytes, str | None]]:
    """Every fixture of tests/fixtures/real and every hostile case (the 256 MB one is the 64 MB one, only slower)."""
    files: list[tuple[str, bytes, str | None]] = [
        (p.name, p.read_bytes(), None) for p in sorted(REAL.iterdir()) if p.suffix in (".csv", ".xls", ".xlsx")]
    files.append((VALID_LEADS_FILE, leads_csv(*LEAD_ROWS), "leads"))
    files += [(case.file, content(), case.role) for case, content in cases() if "256mb" not in case.file]
    return files


@pytest.fixture(scope="module")
def importer_texts() -> dict[str, tuple[str, set[str]]]:
    """Each distinct text the importer said about the corpus → (its kind, the names it may quote: the file's name,
    its headers)."""
    said: dict[str, tuple[str, set[str]]] = {}
    for name, content, role in _corpus():
        try:
            imported = import_one(Upload(name, content, role))
        except BadFile as error:
            said.setdefault(str(error), ("error", {name}))
            continue
        names = {name, *imported.samples}
        for kind, texts in (("reason", imported.issues["reason"].unique().to_list()),
                            ("action", imported.issues["action"].unique().to_list()),
                            ("warning", imported.warnings), ("guess", imported.guesses)):
            for text in texts:
                said.setdefault(text, (kind, names))
    return said


def test_the_corpus_makes_the_importer_say_every_kind_of_thing(importer_texts) -> None:
    kinds = {kind for kind, _ in importer_texts.values()}
    assert kinds == {"reason", "action", "warning", "guess", "error"}
    assert len(importer_texts) >= 30, sorted(importer_texts)  # 11 reasons, 4 actions, 1 warning, 10 guesses, errors


def test_every_importer_text_of_the_corpus_reads_in_russian(importer_texts) -> None:
    untranslated = {text: kind for text, (kind, _) in importer_texts.items() if i18n.importer_text(text, "ru") == text}
    assert not untranslated, untranslated
    english_left = {}
    for text, (kind, names) in importer_texts.items():
        russian = i18n.importer_text(text, "ru")
        if words := _latin_words(russian, names):
            english_left[russian] = (kind, words)
    assert not english_left, english_left


def test_an_english_screen_shows_the_importer_texts_as_they_are(importer_texts) -> None:
    assert all(i18n.importer_text(text, "en") == text for text in importer_texts)


@pytest.mark.parametrize(("english", "russian"), [
    ("duration_s: a call longer than 24 hours is not a real call",
     "«Длительность, с»: звонок дольше 24 часов — это не настоящий звонок"),
    ("started_at: the date is outside 01.01.2000 … 30.11.2027",
     "«Начало звонка»: дата вне допустимого диапазона 01.01.2000 … 30.11.2027"),
    ("amount: a negative amount, kept as a refund", "«Сумма оплаты»: отрицательная сумма — загружена как возврат"),
    ("lead_id: required value is empty", "«ID лида»: обязательное значение не заполнено"),
    # the count agrees with its noun: 5 полей, 2 поля, 1 поле
    ("the row has 5 fields, the header 4 — a ';' inside a value?",
     "в строке 5 полей, а в заголовке 4 — «;» внутри значения?"),
    ("the row has 2 fields, the header 4 — a ',' inside a value?",
     "в строке 2 поля, а в заголовке 4 — «,» внутри значения?"),
    ("the line is not UTF-8 like the rest of the file; read as cp1251",
     "строка не в кодировке UTF-8, как остальной файл; прочитана как cp1251"),
    ("row skipped", "строка пропущена"),
    ("call_id: 21 row(s) are further legs of calls already counted — each call is kept once, as its answered, "
     "longest leg",
     "«ID звонка»: другие плечи уже учтённых звонков — 21 строка; каждый звонок учтён один раз, по отвеченному, "
     "самому длинному плечу"),
    ("source: “utm_source”, where empty then “Источник”, then “Канал”, row by row",
     "«Источник»: колонка «utm_source», а где она пуста — «Источник», затем «Канал», построчно"),
    ("employee: “Кто ответил”, where empty the extension in “Откуда”, “Куда”",
     "«Сотрудник»: колонка «Кто ответил», а где она пуста — внутренний номер из «Откуда», «Куда»"),
    ("bitrix_leads.xls: no column names the responsible person; the leads are imported with the employee "
     "“не указан / not set” — sources can be compared, people cannot",
     "bitrix_leads.xls: ни одна колонка не называет ответственного; лиды загружены с сотрудником «не указан» — "
     "источники сравнить можно, людей нельзя"),
    # an error with a limit's detail inside: both parts in Russian, the numbers in the Russian format
    ("big.xlsx: the file is too large or malformed for the import limits (sheet sheet1.xml declares 16384 columns: "
     "2000 columns); check that it is a real export, or split it into smaller files",
     f"big.xlsx: файл слишком велик или повреждён для ограничений импорта (лист «sheet1.xml» объявляет 16{NBSP}384 "
     f"колонки, допустимо 2{NBSP}000); проверьте, что это настоящая выгрузка, или разбейте его на файлы поменьше"),
    ("wide.csv: the header has more than 2,000 columns — this is not an export of calls or deals",
     f"wide.csv: в заголовке больше 2{NBSP}000 колонок — это не выгрузка звонков или сделок"),
    ("leads: 3 repeated lead_id row(s); the last row of each lead was kept",
     "Сделки / лиды: 3 строки с повторным значением поля «ID лида»; у каждого лида оставлена последняя строка"),
])
def test_hand_checked_renderings(english: str, russian: str) -> None:
    assert i18n.importer_text(english, "ru") == russian


def test_the_warnings_of_the_combined_tables_read_in_russian() -> None:
    """analytics/model.py warns about repeated leads, calls logged twice and meetings of unknown leads."""
    leads = ("lead_id,created_at,employee,source\nL1,2026-10-01 10:00:00,Вера,google\n"
             "L1,2026-10-02 10:00:00,Вера,google\n")
    calls = "started_at,employee,duration_s,call_id\n2026-10-01 09:00:00,Вера,65,k1\n"
    meetings = ("meeting_id,lead_id,booked_at,setter\nm1,L1,2026-10-01 16:00:00,Вера\n"
                "m1,L1,2026-10-01 16:00:00,Вера\nm2,L9,2026-10-02 16:00:00,Вера\n")
    uploads = [Upload("leads.csv", leads.encode(), "leads"), Upload("a.csv", calls.encode(), "calls"),
               Upload("b.csv", calls.encode(), "calls"), Upload("meetings.csv", meetings.encode(), "meetings")]
    warnings = prepare(import_files(uploads).dataset).warnings
    assert i18n.importer_texts(warnings, "ru") == [
        "Сделки / лиды: 1 строка с повторным значением поля «ID лида»; у каждого лида оставлена последняя строка",
        "Журнал звонков: отброшено повторов по полю «ID звонка»: 1",
        "Встречи: отброшено повторов по полю «ID встречи»: 1",
        "Встречи: у 1 встречи лида нет в файле сделок"]


def test_each_importer_template_says_the_same_values_in_both_languages() -> None:
    """A Russian template must use exactly the values its English pattern captures (an agreeing noun `{n@rows}`
    is the value `n` again)."""
    names = re.compile(r"\{(\w+)(?:@\w+(?::gen)?)?\}")
    templates = {key: pair for key, pair in i18n.STRINGS.items() if key.startswith(i18n.IMPORTER)}
    assert len(templates) >= 60
    for key, (russian, english) in templates.items():
        assert set(names.findall(russian)) == set(names.findall(english)), key


def test_a_text_no_template_knows_is_shown_as_it_is() -> None:
    assert i18n.importer_text("something new the importer says", "ru") == "something new the importer says"


def test_every_action_of_the_issue_table_has_russian_words() -> None:
    assert [i18n.importer_text(a, "ru") for a in (REJECTED, SKIPPED, VALUE_IGNORED, NOTED)] == [
        "строка отклонена", "строка пропущена", "значение оставлено пустым", "строка загружена, есть замечание"]


def test_an_issue_table_is_rendered_by_its_distinct_texts_in_place() -> None:
    issues = pl.DataFrame({
        "file": ["a.csv"] * 4, "row": [1, 2, 3, 4], "column": ["Время", None, "Время", None],
        "value": ["x", None, "y", None],
        "reason": ["started_at: not a date", "the call reached no employee (IVR, queue or missed): it counts for "
                   "nobody", "started_at: not a date", None],
        "action": [REJECTED, SKIPPED, REJECTED, NOTED]})
    russian = i18n.importer_issues(issues, "ru")
    assert russian["reason"].to_list() == [
        "«Начало звонка»: это не дата",
        "звонок не дошёл ни до одного сотрудника (голосовое меню, очередь или пропущенный): он ничей",
        "«Начало звонка»: это не дата", None]
    assert russian["action"].to_list() == ["строка отклонена", "строка пропущена", "строка отклонена",
                                           "строка загружена, есть замечание"]
    assert russian.drop("reason", "action").equals(issues.drop("reason", "action"))
    assert i18n.importer_issues(issues, "en").equals(issues)


def test_coded_values_of_records_read_as_words() -> None:
    calls = pl.DataFrame({"direction": ["in", "out", None], "linked_by": ["phone", "lead_id", None],
                          "phone": ["1", "2", "3"]})
    assert i18n.coded_values(calls, "ru").to_dict(as_series=False) == {
        "direction": ["входящий", "исходящий", None], "linked_by": ["телефону", "ID лида", None],
        "phone": ["1", "2", "3"]}


# ---- the screens under AppTest ----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def own_workspace(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SALES_FLOOR_SETTINGS", str(tmp_path / "settings"))
    monkeypatch.setenv("SALES_FLOOR_WORKSPACE", str(tmp_path / "workspace.duckdb"))


def _upload(*names: str) -> list[Upload]:
    return [Upload(name, (REAL / name).read_bytes()) for name in names]


def _plain(markdown: str) -> str:
    """A text the page escaped for Markdown (file contents are never markup), as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_the_data_page_in_russian_says_what_the_importer_found() -> None:
    at = open_screen("data_import", "ru", uploads=_upload("Master.csv", "bitrix_leads.xls"))
    text = " ".join(_plain(m.value) for m in at.markdown)
    # what was inferred, from Master.csv (a headerless Asterisk log)
    assert "«Сотрудник»: внутренний номер (2–5 цифр) звонящего или принявшего звонок из колонок «src», «dst», " \
           "«channel», «dstchannel»; звонок со стороны звонящего — исходящий" in text
    assert "«Телефон»: другой конец звонка (номер, который не внутренний)" in text
    assert "the extension" not in text and "far end" not in text
    # the warning about the Bitrix24 file without a responsible person
    assert [_plain(w.value) for w in at.warning if "ответственного" in w.value] == [
        "bitrix_leads.xls: ни одна колонка не называет ответственного; лиды загружены с сотрудником «не указан» — "
        "источники сравнить можно, людей нельзя"]
    # the issue table of Master.csv: its reasons and actions in Russian, its empty cells empty (never `None`)
    issues = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert set(issues["reason"]) == {
        "звонок не дошёл ни до одного сотрудника (голосовое меню, очередь или пропущенный): он ничей",
        "ещё одно плечо того же звонка: звонок учтён один раз — по отвеченному, самому длинному плечу"}
    assert set(issues["action"]) == {"строка пропущена"}
    assert None not in issues["value"].to_list()


def test_a_file_that_cannot_be_read_is_refused_in_russian() -> None:
    at = open_screen("data_import", "ru", uploads=_upload("amocrm_contacts.csv", "canonical_calls.csv"))
    assert [_plain(e.value) for e in at.error] == [
        "amocrm_contacts.csv: похоже на выгрузку контактов, а не сделок — в amoCRM выгрузите сделки: Сделки → … → "
        "Экспорт (в Битрикс24: CRM → Сделки → Экспорт)"]


def test_the_navigation_sections_and_the_settings_sentences_come_from_i18n() -> None:
    assert list(_pages.navigation("ru")) == ["Анализ", "Данные"]
    assert list(_pages.navigation("en")) == ["Analysis", "Data"]
    assert not hasattr(_pages, "SECTIONS") and not hasattr(_settings, "LOCAL_TEXT")  # one catalogue, not three
    assert _settings.local_text("settings_not_saved", "ru", reason="диск *полон*") == \
        "Не удалось сохранить: диск \\*полон\\*"


def _month_widget(at):
    return next(s for s in at.selectbox if (s.key or "").startswith("diag_month"))


def test_diagnostics_widgets_follow_a_language_switch_and_keep_the_choice() -> None:
    """The browser shows the chosen option of a keyed widget in the old language until the choice is set again
    through Session State: the page must send it again (the proto's `set_value`) in the new words."""
    at = open_screen("chain_diagnostics", "en")
    _month_widget(at).set_value("2026-09").run()
    at.button_group(key="diag_scope").set_value("employee").run()
    at.button_group(key="lang_switch").set_value("ru").run()
    assert not at.exception
    month = _month_widget(at)
    assert month.value == "2026-09" and "сентябрь 2026" in month.options
    assert month.proto.set_value and month.proto.raw_value == "сентябрь 2026"
    scope = at.button_group(key="diag_scope")
    assert scope.value == "employee" and scope.options[2] == "Лидорубы"
    assert scope.proto.set_value and list(scope.proto.raw_values) == ["Лидорубы"]
    at.button_group(key="lang_switch").set_value("en").run()
    assert _month_widget(at).proto.raw_value == "September 2026"
