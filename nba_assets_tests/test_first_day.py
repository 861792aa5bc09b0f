"""The first daily partition follows the deployment (NBA_ASSETS_FIRST_DAY, read when the code loads): every
daily table, the CLI's range check and the lookback windows use it, and a graph built from it equals one built
under the default first day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets_tests.builders import materialize, warehouse_fingerprint, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, league_tables

PROJECT = Path(__file__).resolve().parents[1]

# run in a fresh interpreter, where the partitions are built from the environment
PROBE = """
import datetime as dt, json, sys
from pathlib import Path
import dagster as dg
from nba_assets import cli
from nba_assets.definitions import defs
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets_tests.builders import materialize, warehouse_fingerprint
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3

graph = defs.get_repository_def().asset_graph
firsts = {node.partitions_def.get_first_partition_key() for node in graph.asset_nodes
          if node.is_materializable and node.partitions_def is not None}
day_before = (dt.date.fromisoformat(DAY1) - dt.timedelta(days=1)).isoformat()
refused = cli.main(["backfill", "--start", day_before, "--end", DAY1])
out = Path(sys.argv[1])
materialize([*PHASE3_ASSETS, *PHASE4_ASSETS], out / "raw", out / "first_day.duckdb", DAY1, DAY3)
print(json.dumps({"firsts": sorted(firsts), "refused": refused,
                  "fingerprint": warehouse_fingerprint(out / "first_day.duckdb")}))
"""


def _environment(tmp_path: Path, first_day: str) -> dict[str, str]:
    return {**os.environ, "NBA_ASSETS_FIRST_DAY": first_day, "NBA_ASSETS_RAW_DIR": str(tmp_path / "raw"),
            "NBA_ASSETS_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "home")}


def test_a_graph_starting_at_the_deployments_first_day_equals_the_default_one(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    materialize([*PHASE3_ASSETS, *PHASE4_ASSETS], raw, tmp_path / "default.duckdb", DAY1, DAY3)
    result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True,
                            cwd=PROJECT, env=_environment(tmp_path, DAY1))
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["firsts"] == [DAY1]
    assert probe["refused"] == 2 and f"within the partitions {DAY1} .." in result.stderr
    default = warehouse_fingerprint(tmp_path / "default.duckdb")
    assert {"nba_analytics.upcoming_player_game_context", "nba_precompute.player_daily_cache"} <= set(default)
    assert probe["fingerprint"] == default  # windows reaching before DAY1 read nothing there


def test_a_first_day_that_is_not_a_date_stops_the_code_location_loading(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import nba_assets.definitions"], capture_output=True, text=True,
                            cwd=PROJECT, env=_environment(tmp_path, "2025-13-01"))
    assert result.returncode != 0
    assert "NBA_ASSETS_FIRST_DAY must be a date YYYY-MM-DD, not '2025-13-01'" in result.stderr
