"""The jobs the daily automation launches (each runs a day or a range of days in one run)."""

import dagster as dg

from nba_assets.phase3.assets import (
    player_game_summary,
    team_defense_game_summary,
    team_offense_game_summary,
    upcoming_player_game_context,
    upcoming_team_game_context,
)
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import player_prop_predictions, points_model, prediction_accuracy, system_daily_performance

RESULTS_JOB, CONTEXT_JOB, PREGAME_JOB = "results", "pregame_context", "pregame_predictions"

# a day's results: its box-score tables and the grading of its predictions
results_job = dg.define_asset_job(
    RESULTS_JOB,
    selection=dg.AssetSelection.assets(team_offense_game_summary, team_defense_game_summary, player_game_summary,
                                       prediction_accuracy, system_daily_performance),
    description="A day's box-score tables and the grading of its predictions.",
)

# what a day's pre-game rows are made of: rebuilt for the days after a late correction
context_job = dg.define_asset_job(
    CONTEXT_JOB,
    selection=dg.AssetSelection.assets(upcoming_team_game_context, upcoming_player_game_context, *PHASE4_ASSETS),
    description="Upcoming contexts, Phase 4 and the feature store of the days whose windows include a corrected day.",
)

pregame_job = dg.define_asset_job(
    PREGAME_JOB,
    selection=dg.AssetSelection.assets(upcoming_team_game_context, upcoming_player_game_context, *PHASE4_ASSETS,
                                       points_model, player_prop_predictions),
    description="Today's upcoming contexts, Phase 4, feature store, model (on month starts) and predictions.",
)

AUTOMATION_JOBS = [results_job, context_job, pregame_job]
