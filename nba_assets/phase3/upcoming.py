"""Upcoming game contexts (reference §5-§6): what was known about each scheduled game before tip-off.

The same code builds today's context and any past date's: the schedule, pre-game snapshots (lines, injury
report, rosters) known before each game's information cut-off (nba_assets.pregame: a live run's moment, or
tip-off − the reconstruction lead) and history strictly before the game date. Nothing here reads a box score of
the game day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.calendar import scheduled_games, team_games, with_season_start
from nba_assets.lines import pregame_snapshots, select_game_lines, select_prop_lines
from nba_assets.pregame import game_cutoffs, report_issued_at, roster_known_at
from nba_assets.phase3.tables import UPCOMING_PLAYER_GAME_CONTEXT, UPCOMING_TEAM_GAME_CONTEXT
from nba_assets.teams import arena_distance_miles
from nba_assets.windows import GameHistory, last_game, window_lineage, window_rows, window_stats

OUT_STATUSES = ("out", "doubtful")
ROSTER_SNAPSHOTS, RECENT_APPEARANCES = "espn_team_rosters", "recent_appearances"
FALLBACK_ROSTER_TEAM_GAMES = 10

# The columns of each history these functions read (their assets load only those of a year of history)
TEAM_CONTEXT_HISTORY = ["game_date", "team_abbr", "opponent_team_abbr", "season_year", "home_game", "win_flag",
                        "margin_of_victory"]
PLAYER_CONTEXT_PLAYER_HISTORY = ["game_date", "player_lookup", "player_full_name", "team_abbr", "is_active",
                                 "minutes_played", "usage_rate", "points"]
PLAYER_CONTEXT_TEAM_HISTORY = ["game_date", "team_abbr", "pace", "offensive_rating"]
PLAYER_CONTEXT_DEFENSE_HISTORY = ["game_date", "defending_team_abbr", "defensive_rating"]
PLAYER_CONTEXT_TEAM_CONTEXT = ["game_id", "team_abbr", "game_spread", "game_total"]


def pregame_injury_report(report: pd.DataFrame, cutoffs: pd.DataFrame) -> pd.DataFrame:
    """Each game's latest report issued before its information cut-off (cutoffs: game_id, known_before); a report
    is a full snapshot of the listed players."""
    if report.empty:
        return pd.DataFrame(columns=["game_id", "team", "player_lookup", "injury_status", "reason"])
    report = report.assign(issued_utc=report_issued_at(report).to_numpy())
    report = report.merge(cutoffs[["game_id", "known_before"]], on="game_id")
    report = report[report["issued_utc"] < report["known_before"]]
    latest = report.groupby("game_id")["issued_utc"].transform("max")
    return report[report["issued_utc"] == latest][["game_id", "team", "player_lookup", "injury_status", "reason"]]


def upcoming_team_game_context(
    schedule: pd.DataFrame,
    calendar: pd.DataFrame,
    team_history: pd.DataFrame,
    rosters: pd.DataFrame | None,
    game_lines: pd.DataFrame,
    injury_report: pd.DataFrame,
    injury_report_exists: bool,
    as_of: pd.Timestamp | None,
    lead: pd.Timedelta,
    scheduled: GameHistory,
    present: GameHistory,
) -> pd.DataFrame:
    """One row per team per scheduled competitive game in `schedule`; history = team_offense rows before it;
    pre-game snapshots as known at each game's cut-off (nba_assets.pregame, from `as_of` and `lead`).
    scheduled / present: the schedule's Final team-games and those in the history (windows.team_game_lineage)."""
    games = scheduled_games(schedule)
    if games.empty:
        return UPCOMING_TEAM_GAME_CONTEXT.empty()
    cutoffs = game_cutoffs(games, as_of, lead)
    targets = with_season_start(team_games(games), calendar).merge(cutoffs[["game_id", "known_before"]], on="game_id")
    targets = pd.concat([targets, season_lineage(targets, scheduled, present)], axis=1)
    history = GameHistory.build(_with_streaks(team_history), "team_abbr")
    start, end = history.bounds(targets, as_of="game_date", floor="season_start")
    season = window_stats(history, start, end, ["win_flag"])
    targets["game_number_in_season"] = season["games_found"] + 1
    targets["season_wins_entering"] = season["win_flag_sum"].fillna(0).astype("int64")
    targets["season_losses_entering"] = season["games_found"] - targets["season_wins_entering"]
    previous = last_game(history, start, end)
    has_previous = (end - start) > 0
    targets["days_since_last_game"] = pd.array((targets["game_date"] - pd.to_datetime(previous["game_date"])).dt.days, dtype="Int64")
    targets["team_days_rest"] = targets["days_since_last_game"] - 1
    targets["is_back_to_back"] = (targets["days_since_last_game"] == 1).fillna(False)
    for days, name in ((6, "games_in_last_7_days"), (13, "games_in_last_14_days")):
        s, e = history.bounds(targets, as_of="game_date", floor="season_start", last_days=days)
        targets[name] = e - s
    targets["team_win_streak_entering"] = previous["win_streak"].fillna(0).astype(int)
    targets["team_loss_streak_entering"] = previous["loss_streak"].fillna(0).astype(int)
    targets["last_game_margin"] = previous["margin_of_victory"]
    targets["last_game_result"] = previous["win_flag"].map({True: "W", False: "L"})
    targets["travel_miles"] = _travel_miles(targets, previous, has_previous)
    if rosters is not None:
        known = _latest_roster_snapshot(targets, rosters).notna().to_numpy()
        targets["pregame_roster_source"] = np.where(known, ROSTER_SNAPSHOTS, None)
    else:
        targets["pregame_roster_source"] = np.where(has_previous_any(history, targets), RECENT_APPEARANCES, None)

    lines = select_game_lines(game_lines, games, cutoffs)
    targets = targets.merge(lines, on="game_id", how="left")
    sign = np.where(targets["home_game"], 1.0, -1.0)
    targets["game_spread"] = targets["home_spread"] * sign
    targets["game_spread_opening"] = targets["home_spread_opening"] * sign
    targets["spread_movement"] = targets["game_spread"] - targets["game_spread_opening"]
    targets["total_movement"] = targets["game_total"] - targets["game_total_opening"]
    targets["lines_bookmaker_count"] = pd.to_numeric(targets["lines_bookmaker_count"]).fillna(0)

    report = pregame_injury_report(injury_report, cutoffs)
    reported_games = report["game_id"].unique()
    counts = report.assign(
        out=report["injury_status"].eq("out"), questionable=report["injury_status"].isin(["questionable", "doubtful"])
    ).groupby(["game_id", "team"])[["out", "questionable"]].sum().reset_index()
    targets = targets.merge(counts.rename(columns={"team": "team_abbr"}), on=["game_id", "team_abbr"], how="left")
    targets["injury_report_available"] = targets["game_id"].isin(reported_games) if injury_report_exists else False
    has_report = targets["injury_report_available"]
    targets["players_out_count"] = targets["out"].fillna(0).where(has_report, pd.NA)
    targets["questionable_players_count"] = targets["questionable"].fillna(0).where(has_report, pd.NA)
    return UPCOMING_TEAM_GAME_CONTEXT.conform(targets[UPCOMING_TEAM_GAME_CONTEXT.column_names])


