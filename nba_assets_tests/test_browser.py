"""End to end in a real browser: `dagster dev` on the crafted three-day league, the box-score tables backfilled from
the UI as a user does it, the rest of Phase 3 and Phase 4 through GraphQL, both checked in the warehouse and the UI.

Writes the screenshots docs/images/asset-graph.png, partitions.png and coverage-check.png.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb
import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright

from nba_assets.missing import launch_backfill
from nba_assets.phase3.assets import GROUP as PHASE3_GROUP
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, TEAM_DEFENSE_GAME_SUMMARY, TEAM_OFFENSE_GAME_SUMMARY
from nba_assets.phase4.assets import GROUP as PHASE4_GROUP
from nba_assets_tests.builders import write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, NO_GAMES, league_tables

pytestmark = pytest.mark.browser

PROJECT_ROOT = Path(__file__).resolve().parents[1]
README_SCREENSHOTS = PROJECT_ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = PROJECT_ROOT / "scripts" / "install-chromium.sh"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}

LEAGUE_DAYS = [DAY1, NO_GAMES, DAY3]
GAME_DAYS = {dt.date.fromisoformat(DAY1), dt.date.fromisoformat(DAY3)}
# Backfilled from the UI: the day's box-score tables. None reads a history window, so the backfill targets exactly
# the chosen days; selecting a table that does (upcoming contexts) makes Dagster add the year of days after them.
UI_TABLES = [TEAM_OFFENSE_GAME_SUMMARY, TEAM_DEFENSE_GAME_SUMMARY, PLAYER_GAME_SUMMARY]
CHECKED_ASSET = PLAYER_GAME_SUMMARY.asset_key.path
COVERAGE_CHECK = "coverage"

SERVER_START_SECONDS = 120
BACKFILL_SECONDS = 180  # the backfill daemon ticks every 30 s; a backfill here takes 2-4 ticks
UNFINISHED_BACKFILL = {"REQUESTED", "CANCELING", "FAILING"}
UI_TIMEOUT_MS = 30_000

ASSET_NODES = """
{ assetNodes { assetKey { path } groupName isMaterializable isPartitioned
               metadataEntries { label ... on TextMetadataEntry { text } } } }"""
LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } ... on PythonError { message } } }"""
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
ASSET_CHECKS = """
query Checks($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode { assetChecksOrError { ... on AssetChecks { checks { name } } } } } }"""


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


@dataclass
class DagsterDev:
    url: str
    warehouse: Path
    log: Path
    scratch: Path
    env: dict

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, f"GraphQL errors: {body['errors']}"
        return body["data"]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def fail(self, message: str) -> NoReturn:
        pytest.fail(f"{message}\n--- dagster dev log (last lines of {self.log}) ---\n{self.log_tail()}", pytrace=False)

    def assets(self) -> list[Asset]:
        return [
            Asset(node["assetKey"]["path"], node["groupName"], node["isMaterializable"], node["isPartitioned"],
                  next((e.get("text") for e in node["metadataEntries"] if e["label"] == "partition_expr"), None))
            for node in self.graphql(ASSET_NODES)["assetNodes"]
        ]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed when missing; without it the test skips, or fails on CI."""
    if not CHROMIUM.exists():
        try:
            result = subprocess.run([str(INSTALL_CHROMIUM)], capture_output=True, text=True, timeout=300)
            problem = result.stderr.strip()[-500:] if result.returncode else ""
        except (OSError, subprocess.TimeoutExpired) as error:
            problem = str(error)
        if not CHROMIUM.exists():
            message = (f"Chromium is not at {CHROMIUM} and could not be installed ({problem or 'no output'}). "
                       f"Install it with `sudo {INSTALL_CHROMIUM}`, i.e. `apt-get install chromium chromium-driver`.")
            if os.environ.get("CI") == "true":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop_process_group(process: subprocess.Popen, grace_seconds: float = 20) -> None:
    """SIGTERM the whole session (webserver, daemon, code servers, run workers), SIGKILL what outlives the grace."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        process.poll()  # reaps the leader, so only live members keep the group alive
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_until_loaded(server: DagsterDev, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.fail(f"dagster dev exited with code {process.returncode} while starting")
        try:
            if requests.get(f"{server.url}/server_info", timeout=5).ok:
                workspace = server.graphql(LOCATIONS)["workspaceOrError"]
                entries = workspace.get("locationEntries", [])
                if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
                    errors = [entry["locationOrLoadError"] for entry in entries
                              if entry["locationOrLoadError"]["__typename"] == "PythonError"]
                    if errors:
                        server.fail(f"the code location failed to load: {errors[0]['message']}")
                    return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    server.fail(f"dagster dev did not load the code location within {SERVER_START_SECONDS} s")


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
    server = DagsterDev(url=f"http://127.0.0.1:{_free_port()}", warehouse=warehouse, log=tmp_path / "dagster-dev.log",
                        scratch=tmp_path, env=env)
    port = server.url.rsplit(":", 1)[1]
    with server.log.open("w") as log:
        # Own session, so the whole tree can be signalled at once; SIGINT restored because dagster maps SIGTERM
        # onto the SIGINT handler, and a child of a non-interactive shell inherits SIGINT ignored.
        process = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", port,
             "-w", str(PROJECT_ROOT / "workspace.yaml")],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        _wait_until_loaded(server, process)
        yield server
    finally:
        _stop_process_group(process)


