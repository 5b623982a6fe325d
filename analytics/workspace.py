"""The team's workspace: imported data, its import history and the settings, kept in one embedded DuckDB file.

Imports add, never duplicate. Every record has a natural key (`_key`, the MD5 of the key columns: stable across
versions of DuckDB and Polars); a batch stores only the records that are new or differ from the current version,
and marks the version it replaces as superseded (`_until` = the batch). The current data is then a plain filtered
scan (`_until IS NULL`), and `undo` restores the state before a batch by deleting its rows and reviving what it
superseded. Deals files are snapshots: a deal (the lead with the meetings and payments derived from its row) is
one versioned unit keyed by its lead_id, compared by a fingerprint (`_fp`) of all its rows.

DuckDB allows one writer process, so every operation opens a short-lived connection under a `flock` on
`<file>.lock`: exclusive for writers, shared for readers (`<file>.lock.gate` keeps readers from starving a
writer). Each import is one transaction, so a reader sees a batch whole or not at all.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from analytics import schema
from analytics.importing.converting import ISSUE_SCHEMA, FileImport
from analytics.importing.pipeline import Memory, Upload, import_one
from analytics.spend import SPEND_SCHEMA

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]  # DuckDB hands results over as Arrow tables

# Setting names shared with the app (the same names as the settings files had).
MAPPINGS, STAGE_STEPS = "mappings", "stage_steps"
PERSON_ALIASES, SOURCE_ALIASES = "person_aliases", "source_aliases"
PLANS, WORKING_DAYS, AD_SPEND = "plans", "working_days", "ad_spend"

LOCK_TIMEOUT_S = 120.0
_NULL, _SEP, _ROWS, _PARTS = "chr(30)", "chr(31)", "chr(28)", "chr(29)"
_SQL_TYPES = {pl.Datetime("us"): "TIMESTAMP", pl.String(): "VARCHAR", pl.Int64(): "BIGINT",
              pl.Boolean(): "BOOLEAN", pl.Float64(): "DOUBLE"}
_SCHEMAS: dict[str, pl.Schema] = {**{t.name: t.schema for t in schema.TABLE_BY_NAME.values()}, "spend": SPEND_SCHEMA}
_ISSUE_COLUMNS = tuple(ISSUE_SCHEMA.names())
_BOOKKEEPING = "_key, _fp, _batch, _until, _row, _origin"  # after the canonical columns of every stored table


class WorkspaceBusy(RuntimeError):
    """Another writer held the workspace for longer than the timeout."""


@dataclass(frozen=True)
class _Stream:
    """Records versioned together: `head` holds one row per key version; deal streams carry derived rows too."""

    name: str
    head: str
    key_sql: str
    keep_last: bool  # within one batch, which of two rows with the same key counts (as the model would keep)
    origin: str = "file"
    members: tuple[str, ...] = ()  # tables whose rows belong to the head row's version (a deal's meetings)


def _text(columns: Sequence[str]) -> str:
    """SQL: the values as one string, nulls distinct from empty text, for keys and fingerprints."""
    parts = ", ".join(f'coalesce(CAST("{c}" AS VARCHAR), {_NULL})' for c in columns)
    return f"concat_ws({_SEP}, {parts})"


_STREAMS: tuple[_Stream, ...] = (
    _Stream("calls", "calls", f"CASE WHEN call_id IS NOT NULL THEN md5_number('id' || {_SEP} || call_id) "
            f"ELSE md5_number({_text(('started_at', 'employee', 'phone', 'duration_s'))}) END", keep_last=False),
    _Stream("deals", "leads", "md5_number(lead_id)", keep_last=True, origin="deal", members=("meetings", "payments")),
    _Stream("meetings", "meetings", f"CASE WHEN meeting_id IS NOT NULL THEN md5_number('id' || {_SEP} || meeting_id) "
            f"ELSE md5_number({_text(('lead_id', 'booked_at'))}) END", keep_last=False),
    _Stream("payments", "payments", f"md5_number({_text(('lead_id', 'paid_at', 'amount'))})", keep_last=False),
    _Stream("spend", "spend", f"md5_number({_text(('month', 'source'))})", keep_last=True),
)
_DEAL_KEY = "md5_number(lead_id)"


@dataclass(frozen=True)
class Incoming:
    """One file to store: its canonical tables and what the history must say about it."""

    name: str
    content_digest: str
    format: str
    kind: str
    tables: Mapping[str, pl.DataFrame]
    rows_read: int
    rows_imported: int
    rows_rejected: int
    rows_skipped: int = 0
    mapping: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))

    @classmethod
    def of(cls, imported: FileImport, content_digest: str) -> Incoming:
        """From the importer's result (`skipped` and `warnings` are read when the importer has them)."""
        tables: dict[str, pl.DataFrame] = {name: frame for name, frame in imported.tables.items()}
        return cls(imported.name, content_digest, imported.format, imported.kind, tables,
                   imported.rows_in_file, imported.imported, imported.rejected,
                   int(getattr(imported, "skipped", 0) or 0), dict(imported.mapping),
                   tuple(str(w) for w in getattr(imported, "warnings", ()) or ()), imported.issues)

    @classmethod
    def spend(cls, frame: pl.DataFrame, name: str, content_digest: str) -> Incoming:
        """A cleaned ad-spend table (`analytics.spend.read_spend`) as a batch of its own."""
        return cls(name, content_digest, "spend", "spend", {"spend": frame}, frame.height, frame.height, 0)


