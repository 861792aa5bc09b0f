"""Phase 4 precompute assets and the feature store: thin wiring around phase4.*.

Upstream windows are declared on the inputs: history(...) maps day D to the HISTORY_DAYS days before it
(never D), same_day(...) to D. Lineage, staleness and backfill ordering in Dagster follow from them.
"""

import dagster as dg
import pandas as pd

from nba_assets.calendar import SEASON_CALENDAR
from nba_assets.checks.daily import DailyChecks
from nba_assets.partitions import HISTORY_DAYS
from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.phase4.common import scheduled_team_games
from nba_assets.phase4.composite_factors import player_composite_factors
from nba_assets.phase4.feature_store import ML_FEATURE_STORE, ml_feature_store
from nba_assets.phase4.player_cache import player_daily_cache
from nba_assets.phase4.tables import (
    PLAYER_COMPOSITE_FACTORS,
    PLAYER_DAILY_CACHE,
    PLAYER_SHOT_ZONE_ANALYSIS,
    TEAM_DEFENSE_ZONE_ANALYSIS,
)
from nba_assets.phase4.zones import player_shot_zone_analysis, team_defense_zone_analysis
from nba_assets.raw.resource import RawSourceResource, raw_key
from nba_assets.table_asset import history, rows_per_day, same_day, table_asset, window_dates
from nba_assets.windows import GameHistory

GROUP = "phase4_precompute"
WINDOW_COMPLETE = "windows_complete"
CALENDAR_INPUT = dg.AssetIn(key=SEASON_CALENDAR.asset_key)
TEAM_TARGET = ["game_date", "game_id", "team_abbr", "opponent_team_abbr", "season_year"]
PLAYER_TARGET = ["game_date", "game_id", "player_lookup", "team_abbr", "opponent_team_abbr", "season_year"]


def _lineage_histories(context, raw: RawSourceResource, present: pd.DataFrame) -> tuple[GameHistory, GameHistory]:
    """What the schedule says each team played before each day, and which of those games the data has."""
    start, end = window_dates(context)
    schedule = raw.read("nbac_schedule", start - pd.Timedelta(days=HISTORY_DAYS), end)
    scheduled = GameHistory.build(scheduled_team_games(schedule), "team_abbr")
    return scheduled, GameHistory.build(present[["team_abbr", "game_date"]], "team_abbr")


def _stale_windows(table, frame: pd.DataFrame, prefix: str = "") -> dict:
    """{day: (False, metadata)} for days with rows built from windows missing team games."""
    stale = frame[~frame[f"{prefix}window_complete"].astype(bool)]
    shown = [table.date_column, "team_abbr", *(["player_lookup"] if "player_lookup" in frame else []),
             f"{prefix}first_game_date", f"{prefix}team_games_scheduled", f"{prefix}team_games_with_data"]
    return {pd.Timestamp(day): (False, {"stale_rows": len(rows), "examples": rows[shown].head(20).to_markdown(index=False)})
            for day, rows in stale.groupby(table.date_column)}


def _window_check_spec(table) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(WINDOW_COMPLETE, asset=table.asset_key,
                             description="every window's span has all the team games the schedule lists")


def _metadata(frame: pd.DataFrame, date_column: str) -> dict:
    return {"rows": len(frame), "game_days": int(frame[date_column].nunique()) if len(frame) else 0}


def _one_per_team_game(team_context: pd.DataFrame) -> tuple[dict, str]:
    return rows_per_day(team_context, "game_date"), "upcoming_team_game_context rows (teams playing that day)"


def _one_per_rostered_player(player_context: pd.DataFrame) -> tuple[dict, str]:
    return rows_per_day(player_context, "game_date"), "upcoming_player_game_context rows (rostered players)"


@table_asset(
    TEAM_DEFENSE_ZONE_ANALYSIS,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "defense_history": history(TEAM_DEFENSE_GAME_SUMMARY),
         "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT)},
    deps=[raw_key("nbac_schedule")],
    check_specs=[_window_check_spec(TEAM_DEFENSE_ZONE_ANALYSIS)],
)
def team_defense_zone_analysis_asset(context: dg.AssetExecutionContext, raw: RawSourceResource,
                                     season_calendar: pd.DataFrame, defense_history: pd.DataFrame,
                                     team_context: pd.DataFrame):
    scheduled, present = _lineage_histories(context, raw, defense_history.rename(columns={"defending_team_abbr": "team_abbr"}))
    frame = team_defense_zone_analysis(team_context[TEAM_TARGET], season_calendar, defense_history, scheduled, present)
    yield dg.Output(frame, metadata=_metadata(frame, "analysis_date"))
    checks = DailyChecks(context, TEAM_DEFENSE_ZONE_ANALYSIS).add(WINDOW_COMPLETE, _stale_windows(TEAM_DEFENSE_ZONE_ANALYSIS, frame))
    yield from checks.add_table_rules(frame, _one_per_team_game(team_context)).results()


