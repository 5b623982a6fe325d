"""The command line of SPEC §7: `python -m analytics metrics …` and `python -m analytics diagnose …`.

Bad input ends with one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analytics import export, workspace_cli
from analytics.importing.converting import FileImport
from analytics.importing.mapping import CALL_ENDS, FIELDS, REQUIRED, FileKind
from analytics.importing.pipeline import Upload, import_files, provided_tables
from analytics.importing.reading import one_line
from analytics.importing.report import REJECTED, SKIPPED, VALUE_IGNORED
from analytics.metrics import DEFAULT_MIN_CALL_SECONDS, MODES, Filters, compute, without_missing
from analytics.model import Prepared, prepare
from analytics.registry import GROUP_KEYS
from analytics.schema import TABLES

if TYPE_CHECKING:  # the settings (pydantic) and plans (numpy) cost a third of a second: imported where used
    from analytics.settings import Snapshot


class UsageError(Exception):
    """Bad input: the message is printed as is and the exit code is 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def _by(text: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in keys if k not in GROUP_KEYS]
    if unknown:
        raise argparse.ArgumentTypeError(f"cannot group by {', '.join(unknown)}; choose from {', '.join(GROUP_KEYS)}")
    return keys


def _input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, metavar="PATH",
                        help="read a workspace (made by `import`) instead of files, with its saved settings")
    files = parser.add_argument_group("input files (CSV or XLSX, detected from content)")
    files.add_argument("--calls", type=Path, help="the telephony call log")
    files.add_argument("--leads", type=Path, help="the CRM leads/deals export (may carry meetings and payments as "
                       "columns)")
    files.add_argument("--meetings", type=Path, help="a separate meetings table")
    files.add_argument("--payments", type=Path, help="a separate payments table")
    files.add_argument("--map", action="append", default=[], metavar="TABLE.COLUMN=HEADER",
                       help='override a detected column, e.g. calls.duration_s="Длительность разговора"')
    filters = parser.add_argument_group("filters")
    filters.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    filters.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    filters.add_argument("--employee", nargs="+", metavar="NAME")
    filters.add_argument("--source", nargs="+", metavar="NAME")
    filters.add_argument("--hunter", nargs="+", metavar="NAME",
                         help="only these hunters' meetings and payments (calls and leads, no hunter's work, are null)")
    filters.add_argument("--min-call-seconds", type=int, default=DEFAULT_MIN_CALL_SECONDS, metavar="T")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="Lead-generator metrics (SPEC §7).")
    commands = parser.add_subparsers(dest="command", required=True)
    metrics = commands.add_parser("metrics", help="the metrics table for any grouping")
    _input_options(metrics)
    metrics.add_argument("--by", type=_by, default=(), help="comma-separated: employee,source,hunter,day|week|month")
    metrics.add_argument("--mode", choices=MODES, default="cohort")
    metrics.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    metrics.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    diagnose = commands.add_parser("diagnose", help="what dropped month over month and where the chain broke")
    _input_options(diagnose)
    diagnose.add_argument("--month", metavar="YYYY-MM", help="the month to diagnose (default: last complete month)")
    diagnose.add_argument("--threshold", type=float, default=0.15, help="the relative fall that counts as a drop")
    diagnose.add_argument("--format", choices=("json", "text"), default="json")
    diagnose.add_argument("--lang", choices=("ru", "en"), default="ru", help="the language of the text form")
    diagnose.add_argument("-o", "--output", type=Path)
    workspace_cli.add_commands(commands)
    return parser


def _overrides(pairs: Sequence[str], given: dict[FileKind, Path]) -> dict[FileKind, dict[str, str]]:
    """`--map TABLE.COLUMN=HEADER`; a meetings/payments column maps into the leads file when it carries them."""
    result: dict[FileKind, dict[str, str]] = {}
    for pair in pairs:
        target, sep, header = pair.partition("=")
        table, dot, column = target.partition(".")
        if not sep or not dot or table not in FIELDS:
            raise UsageError(f"--map {pair!r}: expected TABLE.COLUMN=HEADER, TABLE one of {', '.join(FIELDS)}")
        kind: FileKind = table  # type: ignore[assignment]
        if kind not in given and column in FIELDS["leads"]:
            kind = "leads"
        if kind not in given:
            raise UsageError(f"--map {pair!r}: no --{table} file was given")
        if column not in FIELDS[kind]:
            raise UsageError(f"--map {pair!r}: {table} has no column {column!r}; "
                             f"known: {', '.join(FIELDS[kind])}")
        result.setdefault(kind, {})[column] = header.strip().strip('"')
    return result


