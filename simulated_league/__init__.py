"""A simulated NBA league written as the eight nba_raw tables of the raw-file contract.

`simulate_league(out_dir, seasons, seed, as_of | today)` plays whole seasons (preseason, regular season,
All-Star weekend, play-in, playoffs) with a persistent player population and writes one Parquet
file per contract table, as known at a moment or on a day. `SimulatedLeague` keeps the played seasons as a
timeline (each row with the moment it became known) for replays that cut it at many moments. The generator encodes documented, measurable structure (player skill,
minutes roles, shot zones, latent form, rest, home court, pace, zone defence, usage redistribution,
blowouts, overtime, injuries, trades) so that features computed from history carry real signal.
See docs/simulated-league.md for every effect and its size.

Determinism: every random draw comes from numpy generators seeded with (seed, season, stream);
the same seed and arguments give identical files, and `as_of` / `today` only cut what is visible, they
never change what is simulated: the league as of a day is a prefix of the league as of any later day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from nba_assets.raw.contract import BOOL, DATE, FLOAT, INT, MINUTES, RAW_TABLES, STRING, TIMESTAMP, RawTable
from simulated_league.markets import game_lines, player_props
from simulated_league.players import Population
from simulated_league.reports import injury_report, team_rosters
from simulated_league.season import SeasonRecords, simulate_seasons
from simulated_league.calendar import EASTERN, current_season, season_name
from simulated_league.tables import (
    KNOWN_AT,
    SUPERSEDED_AT,
    gamebook_table,
    play_by_play_table,
    schedule_versions,
    team_box_table,
)

DEFAULT_SEED = 20211019
ARROW_TYPES = {
    STRING: pa.string(),
    INT: pa.int64(),
    FLOAT: pa.float64(),
    BOOL: pa.bool_(),
    DATE: pa.date32(),
    TIMESTAMP: pa.timestamp("us", tz="UTC"),
    MINUTES: pa.string(),
}
MIN_ROW_GROUP = 1024
SIMULATION_MARKER = "_SIMULATED"

# Independent random streams per season (stream 0-2 are used by the season simulation itself).
MARKETS_STREAM, DISTANCE_STREAM, MINUTES_TEXT_STREAM = 3, 4, 5


def simulate_league(
    out_dir: Path,
    seasons: Sequence[int],
    seed: int = DEFAULT_SEED,
    as_of: dt.datetime | None = None,
    today: dt.date | None = None,
) -> dict[str, Path]:
    """Simulate consecutive seasons (starting years, 2021 = 2021-22) and write every raw table.

    Returns table name -> Parquet path (`<out_dir>/<table>.parquet`). Without a cut the files hold the
    seasons played to their end. With `as_of` (UTC; a naive datetime is taken as UTC) they hold what was
    known strictly before that moment; with `today` (a US Eastern date) what was known on that day before
    its first tip-off (`SimulatedLeague.day_cutoff`).
    """
    if as_of is not None and today is not None:
        raise ValueError("give as_of (a moment) or today (a day), not both")
    if today is not None and max(seasons) > current_season(today):
        raise ValueError(f"season {season_name(max(seasons))} has not begun on {today} "
                         f"(the current season is {season_name(current_season(today))})")
    league = SimulatedLeague.play(seasons, seed)
    return league.write(out_dir, league.day_cutoff(today) if today is not None else as_of)


def write_simulation(folder: Path, seasons: Sequence[int], seed: int, today: dt.date | None = None) -> dict[str, Path]:
    """Generate the simulated league into `folder`; the marker written last says which seasons, seed and day it holds."""
    files = simulate_league(folder, seasons=seasons, seed=seed, today=today)
    known = f"today={today.isoformat()}" if today is not None else "complete"
    (Path(folder) / SIMULATION_MARKER).write_text(f"seed={seed} seasons={','.join(map(str, seasons))} {known}\n")
    return files


@dataclasses.dataclass(frozen=True)
class SimulatedLeague:
    """Seasons simulated once, kept as a timeline: every contract row with the moment it became known.

    `timeline[table]` holds the table's contract columns plus KNOWN_AT (UTC): a box-score, team box-score
    or play-by-play row at its game's end, a prop or game-line row at its snapshot_timestamp, an injury-report
    row at its report_date/report_hour (US Eastern), a roster row at 09:00 Eastern on its roster_date. Schedule
    rows are versions of a game's state, each also with SUPERSEDED_AT (NaT while current): scheduled,
    postponed, in progress, Final. `as_of(T)` gives every table as known strictly before T.
    """

    seasons: tuple[int, ...]
    seed: int
    timeline: dict[str, pd.DataFrame]

    @classmethod
    def play(cls, seasons: Sequence[int], seed: int = DEFAULT_SEED) -> "SimulatedLeague":
        ordered = _check_seasons(seasons)
        records, population = simulate_seasons(ordered, seed)
        parts: dict[str, list[pd.DataFrame]] = {name: [] for name in RAW_TABLES}
        for position, record in enumerate(records):
            for name, frame in _season_timeline(record, population, seed, dense_props=position > 0).items():
                parts[name].append(frame)
        # in file order (by the table's date column) once, so every cut is in file order too
        timeline = {name: pd.concat(frames, ignore_index=True).sort_values(RAW_TABLES[name].date_column, kind="stable")
                    .reset_index(drop=True) for name, frames in parts.items()}
        return cls(tuple(ordered), seed, timeline)

    def as_of(self, moment: dt.datetime | pd.Timestamp | None = None) -> dict[str, pd.DataFrame]:
        """Every contract table as known strictly before `moment` (None: the seasons played to their end)."""
        cutoff = _cutoff(moment)
        tables = {}
        for name, frame in self.timeline.items():
            known = frame[KNOWN_AT] < cutoff
            if SUPERSEDED_AT in frame:
                known &= frame[SUPERSEDED_AT].isna() | (frame[SUPERSEDED_AT] >= cutoff)
            tables[name] = frame.loc[known, RAW_TABLES[name].column_names].reset_index(drop=True)
        return tables

    def day_cutoff(self, day: dt.date) -> pd.Timestamp:
        """The moment "as of `day`" means: the first tip-off of a game played that day (US Eastern date), so
        yesterday's results, tonight's schedule and the pre-game lines and injury reports so far are known and
        nothing of tonight's games has happened; on a day without games, midnight Eastern ending it."""
        schedule = self.timeline["nbac_schedule"]
        tonight = schedule.loc[(schedule["game_status"] == 3) & (schedule["game_date"] == day), "game_start_time_utc"]
        if len(tonight):
            return tonight.min()
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=EASTERN)
        return pd.Timestamp(midnight).tz_convert("UTC")

    def write(self, out_dir: Path, moment: dt.datetime | pd.Timestamp | None = None) -> dict[str, Path]:
        """The contract files as known strictly before `moment` (None: everything)."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        tables = self.as_of(moment)
        return {name: _write(tables[name], RAW_TABLES[name], out_dir) for name in RAW_TABLES}


def _check_seasons(seasons: Sequence[int]) -> list[int]:
    ordered = [int(s) for s in seasons]
    if not ordered or ordered != list(range(ordered[0], ordered[0] + len(ordered))):
        raise ValueError(f"seasons must be consecutive starting years in order, got {list(seasons)}")
    return ordered


def _cutoff(moment: dt.datetime | pd.Timestamp | None) -> pd.Timestamp:
    if moment is None:
        return pd.Timestamp.max.tz_localize("UTC")
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _season_timeline(record: SeasonRecords, population: Population, seed: int, dense_props: bool) -> dict[str, pd.DataFrame]:
    def stream(number: int) -> np.random.Generator:
        return np.random.default_rng([seed, record.season, number])

    lookups = np.array(population.lookup, dtype=object)
    names = np.array(population.full_name, dtype=object)
    markets_rng = stream(MARKETS_STREAM)
    props = player_props(record.player_games, dense=dense_props, rng=markets_rng)
    lines = game_lines(record.schedule, markets_rng)
    report = injury_report(record.listings)
    rosters = team_rosters(record.rosters)
    return {
        "nbac_schedule": schedule_versions(record.schedule),
        "nbac_gamebook_player_stats": gamebook_table(record.player_games, population, stream(MINUTES_TEXT_STREAM)),
        "nbac_team_boxscore": team_box_table(record.player_games),
        "nbac_play_by_play": play_by_play_table(record.shots, population, stream(DISTANCE_STREAM)),
        "odds_api_player_points_props": props.assign(
            player_lookup=lookups[props["player"].to_numpy()], **{KNOWN_AT: props["snapshot_timestamp"]}),
        "odds_api_game_lines": lines.assign(**{KNOWN_AT: lines["snapshot_timestamp"]}),
        "nbac_injury_report": report.assign(player_lookup=lookups[report["player"].to_numpy()]).rename(
            columns={"reported_at": KNOWN_AT}),
        "espn_team_rosters": rosters.assign(
            player_lookup=lookups[rosters["player"].to_numpy()], player_full_name=names[rosters["player"].to_numpy()]
        ).rename(columns={"taken_at": KNOWN_AT}),
    }


def _write(frame: pd.DataFrame, table: RawTable, out_dir: Path) -> Path:
    """Row groups of about one day (the frame is sorted by the date column), written to a temp file then renamed."""
    schema = pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in table.columns])
    arrow_table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    days = max(1, frame[table.date_column].nunique())
    row_group_size = max(MIN_ROW_GROUP, math.ceil(len(frame) / days))
    path = out_dir / f"{table.name}.parquet"
    temporary = out_dir / f".{table.name}.parquet.tmp-{os.getpid()}"
    try:
        pq.write_table(arrow_table, temporary, row_group_size=row_group_size)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


__all__ = ["DEFAULT_SEED", "KNOWN_AT", "SIMULATION_MARKER", "SUPERSEDED_AT", "SimulatedLeague", "simulate_league", "write_simulation"]
