"""Phase 4 computations on hand-built histories with hand-computed values (no Dagster)."""

import numpy as np
import pandas as pd
import pytest

from nba_assets.phase4 import features as fc
from nba_assets.windows import scheduled_team_games
from nba_assets.phase4.composite_factors import fatigue, player_composite_factors, shot_zone_mismatch
from nba_assets.phase4.feature_store import ML_FEATURE_STORE, quality
from nba_assets.phase4.player_cache import player_daily_cache, recent_trend
from nba_assets.phase4.zones import player_shot_zone_analysis, team_defense_zone_analysis
from nba_assets.windows import GameHistory

SEASON_START = pd.Timestamp("2022-10-18")
DAY = pd.Timestamp("2022-12-01")
CALENDAR = pd.DataFrame({"season_year": [2022], "regular_season_start": [SEASON_START]})


def _defense_row(team, date, paint=None, mid=None, three=(30, 10), rating=110.0, pace=100.0, points=100, paint_points=None):
    zoned = paint is not None
    return {"defending_team_abbr": team, "game_date": pd.Timestamp(date), "season_year": 2022,
            "opp_paint_attempts": paint[0] if zoned else np.nan, "opp_paint_makes": paint[1] if zoned else np.nan,
            "opp_mid_range_attempts": mid[0] if zoned else np.nan, "opp_mid_range_makes": mid[1] if zoned else np.nan,
            "opp_three_pt_attempts": three[0], "opp_three_pt_makes": three[1], "defensive_rating": rating,
            "opponent_pace": pace, "points_allowed": points, "points_in_paint_allowed": paint_points,
            "shot_zones_available": zoned}


def _team_target(team="BOS", opponent="NYK", day=DAY):
    return pd.DataFrame({"game_date": [day], "game_id": ["g"], "team_abbr": [team], "opponent_team_abbr": [opponent],
                         "season_year": [2022]})


def _lineage(rows: pd.DataFrame, team_col: str):
    present = rows.rename(columns={team_col: "team_abbr"})[["team_abbr", "game_date"]]
    history = GameHistory.build(present, "team_abbr")
    return history, history


def test_team_defense_zones_hand_computed():
    history = pd.DataFrame([
        _defense_row("BOS", "2022-11-20", paint=(20, 12), mid=(10, 4), three=(30, 10), rating=105, pace=98, points=100, paint_points=24),
        _defense_row("BOS", "2022-11-25", paint=(30, 15), mid=(10, 5), three=(40, 12), rating=115, pace=102, points=110, paint_points=30),
        _defense_row("BOS", "2022-11-28", three=(35, 14), rating=110, pace=100, points=105),  # no play-by-play
        _defense_row("BOS", "2022-12-01", paint=(50, 50), mid=(1, 1), three=(1, 1), rating=200),  # the day itself: unused
    ])
    row = team_defense_zone_analysis(_team_target(), CALENDAR, history, *_lineage(history, "defending_team_abbr")).iloc[0]
    assert row["games_found"] == 3 and row["zone_games_in_sample"] == 2
    assert row["paint_pct_allowed_last_15"] == pytest.approx(27 / 50)
    assert row["mid_range_pct_allowed_last_15"] == pytest.approx(9 / 20)
    assert row["three_pt_pct_allowed_last_15"] == pytest.approx(round(36 / 105, 3))  # threes from all 3 box scores
    assert row["paint_attempts_allowed_per_game"] == pytest.approx(25.0)
    assert row["three_pt_attempts_allowed_per_game"] == pytest.approx(35.0)
    assert row["paint_points_allowed_per_game"] == pytest.approx(27.0)
    assert (row["defensive_rating_last_15"], row["opponent_pace"], row["opponent_points_per_game"]) == (110.0, 100.0, 105.0)
    assert pd.isna(row["paint_defense_vs_league_avg"]) and row["league_teams_qualified"] == 0  # 3 games < 5: no league average
    assert row["data_quality_tier"] == "low" and row["min_games_required"] == 15 and "only 3 games" in row["insufficient_data_reason"]
    assert row["last_game_date"] == pd.Timestamp("2022-11-28")


