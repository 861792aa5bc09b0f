"""Betting markets: player points props and game spreads / totals, with pre-game and in-game snapshots.

A book's points line blends the simulator's context-aware expectation (minutes, usage with the
current lineup, opponent defence, rest, home court, and half of the latent form) with the player's
recent and season averages, plus noise: good but beatable. In-game snapshots (minutes_before_tipoff
< 0) are leak bait: their lines move strongly toward the final result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulated_league.games import ACTIVE

BOOKMAKERS = ("draftkings", "fanduel", "betmgm", "caesars", "pointsbetus", "bovada")
BASE_IMPLIED_PROBABILITY = 0.5238  # -110 on both sides

BOOK_WEIGHT_ON_MODEL = 0.6
BOOK_NOISE_POINTS = 0.8
# Points are right-skewed: books hang the line a little under the mean so overs and unders split evenly.
MEDIAN_SHADE = 0.97
WHOLE_NUMBER_LINE_SHARE = 0.1
IN_GAME_PROP_SHARE = 0.05
IN_GAME_PULL_TO_RESULT = 0.75
IN_GAME_GAME_LINE_SHARE = 0.6
# Leads shrink late in games (garbage time, comebacks): books scale the expected-points gap accordingly.
MARGIN_CALIBRATION = 0.8

# Coverage by position of the season in the simulation: the first season is sparse.
SPARSE_PLAYER_SHARE, SPARSE_BOOKS = 0.33, (1, 2)
DENSE_STARTER_SHARE, DENSE_BENCH_SHARE, DENSE_BOOKS = 0.92, 0.3, (3, 6)


def _round_half(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(values * 2.0) / 2.0, 0.5)


def american_odds(probability: np.ndarray) -> np.ndarray:
    """Implied probability -> American odds rounded to 5."""
    favourite = -100.0 * probability / (1.0 - probability)
    underdog = 100.0 * (1.0 - probability) / probability
    odds = np.where(probability >= 0.5, favourite, underdog)
    return (np.round(odds / 5.0) * 5.0).astype(int)


def _prior_averages(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (sorted by player, tip-off): games played before it, mean of the last 10, season mean."""
    active = (frame["status"].to_numpy() == ACTIVE).astype(int)
    points = np.where(active == 1, frame["points"].to_numpy(), 0)
    player = frame["player"].to_numpy()
    group_start = np.r_[0, np.flatnonzero(player[1:] != player[:-1]) + 1]
    starts = np.repeat(group_start, np.diff(np.r_[group_start, len(frame)]))
    cum_games = np.r_[0, np.cumsum(active)]
    cum_points = np.r_[0, np.cumsum(points)]
    played_before = cum_games[np.arange(len(frame))] - cum_games[starts]
    season_sum = cum_points[np.arange(len(frame))] - cum_points[starts]
    # Sum of the last 10 games played: cumulative points over the player's played games only.
    played_points = np.r_[0, np.cumsum(points[active == 1])]
    position = cum_games[np.arange(len(frame))]
    window_start = np.maximum(position - 10, cum_games[starts])
    last10_sum = played_points[position] - played_points[window_start]
    with np.errstate(invalid="ignore", divide="ignore"):
        last10 = last10_sum / np.minimum(played_before, 10)
        season = season_sum / played_before
    return played_before, last10, season


