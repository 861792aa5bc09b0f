"""The one way a warehouse table becomes a Dagster asset: shared partitions, single-run range backfills,
declared schema as metadata, key prefix = warehouse dataset, and the per-day checks its declarations imply
(nba_assets.checks.governance; the asset body ends with `yield from publish(...)`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg
import pandas as pd

from nba_assets import settings
from nba_assets.checks.governance import SAME_DAY_INPUTS
from nba_assets.checks.governance import check_specs as declared_checks
from nba_assets.partitions import HISTORY_DAYS, game_days, history_window
from nba_assets.storage.schema import TableSchema, registered

WAREHOUSE_POOL = "warehouse"


IN_FORCE = "nba_assets/in_force"  # input metadata: the step uses the latest upstream row on or before each day


def _same_day_tables(ins: Mapping[str, dg.AssetIn]) -> tuple[TableSchema, ...]:
    """The partitioned tables among the inputs whose partition mapping reaches the day itself: a day can only be
    published when the same day of each of them is (history windows end the day before and never need it, and
    an `in_force` input needs only its latest published day, which is not the day itself on most days)."""
    tables = []
    for asset_in in ins.values():
        mapping = asset_in.partition_mapping
        if mapping is not None and not (isinstance(mapping, dg.TimeWindowPartitionMapping) and mapping.end_offset >= 0):
            continue
        if (asset_in.metadata or {}).get(IN_FORCE):
            continue
        table = registered(*asset_in.key.path)
        if table.partitioned:
            tables.append(table)
    return tuple(tables)


def table_asset(
    table: TableSchema,
    *,
    group: str,
    ins: Mapping[str, dg.AssetIn] | None = None,
    deps: Sequence[dg.AssetKey | dg.AssetDep] = (),
    check_specs: Sequence[dg.AssetCheckSpec] = (),
):
    """Every table step writes the warehouse, so all of them share the `warehouse` concurrency pool (DuckDB takes
    one writer at a time). A partitioned table's checks derive from its declarations; `check_specs` are the checks
    of an unpartitioned one."""
    ins = dict(ins or {})
    same_day = _same_day_tables(ins) if table.partitioned else ()
    SAME_DAY_INPUTS[table.asset_key] = same_day
    return dg.asset(
        key=table.asset_key,
        group_name=group,
        partitions_def=game_days if table.partitioned else None,
        # one run computes any partition range (an unpartitioned table once): what lets `dg launch --job nba_graph
        # --partition-range` run the graph, which requires this policy of every asset it selects
        backfill_policy=dg.BackfillPolicy.single_run(),
        ins=ins,
        deps=list(deps),
        check_specs=(declared_checks(table, same_day) if table.partitioned else list(check_specs)) or None,
        pool=WAREHOUSE_POOL,
        description=table.description,
        kinds={"pandas", settings.storage_backend()},
        metadata={
            **({"partition_expr": table.date_column} if table.partitioned else {}),
            "dagster/column_schema": table.dagster_column_schema(),
            "dagster/table_name": table.qualified_name,
            "key": ", ".join(table.key),
        },
    )


def window_dates(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """[start, end) calendar dates of the partition window being materialized (one day or a range)."""
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def same_day(table: TableSchema, columns: Sequence[str] | None = None) -> dg.AssetIn:
    """The upstream table's rows of the same days (only `columns`, when given)."""
    return dg.AssetIn(key=table.asset_key, metadata=selected_columns(table, columns))


def history(table: TableSchema, days: int = HISTORY_DAYS, columns: Sequence[str] | None = None) -> dg.AssetIn:
    """The upstream table's rows of the `days` days before each day (never the day itself), only `columns` when
    given: a step reads the year of history it needs, not every column of it."""
    return dg.AssetIn(key=table.asset_key, partition_mapping=history_window(days), metadata=selected_columns(table, columns))


def selected_columns(table: TableSchema, columns: Sequence[str] | None) -> dict | None:
    """Input metadata naming the columns to load (the IO managers select only those), in declared order."""
    if columns is None:
        return None
    unknown = sorted(set(columns) - set(table.column_names))
    if unknown:
        raise ValueError(f"{table.qualified_name} has no columns {unknown}")
    return {"columns": [c for c in table.column_names if c in set(columns)]}


def rows_per_day(frame: pd.DataFrame, date_column: str) -> dict[pd.Timestamp, int]:
    return frame.groupby(date_column).size().to_dict() if len(frame) else {}
