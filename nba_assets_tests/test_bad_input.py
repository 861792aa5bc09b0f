"""A corpus of bad and tricky raw input run through the Phase 3 assets over the crafted three-day league.

Each case ends in refused rows that quarantine their day (file, row, column, problem and key in the ledger and
the raw_contract check), in an error naming the file and column when no day can own the problem, in a quarantined
day for another broken rule (its rows not published, the reason in the ledger, its checks failed), or in the
documented handling of legitimate input; and the warehouse built from the good league beforehand changes by exactly
what that handling says (nothing at all for an error, nothing on the other days for a quarantined day).
test_raw_contract.py covers each contract rule; the cases here are other tables, the cross-table rules and handling.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from nba_assets.partitions import game_days
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import BOX_SCORES_COMPLETE, PROP_LINES_MATCH_ROSTERS, RAW_CONTRACT, SCORES_MATCH_SCHEDULE
from nba_assets_tests.builders import (
    check_evaluations,
    copy_warehouse,
    failure_message,
    filler_team,
    game,
    materialize,
    read_table,
    rows_on,
    warehouse_fingerprint,
    write_raw,
)
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G3, G4, NO_GAMES, league_tables

SCHEDULE, GAMEBOOK, PROPS = "nbac_schedule", "nbac_gamebook_player_stats", "odds_api_player_points_props"
UNSCHEDULED, POSTPONED = "0022200099", "0022200098"
BOX_SCORE_TABLES = ("team_offense_game_summary", "team_defense_game_summary", "player_game_summary")


@dataclasses.dataclass(frozen=True)
class Baseline:
    warehouse: Path
    fingerprint: dict[str, str]
    failed_checks: set[tuple[str, str, str | None]]


@dataclasses.dataclass(frozen=True)
class Outcome:
    result: dg.ExecuteInProcessResult
    evaluations: list[dg.AssetCheckEvaluation]
    warehouse: Path

    @property
    def failed_checks(self) -> set[tuple[str, str, str | None]]:
        return _failed(self.evaluations)

    def evaluation(self, check: str, table: str, day: str) -> dg.AssetCheckEvaluation:
        return next(e for e in self.evaluations
                    if (e.check_name, e.asset_key.path[-1], e.partition) == (check, table, day))


def _failed(evaluations: list[dg.AssetCheckEvaluation]) -> set[tuple[str, str, str | None]]:
    """(check, table, day or None for a run's summary) of every failed evaluation."""
    return {(e.check_name, e.asset_key.path[-1], e.partition) for e in evaluations if not e.passed}


def _build(raw: Path, warehouse: Path, start: str = DAY1, end: str = DAY3) -> Outcome:
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(PHASE3_ASSETS, raw, warehouse, start, end, instance=instance, raise_on_error=False)
    return Outcome(result, check_evaluations(instance, result.run_id), warehouse)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Baseline:
    """The good league, built over its three days."""
    folder = tmp_path_factory.mktemp("baseline")
    built = _build(write_raw(folder / "raw", league_tables()), folder / "warehouse.duckdb")
    assert built.result.success
    return Baseline(built.warehouse, warehouse_fingerprint(built.warehouse), built.failed_checks)


def run_case(tmp_path: Path, baseline: Baseline, tables: dict, start: str = DAY1, end: str = DAY3,
             fmt: str = "parquet") -> Outcome:
    """Build the days from `tables` over a copy of the baseline warehouse."""
    warehouse = copy_warehouse(baseline.warehouse, tmp_path, "case")
    return _build(write_raw(tmp_path / "raw", tables, fmt), warehouse, start, end)


def edited_fingerprint(warehouse: Path, folder: Path, *statements: str) -> dict[str, str]:
    """The fingerprint of a copy of `warehouse` (made in `folder`) after SQL statements: a documented handling
    written as an edit of the warehouse it applies to."""
    copy = copy_warehouse(warehouse, folder, f"{warehouse.stem}-edited")
    conn = duckdb.connect(str(copy))
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()
    return warehouse_fingerprint(copy)


def _first(rows: list[dict], **match) -> dict:
    return next(row for row in rows if all(row[column] == value for column, value in match.items()))


def _box_scores(game_id: str, date: str, *teams: str) -> list[dict]:
    """Filler box scores in the crafted league's form (minutes as text)."""
    rows = [row for team in teams for row in filler_team(game_id, date, team, 100)]
    return [{**row, "minutes": str(row["minutes"])} for row in rows]


# --- refused rows: kept out of every table; their day is quarantined in the tables reading them and downstream --

RAW_READERS = {  # the Phase 3 tables whose raw_contract rule reads each raw table
    SCHEDULE: {"team_offense_game_summary", "player_game_summary", "upcoming_team_game_context",
               "upcoming_player_game_context"},
    GAMEBOOK: {"team_offense_game_summary", "player_game_summary"},
    PROPS: {"player_game_summary", "upcoming_player_game_context"},
}
SAME_DAY_READERS = {  # the Phase 3 tables built from the same day of each table
    "team_offense_game_summary": {"team_defense_game_summary", "player_game_summary"},
    "upcoming_team_game_context": {"upcoming_player_game_context"},
}


@dataclasses.dataclass(frozen=True)
class Refusal:
    file: str
    column: str
    problem: str
    key: str | None  # the game, player, team or day named; None when the problem is the file's shape
    day: str = DAY3


def duplicate_schedule_row(tables) -> Refusal:
    tables[SCHEDULE].append(dict(_first(tables[SCHEDULE], game_id=G3)))
    return Refusal(f"{SCHEDULE}.parquet", "game_id", "duplicate key (game_id)", G3)


def null_game_id_in_schedule(tables) -> Refusal:
    _first(tables[SCHEDULE], game_id=G3)["game_id"] = None
    return Refusal(f"{SCHEDULE}.parquet", "game_id", "NULL in a non-nullable column", DAY3)


def null_player_lookup(tables) -> Refusal:
    _first(tables[GAMEBOOK], game_id=G3)["player_lookup"] = None
    return Refusal(f"{GAMEBOOK}.parquet", "player_lookup", "NULL in a non-nullable column", G3)


def text_game_status(tables) -> Refusal:
    for row in tables[SCHEDULE]:
        row["game_status"] = str(row["game_status"])
    _first(tables[SCHEDULE], game_id=G3)["game_status"] = "Final"
    return Refusal(f"{SCHEDULE}.parquet", "game_status", "expected whole numbers", G3)


def lower_case_schedule_team(tables) -> Refusal:
    _first(tables[SCHEDULE], game_id=G3)["home_team_tricode"] = "nyk"
    return Refusal(f"{SCHEDULE}.parquet", "home_team_tricode", "team codes must be three upper-case letters", G3)


def negative_prop_line(tables) -> Refusal:
    _first(tables[PROPS], player_lookup="jaylenbrown")["points_line"] = -20.0
    return Refusal(f"{PROPS}.parquet", "points_line", "below 0.5", "jaylenbrown", day=DAY1)


def box_scores_of_a_game_in_progress(tables) -> Refusal:
    _first(tables[SCHEDULE], game_id=G3)["game_status"] = 2
    return Refusal(f"{GAMEBOOK}.parquet", "game_id", "box score for a game that is not Final in the schedule", G3)


def box_scores_of_a_game_not_in_the_schedule(tables) -> Refusal:
    tables[GAMEBOOK] += _box_scores(UNSCHEDULED, DAY3, "MIA", "CHI")
    return Refusal(f"{GAMEBOOK}.parquet", "game_id", "game not in nbac_schedule on 2022-10-20", UNSCHEDULED)


def player_of_a_team_playing_another_game(tables) -> Refusal:
    row = _first(tables[GAMEBOOK], game_id=G3, team_abbr="BOS")
    row["team_abbr"] = "LAL"  # a real team, playing G4 that night
    return Refusal(f"{GAMEBOOK}.parquet", "team_abbr", "team LAL is not one of the game's two teams (NYK v BOS)",
                   row["player_lookup"])


def points_not_matching_made_shots(tables) -> Refusal:
    row = _first(tables[GAMEBOOK], game_id=G3, team_abbr="NYK")
    row["points"] += 1
    return Refusal(f"{GAMEBOOK}.parquet", "points", "differ from the made shots: 2·FGM + 3PM + FTM", row["player_lookup"])


REFUSED_ROWS = [duplicate_schedule_row, null_game_id_in_schedule, null_player_lookup, text_game_status,
                lower_case_schedule_team, negative_prop_line, box_scores_of_a_game_in_progress,
                box_scores_of_a_game_not_in_the_schedule, player_of_a_team_playing_another_game,
                points_not_matching_made_shots]


def _quarantined(readers: set[str]) -> set[str]:
    """The readers and every table built from the same day of one of them."""
    tables = set(readers)
    while True:
        grown = tables | {t for table in tables for t in SAME_DAY_READERS.get(table, ())}
        if grown == tables:
            return tables
        tables = grown


@pytest.mark.parametrize("corrupt", REFUSED_ROWS, ids=lambda f: f.__name__)
def test_refused_rows_quarantine_their_day_and_other_days_do_not_change(tmp_path, baseline, corrupt):
    """A refused raw row fails raw_contract on its day in every table reading its file: the day is quarantined
    there and in the tables built from the same day, the ledger names file, row, column, key and problem, and
    every other day is exactly as in the clean build."""
    tables = league_tables()
    refusal = corrupt(tables)
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success
    readers = RAW_READERS[refusal.file.split(".")[0]]
    new_failures = outcome.failed_checks - baseline.failed_checks
    calendar = {(RAW_CONTRACT.check, "season_calendar", None)} if refusal.file.startswith(SCHEDULE) else set()  # a warning
    assert {f for f in new_failures if f[0] == RAW_CONTRACT.check} == calendar | {
        (RAW_CONTRACT.check, table, day) for table in readers for day in (refusal.day, None)}

    ledger = read_table(outcome.warehouse, "nba_quality.quarantine")
    quarantined = set(zip(ledger["table_name"].str.removeprefix("nba_analytics."),
                          ledger["game_date"].dt.strftime("%Y-%m-%d")))
    assert quarantined == {(table, refusal.day) for table in _quarantined(readers)}
    own = ledger[(ledger["check_name"] == RAW_CONTRACT.check) & ledger["detail"].str.contains(refusal.problem, regex=False)]
    assert set(own["table_name"].str.removeprefix("nba_analytics.")) == readers, ledger
    finding = own.iloc[0]
    assert finding["rule"].startswith(f"{RAW_CONTRACT.check}: ") and finding["severity"] == "ERROR"
    assert finding["raw_file"].endswith(refusal.file) and finding["raw_row"] >= 1, finding
    assert finding["column_name"] == refusal.column and finding["detail"].startswith(refusal.file.split(".")[0])
    named = {finding["game_id"], finding["player_lookup"], finding["team_abbr"], finding["game_date"].strftime("%Y-%m-%d")}
    assert refusal.key in named, finding

    for table in _quarantined(readers):  # the day is published nowhere it is quarantined
        assert rows_on(outcome.warehouse, f"nba_analytics.{table}", "game_date", [refusal.day]).empty
    other_days = [day for day in (DAY1, NO_GAMES, DAY3) if day != refusal.day]
    for table in BOX_SCORE_TABLES:
        pd.testing.assert_frame_equal(rows_on(outcome.warehouse, f"nba_analytics.{table}", "game_date", other_days),
                                      rows_on(baseline.warehouse, f"nba_analytics.{table}", "game_date", other_days))


# --- refused files: what no day can own stops the run, naming file and column; nothing is written ---------------


def prop_file_without_minutes_before_tipoff(tables) -> Refusal:
    for row in tables[PROPS]:
        del row["minutes_before_tipoff"]
    return Refusal(f"{PROPS}.parquet", "minutes_before_tipoff", "required column(s) missing", None)


def game_ids_stored_as_numbers(tables) -> Refusal:
    for row in tables[SCHEDULE]:
        row["game_id"] = int(row["game_id"])
    return Refusal(f"{SCHEDULE}.parquet", "game_id", "stored as int64, which cannot hold text", None)


@pytest.mark.parametrize("corrupt", [prop_file_without_minutes_before_tipoff, game_ids_stored_as_numbers],
                         ids=lambda f: f.__name__)
def test_refused_file_is_named_and_changes_nothing(tmp_path, baseline, corrupt):
    tables = league_tables()
    refusal = corrupt(tables)
    outcome = run_case(tmp_path, baseline, tables)

    assert not outcome.result.success
    message = failure_message(outcome.result)
    assert refusal.file in message and f"column '{refusal.column}'" in message and refusal.problem in message, message
    assert warehouse_fingerprint(outcome.warehouse) == baseline.fingerprint


def test_empty_optional_file_is_refused_not_read_as_absent(tmp_path, baseline):
    tables = league_tables()
    del tables[PROPS]
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / f"{PROPS}.csv").write_text("")
    outcome = run_case(tmp_path, baseline, tables)

    assert not outcome.result.success
    message = failure_message(outcome.result)
    assert f"{PROPS}.csv" in message and "empty file" in message, message
    assert warehouse_fingerprint(outcome.warehouse) == baseline.fingerprint


