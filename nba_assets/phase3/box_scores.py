"""Box-score tables of Phase 3: team offense, team defense and player game summaries (reference §2-§4).

Inputs are validated raw slices for a window of days; outputs cover every Final competitive game of the
window that has box scores. Final games without box scores are reported (never silently complete), and
exhibition games are filtered and counted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from nba_assets.calendar import final_games, is_exhibition, scheduled_games, team_games
from nba_assets.lines import over_under_result, select_prop_lines, tipoff_cutoffs
from nba_assets.phase3 import formulas as f
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, TEAM_DEFENSE_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY

# gamebook column -> PGS / team column
BOX_COLUMNS = {
    "points": "points",
    "field_goals_made": "fg_makes",
    "field_goals_attempted": "fg_attempts",
    "three_pointers_made": "three_pt_makes",
    "three_pointers_attempted": "three_pt_attempts",
    "free_throws_made": "ft_makes",
    "free_throws_attempted": "ft_attempts",
    "offensive_rebounds": "offensive_rebounds",
    "defensive_rebounds": "defensive_rebounds",
    "assists": "assists",
    "steals": "steals",
    "blocks": "blocks",
    "turnovers": "turnovers",
    "personal_fouls": "personal_fouls",
}
TEAM_BOX_COLUMNS = {
    "fg_made": "fg_makes",
    "fg_attempted": "fg_attempts",
    "three_pt_made": "three_pt_makes",
    "three_pt_attempted": "three_pt_attempts",
    "ft_made": "ft_makes",
    "ft_attempted": "ft_attempts",
    "offensive_rebounds": "offensive_rebounds",
    "defensive_rebounds": "defensive_rebounds",
    "assists": "assists",
    "steals": "steals",
    "blocks": "blocks",
    "turnovers": "turnovers",
    "personal_fouls": "personal_fouls",
    "points": "points",
}


@dataclasses.dataclass
class BoxScoreAudit:
    """What the window's raw data says about completeness."""

    missing_box_scores: pd.DataFrame  # game_date, game_id, home_team_tricode, away_team_tricode
    exhibition_games: int
    exhibition_box_score_rows: int

    def metadata(self) -> dict:
        return {
            "exhibition_games_filtered": self.exhibition_games,
            "exhibition_box_score_rows_filtered": self.exhibition_box_score_rows,
            "final_games_missing_box_scores": len(self.missing_box_scores),
        }


def competitive_box_scores(schedule: pd.DataFrame, gamebook: pd.DataFrame) -> tuple[pd.DataFrame, BoxScoreAudit]:
    """Gamebook rows of the Final competitive games that have box scores for both teams, and the window's audit.

    Both inputs passed the raw contract, the gamebook also its rules against the schedule (nba_assets.raw.reads):
    every row belongs to a scheduled game, on its date, for one of its teams, and a competitive game is Final.
    """
    exhibition_ids = set(schedule.loc[is_exhibition(schedule), "game_id"])
    in_exhibition = gamebook["game_id"].isin(exhibition_ids)
    rows = gamebook[~in_exhibition]
    final = final_games(schedule)
    teams_with_players = rows[rows["player_status"] == "active"].groupby("game_id")["team_abbr"].nunique()
    complete_ids = set(teams_with_players[teams_with_players == 2].index)
    missing = final[~final["game_id"].isin(complete_ids)][["game_date", "game_id", "home_team_tricode", "away_team_tricode"]]
    audit = BoxScoreAudit(
        missing_box_scores=missing.reset_index(drop=True),
        exhibition_games=len(exhibition_ids),
        exhibition_box_score_rows=int(in_exhibition.sum()),
    )
    return rows[rows["game_id"].isin(complete_ids)].reset_index(drop=True), audit


