"""Read access to the warehouse for checks, sensors and the CLI (asset inputs go through the IO manager)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import dagster as dg
import duckdb
import pandas as pd

from nba_assets.storage.duckdb import connect_with_retry
from nba_assets.storage.schema import DECLARED_BY_DUCKDB_TYPE, TableSchema


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
    """The local DuckDB warehouse file."""

    database: str

    def describe(self, table: TableSchema) -> list[tuple[str, str]] | None:
        conn = connect_with_retry(self.database)
        try:
            rows = conn.execute(f"DESCRIBE {table.qualified_name}").fetchall()
        except duckdb.CatalogException:
            return None
        finally:
            conn.close()
        return [(name, DECLARED_BY_DUCKDB_TYPE.get(kind, kind)) for name, kind, *_ in rows]

    def drift(self, table: TableSchema) -> list[str] | None:
        conn = connect_with_retry(self.database)
        try:
            stored = conn.execute(f"DESCRIBE {table.qualified_name}").fetchall()
        except duckdb.CatalogException:
            return None
        finally:
            conn.close()
        return table.drift([(name, kind) for name, kind, *_ in stored], DECLARED_BY_DUCKDB_TYPE)

    def set_aside(self, table: TableSchema, new_name: str) -> str:
        conn = connect_with_retry(self.database)
        try:
            conn.execute(f"ALTER TABLE {table.qualified_name} RENAME TO {new_name}")
        finally:
            conn.close()
        return f"{table.dataset}.{new_name} in {self.database}"

    def read_table(
        self,
        table: TableSchema,
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        wanted = list(columns) if columns else table.column_names
        conn = connect_with_retry(self.database)
        try:
            frame = conn.execute(*window_select(table, wanted, start, end)).fetchdf()
        except duckdb.CatalogException:
            frame = table.empty()[wanted]
        finally:
            conn.close()
        return table.conform(frame, wanted)
