"""The raw contract on crafted rows: each rule's exact problem (file, CSV line or Parquet row, day, key, column,
value, problem); what stops a read because no day can own it; the real data and the simulated league passing every
rule; and, per class of bad input real feeds produce, a range run in which only the bad row's day fails
raw_contract and is quarantined (the ledger names file, line, column and value), the other days equal a clean run,
and the bad value is in no table consumers read."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.raw.contract import (
    NBAC_SCHEDULE,
    PROBLEM_COLUMNS,
    RAW_TABLES,
    NORMALIZED_LOOKUP,
    RawDataError,
    format_problem,
    fullmatches,
)
from nba_assets.raw.reads import RAW_CONTRACT, RawReads
from nba_assets.raw.sources import FileRawSource
from nba_assets_tests.builders import (
    check_evaluations,
    failure_message,
    filler_team,
    materialize,
    read_table,
    rows_on,
    team_boxscore,
    warehouse_fingerprint,
    write_raw,
)
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G1, G3, NO_GAMES, league_tables

SCHEDULE, GAMEBOOK, SHOTS, PROPS = "nbac_schedule", "nbac_gamebook_player_stats", "nbac_play_by_play", "odds_api_player_points_props"
TEAM_BOX, LINES, INJURIES, ROSTERS = "nbac_team_boxscore", "odds_api_game_lines", "nbac_injury_report", "espn_team_rosters"
UNSCHEDULED = "0022200099"
FORMATS = ["csv", "parquet"]


def full_league() -> dict:
    """The crafted league with every optional table: team box scores, game lines, an injury report, rosters."""
    tables = league_tables()
    tables[TEAM_BOX] = team_boxscore(tables[GAMEBOOK], games=(G1, G3))
    tables[LINES] = [
        {"game_id": G3, "game_date": pd.Timestamp(DAY3).date(), "snapshot_timestamp": pd.Timestamp("2022-10-20 20:00", tz="UTC"),
         "minutes_before_tipoff": 210.0, "bookmaker_key": "draftkings", "market_key": market, "outcome_name": name,
         "outcome_point": point, "outcome_price": -110}
        for market, name, point in (("spreads", "NYK", -2.5), ("spreads", "BOS", 2.5), ("totals", "Over", 221.5),
                                    ("totals", "Under", 221.5))]
    tables[INJURIES] = [{"report_date": pd.Timestamp(DAY3).date(), "report_hour": 17, "game_date": pd.Timestamp(DAY3).date(),
                         "game_id": G3, "team": "BOS", "player_lookup": "bos4", "injury_status": "questionable",
                         "reason": "ankle"}]
    tables[ROSTERS] = [{"roster_date": pd.Timestamp(DAY3).date(), "team_abbr": "BOS", "player_lookup": f"bos{i}",
                        "player_full_name": f"Bos{i}"} for i in range(5)]
    return tables


def first(rows: list[dict], **match) -> tuple[int, dict]:
    """The position and the row of the first row matching `match` (positions are file rows)."""
    return next((i, row) for i, row in enumerate(rows) if all(row[k] == v for k, v in match.items()))


def file_row(fmt: str, position: int) -> str:
    """How a problem names the row at `position` of a written file: CSV lines count the header, Parquet rows from 1."""
    return f"line {position + 2}" if fmt == "csv" else f"row {position + 1}"


def read_checked(folder: Path, tables: dict, fmt: str, table: str):
    raw = write_raw(folder, tables, fmt=fmt)
    return RawReads(FileRawSource(raw), dt.date(2022, 10, 18), dt.date(2022, 10, 21)).checked(table)


# --- each rule on crafted rows -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Broken:
    table: str
    position: int  # of the offending row in its table
    column: str
    value: str
    rule: str
    problem: str
    key: tuple[str, ...] = ()  # the day and key shown
    csv_value: str | None = None  # the value as pandas wrote it to CSV, when it differs (a count beside NULLs: "21.0")

    def shown(self, fmt: str) -> str:
        return self.csv_value if fmt == "csv" and self.csv_value is not None else self.value


def _set(table: str, column: str, value, **match) -> Callable[[dict], int]:
    def edit(tables: dict) -> int:
        position, row = first(tables[table], **match)
        row[column] = value
        return position
    return edit


def home_team_is_away_team(tables):
    position = _set(SCHEDULE, "away_team_tricode", "NYK", game_id=G3)(tables)
    return Broken(SCHEDULE, position, "home_team_tricode", "NYK", "home_is_away", "home team equals away team (NYK)",
                  ("2022-10-20", f"game {G3}"))


def season_year_of_another_decade(tables):
    position = _set(SCHEDULE, "season_year", 2012, game_id=G3)(tables)
    return Broken(SCHEDULE, position, "season_year", "2012", "season_year",
                  "season_year 2012 does not fit game_date 2022-10-20 (a game on that date belongs to 2021-22 or 2022-23)",
                  ("2022-10-20", f"game {G3}"))


def season_year_not_in_the_game_id(tables):
    position = _set(SCHEDULE, "season_year", 2021, game_id=G1)(tables)  # October: 2021-22 or 2022-23 by the date
    return Broken(SCHEDULE, position, "season_year", "2021", "season_year",
                  f"season_year 2021 does not fit NBA.com game_id {G1} (season digits '22')", ("2022-10-18", f"game {G1}"))


def unknown_game_status(tables):
    position = _set(SCHEDULE, "game_status", 4, game_id=G3)(tables)
    return Broken(SCHEDULE, position, "game_status", "4", "allowed", "not one of 1, 2, 3", (f"game {G3}",))


def emoji_in_player_lookup(tables):
    position = _set(GAMEBOOK, "player_lookup", "bos0🏀", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "player_lookup", "bos0🏀", "player_lookup",
                  "not in the normalized form (lower case, accents stripped, non-alphanumerics removed): expected 'bos0'",
                  ("2022-10-20", f"game {G3}", "player bos0🏀", "team BOS"))


def seconds_written_as_minutes(tables):
    position = _set(GAMEBOOK, "minutes", "2160", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "minutes", "2160", "bounds",
                  "above 78: no game lasts longer than 78 minutes (48 + 5 per overtime, 6 overtimes at most); "
                  "seconds written as minutes?", ("2022-10-20", f"game {G3}", "player bos0", "team BOS"))


def negative_minutes(tables):
    position = _set(GAMEBOOK, "minutes", "-5", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "minutes", "-5", "bounds", "negative", ("player bos0",))


def infinite_minutes(tables):
    position = _set(GAMEBOOK, "minutes", "inf", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "minutes", "inf", "finite", "not a finite number", ("player bos0",))


def minutes_longer_than_the_game(tables):
    position = _set(GAMEBOOK, "minutes", "55", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "minutes", "55", "minutes_within_game",
                  "55 minutes: longer than the game lasted (48 minutes with 0 overtime(s), read from the teams' "
                  "player-minutes)", ("player bos0", "team BOS"))


def minutes_longer_than_an_overtime_game(tables):
    for row in tables[GAMEBOOK]:
        if row["game_id"] == G3:
            row["minutes"] = "53"  # both teams played 265 player-minutes: one overtime
    position = _set(GAMEBOOK, "minutes", "58", game_id=G3, player_lookup="nyk2")(tables)
    return Broken(GAMEBOOK, position, "minutes", "58", "minutes_within_game",
                  "58 minutes: longer than the game lasted (53 minutes with 1 overtime(s), read from the teams' "
                  "player-minutes)", ("player nyk2", "team NYK"))


def twenty_digit_points(tables):
    for row in tables[GAMEBOOK]:  # a text column, as a CSV file has
        row["points"] = None if row["points"] is None else str(row["points"])
    position = _set(GAMEBOOK, "points", "12345678901234567890", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "points", "12345678901234567890", "int64_range",
                  "whole number out of the 64-bit integer range (-9223372036854775808 .. 9223372036854775807)",
                  ("player bos0",))


def points_not_from_made_shots(tables):
    position, row = first(tables[GAMEBOOK], game_id=G3, player_lookup="nyk0")
    row["points"] = 21
    return Broken(GAMEBOOK, position, "points", "21", "points_from_shots",
                  "points 21 differ from the made shots: 2·FGM + 3PM + FTM = 2·10 + 0 + 0 = 20", ("player nyk0",), "21.0")


def points_counting_threes_twice(tables):
    position, row = first(tables[GAMEBOOK], player_lookup="jaysontatum")  # 10 FGM of which 3 threes, 5 FTM: 28
    row["points"] = 2 * 7 + 3 * 3 + 5 + 3  # threes added on top of FGM
    return Broken(GAMEBOOK, position, "points", "31", "points_from_shots",
                  "points 31 differ from the made shots: 2·FGM + 3PM + FTM = 2·10 + 3 + 5 = 28", ("player jaysontatum",), "31.0")


def more_made_than_attempted(tables):
    position = _set(GAMEBOOK, "field_goals_attempted", 9, game_id=G3, player_lookup="nyk0")(tables)
    return Broken(GAMEBOOK, position, "field_goals_made", "10", "made_within_attempted",
                  "field_goals_made 10 exceeds field_goals_attempted 9", ("player nyk0",), "10.0")


def text_in_a_count(tables):
    for row in tables[GAMEBOOK]:
        row["assists"] = None if row["assists"] is None else str(row["assists"])
    position = _set(GAMEBOOK, "assists", "three", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "assists", "three", "type", "expected whole numbers", ("player bos0",))


def null_team(tables):
    position = _set(GAMEBOOK, "team_abbr", None, game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "team_abbr", "NULL", "not_null", "NULL in a non-nullable column", ("player bos0",))


def player_of_another_game(tables):
    position = _set(GAMEBOOK, "team_abbr", "LAL", game_id=G3, player_lookup="bos0")(tables)
    return Broken(GAMEBOOK, position, "team_abbr", "LAL", "team_in_game",
                  "team LAL is not one of the game's two teams (NYK v BOS)", (f"game {G3}", "player bos0", "team LAL"))


def box_score_of_an_unscheduled_game(tables):
    tables[GAMEBOOK] += [{**row, "minutes": str(row["minutes"])} for row in filler_team(UNSCHEDULED, DAY3, "MIA", 100)]
    return Broken(GAMEBOOK, len(tables[GAMEBOOK]) - 5, "game_id", UNSCHEDULED, "game_scheduled",
                  "game not in nbac_schedule on 2022-10-20", (f"game {UNSCHEDULED}", "player mia0"))


def box_score_dated_off_its_game(tables):
    position = _set(GAMEBOOK, "game_date", pd.Timestamp(DAY3).date(), game_id=G1, player_lookup="jaysontatum")(tables)
    return Broken(GAMEBOOK, position, "game_date", "2022-10-20", "same_date",
                  "nbac_schedule has this game on 2022-10-18", ("2022-10-20", f"game {G1}", "player jaysontatum"))


def box_score_of_a_game_in_progress(tables):
    _set(SCHEDULE, "game_status", 2, game_id=G1)(tables)
    return Broken(GAMEBOOK, 0, "game_id", G1, "game_final",
                  "box score for a game that is not Final in the schedule (game_status 2)", ("player jaysontatum",))


def box_score_of_a_refused_game(tables):
    _set(SCHEDULE, "away_team_tricode", "BOS", game_id=G1)(tables)
    return Broken(GAMEBOOK, 0, "game_id", G1, "game_scheduled",
                  "its game's nbac_schedule row was refused (see that problem)", ("player jaysontatum",))


def duplicate_player_row(tables):
    position, row = first(tables[GAMEBOOK], game_id=G3, player_lookup="bos0")
    tables[GAMEBOOK].insert(position + 1, dict(row))
    return Broken(GAMEBOOK, position, "game_id,player_lookup", f"{G3} | bos0", "unique_key",
                  "duplicate key (game_id, player_lookup)", (f"game {G3}", "player bos0"))


def shot_of_an_unscheduled_game(tables):
    _, row = first(tables[SHOTS], shot_type="3PT")
    tables[SHOTS].append({**row, "game_id": UNSCHEDULED, "game_date": pd.Timestamp(DAY3).date()})
    return Broken(SHOTS, len(tables[SHOTS]) - 1, "game_id", UNSCHEDULED, "game_scheduled", "game not in nbac_schedule on 2022-10-20",
                  (f"game {UNSCHEDULED}", "player jaysontatum"))


def shot_by_a_team_not_playing(tables):
    position = _set(SHOTS, "team_abbr", "LAL", shot_type="3PT")(tables)
    return Broken(SHOTS, position, "team_abbr", "LAL", "team_in_game",
                  "team LAL is not one of the game's two teams (BOS v NYK)", (f"game {G1}",))


def shot_longer_than_the_court(tables):
    position = _set(SHOTS, "shot_distance", 250.5, shot_type="3PT")(tables)
    return Broken(SHOTS, position, "shot_distance", "250.5", "bounds", "above 94: the court is 94 feet long")


def team_minutes_of_one_player(tables):
    position = _set(TEAM_BOX, "minutes", "48:00", game_id=G3, team_abbr="BOS")(tables)
    return Broken(TEAM_BOX, position, "minutes", "48:00", "team_minutes_a_game",
                  "48 team minutes are not a game's length in player-minutes (240 in regulation + 25 per overtime, "
                  "within 5; at most 6 overtimes)", (f"game {G3}", "team BOS"))


def team_points_not_from_made_shots(tables):
    position, row = first(tables[TEAM_BOX], game_id=G3, team_abbr="NYK")
    row["points"] = 99
    return Broken(TEAM_BOX, position, "points", "99", "points_from_shots",
                  "points 99 differ from the made shots: 2·FGM + 3PM + FTM = 2·50 + 0 + 0 = 100", ("team NYK",))


def prop_line_off_the_half_point(tables):
    position = _set(PROPS, "points_line", 24.3, player_lookup="jaylenbrown")(tables)
    return Broken(PROPS, position, "points_line", "24.3", "step", "not a multiple of 0.5", ("player jaylenbrown",))


def absurd_prop_line(tables):
    position = _set(PROPS, "points_line", 215.5, player_lookup="jaylenbrown")(tables)
    return Broken(PROPS, position, "points_line", "215.5", "bounds",
                  "above 80: no player's points line is below 0.5 or above 80", ("player jaylenbrown",))


def price_that_is_not_american_odds(tables):
    position = _set(PROPS, "over_price", -50, player_lookup="jaylenbrown")(tables)
    return Broken(PROPS, position, "over_price", "-50", "american_odds", "not American odds (+100 or more, -100 or less)")


def display_name_as_player_lookup(tables):
    position = _set(PROPS, "player_lookup", "Jaylen Brown", player_lookup="jaylenbrown")(tables)
    return Broken(PROPS, position, "player_lookup", "Jaylen Brown", "player_lookup",
                  "not in the normalized form (lower case, accents stripped, non-alphanumerics removed): expected "
                  "'jaylenbrown'")


def totals_outcome_named_after_a_team(tables):
    position = _set(LINES, "outcome_name", "BOS", outcome_name="Over")(tables)
    return Broken(LINES, position, "outcome_name", "BOS", "outcome_of_market", "a totals outcome must be Over or Under",
                  (f"game {G3}",))


def injury_report_hour_24(tables):
    position = _set(INJURIES, "report_hour", 24, player_lookup="bos4")(tables)
    return Broken(INJURIES, position, "report_hour", "24", "bounds", "above 23: hours of the day are 0-23",
                  ("player bos4", "team BOS"))


def accented_roster_lookup(tables):
    position = _set(ROSTERS, "player_lookup", "bos1é", player_lookup="bos1")(tables)
    return Broken(ROSTERS, position, "player_lookup", "bos1é", "player_lookup",
                  "not in the normalized form (lower case, accents stripped, non-alphanumerics removed): expected 'bos1e'",
                  ("2022-10-20", "team BOS"))


RULE_CASES = [home_team_is_away_team, season_year_of_another_decade, season_year_not_in_the_game_id, unknown_game_status,
              emoji_in_player_lookup, seconds_written_as_minutes, negative_minutes, infinite_minutes,
              minutes_longer_than_the_game, minutes_longer_than_an_overtime_game, twenty_digit_points,
              points_not_from_made_shots, points_counting_threes_twice, more_made_than_attempted, text_in_a_count,
              null_team, player_of_another_game, box_score_of_an_unscheduled_game, box_score_dated_off_its_game,
              box_score_of_a_game_in_progress, box_score_of_a_refused_game, duplicate_player_row,
              shot_of_an_unscheduled_game, shot_by_a_team_not_playing, shot_longer_than_the_court,
              team_minutes_of_one_player, team_points_not_from_made_shots, prop_line_off_the_half_point,
              absurd_prop_line, price_that_is_not_american_odds, display_name_as_player_lookup,
              totals_outcome_named_after_a_team, injury_report_hour_24, accented_roster_lookup]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("break_rule", RULE_CASES, ids=lambda f: f.__name__)
def test_each_rule_refuses_the_row_and_names_it(tmp_path, break_rule, fmt):
    tables = full_league()
    broken = break_rule(tables)
    checked = read_checked(tmp_path / "raw", tables, fmt, broken.table)

    problems = checked.problems[checked.problems["contract_rule"] == broken.rule]
    assert len(problems) >= 1, checked.problems
    problem = problems.iloc[0]
    line = format_problem(problem)
    expected_file = str(tmp_path / "raw" / f"{broken.table}.{fmt}")
    assert line.startswith(f"{broken.table} ({expected_file}, {file_row(fmt, broken.position)}) "), line
    assert f"column '{broken.column}' = '{broken.shown(fmt)}': {broken.problem}" in line, line
    assert all(part in line for part in broken.key), line
    assert list(checked.problems.columns) == list(PROBLEM_COLUMNS)
    # the refused row is in no row the source hands on
    assert len(checked.rows) == len(tables[broken.table]) - len(checked.problems.drop_duplicates(["raw_row"]))


def test_duplicate_rows_are_both_refused(tmp_path):
    tables = full_league()
    broken = duplicate_player_row(tables)
    checked = read_checked(tmp_path / "raw", tables, "csv", GAMEBOOK)
    assert checked.problems["raw_row"].tolist() == [broken.position + 2, broken.position + 3]
    assert "bos0" not in set(checked.rows.loc[checked.rows["game_id"] == G3, "player_lookup"])


def test_legitimate_rows_pass_every_rule(tmp_path):
    """Zero minutes with stats, an overtime game's 53 minutes, a whole-number line, even odds, exhibition teams."""
    tables = full_league()
    _set(GAMEBOOK, "minutes", "0:00", game_id=G3, player_lookup="bos0")(tables)  # 0 minutes, 20 points: real data has them
    for row in tables[GAMEBOOK]:
        if row["game_id"] == G1 and row["team_abbr"] == "NYK":
            row["minutes"] = "53:00"  # 265 player-minutes: the game went to overtime...
    _set(GAMEBOOK, "minutes", "53:00", player_lookup="alhorford")(tables)  # ...and Horford played all of it
    for row in tables[GAMEBOOK]:
        if row["game_id"] == G1 and row["team_abbr"] == "BOS" and row["player_lookup"] == "grantwilliams":
            row["minutes"] = "44:00"  # Boston's player-minutes also add up to 265
    _set(PROPS, "points_line", 20.0, player_lookup="jaylenbrown")(tables)
    _set(PROPS, "over_price", 100, player_lookup="jaylenbrown")(tables)
    _set(TEAM_BOX, "minutes", "265:00", game_id=G3, team_abbr="BOS")(tables)
    for table in RAW_TABLES:
        checked = read_checked(tmp_path / "raw", tables, "csv", table)
        assert checked.problems.empty, format_problem(checked.problems.iloc[0])


