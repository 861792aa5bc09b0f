"""Player daily cache (reference §10): each rostered player's form and history as of the day, plus team
context, for every day of a range at once. Windows count the player's games of the season, whatever the
calendar gaps (All-Star break, injuries)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.phase4.common import ratio, season_targets
from nba_assets.phase4.tables import PLAYER_DAILY_CACHE
from nba_assets.windows import GameHistory, last_game, window_decayed_mean, window_lineage, window_rows, window_slope, window_stats

STRUCTURAL_GAP_DAYS = 14
STRUCTURAL_CAP = 30
VS_OPPONENT_DAYS = 365
PREVIOUS_LINE_DAYS = 14
BLOWOUT_MARGIN = 15
STREAK_CAP = 20
# Form across the season boundary: decayed means over the newest games of the last 365 days (the history every
# Phase 4 step reads), so the first weeks of a season still see last season's level.
FORM_DAYS = 365
FORM_MAX_GAMES = 40
FORM_HALF_LIVES = (4, 10)
MISSED_CAP = 20

# the columns of each input these functions read (their assets load only those of a year of history)
CACHE_PLAYER_HISTORY = ["game_date", "player_lookup", "team_abbr", "opponent_team_abbr", "is_active", "points", "minutes_played",
                        "usage_rate", "fg_attempts", "ft_attempts", "ft_makes", "points_line", "over_under_result", "margin"]
CACHE_TEAM_HISTORY = ["game_date", "team_abbr", "pace", "offensive_rating", "margin_of_victory"]
CACHE_SHOT_ZONES = ["analysis_date", "player_lookup", "primary_scoring_zone", "paint_rate_last_10", "three_pt_rate_last_10"]


def recent_trend(newest_two: pd.Series, older_three: pd.Series) -> np.ndarray:
    """Reference rule on the last 5 games: d = mean(2 newest) − mean(3 older); ≥ 5 → 2, ≥ 2 → 1, ≤ −5 → −2,
    ≤ −2 → −1, else 0."""
    d = newest_two - older_three
    return np.select([d >= 5, d >= 2, d <= -5, d <= -2, d.notna()], [2, 1, -2, -1, 0], default=np.nan)


def _structural_breaks(played: pd.DataFrame) -> pd.DataFrame:
    """Flag each played game that follows a team change or a gap of more than 14 days."""
    ordered = played.sort_values(["player_lookup", "game_date"])
    previous_team = ordered.groupby("player_lookup")["team_abbr"].shift()
    gap = ordered.groupby("player_lookup")["game_date"].diff().dt.days
    ordered["structural_break"] = (previous_team.notna() & (previous_team != ordered["team_abbr"])) | (gap > STRUCTURAL_GAP_DAYS)
    return ordered


def _games_since_structural_change(history: GameHistory, start: np.ndarray, end: np.ndarray,
                                   targets: pd.DataFrame) -> np.ndarray:
    """Games played since the latest team change or long gap, counting today's game as a change when today's
    team differs from the last game's or the gap to today exceeds 14 days; capped at 30."""
    breaks = history.frame["structural_break"].to_numpy()
    positions = np.where(breaks, np.arange(len(breaks)), -1)
    last_break = np.maximum.accumulate(positions) if len(positions) else positions
    has = end > start
    idx = np.where(has, end - 1, 0)
    since_break = np.where(has, end - np.maximum(last_break[idx] if len(last_break) else 0, start), np.nan)
    previous = last_game(history, start, end)
    other_team = (previous["team_abbr"].astype("string") != targets["team_abbr"].astype("string").to_numpy()).fillna(False)
    long_gap = (targets["cache_date"] - pd.to_datetime(previous["game_date"])).dt.days.to_numpy() > STRUCTURAL_GAP_DAYS
    changed_today = other_team.to_numpy(dtype=bool) | long_gap
    value = np.where(changed_today, 0, np.minimum(since_break, STRUCTURAL_CAP))
    return np.where(has, value, np.nan)