def test_league_average_is_strictly_before_the_day_and_versus_league_in_points():
    rows = []
    for i in range(10):  # ten teams, five games each in the 30 days before, paint FG% 0.40 .. 0.58
        for g in range(5):
            rows.append(_defense_row(f"T{i}", f"2022-11-{10 + 3 * g:02d}", paint=(50, 20 + i), mid=(10, 4), three=(30, 10)))
    rows += [_defense_row(f"T{i}", "2022-12-01", paint=(50, 50), mid=(10, 10), three=(30, 30)) for i in range(10)]
    history = pd.DataFrame(rows)
    out = team_defense_zone_analysis(_team_target("T9", "T0"), CALENDAR, history, *_lineage(history, "defending_team_abbr")).iloc[0]
    league = np.mean([(20 + i) / 50 for i in range(10)])  # 0.49: the games of 2022-12-01 do not count
    assert out["league_teams_qualified"] == 10
    assert out["league_paint_pct"] == pytest.approx(round(league, 3))
    assert out["paint_defense_vs_league_avg"] == pytest.approx(round((0.58 - round(league, 3)) * 100, 1), abs=0.11)
    assert out["weakest_zone"] == "paint"


def test_early_season_minimum_from_the_calendar():
    history = pd.DataFrame([_defense_row("BOS", "2022-10-19")])
    day = SEASON_START + pd.Timedelta(days=6)
    out = team_defense_zone_analysis(_team_target(day=day), CALENDAR, history, *_lineage(history, "defending_team_abbr")).iloc[0]
    assert out["days_into_season"] == 6 and bool(out["early_season_flag"])
    assert out["min_games_required"] == 7  # min(5 + 6 // 3, 14)


def _player_game(date, points, minutes, team="BOS", zones=None, usage=20.0, line=None, opponent="NYK"):
    complete = zones is not None
    paint, mid, three = zones if complete else ((0, 0), (0, 0), (0, 0))
    fga = paint[0] + mid[0] + three[0]
    return {"player_lookup": "p", "game_date": pd.Timestamp(date), "team_abbr": team, "opponent_team_abbr": opponent,
            "is_active": True, "points": points, "minutes_played": minutes, "usage_rate": usage, "fg_attempts": fga,
            "ft_attempts": 4, "ft_makes": 2, "paint_attempts": paint[0], "paint_makes": paint[1],
            "mid_range_attempts": mid[0], "mid_range_makes": mid[1], "three_attempts_pbp": three[0],
            "three_makes_pbp": three[1], "has_complete_shot_zones": complete, "points_line": line,
            "over_under_result": None if line is None else ("OVER" if points > line else "UNDER"),
            "margin": None if line is None else points - line}


def _player_target(day=DAY, team="BOS", opponent="NYK"):
    return pd.DataFrame({"game_date": [day], "game_id": ["g"], "player_lookup": ["p"], "team_abbr": [team],
                         "opponent_team_abbr": [opponent], "season_year": [2022]})


def test_player_shot_zones_hand_computed():
    games = pd.DataFrame([
        _player_game("2022-11-20", 12, 30, zones=((5, 3), (2, 1), (3, 1))),
        _player_game("2022-11-22", 14, 30, zones=((3, 2), (1, 0), (4, 2))),
        _player_game("2022-11-24", 9, 30),  # play-by-play incomplete: not in the zone sample
    ])
    out = player_shot_zone_analysis(_player_target(), CALENDAR, games, *_lineage(games, "team_abbr")).iloc[0]
    assert (out["games_in_sample_10"], out["zone_games_in_sample_10"], out["total_shots_last_10"]) == (3, 2, 18)
    assert out["paint_rate_last_10"] == pytest.approx(44.44)
    assert out["mid_range_rate_last_10"] == pytest.approx(16.67)
    assert out["three_pt_rate_last_10"] == pytest.approx(38.89)
    assert out["paint_pct_last_10"] == pytest.approx(0.625)
    assert out["primary_scoring_zone"] == "paint"
    assert out["sample_quality"] == "insufficient" and pd.isna(out["paint_rate_last_20"])


