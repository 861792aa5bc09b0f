"""A simulated NBA league written as the eight nba_raw tables of the raw-file contract.

`simulate_league(out_dir, seasons, seed, as_of)` plays whole seasons (preseason, regular season,
All-Star weekend, play-in, playoffs) with a persistent player population and writes one Parquet
file per contract table. The generator encodes documented, measurable structure (player skill,
minutes roles, shot zones, latent form, rest, home court, pace, zone defence, usage redistribution,
blowouts, overtime, injuries, trades) so that features computed from history carry real signal.
See docs/simulated-league.md for every effect and its size.

Determinism: every random draw comes from numpy generators seeded with (seed, season, stream);
the same seed and arguments give identical files, and `as_of` only cuts what is visible, it never
changes what is simulated.
"""

from __future__ import annotations

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
from simulated_league.tables import (
    gamebook_table,
    is_final,
    play_by_play_table,
    schedule_table,
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
    out_dir: Path, seasons: Sequence[int], seed: int = DEFAULT_SEED, as_of: dt.datetime | None = None
) -> dict[str, Path]:
    """Simulate consecutive seasons (starting years, 2021 = 2021-22) and write every raw table.

    Returns table name -> Parquet path (`<out_dir>/<table>.parquet`). With `as_of` (UTC; a naive
    datetime is taken as UTC), games from then on are scheduled only and snapshot tables hold only rows
    taken before it.
    """
    ordered = _check_seasons(seasons)
    records, population = simulate_seasons(ordered, seed)
    tables = build_tables(records, population, seed, _cutoff(as_of))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {name: _write(tables[name], RAW_TABLES[name], out_dir) for name in RAW_TABLES}


def write_simulation(folder: Path, seasons: tuple[int, ...], seed: int) -> dict[str, Path]:
    """Generate the simulated league into `folder`; the marker written last says which seasons and seed it holds."""
    files = simulate_league(folder, seasons=seasons, seed=seed)
    (folder / SIMULATION_MARKER).write_text(f"seed={seed} seasons={','.join(map(str, seasons))}\n")
    return files


def _check_seasons(seasons: Sequence[int]) -> list[int]:
    ordered = [int(s) for s in seasons]
    if not ordered or ordered != list(range(ordered[0], ordered[0] + len(ordered))):
        raise ValueError(f"seasons must be consecutive starting years in order, got {list(seasons)}")
    return ordered


def _cutoff(as_of: dt.datetime | None) -> pd.Timestamp:
    if as_of is None:
        return pd.Timestamp.max.tz_localize("UTC")
    stamp = pd.Timestamp(as_of)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def build_tables(
    records: list[SeasonRecords], population: Population, seed: int, cutoff: pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """Contract tables of all seasons, as visible at `cutoff`."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in RAW_TABLES}
    for position, record in enumerate(records):
        for name, frame in _season_tables(record, population, seed, cutoff, dense_props=position > 0).items():
            parts[name].append(frame)
    return {name: pd.concat(frames, ignore_index=True)[RAW_TABLES[name].column_names] for name, frames in parts.items()}


def _season_tables(
    record: SeasonRecords, population: Population, seed: int, cutoff: pd.Timestamp, dense_props: bool
) -> dict[str, pd.DataFrame]:
    def stream(number: int) -> np.random.Generator:
        return np.random.default_rng([seed, record.season, number])

    lookups = np.array(population.lookup, dtype=object)
    names = np.array(population.full_name, dtype=object)
    final_ids = record.schedule.loc[is_final(record.schedule["tipoff"], cutoff), "game_id"]
    player_games = record.player_games[record.player_games["game_id"].isin(final_ids)]
    shots = record.shots[record.shots["game_id"].isin(final_ids)]
    markets_rng = stream(MARKETS_STREAM)
    props = player_props(record.player_games, dense=dense_props, rng=markets_rng)
    props = props[props["snapshot_timestamp"] < cutoff]
    lines = game_lines(record.schedule, markets_rng)
    report = injury_report(record.listings)
    report = report[report["reported_at"] < cutoff]
    rosters = team_rosters(record.rosters)
    rosters = rosters[rosters["taken_at"] < cutoff]
    return {
        "nbac_schedule": schedule_table(record.schedule, cutoff),
        "nbac_gamebook_player_stats": gamebook_table(player_games, population, stream(MINUTES_TEXT_STREAM)),
        "nbac_team_boxscore": team_box_table(player_games),
        "nbac_play_by_play": play_by_play_table(shots, population, stream(DISTANCE_STREAM)),
        "odds_api_player_points_props": props.assign(player_lookup=lookups[props["player"].to_numpy()]),
        "odds_api_game_lines": lines[lines["snapshot_timestamp"] < cutoff],
        "nbac_injury_report": report.assign(player_lookup=lookups[report["player"].to_numpy()]),
        "espn_team_rosters": rosters.assign(
            player_lookup=lookups[rosters["player"].to_numpy()], player_full_name=names[rosters["player"].to_numpy()]
        ),
    }


def _write(frame: pd.DataFrame, table: RawTable, out_dir: Path) -> Path:
    """Sorted by the date column, row groups of about one day, written to a temp file then renamed."""
    frame = frame.sort_values(table.date_column, kind="stable").reset_index(drop=True)
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


__all__ = ["DEFAULT_SEED", "SIMULATION_MARKER", "build_tables", "simulate_league", "write_simulation"]