def test_fullmatches_matches_each_value_as_a_whole_and_null_never():
    values = pd.Series(["lebronjames", None, "LeBron James", "lebronjames", "jr.smith", "", "lebronjames"],
                       index=[10, 11, 12, 13, 14, 15, 16])
    assert fullmatches(values, NORMALIZED_LOOKUP).to_dict() == {
        10: True, 11: False, 12: False, 13: True, 14: False, 15: False, 16: True}
    assert fullmatches(pd.Series([12, -3, 4.5, None, "+7"]), r"[+-]?\d+").tolist() == [True, True, False, False, True]
    assert fullmatches(pd.Series([None, None]), NORMALIZED_LOOKUP).tolist() == [False, False]


def test_season_year_fits_the_dates_of_every_real_season_shape():
    """Seasons start between July and October and end by October: the 2019-20 bubble ended on 2020-10-11, the
    2020-21 season started on 2020-12-22 and ended on 2021-07-20."""
    games = pd.DataFrame({
        "game_id": ["0041900406", "0022000001", "0042000406", "0022100001", "0022100500", "0022100501", "0022200900"],
        "game_date": pd.to_datetime(["2020-10-11", "2020-12-22", "2021-07-20", "2021-10-19", "2022-01-05", "2021-11-02",
                                     "2023-03-01"]),
        "season_year": pd.array([2019, 2020, 2020, 2021, 2022, 2012, 2022], dtype="Int64"),
        "home_team_tricode": "BOS", "away_team_tricode": "NYK",
    })
    found = NBAC_SCHEDULE.rules[1].find(games)
    assert found.to_dict() == {
        4: "season_year 2022 does not fit game_date 2022-01-05 (a game on that date belongs to 2021-22)",
        5: "season_year 2012 does not fit game_date 2021-11-02 (a game on that date belongs to 2021-22)"}


