"""From predicted points to a bet: the probability of OVER / UNDER / PUSH at a line, and the expected value at
the offered American odds.

Probabilities come from the system's own error distribution, measured out of sample on days before the model's
cutoff (the points model's validation window: every row there was graded before the model was trained, and the
model that made those predictions never saw them). Errors grow with the predicted level (a 25-point scorer misses
by more than a 5-point one), so the distribution is kept per band of predicted points: the residuals'
(actual − predicted) quantiles in each band.

Points are whole numbers and lines are whole or half points. With Y = predicted + residual (a continuous
stand-in for the whole-number result), OVER wins when Y > floor(line) + 0.5 and UNDER when Y < ceil(line) − 0.5;
a whole-number line leaves the unit around it as the push (one push rule: points == line).

That alone is overconfident: where the prediction is far from the line, the line knows something the
prediction missed (a book's line more than the last-5 average). So the raw probabilities are recalibrated on the
same validation rows, per kind of line (ACTUAL_PROP, ESTIMATED_AVG): a logistic regression of the outcome (over;
under) on the logit of the raw probability. Without enough validation rows of a kind of line there is no
probability for that kind, hence no bet.

A bet is recommended only when its expected value per unit staked, at the offered price, clears EV_MARGIN;
PASS otherwise, and without a price (an estimated line has none) there is never a bet.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from nba_assets.lines import payout
from nba_assets.predictions.tables import ACTUAL_PROP, ESTIMATED_AVG, NO_LINE, OVER, PASS, UNDER

# 5 % of the stake. At -110 this asks for a win probability of 0.550 instead of the break-even 0.524: a cushion
# about the size of the calibration error measured on the validation windows (reliability bins within ±3 points),
# so a bet is not made on calibration error alone. Set before looking at any evaluation on lines.
EV_MARGIN = 0.05
PREDICTION_BANDS = 6  # bands of predicted points (equal-count on the calibration rows)
MIN_BAND_ROWS = 200
MIN_CALIBRATION_ROWS = 200
QUANTILES = np.linspace(0.0, 1.0, 201)
LINE_KINDS = (ACTUAL_PROP, ESTIMATED_AVG)


def fit_error_distribution(predicted: np.ndarray, actual: np.ndarray) -> dict | None:
    """Residual quantiles per band of predicted points (bands of equal count, each at least MIN_BAND_ROWS rows);
    None with fewer than MIN_BAND_ROWS rows."""
    predicted, actual = np.asarray(predicted, dtype="float64"), np.asarray(actual, dtype="float64")
    known = ~np.isnan(predicted) & ~np.isnan(actual)
    predicted, residual = predicted[known], actual[known] - predicted[known]
    if len(predicted) < MIN_BAND_ROWS:
        return None
    bands = int(min(PREDICTION_BANDS, len(predicted) // MIN_BAND_ROWS))
    inner = np.unique(np.quantile(predicted, np.linspace(0, 1, bands + 1)[1:-1])) if bands > 1 else np.array([])
    band = np.searchsorted(inner, predicted, side="right")
    return {
        "band_edges": [round(float(e), 4) for e in inner],
        "residual_quantiles": [[round(float(q), 4) for q in np.quantile(residual[band == b], QUANTILES)]
                               for b in range(len(inner) + 1)],
        "rows": int(len(predicted)),
    }


def _exceedance(distribution: dict, predicted: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """P(predicted + residual > threshold) from the band's residual quantiles (linear between quantiles)."""
    edges = np.asarray(distribution["band_edges"], dtype="float64")
    table = np.asarray(distribution["residual_quantiles"], dtype="float64")
    band = np.searchsorted(edges, np.nan_to_num(predicted), side="right")
    out = np.full(len(predicted), np.nan)
    for b in np.unique(band):
        rows = band == b
        quantiles = table[b]
        # np.interp needs increasing x: ties in the residual quantiles are collapsed to their highest level
        x, last = np.unique(quantiles[::-1], return_index=True)
        levels = QUANTILES[::-1][last]
        out[rows] = 1.0 - np.interp(threshold[rows] - predicted[rows], x, levels, left=0.0, right=1.0)
    return out


def raw_probabilities(predicted: np.ndarray, line: np.ndarray, distribution: dict) -> tuple[np.ndarray, np.ndarray]:
    """P(OVER), P(UNDER) from the residual quantiles alone (NaN where the prediction or the line is unknown)."""
    over, under = np.full(len(predicted), np.nan), np.full(len(predicted), np.nan)
    known = ~np.isnan(predicted) & ~np.isnan(line)
    if known.any():
        over[known] = _exceedance(distribution, predicted[known], np.floor(line[known]) + 0.5)
        under[known] = 1.0 - _exceedance(distribution, predicted[known], np.ceil(line[known]) - 0.5)
    return over, under


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def fit_logistic(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> list[float]:
    """[a, b] of P(y) = 1 / (1 + exp(−(a + b·x))) by Newton's method (maximum likelihood)."""
    design = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(2)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(design @ beta)))
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, design.T @ (y - p))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return [round(float(beta[0]), 6), round(float(beta[1]), 6)]


