"""What every Phase 4 table shares: its targets (who plays on the day), season context from the calendar,
and window lineage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.calendar import final_games, team_games, with_season_start
from nba_assets.windows import GameHistory

EARLY_SEASON_DAYS = 22  # days 0-21: the reference's reduced minimum samples


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


def scheduled_team_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """Final competitive team-games of the schedule: what the data behind a window should contain."""
    return team_games(final_games(schedule))[["team_abbr", "game_date", "game_id"]]


def window_lineage(targets: pd.DataFrame, as_of: str, first_game_date: pd.Series, scheduled: GameHistory,
                   present: GameHistory, prefix: str = "") -> pd.DataFrame:
    """Team games the schedule has between the window's first game (or the season start) and the day before,
    and how many of them the data has. A window that silently used stale games after an outage shows a gap."""
    span = targets[["team_abbr", as_of]].copy()
    span["span_start"] = first_game_date.fillna(targets["season_start"]).to_numpy()
    s, e = scheduled.bounds(span, as_of=as_of, floor="span_start")
    ps, pe = present.bounds(span, as_of=as_of, floor="span_start")
    out = pd.DataFrame({f"{prefix}team_games_scheduled": e - s, f"{prefix}team_games_with_data": pe - ps}, index=targets.index)
    out[f"{prefix}window_complete"] = out[f"{prefix}team_games_with_data"] >= out[f"{prefix}team_games_scheduled"]
    return out


def ratio(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
