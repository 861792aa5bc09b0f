"""The vectorized point-in-time windows against a brute-force loop."""

import numpy as np
import pandas as pd
import pytest

from nba_assets.windows import GameHistory, last_game, window_rows, window_slope, window_stats


@pytest.fixture(scope="module")
def history():
    rng = np.random.default_rng(7)
    rows = []
    for player in ["a", "b", "c"]:
        days = np.sort(rng.choice(np.arange(0, 120), size=40, replace=False))
        for day in days:
            rows.append({"player_lookup": player, "game_date": pd.Timestamp("2022-10-18") + pd.Timedelta(days=int(day)),
                         "points": float(rng.integers(0, 40)), "minutes": float(rng.uniform(5, 40))})
    frame = pd.DataFrame(rows)
    frame.loc[5, "minutes"] = np.nan  # a NULL inside a window is skipped by mean and count
    return frame


@pytest.fixture(scope="module")
def targets():
    dates = pd.date_range("2022-10-18", "2023-02-20", freq="5D")
    frame = pd.DataFrame([(p, d) for p in ["a", "b", "c", "zz"] for d in dates], columns=["player_lookup", "game_date"])
    frame["season_start"] = pd.Timestamp("2022-11-01")
    return frame


def _brute(history, target, last_n=None, last_days=None, floor=True):
    rows = history[(history["player_lookup"] == target["player_lookup"]) & (history["game_date"] < target["game_date"])]
    if floor:
        rows = rows[rows["game_date"] >= target["season_start"]]
    if last_days is not None:
        rows = rows[rows["game_date"] >= target["game_date"] - pd.Timedelta(days=last_days)]
    rows = rows.sort_values("game_date")
    return rows.tail(last_n) if last_n else rows


@pytest.mark.parametrize("last_n,last_days", [(5, None), (10, None), (None, 6), (None, None)])
def test_window_stats_match_brute_force(history, targets, last_n, last_days):
    built = GameHistory.build(history, "player_lookup")
    start, end = built.bounds(targets, as_of="game_date", floor="season_start", last_n=last_n, last_days=last_days)
    stats = window_stats(built, start, end, ["points", "minutes"])
    for i, target in targets.iterrows():
        rows = _brute(history, target, last_n, last_days)
        assert stats.loc[i, "games_found"] == len(rows)
        if len(rows):
            assert stats.loc[i, "points_mean"] == pytest.approx(rows["points"].mean())
            assert stats.loc[i, "minutes_count"] == rows["minutes"].notna().sum()
            assert stats.loc[i, "first_game_date"] == rows["game_date"].min()
            assert stats.loc[i, "last_game_date"] == rows["game_date"].max()
            if len(rows) > 1:
                assert stats.loc[i, "points_std"] == pytest.approx(rows["points"].std())
        else:
            assert np.isnan(stats.loc[i, "points_mean"]) and pd.isna(stats.loc[i, "first_game_date"])


def test_window_never_includes_the_as_of_day(history):
    day = history.iloc[10]
    target = pd.DataFrame({"player_lookup": [day["player_lookup"]], "game_date": [day["game_date"]]})
    built = GameHistory.build(history, "player_lookup")
    start, end = built.bounds(target, as_of="game_date")
    assert (built.frame.iloc[start[0]:end[0]]["game_date"] < day["game_date"]).all()
    assert window_stats(built, start, end, [])["last_game_date"].iloc[0] < day["game_date"]


def test_slope_and_rows_and_last_game(history, targets):
    built = GameHistory.build(history, "player_lookup")
    start, end = built.bounds(targets, as_of="game_date", floor="season_start", last_n=7)
    slopes = window_slope(built, start, end, "points", 7)
    rows = window_rows(built, start, end, 3)
    last = last_game(built, start, end)
    for i, target in targets.iterrows():
        games = _brute(history, target, last_n=7)
        if len(games) >= 2:
            assert slopes[i] == pytest.approx(np.polyfit(np.arange(len(games)), games["points"], 1)[0])
        else:
            assert np.isnan(slopes[i])
        mine = rows[rows["target"] == i].sort_values("recency")
        assert mine["game_date"].tolist() == games["game_date"].tolist()[::-1][:3]
        if len(games):
            assert last.loc[i, "game_date"] == games["game_date"].max()
        else:
            assert pd.isna(last.loc[i, "game_date"])


def test_unknown_entities_have_empty_windows(history):
    built = GameHistory.build(history, "player_lookup")
    start, end = built.bounds(pd.DataFrame({"player_lookup": ["nobody"], "game_date": [pd.Timestamp("2023-03-01")]}), "game_date")
    assert (end - start).tolist() == [0]