def season_lineage(targets: pd.DataFrame, scheduled: GameHistory, present: GameHistory) -> pd.DataFrame:
    """Completeness of the season to date: the team's scheduled team-games before the day, and those with data."""
    return window_lineage(targets, "game_date", pd.Series(pd.NaT, index=targets.index, dtype="datetime64[ns]"), scheduled, present)


def has_previous_any(history: GameHistory, targets: pd.DataFrame) -> np.ndarray:
    """Whether the team has any earlier game in the data (any season): the fallback roster needs one."""
    start, end = history.bounds(targets, as_of="game_date")
    return end > start


def _latest_roster_snapshot(teams: pd.DataFrame, rosters: pd.DataFrame) -> pd.Series:
    """Each team-game's latest roster snapshot date known before its information cut-off (teams: team_abbr,
    known_before)."""
    snapshots = rosters[["roster_date", "team_abbr"]].drop_duplicates()
    snapshots = snapshots.assign(known_at=roster_known_at(snapshots).to_numpy()).sort_values("known_at")
    ordered = teams[["known_before", "team_abbr"]].reset_index().sort_values("known_before")
    latest = pd.merge_asof(ordered, snapshots.rename(columns={"roster_date": "snapshot_date"}), left_on="known_before",
                           right_on="known_at", by="team_abbr", direction="backward", allow_exact_matches=False)
    return latest.set_index("index")["snapshot_date"].reindex(teams.index)


