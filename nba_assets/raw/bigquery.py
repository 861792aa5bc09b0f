"""The production raw source: the nba_raw BigQuery dataset, one table per contract table (RAW_TABLES names)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_assets.raw.contract import RAW_TABLES, CheckedRows, RawDataError, check_raw_frame, empty_checked
from nba_assets.raw.sources import passed_rows
from nba_assets.storage.bigquery import BigQueryJobs, date_parameter


class BigQueryRawSource:
    """Reads contract columns of one date range from `project.dataset.table`; the date column is a DATE, so the
    range filter prunes a table partitioned on it."""

    def __init__(self, jobs: BigQueryJobs, project: str, dataset: str):
        self.jobs = jobs
        self.project = project
        self.dataset = dataset

    def describe(self) -> str:
        return f"BigQuery dataset {self.project}.{self.dataset}"

    def location(self, table: str) -> str:
        return f"{self.project}.{self.dataset}.{table}"

    def has_table(self, table: str) -> bool:
        return self.jobs.table_or_none(self.location(table)) is not None

    def statement(self, table: str, start: dt.date, end: dt.date) -> tuple[str, list] | None:
        """The SELECT of the contract columns present, dated start <= date < end (bound DATE parameters, so a table
        partitioned on its date column is pruned); None when an optional table is absent."""
        spec = RAW_TABLES[table]
        where = self.location(table)
        stored = self.jobs.table_or_none(where)
        if stored is None:
            if spec.required:
                raise RawDataError(table, where, None, "required table not found")
            return None
        present = [field.name for field in stored.schema]
        missing = [c.name for c in spec.required_columns if c.name not in present]
        if missing:
            raise RawDataError(table, where, missing[0], f"required column(s) missing: {', '.join(missing)}; found {present}")
        # columns outside the contract (scraper metadata) are never read: BigQuery bills by column
        columns = ", ".join(f"`{c}`" for c in spec.column_names if c in present)
        return (f"SELECT {columns} FROM `{where}` WHERE `{spec.date_column}` >= @range_start AND `{spec.date_column}` < @range_end",
                [date_parameter("range_start", start), date_parameter("range_end", end)])

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        return passed_rows(self.read_checked(table, start, end))

    def read_checked(self, table: str, start: dt.date, end: dt.date) -> CheckedRows:
        """The same contract as the files; rows are named by their key (BigQuery rows have no stable number)."""
        statement = self.statement(table, start, end)
        if statement is None:
            return empty_checked(RAW_TABLES[table], self.location(table))
        return check_raw_frame(self.jobs.frame(*statement), RAW_TABLES[table], self.location(table))
