"""Phase 3 formulas, minutes parsing, prop-line selection and the push rule on hand-computed cases."""

import numpy as np
import pandas as pd
import pytest

from nba_assets.lines import over_under_result, select_game_lines, select_prop_lines, tipoff_cutoffs
from nba_assets.phase3 import formulas as f
from nba_assets.raw.contract import normalize_player_lookup, parse_minutes


def test_possessions_and_ratings():
    # 88 FGA + 0.44·22 FTA + 14 TOV − 10 OREB = 88 + 9.68 + 14 − 10 = 101.68 → 101.7
    poss = f.possessions(np.array([88]), np.array([22]), np.array([14]), np.array([10]))
    assert poss[0] == pytest.approx(101.7)
    assert f.per_100(np.array([113]), poss)[0] == pytest.approx(111.11, abs=0.005)
    assert np.isnan(f.per_100(np.array([10]), np.array([0.0]))[0])


def test_pace_uses_the_real_game_length():
    assert f.pace(np.array([100.0]), np.array([240.0]))[0] == pytest.approx(100.0)
    # one overtime: 265 player-minutes = 53 game minutes, 110 possessions → 110·48/53 = 99.6
    assert f.pace(np.array([110.0]), np.array([265.0]))[0] == pytest.approx(99.6)
    assert list(f.overtime_periods(np.array([240.0, 241.0, 265.0, 290.0, 316.0]))) == [0, 0, 1, 2, 3]


def test_usage_rate_hand_computed():
    # player 20 FGA, 5 FTA, 3 TOV in 30 min; team 85 FGA, 20 FTA, 12 TOV in 240 player-minutes
    # 100 · (20 + 2.2 + 3) · 48 / (30 · (85 + 8.8 + 12)) = 100 · 25.2 · 48 / 3174 = 38.1
    value = f.usage_rate(20, 5, 3, 30.0, 85, 20, 12, 240.0)
    assert float(value) == pytest.approx(38.1)
    # the same player in a one-overtime game: 53 game minutes instead of 48
    assert float(f.usage_rate(20, 5, 3, 30.0, 85, 20, 12, 265.0)) == pytest.approx(42.1)
    assert np.isnan(f.usage_rate(2, 0, 0, 0.0, 85, 20, 12, 240.0))


def test_shooting_percentages():
    assert float(f.true_shooting(30, 20, 10)) == pytest.approx(30 / (2 * 24.4), abs=5e-4)
    assert float(f.effective_fg(8, 3, 16)) == pytest.approx(0.594, abs=5e-4)
    assert np.isnan(f.effective_fg(0, 0, 0))


def test_zone_classification():
    shots = pd.DataFrame({
        "shot_type": ["3PT", "2PT", "2PT", "2PT", "2PT", "3PT"],
        "shot_distance": [25.0, 8.0, 8.1, np.nan, 0.0, np.nan],
    })
    zones = f.classify_zone(shots["shot_type"], shots["shot_distance"])
    assert zones.tolist()[:3] == ["three", "paint", "mid_range"]
    assert pd.isna(zones.iloc[3])  # a 2PT without distance is never guessed
    assert zones.iloc[4] == "paint" and zones.iloc[5] == "three"


def test_zone_counts_groups_and_counts_unclassified():
    shots = pd.DataFrame({
        "game_id": ["g"] * 5, "player_lookup": ["a", "a", "a", "b", "b"],
        "shot_type": ["2PT", "2PT", "3PT", "2PT", "2PT"], "shot_distance": [2.0, 15.0, 24.0, None, 3.0],
        "shot_made": [True, False, True, True, False],
    })
    counts = f.zone_counts(shots, ["game_id", "player_lookup"]).set_index("player_lookup")
    assert counts.loc["a", ["paint_attempts", "paint_makes", "mid_range_attempts", "three_makes"]].tolist() == [1, 1, 1, 1]
    assert counts.loc["b", ["paint_attempts", "unclassified_attempts"]].tolist() == [1, 1]


def test_minutes_mm_ss_and_decimal():
    minutes, bad = parse_minutes(pd.Series(["34:30", "12.25", 7, None, "", "5:7", "abc"], dtype=object))
    assert minutes.iloc[0] == pytest.approx(34.5)
    assert minutes.iloc[1] == pytest.approx(12.25)
    assert minutes.iloc[2] == pytest.approx(7.0)
    assert minutes.iloc[3:5].isna().all()
    assert bad.tolist() == [False, False, False, False, False, True, True]


def test_player_lookup_normalisation():
    assert normalize_player_lookup("Nikola Jokić") == "nikolajokic"
    assert normalize_player_lookup("LeBron James Jr.") == "lebronjamesjr"
    assert normalize_player_lookup("D'Angelo Russell") == "dangelorussell"


def _snapshot(book, line, minutes_before, when, player="p", date="2023-01-10", game_id="g1"):
    return {"game_date": pd.Timestamp(date), "player_lookup": player, "bookmaker": book, "points_line": line,
            "over_price": -110, "under_price": -110, "snapshot_timestamp": pd.Timestamp(when, tz="UTC"),
            "minutes_before_tipoff": minutes_before, "game_id": game_id}


