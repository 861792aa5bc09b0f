"""`make screenshots` (after `make demo`): the README's images of the demo's instance, as `make dev` shows it.

Starts `dagster dev` with the environment the Makefile gives `make dev` (DAGSTER_HOME, NBA_ASSETS_RAW_DIR,
NBA_ASSETS_FIRST_DAY), drives headless Chromium with the browser test's code (browser.py), writes docs/images/*.png
and stops the server. Stop a running `make dev` first: one daemon per instance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, expect

from nba_assets import settings
from nba_assets.phase3.assets import GROUP as PHASE3_GROUP
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY
from nba_assets_tests.browser import (CHROMIUM, README_SCREENSHOTS, VIEWPORT, DagsterDev, browser_page,
                                      chromium_problem, open_partitions, open_ui, running_dagster_dev,
                                      screenshot_asset_graph, screenshot_checks_tab, ui_step)
from simulated_league.calendar import regular_season_end

PICK_SLATE = ["nba_predictions", "pick_slate"]
SYSTEM_DAILY_PERFORMANCE = ["nba_predictions", "system_daily_performance"]
PREDICTION_EVALUATION = ["nba_predictions", "prediction_evaluation"]
SENSORS = ["pregame_ready", "results_arrived", "slate_published_in_time", "daily_run_failure_alert"]
TALL_VIEWPORT = {"width": 1400, "height": 1300}

MATERIALIZATIONS = """
query Materializations($path: [String!]!, $partitions: [String!]) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations(partitions: $partitions, limit: 1) { partition } } } }"""


def materialized(server: DagsterDev, path: list[str], partition: str | None = None) -> bool:
    variables = {"path": path, "partitions": [partition] if partition else None}
    asset = server.graphql(MATERIALIZATIONS, variables)["assetOrError"]
    return bool(asset.get("assetMaterializations"))


def require_demo(server: DagsterDev, today: str) -> None:
    missing = [f"{'/'.join(path)}{f' on {day}' if day else ''}"
               for path, day in [(PICK_SLATE, today), (PREDICTION_EVALUATION, None)]
               if not materialized(server, path, day)]
    if missing:
        raise SystemExit(f"the instance in DAGSTER_HOME={os.environ.get('DAGSTER_HOME')} has no materialization of "
                         f"{', '.join(missing)}: run `make demo TODAY={today}` first")


def screenshot_season(page: Page, server: DagsterDev, first_day: dt.date, path: Path) -> None:
    """A table's first regular season of daily partitions, all materialized, its last day selected; cut above the
    day's metadata (it names the warehouse file, a path of this machine)."""
    last_day = regular_season_end(first_day.year)
    days = (last_day - first_day).days + 1
    with ui_step(page, server, f"show a season of partitions of {PLAYER_GAME_SUMMARY.qualified_name}"):
        open_partitions(page, server, PLAYER_GAME_SUMMARY.asset_key.path, first_day.isoformat(), last_day.isoformat())
        expect(page.get_by_text(f"Materialized ({days})", exact=True)).to_be_visible()
        expect(page.get_by_text("Missing (0)", exact=True)).to_be_visible()
        page.get_by_title(last_day.isoformat(), exact=True).click()
        expect(page.get_by_text("Materialized", exact=True)).to_be_visible()  # the selected day's status tag
        metadata = page.get_by_text("Metadata", exact=True).bounding_box()
        page.screenshot(path=path, clip={"x": 0, "y": 0, "width": page.viewport_size["width"],
                                         "height": metadata["y"] - 8})


def screenshot_markdown(page: Page, label: str, expected: str, path: Path) -> None:
    """The Markdown dialog of the metadata entry `label` on the page open now, as far as the window shows it (the
    page behind it left out)."""
    row = page.get_by_role("row").filter(has=page.get_by_text(label, exact=True))
    row.get_by_text("[Show Markdown]").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(expected).first).to_be_visible()
    for image in dialog.locator("img").all():
        image.scroll_into_view_if_needed()
        page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    box, window = dialog.bounding_box(), page.viewport_size
    top = max(box["y"], 0)
    page.screenshot(path=path, clip={"x": box["x"], "y": top, "width": box["width"],
                                     "height": min(box["y"] + box["height"], window["height"]) - top})


