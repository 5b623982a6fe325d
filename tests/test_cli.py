"""The command line of SPEC §7, in-process: real files in, JSON/CSV/XLSX out, exit 2 with one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fastexcel
import pytest

from analytics.cli import main
from analytics.registry import METRIC_KEYS
from data.generate_demo import CALLS_FILE, DEALS_FILE, DEMO_DIR

ROOT = Path(__file__).resolve().parent.parent
LEADS = (
    "ID;Ответственный;Дата создания сделки;utm_source;Квалификация;Мобильный телефон;Дата встречи;"
    "Встреча подтверждена;Встреча проведена;Дата оплаты;Сумма оплаты\n"
    "1;Анна;01.10.2026 10:00;google;Целевой;+7 (900) 000-00-01;03.10.2026 12:00;Да;Да;10.10.2026;1 000,00\n"
    "2;Анна;02.10.2026 11:00;яндекс;Нецелевой;+7 (900) 000-00-02;04.10.2026 12:00;Нет;Нет;;\n"
    "3;Борис;03.10.2026 12:00;google;Целевой;+7 (900) 000-00-03;;;;;\n"
)
CALLS = (
    "Дата и время;Сотрудник;Номер клиента;Длительность разговора\n"
    "01.10.2026 09:50:00;Анна;89000000001;00:01:00\n"
    "02.10.2026 10:50:00;Анна;89000000002;00:00:59\n"
    "03.10.2026 11:50:00;Борис;89000000003;00:05:00\n"
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    leads, calls = tmp_path / "leads.csv", tmp_path / "calls.csv"
    leads.write_bytes(LEADS.encode("cp1251"))
    calls.write_text(CALLS, encoding="utf-8")
    return {"leads": leads, "calls": calls}


def run_json(capsys, *args: str) -> dict:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_metrics_json_by_employee(files, capsys) -> None:
    out = run_json(capsys, "metrics", "--calls", str(files["calls"]), "--leads", str(files["leads"]),
                   "--by", "employee")
    assert out["warnings"] == []
    rows = {r["employee"]: r for r in out["rows"]}
    assert list(rows) == ["Анна", "Борис"]  # sorted by the group keys
    assert list(rows["Анна"]) == ["employee", *METRIC_KEYS]
    anna = rows["Анна"]
    assert (anna["calls_total"], anna["calls_60s"], anna["leads_new"], anna["leads_target"]) == (2, 1, 2, 1)
    assert (anna["meetings_scheduled"], anna["meetings_confirmed"], anna["meetings_held"]) == (2, 1, 1)
    assert (anna["payments"], anna["revenue"]) == (1, 1000.0)
    assert anna["conv_scheduled_to_held"] == 0.5 and anna["conv_held_to_paid"] == 1.0
    assert rows["Борис"]["conv_scheduled_to_confirmed"] is None  # zero denominator → null
    assert rows["Борис"]["minutes_on_line"] == 5.0


def test_filters_mode_and_grouping(files, capsys) -> None:
    base = ["metrics", "--calls", str(files["calls"]), "--leads", str(files["leads"])]
    out = run_json(capsys, *base, "--by", "source,day", "--from", "2026-10-02", "--to", "2026-10-02")
    assert [(r["source"], r["day"]) for r in out["rows"]] == [("Yandex", "2026-10-02")]
    out = run_json(capsys, *base, "--employee", "Борис", "--min-call-seconds", "301")
    assert out["rows"][0]["calls_60s"] == 0 and out["rows"][0]["calls_total"] == 1
    out = run_json(capsys, *base, "--mode", "event", "--by", "week")
    assert [r["week"] for r in out["rows"]] == ["2026-W40", "2026-W41"]  # payment on Oct 10 lands in week 41
    assert out["rows"][1]["payments"] == 1
    out = run_json(capsys, *base, "--source", "Google", "--by", "month")
    assert out["rows"][0]["leads_new"] == 2


def test_csv_and_xlsx_outputs(files, tmp_path, capsys) -> None:
    base = ["metrics", "--calls", str(files["calls"]), "--leads", str(files["leads"]), "--by", "employee"]
    assert main([*base, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(["employee", *METRIC_KEYS]) and lines[1].startswith("Анна,1,2,")
    target = tmp_path / "out.xlsx"
    assert main([*base, "--format", "xlsx", "-o", str(target)]) == 0
    sheet = fastexcel.read_excel(target.read_bytes()).load_sheet(0).to_polars()
    assert sheet["employee"].to_list() == ["Анна", "Борис"] and sheet["meetings_held"].to_list() == [1, 0]


def test_map_overrides_a_column(files, capsys) -> None:
    base = ["metrics", "--calls", str(files["calls"]), "--leads", str(files["leads"])]
    # Silly, but it must win — and 89 000 000 001 seconds is no call: every row is rejected, nothing usable: exit 2.
    assert main([*base, "--map", "calls.duration_s=Номер клиента"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "calls.csv: nothing usable — all 3 rows rejected" in error
    assert "longer than 24 hours" in error
    out = run_json(capsys, *base, "--map", "meetings.held=Встреча подтверждена")  # a leads-file column
    assert out["rows"][0]["meetings_held"] == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--leads", "missing.csv"], "missing.csv: cannot read the file"),
        (["--leads", "{calls}"], "cannot tell which column holds lead_id"),
        (["--leads", "{leads}", "--map", "calls.duration_s=x"], "no --calls file was given"),
        (["--leads", "{leads}", "--map", "leads.nonsense=x"], "has no column 'nonsense'"),
        (["--leads", "{leads}", "--map", "oops"], "expected TABLE.COLUMN=HEADER"),
        (["--leads", "{leads}", "--map", "leads.employee=Нет такой"], "no column named 'Нет такой'"),
        (["--leads", "{pdf}"], "this is a PDF document, not a table"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(files, tmp_path, capsys, extra, message) -> None:
    pdf = tmp_path / "report.csv"
    pdf.write_bytes(b"%PDF-1.4")
    args = [a.format(calls=files["calls"], leads=files["leads"], pdf=pdf) for a in extra]
    assert main(["metrics", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("args", [["--by", "salesperson"], ["--from", "27.11.2026"], ["--mode", "daily"]])
def test_bad_options_exit_2(files, capsys, args) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["metrics", "--leads", str(files["leads"]), *args])
    assert exit_.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_diagnose_json_and_text(capsys) -> None:
    demo = ["--calls", str(DEMO_DIR / CALLS_FILE), "--leads", str(DEMO_DIR / DEALS_FILE)]
    out = run_json(capsys, "diagnose", *demo)
    assert out["month"] == "2026-10"
    first = out["findings"][0]
    assert {"scope", "who", "situation", "metric", "current", "previous", "severity", "message_ru",
            "message_en"} <= set(first)
    assert first["severity"] == "high"
    assert any(f["who"] == "Соколов Дмитрий" and f["metric"] == "conv_scheduled_to_confirmed"
               for f in out["findings"])
    assert main(["diagnose", *demo, "--format", "text", "--lang", "en", "--month", "2026-09"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Diagnostics for 2026-09 (compared with 2026-08)")
    assert main(["diagnose", *demo, "--month", "2027-01"]) == 2
    assert "no data in 2027-01" in capsys.readouterr().err


def test_no_findings_is_a_valid_answer(files, capsys) -> None:
    out = run_json(capsys, "diagnose", "--calls", str(files["calls"]), "--leads", str(files["leads"]),
                   "--month", "2026-10")
    assert out["month"] == "2026-10" and isinstance(out["findings"], list)


def test_python_dash_m_entry_point(files) -> None:
    done = subprocess.run([sys.executable, "-m", "analytics", "metrics", "--leads", str(files["leads"])],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and json.loads(done.stdout)["rows"][0]["leads_new"] == 3
    done = subprocess.run([sys.executable, "-m", "analytics", "metrics", "--leads", "nope.csv"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("error: nope.csv")
