"""Checks that govern: what a table asset publishes of the days it built, and the per-day check results.

A partitioned table asset starts with `Publication(context, warehouse, TABLE)`, computes only the days its
same-day inputs allow (`keep`), and ends with `yield from publication.publish(frame, Evidence(...))`. On the days
of the run, `publish` evaluates the table's declared rules (checks/rules.py, evaluated by checks/quality.py) and asks whether the same day of every table the asset is
built from is published. A day with an ERROR finding, or with an unpublished same-day input, is quarantined for the
table: its rows are not written (the IO manager replaces the window, so the day ends up without rows), each reason
is a row of the quarantine ledger (checks/ledger.py), written together with the table's rows, and the day is
recorded as a failed partition (instance/unpublished.py). Every other day of the range is published.

Per-day check results use public APIs only. Dagster plans one check record per day of the run (for a check spec
without partitions too) and records a yielded AssetCheckResult without a partition, also in a run of one day. So
every run logs an AssetCheckEvaluation for each day that failed (and each day that was quarantined before and is
published now), then yields one summary result per check: days that passed are not written one by one, because the
event log pays per event (on SQLite about 20 ms each, and a season holds thousands of day-checks;
dagster-io/dagster#17005 is the partitioned-checks request, #19618 the bulk-write one). A day that passed keeps the
run's planned record for it, which Dagster resolves to "skipped" once the run succeeded, so after a rebuild no day
still shows a failure.

Same-day inputs: the instance says whether the input's day is materialized (and not failed), which covers days
that were quarantined and days never built; the ledger says why. An instance that has never recorded the input (a
warehouse built under another instance) leaves the ledger alone to say which days are unpublished.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import dagster as dg
import duckdb
import pandas as pd

from nba_assets.checks import quality
from nba_assets.checks.ledger import QUARANTINE, describe, ledger_rows
from nba_assets.checks.rules import CHECK_DESCRIPTIONS, INPUTS_PUBLISHED, WINDOWS_COMPLETE
from nba_assets.instance.unpublished import mark_unpublished, part_of_backfill
from nba_assets.partitions import game_days
from nba_assets.storage.schema import TableRows, TableSchema
from nba_assets.storage.warehouse import Warehouse

SAME_DAY_INPUTS: dict[dg.AssetKey, tuple[TableSchema, ...]] = {}  # filled by table_asset


@dataclasses.dataclass(frozen=True)
class Evidence:
    """What only the asset knows: expected row counts per day (for a RowCount rule), the rows breaking each day
    rule ({rule check name: rows with game_date and key columns, and raw_file / raw_row when the rule knows them}),
    metadata to show with a check's results (flags that are not failures), and the raw file the table's rows come
    from (a finding of a game and player is traced to its row there)."""

    expected_rows: Mapping[pd.Timestamp, int] | None = None
    failing_rows: Mapping[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    flags: Mapping[str, dict] = dataclasses.field(default_factory=dict)
    raw_file: str | None = None


def check_names(table: TableSchema, same_day_inputs: tuple[TableSchema, ...]) -> list[str]:
    names = list(table.checks)
    if table.windows:
        names.append(WINDOWS_COMPLETE)
    if same_day_inputs:
        names.append(INPUTS_PUBLISHED)
    return names


def check_specs(table: TableSchema, same_day_inputs: tuple[TableSchema, ...]) -> list[dg.AssetCheckSpec]:
    """One per-day check per kind of declared rule, described from the declarations."""
    specs = []
    for name in check_names(table, same_day_inputs):
        rules = table.checks.get(name, [])
        if name == WINDOWS_COMPLETE:
            detail = "; ".join(f"{w.complete}: {w.description}" for w in table.windows)
        elif name == INPUTS_PUBLISHED:
            detail = ", ".join(t.name for t in same_day_inputs)
        else:
            detail = "; ".join(f"{rule.name} ({rule.severity.value.lower()})" for rule in rules)
        description = rules[0].description if len(rules) == 1 and hasattr(rules[0], "description") else CHECK_DESCRIPTIONS[name]
        specs.append(dg.AssetCheckSpec(name, asset=table.asset_key, description=f"{description}: {detail}"))
    return specs


def _days(context: dg.AssetExecutionContext) -> list[pd.Timestamp]:
    return [pd.Timestamp(key) for key in context.partition_keys]


def unpublished_inputs(instance: dg.DagsterInstance, table: TableSchema, days: list[pd.Timestamp],
                       ledger: pd.DataFrame) -> pd.DataFrame:
    """A finding per day and same-day input whose day is not published, with the input's own (root) reason."""
    found = []
    keys = [day.strftime("%Y-%m-%d") for day in days]
    for upstream in SAME_DAY_INPUTS.get(table.asset_key, ()):
        statuses = instance.get_status_by_partition(upstream.asset_key, keys, game_days) or {}
        # an instance that never recorded the input did not build this warehouse: the ledger alone says (asked only
        # when a day is not materialized, which a recorded materialization already answers)
        tracked = (all(statuses.get(key) == dg.AssetPartitionStatus.MATERIALIZED for key in keys)
                   or instance.get_latest_materialization_event(upstream.asset_key) is not None)
        statuses = statuses if tracked else {}
        reasons = ledger[ledger["table_name"] == upstream.qualified_name]
        first_reasons = {row.game_date: row for row in reasons.drop_duplicates("game_date").itertuples()}
        for day, key in zip(days, keys):
            status = statuses.get(key, dg.AssetPartitionStatus.MATERIALIZED if not tracked else None)
            first = first_reasons.get(day)
            if status == dg.AssetPartitionStatus.MATERIALIZED and first is None:
                continue
            if first is not None:
                reason = first.detail if first.check_name == INPUTS_PUBLISHED else describe(first)
            else:
                reason = f"{upstream.name} not materialized" if status is None else f"{upstream.name} {status.value.lower()}"
            found.append({"game_date": day, "check_name": INPUTS_PUBLISHED, "rule": f"upstream {upstream.name} unpublished",
                          "severity": "ERROR", "game_id": None, "player_lookup": None, "team_abbr": None,
                          "column_name": None, "offending_value": None, "detail": reason})
    return pd.DataFrame(found, columns=quality.FINDING_COLUMNS) if found else quality.no_findings()


