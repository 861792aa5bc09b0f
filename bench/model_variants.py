"""Walk-forward accuracy and training cost of the points model's variants, on a warehouse the graph has built.

    python bench/model_variants.py WAREHOUSE [--no-final-refit] [--set NAME=VALUE ...]

For every model the warehouse holds (its cutoffs), the pipeline's own `train_points_model` trains again on the
warehouse's feature store with the hyperparameters changed by --set (none: today's model), and each model predicts
its month's prediction candidates, as `player_prop_predictions` does. Prints the CPU seconds of the training and
the MAE of those predictions, overall and per season. With no option it reproduces the bench's xgboost_v1 MAE
(`make bench` (a) and (e)), which is how a variant is judged against today's model.

--no-final-refit keeps the validation fit (trained without the newest VALIDATION_SHARE of the window) as the model
instead of refitting on the whole window: half the boosting.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from nba_assets.calendar import season_label
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.predictions import model
from nba_assets.predictions.tables import POINTS_MODEL
from nba_assets.storage.warehouse import DuckDBWarehouse


def training_rows_and_cutoffs(warehouse: str) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """What the `points_model` step reads, through the same warehouse reads (declared dtypes)."""
    tables = DuckDBWarehouse(database=warehouse)
    features = tables.read_table(ML_FEATURE_STORE, columns=list(model.TRAINING_FEATURE_COLUMNS))
    players = tables.read_table(PLAYER_GAME_SUMMARY, columns=list(model.TRAINING_PLAYER_COLUMNS))
    cutoffs = tables.read_table(POINTS_MODEL, columns=["model_date"])["model_date"].sort_values()
    return model.training_rows(features, players), list(cutoffs)


def validation_fit_as_model(fit):
    """`model._fit` that returns the validation fit where the final refit was asked for."""
    last = {}

    def fit_once(train, validation, n_estimators=None):
        if validation is None:
            return last["fit"]
        last["fit"] = fit(train, validation, n_estimators)
        return last["fit"]

    return fit_once


def walk_forward(rows: pd.DataFrame, cutoffs: list[pd.Timestamp]) -> tuple[float, pd.DataFrame]:
    """Training CPU seconds, and each candidate row's error by the model in force on its day."""
    started = time.process_time()
    models = pd.DataFrame([m for m in (model.train_points_model(c, rows) for c in cutoffs) if m is not None])
    seconds = time.process_time() - started
    candidates = rows[(rows["game_date"] >= cutoffs[0]) & rows["is_prediction_candidate"].astype(bool)].reset_index(drop=True)
    predicted = model.xgboost_predictions(candidates, models)["predicted_points"].to_numpy(dtype=float)
    errors = pd.DataFrame({"game_date": candidates["game_date"],
                           "error": np.abs(predicted - candidates["actual_points"].to_numpy(dtype=float))})
    return seconds, errors.dropna()


def season(day: pd.Series) -> pd.Series:
    """'2022-23' for a day from August 2022 to July 2023."""
    return (day.dt.year - (day.dt.month < 8)).map(season_label)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse")
    parser.add_argument("--no-final-refit", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a hyperparameter, the value as JSON (e.g. learning_rate=0.1)")
    args = parser.parse_args(argv)
    changes = {name: json.loads(value) for name, value in (item.split("=", 1) for item in args.set)}
    unknown = set(changes) - set(model.HYPERPARAMETERS)
    if unknown:
        parser.error(f"not a hyperparameter of the points model: {', '.join(sorted(unknown))}")
    model.HYPERPARAMETERS.update(changes)
    if args.no_final_refit:
        model._fit = validation_fit_as_model(model._fit)
    rows, cutoffs = training_rows_and_cutoffs(args.warehouse)
    seconds, errors = walk_forward(rows, cutoffs)
    per_season = errors.groupby(season(errors["game_date"]))["error"].mean()
    print(f"variant: {json.dumps(changes, sort_keys=True)}{' no final refit' if args.no_final_refit else ''}")
    print(f"{len(cutoffs)} cutoffs, training {seconds:.1f} s CPU; xgboost_v1 MAE {errors['error'].mean():.4f} "
          f"(n={len(errors):,}); per season " + ", ".join(f"{s} {mae:.4f}" for s, mae in per_season.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
