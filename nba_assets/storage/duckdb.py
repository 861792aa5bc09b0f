"""DuckDB storage through dagster-duckdb-pandas, made safe for our tables.

The stock DuckDBPandasIOManager deletes the partition window and inserts `SELECT *` positionally, outside a
transaction, creating the table from whatever dtypes the first DataFrame had. Here each write:
- creates the table from the declared schema (so a first, empty or all-NULL partition cannot fix wrong types),
- deletes the window and inserts BY NAME inside one transaction (a partition is replaced or left untouched),
- loads return the declared dtypes, and an absent table reads as an empty, typed frame;
- loads open the file read-only, and every access takes its turn with other processes (storage.warehouse_lock).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import dagster as dg
import duckdb
import pandas as pd
from dagster._core.storage.db_io_manager import DbIOManager, DbTypeHandler, TableSlice
from dagster_duckdb.io_manager import DuckDbClient, DuckDBIOManager
from dagster_duckdb_pandas import DuckDBPandasTypeHandler

from nba_assets.partitions import game_days
from nba_assets.storage.duckdb_instance import fetch_frame
from nba_assets.storage.schema import DECLARED_BY_DUCKDB_TYPE, SchemaMismatchError, TableRows, TableSchema, registered
from nba_assets.storage.warehouse_lock import open_warehouse


class UnopenedPartitionError(ValueError):
    pass


def check_rows_inside_window(table: TableSchema, frame: pd.DataFrame, table_slice: TableSlice) -> None:
    """Refuses a window reaching past today's partition (a run tagged with a range Dagster does not validate), and
    a row dated outside the window, which would survive every later rewrite of its own day."""
    last_day = pd.Timestamp(game_days.get_last_partition_key())
    for dimension in table_slice.partition_dimensions:
        window = dimension.partitions
        if not window:  # Dagster resolves a range of days that are not partitions yet to no partitions at all
            dates = sorted(frame[table.date_column].dt.date.astype(str).unique())
            raise UnopenedPartitionError(
                f"{table.qualified_name}: the run's days are not partitions (the last is {last_day.date()}, today in "
                f"{game_days.timezone}); refusing {len(frame)} row(s) dated {dates[:5]}")
        if not isinstance(window, dg.TimeWindow):
            continue
        start, end = pd.Timestamp(window.start.date()), pd.Timestamp(window.end.date())
        if end - pd.Timedelta(days=1) > last_day:
            raise UnopenedPartitionError(
                f"{table.qualified_name}: the window [{start.date()}, {end.date()}) reaches past the last partition "
                f"{last_day.date()} (today in {game_days.timezone}); days after it cannot be built yet")
        dates = frame[table.date_column]
        outside = (dates < start) | (dates >= end)
        if outside.any():
            raise SchemaMismatchError(
                f"{table.qualified_name}: {int(outside.sum())} row(s) dated outside the partition window "
                f"[{start.date()}, {end.date()}): {sorted(dates[outside].dt.date.astype(str).unique())[:5]}"
            )


def ensure_declared_table(connection, table: TableSchema, database: str) -> None:
    """Creates the table from its declaration if absent; refuses to write into a table that has drifted from
    it (an INSERT would cast a value to a stored type or NULL-fill a stored column nobody declared)."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {table.dataset}")
    connection.execute(table.duckdb_ddl())
    stored = connection.execute(f"DESCRIBE {table.qualified_name}").fetchall()
    table.refuse_drift(f"{table.qualified_name} in {database}", [(name, kind) for name, kind, *_ in stored],
                       DECLARED_BY_DUCKDB_TYPE)


