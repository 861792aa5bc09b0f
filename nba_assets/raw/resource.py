"""The raw source as a Dagster resource, and the nba_raw tables as external assets for lineage."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from nba_assets import settings
from nba_assets.raw.contract import RAW_TABLES, CheckedRows
from nba_assets.raw.sources import FileRawSource, RawSource, passed_rows

ALL_TIME = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))


NO_RAW_SOURCE = (
    "no raw source is configured, so nothing can read raw data. Configure one of: "
    "NBA_ASSETS_RAW_DIR=<folder> with one file per table in the raw-file contract (docs/raw-contract.md); "
    "NBA_ASSETS_STORAGE=bigquery with NBA_ASSETS_BQ_PROJECT=<project> to read its nba_raw dataset "
    "(docs/production.md); or the simulated league: `nba-assets simulate` writes it into a folder, then "
    "NBA_ASSETS_RAW_DIR=<that folder> (make demo and make dev do both)"
)


class RawSourceNotConfigured(RuntimeError):
    def __init__(self) -> None:
        super().__init__(NO_RAW_SOURCE)


class RawSourceResource(dg.ConfigurableResource):
    """Where raw tables come from: a folder of files (raw_dir) or the nba_raw BigQuery dataset (bigquery_project).

    With neither, the definitions still load (the UI shows the graph) but every read raises RawSourceNotConfigured:
    there is no default source, so a run never silently reads data nobody chose."""

    raw_dir: str | None = None
    bigquery_project: str | None = None
    bigquery_raw_dataset: str = "nba_raw"
    bigquery_location: str | None = None
    bigquery_api_endpoint: str | None = None
    _source: RawSource | None = PrivateAttr(default=None)
    _run_reads: dict | None = PrivateAttr(default=None)

    @classmethod
    def from_environment(cls) -> "RawSourceResource":
        """Raw files when NBA_ASSETS_RAW_DIR is set, else nba_raw when the storage is BigQuery, else no source."""
        folder = settings.raw_dir()
        if folder is None and settings.storage_backend() == "bigquery":
            bq = settings.bigquery_settings()
            return cls(bigquery_project=bq.project, bigquery_raw_dataset=bq.raw_dataset,
                       bigquery_location=bq.location, bigquery_api_endpoint=bq.api_endpoint)
        return cls(raw_dir=str(folder) if folder else None)

    def source(self) -> RawSource:
        if self._source is None:
            if self.raw_dir:
                self._source = FileRawSource(Path(self.raw_dir))
            elif self.bigquery_project:
                # imported here: dagster-gcp adds about a second to every start, and only nba_raw in BigQuery needs it
                from nba_assets.raw.bigquery import BigQueryRawSource
                from nba_assets.storage.bigquery import DEFAULT_JOB_TIMEOUT_SECONDS, DEFAULT_RETRY_DEADLINE_SECONDS, BigQueryJobs

                jobs = BigQueryJobs(self.bigquery_project, self.bigquery_location, self.bigquery_api_endpoint,
                                    DEFAULT_JOB_TIMEOUT_SECONDS, DEFAULT_RETRY_DEADLINE_SECONDS)
                self._source = BigQueryRawSource(jobs, self.bigquery_project, self.bigquery_raw_dataset)
            else:
                raise RawSourceNotConfigured()
        return self._source

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_reads = {}

    def read_checked(self, table: str, start: dt.date, end: dt.date) -> CheckedRows:
        """The rows that passed the contract and the problems of those kept out (nba_assets.raw.reads).

        While the resource is initialized for a run (or a sensor tick), each read is kept and given again, its rows
        copied, to the next step asking for the same table and days: a run's steps read the same windows of the box
        scores, props and schedule several times, and so all see the same raw rows. Nothing is kept across runs or
        ticks, nor by a resource used outside execution (the CLI)."""
        if self._run_reads is None:
            return self.source().read_checked(table, start, end)
        checked = self._run_reads.get((table, start, end))
        if checked is None:
            checked = self._run_reads[(table, start, end)] = self.source().read_checked(table, start, end)
        return dataclasses.replace(checked, rows=checked.rows.copy())

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """The rows that passed the contract, for readers that cannot quarantine a day (see passed_rows)."""
        return passed_rows(self.read_checked(table, start, end))

    def read_all(self, table: str) -> pd.DataFrame:
        return self.read(table, *ALL_TIME)

    def has_table(self, table: str) -> bool:
        return self.source().has_table(table)

    def location(self, table: str) -> str:
        return self.source().location(table)


RAW_ASSET_SPECS = [
    dg.AssetSpec(
        key=dg.AssetKey(["nba_raw", table.name]),
        group_name="nba_raw",
        description=f"{table.description} {'Required.' if table.required else 'Optional: ' + table.absent_behaviour + '.'}",
        kinds={"parquet"},
        metadata={"contract": "docs/raw-contract.md", "date_column": table.date_column,
                  "key": ", ".join(table.key) or "(none)"},
    )
    for table in RAW_TABLES.values()
]


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["nba_raw", table])
