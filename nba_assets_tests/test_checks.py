"""Checks on crafted bad partitions: each fails with metadata naming the rows (duplicate key, NULL burst,
out-of-range value, missing day, schema drift); and the row rules as plain functions."""

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from nba_assets.checks.quality import column_rules, column_rules_by_day, null_rates, values_in_range
from nba_assets.checks.warehouse import COVERAGE, FRESHNESS, SCHEMA, TABLE_KEY_UNIQUE, WAREHOUSE_CHECKS
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources
from nba_assets_tests.builders import materialize, read_table, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, league_tables


def test_out_of_range_value_is_named():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1] * 3), "team_abbr": ["BOS", "NYK", "LAL"],
                         "points_scored": [100, 95, 400], "possessions": [100.0, 99.0, 98.0], "pace": [99.0, 98.0, 97.0],
                         "offensive_rating": [110.0, 100.0, 120.0], "team_minutes": [240.0] * 3, "ts_pct": [0.5] * 3})
    passed, metadata = values_in_range(TEAM_OFFENSE_GAME_SUMMARY, rows)
    assert not passed and metadata["columns_outside_range"]["points_scored"]["rows"] == 1
    assert "LAL" in metadata["examples"] and "400" in metadata["examples"]


def test_null_burst_is_named():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1] * 4), "player_lookup": ["a", "b", "c", "d"],
                         "is_active": [True, True, True, False], "minutes_played": [30.0, np.nan, 20.0, np.nan],
                         "points": [10, 12, 8, None]})
    passed, metadata = null_rates(PLAYER_GAME_SUMMARY, rows)
    burst = metadata["null_bursts"]["minutes_played"]
    assert not passed and burst["null_share"] == pytest.approx(1 / 3, abs=1e-4) and burst["example_keys"][0]["player_lookup"] == "b"
    assert "points" not in metadata["null_bursts"]  # the inactive player's NULL points are expected


def test_column_rules_evaluate_each_day_on_its_own():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1, DAY3]), "player_lookup": ["a", "b"], "is_active": [True, True],
                         "minutes_played": [30.0, 95.0], "points": [10, 12]})
    results = column_rules_by_day(PLAYER_GAME_SUMMARY, rows, [pd.Timestamp(d) for d in (DAY1, "2022-10-19", DAY3)])
    assert results[pd.Timestamp(DAY1)][0] and results[pd.Timestamp("2022-10-19")][0]  # a day without rows passes
    passed, metadata = results[pd.Timestamp(DAY3)]
    assert not passed and metadata["columns_outside_range"]["minutes_played"]["max"] == 95.0


def test_column_rules_by_day_screen_the_range_without_changing_any_day():
    """The range is screened at once; each day's result is still exactly column_rules on that day's rows."""
    days = pd.to_datetime([DAY1, "2022-10-19", DAY3])
    rows = pd.DataFrame({"game_date": days.repeat(3), "player_lookup": list("abcdefghi"), "is_active": [True] * 9,
                         "minutes_played": [30.0, 31.0, 32.0, 30.0, np.nan, np.nan, 30.0, 20.0, 10.0],
                         "points": [10, 12, 8, 7, 6, 5, 4, 3, 2]})
    for frame in (rows, rows.assign(minutes_played=rows["minutes_played"].fillna(20.0)),
                  rows.assign(points=[10, 12, 8, 7, 6, 5, 4, 3, 900])):
        by_day = column_rules_by_day(PLAYER_GAME_SUMMARY, frame, list(days))
        assert by_day == {day: column_rules(PLAYER_GAME_SUMMARY, frame[frame["game_date"] == day]) for day in days}
    bursts = column_rules_by_day(PLAYER_GAME_SUMMARY, rows, list(days))
    assert [passed for passed, _ in bursts.values()] == [True, False, True]
    assert bursts[days[1]][1]["null_bursts"]["minutes_played"]["null_share"] == pytest.approx(2 / 3, abs=1e-4)