def _with_streaks(team_history: pd.DataFrame) -> pd.DataFrame:
    """Win and loss streak after each game, within a season."""
    hist = team_history.sort_values(["team_abbr", "game_date"]).reset_index(drop=True)
    won = hist["win_flag"].astype(bool)
    previous = won.groupby([hist["team_abbr"], hist["season_year"]]).shift()
    run = (previous.isna() | (won != previous)).cumsum()
    length = hist.groupby(run).cumcount() + 1
    hist["win_streak"] = np.where(won, length, 0)
    hist["loss_streak"] = np.where(won, 0, length)
    return hist


def _venue(frame: pd.DataFrame) -> np.ndarray:
    return np.where(frame["home_game"].astype(bool), frame["team_abbr"], frame["opponent_team_abbr"])


def _travel_miles(targets: pd.DataFrame, previous: pd.DataFrame, has_previous: np.ndarray) -> np.ndarray:
    """Arena-to-arena miles from the previous game's venue; NULL for a season's first game or a neutral site."""
    miles = np.full(len(targets), np.nan)
    usable = has_previous & ~targets["is_neutral_site"].to_numpy(dtype=bool)
    here, there = _venue(targets[usable]), _venue(previous[usable])
    miles[usable] = np.round([arena_distance_miles(a, b) for a, b in zip(here, there)], 0)
    return miles


def pregame_rosters(
    games: pd.DataFrame, cutoffs: pd.DataFrame, rosters: pd.DataFrame | None, player_history: pd.DataFrame,
    team_history: pd.DataFrame,
) -> pd.DataFrame:
    """(game_id, team_abbr, player_lookup, roster_source, player_full_name) for each scheduled team-game.

    With roster snapshots: each team's latest snapshot known before the game's information cut-off. Without:
    players whose latest appearance before the game was for the team, within the team's last 10 games.
    """
    teams = team_games(games)[["game_id", "game_date", "season_year", "team_abbr"]].merge(
        cutoffs[["game_id", "known_before"]], on="game_id")
    names = (player_history.sort_values("game_date").groupby("player_lookup")["player_full_name"].last())
    if rosters is not None:
        latest = teams.assign(snapshot_date=_latest_roster_snapshot(teams, rosters))
        members = latest.dropna(subset=["snapshot_date"]).merge(
            rosters.rename(columns={"roster_date": "snapshot_date"}), on=["team_abbr", "snapshot_date"]
        )
        # a player on two teams' latest snapshots (a trade between snapshots) belongs to the newer one
        members = members.sort_values("snapshot_date").groupby(["game_date", "player_lookup"]).tail(1)
        members["roster_source"] = ROSTER_SNAPSHOTS
        members["player_full_name"] = members["player_full_name"].fillna(members["player_lookup"].map(names))
    else:
        history = GameHistory.build(team_history, "team_abbr")
        start, end = history.bounds(teams, as_of="game_date", last_n=FALLBACK_ROSTER_TEAM_GAMES)
        window = window_stats(history, start, end, [])
        teams = teams.assign(window_start=window["first_game_date"])
        appearances = player_history[["player_lookup", "team_abbr", "game_date"]]
        candidates = teams.dropna(subset=["window_start"]).merge(appearances, on="team_abbr", suffixes=("", "_played"))
        candidates = candidates[(candidates["game_date_played"] >= candidates["window_start"])
                                & (candidates["game_date_played"] < candidates["game_date"])]
        candidates = candidates.drop_duplicates(["game_id", "team_abbr", "player_lookup"])
        last_team = pd.merge_asof(
            candidates[["game_id", "game_date", "player_lookup"]].sort_values("game_date"),
            appearances.rename(columns={"game_date": "appeared", "team_abbr": "last_team"}).sort_values("appeared"),
            left_on="game_date", right_on="appeared", by="player_lookup", direction="backward", allow_exact_matches=False,
        )
        # a player traded between the two teams of a game is a candidate for both: one latest team decides
        last_team = last_team.drop_duplicates(["game_id", "player_lookup"])
        members = candidates.merge(last_team[["game_id", "player_lookup", "last_team"]], on=["game_id", "player_lookup"])
        members = members[members["last_team"] == members["team_abbr"]]
        members["roster_source"] = RECENT_APPEARANCES
        members["player_full_name"] = members["player_lookup"].map(names)
    return members[["game_id", "team_abbr", "player_lookup", "roster_source", "player_full_name"]].reset_index(drop=True)


