"""The process's DuckDB instance: a file attached for a block is held only inside it, like a connection of its own."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from nba_assets.storage.duckdb_instance import fetch_frame, file_connection, memory_connection

OTHER_PROCESS = """
import sys, duckdb
try:
    conn = duckdb.connect(sys.argv[1])
except duckdb.IOException as error:
    print("refused:", error)
else:
    print("rows:", conn.execute("SELECT count(*), sum(x) FROM t").fetchone())
"""


def other_process_reads(path) -> str:
    return subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def attached_files() -> list[str]:
    with memory_connection() as conn:
        return [name for (name,) in conn.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal "
                                                 "AND database_name <> 'memory'").fetchall()]


def test_a_file_is_held_inside_its_block_and_let_go_after(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with file_connection(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT range AS x FROM range(10)")
        assert "Could not set lock" in other_process_reads(path)
    assert other_process_reads(path) == "rows: (10, 45)"
    with file_connection(str(path), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (10,)
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("INSERT INTO t VALUES (100)")
    assert attached_files() == []


def test_a_transaction_left_open_by_an_error_is_rolled_back_and_the_file_let_go(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with file_connection(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT range AS x FROM range(3)")
    with pytest.raises(RuntimeError, match="mid-write"):
        with file_connection(str(path)) as conn:
            conn.execute("BEGIN TRANSACTION")
            conn.execute("INSERT INTO t VALUES (100)")
            raise RuntimeError("mid-write")
    assert attached_files() == []
    assert other_process_reads(path) == "rows: (3, 3)"


def test_memory_connections_keep_registered_frames_to_themselves():
    import pandas as pd

    with memory_connection() as first, memory_connection() as second:
        first.register("frame", pd.DataFrame({"x": [1, 2]}))
        second.register("frame", pd.DataFrame({"x": [5]}))
        assert first.execute("SELECT sum(x) FROM frame").fetchone() == (3,)
        assert second.execute("SELECT sum(x) FROM frame").fetchone() == (5,)


def test_fetched_rows_keep_integers_booleans_strings_and_nulls():
    """fetch_frame (Arrow) gives nullable integer, boolean and string columns (NULL as NA, an integer beyond float
    precision exact) and dated columns as datetimes, which TableSchema.conform then casts to the declared dtypes."""
    import pandas as pd

    with memory_connection() as conn:
        frame = fetch_frame(conn, """
            SELECT * FROM (VALUES (DATE '2025-03-05', 'a', 9007199254740993, 0.1::DOUBLE, true, TIMESTAMP '2025-03-05 23:30:00'),
                                  (DATE '2025-03-04', NULL, NULL, NULL, NULL, NULL))
            AS t(day, name, count, share, flag, tipoff) WHERE day >= ? ORDER BY day DESC""", [pd.Timestamp("2025-03-01").date()])
    assert [str(t) for t in frame.dtypes[1:5]] == ["string", "Int64", "float64", "boolean"]
    assert frame.iloc[0, 1:5].tolist() == ["a", 9007199254740993, 0.1, True] and frame.iloc[1, 1:].isna().all()
    assert pd.to_datetime(frame["day"]).tolist() == [pd.Timestamp("2025-03-05"), pd.Timestamp("2025-03-04")]
    assert frame["tipoff"].iloc[0] == pd.Timestamp("2025-03-05 23:30")
