"""Interchangeable raw sources behind one interface: `read_checked(table, start, end)` returns the contract rows
of those days that passed every rule, and the problems of the rows kept out; `read` returns the rows alone.

- FileRawSource: a folder with one Parquet or CSV file per table (NBA_ASSETS_RAW_DIR).
- BigQueryRawSource (nba_assets.raw.bigquery): the production nba_raw dataset.

A read covers dates start <= date < end only; Parquet files are pruned by row-group statistics, so reading
one day does not load the history. Each row keeps where it came from: the Parquet row (the first data row is 1:
DuckDB's file_row_number + 1) or the CSV line (the header is line 1; a quoted field may span lines).
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from nba_assets.raw.contract import (
    RAW_TABLES,
    CheckedRows,
    RawDataError,
    RawTable,
    check_raw_frame,
    empty_checked,
    format_problems,
    row_word,
)
from nba_assets.storage.duckdb_instance import memory_connection

log = logging.getLogger(__name__)
SOURCE_ROW = "__source_row"  # the file row / line of each scanned row, dropped before the contract check


class RawSource(Protocol):
    def read_checked(self, table: str, start: dt.date, end: dt.date) -> CheckedRows:
        """Contract rows of `table` dated start <= date < end that passed every rule, and the problems of the
        rows kept out; an empty read if the table is absent. Raises RawDataError for what no day can own."""

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """The rows of read_checked alone (passed_rows)."""

    def has_table(self, table: str) -> bool: ...

    def location(self, table: str) -> str:
        """Where a table's rows come from, as error messages name it (a file path, a BigQuery table)."""

    def describe(self) -> str: ...


def passed_rows(checked: CheckedRows) -> pd.DataFrame:
    """The rows of a read for a caller that cannot quarantine a day (a sensor, the calendar, a CLI report): the
    refused rows stay out and are logged; the raw_contract checks of the Phase 3 tables report them per day."""
    if len(checked.problems):
        days = sorted(set(checked.problems["game_date"].dt.strftime("%Y-%m-%d")))
        log.warning("%s: %d row(s) refused by the raw contract on %s; first:\n%s", checked.table.name,
                    len(checked.problems), ", ".join(days[:10]) + (" ..." if len(days) > 10 else ""),
                    format_problems(checked.problems, limit=3))
    return checked.rows


