"""The batching event log records what Dagster's stock SQLite event log records: the same check executions per
check and day (planned, then passed or failed) and the same materialized partitions."""

from __future__ import annotations

import shutil

import dagster as dg

from nba_assets import settings
from nba_assets.instance.event_log import RECOMMENDED_BATCH_SIZE
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets_tests.builders import materialize, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G4, league_tables


def _recorded(instance: dg.DagsterInstance, run_id: str) -> tuple[dict, dict]:
    """check -> sorted (day, status) of its executions; table -> materialized days."""
    checks, tables = {}, {}
    for asset in PHASE3_ASSETS:
        for check_key in asset.check_keys:
            history = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=1000)
            checks[check_key.to_user_string()] = sorted(
                (record.partition or "", record.status.value) for record in history if record.run_id == run_id)
        if asset.partitions_def is not None:
            tables[asset.key.to_user_string()] = sorted(instance.get_materialized_partitions(asset.key))
    return checks, tables


def test_batched_writes_record_what_the_stock_event_log_records(tmp_path, monkeypatch):
    raw = write_raw(tmp_path / "raw", league_tables(drop_game=G4))  # DAY3's box-score checks fail
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", RECOMMENDED_BATCH_SIZE)
    outcomes = []
    for name, configured in (("stock", False), ("batching", True)):
        home = tmp_path / name
        home.mkdir()
        if configured:
            shutil.copyfile(settings.PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert (type(instance.event_log_storage).__name__ == "BatchingSqliteEventLogStorage") == configured
            result = materialize(PHASE3_ASSETS, raw, tmp_path / f"{name}.duckdb", DAY1, DAY3, instance=instance)
            outcomes.append(_recorded(instance, result.run_id))

    (stock_checks, stock_tables), (batched_checks, batched_tables) = outcomes
    assert batched_checks == stock_checks and batched_tables == stock_tables
    box_scores = stock_checks["nba_analytics/team_offense_game_summary:box_scores_complete"]
    assert (DAY3, "FAILED") in box_scores and (DAY1, "SUCCEEDED") in box_scores
    assert stock_tables["nba_analytics/player_game_summary"] == [DAY1, "2022-10-19", DAY3]