class TransactionalDuckDbClient(DuckDbClient):
    @staticmethod
    def ensure_schema_exists(context, table_slice: TableSlice, connection) -> None:
        ensure_declared_table(connection, registered(table_slice.schema, table_slice.table),
                              context.resource_config["database"])

    @staticmethod
    @contextmanager
    def connect(context, table_slice: TableSlice) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """The file for one load (read-only; None before the file exists) or one write (in a transaction), taken
        in turn with other processes (storage.warehouse_lock)."""
        writing = isinstance(context, dg.OutputContext)
        purpose = f"{'write' if writing else 'read'} {table_slice.schema}.{table_slice.table}"
        with open_warehouse(context.resource_config["database"], write=writing, purpose=purpose) as conn:
            if not writing:
                yield conn
                return
            conn.execute("BEGIN TRANSACTION")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


class DeclaredSchemaPandasTypeHandler(DuckDBPandasTypeHandler):
    def handle_output(self, context: dg.OutputContext, table_slice: TableSlice, obj: pd.DataFrame, connection):
        table = registered(table_slice.schema, table_slice.table)
        frame = table.conform(obj)
        check_rows_inside_window(table, frame, table_slice)
        if len(frame):
            connection.register("partition_rows", frame)
            connection.execute(f"INSERT INTO {table.qualified_name} BY NAME SELECT * FROM partition_rows")
            connection.unregister("partition_rows")
        # the column schema is static asset metadata: repeating it on every partition's event would cost more
        # than the write itself in a multi-season range
        context.add_output_metadata({"dagster/row_count" if not context.has_partition_key else "rows_written": len(frame)})

    def load_input(self, context: dg.InputContext, table_slice: TableSlice, connection) -> pd.DataFrame:
        """The window's rows, of the columns the input names in its metadata (all when it names none)."""
        table = registered(table_slice.schema, table_slice.table)
        columns = list(table_slice.columns) if table_slice.columns else None
        if connection is None or (table_slice.partition_dimensions and len(context.asset_partition_keys) == 0):
            return table.empty()[columns or table.column_names]
        try:
            frame = fetch_frame(connection, DuckDbClient.get_select_statement(table_slice))
        except duckdb.CatalogException:
            return table.empty()[columns or table.column_names]
        return table.conform(frame, columns)


def slice_window(table_slice: TableSlice) -> tuple:
    """The calendar dates [start, end) of a partitioned slice's time window."""
    window = next(d.partitions for d in table_slice.partition_dimensions if isinstance(d.partitions, dg.TimeWindow))
    return window.start.date(), window.end.date()


class TableRowsTypeHandler(DeclaredSchemaPandasTypeHandler):
    """A table's published rows and its quarantine ledger rows, in the same transaction: the window's rows are
    replaced as for a DataFrame, and so are the ledger's rows of this table and window."""

    @property
    def supported_types(self):
        return [TableRows]

    def handle_output(self, context: dg.OutputContext, table_slice: TableSlice, obj: TableRows, connection):
        from nba_assets.checks.ledger import QUARANTINE

        super().handle_output(context, table_slice, obj.rows, connection)
        table = registered(table_slice.schema, table_slice.table)
        start, end = slice_window(table_slice)
        ledger = QUARANTINE.conform(obj.quarantine)
        ensure_declared_table(connection, QUARANTINE, context.resource_config["database"])
        connection.execute(f"DELETE FROM {QUARANTINE.qualified_name} WHERE table_name = ? AND game_date >= ? AND game_date < ?",
                           [table.qualified_name, start, end])
        if len(ledger):
            connection.register("quarantine_rows", ledger)
            connection.execute(f"INSERT INTO {QUARANTINE.qualified_name} BY NAME SELECT * FROM quarantine_rows")
            connection.unregister("quarantine_rows")


class WarehouseDuckDBIOManager(DuckDBIOManager):
    """DuckDBPandasIOManager semantics with declared schemas and transactional partition replacement."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [DeclaredSchemaPandasTypeHandler(), TableRowsTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return pd.DataFrame

    def create_io_manager(self, context) -> DbIOManager:
        return DbIOManager(
            db_client=TransactionalDuckDbClient(),
            database=self.database,
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="WarehouseDuckDBIOManager",
        )
