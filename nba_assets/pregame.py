"""When a game's pre-game information stops: one rule for live runs and as-of reconstructions.

Every pre-game input (prop snapshots, game lines, injury reports, roster snapshots) counts for a game only if it
was known before the game's information cut-off:
- a live run (the pregame sensor's: run tags `nba_assets/live` and `nba_assets/as_of`) sees, for each game not
  yet started at its moment `as_of`, everything known before `as_of`;
- every other run (a backfill, a rebuild, the days after a stat correction) is an as-of reconstruction: each
  game as known `lead` minutes before its tip-off (NBA_ASSETS_RECONSTRUCTION_LEAD_MINUTES, default 60), which is
  what a live run publishing then would have seen;
- so is a live run's view of a game that has already tipped off: its picks froze at tip-off, and its rows are
  the reconstruction a backtest would make.

Tip-off is the schedule's, or 12:00 US Eastern when the schedule has none (nba_assets.calendar). A reconstruction
as of a live publication's moment reproduces that publication: the live run's raw data held what was known at
its moment, and the cut-off removes the rest from complete data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pandas as pd

from nba_assets.partitions import TIMEZONE

AS_OF_TAG = "nba_assets/as_of"  # UTC ISO moment of a live run's information (the sensor's tick)
LIVE_TAG = "nba_assets/live"  # "true": a live pre-game run, which may publish
TRIGGER_TAG = "nba_assets/trigger"  # why the sensor started the run
DEFAULT_RECONSTRUCTION_LEAD_MINUTES = 60
# The roster feed has a date, not a time: a snapshot dated D counts from 09:00 US Eastern on D, when the daily
# roster scrape runs (the simulated league's rosters are taken then), so a reconstruction never uses a roster
# before it could have been read.
ROSTER_SNAPSHOT_HOUR_ET = 9


def reconstruction_lead() -> pd.Timedelta:
    minutes = os.environ.get("NBA_ASSETS_RECONSTRUCTION_LEAD_MINUTES") or DEFAULT_RECONSTRUCTION_LEAD_MINUTES
    return pd.Timedelta(minutes=int(minutes))


def run_as_of(tags: Mapping[str, str]) -> pd.Timestamp | None:
    """A run's information moment (UTC), or None for a reconstruction."""
    value = tags.get(AS_OF_TAG)
    return None if not value else utc(value)


def is_live(tags: Mapping[str, str]) -> bool:
    return tags.get(LIVE_TAG) == "true" and run_as_of(tags) is not None


def utc(moment) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def information_cutoffs(tipoffs: pd.Series, as_of: pd.Timestamp | None, lead: pd.Timedelta) -> pd.Series:
    """Per game (tip-off in UTC): `as_of` while the game has not started, else tip-off − `lead`."""
    tipoffs = pd.to_datetime(tipoffs, utc=True)
    reconstruction = tipoffs - lead
    if as_of is None:
        return reconstruction
    return reconstruction.where(tipoffs <= as_of, as_of)


def game_cutoffs(games: pd.DataFrame, as_of: pd.Timestamp | None, lead: pd.Timedelta) -> pd.DataFrame:
    """(game_id, game_date, known_before) for scheduled games (with tipoff_utc)."""
    return games[["game_id", "game_date"]].assign(known_before=information_cutoffs(games["tipoff_utc"], as_of, lead).to_numpy())


def eastern_moment(dates: pd.Series, hours: pd.Series | int) -> pd.Series:
    """UTC moments of `hours` o'clock US Eastern on `dates`."""
    local = pd.to_datetime(dates) + pd.to_timedelta(hours, unit="h")
    return local.dt.tz_localize(TIMEZONE).dt.tz_convert("UTC")


def report_issued_at(report: pd.DataFrame) -> pd.Series:
    """When each injury-report row was issued (report_date at report_hour, US Eastern), in UTC."""
    return eastern_moment(report["report_date"], report["report_hour"].astype("int64"))


def roster_known_at(rosters: pd.DataFrame) -> pd.Series:
    return eastern_moment(rosters["roster_date"], ROSTER_SNAPSHOT_HOUR_ET)
