"""The quarantine ledger: why a table's day is not published.

A day that breaks an ERROR rule in a table (or whose same-day input is unpublished) is left out of that table, and
each reason is a ledger row: the table, the day, the rule, the offending row's key, column and value, and the raw
file and row it came from when known. The ledger is written with the table's rows, in the same transaction on
DuckDB, and replaced per (table, window) like them: rebuilding a day replaces its reasons, and a healed day has none.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_assets.storage.schema import DATE, INT64, STRING, TIMESTAMP, TableSchema, col

QUARANTINE = TableSchema(
    dataset="nba_quality",
    name="quarantine",
    date_column="game_date",
    key=("table_name", "game_date", "finding"),
    description="Why a table's day is not published: one row per offending row or day of an ERROR rule, and one per "
    "unpublished same-day input. Replaced per (table, window) whenever the table's days are rebuilt.",
    columns=(
        col("table_name", STRING, "the quarantined table, dataset.table", nullable=False),
        col("game_date", DATE, "the quarantined day", nullable=False),
        col("finding", INT64, "1, 2, ... within the table and day", nullable=False),
        col("check_name", STRING, "the Dagster check that failed for the day", nullable=False),
        col("rule", STRING, "the declared rule, or 'upstream <table> unpublished'", nullable=False),
        col("severity", STRING, "ERROR: only error rules quarantine a day", nullable=False),
        col("game_id", STRING),
        col("player_lookup", STRING),
        col("team_abbr", STRING),
        col("column_name", STRING, "the ruled column"),
        col("offending_value", STRING, "the value as stored in the table"),
        col("detail", STRING, "what the rule expected, or the upstream table's own reason"),
        col("raw_file", STRING, "the raw file (or table) the offending row comes from"),
        col("raw_row", INT64, "its row in that file, 1 = the first data row"),
        col("run_id", STRING, "the Dagster run that quarantined the day", nullable=False),
        col("recorded_at", TIMESTAMP, "UTC", nullable=False),
    ),
)


def ledger_rows(table: TableSchema, findings: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """The ledger rows of `findings` (those of the quarantined days), numbered within each day."""
    if findings.empty:
        return QUARANTINE.empty()
    rows = findings.sort_values(["game_date"], kind="stable").reset_index(drop=True)
    for column in ("raw_file", "raw_row"):
        if column not in rows:
            rows[column] = None
    rows["raw_row"] = pd.array(rows["raw_row"], dtype="Int64")
    rows = rows.assign(table_name=table.qualified_name, finding=rows.groupby("game_date").cumcount() + 1, run_id=run_id,
                       recorded_at=pd.Timestamp(dt.datetime.now(dt.UTC)).tz_localize(None))
    return QUARANTINE.conform(rows[QUARANTINE.column_names])


def describe(row) -> str:
    """One ledger row as a reason: `table: rule = value (key); detail`, or `table: upstream X unpublished (why)`."""
    table = row.table_name.split(".")[-1]
    if row.check_name == "inputs_published":
        return f"{table}: {row.rule} ({row.detail})"
    key = ", ".join(f"{name} {value}" for name, value in (("game", row.game_id), ("player", row.player_lookup),
                                                           ("team", row.team_abbr)) if pd.notna(value))
    value = f" = {row.offending_value}" if pd.notna(row.offending_value) else ""
    detail = f"; {row.detail}" if pd.notna(row.detail) and pd.isna(row.column_name) else ""
    return f"{table}: {row.rule}{value}{f' ({key})' if key else ''}{detail}"


def _raw_source(row) -> str:
    if pd.isna(row.raw_file):
        return ""
    return f"{row.raw_file}" + (f" row {int(row.raw_row)}" if pd.notna(row.raw_row) else "")


def format_quarantine(ledger: pd.DataFrame, shown: int = 40) -> str:
    """What a run quarantined, for the end of `nba-assets backfill`: each day's own findings (table, day, key, rule,
    offending value, raw file and row), then the days left out because a same-day input was."""
    own = ledger[ledger["check_name"] != "inputs_published"].sort_values(["game_date", "table_name", "finding"])
    upstream = ledger[ledger["check_name"] == "inputs_published"]
    days = sorted(ledger["game_date"].dt.strftime("%Y-%m-%d").unique())
    table_days = ledger[["table_name", "game_date"]].drop_duplicates()
    lines = [f"QUARANTINED: {len(table_days)} table-day(s) on {len(days)} day(s) were not published "
             f"({', '.join(days[:8])}{' ...' if len(days) > 8 else ''}); every other day of the range was.",
             "  rules broken:"]
    for row in own.head(shown).itertuples():
        key = ", ".join(f"{name} {value}" for name, value in (("game", row.game_id), ("player", row.player_lookup),
                                                               ("team", row.team_abbr)) if pd.notna(value)) or "the day"
        value = f" = {row.offending_value}" if pd.notna(row.offending_value) else ""
        column = f" ({row.column_name}{value})" if pd.notna(row.column_name) else value
        raw = _raw_source(row)
        lines.append(f"    {row.game_date.date()}  {row.table_name}  {key}: {row.rule}{column}"
                     + (f"; {row.detail}" if pd.notna(row.detail) else "")
                     + (f"\n        raw: {raw}" if raw else ""))
    if len(own) > shown:
        lines.append(f"    ... {len(own) - shown} more in nba_quality.quarantine")
    if len(upstream):
        lines.append("  left out because a same-day input was not published:")
        for (table, day), rows in upstream.groupby(["table_name", "game_date"], sort=True):
            inputs = ", ".join(rule.removeprefix("upstream ").removesuffix(" unpublished") for rule in rows["rule"])
            lines.append(f"    {day.date()}  {table}  (input: {inputs})")
    return "\n".join(lines)
