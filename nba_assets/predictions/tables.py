"""Declared schemas of the prediction tables (dataset nba_predictions). Reference §12-§13."""

from __future__ import annotations

from nba_assets.checks.rules import PREDICTED, PREGAME_DEADLINE, RESULTS_DEADLINE, ColumnRange, Coverage, RowCount
from nba_assets.storage.schema import BOOL, DATE, FLOAT64, INT64, STRING, TIMESTAMP, TableSchema, col

DATASET = "nba_predictions"

SYSTEM_IDS = ("moving_average_baseline_v1", "zone_matchup_v1", "similarity_balanced_v1", "xgboost_v1", "ensemble_v1")
SLATE_SYSTEM = "ensemble_v1"  # the system the slate shows unless another is asked for
OVER, UNDER, PASS, NO_LINE = "OVER", "UNDER", "PASS", "NO_LINE"
ACTUAL_PROP, ESTIMATED_AVG = "ACTUAL_PROP", "ESTIMATED_AVG"

POINTS_MODEL = TableSchema(
    dataset=DATASET,
    name="points_model",
    date_column="model_date",
    key=("model_date",),
    description="Walk-forward XGBoost models: on the first day of each month with games, a model trained on every "
    "feature-store row (with its actual points) dated before that day, and the ensemble weights fitted on its "
    "validation window. Predictions for a day use the latest model dated on or before it.",
    rules=(ColumnRange("validation_mae", 0, 15), ColumnRange("training_rows", 1, 10_000_000)),
    columns=(
        col("model_date", DATE, "training cutoff: every training game is dated before it", nullable=False),
        col("model_id", STRING, nullable=False),
        col("training_start", DATE, nullable=False),
        col("training_end", DATE, "last game date in the training data", nullable=False),
        col("validation_start", DATE, "first game date of the chronological validation window", nullable=False),
        col("training_rows", INT64, nullable=False),
        col("validation_rows", INT64, nullable=False),
        col("validation_mae", FLOAT64, "model fitted on the training part, scored on the validation window",
            nullable=False, unit="points"),
        col("validation_baseline_mae", FLOAT64, "moving_average_baseline_v1 on the same validation rows", unit="points"),
        col("best_iteration", INT64, "trees kept by early stopping on the validation window", nullable=False),
        col("objective", STRING, nullable=False),
        col("hyperparameters", STRING, "JSON", nullable=False),
        col("feature_names", STRING, "JSON list, the feature contract's names in order", nullable=False),
        col("feature_version", STRING, nullable=False),
        col("ensemble_weights", STRING, "JSON system_id -> weight, least absolute error on the validation window",
            nullable=False),
        col("error_distributions", STRING, "JSON system_id -> residual quantiles per band of predicted points and "
            "the probability calibration per kind of line, measured on the validation window", nullable=False),
        col("booster_json", STRING, "the final model, refitted on all rows before the cutoff", nullable=False),
    ),
)