def raw_rows(location: str, findings: pd.DataFrame) -> pd.DataFrame:
    """raw_file and raw_row of each finding that does not carry them: the raw row of its game and player (1 = the
    file's first data row); raw_row is left empty for findings about a team or a day, and when the source is not
    a file."""
    located = _located(location, findings)
    if "raw_file" in findings:
        given = findings["raw_file"].notna()
        located.loc[given, "raw_file"] = findings.loc[given, "raw_file"]
        located.loc[given, "raw_row"] = pd.array(findings.loc[given, "raw_row"], dtype="Int64")
    return located


def _located(location: str, findings: pd.DataFrame) -> pd.DataFrame:
    out = findings.assign(raw_file=location, raw_row=pd.array([pd.NA] * len(findings), dtype="Int64"))
    players = findings.dropna(subset=["game_id", "player_lookup"])[["game_id", "player_lookup"]].drop_duplicates()
    if players.empty or not location.endswith((".parquet", ".csv")):
        return out
    scan = (f"read_parquet('{location}', file_row_number = true)" if location.endswith(".parquet")
            else f"(SELECT *, row_number() OVER () - 1 AS file_row_number FROM read_csv('{location}', header = true, "
                 "all_varchar = true))")
    conn = duckdb.connect()
    try:
        conn.execute("SET threads = 1")  # CSV rows numbered in file order
        conn.register("wanted", players)
        located = conn.execute(f"SELECT CAST(r.game_id AS VARCHAR) AS game_id, CAST(r.player_lookup AS VARCHAR) AS player_lookup, "
                               f"min(r.file_row_number) + 1 AS raw_row FROM {scan} r JOIN wanted w "
                               "ON CAST(r.game_id AS VARCHAR) = w.game_id AND CAST(r.player_lookup AS VARCHAR) = w.player_lookup "
                               "GROUP BY 1, 2").fetchdf()
    finally:
        conn.close()
    positions = {(g, p): int(r) for g, p, r in located.itertuples(index=False)}
    out["raw_row"] = pd.array([positions.get((g, p)) for g, p in zip(findings["game_id"], findings["player_lookup"])],
                              dtype="Int64")
    return out