def test_player_daily_cache_hand_computed_and_traded_player():
    points = [10, 20, 30, 0, 40, 12]
    games = pd.DataFrame([_player_game(f"2022-11-{10 + 2 * i}", p, 30 if p else 10, team="LAL" if i < 2 else "BOS",
                                       line=15.5 if i >= 3 else None) for i, p in enumerate(points)])
    teams = pd.DataFrame({"team_abbr": ["BOS"] * 3, "game_date": pd.to_datetime(["2022-11-14", "2022-11-16", "2022-11-18"]),
                          "pace": [98.0, 100.0, 102.0], "offensive_rating": [110.0, 112.0, 114.0],
                          "margin_of_victory": [20, -3, 5]})
    zones = pd.DataFrame({"analysis_date": [DAY], "player_lookup": ["p"], "primary_scoring_zone": [None],
                          "paint_rate_last_10": [np.nan], "three_pt_rate_last_10": [np.nan]})
    scheduled = GameHistory.build(teams[["team_abbr", "game_date"]], "team_abbr")
    out = player_daily_cache(_player_target(), CALENDAR, games, teams, zones, scheduled, scheduled).iloc[0]
    assert out["points_avg_last_5"] == pytest.approx(20.4)
    assert out["points_avg_season"] == pytest.approx(112 / 6)
    assert out["points_avg_last_3"] == pytest.approx(52 / 3)
    assert out["points_std_last_10"] == pytest.approx(np.std(points, ddof=1))
    assert out["points_slope_last_10"] == pytest.approx(np.polyfit(range(6), points, 1)[0])
    assert out["recent_trend"] == 2  # mean(40, 12) − mean(20, 30, 0) = 9.3
    assert out["points_per_minute_last_10"] == pytest.approx(round(112 / 160, 4))
    assert out["games_since_structural_change"] == 4  # traded from LAL after two games
    assert out["over_rate_last_10"] == pytest.approx(round(1 / 3, 3))  # 0 and 40 and 12 against 15.5
    assert out["margin_vs_line_avg_last_5"] == pytest.approx(round((0 + 40 + 12 - 3 * 15.5) / 3, 2))
    assert out["team_pace_last_10"] == pytest.approx(100.0) and out["team_blowout_rate_last_10"] == pytest.approx(1 / 3)
    assert pd.isna(out["dnp_rate_last_10"])  # the source lists no DNP rows for the team: unknown, not 0
    assert not bool(out["shot_zone_data_available"])
    newest_first = points[::-1]  # 12, 40, 0, 30, 20, 10: weights halve every 4 games, across teams and seasons
    weights = [0.5 ** (k / 4) for k in range(6)]
    assert out["points_decayed_4g"] == pytest.approx(round(np.dot(weights, newest_first) / sum(weights), 4))
    assert (out["points_last_game"], out["minutes_last_game"]) == (12, 30)
    assert out["minutes_avg_last_3_any_season"] == pytest.approx((30 + 30 + 10) / 3)
    assert out["games_last_365_days"] == 6 and out["team_games_missed"] == 0


def test_team_games_missed_counts_the_current_teams_games_since_the_last_appearance():
    games = pd.DataFrame([_player_game("2022-11-10", 20, 30), _player_game("2022-11-12", 18, 30)])
    teams = pd.DataFrame({"team_abbr": ["BOS"] * 5 + ["NYK"],
                          "game_date": pd.to_datetime(["2022-11-10", "2022-11-12", "2022-11-14", "2022-11-16",
                                                       "2022-11-18", "2022-11-17"]),
                          "pace": 100.0, "offensive_rating": 110.0, "margin_of_victory": 5})
    zones = pd.DataFrame({"analysis_date": [DAY], "player_lookup": ["p"], "primary_scoring_zone": [None],
                          "paint_rate_last_10": [np.nan], "three_pt_rate_last_10": [np.nan]})
    scheduled = GameHistory.build(teams[["team_abbr", "game_date"]], "team_abbr")
    out = player_daily_cache(_player_target(), CALENDAR, games, teams, zones, scheduled, scheduled).iloc[0]
    assert out["team_games_missed"] == 3  # BOS played on the 14th, 16th and 18th without him; NYK's game is not his
    rookie = player_daily_cache(_player_target().assign(player_lookup="new"), CALENDAR, games, teams,
                                zones.assign(player_lookup="new"), scheduled, scheduled).iloc[0]
    assert pd.isna(rookie["team_games_missed"]) and rookie["games_last_365_days"] == 0