def test_problems_become_the_failing_rows_of_their_days_raw_contract_rule(tmp_path):
    tables = full_league()
    seconds_written_as_minutes(tables)
    negative_prop_line = _set(PROPS, "points_line", -1.0, player_lookup="jaylenbrown")
    negative_prop_line(tables)
    raw = write_raw(tmp_path / "raw", tables)
    reads = RawReads(FileRawSource(raw), dt.date(2022, 10, 18), dt.date(2022, 10, 21))
    for table in (GAMEBOOK, PROPS):
        reads.read(table)
    assert set(reads.failing_rows([pd.Timestamp(DAY1), pd.Timestamp(DAY3)])["game_date"]) == {
        pd.Timestamp(DAY1), pd.Timestamp(DAY3)}
    failing = reads.failing_rows([pd.Timestamp(DAY3)])  # only the days asked for
    assert len(failing) == 1
    row = failing.iloc[0]
    assert (row["rule"], row["column_name"], row["offending_value"], row["player_lookup"]) == (
        "bounds", "minutes", "2160", "bos0")
    assert row["detail"].startswith(f"{GAMEBOOK}: ") and row["raw_file"].endswith(f"{GAMEBOOK}.parquet")
    assert row["raw_row"] >= 1


# --- what no day can own stops the read ------------------------------------------------------------------------


