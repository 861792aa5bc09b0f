"""Assemble the five systems' predictions for feature-store rows into player_prop_predictions rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from nba_assets.predictions import systems
from nba_assets.predictions.model import COMPONENT_SYSTEMS, latest_models, xgboost_predictions
from nba_assets.predictions.similarity import similarity_balanced
from nba_assets.predictions.tables import PLAYER_PROP_PREDICTIONS

# Without a trained model (the first weeks of the data) the ensemble has no fitted weights: it averages the
# other systems equally, the assumption-free choice.
FALLBACK_WEIGHTS = {"moving_average_baseline_v1": 1.0, "zone_matchup_v1": 1.0, "similarity_balanced_v1": 1.0, "xgboost_v1": 0.0}


def _ensemble_weights(models: pd.DataFrame) -> dict[str, dict[str, float]]:
    return {row.model_id: json.loads(row.ensemble_weights) for row in models.itertuples()}


def build_predictions(features: pd.DataFrame, history: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """features: feature-store rows of the days to predict; history: earlier feature-store rows with
    actual_points (for similarity); models: points_model rows dated on or before those days."""
    candidates = features[features["is_prediction_candidate"].astype(bool)].reset_index(drop=True)
    if candidates.empty:
        return PLAYER_PROP_PREDICTIONS.empty()
    line = systems.pregame_line(candidates)
    results = {
        "moving_average_baseline_v1": systems.moving_average_baseline(candidates),
        "zone_matchup_v1": systems.zone_matchup(candidates),
        "similarity_balanced_v1": similarity_balanced(candidates, history),
        "xgboost_v1": xgboost_predictions(candidates, models),
    }
    for system_id, result in results.items():
        result["recommendation"] = systems.recommend(result["predicted_points"], result["confidence_score"],
                                                     line["line_value"], systems.RECOMMENDATION_RULES[system_id])
    chosen = latest_models(candidates["game_date"], models)
    weights = _ensemble_weights(models)
    parts = []
    for model_id, rows in candidates.groupby(chosen.fillna(""), sort=True):
        components = {name: results[name].loc[rows.index] for name in COMPONENT_SYSTEMS}
        parts.append(systems.ensemble(components, weights.get(model_id, FALLBACK_WEIGHTS), line.loc[rows.index, "line_value"]))
    results["ensemble_v1"] = pd.concat(parts).reindex(candidates.index)
    results["ensemble_v1"]["model_id"] = chosen.where(chosen.astype(bool))
    frames = [PLAYER_PROP_PREDICTIONS.conform(_rows(candidates, line, system_id, result)[PLAYER_PROP_PREDICTIONS.column_names])
              for system_id, result in results.items()]
    return pd.concat(frames, ignore_index=True)


def _rows(candidates: pd.DataFrame, line: pd.DataFrame, system_id: str, result: pd.DataFrame) -> pd.DataFrame:
    out = candidates[["game_date", "player_lookup", "game_id", "team_abbr", "opponent_team_abbr", "season_year",
                      "feature_quality_score", "quality_tier", "is_quality_ready"]].copy()
    out["system_id"] = system_id
    out["prediction_id"] = (out["game_date"].dt.strftime("%Y-%m-%d") + "_" + out["player_lookup"] + "_" + system_id)
    for column in PLAYER_PROP_PREDICTIONS.column_names:
        if column in result and column not in out:
            out[column] = result[column].to_numpy()
    out["line_value"] = line["line_value"].to_numpy()
    out["line_source"] = np.where(line["line_value"].notna(), line["line_source"], None)
    out["has_prop_line"] = candidates["has_vegas_line"].to_numpy() == 1
    out["line_bookmaker"] = np.where(out["line_source"] == "ACTUAL_PROP", candidates["line_bookmaker"], None)
    out["line_margin"] = (out["predicted_points"] - out["line_value"]).round(2)
    out["injury_status_at_prediction"] = candidates["injury_status"].to_numpy()
    out["warnings"] = pd.Series(result["warnings"].to_numpy()).replace("", None).to_numpy()
    for column in PLAYER_PROP_PREDICTIONS.column_names:
        if column not in out:
            out[column] = None
    return out
