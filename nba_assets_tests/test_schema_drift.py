"""A stored table that drifted from its declared schema is refused before anything is written, on DuckDB and on
BigQuery (the emulator), and `nba-assets rebuild` is the way back: the drifted table is set aside and the table and
everything downstream of it are recomputed, equal to a clean run's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from google.cloud import bigquery

from nba_assets.checks.warehouse import ALL_TABLES
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.storage.bigquery import BigQueryJobs, arrow_rows
from nba_assets_tests.backends import (  # noqa: F401 (fixtures)
    Backend,
    assert_same_tables,
    backend,
    bigquery_backend,
    bigquery_jobs,
    bigquery_settings,
    duckdb_backend,
    file_raw,
)
from nba_assets_tests.builders import failure_message
from nba_assets_tests.emulator import EMULATOR_PROJECT
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3

pytestmark = pytest.mark.emulator

GRAPH = PHASE3_ASSETS + PHASE4_ASSETS + PREDICTION_ASSETS
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIFTED = PLAYER_GAME_SUMMARY
# the three ways a stored table drifts, and how each shows in the refusal on (DuckDB, BigQuery)
TYPE, UNDECLARED, MISSING = "type", "undeclared_column", "missing_column"
DRIFTS = {
    TYPE: ("column usage_rate: stored BIGINT, declared FLOAT64", "column usage_rate: stored INT64, declared FLOAT64"),
    UNDECLARED: ("column scraper_note: stored VARCHAR, not declared", "column scraper_note: stored STRING, not declared"),
    MISSING: ("column plus_minus: declared INT64, not stored", "column plus_minus: declared INT64, not stored"),
}


def drift_duckdb(backend: Backend, kinds) -> None:
    statements = {
        TYPE: "ALTER TABLE {t} ALTER COLUMN usage_rate TYPE BIGINT",  # DuckDB rounds the stored values
        UNDECLARED: "ALTER TABLE {t} ADD COLUMN scraper_note VARCHAR",
        MISSING: "ALTER TABLE {t} DROP COLUMN plus_minus",
    }
    conn = duckdb.connect(backend.resources["warehouse"].database)
    try:
        for kind in kinds:
            conn.execute(statements[kind].format(t=DRIFTED.qualified_name))
    finally:
        conn.close()


def drift_bigquery(backend: Backend, jobs: BigQueryJobs, kinds) -> None:
    """The emulator ignores ALTER TABLE ... ADD/DROP COLUMN and SET DATA TYPE, so the drifted table is made anew
    through the API: same rows and partitioning, the drifted schema."""
    target = bigquery_table_id(backend, DRIFTED.dataset, DRIFTED.name)
    rows = arrow_rows(DRIFTED, DRIFTED.conform(jobs.frame(f"SELECT * FROM `{target}`")))
    if TYPE in kinds:
        rounded = pc.cast(pc.round(rows["usage_rate"]), pa.int64())
        rows = rows.set_column(rows.schema.get_field_index("usage_rate"), "usage_rate", rounded)
    if UNDECLARED in kinds:
        rows = rows.append_column("scraper_note", pa.nulls(len(rows), pa.string()))
    if MISSING in kinds:
        rows = rows.drop_columns(["plus_minus"])
    types = {pa.string(): "STRING", pa.int64(): "INT64", pa.float64(): "FLOAT64", pa.bool_(): "BOOL", pa.date32(): "DATE"}
    schema = [bigquery.SchemaField(field.name, types.get(field.type, "TIMESTAMP")) for field in rows.schema]
    jobs.client.delete_table(target)
    created = bigquery.Table(target, schema=schema)
    created.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field=DRIFTED.date_column)
    jobs.client.create_table(created)
    jobs.load(rows, target, schema)


def bigquery_table_id(backend: Backend, dataset: str, name: str) -> str:
    io_manager = backend.resources["io_manager"]
    return f"{io_manager.project}.{dataset}{io_manager.dataset_suffix}.{name}"


def stored_table(backend: Backend, jobs: BigQueryJobs | None, dataset: str, name: str, key) -> pd.DataFrame:
    """A table as stored, whatever its columns, in key order."""
    if jobs is None:
        conn = duckdb.connect(backend.resources["warehouse"].database, read_only=True)
        try:
            frame = conn.execute(f"SELECT * FROM {dataset}.{name}").fetchdf()
        finally:
            conn.close()
    else:
        frame = jobs.frame(f"SELECT * FROM `{bigquery_table_id(backend, dataset, name)}`")
    return frame.sort_values(list(key)).reset_index(drop=True)


def stored_rows(backend: Backend, jobs: BigQueryJobs | None) -> dict[str, pd.DataFrame]:
    return {table.name: stored_table(backend, jobs, table.dataset, table.name, table.key) for table in backend.tables}


@pytest.mark.parametrize("storage", ["duckdb", "bigquery"])
def test_a_drifted_table_is_refused_and_left_unchanged(request, storage, file_raw):
    """A type changed, an undeclared column and a declared column gone, at once: each is named."""
    backend: Backend = request.getfixturevalue(f"{storage}_backend")
    jobs = request.getfixturevalue("bigquery_jobs") if storage == "bigquery" else None
    backend.materialize(file_raw, DAY1, DAY3)
    drift_duckdb(backend, DRIFTS) if jobs is None else drift_bigquery(backend, jobs, DRIFTS)
    before = stored_rows(backend, jobs)

    refused = backend.materialize(file_raw, DAY3, raise_on_error=False)
    message = failure_message(refused)
    for wording in DRIFTS.values():
        assert wording[storage == "bigquery"] in message, message
    assert f"{DRIFTED.name}" in message and "nothing was written" in message
    assert f"nba-assets rebuild --table {DRIFTED.qualified_name}" in message
    failed_steps = {event.step_key for event in refused.all_events if event.is_step_failure}
    assert failed_steps == {"nba_analytics__player_game_summary"}
    assert_same_tables(stored_rows(backend, jobs), before)


def run_cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nba_assets.cli", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"nba-assets {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.parametrize("storage", ["duckdb", "bigquery"])
def test_rebuild_sets_the_drifted_table_aside_and_recomputes_it(request, storage, file_raw, tmp_path):
    """On DuckDB with the tables downstream (the whole graph); on BigQuery the table alone (--only-table), which is
    what differs there: setting the table aside and creating it anew."""
    backend: Backend = request.getfixturevalue(f"{storage}_backend")
    jobs = request.getfixturevalue("bigquery_jobs") if storage == "bigquery" else None
    with_downstream = jobs is None
    if with_downstream:
        backend.tables = tuple(ALL_TABLES)
    backend.materialize(file_raw, DAY1, DAY3, assets=GRAPH if with_downstream else PHASE3_ASSETS)
    clean = backend.snapshot()
    drift_duckdb(backend, [TYPE]) if jobs is None else drift_bigquery(backend, jobs, [TYPE])
    drifted = stored_table(backend, jobs, DRIFTED.dataset, DRIFTED.name, DRIFTED.key)

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(os.path.join(PROJECT_ROOT, "dagster_home", "dagster.yaml"), home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "NBA_ASSETS_RAW_DIR": file_raw.raw_dir, "NBA_ASSETS_STORAGE": storage}
    if jobs is None:
        env["NBA_ASSETS_WAREHOUSE"] = backend.resources["warehouse"].database
    else:
        io_manager = backend.resources["io_manager"]
        env.update(NBA_ASSETS_BQ_PROJECT=io_manager.project, NBA_ASSETS_BQ_API_ENDPOINT=io_manager.api_endpoint,
                   NBA_ASSETS_BQ_DATASET_SUFFIX=io_manager.dataset_suffix)
    done = run_cli(["rebuild", "--table", DRIFTED.qualified_name, *([] if with_downstream else ["--only-table"])], env)
    assert DRIFTS[TYPE][storage == "bigquery"] in done.stdout, done.stdout
    assert f"over {DAY1} .. {DAY3}" in done.stdout, done.stdout
    assert ("nba_predictions/player_prop_predictions" in done.stdout) == with_downstream, done.stdout
    aside = next(line for line in done.stdout.splitlines() if "the stored rows are kept in" in line)
    aside_name = aside.split("kept in ")[1].split(";")[0].split(" in ")[0].rsplit(".", 1)[1]

    assert_same_tables(backend.snapshot(), clean)
    # the drifted rows, rounded usage_rate and all, are kept under the new name
    pd.testing.assert_frame_equal(stored_table(backend, jobs, DRIFTED.dataset, aside_name, DRIFTED.key), drifted)
    assert run_cli(["rebuild", "--table", DRIFTED.name], env).stdout.startswith(
        f"{DRIFTED.qualified_name} matches its declared schema: nothing to rebuild")
