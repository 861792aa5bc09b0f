"""Throwaway warehouses on DuckDB and on the BigQuery emulator behind one interface, as pytest fixtures: test
modules import the fixtures they use."""

from __future__ import annotations

import dataclasses
import uuid

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest
from google.cloud import bigquery

from nba_assets.calendar import SEASON_CALENDAR
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import PHASE3_TABLES
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import bigquery_resources, duckdb_resources
from nba_assets.settings import BigQuerySettings
from nba_assets.storage.bigquery import BigQueryJobs
from nba_assets.storage.schema import TableSchema
from nba_assets_tests.builders import RANGE_END, RANGE_START, write_raw
from nba_assets_tests.emulator import EMULATOR_PROJECT
from nba_assets_tests.test_phase3_crafted import league_tables

PHASE3_WITH_CALENDAR = (SEASON_CALENDAR, *PHASE3_TABLES)
# the commands that only read the warehouse, run against each storage by the tests (the slate command joins them)
WAREHOUSE_READER_COMMANDS = [["coverage", "--json"], ["evaluate", "--json"]]


def bigquery_type(arrow_type: pa.DataType) -> str:
    for is_type, name in ((pa.types.is_string, "STRING"), (pa.types.is_large_string, "STRING"),
                          (pa.types.is_integer, "INT64"), (pa.types.is_floating, "FLOAT64"), (pa.types.is_boolean, "BOOL"),
                          (pa.types.is_date32, "DATE"), (pa.types.is_timestamp, "TIMESTAMP")):
        if is_type(arrow_type):
            return name
    raise TypeError(f"no BigQuery type for {arrow_type}")


def upload_raw(jobs: BigQueryJobs, dataset: str, tables: dict) -> None:
    """Raw tables (Arrow tables, frames or lists of rows) as tables of a new nba_raw dataset, typed as in their files."""
    jobs.client.create_dataset(dataset)
    for name, rows in tables.items():
        arrow = rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
        schema = [bigquery.SchemaField(f.name, bigquery_type(f.type)) for f in arrow.schema]
        jobs.load(arrow, f"{dataset}.{name}", schema)


@dataclasses.dataclass
class Backend:
    """One throwaway warehouse: its resources (io_manager, warehouse), run with the raw source of each call."""

    resources: dict
    tables: tuple[TableSchema, ...] = PHASE3_WITH_CALENDAR

    def materialize(self, raw: RawSourceResource, start: str, end: str | None = None, assets=PHASE3_ASSETS,
                    raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            list(assets), resources={**self.resources, "raw": raw}, instance=dg.DagsterInstance.ephemeral(),
            tags={RANGE_START: start, RANGE_END: end or start}, raise_on_error=raise_on_error,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )

    def read(self, table: TableSchema) -> pd.DataFrame:
        """The whole table in declared dtypes, in key order."""
        frame = self.resources["warehouse"].read_table(table)
        return frame.sort_values(list(table.key)).reset_index(drop=True)

    def snapshot(self) -> dict[str, pd.DataFrame]:
        return {table.name: self.read(table) for table in self.tables}


def assert_same_tables(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert actual.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)


@pytest.fixture
def file_raw(tmp_path) -> RawSourceResource:
    """The crafted three-day league of test_phase3_crafted as raw files."""
    return RawSourceResource(raw_dir=str(write_raw(tmp_path / "raw", league_tables())))


@pytest.fixture
def duckdb_backend(tmp_path) -> Backend:
    return Backend(duckdb_resources(str(tmp_path / "warehouse.duckdb"), RawSourceResource()))


@pytest.fixture
def bigquery_settings(bigquery_emulator) -> BigQuerySettings:
    """Datasets of their own for each test (nba_analytics_<suffix>, ...) in the session's emulator."""
    return BigQuerySettings(project=EMULATOR_PROJECT, api_endpoint=bigquery_emulator, dataset_suffix=f"_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def bigquery_backend(bigquery_settings) -> Backend:
    return Backend(bigquery_resources(bigquery_settings, RawSourceResource()))


@pytest.fixture
def bigquery_jobs(bigquery_settings) -> BigQueryJobs:
    return BigQueryJobs(EMULATOR_PROJECT, None, bigquery_settings.api_endpoint, timeout=60, retry_deadline=60)


@pytest.fixture(params=["duckdb", "bigquery"])
def backend(request) -> Backend:
    return request.getfixturevalue(f"{request.param}_backend")
