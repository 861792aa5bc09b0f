"""End to end in a real browser: `dagster dev` on the crafted three-day league, the box-score tables backfilled from
the UI as a user does it, the rest of Phase 3 and Phase 4 through GraphQL, both checked in the warehouse and the UI.

The UI driving is shared with `make screenshots` (nba_assets_tests/browser.py), which captures the README's images
from the demo's instance.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, expect

from nba_assets.missing import launch_backfill
from nba_assets.phase3.assets import GROUP as PHASE3_GROUP
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, TEAM_DEFENSE_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY
from nba_assets.phase4.assets import GROUP as PHASE4_GROUP
from nba_assets_tests.browser import (CHROMIUM, PROJECT_ROOT, DagsterDev, browser_page, chromium_problem, filter_asset_graph,
                                      open_partitions, open_ui, running_dagster_dev, screenshot_asset_graph,
                                      screenshot_checks_tab, ui_step)
from nba_assets_tests.builders import write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, NO_GAMES, league_tables

pytestmark = pytest.mark.browser

LEAGUE_DAYS = [DAY1, NO_GAMES, DAY3]
GAME_DAYS = {dt.date.fromisoformat(DAY1), dt.date.fromisoformat(DAY3)}
# Backfilled from the UI: the day's box-score tables. None reads a history window, so the backfill targets exactly
# the chosen days; selecting a table that does (upcoming contexts) makes Dagster add the year of days after them.
UI_TABLES = [TEAM_OFFENSE_GAME_SUMMARY, TEAM_DEFENSE_GAME_SUMMARY, PLAYER_GAME_SUMMARY]
CHECKED_ASSET = PLAYER_GAME_SUMMARY.asset_key.path

BACKFILL_SECONDS = 180  # the backfill daemon ticks every 30 s; a backfill here takes 2-4 ticks
UNFINISHED_BACKFILL = {"REQUESTED", "CANCELING", "FAILING"}

ASSET_NODES = """
{ assetNodes { assetKey { path } groupName isMaterializable isPartitioned
               metadataEntries { label ... on TextMetadataEntry { text } } } }"""
BACKFILL_STATUS = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status runs(limit: 50) { runId status }
      assetBackfillData { assetBackfillStatuses {
        ... on AssetPartitionsStatusCounts { assetKey { path } numPartitionsTargeted numPartitionsMaterialized
                                             numPartitionsFailed }
        ... on UnpartitionedAssetStatus { assetKey { path } materialized failed } } } }
    ... on PythonError { message } } }"""
RUN_ERRORS = """
query RunErrors($runId: ID!) {
  logsForRun(runId: $runId, limit: 1000) {
    ... on EventConnection { events { ... on ErrorEvent { error { message } } } } } }"""


@dataclass
class Asset:
    path: list[str]
    group: str
    materializable: bool
    partitioned: bool
    date_column: str | None

    @property
    def table(self) -> str:
        return ".".join(self.path)  # key prefix = warehouse dataset


def graph_assets(server: DagsterDev) -> list[Asset]:
    return [
        Asset(node["assetKey"]["path"], node["groupName"], node["isMaterializable"], node["isPartitioned"],
              next((e.get("text") for e in node["metadataEntries"] if e["label"] == "partition_expr"), None))
        for node in server.graphql(ASSET_NODES)["assetNodes"]
    ]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed when missing; without it the test skips, or fails on CI."""
    problem = chromium_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return CHROMIUM


@pytest.fixture
def dagster_dev(tmp_path) -> Iterator[DagsterDev]:
    """`dagster dev` (webserver + daemon) on a free port, with a throwaway instance, warehouse and raw league."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    raw = write_raw(tmp_path / "raw", league_tables())
    warehouse = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(home), "NBA_ASSETS_WAREHOUSE": str(warehouse),
           "NBA_ASSETS_RAW_DIR": str(raw), "NBA_ASSETS_DATA_DIR": str(tmp_path / "data"),
           "NBA_ASSETS_STORAGE": "duckdb", "DAGSTER_EVENT_BATCH_SIZE": "1000"}
    with running_dagster_dev(env, log=tmp_path / "dagster-dev.log", scratch=tmp_path, warehouse=warehouse) as server:
        yield server


