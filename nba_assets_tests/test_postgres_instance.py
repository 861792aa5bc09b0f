"""The Dagster instance on a real PostgreSQL server (the storage deploy/dagster.yaml configures), started by the test."""

import dagster as dg
import pytest
import yaml

from nba_assets_tests.postgres import running_postgres

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