def _gamebook_csv(folder: Path, edit: Callable[[list[str]], list[str]]) -> Path:
    raw = write_raw(folder, league_tables(), fmt="csv")
    path = raw / f"{GAMEBOOK}.csv"
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    return raw


def _read_gamebook(raw: Path):
    return FileRawSource(raw).read_checked(GAMEBOOK, dt.date(2022, 10, 18), dt.date(2022, 10, 21))


def test_csv_line_with_the_wrong_number_of_fields_is_named(tmp_path):
    raw = _gamebook_csv(tmp_path / "raw", lambda lines: [*lines[:4], lines[4] + ",7", *lines[5:8], lines[8].rsplit(",", 2)[0],
                                                         *lines[9:]])
    with pytest.raises(RawDataError) as error:
        _read_gamebook(raw)
    assert str(error.value) == (f"{GAMEBOOK} ({raw / GAMEBOOK}.csv): 2 line(s) with the wrong number of fields (the "
                                f"header, line 1, has 22): line 5 has 23, line 9 has 20")


def test_csv_lines_are_counted_across_quoted_line_breaks(tmp_path):
    tables = league_tables()
    tables[GAMEBOOK][0]["player_full_name"] = "Jayson\nTatum"  # a quoted field over two lines
    position = _set(GAMEBOOK, "minutes", "2160", game_id=G3, player_lookup="bos0")(tables)
    checked = read_checked(tmp_path / "raw", tables, "csv", GAMEBOOK)
    assert checked.problems["raw_row"].tolist() == [position + 3]
    assert checked.rows.loc[0, "player_full_name"] == "Jayson\nTatum"


