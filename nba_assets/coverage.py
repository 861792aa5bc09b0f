"""Coverage: for each table and season, the game dates the schedule says must be covered, and which are.

Expected = dates with Final competitive games (regular season, play-in, playoffs; exhibitions excluded). A
date is materialized for a table when every expected team-game of that date has rows in the table, so a day
with a missing game is reported, and a day without games is never a gap. Tables about rostered players
expect only team-games whose pre-game roster was knowable (upcoming_team_game_context.pregame_roster_source).
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
from nba_assets.storage.schema import TableSchema


@dataclasses.dataclass(frozen=True)
class CoverageRule:
    table: TableSchema
    team_column: str = "team_abbr"
    needs_pregame_roster: bool = False


COVERAGE_RULES: list[CoverageRule] = [
    CoverageRule(TEAM_OFFENSE_GAME_SUMMARY),
    CoverageRule(TEAM_DEFENSE_GAME_SUMMARY, team_column="defending_team_abbr"),
    CoverageRule(PLAYER_GAME_SUMMARY),
    CoverageRule(UPCOMING_TEAM_GAME_CONTEXT),
    CoverageRule(UPCOMING_PLAYER_GAME_CONTEXT, needs_pregame_roster=True),
]


def expected_team_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """(game_date, game_id, team_abbr, season) of every Final competitive game."""
    teams = team_games(final_games(schedule))
    return teams.assign(season=teams["season_year"].map(season_label))[["game_date", "game_id", "team_abbr", "season"]]


def table_coverage(rule: CoverageRule, expected: pd.DataFrame, present: pd.DataFrame,
                   unknowable_rosters: pd.DataFrame) -> dict[str, dict]:
    """Per season: expected date count, materialized date count and the missing dates.

    present: (game_id, team) pairs found in the table; unknowable_rosters: (game_id, team_abbr) pairs that
    upcoming_team_game_context flags as having no knowable pre-game roster (not expected in rostered tables).
    """
    wanted = expected
    if rule.needs_pregame_roster and len(unknowable_rosters):
        flagged = unknowable_rosters[["game_id", "team_abbr"]].assign(unknowable=True)
        wanted = wanted.merge(flagged, on=["game_id", "team_abbr"], how="left")
        wanted = wanted[wanted["unknowable"].isna()].drop(columns="unknowable")
    found = present.rename(columns={rule.team_column: "team_abbr"})[["game_id", "team_abbr"]].drop_duplicates()
    marked = wanted.merge(found.assign(covered=True), on=["game_id", "team_abbr"], how="left")
    marked["covered"] = marked["covered"].notna()
    by_date = marked.groupby(["season", "game_date"])["covered"].all().reset_index()
    report = {}
    for season, dates in by_date.groupby("season", sort=True):
        missing = dates.loc[~dates["covered"], "game_date"].dt.strftime("%Y-%m-%d").tolist()
        report[season] = {"expected": len(dates), "materialized": int(dates["covered"].sum()), "missing": missing}
    return report


def coverage_report(schedule: pd.DataFrame, read_columns) -> dict:
    """The whole coverage document. read_columns(table, columns) returns those columns of a warehouse table."""
    expected = expected_team_games(schedule)
    team_context = read_columns(UPCOMING_TEAM_GAME_CONTEXT, ["game_id", "team_abbr", "pregame_roster_source"])
    unknowable = team_context[team_context["pregame_roster_source"].isna()]
    tables = {}
    for rule in COVERAGE_RULES:
        present = read_columns(rule.table, ["game_id", rule.team_column])
        tables[rule.table.name] = table_coverage(rule, expected, present, unknowable)
    return {"tables": tables}


def format_coverage(report: dict) -> str:
    lines = [f"{'table':<34} {'season':<8} {'expected':>8} {'covered':>8} {'missing':>8}  first missing dates"]
    for table, seasons in report["tables"].items():
        for season, row in seasons.items():
            shown = ", ".join(row["missing"][:4]) + (" ..." if len(row["missing"]) > 4 else "")
            lines.append(f"{table:<34} {season:<8} {row['expected']:>8} {row['materialized']:>8} {len(row['missing']):>8}  {shown}")
    return "\n".join(lines)
