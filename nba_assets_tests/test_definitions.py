"""The code location loads without data, and its shape is what the design says."""

import importlib
from pathlib import Path

import dagster as dg
import pytest

from nba_assets import settings
from nba_assets.partitions import HISTORY_DAYS, game_days


@pytest.fixture(scope="module")
def repository():
    import nba_assets.definitions as definitions

    return importlib.reload(definitions).defs.get_repository_def()


def _table_assets(repository):
    """Materializable assets that are warehouse tables (the evaluation report is not one)."""
    graph = repository.asset_graph
    return [node for node in graph.asset_nodes if node.is_materializable and "dagster/table_name" in node.metadata]


def test_the_evaluation_report_is_an_on_demand_asset_outside_the_backfill(repository):
    key = dg.AssetKey(["nba_predictions", "prediction_evaluation"])
    node = repository.asset_graph.get(key)
    assert node.partitions_def is None and "dagster/table_name" not in node.metadata
    assert node.parent_keys == {dg.AssetKey(["nba_predictions", "prediction_accuracy"])}
    assert key not in repository.get_job("nba_graph").asset_layer.selected_asset_keys
    assert repository.get_job("prediction_evaluation").asset_layer.selected_asset_keys == {key}


def test_definitions_load_without_data(tmp_path, monkeypatch):
    monkeypatch.setenv("NBA_ASSETS_DATA_DIR", str(tmp_path / "nothing_here"))
    import nba_assets.definitions as definitions

    defs = importlib.reload(definitions).defs
    assert defs.resolve_job_def("nba_graph") is not None
    assert not (tmp_path / "nothing_here").exists()  # loading does not simulate, write or read data


def test_every_daily_table_shares_one_partitions_definition_and_single_run_backfills(repository):
    daily = [node for node in _table_assets(repository) if node.partitions_def is not None]
    # 5 Phase 3, 5 Phase 4 with the feature store, the model, predictions, the publications ledger, 2 grading
    assert len(daily) == 15
    for node in daily:
        assert node.partitions_def == game_days, node.key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), node.key
        assert node.key.path[0] in {"nba_analytics", "nba_precompute", "nba_predictions"}, node.key
    assert game_days.start.strftime("%Y-%m-%d") == "2021-10-19" and game_days.timezone == "America/New_York"
    unpartitioned = [node.key.to_user_string() for node in _table_assets(repository) if node.partitions_def is None]
    assert unpartitioned == ["nba_analytics/season_calendar"]
    readers = [node for node in repository.asset_graph.asset_nodes if node.is_materializable]
    pools = {repository.assets_defs_by_key[node.key].op.pool for node in readers}
    assert pools == {"warehouse"}  # one DuckDB writer at a time across runs; the slate's reads too (one process per file)


def test_lookback_windows_are_declared_on_the_graph(repository):
    graph = repository.asset_graph
    tdza = dg.AssetKey(["nba_precompute", "team_defense_zone_analysis"])
    mapping = graph.get_partition_mapping(tdza, dg.AssetKey(["nba_analytics", "team_defense_game_summary"]))
    assert isinstance(mapping, dg.TimeWindowPartitionMapping)
    assert (mapping.start_offset, mapping.end_offset) == (-HISTORY_DAYS, -1)  # never the day itself
    parents = graph.get(dg.AssetKey(["nba_predictions", "ml_feature_store"])).parent_keys
    assert {key.path[-1] for key in parents} >= {"player_daily_cache", "player_composite_factors",
                                                 "player_shot_zone_analysis", "team_defense_zone_analysis"}


def test_every_table_has_checks(repository):
    checks = {(key.asset_key.path[-1], key.name) for key in repository.asset_graph.asset_check_keys}
    for node in _table_assets(repository):
        table = node.key.path[-1]
        assert (table, "schema_matches_declaration") in checks and (table, "table_key_unique") in checks, table
        if node.partitions_def is not None and table != "pick_publications":  # a ledger of predictions' rows
            assert (table, "column_rules") in checks, table
    assert ("player_daily_cache", "windows_complete") in checks and ("player_game_summary", "box_scores_complete") in checks
    assert ("player_game_summary", "coverage") in checks and ("ml_feature_store", "fresh") in checks
    # same-day inputs gate publication; history inputs never do
    assert ("team_defense_game_summary", "inputs_published") in checks and ("ml_feature_store", "inputs_published") in checks
    assert ("team_offense_game_summary", "inputs_published") not in checks
    assert ("upcoming_team_game_context", "inputs_published") not in checks  # history and the calendar only


def test_checks_derive_from_the_declarations(repository):
    from nba_assets.catalog import GRAPH_TABLES
    from nba_assets.checks.rules import WINDOWS_COMPLETE

    checks = {(key.asset_key, key.name) for key in repository.asset_graph.asset_check_keys}
    for table in GRAPH_TABLES:
        for name in table.checks:
            assert (table.asset_key, name) in checks, (table.name, name)
        assert ((table.asset_key, WINDOWS_COMPLETE) in checks) == bool(table.windows), table.name
        assert ((table.asset_key, "coverage") in checks) == (table.coverage is not None), table.name
        assert ((table.asset_key, "fresh") in checks) == (table.deadline is not None), table.name


def test_automation_is_declared_and_stopped_by_default(repository):
    sensors = {sensor.name: sensor for sensor in repository.sensor_defs}
    assert set(sensors) == {"results_arrived", "pregame_ready", "slate_published_in_time", "daily_run_failure_alert"}
    assert all(s.default_status == dg.DefaultSensorStatus.STOPPED for s in sensors.values())
    schedule = repository.get_schedule_def("daily_warehouse_checks")
    assert schedule.cron_schedule == "30 10 * * *" and schedule.execution_timezone == "America/New_York"


def test_environment_overrides_the_locations(tmp_path, monkeypatch):
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(tmp_path / "elsewhere.duckdb"))
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    from nba_assets.resources import resources_from_environment

    resources = resources_from_environment()
    assert resources["io_manager"].database == str(tmp_path / "elsewhere.duckdb")
    assert resources["warehouse"].database == str(tmp_path / "elsewhere.duckdb")
    assert resources["raw"].raw_dir == str(tmp_path / "raw")
    home = settings.dagster_home()
    assert home == tmp_path / "home" and (home / "dagster.yaml").read_text() == (
        Path(settings.PROJECT_ROOT) / "dagster_home" / "dagster.yaml").read_text()
    monkeypatch.delenv("NBA_ASSETS_WAREHOUSE")
    monkeypatch.setenv("NBA_ASSETS_DATA_DIR", str(tmp_path / "data"))
    assert settings.warehouse_path() == tmp_path / "data" / "warehouse.duckdb"


def test_instance_configuration_is_valid_and_serializes_the_warehouse(tmp_path, monkeypatch):
    import shutil

    shutil.copyfile(Path(settings.PROJECT_ROOT) / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.event_log_storage).__module__.startswith("dagster.")  # Dagster's own storage, not ours
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_runtime_seconds == 7200
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert not instance.telemetry_enabled
    finally:
        instance.dispose()


def test_generated_docs_match_the_code():
    from nba_assets.docs import DOCS, GENERATED_DOCS

    for name, render in GENERATED_DOCS.items():
        assert (DOCS / name).read_text() == render(), f"docs/{name} is stale: run `nba-assets docs`"