# --- legitimate but tricky input: the documented handling, and nothing else changes ----------------------------


def test_exhibition_teams_are_filtered_and_counted(tmp_path, baseline):
    tables = league_tables()
    exhibitions = [game("0012200006", DAY1, "MIA", "DRT", phase="preseason", home_score=120, away_score=80),
                   # an exhibition team makes the game an exhibition even where the schedule says regular season
                   game("0022200007", DAY3, "HOU", "IAH", home_score=110, away_score=90),
                   game("0012200008", NO_GAMES, "DAL", "LBN", phase="preseason", home_score=100, away_score=95)]
    tables[SCHEDULE] += exhibitions
    for exhibition in exhibitions:
        tables[GAMEBOOK] += _box_scores(exhibition["game_id"], str(exhibition["game_date"]),
                                        exhibition["home_team_tricode"], exhibition["away_team_tricode"])
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success and outcome.failed_checks == baseline.failed_checks
    for node in ("nba_analytics__team_offense_game_summary", "nba_analytics__player_game_summary"):
        counts = {(m.metadata["exhibition_games_filtered"].value,
                   m.metadata["exhibition_box_score_rows_filtered"].value)
                  for m in outcome.result.asset_materializations_for_node(node)}
        assert counts == {(4, 5 + 3 * 10)}  # with the league's own BAR game and its 5 rows
    # season_calendar counts exhibitions and starts the preseason at the first one; no other table has their rows
    assert warehouse_fingerprint(outcome.warehouse) == edited_fingerprint(
        baseline.warehouse, tmp_path,
        f"UPDATE nba_analytics.season_calendar SET exhibition_games = exhibition_games + 3, preseason_start = '{DAY1}'")
    assert read_table(outcome.warehouse, "nba_analytics.season_calendar")["exhibition_games"].tolist() == [4]


