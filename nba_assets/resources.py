"""Resources by environment: DuckDB (default) or BigQuery storage, and the raw source."""

from __future__ import annotations

import dagster as dg

from nba_assets import settings
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.duckdb import WarehouseDuckDBIOManager
from nba_assets.storage.warehouse import DuckDBWarehouse


def duckdb_resources(database: str, raw: RawSourceResource) -> dict:
    return {"io_manager": WarehouseDuckDBIOManager(database=database), "warehouse": DuckDBWarehouse(database=database), "raw": raw}


def resources_from_environment() -> dict:
    return duckdb_resources(str(settings.warehouse_path()), RawSourceResource.from_environment())
