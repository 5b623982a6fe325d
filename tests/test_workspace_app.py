"""The app opens the team's workspace (issue 11, the app half): import and undo on the Data page, a new session
sees the data, links carry the workspace, the CLI gives the same numbers, and memory stays bounded."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.importing.pipeline import Upload
from analytics.workspace import Workspace
from data.generate_demo import CALLS_FILE, DEALS_FILE, DEMO_DIR
from pages._pages import BY_NAME

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
OCTOBER = ("2026-10-01", "2026-10-31")  # "last month" of the demo data
# The demo floor's October, cohort mode, T = 60 s (pinned: test_pages checks the demo against the engine).
DEMO_OCTOBER_HELD = 396


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def workspace_file() -> Path:
    return Path(os.environ["SALES_FLOOR_WORKSPACE"])


def demo_uploads() -> list[Upload]:
    return [Upload(name, (DEMO_DIR / name).read_bytes()) for name in (DEALS_FILE, CALLS_FILE)]


def open_app(page: str = "floor_overview", query: dict[str, str | list[str]] | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "en"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page != "floor_overview" and not at.error:
        at.switch_page(BY_NAME[page].file).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def metric_value(at: AppTest, label: str) -> float:
    text = next(m.value for m in at.metric if m.label == label)
    return float(text.replace(",", "").replace(i18n.NBSP, "").replace(" ", ""))


def cli_metrics(path: Path, *options: str) -> dict:
    """`python -m analytics metrics --workspace PATH …` as a script would run it: the first (total) row."""
    done = subprocess.run([sys.executable, "-m", "analytics", "metrics", "--workspace", str(path),
                           "--from", OCTOBER[0], "--to", OCTOBER[1], *options], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["rows"][0]


def banners(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "Demo data" in i.value]


def import_demo_through_the_data_page() -> AppTest:
    at = open_app("data_import", uploads=demo_uploads())
    assert banners(at) == []  # the session's own files are a preview, not the demo
    button(at, "Import into the workspace").click().run()
    assert not at.exception, at.exception
    return at


# ---- import, a new session, the same numbers as the CLI -------------------------------------------------------

def test_an_import_on_the_data_page_is_seen_by_a_new_session_with_the_cli_numbers() -> None:
    empty = open_app()
    assert len(banners(empty)) == 1  # an empty workspace: the demo, said once
    assert not workspace_file().exists()  # opening the app creates nothing; the first import does

    at = import_demo_through_the_data_page()
    assert [s.value for s in at.success] == ["Imported as batch 1."]
    history = Workspace(workspace_file()).history()
    assert [(f["name"], f["kind"], f["rows_read"]) for f in history[0]["files"]] == [
        (DEALS_FILE, "leads", 9164), (CALLS_FILE, "calls", 93092)]
    assert at.session_state["uploads"] == []  # the preview ended: the page shows the workspace

    colleague = open_app()  # a NEW session: nothing uploaded, the workspace's data at once
    assert banners(colleague) == []
    assert any("Workspace “team”, imports: 1" in c.value for c in colleague.caption)
    held = metric_value(colleague, "Meetings held")
    assert held == DEMO_OCTOBER_HELD == cli_metrics(workspace_file())["meetings_held"]
    assert colleague.query_params["ws"] == "team"  # the link names the workspace


def test_reimporting_the_same_file_says_which_batch_has_it() -> None:
    import_demo_through_the_data_page()
    at = open_app("data_import", uploads=[Upload(CALLS_FILE, (DEMO_DIR / CALLS_FILE).read_bytes())])
    button(at, "Import into the workspace").click().run()
    assert [w.value for w in at.warning if "already imported" in w.value] == [
        f"{CALLS_FILE.replace('.', chr(92) + '.')}: this file was already imported (batch 1); nothing changed."]
    assert at.success == [] or all("Imported as" not in s.value for s in at.success)
    assert [b["batch_id"] for b in Workspace(workspace_file()).history()] == [1]


def test_undo_on_the_data_page_asks_first() -> None:
    Workspace(workspace_file()).import_uploads(demo_uploads())
    at = open_app("data_import")
    assert banners(at) == []
    button(at, "Undo batch 1").click().run()
    assert [w.value for w in at.warning if "Undo batch 1?" in w.value]  # asked, not yet done
    assert len(Workspace(workspace_file()).history()) == 1
    button(at, "Yes, undo batch 1").click().run()
    assert not at.exception, at.exception
    assert Workspace(workspace_file()).history() == []
    assert [s.value for s in at.success] == ["Batch 1 was undone."]
    assert len(banners(at)) == 1  # empty again: the demo, with its banner


def test_an_uploaded_file_not_imported_stays_in_its_session() -> None:
    previewing = open_app("data_import", uploads=[Upload(CALLS_FILE, (DEMO_DIR / CALLS_FILE).read_bytes())])
    assert not previewing.exception
    other = open_app()
    assert len(banners(other)) == 1  # another session still sees the (empty) workspace's demo
    assert not workspace_file().exists()


# ---- links -----------------------------------------------------------------------------------------------------

def test_a_link_with_a_workspace_and_filters_reproduces_the_view() -> None:
    north = workspace_file().with_name("north.duckdb")
    Workspace(north).import_uploads(demo_uploads())
    person = "Петров Иван"
    query = {"ws": "north", "period": "custom", "from": "2026-10-01", "to": "2026-10-31", "emp": [person],
             "mode": "cohort", "t": "60"}
    at = open_app(query=query)
    assert banners(at) == []  # the default workspace is empty; the link's is not
    assert at.sidebar.multiselect(key="f_people").value == [person]
    held = metric_value(at, "Meetings held")
    assert held == cli_metrics(north, "--employee", person)["meetings_held"]
    assert 0 < held < DEMO_OCTOBER_HELD
    assert at.query_params["ws"] == "north" and at.query_params["emp"] in (person, [person])


@pytest.mark.parametrize("stem", ["gone", "../team", "/etc/passwd"])
def test_a_link_to_a_missing_workspace_says_so_and_shows_no_demo(stem: str) -> None:
    Workspace(workspace_file()).import_uploads(demo_uploads())  # there is data on the server, just not this one
    at = open_app(query={"ws": stem})
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "which this server does not have" in errors[0]
    assert banners(at) == [] and list(at.metric) == [] and list(at.title) == []


# ---- the CLI applies the settings the app saved -----------------------------------------------------------------

def test_merges_and_aliases_saved_for_the_app_give_the_same_numbers_in_the_cli() -> None:
    path = workspace_file()
    workspace = Workspace(path)
    workspace.import_uploads(demo_uploads())
    who, merged_into = "Волков Алексей", "Петров Иван"
    before = cli_metrics(path, "--employee", merged_into)["meetings_held"]
    alone = cli_metrics(path, "--employee", who)["meetings_held"]
    google_before = cli_metrics(path, "--employee", merged_into, who, "--source", "Google")
    # What the Data page's "Save" buttons call (pages/_settings.save_setting → Workspace.set_setting).
    workspace.set_setting("person_aliases", {who: merged_into})
    workspace.set_setting("source_aliases", {"yandex": "Google"})
    after_cli = cli_metrics(path, "--employee", merged_into, "--source", "Google")
    at = open_app(query={"period": "custom", "from": OCTOBER[0], "to": OCTOBER[1], "emp": [merged_into],
                         "src": ["Google"]})
    assert who not in at.sidebar.multiselect(key="f_people").options  # merged away in the app too
    assert metric_value(at, "Meetings held") == after_cli["meetings_held"]
    assert metric_value(at, "Revenue") == after_cli["revenue"]
    assert metric_value(at, "Meetings booked") == after_cli["meetings_scheduled"]
    assert after_cli["leads_new"] > google_before["leads_new"]  # the alias moved the "yandex" spelling's leads
    assert cli_metrics(path, "--employee", merged_into)["meetings_held"] == before + alone  # the merge counted


# ---- memory ---------------------------------------------------------------------------------------------------

def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def measure_ten_imports(folder: str) -> dict[str, float | list[float]]:
    """Ten different datasets, each imported into a workspace and opened the way the app opens one (the bounded
    caches of pages/_dataset.py); the resident memory before, and after each."""
    from data.generate_demo import FloorConfig, calls_table, deals_table, generate_floor
    from pages import _dataset

    def dataset_files(seed: int) -> list[Upload]:
        config = FloorConfig(seed=seed, stories=False, start=date(2026, 6, 1), end=date(2026, 10, 31))
        data = generate_floor(config)
        return [Upload(f"deals_{seed}.csv", deals_table(data, config).write_csv().encode()),
                Upload(f"calls_{seed}.csv", calls_table(data, config).write_csv().encode())]

    def open_like_the_app(path: Path) -> None:
        version = Workspace(path).version()
        stored = _dataset.load_stored(str(path), version)
        assert stored is not None
        model = _dataset.load_model(f"{path}:{version}", json.dumps({"people": {}, "sources": {}}), stored.bundle)
        _dataset.load_facts(f"{path}:{version}", "cohort", 60, model)

    gc.collect()
    baseline = _rss_mb()
    rss: list[float] = []
    for seed in range(10):
        path = Path(folder) / f"floor_{seed}.duckdb"
        Workspace(path).import_uploads(dataset_files(100 + seed))
        open_like_the_app(path)
        gc.collect()
        rss.append(_rss_mb())
    return {"baseline": baseline, "rss": rss}


def test_ten_imports_in_one_process_keep_memory_bounded(tmp_path) -> None:
    """Measured in a fresh process, so that what other tests left in this one neither hides nor inflates it."""
    code = ("import json, sys; from tests.test_workspace_app import measure_ten_imports; "
            "print(json.dumps(measure_ten_imports(sys.argv[1])))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    baseline, rss = measured["baseline"], measured["rss"]
    footprint, growth = rss[0] - baseline, rss[-1] - rss[0]
    print(f"RSS baseline {baseline:.0f} MB, after the first dataset {rss[0]:.0f} MB (footprint {footprint:.0f} MB), "
          f"after ten {rss[-1]:.0f} MB (growth {growth:.0f} MB); after each: {[round(r) for r in rss]}")
    assert footprint > 50  # a dataset really was loaded: ~170 MB measured
    assert growth < 1.5 * footprint, rss
    assert rss[-1] - rss[5] < 0.5 * footprint, rss  # the caches are full by then: memory has levelled off


def test_the_workspace_numbers_are_the_imported_ones() -> None:
    """The stored data, read back, are the rows imported (the app's numbers above stand on them)."""
    result = Workspace(workspace_file()).import_uploads(demo_uploads())
    assert result.batch_id == 1
    data = Workspace(workspace_file()).dataset()
    assert data.calls.height == 93092 and data.leads.height == 9164
    assert data.calls.schema["started_at"] == pl.Datetime("us")


# ---- a busy workspace, and the old settings folder -------------------------------------------------------------

def test_a_busy_workspace_says_try_again(monkeypatch) -> None:
    from analytics.workspace import WorkspaceBusy

    def busy(self, files, imported_at=None):
        raise WorkspaceBusy(f"{self.path}: busy with another import for too long; try again")

    monkeypatch.setattr(Workspace, "import_files", busy)
    at = open_app("data_import", uploads=demo_uploads())
    button(at, "Import into the workspace").click().run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning if "busy" in w.value] == [
        "The workspace is busy with another import. Try again in a minute."]
    assert len(at.session_state["uploads"]) == 2  # the files are still there to try again
    assert not workspace_file().exists()


