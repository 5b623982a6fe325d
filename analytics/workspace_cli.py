"""The workspace commands of the command line: `import`, `history` and `undo` (issue 11).

    python -m analytics import  --workspace PATH [--calls F] [--leads F] [--meetings F] [--payments F] [--map …]
    python -m analytics history --workspace PATH
    python -m analytics undo    --workspace PATH --batch ID

Results are JSON on standard output; anything a person must fix is one line and exit code 2 (`UsageError`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from analytics.importing.mapping import FileKind
from analytics.importing.pipeline import Upload, import_one
from analytics.importing.reading import BadFile

if TYPE_CHECKING:
    from analytics.workspace import Workspace

# DuckDB is imported by the commands that use it, not by `metrics` and `diagnose` over files: it costs half a second.

KINDS: tuple[FileKind, ...] = ("calls", "leads", "meetings", "payments")


def _usage_error(message: str) -> Exception:
    from analytics.cli import UsageError  # late: cli.py imports this module

    return UsageError(message)


def _workspace_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, required=True, metavar="PATH",
                        help="the workspace file (DuckDB); `import` creates it")


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `import`, `history` and `undo`; each parser's `run` default is the function that carries it out.

    `import` declares its own file options: the shared input options of `metrics` require --leads and add
    filters, which mean nothing to an import."""
    command = subparsers.add_parser("import", help="add export files to a workspace: new records are added, "
                                    "changed ones updated, nothing is doubled")
    _workspace_option(command)
    files = command.add_argument_group("files to import (CSV or XLSX, detected from content)")
    files.add_argument("--calls", type=Path, help="a telephony call log")
    files.add_argument("--leads", type=Path, help="a CRM leads/deals export (may carry meetings and payments)")
    files.add_argument("--meetings", type=Path, help="a meetings table")
    files.add_argument("--payments", type=Path, help="a payments table")
    files.add_argument("--map", action="append", default=[], metavar="TABLE.COLUMN=HEADER",
                       help='override a detected column, e.g. calls.duration_s="Длительность разговора"')
    command.set_defaults(run=run_import)

    command = subparsers.add_parser("history", help="the import batches of a workspace, as JSON")
    _workspace_option(command)
    command.set_defaults(run=run_history)

    command = subparsers.add_parser("undo", help="remove one import batch; what it replaced is current again")
    _workspace_option(command)
    command.add_argument("--batch", type=int, required=True, metavar="ID", help="the batch_id shown by `history`")
    command.set_defaults(run=run_undo)


@contextmanager
def _clear_errors(path: Path) -> Iterator[None]:
    """A locked, foreign or damaged workspace file becomes one line for the user, not a traceback."""
    import duckdb

    from analytics.workspace import WorkspaceBusy

    try:
        yield
    except WorkspaceBusy as error:
        raise _usage_error(str(error)) from error
    except OSError as error:  # the lock file beside it cannot be made: a read-only folder, a missing disk
        raise _usage_error(f"{path}: cannot use this workspace file ({error.strerror or error})") from error
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise _usage_error(f"{path}: cannot use this workspace file ({first})") from error


def _existing(path: Path) -> Workspace:
    from analytics.workspace import Workspace

    if not path.is_file():
        raise _usage_error(f"{path}: no workspace here (a workspace is created by `import --workspace {path}`)")
    return Workspace(path)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def run_import(args: argparse.Namespace) -> None:
    from analytics.cli import _overrides, check_usable  # late: cli.py imports this module; one parser of --map and
    # one test of a usable file for all commands

    given: dict[FileKind, Path] = {kind: path for kind in KINDS if (path := getattr(args, kind)) is not None}
    if not given:
        raise _usage_error("import: name at least one file with --calls, --leads, --meetings or --payments")
    overrides = _overrides(args.map, given)
    uploads = []
    for kind, path in given.items():
        try:
            uploads.append(Upload.of_file(path, kind, overrides.get(kind, {})))  # the worker reads it from disk
        except OSError as error:
            raise _usage_error(f"{path}: cannot read the file ({error.strerror})") from error
    from analytics.importing.limits import run_limited
    from analytics.workspace import Incoming, Workspace

    workspace = Workspace(args.workspace)
    with _clear_errors(args.workspace):
        memory = workspace.memory()  # the mappings and stage steps confirmed before, in the app or here
        incoming = []
        for upload in uploads:
            try:
                # Each file is read in the limited child, as the app reads uploads; this process only stores.
                imported = run_limited(import_one, upload, memory, name=upload.name)
            except BadFile as error:
                raise _usage_error(str(error)) from error
            check_usable(imported)
            incoming.append(Incoming.of(imported, upload.content_digest))
        result = workspace.import_files(incoming)
    _print_json({
        "batch_id": result.batch_id,
        "files": [{"name": outcome.name, "kind": outcome.kind, "batch_id": outcome.batch_id,
                   "already_imported": outcome.already_imported, "rows_read": file.rows_read,
                   "rows_imported": file.rows_imported, "rows_skipped": file.rows_skipped,
                   "rows_rejected": file.rows_rejected}
                  for outcome, file in zip(result.files, incoming, strict=True)],
        "rows": result.rows,
    })
    for file in incoming:
        if file.rows_rejected:
            first = file.issues.filter(pl.col("action") == "row rejected").row(0, named=True)
            print(f"warning: {file.name}: {file.rows_rejected} of {file.rows_read} rows rejected (first: row "
                  f"{first['row']}, column {first['column']}, {first['reason']}); see `history`", file=sys.stderr)


def run_history(args: argparse.Namespace) -> None:
    workspace = _existing(args.workspace)
    with _clear_errors(args.workspace):
        _print_json(workspace.history())


def run_undo(args: argparse.Namespace) -> None:
    workspace = _existing(args.workspace)
    with _clear_errors(args.workspace):
        try:
            workspace.undo(args.batch)
        except KeyError as error:
            raise _usage_error(f"{args.workspace}: there is no batch {args.batch}; `history` lists them") from error
    _print_json({"undone": args.batch})


# Command name → the function that runs it, for the dispatch in `analytics.cli.main`.
RUNS: dict[str, Callable[[argparse.Namespace], None]] = {"import": run_import, "history": run_history,
                                                         "undo": run_undo}
