"""The prediction systems of reference §12 as plain functions over feature-store rows (features by name).

Each returns one row per input row: predicted_points (NULL when the system cannot predict), its adjustments
and warnings. Probabilities, confidence and the recommendation are made from the predicted points afterwards,
the same way for every system (predictions.probability). Fixes against the reference:
- fatigue_score is 100 = fresh everywhere: a low score costs points (the reference penalised fresh players),
  and its penalties start where real minute loads put a player (phase4.composite_factors); a back-to-back is
  part of the score, not a second penalty;
- zone_matchup_v1 uses the opponent's per-zone FG% allowed versus league (shot_zone_mismatch_score) and the
  player's shot volume, not the overall defensive rating;
- a factor that is NULL adds no adjustment and is named in warnings; it is never replaced by a default;
- a row lacking a feature its system needs (the feature store's source tag says 'missing') gets no
  recommendation (SYSTEM_FEATURES).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.phase4.features import MISSING, source_column
from nba_assets.predictions.tables import ACTUAL_PROP, ESTIMATED_AVG

MAX_POINTS = 60.0

# The features without which a system's number is not what the system claims: a row missing one is predicted
# where possible but never recommended. xgboost_v1 was trained with shot zones missing for whole seasons (no
# play-by-play), so it does not need them; it needs the player's form, minutes and the matchup.
SYSTEM_FEATURES: dict[str, tuple[str, ...]] = {
    "moving_average_baseline_v1": ("points_avg_last_5", "points_avg_last_10", "points_avg_season", "fatigue_score",
                                   "home_away"),
    "zone_matchup_v1": ("points_avg_season", "shot_zone_mismatch_score", "fg_attempts_avg_last_10", "pct_three",
                        "fatigue_score", "home_away"),
    "similarity_balanced_v1": ("opponent_def_rating", "points_avg_last_5", "points_avg_season", "home_away"),
    "xgboost_v1": ("points_avg_last_5", "points_avg_last_10", "points_avg_season", "minutes_avg_last_10",
                   "ppm_avg_last_10", "opponent_def_rating", "opponent_pace", "home_away", "back_to_back"),
}
SYSTEM_FEATURES["ensemble_v1"] = SYSTEM_FEATURES["xgboost_v1"]

# Points lost to fatigue (score 100 = fresh). Measured against the 0.5·L5 + 0.3·L10 + 0.2·season baseline on real
# 2021-23 player-games, no fatigue band scores more than ±0.4 points away from it (back-to-backs +0.35): real
# effects are small and confounded (docs/simulated-league.md encodes a starter's back-to-back as −5 % minutes).
# The penalties stay small: half a point from the heaviest tenth of loads on, one point for the heaviest 1 %.
FATIGUE_PENALTIES = ((60, -1.0), (75, -0.5))


def pregame_line(features: pd.DataFrame) -> pd.DataFrame:
    """The line each prediction is judged against: the pre-game prop with its prices when there is one, else the
    last-5 average rounded to the nearest half point (flagged ESTIMATED_AVG: no price, never bet or hit-rate
    graded), else none."""
    actual = features["vegas_points_line"]
    estimated = (features["points_avg_last_5"] * 2).round() / 2
    line = actual.where(actual.notna(), estimated)
    source = np.where(actual.notna(), ACTUAL_PROP, np.where(estimated.notna(), ESTIMATED_AVG, None))
    return pd.DataFrame({
        "line_value": line,
        "line_source": source,
        "over_price": features["line_over_price"].where(actual.notna()).astype("Float64"),
        "under_price": features["line_under_price"].where(actual.notna()).astype("Float64"),
    }, index=features.index)


def missing_features(features: pd.DataFrame, system_id: str) -> pd.Series:
    """The features `system_id` needs that a row lacks (by the feature store's source tags), or None."""
    names = SYSTEM_FEATURES[system_id]
    missing = pd.DataFrame({name: features[source_column(name)].eq(MISSING) for name in names}, index=features.index)
    listed = pd.Series("", index=features.index)
    for name in names:
        listed = listed + np.where(missing[name], name + ", ", "")
    return listed.str.rstrip(", ").replace("", None)


def _adjust(value: pd.Series, weight: float, name: str, warnings: pd.Series) -> tuple[pd.Series, pd.Series]:
    missing = value.isna()
    return (value * weight).fillna(0.0), warnings + np.where(missing, f"no {name};", "")


def fatigue_points(fatigue_score: pd.Series) -> pd.Series:
    """FATIGUE_PENALTIES: −1.0 below 60, −0.5 below 75, else 0 (0 when the score is unknown)."""
    conditions = [fatigue_score < limit for limit, _ in FATIGUE_PENALTIES]
    return pd.Series(np.select(conditions, [points for _, points in FATIGUE_PENALTIES], default=0.0),
                     index=fatigue_score.index).where(fatigue_score.notna(), 0.0)


def _clip_points(values: pd.Series) -> pd.Series:
    return values.clip(0, MAX_POINTS).round(1)


def moving_average_baseline(features: pd.DataFrame) -> pd.DataFrame:
    """0.5·L5 + 0.3·L10 + 0.2·season, plus small context adjustments."""
    warnings = pd.Series("", index=features.index)
    base = 0.5 * features["points_avg_last_5"] + 0.3 * features["points_avg_last_10"] + 0.2 * features["points_avg_season"]
    out = pd.DataFrame(index=features.index)
    out["base_points"] = base.round(2)
    out["fatigue_adjustment"] = fatigue_points(features["fatigue_score"])
    out["shot_zone_adjustment"], warnings = _adjust(features["shot_zone_mismatch_score"], 0.3, "shot-zone matchup", warnings)
    out["pace_adjustment"], warnings = _adjust(features["pace_score"], 0.3, "pace", warnings)
    out["usage_adjustment"], warnings = _adjust(features["usage_spike_score"], 0.4, "usage projection", warnings)
    out["venue_adjustment"] = np.where(features["home_away"] == 1, 0.5, -0.5)
    adjustments = out[["fatigue_adjustment", "shot_zone_adjustment", "pace_adjustment", "usage_adjustment", "venue_adjustment"]]
    out["predicted_points"] = _clip_points(base + adjustments.sum(axis=1))
    out["warnings"] = warnings.where(base.notna(), "no games this season;")
    return out


def zone_matchup(features: pd.DataFrame) -> pd.DataFrame:
    """Season average plus the points the opponent's zone defense should add or take away: shot volume ×
    the opponent's FG% allowed versus league on the player's zone mix × points per make."""
    warnings = pd.Series("", index=features.index)
    base = features["points_avg_season"]
    points_per_make = 2 + features["pct_three"]
    zone_points = features["fg_attempts_avg_last_10"] * features["shot_zone_mismatch_score"] / 100 * points_per_make
    out = pd.DataFrame(index=features.index)
    out["base_points"] = base.round(2)
    out["shot_zone_adjustment"], warnings = _adjust(zone_points, 1.0, "shot-zone matchup", warnings)
    out["pace_adjustment"], warnings = _adjust(features["pace_score"], 0.4, "pace", warnings)
    out["venue_adjustment"] = np.where(features["home_away"] == 1, 0.8, -0.8)
    out["fatigue_adjustment"] = fatigue_points(features["fatigue_score"])
    out["usage_adjustment"] = 0.0
    adjustments = out[["shot_zone_adjustment", "pace_adjustment", "venue_adjustment", "fatigue_adjustment"]]
    out["predicted_points"] = _clip_points(base + adjustments.sum(axis=1))
    out["warnings"] = warnings.where(base.notna(), "no games this season;")
    return out


def ensemble(components: dict[str, pd.DataFrame], weights: dict[str, float]) -> pd.DataFrame:
    """Weighted mean of the component predictions available for a row (weights from the model asset, fitted
    for least absolute error; equal weights over the available components when the fitted ones all sit on
    missing systems). Needs ≥ 2 component predictions."""
    names = list(components)
    index = next(iter(components.values())).index
    preds = pd.DataFrame({n: components[n]["predicted_points"] for n in names}, index=index)
    available = preds.notna()
    w = pd.DataFrame({n: np.where(available[n], weights.get(n, 0.0), 0.0) for n in names}, index=index)
    no_weight = w.sum(axis=1) == 0
    w = w.where(~no_weight, available.astype(float), axis=0)
    count = available.sum(axis=1)
    out = pd.DataFrame(index=index)
    out["predicted_points"] = _clip_points((preds.fillna(0) * w).sum(axis=1) / w.sum(axis=1)).where(count >= 2)
    out["system_agreement_std"] = preds.std(axis=1).round(2)
    names_used = pd.Series("", index=index)
    for name in names:
        names_used = names_used + np.where(available[name], name + ",", "")
    out["contributing_systems"] = names_used.str.rstrip(",")
    out["base_points"] = out["predicted_points"]
    out["warnings"] = np.where(count < 2, "fewer than 2 component predictions;", "")
    return out
