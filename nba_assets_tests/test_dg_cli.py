"""Dagster's own CLI on this project (README "Dagster's CLI"): `dg check defs`, `dg list defs` and a partition-range
`dg launch` of the whole graph, on the crafted three-day league with a throwaway instance and warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from nba_assets.definitions import GRAPH_JOB_NAME, defs
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY
from nba_assets_tests.builders import read_table, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, NO_GAMES, league_tables

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DG = Path(sys.executable).parent / "dg"


@pytest.fixture
def project_env(tmp_path) -> dict:
    """The environment a user's shell has for `dg`: the project's venv active, a raw source and the instance."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return {**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent), "DAGSTER_HOME": str(home),
            "NBA_ASSETS_RAW_DIR": str(write_raw(tmp_path / "raw", league_tables())),
            "NBA_ASSETS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "NBA_ASSETS_DATA_DIR": str(tmp_path / "data"),
            "NBA_ASSETS_STORAGE": "duckdb", "DAGSTER_EVENT_BATCH_SIZE": "1000", "NO_COLOR": "1"}


def run_dg(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([str(DG), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"dg {' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.timeout(900)
def test_dg_checks_lists_and_launches_a_partition_range_of_the_graph(project_env, monkeypatch):
    checked = run_dg(project_env, "check", "defs")
    assert "All definitions loaded successfully." in checked.stdout + checked.stderr

    listed = json.loads(run_dg(project_env, "list", "defs", "--json").stdout)
    repository = defs.get_repository_def()
    assert {asset["asset_key"] for asset in listed["assets"]} == {
        key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert {job["name"] for job in listed["jobs"]} == {job.name for job in repository.get_all_jobs()
                                                       if not job.name.startswith("__")}
    assert {schedule["name"] for schedule in listed["schedules"]} == {"daily_warehouse_checks"}
    assert {sensor["name"] for sensor in listed["sensors"]} == {s.name for s in repository.sensor_defs}

    run_dg(project_env, "launch", "--job", GRAPH_JOB_NAME, "--partition-range", f"{DAY1}...{DAY3}")
    warehouse = Path(project_env["NBA_ASSETS_WAREHOUSE"])
    offense = read_table(warehouse, TEAM_OFFENSE_GAME_SUMMARY.qualified_name)
    boston = offense[(offense["team_abbr"] == "BOS") & (offense["game_date"] == DAY1)].iloc[0]
    assert boston["possessions"] == pytest.approx(77.2)  # as hand-computed in test_phase3_crafted
    players = read_table(warehouse, PLAYER_GAME_SUMMARY.qualified_name)
    tatum = players[(players["player_lookup"] == "jaysontatum") & (players["game_date"] == DAY1)].iloc[0]
    assert tatum["usage_rate"] == pytest.approx(39.2)
    assert sorted(players["game_date"].astype(str).unique()) == [DAY1, DAY3]

    # one run over the range, recorded in the instance the environment names, every table's three days materialized
    monkeypatch.setenv("DAGSTER_HOME", project_env["DAGSTER_HOME"])  # the event log's folder follows it
    with dg.DagsterInstance.from_config(project_env["DAGSTER_HOME"]) as instance:
        runs = instance.get_run_records()
        assert [(r.dagster_run.job_name, r.dagster_run.status) for r in runs] == [(GRAPH_JOB_NAME, dg.DagsterRunStatus.SUCCESS)]
        assert runs[0].dagster_run.tags["dagster/asset_partition_range_start"] == DAY1
        assert runs[0].dagster_run.tags["dagster/asset_partition_range_end"] == DAY3
        partitioned = [node.key for node in repository.asset_graph.asset_nodes
                       if node.is_materializable and node.partitions_def is not None]
        assert {key.to_user_string(): instance.get_materialized_partitions(key) for key in partitioned} == {
            key.to_user_string(): {DAY1, NO_GAMES, DAY3} for key in partitioned}