def test_mm_ss_minutes_are_parsed_like_decimal_minutes(tmp_path, baseline):
    tables = league_tables()
    for row in tables[GAMEBOOK]:
        if row["minutes"] is not None and ":" not in row["minutes"]:
            minutes = float(row["minutes"])
            row["minutes"] = f" {int(minutes)}:{round(minutes % 1 * 60):02d} "  # padded, as some feeds write it
    assert _first(tables[GAMEBOOK], player_lookup="derrickwhite")["minutes"] == " 35:30 "
    outcome = run_case(tmp_path, baseline, tables, fmt="csv")

    assert outcome.result.success and outcome.failed_checks == baseline.failed_checks
    assert warehouse_fingerprint(outcome.warehouse) == baseline.fingerprint
    players = read_table(outcome.warehouse, "nba_analytics.player_game_summary").set_index("player_lookup")
    assert players.loc["derrickwhite", "minutes_played"] == 35.5


def test_postponed_game_is_not_expected(tmp_path, baseline):
    tables = league_tables()
    postponed = game(POSTPONED, DAY3, "MIA", "CHI", status=1, tip_utc="2022-10-21 00:00")
    postponed["is_postponed"] = True
    tables[SCHEDULE].append(postponed)
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success
    assert outcome.failed_checks == baseline.failed_checks  # box_scores_complete and row_counts pass on DAY3
    assert warehouse_fingerprint(outcome.warehouse) == baseline.fingerprint  # no row, no context for it