@dataclass(frozen=True)
class FileOutcome:
    name: str
    kind: str
    content_digest: str
    batch_id: int  # the batch now holding this file's content
    already_imported: bool  # the same content of the same kind was imported before: nothing was added


@dataclass(frozen=True)
class ImportResult:
    batch_id: int | None  # None when every file had been imported before (nothing changed)
    files: tuple[FileOutcome, ...]
    rows: dict[str, dict[str, int]]  # stream → new / updated / unchanged


_DDL = [
    "CREATE TABLE IF NOT EXISTS meta (name VARCHAR, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS batches (batch_id INTEGER, imported_at TIMESTAMP, rows VARCHAR)",
    "CREATE TABLE IF NOT EXISTS batch_files (batch_id INTEGER, position INTEGER, name VARCHAR, "
    "content_digest VARCHAR, format VARCHAR, kind VARCHAR, rows_read BIGINT, rows_imported BIGINT, "
    "rows_skipped BIGINT, rows_rejected BIGINT, mapping VARCHAR, warnings VARCHAR)",
    "CREATE TABLE IF NOT EXISTS issues (batch_id INTEGER, position INTEGER, file VARCHAR, row BIGINT, "
    '"column" VARCHAR, value VARCHAR, reason VARCHAR, action VARCHAR)',
    # A record a batch contained unchanged: not stored again, but remembered so that undoing the batch that
    # stored it hands the record to this one instead of losing it.
    "CREATE TABLE IF NOT EXISTS unchanged (batch_id INTEGER, stream VARCHAR, _key UHUGEINT, version_batch INTEGER, "
    "_row BIGINT)",
    "CREATE TABLE IF NOT EXISTS settings (name VARCHAR, value VARCHAR, saved_at TIMESTAMP)",
    *(
        f"CREATE TABLE IF NOT EXISTS {name} ("
        + ", ".join(f'"{c}" {_SQL_TYPES[t]}' for c, t in columns.items())
        + ", _key UHUGEINT, _fp UHUGEINT, _batch INTEGER, _until INTEGER, _row BIGINT, _origin VARCHAR)"
        for name, columns in _SCHEMAS.items()
    ),
]


def _columns(table: str, prefix: str = "") -> str:
    qualifier = f"{prefix}." if prefix else ""
    return ", ".join(f'{qualifier}"{c}"' for c in _SCHEMAS[table].names())


