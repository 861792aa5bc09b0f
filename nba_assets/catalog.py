"""Every warehouse table of the graph, in dependency order: what checks, coverage, missing days and docs iterate.
Each table's facts are declared with its schema (phase3/tables.py, phase4/tables.py, phase4/feature_store.py,
predictions/tables.py, calendar.py); nothing here adds to them."""

from __future__ import annotations

from nba_assets.calendar import SEASON_CALENDAR
from nba_assets.phase3.tables import PHASE3_TABLES
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.phase4.tables import (
    PLAYER_COMPOSITE_FACTORS,
    PLAYER_DAILY_CACHE,
    PLAYER_SHOT_ZONE_ANALYSIS,
    TEAM_DEFENSE_ZONE_ANALYSIS,
)
from nba_assets.predictions.tables import (
    PICK_PUBLICATIONS,
    PLAYER_PROP_PREDICTIONS,
    POINTS_MODEL,
    PREDICTION_ACCURACY,
    SYSTEM_DAILY_PERFORMANCE,
)
from nba_assets.storage.schema import TableSchema

GRAPH_TABLES: tuple[TableSchema, ...] = (
    SEASON_CALENDAR, *PHASE3_TABLES, TEAM_DEFENSE_ZONE_ANALYSIS, PLAYER_SHOT_ZONE_ANALYSIS, PLAYER_COMPOSITE_FACTORS,
    PLAYER_DAILY_CACHE, ML_FEATURE_STORE, POINTS_MODEL, PLAYER_PROP_PREDICTIONS, PICK_PUBLICATIONS, PREDICTION_ACCURACY,
    SYSTEM_DAILY_PERFORMANCE,
)
# the tables that must cover every expected game date (declared `coverage`), and the windowed ones
GAME_DAY_TABLES = tuple(table for table in GRAPH_TABLES if table.coverage is not None)
WINDOWED_TABLES = tuple(table for table in GRAPH_TABLES if table.windows)
