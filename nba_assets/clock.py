"""The current moment, as a resource: publications are stamped with it, and a game's picks freeze at its tip-off
by it. The replay harness (nba_assets_tests/replay.py) fixes it to its simulated moment."""

from __future__ import annotations

import pandas as pd

import dagster as dg


class Clock(dg.ConfigurableResource):
    frozen_at: str | None = None  # UTC ISO moment; unset = the system clock

    def now(self) -> pd.Timestamp:
        if self.frozen_at is None:
            return pd.Timestamp.now(tz="UTC")
        moment = pd.Timestamp(self.frozen_at)
        return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