def upcoming_player_game_context(
    schedule: pd.DataFrame,
    calendar: pd.DataFrame,
    player_history: pd.DataFrame,
    team_history: pd.DataFrame,
    defense_history: pd.DataFrame,
    team_context: pd.DataFrame,
    rosters: pd.DataFrame | None,
    props: pd.DataFrame,
    injury_report: pd.DataFrame,
    injury_report_exists: bool,
    as_of: pd.Timestamp | None,
    lead: pd.Timedelta,
    scheduled: GameHistory,
    present: GameHistory,
) -> pd.DataFrame:
    """One row per rostered player per scheduled competitive game in `schedule`.

    player_history / team_history / defense_history: player_game_summary, team_offense and team_defense rows
    of earlier days (rows on or after a target's date are never used for it); rosters, props and the injury
    report as known at each game's cut-off (nba_assets.pregame, from `as_of` and `lead`). scheduled / present: the
    schedule's Final team-games and those in all three histories (windows.team_game_lineage).
    """
    games = scheduled_games(schedule)
    if games.empty:
        return UPCOMING_PLAYER_GAME_CONTEXT.empty()
    cutoffs = game_cutoffs(games, as_of, lead)
    roster = pregame_rosters(games, cutoffs, rosters, player_history, team_history)
    teams = team_games(games)[["game_id", "game_date", "season_year", "season_phase", "team_abbr", "opponent_team_abbr",
                               "home_game", "tipoff_utc"]]
    targets = with_season_start(roster.merge(teams, on=["game_id", "team_abbr"]), calendar)
    targets = pd.concat([targets, season_lineage(targets, scheduled, present)], axis=1)

    report = pregame_injury_report(injury_report, cutoffs)
    targets = targets.merge(
        report.rename(columns={"team": "team_abbr", "reason": "injury_reason"}), on=["game_id", "team_abbr", "player_lookup"], how="left"
    )
    targets["injury_report_available"] = targets["game_id"].isin(report["game_id"].unique()) if injury_report_exists else False
    targets["injury_status"] = targets["injury_status"].where(
        targets["injury_status"].notna() | ~targets["injury_report_available"], "available")

    played = player_history[player_history["is_active"]]
    history = GameHistory.build(played.assign(b2b=_second_of_back_to_back(played)), "player_lookup")
    targets = pd.concat([targets, _player_form(history, targets)], axis=1)
    targets = _attach_prop_lines(targets, props, cutoffs, history)
    targets = _attach_team_form(targets, team_history, defense_history)
    targets = targets.merge(team_context[["game_id", "team_abbr", "game_spread", "game_total"]], on=["game_id", "team_abbr"], how="left")
    targets = _attach_teammates_out(targets, played)
    return UPCOMING_PLAYER_GAME_CONTEXT.conform(targets[UPCOMING_PLAYER_GAME_CONTEXT.column_names])


def unrostered_prop_players(props: pd.DataFrame, schedule: pd.DataFrame, context: pd.DataFrame,
                            as_of: pd.Timestamp | None, lead: pd.Timedelta) -> pd.DataFrame:
    """Players with a pre-game prop line but no row in the day's upcoming context (on no pre-game roster of a
    team playing), with the line they would have had (the slate lists them)."""
    lines = select_prop_lines(props, game_cutoffs(scheduled_games(schedule), as_of, lead))
    rostered = context[["game_date", "player_lookup"]].assign(rostered=True)
    marked = lines.merge(rostered, on=["game_date", "player_lookup"], how="left")
    return marked.loc[marked["rostered"].isna(), ["game_date", "player_lookup", "line_bookmaker", "current_points_line"]]


