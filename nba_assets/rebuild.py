"""`nba-assets rebuild`: the documented path for an intended schema change (or a stored table that drifted).

Writers refuse a table whose stored columns or types differ from its declaration (storage/schema.py). To change a
table's schema: change its declaration, then rebuild the table. The stored table is set aside under a new name
(nothing published is lost), the table is created again from its declaration, and its days, and the days of every
table downstream of it (they were computed from its stored values), are recomputed in runs recorded in the
instance, one per season as `nba-assets backfill` does. Values are recomputed from the raw data rather than cast,
because a drifted type may already have changed them (usage_rate stored as BIGINT was rounded).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from nba_assets.storage.schema import SchemaMismatchError, TableSchema, registered


def table_named(defs: dg.Definitions, name: str) -> TableSchema:
    """The table asset of `defs` named `dataset.table` or by its bare name."""
    tables = [registered(*node.key.path) for node in defs.get_repository_def().asset_graph.asset_nodes
              if node.is_materializable and "dagster/table_name" in node.metadata]
    matches = [t for t in tables if name in (t.qualified_name, t.name)]
    if len(matches) != 1:
        known = ", ".join(sorted(t.qualified_name for t in tables))
        raise SchemaMismatchError(f"no table {name!r}; the tables are {known}")
    return matches[0]


def aside_name(table: TableSchema, now: dt.datetime) -> str:
    return f"{table.name}__replaced_{now.strftime('%Y%m%dT%H%M%S')}"


def rebuild_selection(defs: dg.Definitions, table: TableSchema, with_downstream: bool) -> list[dg.AssetKey]:
    """The table and, for a partitioned table, every table downstream of it (all share its partitions)."""
    graph = defs.get_repository_def().asset_graph
    node = graph.get(table.asset_key)
    if not with_downstream or node.partitions_def is None:
        return [table.asset_key]
    downstream = dg.AssetSelection.assets(table.asset_key).downstream().resolve(graph)
    # partitioned like the table: the on-demand evaluation report (unpartitioned) is refreshed by `nba-assets evaluate`
    return sorted(key for key in downstream if graph.get(key).is_materializable and graph.get(key).partitions_def is not None)
