"""Bad input in the file source: each case is a clear error naming file, column and rows, and the warehouse
stays exactly as it was."""

import datetime as dt

import pandas as pd
import pytest

from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.raw.contract import RawDataError
from nba_assets.raw.sources import FileRawSource
from nba_assets_tests.builders import failure_message, materialize, warehouse_fingerprint, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G3, league_tables

GAMEBOOK = "nbac_gamebook_player_stats"


def _gamebook(tables) -> pd.DataFrame:
    return pd.DataFrame(tables[GAMEBOOK])


def _first_g3_row(frame: pd.DataFrame) -> int:
    return frame.index[frame["game_id"] == G3][0]


def missing_column(tables):
    tables[GAMEBOOK] = _gamebook(tables).drop(columns=["free_throws_attempted"])
    return "free_throws_attempted", "required column(s) missing"


def wrong_type(tables):
    frame = _gamebook(tables)
    frame["points"] = frame["points"].astype("Int64").astype(str)
    frame.loc[_first_g3_row(frame), "points"] = "twelve"
    tables[GAMEBOOK] = frame
    return "points", "expected whole numbers"


def unparseable_minutes(tables):
    frame = _gamebook(tables)
    frame.loc[_first_g3_row(frame), "minutes"] = "4O:12"
    tables[GAMEBOOK] = frame
    return "minutes", 'expected minutes (decimal or "MM:SS")'


def duplicate_key(tables):
    frame = _gamebook(tables)
    tables[GAMEBOOK] = pd.concat([frame, frame.loc[[_first_g3_row(frame)]]], ignore_index=True)
    return "game_id,player_lookup", "duplicate key"


def unknown_team(tables):
    frame = _gamebook(tables)
    frame.loc[_first_g3_row(frame), "team_abbr"] = "XYZ"
    tables[GAMEBOOK] = frame
    return "team_abbr", "unknown team code"


def lower_case_team(tables):
    frame = _gamebook(tables)
    frame.loc[_first_g3_row(frame), "team_abbr"] = "nyk"
    tables[GAMEBOOK] = frame
    return "team_abbr", "three upper-case letters"


def negative_count(tables):
    frame = _gamebook(tables)
    frame.loc[_first_g3_row(frame), "assists"] = -2
    tables[GAMEBOOK] = frame
    return "assists", "negative values"


BAD_INPUTS = [missing_column, wrong_type, unparseable_minutes, duplicate_key, unknown_team, lower_case_team, negative_count]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("corrupt", BAD_INPUTS, ids=lambda f: f.__name__)
def test_bad_input_is_named_and_changes_nothing(tmp_path, corrupt, fmt):
    raw, warehouse = tmp_path / "raw", tmp_path / "w.duckdb"
    write_raw(raw, league_tables(), fmt=fmt)
    materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3)
    before = warehouse_fingerprint(warehouse)

    tables = league_tables()
    column, problem = corrupt(tables)
    write_raw(raw, tables, fmt=fmt)
    result = materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3, raise_on_error=False)

    assert not result.success
    message = failure_message(result)
    assert f"{GAMEBOOK}.{fmt}" in message and f"'{column}'" in message and problem in message
    if corrupt is not missing_column:
        assert G3 in message  # the offending row is shown with its key
    assert warehouse_fingerprint(warehouse) == before


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


def test_rows_without_a_date_are_refused_not_skipped(tmp_path):
    tables = league_tables()
    frame = _gamebook(tables).astype({"game_date": object})
    frame.loc[3, "game_date"] = "18/10/2022"
    tables[GAMEBOOK] = frame
    raw = write_raw(tmp_path / "raw", tables, fmt="csv")
    with pytest.raises(RawDataError, match="missing or unparseable dates"):
        FileRawSource(raw).read(GAMEBOOK, dt.date(2022, 10, 18), dt.date(2022, 10, 19))


def test_reading_one_day_returns_only_that_day(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    rows = FileRawSource(raw).read(GAMEBOOK, dt.date(2022, 10, 20), dt.date(2022, 10, 21))
    assert set(rows["game_date"].dt.strftime("%Y-%m-%d")) == {DAY3}