def test_an_unparseable_date_stops_the_read_even_beside_an_overflow(tmp_path):
    tables = league_tables()
    for row in tables[GAMEBOOK]:
        row["points"] = None if row["points"] is None else str(row["points"])
    position, row = first(tables[GAMEBOOK], game_id=G3, player_lookup="bos0")
    row.update(game_date="20/10/2022", points="12345678901234567890")  # no day owns this row
    raw = write_raw(tmp_path / "raw", tables, fmt="csv")
    with pytest.raises(RawDataError) as error:
        _read_gamebook(raw)
    message = str(error.value)
    assert message.startswith(f"{GAMEBOOK} ({raw / GAMEBOOK}.csv), column 'game_date': missing or unparseable dates")
    assert "20/10/2022" in message and f"{position + 2}" in message.splitlines()[-1]


def test_a_column_stored_in_a_type_that_cannot_hold_the_contract_type_stops_the_read(tmp_path):
    tables = league_tables()
    for row in tables[GAMEBOOK]:
        row["player_status"] = row["player_status"] == "active"
    raw = write_raw(tmp_path / "raw", tables)
    with pytest.raises(RawDataError, match=r"column 'player_status': stored as bool, which cannot hold text"):
        _read_gamebook(raw)


def test_a_file_that_is_not_utf8_text_stops_the_read(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables(), fmt="csv")
    path = raw / f"{GAMEBOOK}.csv"
    path.write_bytes(path.read_bytes().replace(b"jaysontatum", "jaysontatüm".encode("latin-1")))
    with pytest.raises(RawDataError, match=r"nbac_gamebook_player_stats \(.*\.csv\): not UTF-8 text: byte 0xfc at line 2$"):
        _read_gamebook(raw)


