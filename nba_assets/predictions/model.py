"""Walk-forward XGBoost: a model per training cutoff (the first day of each month with games), trained on
the feature-store rows of the TRAINING_WINDOW_DAYS before the cutoff with the players' actual points; the
ensemble weights and every system's error distribution (for the probability of OVER) measured on that model's
validation window, the newest 15 % of those days, by a model that had not seen them.

The window bounds what a month's retraining costs: it stops growing after a year of data instead of refitting on
every earlier season each month. Chosen by walk-forward MAE (docs/design.md, Predictions): on the real 2022-23
season and the simulated league, a year of rows with a lower learning rate, shallower trees and half the
features per tree is at least as accurate as every earlier row with the previous settings, at a bounded cost.

Points are skewed and graded by absolute error, so the model minimises absolute error (reg:absoluteerror)
and the ensemble weights are the least-absolute-error combination of the systems on the validation window.
With fewer than MIN_TRAINING_ROWS rows before a cutoff there is no model: xgboost_v1 predicts nothing
(NULL, warned) and the ensemble combines the other systems.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from nba_assets.calendar import scheduled_games
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.phase4.features import FEATURE_NAMES, FEATURE_VERSION, source_column
from nba_assets.predictions import systems
from nba_assets.predictions.probability import fit_probability_model, models_json
from nba_assets.predictions.similarity import similarity_balanced
from nba_assets.predictions.tables import POINTS_MODEL

MIN_TRAINING_ROWS = 1500  # about ten days of league games
MAX_WEIGHT_ROWS = 5000  # the latest validation rows; the weights' linear program grows with every row
VALIDATION_SHARE = 0.15
TRAINING_WINDOW_DAYS = 365
# What training reads: the feature store without its per-feature source tags (strings, three quarters of the frame's
# memory, which only the pre-game run's missing_features looks at), and of the box scores who played and scored.
SOURCE_TAGS = frozenset(map(source_column, FEATURE_NAMES))
TRAINING_FEATURE_COLUMNS = tuple(c for c in ML_FEATURE_STORE.column_names if c not in SOURCE_TAGS)
TRAINING_PLAYER_COLUMNS = ("game_date", "player_lookup", "points", "is_active")
# 64 histogram bins (a tenth of the time of 256 for 0.02 points of validation MAE); depth 4 and half the
# features per tree make each tree about a quarter of the cost of depth 5 with 80 %, which pays for the
# lower learning rate's extra trees. XGBoost uses every core (steps run one at a time; the boosters are the same
# with one thread or two), with its OpenMP threads sleeping rather than spinning while they wait: spinning made
# two threads slower than one whenever another process wanted a core. libgomp reads the policy when xgboost is
# first imported, which every import here does lazily, after this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HYPERPARAMETERS = {
    "objective": "reg:absoluteerror",
    "max_depth": 4,
    "learning_rate": 0.05,
    "n_estimators": 800,
    "min_child_weight": 10,
    "subsample": 0.8,
    "colsample_bytree": 0.5,
    "tree_method": "hist",
    "max_bin": 64,
    "early_stopping_rounds": 30,
    "random_state": 20211019,
}
# objectives whose prediction is the base score plus the trees' leaves, untransformed
IDENTITY_OBJECTIVES = ("reg:absoluteerror", "reg:squarederror")
TREE_BLOCK_ROWS = 256
COMPONENT_SYSTEMS = ("moving_average_baseline_v1", "zone_matchup_v1", "similarity_balanced_v1", "xgboost_v1")


def training_cutoffs(schedule: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """First days of the months in [start, end) in which the schedule has competitive games (known in advance,
    so today's cutoff exists before today's games are played)."""
    games = scheduled_games(schedule)
    months = pd.to_datetime(games["game_date"]).dt.to_period("M").unique()
    cutoffs = sorted(m.to_timestamp() for m in months)
    return [c for c in cutoffs if start <= c < end]


def training_rows(features: pd.DataFrame, players: pd.DataFrame) -> pd.DataFrame:
    """Feature-store rows of players who then played, with their actual points, in a stable order."""
    played = players[players["is_active"].astype(bool)][["game_date", "player_lookup", "points"]]
    rows = features.merge(played.rename(columns={"points": "actual_points"}), on=["game_date", "player_lookup"])
    return rows.sort_values(["game_date", "player_lookup"]).reset_index(drop=True)


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame[list(FEATURE_NAMES)].to_numpy(dtype="float32")


def _fit(train: pd.DataFrame, validation: pd.DataFrame | None, n_estimators: int | None = None) -> xgb.XGBRegressor:
    params = dict(HYPERPARAMETERS)
    if validation is None:
        params.pop("early_stopping_rounds")
        params["n_estimators"] = n_estimators
    import xgboost as xgb  # here: with scikit-learn and SciPy it takes seconds to import, and only fits need it

    model = xgb.XGBRegressor(**params)
    eval_set = [(_matrix(validation), validation["actual_points"].to_numpy())] if validation is not None else None
    model.fit(_matrix(train), train["actual_points"].to_numpy(), eval_set=eval_set, verbose=False)
    return model


def component_predictions(rows: pd.DataFrame, history: pd.DataFrame, xgboost_points: np.ndarray) -> pd.DataFrame:
    """Each component system's predicted points for `rows` (history: earlier rows with actual points)."""
    return pd.DataFrame({
        "moving_average_baseline_v1": systems.moving_average_baseline(rows)["predicted_points"].to_numpy(),
        "zone_matchup_v1": systems.zone_matchup(rows)["predicted_points"].to_numpy(),
        "similarity_balanced_v1": similarity_balanced(rows, history)["predicted_points"].to_numpy(),
        "xgboost_v1": xgboost_points,
    })


