"""Probabilities, bets and the bettor's evaluation on hand-computed cases."""

import numpy as np
import pandas as pd
import pytest

from nba_assets.lines import implied_probability, payout
from nba_assets.predictions import grading
from nba_assets.predictions.evaluation import (
    bet_summary,
    evaluation_report,
    format_report,
    mean_interval,
    reliability,
    wilson_interval,
)
from nba_assets.predictions.probability import (
    EV_MARGIN,
    QUANTILES,
    expected_values,
    fit_calibration,
    fit_error_distribution,
    fit_logistic,
    fit_probability_model,
    outcome_probabilities,
    raw_probabilities,
    recommend,
)
from nba_assets.predictions.tables import ACTUAL_PROP, ESTIMATED_AVG, NO_LINE, OVER, PASS, UNDER


def uniform_distribution(low=-5.0, high=5.0) -> dict:
    """One band whose residuals are uniform on [low, high]."""
    return {"band_edges": [], "residual_quantiles": [list(low + (high - low) * QUANTILES)], "rows": 1000}


def test_wilson_interval_hand_computed():
    # p = 0.55, n = 100, z = 1.96: centre (0.55 + 1.92/100) / 1.0384 = 0.5482, half 1.8875 · √(0.002475 + 0.000096) = 0.0957
    assert wilson_interval(55, 100) == pytest.approx((0.4524, 0.6438), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)  # never below 0, unlike p ± 1.96·se
    assert wilson_interval(0, 0) == (None, None)


def test_payout_and_implied_probability_of_american_odds():
    assert payout(np.array([-110, 150, -200, 100])) == pytest.approx([100 / 110, 1.5, 0.5, 1.0])
    assert implied_probability(np.array([-110, 150])) == pytest.approx([110 / 210, 0.4])
    assert np.isnan(payout(np.array([np.nan]))[0])


def test_roi_at_actual_prices_counts_pushes_as_stakes_returned():
    accuracy = grading.prediction_accuracy(pd.concat([
        _prediction("a", OVER, 20.5, -110), _prediction("b", UNDER, 20.5, 150, under_price=150),
        _prediction("c", OVER, 25.5, -120), _prediction("d", OVER, 22.0, -110)]), _box({"a": 25, "b": 18, "c": 20, "d": 22}))
    by_id = accuracy.set_index("player_lookup")
    assert by_id["bet_profit"].to_dict() == pytest.approx({"a": 0.9091, "b": 1.5, "c": -1.0, "d": 0.0})
    assert by_id.loc["d", "result"] == "push" and by_id.loc["b", "bet_price"] == 150
    summary = bet_summary(accuracy)
    assert (summary["bets"], summary["wins"], summary["losses"], summary["pushes"]) == (4, 2, 1, 1)
    assert summary["hit_rate"] == pytest.approx(2 / 3, abs=1e-4)  # the push is neither won nor lost
    assert summary["roi"] == pytest.approx((0.9091 + 1.5 - 1.0 + 0.0) / 4, abs=1e-4)
    mean, low, high = mean_interval(np.array([0.9091, 1.5, -1.0, 0.0]))
    half = 1.959964 * np.std([0.9091, 1.5, -1.0, 0.0], ddof=1) / 2
    assert (low, high) == pytest.approx((mean - half, mean + half), abs=1e-4)


def test_probabilities_follow_the_one_push_rule():
    distribution = uniform_distribution()
    predicted = np.array([20.0, 20.0, 26.0, np.nan])
    over, under = raw_probabilities(predicted, np.array([20.0, 20.5, 20.5, 20.5]), distribution)
    # whole line 20: OVER needs 21+ (Y > 20.5), UNDER 19 or less (Y < 19.5), the unit between is the push
    assert (over[0], under[0]) == pytest.approx((0.45, 0.45))
    assert (over[1], under[1]) == pytest.approx((0.45, 0.55))  # a half-point line cannot push
    assert (over[2], under[2]) == pytest.approx((1.0, 0.0))  # 5.5 points clear of the line, errors within ±5
    assert np.isnan(over[3]) and np.isnan(under[3])


def test_error_distribution_bands_follow_the_predicted_level():
    rng = np.random.default_rng(1)
    predicted = rng.uniform(2, 30, 6000)
    actual = predicted + rng.normal(0, 1 + 0.25 * predicted)  # errors grow with the level
    distribution = fit_error_distribution(predicted, actual)
    assert len(distribution["band_edges"]) == 5 and distribution["rows"] == 6000
    low_band, high_band = np.array(distribution["residual_quantiles"][0]), np.array(distribution["residual_quantiles"][-1])
    spread = lambda q: q[int(0.84 * 200)] - q[int(0.16 * 200)]  # noqa: E731  about 2 standard deviations
    assert spread(low_band) < 0.5 * spread(high_band)
    over, _ = raw_probabilities(np.array([5.0, 25.0]), np.array([7.5, 27.5]), distribution)
    assert over[0] < over[1] < 0.5  # the same 2.5-point edge is surer for the steadier low scorer
    assert fit_error_distribution(predicted[:100], actual[:100]) is None