def test_feature_store_ranges_come_from_the_feature_contract():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1]), "player_lookup": ["a"], "fatigue_score": [140.0],
                         "feature_quality_score": [80.0]})
    passed, metadata = values_in_range(ML_FEATURE_STORE, rows)
    assert not passed and metadata["columns_outside_range"]["fatigue_score"]["range"] == [0.0, 100.0]


@pytest.fixture
def crafted_warehouse(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    warehouse = tmp_path / "w.duckdb"
    assert materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3).success
    return raw, warehouse


def _run_warehouse_checks(raw, warehouse) -> dict:
    defs = dg.Definitions(
        assets=[*PHASE3_ASSETS, *PHASE4_ASSETS, *PREDICTION_ASSETS], asset_checks=WAREHOUSE_CHECKS,
        jobs=[dg.define_asset_job("checks", selection=dg.AssetSelection.checks(*WAREHOUSE_CHECKS))],
        resources=duckdb_resources(str(warehouse), RawSourceResource(raw_dir=str(raw))),
    )
    result = defs.resolve_job_def("checks").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_warehouse_checks_pass_on_a_clean_warehouse_and_name_what_breaks(crafted_warehouse):
    raw, warehouse = crafted_warehouse
    clean = _run_warehouse_checks(raw, warehouse)
    for table in ("team_offense_game_summary", "player_game_summary", "upcoming_team_game_context"):
        for check in (SCHEMA, TABLE_KEY_UNIQUE, COVERAGE):
            assert clean[(table, check)].passed, (table, check)
    assert not clean[("ml_feature_store", COVERAGE)].passed  # never materialized here: every game date is missing
    assert not clean[("player_game_summary", FRESHNESS)].passed  # 2022 data is not fresh today

    conn = duckdb.connect(str(warehouse))
    conn.execute("INSERT INTO nba_analytics.player_game_summary SELECT * FROM nba_analytics.player_game_summary "
                 "WHERE player_lookup = 'jaysontatum'")
    conn.execute(f"DELETE FROM nba_analytics.team_offense_game_summary WHERE game_date = '{DAY3}' AND team_abbr = 'GSW'")
    conn.execute("ALTER TABLE nba_analytics.team_defense_game_summary ADD COLUMN scraped_at VARCHAR")
    conn.close()
    broken = _run_warehouse_checks(raw, warehouse)
    duplicate = broken[("player_game_summary", TABLE_KEY_UNIQUE)]
    assert not duplicate.passed and duplicate.metadata["duplicate_rows"].value == 2
    assert "jaysontatum" in duplicate.metadata["examples"].value
    coverage = broken[("team_offense_game_summary", COVERAGE)]
    assert not coverage.passed and coverage.metadata["missing_dates"].value == {"2022-23": [DAY3]}
    table = coverage.metadata["coverage"].value
    assert table.records[0].data["missing_dates"] == DAY3 and table.records[0].data["expected"] == 2
    schema = broken[("team_defense_game_summary", SCHEMA)]
    assert not schema.passed and schema.metadata["differences"].value["undeclared_columns"] == ["scraped_at"]


def test_coverage_check_agrees_with_the_cli_report(crafted_warehouse, monkeypatch, capsys):
    import json

    from nba_assets.cli import main

    raw, warehouse = crafted_warehouse
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(raw))
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(warehouse))
    assert main(["coverage", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    checks = _run_warehouse_checks(raw, warehouse)
    for table, seasons in report["tables"].items():
        rendered = {r.data["season"]: r.data for r in checks[(table, COVERAGE)].metadata["coverage"].value.records}
        for season, row in seasons.items():
            assert (rendered[season]["expected"], rendered[season]["materialized"]) == (row["expected"], row["materialized"])
    assert report["tables"]["player_game_summary"]["2022-23"] == {"expected": 2, "materialized": 2, "missing": []}
    assert read_table(warehouse, "nba_analytics.player_game_summary")["game_date"].nunique() == 2
