"""Crafted raw data in the file contract, materialization helpers and a warehouse fingerprint for tests."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def game(game_id: str, date: str, home: str, away: str, *, status: int = 3, phase: str = "regular",
         home_score: int | None = None, away_score: int | None = None, tip_utc: str | None = None) -> dict:
    return {
        "game_id": game_id, "game_date": pd.Timestamp(date).date(), "season_year": _season_year(date),
        "home_team_tricode": home, "away_team_tricode": away, "game_status": status,
        "is_regular_season": phase == "regular", "is_playoffs": phase in ("playoffs", "play_in"),
        "is_all_star": phase == "all_star", "home_team_score": home_score, "away_team_score": away_score,
        "game_start_time_utc": pd.Timestamp(tip_utc, tz="UTC") if tip_utc else pd.NaT,
        "is_play_in": phase == "play_in", "is_postponed": False, "is_neutral_site": False,
    }


def _season_year(date: str) -> int:
    day = pd.Timestamp(date)
    return day.year if day.month >= 9 else day.year - 1


def player(game_id: str, date: str, team: str, lookup: str, *, minutes=30.0, fgm=0, fga=0, tpm=0, tpa=0, ftm=0, fta=0,
           oreb=0, dreb=0, ast=0, stl=0, blk=0, tov=0, pf=0, pm=0, status: str = "active") -> dict:
    active = status == "active"
    stats = dict(points=2 * (fgm - tpm) + 3 * tpm + ftm, field_goals_made=fgm, field_goals_attempted=fga,
                 three_pointers_made=tpm, three_pointers_attempted=tpa, free_throws_made=ftm,
                 free_throws_attempted=fta, offensive_rebounds=oreb, defensive_rebounds=dreb, assists=ast,
                 steals=stl, blocks=blk, turnovers=tov, personal_fouls=pf, plus_minus=pm)
    return {"game_id": game_id, "game_date": pd.Timestamp(date).date(), "player_lookup": lookup,
            "player_full_name": lookup.title(), "team_abbr": team, "player_status": status,
            "minutes": minutes if active else None, **{k: (v if active else None) for k, v in stats.items()}}


def filler_team(game_id: str, date: str, team: str, points: int) -> list[dict]:
    """Five 48-minute players scoring `points` between them on twos and free throws, for games whose details
    do not matter to a test."""
    rows = []
    for i in range(5):
        share = points - 4 * (points // 5) if i == 4 else points // 5
        rows.append(player(game_id, date, team, f"{team.lower()}{i}", minutes=48.0, fgm=share // 2, fga=share // 2 + 10,
                           ftm=share % 2, fta=share % 2, oreb=1, dreb=5, ast=3, stl=1, blk=1, tov=2, pf=2))
    return rows


def team_boxscore(gamebook: Sequence[dict], games: Sequence[str]) -> list[dict]:
    """nbac_team_boxscore rows of `games` summed from their gamebook rows (regulation: "240:00")."""
    sums = {"fg_made": "field_goals_made", "fg_attempted": "field_goals_attempted", "three_pt_made": "three_pointers_made",
            "three_pt_attempted": "three_pointers_attempted", "ft_made": "free_throws_made",
            "ft_attempted": "free_throws_attempted", "offensive_rebounds": "offensive_rebounds",
            "defensive_rebounds": "defensive_rebounds", "assists": "assists", "steals": "steals", "blocks": "blocks",
            "turnovers": "turnovers", "personal_fouls": "personal_fouls", "points": "points"}
    teams: dict[tuple, dict] = {}
    for row in gamebook:
        if row["game_id"] in games and row["player_status"] == "active":
            team = teams.setdefault((row["game_id"], row["team_abbr"]), {
                "game_id": row["game_id"], "game_date": row["game_date"], "team_abbr": row["team_abbr"],
                "minutes": "240:00", **{name: 0 for name in sums}})
            for name, source in sums.items():
                team[name] += row[source]
    return list(teams.values())


def write_raw(folder: Path, tables: dict[str, pd.DataFrame | Sequence[dict]], fmt: str = "parquet") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in list(folder.glob("*.parquet")) + list(folder.glob("*.csv")):
        if path.stem in tables:
            path.unlink()
    for name, rows in tables.items():
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False)
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def materialize(assets: Iterable, raw_dir: Path, warehouse: Path, start: str, end: str | None = None,
                instance: dg.DagsterInstance | None = None, raise_on_error: bool = True,
                selection: Sequence | None = None) -> dg.ExecuteInProcessResult:
    """One run over [start, end] (one partition when end is omitted) against a throwaway warehouse; with
    `selection`, only those of `assets` run and the others' tables are read as they are."""
    resources = duckdb_resources(str(warehouse), RawSourceResource(raw_dir=str(raw_dir)))
    return dg.materialize(
        list(assets), selection=selection, resources=resources, instance=instance or dg.DagsterInstance.ephemeral(),
        tags={RANGE_START: start, RANGE_END: end or start}, raise_on_error=raise_on_error,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )


def read_table(warehouse: Path, qualified: str, order_by: Sequence[str] = ()) -> pd.DataFrame:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        order = f" ORDER BY {', '.join(order_by)}" if order_by else ""
        return conn.execute(f"SELECT * FROM {qualified}{order}").fetchdf()
    finally:
        conn.close()


RUN_BOOKKEEPING = {"nba_quality.quarantine": ["run_id", "recorded_at"]}  # which run wrote a ledger row, and when


def warehouse_fingerprint(warehouse: Path) -> dict[str, str]:
    """table -> content hash of its rows in a canonical order (row order and storage layout do not matter; the
    quarantine ledger's run id and time are left out, its reasons are not)."""
    if not warehouse.exists():
        return {}
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('main')"
        ).fetchall()
        out = {}
        for schema, name in sorted(tables):
            frame = conn.execute(f"SELECT * FROM {schema}.{name}").fetchdf().drop(
                columns=RUN_BOOKKEEPING.get(f"{schema}.{name}", []))
            canonical = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
            out[f"{schema}.{name}"] = hashlib.sha256(canonical.encode()).hexdigest()
        return out
    finally:
        conn.close()


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The first step failure's error with its causes, as a user reads it in the run log."""
    error = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause
    return "\n".join(parts)


def check_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """Every check evaluation of a run as the instance recorded it: per-day ones and the run's summaries."""
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [record.dagster_event.event_specific_data for record in records]


def copy_warehouse(warehouse: Path, folder: Path, name: str) -> Path:
    target = folder / f"{name}.duckdb"
    shutil.copyfile(warehouse, target)
    return target


def rows_on(warehouse: Path, table: str, date_column: str, days) -> pd.DataFrame:
    """A table's rows on the given days, in a stable order (for comparing runs)."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        frame = conn.execute(f"SELECT * FROM {table} WHERE {date_column} IN ({', '.join('?' * len(days))})",
                             [pd.Timestamp(d).date() for d in days]).fetchdf()
    finally:
        conn.close()
    return frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)
