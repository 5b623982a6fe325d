"""The yardsticks of bench_import: the employee × month table as a plain script would make it from clean files.

    python tests/benchmarks/yardsticks.py polars|pandas OUT.json CALLS LEADS MEETINGS PAYMENTS

Run as a whole process, like the CLI it is compared with (interpreter start and imports included, as the issue
measured all three): it imports only its own library, writes the table as JSON records to OUT.json, and prints
`{"work_s": …}`, the time after the imports (what a notebook's cell would show).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

TABLES = ("calls", "leads", "meetings", "payments")
KEYS = ["employee", "month"]
COMPARED = ("calls_total", "calls_60s", "minutes_on_line", "leads_new", "leads_target", "leads_nontarget",
            "meetings_scheduled", "meetings_confirmed", "meetings_held", "payments", "revenue")
# The typed columns of the canonical CSVs (SPEC §2): what the analyst knows about the files.
SCHEMAS: dict[str, dict[str, str]] = {
    "calls": {"started_at": "datetime", "employee": "text", "duration_s": "int", "direction": "text",
              "lead_id": "text", "phone": "text", "call_id": "text"},
    "leads": {"lead_id": "text", "created_at": "datetime", "employee": "text", "source": "text", "is_target": "bool",
              "phone": "text"},
    "meetings": {"lead_id": "text", "booked_at": "datetime", "setter": "text", "meeting_at": "datetime",
                 "confirmed": "bool", "confirmed_at": "datetime", "held": "bool", "held_at": "datetime",
                 "hunter": "text", "meeting_id": "text"},
    "payments": {"lead_id": "text", "paid_at": "datetime", "amount": "float"},
}


def plain_polars(paths: dict[str, Path]) -> list[dict[str, Any]]:
    """Employee × month in cohort mode from the typed CSVs: four group_bys and joins, one lazy plan.

    No cleaning, no phone linking: what an analyst writes when the files are known to be clean.
    """
    import polars as pl

    types = {"datetime": pl.Datetime("us"), "text": pl.String(), "int": pl.Int64(), "bool": pl.Boolean(),
             "float": pl.Float64()}
    # Typed columns by name; a column the analyst does not use (e.g. calls.recording) is read as text and dropped.
    scan = {t: pl.scan_csv(paths[t], schema_overrides={c: types[k] for c, k in SCHEMAS[t].items()},
                           infer_schema=False).select(list(SCHEMAS[t])) for t in TABLES}
    month = lambda column: pl.col(column).dt.strftime("%Y-%m").alias("month")  # noqa: E731
    calls = scan["calls"].group_by("employee", month("started_at")).agg(
        pl.len().alias("calls_total"), (pl.col("duration_s") >= 60).sum().alias("calls_60s"),
        (pl.col("duration_s").sum() / 60).alias("minutes_on_line"))
    leads = scan["leads"].group_by("employee", month("created_at")).agg(
        pl.len().alias("leads_new"), (pl.col("is_target") == True).sum().alias("leads_target"),  # noqa: E712
        (pl.col("is_target") == False).sum().alias("leads_nontarget"))  # noqa: E712
    meetings = scan["meetings"].join(scan["leads"].select("lead_id", pl.col("employee").alias("lead_employee")),
                                     on="lead_id", how="left").with_columns(
        pl.coalesce("setter", "lead_employee").alias("employee"), pl.col("held").fill_null(False))
    booked = meetings.group_by("employee", month("booked_at")).agg(
        pl.len().alias("meetings_scheduled"), (pl.col("confirmed").fill_null(False) | pl.col("held")).sum()
        .alias("meetings_confirmed"), pl.col("held").sum().alias("meetings_held"))
    first_held = meetings.filter("held").sort("booked_at").group_by("lead_id").first()
    paid = (scan["payments"].group_by("lead_id").agg(pl.col("amount").fill_null(0).sum())
            .join(first_held, on="lead_id").group_by("employee", month("booked_at"))
            .agg(pl.len().alias("payments"), pl.col("amount").sum().alias("revenue")))
    table = calls
    for part in (leads, booked, paid):
        table = table.join(part, on=KEYS, how="full", coalesce=True)
    return table.with_columns(pl.col(COMPARED).fill_null(0)).sort(KEYS).collect().to_dicts()


def plain_pandas(paths: dict[str, Path]) -> list[dict[str, Any]]:
    """The same table in pandas, as a notebook would compute it."""
    import pandas as pd

    def read(table: str) -> pd.DataFrame:
        schema = SCHEMAS[table]
        dates = [c for c, kind in schema.items() if kind == "datetime"]
        names = {"text": "string", "int": "Int64", "bool": "boolean", "float": "float64"}
        return pd.read_csv(paths[table], dtype={c: names[k] for c, k in schema.items() if c not in dates},
                           parse_dates=dates, usecols=list(schema))

    calls, leads, meetings, payments = (read(t) for t in TABLES)
    calls["month"] = calls["started_at"].dt.strftime("%Y-%m")
    calls["long"] = calls["duration_s"] >= 60
    by_calls = calls.groupby(["employee", "month"]).agg(
        calls_total=("duration_s", "size"), calls_60s=("long", "sum"), minutes_on_line=("duration_s", "sum"))
    by_calls["minutes_on_line"] = by_calls["minutes_on_line"] / 60
    leads["month"] = leads["created_at"].dt.strftime("%Y-%m")
    leads["target"] = leads["is_target"].eq(True).fillna(False)
    leads["nontarget"] = leads["is_target"].eq(False).fillna(False)
    by_leads = leads.groupby(["employee", "month"]).agg(
        leads_new=("lead_id", "size"), leads_target=("target", "sum"), leads_nontarget=("nontarget", "sum"))
    meetings = meetings.merge(leads[["lead_id", "employee"]].rename(columns={"employee": "lead_employee"}),
                              on="lead_id", how="left")
    meetings["employee"] = meetings["setter"].fillna(meetings["lead_employee"])
    meetings["month"] = meetings["booked_at"].dt.strftime("%Y-%m")
    meetings["held"] = meetings["held"].fillna(False).astype(bool)
    meetings["confirmed"] = meetings["confirmed"].fillna(False).astype(bool) | meetings["held"]
    by_meetings = meetings.groupby(["employee", "month"]).agg(
        meetings_scheduled=("lead_id", "size"), meetings_confirmed=("confirmed", "sum"),
        meetings_held=("held", "sum"))
    first_held = meetings[meetings["held"]].sort_values("booked_at").groupby("lead_id").first().reset_index()
    per_lead = payments.assign(amount=payments["amount"].fillna(0)).groupby("lead_id", as_index=False)["amount"].sum()
    by_paid = per_lead.merge(first_held[["lead_id", "employee", "month"]], on="lead_id").groupby(
        ["employee", "month"]).agg(payments=("lead_id", "size"), revenue=("amount", "sum"))
    table = by_calls.join([by_leads, by_meetings, by_paid], how="outer").fillna(0).reset_index()
    return [{k: (float(v) if k in COMPARED else str(v)) for k, v in row.items() if k in (*KEYS, *COMPARED)}
            for row in table.to_dict("records")]


def main(argv: list[str]) -> None:
    tool, output, *files = argv
    paths = {table: Path(path) for table, path in zip(TABLES, files, strict=True)}
    script = {"polars": plain_polars, "pandas": plain_pandas}[tool]
    if tool == "pandas":
        import pandas  # noqa: F401
    else:
        import polars  # noqa: F401
    started = time.perf_counter()
    rows = script(paths)
    work = time.perf_counter() - started
    Path(output).write_text(json.dumps(rows, default=str), encoding="utf-8")
    print(json.dumps({"work_s": work}))


if __name__ == "__main__":
    main(sys.argv[1:])
