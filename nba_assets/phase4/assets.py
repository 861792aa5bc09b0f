"""Phase 4 precompute assets and the feature store: thin wiring around phase4.*.

Upstream windows are declared on the inputs: history(...) maps day D to the HISTORY_DAYS days before it
(never D), same_day(...) to D. Lineage, staleness and backfill ordering in Dagster follow from them.
"""

import dagster as dg
import pandas as pd

from nba_assets.calendar import SEASON_CALENDAR
from nba_assets.checks.governance import Evidence, Publication
from nba_assets.phase3.assets import season_schedule
from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
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
from nba_assets.raw.reads import RawReads
from nba_assets.raw.resource import RawSourceResource, raw_key
from nba_assets.storage.warehouse import Warehouse
from nba_assets.table_asset import history, rows_per_day, same_day, table_asset, window_dates
from nba_assets.windows import team_game_lineage

GROUP = "phase4_precompute"
CALENDAR_INPUT = dg.AssetIn(key=SEASON_CALENDAR.asset_key)
TEAM_TARGET = ["game_date", "game_id", "team_abbr", "opponent_team_abbr", "season_year"]
PLAYER_TARGET = ["game_date", "game_id", "player_lookup", "team_abbr", "opponent_team_abbr", "season_year"]


def _metadata(frame: pd.DataFrame, date_column: str) -> dict:
    return {"game_days": int(frame[date_column].nunique()) if len(frame) else 0}


def _one_per_row(context_rows: pd.DataFrame) -> Evidence:
    """One row per row of the same day's upcoming context (a team playing, or a rostered player)."""
    return Evidence(expected_rows=rows_per_day(context_rows, "game_date"))



def _season_schedule(context: dg.AssetExecutionContext, raw: RawSourceResource) -> pd.DataFrame:
    return season_schedule(RawReads(raw, *window_dates(context)))

@table_asset(
    TEAM_DEFENSE_ZONE_ANALYSIS,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "defense_history": history(TEAM_DEFENSE_GAME_SUMMARY, columns=DEFENSE_HISTORY),
         "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT, columns=TEAM_TARGET)},
    deps=[raw_key("nbac_schedule")],
)
def team_defense_zone_analysis_asset(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse,
                                     season_calendar: pd.DataFrame, defense_history: pd.DataFrame,
                                     team_context: pd.DataFrame):
    publication = Publication(context, warehouse, TEAM_DEFENSE_ZONE_ANALYSIS)
    team_context = publication.keep(team_context)
    scheduled, present = team_game_lineage(_season_schedule(context, raw), defense_history)
    frame = team_defense_zone_analysis(team_context[TEAM_TARGET], season_calendar, defense_history, scheduled, present)
    yield from publication.publish(frame, _one_per_row(team_context),
                       metadata=_metadata(frame, "analysis_date"))


@table_asset(
    PLAYER_SHOT_ZONE_ANALYSIS,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "player_history": history(PLAYER_GAME_SUMMARY, columns=ZONE_PLAYER_HISTORY),
         "team_history": history(TEAM_OFFENSE_GAME_SUMMARY, columns=LINEAGE_HISTORY),
         "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT, columns=PLAYER_TARGET)},
    deps=[raw_key("nbac_schedule")],
)
def player_shot_zone_analysis_asset(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse,
                                    season_calendar: pd.DataFrame, player_history: pd.DataFrame,
                                    team_history: pd.DataFrame, player_context: pd.DataFrame):
    publication = Publication(context, warehouse, PLAYER_SHOT_ZONE_ANALYSIS)
    player_context = publication.keep(player_context)
    scheduled, present = team_game_lineage(_season_schedule(context, raw), team_history, player_history)
    frame = player_shot_zone_analysis(player_context[PLAYER_TARGET], season_calendar, player_history, scheduled, present)
    yield from publication.publish(frame, _one_per_row(player_context),
                       metadata=_metadata(frame, "analysis_date"))