def team_offense_game_summary(
    schedule: pd.DataFrame, box_scores: pd.DataFrame, team_boxscore: pd.DataFrame, shots: pd.DataFrame
) -> pd.DataFrame:
    """One row per team per game with box scores. Team totals come from nbac_team_boxscore when it has the
    game, otherwise from the player rows."""
    games = final_games(schedule)
    teams = team_games(games[games["game_id"].isin(box_scores["game_id"])])
    if teams.empty:
        return TEAM_OFFENSE_GAME_SUMMARY.empty()
    active = box_scores[box_scores["player_status"] == "active"]
    from_players = active.assign(with_minutes=active["minutes"] > 0).groupby(["game_id", "team_abbr"]).agg(
        **{out: (src, "sum") for src, out in BOX_COLUMNS.items()},
        team_minutes=("minutes", "sum"),
        players_with_minutes=("with_minutes", "sum"),
    ).reset_index()
    from_players["team_stats_source"] = "player_rows"
    official = team_boxscore.rename(columns=TEAM_BOX_COLUMNS).rename(columns={"minutes": "team_minutes"})
    official = official[official["game_id"].isin(from_players["game_id"])]
    totals = from_players.set_index(["game_id", "team_abbr"])
    if len(official):
        official = official.set_index(["game_id", "team_abbr"])
        keep = official.index.intersection(totals.index)
        replace_cols = list(TEAM_BOX_COLUMNS.values()) + ["team_minutes"]
        totals.loc[keep, replace_cols] = official.loc[keep, replace_cols].astype("float64").to_numpy()
        totals.loc[keep, "team_stats_source"] = "nbac_team_boxscore"
    out = teams.merge(totals.reset_index(), on=["game_id", "team_abbr"], how="left")
    zones = _team_zones(shots, out)
    out = out.merge(zones, on=["game_id", "team_abbr"], how="left")
    opponent = out[["game_id", "team_abbr", "points"]].rename(columns={"team_abbr": "opponent_team_abbr", "points": "opp_points"})
    out = out.merge(opponent, on=["game_id", "opponent_team_abbr"], how="left")
    out["points_scored"] = out["points"]
    out["rebounds"] = out["offensive_rebounds"] + out["defensive_rebounds"]
    out["possessions"] = f.possessions(out["fg_attempts"], out["ft_attempts"], out["turnovers"], out["offensive_rebounds"])
    out["offensive_rating"] = f.per_100(out["points"], out["possessions"])
    out["pace"] = f.pace(out["possessions"], out["team_minutes"])
    out["ts_pct"] = f.true_shooting(out["points"], out["fg_attempts"], out["ft_attempts"])
    out["overtime_periods"] = f.overtime_periods(out["team_minutes"])
    out["margin_of_victory"] = out["points"] - out["opp_points"]
    out["win_flag"] = out["margin_of_victory"] > 0
    out["points_in_paint_scored"] = 2 * out["team_paint_makes"]
    return TEAM_OFFENSE_GAME_SUMMARY.conform(out[TEAM_OFFENSE_GAME_SUMMARY.column_names])