def test_logistic_recalibration_shrinks_overconfident_probabilities():
    rng = np.random.default_rng(2)
    raw = rng.uniform(0.05, 0.95, 20000)
    logit = np.log(raw / (1 - raw))
    honest = rng.random(20000) < raw
    assert fit_logistic(logit, honest.astype(float)) == pytest.approx([0.0, 1.0], abs=0.06)
    truth = 1 / (1 + np.exp(-0.5 * logit))  # the raw probabilities claim twice the log-odds there are
    outcome = (rng.random(20000) < truth).astype(float)
    a, b = fit_logistic(logit, outcome)
    assert abs(a) < 0.05 and b == pytest.approx(0.5, abs=0.05)
    line = np.full(20000, 10.5)
    calibration = fit_calibration(raw, 1 - raw, np.where(outcome == 1, 12.0, 9.0), line)
    assert calibration["over"][1] == pytest.approx(0.5, abs=0.05) and calibration["rows"] == 20000
    assert fit_calibration(raw[:100], 1 - raw[:100], np.full(100, 12.0), line[:100]) is None


def test_probabilities_are_calibrated_per_kind_of_line():
    rng = np.random.default_rng(3)
    predicted = rng.uniform(5, 25, 8000)
    actual = np.round(np.clip(predicted + rng.normal(0, 5, 8000), 0, None))
    line = np.round(predicted + rng.normal(0, 3, 8000)) + 0.5
    kind = np.where(np.arange(8000) < 6000, ACTUAL_PROP, ESTIMATED_AVG)
    model = fit_probability_model(predicted, actual, line, kind)
    assert set(model["calibration"]) == {ACTUAL_PROP, ESTIMATED_AVG}
    p = outcome_probabilities(pd.Series([15.0, 15.0, 15.0]), pd.Series([12.5, 12.5, 12.5]),
                              pd.Series([ACTUAL_PROP, ESTIMATED_AVG, None]), model)
    assert 0.5 < p["probability_over"].iloc[0] < 1 and p.iloc[0].sum() == pytest.approx(1.0, abs=1e-3)
    assert p.iloc[2].isna().all()  # no kind of line: no probability
    no_real_lines = fit_probability_model(predicted, actual, line, np.full(8000, ESTIMATED_AVG))
    assert pd.isna(outcome_probabilities(pd.Series([15.0]), pd.Series([12.5]), pd.Series([ACTUAL_PROP]),
                                         no_real_lines)["probability_over"].iloc[0])  # not calibrated on real lines: none
    assert outcome_probabilities(pd.Series([15.0]), pd.Series([12.5]), pd.Series([ACTUAL_PROP]), None).isna().all().all()


def test_recommendation_needs_expected_value_beyond_the_margin_at_the_offered_price():
    probabilities = pd.DataFrame({"probability_over": [0.56, 0.54, 0.48, 0.30, 0.70, 0.70, 0.70],
                                  "probability_under": [0.44, 0.46, 0.52, 0.70, 0.30, 0.30, 0.30]})
    line = pd.Series([20.5, 20.5, 20.5, 20.5, 20.5, 20.5, np.nan])
    over = pd.Series([-110, -110, 120, -110, -110, np.nan, np.nan])
    under = pd.Series([-110, -110, -140, -300, -110, np.nan, np.nan])
    usable = pd.Series([True, True, True, True, False, True, True])
    out = recommend(probabilities, line, over, under, usable)
    # EV(OVER) = 0.56 · 100/110 − 0.44 = 0.069; 0.54 → 0.031 < 0.05; +120 at 0.48: 0.48 · 1.2 − 0.52 = 0.056;
    # UNDER at −300 with 0.70: 0.70 / 3 − 0.30 = −0.067 (a likely side, a bad price)
    assert out["recommendation"].tolist() == [OVER, PASS, OVER, PASS, PASS, PASS, NO_LINE]
    assert out["expected_value"].iloc[:4].tolist() == pytest.approx([0.0691, 0.0309, 0.056, -0.0667], abs=1e-4)
    assert out["confidence_score"].iloc[:4].tolist() == [56.0, 54.0, 48.0, 70.0]  # the bet side, else the likelier side
    assert EV_MARGIN == 0.05
    ev_over, ev_under = expected_values([0.5], [0.4], [-110], [-110])  # a 10 % push chance costs neither side
    assert (ev_over[0], ev_under[0]) == pytest.approx((0.5 / 1.1 - 0.4, 0.4 / 1.1 - 0.5))


