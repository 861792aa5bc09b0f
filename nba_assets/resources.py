"""Resources by environment: DuckDB (default) or BigQuery storage, and the raw source."""

from __future__ import annotations

from nba_assets import settings
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.duckdb import WarehouseDuckDBIOManager
from nba_assets.storage.warehouse import DuckDBWarehouse


def duckdb_resources(database: str, raw: RawSourceResource) -> dict:
    return {"io_manager": WarehouseDuckDBIOManager(database=database), "warehouse": DuckDBWarehouse(database=database), "raw": raw}


def bigquery_resources(bq: settings.BigQuerySettings, raw: RawSourceResource) -> dict:
    # imported here: dagster-gcp adds about a second to every start, and only the BigQuery configuration needs it
    from nba_assets.storage.bigquery import BigQueryWarehouse, WarehouseBigQueryIOManager

    where = {"project": bq.project, "location": bq.location, "api_endpoint": bq.api_endpoint, "dataset_suffix": bq.dataset_suffix}
    return {"io_manager": WarehouseBigQueryIOManager(**where), "warehouse": BigQueryWarehouse(**where), "raw": raw}


def resources_from_environment() -> dict:
    raw = RawSourceResource.from_environment()
    if settings.storage_backend() == "bigquery":
        return bigquery_resources(settings.bigquery_settings(), raw)
    return duckdb_resources(str(settings.warehouse_path()), raw)
