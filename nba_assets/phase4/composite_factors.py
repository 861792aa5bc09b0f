"""Player composite factors (reference §9) on documented scales, with their inputs' absence made explicit.

- fatigue_score: 100 = fresh; every consumer reads it with that direction (the reference's systems penalised
  high scores, i.e. fresh players). Minute loads are on the scale real players carry (the reference's 240
  minutes in six days never happens). Player age is not in our sources, so the reference's age rules are not
  applied.
- shot_zone_mismatch_score: the player's zone mix times the opponent's per-zone FG% allowed versus league.
- pace_score: expected extra possessions versus the team's norm, (opponent pace − team pace) / 2; the
  reference used team − opponent, rewarding players whose opponent slows the game.
- usage_spike_score: from a real projection, the player's usage this season in games his out teammates
  missed; NULL without an injury report or with fewer than 3 such games.
- The reference's four placeholders (referee, look-ahead, travel, opponent strength) were always 0; they are
  not published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.calendar import with_season_start
from nba_assets.phase3.upcoming import OUT_STATUSES
from nba_assets.phase4.tables import PLAYER_COMPOSITE_FACTORS
from nba_assets.windows import GameHistory

USAGE_PROJECTION_MIN_GAMES = 3

# the columns of player_game_summary's history that projected_usage reads (the asset loads only those)
USAGE_PLAYER_HISTORY = ["game_date", "game_id", "player_lookup", "team_abbr", "is_active", "usage_rate"]


# Minutes over the 6 days before the game, on the scale real players carry (real 2021-23 player-games:
# median 54, 90th percentile 98, 99th 118, maximum 178). The reference's "more than 240 minutes" needed seven
# full games in six days and never fired, which left the score nothing but its back-to-back term.
HEAVY_MINUTES_LAST_7, EXTREME_MINUTES_LAST_7 = 105, 125


def fatigue(context: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Reference rules, minute loads recalibrated, without defaults: a player without a game yet this season
    counts as rested. 36 minutes a night for three games in six days and then a back-to-back: 100 − 15
    (back-to-back) − 10 (over 105 minutes) − 8 (over 35 a game) = 67; the heaviest loads reach 35."""
    minutes_7 = context["minutes_in_last_7_days"]
    rules = [
        ("back_to_back", context["back_to_back"].astype(bool), -15),
        ("rested_3_days", (pd.to_numeric(context["days_rest"]).fillna(99) >= 3) & ~context["back_to_back"].astype(bool), +5),
        ("4_games_in_7_days", context["games_in_last_7_days"] >= 4, -10),
        (f"over_{HEAVY_MINUTES_LAST_7}_minutes_in_7_days", minutes_7 > HEAVY_MINUTES_LAST_7, -10),
        (f"over_{EXTREME_MINUTES_LAST_7}_minutes_in_7_days", minutes_7 > EXTREME_MINUTES_LAST_7, -10),
        ("over_35_minutes_per_game_last_7", pd.to_numeric(context["avg_minutes_per_game_last_7"]).fillna(0) > 35, -8),
        ("2_back_to_backs_in_14_days", context["back_to_backs_last_14_days"] >= 2, -12),
        ("1_back_to_back_in_14_days", context["back_to_backs_last_14_days"] == 1, -5),
    ]
    score = pd.Series(100.0, index=context.index)
    applied = pd.Series("", index=context.index)
    for name, mask, points in rules:
        mask = mask.fillna(False).astype(bool).to_numpy()
        score = score + np.where(mask, points, 0)
        applied = applied + np.where(mask, f"{name} ({points:+d});", "")
    return score.clip(0, 100).round().astype(int), applied.str.rstrip(";").replace("", None)


def shot_zone_mismatch(zones: pd.DataFrame, defense: pd.DataFrame) -> np.ndarray:
    """Σ over zones of (player's share of attempts) × (opponent FG% allowed vs league, pp), clamped ±10."""
    total = np.zeros(len(zones))
    for zone in ("paint", "mid_range", "three_pt"):
        total = total + zones[f"{zone}_rate_last_10"].to_numpy(dtype="float64") / 100 * defense[
            f"{zone}_defense_vs_league_avg"].to_numpy(dtype="float64")
    return np.clip(np.round(total, 2), -10, 10)


