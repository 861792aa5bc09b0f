"""Checks on crafted bad partitions: each fails with metadata naming the rows (duplicate key, NULL burst,
out-of-range value, missing day, schema drift); the declared rules as plain functions; freshness against the
raw schedule."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from nba_assets.checks import quality
from nba_assets.checks.rules import COLUMN_RULES, ColumnRange
from nba_assets.checks.warehouse import COVERAGE, FRESHNESS, SCHEMA, TABLE_KEY_UNIQUE, WAREHOUSE_CHECKS, freshness
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY, UPCOMING_TEAM_GAME_CONTEXT
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources
from nba_assets_tests.builders import game, materialize, read_table, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, league_tables

EASTERN = ZoneInfo("America/New_York")


def _rule(table, name):
    return next(rule for rule in table.rules if rule.name == name)


def test_out_of_range_value_is_named():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1] * 3), "game_id": ["g1", "g1", "g2"], "team_abbr": ["BOS", "NYK", "LAL"],
                         "points_scored": [100, 95, 400]})
    found = quality.range_findings(TEAM_OFFENSE_GAME_SUMMARY, rows, _rule(TEAM_OFFENSE_GAME_SUMMARY, "points_scored in 40..200"))
    assert len(found) == 1
    finding = found.iloc[0]
    assert (finding["team_abbr"], finding["game_id"], finding["column_name"], finding["offending_value"]) == ("LAL", "g2", "points_scored", "400")
    assert (finding["check_name"], finding["severity"]) == (COLUMN_RULES, "ERROR")


def test_null_burst_is_named_and_scoped():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1] * 4), "player_lookup": ["a", "b", "c", "d"],
                         "is_active": [True, True, True, False], "minutes_played": [30.0, np.nan, 20.0, np.nan],
                         "points": [10, 12, 8, None]})
    minutes = quality.null_share_findings(PLAYER_GAME_SUMMARY, rows, _rule(PLAYER_GAME_SUMMARY, "minutes_played never NULL of rows with is_active"))
    assert list(minutes["offending_value"]) == ["33.3% NULL"] and "1 of 3 rows" in minutes["detail"].iloc[0]
    assert "/b" in minutes["detail"].iloc[0]  # the key of the row that is NULL
    points = quality.null_share_findings(PLAYER_GAME_SUMMARY, rows, _rule(PLAYER_GAME_SUMMARY, "points never NULL of rows with is_active"))
    assert points.empty  # the inactive player's NULL points are outside the rule's scope


def test_each_day_is_judged_on_its_own_rows():
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1, DAY3]), "game_id": ["g1", "g3"], "player_lookup": ["a", "b"],
                         "team_abbr": ["BOS", "NYK"], "is_active": [True, True], "minutes_played": [30.0, 95.0],
                         "points": [10, 12]})
    days = [pd.Timestamp(d) for d in (DAY1, "2022-10-19", DAY3)]
    findings = quality.evaluate(PLAYER_GAME_SUMMARY, rows, days, expected_rows={days[0]: 1, days[2]: 1},
                                failing_rows={"box_scores_complete": pd.DataFrame(columns=["game_date", "game_id"]),
                                              "raw_contract": pd.DataFrame(columns=["game_date", "game_id"])})
    results = quality.day_results(findings, ["column_rules", "row_counts", "box_scores_complete", "raw_contract"], days)
    assert set(results["column_rules"]) == {days[2]}  # DAY1 and the day without rows passed
    passed, severity, metadata = results["column_rules"][days[2]]
    assert not passed and severity == dg.AssetCheckSeverity.ERROR and "95" in metadata["examples"].value
    assert results["row_counts"] == {} and results["box_scores_complete"] == {}


def test_a_range_is_judged_as_its_days_one_by_one():
    """Evaluating a range at once gives every day exactly the findings it gets alone (range == per-day runs)."""
    days = pd.to_datetime([DAY1, "2022-10-19", DAY3])
    rows = pd.DataFrame({"game_date": days.repeat(3), "player_lookup": list("abcdefghi"), "game_id": list("111222333"),
                         "team_abbr": ["BOS"] * 9, "is_active": [True] * 9,
                         "minutes_played": [30.0, 31.0, 32.0, 30.0, np.nan, np.nan, 30.0, 20.0, 10.0],
                         "points": [10, 12, 8, 7, 6, 5, 4, 3, 900]})
    expected = {days[0]: 3, days[1]: 3, days[2]: 2}
    evidence = {"box_scores_complete": pd.DataFrame({"game_date": [days[2]], "game_id": ["4"]}),
                "raw_contract": pd.DataFrame({  # a refused raw row, as RawReads.failing_rows hands it in
                    "game_date": [days[0]], "game_id": ["1"], "player_lookup": ["j"], "team_abbr": ["BOS"],
                    "column_name": ["minutes"], "offending_value": ["2160"], "rule": ["bounds"],
                    "detail": ["nbac_gamebook_player_stats: above 78"], "raw_file": ["raw/gamebook.csv"], "raw_row": [7]})}

    def sort(frame):  # where a finding's row comes from is compared on the day whose rule knows it, below
        return frame.sort_values(["game_date", "rule", "player_lookup"])[quality.FINDING_COLUMNS].reset_index(drop=True)

    together = quality.evaluate(PLAYER_GAME_SUMMARY, rows, list(days), expected, evidence)
    for day in days:
        alone = quality.evaluate(PLAYER_GAME_SUMMARY, rows[rows["game_date"] == day], [day], expected,
                                 {rule: failing[failing["game_date"] == day] for rule, failing in evidence.items()})
        pd.testing.assert_frame_equal(sort(together[together["game_date"] == day]), sort(alone))
    assert together.groupby("game_date")["check_name"].unique().map(sorted).to_dict() == {
        days[0]: ["raw_contract"], days[1]: ["column_rules"], days[2]: ["box_scores_complete", "column_rules", "row_counts"]}
    refused = together[together["check_name"] == "raw_contract"].iloc[0]
    assert (refused["rule"], refused["severity"], refused["player_lookup"], refused["offending_value"],
            refused["raw_file"], refused["raw_row"]) == ("raw_contract: bounds", "ERROR", "j", "2160", "raw/gamebook.csv", 7)


def test_feature_store_ranges_come_from_the_feature_contract():
    fatigue = _rule(ML_FEATURE_STORE, "fatigue_score in 0..100")
    assert isinstance(fatigue, ColumnRange) and (fatigue.low, fatigue.high) == (0.0, 100.0)
    rows = pd.DataFrame({"game_date": pd.to_datetime([DAY1]), "player_lookup": ["a"], "fatigue_score": [140.0]})
    assert list(quality.range_findings(ML_FEATURE_STORE, rows, fatigue)["offending_value"]) == ["140"]


def _schedule(*games):
    frame = pd.DataFrame(list(games))
    frame["game_date"] = pd.to_datetime(frame["game_date"])
    return frame


def test_a_finished_season_is_fresh_and_a_stopped_feed_is_not():
    finished = _schedule(game("0022200001", "2022-10-18", "BOS", "NYK", home_score=90, away_score=80),
                         game("0022200002", "2022-10-20", "LAL", "GSW", home_score=101, away_score=99))
    months_later = dt.datetime(2023, 8, 1, 12, tzinfo=EASTERN)
    materialized, missing = dg.AssetPartitionStatus.MATERIALIZED, None
    passed, metadata = freshness(PLAYER_GAME_SUMMARY, finished, months_later, materialized)
    assert passed and metadata["due_day"] == "2022-10-20"  # the last game day of the season, long past its deadline
    assert not freshness(PLAYER_GAME_SUMMARY, finished, months_later, missing)[0]
    assert not freshness(PLAYER_GAME_SUMMARY, finished, months_later, dg.AssetPartitionStatus.FAILED)[0]  # quarantined

    # live: tonight's games are scheduled; yesterday's never turned Final because the feed stopped
    live = _schedule(game("0022200001", "2022-10-18", "BOS", "NYK", home_score=90, away_score=80),
                     game("0022200002", "2022-10-20", "LAL", "GSW", status=1),
                     game("0022200003", "2022-10-21", "MIA", "CHI", status=1))
    morning_after = dt.datetime(2022, 10, 21, 11, tzinfo=EASTERN)
    passed, metadata = freshness(PLAYER_GAME_SUMMARY, live, morning_after, materialized)
    assert not passed and "not Final" in metadata["problem"] and metadata["due_day"] == "2022-10-20"
    before_deadline = dt.datetime(2022, 10, 21, 9, tzinfo=EASTERN)  # results of the 20th are due at 10:00 on the 21st
    assert freshness(PLAYER_GAME_SUMMARY, live, before_deadline, materialized)[1]["due_day"] == "2022-10-18"
    # pre-game tables: the day is due by 18:00 the same day, whatever its games' status
    evening = dt.datetime(2022, 10, 21, 18, 30, tzinfo=EASTERN)
    assert freshness(UPCOMING_TEAM_GAME_CONTEXT, live, evening, materialized) == (True, freshness(
        UPCOMING_TEAM_GAME_CONTEXT, live, evening, materialized)[1])
    assert freshness(UPCOMING_TEAM_GAME_CONTEXT, live, evening, materialized)[1]["due_day"] == "2022-10-21"
    assert not freshness(UPCOMING_TEAM_GAME_CONTEXT, live, evening, missing)[0]


@pytest.fixture
def crafted_warehouse(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    warehouse = tmp_path / "w.duckdb"
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3, instance=instance).success
    return raw, warehouse, instance


def _run_warehouse_checks(raw, warehouse, instance) -> dict:
    defs = dg.Definitions(
        assets=[*PHASE3_ASSETS, *PHASE4_ASSETS, *PREDICTION_ASSETS], asset_checks=WAREHOUSE_CHECKS,
        jobs=[dg.define_asset_job("checks", selection=dg.AssetSelection.checks(*WAREHOUSE_CHECKS))],
        resources=duckdb_resources(str(warehouse), RawSourceResource(raw_dir=str(raw))),
    )
    result = defs.resolve_job_def("checks").execute_in_process(instance=instance)
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_warehouse_checks_pass_on_a_clean_warehouse_and_name_what_breaks(crafted_warehouse):
    raw, warehouse, instance = crafted_warehouse
    clean = _run_warehouse_checks(raw, warehouse, instance)
    for table in ("team_offense_game_summary", "player_game_summary", "upcoming_team_game_context"):
        for check in (SCHEMA, TABLE_KEY_UNIQUE, COVERAGE, FRESHNESS):
            assert clean[(table, check)].passed, (table, check)
    assert clean[("player_game_summary", FRESHNESS)].metadata["due_day"].value == DAY3  # the league's last game day
    assert not clean[("ml_feature_store", COVERAGE)].passed  # never materialized here: every game date is missing
    assert not clean[("ml_feature_store", FRESHNESS)].passed

    conn = duckdb.connect(str(warehouse))
    conn.execute("INSERT INTO nba_analytics.player_game_summary SELECT * FROM nba_analytics.player_game_summary "
                 "WHERE player_lookup = 'jaysontatum'")
    conn.execute(f"DELETE FROM nba_analytics.team_offense_game_summary WHERE game_date = '{DAY3}' AND team_abbr = 'GSW'")
    conn.execute("ALTER TABLE nba_analytics.team_defense_game_summary ADD COLUMN scraped_at VARCHAR")
    conn.close()
    broken = _run_warehouse_checks(raw, warehouse, instance)
    duplicate = broken[("player_game_summary", TABLE_KEY_UNIQUE)]
    assert not duplicate.passed and duplicate.metadata["duplicate_rows"].value == 2
    assert "jaysontatum" in duplicate.metadata["examples"].value
    coverage = broken[("team_offense_game_summary", COVERAGE)]
    assert not coverage.passed and coverage.metadata["missing_dates"].value == {"2022-23": [DAY3]}
    assert coverage.metadata["reasons"].value[DAY3].startswith("no rows and no quarantine recorded")
    table = coverage.metadata["coverage"].value
    assert table.records[0].data["missing_dates"] == DAY3 and table.records[0].data["expected"] == 2
    schema = broken[("team_defense_game_summary", SCHEMA)]
    assert not schema.passed and schema.metadata["differences"].value["undeclared_columns"] == ["scraped_at"]


def test_coverage_check_agrees_with_the_cli_report(crafted_warehouse, monkeypatch, capsys):
    import json

    from nba_assets.cli import main

    raw, warehouse, instance = crafted_warehouse
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(raw))
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(warehouse))
    assert main(["coverage", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    checks = _run_warehouse_checks(raw, warehouse, instance)
    for table, seasons in report["tables"].items():
        rendered = {r.data["season"]: r.data for r in checks[(table, COVERAGE)].metadata["coverage"].value.records}
        for season, row in seasons.items():
            assert (rendered[season]["expected"], rendered[season]["materialized"]) == (row["expected"], row["materialized"])
    assert report["tables"]["player_game_summary"]["2022-23"] == {"expected": 2, "materialized": 2, "missing": [], "reasons": {}}
    assert read_table(warehouse, "nba_analytics.player_game_summary")["game_date"].nunique() == 2


def test_coverage_names_why_a_day_is_missing(tmp_path, monkeypatch, capsys):
    from nba_assets.cli import main
    from nba_assets_tests.test_phase3_crafted import G4

    raw = write_raw(tmp_path / "raw", league_tables(drop_game=G4))  # a Final game without box scores on DAY3
    warehouse = tmp_path / "w.duckdb"
    assert materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3).success
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(raw))
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(warehouse))
    assert main(["coverage"]) == 0
    printed = capsys.readouterr().out
    for table in ("team_offense_game_summary", "player_game_summary", "team_defense_game_summary"):
        line = next(line for line in printed.splitlines() if line.strip().startswith(f"{table} ") and DAY3 in line
                    and "quarantined" in line)
        assert G4 in line, line  # the root reason, also for the table left out through its input


def test_a_quarantined_day_is_a_gap_even_when_the_schedule_expects_nothing_of_it(tmp_path, monkeypatch, capsys):
    """DAY3's only competitive game has its home team as away team: the schedule row is refused, so the schedule
    expects nothing of DAY3, yet the day is quarantined and must show as a gap, with the raw reason, in coverage
    and in the days `backfill --missing` rebuilds."""
    from nba_assets.cli import main
    from nba_assets.missing import missing_dates
    from nba_assets_tests.test_phase3_crafted import G3, G4

    tables = league_tables()
    for name in ("nbac_schedule", "nbac_gamebook_player_stats"):
        tables[name] = [row for row in tables[name] if row["game_id"] != G4]
    next(row for row in tables["nbac_schedule"] if row["game_id"] == G3)["away_team_tricode"] = "NYK"
    raw = write_raw(tmp_path / "raw", tables)
    warehouse = tmp_path / "w.duckdb"
    assert materialize(PHASE3_ASSETS, raw, warehouse, DAY1, DAY3).success
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(raw))
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(warehouse))
    assert main(["coverage"]) == 0
    printed = capsys.readouterr().out
    for table in ("team_offense_game_summary", "player_game_summary", "upcoming_team_game_context"):
        line = next(line for line in printed.splitlines() if line.strip().startswith(f"{table} ") and DAY3 in line
                    and "quarantined" in line)
        assert "raw_contract: home_is_away" in line and G3 in line, line
    resources = duckdb_resources(str(warehouse), RawSourceResource(raw_dir=str(raw)))
    schedule = resources["raw"].read_all("nbac_schedule")
    assert dt.date.fromisoformat(DAY3) in missing_dates(
        schedule, lambda table, columns: resources["warehouse"].read_table(table, columns=columns))
