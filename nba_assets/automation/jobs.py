"""The jobs the daily automation launches (each runs a day or a range of days in one run).

The warehouse checks (schema, keys, coverage, freshness) read whole tables: they run on their own schedule and
after backfills, not inside every daily run.
"""

import dagster as dg

from nba_assets.checks.warehouse import WAREHOUSE_CHECKS
from nba_assets.phase3.assets import (
    player_game_summary,
    team_defense_game_summary,
    team_offense_game_summary,
    upcoming_player_game_context,
    upcoming_team_game_context,
)
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import (
    pick_publications,
    pick_slate,
    player_prop_predictions,
    points_model,
    prediction_accuracy,
    system_daily_performance,
)

RESULTS_JOB, CONTEXT_JOB, PREGAME_JOB, MODEL_JOB = "results", "pregame_context", "pregame_predictions", "monthly_model"


def _daily(*assets) -> dg.AssetSelection:
    return dg.AssetSelection.assets(*assets) - dg.AssetSelection.checks(*WAREHOUSE_CHECKS)


# a day's results: its box-score tables, the grading of its picks of record and the slate with its results
results_job = dg.define_asset_job(
    RESULTS_JOB,
    selection=_daily(team_offense_game_summary, team_defense_game_summary, player_game_summary, prediction_accuracy,
                     system_daily_performance, pick_slate),
    description="A day's box-score tables, the grading of its picks of record and its slate with the results.",
)

# what a day's pre-game rows are made of: rebuilt (as as-of reconstructions) for the days after a late correction
context_job = dg.define_asset_job(
    CONTEXT_JOB,
    selection=_daily(upcoming_team_game_context, upcoming_player_game_context, *PHASE4_ASSETS, player_prop_predictions),
    description="Upcoming contexts, Phase 4, the feature store and predictions of the days whose windows include a "
                "corrected day (as-of reconstructions: their publications stay as published).",
)

# tonight: the pre-game tables as known at the run's moment, the publication of what changed, the slate
PREGAME_ASSETS = [upcoming_team_game_context, upcoming_player_game_context, *PHASE4_ASSETS, player_prop_predictions,
                  pick_publications, pick_slate]
pregame_job = dg.define_asset_job(
    PREGAME_JOB,
    selection=_daily(*PREGAME_ASSETS),
    description="Today's upcoming contexts, Phase 4, feature store and predictions as known at the run's moment, the "
                "publication of the picks that changed, and the slate.",
)

# the month's model, trained on every day before the month's first day, before the month's first game
model_job = dg.define_asset_job(
    MODEL_JOB,
    selection=_daily(points_model),
    description="The points model of a month (partition = the month's first day), trained on every earlier day.",
)

AUTOMATION_JOBS = [results_job, context_job, pregame_job, model_job]