def player_daily_cache(targets: pd.DataFrame, calendar: pd.DataFrame, players: pd.DataFrame, teams: pd.DataFrame,
                       shot_zones: pd.DataFrame, scheduled: GameHistory, present: GameHistory) -> pd.DataFrame:
    """targets: rostered players of the day; players / teams: player and team-offense game summaries of
    earlier days; shot_zones: player_shot_zone_analysis of the same days."""
    if targets.empty:
        return PLAYER_DAILY_CACHE.empty()
    t = season_targets(targets.rename(columns={"game_date": "cache_date"}), calendar, "cache_date")
    played = _structural_breaks(players[players["is_active"].astype(bool)].assign(
        shooting_attempts=lambda f: f["fg_attempts"] + 0.44 * f["ft_attempts"]))  # true-shooting attempts
    history = GameHistory.build(played, "player_lookup")
    out = t.copy()

    def window(**bounds):
        return history.bounds(t, as_of="cache_date", floor="season_start", **bounds)

    season_s, season_e = window()
    season = window_stats(history, season_s, season_e, ["points", "minutes_played", "usage_rate"])
    out["points_avg_season"] = season["points_mean"]
    out["minutes_avg_season"] = season["minutes_played_mean"]
    out["player_usage_rate_season"] = season["usage_rate_mean"]
    out["games_played_season"] = season["games_found"]
    for n in (3, 5):
        s, e = window(last_n=n)
        out[f"points_avg_last_{n}"] = window_stats(history, s, e, ["points"])["points_mean"]
    s5, e5 = window(last_n=5)
    usage5 = window_stats(history, s5, e5, ["usage_rate"])
    out["usage_rate_last_5"] = usage5["usage_rate_mean"].where(usage5["usage_rate_count"] >= 3)
    newest_two = window_stats(history, *window(last_n=2), ["points"])["points_mean"]
    older = window_stats(history, s5, np.maximum(e5 - 2, s5), ["points"])["points_mean"]
    out["recent_trend"] = np.where(e5 - s5 >= 5, recent_trend(newest_two, older), np.nan)

    s10, e10 = window(last_n=10)
    l10 = window_stats(history, s10, e10, ["points", "minutes_played", "usage_rate", "ft_makes", "shooting_attempts",
                                           "fg_attempts"])
    out["points_avg_last_10"] = l10["points_mean"]
    out["points_std_last_10"] = l10["points_std"]
    out["minutes_avg_last_10"] = l10["minutes_played_mean"]
    out["minutes_std_last_10"] = l10["minutes_played_std"]
    out["fg_attempts_avg_last_10"] = l10["fg_attempts_mean"]
    out["points_per_minute_last_10"] = np.round(ratio(l10["points_sum"], l10["minutes_played_sum"]), 4)
    out["usage_rate_last_10"] = l10["usage_rate_mean"]
    out["ts_pct_last_10"] = np.round(ratio(l10["points_sum"], 2 * l10["shooting_attempts_sum"]), 3)
    out["free_throw_points_share_last_10"] = np.where(
        l10["games_found"] >= 5, np.round(ratio(l10["ft_makes_sum"], l10["points_sum"]), 3), np.nan)
    out["points_slope_last_10"] = np.where(e10 - s10 >= 5, window_slope(history, s10, e10, "points", 10), np.nan)
    s7, e7 = window(last_n=7)
    out["points_slope_last_7"] = np.where(e7 - s7 >= 4, window_slope(history, s7, e7, "points", 7), np.nan)
    out["games_below_season_avg_streak"] = _below_average_streak(history, season_s, season_e, out["points_avg_season"])
    out["games_since_structural_change"] = _games_since_structural_change(history, *history.bounds(t, as_of="cache_date"), t)
    out = pd.concat([out, l10[["games_found", "first_game_date", "last_game_date"]].add_prefix("l10_").set_axis(out.index)], axis=1)

    out = pd.concat([out, _form_across_seasons(t, history, teams)], axis=1)
    out = pd.concat([out, _dnp_rate(t, players)], axis=1)
    out = pd.concat([out, _versus_opponent(t, played)], axis=1)
    out = pd.concat([out, _line_history(t, played)], axis=1)
    out = pd.concat([out, _team_form(t, teams)], axis=1)
    zones = shot_zones.rename(columns={"analysis_date": "cache_date"})[
        ["cache_date", "player_lookup", "primary_scoring_zone", "paint_rate_last_10", "three_pt_rate_last_10"]]
    out = out.merge(zones, on=["cache_date", "player_lookup"], how="left")
    out["shot_zone_data_available"] = out["paint_rate_last_10"].notna()
    lineage = window_lineage(out.rename(columns={"cache_date": "as_of"}), "as_of", out["l10_first_game_date"],
                             scheduled, present, prefix="l10_")
    out = pd.concat([out, lineage], axis=1)
    return PLAYER_DAILY_CACHE.conform(out[PLAYER_DAILY_CACHE.column_names])


def _form_across_seasons(t: pd.DataFrame, history: GameHistory, teams: pd.DataFrame) -> pd.DataFrame:
    """Decayed means of points and minutes, the last game, and the team games missed since it, over the 365
    days before the day regardless of the season."""
    s, e = history.bounds(t, as_of="cache_date", last_days=FORM_DAYS)
    out = pd.DataFrame(index=t.index)
    for half_life in FORM_HALF_LIVES:
        for column, name in (("points", "points"), ("minutes_played", "minutes")):
            out[f"{name}_decayed_{half_life}g"] = np.round(
                window_decayed_mean(history, s, e, column, half_life, FORM_MAX_GAMES), 4)
    last = last_game(history, s, e)
    out["points_last_game"] = pd.to_numeric(last["points"]).to_numpy(dtype="float64", na_value=np.nan)
    out["minutes_last_game"] = pd.to_numeric(last["minutes_played"]).to_numpy(dtype="float64", na_value=np.nan)
    out["minutes_avg_last_3_any_season"] = window_stats(history, np.maximum(s, e - 3), e, ["minutes_played"])[
        "minutes_played_mean"].to_numpy()
    out["games_last_365_days"] = e - s
    # team games the player's current team played after his last appearance (injury, rest, a trade in between)
    team_games = GameHistory.build(teams[["team_abbr", "game_date"]], "team_abbr")
    since = t[["team_abbr", "cache_date"]].assign(after_last=pd.to_datetime(last["game_date"]).to_numpy() + pd.Timedelta(days=1))
    known = since["after_last"].notna().to_numpy()
    since["after_last"] = since["after_last"].fillna(since["cache_date"])
    ts, te = team_games.bounds(since, as_of="cache_date", floor="after_last")
    out["team_games_missed"] = np.where(known, np.minimum(te - ts, MISSED_CAP), np.nan)
    return out