def test_prop_snapshots_after_tipoff_are_ignored(tmp_path, baseline):
    tables = league_tables()
    pregame = _first(tables[PROPS], player_lookup="jaysontatum", points_line=27.5)
    tables[PROPS] += [
        # labelled pre-game by the bookmaker, but taken 15 minutes after the schedule's 23:30 UTC tip-off
        {**pregame, "points_line": 40.5, "minutes_before_tipoff": 10.0,
         "snapshot_timestamp": pd.Timestamp("2022-10-18 23:45", tz="UTC")},
        {**pregame, "bookmaker": "fanduel", "points_line": 30.5, "minutes_before_tipoff": -20.0,
         "snapshot_timestamp": pd.Timestamp("2022-10-18 23:50", tz="UTC")},
        {**pregame, "player_lookup": "marcussmart", "points_line": 9.5, "minutes_before_tipoff": -5.0,
         "snapshot_timestamp": pd.Timestamp("2022-10-18 23:35", tz="UTC")},
    ]
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success and outcome.failed_checks == baseline.failed_checks
    players = read_table(outcome.warehouse, "nba_analytics.player_game_summary").set_index("player_lookup")
    tatum = players.loc["jaysontatum"]
    assert (tatum["points_line"], tatum["points_line_bookmaker"]) == (27.5, "draftkings")
    assert pd.isna(players.loc["marcussmart", "points_line"])  # only an in-game line: no line
    assert warehouse_fingerprint(outcome.warehouse) == baseline.fingerprint