def projected_usage(targets: pd.DataFrame, context: pd.DataFrame, players: pd.DataFrame) -> pd.DataFrame:
    """Mean usage of each player this season (before the day) in games where all of today's out/doubtful
    teammates did not play. Players with no teammate out project their own recent usage (no spike).

    Vectorized over every target at once: each target's own games come from window bounds (the player's games
    for the team since the season start), and "an out teammate played that game" is one sorted lookup of
    packed (teammate, game) codes, so the cost grows with the games looked at, not with their cross products."""
    keys = ["game_date", "team_abbr", "player_lookup"]
    out_now = context[context["injury_status"].isin(OUT_STATUSES)][["game_date", "team_abbr", "player_lookup"]]
    pairs = targets[keys].merge(out_now.rename(columns={"player_lookup": "teammate"}), on=["game_date", "team_abbr"])
    pairs = pairs[pairs["teammate"] != pairs["player_lookup"]]
    result = pd.DataFrame(index=targets.index, data={"projected_usage_rate": np.nan, "usage_projection_games": np.nan})
    if pairs.empty:
        return result
    has_out = targets.set_index(keys).index.isin(pairs.set_index(keys).index)
    played = players[players["is_active"].astype(bool)][["player_lookup", "game_id", "game_date", "team_abbr", "usage_rate"]]
    wanted = targets[has_out].reset_index(drop=True)
    history = GameHistory.build(played, ["player_lookup", "team_abbr"])
    start, end = history.bounds(wanted, as_of="game_date", floor="season_start")
    lengths = end - start
    row = np.repeat(np.arange(len(wanted)), lengths)  # (wanted row, own past game) pairs
    position = np.repeat(start - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    game_ids = history.frame["game_id"].to_numpy()[position]
    usage = history.frame["usage_rate"].to_numpy(dtype="float64", na_value=np.nan)[position]

    # the out teammates of each wanted row (by day and player, as "today" is one game per player)
    players_index = pd.Index(pd.unique(np.concatenate([played["player_lookup"].to_numpy(), pairs["teammate"].to_numpy()])))
    game_index = pd.Index(pd.unique(played["game_id"].to_numpy()))
    appeared = np.unique(players_index.get_indexer(played["player_lookup"]).astype(np.int64) * len(game_index)
                         + game_index.get_indexer(played["game_id"]))
    wanted_day = wanted[["game_date", "player_lookup"]].assign(row=np.arange(len(wanted)))
    outs = wanted_day.merge(pairs[["game_date", "player_lookup", "teammate"]].drop_duplicates(), on=["game_date", "player_lookup"])
    out_rows, out_codes = outs["row"].to_numpy(), players_index.get_indexer(outs["teammate"]).astype(np.int64)
    order = np.argsort(out_rows, kind="stable")
    out_rows, out_codes = out_rows[order], out_codes[order]
    first_out = np.searchsorted(out_rows, np.arange(len(wanted)), side="left")
    outs_per_row = np.searchsorted(out_rows, np.arange(len(wanted)), side="right") - first_out
    # every (own game, out teammate) combination: did the teammate play that game?
    per_game = outs_per_row[row]
    game_of_check = np.repeat(np.arange(len(row)), per_game)
    teammate = out_codes[np.repeat(first_out[row] - np.cumsum(per_game) + per_game, per_game) + np.arange(per_game.sum())]
    checked = teammate * len(game_index) + game_index.get_indexer(game_ids)[game_of_check]
    found = np.searchsorted(appeared, checked).clip(max=len(appeared) - 1)
    teammate_played = np.bincount(game_of_check, weights=appeared[found] == checked, minlength=len(row)) > 0

    # usage_rate has one decimal: summing tenths as integers makes the mean independent of row order
    tenths = np.round(usage * 10)
    counted = ~teammate_played & ~np.isnan(tenths)
    count = np.bincount(row[counted], minlength=len(wanted))
    total = np.bincount(row[counted], weights=tenths[counted], minlength=len(wanted))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count / 10
    result.loc[has_out, "usage_projection_games"] = count.astype(float)
    result.loc[has_out, "projected_usage_rate"] = np.where(count >= USAGE_PROJECTION_MIN_GAMES, mean, np.nan)
    return result


def player_composite_factors(context: pd.DataFrame, team_context: pd.DataFrame, shot_zones: pd.DataFrame,
                             defense_zones: pd.DataFrame, players: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """context: upcoming_player_game_context rows of the days; team_context: upcoming_team_game_context;
    shot_zones / defense_zones: PSZA and TDZA of the days; players: player_game_summary of earlier days."""
    if context.empty:
        return PLAYER_COMPOSITE_FACTORS.empty()
    out = with_season_start(context, calendar)
    out["fatigue_score"], out["fatigue_components"] = fatigue(out)
    out["fatigue_adjustment"] = (out["fatigue_score"] - 100) / 20

    zones = out[["game_date", "player_lookup"]].merge(
        shot_zones.rename(columns={"analysis_date": "game_date"}), on=["game_date", "player_lookup"], how="left")
    defense = out[["game_date", "opponent_team_abbr"]].merge(
        defense_zones.drop(columns=["game_id", "opponent_team_abbr"]).rename(
            columns={"analysis_date": "game_date", "team_abbr": "opponent_team_abbr"}),
        on=["game_date", "opponent_team_abbr"], how="left")
    out["shot_zone_mismatch_score"] = shot_zone_mismatch(zones, defense)
    out["pace_score"] = np.clip(np.round((out["opponent_pace_last_10"] - out["team_pace_last_10"]) / 2, 2), -3, 3)

    projection = projected_usage(out, context, players)
    out["projected_usage_rate"] = np.round(projection["projected_usage_rate"], 1)
    out["usage_projection_games"] = projection["usage_projection_games"]
    no_teammate_out = out["injury_report_available"].astype(bool) & out["usage_projection_games"].isna()
    out.loc[no_teammate_out, "projected_usage_rate"] = out.loc[no_teammate_out, "avg_usage_rate_last_7_games"]
    spike = 0.3 * (out["projected_usage_rate"] - out["avg_usage_rate_last_7_games"])
    out["usage_spike_score"] = np.clip(np.round(spike, 2), -3, 3)

    missing = {
        "shot zones (PSZA)": zones["paint_rate_last_10"].isna().to_numpy(),
        "opponent zone defense (TDZA)": defense["paint_defense_vs_league_avg"].isna().to_numpy(),
        "pace history": out[["team_pace_last_10", "opponent_pace_last_10"]].isna().any(axis=1).to_numpy(),
        "injury report": ~out["injury_report_available"].astype(bool).to_numpy(),
        "usage history": out["usage_spike_score"].isna().to_numpy(),
    }
    labels = pd.Series("", index=out.index)
    for name, mask in missing.items():
        labels = labels + np.where(mask, f"{name}, ", "")
    out["missing_factor_inputs"] = labels.str.rstrip(", ").replace("", None)
    out["upstream_player_shot_ready"] = zones["paint_rate_last_10"].notna().to_numpy()
    out["upstream_team_defense_ready"] = defense["defensive_rating_last_15"].notna().to_numpy()
    out["upstream_player_context_ready"] = True
    teams = team_context[["game_id", "team_abbr"]].assign(team_ready=True)
    out = out.merge(teams, on=["game_id", "team_abbr"], how="left")
    out["upstream_team_context_ready"] = out["team_ready"].notna()
    out["all_upstreams_ready"] = out[["upstream_player_shot_ready", "upstream_team_defense_ready",
                                      "upstream_player_context_ready", "upstream_team_context_ready"]].all(axis=1)
    return PLAYER_COMPOSITE_FACTORS.conform(out[PLAYER_COMPOSITE_FACTORS.column_names])
