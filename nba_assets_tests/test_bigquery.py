"""Phase 3 on BigQuery (a local emulator) and on DuckDB from the crafted league of test_phase3_crafted: equal
tables on both, nba_raw read from BigQuery, idempotent reruns, one-day replacement, failed recomputations that
change nothing, and the BigQuery layout of the tables."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import dagster as dg
import pandas as pd
import pytest

from nba_assets.calendar import SEASON_CALENDAR
from nba_assets.partitions import game_days
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import PHASE3_TABLES, PLAYER_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY
from nba_assets.raw.contract import RawDataError, format_problems
from nba_assets.raw.reads import RawReads
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources, resources_from_environment
from nba_assets.storage.bigquery import BigQueryJobs, BigQueryWarehouse, WarehouseBigQueryIOManager
from nba_assets_tests.backends import (  # noqa: F401 (fixtures)
    Backend,
    assert_same_tables,
    backend,
    bigquery_backend,
    bigquery_jobs,
    bigquery_settings,
    duckdb_backend,
    file_raw,
    upload_raw,
)
from nba_assets_tests.builders import failure_message, write_raw
from nba_assets_tests.emulator import EMULATOR_PROJECT
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G2, G3, G4, NO_GAMES, league_tables

pytestmark = pytest.mark.emulator

TABLES = (SEASON_CALENDAR, *PHASE3_TABLES)
BOX_SCORE_TABLES = (TEAM_OFFENSE_GAME_SUMMARY, PLAYER_GAME_SUMMARY)
# the REST API may name types the legacy way
STANDARD_TYPE_NAMES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}


def on_day(frame: pd.DataFrame, day: str, column: str = "game_date") -> pd.DataFrame:
    return frame[frame[column] == pd.Timestamp(day)].reset_index(drop=True)


@pytest.fixture(scope="module")
def duckdb_tables(tmp_path_factory) -> Callable[[str | None], dict[str, pd.DataFrame]]:
    """The tables DuckDB holds after one run from DAY1 to `end` on the crafted league, computed once per window."""

    @functools.cache
    def tables(end: str | None) -> dict[str, pd.DataFrame]:
        folder = tmp_path_factory.mktemp("duckdb_reference")
        backend = Backend(duckdb_resources(str(folder / "warehouse.duckdb"), RawSourceResource()))
        backend.materialize(RawSourceResource(raw_dir=str(write_raw(folder / "raw", league_tables()))), DAY1, end)
        return backend.snapshot()

    return tables


@pytest.mark.parametrize("end", [None, DAY3], ids=["one_day", "range"])
def test_phase3_tables_equal_on_duckdb_and_bigquery(duckdb_tables, bigquery_backend, file_raw, end):
    bigquery_backend.materialize(file_raw, DAY1, end)
    expected = duckdb_tables(end)
    assert len(expected[TEAM_OFFENSE_GAME_SUMMARY.name]) == (4 if end is None else 8)
    assert_same_tables(bigquery_backend.snapshot(), expected)


def test_nba_raw_in_bigquery_gives_the_file_source_rows(duckdb_tables, bigquery_backend, bigquery_jobs, bigquery_settings, file_raw):
    raw_dataset = f"nba_raw{bigquery_settings.dataset_suffix}"
    upload_raw(bigquery_jobs, f"{EMULATOR_PROJECT}.{raw_dataset}", league_tables())
    bigquery_raw = RawSourceResource(bigquery_project=EMULATOR_PROJECT, bigquery_raw_dataset=raw_dataset,
                                     bigquery_api_endpoint=bigquery_settings.api_endpoint)
    bigquery_backend.materialize(bigquery_raw, DAY1, DAY3)
    assert_same_tables(bigquery_backend.snapshot(), duckdb_tables(DAY3))

    until_day3 = dt.date.fromisoformat(DAY1), dt.date.fromisoformat(DAY3)
    schedule = bigquery_raw.read("nbac_schedule", *until_day3)
    pd.testing.assert_frame_equal(schedule, file_raw.read("nbac_schedule", *until_day3))
    assert set(schedule["game_date"]) == {pd.Timestamp(DAY1)}  # the range's end is excluded
    assert not bigquery_raw.has_table("nbac_injury_report")
    assert bigquery_raw.read("nbac_injury_report", *until_day3).empty
    gamebook = f"{EMULATOR_PROJECT}.{raw_dataset}.nbac_gamebook_player_stats"
    bigquery_jobs.client.delete_table(gamebook)
    with pytest.raises(RawDataError, match=f"{gamebook}.*required table not found"):
        bigquery_raw.read("nbac_gamebook_player_stats", *until_day3)


def test_nba_raw_in_bigquery_refuses_rows_by_the_same_contract(bigquery_jobs, bigquery_settings):
    raw_dataset = f"nba_raw_refused{bigquery_settings.dataset_suffix}"
    tables = league_tables()
    next(row for row in tables["nbac_gamebook_player_stats"]
         if (row["game_id"], row["player_lookup"]) == (G3, "bos0"))["minutes"] = "2160"
    next(row for row in tables["nbac_schedule"] if row["game_id"] == G4)["away_team_tricode"] = "LAL"
    upload_raw(bigquery_jobs, f"{EMULATOR_PROJECT}.{raw_dataset}", tables)
    bigquery_raw = RawSourceResource(bigquery_project=EMULATOR_PROJECT, bigquery_raw_dataset=raw_dataset,
                                     bigquery_api_endpoint=bigquery_settings.api_endpoint)
    reads = RawReads(bigquery_raw, dt.date.fromisoformat(DAY1), dt.date.fromisoformat(DAY3) + dt.timedelta(days=1))
    gamebook = reads.read("nbac_gamebook_player_stats")

    location = f"{EMULATOR_PROJECT}.{raw_dataset}"
    lines = format_problems(reads.problems).splitlines()
    assert lines == [
        f"nbac_schedule ({location}.nbac_schedule) 2022-10-20, game {G4}: column 'home_team_tricode' = 'LAL': "
        "home team equals away team (LAL)",
        f"nbac_gamebook_player_stats ({location}.nbac_gamebook_player_stats) 2022-10-20, game {G3}, player bos0, "
        "team BOS: column 'minutes' = '2160': above 78: no game lasts longer than 78 minutes (48 + 5 per overtime, "
        "6 overtimes at most); seconds written as minutes?",
        f"nbac_gamebook_player_stats ({location}.nbac_gamebook_player_stats) 2022-10-20, game {G4}: column 'game_id' "
        f"= '{G4}': its game's nbac_schedule row was refused (see that problem) [10 rows]"]
    assert reads.problems["raw_row"].isna().all()  # BigQuery rows have no number: the key names them
    assert len(gamebook) == len(tables["nbac_gamebook_player_stats"]) - 11


def test_rerunning_a_range_changes_nothing(bigquery_backend, duckdb_tables, file_raw):
    """On BigQuery; test_phase3_crafted.test_rematerializing_changes_nothing is the DuckDB one."""
    bigquery_backend.materialize(file_raw, DAY1, DAY3)
    bigquery_backend.materialize(file_raw, DAY1, DAY3)
    after = bigquery_backend.snapshot()
    assert_same_tables(after, duckdb_tables(DAY3))
    for table in TABLES:
        assert not after[table.name].duplicated(list(table.key)).any(), table.name


def test_rematerializing_one_day_replaces_only_that_day(backend, file_raw, tmp_path):
    backend.materialize(file_raw, DAY1, DAY3)
    before = backend.snapshot()
    tables = league_tables()
    # the source loses a game of each day; only the day rerun may notice
    gamebook = [row for row in tables["nbac_gamebook_player_stats"] if row["game_id"] not in (G2, G3, G4)]
    write_raw(tmp_path / "raw", {"nbac_gamebook_player_stats": gamebook})
    backend.materialize(file_raw, DAY3)
    after = backend.snapshot()
    for table in BOX_SCORE_TABLES:
        assert on_day(after[table.name], DAY3).empty  # a day whose recomputation has no rows ends up empty
        pd.testing.assert_frame_equal(on_day(after[table.name], DAY1), on_day(before[table.name], DAY1))
        assert G2 in set(after[table.name]["game_id"])
    assert on_day(after[TEAM_OFFENSE_GAME_SUMMARY.name], NO_GAMES).empty


def misdated_team_offense(rows: pd.DataFrame):
    """A faulty recomputation of team_offense_game_summary: it returns rows of other days too."""

    @dg.asset(key=TEAM_OFFENSE_GAME_SUMMARY.asset_key, partitions_def=game_days, backfill_policy=dg.BackfillPolicy.single_run(),
              metadata={"partition_expr": TEAM_OFFENSE_GAME_SUMMARY.date_column})
    def team_offense_game_summary() -> pd.DataFrame:
        return rows

    return team_offense_game_summary


def test_failed_recomputation_leaves_previous_contents(backend, file_raw, tmp_path):
    backend.materialize(file_raw, DAY1, DAY3)
    before = backend.snapshot()

    tables = league_tables()
    without_points = pd.DataFrame(tables["nbac_gamebook_player_stats"]).drop(columns="points")
    write_raw(tmp_path / "raw", {"nbac_gamebook_player_stats": without_points})
    failed = backend.materialize(file_raw, DAY3, raise_on_error=False)
    assert "required column(s) missing: points" in failure_message(failed)
    assert_same_tables(backend.snapshot(), before)

    # refused by the write itself, where the stock IO managers have already deleted the window
    faulty = backend.materialize(file_raw, DAY3, assets=[misdated_team_offense(before[TEAM_OFFENSE_GAME_SUMMARY.name])],
                                 raise_on_error=False)
    assert "outside the partition window" in failure_message(faulty)
    assert_same_tables(backend.snapshot(), before)


def test_bigquery_tables_are_date_partitioned_with_declared_columns(bigquery_backend, bigquery_jobs, bigquery_settings, file_raw):
    bigquery_backend.materialize(file_raw, DAY1)
    for table in TABLES:
        stored = bigquery_jobs.client.get_table(f"{EMULATOR_PROJECT}.{table.dataset}{bigquery_settings.dataset_suffix}.{table.name}")
        assert (stored.time_partitioning.type_, stored.time_partitioning.field) == ("DAY", table.date_column), table.name
        stored_columns = [(f.name, STANDARD_TYPE_NAMES.get(f.field_type, f.field_type)) for f in stored.schema]
        assert stored_columns == [(c.name, c.type) for c in table.columns], table.name
    analytics = bigquery_jobs.client.list_tables(f"{EMULATOR_PROJECT}.nba_analytics{bigquery_settings.dataset_suffix}")
    assert {t.table_id for t in analytics} == {t.name for t in TABLES}  # no staging table left behind


def test_environment_selects_bigquery(monkeypatch):
    monkeypatch.setenv("NBA_ASSETS_STORAGE", "bigquery")
    monkeypatch.setenv("NBA_ASSETS_BQ_PROJECT", "nba-prod")
    monkeypatch.setenv("NBA_ASSETS_BQ_LOCATION", "US")
    monkeypatch.setenv("NBA_ASSETS_BQ_DATASET_SUFFIX", "_staging")
    monkeypatch.delenv("NBA_ASSETS_RAW_DIR", raising=False)
    resources = resources_from_environment()
    assert isinstance(resources["io_manager"], WarehouseBigQueryIOManager)
    assert isinstance(resources["warehouse"], BigQueryWarehouse)
    assert (resources["io_manager"].project, resources["io_manager"].dataset_suffix, resources["io_manager"].api_endpoint) == (
        "nba-prod", "_staging", None)
    raw = resources["raw"]
    assert (raw.bigquery_project, raw.bigquery_raw_dataset, raw.bigquery_location) == ("nba-prod", "nba_raw", "US")