def test_a_column_named_twice_stops_the_read(tmp_path):
    raw = _gamebook_csv(tmp_path / "raw", lambda lines: [lines[0].replace("assists", "steals"), *lines[1:]])
    with pytest.raises(RawDataError, match=r"column 'steals': column named twice in the header \(line 1\)"):
        _read_gamebook(raw)


def test_the_cli_names_what_no_day_can_own_without_a_traceback(tmp_path, monkeypatch, capsys):
    from nba_assets import cli

    raw = write_raw(tmp_path / "raw", league_tables(), fmt="csv")
    schedule = raw / f"{SCHEDULE}.csv"
    lines = schedule.read_text().splitlines()
    schedule.write_text("\n".join([*lines[:2], lines[2] + ",1", *lines[3:]]) + "\n")
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(raw))
    monkeypatch.setenv("NBA_ASSETS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))

    assert cli.main(["backfill", "--start", DAY1, "--end", DAY3]) == cli.RAW_DATA_ERROR_EXIT
    error = capsys.readouterr().err
    assert error == (f"nba-assets backfill: raw data refused: {SCHEDULE} ({schedule}): 1 line(s) with the wrong number "
                     "of fields (the header, line 1, has 15): line 3 has 16\n")


@pytest.mark.parametrize("content", ["", "game_id,game_date,player_lookup\n"], ids=["zero-bytes", "header-only"])
def test_empty_file_is_an_error(tmp_path, content):
    raw = write_raw(tmp_path / "raw", league_tables())
    (raw / f"{GAMEBOOK}.parquet").unlink()
    (raw / f"{GAMEBOOK}.csv").write_text(content)
    with pytest.raises(RawDataError) as error:
        FileRawSource(raw).read(GAMEBOOK, dt.date(2022, 10, 18), dt.date(2022, 10, 19))
    assert f"{GAMEBOOK}.csv" in str(error.value)
    assert "empty file" in str(error.value) or "required column" in str(error.value)


def test_required_table_missing_and_optional_table_absent(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    source = FileRawSource(raw)
    assert not source.has_table("nbac_injury_report")
    assert list(source.read("nbac_injury_report", dt.date(2022, 10, 18), dt.date(2022, 10, 21)).columns)[:3] == [
        "report_date", "report_hour", "game_date"]
    (raw / "nbac_schedule.parquet").unlink()
    with pytest.raises(RawDataError, match="required table not found"):
        source.read("nbac_schedule", dt.date(2022, 10, 18), dt.date(2022, 10, 19))


def test_reading_one_day_returns_only_that_day(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    rows = FileRawSource(raw).read(GAMEBOOK, dt.date(2022, 10, 20), dt.date(2022, 10, 21))
    assert set(rows["game_date"].dt.strftime("%Y-%m-%d")) == {DAY3}


# --- real and simulated data pass every rule ---------------------------------------------------------------------


def _all_problems(raw: Path) -> pd.DataFrame:
    reads = RawReads(FileRawSource(raw), dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    for table in RAW_TABLES:
        reads.read(table)
    return reads.problems


def test_real_data_passes_every_rule(real_data):
    """Two real seasons: preseason and All-Star games with made-up team codes, 0-minute rows with stats,
    overtime games, trades, whole-minute box scores, 3PT shots recorded closer than the arc."""
    problems = _all_problems(real_data)
    assert problems.empty, format_problem(problems.iloc[0])


def test_simulated_league_passes_every_rule(league_2021):
    problems = _all_problems(league_2021)
    assert problems.empty, format_problem(problems.iloc[0])


# --- per class: the bad row's day fails raw_contract, the other days equal a clean run, the bad value is nowhere -----

BOX_SCORE_READERS = {"team_offense_game_summary", "player_game_summary"}
SCHEDULE_READERS = BOX_SCORE_READERS | {"upcoming_team_game_context", "upcoming_player_game_context"}
WAREHOUSE_DAILY_TABLES = ("team_offense_game_summary", "team_defense_game_summary", "player_game_summary",
                          "upcoming_team_game_context", "upcoming_player_game_context")


@dataclasses.dataclass(frozen=True)
class BadDay:
    readers: set[str]  # the tables whose raw_contract check fails on DAY3
    absent: Callable[[duckdb.DuckDBPyConnection, str, list[str]], bool]  # (conn, table, columns) -> bad value absent


def no_cell(value) -> Callable:
    def absent(conn, table, columns):
        return all(conn.execute(f"SELECT count(*) FROM {table} WHERE CAST(\"{c}\" AS VARCHAR) IN (?, ?)",
                                [str(value), f"{value}.0"]).fetchone()[0] == 0 for c in columns)
    return absent


def no_row(**key) -> Callable:
    def absent(conn, table, columns):
        if not set(key) <= set(columns):
            return True
        where = " AND ".join(f'"{c}" = ?' for c in key)
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", list(key.values())).fetchone()[0] == 0
    return absent


CLASSES: dict[str, tuple[Callable, BadDay]] = {
    "minutes written in seconds": (seconds_written_as_minutes, BadDay(BOX_SCORE_READERS, no_cell(2160))),
    "season_year of another season": (season_year_of_another_decade, BadDay(SCHEDULE_READERS, no_cell(2012))),
    "emoji in player_lookup": (emoji_in_player_lookup, BadDay(BOX_SCORE_READERS, no_cell("bos0🏀"))),
    "home team is the away team": (home_team_is_away_team, BadDay(SCHEDULE_READERS, no_row(game_id=G3))),
    # the row itself is left out: the number fits no column (bos0 stays on Boston's pre-game roster)
    "20-digit integer": (twenty_digit_points, BadDay(BOX_SCORE_READERS, no_row(game_id=G3, player_lookup="bos0",
                                                                               player_status="active"))),
    "points not from made shots": (points_not_from_made_shots, BadDay(BOX_SCORE_READERS, no_row(
        game_id=G3, player_lookup="nyk0", points=21))),
    "player of another game": (player_of_another_game, BadDay(BOX_SCORE_READERS, no_row(
        game_id=G3, player_lookup="bos0", team_abbr="LAL"))),
    "shots of an unscheduled game": (shot_of_an_unscheduled_game, BadDay(BOX_SCORE_READERS, no_cell(UNSCHEDULED))),
}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    warehouse = folder / "w.duckdb"
    assert materialize(PHASE3_ASSETS, write_raw(folder / "raw", full_league(), fmt="csv"), warehouse, DAY1, DAY3).success
    return warehouse


def _columns(conn, qualified: str) -> list[str]:
    schema, name = qualified.split(".")
    return [row[0] for row in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                                           "AND table_name = ?", [schema, name]).fetchall()]


@pytest.mark.parametrize("name", CLASSES)
def test_a_bad_row_fails_its_day_only_and_reaches_no_table(tmp_path, clean_run, name):
    corrupt, bad_day = CLASSES[name]
    tables = full_league()
    broken = corrupt(tables)
    warehouse = tmp_path / "w.duckdb"
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(PHASE3_ASSETS, write_raw(tmp_path / "raw", tables, fmt="csv"), warehouse, DAY1, DAY3,
                         instance=instance)

    assert result.success  # every other day of the range completes
    contract = [e for e in check_evaluations(instance, result.run_id) if e.check_name == RAW_CONTRACT and e.partition]
    assert {(e.asset_key.path[-1], e.partition) for e in contract if not e.passed} == {
        (table, DAY3) for table in bad_day.readers}
    assert all(e.passed for e in contract if e.partition in (DAY1, NO_GAMES))
    ledger = read_table(warehouse, "nba_quality.quarantine")
    own = ledger[(ledger["check_name"] == RAW_CONTRACT) & ledger["detail"].str.contains(broken.problem, regex=False)]
    assert set(own["table_name"].str.removeprefix("nba_analytics.")) == bad_day.readers, ledger
    finding = own.iloc[0]
    assert finding["raw_file"].endswith(f"{broken.table}.csv") and finding["raw_row"] == broken.position + 2, finding
    assert (finding["column_name"], finding["offending_value"]) == (broken.column, broken.shown("csv")), finding

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        # every table consumers read; the quarantine ledger keeps the value aside with the reason
        tables_present = [f"{s}.{t}" for s, t in conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('main', 'nba_quality')").fetchall()]
        for table in tables_present:
            assert bad_day.absent(conn, table, _columns(conn, table)), f"{name}: the bad value reached {table}"
    finally:
        conn.close()
    for table in WAREHOUSE_DAILY_TABLES:  # the other days exactly as in the clean run
        pd.testing.assert_frame_equal(rows_on(warehouse, f"nba_analytics.{table}", "game_date", [DAY1, NO_GAMES]),
                                      rows_on(clean_run, f"nba_analytics.{table}", "game_date", [DAY1, NO_GAMES]))


def test_a_bad_csv_line_stops_the_run_naming_it_and_writes_nothing(tmp_path, clean_run):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(clean_run.read_bytes())
    before = warehouse_fingerprint(warehouse)
    raw = write_raw(tmp_path / "raw", full_league(), fmt="csv")
    path = raw / f"{GAMEBOOK}.csv"
    lines = path.read_text().splitlines()
    lines[6] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    result = materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3, raise_on_error=False)

    assert not result.success
    assert "1 line(s) with the wrong number of fields (the header, line 1, has 22): line 7 has 23" in failure_message(result)
    assert warehouse_fingerprint(warehouse) == before
