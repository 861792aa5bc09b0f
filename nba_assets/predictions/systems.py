"""The prediction systems of reference §12 as plain functions over feature-store rows (features by name).

Each returns one row per input row: predicted_points (NULL when the system cannot predict), a 0-100
confidence_score, its adjustments and warnings. Fixes against the reference:
- fatigue_score is 100 = fresh everywhere: a low score costs points (the reference penalised fresh players);
- zone_matchup_v1 uses the opponent's per-zone FG% allowed versus league (shot_zone_mismatch_score) and the
  player's shot volume, not the overall defensive rating;
- a factor that is NULL adds no adjustment and is named in warnings; it is never replaced by a default.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from nba_assets.predictions.tables import ACTUAL_PROP, ESTIMATED_AVG, NO_LINE, OVER, PASS, UNDER

MAX_POINTS = 60.0


def pregame_line(features: pd.DataFrame) -> pd.DataFrame:
    """The line each prediction is judged against: the pre-game prop when there is one, else the last-5
    average rounded to the nearest half point (flagged ESTIMATED_AVG, never hit-rate graded), else none."""
    actual = features["vegas_points_line"]
    estimated = (features["points_avg_last_5"] * 2).round() / 2
    line = actual.where(actual.notna(), estimated)
    source = np.where(actual.notna(), ACTUAL_PROP, np.where(estimated.notna(), ESTIMATED_AVG, None))
    return pd.DataFrame({"line_value": line, "line_source": source}, index=features.index)


def _adjust(value: pd.Series, weight: float, name: str, warnings: pd.Series) -> tuple[pd.Series, pd.Series]:
    missing = value.isna()
    return (value * weight).fillna(0.0), warnings + np.where(missing, f"no {name};", "")


def _fatigue_points(fatigue_score: pd.Series, severe: float, moderate: float) -> pd.Series:
    """Points lost to fatigue on the 100 = fresh scale: `severe` below 30, `moderate` below 50."""
    return pd.Series(np.select([fatigue_score < 30, fatigue_score < 50], [severe, moderate], default=0.0),
                     index=fatigue_score.index).where(fatigue_score.notna(), 0.0)


def _clip_points(values: pd.Series) -> pd.Series:
    return values.clip(0, MAX_POINTS).round(1)


def _baseline_confidence(features: pd.DataFrame) -> pd.Series:
    """MA / zone confidence (reference, 0-1 scaled to 0-100): volatile scorers and rusty players lower it."""
    std = features["points_std_last_10"]
    games = features["games_in_last_7_days"]
    conf = 0.5 - np.select([std > 6, std > 4], [0.15, 0.08], default=0.0)
    conf = conf + np.select([games >= 3, games == 2], [0.10, 0.05], default=-0.10)
    return pd.Series(np.clip(conf, 0.2, 0.8) * 100, index=features.index).round(1)


def moving_average_baseline(features: pd.DataFrame) -> pd.DataFrame:
    """0.5·L5 + 0.3·L10 + 0.2·season, plus small context adjustments."""
    warnings = pd.Series("", index=features.index)
    base = 0.5 * features["points_avg_last_5"] + 0.3 * features["points_avg_last_10"] + 0.2 * features["points_avg_season"]
    out = pd.DataFrame(index=features.index)
    out["base_points"] = base.round(2)
    out["fatigue_adjustment"] = _fatigue_points(features["fatigue_score"], -2.5, -1.0) - 1.5 * features["back_to_back"].fillna(0)
    out["shot_zone_adjustment"], warnings = _adjust(features["shot_zone_mismatch_score"], 0.3, "shot-zone matchup", warnings)
    out["pace_adjustment"], warnings = _adjust(features["pace_score"], 0.3, "pace", warnings)
    out["usage_adjustment"], warnings = _adjust(features["usage_spike_score"], 0.4, "usage projection", warnings)
    out["venue_adjustment"] = np.where(features["home_away"] == 1, 0.5, -0.5)
    adjustments = out[["fatigue_adjustment", "shot_zone_adjustment", "pace_adjustment", "usage_adjustment", "venue_adjustment"]]
    out["predicted_points"] = _clip_points(base + adjustments.sum(axis=1))
    out["confidence_score"] = _baseline_confidence(features)
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
    out["fatigue_adjustment"] = _fatigue_points(features["fatigue_score"], -1.5, -0.8)
    out["usage_adjustment"] = 0.0
    adjustments = out[["shot_zone_adjustment", "pace_adjustment", "venue_adjustment", "fatigue_adjustment"]]
    out["predicted_points"] = _clip_points(base + adjustments.sum(axis=1))
    out["confidence_score"] = _baseline_confidence(features)
    out["warnings"] = warnings.where(base.notna(), "no games this season;")
    return out


@dataclasses.dataclass(frozen=True)
class RecommendationRule:
    """OVER / UNDER needs an edge and a confidence beyond these (strictly, or at least, as the reference says)."""

    min_edge: float
    edge_strict: bool
    min_confidence: float
    confidence_strict: bool


RECOMMENDATION_RULES = {
    "moving_average_baseline_v1": RecommendationRule(2.0, True, 45.0, True),
    "zone_matchup_v1": RecommendationRule(2.0, True, 45.0, True),
    "similarity_balanced_v1": RecommendationRule(2.0, False, 65.0, False),
    "xgboost_v1": RecommendationRule(1.5, False, 60.0, False),
}


def recommend(predicted: pd.Series, confidence: pd.Series, line: pd.Series, rule: RecommendationRule) -> pd.Series:
    """OVER / UNDER when edge and confidence clear the rule, PASS otherwise, NO_LINE without a line."""
    edge = predicted - line
    edge_ok = edge.abs() > rule.min_edge if rule.edge_strict else edge.abs() >= rule.min_edge
    conf_ok = confidence > rule.min_confidence if rule.confidence_strict else confidence >= rule.min_confidence
    decided = (edge_ok & conf_ok & predicted.notna()).fillna(False).to_numpy(dtype=bool)
    choice = np.where(decided, np.where(edge > 0, OVER, UNDER), PASS)
    return pd.Series(np.where(line.isna(), NO_LINE, choice), index=predicted.index)


def xgboost_confidence(features: pd.DataFrame) -> pd.Series:
    """Reference: 70, plus feature quality (+10 ≥ 90, +7 ≥ 80, +5 ≥ 70, +2 ≥ 60) and consistency (+10 std < 4,
    +7 < 6, +5 < 8, +2 otherwise)."""
    quality = features["feature_quality_score"]
    std = features["points_std_last_10"]
    bonus = np.select([quality >= 90, quality >= 80, quality >= 70, quality >= 60], [10, 7, 5, 2], default=0)
    bonus = bonus + np.select([std < 4, std < 6, std < 8], [10, 7, 5], default=2)
    return pd.Series(70.0 + bonus, index=features.index)


def ensemble(components: dict[str, pd.DataFrame], weights: dict[str, float], line: pd.Series) -> pd.DataFrame:
    """Weighted mean of the component predictions available for a row (weights from the model asset, fitted
    for least absolute error; equal weights over the available components when the fitted ones all sit on
    missing systems), confidence = mean component confidence ± agreement (reference §12.5). Needs ≥ 2
    component predictions."""
    names = list(components)
    index = line.index
    preds = pd.DataFrame({n: components[n]["predicted_points"] for n in names}, index=index)
    confs = pd.DataFrame({n: components[n]["confidence_score"] for n in names}, index=index)
    recs = pd.DataFrame({n: components[n]["recommendation"] for n in names}, index=index)
    available = preds.notna()
    w = pd.DataFrame({n: np.where(available[n], weights.get(n, 0.0), 0.0) for n in names}, index=index)
    no_weight = w.sum(axis=1) == 0
    w = w.where(~no_weight, available.astype(float), axis=0)
    count = available.sum(axis=1)
    out = pd.DataFrame(index=index)
    out["predicted_points"] = _clip_points((preds.fillna(0) * w).sum(axis=1) / w.sum(axis=1)).where(count >= 2)
    spread = preds.std(axis=1)
    agreement = np.select([spread < 2, spread < 3, spread < 6], [10, 5, -5], default=-10)
    conf = confs.where(available).mean(axis=1) + agreement + np.where(count == len(names), 5, 0)
    out["confidence_score"] = conf.clip(20, 95).round(1).where(out["predicted_points"].notna())
    out["system_agreement_std"] = spread.round(2)
    names_used = pd.Series("", index=index)
    for name in names:
        names_used = names_used + np.where(available[name], name + ",", "")
    out["contributing_systems"] = names_used.str.rstrip(",")
    edge = out["predicted_points"] - line
    directional = recs.where(recs.isin([OVER, UNDER]))
    over, under = (directional == OVER).sum(axis=1), (directional == UNDER).sum(axis=1)
    majority = np.where(over > count / 2, OVER, np.where(under > count / 2, UNDER, np.where(edge > 0, OVER, UNDER)))
    decided = ((out["confidence_score"] >= 65) & (edge.abs() >= 1.5)).fillna(False).to_numpy(dtype=bool)
    out["recommendation"] = np.where(line.isna(), NO_LINE, np.where(decided, majority, PASS))
    out["base_points"] = out["predicted_points"]
    out["warnings"] = np.where(count < 2, "fewer than 2 component predictions;", "")
    return out
