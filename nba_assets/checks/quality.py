"""A table's declared rules (checks/rules.py) evaluated on its rows, as plain functions over DataFrames.

Every rule yields findings: one row per offending table row (a value out of range, a row breaking a day rule) or
per offending day (a NULL burst, a wrong row count, windows missing games), with the day, the check and rule,
the severity, the row's key (game, player, team), the column and offending value and a detail. The same findings
decide the quarantine (nba_assets.checks.governance), fill the quarantine ledger and become the per-day check
results, so a day's status is the same whether it was built alone or inside a range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import dagster as dg
import numpy as np
import pandas as pd

from nba_assets.checks.rules import WINDOWS_COMPLETE, ColumnRange, NullShare, RowCount, Rule, Scope
from nba_assets.storage.schema import TableSchema

FINDING_COLUMNS = ["game_date", "check_name", "rule", "severity", "game_id", "player_lookup", "team_abbr", "column_name",
                   "offending_value", "detail"]
RAW_COLUMNS = ("raw_file", "raw_row")  # where a finding's row comes from, when the rule knows it
TEAM_COLUMNS = ("team_abbr", "defending_team_abbr")
EXAMPLES = 10


def no_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "game_date" else "object") for c in FINDING_COLUMNS})


def _keys(table: TableSchema, rows: pd.DataFrame) -> pd.DataFrame:
    """game_id, player_lookup and team of each row, where the table has them."""
    team = next((c for c in TEAM_COLUMNS if c in rows), None)
    return pd.DataFrame({
        "game_date": pd.to_datetime(rows[table.date_column]).to_numpy(),
        "game_id": rows["game_id"].to_numpy() if "game_id" in rows else None,
        "player_lookup": rows["player_lookup"].to_numpy() if "player_lookup" in rows else None,
        "team_abbr": rows[team].to_numpy() if team else None,
    })


def _findings(keys: pd.DataFrame, rule, **values) -> pd.DataFrame:
    out = keys.assign(check_name=rule.check, rule=rule.name, severity=rule.severity.value, **values)
    for column in FINDING_COLUMNS:
        if column not in out:
            out[column] = None
    return out[FINDING_COLUMNS].astype({c: "object" for c in FINDING_COLUMNS if c != "game_date"})


def _in_scope(rows: pd.DataFrame, scope: Scope | None) -> pd.DataFrame:
    if scope is None:
        return rows
    return rows[scope.select(rows).fillna(False).astype(bool).to_numpy()]


def _value_text(values: pd.Series) -> list[str]:
    return [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in values]


def range_findings(table: TableSchema, rows: pd.DataFrame, rule: ColumnRange) -> pd.DataFrame:
    """One finding per row whose value lies outside the rule's range."""
    scoped = _in_scope(rows, rule.scope)
    values = pd.to_numeric(scoped[rule.column], errors="coerce")
    outside = values.notna() & ((values < rule.low) | (values > rule.high))
    if not outside.any():
        return no_findings()
    bad = scoped[outside.to_numpy()]
    return _findings(_keys(table, bad), rule, column_name=rule.column, offending_value=_value_text(values[outside]),
                     detail=f"outside {rule.low:g}..{rule.high:g}")


def null_share_findings(table: TableSchema, rows: pd.DataFrame, rule: NullShare) -> pd.DataFrame:
    """One finding per day on which the rule's column is NULL more often than allowed."""
    scoped = _in_scope(rows, rule.scope)
    if scoped.empty:
        return no_findings()
    missing = scoped[rule.column].isna()
    share = missing.groupby(pd.to_datetime(scoped[table.date_column])).mean()
    burst_days = share.index[share > rule.max_share + 1e-12]
    if not len(burst_days):
        return no_findings()
    found = []
    for day in burst_days:
        day_rows = scoped[(pd.to_datetime(scoped[table.date_column]) == day).to_numpy()]
        nulls = day_rows[day_rows[rule.column].isna().to_numpy()]
        examples = ", ".join("/".join(str(v) for v in key) for key in nulls[list(table.key)].head(EXAMPLES).itertuples(index=False))
        found.append(_findings(_keys(table, nulls.head(1)), rule, column_name=rule.column,
                               offending_value=f"{share[day]:.1%} NULL",
                               detail=f"{len(nulls)} of {len(day_rows)} rows NULL (at most {rule.max_share:.0%} allowed), "
                                      f"e.g. {examples}"))
    return pd.concat(found, ignore_index=True)


def row_count_findings(table: TableSchema, rows: pd.DataFrame, rule: RowCount, expected: Mapping[pd.Timestamp, int],
                       days: Iterable[pd.Timestamp]) -> pd.DataFrame:
    """One finding per day whose row count differs from the expected one."""
    counts = pd.to_datetime(rows[table.date_column]).value_counts() if len(rows) else pd.Series(dtype=int)
    wrong = [(day, int(counts.get(day, 0)), int(expected.get(day, 0))) for day in days
             if int(counts.get(day, 0)) != int(expected.get(day, 0))]
    if not wrong:
        return no_findings()
    keys = pd.DataFrame({"game_date": [day for day, _, _ in wrong], "game_id": None, "player_lookup": None, "team_abbr": None})
    return _findings(keys, rule, column_name=None, offending_value=[f"{found} rows" for _, found, _ in wrong],
                     detail=[f"{found} rows, expected {want} ({rule.expected_from})" for _, found, want in wrong])


