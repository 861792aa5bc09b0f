"""The one way a warehouse table becomes a Dagster asset: shared partitions, single-run range backfills,
declared schema as metadata, key prefix = warehouse dataset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg
import pandas as pd

from nba_assets import settings
from nba_assets.checks.daily import daily_check_specs
from nba_assets.partitions import HISTORY_DAYS, game_days, history_window
from nba_assets.storage.schema import TableSchema


WAREHOUSE_POOL = "warehouse"


def table_asset(
    table: TableSchema,
    *,
    group: str,
    ins: Mapping[str, dg.AssetIn] | None = None,
    deps: Sequence[dg.AssetKey | dg.AssetDep] = (),
    check_specs: Sequence[dg.AssetCheckSpec] = (),
    partitioned: bool = True,
    row_counts: bool = True,
):
    """Partitioned tables get the standard per-day checks (nba_assets.checks.daily), with row_counts when the
    asset can say how many rows each day should have. Every table step writes the warehouse, so all of them
    share the `warehouse` concurrency pool (DuckDB takes one writer at a time)."""
    daily = daily_check_specs(table, row_counts) if partitioned else []
    return dg.asset(
        key=table.asset_key,
        group_name=group,
        partitions_def=game_days if partitioned else None,
        # one run computes any partition range (an unpartitioned table once): what lets `dg launch --job nba_graph
        # --partition-range` run the graph, which requires this policy of every asset it selects
        backfill_policy=dg.BackfillPolicy.single_run(),
        ins=dict(ins or {}),
        deps=list(deps),
        check_specs=[*check_specs, *daily] or None,
        pool=WAREHOUSE_POOL,
        description=table.description,
        kinds={"pandas", settings.storage_backend()},
        metadata={
            **({"partition_expr": table.date_column} if partitioned else {}),
            "dagster/column_schema": table.dagster_column_schema(),
            "dagster/table_name": table.qualified_name,
            "key": ", ".join(table.key),
        },
    )


def window_dates(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """[start, end) calendar dates of the partition window being materialized (one day or a range)."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def same_day(table: TableSchema) -> dg.AssetIn:
    """The upstream table's rows of the same days."""
    return dg.AssetIn(key=table.asset_key)


def history(table: TableSchema, days: int = HISTORY_DAYS) -> dg.AssetIn:
    """The upstream table's rows of the `days` days before each day (never the day itself)."""
    return dg.AssetIn(key=table.asset_key, partition_mapping=history_window(days))


def rows_per_day(frame: pd.DataFrame, date_column: str) -> dict[pd.Timestamp, int]:
    return frame.groupby(date_column).size().to_dict() if len(frame) else {}