@pytest.fixture
def page(chromium, dagster_dev) -> Iterator[Page]:
    with browser_page(chromium) as page:
        yield page


def wait_for_backfill(server: DagsterDev, backfill_id: str) -> None:
    deadline = time.monotonic() + BACKFILL_SECONDS
    while True:
        backfill = server.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if backfill["__typename"] != "PartitionBackfill":
            server.fail(f"backfill {backfill_id}: {backfill}")
        if backfill["status"] not in UNFINISHED_BACKFILL or time.monotonic() > deadline:
            break
        time.sleep(3)
    if backfill["status"] != "COMPLETED_SUCCESS":
        errors = {event["error"]["message"].strip()
                  for run in backfill["runs"] if run["status"] == "FAILURE"
                  for event in server.graphql(RUN_ERRORS, {"runId": run["runId"]})["logsForRun"]["events"]
                  if event.get("error")}
        server.fail(f"backfill {backfill_id} ended as {backfill['status']} (or ran over {BACKFILL_SECONDS} s)\n"
                    f"runs: {backfill['runs']}\nassets: {backfill['assetBackfillData']['assetBackfillStatuses']}\n"
                    "errors of the failed runs:\n" + "\n".join(sorted(errors)))


def open_warehouse(server: DagsterDev, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """The warehouse once the runs are over; a lingering run worker may still hold DuckDB's write lock a moment."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return duckdb.connect(str(server.warehouse), read_only=read_only)
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def table_dates(server: DagsterDev, assets: list[Asset]) -> dict[str, set[dt.date]]:
    """Distinct partition dates of each asset's table."""
    conn = open_warehouse(server)
    try:
        return {asset.table: {row[0] for row in conn.execute(
                    f"SELECT DISTINCT CAST({asset.date_column} AS DATE) FROM {asset.table}").fetchall()}
                for asset in assets}
    finally:
        conn.close()


def launch_backfill_from_the_ui(page: Page, server: DagsterDev, group: str) -> str:
    open_ui(page, server)
    with ui_step(page, server, "open the asset lineage from the navigation"):
        # Nav links are named "<icon> <label>": anchored at the end, so "column_lineage Jobs" does not match.
        page.get_by_role("navigation").get_by_role("link", name=re.compile(r"Lineage$")).click()
    with ui_step(page, server, f"filter the graph to the {group} group"):
        filter_asset_graph(page, group)
    with ui_step(page, server, "select the box-score tables in the sidebar"):
        # Filtered, the sidebar lists the group's assets (buttons named "<status icon> <name> <name>"); a click
        # selects one, a Shift-click adds one.
        for position, table in enumerate(UI_TABLES):
            page.get_by_role("button", name=table.name).first.click(modifiers=["Shift"] if position else [])
    with ui_step(page, server, "open the Materialize dialog and pick the partition range"):
        page.get_by_role("button", name=f"Materialize selected ({len(UI_TABLES)})").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text(f"Launch runs to materialize {len(UI_TABLES)} assets")).to_be_visible()
        # The dialog first offers only the last 90 days; the crafted league is older.
        dialog.get_by_text("Show all partitions").click()
        # The range box's placeholder is an example built from the partition dates ("ex: 2021-10-19, ...").
        partitions = dialog.get_by_placeholder(re.compile(r"^ex: "))
        partitions.fill(f"[{LEAGUE_DAYS[0]}...{LEAGUE_DAYS[-1]}]")
        partitions.press("Enter")
        expect(dialog.get_by_text(f"{len(LEAGUE_DAYS)} partitions", exact=True)).to_be_visible()
    with ui_step(page, server, "launch the backfill"):
        dialog.get_by_role("button", name="Launch backfill").click()
        toast = page.get_by_text(re.compile(r"^Created backfill \w+$"))
        return toast.inner_text().split()[-1]


