"""Missing-only backfills: which days, and the one backfill that rebuilds them."""

import datetime as dt

import duckdb

from nba_assets.missing import backfill_params, date_ranges, missing_dates
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.raw.sources import FileRawSource
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources
from nba_assets_tests.builders import materialize, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, league_tables

GRAPH = PHASE3_ASSETS + PHASE4_ASSETS + PREDICTION_ASSETS


def test_consecutive_days_become_ranges():
    days = [dt.date(2022, 1, d) for d in (3, 4, 5, 9, 11, 12)]
    assert date_ranges(days) == [(dt.date(2022, 1, 3), dt.date(2022, 1, 5)), (dt.date(2022, 1, 9), dt.date(2022, 1, 9)),
                                 (dt.date(2022, 1, 11), dt.date(2022, 1, 12))]
    params = backfill_params([["nba_analytics", "x"], ["nba_precompute", "y"]], days, "missing days (6)")
    assert len(params["partitionsByAssets"]) == 2
    assert params["partitionsByAssets"][1]["partitions"]["ranges"][0] == {"start": "2022-01-03", "end": "2022-01-05"}


def test_missing_dates_come_from_coverage(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    warehouse = tmp_path / "w.duckdb"
    assert materialize(GRAPH, raw, warehouse, DAY1, DAY3).success
    resources = duckdb_resources(str(warehouse), RawSourceResource(raw_dir=str(raw)))
    schedule = FileRawSource(raw).read("nbac_schedule", dt.date(2022, 1, 1), dt.date(2023, 1, 1))

    def read_columns(table, columns):
        return resources["warehouse"].read_table(table, columns=columns)

    assert missing_dates(schedule, read_columns) == []  # the whole graph was built: nothing to do
    conn = duckdb.connect(str(warehouse))
    conn.execute(f"DELETE FROM nba_analytics.team_offense_game_summary WHERE game_date = '{DAY3}' AND team_abbr = 'GSW'")
    conn.execute(f"DELETE FROM nba_predictions.player_prop_predictions WHERE game_date = '{DAY3}'")
    conn.close()
    assert missing_dates(schedule, read_columns) == [dt.date.fromisoformat(DAY3)]