class Publication:
    """One table's days in one run: which of them its same-day inputs allow (made when the asset starts, so the
    asset computes only those: `keep`), then what it publishes (`publish`, the end of the asset)."""

    def __init__(self, context: dg.AssetExecutionContext, warehouse: Warehouse, table: TableSchema):
        self.context, self.warehouse, self.table = context, warehouse, table
        self.days = _days(context)
        window = context.partition_time_window
        self.ledger_before = warehouse.read_table(QUARANTINE, window.start.date(), window.end.date())
        self.blocked = unpublished_inputs(context.instance, table, self.days, self.ledger_before)
        self.blocked_days = set(self.blocked["game_date"])

    def keep(self, frame: pd.DataFrame, date_column: str = "game_date") -> pd.DataFrame:
        """The rows of `frame` on days whose same-day inputs are all published."""
        if not self.blocked_days:
            return frame
        return frame[~pd.to_datetime(frame[date_column]).isin(self.blocked_days).to_numpy()]

    def publish(self, frame: pd.DataFrame, evidence: Evidence | None = None, metadata: Mapping | None = None) -> Iterator:
        """Yield the table's Output (the published days' rows and the window's ledger rows), record quarantined days
        as failed partitions, then yield the check results."""
        context, table, days = self.context, self.table, self.days
        evidence = evidence or Evidence()
        findings = quality.evaluate(table, self.keep(frame, table.date_column), days, evidence.expected_rows,
                                    evidence.failing_rows)
        findings = pd.concat([f for f in (findings, self.blocked) if len(f)] or [quality.no_findings()], ignore_index=True)
        errors = findings[findings["severity"] == "ERROR"]
        quarantined = sorted(set(errors["game_date"]))
        published = frame[~pd.to_datetime(frame[table.date_column]).isin(quarantined).to_numpy()] if quarantined else frame
        ledger = ledger_rows(table, errors if evidence.raw_file is None else raw_rows(evidence.raw_file, errors),
                             context.run.run_id)
        yield dg.Output(TableRows(published, ledger), metadata={
            "rows": len(published), **(metadata or {}),
            **({"quarantined_days": dg.MetadataValue.json([d.strftime("%Y-%m-%d") for d in quarantined])} if quarantined else {})})
        if quarantined:
            why = {day.strftime("%Y-%m-%d"): describe(next(ledger[ledger["game_date"] == day].itertuples()))
                   for day in quarantined}
            mark_unpublished(context.instance, table.asset_key, game_days, why, context.run.run_id,
                             part_of_backfill(context.run.tags))
        own_before = self.ledger_before[self.ledger_before["table_name"] == table.qualified_name]
        healed = {check: sorted(set(rows["game_date"]) - set(quarantined)) for check, rows in own_before.groupby("check_name")}
        yield from _check_results(context, table, findings, days, healed, evidence.flags)


def _check_results(context: dg.AssetExecutionContext, table: TableSchema, findings: pd.DataFrame,
                   days: list[pd.Timestamp], healed: Mapping[str, list[pd.Timestamp]], flags: Mapping[str, dict]) -> Iterator:
    names = check_names(table, SAME_DAY_INPUTS.get(table.asset_key, ()))
    results = quality.day_results(findings, names, days)
    for name in names:
        failed = results[name]
        extra = _metadata(flags.get(name, {}))
        for day, (passed, severity, metadata) in failed.items():
            context.log_event(dg.AssetCheckEvaluation(asset_key=table.asset_key, check_name=name, passed=False,
                                                      severity=severity, partition=day.strftime("%Y-%m-%d"), metadata=metadata))
        for day in healed.get(name, []):
            if day not in failed and day in days:
                context.log_event(dg.AssetCheckEvaluation(asset_key=table.asset_key, check_name=name, passed=True,
                                                          partition=day.strftime("%Y-%m-%d"),
                                                          metadata={"healed": "quarantined before, published now"}))
        failed_days = [day.strftime("%Y-%m-%d") for day in failed]
        severity = (dg.AssetCheckSeverity.ERROR if any(s == dg.AssetCheckSeverity.ERROR for _, s, _ in failed.values())
                    else dg.AssetCheckSeverity.WARN)
        yield dg.AssetCheckResult(
            asset_key=table.asset_key, check_name=name, passed=not failed_days, severity=severity,
            description=f"summary of {len(days)} days checked one by one" + (f"; {len(failed_days)} failed" if failed_days else ""),
            metadata={"days_checked": len(days), "days_failed": len(failed_days),
                      "failed_days": dg.MetadataValue.json(failed_days[:100]), **extra})


def _metadata(values: Mapping) -> dict:
    out = {}
    for name, value in values.items():
        if isinstance(value, (dict, list)):
            out[name] = dg.MetadataValue.json(value)
        elif isinstance(value, str) and "\n" in value:
            out[name] = dg.MetadataValue.md(value)
        else:
            out[name] = value
    return out