def fit_calibration(raw_over: np.ndarray, raw_under: np.ndarray, actual: np.ndarray, line: np.ndarray) -> dict | None:
    """Logistic recalibration of the raw probabilities against the outcomes on rows with a line; None with
    fewer than MIN_CALIBRATION_ROWS."""
    known = ~np.isnan(raw_over) & ~np.isnan(actual) & ~np.isnan(line)
    if known.sum() < MIN_CALIBRATION_ROWS:
        return None
    over, under, points, value = raw_over[known], raw_under[known], actual[known], line[known]
    return {"over": fit_logistic(_logit(over), (points > value).astype(float)),
            "under": fit_logistic(_logit(under), (points < value).astype(float)),
            "rows": int(known.sum())}


def calibrate(raw: np.ndarray, coefficients: list[float]) -> np.ndarray:
    a, b = coefficients
    return 1 / (1 + np.exp(-(a + b * _logit(raw))))


def fit_probability_model(predicted: np.ndarray, actual: np.ndarray, line: np.ndarray, line_source: np.ndarray) -> dict | None:
    """A system's error distribution and, per kind of line, its calibration (validation rows in, JSON-able out)."""
    predicted, actual, line = (np.asarray(v, dtype="float64") for v in (predicted, actual, line))
    distribution = fit_error_distribution(predicted, actual)
    if distribution is None:
        return None
    over, under = raw_probabilities(predicted, line, distribution)
    distribution["calibration"] = {}
    for kind in LINE_KINDS:
        rows = np.asarray(line_source) == kind
        calibration = fit_calibration(over[rows], under[rows], actual[rows], line[rows])
        if calibration is not None:
            distribution["calibration"][kind] = calibration
    return distribution


def outcome_probabilities(predicted: pd.Series, line: pd.Series, line_source: pd.Series, model: dict | None) -> pd.DataFrame:
    """probability_over / probability_under (push = the rest) for each row, calibrated for its kind of line;
    NULL without a prediction, a line, or a probability model calibrated for that kind of line."""
    out = pd.DataFrame({"probability_over": np.nan, "probability_under": np.nan}, index=predicted.index)
    if model is None:
        return out
    pred = predicted.to_numpy(dtype="float64", na_value=np.nan)
    value = line.to_numpy(dtype="float64", na_value=np.nan)
    raw_over, raw_under = raw_probabilities(pred, value, model)
    source = np.asarray(line_source, dtype=object)
    over, under = np.full(len(pred), np.nan), np.full(len(pred), np.nan)
    for kind, calibration in model.get("calibration", {}).items():
        rows = (source == kind) & ~np.isnan(raw_over)
        over[rows] = calibrate(raw_over[rows], calibration["over"])
        under[rows] = calibrate(raw_under[rows], calibration["under"])
    total = over + under
    scale = np.where(total > 1, total, 1.0)  # two separate fits can overshoot together
    out["probability_over"] = np.round(over / scale, 4)
    out["probability_under"] = np.round(under / scale, 4)
    return out


def expected_values(probability_over, probability_under, over_price, under_price) -> tuple[np.ndarray, np.ndarray]:
    """Expected profit per unit staked on OVER and on UNDER: a win pays the price, a loss costs the stake, a
    push returns it."""
    p_over = np.asarray(probability_over, dtype="float64")
    p_under = np.asarray(probability_under, dtype="float64")
    return p_over * payout(over_price) - p_under, p_under * payout(under_price) - p_over


def recommend(probabilities: pd.DataFrame, line: pd.Series, over_price: pd.Series, under_price: pd.Series,
              usable: pd.Series) -> pd.DataFrame:
    """recommendation, expected_value (of the recommended side, else of the better side) and confidence_score.

    OVER / UNDER when that side's expected value at its price is at least EV_MARGIN (the better side when both
    are); PASS otherwise, or when the row may not be bet (`usable` false: features the system needs are
    missing), or without a price; NO_LINE without a line. confidence_score = 100 × the probability that the
    recommended side wins (for PASS, the likelier side), NULL without a probability.
    """
    ev_over, ev_under = expected_values(probabilities["probability_over"], probabilities["probability_under"],
                                        over_price.to_numpy(dtype="float64", na_value=np.nan),
                                        under_price.to_numpy(dtype="float64", na_value=np.nan))
    best_is_over = np.nan_to_num(ev_over, nan=-np.inf) >= np.nan_to_num(ev_under, nan=-np.inf)
    best_ev = np.where(best_is_over, ev_over, ev_under)
    bet = usable.to_numpy(dtype=bool) & (np.nan_to_num(best_ev, nan=-np.inf) >= EV_MARGIN)
    recommendation = np.where(bet, np.where(best_is_over, OVER, UNDER), PASS)
    recommendation = np.where(line.isna().to_numpy(), NO_LINE, recommendation)
    p_over = probabilities["probability_over"].to_numpy(dtype="float64")
    p_under = probabilities["probability_under"].to_numpy(dtype="float64")
    side = np.where(recommendation == OVER, p_over, np.where(recommendation == UNDER, p_under, np.fmax(p_over, p_under)))
    return pd.DataFrame({
        "recommendation": recommendation,
        "expected_value": np.round(best_ev, 4),
        "confidence_score": np.round(100 * side, 1),
    }, index=probabilities.index)


def models_json(distributions: dict[str, dict | None]) -> str:
    return json.dumps({name: d for name, d in distributions.items() if d is not None}, sort_keys=True)
