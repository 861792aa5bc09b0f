"""The prediction assets on the simulated league: the model in force for a day was trained strictly before
it, changing results on or after the day does not change its predictions, range runs equal per-day runs,
and grading covers every prediction."""

import json

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS, REPORT_ASSETS, points_model
from nba_assets.predictions.evaluation import evaluation_report, format_report
from nba_assets.predictions.model import MIN_TRAINING_ROWS
from nba_assets.predictions.probability import EV_MARGIN
from nba_assets.predictions.tables import SYSTEM_IDS
from nba_assets.raw.contract import RAW_TABLES
from nba_assets_tests.builders import copy_warehouse, materialize, read_table, rows_on, write_raw

GRAPH = PHASE3_ASSETS + PHASE4_ASSETS + PREDICTION_ASSETS
SEASON_START, CUTOFF = "2021-10-19", pd.Timestamp("2021-11-01")
DAY = pd.Timestamp("2021-11-03")
PREDICTION_TABLES = {"nba_predictions.player_prop_predictions": "game_date",
                     "nba_predictions.prediction_accuracy": "game_date",
                     "nba_predictions.system_daily_performance": "game_date"}


@pytest.fixture(scope="module")
def history_until_day_before(league_2021, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("predictions") / "w.duckdb"
    assert materialize(GRAPH, league_2021, warehouse, SEASON_START, (DAY - pd.Timedelta(days=1)).strftime("%Y-%m-%d")).success
    return warehouse


def test_model_in_force_was_trained_before_the_day(history_until_day_before):
    models = read_table(history_until_day_before, "nba_predictions.points_model")
    assert models["model_date"].tolist() == [CUTOFF]
    model = models.iloc[0]
    assert model["training_end"] < CUTOFF and model["validation_start"] < CUTOFF
    assert model["training_rows"] >= MIN_TRAINING_ROWS and model["validation_mae"] > 0
    weights = json.loads(model["ensemble_weights"])
    assert set(weights) == {"moving_average_baseline_v1", "zone_matchup_v1", "similarity_balanced_v1", "xgboost_v1"}
    assert abs(sum(weights.values()) - 1) < 1e-3
    predictions = read_table(history_until_day_before, "nba_predictions.player_prop_predictions")
    xgb = predictions[predictions["system_id"] == "xgboost_v1"]
    assert xgb.loc[xgb["game_date"] < CUTOFF, "predicted_points"].isna().all()  # before the first model: none
    after = xgb[xgb["game_date"] >= CUTOFF]
    assert after["predicted_points"].notna().all() and (after["model_id"] == "xgboost_v1_20211101").all()
    assert (after["model_training_end"] < after["game_date"]).all()


def test_predictions_are_unique_per_player_and_system_and_fully_graded(history_until_day_before):
    predictions = read_table(history_until_day_before, "nba_predictions.player_prop_predictions")
    assert predictions["prediction_id"].is_unique
    per_player = predictions.groupby(["game_date", "player_lookup"])["system_id"].nunique()
    assert (per_player == len(SYSTEM_IDS)).all()
    accuracy = read_table(history_until_day_before, "nba_predictions.prediction_accuracy")
    assert set(accuracy["prediction_id"]) == set(predictions["prediction_id"])  # every game was Final
    assert accuracy["is_voided"].mean() < 0.1 and (accuracy["result"] == "void").sum() == accuracy["is_voided"].sum()
    performance = read_table(history_until_day_before, "nba_predictions.system_daily_performance")
    assert set(performance["system_id"]) == set(SYSTEM_IDS)


def _change_results_from(day: pd.Timestamp, tables: dict) -> dict:
    """Results of the day and later change (rows reshuffled between players); in-game lines move."""
    out = {name: frame.copy() for name, frame in tables.items()}
    box = out["nbac_gamebook_player_stats"]
    late = pd.to_datetime(box["game_date"]) >= day
    stats = [c for c in box.columns if c not in ("game_id", "game_date", "player_lookup", "player_full_name", "team_abbr",
                                                  "player_status", "dnp_reason")]
    box.loc[late, stats] = box.loc[late, stats].sample(frac=1.0, random_state=3).to_numpy()
    box.loc[late, "player_status"] = np.where(box.loc[late, "minutes"].isna(), "inactive", "active")
    for name in ("nbac_play_by_play", "nbac_team_boxscore"):
        out[name] = out[name][pd.to_datetime(out[name]["game_date"]) < day]
    props = out["odds_api_player_points_props"]
    moved = (props["minutes_before_tipoff"] < 0) | (pd.to_datetime(props["game_date"]) > day)
    props.loc[moved, "points_line"] = props.loc[moved, "points_line"] + 20
    return out


def test_changing_results_on_or_after_the_day_does_not_change_its_predictions(league_2021, history_until_day_before, tmp_path):
    original = copy_warehouse(history_until_day_before, tmp_path, "original")
    assert materialize(GRAPH, league_2021, original, DAY.strftime("%Y-%m-%d")).success
    tables = {name: pd.read_parquet(league_2021 / f"{name}.parquet") for name in RAW_TABLES}
    changed_raw = write_raw(tmp_path / "changed", _change_results_from(DAY, tables))
    changed = copy_warehouse(history_until_day_before, tmp_path, "changed")
    assert materialize(GRAPH, changed_raw, changed, DAY.strftime("%Y-%m-%d")).success
    expected = rows_on(original, "nba_predictions.player_prop_predictions", "game_date", [DAY])
    assert len(expected) > 200
    pd.testing.assert_frame_equal(rows_on(changed, "nba_predictions.player_prop_predictions", "game_date", [DAY]), expected,
                                  check_exact=True)
    graded = rows_on(changed, "nba_predictions.prediction_accuracy", "game_date", [DAY])
    assert not graded["actual_points"].equals(rows_on(original, "nba_predictions.prediction_accuracy", "game_date", [DAY])["actual_points"])


def test_range_run_equals_per_day_runs(league_2021, history_until_day_before, tmp_path):
    days = [DAY, DAY + pd.Timedelta(days=1)]
    per_day = copy_warehouse(history_until_day_before, tmp_path, "per_day")
    for day in days:
        assert materialize(GRAPH, league_2021, per_day, day.strftime("%Y-%m-%d")).success
    ranged = tmp_path / "range.duckdb"
    assert materialize(GRAPH, league_2021, ranged, SEASON_START, days[-1].strftime("%Y-%m-%d")).success
    for table, date_column in PREDICTION_TABLES.items():
        for day in days:
            expected = rows_on(ranged, table, date_column, [day])
            assert len(expected) > 0, table
            pd.testing.assert_frame_equal(rows_on(per_day, table, date_column, [day]), expected, check_exact=True, obj=table)
    pd.testing.assert_frame_equal(read_table(per_day, "nba_predictions.points_model"), read_table(ranged, "nba_predictions.points_model"))


def test_a_daily_run_without_the_model_step_publishes_with_the_model_in_force(league_2021, history_until_day_before, tmp_path):
    """The daily path trains a model only on a month's first day; a later day's pre-game run (no points_model step)
    on the same instance publishes its predictions with the model in force instead of quarantining them for a
    points_model partition that never exists on that day."""
    warehouse = copy_warehouse(history_until_day_before, tmp_path, "daily")
    without_model = [a for a in GRAPH if points_model.key not in a.keys]
    with dg.instance_for_test() as instance:
        assert materialize(GRAPH, league_2021, warehouse, CUTOFF.strftime("%Y-%m-%d"), instance=instance,
                           selection=[points_model]).success
        assert materialize(GRAPH, league_2021, warehouse, DAY.strftime("%Y-%m-%d"), instance=instance,
                           selection=without_model).success
    predictions = rows_on(warehouse, "nba_predictions.player_prop_predictions", "game_date", [DAY])
    assert len(predictions) > 200
    assert (predictions.loc[predictions["system_id"] == "xgboost_v1", "model_id"] == "xgboost_v1_20211101").all()
    assert read_table(warehouse, "nba_quality.quarantine").empty


def test_probabilities_bets_and_the_evaluation_asset(history_until_day_before, tmp_path, monkeypatch):
    """A system gets probabilities only from an error distribution of the model in force (the first model here has
    too few validation rows for any: no probability, no bet); a row without a probability or a price is never a
    bet, a bet clears the EV margin and is settled at its price; the on-demand evaluation asset records the report
    that `nba-assets evaluate` prints. (Probabilities on enough validation rows: test_prediction_systems.)"""
    model = read_table(history_until_day_before, "nba_predictions.points_model").iloc[0]
    distributions = json.loads(model["error_distributions"])
    predictions = read_table(history_until_day_before, "nba_predictions.player_prop_predictions")
    before = predictions[predictions["game_date"] < CUTOFF]
    assert before["probability_over"].isna().all() and before["recommendation"].isin(["PASS", "NO_LINE"]).all()  # no model
    after = predictions[(predictions["game_date"] >= CUTOFF) & predictions["line_value"].notna()]
    assert len(after) > 200
    without = after[~after["system_id"].isin(list(distributions))]
    assert without["probability_over"].isna().all() and without["recommendation"].eq("PASS").all()
    unpriced = predictions["probability_over"].isna() | predictions["over_price"].isna()
    assert predictions.loc[unpriced, "recommendation"].isin(["PASS", "NO_LINE"]).all()
    bets = predictions[predictions["recommendation"].isin(["OVER", "UNDER"])]
    assert (bets["expected_value"] >= EV_MARGIN).all() and bets["missing_features"].isna().all()
    accuracy = read_table(history_until_day_before, "nba_predictions.prediction_accuracy")
    settled = accuracy[accuracy["is_graded_bet"]]
    assert settled["bet_price"].notna().all() and (settled.loc[settled["result"] == "incorrect", "bet_profit"] == -1).all()

    monkeypatch.setenv("NBA_ASSETS_DATA_DIR", str(tmp_path))
    graph = GRAPH + REPORT_ASSETS
    result = materialize(graph, tmp_path, history_until_day_before, SEASON_START, selection=REPORT_ASSETS)
    assert result.success
    metadata = result.asset_materializations_for_node("nba_predictions__prediction_evaluation")[0].metadata
    expected = evaluation_report(accuracy)
    assert metadata["report_json"].data == json.loads(json.dumps(expected))
    assert metadata["mae__xgboost_v1"].value == expected["seasons"]["2021-22"]["xgboost_v1"]["mae"]
    assert (tmp_path / "reports" / "prediction_evaluation.png").read_bytes()[:4] == b"\x89PNG"
    assert format_report(expected) in metadata["report"].value