def probability_models(validation: pd.DataFrame, components: pd.DataFrame, weights: dict[str, float]) -> dict[str, dict | None]:
    """Each system's error distribution and calibration on the validation rows that are prediction candidates
    (the rows predictions are made for), the ensemble combined with the weights just fitted."""
    frames = {name: pd.DataFrame({"predicted_points": components[name]}) for name in COMPONENT_SYSTEMS}
    predicted = {name: components[name].to_numpy() for name in COMPONENT_SYSTEMS}
    predicted["ensemble_v1"] = systems.ensemble(frames, weights)["predicted_points"].to_numpy()
    candidates = validation["is_prediction_candidate"].astype(bool).to_numpy()
    line = systems.pregame_line(validation.reset_index(drop=True))
    actual = validation["actual_points"].to_numpy(dtype=float)[candidates]
    value, source = line["line_value"].to_numpy(dtype=float)[candidates], line["line_source"].to_numpy()[candidates]
    return {name: fit_probability_model(values[candidates], actual, value, source) for name, values in predicted.items()}


def least_absolute_error_weights(predictions: pd.DataFrame, actual: np.ndarray) -> dict[str, float]:
    """Non-negative weights summing to 1 minimising Σ|actual − Σ w·prediction| over the latest rows where every
    system predicted (a linear program)."""
    complete = predictions.notna().all(axis=1).to_numpy()
    x, y = predictions.to_numpy()[complete][-MAX_WEIGHT_ROWS:], actual[complete][-MAX_WEIGHT_ROWS:]
    n, k = x.shape
    if n == 0:
        return {name: 1.0 / k for name in predictions.columns}
    from scipy import sparse
    from scipy.optimize import linprog

    # variables: k weights, then n positive and n negative residuals; rows: x·w + r⁺ − r⁻ = y, Σw = 1
    cost = np.concatenate([np.zeros(k), np.ones(2 * n)])
    a_eq = sparse.vstack([sparse.hstack([sparse.csr_matrix(x), sparse.identity(n), -sparse.identity(n)]),
                          sparse.csr_matrix(np.concatenate([np.ones(k), np.zeros(2 * n)]))]).tocsr()
    solution = linprog(cost, A_eq=a_eq, b_eq=np.concatenate([y, [1.0]]), bounds=[(0, None)] * (k + 2 * n), method="highs")
    weights = np.clip(solution.x[:k], 0, None) if solution.success else np.full(k, 1.0 / k)
    weights = weights / weights.sum()
    return {name: round(float(w), 4) for name, w in zip(predictions.columns, weights)}