def _nothing_usable(imported: FileImport) -> str | None:
    """One line naming the file and the commonest reason when not one of its rows made it into a table."""
    if imported.imported > 0:
        return None
    lost = imported.issues.filter(pl.col("action").is_in([REJECTED, SKIPPED]))
    if lost.is_empty():
        return f"{imported.name}: no rows to import"
    commonest = lost.group_by("reason").agg(pl.len(), pl.col("row").min()).sort("len", descending=True).row(
        0, named=True)
    what = "rejected" if imported.rejected else "skipped"
    return (f"{imported.name}: nothing usable — all {imported.rows_in_file} rows {what}; the commonest reason "
            f"(first at row {commonest['row']}): {commonest['reason']}")


@dataclass(frozen=True)
class Input:
    """What a command reads: the prepared model, the warnings for the user, the tables the input could fill (the
    metrics of the others are null), and the workspace's settings (None for files, which carry none)."""

    model: Prepared
    warnings: list[str]
    available: frozenset[str]
    settings: Snapshot | None


def load(args: argparse.Namespace) -> Input:
    """Read the workspace or import the files the options name; raise UsageError for anything a person must fix."""
    given: dict[FileKind, Path] = {
        kind: path for kind in ("calls", "leads", "meetings", "payments")
        if (path := getattr(args, kind)) is not None
    }
    if args.workspace is not None:
        if given:
            raise UsageError("give either --workspace or files (--calls, --leads, …), not both; "
                             "add files to a workspace with `import`")
        return _load_workspace(args.workspace)
    if not given:
        raise UsageError("no input: give --workspace, or at least one of --calls, --leads, --meetings, --payments")
    # The files' bytes (as large as the files) are referenced only by this call's argument: they are freed when
    # the import returns, before the model is prepared beside the imported tables (1× benchmark: peak −175 MB).
    bundle = import_files(_read(given, _overrides(args.map, given)))
    if bundle.errors:
        raise UsageError("; ".join(bundle.errors))
    warnings: list[str] = []
    for imported in bundle.files:
        check_usable(imported)
        warnings.extend(imported.warnings)
        if imported.rejected:
            first = imported.issues.filter(pl.col("action") == REJECTED).row(0, named=True)
            warnings.append(
                f"{imported.name}: {imported.rejected} of {imported.rows_in_file} rows rejected "
                f"(first: row {first['row']}, column {first['column']}, {first['reason']})"
            )
        if imported.skipped:
            reasons = imported.issues.filter(pl.col("action") == SKIPPED).group_by("reason").len().sort(
                "len", descending=True)
            warnings.append(f"{imported.name}: {imported.skipped} row(s) skipped — " + "; ".join(
                f"{n}: {reason}" for reason, n in reasons.iter_rows()))
        ignored = imported.issues.filter(pl.col("action") == VALUE_IGNORED).height
        if ignored:
            warnings.append(f"{imported.name}: {ignored} value(s) not understood and left empty")
    available = bundle.available
    missing_tables = sorted(set(TABLES) - available)
    if missing_tables:
        warnings.append(f"no {' / '.join(missing_tables)} data in the input: the metrics that need "
                        f"{'them' if len(missing_tables) > 1 else 'it'} are null")
    model = prepare(bundle.dataset)
    return Input(model, [*warnings, *model.warnings], available, None)


def _read(given: dict[FileKind, Path], overrides: dict[FileKind, dict[str, str]]) -> list[Upload]:
    """The files the options name, each read when it is imported; UsageError (one line) for one that cannot be."""
    uploads = []
    for kind, path in given.items():
        try:
            uploads.append(Upload.of_file(path, kind, overrides.get(kind, {})))
        except OSError as error:
            raise UsageError(f"{path}: cannot read the file ({error.strerror})") from error
    return uploads


