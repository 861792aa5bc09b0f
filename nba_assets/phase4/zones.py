"""Shot-zone precompute: team defense by zone (TDZA, reference §7) and player shot profile (PSZA, §8).

Both are computed for every day of a range at once from history strictly before each day, including the
league average of TDZA (the reference included the analysis day there: a leak).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.phase4.common import dynamic_minimum, ratio, season_targets
from nba_assets.phase4.tables import PLAYER_SHOT_ZONE_ANALYSIS, TEAM_DEFENSE_ZONE_ANALYSIS
from nba_assets.windows import GameHistory, window_lineage, window_stats

ZONES = ("paint", "mid_range", "three_pt")
ZONE_LABELS = {"paint": "paint", "mid_range": "mid_range", "three_pt": "perimeter"}
TEAM_SAMPLE_GAMES = 15
LEAGUE_WINDOW_DAYS = 30
LEAGUE_MIN_TEAM_GAMES = 5
LEAGUE_MIN_TEAMS = 10

# the columns of each history these functions read (their assets load only those of a year of history)
DEFENSE_HISTORY = ["game_date", "defending_team_abbr", *(f"opp_{zone}_{kind}" for zone in ZONES for kind in ("attempts", "makes")),
                   "defensive_rating", "opponent_pace", "points_allowed", "points_in_paint_allowed"]
ZONE_PLAYER_HISTORY = ["game_date", "player_lookup", "team_abbr", "is_active", "has_complete_shot_zones", "paint_attempts",
                       "paint_makes", "mid_range_attempts", "mid_range_makes", "three_attempts_pbp", "three_makes_pbp"]


def _defense_history(defense: pd.DataFrame) -> pd.DataFrame:
    """TDGS rows keyed by team_abbr. Paint and mid-range need play-by-play (NULL without it); threes come
    from the box score, so they exist for every game."""
    hist = defense.rename(columns={"defending_team_abbr": "team_abbr"}).copy()
    for zone in ZONES:
        for kind in ("attempts", "makes"):
            hist[f"z_{zone}_{kind}"] = hist[f"opp_{zone}_{kind}"].astype("float64")
    return hist


def _zone_pcts(stats: pd.DataFrame) -> dict[str, np.ndarray]:
    return {zone: ratio(stats[f"z_{zone}_makes_sum"], stats[f"z_{zone}_attempts_sum"]) for zone in ZONES}


def league_zone_averages(history: GameHistory, days: pd.DataFrame) -> pd.DataFrame:
    """Per day: the unweighted mean over teams of their zone FG% allowed in the 30 days before the day (this
    season), over teams with at least 5 games there; NULL when fewer than 10 teams qualify or the zone has no
    data."""
    teams = pd.Series(sorted(history.codes), name="team_abbr")  # a fixed order: the mean must not depend on history
    grid = days.merge(teams, how="cross")
    grid["floor"] = np.maximum(grid["season_start"], grid["analysis_date"] - pd.Timedelta(days=LEAGUE_WINDOW_DAYS))
    s, e = history.bounds(grid, as_of="analysis_date", floor="floor")
    stats = window_stats(history, s, e, [f"z_{zone}_{kind}" for zone in ZONES for kind in ("attempts", "makes")])
    qualified = stats["games_found"].to_numpy() >= LEAGUE_MIN_TEAM_GAMES
    pcts = pd.DataFrame({f"league_{zone}_pct": np.where(qualified, value, np.nan) for zone, value in _zone_pcts(stats).items()})
    pcts["analysis_date"] = grid["analysis_date"].to_numpy()
    pcts["qualified"] = qualified
    league = pcts.groupby("analysis_date").agg(
        league_teams_qualified=("qualified", "sum"), **{c: (c, "mean") for c in pcts.columns if c.startswith("league_")}
    ).reset_index()
    enough = league["league_teams_qualified"] >= LEAGUE_MIN_TEAMS
    for zone in ZONES:
        league[f"league_{zone}_pct"] = league[f"league_{zone}_pct"].where(enough)
    return league


def team_defense_zone_analysis(targets: pd.DataFrame, calendar: pd.DataFrame, defense: pd.DataFrame,
                               scheduled: GameHistory, present: GameHistory) -> pd.DataFrame:
    """targets: team-games of the day (game_date, game_id, team_abbr, opponent_team_abbr, season_year)."""
    if targets.empty:
        return TEAM_DEFENSE_ZONE_ANALYSIS.empty()
    t = season_targets(targets.rename(columns={"game_date": "analysis_date"}), calendar, "analysis_date")
    history = GameHistory.build(_defense_history(defense), "team_abbr")
    s, e = history.bounds(t, as_of="analysis_date", floor="season_start", last_n=TEAM_SAMPLE_GAMES)
    columns = [f"z_{zone}_{kind}" for zone in ZONES for kind in ("attempts", "makes")]
    stats = window_stats(history, s, e, columns + ["defensive_rating", "opponent_pace", "points_allowed", "points_in_paint_allowed"])
    games = stats["games_found"]
    out = t.copy()
    out["zone_games_in_sample"] = stats["z_paint_attempts_count"].astype(int)
    for zone, pct in _zone_pcts(stats).items():
        out[f"{zone}_pct_allowed_last_15"] = np.round(pct, 3)
        out[f"{zone}_attempts_allowed_per_game"] = np.round(
            ratio(stats[f"z_{zone}_attempts_sum"], stats[f"z_{zone}_attempts_count"]), 2)
    out["paint_points_allowed_per_game"] = np.round(ratio(stats["points_in_paint_allowed_sum"], stats["points_in_paint_allowed_count"]), 2)
    out["defensive_rating_last_15"] = np.round(stats["defensive_rating_mean"], 2)
    out["opponent_pace"] = np.round(stats["opponent_pace_mean"], 1)
    out["opponent_points_per_game"] = np.round(stats["points_allowed_mean"], 2)

    league = league_zone_averages(history, t[["analysis_date", "season_start"]].drop_duplicates("analysis_date"))
    out = out.merge(league, on="analysis_date", how="left")
    out["league_teams_qualified"] = out["league_teams_qualified"].fillna(0)
    vs = {}
    for zone in ZONES:
        out[f"league_{zone}_pct"] = np.round(out[f"league_{zone}_pct"], 3)
        vs[zone] = (out[f"{zone}_pct_allowed_last_15"] - out[f"league_{zone}_pct"]) * 100
        out[f"{zone}_defense_vs_league_avg"] = np.round(vs[zone], 1)
    vs_frame = pd.DataFrame(vs)
    any_vs = vs_frame.notna().any(axis=1)
    out["strongest_zone"] = vs_frame.fillna(np.inf).idxmin(axis=1).map(ZONE_LABELS).where(any_vs)
    out["weakest_zone"] = vs_frame.fillna(-np.inf).idxmax(axis=1).map(ZONE_LABELS).where(any_vs)
    out["min_games_required"] = dynamic_minimum(out["days_into_season"], 5, 14, TEAM_SAMPLE_GAMES)
    out["data_quality_tier"] = np.select([games >= 15, games >= 10], ["high", "medium"], default="low")
    short = games < out["min_games_required"]
    out["insufficient_data_reason"] = np.where(
        short, "only " + games.astype(str) + " games, need " + out["min_games_required"].astype(str), None)
    out = pd.concat([out, stats[["games_found", "first_game_date", "last_game_date"]].set_axis(out.index)], axis=1)
    lineage = window_lineage(out.rename(columns={"analysis_date": "as_of"}), "as_of", out["first_game_date"], scheduled, present)
    out = pd.concat([out, lineage], axis=1)
    return TEAM_DEFENSE_ZONE_ANALYSIS.conform(out[TEAM_DEFENSE_ZONE_ANALYSIS.column_names])


def _zone_history(players: pd.DataFrame) -> pd.DataFrame:
    """Played games, with zone counts only where the game's play-by-play classifies every attempt."""
    played = players[players["is_active"].astype(bool)].copy()
    complete = played["has_complete_shot_zones"].astype(bool)
    sources = {"paint": "paint", "mid_range": "mid_range", "three_pt": "three"}
    for zone, source in sources.items():
        suffix = "_pbp" if zone == "three_pt" else ""
        played[f"z_{zone}_attempts"] = played[f"{source}_attempts{suffix}"].astype("float64").where(complete)
        played[f"z_{zone}_makes"] = played[f"{source}_makes{suffix}"].astype("float64").where(complete)
    return played


