"""Shared fixtures: simulated leagues generated once per test session, throwaway warehouses per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from simulated_league import write_simulation

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-nba-dev"


@pytest.fixture(scope="session", autouse=True)
def isolated_dagster_home(tmp_path_factory):
    """Tests never touch the project's instance: any Dagster instance they load lives in a temp folder."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copyfile(Path(__file__).resolve().parents[1] / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    yield home
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous


@pytest.fixture(scope="session")
def league_2021(tmp_path_factory) -> Path:
    """The simulated 2021-22 season (default seed) in the raw-file contract."""
    folder = tmp_path_factory.mktemp("league_2021")
    write_simulation(folder, (2021,), 20211019)
    return folder


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not (REAL_DATA / "nbac_schedule.parquet").exists():
        pytest.skip(f"real NBA data not found at {REAL_DATA} (it sits in ../shared beside the project)")
    return REAL_DATA


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory):
    """REST endpoint of a BigQuery emulator shared by the session (nba_assets_tests/emulator.py)."""
    from nba_assets_tests.emulator import running_emulator

    with running_emulator(tmp_path_factory.mktemp("bqemulator")) as endpoint:
        yield endpoint
