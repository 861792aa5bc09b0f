"""The feature contract: the one list of ML features, their order, unit, valid range, category, whether they
are required, where they come from and what they mean. The feature store produces exactly these columns and
every consumer (models, prediction systems, checks, docs) reads features by name from here.

A missing value is NULL with source tag 'missing'; no feature is ever filled with a default.
Indices 0-24 are the reference's v1 set, 25-28 the pre-game line features, 29+ history features our data
supports (reference indices kept where the meaning is the same; see docs/features.md).
"""

from __future__ import annotations

import dataclasses

PHASE4, PHASE3, CALCULATED, MISSING = "phase4", "phase3", "calculated", "missing"
SOURCE_WEIGHTS = {PHASE4: 100.0, PHASE3: 87.0, CALCULATED: 100.0, MISSING: 0.0}

MATCHUP, PLAYER_HISTORY, TEAM_CONTEXT, VEGAS, GAME_CONTEXT = "matchup", "player_history", "team_context", "vegas", "game_context"
FEATURE_VERSION = "v4_contract_71"


@dataclasses.dataclass(frozen=True)
class Feature:
    index: int
    name: str
    unit: str
    low: float
    high: float
    category: str
    required: bool
    source: str
    meaning: str


def _f(index, name, unit, low, high, category, required, source, meaning) -> Feature:
    return Feature(index, name, unit, float(low), float(high), category, required, source, meaning)