def _below_average_streak(history: GameHistory, start: np.ndarray, end: np.ndarray, season_avg: pd.Series) -> np.ndarray:
    recent = window_rows(history, start, end, STREAK_CAP)
    below = recent["points"].to_numpy(dtype="float64") < season_avg.to_numpy()[recent["target"].to_numpy()]
    broken = pd.Series(~below).groupby(recent["target"].to_numpy()).cummax().to_numpy()
    streak = pd.Series(~broken).groupby(recent["target"].to_numpy()).sum()
    values = streak.reindex(range(len(start)), fill_value=0).to_numpy(dtype="float64")
    return np.where(end > start, values, np.nan)


def _dnp_rate(t: pd.DataFrame, players: pd.DataFrame) -> pd.DataFrame:
    """Share of the player's last 10 listed games (any status) not played; NULL when the source lists no
    inactive/DNP rows for the player's team this season (the source does not report them)."""
    listed = GameHistory.build(players.assign(not_played=(~players["is_active"].astype(bool)).astype(float)), "player_lookup")
    s, e = listed.bounds(t, as_of="cache_date", floor="season_start", last_n=10)
    rate = window_stats(listed, s, e, ["not_played"])["not_played_mean"]
    absences = players[~players["is_active"].astype(bool)]
    team_lists = GameHistory.build(absences, "team_abbr")
    ts, te = team_lists.bounds(t, as_of="cache_date", floor="season_start")
    return pd.DataFrame({"dnp_rate_last_10": np.where(te > ts, rate, np.nan)}, index=t.index)


def _versus_opponent(t: pd.DataFrame, played: pd.DataFrame) -> pd.DataFrame:
    pairs = GameHistory.build(played, ["player_lookup", "opponent_team_abbr"])
    s, e = pairs.bounds(t, as_of="cache_date", last_days=VS_OPPONENT_DAYS)
    stats = window_stats(pairs, s, e, ["points"])
    return pd.DataFrame({"points_avg_vs_opponent": stats["points_mean"], "games_vs_opponent": stats["games_found"]}).set_axis(t.index)


def _line_history(t: pd.DataFrame, played: pd.DataFrame) -> pd.DataFrame:
    """Prop-line history from the games' own closing lines (player_game_summary), not from grading."""
    history = GameHistory.build(played, "player_lookup")
    previous = last_game(history, *history.bounds(t, as_of="cache_date"))
    recent = (t["cache_date"] - pd.to_datetime(previous["game_date"])).dt.days <= PREVIOUS_LINE_DAYS
    with_lines = played[played["points_line"].notna()].assign(
        went_over=lambda f: (f["over_under_result"] == "OVER").astype(float))
    lined = GameHistory.build(with_lines, "player_lookup")
    s, e = lined.bounds(t, as_of="cache_date", floor="season_start", last_n=10)
    over = window_stats(lined, s, e, ["went_over"])
    s5, e5 = lined.bounds(t, as_of="cache_date", floor="season_start", last_n=5)
    margin = window_stats(lined, s5, e5, ["margin"])
    return pd.DataFrame({
        "previous_game_line": previous["points_line"].astype("float64").where(recent.to_numpy()).to_numpy(),
        "over_rate_last_10": np.where(over["games_found"] >= 3, np.round(over["went_over_mean"], 3), np.nan),
        "margin_vs_line_avg_last_5": np.round(margin["margin_mean"], 2),
    }, index=t.index)


def _team_form(t: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    history = GameHistory.build(teams.assign(blowout=(teams["margin_of_victory"].abs() >= BLOWOUT_MARGIN).astype(float)), "team_abbr")
    s, e = history.bounds(t, as_of="cache_date", floor="season_start", last_n=10)
    stats = window_stats(history, s, e, ["pace", "offensive_rating", "blowout"])
    return pd.DataFrame({
        "team_pace_last_10": np.round(stats["pace_mean"], 2),
        "team_off_rating_last_10": np.round(stats["offensive_rating_mean"], 2),
        "team_blowout_rate_last_10": stats["blowout_mean"],
    }).set_axis(t.index)
