"""No silent simulated fallback: with no raw source configured the definitions load, but the CLI, a launched run
and a sensor stop at their first raw read with a message saying how to configure one; the Makefile's demo and
dev select the simulated league explicitly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from nba_assets.automation.sensors import build_pregame_sensor, build_results_sensor
from nba_assets.phase3.assets import season_calendar
from nba_assets.raw.resource import NO_RAW_SOURCE, RawSourceNotConfigured, RawSourceResource
from nba_assets.resources import duckdb_resources, resources_from_environment

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# every way to configure a source, as the message must name them
HOW_TO_CONFIGURE = ("NBA_ASSETS_RAW_DIR=<folder>", "NBA_ASSETS_STORAGE=bigquery", "NBA_ASSETS_BQ_PROJECT",
                    "nba-assets simulate", "docs/raw-contract.md")


@pytest.fixture
def unconfigured(tmp_path, monkeypatch) -> dict[str, str]:
    """An environment with no raw source: no NBA_ASSETS_RAW_DIR, DuckDB storage, data and instance in tmp_path."""
    for name in ("NBA_ASSETS_RAW_DIR", "NBA_ASSETS_STORAGE", "NBA_ASSETS_BQ_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NBA_ASSETS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "home").mkdir()
    shutil.copyfile(PROJECT / "dagster_home" / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NBA_ASSETS_")}
    return {**environment, "NBA_ASSETS_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "home")}


def test_the_message_says_how_to_configure_a_source():
    for way in HOW_TO_CONFIGURE:
        assert way in NO_RAW_SOURCE, way


def test_environment_without_a_source_gives_a_resource_that_refuses_to_read(unconfigured, tmp_path):
    raw = resources_from_environment()["raw"]
    assert (raw.raw_dir, raw.bigquery_project) == (None, None)
    for attempt in (lambda: raw.read_all("nbac_schedule"), lambda: raw.has_table("nbac_schedule"),
                    lambda: raw.location("nbac_schedule")):
        with pytest.raises(RawSourceNotConfigured, match="no raw source is configured"):
            attempt()
    assert not (tmp_path / "data").exists()  # nothing simulated, nothing written


def test_definitions_validate_without_a_source(unconfigured):
    result = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-m", "nba_assets.definitions"],
                            capture_output=True, text=True, env=unconfigured, cwd=PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_backfill_refuses_to_start_and_records_no_run(unconfigured, tmp_path):
    result = subprocess.run([str(BIN / "nba-assets"), "backfill", "--start", "2021-10-19", "--end", "2021-10-20"],
                            capture_output=True, text=True, env=unconfigured, cwd=PROJECT)
    assert result.returncode == 2
    assert result.stderr.strip() == f"nba-assets backfill: {NO_RAW_SOURCE}"  # a message, not a traceback
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert instance.get_runs() == []
    assert not (tmp_path / "data").exists()


def test_a_launched_run_fails_at_its_first_raw_read_with_the_message(tmp_path):
    result = dg.materialize([season_calendar], resources=duckdb_resources(str(tmp_path / "w.duckdb"), RawSourceResource()),
                            raise_on_error=False)
    assert not result.success
    [failure] = result.get_step_failure_events()
    error, messages = failure.event_specific_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any(NO_RAW_SOURCE in message and "RawSourceNotConfigured" in message for message in messages), messages
    assert result.get_asset_materialization_events() == []


@pytest.mark.parametrize("build", [build_results_sensor, build_pregame_sensor])
def test_a_sensor_tick_fails_with_the_message(build):
    with pytest.raises(RawSourceNotConfigured, match="no raw source is configured"):
        build()(dg.build_sensor_context(resources={"raw": RawSourceResource()}))


def test_demo_and_dev_read_the_simulated_league_they_select(tmp_path):
    """Every command of `make demo` and `make dev` that reads raw data names the folder `simulate` writes, and
    the partitions start where the demo's backfill starts."""
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home")}
    env.pop("NBA_ASSETS_RAW_DIR", None)
    # -B -n: print every command without running it, even when targets are up to date
    demo = subprocess.run(["make", "-B", "-n", "demo"], capture_output=True, text=True, cwd=PROJECT, env=env, check=True)
    dev = subprocess.run(["make", "-B", "-n", "dev"], capture_output=True, text=True, cwd=PROJECT, env=env, check=True)
    [simulate] = [line for line in demo.stdout.splitlines() if "nba-assets simulate" in line]
    folder = simulate.split("--out ")[1].split()[0]
    readers = [line for line in (demo.stdout + dev.stdout).splitlines()
               if any(command in line for command in ("nba-assets backfill", "nba-assets coverage",
                                                      "nba-assets evaluate", "nba-assets picks", "dagster dev"))]
    start = demo.stdout.split("backfill --start ")[1].split()[0]
    assert len(readers) == 5
    assert all(line.startswith(f"NBA_ASSETS_RAW_DIR={folder} NBA_ASSETS_FIRST_DAY={start} ") for line in readers), readers
