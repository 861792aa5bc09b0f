"""Interchangeable raw sources behind one interface: `read(table, start, end)` returns validated contract rows.

- FileRawSource: a folder with one Parquet or CSV file per table (NBA_ASSETS_RAW_DIR).
- BigQueryRawSource (nba_assets.raw.bigquery): the production nba_raw dataset.

A read covers dates start <= date < end only; Parquet files are pruned by row-group statistics, so reading
one day does not load the history.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from nba_assets.raw.contract import RAW_TABLES, RawDataError, RawTable, empty_raw_frame, validate_raw_frame


class RawSource(Protocol):
    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Contract rows of `table` dated start <= date < end, validated; empty contract frame if the table is absent."""

    def has_table(self, table: str) -> bool: ...

    def location(self, table: str) -> str:
        """Where a table's rows come from, as error messages name it (a file path, a BigQuery table)."""

    def describe(self) -> str: ...


class FileRawSource:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._date_filters: dict[tuple[str, float], str] = {}
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"files in {self.folder}"

    def _file_for(self, table: RawTable) -> Path | None:
        candidates = [p for p in (self.folder / f"{table.name}.parquet", self.folder / f"{table.name}.csv") if p.exists()]
        if len(candidates) > 1:
            raise RawDataError(table.name, str(self.folder), None, "both a .parquet and a .csv file exist; keep one")
        if not candidates:
            if table.required:
                raise RawDataError(
                    table.name,
                    str(self.folder),
                    None,
                    f"required table not found (expected {table.name}.parquet or {table.name}.csv)",
                )
            return None
        return candidates[0]

    def has_table(self, table: str) -> bool:
        return self._file_for(RAW_TABLES[table]) is not None

    def location(self, table: str) -> str:
        path = self._file_for(RAW_TABLES[table])
        return str(path) if path else f"{self.folder} (no {table} file)"

    @staticmethod
    def _scan(path: Path) -> str:
        if path.suffix == ".csv":
            return f"read_csv('{path}', header = true, all_varchar = true)"
        return f"read_parquet('{path}')"

    def _date_filter(self, conn: duckdb.DuckDBPyConnection, table: RawTable, path: Path) -> str:
        """Whole-file checks, once per file version (columns present, rows present, every row dated); returns
        the date expression to filter on: the bare column when typed as a date, so Parquet row groups are pruned."""
        stamp = (str(path), path.stat().st_mtime)
        with self._lock:
            if stamp in self._date_filters:
                return self._date_filters[stamp]
        if path.stat().st_size == 0:
            raise RawDataError(table.name, str(path), None, "empty file (no header, no rows)")
        try:
            described = conn.execute(f"DESCRIBE SELECT * FROM {self._scan(path)}").fetchall()
        except duckdb.Error as exc:
            raise RawDataError(table.name, str(path), None, f"unreadable file: {exc}") from exc
        present = [row[0] for row in described]
        types = {row[0]: row[1] for row in described}
        missing = [c.name for c in table.required_columns if c.name not in present]
        if missing:
            raise RawDataError(
                table.name, str(path), missing[0], f"required column(s) missing: {', '.join(missing)}; found {present}"
            )
        date_col = table.date_column
        undated = conn.execute(
            f'SELECT * FROM {self._scan(path)} WHERE TRY_CAST("{date_col}" AS DATE) IS NULL LIMIT 10'
        ).fetchdf()
        if len(undated):
            raise RawDataError(table.name, str(path), date_col, "missing or unparseable dates", undated)
        if conn.execute(f"SELECT count(*) FROM {self._scan(path)}").fetchone()[0] == 0:
            raise RawDataError(table.name, str(path), None, "file has a header but no rows; remove it if the table is not available")
        typed = types[date_col] == "DATE" or types[date_col].startswith("TIMESTAMP")
        expression = f'"{date_col}"' if typed else f'TRY_CAST("{date_col}" AS DATE)'
        with self._lock:
            self._date_filters[stamp] = expression
        return expression

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        spec = RAW_TABLES[table]
        path = self._file_for(spec)
        if path is None:
            return empty_raw_frame(spec)
        conn = duckdb.connect()
        try:
            date_expr = self._date_filter(conn, spec, path)
            frame = conn.execute(
                f"SELECT * FROM {self._scan(path)} WHERE {date_expr} >= ? AND {date_expr} < ?", [start, end]
            ).fetchdf()
        finally:
            conn.close()
        return validate_raw_frame(frame, spec, str(path))
