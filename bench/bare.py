"""The whole graph as plain function calls, without Dagster: the yardstick for the orchestration overhead.

For each season (cut like `nba-assets backfill`), every table is computed by the same pure function its asset
calls, from the same raw reads and the same upstream windows (read back from the warehouse, as the IO manager
does), then written with plain SQL: declared DDL, then DELETE of the run's window and INSERT BY NAME in one
transaction. Asset checks, metadata and events are left out: they are what the comparison measures.

    python bench/bare.py --raw-dir RAW --warehouse FILE --start 2021-10-19 --end 2025-06-12

Prints one line per table and season, in the CLI's format, and the total.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from nba_assets.calendar import SEASON_CALENDAR, build_season_calendar
from nba_assets.cli import season_chunks
from nba_assets.partitions import HISTORY_DAYS, history_window
from nba_assets.phase3 import box_scores, upcoming
from nba_assets.phase3.assets import ROSTER_LOOKBACK_DAYS
from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.phase4.assets import PLAYER_TARGET, TEAM_TARGET
from nba_assets.phase4.common import LINEAGE_HISTORY
from nba_assets.phase4.composite_factors import USAGE_PLAYER_HISTORY, player_composite_factors
from nba_assets.phase4.feature_store import ML_FEATURE_STORE, ml_feature_store
from nba_assets.phase4.player_cache import CACHE_PLAYER_HISTORY, CACHE_SHOT_ZONES, CACHE_TEAM_HISTORY, player_daily_cache
from nba_assets.phase4.tables import (
    PLAYER_COMPOSITE_FACTORS,
    PLAYER_DAILY_CACHE,
    PLAYER_SHOT_ZONE_ANALYSIS,
    TEAM_DEFENSE_ZONE_ANALYSIS,
)
from nba_assets.phase4.zones import DEFENSE_HISTORY, ZONE_PLAYER_HISTORY, player_shot_zone_analysis, team_defense_zone_analysis
from nba_assets.predictions import grading
from nba_assets.predictions.assets import FEATURES_AND_LOOKBACK, MODELS_IN_FORCE
from nba_assets.predictions.model import (
    TRAINING_FEATURE_COLUMNS,
    TRAINING_PLAYER_COLUMNS,
    train_models,
    training_cutoffs,
    training_rows,
    training_window_start,
)
from nba_assets.predictions.predict import FEATURE_COLUMNS, build_predictions
from nba_assets.predictions.publications import picks_of_record
from nba_assets.predictions.similarity import LOOKBACK_DAYS
from nba_assets.pregame import reconstruction_lead
from nba_assets.predictions.tables import (
    PICK_PUBLICATIONS,
    PLAYER_PROP_PREDICTIONS,
    POINTS_MODEL,
    PREDICTION_ACCURACY,
    SYSTEM_DAILY_PERFORMANCE,
)
from nba_assets.raw.reads import RawReads
from nba_assets.raw.sources import FileRawSource, passed_rows
from nba_assets.storage.schema import TableSchema
from nba_assets.storage.warehouse import window_select
from nba_assets.windows import GameHistory, team_game_lineage

ALL_TIME = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))
ONE_DAY = dt.timedelta(days=1)
HISTORY = history_window(HISTORY_DAYS)
SIMILARITY_HISTORY = history_window(LOOKBACK_DAYS)


def mapped(mapping, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The upstream days a TimeWindowPartitionMapping gives the run's window [start, end)."""
    return start + dt.timedelta(days=mapping.start_offset), end + dt.timedelta(days=mapping.end_offset)