def test_prop_line_selection_excludes_in_game_snapshots_and_prefers_draftkings():
    props = pd.DataFrame([
        _snapshot("fanduel", 20.5, 600, "2023-01-10 14:00"),
        _snapshot("draftkings", 21.5, 900, "2023-01-10 09:00"),   # opening
        _snapshot("draftkings", 22.5, 30, "2023-01-10 23:30"),    # closing, pre-game
        _snapshot("draftkings", 30.5, -20, "2023-01-11 00:20"),   # in-game: ignored
        _snapshot("betmgm", 23.0, 60, "2023-01-10 23:00"),
    ])
    lines = select_prop_lines(props).iloc[0]
    assert lines["line_bookmaker"] == "draftkings"
    assert lines["current_points_line"] == 22.5
    assert lines["opening_points_line"] == 21.5
    assert lines["line_bookmaker_count"] == 3
    assert lines["line_bookmaker_std"] == pytest.approx(pd.Series([20.5, 22.5, 23.0]).std())


def test_prop_snapshot_after_known_tipoff_is_excluded_even_if_labelled_pre_game():
    props = pd.DataFrame([_snapshot("fanduel", 18.5, 60, "2023-01-10 23:00"),
                          _snapshot("draftkings", 25.5, 5, "2023-01-11 00:10")])
    cutoffs = pd.DataFrame({"game_id": ["g1"], "game_date": [pd.Timestamp("2023-01-10")],
                            "known_before": [pd.Timestamp("2023-01-11 00:00", tz="UTC")]})
    lines = select_prop_lines(props, cutoffs).iloc[0]
    assert lines["line_bookmaker"] == "fanduel" and lines["current_points_line"] == 18.5


def test_a_snapshot_without_a_game_is_held_to_the_earliest_cutoff_of_its_date():
    props = pd.DataFrame([_snapshot("fanduel", 18.5, 300, "2023-01-10 20:00", game_id=None),
                          _snapshot("draftkings", 25.5, 120, "2023-01-10 23:00", game_id=None)])
    cutoffs = pd.DataFrame({"game_id": ["g1", "g2"], "game_date": [pd.Timestamp("2023-01-10")] * 2,
                            "known_before": [pd.Timestamp("2023-01-11 02:00", tz="UTC"),
                                             pd.Timestamp("2023-01-10 22:00", tz="UTC")]})
    lines = select_prop_lines(props, cutoffs).iloc[0]  # 23:00 is after g2's cut-off: it may belong to g2
    assert lines["line_bookmaker"] == "fanduel" and lines["current_points_line"] == 18.5


def test_no_pre_game_snapshot_means_no_line():
    props = pd.DataFrame([_snapshot("draftkings", 30.5, -5, "2023-01-11 00:20")])
    assert select_prop_lines(props).empty


def test_one_push_rule():
    result = over_under_result(pd.Series([21.0, 20.0, 22.0, 10.0, np.nan]), pd.Series([20.5, 20.5, 22.0, np.nan, 5.5]))
    assert result.tolist()[:3] == ["OVER", "UNDER", "PUSH"]
    assert result.iloc[3:].isna().all()


def test_game_lines_median_of_latest_pre_game_snapshots():
    games = pd.DataFrame({"game_id": ["g1"], "game_date": [pd.Timestamp("2023-01-10")], "home_team_tricode": ["BOS"],
                          "tipoff_utc": [pd.Timestamp("2023-01-11 00:00", tz="UTC")]})

    def row(book, market, outcome, point, when, minutes):
        return {"game_id": "g1", "game_date": pd.Timestamp("2023-01-10"), "bookmaker_key": book, "market_key": market,
                "outcome_name": outcome, "outcome_point": point, "outcome_price": -110,
                "snapshot_timestamp": pd.Timestamp(when, tz="UTC"), "minutes_before_tipoff": minutes}

    lines = pd.DataFrame([
        row("a", "spreads", "BOS", -3.0, "2023-01-10 12:00", 720), row("a", "spreads", "BOS", -4.0, "2023-01-10 23:00", 60),
        row("b", "spreads", "BOS", -5.0, "2023-01-10 23:00", 60), row("c", "spreads", "BOS", -4.5, "2023-01-10 23:30", 30),
        row("c", "spreads", "BOS", -9.0, "2023-01-11 00:30", -30),  # in-game
        row("a", "totals", "Over", 221.0, "2023-01-10 23:00", 60), row("b", "totals", "Over", 223.0, "2023-01-10 23:00", 60),
    ])
    out = select_game_lines(lines, games, tipoff_cutoffs(games)).iloc[0]
    assert out["home_spread"] == -4.5  # median of -4.0, -5.0, -4.5
    assert out["home_spread_opening"] == -4.5  # median of the earliest: -3.0, -5.0, -4.5 (in-game excluded)
    assert out["game_total"] == 222.0
    assert out["lines_bookmaker_count"] == 3
