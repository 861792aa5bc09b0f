"""Append-only tables: rows are added, never replaced or deleted (the pick publications).

Every other table is replaced per partition by its asset. A ledger is written only through `append`, which adds
the rows whose key is not stored yet, in one transaction: a retried step adds nothing twice, and nothing already
stored changes. The table is created from its declaration and a drifted one is refused, as for every table.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from nba_assets.storage.schema import DECLARED_BY_DUCKDB_TYPE, TableSchema
from nba_assets.storage.warehouse_lock import open_warehouse


class Ledger(dg.ConfigurableResource):
    """Appends to append-only tables, whichever database holds the warehouse (BigQuery in storage.bigquery)."""

    def append(self, table: TableSchema, frame: pd.DataFrame) -> int:
        """Adds the rows whose key is not stored yet; returns how many were added."""
        raise NotImplementedError


def appendable(table: TableSchema, frame: pd.DataFrame) -> pd.DataFrame:
    if not table.append_only:
        raise ValueError(f"{table.qualified_name} is not declared append-only: its days are replaced by its asset")
    return table.conform(frame)


class DuckDBLedger(Ledger):
    database: str

    def append(self, table: TableSchema, frame: pd.DataFrame) -> int:
        rows = appendable(table, frame)
        with open_warehouse(self.database, write=True, purpose=f"append to {table.qualified_name}") as conn:
            conn.execute("BEGIN TRANSACTION")
            try:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {table.dataset}")
                conn.execute(table.duckdb_ddl())
                stored = conn.execute(f"DESCRIBE {table.qualified_name}").fetchall()
                table.refuse_drift(f"{table.qualified_name} in {self.database}",
                                   [(name, kind) for name, kind, *_ in stored], DECLARED_BY_DUCKDB_TYPE)
                conn.register("appended_rows", rows)
                same_key = " AND ".join(f'stored."{k}" = appended."{k}"' for k in table.key)
                added = conn.execute(
                    f"INSERT INTO {table.qualified_name} BY NAME SELECT * FROM appended_rows AS appended "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table.qualified_name} AS stored WHERE {same_key})").fetchone()[0]
                conn.unregister("appended_rows")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return int(added)
