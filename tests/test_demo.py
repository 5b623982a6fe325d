"""The demo floor: deterministic, imports cleanly, and tells the stories of data/README.md."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from analytics.importing.pipeline import Upload, import_files
from analytics.metrics import compute
from analytics.model import prepare
from data.generate_demo import (
    CALLS_FILE,
    DEALS_FILE,
    DEMO_DIR,
    SPEND_FILE,
    FloorConfig,
    generate_floor,
    write_demo,
)


@pytest.fixture(scope="module")
def demo_bundle():
    uploads = [Upload(name, (DEMO_DIR / name).read_bytes()) for name in (DEALS_FILE, CALLS_FILE)]
    return import_files(uploads)


def test_generator_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    for name in (DEALS_FILE, CALLS_FILE, SPEND_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_committed_demo_files_are_the_generator_output(tmp_path: Path) -> None:
    write_demo(tmp_path)
    for name in (DEALS_FILE, CALLS_FILE, SPEND_FILE):
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), "rerun python -m data.generate_demo"


def test_demo_imports_with_no_rejected_rows(demo_bundle) -> None:
    assert demo_bundle.errors == ()
    kinds = {f.name: f.kind for f in demo_bundle.files}
    assert kinds == {DEALS_FILE: "leads", CALLS_FILE: "calls"}
    for imported in demo_bundle.files:
        assert imported.rejected == 0, imported.issues.head()
        assert imported.issues.is_empty()
        assert imported.imported == imported.rows_in_file


def test_row_counts_match_what_the_generator_wrote(demo_bundle) -> None:
    floor = generate_floor(FloorConfig())
    for table in ("calls", "leads", "meetings", "payments"):
        assert demo_bundle.dataset.table(table).height == floor.table(table).height, table


def test_imported_demo_gives_the_generator_numbers(demo_bundle) -> None:
    """Import is lossless: the same metrics from the files as from the generator's own frames."""
    from_files = compute(prepare(demo_bundle.dataset), ["employee", "month"])
    from_frames = compute(prepare(generate_floor(FloorConfig())), ["employee", "month"])
    assert from_files.equals(from_frames)


def test_calls_link_to_leads_by_phone(demo_bundle) -> None:
    model = prepare(demo_bundle.dataset)
    linked = model.calls.filter(pl.col("linked_by") == "phone").height
    # every lead had a call when it was created and when its meeting was booked
    assert linked == demo_bundle.dataset.leads.height + demo_bundle.dataset.meetings.height