def _team_zones(shots: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    names = {"paint_attempts": "team_paint_attempts", "paint_makes": "team_paint_makes",
             "mid_range_attempts": "team_mid_range_attempts", "mid_range_makes": "team_mid_range_makes",
             "unclassified_attempts": "team_unclassified_attempts"}
    keyed = teams[["game_id", "team_abbr"]]
    if shots.empty:
        zones = keyed.assign(**{c: pd.NA for c in names.values()})
    else:
        zones = f.zone_counts(shots, ["game_id", "team_abbr"]).rename(columns=names)
        zones = keyed.merge(zones[["game_id", "team_abbr", *names.values()]], on=["game_id", "team_abbr"], how="left")
    games_with_shots = shots["game_id"].unique()  # set() of a string column iterates it in Python
    zones["shot_zones_available"] = zones["game_id"].isin(games_with_shots)
    for column in names.values():
        zones[column] = zones[column].where(zones["shot_zones_available"], pd.NA)
        zones[column] = zones[column].mask(zones["shot_zones_available"] & zones[column].isna(), 0)
    zones["shot_zones_source"] = np.where(zones["shot_zones_available"], "nbac_play_by_play", None)
    return zones


def team_defense_game_summary(offense: pd.DataFrame) -> pd.DataFrame:
    """The perspective flip of team offense: the opponent's offense is this team's defense."""
    if offense.empty:
        return TEAM_DEFENSE_GAME_SUMMARY.empty()
    own = offense.rename(columns={"team_abbr": "defending_team_abbr"})
    opp = offense.rename(columns=lambda c: f"opp__{c}")
    out = own.merge(opp, left_on=["game_id", "opponent_team_abbr"], right_on=["opp__game_id", "opp__team_abbr"], how="inner")
    rename = {
        "opp__points_scored": "points_allowed", "opp__fg_attempts": "opp_fg_attempts", "opp__fg_makes": "opp_fg_makes",
        "opp__three_pt_attempts": "opp_three_pt_attempts", "opp__three_pt_makes": "opp_three_pt_makes",
        "opp__ft_attempts": "opp_ft_attempts", "opp__ft_makes": "opp_ft_makes",
        "opp__offensive_rebounds": "opp_offensive_rebounds", "opp__rebounds": "opp_rebounds", "opp__assists": "opp_assists",
        "opp__turnovers": "turnovers_forced", "opp__team_paint_attempts": "opp_paint_attempts",
        "opp__team_paint_makes": "opp_paint_makes", "opp__team_mid_range_attempts": "opp_mid_range_attempts",
        "opp__team_mid_range_makes": "opp_mid_range_makes", "opp__team_unclassified_attempts": "opp_unclassified_attempts",
        "opp__possessions": "opponent_possessions", "opp__offensive_rating": "defensive_rating",
        "opp__pace": "opponent_pace", "opp__ts_pct": "opponent_ts_pct",
    }
    out = out.drop(columns=["shot_zones_available", "shot_zones_source"]).rename(columns=rename)
    out["shot_zones_available"] = out["opp__shot_zones_available"]
    out["shot_zones_source"] = out["opp__shot_zones_source"]
    out["fouls_committed"] = out["personal_fouls"]
    out["points_in_paint_allowed"] = 2 * out["opp_paint_makes"]
    out["mid_range_points_allowed"] = 2 * out["opp_mid_range_makes"]
    out["three_pt_points_allowed"] = 3 * out["opp_three_pt_makes"]
    return TEAM_DEFENSE_GAME_SUMMARY.conform(out[TEAM_DEFENSE_GAME_SUMMARY.column_names])


def player_game_summary(
    schedule: pd.DataFrame,
    box_scores: pd.DataFrame,
    team_offense: pd.DataFrame,
    shots: pd.DataFrame,
    props: pd.DataFrame,
) -> pd.DataFrame:
    """One row per player per game with box scores; usage rate from the team totals of team_offense."""
    if box_scores.empty:
        return PLAYER_GAME_SUMMARY.empty()
    teams = team_offense[["game_id", "team_abbr", "opponent_team_abbr", "home_game", "season_year", "season_phase",
                          "win_flag", "fg_attempts", "ft_attempts", "turnovers", "team_minutes", "team_stats_source"]]
    teams = teams.rename(columns={"fg_attempts": "team_fga", "ft_attempts": "team_fta", "turnovers": "team_tov"})
    out = box_scores.rename(columns=BOX_COLUMNS).rename(columns={"minutes": "minutes_played"})
    out = out.merge(teams, on=["game_id", "team_abbr"], how="left", validate="many_to_one")
    orphans = out["team_minutes"].isna()
    if orphans.any():
        raise ValueError(f"player rows without a team_offense_game_summary row: {out.loc[orphans, ['game_id', 'team_abbr']].drop_duplicates().to_dict('records')}")
    out["is_active"] = out["player_status"] == "active"
    out["is_dnp"] = ~out["is_active"]
    out["total_rebounds"] = out["offensive_rebounds"] + out["defensive_rebounds"]
    out["usage_rate"] = f.usage_rate(out["fg_attempts"], out["ft_attempts"], out["turnovers"], out["minutes_played"],
                                     out["team_fga"], out["team_fta"], out["team_tov"], out["team_minutes"])
    out["ts_pct"] = f.true_shooting(out["points"], out["fg_attempts"], out["ft_attempts"])
    out["efg_pct"] = f.effective_fg(out["fg_makes"], out["three_pt_makes"], out["fg_attempts"])
    out = out.merge(_player_zones(shots), on=["game_id", "player_lookup"], how="left")
    out["has_shot_zones"] = out["game_id"].isin(shots["game_id"].unique())
    zone_cols = ["paint_attempts", "paint_makes", "mid_range_attempts", "mid_range_makes", "three_attempts_pbp",
                 "three_makes_pbp", "unclassified_attempts_pbp"]
    for column in zone_cols:
        out[column] = out[column].where(out["has_shot_zones"] & out["is_active"], pd.NA)
        out[column] = out[column].mask(out["has_shot_zones"] & out["is_active"] & out[column].isna(), 0)
    classified = out["paint_attempts"] + out["mid_range_attempts"] + out["three_attempts_pbp"]
    out["has_complete_shot_zones"] = (
        out["has_shot_zones"] & out["is_active"] & (out["unclassified_attempts_pbp"] == 0) & (classified == out["fg_attempts"])
    ).fillna(False)
    lines = select_prop_lines(props, tipoff_cutoffs(scheduled_games(schedule)))
    out = out.merge(lines, on=["game_date", "player_lookup"], how="left")
    out["points_line"] = out["current_points_line"]
    out["points_line_bookmaker"] = out["line_bookmaker"]
    out["opening_line"] = out["opening_points_line"]
    out["line_movement"] = out["points_line"] - out["opening_line"]
    out["over_under_result"] = over_under_result(out["points"].astype("float64"), out["points_line"].astype("float64"))
    out["margin"] = out["points"].astype("float64") - out["points_line"].astype("float64")
    return PLAYER_GAME_SUMMARY.conform(out[PLAYER_GAME_SUMMARY.column_names])


def _player_zones(shots: pd.DataFrame) -> pd.DataFrame:
    columns = ["game_id", "player_lookup", "paint_attempts", "paint_makes", "mid_range_attempts", "mid_range_makes",
               "three_attempts_pbp", "three_makes_pbp", "unclassified_attempts_pbp"]
    if shots.empty:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in ("game_id", "player_lookup") else "Int64") for c in columns})
    zones = f.zone_counts(shots, ["game_id", "player_lookup"]).rename(
        columns={"three_attempts": "three_attempts_pbp", "three_makes": "three_makes_pbp",
                 "unclassified_attempts": "unclassified_attempts_pbp"})
    return zones[columns]


def score_mismatches(final_team_games: pd.DataFrame, team_offense: pd.DataFrame) -> pd.DataFrame:
    """Team-games of Final games (calendar.team_games of final_games) whose points in the box scores differ from
    the schedule's final score: a player row missing or a stat corrected on one side only. Games without box
    scores are box_scores_complete's."""
    expected = final_team_games[["game_date", "game_id", "team_abbr", "team_score"]]
    merged = expected.merge(team_offense[["game_id", "team_abbr", "points_scored"]], on=["game_id", "team_abbr"])
    wrong = merged["team_score"].notna() & (merged["points_scored"] != merged["team_score"])
    return (merged[wrong].rename(columns={"team_score": "schedule_points", "points_scored": "box_score_points"})
            .reset_index(drop=True))