def test_recent_trend_rule():
    assert recent_trend(pd.Series([26.0, 10, 10, 10, 10]), pd.Series([16.0, 10, 12, 8, 16])).tolist() == [2, 0, -1, 1, -2]


def _context(**overrides):
    base = {"back_to_back": False, "days_rest": 2, "games_in_last_7_days": 2, "minutes_in_last_7_days": 60.0,
            "avg_minutes_per_game_last_7": 30.0, "back_to_backs_last_14_days": 0}
    base.update(overrides)
    return pd.DataFrame([base])


def test_fatigue_scale_100_is_fresh_and_fires_on_real_minute_loads():
    assert fatigue(_context())[0].iloc[0] == 100
    assert fatigue(_context(days_rest=4))[0].iloc[0] == 100  # +5, clamped at 100
    # 36 minutes a night: three games in the six days before, then the second night of a back-to-back
    starter = _context(back_to_back=True, days_rest=1, games_in_last_7_days=3, minutes_in_last_7_days=108.0,
                       avg_minutes_per_game_last_7=36.0)
    score, applied = fatigue(starter)
    assert score.iloc[0] == 100 - 15 - 10 - 8 == 67
    assert applied.iloc[0] == "back_to_back (-15);over_105_minutes_in_7_days (-10);over_35_minutes_per_game_last_7 (-8)"
    # the same three games at 30 minutes: only the back-to-back
    assert fatigue(starter.assign(minutes_in_last_7_days=90.0, avg_minutes_per_game_last_7=30.0))[0].iloc[0] == 85
    # the heaviest week real players had (four games in six days, 128 minutes, a second back-to-back)
    heaviest = _context(back_to_back=True, days_rest=1, games_in_last_7_days=4, minutes_in_last_7_days=128.0,
                        avg_minutes_per_game_last_7=32.0, back_to_backs_last_14_days=2)
    assert fatigue(heaviest)[0].iloc[0] == 100 - 15 - 10 - 10 - 10 - 12 == 43
    assert fatigue(_context(days_rest=None, avg_minutes_per_game_last_7=None, games_in_last_7_days=0))[0].iloc[0] == 100


def test_shot_zone_mismatch_uses_every_zone():
    zones = pd.DataFrame({"paint_rate_last_10": [50.0, np.nan], "mid_range_rate_last_10": [20.0, 30.0],
                          "three_pt_rate_last_10": [30.0, 70.0]})
    defense = pd.DataFrame({"paint_defense_vs_league_avg": [4.0, 1.0], "mid_range_defense_vs_league_avg": [-2.0, 1.0],
                            "three_pt_defense_vs_league_avg": [1.0, 1.0]})
    values = shot_zone_mismatch(zones, defense)
    assert values[0] == pytest.approx(0.5 * 4 - 0.2 * 2 + 0.3 * 1)
    assert np.isnan(values[1])


