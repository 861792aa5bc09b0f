"""The Dagster instance on a real PostgreSQL server (the storage deploy/dagster.yaml configures), started by the test:
range runs, per-day check results and quarantined days are recorded there exactly as on the SQLite instance."""

from pathlib import Path

import dagster as dg
import pytest
import yaml

from nba_assets.partitions import game_days
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import BOX_SCORES_COMPLETE
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources
from nba_assets_tests.builders import materialize, read_table, write_raw
from nba_assets_tests.postgres import running_postgres
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G4, NO_GAMES, league_tables

PROJECT_INSTANCE_CONFIG = Path(__file__).resolve().parents[1] / "dagster_home" / "dagster.yaml"

DAYS = dg.DailyPartitionsDefinition(start_date="2022-10-18", end_date="2022-10-22")


@pytest.fixture(scope="module")
def postgres_server():
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_instance(postgres_server, tmp_path):
    """A fresh instance (its own database schema is migrated on first use) on the module's server."""
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump({"storage": postgres_server.dagster_storage(),
                                                           "telemetry": {"enabled": False}}))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance
        instance.wipe()


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def days_counted(context: dg.AssetExecutionContext) -> None:
    context.log.info(f"{len(context.partition_keys)} days")


def test_a_range_run_is_recorded_per_day_on_postgres(postgres_instance):
    assert type(postgres_instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    result = dg.materialize([days_counted], instance=postgres_instance,
                            tags={"dagster/asset_partition_range_start": "2022-10-18",
                                  "dagster/asset_partition_range_end": "2022-10-20"})
    assert result.success
    assert postgres_instance.get_materialized_partitions(days_counted.key) == {"2022-10-18", "2022-10-19", "2022-10-20"}


@pytest.fixture(params=["sqlite", "postgres"])
def instance(request, tmp_path):
    """The project's instance (dagster_home/dagster.yaml, SQLite) or the same on the Postgres server."""
    home = tmp_path / request.param
    home.mkdir()
    config = yaml.safe_load(PROJECT_INSTANCE_CONFIG.read_text())
    if request.param == "postgres":
        config["storage"] = request.getfixturevalue("postgres_server").dagster_storage()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance
        if request.param == "postgres":
            instance.wipe()


def _executions(instance: dg.DagsterInstance, run_id: str, table: str, check: str) -> dict[str | None, str]:
    key = dg.AssetCheckKey(dg.AssetKey(["nba_analytics", table]), check)
    return {record.partition: record.status.value
            for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
            if record.run_id == run_id}


PARTITION_STATUSES = """
query Statuses($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode { assetPartitionStatuses { ... on TimePartitionStatuses { ranges { status startKey endKey } } } }
  }
}
"""


def partitions_page(instance: dg.DagsterInstance, key: dg.AssetKey) -> list[tuple[str, str, str]]:
    """(status, first day, last day) of the asset's partitions as the UI's partitions page asks for them."""
    from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql

    definitions = Path(__file__).resolve().parents[1] / "nba_assets" / "definitions.py"
    with define_out_of_process_context(str(definitions), "defs", instance) as context:
        result = execute_dagster_graphql(context, PARTITION_STATUSES, {"key": {"path": key.path}})
    ranges = result.data["assetNodeOrError"]["assetPartitionStatuses"]["ranges"]
    return [(r["status"], r["startKey"], r["endKey"]) for r in ranges]


def test_per_day_check_results_and_quarantine_are_recorded_alike_on_sqlite_and_postgres(instance, tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables(drop_game=G4))  # a Final game without box scores on DAY3
    warehouse = tmp_path / "w.duckdb"
    result = materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3, instance=instance)
    assert result.success
    # the range run planned every day; the failed day got its own result, the others keep the plan, the run a summary
    assert _executions(instance, result.run_id, "team_offense_game_summary", BOX_SCORES_COMPLETE.check) == {
        DAY1: "PLANNED", NO_GAMES: "PLANNED", DAY3: "FAILED", None: "FAILED"}
    assert _executions(instance, result.run_id, "team_defense_game_summary", "inputs_published") == {
        DAY1: "PLANNED", NO_GAMES: "PLANNED", DAY3: "FAILED", None: "FAILED"}
    assert _executions(instance, result.run_id, "player_game_summary", "column_rules") == {
        DAY1: "PLANNED", NO_GAMES: "PLANNED", DAY3: "PLANNED", None: "SUCCEEDED"}
    offense = dg.AssetKey(["nba_analytics", "team_offense_game_summary"])
    assert instance.get_status_by_partition(offense, [DAY1, NO_GAMES, DAY3], game_days) == {
        DAY1: dg.AssetPartitionStatus.MATERIALIZED, NO_GAMES: dg.AssetPartitionStatus.MATERIALIZED,
        DAY3: dg.AssetPartitionStatus.FAILED}
    assert partitions_page(instance, offense) == [("MATERIALIZED", DAY1, NO_GAMES), ("FAILED", DAY3, DAY3)]

    write_raw(raw, league_tables())  # the box scores arrive; the day alone is rebuilt, as the daily sensor does
    healed = dg.materialize(PHASE3_ASSETS, instance=instance, partition_key=DAY3,
                            resources=duckdb_resources(str(warehouse), RawSourceResource(raw_dir=str(raw))))
    assert healed.success
    # a one-day run records the day's result like a range run: the day failed before, so it is written as healed
    assert _executions(instance, healed.run_id, "team_offense_game_summary", BOX_SCORES_COMPLETE.check) == {
        DAY3: "SUCCEEDED", None: "SUCCEEDED"}
    assert _executions(instance, healed.run_id, "player_game_summary", "column_rules") == {DAY3: "PLANNED", None: "SUCCEEDED"}
    assert instance.get_status_by_partition(offense, [DAY3], game_days) == {DAY3: dg.AssetPartitionStatus.MATERIALIZED}
    assert read_table(warehouse, "nba_quality.quarantine").empty