def training_window_start(cutoff: pd.Timestamp) -> pd.Timestamp:
    return cutoff - pd.Timedelta(days=TRAINING_WINDOW_DAYS)


def train_points_model(cutoff: pd.Timestamp, rows: pd.DataFrame) -> dict | None:
    """One model row for the cutoff from the training rows of the window before it, or None with too little
    history."""
    from sklearn.metrics import mean_absolute_error

    usable = rows[(rows["game_date"] < cutoff) & (rows["game_date"] >= training_window_start(cutoff))]
    if len(usable) < MIN_TRAINING_ROWS:
        return None
    dates = np.sort(usable["game_date"].unique())
    split = dates[int(len(dates) * (1 - VALIDATION_SHARE))]
    train, validation = usable[usable["game_date"] < split], usable[usable["game_date"] >= split]
    model = _fit(train, validation)
    best = int(model.best_iteration) + 1
    validation_points = np.clip(model.predict(_matrix(validation)), 0, systems.MAX_POINTS)
    components = component_predictions(validation.reset_index(drop=True), usable, validation_points)
    actual = validation["actual_points"].to_numpy(dtype=float)
    baseline = components["moving_average_baseline_v1"]
    weights = least_absolute_error_weights(components, actual)
    distributions = probability_models(validation, components, weights)
    final = _fit(usable, None, n_estimators=best)
    date = cutoff.strftime("%Y%m%d")
    return {
        "model_date": cutoff,
        "model_id": f"xgboost_v1_{date}",
        "training_start": usable["game_date"].min(),
        "training_end": usable["game_date"].max(),
        "validation_start": pd.Timestamp(split),
        "training_rows": len(usable),
        "validation_rows": len(validation),
        "validation_mae": round(float(mean_absolute_error(actual, validation_points)), 4),
        "validation_baseline_mae": round(float(mean_absolute_error(actual[baseline.notna()], baseline.dropna())), 4)
        if baseline.notna().any() else np.nan,
        "best_iteration": best,
        "objective": HYPERPARAMETERS["objective"],
        "hyperparameters": json.dumps({**HYPERPARAMETERS, "training_window_days": TRAINING_WINDOW_DAYS}, sort_keys=True),
        "feature_names": json.dumps(list(FEATURE_NAMES)),
        "feature_version": FEATURE_VERSION,
        "ensemble_weights": json.dumps(weights, sort_keys=True),
        "error_distributions": models_json(distributions),
        "booster_json": final.get_booster().save_raw("json").decode(),
    }


def train_models(cutoffs: list[pd.Timestamp], rows: pd.DataFrame) -> pd.DataFrame:
    models = [m for m in (train_points_model(c, rows) for c in cutoffs) if m is not None]
    return POINTS_MODEL.conform(pd.DataFrame(models, columns=POINTS_MODEL.column_names)) if models else POINTS_MODEL.empty()


def booster_trees(booster_json: str) -> dict[str, np.ndarray]:
    """A saved booster's trees as arrays (tree × node; a leaf's left child is -1 and its value sits in threshold)
    and its base score, for `tree_points`. Refuses what tree_points does not evaluate as XGBoost does: another
    booster than gbtree, several outputs, categorical splits, an objective that transforms the sum of the trees."""
    learner = json.loads(booster_json)["learner"]
    parameters, booster = learner["learner_model_param"], learner["gradient_booster"]
    objective = learner["objective"]["name"]
    if (booster["name"] != "gbtree" or objective not in IDENTITY_OBJECTIVES or int(parameters["num_class"]) > 1
            or int(parameters["num_target"]) != 1):
        raise ValueError(f"booster {booster['name']} with objective {objective} and {parameters['num_class']} classes, "
                         f"{parameters['num_target']} targets: not a sum of trees")
    trees = booster["model"]["trees"]
    if any(kind != 0 for tree in trees for kind in tree["split_type"]):
        raise ValueError("the booster has categorical splits")
    width = max((len(tree["left_children"]) for tree in trees), default=1)

    def stacked(field: str, dtype, pad) -> np.ndarray:
        return np.array([tree[field] + [pad] * (width - len(tree[field])) for tree in trees], dtype=dtype).reshape(len(trees), width)

    return {"base_score": np.float32(float(parameters["base_score"].strip("[]"))),
            "left": stacked("left_children", np.int64, -1), "right": stacked("right_children", np.int64, -1),
            "feature": stacked("split_indices", np.int64, 0), "threshold": stacked("split_conditions", np.float32, 0.0),
            "default_left": stacked("default_left", bool, False)}


