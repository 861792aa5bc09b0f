"""What a run reads: each raw window once (copies handed out), and of a history only the columns a step names."""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pandas as pd
import pytest

from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY
from nba_assets.raw.resource import RawSourceResource
from nba_assets.table_asset import history, same_day

WINDOW = (dt.date(2021, 11, 1), dt.date(2021, 11, 8))


def test_a_run_reads_each_raw_window_once_and_hands_out_copies(league_2021, tmp_path):
    raw_dir = tmp_path / "raw"
    shutil.copytree(league_2021, raw_dir)
    schedule_file = raw_dir / "nbac_schedule.parquet"
    with dg.build_resources({"raw": RawSourceResource(raw_dir=str(raw_dir))}) as resources:
        first = resources.raw.read("nbac_schedule", *WINDOW)
        assert len(first) > 0
        first_games = first["game_id"].tolist()
        first["home_team_tricode"] = "XXX"  # a step changing its rows changes nobody else's
        # the file changes during the run: the run keeps reading what its first read saw
        schedule = pd.read_parquet(schedule_file)
        schedule[pd.to_datetime(schedule["game_date"]).dt.date != WINDOW[0]].to_parquet(schedule_file)
        again = resources.raw.read("nbac_schedule", *WINDOW)
        assert again["game_id"].tolist() == first_games
        assert "XXX" not in set(again["home_team_tricode"])
        other_window = resources.raw.read("nbac_schedule", WINDOW[0], WINDOW[1] + dt.timedelta(days=1))
        assert set(first_games) - set(other_window["game_id"])  # a new window is read from the file as it is now
    # outside a run (the CLI) every read goes to the file
    outside = RawSourceResource(raw_dir=str(raw_dir)).read("nbac_schedule", *WINDOW)
    assert len(outside) < len(first_games)
    assert (pd.to_datetime(outside["game_date"]).dt.date > WINDOW[0]).all()


def test_inputs_name_their_columns_in_declared_order_and_unknown_ones_fail_when_definitions_load():
    asset_in = history(PLAYER_GAME_SUMMARY, columns=["points", "game_date", "player_lookup"])
    assert asset_in.metadata == {"columns": ["player_lookup", "game_date", "points"]}
    assert same_day(PLAYER_GAME_SUMMARY).metadata is None  # every column
    with pytest.raises(ValueError, match=r"nba_analytics.player_game_summary has no columns \['pts'\]"):
        same_day(PLAYER_GAME_SUMMARY, columns=["game_date", "pts"])
