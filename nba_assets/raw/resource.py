"""The raw source as a Dagster resource, and the nba_raw tables as external assets for lineage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from nba_assets import settings
from nba_assets.raw.contract import RAW_TABLES
from nba_assets.raw.sources import FileRawSource, RawSource, SimulatedRawSource

ALL_TIME = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))


class RawSourceResource(dg.ConfigurableResource):
    """Where raw tables come from: a folder of files (raw_dir) or, by default, the simulated league."""

    raw_dir: str | None = None
    simulation_dir: str | None = None
    simulation_seed: int = settings.DEFAULT_SIMULATION_SEED
    simulated_seasons: list[int] = list(settings.DEFAULT_SIMULATED_SEASONS)
    _source: RawSource | None = PrivateAttr(default=None)

    @classmethod
    def from_environment(cls) -> "RawSourceResource":
        folder = settings.raw_dir()
        return cls(raw_dir=str(folder) if folder else None,
                   simulation_dir=str(settings.simulated_raw_dir()))

    def source(self) -> RawSource:
        if self._source is None:
            if self.raw_dir:
                self._source = FileRawSource(Path(self.raw_dir))
            else:
                folder = Path(self.simulation_dir) if self.simulation_dir else settings.simulated_raw_dir(self.simulation_seed)
                self._source = SimulatedRawSource(folder, tuple(self.simulated_seasons), self.simulation_seed)
        return self._source

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        return self.source().read(table, start, end)

    def read_all(self, table: str) -> pd.DataFrame:
        return self.source().read(table, *ALL_TIME)

    def has_table(self, table: str) -> bool:
        return self.source().has_table(table)

    def location(self, table: str) -> str:
        return self.source().location(table)


RAW_ASSET_SPECS = [
    dg.AssetSpec(
        key=dg.AssetKey(["nba_raw", table.name]),
        group_name="nba_raw",
        description=f"{table.description} {'Required.' if table.required else 'Optional: ' + table.absent_behaviour + '.'}",
        kinds={"parquet"},
        metadata={"contract": "docs/raw-contract.md", "date_column": table.date_column,
                  "key": ", ".join(table.key) or "(none)"},
    )
    for table in RAW_TABLES.values()
]


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["nba_raw", table])