@pytest.fixture
def page(chromium, dagster_dev) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


@contextmanager
def ui_step(page: Page, server: DagsterDev, description: str) -> Iterator[None]:
    """Turns a broken UI flow into one failure that says which step broke, with a screenshot and the server log."""
    try:
        yield
        return
    except (PlaywrightError, AssertionError) as caught:
        error = caught
    screenshot = server.scratch / "failure.png"
    try:
        page.screenshot(path=screenshot)
    except PlaywrightError:
        screenshot = "(none: the page could not be captured)"
    server.fail(f"UI step failed: {description}\n{error}\nat {page.url}, screenshot {screenshot}")


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
    with ui_step(page, server, "open the UI and skip the community modal"):
        # A fresh instance answers ShouldShowNux with true, and the UI opens "Join the Dagster community" a second
        # later, over whatever is being typed; wait for that answer so the modal is skipped before anything else.
        with page.expect_response(lambda response: "op=ShouldShowNux" in response.url) as nux:
            page.goto(server.url)
        if nux.value.json()["data"]["shouldShowNux"]:
            page.get_by_role("button", name="Skip").click()
            expect(page.get_by_text("Join the Dagster community")).to_be_hidden()
    with ui_step(page, server, "open the asset lineage from the navigation"):
        # Nav links are named "<icon> <label>": anchored at the end, so "column_lineage Jobs" does not match.
        page.get_by_role("navigation").get_by_role("link", name=re.compile(r"Lineage$")).click()
    with ui_step(page, server, f"filter the graph to the {group} group"):
        # The filter is a CodeMirror editor: its textarea is hidden under the rendered line, so focus and type.
        page.get_by_role("textbox", name="Search and filter assets").focus()
        page.keyboard.type(f"group:{group}")
        page.keyboard.press("Enter")
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
        page.goto(f"{server.url}/assets/{path}?view=partitions")
        month = page.get_by_placeholder(re.compile(r"^ex: "))  # the page's partition range box
        month.fill("[2022-10-01...2022-10-31]")
        month.press("Enter")
        page.locator("label").filter(has_text=re.compile(r"^Missing \(")).click()  # list materialized days only
        expect(page.get_by_text(f"Materialized ({len(LEAGUE_DAYS)})", exact=True)).to_be_visible()
        for day in LEAGUE_DAYS:
            expect(page.get_by_title(day, exact=True)).to_be_visible()  # a row of the partition list
        expect(page.get_by_title("2022-10-17", exact=True)).to_have_count(0)
        page.get_by_title(DAY3, exact=True).click()
        expect(page.get_by_text("Materialized", exact=True)).to_be_visible()  # the selected day's status tag
        page.screenshot(path=screenshots / "partitions.png")


def screenshot_checks_tab(page: Page, server: DagsterDev, screenshots: Path) -> None:
    path = "/".join(CHECKED_ASSET)
    checks = server.graphql(ASSET_CHECKS, {"path": CHECKED_ASSET})["assetNodeOrError"]["assetChecksOrError"]["checks"]
    with ui_step(page, server, f"open the Checks tab of {path}"):
        page.goto(f"{server.url}/assets/{path}")
        page.get_by_role("tab", name="Checks").click()
        if any(check["name"] == COVERAGE_CHECK for check in checks):
            page.get_by_text(COVERAGE_CHECK, exact=True).first.click()
        expect(page.get_by_text(f"Checks ({len(checks)})")).to_be_visible()
        expect(page.get_by_text("About", exact=True)).to_be_visible()  # the selected check's panel
        page.screenshot(path=screenshots / "coverage-check.png")


def screenshot_asset_graph(page: Page, server: DagsterDev, group: str, screenshots: Path) -> None:
    with ui_step(page, server, "show the asset graph"):
        page.goto(f"{server.url}/asset-groups")
        page.get_by_role("textbox", name="Search and filter assets").focus()
        page.keyboard.type(f"group:{group}")
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name=re.compile(r"% filled")).first).to_be_in_viewport()
        page.screenshot(path=screenshots / "asset-graph.png")


@pytest.mark.timeout(480)
def test_backfills_from_the_ui_and_graphql(page, dagster_dev, tmp_path):
    server = dagster_dev
    # the README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; other runs keep theirs out of the work tree
    screenshots = README_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    assets = server.assets()
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
    screenshot_checks_tab(page, server, screenshots)
    screenshot_asset_graph(page, server, PHASE3_GROUP, screenshots)


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
    rebuilt = table_dates(server, [a for a in server.assets() if a.path == TEAM_OFFENSE_GAME_SUMMARY.asset_key.path])
    assert rebuilt == {TEAM_OFFENSE_GAME_SUMMARY.qualified_name: GAME_DAYS}
