"""Missing-only backfills: the game dates some table lacks (quarantined or never built) or holds from an
incomplete window, launched as one backfill of the whole graph through the running Dagster instance, so it shows
in the UI.

Dagster's own "failed and missing" selection misbehaves across several assets with lookback mappings; here
the missing set comes from coverage (expected game dates minus covered ones) plus the days whose rows carry a
declared window (TableSchema.windows) that misses scheduled games, and the backfill targets exactly those days
for every table. Days are rebuilt in dependency order, so a healed day is rebuilt before the windows that span it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import requests

from nba_assets.catalog import WINDOWED_TABLES
from nba_assets.coverage import coverage_report

LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}
"""


def missing_dates(schedule: pd.DataFrame, read_columns) -> list[dt.date]:
    """Game dates missing from any table, and dates whose windowed rows were built on incomplete history."""
    report = coverage_report(schedule, read_columns)
    dates = {dt.date.fromisoformat(day) for seasons in report["tables"].values()
             for row in seasons.values() for day in row["missing"]}
    for table in WINDOWED_TABLES:
        for window in table.windows:
            rows = read_columns(table, [table.date_column, window.complete])
            dates |= set(rows.loc[~rows[window.complete].astype(bool), table.date_column].dt.date)
    return sorted(dates)


def date_ranges(dates: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days merged into inclusive ranges."""
    ranges: list[list[dt.date]] = []
    for day in sorted(dates):
        if ranges and day - ranges[-1][1] == dt.timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(first, last) for first, last in ranges]


def backfill_params(asset_paths: list[list[str]], dates: list[dt.date], title: str) -> dict:
    ranges = [{"start": first.isoformat(), "end": last.isoformat()} for first, last in date_ranges(dates)]
    return {"title": title,
            "partitionsByAssets": [{"assetKey": {"path": path}, "partitions": {"ranges": ranges}} for path in asset_paths]}


def launch_backfill(url: str, params: dict, timeout: float = 60.0) -> str:
    """Launch through the webserver's GraphQL API; returns the backfill id or raises with Dagster's message."""
    response = requests.post(f"{url.rstrip('/')}/graphql", json={"query": LAUNCH, "variables": {"params": params}},
                             timeout=timeout)
    response.raise_for_status()
    result = response.json()["data"]["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(f"backfill not launched: {result['__typename']}: {result.get('message')}")
    return result["backfillId"]