class Workspace:
    """One workspace file. Cheap to create: every call opens and closes its own connection."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.gate_path = self.path.with_name(self.path.name + ".lock.gate")

    # ---- connections -------------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, exclusive: bool, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Writers exclude everyone; readers exclude writers only. Released when the descriptors close.

        A writer first takes the gate, which readers pass through only for an instant: from then on no new
        reader starts, so a steady stream of readers (the sessions of a server) cannot starve an import.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        gate = os.open(self.gate_path, os.O_RDWR | os.O_CREAT, 0o666)
        data = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            deadline = time.monotonic() + timeout_s
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            self._acquire(gate, mode, deadline)
            self._acquire(data, mode, deadline)
            if not exclusive:
                fcntl.flock(gate, fcntl.LOCK_UN)
            yield
        finally:
            os.close(data)
            os.close(gate)

    def _acquire(self, descriptor: int, mode: int, deadline: float) -> None:
        while True:
            try:
                fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WorkspaceBusy(f"{self.path}: busy with another import for too long; try again") from None
                time.sleep(0.005)

    @staticmethod
    def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Retry briefly: a process that does not take our lock (a backup, a DuckDB shell) may hold the file."""
        for attempt in range(50):
            try:
                connection = duckdb.connect(str(path), read_only=read_only)
                # No progress bar: DuckDB would draw one on the command line's stderr during a big import.
                connection.execute("SET enable_progress_bar = false")
                return connection
            except duckdb.IOException:
                if attempt == 49:
                    raise
                time.sleep(0.1)
        raise AssertionError("unreachable")

    @contextmanager
    def _writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An exclusive connection inside one transaction: committed on success, rolled back on any error."""
        with self._locked(exclusive=True):
            connection = self._connect(self.path, read_only=False)
            try:
                connection.begin()
                try:
                    _initialise(connection)
                    yield connection
                    connection.commit()
                except BaseException:
                    connection.rollback()
                    raise
            finally:
                connection.close()

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection, or None while the workspace has never been written."""
        with self._locked(exclusive=False):
            if not self.path.exists():
                yield None
                return
            connection = self._connect(self.path, read_only=True)
            try:
                yield connection
            finally:
                connection.close()

    # ---- reading -----------------------------------------------------------------------------------------

    def version(self) -> str:
        """Changes with every import, undo and settings save: the key the app caches loaded data by."""
        with self._reader() as connection:
            if connection is None:
                return "empty"
            meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
        return f"{meta['workspace_id']}:{meta['generation']}"

    def dataset(self) -> schema.Dataset:
        """The current version of every record, DuckDB → Arrow → Polars."""
        with self._reader() as connection:
            if connection is None:
                return schema.Dataset.from_frames()
            frames = {name: _current(connection, name) for name in schema.TABLES}
        return schema.Dataset(**frames)

    def spend(self) -> pl.DataFrame:
        """The current ad spend per month and source."""
        with self._reader() as connection:
            return pl.DataFrame(schema=SPEND_SCHEMA) if connection is None else _current(connection, "spend")

    def is_empty(self) -> bool:
        with self._reader() as connection:
            return connection is None or connection.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 0

    def history(self) -> list[dict[str, Any]]:
        """Every batch still in the workspace, oldest first, with its files and what it changed (JSON-ready)."""
        with self._reader() as connection:
            if connection is None:
                return []
            batches = connection.execute("SELECT batch_id, imported_at, rows FROM batches ORDER BY batch_id").fetchall()
            files = connection.execute(
                "SELECT batch_id, name, content_digest, format, kind, rows_read, rows_imported, rows_skipped, "
                "rows_rejected, mapping, warnings FROM batch_files ORDER BY batch_id, position").fetchall()
        by_batch: dict[int, list[dict[str, Any]]] = {}
        for (batch_id, name, digest, fmt, kind, read, imported, skipped, rejected, mapping, warnings) in files:
            by_batch.setdefault(batch_id, []).append({
                "name": name, "content_digest": digest, "format": fmt, "kind": kind, "rows_read": read,
                "rows_imported": imported, "rows_skipped": skipped, "rows_rejected": rejected,
                "mapping": json.loads(mapping), "warnings": json.loads(warnings),
            })
        return [{"batch_id": batch_id, "imported_at": imported_at.isoformat(timespec="seconds"),
                 "files": by_batch.get(batch_id, []), "rows": json.loads(rows)}
                for batch_id, imported_at, rows in batches]

    def issues(self, batch_id: int) -> pl.DataFrame:
        """The rejected rows and values left empty of one batch, as the import report showed them."""
        with self._reader() as connection:
            if connection is None:
                return pl.DataFrame(schema=ISSUE_SCHEMA)
            table = connection.sql(
                f'SELECT {", ".join(chr(34) + c + chr(34) for c in _ISSUE_COLUMNS)} FROM issues '
                "WHERE batch_id = $batch ORDER BY position, row, \"column\"", params={"batch": batch_id}
            ).to_arrow_table()
        return _frame(table, ISSUE_SCHEMA)

    def get_setting(self, name: str, default: Any = None) -> Any:
        with self._reader() as connection:
            if connection is None:
                return default
            rows = connection.execute("SELECT value FROM settings WHERE name = ?", [name]).fetchall()
        return json.loads(rows[0][0]) if rows else default

    def memory(self) -> Memory:
        """The confirmed mappings and stage steps, for importing the next file the way the last one was."""
        return Memory(self.get_setting(MAPPINGS, {}), self.get_setting(STAGE_STEPS, {}))

    # ---- writing -----------------------------------------------------------------------------------------

    def set_setting(self, name: str, value: Any) -> None:
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        with self._writer() as connection:
            _run(connection, "DELETE FROM settings WHERE name = ?", [name])
            _run(connection, "INSERT INTO settings VALUES (?, ?, ?)", [name, encoded, datetime.now()])
            _bump(connection)

    def import_uploads(self, uploads: Sequence[Upload]) -> ImportResult:
        """Read, convert and store files with the workspace's remembered mappings; BadFile propagates."""
        memory = self.memory()
        return self.import_files([Incoming.of(import_one(u, memory), u.content_digest) for u in uploads])

    def import_files(self, files: Sequence[Incoming], imported_at: datetime | None = None) -> ImportResult:
        """Store files as one batch, in one transaction. A file whose content (same digest and kind) is already
        in the workspace is skipped and reported with the batch that has it; with nothing new, no batch."""
        with self._writer() as connection:
            known = {(d, k): b for d, k, b in connection.execute(
                "SELECT content_digest, kind, min(batch_id) FROM batch_files GROUP BY ALL").fetchall()}
            batch_id = int(_meta(connection, "next_batch"))
            fresh: list[Incoming] = []
            outcomes: list[FileOutcome] = []
            for file in files:
                earlier = known.get((file.content_digest, file.kind))
                outcomes.append(FileOutcome(file.name, file.kind, file.content_digest,
                                            batch_id if earlier is None else earlier, earlier is not None))
                if earlier is None:
                    known[(file.content_digest, file.kind)] = batch_id
                    fresh.append(file)
            if not fresh:
                return ImportResult(None, tuple(outcomes), {})
            rows = _store_batch(connection, batch_id, fresh)
            _run(connection, "INSERT INTO batches VALUES (?, ?, ?)",
                               [batch_id, imported_at or datetime.now(), json.dumps(rows)])
            _set_meta(connection, "next_batch", str(batch_id + 1))
            _bump(connection)
        return ImportResult(batch_id, tuple(outcomes), rows)

    def undo(self, batch_id: int) -> None:
        """Remove a batch: its records go, the versions it replaced are current again. Raises KeyError if absent."""
        with self._writer() as connection:
            if connection.execute("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]).fetchall()[0][0] == 0:
                raise KeyError(batch_id)
            for stream in _STREAMS:
                _undo_stream(connection, stream, batch_id)
            for table in ("unchanged", "batches", "batch_files", "issues"):
                _run(connection, f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
            _bump(connection)


# ---- internals ---------------------------------------------------------------------------------------------

def _run(connection: duckdb.DuckDBPyConnection, statement: str, parameters: Sequence[Any] | None = None) -> None:
    """Execute and drain: DuckDB refuses the next statement while a result (even a row count) is pending."""
    connection.execute(statement, parameters).fetchall()


def _initialise(connection: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing; a column the canonical schema gained since the file was made is added (empty)."""
    for statement in _DDL:
        _run(connection, statement)
    existing = connection.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
                                  "AND NOT internal").fetchall()
    for table, columns in _SCHEMAS.items():
        for name, dtype in columns.items():
            if (table, name) not in existing:
                _run(connection, f'ALTER TABLE {table} ADD COLUMN "{name}" {_SQL_TYPES[dtype]}')
    if connection.execute("SELECT count(*) FROM meta").fetchall()[0][0] == 0:
        for name, value in (("workspace_id", uuid.uuid4().hex[:12]), ("generation", "0"), ("next_batch", "1"),
                            ("schema", "1")):
            _run(connection, "INSERT INTO meta VALUES (?, ?)", [name, value])


def _meta(connection: duckdb.DuckDBPyConnection, name: str) -> str:
    return connection.execute("SELECT value FROM meta WHERE name = ?", [name]).fetchall()[0][0]


def _set_meta(connection: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    _run(connection, "UPDATE meta SET value = ? WHERE name = ?", [value, name])


def _bump(connection: duckdb.DuckDBPyConnection) -> None:
    _set_meta(connection, "generation", str(int(_meta(connection, "generation")) + 1))


def _current(connection: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """The current rows in import order. Calls keep their stored order: sorting millions of them would cost a
    third of the load, and their order changes no number (each key occurs once)."""
    order = "" if table == "calls" else " ORDER BY _batch, _origin, _row"
    arrow = connection.sql(f"SELECT {_columns(table)} FROM {table} WHERE _until IS NULL{order}").to_arrow_table()
    return _frame(arrow, _SCHEMAS[table])


def _frame(arrow: pa.Table, frame_schema: pl.Schema) -> pl.DataFrame:
    """Arrow to Polars without copying the columns, in the canonical dtypes (a no-op when they already match)."""
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(dict(frame_schema))  # type: ignore[arg-type]


def _stacked(files: Sequence[Incoming], table: str, derived: bool) -> pl.DataFrame:
    """One table of every file in the batch, in file order, numbered: from deals files or from the others."""
    frames = [f.tables[table] for f in files if table in f.tables and (f.kind == "leads") == derived]
    if not frames:
        return pl.DataFrame(schema=_SCHEMAS[table]).with_row_index("_row")
    return pl.concat([f.select(_SCHEMAS[table].names()) for f in frames]).cast(
        dict(_SCHEMAS[table])).with_row_index("_row")  # type: ignore[arg-type]


def _store_batch(connection: duckdb.DuckDBPyConnection, batch_id: int,
                 files: Sequence[Incoming]) -> dict[str, dict[str, int]]:
    for position, file in enumerate(files):
        _run(connection,
            "INSERT INTO batch_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch_id, position, file.name, file.content_digest, file.format, file.kind, file.rows_read,
             file.rows_imported, file.rows_skipped, file.rows_rejected,
             json.dumps(dict(file.mapping), ensure_ascii=False), json.dumps(list(file.warnings), ensure_ascii=False)])
        if file.issues.height:
            issues = file.issues.select(_ISSUE_COLUMNS).cast(dict(ISSUE_SCHEMA))  # type: ignore[arg-type]
            connection.register("incoming_issues", issues)
            _run(connection, f"INSERT INTO issues SELECT {batch_id}, {position}, * FROM incoming_issues")
            connection.unregister("incoming_issues")
    rows: dict[str, dict[str, int]] = {}
    for stream in _STREAMS:
        head = _stacked(files, stream.head, derived=stream.origin == "deal")
        if head.height:
            members = {t: _stacked(files, t, derived=True) for t in stream.members}
            rows[stream.name] = _store_stream(connection, stream, batch_id, head, members)
    return rows


def _keep_one_per_key(connection: duckdb.DuckDBPyConnection, keep_last: bool) -> None:
    """Within one batch a key counts once (as the model would keep it); the check is cheaper than the window."""
    total, distinct = connection.execute("SELECT count(*), count(DISTINCT _key) FROM stage").fetchall()[0]
    if total != distinct:
        _run(connection, "DELETE FROM stage WHERE _row IN (SELECT _row FROM stage QUALIFY row_number() OVER ("
                         f"PARTITION BY _key ORDER BY _row {'DESC' if keep_last else 'ASC'}) > 1)")


def _store_stream(connection: duckdb.DuckDBPyConnection, stream: _Stream, batch_id: int, head: pl.DataFrame,
                  members: Mapping[str, pl.DataFrame]) -> dict[str, int]:
    """Add the new and changed records of one stream; supersede what they replace; note the unchanged ones."""
    columns, names = _columns(stream.head), _SCHEMAS[stream.head].names()
    connection.register("incoming", head)
    _run(connection, f"CREATE OR REPLACE TEMP TABLE stage AS SELECT {columns}, {stream.key_sql} AS _key, "
                     "NULL::UHUGEINT AS _fp, _row FROM incoming")
    _keep_one_per_key(connection, stream.keep_last)
    if stream.members:
        # A deal is one record: its fingerprint covers the lead row and every meeting and payment derived from it.
        for table, frame in members.items():
            connection.register(f"incoming_{table}", frame)
        derived = " ".join(
            f"LEFT JOIN (SELECT {_DEAL_KEY} AS _key, string_agg({_text(_SCHEMAS[t].names())}, {_ROWS} "
            f"ORDER BY {_text(_SCHEMAS[t].names())}) AS _{t} FROM incoming_{t} GROUP BY ALL) d_{t} "
            f"ON d_{t}._key = stage._key" for t in stream.members)
        parts = ", ".join([_text(names), *(f"coalesce(_{t}, '')" for t in stream.members)])
        _run(connection, f"UPDATE stage SET _fp = d._fp FROM (SELECT stage._key, md5_number(concat_ws({_PARTS}, "
                         f"{parts})) AS _fp FROM stage {derived}) d WHERE stage._key = d._key")
        same = "c._fp = s._fp"
        current = "_key, _fp, _batch"
    else:
        same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM c."{c}"' for c in names)
        current = f"_key, _batch, {columns}"
    origin = f"'{stream.origin}'"
    _run(connection,
         f"CREATE OR REPLACE TEMP TABLE compared AS SELECT s._key, s._row, c._batch AS current_batch, "
         f"c._key IS NOT NULL AS existed, coalesce(c._key IS NOT NULL AND {same}, false) AS same "
         f"FROM stage s LEFT JOIN (SELECT {current} FROM {stream.head} WHERE _until IS NULL "
         f"AND _origin = {origin} AND _key IN (SELECT _key FROM stage)) c ON c._key = s._key")
    _run(connection, f"INSERT INTO unchanged SELECT {batch_id}, '{stream.name}', _key, current_batch, _row "
                     "FROM compared WHERE same")
    for table in (stream.head, *stream.members):
        _run(connection, f"UPDATE {table} SET _until = {batch_id} WHERE _until IS NULL AND _origin = {origin} "
                         "AND _key IN (SELECT _key FROM compared WHERE existed AND NOT same)")
    _run(connection,
         f"INSERT INTO {stream.head} ({columns}, {_BOOKKEEPING}) SELECT {_columns(stream.head, 'stage')}, "
         f"stage._key, stage._fp, {batch_id}, NULL, stage._row, {origin} FROM stage "
         "ANTI JOIN (SELECT _key FROM compared WHERE same) u ON u._key = stage._key")
    for table in stream.members:
        _run(connection,
             f"INSERT INTO {table} ({_columns(table)}, {_BOOKKEEPING}) SELECT {_columns(table)}, {_DEAL_KEY}, NULL, "
             f"{batch_id}, NULL, _row, {origin} FROM incoming_{table} "
             f"WHERE {_DEAL_KEY} IN (SELECT _key FROM compared WHERE NOT same)")
        connection.unregister(f"incoming_{table}")
    connection.unregister("incoming")
    new, updated, unchanged = connection.execute(
        "SELECT count(*) FILTER (NOT existed), count(*) FILTER (existed AND NOT same), count(*) FILTER (same) "
        "FROM compared").fetchall()[0]
    return {"new": new, "updated": updated, "unchanged": unchanged}


def _undo_stream(connection: duckdb.DuckDBPyConnection, stream: _Stream, batch_id: int) -> None:
    """Delete a batch's versions of one stream and revive the ones they replaced.

    A record the batch stored that a later batch contained unchanged is handed to the earliest such batch, as if
    this batch had never been: that later batch would have stored it.
    """
    origin = f"'{stream.origin}'"
    _run(connection,
        f"CREATE OR REPLACE TEMP TABLE gone AS SELECT g._key, g._until, h.later, h.later_row FROM "
        f"(SELECT _key, _until FROM {stream.head} WHERE _batch = {batch_id} AND _origin = {origin}) g LEFT JOIN "
        f"(SELECT _key, min(batch_id) AS later, arg_min(_row, batch_id) AS later_row FROM unchanged "
        f"WHERE stream = '{stream.name}' AND version_batch = {batch_id} GROUP BY _key) h USING (_key)")
    for table in (stream.head, *stream.members):
        # What this batch had replaced is replaced now by what replaced this batch's version (or by nothing).
        _run(connection,
            f"UPDATE {table} SET _until = coalesce(gone.later, gone._until) FROM gone "
            f"WHERE {table}._key = gone._key AND {table}._until = {batch_id} AND {table}._origin = {origin}")
        _run(connection,
            f"UPDATE {table} SET _batch = gone.later"
            + (", _row = gone.later_row" if table == stream.head else "")
            + f" FROM gone WHERE {table}._key = gone._key AND gone.later IS NOT NULL "
            f"AND {table}._batch = {batch_id} AND {table}._origin = {origin}")
        _run(connection, f"DELETE FROM {table} WHERE _batch = {batch_id} AND _origin = {origin}")
    _run(connection,
        f"UPDATE unchanged SET version_batch = gone.later FROM gone WHERE unchanged.stream = '{stream.name}' "
        f"AND unchanged._key = gone._key AND unchanged.version_batch = {batch_id} AND gone.later IS NOT NULL")
    _run(connection, f"DELETE FROM unchanged WHERE stream = '{stream.name}' AND batch_id = version_batch")