def test_usage_projection_from_games_without_todays_out_teammate():
    season = [("2022-11-01", True, 20.0), ("2022-11-03", False, 30.0), ("2022-11-05", False, 28.0),
              ("2022-11-07", True, 22.0), ("2022-11-09", False, 32.0)]
    rows = []
    for i, (date, star_played, usage) in enumerate(season):
        rows.append({**_player_game(date, 10, 30, usage=usage), "game_id": f"g{i}"})
        if star_played:
            rows.append({**_player_game(date, 25, 36, usage=30.0), "player_lookup": "star", "game_id": f"g{i}"})
    players = pd.DataFrame(rows)
    context = pd.DataFrame([
        {"game_date": DAY, "game_id": "today", "player_lookup": lookup, "team_abbr": "BOS", "opponent_team_abbr": "NYK",
         "season_year": 2022, "injury_status": status, "injury_report_available": True, "back_to_back": False,
         "days_rest": 3, "games_in_last_7_days": 2, "minutes_in_last_7_days": 60.0, "avg_minutes_per_game_last_7": 30.0,
         "back_to_backs_last_14_days": 0, "avg_usage_rate_last_7_games": 26.4, "team_pace_last_10": 100.0,
         "opponent_pace_last_10": 101.0}
        for lookup, status in (("p", "available"), ("star", "out"))])
    team_context = pd.DataFrame({"game_id": ["today"], "team_abbr": ["BOS"]})
    empty_zones = pd.DataFrame(columns=["analysis_date", "player_lookup", "paint_rate_last_10", "mid_range_rate_last_10",
                                        "three_pt_rate_last_10"])
    empty_defense = pd.DataFrame(columns=["analysis_date", "game_id", "team_abbr", "opponent_team_abbr",
                                          "paint_defense_vs_league_avg", "mid_range_defense_vs_league_avg",
                                          "three_pt_defense_vs_league_avg", "defensive_rating_last_15"])
    out = player_composite_factors(context, team_context, empty_zones, empty_defense, players, CALENDAR).set_index("player_lookup")
    assert out.loc["p", "usage_projection_games"] == 3
    assert out.loc["p", "projected_usage_rate"] == pytest.approx(30.0)  # games 2, 3, 5 without the star
    assert out.loc["p", "usage_spike_score"] == pytest.approx(0.3 * (30.0 - 26.4))
    assert out.loc["p", "pace_score"] == pytest.approx(0.5)
    assert pd.isna(out.loc["p", "shot_zone_mismatch_score"]) and "shot zones (PSZA)" in out.loc["p", "missing_factor_inputs"]


def test_quality_score_tiers_and_caps():
    values = pd.DataFrame([[1.0] * len(fc.FEATURES)] * 4, columns=list(fc.FEATURE_NAMES))
    sources = pd.DataFrame([[f.source for f in fc.FEATURES]] * 4, columns=list(fc.FEATURE_NAMES))
    sources.loc[1, "vegas_points_line"] = fc.MISSING  # optional: excluded, no penalty
    sources.loc[2, "points_avg_last_5"] = fc.MISSING  # one required: capped at 69
    sources.loc[3, list(fc.REQUIRED[:5])] = fc.MISSING  # five required: capped at 49
    out = quality(values, (sources == fc.MISSING).to_numpy())  # the features without a value
    assert out.loc[1, "feature_quality_score"] >= out.loc[0, "feature_quality_score"] and bool(out.loc[1, "is_quality_ready"])
    assert out.loc[0, "quality_tier"] in ("gold", "silver") and bool(out.loc[0, "is_quality_ready"])
    assert out.loc[2, "feature_quality_score"] <= 69 and not bool(out.loc[2, "is_quality_ready"])
    assert out.loc[2, "missing_required_features"] == "points_avg_last_5"
    assert out.loc[3, "feature_quality_score"] <= 49 and out.loc[3, "quality_tier"] == "critical"


def test_feature_store_columns_are_the_contract():
    names = ML_FEATURE_STORE.column_names
    feature_columns = [c for c in names if c in fc.FEATURE_NAMES]
    assert feature_columns == list(fc.FEATURE_NAMES)  # the contract's order
    assert [c for c in names if c.endswith("__source")] == [fc.source_column(n) for n in fc.FEATURE_NAMES]
    assert [f.index for f in fc.FEATURES] == list(range(len(fc.FEATURES)))
    assert len(fc.FEATURES) >= 29 and all(f.low < f.high for f in fc.FEATURES)


def test_scheduled_team_games_are_final_competitive_only():
    from nba_assets_tests.builders import game
    schedule = pd.DataFrame([game("1", "2022-11-01", "BOS", "NYK"), game("2", "2022-11-02", "BAR", "BOS", phase="preseason"),
                             game("3", "2022-11-03", "BOS", "LAL", status=1)])
    schedule["game_date"] = pd.to_datetime(schedule["game_date"])
    assert sorted(scheduled_team_games(schedule)["team_abbr"]) == ["BOS", "NYK"]