FEATURES: tuple[Feature, ...] = (
    _f(0, "points_avg_last_5", "points", 0, 80, PLAYER_HISTORY, True, PHASE4, "mean points, last 5 games of the season"),
    _f(1, "points_avg_last_10", "points", 0, 80, PLAYER_HISTORY, True, PHASE4, "mean points, last 10 games"),
    _f(2, "points_avg_season", "points", 0, 80, PLAYER_HISTORY, True, PHASE4, "mean points, season to date"),
    _f(3, "points_std_last_10", "points", 0, 40, PLAYER_HISTORY, True, PHASE4, "sample std of points, last 10 (≥ 2 games)"),
    _f(4, "games_in_last_7_days", "games", 0, 7, PLAYER_HISTORY, True, PHASE3, "games played in the 6 days before"),
    _f(5, "fatigue_score", "score", 0, 100, MATCHUP, True, PHASE4, "100 = fresh, lower = more fatigued"),
    _f(6, "shot_zone_mismatch_score", "percentage points", -10, 10, MATCHUP, True, PHASE4,
       "player's zone mix × opponent's zone FG% vs league; positive favours the scorer"),
    _f(7, "pace_score", "poss/48 min", -3, 3, MATCHUP, True, PHASE4, "expected extra possessions vs the team's norm"),
    _f(8, "usage_spike_score", "score", -3, 3, MATCHUP, False, PHASE4,
       "0.3 × (usage without today's out teammates − recent usage); needs an injury report"),
    _f(9, "rest_advantage", "days", -2, 2, GAME_CONTEXT, True, CALCULATED, "player days of rest − opponent's, clamped ±2"),
    _f(10, "injury_risk", "level", 0, 3, GAME_CONTEXT, False, PHASE3,
       "pre-game status: available 0, probable 1, questionable 2, doubtful/out 3; needs an injury report"),
    _f(11, "recent_trend", "level", -2, 2, PLAYER_HISTORY, True, PHASE4, "newest 2 vs older 3 of the last 5 games"),
    _f(12, "minutes_change", "level", -2, 2, PLAYER_HISTORY, True, CALCULATED, "last-10 minutes vs season: −2..2"),
    _f(13, "opponent_def_rating", "pts/100 poss", 60, 170, MATCHUP, True, PHASE4,
       "opponent's defensive rating, last 15 (past 150 only on a season's first game or two)"),
    _f(14, "opponent_pace", "poss/48 min", 80, 125, MATCHUP, True, PHASE4, "pace of the opponent's last 15 games"),
    _f(15, "home_away", "flag", 0, 1, GAME_CONTEXT, True, PHASE3, "1 = home"),
    _f(16, "back_to_back", "flag", 0, 1, GAME_CONTEXT, True, PHASE3, "1 = played the day before"),
    _f(17, "playoff_game", "flag", 0, 1, GAME_CONTEXT, True, PHASE3, "1 = play-in or playoff game (from the schedule)"),
    _f(18, "pct_paint", "fraction", 0, 1, PLAYER_HISTORY, True, PHASE4, "paint share of zone attempts, last 10"),
    _f(19, "pct_mid_range", "fraction", 0, 1, PLAYER_HISTORY, True, PHASE4, "mid-range share, last 10"),
    _f(20, "pct_three", "fraction", 0, 1, PLAYER_HISTORY, True, PHASE4, "three-point share, last 10"),
    _f(21, "pct_free_throw", "fraction", 0, 1, PLAYER_HISTORY, True, PHASE4, "free-throw share of points, last 10 (≥ 5)"),
    _f(22, "team_pace", "poss/48 min", 80, 125, TEAM_CONTEXT, True, PHASE4, "own team's pace, last 10"),
    _f(23, "team_off_rating", "pts/100 poss", 60, 170, TEAM_CONTEXT, True, PHASE4,
       "own team's offensive rating, last 10 (past 150 only on a season's first game or two)"),
    _f(24, "team_win_pct", "fraction", 0, 1, TEAM_CONTEXT, True, PHASE3, "season win share before the day (≥ 5 games)"),
    _f(25, "vegas_points_line", "points", 0, 80, VEGAS, False, PHASE3, "closing pre-game prop line"),
    _f(26, "vegas_opening_line", "points", 0, 80, VEGAS, False, PHASE3, "opening prop line, same bookmaker"),
    _f(27, "vegas_line_move", "points", -20, 20, VEGAS, False, CALCULATED, "closing − opening"),
    _f(28, "has_vegas_line", "flag", 0, 1, VEGAS, True, CALCULATED, "1 = a pre-game prop line exists"),
    _f(29, "avg_points_vs_opponent", "points", 0, 80, PLAYER_HISTORY, False, PHASE4, "mean vs this opponent, 365 days"),
    _f(30, "games_vs_opponent", "games", 0, 20, PLAYER_HISTORY, True, PHASE4, "games vs this opponent, 365 days"),
    _f(31, "minutes_avg_last_10", "minutes", 0, 60, PLAYER_HISTORY, True, PHASE4, "mean minutes, last 10"),
    _f(32, "ppm_avg_last_10", "points/minute", 0, 6, PLAYER_HISTORY, True, PHASE4,
       "points per minute, last 10 games (past 3 only on a few minutes of play)"),
    _f(33, "dnp_rate", "fraction", 0, 1, PLAYER_HISTORY, False, PHASE4, "share of the last 10 listed games not played"),
    _f(34, "pts_slope_10g", "points/game", -15, 15, PLAYER_HISTORY, True, PHASE4, "slope of points, last 10 (≥ 5)"),
    _f(35, "pts_vs_season_zscore", "std", -3, 3, PLAYER_HISTORY, True, CALCULATED, "(L5 − season) / std L10, clamped ±3"),
    _f(36, "breakout_flag", "flag", 0, 1, PLAYER_HISTORY, True, CALCULATED, "L5 > season + 1.5 · std L10"),
    _f(37, "star_teammates_out", "players", 0, 6, GAME_CONTEXT, False, PHASE3, "stars out or doubtful on the report"),
    _f(38, "game_total_line", "points", 170, 280, VEGAS, False, PHASE3, "game total, median of bookmakers"),
    _f(39, "days_rest", "days", 1, 200, GAME_CONTEXT, False, PHASE3, "days since the previous game this season"),
    _f(40, "minutes_load_last_7d", "minutes", 0, 240, PLAYER_HISTORY, True, PHASE3, "minutes in the 6 days before"),
    _f(41, "spread_magnitude", "points", 0, 30, VEGAS, False, CALCULATED, "|team spread|"),
    _f(42, "implied_team_total", "points", 80, 150, VEGAS, False, CALCULATED, "(game total − team spread) / 2"),
    _f(43, "points_avg_last_3", "points", 0, 80, PLAYER_HISTORY, True, PHASE4, "mean points, last 3"),
    _f(44, "scoring_trend_slope", "points/game", -20, 20, PLAYER_HISTORY, True, PHASE4, "slope of points, last 7 (≥ 4)"),
    _f(45, "deviation_from_avg_last3", "std", -6, 6, PLAYER_HISTORY, True, CALCULATED, "(L3 − season) / std L10, clamped ±6"),
    _f(46, "consecutive_games_below_avg", "games", 0, 20, PLAYER_HISTORY, True, PHASE4,
       "newest games in a row below the season average (counted up to 20)"),
    _f(47, "teammate_usage_available", "percent", 0, 150, GAME_CONTEXT, False, PHASE3,
       "usage of teammates out or doubtful (30-day means)"),
    _f(48, "usage_rate_last_5", "percent", 0, 100, PLAYER_HISTORY, True, PHASE4, "mean usage, last 5 (≥ 3)"),
    _f(49, "games_since_structural_change", "games", 0, 30, PLAYER_HISTORY, True, PHASE4,
       "games since a team change or a gap of more than 14 days, capped at 30"),
    _f(50, "multi_book_line_std", "points", 0, 10, VEGAS, False, PHASE3, "std of bookmakers' latest lines (≥ 2 books)"),
    _f(51, "prop_over_streak", "games", 0, 10, VEGAS, False, PHASE3, "newest games in a row above today's line"),
    _f(52, "prop_under_streak", "games", 0, 10, VEGAS, False, PHASE3, "newest games in a row below today's line"),
    _f(53, "line_vs_season_avg", "points", -40, 40, VEGAS, False, CALCULATED, "line − season average"),
    _f(54, "prop_line_delta", "points", -20, 20, VEGAS, False, CALCULATED, "line − previous game's line (≤ 14 days)"),
    _f(55, "over_rate_last_10", "fraction", 0, 1, VEGAS, False, PHASE4, "share of recent games over their line (≥ 3)"),
    _f(56, "margin_vs_line_avg_last_5", "points", -40, 40, VEGAS, False, PHASE4, "mean points − line, last 5 with a line"),
    _f(57, "blowout_minutes_risk", "fraction", 0, 1, TEAM_CONTEXT, True, PHASE4, "team's games decided by ≥ 15, last 10"),
    _f(58, "minutes_volatility_last_10", "minutes", 0, 45, PLAYER_HISTORY, True, PHASE4,
       "std of minutes, last 10 (past 30 only on two or three games: 0 and 45 minutes give 31.8)"),
    _f(59, "opponent_pace_mismatch", "poss/48 min", -30, 30, MATCHUP, True, CALCULATED, "team pace − opponent pace"),
    _f(60, "fg_attempts_avg_last_10", "attempts", 0, 40, PLAYER_HISTORY, True, PHASE4, "field-goal attempts per game, last 10"),
    # form across the season boundary and availability (365 days before, any season); the line's price
    _f(61, "points_decayed_4g", "points", 0, 80, PLAYER_HISTORY, False, PHASE4,
       "decayed mean of points, half-life 4 games, newest 40 games within 365 days"),
    _f(62, "points_decayed_10g", "points", 0, 80, PLAYER_HISTORY, False, PHASE4, "the same, half-life 10 games"),
    _f(63, "minutes_decayed_4g", "minutes", 0, 60, PLAYER_HISTORY, False, PHASE4, "decayed mean of minutes, half-life 4 games"),
    _f(64, "minutes_decayed_10g", "minutes", 0, 60, PLAYER_HISTORY, False, PHASE4, "the same, half-life 10 games"),
    _f(65, "points_last_game", "points", 0, 100, PLAYER_HISTORY, False, PHASE4, "points in the latest game (365 days)"),
    _f(66, "minutes_last_game", "minutes", 0, 70, PLAYER_HISTORY, False, PHASE4, "minutes in the latest game"),
    _f(67, "minutes_avg_last_3", "minutes", 0, 60, PLAYER_HISTORY, False, PHASE4, "mean minutes, newest 3 games (any season)"),
    _f(68, "games_last_365_days", "games", 0, 130, PLAYER_HISTORY, True, PHASE4, "games played in the 365 days before"),
    _f(69, "team_games_missed", "games", 0, 20, PLAYER_HISTORY, False, PHASE4,
       "the current team's games since the player's last appearance, capped at 20 (injury, rest, trade)"),
    _f(70, "line_over_probability", "probability", 0, 1, VEGAS, False, CALCULATED,
       "the book's OVER probability without its margin: implied(over) / (implied(over) + implied(under))"),
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
REQUIRED = tuple(f.name for f in FEATURES if f.required)
CATEGORIES = (MATCHUP, PLAYER_HISTORY, TEAM_CONTEXT, VEGAS, GAME_CONTEXT)


def source_column(name: str) -> str:
    return f"{name}__source"