def _prop_summary(outcome: Outcome) -> dg.AssetCheckEvaluation:
    return outcome.evaluation(PROP_LINES_MATCH_ROSTERS.check, "upcoming_player_game_context", None)


def test_prop_line_for_a_player_on_no_roster_is_counted_not_failed(tmp_path, baseline):
    tables = league_tables()
    tables[PROPS].append({**_first(tables[PROPS], player_lookup="jaysontatum", points_line=27.5),
                          "game_date": pd.Timestamp(DAY3).date(), "game_id": G3, "player_lookup": "nosuchplayer",
                          "snapshot_timestamp": pd.Timestamp("2022-10-20 22:00", tz="UTC"),
                          "minutes_before_tipoff": 90.0})
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success and outcome.failed_checks == baseline.failed_checks == set()
    summary = _prop_summary(outcome)
    assert summary.passed and summary.metadata["prop_lines_without_rostered_player"].value == 3  # with opening night's 2
    assert "nosuchplayer" in {line["player_lookup"] for line in summary.metadata["examples_without_rostered_player"].value}
    assert warehouse_fingerprint(outcome.warehouse) == baseline.fingerprint  # the line is used nowhere


def test_prop_line_for_another_game_than_the_players_fails_its_check(tmp_path, baseline):
    tables = league_tables()
    tables[PROPS].append({**_first(tables[PROPS], player_lookup="jaysontatum", points_line=27.5),
                          "game_date": pd.Timestamp(DAY3).date(), "game_id": G4,  # Boston plays G3 that night
                          "snapshot_timestamp": pd.Timestamp("2022-10-20 22:00", tz="UTC"), "minutes_before_tipoff": 90.0})
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success  # a warn rule: the day is published and flagged
    assert outcome.failed_checks - baseline.failed_checks == {
        (PROP_LINES_MATCH_ROSTERS.check, "upcoming_player_game_context", day) for day in (DAY3, None)}
    report = outcome.evaluation(PROP_LINES_MATCH_ROSTERS.check, "upcoming_player_game_context", DAY3)
    assert report.severity == dg.AssetCheckSeverity.WARN
    assert all(part in report.metadata["examples"].value for part in ("jaysontatum", G4, G3))
    assert read_table(outcome.warehouse, "nba_quality.quarantine").empty