def _load_workspace(path: Path) -> Input:
    """A workspace's current records, prepared with its own people merges and source aliases — as the app does."""
    from analytics import settings
    from analytics.workspace import Workspace, WorkspaceBusy  # late: only this path needs DuckDB

    if not path.is_file():
        raise UsageError(f"{path}: no workspace here (a workspace is created by `import --workspace {path}`)")
    workspace = Workspace(path)
    try:
        snap = settings.snapshot(workspace, str(path))
        data = workspace.dataset()
        history = workspace.history()
    except WorkspaceBusy as error:
        raise UsageError(str(error)) from error
    except Exception as error:  # duckdb raises many types; a person needs one line
        raise UsageError(f"{path}: cannot use this workspace file ({one_line(str(error))})") from error
    if not history:
        raise UsageError(f"{path}: the workspace is empty; add files with `import --workspace {path} --calls …`")
    available: set[str] = set()
    for batch in history:
        for file in batch["files"]:
            available |= provided_tables(file["kind"], file.get("mapping") or {})
    model = prepare(data, person_aliases=snap.person_aliases, source_aliases=snap.source_aliases)
    warnings = list(snap.problems)
    missing_tables = sorted(set(TABLES) - available)
    if missing_tables:
        warnings.append(f"no {' / '.join(missing_tables)} data in the workspace: the metrics that need "
                        f"{'them' if len(missing_tables) > 1 else 'it'} are null")
    return Input(model, [*warnings, *model.warnings], frozenset(available), snap)


def check_usable(imported: FileImport) -> None:
    """Raise UsageError (one line) for a file a command cannot use: a required column that neither a header nor a
    stand-in gives, or a file of which nothing usable remains. `metrics`, `diagnose` and `import` all ask this."""
    missing = [f for f in REQUIRED[imported.kind] if imported.mapping.get(f) is None and not _stood_in(imported, f)]
    if missing:
        raise UsageError(f"{imported.name}: cannot tell which column holds {', '.join(missing)}; "
                         f"name it with --map {imported.kind}.{missing[0]}=HEADER")
    if (problem := _nothing_usable(imported)) is not None:
        raise UsageError(problem)


def _stood_in(imported: FileImport, name: str) -> bool:
    """A required field found elsewhere: a call's employee in the ends of the call, a lead's set to "not set"."""
    if imported.kind == "calls" and name == "employee":
        return any(imported.mapping.get(end) for end in CALL_ENDS)
    return imported.kind == "leads" and name == "employee"


def filters_of(args: argparse.Namespace) -> Filters:
    return Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        employees=tuple(args.employee) if args.employee else None,
        sources=tuple(args.source) if args.source else None,
        min_call_seconds=args.min_call_seconds,
        hunters=tuple(args.hunter) if args.hunter else None,
    )


def _write(data: bytes | str, output: Path | None) -> None:
    if output is not None:
        output.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)


def _finite(row: dict[str, object]) -> dict[str, object]:
    """JSON has no NaN or infinity: a number that is not finite is written as null."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


def run_metrics(args: argparse.Namespace) -> None:
    given = load(args)
    warnings = given.warnings
    table = without_missing(compute(given.model, args.by, filters_of(args), args.mode), given.available)
    if args.format == "json":
        rows = [_finite(r) for r in table.to_dicts()]
        _write(json.dumps({"rows": rows, "warnings": warnings}, ensure_ascii=False, indent=2, allow_nan=False)
               + "\n", args.output)
    elif args.format == "csv":
        _write(export.to_csv(table), args.output)
    else:
        _write(export.to_xlsx(table, "metrics"), args.output)
    for warning in warnings if args.format != "json" else ():
        print(f"warning: {warning}", file=sys.stderr)


def run_diagnose(args: argparse.Namespace) -> None:
    from analytics.diagnostics import diagnose, findings_text  # late: only this command needs it
    from analytics.periods import WEEKDAYS
    from analytics.plans import resolve_plans

    given = load(args)
    model, warnings = given.model, given.warnings
    saved_plans = given.settings.plans if given.settings else {}
    weekdays = given.settings.working_days if given.settings else WEEKDAYS
    people = model.leads["employee"].drop_nulls().unique().to_list()
    try:
        report = diagnose(model, filters_of(args), month=args.month, threshold=args.threshold,
                          plans=resolve_plans(saved_plans, people), weekdays=weekdays)
    except ValueError as error:
        raise UsageError(str(error)) from error
    if args.format == "json":
        payload = {**report.to_json(), "warnings": warnings}
        payload["findings"] = [_finite(f) for f in payload["findings"]]
        _write(json.dumps(payload, ensure_ascii=False, indent=2, default=str, allow_nan=False) + "\n", args.output)
    else:
        _write(findings_text(report, args.lang), args.output)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        {"metrics": run_metrics, "diagnose": run_diagnose, **workspace_cli.RUNS}[args.command](args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
