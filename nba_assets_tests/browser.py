"""The real Dagster UI in headless Chromium, shared by the browser test (test_browser.py, on its crafted league) and
`make screenshots` (screenshots.py, on the demo's instance): `dagster dev` started and stopped as a process group,
the page, and the README's views captured."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright

from nba_assets_tests.servers import free_port, graphql, stop_process_group

PROJECT_ROOT = Path(__file__).resolve().parents[1]
README_SCREENSHOTS = PROJECT_ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = PROJECT_ROOT / "scripts" / "install-chromium.sh"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_SECONDS = 120
UI_TIMEOUT_MS = 30_000
COVERAGE_CHECK = "coverage"

LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } ... on PythonError { message } } }"""
ASSET_CHECKS = """
query Checks($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode { assetChecksOrError { ... on AssetChecks { checks { name } } } } } }"""


@dataclass
class DagsterDev:
    url: str
    log: Path
    scratch: Path  # where a failed UI step leaves its screenshot
    env: dict
    warehouse: Path | None = None

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return graphql(self.url, query, variables)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def fail(self, message: str) -> NoReturn:
        pytest.fail(f"{message}\n--- dagster dev log (last lines of {self.log}) ---\n{self.log_tail()}", pytrace=False)


def chromium_problem() -> str | None:
    """None when Debian's Chromium is at CHROMIUM (installed here when missing), else why it is not."""
    if CHROMIUM.exists():
        return None
    try:
        result = subprocess.run([str(INSTALL_CHROMIUM)], capture_output=True, text=True, timeout=300)
        problem = result.stderr.strip()[-500:] if result.returncode else ""
    except (OSError, subprocess.TimeoutExpired) as error:
        problem = str(error)
    if CHROMIUM.exists():
        return None
    return (f"Chromium is not at {CHROMIUM} and could not be installed ({problem or 'no output'}). "
            f"Install it with `sudo {INSTALL_CHROMIUM}`, i.e. `apt-get install chromium chromium-driver`.")


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


@contextmanager
def running_dagster_dev(env: dict, log: Path, scratch: Path, warehouse: Path | None = None) -> Iterator[DagsterDev]:
    """`dagster dev` (webserver + daemon) of workspace.yaml on a free port with the given environment (its
    DAGSTER_HOME is the instance), stopped with everything it started."""
    server = DagsterDev(url=f"http://127.0.0.1:{free_port()}", log=log, scratch=scratch, env=env, warehouse=warehouse)
    port = server.url.rsplit(":", 1)[1]
    with log.open("w") as output:
        # Own session, so the whole tree can be signalled at once; SIGINT restored because dagster maps SIGTERM
        # onto the SIGINT handler, and a child of a non-interactive shell inherits SIGINT ignored.
        process = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", port,
             "-w", str(PROJECT_ROOT / "workspace.yaml")],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        _wait_until_loaded(server, process)
        yield server
    finally:
        stop_process_group(process)


@contextmanager
def browser_page(chromium: Path, viewport: dict = VIEWPORT) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport=viewport)
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


def open_ui(page: Page, server: DagsterDev) -> None:
    with ui_step(page, server, "open the UI and skip the community modal"):
        # A fresh instance answers ShouldShowNux with true, and the UI opens "Join the Dagster community" a second
        # later, over whatever is being typed; wait for that answer so the modal is skipped before anything else.
        with page.expect_response(lambda response: "op=ShouldShowNux" in response.url) as nux:
            page.goto(server.url)
        if nux.value.json()["data"]["shouldShowNux"]:
            page.get_by_role("button", name="Skip").click()
            expect(page.get_by_text("Join the Dagster community")).to_be_hidden()


def filter_asset_graph(page: Page, group: str) -> None:
    # The filter is a CodeMirror editor: its textarea is hidden under the rendered line, so focus and type.
    page.get_by_role("textbox", name="Search and filter assets").focus()
    page.keyboard.type(f"group:{group}")
    page.keyboard.press("Enter")


def screenshot_asset_graph(page: Page, server: DagsterDev, group: str, path: Path) -> None:
    with ui_step(page, server, f"show the asset graph of the {group} group"):
        page.goto(f"{server.url}/asset-groups")
        filter_asset_graph(page, group)
        expect(page.get_by_role("link", name=re.compile(r"% filled")).first).to_be_in_viewport()
        page.screenshot(path=path)


def screenshot_checks_tab(page: Page, server: DagsterDev, asset_path: list[str], path: Path) -> None:
    """The asset's Checks tab with its coverage check (if it has one) selected: the latest result and its table."""
    name = "/".join(asset_path)
    checks = server.graphql(ASSET_CHECKS, {"path": asset_path})["assetNodeOrError"]["assetChecksOrError"]["checks"]
    with ui_step(page, server, f"open the Checks tab of {name}"):
        page.goto(f"{server.url}/assets/{name}")
        page.get_by_role("tab", name="Checks").click()
        if any(check["name"] == COVERAGE_CHECK for check in checks):
            page.get_by_text(COVERAGE_CHECK, exact=True).first.click()
        expect(page.get_by_text(f"Checks ({len(checks)})")).to_be_visible()
        expect(page.get_by_text("About", exact=True)).to_be_visible()  # the selected check's panel
        page.screenshot(path=path)


def open_partitions(page: Page, server: DagsterDev, asset_path: list[str], first_day: str, last_day: str) -> None:
    """The asset's Partitions page over [first_day, last_day] (the page's partition range box)."""
    page.goto(f"{server.url}/assets/{'/'.join(asset_path)}?view=partitions")
    days = page.get_by_placeholder(re.compile(r"^ex: "))
    days.fill(f"[{first_day}...{last_day}]")
    days.press("Enter")