class PlainWarehouse:
    """One DuckDB connection; windows are read and replaced the way the project's IO manager does it."""

    def __init__(self, path: Path):
        self.conn = duckdb.connect(str(path))

    def read(self, table: TableSchema, start: dt.date | None = None, end: dt.date | None = None,
             columns: list[str] | None = None) -> pd.DataFrame:
        try:
            frame = self.conn.execute(*window_select(table, columns or table.column_names, start, end)).fetchdf()
        except duckdb.CatalogException:
            return table.empty() if columns is None else table.empty()[columns]
        return table.conform(frame, columns)

    def replace(self, table: TableSchema, frame: pd.DataFrame, window: tuple[dt.date, dt.date] | None) -> None:
        """The window's rows become exactly `frame` (the whole table when window is None)."""
        frame = table.conform(frame)
        self.conn.execute("BEGIN TRANSACTION")
        self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {table.dataset}")
        self.conn.execute(table.duckdb_ddl())
        if window is None:
            self.conn.execute(f"DELETE FROM {table.qualified_name}")
        else:
            column = f'"{table.date_column}"'
            self.conn.execute(f"DELETE FROM {table.qualified_name} WHERE {column} >= ? AND {column} < ?", list(window))
        if len(frame):
            self.conn.register("window_rows", frame)
            self.conn.execute(f"INSERT INTO {table.qualified_name} BY NAME SELECT * FROM window_rows")
            self.conn.unregister("window_rows")
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class RunReads:
    """The raw source as the raw resource serves a run (RawSourceResource.read_checked): each read is kept and its
    rows given again, copied, to the next table asking for the same table and days."""

    def __init__(self, source: FileRawSource):
        self.source, self.kept = source, {}

    def read_checked(self, table: str, start: dt.date, end: dt.date):
        checked = self.kept.get((table, start, end))
        if checked is None:
            checked = self.kept[(table, start, end)] = self.source.read_checked(table, start, end)
        return dataclasses.replace(checked, rows=checked.rows.copy())

    def read(self, table: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        return passed_rows(self.read_checked(table, start, end))

    def has_table(self, table: str) -> bool:
        return self.source.has_table(table)


class SeasonRun:
    """One season's window [start, end): each method computes one table as its asset body does."""

    def __init__(self, raw: FileRawSource, warehouse: PlainWarehouse, start: dt.date, end: dt.date):
        self.raw, self.wh, self.start, self.end = RunReads(raw), warehouse, start, end

    def read_raw(self, table: str, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        return self.raw.read(table, start or self.start, end or self.end)

    def same_day(self, table: TableSchema, columns: list[str] | None = None) -> pd.DataFrame:
        return self.wh.read(table, self.start, self.end, columns)

    def history(self, table: TableSchema, mapping=HISTORY, columns: list[str] | None = None) -> pd.DataFrame:
        return self.wh.read(table, *mapped(mapping, self.start, self.end), columns)

    def calendar(self) -> pd.DataFrame:
        return self.wh.read(SEASON_CALENDAR)

    def season_calendar(self) -> pd.DataFrame:
        return build_season_calendar(self.raw.read("nbac_schedule", *ALL_TIME))

    def box_score_inputs(self):
        reads = RawReads(self.raw, self.start, self.end)  # the gamebook checked against the schedule, as in the asset
        schedule = reads.read("nbac_schedule")
        box, _audit = box_scores.competitive_box_scores(schedule, reads.read("nbac_gamebook_player_stats"))
        return schedule, box

    def team_offense_game_summary(self) -> pd.DataFrame:
        schedule, box = self.box_score_inputs()
        return box_scores.team_offense_game_summary(schedule, box, self.read_raw("nbac_team_boxscore"),
                                                    self.read_raw("nbac_play_by_play"))

    def team_defense_game_summary(self) -> pd.DataFrame:
        return box_scores.team_defense_game_summary(self.same_day(TEAM_OFFENSE_GAME_SUMMARY))

    def player_game_summary(self) -> pd.DataFrame:
        schedule, box = self.box_score_inputs()
        return box_scores.player_game_summary(schedule, box, self.same_day(TEAM_OFFENSE_GAME_SUMMARY),
                                             self.read_raw("nbac_play_by_play"), self.read_raw("odds_api_player_points_props"))

    def pregame_rosters(self) -> pd.DataFrame | None:
        # copied from phase3.assets._pregame_rosters
        if not self.raw.has_table("espn_team_rosters"):
            return None
        return self.read_raw("espn_team_rosters", self.start - dt.timedelta(days=ROSTER_LOOKBACK_DAYS))

    def lineage(self, *histories: pd.DataFrame) -> tuple[GameHistory, GameHistory]:
        # as phase3.assets.season_schedule + windows.team_game_lineage
        return team_game_lineage(self.read_raw("nbac_schedule", self.start - dt.timedelta(days=HISTORY_DAYS)), *histories)

    def upcoming_team_game_context(self) -> pd.DataFrame:
        teams = self.history(TEAM_OFFENSE_GAME_SUMMARY, columns=upcoming.TEAM_CONTEXT_HISTORY)
        return upcoming.upcoming_team_game_context(
            self.read_raw("nbac_schedule"), self.calendar(), teams,
            self.pregame_rosters(), self.read_raw("odds_api_game_lines"), self.read_raw("nbac_injury_report"),
            self.raw.has_table("nbac_injury_report"), None, reconstruction_lead(), *self.lineage(teams))

    def upcoming_player_game_context(self) -> pd.DataFrame:
        players = self.history(PLAYER_GAME_SUMMARY, columns=upcoming.PLAYER_CONTEXT_PLAYER_HISTORY)
        teams = self.history(TEAM_OFFENSE_GAME_SUMMARY, columns=upcoming.PLAYER_CONTEXT_TEAM_HISTORY)
        defense = self.history(TEAM_DEFENSE_GAME_SUMMARY, columns=upcoming.PLAYER_CONTEXT_DEFENSE_HISTORY)
        return upcoming.upcoming_player_game_context(
            self.read_raw("nbac_schedule"), self.calendar(), players, teams, defense,
            self.same_day(UPCOMING_TEAM_GAME_CONTEXT, upcoming.PLAYER_CONTEXT_TEAM_CONTEXT), self.pregame_rosters(),
            self.read_raw("odds_api_player_points_props"), self.read_raw("nbac_injury_report"),
            self.raw.has_table("nbac_injury_report"), None, reconstruction_lead(), *self.lineage(players, teams, defense))

    def team_defense_zone_analysis(self) -> pd.DataFrame:
        defense = self.history(TEAM_DEFENSE_GAME_SUMMARY, columns=DEFENSE_HISTORY)
        scheduled, present = self.lineage(defense)
        return team_defense_zone_analysis(self.same_day(UPCOMING_TEAM_GAME_CONTEXT, TEAM_TARGET), self.calendar(), defense,
                                          scheduled, present)

    def player_shot_zone_analysis(self) -> pd.DataFrame:
        players = self.history(PLAYER_GAME_SUMMARY, columns=ZONE_PLAYER_HISTORY)
        scheduled, present = self.lineage(self.history(TEAM_OFFENSE_GAME_SUMMARY, columns=LINEAGE_HISTORY), players)
        return player_shot_zone_analysis(self.same_day(UPCOMING_PLAYER_GAME_CONTEXT, PLAYER_TARGET), self.calendar(),
                                         players, scheduled, present)

    def player_daily_cache(self) -> pd.DataFrame:
        teams = self.history(TEAM_OFFENSE_GAME_SUMMARY, columns=CACHE_TEAM_HISTORY)
        players = self.history(PLAYER_GAME_SUMMARY, columns=CACHE_PLAYER_HISTORY)
        scheduled, present = self.lineage(teams, players)
        return player_daily_cache(self.same_day(UPCOMING_PLAYER_GAME_CONTEXT, PLAYER_TARGET), self.calendar(), players, teams,
                                  self.same_day(PLAYER_SHOT_ZONE_ANALYSIS, CACHE_SHOT_ZONES), scheduled, present)

    def player_composite_factors(self) -> pd.DataFrame:
        return player_composite_factors(
            self.same_day(UPCOMING_PLAYER_GAME_CONTEXT), self.same_day(UPCOMING_TEAM_GAME_CONTEXT),
            self.same_day(PLAYER_SHOT_ZONE_ANALYSIS), self.same_day(TEAM_DEFENSE_ZONE_ANALYSIS),
            self.history(PLAYER_GAME_SUMMARY, columns=USAGE_PLAYER_HISTORY), self.calendar())

    def ml_feature_store(self) -> pd.DataFrame:
        return ml_feature_store(
            self.same_day(UPCOMING_PLAYER_GAME_CONTEXT), self.same_day(UPCOMING_TEAM_GAME_CONTEXT),
            self.same_day(PLAYER_DAILY_CACHE), self.same_day(PLAYER_COMPOSITE_FACTORS),
            self.same_day(PLAYER_SHOT_ZONE_ANALYSIS), self.same_day(TEAM_DEFENSE_ZONE_ANALYSIS))

    def points_model(self) -> pd.DataFrame:
        cutoffs = training_cutoffs(self.read_raw("nbac_schedule", end=self.end + dt.timedelta(days=31)),
                                   pd.Timestamp(self.start), pd.Timestamp(self.end))
        if not cutoffs:
            return POINTS_MODEL.empty()
        first, last = training_window_start(min(cutoffs)).date(), max(cutoffs).date()
        features = self.wh.read(ML_FEATURE_STORE, first, last, columns=list(TRAINING_FEATURE_COLUMNS))
        players = self.wh.read(PLAYER_GAME_SUMMARY, first, last, columns=list(TRAINING_PLAYER_COLUMNS))
        return train_models(cutoffs, training_rows(features, players))

    def player_prop_predictions(self) -> pd.DataFrame:
        features = self.history(ML_FEATURE_STORE, FEATURES_AND_LOOKBACK, columns=list(FEATURE_COLUMNS))
        # copied from predictions.assets.player_prop_predictions: the run's days out of the lookback window
        today = features[(features["game_date"] >= pd.Timestamp(self.start)) & (features["game_date"] < pd.Timestamp(self.end))]
        history = self.history(PLAYER_GAME_SUMMARY, SIMILARITY_HISTORY)
        return build_predictions(today, training_rows(features, history), self.history(POINTS_MODEL, MODELS_IN_FORCE))

    def prediction_accuracy(self) -> pd.DataFrame:
        # a backfill has no live publication: the reconstruction is graded
        picks = picks_of_record(PICK_PUBLICATIONS.empty(), self.same_day(PLAYER_PROP_PREDICTIONS))
        return grading.prediction_accuracy(picks, self.same_day(PLAYER_GAME_SUMMARY))

    def system_daily_performance(self) -> pd.DataFrame:
        return grading.system_daily_performance(self.same_day(PREDICTION_ACCURACY))


# dependency order, as the job's in-process executor runs the steps
STEPS: list[tuple[TableSchema, Callable[[SeasonRun], pd.DataFrame]]] = [
    (SEASON_CALENDAR, SeasonRun.season_calendar),
    (TEAM_OFFENSE_GAME_SUMMARY, SeasonRun.team_offense_game_summary),
    (PLAYER_GAME_SUMMARY, SeasonRun.player_game_summary),
    (TEAM_DEFENSE_GAME_SUMMARY, SeasonRun.team_defense_game_summary),
    (UPCOMING_TEAM_GAME_CONTEXT, SeasonRun.upcoming_team_game_context),
    (UPCOMING_PLAYER_GAME_CONTEXT, SeasonRun.upcoming_player_game_context),
    (TEAM_DEFENSE_ZONE_ANALYSIS, SeasonRun.team_defense_zone_analysis),
    (PLAYER_SHOT_ZONE_ANALYSIS, SeasonRun.player_shot_zone_analysis),
    (PLAYER_DAILY_CACHE, SeasonRun.player_daily_cache),
    (PLAYER_COMPOSITE_FACTORS, SeasonRun.player_composite_factors),
    (ML_FEATURE_STORE, SeasonRun.ml_feature_store),
    (POINTS_MODEL, SeasonRun.points_model),
    (PLAYER_PROP_PREDICTIONS, SeasonRun.player_prop_predictions),
    (PREDICTION_ACCURACY, SeasonRun.prediction_accuracy),
    (SYSTEM_DAILY_PERFORMANCE, SeasonRun.system_daily_performance),
]


def run_season(raw: FileRawSource, warehouse: PlainWarehouse, start: dt.date, end: dt.date) -> None:
    season = SeasonRun(raw, warehouse, start, end)
    for table, compute in STEPS:
        started = time.perf_counter()
        frame = compute(season)
        warehouse.replace(table, frame, None if table is SEASON_CALENDAR else (start, end))
        print(f"    ok  {table.dataset + '/' + table.name:<52} {time.perf_counter() - started:6.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--start", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--end", type=dt.date.fromisoformat, required=True, help="last day, inclusive")
    args = parser.parse_args(argv)

    raw = FileRawSource(args.raw_dir)
    calendar = build_season_calendar(raw.read("nbac_schedule", *ALL_TIME))
    openings = [d.date() for d in calendar["preseason_start"].fillna(calendar["regular_season_start"])]
    warehouse = PlainWarehouse(args.warehouse)
    started = time.perf_counter()
    try:
        for chunk_start, chunk_end in season_chunks(args.start, args.end, openings):
            print(f"\nseason {chunk_start} .. {chunk_end}", flush=True)
            season_started = time.perf_counter()
            run_season(raw, warehouse, chunk_start, chunk_end + ONE_DAY)
            print(f"  done in {time.perf_counter() - season_started:.1f} s", flush=True)
    finally:
        warehouse.close()
    print(f"\nbare total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