def prop_lines_against_rosters(props: pd.DataFrame, schedule: pd.DataFrame, context: pd.DataFrame,
                               as_of: pd.Timestamp | None, lead: pd.Timedelta) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(conflicts, unrostered) among the day's pre-game prop lines, as known at each game's cut-off.

    conflicts: lines whose player is rostered that day for another game than the line's: the line or the roster
    is wrong, and the player's row is built for the roster's game. unrostered: lines of players on no pre-game
    roster of a team playing (newcomers, players back from a long absence, the first days of data): expected,
    counted and listed, never a failure; their lines are used nowhere."""
    lines = pregame_snapshots(props, game_cutoffs(scheduled_games(schedule), as_of, lead))
    lines = lines[["game_date", "game_id", "player_lookup"]].drop_duplicates(["game_date", "player_lookup"])
    rostered = context[["game_date", "player_lookup", "game_id", "team_abbr"]].rename(columns={"game_id": "rostered_game_id"})
    marked = lines.merge(rostered, on=["game_date", "player_lookup"], how="left")
    on_roster = marked["rostered_game_id"].notna()
    conflicts = marked[on_roster & marked["game_id"].notna() & (marked["game_id"] != marked["rostered_game_id"])]
    return conflicts.reset_index(drop=True), marked.loc[~on_roster, ["game_date", "game_id", "player_lookup"]].reset_index(drop=True)


def _second_of_back_to_back(played: pd.DataFrame) -> pd.Series:
    ordered = played.sort_values(["player_lookup", "game_date"])
    gap = ordered.groupby("player_lookup")["game_date"].diff().dt.days
    return (gap == 1).reindex(played.index).astype(float)


def _player_form(history: GameHistory, targets: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=targets.index)
    start, end = history.bounds(targets, as_of="game_date", floor="season_start")
    out["season_games_played"] = end - start
    last = last_game(history, start, end)["game_date"]
    out["days_rest"] = pd.array((targets["game_date"] - pd.to_datetime(last)).dt.days, dtype="Int64")
    out["back_to_back"] = (out["days_rest"] == 1).fillna(False)
    for days, suffix in ((6, "7"), (13, "14")):
        s, e = history.bounds(targets, as_of="game_date", floor="season_start", last_days=days)
        stats = window_stats(history, s, e, ["minutes_played", "b2b"])
        out[f"games_in_last_{suffix}_days"] = e - s
        out[f"minutes_in_last_{suffix}_days"] = stats["minutes_played_sum"].fillna(0.0)
        if suffix == "7":
            out["avg_minutes_per_game_last_7"] = stats["minutes_played_mean"]
        else:
            first_is_b2b = np.where(e > s, history.frame["b2b"].to_numpy()[np.minimum(s, len(history.frame) - 1)], 0)
            out["back_to_backs_last_14_days"] = (stats["b2b_sum"].fillna(0) - first_is_b2b).astype(int)
    s, e = history.bounds(targets, as_of="game_date", floor="season_start", last_n=7)
    out["avg_usage_rate_last_7_games"] = window_stats(history, s, e, ["usage_rate"])["usage_rate_mean"]
    for n in (5, 10):
        s, e = history.bounds(targets, as_of="game_date", floor="season_start", last_n=n)
        stats = window_stats(history, s, e, ["points"])
        out[f"points_avg_last_{n}"] = stats["points_mean"]
        out[f"l{n}_games_used"] = e - s
        if n == 10:
            out["l10_first_game_date"] = stats["first_game_date"]
            out["l10_last_game_date"] = stats["last_game_date"]
    return out


def _attach_prop_lines(targets: pd.DataFrame, props: pd.DataFrame, cutoffs: pd.DataFrame, history: GameHistory) -> pd.DataFrame:
    lines = select_prop_lines(props, cutoffs)
    out = targets.merge(lines, on=["game_date", "player_lookup"], how="left")
    out["has_prop_line"] = out["current_points_line"].notna()
    out["line_movement"] = out["current_points_line"] - out["opening_points_line"]
    out["line_bookmaker_count"] = pd.to_numeric(out["line_bookmaker_count"]).fillna(0)
    start, end = history.bounds(out, as_of="game_date", floor="season_start", last_n=10)
    recent = window_rows(history, start, end, 10)
    line = out["current_points_line"].to_numpy(dtype="float64")[recent["target"].to_numpy()]
    points = recent["points"].astype("float64").to_numpy()
    for name, hit in (("prop_over_streak", points > line), ("prop_under_streak", points < line)):
        broken = recent.assign(miss=~hit).groupby("target")["miss"].cummax()
        streak = recent.assign(kept=~broken).groupby("target")["kept"].sum()
        values = streak.reindex(range(len(out)), fill_value=0)
        out[name] = pd.array(np.where(out["has_prop_line"], values.to_numpy(), pd.NA), dtype="Int64")
    return out


def _attach_team_form(targets: pd.DataFrame, team_history: pd.DataFrame, defense_history: pd.DataFrame) -> pd.DataFrame:
    teams = targets[["game_id", "game_date", "team_abbr", "opponent_team_abbr", "season_start"]].drop_duplicates(["game_id", "team_abbr"])
    offense = GameHistory.build(team_history, "team_abbr")
    defense = GameHistory.build(defense_history, "defending_team_abbr")
    s, e = offense.bounds(teams, as_of="game_date", floor="season_start", last_n=10)
    teams["team_pace_last_10"] = window_stats(offense, s, e, ["pace"])["pace_mean"].to_numpy()
    opponents = teams.rename(columns={"team_abbr": "own", "opponent_team_abbr": "team_abbr"})
    s, e = offense.bounds(opponents, as_of="game_date", floor="season_start", last_n=10)
    stats = window_stats(offense, s, e, ["pace", "offensive_rating"])
    teams["opponent_pace_last_10"] = stats["pace_mean"].to_numpy()
    teams["opponent_off_rating_last_10"] = stats["offensive_rating_mean"].to_numpy()
    s, e = defense.bounds(opponents.rename(columns={"team_abbr": "defending_team_abbr"}), as_of="game_date",
                          floor="season_start", last_n=10)
    teams["opponent_def_rating_last_10"] = window_stats(defense, s, e, ["defensive_rating"])["defensive_rating_mean"].to_numpy()
    teams["pace_differential"] = teams["team_pace_last_10"] - teams["opponent_pace_last_10"]
    keep = ["game_id", "team_abbr", "team_pace_last_10", "opponent_pace_last_10", "pace_differential",
            "opponent_def_rating_last_10", "opponent_off_rating_last_10"]
    return targets.merge(teams[keep], on=["game_id", "team_abbr"], how="left")


def _attach_teammates_out(targets: pd.DataFrame, played: pd.DataFrame) -> pd.DataFrame:
    """star_teammates_out and teammate_usage_out from the pre-game report (NULL without a report)."""
    history = GameHistory.build(played, "player_lookup")
    s, e = history.bounds(targets, as_of="game_date", floor="season_start")
    season = window_stats(history, s, e, ["points", "minutes_played"])
    star = (season["games_found"] >= 10) & (
        (season["points_mean"] >= 18) | ((season["minutes_played_mean"] >= 28) & (season["points_mean"] >= 12)))
    rotation = GameHistory.build(played[played["minutes_played"] > 10], "player_lookup")
    s, e = rotation.bounds(targets, as_of="game_date", last_days=30)
    usage = window_stats(rotation, s, e, ["usage_rate"])["usage_rate_mean"].fillna(0.0)
    out_now = targets["injury_status"].isin(OUT_STATUSES).to_numpy()
    # usage summed in micro-units: an integer sum does not depend on the order of the roster rows
    micro_usage = np.round(np.where(out_now, usage.to_numpy(), 0.0) * 1e6).astype(np.int64)
    frame = targets[["game_id", "team_abbr"]].assign(star_out=(star.to_numpy() & out_now).astype(int), usage_out=micro_usage)
    team_totals = frame.groupby(["game_id", "team_abbr"])[["star_out", "usage_out"]].transform("sum")
    own_star = frame["star_out"].to_numpy()
    own_usage = frame["usage_out"].to_numpy()
    has_report = targets["injury_report_available"].to_numpy()
    targets = targets.copy()
    targets["star_teammates_out"] = pd.array(np.where(has_report, team_totals["star_out"].to_numpy() - own_star, pd.NA), dtype="Int64")
    targets["teammate_usage_out"] = np.where(has_report, (team_totals["usage_out"].to_numpy() - own_usage) / 1e6, np.nan)
    return targets
