"""Coverage: for each table and season, the game dates the schedule says must be covered, and which are.

Expected = dates with Final competitive games (regular season, play-in, playoffs; exhibitions excluded). A
date is materialized for a table when every expected team-game of that date has rows in the table, so a day
with a missing game is reported, and a day without games is never a gap. Documented absences are not
expected: tables about rostered players skip team-games without a knowable pre-game roster
(upcoming_team_game_context.pregame_roster_source is NULL), prediction tables skip team-games without a
prediction candidate in the feature store.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from nba_assets.calendar import final_games, season_label, team_games
from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.phase4.tables import (
    PLAYER_COMPOSITE_FACTORS,
    PLAYER_DAILY_CACHE,
    PLAYER_SHOT_ZONE_ANALYSIS,
    TEAM_DEFENSE_ZONE_ANALYSIS,
)
from nba_assets.predictions.tables import PLAYER_PROP_PREDICTIONS, PREDICTION_ACCURACY, SYSTEM_DAILY_PERFORMANCE
from nba_assets.storage.schema import TableSchema

EVERY_GAME, ROSTERED, PREDICTED = "every_game", "rostered", "predicted"


@dataclasses.dataclass(frozen=True)
class CoverageRule:
    table: TableSchema
    team_column: str | None = "team_abbr"  # None: the table has one row per date, not per team-game
    expects: str = EVERY_GAME


COVERAGE_RULES: list[CoverageRule] = [
    CoverageRule(TEAM_OFFENSE_GAME_SUMMARY),
    CoverageRule(TEAM_DEFENSE_GAME_SUMMARY, team_column="defending_team_abbr"),
    CoverageRule(PLAYER_GAME_SUMMARY),
    CoverageRule(UPCOMING_TEAM_GAME_CONTEXT),
    CoverageRule(UPCOMING_PLAYER_GAME_CONTEXT, expects=ROSTERED),
    CoverageRule(TEAM_DEFENSE_ZONE_ANALYSIS),
    CoverageRule(PLAYER_SHOT_ZONE_ANALYSIS, expects=ROSTERED),
    CoverageRule(PLAYER_COMPOSITE_FACTORS, expects=ROSTERED),
    CoverageRule(PLAYER_DAILY_CACHE, expects=ROSTERED),
    CoverageRule(ML_FEATURE_STORE, expects=ROSTERED),
    CoverageRule(PLAYER_PROP_PREDICTIONS, expects=PREDICTED),
    CoverageRule(PREDICTION_ACCURACY, expects=PREDICTED),
    CoverageRule(SYSTEM_DAILY_PERFORMANCE, team_column=None, expects=PREDICTED),
]


def expected_team_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """(game_date, game_id, team_abbr, season) of every Final competitive game."""
    teams = team_games(final_games(schedule))
    return teams.assign(season=teams["season_year"].map(season_label))[["game_date", "game_id", "team_abbr", "season"]]


def _without(expected: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    flagged = excluded[["game_id", "team_abbr"]].drop_duplicates().assign(excluded=True)
    marked = expected.merge(flagged, on=["game_id", "team_abbr"], how="left")
    return marked[marked["excluded"].isna()].drop(columns="excluded")


def table_coverage(rule: CoverageRule, expected: pd.DataFrame, present: pd.DataFrame) -> dict[str, dict]:
    """Per season: expected date count, materialized date count and the missing dates. present: the table's
    (game_date, game_id, team) rows (only dates when team_column is None)."""
    if rule.team_column is None:
        dates = present[rule.table.date_column].drop_duplicates()
        marked = expected[["season", "game_date"]].drop_duplicates().assign(covered=lambda f: f["game_date"].isin(dates))
        by_date = marked
    else:
        found = present.rename(columns={rule.team_column: "team_abbr"})[["game_id", "team_abbr"]].drop_duplicates()
        marked = expected.merge(found.assign(covered=True), on=["game_id", "team_abbr"], how="left")
        marked["covered"] = marked["covered"].notna()
        by_date = marked.groupby(["season", "game_date"])["covered"].all().reset_index()
    report = {}
    for season, dates in by_date.groupby("season", sort=True):
        missing = sorted(dates.loc[~dates["covered"], "game_date"].dt.strftime("%Y-%m-%d").tolist())
        report[season] = {"expected": len(dates), "materialized": int(dates["covered"].sum()), "missing": missing}
    return report


def expectations(schedule: pd.DataFrame, read_columns) -> dict[str, pd.DataFrame]:
    """The expected team-games for each kind of rule."""
    every = expected_team_games(schedule)
    team_context = read_columns(UPCOMING_TEAM_GAME_CONTEXT, ["game_id", "team_abbr", "pregame_roster_source"])
    rostered = _without(every, team_context[team_context["pregame_roster_source"].isna()])
    features = read_columns(ML_FEATURE_STORE, ["game_id", "team_abbr", "is_prediction_candidate"])
    has_candidate = features.groupby(["game_id", "team_abbr"])["is_prediction_candidate"].any().reset_index()
    predicted = _without(rostered, has_candidate[~has_candidate["is_prediction_candidate"].astype(bool)])
    return {EVERY_GAME: every, ROSTERED: rostered, PREDICTED: predicted}


def coverage_for(rule: CoverageRule, expected: dict[str, pd.DataFrame], read_columns) -> dict[str, dict]:
    columns = [rule.table.date_column] + (["game_id", rule.team_column] if rule.team_column else [])
    return table_coverage(rule, expected[rule.expects], read_columns(rule.table, columns))


def coverage_report(schedule: pd.DataFrame, read_columns) -> dict:
    """The whole coverage document. read_columns(table, columns) returns those columns of a warehouse table."""
    expected = expectations(schedule, read_columns)
    return {"tables": {rule.table.name: coverage_for(rule, expected, read_columns) for rule in COVERAGE_RULES}}


def format_coverage(report: dict) -> str:
    lines = [f"{'table':<34} {'season':<8} {'expected':>8} {'covered':>8} {'missing':>8}  first missing dates"]
    for table, seasons in report["tables"].items():
        for season, row in seasons.items():
            shown = ", ".join(row["missing"][:4]) + (" ..." if len(row["missing"]) > 4 else "")
            lines.append(f"{table:<34} {season:<8} {row['expected']:>8} {row['materialized']:>8} {len(row['missing']):>8}  {shown}")
    return "\n".join(lines)