PLAYER_PROP_PREDICTIONS = TableSchema(
    dataset=DATASET,
    name="player_prop_predictions",
    date_column="game_date",
    key=("prediction_id",),
    description="One row per prediction candidate per game day per system, made from the feature store's pre-game "
    "features, the pre-game line and models trained before the day.",
    rules=(ColumnRange("predicted_points", 0, 60), ColumnRange("confidence_score", 0, 100),
           RowCount("feature-store prediction candidates x 5 systems")),
    coverage=Coverage(expects=PREDICTED),
    deadline=PREGAME_DEADLINE,
    columns=(
        col("prediction_id", STRING, "{game_date}_{player_lookup}_{system_id}", nullable=False),
        col("game_date", DATE, nullable=False),
        col("system_id", STRING, nullable=False),
        col("player_lookup", STRING, nullable=False),
        col("game_id", STRING, nullable=False),
        col("team_abbr", STRING, nullable=False),
        col("opponent_team_abbr", STRING, nullable=False),
        col("season_year", INT64, nullable=False),
        col("predicted_points", FLOAT64, "NULL when the system cannot predict (see warnings)", unit="points"),
        col("probability_over", FLOAT64, "P(points > line) from the system's error distribution", unit="probability"),
        col("probability_under", FLOAT64, "P(points < line); a push is the rest", unit="probability"),
        col("expected_value", FLOAT64, "expected profit per unit staked on the recommended side (else the better "
            "side) at the offered price", unit="units"),
        col("confidence_score", FLOAT64, "100 × the probability that the recommended side wins (PASS: the likelier "
            "side); NULL without a line or an error distribution", unit="percent"),
        col("recommendation", STRING, "OVER / UNDER when the expected value at the offered price is at least the "
            "margin; PASS / NO_LINE", nullable=False),
        col("missing_features", STRING, "features the system needs that the row lacks: no recommendation"),
        col("line_value", FLOAT64, unit="points"),
        col("line_source", STRING, "ACTUAL_PROP (pre-game prop) or ESTIMATED_AVG (last-5 average, flagged)"),
        col("line_bookmaker", STRING),
        col("over_price", INT64, "American odds offered on OVER with the line (actual props only)"),
        col("under_price", INT64, "American odds offered on UNDER"),
        col("has_prop_line", BOOL, nullable=False),
        col("line_margin", FLOAT64, "predicted − line", unit="points"),
        col("base_points", FLOAT64, "the system's baseline before adjustments", unit="points"),
        col("fatigue_adjustment", FLOAT64, unit="points"),
        col("shot_zone_adjustment", FLOAT64, unit="points"),
        col("pace_adjustment", FLOAT64, unit="points"),
        col("usage_adjustment", FLOAT64, unit="points"),
        col("venue_adjustment", FLOAT64, unit="points"),
        col("similar_games_count", INT64),
        col("avg_similarity_score", FLOAT64),
        col("model_id", STRING),
        col("model_training_end", DATE),
        col("contributing_systems", STRING, "ensemble: the component systems used"),
        col("system_agreement_std", FLOAT64, "ensemble: std of the component predictions", unit="points"),
        col("feature_quality_score", FLOAT64, nullable=False),
        col("quality_tier", STRING, nullable=False),
        col("is_quality_ready", BOOL, nullable=False),
        col("injury_status_at_prediction", STRING),
        col("warnings", STRING),
    ),
)

PREDICTION_ACCURACY = TableSchema(
    dataset=DATASET,
    name="prediction_accuracy",
    date_column="game_date",
    key=("prediction_id",),
    description="One row per prediction of a Final game: errors, the bet result with one push rule, and voids for "
    "players who did not play.",
    rules=(ColumnRange("absolute_error", 0, 100), ColumnRange("actual_points", 0, 100),
           RowCount("predictions of games with box scores")),
    coverage=Coverage(expects=PREDICTED),
    deadline=RESULTS_DEADLINE,
    columns=(
        col("prediction_id", STRING, nullable=False),
        col("game_date", DATE, nullable=False),
        col("system_id", STRING, nullable=False),
        col("player_lookup", STRING, nullable=False),
        col("game_id", STRING, nullable=False),
        col("team_abbr", STRING, nullable=False),
        col("season_year", INT64, nullable=False),
        col("predicted_points", FLOAT64, unit="points"),
        col("actual_points", INT64, "NULL when the player did not play"),
        col("minutes_played", FLOAT64, unit="minutes"),
        col("absolute_error", FLOAT64, unit="points"),
        col("signed_error", FLOAT64, "predicted − actual (+ = over-predicted)", unit="points"),
        col("within_3_points", BOOL),
        col("within_5_points", BOOL),
        col("recommendation", STRING, nullable=False),
        col("line_value", FLOAT64, unit="points"),
        col("line_source", STRING),
        col("predicted_margin", FLOAT64, unit="points"),
        col("actual_margin", FLOAT64, unit="points"),
        col("bet_outcome", STRING, "OVER / UNDER / PUSH against the line (the one push rule)"),
        col("probability_over", FLOAT64, unit="probability"),
        col("expected_value", FLOAT64, unit="units"),
        col("bet_price", INT64, "American odds of the side bet (graded bets)"),
        col("bet_profit", FLOAT64, "graded bets: the price's payout if won, −1 if lost, 0 on a push", unit="units"),
        col("result", STRING, "correct / incorrect / push / void / no_bet", nullable=False),
        col("prediction_correct", BOOL, "NULL for PASS, NO_LINE, pushes and voids"),
        col("is_graded_bet", BOOL, "OVER/UNDER on an actual pre-game prop line, player played", nullable=False),
        col("is_voided", BOOL, nullable=False),
        col("void_reason", STRING, "dnp_injury_confirmed / dnp_late_scratch / dnp_unknown"),
        col("confidence_score", FLOAT64),
        col("confidence_decile", INT64, "1-10"),
        col("published_at", TIMESTAMP, "the live publication graded: the pick's last before its game's tip-off; NULL = "
            "no live publication of the game, the as-of reconstruction in player_prop_predictions is graded"),
    ),
)