@table_asset(
    PLAYER_SHOT_ZONE_ANALYSIS,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "player_history": history(PLAYER_GAME_SUMMARY),
         "team_history": history(TEAM_OFFENSE_GAME_SUMMARY), "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT)},
    deps=[raw_key("nbac_schedule")],
    check_specs=[_window_check_spec(PLAYER_SHOT_ZONE_ANALYSIS)],
)
def player_shot_zone_analysis_asset(context: dg.AssetExecutionContext, raw: RawSourceResource,
                                    season_calendar: pd.DataFrame, player_history: pd.DataFrame,
                                    team_history: pd.DataFrame, player_context: pd.DataFrame):
    scheduled, present = _lineage_histories(context, raw, team_history)
    frame = player_shot_zone_analysis(player_context[PLAYER_TARGET], season_calendar, player_history, scheduled, present)
    yield dg.Output(frame, metadata=_metadata(frame, "analysis_date"))
    checks = DailyChecks(context, PLAYER_SHOT_ZONE_ANALYSIS).add(WINDOW_COMPLETE, _stale_windows(PLAYER_SHOT_ZONE_ANALYSIS, frame))
    yield from checks.add_table_rules(frame, _one_per_rostered_player(player_context)).results()


@table_asset(
    PLAYER_DAILY_CACHE,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "player_history": history(PLAYER_GAME_SUMMARY),
         "team_history": history(TEAM_OFFENSE_GAME_SUMMARY), "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT),
         "shot_zones": same_day(PLAYER_SHOT_ZONE_ANALYSIS)},
    deps=[raw_key("nbac_schedule")],
    check_specs=[_window_check_spec(PLAYER_DAILY_CACHE)],
)
def player_daily_cache_asset(context: dg.AssetExecutionContext, raw: RawSourceResource, season_calendar: pd.DataFrame,
                             player_history: pd.DataFrame, team_history: pd.DataFrame, player_context: pd.DataFrame,
                             shot_zones: pd.DataFrame):
    scheduled, present = _lineage_histories(context, raw, team_history)
    frame = player_daily_cache(player_context[PLAYER_TARGET], season_calendar, player_history, team_history, shot_zones,
                               scheduled, present)
    yield dg.Output(frame, metadata=_metadata(frame, "cache_date"))
    checks = DailyChecks(context, PLAYER_DAILY_CACHE).add(WINDOW_COMPLETE, _stale_windows(PLAYER_DAILY_CACHE, frame, prefix="l10_"))
    yield from checks.add_table_rules(frame, _one_per_rostered_player(player_context)).results()


@table_asset(
    PLAYER_COMPOSITE_FACTORS,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "player_history": history(PLAYER_GAME_SUMMARY),
         "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT), "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT),
         "shot_zones": same_day(PLAYER_SHOT_ZONE_ANALYSIS), "defense_zones": same_day(TEAM_DEFENSE_ZONE_ANALYSIS)},
)
def player_composite_factors_asset(context: dg.AssetExecutionContext, season_calendar: pd.DataFrame,
                                   player_history: pd.DataFrame, player_context: pd.DataFrame, team_context: pd.DataFrame,
                                   shot_zones: pd.DataFrame, defense_zones: pd.DataFrame):
    frame = player_composite_factors(player_context, team_context, shot_zones, defense_zones, player_history, season_calendar)
    yield dg.Output(frame, metadata=_metadata(frame, "game_date"))
    yield from DailyChecks(context, PLAYER_COMPOSITE_FACTORS).add_table_rules(
        frame, _one_per_rostered_player(player_context)).results()


@table_asset(
    ML_FEATURE_STORE,
    group=GROUP,
    ins={"player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT), "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT),
         "daily_cache": same_day(PLAYER_DAILY_CACHE), "composite": same_day(PLAYER_COMPOSITE_FACTORS),
         "shot_zones": same_day(PLAYER_SHOT_ZONE_ANALYSIS), "defense_zones": same_day(TEAM_DEFENSE_ZONE_ANALYSIS)},
)
def ml_feature_store_asset(context: dg.AssetExecutionContext, player_context: pd.DataFrame, team_context: pd.DataFrame,
                           daily_cache: pd.DataFrame, composite: pd.DataFrame, shot_zones: pd.DataFrame,
                           defense_zones: pd.DataFrame):
    frame = ml_feature_store(player_context, team_context, daily_cache, composite, shot_zones, defense_zones)
    ready = float(frame["is_quality_ready"].mean()) if len(frame) else 0.0
    yield dg.Output(frame, metadata={**_metadata(frame, "game_date"), "quality_ready_share": round(ready, 3),
                                     "mean_feature_quality": round(float(frame["feature_quality_score"].mean()), 2)
                                     if len(frame) else 0.0})
    yield from DailyChecks(context, ML_FEATURE_STORE).add_table_rules(frame, _one_per_rostered_player(player_context)).results()


PHASE4_ASSETS = [
    team_defense_zone_analysis_asset,
    player_shot_zone_analysis_asset,
    player_daily_cache_asset,
    player_composite_factors_asset,
    ml_feature_store_asset,
]
