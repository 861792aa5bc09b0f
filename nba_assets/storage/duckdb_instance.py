"""One DuckDB instance per process, for the short connections the pipeline opens by the hundred.

Every `duckdb.connect()` that finds no open instance of its database creates one, and creating a DuckDB 2.0
instance (buffer manager, thread pool, catalog) costs about 40 ms of CPU here: each raw read, each IO-manager
load and write and each warehouse read paid it, a few hundred times a season run. Connections to one in-memory
instance the process keeps cost under a millisecond, and a database file attached to it for one piece of work
about 8 ms. The file is held only inside that block, exactly as by a connection opened and closed around it: the
DETACH checkpoints and releases DuckDB's file lock, so other processes take their turn (storage.warehouse_lock)
as before.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd
import pyarrow as pa

_lock = threading.Lock()
_instance: duckdb.DuckDBPyConnection | None = None
_instance_pid: int | None = None
_aliases = itertools.count()
# DuckDB refuses to attach a file that is already attached: one attachment at a time per process
_attach_lock = threading.Lock()


def _process_instance() -> duckdb.DuckDBPyConnection:
    global _instance, _instance_pid
    with _lock:
        if _instance is None or _instance_pid != os.getpid():  # a forked child cannot use its parent's instance
            _instance = duckdb.connect(":memory:", config={"custom_user_agent": "nba_assets"})
            _instance_pid = os.getpid()
        return _instance


@contextmanager
def memory_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own (registered frames and settings are its own) to the process's in-memory instance."""
    connection = _process_instance().cursor()
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def file_connection(database: str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose default database is the file `database`, attached for this block only. Raises what
    DuckDB raises when another process holds the file (duckdb.IOException, "Could not set lock")."""
    alias = f"file_{next(_aliases)}"
    with _attach_lock, memory_connection() as connection:
        connection.execute(f"ATTACH '{database.replace(chr(39), chr(39) * 2)}' AS {alias}" + (" (READ_ONLY)" if read_only else ""))
        try:
            connection.execute(f"USE {alias}")
            yield connection
        finally:
            connection.close()  # rolls back a transaction left open, so the DETACH cannot be refused
            with memory_connection() as detaching:
                detaching.execute(f"DETACH {alias}")


# Arrow columns as the pandas dtypes TableSchema.conform gives them (no float detour for integers with NULLs)
_PANDAS_DTYPE_OF_ARROW = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}


def fetch_frame(connection: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pd.DataFrame:
    """The query's rows as a DataFrame, by way of Arrow: DuckDB's fetchdf builds a Python object per string, a
    third of a second for the 83 string columns of 90 days of the feature store, three times the Arrow route.
    Readers conform the frame to the declared dtypes as before."""
    return connection.sql(query, params=params).to_arrow_table().to_pandas(types_mapper=_PANDAS_DTYPE_OF_ARROW.get)
