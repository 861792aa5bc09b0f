"""The one way a warehouse table becomes a Dagster asset: shared partitions, single-run range backfills,
declared schema as metadata, key prefix = warehouse dataset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg

from nba_assets import settings
from nba_assets.partitions import HISTORY_DAYS, game_days, history_window
from nba_assets.storage.schema import TableSchema


def table_asset(
    table: TableSchema,
    *,
    group: str,
    ins: Mapping[str, dg.AssetIn] | None = None,
    deps: Sequence[dg.AssetKey | dg.AssetDep] = (),
    check_specs: Sequence[dg.AssetCheckSpec] = (),
    partitioned: bool = True,
):
    return dg.asset(
        key=table.asset_key,
        group_name=group,
        partitions_def=game_days if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        ins=dict(ins or {}),
        deps=list(deps),
        check_specs=list(check_specs) or None,
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
