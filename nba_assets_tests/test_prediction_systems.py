"""Prediction systems, the model's walk-forward mechanics and grading on hand-built rows."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nba_assets.phase4 import features as fc
from nba_assets.predictions import grading, systems
from nba_assets.predictions.model import (
    MIN_TRAINING_ROWS,
    booster_trees,
    latest_models,
    least_absolute_error_weights,
    train_models,
    train_points_model,
    training_cutoffs,
    tree_points,
    xgboost_predictions,
)
from nba_assets.predictions.predict import build_predictions
from nba_assets.predictions.similarity import similarity_balanced
from nba_assets.predictions.tables import ACTUAL_PROP, ESTIMATED_AVG, NO_LINE, OVER, PASS, SYSTEM_IDS, UNDER


def feature_rows(n=1, **values) -> pd.DataFrame:
    """Feature-store rows with every contract feature NULL except those given (scalars or lists), source tags
    that say so, and no prices."""
    frame = pd.DataFrame({name: [np.nan] * n for name in fc.FEATURE_NAMES})
    for name, value in values.items():
        frame[name] = value
    for name in fc.FEATURE_NAMES:
        frame[fc.source_column(name)] = np.where(frame[name].isna(), fc.MISSING, fc.BY_NAME[name].source)
    frame["game_date"] = pd.Timestamp("2023-01-10")
    frame["player_lookup"] = [f"p{i}" for i in range(n)]
    frame["feature_quality_score"] = 80.0
    frame["line_over_price"] = pd.array([pd.NA] * n, dtype="Int64")
    frame["line_under_price"] = pd.array([pd.NA] * n, dtype="Int64")
    return frame


def test_moving_average_hand_computed_and_fatigue_direction():
    rows = feature_rows(3, points_avg_last_5=[20.0] * 3, points_avg_last_10=[18.0] * 3, points_avg_season=[15.0] * 3,
                        points_std_last_10=[3.0] * 3, games_in_last_7_days=[3] * 3, fatigue_score=[100, 67, 43],
                        back_to_back=[0, 1, 1], home_away=[1, 0, 0], shot_zone_mismatch_score=[2.0] * 3, pace_score=[1.0] * 3)
    out = systems.moving_average_baseline(rows)
    base = 0.5 * 20 + 0.3 * 18 + 0.2 * 15  # 18.4
    assert out["base_points"].tolist() == [base] * 3
    # fresh, home: +0.6 zone +0.3 pace +0.5 venue. 36 minutes a night on a back-to-back (score 67), away: −0.5
    # fatigue (the back-to-back is in the score, not a second penalty) −0.5 venue; the heaviest real load (43): −1.0
    assert out["fatigue_adjustment"].tolist() == [0.0, -0.5, -1.0]
    assert out["predicted_points"].tolist() == [round(base + 1.4, 1), round(base - 0.1, 1), round(base - 0.6, 1)]
    assert "no usage projection" in out["warnings"].iloc[0]  # a NULL factor adds nothing and is named


def test_zone_matchup_uses_per_zone_defense_and_shot_volume():
    rows = feature_rows(2, points_avg_season=[20.0, 20.0], fg_attempts_avg_last_10=[15.0, 15.0],
                        shot_zone_mismatch_score=[4.0, -4.0], pct_three=[0.5, 0.5], home_away=[1, 1], fatigue_score=[90, 90],
                        pace_score=[0.0, 0.0], points_std_last_10=[3.0, 3.0], games_in_last_7_days=[2, 2])
    out = systems.zone_matchup(rows)
    # 15 attempts × 4 pp × 2.5 points per make = 1.5 points
    assert out["shot_zone_adjustment"].tolist() == pytest.approx([1.5, -1.5])
    assert out["predicted_points"].tolist() == [round(20 + 1.5 + 0.8, 1), round(20 - 1.5 + 0.8, 1)]


def test_lines_and_the_features_each_system_needs():
    rows = feature_rows(4, vegas_points_line=[20.5, np.nan, np.nan, 12.5], points_avg_last_5=[18.0, 17.3, np.nan, 12.0])
    rows["line_over_price"] = pd.array([-115, pd.NA, pd.NA, 105], dtype="Int64")
    rows["line_under_price"] = pd.array([-105, pd.NA, pd.NA, -125], dtype="Int64")
    line = systems.pregame_line(rows)
    assert line["line_value"].tolist()[:2] == [20.5, 17.5] and np.isnan(line["line_value"].iloc[2])
    assert line["line_source"].tolist()[:3] == [ACTUAL_PROP, ESTIMATED_AVG, None]
    assert line["over_price"].tolist()[0] == -115 and pd.isna(line["over_price"].iloc[1])  # an estimate has no price
    complete = {name: 10.0 for name in systems.SYSTEM_FEATURES["xgboost_v1"]}
    rows = feature_rows(2, **complete)
    rows.loc[1, "opponent_def_rating"] = np.nan
    rows.loc[1, fc.source_column("opponent_def_rating")] = fc.MISSING
    missing = systems.missing_features(rows, "xgboost_v1")
    assert pd.isna(missing.iloc[0]) and missing.iloc[1] == "opponent_def_rating"
    assert systems.missing_features(rows, "zone_matchup_v1").iloc[0].startswith("shot_zone_mismatch_score")


def test_similarity_uses_each_past_games_own_context():
    today = feature_rows(1, opponent_def_rating=[108.0], days_rest=[2], home_away=[1], points_avg_last_5=[20.0],
                         points_avg_season=[20.0], fatigue_score=[70], shot_zone_mismatch_score=[0.0], pace_score=[0.0],
                         usage_spike_score=[0.0])
    dates = pd.date_range("2022-12-01", periods=8, freq="3D")
    past = feature_rows(8, opponent_def_rating=[108.0] * 5 + [120.0] * 3, days_rest=[2] * 8, home_away=[1] * 8,
                        points_avg_last_5=[20.0] * 8, points_avg_season=[20.0] * 8)
    past["player_lookup"] = "p0"
    past["game_date"] = dates
    past["actual_points"] = [30.0] * 5 + [0.0] * 3  # the three games against weak defenses score nothing
    out = similarity_balanced(today, past).iloc[0]
    # similar (elite opponent) games score 40+30+15+15 = 100; the weak-opponent ones 0+30+15+15 = 60 < 70: excluded
    assert out["similar_games_count"] == 5 and out["avg_similarity_score"] == 100
    # matched on venue and rest already: no venue or rest (fatigue) adjustment on top
    assert out["base_points"] == 30.0 and out["predicted_points"] == 30.0
    tired_away = today.assign(fatigue_score=[40], home_away=[0])
    past_away = past.assign(home_away=0)
    assert similarity_balanced(tired_away, past_away).iloc[0]["predicted_points"] == 30.0
    too_few = similarity_balanced(today, past.iloc[:4]).iloc[0]
    assert np.isnan(too_few["predicted_points"]) and "fewer than 5" in too_few["warnings"]


def test_least_absolute_error_weights_find_the_better_system():
    rng = np.random.default_rng(3)
    actual = rng.normal(15, 6, 400)
    predictions = pd.DataFrame({"good": actual + rng.normal(0, 1, 400), "bad": actual + rng.normal(0, 8, 400)})
    weights = least_absolute_error_weights(predictions, actual)
    assert weights["good"] > 0.85 and abs(sum(weights.values()) - 1) < 1e-6


def _training_rows(days: int, per_day: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = feature_rows(days * per_day)
    rows["game_date"] = np.repeat(pd.date_range("2022-10-18", periods=days), per_day)
    rows["player_lookup"] = np.tile([f"p{i}" for i in range(per_day)], days)
    skill = np.tile(rng.uniform(4, 30, per_day), days)
    for name in ("points_avg_last_5", "points_avg_last_10", "points_avg_season"):
        rows[name] = skill + rng.normal(0, 1, len(rows))
    rows["points_std_last_10"] = 4.0
    rows["games_in_last_7_days"] = 3
    rows["actual_points"] = np.clip(skill + rng.normal(0, 4, len(rows)), 0, None).round()
    rows["is_prediction_candidate"] = True
    return rows


def test_walk_forward_model_uses_only_rows_before_its_cutoff():
    rows = _training_rows(60)
    cutoff = pd.Timestamp("2022-12-01")
    model = train_points_model(cutoff, rows)
    assert model["training_end"] < cutoff and model["training_rows"] == int((rows["game_date"] < cutoff).sum())
    assert model["validation_mae"] < model["validation_baseline_mae"] + 0.5
    assert json.loads(model["feature_names"]) == list(fc.FEATURE_NAMES)
    changed = rows.copy()
    later = changed["game_date"] >= cutoff
    changed.loc[later, "actual_points"] = 99.0  # rows on or after the cutoff cannot matter
    again = train_points_model(cutoff, changed)
    assert again["booster_json"] == model["booster_json"] and again["ensemble_weights"] == model["ensemble_weights"]
    assert again["error_distributions"] == model["error_distributions"]
    assert set(json.loads(model["error_distributions"])) == set(SYSTEM_IDS) - {"similarity_balanced_v1"}  # no history
    assert train_points_model(pd.Timestamp("2022-10-20"), rows) is None  # too little history: no model
    assert MIN_TRAINING_ROWS > 2 * 60


def test_trees_evaluated_without_xgboost_predict_what_xgboost_predicts_bit_for_bit():
    import xgboost as xgb

    rows = _training_rows(60, seed=5)
    rng = np.random.default_rng(5)
    rows["minutes_avg_last_10"] = np.where(rng.random(len(rows)) < 0.3, np.nan, rng.uniform(10, 38, len(rows)))
    model = train_points_model(pd.Timestamp("2022-12-01"), rows)
    matrix = rows[list(fc.FEATURE_NAMES)].to_numpy(dtype="float32")
    matrix[rng.random(matrix.shape) < 0.1] = np.nan  # missing values take each node's default side
    booster = xgb.Booster()
    booster.load_model(bytearray(model["booster_json"].encode()))
    expected = booster.predict(xgb.DMatrix(matrix))
    points = tree_points(booster_trees(model["booster_json"]), matrix)
    assert points.dtype == np.float32 and (points.view(np.uint32) == expected.view(np.uint32)).all()
    assert len(np.unique(points)) > 100  # the trees do split these rows
    logistic = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(matrix[:200], label=rng.integers(0, 2, 200)), 2)
    with pytest.raises(ValueError, match="binary:logistic"):  # a transformed sum is not evaluated
        booster_trees(logistic.save_raw("json").decode())


def _prediction_rows(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    for name in ("game_id", "team_abbr", "opponent_team_abbr"):
        rows[name] = "x"
    rows["season_year"], rows["quality_tier"], rows["is_quality_ready"] = 2022, "bronze", True
    rows["injury_status"], rows["line_bookmaker"] = None, "draftkings"
    for name in fc.FEATURE_NAMES:
        rows[fc.source_column(name)] = np.where(rows[name].isna(), fc.MISSING, fc.BY_NAME[name].source)
    return rows


def _with_needed_features(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    for name in ("minutes_avg_last_10", "opponent_def_rating", "opponent_pace", "home_away", "back_to_back",
                 "fatigue_score"):
        rows[name] = {"opponent_def_rating": 112.0, "opponent_pace": 100.0, "fatigue_score": 90.0}.get(name, 1.0)
    rows["ppm_avg_last_10"] = rows["points_avg_season"] / 30
    # every day has prop lines with prices, so the validation windows calibrate probabilities on real lines
    rows["vegas_points_line"] = (rows["points_avg_season"] * 2).round() / 2 + 0.5
    rows["line_over_price"] = pd.array([-110] * len(rows), dtype="Int64")
    rows["line_under_price"] = pd.array([-110] * len(rows), dtype="Int64")
    return rows


def test_probabilities_are_fitted_walk_forward_and_ignore_later_graded_days():
    """Probabilities for a day come from the error distribution of the model in force, measured on days before
    its cutoff: changing the results of every later day (graded after it) leaves them unchanged."""
    rows = _with_needed_features(_training_rows(100))
    cutoffs = [pd.Timestamp("2022-12-01"), pd.Timestamp("2023-01-01")]
    day = pd.Timestamp("2022-12-10")

    def probabilities(actual_rows):
        models = train_models(cutoffs, actual_rows)
        today = _prediction_rows(actual_rows[actual_rows["game_date"] == day]).drop(columns="actual_points")
        predicted = build_predictions(today, actual_rows[actual_rows["game_date"] < day], models)
        return models, predicted[["prediction_id", "probability_over", "probability_under", "recommendation"]]

    models, expected = probabilities(rows)
    assert expected["probability_over"].notna().all() and expected["probability_over"].between(0, 1).all()
    later = rows.copy()
    after = later["game_date"] > day
    later.loc[after, "actual_points"] = later.loc[after, "actual_points"] + 15  # every later graded day changes
    changed_models, again = probabilities(later)
    pd.testing.assert_frame_equal(again, expected)
    assert changed_models["error_distributions"].iloc[0] == models["error_distributions"].iloc[0]
    assert changed_models["error_distributions"].iloc[1] != models["error_distributions"].iloc[1]  # the next month's model


def test_no_recommendation_from_a_row_lacking_the_features_its_system_needs():
    rows = _with_needed_features(_training_rows(60))
    models = train_models([pd.Timestamp("2022-12-01")], rows)
    today = _prediction_rows(rows[rows["game_date"] == pd.Timestamp("2022-12-05")]).drop(columns="actual_points")
    today["vegas_points_line"] = (today["points_avg_season"] - 8).clip(lower=0.5).round() + 0.5  # far under
    today["line_over_price"] = pd.array([-110] * len(today), dtype="Int64")
    today["line_under_price"] = pd.array([-110] * len(today), dtype="Int64")
    lacking = today["player_lookup"].isin(["p0", "p1"])
    today.loc[lacking, "opponent_def_rating"] = np.nan
    today.loc[lacking, fc.source_column("opponent_def_rating")] = fc.MISSING
    out = build_predictions(today, rows[rows["game_date"] < pd.Timestamp("2022-12-05")], models)
    xgb = out[out["system_id"] == "xgboost_v1"].set_index("player_lookup")
    assert (xgb.loc[["p0", "p1"], "recommendation"] == PASS).all()
    assert (xgb.loc[["p0", "p1"], "missing_features"] == "opponent_def_rating").all()
    assert xgb.loc[["p0", "p1"], "probability_over"].notna().all()  # still predicted, just not bet
    others = xgb.drop(index=["p0", "p1"])
    assert others["missing_features"].isna().all() and (others["recommendation"] == OVER).mean() > 0.8
    assert (others.loc[others["recommendation"] == OVER, "expected_value"] >= 0.05).all()


def test_xgboost_threads_sleep_while_they_wait_once_the_definitions_are_loaded():
    """The code location loads without xgboost, and xgboost's OpenMP runtime, started after, does not spin
    (GOMP_SPINCOUNT 0 instead of libgomp's 300000): spinning threads slowed fits under CPU contention."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OMP_", "GOMP_"))}
    probe = ("import sys, nba_assets.definitions; assert 'xgboost' not in sys.modules, 'xgboost loaded eagerly'; "
             "import xgboost")
    started = subprocess.run([sys.executable, "-c", probe], env={**env, "OMP_DISPLAY_ENV": "VERBOSE"},
                             capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    assert "GOMP_SPINCOUNT = '0'" in started.stderr, started.stderr


def test_latest_model_in_force_and_fallback():
    models = pd.DataFrame({"model_date": pd.to_datetime(["2022-11-01", "2022-12-01"]), "model_id": ["a", "b"]})
    days = pd.Series(pd.to_datetime(["2022-10-30", "2022-11-01", "2022-11-30", "2022-12-15"]))
    assert latest_models(days, models).tolist() == [None, "a", "a", "b"]
    out = xgboost_predictions(feature_rows(1), models.iloc[0:0])
    assert np.isnan(out["predicted_points"].iloc[0]) and "no model" in out["warnings"].iloc[0]


def test_training_cutoffs_are_month_starts_with_games():
    from nba_assets_tests.builders import game
    schedule = pd.DataFrame([game("1", "2022-10-18", "BOS", "NYK"), game("2", "2022-11-05", "BOS", "NYK", status=1),
                             game("3", "2022-09-30", "BAR", "BOS", phase="preseason")])
    schedule["game_date"] = pd.to_datetime(schedule["game_date"])
    schedule["game_start_time_utc"] = pd.NaT
    cutoffs = training_cutoffs(schedule, pd.Timestamp("2022-09-01"), pd.Timestamp("2022-12-31"))
    assert cutoffs == [pd.Timestamp("2022-10-01"), pd.Timestamp("2022-11-01")]  # scheduled games count, preseason does not


def test_predictions_have_one_row_per_candidate_and_system():
    rows = _training_rows(1, per_day=5)
    rows["is_prediction_candidate"] = [True, True, True, True, False]
    for name in ("game_id", "team_abbr", "opponent_team_abbr"):
        rows[name] = "x"
    rows["season_year"], rows["feature_quality_score"], rows["quality_tier"], rows["is_quality_ready"] = 2022, 80.0, "bronze", True
    rows["injury_status"], rows["line_bookmaker"] = None, None
    rows["vegas_points_line"] = [15.5, np.nan, np.nan, 10.5, np.nan]
    rows = _prediction_rows(rows)
    out = build_predictions(rows.drop(columns="actual_points"), rows.iloc[0:0], pd.DataFrame(columns=["model_date", "model_id",
                            "ensemble_weights", "error_distributions", "feature_names", "booster_json", "training_end"]))
    assert len(out) == 4 * len(SYSTEM_IDS) and out["prediction_id"].is_unique
    assert out["prediction_id"].iloc[0] == "2022-10-18_p0_moving_average_baseline_v1"
    assert set(out.loc[out["player_lookup"] == "p0", "line_source"]) == {ACTUAL_PROP}
    assert out["probability_over"].isna().all() and (out["recommendation"].isin([PASS, NO_LINE])).all()  # no model yet
    ensemble = out[out["system_id"] == "ensemble_v1"]
    assert ensemble["predicted_points"].notna().all() and (ensemble["model_id"].isna()).all()  # no model yet: fallback weights


def _graded(**overrides) -> pd.DataFrame:
    base = {"prediction_id": "id", "game_date": pd.Timestamp("2023-01-10"), "system_id": "xgboost_v1", "player_lookup": "p",
            "game_id": "g", "team_abbr": "BOS", "season_year": 2022, "predicted_points": 22.0, "recommendation": OVER,
            "line_value": 20.0, "line_source": ACTUAL_PROP, "confidence_score": 75.0, "injury_status_at_prediction": "available",
            "published_at": pd.Timestamp("2023-01-10 22:00"),
            "probability_over": 0.75, "expected_value": 0.43, "over_price": -110, "under_price": -110}
    base.update(overrides)
    return pd.DataFrame([base])


def _played(points, minutes=30.0, active=True):
    return pd.DataFrame({"game_date": [pd.Timestamp("2023-01-10")], "player_lookup": ["p"], "game_id": ["g"],
                         "points": [points], "minutes_played": [minutes], "is_active": [active]})


def test_grading_push_void_pass_no_line_and_estimated_lines():
    win = grading.prediction_accuracy(_graded(), _played(25)).iloc[0]
    assert (win["result"], bool(win["prediction_correct"]), win["absolute_error"], win["signed_error"]) == ("correct", True, 3.0, -3.0)
    assert bool(win["within_3_points"]) and win["confidence_decile"] == 8
    push = grading.prediction_accuracy(_graded(), _played(20)).iloc[0]
    assert push["result"] == "push" and pd.isna(push["prediction_correct"]) and push["bet_outcome"] == "PUSH"
    void = grading.prediction_accuracy(_graded(injury_status_at_prediction="out"), _played(None, None, False)).iloc[0]
    assert (void["result"], void["void_reason"], bool(void["is_voided"])) == ("void", "dnp_injury_confirmed", True)
    absent = grading.prediction_accuracy(_graded(), _played(10).assign(player_lookup="someone_else")).iloc[0]
    assert absent["result"] == "void" and absent["void_reason"] == "dnp_unknown"  # not in a Final box score: did not play
    passed = grading.prediction_accuracy(_graded(recommendation=PASS), _played(25)).iloc[0]
    assert passed["result"] == "no_bet" and pd.isna(passed["prediction_correct"]) and passed["absolute_error"] == 3.0
    no_line = grading.prediction_accuracy(_graded(recommendation=NO_LINE, line_value=np.nan, line_source=None), _played(25)).iloc[0]
    assert no_line["result"] == "no_bet"
    estimated = grading.prediction_accuracy(_graded(line_source=ESTIMATED_AVG, recommendation=UNDER), _played(25)).iloc[0]
    assert estimated["result"] == "incorrect" and not bool(estimated["is_graded_bet"])
    not_final = grading.prediction_accuracy(_graded(game_id="later"), _played(25))
    assert not_final.empty  # no box score for the game yet: graded once it is there


def test_daily_performance_excludes_pushes_and_estimated_lines_from_hit_rate():
    rows = pd.concat([
        grading.prediction_accuracy(_graded(prediction_id="a"), _played(25)),
        grading.prediction_accuracy(_graded(prediction_id="b"), _played(20)),  # push
        grading.prediction_accuracy(_graded(prediction_id="c", recommendation=UNDER), _played(25)),  # wrong
        grading.prediction_accuracy(_graded(prediction_id="d", line_source=ESTIMATED_AVG), _played(30)),  # not graded
    ], ignore_index=True)
    day = grading.system_daily_performance(rows).iloc[0]
    assert (day["bets"], day["correct"], day["pushes"]) == (3, 1, 1)
    assert day["hit_rate"] == 0.5 and day["predictions"] == 4 and day["graded_predictions"] == 4
    assert day["mae"] == pytest.approx(np.mean([3.0, 2.0, 3.0, 8.0]))


def _component(points):
    return pd.DataFrame({"predicted_points": points})


def test_ensemble_weights_and_fallback():
    components = {
        "moving_average_baseline_v1": _component([24.0, 24.0, np.nan]),
        "zone_matchup_v1": _component([23.0, 23.0, np.nan]),
        "similarity_balanced_v1": _component([np.nan] * 3),
        "xgboost_v1": _component([26.0, np.nan, 30.0]),
    }
    weights = {"moving_average_baseline_v1": 0.25, "zone_matchup_v1": 0.25, "similarity_balanced_v1": 0.0, "xgboost_v1": 0.5}
    out = systems.ensemble(components, weights)
    assert out["predicted_points"].iloc[0] == round(0.25 * 24 + 0.25 * 23 + 0.5 * 26, 1)  # 24.75, to one decimal
    assert out["predicted_points"].iloc[1] == pytest.approx(23.5)  # the available weights renormalised
    assert np.isnan(out["predicted_points"].iloc[2]) and "fewer than 2" in out["warnings"].iloc[2]
    assert out["contributing_systems"].iloc[0] == "moving_average_baseline_v1,zone_matchup_v1,xgboost_v1"
    assert out["system_agreement_std"].iloc[0] == pytest.approx(1.53, abs=0.01)
    only_missing = systems.ensemble(components, {"similarity_balanced_v1": 1.0})
    assert only_missing["predicted_points"].iloc[1] == pytest.approx(23.5)  # weights on missing systems: equal weights