SYSTEM_DAILY_PERFORMANCE = TableSchema(
    dataset=DATASET,
    name="system_daily_performance",
    date_column="game_date",
    key=("game_date", "system_id"),
    description="Per game day and system: accuracy of the predictions and of the bets on actual lines.",
    rules=(ColumnRange("mae", 0, 30), ColumnRange("hit_rate", 0, 1), RowCount("systems graded that day")),
    coverage=Coverage(expects=PREDICTED, team_column=None),
    deadline=RESULTS_DEADLINE,
    columns=(
        col("game_date", DATE, nullable=False),
        col("system_id", STRING, nullable=False),
        col("season_year", INT64, nullable=False),
        col("predictions", INT64, nullable=False),
        col("graded_predictions", INT64, "players who played, with a predicted value", nullable=False),
        col("voided", INT64, nullable=False),
        col("mae", FLOAT64, unit="points"),
        col("bias", FLOAT64, "mean signed error", unit="points"),
        col("within_3_pct", FLOAT64, unit="fraction"),
        col("within_5_pct", FLOAT64, unit="fraction"),
        col("bets", INT64, "OVER/UNDER on actual lines, player played", nullable=False),
        col("correct", INT64, nullable=False),
        col("pushes", INT64, nullable=False),
        col("hit_rate", FLOAT64, "correct / (bets − pushes); NULL without decided bets", unit="fraction"),
        col("over_hit_rate", FLOAT64, unit="fraction"),
        col("under_hit_rate", FLOAT64, unit="fraction"),
        col("avg_confidence", FLOAT64),
        col("high_confidence_hit_rate", FLOAT64, "bets with confidence ≥ 70", unit="fraction"),
        col("profit_units", FLOAT64, "summed bet_profit of the graded bets", unit="units"),
        col("roi", FLOAT64, "profit_units / bets", unit="fraction"),
    ),
)

# What a published pick states, as player_prop_predictions declares it (same names and types).
PICK_COLUMNS = ("prediction_id", "game_date", "system_id", "player_lookup", "game_id", "team_abbr", "opponent_team_abbr",
                "season_year", "predicted_points", "probability_over", "probability_under", "expected_value",
                "confidence_score", "recommendation", "missing_features", "line_value", "line_source", "line_bookmaker",
                "over_price", "under_price", "has_prop_line", "line_margin", "model_id", "feature_quality_score", "is_quality_ready",
                "injury_status_at_prediction", "warnings")
NEW, CHANGED, WITHDRAWN = "NEW", "CHANGED", "WITHDRAWN"

PICK_PUBLICATIONS = TableSchema(
    dataset=DATASET,
    name="pick_publications",
    date_column="game_date",
    key=("publication_id", "prediction_id"),
    description="Every live publication of a day's picks, kept forever: appended by live pre-game runs only (never by "
    "a rerun or a backfill), never updated or deleted. A publication holds one row per pick of a game not yet "
    "started that is new, changed or withdrawn since the day's previous publication, with the line snapshot it "
    "used, the model and the feature version; the slate at a moment is each pick's latest row before it.",
    append_only=True,
    columns=(
        col("publication_id", STRING, "{game_date}@{published_at, UTC}", nullable=False),
        col("published_at", TIMESTAMP, "UTC; always before the pick's tip-off", nullable=False),
        col("information_as_of", TIMESTAMP, "the live run's moment: every pre-game input it used was known before it",
            nullable=False),
        col("change", STRING, "NEW / CHANGED / WITHDRAWN against the day's previous publications", nullable=False),
        col("trigger", STRING, "what started the run (first publication, lines moved, injury report changed, ...)",
            nullable=False),
        col("run_id", STRING, nullable=False),
        col("tipoff_utc", TIMESTAMP, "scheduled tip-off (12:00 US Eastern when the schedule has none)", nullable=False),
        *(c for c in PLAYER_PROP_PREDICTIONS.columns if c.name in PICK_COLUMNS),
        col("line_snapshot_timestamp", TIMESTAMP, "the prop snapshot the line was taken from (UTC)"),
        col("feature_version", STRING, nullable=False),
        col("window_complete", BOOL, "the player's last-10 window held every game the schedule has: FALSE = built from "
            "incomplete history", nullable=False),
    ),
)
