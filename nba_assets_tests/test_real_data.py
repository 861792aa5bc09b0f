"""The real NBA seasons in ../shared/real-nba-dev (skipped when absent): only the two required tables and
play-by-play, exhibitions with foreign clubs and All-Star teams, real trades, whole-minute box scores."""

import datetime as dt

import pandas as pd
import pytest

from nba_assets.calendar import build_season_calendar, is_exhibition
from nba_assets.coverage import coverage_report
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.raw.resource import RawSourceResource
from nba_assets.raw.sources import FileRawSource
from nba_assets.resources import duckdb_resources
from nba_assets_tests.builders import materialize, read_table

START, END = "2021-10-19", "2021-11-21"


def test_calendar_from_the_real_schedule(real_data):
    schedule = FileRawSource(real_data).read("nbac_schedule", dt.date(2021, 1, 1), dt.date(2024, 1, 1))
    calendar = build_season_calendar(schedule).set_index("season_year")
    assert calendar.loc[2021, "regular_season_start"] == pd.Timestamp("2021-10-19")
    assert calendar.loc[2022, "regular_season_end"] == pd.Timestamp("2023-04-09")
    assert (calendar.loc[2021, "regular_season_games"], calendar.loc[2021, "regular_season_game_dates"]) == (1230, 165)
    # the All-Star break: the week without regular-season games around the All-Star games
    assert (calendar.loc[2022, "all_star_break_start"], calendar.loc[2022, "all_star_break_end"]) == (
        pd.Timestamp("2023-02-17"), pd.Timestamp("2023-02-22"))
    exhibitions = schedule[is_exhibition(schedule)]
    assert {"BAR", "IAH", "LBN"} <= set(exhibitions["home_team_tricode"]) | set(exhibitions["away_team_tricode"])
    assert int(calendar["exhibition_games"].sum()) == len(exhibitions)


@pytest.fixture(scope="module")
def real_warehouse(real_data, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("real") / "w.duckdb"
    assert materialize(PHASE3_ASSETS + PHASE4_ASSETS, real_data, warehouse, START, END).success
    return warehouse


def test_real_box_scores_become_complete_phase3_and_phase4(real_data, real_warehouse):
    resources = duckdb_resources(str(real_warehouse), RawSourceResource(raw_dir=str(real_data)))
    schedule = FileRawSource(real_data).read("nbac_schedule", dt.date(2021, 10, 1), dt.date(2021, 11, 22))
    report = coverage_report(schedule, lambda table, columns: resources["warehouse"].read_table(table, columns=columns))
    for table in ("team_offense_game_summary", "player_game_summary", "upcoming_player_game_context",
                  "player_daily_cache", "ml_feature_store"):
        season = report["tables"][table]["2021-22"]
        assert season["missing"] == [] and season["materialized"] > 25, table
    players = read_table(real_warehouse, "nba_analytics.player_game_summary")
    assert players["usage_rate"].notna().mean() > 0.99 and not players["has_shot_zones"].any()  # no 2021-22 play-by-play
    context = read_table(real_warehouse, "nba_analytics.upcoming_player_game_context")
    assert set(context["roster_source"]) == {"recent_appearances"} and context["injury_status"].isna().all()
    features = read_table(real_warehouse, "nba_predictions.ml_feature_store")
    assert (features["pct_paint__source"] == "missing").all()  # no zones without play-by-play: NULL, not a default
    assert features.loc[features["game_date"] > "2021-11-10", "points_avg_season"].notna().mean() > 0.95