def player_shot_zone_analysis(targets: pd.DataFrame, calendar: pd.DataFrame, players: pd.DataFrame,
                              scheduled: GameHistory, present: GameHistory) -> pd.DataFrame:
    """targets: rostered players of the day (game_date, game_id, player_lookup, team_abbr, opponent_team_abbr,
    season_year)."""
    if targets.empty:
        return PLAYER_SHOT_ZONE_ANALYSIS.empty()
    t = season_targets(targets.rename(columns={"game_date": "analysis_date"}), calendar, "analysis_date")
    history = GameHistory.build(_zone_history(players), "player_lookup")
    columns = [f"z_{zone}_{kind}" for zone in ZONES for kind in ("attempts", "makes")]
    s10, e10 = history.bounds(t, as_of="analysis_date", floor="season_start", last_n=10)
    s20, e20 = history.bounds(t, as_of="analysis_date", floor="season_start", last_n=20)
    l10, l20 = window_stats(history, s10, e10, columns), window_stats(history, s20, e20, columns)
    out = t.copy()
    out["games_in_sample_10"], out["games_in_sample_20"] = l10["games_found"], l20["games_found"]
    zone_games = l10["z_paint_attempts_count"]
    out["zone_games_in_sample_10"] = zone_games.astype(int)
    total = sum(l10[f"z_{zone}_attempts_sum"].fillna(0) for zone in ZONES)
    out["total_shots_last_10"] = pd.array(np.where(zone_games > 0, total, pd.NA), dtype="Int64")
    for zone in ZONES:
        out[f"{zone}_rate_last_10"] = np.round(100 * ratio(l10[f"z_{zone}_attempts_sum"], total), 2)
        out[f"{zone}_pct_last_10"] = np.round(ratio(l10[f"z_{zone}_makes_sum"], l10[f"z_{zone}_attempts_sum"]), 3)
        out[f"{zone}_attempts_per_game_10"] = np.round(ratio(l10[f"z_{zone}_attempts_sum"], zone_games), 2)
    total20 = sum(l20[f"z_{zone}_attempts_sum"].fillna(0) for zone in ZONES)
    enough20 = l20["z_paint_attempts_count"] >= 15
    out["paint_rate_last_20"] = np.where(enough20, np.round(100 * ratio(l20["z_paint_attempts_sum"], total20), 2), np.nan)
    out["three_pt_rate_last_20"] = np.where(enough20, np.round(100 * ratio(l20["z_three_pt_attempts_sum"], total20), 2), np.nan)
    out["paint_pct_last_20"] = np.where(enough20, np.round(ratio(l20["z_paint_makes_sum"], l20["z_paint_attempts_sum"]), 3), np.nan)
    paint, three, mid = out["paint_rate_last_10"], out["three_pt_rate_last_10"], out["mid_range_rate_last_10"]
    out["primary_scoring_zone"] = np.select(
        [paint.isna() | (total == 0), paint >= 40, three >= 40, mid >= 35],
        [None, "paint", "perimeter", "mid_range"], default="balanced")
    games = out["games_in_sample_10"]
    out["sample_quality"] = np.select([games >= 10, games >= 7, games >= 5], ["excellent", "good", "limited"], default="insufficient")
    out["min_games_required"] = dynamic_minimum(out["days_into_season"], 3, 9, 10)
    out["data_quality_tier"] = np.select([games >= out["min_games_required"], games >= 7], ["high", "medium"], default="low")
    out = pd.concat([out, l10[["games_found", "first_game_date", "last_game_date"]].set_axis(out.index)], axis=1)
    lineage = window_lineage(out.rename(columns={"analysis_date": "as_of"}), "as_of", out["first_game_date"], scheduled, present)
    out = pd.concat([out, lineage], axis=1)
    return PLAYER_SHOT_ZONE_ANALYSIS.conform(out[PLAYER_SHOT_ZONE_ANALYSIS.column_names])