def test_old_json_settings_are_adopted_once_by_an_empty_workspace(tmp_path, monkeypatch) -> None:
    from pages import _dataset

    folder = tmp_path / "old_settings"
    folder.mkdir()
    (folder / "person_aliases.json").write_text(json.dumps({"205 (Петров)": "Петров Иван"}), encoding="utf-8")
    monkeypatch.setenv("SALES_FLOOR_SETTINGS", str(folder))
    fresh, used = Workspace(tmp_path / "fresh.duckdb"), Workspace(tmp_path / "used.duckdb")
    used.set_setting("plans", {})
    assert _dataset.adopt_folder_settings(fresh) == ["person_aliases"]
    assert fresh.get_setting("person_aliases") == {"205 (Петров)": "Петров Иван"}
    fresh.set_setting("person_aliases", {})
    assert _dataset.adopt_folder_settings(fresh) == []  # once: a later change in the app is not overwritten
    assert fresh.get_setting("person_aliases") == {}
    assert _dataset.adopt_folder_settings(used) == []  # a workspace with settings of its own keeps them
    assert used.get_setting("person_aliases") is None


def test_the_history_shows_each_batch_with_its_rejected_rows() -> None:
    deals = (b"ID,Created,Manager,Source,Meeting,Held\n1,2026-10-01,Ann,google,2026-10-02,yes\n"
             b"2,not a date,Bob,site,,no\n3,2026-10-03,Ann,site,,no\n")
    workspace = Workspace(workspace_file())
    workspace.import_uploads([Upload("small.csv", deals)])
    assert workspace.history()[0]["files"][0]["rows_rejected"] == 1
    at = open_app("data_import")
    assert [e.label for e in at.expander] == ["Rejected rows of batch 1: 1"]
    rejected = at.expander[0].dataframe[0].value
    assert list(rejected["row"]) == [3]  # the file's line (the header is line 1)
    assert list(rejected["value"]) == ["not a date"]
    assert [b.label for b in at.button if b.label.startswith("Undo")] == ["Undo batch 1"]


def test_a_save_that_changes_nothing_writes_nothing() -> None:
    """The Plan page saves its working days whenever they differ from what it read: saved into the workspace
    once, the same value saved again must not make a new version (which would reload the data on every run)."""
    at = open_app("plan_attainment")
    at.multiselect(key="working_days").set_value([0, 1, 2]).run()
    assert not at.exception, at.exception
    workspace = Workspace(workspace_file())
    assert workspace.get_setting("working_days") == [0, 1, 2]
    version = workspace.version()
    at.run()
    at.run()
    assert workspace.version() == version
