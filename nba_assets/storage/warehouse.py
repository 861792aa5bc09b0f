"""Read access to the warehouse for checks, sensors and the CLI (asset inputs go through the IO manager)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import dagster as dg
import duckdb
import pandas as pd

from nba_assets.storage.duckdb_instance import fetch_frame
from nba_assets.storage.schema import DECLARED_BY_DUCKDB_TYPE, TableSchema
from nba_assets.storage.warehouse_lock import open_warehouse


class Warehouse(dg.ConfigurableResource):
    """Read access to the warehouse, whichever database holds it (DuckDB here, BigQuery in storage.bigquery)."""

    def read_table(self, table: TableSchema, start: dt.date | None = None, end: dt.date | None = None,
                   columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of `table` with start <= date < end (either bound optional), in declared dtypes."""
        raise NotImplementedError

    def describe(self, table: TableSchema) -> list[tuple[str, str]] | None:
        """(column, declared-type name) of the stored table in its column order; None when it does not exist."""
        raise NotImplementedError

    def drift(self, table: TableSchema) -> list[str] | None:
        """How the stored table differs from its declaration, as the writers report it (empty: it matches); None
        when it does not exist."""
        raise NotImplementedError

    def set_aside(self, table: TableSchema, new_name: str) -> str:
        """Moves the stored table to `new_name` in its dataset (`nba-assets rebuild`); returns where it went."""
        raise NotImplementedError


def window_select(table: TableSchema, columns: Sequence[str], start: dt.date | None,
                  end: dt.date | None) -> tuple[str, list]:
    """DuckDB SELECT of `columns` with start <= date < end (either bound optional), and its parameters."""
    conditions, params = [], []
    if start is not None:
        conditions.append(f'"{table.date_column}" >= ?')
        params.append(start)
    if end is not None:
        conditions.append(f'"{table.date_column}" < ?')
        params.append(end)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    select = ", ".join(f'"{c}"' for c in columns)
    return f"SELECT {select} FROM {table.qualified_name}{where}", params


class DuckDBWarehouse(Warehouse):
    """The local DuckDB warehouse file, opened read-only to read, in turn with other processes (warehouse_lock)."""

    database: str

    def _stored(self, table: TableSchema) -> list[tuple[str, str]] | None:
        """(column, DuckDB type) of the stored table; None when it does not exist."""
        with open_warehouse(self.database, write=False, purpose=f"describe {table.qualified_name}") as conn:
            if conn is None:
                return None
            try:
                rows = conn.execute(f"DESCRIBE {table.qualified_name}").fetchall()
            except duckdb.CatalogException:
                return None
        return [(name, kind) for name, kind, *_ in rows]

    def describe(self, table: TableSchema) -> list[tuple[str, str]] | None:
        stored = self._stored(table)
        return None if stored is None else [(name, DECLARED_BY_DUCKDB_TYPE.get(kind, kind)) for name, kind in stored]

    def drift(self, table: TableSchema) -> list[str] | None:
        stored = self._stored(table)
        return None if stored is None else table.drift(stored, DECLARED_BY_DUCKDB_TYPE)

    def set_aside(self, table: TableSchema, new_name: str) -> str:
        with open_warehouse(self.database, write=True, purpose=f"set {table.qualified_name} aside") as conn:
            conn.execute(f"ALTER TABLE {table.qualified_name} RENAME TO {new_name}")
        return f"{table.dataset}.{new_name} in {self.database}"

    def read_table(
        self,
        table: TableSchema,
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        wanted = list(columns) if columns else table.column_names
        frame = table.empty()[wanted]
        with open_warehouse(self.database, write=False, purpose=f"read {table.qualified_name}") as conn:
            if conn is not None:
                try:
                    frame = fetch_frame(conn, *window_select(table, wanted, start, end))
                except duckdb.CatalogException:
                    pass
        return table.conform(frame, wanted)
