"""Assemble the five systems' predictions for feature-store rows into player_prop_predictions rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.phase4.features import source_column
from nba_assets.predictions import probability, systems
from nba_assets.predictions.model import COMPONENT_SYSTEMS, TRAINING_FEATURE_COLUMNS, latest_models, xgboost_predictions
from nba_assets.predictions.similarity import similarity_balanced
from nba_assets.predictions.tables import PLAYER_PROP_PREDICTIONS

# Without a trained model (the first weeks of the data) the ensemble has no fitted weights: it averages the
# other systems equally, the assumption-free choice. Without a model there is no error distribution either:
# no probability, no bet.
FALLBACK_WEIGHTS = {"moving_average_baseline_v1": 1.0, "zone_matchup_v1": 1.0, "similarity_balanced_v1": 1.0, "xgboost_v1": 0.0}
# What predicting reads of the feature store: what training reads, and the source tags of the features a system
# needs (systems.missing_features); the other tags, strings for a season and its lookback, are left in the table.
NEEDED_SOURCE_TAGS = frozenset(source_column(name) for names in systems.SYSTEM_FEATURES.values() for name in names)
FEATURE_COLUMNS = tuple(c for c in ML_FEATURE_STORE.column_names if c in TRAINING_FEATURE_COLUMNS or c in NEEDED_SOURCE_TAGS)


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
    chosen = latest_models(candidates["game_date"], models).fillna("")
    by_id = {row.model_id: row for row in models.itertuples()}
    parts = []
    for model_id, rows in candidates.groupby(chosen, sort=True):
        weights = json.loads(by_id[model_id].ensemble_weights) if model_id else FALLBACK_WEIGHTS
        parts.append(systems.ensemble({name: results[name].loc[rows.index] for name in COMPONENT_SYSTEMS}, weights))
    results["ensemble_v1"] = pd.concat(parts).reindex(candidates.index)
    results["ensemble_v1"]["model_id"] = chosen.replace("", None)
    frames = []
    for system_id, result in results.items():
        result = pd.concat([result, _bets(candidates, line, system_id, result, chosen, by_id)], axis=1)
        frames.append(PLAYER_PROP_PREDICTIONS.conform(_rows(candidates, line, system_id, result)[PLAYER_PROP_PREDICTIONS.column_names]))
    return pd.concat(frames, ignore_index=True)


def _bets(candidates: pd.DataFrame, line: pd.DataFrame, system_id: str, result: pd.DataFrame, chosen: pd.Series,
          by_id: dict) -> pd.DataFrame:
    """Probabilities from the error distribution of the model in force, then the recommendation at the price."""
    parts = []
    for model_id, rows in candidates.groupby(chosen, sort=True):
        distribution = json.loads(by_id[model_id].error_distributions).get(system_id) if model_id else None
        parts.append(probability.outcome_probabilities(result.loc[rows.index, "predicted_points"], line.loc[rows.index, "line_value"],
                                                       line.loc[rows.index, "line_source"], distribution))
    probabilities = pd.concat(parts).reindex(candidates.index)
    missing = systems.missing_features(candidates, system_id)
    usable = missing.isna() & result["predicted_points"].notna()
    decision = probability.recommend(probabilities, line["line_value"], line["over_price"], line["under_price"], usable)
    return pd.concat([probabilities, decision, missing.rename("missing_features")], axis=1)


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
    out["over_price"] = line["over_price"].to_numpy()
    out["under_price"] = line["under_price"].to_numpy()
    out["has_prop_line"] = candidates["has_vegas_line"].to_numpy() == 1
    out["line_bookmaker"] = np.where(out["line_source"] == "ACTUAL_PROP", candidates["line_bookmaker"], None)
    out["line_margin"] = (out["predicted_points"] - out["line_value"]).round(2)
    out["injury_status_at_prediction"] = candidates["injury_status"].to_numpy()
    out["warnings"] = pd.Series(result["warnings"].to_numpy()).replace("", None).to_numpy()
    for column in PLAYER_PROP_PREDICTIONS.column_names:
        if column not in out:
            out[column] = None
    return out