def _csv_frame(path: Path, table: RawTable) -> pd.DataFrame:
    """A CSV file as text columns (empty field = NULL) with each record's first line in SOURCE_ROW. Parsed here
    rather than by DuckDB's sniffer, which re-guesses the dialect around a malformed line instead of naming it."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header is None:
                raise RawDataError(table.name, str(path), None, "empty file (no header, no rows)")
            duplicated = sorted({name for name in header if header.count(name) > 1})
            if duplicated:
                raise RawDataError(table.name, str(path), duplicated[0], "column named twice in the header (line 1)")
            records, lines, wrong = [], [], []
            next_line = reader.line_num + 1
            for record in reader:
                line, next_line = next_line, reader.line_num + 1
                if not record:
                    continue  # a blank line holds no row
                if len(record) != len(header):
                    wrong.append(f"line {line} has {len(record)}")
                    continue
                records.append(record)
                lines.append(line)
    except UnicodeDecodeError:
        raise RawDataError(table.name, str(path), None, _not_utf8(path)) from None
    except csv.Error as exc:
        raise RawDataError(table.name, str(path), None, f"malformed CSV at line {reader.line_num}: {exc}") from exc
    if wrong:
        shown = ", ".join(wrong[:10]) + (f" and {len(wrong) - 10} more" if len(wrong) > 10 else "")
        raise RawDataError(table.name, str(path), None,
                           f"{len(wrong)} line(s) with the wrong number of fields (the header, line 1, has "
                           f"{len(header)}): {shown}")
    frame = pd.DataFrame(records, columns=header, dtype=object).replace("", None)
    frame[SOURCE_ROW] = lines
    return frame


def _not_utf8(path: Path) -> str:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:  # decoded whole here, so the offset is the file's
        line = data[:exc.start].count(b"\n") + 1
        return f"not UTF-8 text: byte {data[exc.start]:#04x} at line {line}"
    return "not UTF-8 text"


class FileRawSource:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._file_checks: dict[tuple, str] = {}
        self._csv_frames: dict[tuple, pd.DataFrame] = {}
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
    def _stamp(path: Path) -> tuple:
        stat = path.stat()
        return str(path), stat.st_mtime_ns, stat.st_size

    def _scan(self, conn: duckdb.DuckDBPyConnection, table: RawTable, path: Path) -> str:
        """The file as a DuckDB relation with SOURCE_ROW: Parquet read in place (pruned by date), CSV parsed once
        per file version."""
        if path.suffix != ".csv":
            return (f"(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS {SOURCE_ROW} "
                    f"FROM read_parquet('{path}', file_row_number = true))")
        stamp = self._stamp(path)
        with self._lock:
            frame = self._csv_frames.get(stamp)
        if frame is None:
            frame = _csv_frame(path, table)
            with self._lock:
                self._csv_frames = {stamp: frame, **{k: v for k, v in self._csv_frames.items() if k[0] != stamp[0]}}
        conn.register("raw_csv", frame)
        return "raw_csv"

    def _date_filter(self, conn: duckdb.DuckDBPyConnection, table: RawTable, path: Path, scan: str) -> str:
        """Whole-file checks, once per file version (columns present, rows present, every row dated); returns
        the date expression to filter on: the bare column when typed as a date, so Parquet row groups are pruned."""
        stamp = self._stamp(path)
        with self._lock:
            if stamp in self._file_checks:
                return self._file_checks[stamp]
        try:
            described = conn.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        except duckdb.Error as exc:
            raise RawDataError(table.name, str(path), None, f"unreadable file: {exc}") from exc
        present = [row[0] for row in described if row[0] != SOURCE_ROW]
        types = {row[0]: row[1] for row in described}
        missing = [c.name for c in table.required_columns if c.name not in present]
        if missing:
            raise RawDataError(
                table.name, str(path), missing[0], f"required column(s) missing: {', '.join(missing)}; found {present}"
            )
        date_col = table.date_column
        undated = conn.execute(
            f'SELECT * FROM {scan} WHERE TRY_CAST("{date_col}" AS DATE) IS NULL ORDER BY {SOURCE_ROW} LIMIT 10'
        ).fetchdf()
        if len(undated):
            shown = undated[[c for c in dict.fromkeys([*table.key, date_col]) if c in undated.columns]]
            raise RawDataError(table.name, str(path), date_col, "missing or unparseable dates",
                               shown.assign(**{row_word(str(path)): undated[SOURCE_ROW].to_numpy()}))
        if conn.execute(f"SELECT count(*) FROM {scan}").fetchone()[0] == 0:
            raise RawDataError(table.name, str(path), None, "file has a header but no rows; remove it if the table is not available")
        typed = types[date_col] == "DATE" or types[date_col].startswith("TIMESTAMP")
        expression = f'"{date_col}"' if typed else f'TRY_CAST("{date_col}" AS DATE)'
        with self._lock:
            self._file_checks[stamp] = expression
        return expression

    def read_checked(self, table: str, start: dt.date, end: dt.date) -> CheckedRows:
        spec = RAW_TABLES[table]
        path = self._file_for(spec)
        if path is None:
            return empty_checked(spec, self.location(table))
        if path.stat().st_size == 0:
            raise RawDataError(spec.name, str(path), None, "empty file (no header, no rows)")
        with memory_connection() as conn:
            scan = self._scan(conn, spec, path)
            date_expr = self._date_filter(conn, spec, path, scan)
            frame = conn.execute(
                f"SELECT * FROM {scan} WHERE {date_expr} >= ? AND {date_expr} < ? ORDER BY {SOURCE_ROW}", [start, end]
            ).fetchdf()
        return check_raw_frame(frame, spec, str(path), frame.pop(SOURCE_ROW))

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        return passed_rows(self.read_checked(table, start, end))
