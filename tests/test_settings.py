"""Settings files: checked on load entry by entry, one clear error when they cannot be saved."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analytics import settings
from analytics.plans import DailyPlan


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(settings.SETTINGS_ENV, str(tmp_path / "settings"))
    return tmp_path / "settings"


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(text, encoding="utf-8")


def test_round_trip(folder: Path) -> None:
    settings.save("person_aliases", {"205 (Иванов)": "Иванов Иван"})
    assert settings.load("person_aliases", {}) == {"205 (Иванов)": "Иванов Иван"}
    assert settings.settings_dir() == folder
    assert settings.problems() == []


def test_nothing_saved_gives_the_default_quietly(folder: Path) -> None:
    assert settings.read("plans", {"x": 1}) == ({"x": 1}, [])


def test_bad_entries_are_dropped_and_reported(folder: Path) -> None:
    write(folder, "plans", json.dumps({
        "*": {"calls_60s": [80, 100], "meetings_scheduled": [3, 5], "meetings_held": [3, 3]},
        "Иванов Иван": {"calls_60s": ["много", 100]},  # not a number
        "Петров": {"calls_60s": [1, 2, 3]},  # not a pair
        "Сидоров": "eighty",  # not a plan at all
        "Соколов": {"meetings_held": [2, 4]},
    }))
    value, problems = settings.read("plans", {})
    assert value == {"*": {"calls_60s": [80.0, 100.0], "meetings_scheduled": [3.0, 5.0], "meetings_held": [3.0, 3.0]},
                     "Соколов": {"meetings_held": [2.0, 4.0]}}
    assert len(problems) == 3
    assert all(p.startswith(str(folder / "plans.json")) for p in problems)
    assert any("Иванов Иван.calls_60s.0" in p for p in problems)
    # The pages build plans from what is left, without a traceback.
    assert DailyPlan.from_dict(value["Соколов"]).meetings_held == (2.0, 4.0)
    assert len(settings.problems()) == 3


def test_wrong_types_everywhere(folder: Path) -> None:
    write(folder, "working_days", "[0, 1, 7, \"2\", true, 4]")
    write(folder, "person_aliases", json.dumps({"a": "b", "c": 5, "d": None}))
    write(folder, "stage_steps", json.dumps({"stage": {"Встреча": "held", "Оплата": "money"}, "x": []}))
    write(folder, "mappings", json.dumps({"sig": {"employee": "Менеджер", "phone": None}, "bad": {"x": 1}}))
    write(folder, "ad_spend", json.dumps([{"month": "2026-10", "source": "Google", "spend": 100},
                                          {"month": 202610, "source": "Yandex", "spend": 5},
                                          {"month": "2026-11", "source": "Google", "spend": "a lot"}]))
    assert settings.load("working_days", [0]) == [0, 1, 4]
    assert settings.load("person_aliases", {}) == {"a": "b"}
    assert settings.load("stage_steps", {}) == {}  # one bad step drops that column's entry
    assert settings.load("mappings", {}) == {"sig": {"employee": "Менеджер", "phone": None}}
    assert settings.load("ad_spend", []) == [{"month": "2026-10", "source": "Google", "spend": 100.0}]
    assert len(settings.problems()) == 3 + 2 + 2 + 1 + 2


def test_a_file_of_the_wrong_shape_gives_the_default(folder: Path) -> None:
    write(folder, "source_aliases", "[1, 2]")
    write(folder, "plans", "{not json")
    assert settings.read("source_aliases", {}) == ({}, [f"{folder / 'source_aliases.json'}: expected an object, "
                                                        "found list; the defaults are used"])
    value, problems = settings.read("plans", {})
    assert value == {} and len(problems) == 1 and "cannot be read" in problems[0]


def test_an_undeclared_name_is_loaded_as_saved(folder: Path) -> None:
    settings.save("something_new", {"k": [1, "x"]})
    assert settings.load("something_new", None) == {"k": [1, "x"]}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(folder: Path) -> None:
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        with pytest.raises(settings.SettingsError, match=r"could not be saved to .*settings"):
            settings.save("plans", {})
    finally:
        folder.chmod(0o700)


def test_unwritable_location(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(settings.SETTINGS_ENV, str(blocker / "settings"))  # a folder inside a file cannot exist
    with pytest.raises(settings.SettingsError) as caught:
        settings.save("plans", {"*": {}})
    message = str(caught.value)
    assert message.startswith(f"The settings could not be saved to {blocker / 'settings'}: ")
    assert "SALES_FLOOR_SETTINGS" in message and "\n" not in message


def test_a_failed_write_leaves_no_temporary_file(folder: Path, monkeypatch) -> None:
    settings.save("plans", {"*": {"meetings_held": [1, 1]}})

    def refuse(self, target):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(settings.SettingsError, match="Read-only file system"):
        settings.save("plans", {})
    assert sorted(p.name for p in folder.iterdir()) == ["plans.json"]
    assert settings.load("plans", {}) == {"*": {"meetings_held": [1.0, 1.0]}}  # the old file is intact
