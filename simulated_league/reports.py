"""Official injury reports and morning roster snapshots.

Reports for a game (hours US Eastern, H = tip-off hour): 17:00 the day before, min(13, H-4) and H-1
on game day. A late scratch (listed questionable at H-1, then inactive) is revealed by one more
report at H+1, after tip-off: a pipeline must ignore reports issued after the tip. Rosters are
snapshots taken at 09:00 Eastern on each day a team plays.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from simulated_league.calendar import EASTERN, TEAM_CODES

DAY_BEFORE_HOUR = 17
MORNING_HOUR = 13
ROSTER_SNAPSHOT_HOUR = 9


def _eastern_hours(tipoff: pd.Series) -> np.ndarray:
    return tipoff.dt.tz_convert(EASTERN).dt.hour.to_numpy()


def injury_report(listings: pd.DataFrame) -> pd.DataFrame:
    """One row per listed player per report; `reported_at` (UTC) is kept for as-of filtering."""
    tip_hour = _eastern_hours(listings["tipoff"])
    game_date = listings["game_date"].to_numpy()
    day_before = np.array([d - dt.timedelta(days=1) for d in game_date], dtype=object)
    reports = (
        ("day_before", day_before, np.full(len(listings), DAY_BEFORE_HOUR)),
        ("morning", game_date, np.minimum(MORNING_HOUR, tip_hour - 4)),
        ("pregame", game_date, tip_hour - 1),
        ("after_tipoff", game_date, tip_hour + 1),
    )
    frames = []
    for column, report_date, report_hour in reports:
        listed = listings[column].notna().to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "report_date": report_date[listed],
                    "report_hour": report_hour[listed],
                    "game_date": game_date[listed],
                    "game_id": listings["game_id"].to_numpy()[listed],
                    "team": np.array(TEAM_CODES)[listings["team"].to_numpy()[listed]],
                    "player": listings["player"].to_numpy()[listed],
                    "injury_status": listings[column].to_numpy()[listed],
                    "reason": listings["reason"].to_numpy()[listed],
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["reported_at"] = _eastern_timestamps(frame["report_date"], frame["report_hour"])
    return frame


def _eastern_timestamps(days: pd.Series, hours: pd.Series) -> pd.Series:
    """Eastern wall-clock (date, hour) -> UTC; converted once per distinct value (there are few)."""
    local = pd.to_datetime(days.astype(str)) + pd.to_timedelta(hours.astype(int), unit="h")
    distinct = pd.DatetimeIndex(local.unique())
    utc = pd.Series(distinct.tz_localize(EASTERN).tz_convert("UTC"), index=distinct)
    return local.map(utc)


def team_rosters(rosters: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "roster_date": rosters["roster_date"].to_numpy(),
            "team_abbr": np.array(TEAM_CODES)[rosters["team"].to_numpy()],
            "player": rosters["player"].to_numpy(),
        }
    )
    frame["taken_at"] = _eastern_timestamps(frame["roster_date"], pd.Series(ROSTER_SNAPSHOT_HOUR, index=frame.index))
    return frame