def test_reliability_bins_hand_computed():
    rows = pd.DataFrame({"probability_over": [0.05, 0.08, 0.55, 0.58, 0.52, 0.95, np.nan],
                         "actual_margin": [-3.0, 2.0, 1.0, 0.0, -1.0, 4.0, 2.0]})
    bins = {b["bin"]: b for b in reliability(rows)}
    assert list(bins) == ["0.0-0.1", "0.5-0.6", "0.9-1.0"]
    assert (bins["0.0-0.1"]["n"], bins["0.0-0.1"]["observed_over"], bins["0.0-0.1"]["mean_probability"]) == (2, 0.5, 0.065)
    assert bins["0.5-0.6"]["observed_over"] == pytest.approx(1 / 3, abs=1e-4)  # the push (margin 0) is not an over
    assert (bins["0.5-0.6"]["observed_low"], bins["0.5-0.6"]["observed_high"]) == wilson_interval(1, 3)


def test_report_compares_with_the_line_and_the_baseline_on_the_same_rows():
    rows = []
    for system_id, predicted in (("moving_average_baseline_v1", [20.0, 10.0, 30.0]), ("xgboost_v1", [22.0, 9.0, np.nan])):
        for player, points, line, pred in zip("abc", [24, 8, 31], [21.5, 9.5, 29.5], predicted):
            rows.append(_prediction(player, OVER if system_id == "xgboost_v1" and player == "a" else PASS, line, -110,
                                    system_id=system_id, predicted_points=pred))
    accuracy = grading.prediction_accuracy(pd.concat(rows), _box({"a": 24, "b": 8, "c": 31}))
    report = evaluation_report(accuracy)
    xgb = report["seasons"]["2022-23"]["xgboost_v1"]
    assert xgb["n_same_rows_as_baseline"] == 2
    assert (xgb["mae_same_rows"], xgb["baseline_mae_same_rows"]) == (1.5, 3.0)  # players a and b only
    assert xgb["vs_baseline_pct"] == -50.0
    assert (xgb["n_real_line"], xgb["mae_real_line"], xgb["line_mae_real_line"]) == (2, 1.5, 2.0)
    assert xgb["bets"]["OVER"]["wins"] == 1 and xgb["bets"]["UNDER"]["bets"] == 0
    text = format_report(report)
    assert "xgboost_v1" in text and "-50.00%" in text


def test_estimated_lines_are_never_bets():
    accuracy = grading.prediction_accuracy(_prediction("a", OVER, 20.5, None, line_source=ESTIMATED_AVG), _box({"a": 25}))
    assert not accuracy["is_graded_bet"].iloc[0] and pd.isna(accuracy["bet_profit"].iloc[0])


def _prediction(player, recommendation, line, over_price, under_price=-110, system_id="xgboost_v1", predicted_points=22.0,
                line_source=ACTUAL_PROP) -> pd.DataFrame:
    return pd.DataFrame([{
        "prediction_id": f"{player}_{system_id}", "game_date": pd.Timestamp("2023-01-10"), "system_id": system_id,
        "player_lookup": player, "game_id": "g", "team_abbr": "BOS", "season_year": 2022, "predicted_points": predicted_points,
        "recommendation": recommendation, "line_value": line, "line_source": line_source, "confidence_score": 60.0,
        "probability_over": 0.6, "expected_value": 0.1, "over_price": over_price, "under_price": under_price,
        "injury_status_at_prediction": "available", "published_at": pd.NaT}])  # NaT: the as-of reconstruction


def _box(points: dict) -> pd.DataFrame:
    return pd.DataFrame({"game_date": pd.Timestamp("2023-01-10"), "player_lookup": list(points), "game_id": "g",
                         "points": list(points.values()), "minutes_played": 30.0, "is_active": True})


def test_report_renders_as_png_and_markdown():
    from nba_assets.predictions.report_plots import render_png, report_markdown

    rows = [_prediction(p, OVER, 20.5, -110, predicted_points=24.0) for p in "abc"]
    rows += [_prediction(p, PASS, 20.5, -110, system_id="moving_average_baseline_v1") for p in "abc"]
    report = evaluation_report(grading.prediction_accuracy(pd.concat(rows), _box({"a": 25, "b": 18, "c": 22})))
    png = render_png(report)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    markdown = report_markdown(report, png)
    assert markdown.startswith("![evaluation](data:image/png;base64,") and "xgboost_v1" in markdown