def _consensus_lines(candidates: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    played_before, last10, season = _prior_averages(candidates)
    model = candidates["expected_points"].to_numpy()
    history = 0.6 * last10 + 0.4 * season
    estimate = np.where(played_before >= 5, BOOK_WEIGHT_ON_MODEL * model + (1 - BOOK_WEIGHT_ON_MODEL) * history, model)
    estimate = MEDIAN_SHADE * estimate + rng.normal(0.0, BOOK_NOISE_POINTS, len(estimate))
    whole = rng.random(len(estimate)) < WHOLE_NUMBER_LINE_SHARE
    return np.maximum(np.where(whole, np.round(estimate), np.floor(estimate) + 0.5), 0.5)


def _select_offered(candidates: pd.DataFrame, dense: bool, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Which player-games get a prop, and from how many books."""
    minutes = candidates["expected_minutes"].to_numpy()
    draw = rng.random(len(candidates))
    if dense:
        offered = ((minutes >= 15) & (draw < DENSE_STARTER_SHARE)) | ((minutes >= 10) & (minutes < 15) & (draw < DENSE_BENCH_SHARE))
        books = rng.integers(DENSE_BOOKS[0], DENSE_BOOKS[1] + 1, len(candidates))
    else:
        offered = (minutes >= 15) & (draw < SPARSE_PLAYER_SHARE)
        books = rng.integers(SPARSE_BOOKS[0], SPARSE_BOOKS[1] + 1, len(candidates))
    return offered, books


def _snapshot_offsets(game_ids: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Per game: opening 18-24 h before tip-off, 1-3 updates, closing 10-30 min before (minutes before tip)."""
    rows = []
    for game_id in game_ids:
        opening = int(rng.integers(18 * 60, 24 * 60))
        closing = int(rng.integers(10, 31))
        updates = np.sort(rng.choice(np.arange(closing + 30, opening - 30), int(rng.integers(1, 4)), replace=False))[::-1]
        offsets = [opening, *updates.tolist(), closing]
        for k, offset in enumerate(offsets):
            rows.append((game_id, float(offset), k / (len(offsets) - 1)))
    return pd.DataFrame(rows, columns=["game_id", "minutes_before_tipoff", "progress"])


def _expand_books(offered: pd.DataFrame, books: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """One row per offered player-game x bookmaker, each book with a small closing-line offset."""
    order = np.argsort(rng.random((len(offered), len(BOOKMAKERS))), axis=1)
    take = np.arange(len(BOOKMAKERS))[None, :] < books[:, None]
    rows, slots = np.nonzero(take)
    expanded = offered.iloc[rows].reset_index(drop=True)
    expanded["bookmaker"] = np.array(BOOKMAKERS)[order[rows, slots]]
    book_offset = rng.choice([-1.0, 0.0, 1.0], len(expanded), p=[0.1, 0.8, 0.1])
    expanded["closing_line"] = np.maximum(expanded["consensus_line"].to_numpy() + book_offset, 0.5)
    # Whole-point moves keep a line's .5 / whole-number style from the opening to the close.
    expanded["opening_move"] = rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0], len(expanded), p=[0.08, 0.25, 0.34, 0.25, 0.08])
    return expanded


def _prices(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lean = rng.normal(0.0, 0.025, count)
    return american_odds(BASE_IMPLIED_PROBABILITY + lean), american_odds(BASE_IMPLIED_PROBABILITY - lean)


def player_props(player_games: pd.DataFrame, dense: bool, rng: np.random.Generator) -> pd.DataFrame:
    """Prop snapshots keyed by player index (the caller maps players to lookups)."""
    columns = ["game_id", "game_date", "tipoff", "player", "status", "points", "expected_minutes", "expected_points"]
    candidates = player_games.loc[player_games["expected_points"].notna(), columns].sort_values(["player", "tipoff"], kind="stable")
    candidates = candidates.reset_index(drop=True)
    candidates["consensus_line"] = _consensus_lines(candidates, rng)
    offered_mask, books = _select_offered(candidates, dense, rng)
    offered = candidates[offered_mask].reset_index(drop=True)
    per_book = _expand_books(offered, books[offered_mask], rng)
    snapshots = _snapshot_offsets(np.sort(offered["game_id"].unique()), rng)
    pre_game = per_book.merge(snapshots, on="game_id", how="inner")
    remaining_move = np.round(pre_game["opening_move"] * (1.0 - pre_game["progress"]))
    pre_game["points_line"] = np.maximum(pre_game["closing_line"] + remaining_move, 0.5)
    return pd.concat([pre_game, _in_game_props(per_book, rng)], ignore_index=True).pipe(_finish_props, rng)


def _in_game_props(per_book: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Leak bait: for ~5 % of played player-games, live snapshots whose line chases the final points."""
    played = per_book[per_book["status"] == ACTIVE]
    keys = played[["game_id", "player"]].drop_duplicates()
    chosen = keys[rng.random(len(keys)) < IN_GAME_PROP_SHARE]
    chosen = chosen.assign(minutes_after=rng.integers(15, 101, len(chosen)).astype(float))
    second = chosen[rng.random(len(chosen)) < 0.5].copy()
    second["minutes_after"] = second["minutes_after"] + rng.integers(10, 40, len(second))
    live = played.merge(pd.concat([chosen, second], ignore_index=True), on=["game_id", "player"])
    live["minutes_before_tipoff"] = -live["minutes_after"]
    target = live["closing_line"] + IN_GAME_PULL_TO_RESULT * (live["points"] - live["closing_line"])
    live["points_line"] = _round_half(target.to_numpy() + rng.normal(0.0, 0.5, len(live)))
    return live


def _finish_props(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame["snapshot_timestamp"] = frame["tipoff"] - pd.to_timedelta(frame["minutes_before_tipoff"], unit="min")
    frame["over_price"], frame["under_price"] = _prices(len(frame), rng)
    columns = ["game_date", "player", "bookmaker", "points_line", "over_price", "under_price",
               "snapshot_timestamp", "minutes_before_tipoff", "game_id"]
    return frame[columns]


def _game_books(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """3-5 bookmakers per game."""
    order = np.argsort(rng.random((count, len(BOOKMAKERS))), axis=1)
    take = np.arange(len(BOOKMAKERS))[None, :] < rng.integers(3, 6, count)[:, None]
    games, slots = np.nonzero(take)
    return pd.DataFrame({"game": games, "bookmaker_key": np.array(BOOKMAKERS)[order[games, slots]]})


def _game_snapshots(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """Four pre-game snapshots (about 24 h, 6 h, 2 h and 5-20 min before) and, for most games, 1-2 live ones."""
    pre_game = np.column_stack(
        [rng.integers(20 * 60, 26 * 60, count), rng.integers(5 * 60, 8 * 60, count), rng.integers(60, 180, count), rng.integers(5, 21, count)]
    )
    frames = [
        pd.DataFrame({"game": np.arange(count), "minutes_before_tipoff": pre_game[:, k].astype(float), "progress": k / 3.0})
        for k in range(4)
    ]
    first_live = rng.integers(20, 56, count)
    live_count = np.where(rng.random(count) < IN_GAME_GAME_LINE_SHARE, rng.integers(1, 3, count), 0)
    for k, minutes_after in enumerate((first_live, first_live + rng.integers(10, 35, count))):
        has = live_count > k
        frames.append(
            pd.DataFrame({"game": np.flatnonzero(has), "minutes_before_tipoff": -minutes_after[has].astype(float), "progress": np.nan})
        )
    return pd.concat(frames, ignore_index=True)


def _scoring_drift(games: pd.DataFrame) -> np.ndarray:
    """Books correct their totals by the season's average miss so far (games on earlier dates only)."""
    residual = (games["home_score"] + games["away_score"]).astype(float) - games["expected_home_points"] - games["expected_away_points"]
    daily = residual.groupby(games["game_date"]).agg(["sum", "count"])
    before = daily.cumsum().shift(1, fill_value=0)
    drift = (before["sum"] / before["count"].replace(0, np.nan)).fillna(0.0)
    return games["game_date"].map(drift).to_numpy()


def game_lines(schedule: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Spreads and totals: consensus from the simulator's expected team points, moving from an opening
    line to the close; live snapshots pull toward the final margin and total (leak bait)."""
    games = schedule[schedule["expected_home_points"].notna()].sort_values("tipoff", kind="stable").reset_index(drop=True)
    count = len(games)
    expected_margin = MARGIN_CALIBRATION * (games["expected_home_points"] - games["expected_away_points"]).to_numpy()
    spread = np.round(-(expected_margin + rng.normal(0.0, 1.2, count)) * 2.0) / 2.0
    expected_total = (games["expected_home_points"] + games["expected_away_points"]).to_numpy() + _scoring_drift(games)
    total = _round_half(expected_total + rng.normal(0.0, 2.5, count))
    opening_spread = np.round((spread + rng.normal(0.0, 1.0, count)) * 2.0) / 2.0
    opening_total = _round_half(total + rng.normal(0.0, 2.0, count))
    actual_margin = (games["home_score"] - games["away_score"]).astype(float).to_numpy()
    actual_total = (games["home_score"] + games["away_score"]).astype(float).to_numpy()
    rows = _game_snapshots(count, rng).merge(_game_books(count, rng), on="game")
    g = rows["game"].to_numpy()
    progress = rows["progress"].to_numpy()
    live_pull = np.minimum(1.0, -rows["minutes_before_tipoff"].to_numpy() / 120.0) * IN_GAME_PULL_TO_RESULT
    point_spread = np.where(
        np.isnan(progress),
        spread[g] + live_pull * (-actual_margin[g] - spread[g]),
        opening_spread[g] + (spread[g] - opening_spread[g]) * np.nan_to_num(progress),
    )
    point_total = np.where(
        np.isnan(progress),
        total[g] + live_pull * (actual_total[g] - total[g]),
        opening_total[g] + (total[g] - opening_total[g]) * np.nan_to_num(progress),
    )
    point_spread = np.round(point_spread * 2.0) / 2.0
    point_total = _round_half(point_total)
    base = pd.DataFrame(
        {
            "game_id": games["game_id"].to_numpy()[g],
            "game_date": games["game_date"].to_numpy()[g],
            "snapshot_timestamp": pd.DatetimeIndex(games["tipoff"])[g] - pd.to_timedelta(rows["minutes_before_tipoff"].to_numpy(), unit="min"),
            "minutes_before_tipoff": rows["minutes_before_tipoff"].to_numpy(),
            "bookmaker_key": rows["bookmaker_key"].to_numpy(),
        }
    )
    outcomes = [
        ("spreads", games["home"].to_numpy()[g], point_spread),
        ("spreads", games["away"].to_numpy()[g], -point_spread),
        ("totals", "Over", point_total),
        ("totals", "Under", point_total),
    ]
    frame = pd.concat(
        [base.assign(market_key=market, outcome_name=name, outcome_point=point) for market, name, point in outcomes],
        ignore_index=True,
    )
    frame["outcome_price"], _ = _prices(len(frame), rng)
    return frame