def check_partitions_page(page: Page, server: DagsterDev, screenshots: Path) -> None:
    path = "/".join(CHECKED_ASSET)
    with ui_step(page, server, f"read the materialized partitions of {path} on its Partitions page"):
        open_partitions(page, server, CHECKED_ASSET, "2022-10-01", "2022-10-31")
        page.locator("label").filter(has_text=re.compile(r"^Missing \(")).click()  # list materialized days only
        expect(page.get_by_text(f"Materialized ({len(LEAGUE_DAYS)})", exact=True)).to_be_visible()
        for day in LEAGUE_DAYS:
            expect(page.get_by_title(day, exact=True)).to_be_visible()  # a row of the partition list
        expect(page.get_by_title("2022-10-17", exact=True)).to_have_count(0)
        page.get_by_title(DAY3, exact=True).click()
        expect(page.get_by_text("Materialized", exact=True)).to_be_visible()  # the selected day's status tag
        page.screenshot(path=screenshots / "partitions.png")


@pytest.mark.timeout(480)
def test_backfills_from_the_ui_and_graphql(page, dagster_dev, tmp_path):
    server = dagster_dev
    screenshots = tmp_path  # the README's come from the demo's instance (`make screenshots`)
    assets = graph_assets(server)
    ui_paths = [table.asset_key.path for table in UI_TABLES]
    from_ui = [a for a in assets if a.path in ui_paths]
    # The rest of Phase 3 and Phase 4, whatever they hold by now: exact day ranges, unpartitioned assets whole.
    from_graphql = [a for a in assets
                    if a.group in (PHASE3_GROUP, PHASE4_GROUP) and a.materializable and a.path not in ui_paths]
    assert any(a.group == PHASE4_GROUP for a in from_graphql), f"no assets in group {PHASE4_GROUP}"

    ui_backfill = launch_backfill_from_the_ui(page, server, PHASE3_GROUP)
    wait_for_backfill(server, ui_backfill)
    assert table_dates(server, from_ui) == {a.table: GAME_DAYS for a in from_ui}

    launched = launch_backfill(server.url, {  # raises with Dagster's message unless LaunchBackfillSuccess
        "title": "browser test: pre-game tables and Phase 4 over the crafted league",
        "partitionsByAssets": [{"assetKey": {"path": a.path},
                                "partitions": {"range": {"start": DAY1, "end": DAY3}} if a.partitioned else None}
                               for a in from_graphql],
    })
    check_partitions_page(page, server, screenshots)  # while the GraphQL backfill runs
    wait_for_backfill(server, launched)
    for table, dates in table_dates(server, [a for a in from_graphql if a.partitioned]).items():
        assert dates and dates <= GAME_DAYS, f"{table} holds {sorted(dates)}, expected rows on {sorted(GAME_DAYS)} only"

    rebuild_missing_day_with_the_cli(server)
    screenshot_checks_tab(page, server, CHECKED_ASSET, screenshots / "coverage-check.png")
    screenshot_asset_graph(page, server, PHASE3_GROUP, screenshots / "asset-graph.png")


def rebuild_missing_day_with_the_cli(server: DagsterDev) -> None:
    """A game day lost from a table: `nba-assets backfill --missing` finds it and rebuilds it through the running
    instance, as one backfill of the whole graph on that day."""
    conn = open_warehouse(server, read_only=False)
    conn.execute(f"DELETE FROM {TEAM_OFFENSE_GAME_SUMMARY.qualified_name} WHERE game_date = '{DAY3}'")
    conn.close()
    command = [sys.executable, "-m", "nba_assets.cli", "backfill", "--missing", "--url", server.url]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=server.env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        server.fail(f"backfill --missing failed:\n{done.stdout}\n{done.stderr}")
    launched = re.search(r"launched backfill (\S+):", done.stdout)
    assert launched and f"to rebuild: {DAY3}" in done.stdout, done.stdout
    wait_for_backfill(server, launched.group(1))
    rebuilt = table_dates(server, [a for a in graph_assets(server) if a.path == TEAM_OFFENSE_GAME_SUMMARY.asset_key.path])
    assert rebuilt == {TEAM_OFFENSE_GAME_SUMMARY.qualified_name: GAME_DAYS}
