"""Per-day check results for every partition an asset run materializes.

A run of one partition key yields an AssetCheckResult, which Dagster attributes to that partition. A range
run (even of one day) evaluates a check once, with no partition, and the per-partition check records
planned for the run would stay unresolved: there every day's evaluation is logged as an event of the step,
then the run's summary is yielded (every check of an asset must yield a result). A day's check status is
therefore the same whether it was built alone or inside a range.

A multi-season range holds tens of thousands of day-check evaluations, so they are logged as one event batch
(written in one transaction by nba_assets.instance.event_log), through the step context that Dagster exposes
for framework code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import dagster as dg
import pandas as pd
from dagster._core.events import DagsterEvent, DagsterEventBatchMetadata, DagsterEventType, generate_event_batch_id

from nba_assets.checks.quality import COLUMN_RULES_CHECK, ROW_COUNTS, column_rules_by_day, row_count
from nba_assets.storage.schema import TableSchema

DAILY_CHECK_DESCRIPTIONS = {
    COLUMN_RULES_CHECK: "every ruled column inside its range (the feature-contract ranges for the feature store) and "
                        "no more often NULL than allowed",
    ROW_COUNTS: "as many rows as the schedule, box scores or the upstream table imply",
}


def daily_check_specs(table: TableSchema, with_row_counts: bool) -> list[dg.AssetCheckSpec]:
    names = [COLUMN_RULES_CHECK, *([ROW_COUNTS] if with_row_counts else [])]
    return [dg.AssetCheckSpec(name, asset=table.asset_key, description=DAILY_CHECK_DESCRIPTIONS[name]) for name in names]


def _metadata_value(value):
    if isinstance(value, (dict, list)):
        return dg.MetadataValue.json(value)
    if isinstance(value, str) and "\n" in value:
        return dg.MetadataValue.md(value)
    return value


@dataclasses.dataclass
class _Check:
    name: str
    results: Mapping[pd.Timestamp, tuple[bool, dict]]
    severity: dg.AssetCheckSeverity


class DailyChecks:
    """Collects an asset run's checks, each as {day: (passed, metadata)}, and emits them per partition."""

    def __init__(self, context: dg.AssetExecutionContext, table: TableSchema):
        self.context, self.table = context, table
        self.days = [pd.Timestamp(key) for key in context.partition_keys]
        self.checks: list[_Check] = []

    def add(self, name: str, results: Mapping[pd.Timestamp, tuple[bool, dict]],
            severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> "DailyChecks":
        """A day without a result passed: it had nothing to check."""
        self.checks.append(_Check(name, {day: results.get(day, (True, {})) for day in self.days}, severity))
        return self

    def add_table_rules(self, frame: pd.DataFrame,
                        expected_rows: tuple[Mapping[pd.Timestamp, int], str] | None = None) -> "DailyChecks":
        """The column rules per day, and row counts against `expected_rows` = ({day: count}, source)."""
        self.add(COLUMN_RULES_CHECK, column_rules_by_day(self.table, frame, self.days))
        if expected_rows is not None:
            counts, source = expected_rows
            by_day = dict(tuple(frame.groupby(self.table.date_column))) if len(frame) else {}
            self.add(ROW_COUNTS, {day: row_count(int(counts.get(day, 0)), by_day.get(day, frame.iloc[0:0]), source)
                                  for day in self.days})
        return self

    def results(self) -> Iterator[dg.AssetCheckResult]:
        """Yield after the asset's Output."""
        if self.context.has_partition_key:
            for check in self.checks:
                passed, metadata = check.results[self.days[0]]
                yield self._result(check, passed, self._values(metadata))
            return
        self._log_day_evaluations()
        for check in self.checks:
            failed = [day.strftime("%Y-%m-%d") for day, (passed, _) in check.results.items() if not passed]
            yield self._result(check, not failed, {"days_checked": len(self.days), "days_failed": len(failed),
                                                   "failed_days": dg.MetadataValue.json(failed[:100])},
                               description=f"summary of {len(self.days)} days checked one by one"
                                           + (f"; {len(failed)} failed" if failed else ""))

    def _result(self, check: _Check, passed: bool, metadata: dict, description: str | None = None) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(asset_key=self.table.asset_key, check_name=check.name, passed=bool(passed),
                                   severity=check.severity, metadata=metadata, description=description)

    @staticmethod
    def _values(metadata: dict) -> dict:
        return {name: _metadata_value(value) for name, value in metadata.items()}

    def _log_day_evaluations(self) -> None:
        step = self.context.get_step_execution_context()
        evaluations = [
            dg.AssetCheckEvaluation(asset_key=self.table.asset_key, check_name=check.name, passed=bool(passed),
                                    severity=check.severity, partition=day.strftime("%Y-%m-%d"),
                                    metadata=self._values(metadata))
            for check in self.checks for day, (passed, metadata) in check.results.items()
        ]
        batch_id = generate_event_batch_id()
        for position, evaluation in enumerate(evaluations):
            DagsterEvent.from_step(
                DagsterEventType.ASSET_CHECK_EVALUATION, step, evaluation,
                message=f"Asset check '{evaluation.check_name}' on '{evaluation.asset_key.to_user_string()}' "
                        f"{'passed' if evaluation.passed else 'failed'} for {evaluation.partition}",
                batch_metadata=DagsterEventBatchMetadata(batch_id, position == len(evaluations) - 1),
            )