def rule_findings(table: TableSchema, rule: Rule, failing: pd.DataFrame) -> pd.DataFrame:
    """One finding per row that breaks a day rule. Columns named like the findings' (game_id, player_lookup,
    team_abbr, column_name, offending_value, detail, raw_file, raw_row) are taken as they are, a `rule` column
    names the part of the rule the row breaks (`<rule>: <part>`); the row's other columns are added to the detail."""
    if failing.empty:
        return no_findings()
    failing = failing.reset_index(drop=True)
    known = {"game_date", "game_id", "player_lookup", "team_abbr", "column_name", "offending_value", "detail", "rule",
             *RAW_COLUMNS}
    keys = pd.DataFrame({"game_date": pd.to_datetime(failing["game_date"]).to_numpy(),
                         **{c: failing[c].to_numpy() if c in failing else None for c in ("game_id", "player_lookup", "team_abbr")}})
    shown = [c for c in failing.columns if c not in known]
    details = [", ".join(f"{c}={failing.at[i, c]}" for c in shown) for i in range(len(failing))]
    if "detail" in failing:
        details = ["; ".join(str(part) for part in (given, extra) if part and pd.notna(part))
                   for given, extra in zip(failing["detail"], details)]
    found = _findings(keys, rule, detail=details,
                      **{c: failing[c].astype(object).to_numpy() for c in ("column_name", "offending_value") if c in failing})
    if "rule" in failing:
        found["rule"] = [f"{rule.name}: {part}" for part in failing["rule"]]
    if "raw_file" in failing:
        found["raw_file"] = failing["raw_file"].astype(object).to_numpy()
    if "raw_row" in failing:
        found["raw_row"] = pd.array(failing["raw_row"], dtype="Int64")
    return found


def window_findings(table: TableSchema, rows: pd.DataFrame) -> pd.DataFrame:
    """One finding per day with rows whose window misses scheduled team games (windows_complete)."""
    found = []
    for window in table.windows:
        stale = rows[~rows[window.complete].astype(bool).to_numpy()]
        for day, day_rows in stale.groupby(pd.to_datetime(stale[table.date_column])):
            first = day_rows.iloc[0]
            gap = (f"{first[window.scheduled] - first[window.with_data]} of {first[window.scheduled]} scheduled team games "
                   "missing" if window.counts else "an input window misses scheduled team games")
            found.append(_findings(_keys(table, day_rows.head(1)), _WindowRule(window), column_name=window.complete,
                                   offending_value=f"{len(day_rows)} rows",
                                   detail=f"{len(day_rows)} of the day's rows built from an incomplete window ({window.description}); "
                                          f"e.g. {gap}"))
    return pd.concat(found, ignore_index=True) if found else no_findings()


class _WindowRule:
    check = WINDOWS_COMPLETE

    def __init__(self, window):
        self.name, self.severity = f"{window.complete} ({window.description})", window.severity


def evaluate(table: TableSchema, rows: pd.DataFrame, days: list[pd.Timestamp],
             expected_rows: Mapping[pd.Timestamp, int] | None = None,
             failing_rows: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every finding of the table's declared rules on `rows` (the days of one window). expected_rows: {day: count}
    for its RowCount rule; failing_rows: {rule check name: rows breaking it} for its day rules."""
    failing_rows = failing_rows or {}
    found = [window_findings(table, rows)]
    # row counts last: a wrong count is usually the consequence of a row rule's finding, which names the key
    for rule in sorted(table.rules, key=lambda rule: isinstance(rule, RowCount)):
        if isinstance(rule, (ColumnRange, NullShare)) and rule.column not in rows:
            continue  # only in hand-made frames: a table's rows always hold its declared columns
        if isinstance(rule, ColumnRange):
            found.append(range_findings(table, rows, rule))
        elif isinstance(rule, NullShare):
            found.append(null_share_findings(table, rows, rule))
        elif isinstance(rule, RowCount):
            if expected_rows is None:
                raise ValueError(f"{table.qualified_name}: declares {rule.name!r} but its asset passed no expected row counts")
            found.append(row_count_findings(table, rows, rule, expected_rows, days))
        else:
            if rule.check not in failing_rows:
                raise ValueError(f"{table.qualified_name}: declares rule {rule.check!r} but its asset passed no rows for it")
            found.append(rule_findings(table, rule, failing_rows[rule.check]))
    found = [f for f in found if len(f)]
    if not found:
        return no_findings()
    return pd.concat(found, ignore_index=True)


def day_results(findings: pd.DataFrame, checks: Iterable[str], days: Iterable[pd.Timestamp]
                ) -> dict[str, dict[pd.Timestamp, tuple[bool, dg.AssetCheckSeverity, dict]]]:
    """check -> {day: (passed, severity, metadata)} for the days with findings; every other day passed."""
    results: dict[str, dict] = {check: {} for check in checks}
    wanted = set(days)
    for (check, day), rows in findings.groupby(["check_name", "game_date"], sort=True):
        if day not in wanted:
            continue
        severity = dg.AssetCheckSeverity.ERROR if (rows["severity"] == "ERROR").any() else dg.AssetCheckSeverity.WARN
        results[check][day] = (False, severity, finding_metadata(rows))
    return results


def finding_metadata(rows: pd.DataFrame) -> dict:
    columns = ["rule", "game_id", "player_lookup", "team_abbr", "column_name", "offending_value", "detail",
               *(c for c in RAW_COLUMNS if c in rows)]
    shown = rows[columns].dropna(axis=1, how="all")
    return {"findings": len(rows), "rules_failed": dg.MetadataValue.json(rows["rule"].value_counts().to_dict()),
            "examples": dg.MetadataValue.md(shown.head(EXAMPLES).to_markdown(index=False))}