def _quarantined_in_box_score_tables(day: str) -> set[tuple[str, str, str | None]]:
    """The failed checks of a day quarantined in team offense, and so in the tables built from it that day."""
    return {(check, table, when) for when in (day, None) for check, table in (
        ("inputs_published", "player_game_summary"), ("inputs_published", "team_defense_game_summary"))}


def test_final_game_without_one_teams_box_score_quarantines_the_day(tmp_path, baseline):
    tables = league_tables()
    tables[GAMEBOOK] = [row for row in tables[GAMEBOOK] if (row["game_id"], row["team_abbr"]) != (G3, "NYK")]
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success  # the other days are written
    # player_game_summary counts rows against the box scores it uses, so only the schedule-based count fails
    assert outcome.failed_checks - baseline.failed_checks == _quarantined_in_box_score_tables(DAY3) | {
        (check, table, day) for day in (DAY3, None) for check, table in (
            (BOX_SCORES_COMPLETE.check, "team_offense_game_summary"), (BOX_SCORES_COMPLETE.check, "player_game_summary"),
            ("row_counts", "team_offense_game_summary"))}
    missing = outcome.evaluation(BOX_SCORES_COMPLETE.check, "team_offense_game_summary", DAY3).metadata
    assert missing["findings"].value == 1 and G3 in missing["examples"].value
    ledger = read_table(outcome.warehouse, "nba_quality.quarantine", order_by=["table_name", "finding"])
    assert set(ledger["game_date"].dt.strftime("%Y-%m-%d")) == {DAY3}
    assert set(ledger.loc[ledger["rule"] == BOX_SCORES_COMPLETE.check, "game_id"]) == {G3}
    # the whole day is left out of the box-score tables (DAY3's other game too), and nothing else differs
    assert _without_ledger(warehouse_fingerprint(outcome.warehouse)) == _without_ledger(edited_fingerprint(
        baseline.warehouse, tmp_path,
        *(f"DELETE FROM nba_analytics.{table} WHERE game_date = '{DAY3}'" for table in BOX_SCORE_TABLES)))


def _without_ledger(fingerprint: dict[str, str]) -> dict[str, str]:
    return {table: digest for table, digest in fingerprint.items() if table != "nba_quality.quarantine"}


def test_neutral_site_game_has_no_travel_distance(tmp_path, baseline):
    tables = league_tables()
    _first(tables[SCHEDULE], game_id=G3)["is_neutral_site"] = True
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success and outcome.failed_checks == baseline.failed_checks
    teams = read_table(outcome.warehouse, "nba_analytics.upcoming_team_game_context")
    neutral = teams[teams["game_id"] == G3]
    assert len(neutral) == 2 and neutral["is_neutral_site"].all() and neutral["travel_miles"].isna().all()
    assert warehouse_fingerprint(outcome.warehouse) == edited_fingerprint(
        baseline.warehouse, tmp_path, "UPDATE nba_analytics.upcoming_team_game_context SET is_neutral_site = TRUE, "
                            f"travel_miles = NULL WHERE game_id = '{G3}'")


