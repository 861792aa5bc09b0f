"""Checks that govern, end to end through `nba-assets backfill` on the simulated league: one bad day in the middle
of a range (a player's minutes written as seconds, refused by the raw contract) is quarantined in the tables that
read the row and in the tables built from them that day; every other day is what a clean run writes; the windows that span the day say they miss it; the
CLI exits non-zero and names table, day, key, rule, value and raw row; and once the raw file is fixed, rebuilding
the days makes the warehouse equal to the clean run's, table by table, with no reason left in the ledger.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from nba_assets.catalog import GRAPH_TABLES
from nba_assets.partitions import game_days
from nba_assets_tests.builders import read_table, rows_on, warehouse_fingerprint

# three CLI backfills of the whole graph, the first two in the module fixture (counted in the first test's time)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

START, BAD_DAY, END = "2021-10-19", "2021-10-28", "2021-11-04"
NBA_ASSETS = Path(sys.executable).with_name("nba-assets")
PROJECT_INSTANCE_CONFIG = Path(__file__).resolve().parents[1] / "dagster_home" / "dagster.yaml"
GAMEBOOK = "nbac_gamebook_player_stats.parquet"
# built from the day's box scores: the bad day is theirs alone
RESULT_TABLES = ("team_offense_game_summary", "team_defense_game_summary", "player_game_summary")


class Deployment:
    """A raw folder, an instance folder and a warehouse, handed to the CLI by environment."""

    def __init__(self, root: Path, raw: Path):
        self.root, self.raw = root, raw
        (root / "home").mkdir(parents=True)
        shutil.copyfile(PROJECT_INSTANCE_CONFIG, root / "home" / "dagster.yaml")

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    def backfill(self, start: str, end: str) -> subprocess.CompletedProcess:
        environment = {**os.environ, "DAGSTER_HOME": str(self.root / "home"), "NBA_ASSETS_RAW_DIR": str(self.raw),
                       "NBA_ASSETS_WAREHOUSE": str(self.warehouse), "NBA_ASSETS_DATA_DIR": str(self.root / "data")}
        return subprocess.run([str(NBA_ASSETS), "backfill", "--start", start, "--end", end], env=environment,
                              capture_output=True, text=True, timeout=1800)

    def status(self, table: str, day: str) -> dg.AssetPartitionStatus | None:
        with dg.DagsterInstance.from_config(str(self.root / "home")) as instance:
            key = next(t.asset_key for t in GRAPH_TABLES if t.name == table)
            return instance.get_status_by_partition(key, [day], game_days)[day]


@pytest.fixture(scope="module")
def runs(league_2021, tmp_path_factory):
    """The clean league's run, and the run of the league whose gamebook has one player's minutes as seconds."""
    root = tmp_path_factory.mktemp("quarantine")
    clean = Deployment(root / "clean", league_2021)
    clean_run = clean.backfill(START, END)
    assert clean_run.returncode == 0, clean_run.stdout + clean_run.stderr
    clean.output = clean_run.stdout

    bad_raw = root / "bad_raw"
    shutil.copytree(league_2021, bad_raw)
    gamebook = pd.read_parquet(bad_raw / GAMEBOOK)
    on_day = gamebook[(gamebook["game_date"].astype(str) == BAD_DAY) & (gamebook["player_status"] == "active")]
    row = on_day.index[0]
    minutes, _, extra = str(gamebook.at[row, "minutes"]).partition(":")  # decimal minutes or MM:SS
    seconds = round(float(minutes) * 60 + (float(extra) if extra else 0))
    gamebook.at[row, "minutes"] = str(seconds)
    gamebook.to_parquet(bad_raw / GAMEBOOK, index=False)
    bad = Deployment(root / "bad", bad_raw)
    result = bad.backfill(START, END)
    return clean, bad, result, gamebook.loc[row], row, seconds


def test_a_clean_range_fails_no_check_but_what_the_rest_of_the_season_lacks(runs):
    clean = runs[0]
    failed = [line.strip() for line in clean.output.splitlines() if "checks failed" in line]
    # the league's schedule runs to June: coverage and freshness see the days after the range missing
    assert failed == ["checks failed: coverage (error, the run)", "checks failed: fresh (error, the run)"], clean.output
    assert "QUARANTINED" not in clean.output


def test_the_bad_day_is_quarantined_and_every_other_day_is_a_clean_runs(runs):
    clean, bad, result, player, _, seconds = runs
    assert result.returncode == 3, result.stdout + result.stderr  # the runs succeeded, a day was quarantined
    before, after = pd.Timestamp(BAD_DAY), pd.Timestamp(BAD_DAY) + pd.Timedelta(days=1)
    days = pd.date_range(START, END)
    for table in GRAPH_TABLES[1:]:
        earlier = [d for d in days if d < before]
        pd.testing.assert_frame_equal(rows_on(bad.warehouse, table.qualified_name, table.date_column, earlier),
                                      rows_on(clean.warehouse, table.qualified_name, table.date_column, earlier),
                                      obj=table.name)
    for name in RESULT_TABLES:  # built from each day's own box scores: only the bad day differs
        others = [d for d in days if d != before]
        pd.testing.assert_frame_equal(rows_on(bad.warehouse, f"nba_analytics.{name}", "game_date", others),
                                      rows_on(clean.warehouse, f"nba_analytics.{name}", "game_date", others), obj=name)

    # the day is absent where it broke a rule and where it was built from: the bad value is in no table
    for table in ("nba_analytics.player_game_summary", "nba_predictions.prediction_accuracy",
                  "nba_predictions.system_daily_performance"):
        assert rows_on(bad.warehouse, table, "game_date", [before]).empty, table
        assert len(rows_on(clean.warehouse, table, "game_date", [before])) > 0, table
        assert bad.status(table.split(".")[1], BAD_DAY) == dg.AssetPartitionStatus.FAILED, table
    assert read_table(bad.warehouse, "nba_analytics.player_game_summary")["minutes_played"].max() <= 70
    # the day's pre-game rows were made before its games: published, as in the clean run
    pd.testing.assert_frame_equal(rows_on(bad.warehouse, "nba_predictions.ml_feature_store", "game_date", [before]),
                                  rows_on(clean.warehouse, "nba_predictions.ml_feature_store", "game_date", [before]))

    # the windows that span the day say so; the clean run's are complete
    team = player["team_abbr"]
    for table, complete in (("nba_analytics.upcoming_player_game_context", "window_complete"),
                            ("nba_precompute.player_daily_cache", "l10_window_complete"),
                            ("nba_predictions.ml_feature_store", "window_complete")):
        date_column = "cache_date" if "cache" in table else "game_date"
        flagged = read_table(bad.warehouse, table)
        flagged = flagged[flagged[date_column] >= after]
        assert not flagged.loc[flagged["team_abbr"] == team, complete].any(), table  # every later row of the team
        assert read_table(clean.warehouse, table)[complete].all(), table

    ledger = read_table(bad.warehouse, "nba_quality.quarantine")
    own = ledger[ledger["table_name"] == "nba_analytics.player_game_summary"].iloc[0]
    assert (own["game_id"], own["player_lookup"], own["offending_value"]) == (player["game_id"], player["player_lookup"],
                                                                              str(seconds))
    assert set(ledger["game_date"].dt.strftime("%Y-%m-%d")) == {BAD_DAY}


def test_the_backfill_names_table_day_key_rule_value_and_raw_row(runs):
    _, bad, result, player, row, seconds = runs
    printed = result.stdout
    summary = printed[printed.index("QUARANTINED"):]
    assert f"({BAD_DAY})" in summary.splitlines()[0]
    line = next(line for line in summary.splitlines() if "nba_analytics.player_game_summary" in line)
    for part in (BAD_DAY, f"game {player['game_id']}", f"player {player['player_lookup']}", "raw_contract: bounds",
                 f"(minutes = {seconds})", "above 78"):
        assert part in line, line
    raw_line = summary.splitlines()[summary.splitlines().index(line) + 1]
    assert raw_line.strip() == f"raw: {bad.raw / GAMEBOOK} row {row + 1}"
    assert "nba_predictions.prediction_accuracy  (input: player_game_summary)" in summary
    assert f"nba-assets backfill --start {BAD_DAY} --end {END}" in summary


def test_rebuilding_the_days_after_the_fix_equals_the_clean_run(runs, league_2021):
    clean, bad, _, _, _, _ = runs
    shutil.copyfile(league_2021 / GAMEBOOK, bad.raw / GAMEBOOK)  # the feed corrects the file
    healed = bad.backfill(BAD_DAY, END)
    assert healed.returncode == 0, healed.stdout + healed.stderr
    assert warehouse_fingerprint(bad.warehouse) == warehouse_fingerprint(clean.warehouse)
    assert read_table(bad.warehouse, "nba_quality.quarantine").empty
    assert bad.status("player_game_summary", BAD_DAY) == dg.AssetPartitionStatus.MATERIALIZED