def screenshot_slate(page: Page, server: DagsterDev, today: str, path: Path) -> None:
    with ui_step(page, server, f"show tonight's slate ({'/'.join(PICK_SLATE)} on {today})"):
        page.goto(f"{server.url}/assets/{'/'.join(PICK_SLATE)}?view=partitions&partition={today}")
        expect(page.get_by_text("Materialized", exact=True)).to_be_visible()  # the selected day's status tag
        screenshot_markdown(page, "slate", f"{today} · ", path)


def screenshot_performance_plots(page: Page, server: DagsterDev, path: Path) -> None:
    """Each day's accuracy of each prediction system, plotted by the UI from the partitions' metadata."""
    with ui_step(page, server, f"plot the metadata of {'/'.join(SYSTEM_DAILY_PERFORMANCE)}"):
        page.set_viewport_size(TALL_VIEWPORT)
        page.goto(f"{server.url}/assets/{'/'.join(SYSTEM_DAILY_PERFORMANCE)}")
        page.get_by_role("button", name=re.compile(r"Plots$")).click()
        expect(page.get_by_text("hit_rate__ensemble_v1", exact=True)).to_be_visible()
        page.get_by_role("button", name=re.compile(r"Partitions$")).evaluate("e => e.scrollIntoView()")
        page.screenshot(path=path)
        page.set_viewport_size(VIEWPORT)


def screenshot_evaluation(page: Page, server: DagsterDev, path: Path) -> None:
    with ui_step(page, server, f"show the report of {'/'.join(PREDICTION_EVALUATION)}"):
        page.set_viewport_size(TALL_VIEWPORT)
        page.goto(f"{server.url}/assets/{'/'.join(PREDICTION_EVALUATION)}")
        screenshot_markdown(page, "report", "ensemble_v1", path)
        page.set_viewport_size(VIEWPORT)


def screenshot_automation(page: Page, server: DagsterDev, path: Path) -> None:
    with ui_step(page, server, "show the sensors and schedules"):
        page.goto(f"{server.url}/automation")
        for sensor in SENSORS:
            expect(page.get_by_text(sensor, exact=True)).to_be_visible()
        expect(page.get_by_text("Standard sensor")).to_have_count(3)  # the rows' details, loaded after the names
        expect(page.get_by_text("Run status sensor")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Scheduled At "))).to_be_visible()
        page.screenshot(path=path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--today", required=True, help="the demo's day (make demo TODAY=...)")
    parser.add_argument("--out", type=Path, default=README_SCREENSHOTS)
    args = parser.parse_args(argv)
    problem = chromium_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    today = dt.date.fromisoformat(args.today)
    first_day = dt.date.fromisoformat(settings.first_partition_day())
    scratch = settings.data_dir() / "screenshots"  # the server's log, and a failed step's screenshot
    scratch.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with running_dagster_dev(dict(os.environ), log=scratch / "dagster-dev.log", scratch=scratch) as server:
        require_demo(server, today.isoformat())
        with browser_page(CHROMIUM) as page:
            open_ui(page, server)
            images = {
                "asset-graph.png": lambda path: screenshot_asset_graph(page, server, PHASE3_GROUP, path),
                "partitions.png": lambda path: screenshot_season(page, server, first_day, path),
                "coverage-check.png": lambda path: screenshot_checks_tab(page, server, PLAYER_GAME_SUMMARY.asset_key.path,
                                                                         path),
                "slate.png": lambda path: screenshot_slate(page, server, today.isoformat(), path),
                "system-performance.png": lambda path: screenshot_performance_plots(page, server, path),
                "evaluation.png": lambda path: screenshot_evaluation(page, server, path),
                "automation.png": lambda path: screenshot_automation(page, server, path),
            }
            for name, capture in images.items():
                capture(args.out / name)
                print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
