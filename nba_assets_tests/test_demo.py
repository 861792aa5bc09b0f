"""`make demo` on a pinned day: the seasons it simulates, the first partition and the commands it runs."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nba_assets.cli import game_days_around
from simulated_league.__main__ import main as simulated_league_main
from simulated_league.calendar import recent_seasons

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("day, seasons", [
    ("2026-11-29", [2025, 2026]),  # in season
    ("2026-06-30", [2024, 2025]),  # the finals' month still belongs to the season that began the October before
    ("2026-07-01", [2025, 2026]),  # off-season: the next season is scheduled, nothing played yet
])
def test_recent_seasons_are_the_current_one_and_the_one_before(day, seasons):
    assert recent_seasons(dt.date.fromisoformat(day)) == seasons


def test_demo_dates_for_the_makefile(capsys):
    assert simulated_league_main(["demo-dates", "2026-11-29"]) == 0
    assert capsys.readouterr().out == "DEMO_SEASONS=2025-26,2026-27 DEMO_START=2025-10-21\n"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_runs_the_live_league_up_to_the_pinned_day():
    venv_python = Path(sys.executable)
    result = subprocess.run(["make", "-n", "--no-print-directory", "demo", "TODAY=2026-11-29",
                             f"VENV={venv_python.parent.parent}"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    raw = PROJECT_ROOT / "data" / "simulated" / "demo"
    env = f"NBA_ASSETS_RAW_DIR={raw} NBA_ASSETS_FIRST_DAY=2025-10-21"
    bin_dir = venv_python.parent
    steps = [line for line in result.stdout.splitlines() if "nba-assets" in line]
    assert steps == [
        f"{bin_dir}/nba-assets simulate --seasons 2025-26,2026-27 --today 2026-11-29 --out {raw}",
        f"{env} {bin_dir}/nba-assets backfill --start 2025-10-21 --end 2026-11-29",
        f"{env} {bin_dir}/nba-assets coverage",
        f"{env} {bin_dir}/nba-assets evaluate",
        f"{env} {bin_dir}/nba-assets picks --date 2026-11-29",  # tonight's slate last
    ]


def test_a_day_without_games_points_to_the_next_game_day_and_the_last_one():
    games = pd.DataFrame({"game_date": pd.to_datetime(["2026-06-14", "2026-06-17", "2026-10-20", "2026-10-20"])})
    assert game_days_around(games, dt.date(2026, 8, 1)) == (dt.date(2026, 6, 17), dt.date(2026, 10, 20))
    assert game_days_around(games, dt.date(2026, 6, 17)) == (dt.date(2026, 6, 14), dt.date(2026, 10, 20))
    assert game_days_around(games, dt.date(2026, 11, 1)) == (dt.date(2026, 10, 20), None)