def test_box_score_points_that_disagree_with_the_final_score_quarantine_the_day(tmp_path, baseline):
    tables = league_tables()
    corrected = next(row for row in tables[GAMEBOOK] if row["game_id"] == G3 and row["team_abbr"] == "NYK"
                     and row["points"])
    for column in ("points", "three_pointers_made", "three_pointers_attempted", "field_goals_made",
                   "field_goals_attempted"):  # a made three corrected in the box score but not in the schedule
        corrected[column] += 3 if column == "points" else 1
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success
    assert outcome.failed_checks - baseline.failed_checks == _quarantined_in_box_score_tables(DAY3) | {
        (SCORES_MATCH_SCHEDULE.check, "team_offense_game_summary", day) for day in (DAY3, None)}
    report = outcome.evaluation(SCORES_MATCH_SCHEDULE.check, "team_offense_game_summary", DAY3).metadata
    assert report["findings"].value == 1
    assert all(part in report["examples"].value for part in (G3, "NYK", "100", "103"))
    ledger = read_table(outcome.warehouse, "nba_quality.quarantine")
    mismatch = ledger[ledger["rule"] == SCORES_MATCH_SCHEDULE.check].iloc[0]
    assert (mismatch["game_id"], mismatch["team_abbr"]) == (G3, "NYK") and "box_score_points=103" in mismatch["detail"]
    offense = read_table(outcome.warehouse, "nba_analytics.team_offense_game_summary")
    assert DAY3 not in set(offense["game_date"].dt.strftime("%Y-%m-%d"))  # the 103 is published nowhere


def _first_day_without_partition() -> str:
    """The day after the last partition (today, US Eastern): no day from it on can be built yet."""
    return (pd.Timestamp(game_days.get_last_partition_key()) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def _with_future_final_game(day: str) -> tuple[dict, int]:
    """The league plus box scores for a game on `day` that the schedule already calls Final, and its season."""
    tables = league_tables()
    future_game = game("0022200097", day, "MIA", "CHI", home_score=100, away_score=100)
    future_game["game_id"] = f"002{future_game['season_year'] % 100:02d}00097"  # an NBA.com id names its season
    tables[SCHEDULE].append(future_game)
    tables[GAMEBOOK] += _box_scores(future_game["game_id"], day, "MIA", "CHI")
    return tables, future_game["season_year"]


def _without_season(warehouse: Path, folder: Path, season: int) -> dict[str, str]:
    """The fingerprint without one season_calendar row (the calendar derives seasons from the whole schedule)."""
    return edited_fingerprint(warehouse, folder,
                              f"DELETE FROM nba_analytics.season_calendar WHERE season_year = {season}")


def test_future_dated_box_scores_stay_out_of_earlier_days(tmp_path, baseline):
    tables, season = _with_future_final_game(_first_day_without_partition())
    outcome = run_case(tmp_path, baseline, tables)

    assert outcome.result.success and outcome.failed_checks == baseline.failed_checks
    # season_calendar derives seasons from the whole schedule: the future game's season is its only trace
    assert season in set(read_table(outcome.warehouse, "nba_analytics.season_calendar")["season_year"])
    assert _without_season(outcome.warehouse, tmp_path, season) == baseline.fingerprint


def test_a_day_after_today_is_refused_and_nothing_is_written(tmp_path, baseline):
    future = _first_day_without_partition()
    tables, season = _with_future_final_game(future)
    outcome = run_case(tmp_path, baseline, tables, start=future, end=future)

    assert not outcome.result.success
    assert _without_season(outcome.warehouse, tmp_path, season) == baseline.fingerprint
    assert future in failure_message(outcome.result)
