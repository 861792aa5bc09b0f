"""The simulated league as a raw source: its files, generated on first use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from nba_assets.raw.sources import FileRawSource
from simulated_league import SIMULATION_MARKER, write_simulation


class SimulatedRawSource(FileRawSource):
    """The embedded default: a deterministic simulated league, read as files. Generated with the default
    seasons on first use; `nba-assets simulate` regenerates it with other seasons."""

    def __init__(self, folder: Path, seasons: tuple[int, ...], seed: int):
        super().__init__(folder)
        self.seasons, self.seed = seasons, seed

    def describe(self) -> str:
        marker = self.folder / SIMULATION_MARKER
        held = marker.read_text().strip() if marker.exists() else "not generated yet"
        return f"simulated league in {self.folder} ({held})"

    def ensure_generated(self) -> None:
        if not (self.folder / SIMULATION_MARKER).exists():
            write_simulation(self.folder, self.seasons, self.seed)

    def has_table(self, table: str) -> bool:
        self.ensure_generated()
        return super().has_table(table)

    def location(self, table: str) -> str:
        self.ensure_generated()
        return super().location(table)

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        self.ensure_generated()
        return super().read(table, start, end)