@table_asset(
    PLAYER_DAILY_CACHE,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "player_history": history(PLAYER_GAME_SUMMARY, columns=CACHE_PLAYER_HISTORY),
         "team_history": history(TEAM_OFFENSE_GAME_SUMMARY, columns=CACHE_TEAM_HISTORY),
         "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT, columns=PLAYER_TARGET),
         "shot_zones": same_day(PLAYER_SHOT_ZONE_ANALYSIS, columns=CACHE_SHOT_ZONES)},
    deps=[raw_key("nbac_schedule")],
)
def player_daily_cache_asset(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse,
                             season_calendar: pd.DataFrame, player_history: pd.DataFrame, team_history: pd.DataFrame,
                             player_context: pd.DataFrame, shot_zones: pd.DataFrame):
    publication = Publication(context, warehouse, PLAYER_DAILY_CACHE)
    player_context = publication.keep(player_context)
    scheduled, present = team_game_lineage(_season_schedule(context, raw), team_history, player_history)
    frame = player_daily_cache(player_context[PLAYER_TARGET], season_calendar, player_history, team_history, shot_zones,
                               scheduled, present)
    yield from publication.publish(frame, _one_per_row(player_context),
                       metadata=_metadata(frame, "cache_date"))


@table_asset(
    PLAYER_COMPOSITE_FACTORS,
    group=GROUP,
    ins={"season_calendar": CALENDAR_INPUT, "player_history": history(PLAYER_GAME_SUMMARY, columns=USAGE_PLAYER_HISTORY),
         "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT), "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT),
         "shot_zones": same_day(PLAYER_SHOT_ZONE_ANALYSIS), "defense_zones": same_day(TEAM_DEFENSE_ZONE_ANALYSIS)},
)
def player_composite_factors_asset(context: dg.AssetExecutionContext, warehouse: Warehouse, season_calendar: pd.DataFrame,
                                   player_history: pd.DataFrame, player_context: pd.DataFrame, team_context: pd.DataFrame,
                                   shot_zones: pd.DataFrame, defense_zones: pd.DataFrame):
    publication = Publication(context, warehouse, PLAYER_COMPOSITE_FACTORS)
    player_context = publication.keep(player_context)
    frame = player_composite_factors(player_context, team_context, shot_zones, defense_zones, player_history, season_calendar)
    yield from publication.publish(frame, _one_per_row(player_context),
                       metadata=_metadata(frame, "game_date"))


@table_asset(
    ML_FEATURE_STORE,
    group=GROUP,
    ins={"player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT), "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT),
         "daily_cache": same_day(PLAYER_DAILY_CACHE), "composite": same_day(PLAYER_COMPOSITE_FACTORS),
         "shot_zones": same_day(PLAYER_SHOT_ZONE_ANALYSIS), "defense_zones": same_day(TEAM_DEFENSE_ZONE_ANALYSIS)},
)
def ml_feature_store_asset(context: dg.AssetExecutionContext, warehouse: Warehouse, player_context: pd.DataFrame,
                           team_context: pd.DataFrame, daily_cache: pd.DataFrame, composite: pd.DataFrame,
                           shot_zones: pd.DataFrame, defense_zones: pd.DataFrame):
    publication = Publication(context, warehouse, ML_FEATURE_STORE)
    player_context = publication.keep(player_context)
    frame = ml_feature_store(player_context, team_context, daily_cache, composite, shot_zones, defense_zones)
    ready = float(frame["is_quality_ready"].mean()) if len(frame) else 0.0
    yield from publication.publish(frame, _one_per_row(player_context), metadata={
        **_metadata(frame, "game_date"), "quality_ready_share": round(ready, 3),
        "mean_feature_quality": round(float(frame["feature_quality_score"].mean()), 2) if len(frame) else 0.0})


PHASE4_ASSETS = [
    team_defense_zone_analysis_asset,
    player_shot_zone_analysis_asset,
    player_daily_cache_asset,
    player_composite_factors_asset,
    ml_feature_store_asset,
]
