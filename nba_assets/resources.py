"""Resources by environment: DuckDB (default) or BigQuery storage, the raw source and the clock."""

from __future__ import annotations

from nba_assets import settings
from nba_assets.clock import Clock
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.duckdb import WarehouseDuckDBIOManager
from nba_assets.storage.ledger import DuckDBLedger
from nba_assets.storage.warehouse import DuckDBWarehouse


def duckdb_resources(database: str, raw: RawSourceResource) -> dict:
    return {"io_manager": WarehouseDuckDBIOManager(database=database), "warehouse": DuckDBWarehouse(database=database),
            "ledger": DuckDBLedger(database=database), "raw": raw, "clock": Clock()}


def bigquery_resources(bq: settings.BigQuerySettings, raw: RawSourceResource) -> dict:
    # imported here: dagster-gcp adds about a second to every start, and only the BigQuery configuration needs it
    from nba_assets.storage.bigquery import BigQueryLedger, BigQueryWarehouse, WarehouseBigQueryIOManager

    where = {"project": bq.project, "location": bq.location, "api_endpoint": bq.api_endpoint, "dataset_suffix": bq.dataset_suffix}
    return {"io_manager": WarehouseBigQueryIOManager(**where), "warehouse": BigQueryWarehouse(**where),
            "ledger": BigQueryLedger(**where), "raw": raw, "clock": Clock()}


def resources_from_environment() -> dict:
    raw = RawSourceResource.from_environment()
    if settings.storage_backend() == "bigquery":
        return bigquery_resources(settings.bigquery_settings(), raw)
    return duckdb_resources(str(settings.warehouse_path()), raw)
