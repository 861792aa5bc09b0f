"""What every Phase 4 table shares: its targets (who plays on the day) and season context from the calendar
(window lineage: nba_assets.windows)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.calendar import with_season_start

EARLY_SEASON_DAYS = 22  # days 0-21: the reference's reduced minimum samples
LINEAGE_HISTORY = ["game_date", "team_abbr"]  # of team_offense_game_summary: which team games the data has


def season_targets(targets: pd.DataFrame, calendar: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """Attach season_start, days_into_season and early_season_flag (from season_calendar, not constants)."""
    out = with_season_start(targets, calendar)
    out["days_into_season"] = (out[date_column] - out["season_start"]).dt.days.clip(lower=0)
    out["early_season_flag"] = out["days_into_season"] < EARLY_SEASON_DAYS
    return out


def dynamic_minimum(days_into_season: pd.Series, base: int, cap: int, full: int) -> pd.Series:
    """The reference's early-season minimum sample: min(base + days // 3, cap) in the first 22 days, else full."""
    early = np.minimum(base + days_into_season // 3, cap)
    return pd.Series(np.where(days_into_season < EARLY_SEASON_DAYS, early, full), index=days_into_season.index).astype(int)


def ratio(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