def tree_points(trees: dict[str, np.ndarray], matrix: np.ndarray) -> np.ndarray:
    """What xgboost.Booster.predict returns for a float32 matrix (NaN = missing), without importing XGBoost (with
    scikit-learn and SciPy about 2.5 s of a daily pre-game run): in each tree a row goes left when its feature is
    below the split (missing: the node's default side); the leaves are added to the base score in float32, tree by
    tree, as XGBoost's CPU predictor adds them. Rows go in blocks small enough for the CPU cache."""
    return np.concatenate([_block_points(trees, matrix[start:start + TREE_BLOCK_ROWS])
                           for start in range(0, len(matrix), TREE_BLOCK_ROWS)] or [np.zeros(0, dtype=np.float32)])


def _block_points(trees: dict[str, np.ndarray], matrix: np.ndarray) -> np.ndarray:
    count, width = trees["left"].shape
    rows = np.arange(len(matrix))[:, None]
    offset = np.arange(count) * width  # node n of tree t is flat index t * width + n
    left, right, feature = trees["left"].ravel(), trees["right"].ravel(), trees["feature"].ravel()
    threshold, default_left = trees["threshold"].ravel(), trees["default_left"].ravel()
    node = np.zeros((len(matrix), count), dtype=np.int64)
    inner = left[offset + node] >= 0
    while inner.any():
        at = offset + node
        value = matrix[rows, feature[at]]
        goes_left = np.where(np.isnan(value), default_left[at], value < threshold[at])
        node = np.where(inner, np.where(goes_left, left[at], right[at]), node)
        inner = left[offset + node] >= 0
    leaves = threshold[offset + node]
    points = np.full(len(matrix), trees["base_score"], dtype=np.float32)
    for tree in range(count):
        points += leaves[:, tree]
    return points


def latest_models(days: pd.Series, models: pd.DataFrame) -> pd.Series:
    """For each day, the model_id of the latest model dated on or before it (NaN if none)."""
    if models.empty:
        return pd.Series(np.nan, index=days.index, dtype="object")
    ordered = models.sort_values("model_date")
    position = np.searchsorted(ordered["model_date"].to_numpy(), days.to_numpy(dtype="datetime64[ns]"), side="right") - 1
    ids = ordered["model_id"].to_numpy()
    return pd.Series(np.where(position >= 0, ids[np.maximum(position, 0)], None), index=days.index)


def xgboost_predictions(features: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """Predicted points by each row's model (latest cutoff on or before its day); NULL without one."""
    out = pd.DataFrame(index=features.index, data={"predicted_points": np.nan, "model_id": None, "model_training_end": pd.NaT})
    chosen = latest_models(features["game_date"], models)
    for model_id, rows in features.groupby(chosen, sort=True):
        model = models[models["model_id"] == model_id].iloc[0]
        names = json.loads(model["feature_names"])
        points = tree_points(booster_trees(model["booster_json"]), rows[names].to_numpy(dtype="float32"))
        out.loc[rows.index, "predicted_points"] = np.clip(points, 0, systems.MAX_POINTS).round(1)
        out.loc[rows.index, "model_id"] = model_id
        out.loc[rows.index, "model_training_end"] = model["training_end"]
    out["warnings"] = np.where(out["predicted_points"].isna(),
                               f"no model: fewer than {MIN_TRAINING_ROWS} training rows before this day;", "")
    return out
