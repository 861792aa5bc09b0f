"""Per-day check results for every partition an asset run materializes.

A run of one partition key yields an AssetCheckResult, which Dagster attributes to that partition. A range
run (even of one day) evaluates a check once, with no partition, and the per-partition check records
planned for the run would stay unresolved: there we log one AssetCheckEvaluation per partition key, then
yield the run's summary (every check of an asset must yield a result). A day's check status is therefore the same whether
it was built alone or inside a range.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import dagster as dg
import pandas as pd

from nba_assets.checks.quality import ROW_COUNTS, ROW_RULES, evaluate_by_day, row_count
from nba_assets.storage.schema import TableSchema

DAILY_CHECK_DESCRIPTIONS = {
    "values_in_range": "every value of the ruled columns inside its range (feature-contract ranges for the feature store)",
    "null_rates": "no ruled column more often NULL on a day than it may be",
    "key_unique": "one row per key",
    ROW_COUNTS: "as many rows as the schedule, box scores or the upstream table imply",
}


def daily_check_specs(table: TableSchema, with_row_counts: bool) -> list[dg.AssetCheckSpec]:
    names = [*ROW_RULES, *([ROW_COUNTS] if with_row_counts else [])]
    return [dg.AssetCheckSpec(name, asset=table.asset_key, description=DAILY_CHECK_DESCRIPTIONS[name]) for name in names]


def _metadata_value(value):
    if isinstance(value, (dict, list)):
        return dg.MetadataValue.json(value)
    if isinstance(value, str) and "\n" in value:
        return dg.MetadataValue.md(value)
    return value


def check_results(context: dg.AssetExecutionContext, table: TableSchema, check_name: str,
                  results: Mapping[pd.Timestamp, tuple[bool, dict]],
                  severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> Iterator[dg.AssetCheckResult]:
    """One evaluation per partition of the run (a day without a result passed: it had nothing to check).
    Use with `yield from` after the asset's Output."""
    keys = context.partition_keys
    evaluated = {key: results.get(pd.Timestamp(key), (True, {})) for key in keys}
    if context.has_partition_key:
        passed, metadata = evaluated[keys[0]]
        yield dg.AssetCheckResult(asset_key=table.asset_key, check_name=check_name, passed=bool(passed), severity=severity,
                                  metadata={name: _metadata_value(value) for name, value in metadata.items()})
        return
    for key, (passed, metadata) in evaluated.items():
        context.log_event(dg.AssetCheckEvaluation(
            asset_key=table.asset_key, check_name=check_name, passed=bool(passed), severity=severity, partition=key,
            metadata={name: _metadata_value(value) for name, value in metadata.items()}))
    failed = [key for key, (passed, _) in evaluated.items() if not passed]
    yield dg.AssetCheckResult(
        asset_key=table.asset_key, check_name=check_name, passed=not failed, severity=severity,
        description=f"summary of {len(keys)} days checked one by one" + (f"; {len(failed)} failed" if failed else ""),
        metadata={"days_checked": len(keys), "days_failed": len(failed), "failed_days": dg.MetadataValue.json(failed[:100])})


def table_check_results(context: dg.AssetExecutionContext, table: TableSchema, frame: pd.DataFrame,
                        expected_rows: tuple[Mapping[pd.Timestamp, int], str] | None = None) -> Iterator[dg.AssetCheckResult]:
    """The standard row rules per day, and row counts against `expected_rows` = ({day: count}, source)."""
    days = [pd.Timestamp(key) for key in context.partition_keys]
    for check_name in ROW_RULES:
        yield from check_results(context, table, check_name, evaluate_by_day(table, frame, days, check_name))
    if expected_rows is not None:
        counts, source = expected_rows
        by_day = dict(tuple(frame.groupby(table.date_column))) if len(frame) else {}
        yield from check_results(context, table, ROW_COUNTS, {
            day: row_count(int(counts.get(day, 0)), by_day.get(day, frame.iloc[0:0]), source) for day in days})
