"""Where things live. Environment variables override every default, for the CLI, the UI and the tests alike.

- NBA_ASSETS_WAREHOUSE: DuckDB warehouse file (default <data>/warehouse.duckdb)
- NBA_ASSETS_RAW_DIR: folder of raw files in the contract of docs/raw-contract.md (real feeds, or the simulated
  league that `nba-assets simulate` writes); unset = the nba_raw BigQuery dataset when the storage is BigQuery,
  else no raw source: definitions load, but anything that reads raw data stops and says how to configure one
- NBA_ASSETS_DATA_DIR: folder for generated data (default <project>/data, gitignored)
- DAGSTER_HOME: Dagster instance folder (default <project>/dagster_home, whose dagster.yaml is tracked)
- NBA_ASSETS_FIRST_DAY: the first daily partition, YYYY-MM-DD (default 2021-10-19, where the real data starts;
  a deployment whose data starts later, such as the simulated league of recent seasons, sets its first day)
- NBA_ASSETS_STORAGE: "duckdb" (default) or "bigquery"
- with "bigquery" (docs/production.md): NBA_ASSETS_BQ_PROJECT (required), NBA_ASSETS_BQ_LOCATION,
  NBA_ASSETS_BQ_DATASET_SUFFIX, NBA_ASSETS_BQ_RAW_DATASET (default nba_raw), NBA_ASSETS_BQ_API_ENDPOINT (emulator)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("NBA_ASSETS_DATA_DIR", PROJECT_ROOT / "data"))


def warehouse_path() -> Path:
    return Path(os.environ.get("NBA_ASSETS_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def raw_dir() -> Path | None:
    value = os.environ.get("NBA_ASSETS_RAW_DIR")
    return Path(value) if value else None


def simulated_raw_dir(seed: int) -> Path:
    """Where `nba-assets simulate` writes the simulated league by default."""
    return data_dir() / "simulated" / f"seed-{seed}"


DEFAULT_FIRST_DAY = "2021-10-19"


def first_partition_day() -> str:
    value = os.environ.get("NBA_ASSETS_FIRST_DAY") or DEFAULT_FIRST_DAY
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"NBA_ASSETS_FIRST_DAY must be a date YYYY-MM-DD, not {value!r}") from None


def storage_backend() -> str:
    backend = os.environ.get("NBA_ASSETS_STORAGE", "duckdb").lower()
    if backend not in ("duckdb", "bigquery"):
        raise ValueError(f"NBA_ASSETS_STORAGE must be 'duckdb' or 'bigquery', not {backend!r}")
    return backend


@dataclasses.dataclass(frozen=True)
class BigQuerySettings:
    project: str
    location: str | None = None
    dataset_suffix: str = ""
    raw_dataset: str = "nba_raw"
    api_endpoint: str | None = None


def bigquery_settings() -> BigQuerySettings:
    project = os.environ.get("NBA_ASSETS_BQ_PROJECT")
    if not project:
        raise ValueError("NBA_ASSETS_STORAGE=bigquery needs NBA_ASSETS_BQ_PROJECT (the GCP project of the warehouse)")
    return BigQuerySettings(
        project=project,
        location=os.environ.get("NBA_ASSETS_BQ_LOCATION") or None,
        dataset_suffix=os.environ.get("NBA_ASSETS_BQ_DATASET_SUFFIX", ""),
        raw_dataset=os.environ.get("NBA_ASSETS_BQ_RAW_DATASET") or "nba_raw",
        api_endpoint=os.environ.get("NBA_ASSETS_BQ_API_ENDPOINT") or None,
    )


def dagster_home() -> Path:
    """The persistent instance folder; created with the project's dagster.yaml when it has none."""
    home = Path(os.environ.get("DAGSTER_HOME", PROJECT_ROOT / "dagster_home"))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    template = PROJECT_ROOT / "dagster_home" / "dagster.yaml"
    if not config.exists() and template.exists():
        shutil.copyfile(template, config)
    return home
