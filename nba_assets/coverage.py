"""Coverage: for each table and season, the game dates the schedule says must be covered, which are, and why the
others are not.

Expected = dates with Final competitive games (regular season, play-in, playoffs; exhibitions excluded). A
date is materialized for a table when every expected team-game of that date has rows in the table, so a day
with a missing game is reported, and a day without games is never a gap. Which team-games a table expects is
declared with it (TableSchema.coverage, checks/rules.py): documented absences are not expected: tables about
rostered players skip team-games without a knowable pre-game roster (upcoming_team_game_context.pregame_roster_source
is NULL), prediction tables skip team-games without a prediction candidate in the feature store. A missing date's
reason comes from the quarantine ledger; a date without one was never built (or its rows were removed).
"""

from __future__ import annotations

import pandas as pd

from nba_assets.calendar import final_games, season_label, team_games
from nba_assets.catalog import GAME_DAY_TABLES
from nba_assets.checks.ledger import QUARANTINE, describe
from nba_assets.checks.rules import EVERY_GAME, PREDICTED, ROSTERED
from nba_assets.phase3.tables import UPCOMING_TEAM_GAME_CONTEXT
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.storage.schema import TableSchema

NOT_BUILT = "no rows and no quarantine recorded: not built yet (or rebuilt without its games)"


def expected_team_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """(game_date, game_id, team_abbr, season) of every Final competitive game."""
    teams = team_games(final_games(schedule))
    return teams.assign(season=teams["season_year"].map(season_label))[["game_date", "game_id", "team_abbr", "season"]]


def _without(expected: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    flagged = excluded[["game_id", "team_abbr"]].drop_duplicates().assign(excluded=True)
    marked = expected.merge(flagged, on=["game_id", "team_abbr"], how="left")
    return marked[marked["excluded"].isna()].drop(columns="excluded")


def table_coverage(table: TableSchema, expected: pd.DataFrame, present: pd.DataFrame) -> dict[str, dict]:
    """Per season: expected date count, materialized date count and the missing dates. present: the table's
    (date, game_id, team) rows (only dates when the table has one row per date)."""
    team_column = table.coverage.team_column
    if team_column is None:
        dates = present[table.date_column].drop_duplicates()
        by_date = expected[["season", "game_date"]].drop_duplicates().assign(covered=lambda f: f["game_date"].isin(dates))
    else:
        found = present.rename(columns={team_column: "team_abbr"})[["game_id", "team_abbr"]].drop_duplicates()
        marked = expected.merge(found.assign(covered=True), on=["game_id", "team_abbr"], how="left")
        marked["covered"] = marked["covered"].notna()
        by_date = marked.groupby(["season", "game_date"])["covered"].all().reset_index()
    report = {}
    for season, dates in by_date.groupby("season", sort=True):
        missing = sorted(dates.loc[~dates["covered"], "game_date"].dt.strftime("%Y-%m-%d").tolist())
        report[season] = {"expected": len(dates), "materialized": int(dates["covered"].sum()), "missing": missing}
    return report


def expectations(schedule: pd.DataFrame, read_columns) -> dict[str, pd.DataFrame]:
    """The expected team-games for each kind of coverage."""
    every = expected_team_games(schedule)
    team_context = read_columns(UPCOMING_TEAM_GAME_CONTEXT, ["game_id", "team_abbr", "pregame_roster_source"])
    rostered = _without(every, team_context[team_context["pregame_roster_source"].isna()])
    features = read_columns(ML_FEATURE_STORE, ["game_id", "team_abbr", "is_prediction_candidate"])
    has_candidate = features.groupby(["game_id", "team_abbr"])["is_prediction_candidate"].any().reset_index()
    predicted = _without(rostered, has_candidate[~has_candidate["is_prediction_candidate"].astype(bool)])
    return {EVERY_GAME: every, ROSTERED: rostered, PREDICTED: predicted}


def coverage_for(table: TableSchema, expected: dict[str, pd.DataFrame], read_columns) -> dict[str, dict]:
    team_column = table.coverage.team_column
    columns = [table.date_column] + (["game_id", team_column] if team_column else [])
    return table_coverage(table, expected[table.coverage.expects], read_columns(table, columns))


def quarantine_reasons(ledger: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(table name, YYYY-MM-DD) -> the first reason the ledger gives for the day."""
    reasons = {}
    for row in ledger.sort_values(["table_name", "game_date", "finding"]).itertuples():
        key = (row.table_name.split(".")[-1], row.game_date.strftime("%Y-%m-%d"))
        reasons.setdefault(key, f"quarantined: {describe(row)}")
    return reasons


def _season_of(day: str, expected: pd.DataFrame) -> str:
    """The season of a date: the last season of the schedule starting on or before it (the first one if none)."""
    starts = expected.groupby("season")["game_date"].min().sort_values()
    if starts.empty:
        year = int(day[:4])
        return season_label(year if int(day[5:7]) >= 7 else year - 1)
    before = starts[starts <= pd.Timestamp(day)]
    return before.index[-1] if len(before) else starts.index[0]


def with_quarantined_days(seasons: dict[str, dict], days: list[str], expected: pd.DataFrame) -> dict[str, dict]:
    """A quarantined day is a gap, also when the schedule expects nothing of it (its only game was refused)."""
    expected_dates = set(expected["game_date"].dt.strftime("%Y-%m-%d"))
    for day in days:
        row = seasons.setdefault(_season_of(day, expected), {"expected": 0, "materialized": 0, "missing": []})
        if day in row["missing"]:
            continue
        if day in expected_dates:
            row["materialized"] -= 1
        else:
            row["expected"] += 1
        row["missing"] = sorted([*row["missing"], day])
    return dict(sorted(seasons.items()))


def coverage_report(schedule: pd.DataFrame, read_columns) -> dict:
    """The whole coverage document. read_columns(table, columns) returns those columns of a warehouse table."""
    expected = expectations(schedule, read_columns)
    reasons = quarantine_reasons(read_columns(QUARANTINE, QUARANTINE.column_names))
    tables = {}
    for table in GAME_DAY_TABLES:
        quarantined = sorted(day for name, day in reasons if name == table.name)
        seasons = with_quarantined_days(coverage_for(table, expected, read_columns), quarantined,
                                        expected[table.coverage.expects])
        for row in seasons.values():
            row["reasons"] = {day: reasons.get((table.name, day), NOT_BUILT) for day in row["missing"]}
        tables[table.name] = seasons
    return {"tables": tables}


def format_coverage(report: dict, reasons_shown: int = 20) -> str:
    lines = [f"{'table':<34} {'season':<8} {'expected':>8} {'covered':>8} {'missing':>8}  first missing dates"]
    gaps = []
    for table, seasons in report["tables"].items():
        for season, row in seasons.items():
            shown = ", ".join(row["missing"][:4]) + (" ..." if len(row["missing"]) > 4 else "")
            lines.append(f"{table:<34} {season:<8} {row['expected']:>8} {row['materialized']:>8} {len(row['missing']):>8}  {shown}")
            gaps += [(table, day, reason) for day, reason in row["reasons"].items()]
    if gaps:
        lines.append(f"\nmissing dates and why ({len(gaps)}{', first ' + str(reasons_shown) if len(gaps) > reasons_shown else ''}):")
        lines += [f"  {table:<34} {day}  {reason}" for table, day, reason in gaps[:reasons_shown]]
    return "\n".join(lines)
