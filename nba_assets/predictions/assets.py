"""Prediction assets: the walk-forward model, the five systems' predictions, their live publications, grading, and
the evaluation report."""

import json

import dagster as dg
import pandas as pd

from nba_assets import settings
from nba_assets.checks.governance import Evidence, Publication
from nba_assets.clock import Clock
from nba_assets.partitions import HISTORY_DAYS, game_days
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, UPCOMING_PLAYER_GAME_CONTEXT, UPCOMING_TEAM_GAME_CONTEXT
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.pregame import TRIGGER_TAG, is_live, reconstruction_lead, run_as_of
from nba_assets.predictions import grading
from nba_assets.predictions.evaluation import evaluation_report
from nba_assets.predictions.model import (
    TRAINING_FEATURE_COLUMNS,
    TRAINING_PLAYER_COLUMNS,
    TRAINING_WINDOW_DAYS,
    train_models,
    training_cutoffs,
    training_rows,
    training_window_start,
)
from nba_assets.predictions.predict import FEATURE_COLUMNS, build_predictions
from nba_assets.predictions.publications import day_picks, picks_of_record, publication_rows
from nba_assets.predictions.similarity import LOOKBACK_DAYS
from nba_assets.predictions.slate import build_slates, load_slate_inputs, slate_markdown
from nba_assets.predictions.tables import (
    DATASET,
    CHANGED,
    NEW,
    PICK_PUBLICATIONS,
    PLAYER_PROP_PREDICTIONS,
    POINTS_MODEL,
    PREDICTION_ACCURACY,
    SLATE_SYSTEM,
    SYSTEM_DAILY_PERFORMANCE,
    SYSTEM_IDS,
    WITHDRAWN,
)
from nba_assets.raw.resource import RawSourceResource, raw_key
from nba_assets.storage.ledger import Ledger
from nba_assets.storage.warehouse import Warehouse
from nba_assets.table_asset import (
    IN_FORCE,
    WAREHOUSE_POOL,
    history,
    rows_per_day,
    same_day,
    selected_columns,
    table_asset,
    window_dates,
)

GROUP = "predictions"
TRAINING_WINDOW = dg.TimeWindowPartitionMapping(start_offset=-TRAINING_WINDOW_DAYS, end_offset=-1,
                                                allow_nonexistent_upstream_partitions=True)
MODELS_IN_FORCE = dg.TimeWindowPartitionMapping(start_offset=-HISTORY_DAYS, end_offset=0,
                                                allow_nonexistent_upstream_partitions=True)
# one input per upstream table: the day's features and the similarity lookback come from the same window
FEATURES_AND_LOOKBACK = dg.TimeWindowPartitionMapping(start_offset=-LOOKBACK_DAYS, end_offset=0,
                                                      allow_nonexistent_upstream_partitions=True)


def _per_day(context: dg.AssetExecutionContext, frame: pd.DataFrame, date_column: str, metrics) -> None:
    """Numeric metadata on each day's own materialization (so the UI can plot it over time)."""
    by_day = {day.strftime("%Y-%m-%d"): rows for day, rows in frame.groupby(frame[date_column])}
    for key in context.partition_keys:
        rows = by_day.get(key, frame.iloc[0:0])
        context.add_asset_metadata({"rows": len(rows), **metrics(rows)}, partition_key=key)


@table_asset(
    POINTS_MODEL,
    group=GROUP,
    deps=[dg.AssetDep(ML_FEATURE_STORE.asset_key, partition_mapping=TRAINING_WINDOW),
          dg.AssetDep(PLAYER_GAME_SUMMARY.asset_key, partition_mapping=TRAINING_WINDOW), raw_key("nbac_schedule")],
)
def points_model(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse):
    """On the first day of each month with games: XGBoost trained on the feature-store rows of the year before
    with their actual points, and the ensemble weights and error distributions measured on its validation
    window. Other days hold no model."""
    publication = Publication(context, warehouse, POINTS_MODEL)
    start, end = window_dates(context)
    cutoffs = training_cutoffs(raw.read("nbac_schedule", start, end + pd.Timedelta(days=31)),
                               pd.Timestamp(start), pd.Timestamp(end))
    if not cutoffs:
        frame = POINTS_MODEL.empty()
    else:
        first, last = training_window_start(min(cutoffs)).date(), max(cutoffs).date()
        features = warehouse.read_table(ML_FEATURE_STORE, start=first, end=last, columns=list(TRAINING_FEATURE_COLUMNS))
        players = warehouse.read_table(PLAYER_GAME_SUMMARY, start=first, end=last, columns=list(TRAINING_PLAYER_COLUMNS))
        frame = train_models(cutoffs, training_rows(features, players))
    for model in frame.itertuples():
        context.add_asset_metadata({
            "model_id": model.model_id,
            "training_window": f"{model.training_start.date()} .. {model.training_end.date()}",
            "training_rows": int(model.training_rows),
            "validation_mae": float(model.validation_mae),
            "validation_baseline_mae": float(model.validation_baseline_mae),
            "error_distribution_rows": dg.MetadataValue.json(
                {name: d["rows"] for name, d in json.loads(model.error_distributions).items()}),
            "best_iteration": int(model.best_iteration),
            "hyperparameters": dg.MetadataValue.json(json.loads(model.hyperparameters)),
            "ensemble_weights": dg.MetadataValue.json(json.loads(model.ensemble_weights)),
            "feature_names": dg.MetadataValue.json(json.loads(model.feature_names)),
        }, partition_key=model.model_date.strftime("%Y-%m-%d"))
    yield from publication.publish(frame, metadata={"models_trained": len(frame), "training_cutoffs_in_window": len(cutoffs)})


@table_asset(
    PLAYER_PROP_PREDICTIONS,
    group=GROUP,
    ins={"features": dg.AssetIn(key=ML_FEATURE_STORE.asset_key, partition_mapping=FEATURES_AND_LOOKBACK,
                                metadata=selected_columns(ML_FEATURE_STORE, FEATURE_COLUMNS)),
         "player_history": history(PLAYER_GAME_SUMMARY, LOOKBACK_DAYS),
         # the model in force: a model partition exists only on the days one is trained (IN_FORCE)
         "models": dg.AssetIn(key=POINTS_MODEL.asset_key, partition_mapping=MODELS_IN_FORCE, metadata={IN_FORCE: True})},
)
def player_prop_predictions(context: dg.AssetExecutionContext, warehouse: Warehouse, features: pd.DataFrame,
                            player_history: pd.DataFrame, models: pd.DataFrame):
    """features holds the days to predict and the 90 days before them (similarity looks only at earlier days
    with actual points)."""
    publication = Publication(context, warehouse, PLAYER_PROP_PREDICTIONS)
    start, end = window_dates(context)
    today = publication.keep(features[(features["game_date"] >= pd.Timestamp(start)) & (features["game_date"] < pd.Timestamp(end))])
    frame = build_predictions(today, training_rows(features, player_history), models)
    _per_day(context, frame, "game_date", lambda rows: {
        "players": int(rows["player_lookup"].nunique()),
        "with_prop_line": int(rows.loc[rows["system_id"] == "ensemble_v1", "has_prop_line"].sum()),
        "ensemble_bets": int(rows.loc[rows["system_id"] == "ensemble_v1", "recommendation"].isin(["OVER", "UNDER"]).sum()),
        "withheld_missing_features": int(rows["missing_features"].notna().sum()),
    })
    candidates = rows_per_day(today[today["is_prediction_candidate"].astype(bool)], "game_date")
    yield from publication.publish(frame, Evidence(expected_rows={day: n * len(SYSTEM_IDS) for day, n in candidates.items()}))


@dg.asset(
    key=PICK_PUBLICATIONS.asset_key,
    group_name=GROUP,
    partitions_def=game_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    ins={"predictions": same_day(PLAYER_PROP_PREDICTIONS), "player_context": same_day(UPCOMING_PLAYER_GAME_CONTEXT),
         "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT), "features": same_day(ML_FEATURE_STORE)},
    description=PICK_PUBLICATIONS.description,
    kinds={"pandas", settings.storage_backend()},
    metadata={"partition_expr": PICK_PUBLICATIONS.date_column,
              "dagster/column_schema": PICK_PUBLICATIONS.dagster_column_schema(),
              "dagster/table_name": PICK_PUBLICATIONS.qualified_name, "key": ", ".join(PICK_PUBLICATIONS.key)},
)
def pick_publications(context: dg.AssetExecutionContext, ledger: Ledger, warehouse: Warehouse, clock: Clock,
                      predictions: pd.DataFrame, player_context: pd.DataFrame, team_context: pd.DataFrame,
                      features: pd.DataFrame) -> dg.MaterializeResult:
    """A live pre-game run (the pregame sensor's, one day) appends what changed on the day's board of games not
    yet started; any other run (a backfill, a rebuild) publishes nothing: the ledger is never rewritten, and the
    day's as-of reconstruction is in player_prop_predictions."""
    tags = context.run.tags
    ledger.append(PICK_PUBLICATIONS, PICK_PUBLICATIONS.empty())  # the ledger exists, as declared (drift is refused)
    if not is_live(tags) or len(context.partition_keys) != 1:
        return dg.MaterializeResult(metadata={"published": False, "why": "not a live pre-game run: nothing is published "
                                              "(the as-of reconstruction is in player_prop_predictions)"})
    day = pd.Timestamp(context.partition_key)
    status = context.instance.get_status_by_partition(PLAYER_PROP_PREDICTIONS.asset_key, [context.partition_key], game_days)
    if (status or {}).get(context.partition_key) != dg.AssetPartitionStatus.MATERIALIZED:
        return dg.MaterializeResult(metadata={"published": False, "why": "the day's predictions are not published "
                                              "(quarantined or failed): the previous publication stands"})
    now, as_of = clock.now(), run_as_of(tags)
    picks = day_picks(predictions, player_context, team_context, features, as_of, reconstruction_lead())
    previous = warehouse.read_table(PICK_PUBLICATIONS, day.date(), (day + pd.Timedelta(days=1)).date())
    rows = publication_rows(picks, previous, now, as_of, tags.get(TRIGGER_TAG, "run started by hand"), context.run.run_id)
    open_games = int(picks.loc[picks["tipoff_utc"] > now, "game_id"].nunique())
    if rows.empty:
        return dg.MaterializeResult(metadata={"published": False, "open_games": open_games,
                                              "why": "no pick changed since the day's previous publication"})
    added = ledger.append(PICK_PUBLICATIONS, rows)
    counts = rows["change"].value_counts()
    return dg.MaterializeResult(metadata={
        "published": True, "publication_id": rows["publication_id"].iloc[0], "published_at": now.isoformat(),
        "information_as_of": as_of.isoformat(), "trigger": tags.get(TRIGGER_TAG, ""), "rows_added": added,
        "open_games": open_games, "frozen_games": int(picks["game_id"].nunique()) - open_games,
        **{change.lower(): int(counts.get(change, 0)) for change in (NEW, CHANGED, WITHDRAWN)}})


def _ledger_days(warehouse: Warehouse, context: dg.AssetExecutionContext) -> pd.DataFrame:
    start, end = window_dates(context)
    return warehouse.read_table(PICK_PUBLICATIONS, start, end)


@table_asset(PREDICTION_ACCURACY, group=GROUP, deps=[PICK_PUBLICATIONS.asset_key],
             ins={"predictions": same_day(PLAYER_PROP_PREDICTIONS), "players": same_day(PLAYER_GAME_SUMMARY)})
def prediction_accuracy(context: dg.AssetExecutionContext, warehouse: Warehouse, predictions: pd.DataFrame,
                        players: pd.DataFrame):
    """Grades each game's picks of record: its last live publication before tip-off, or, never published live, the
    as-of reconstruction in player_prop_predictions (predictions.publications)."""
    publication = Publication(context, warehouse, PREDICTION_ACCURACY)
    predictions = publication.keep(picks_of_record(_ledger_days(warehouse, context), predictions))
    frame = grading.prediction_accuracy(predictions, players)
    _per_day(context, frame, "game_date", lambda rows: {"voided": int(rows["is_voided"].sum()),
                                                        "graded_bets": int(rows["is_graded_bet"].sum())})
    gradable = predictions[predictions["game_id"].isin(players["game_id"].unique())]
    yield from publication.publish(frame, Evidence(expected_rows=rows_per_day(gradable, "game_date")))


def _performance_metrics(rows: pd.DataFrame) -> dict:
    metrics = {}
    for system_id in SYSTEM_IDS:
        system = rows[rows["system_id"] == system_id]
        if len(system) and pd.notna(system["mae"].iloc[0]):
            metrics[f"mae__{system_id}"] = float(system["mae"].iloc[0])
        if len(system) and pd.notna(system["hit_rate"].iloc[0]):
            metrics[f"hit_rate__{system_id}"] = float(system["hit_rate"].iloc[0])
    return metrics


@table_asset(SYSTEM_DAILY_PERFORMANCE, group=GROUP, ins={"accuracy": same_day(PREDICTION_ACCURACY)})
def system_daily_performance(context: dg.AssetExecutionContext, warehouse: Warehouse, accuracy: pd.DataFrame):
    """Per day and system; each day's materialization carries mae__<system> and hit_rate__<system> so the UI
    plots them over time."""
    publication = Publication(context, warehouse, SYSTEM_DAILY_PERFORMANCE)
    accuracy = publication.keep(accuracy)
    frame = grading.system_daily_performance(accuracy)
    _per_day(context, frame, "game_date", _performance_metrics)
    systems_per_day = accuracy.groupby("game_date")["system_id"].nunique().to_dict() if len(accuracy) else {}
    yield from publication.publish(frame, Evidence(expected_rows=systems_per_day))


@dg.asset(
    key=dg.AssetKey(["nba_predictions", "prediction_evaluation"]),
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    deps=[PREDICTION_ACCURACY.asset_key],
    kinds={"pandas", "matplotlib"},
    description="The bettor's evaluation of every graded prediction (nba_assets.predictions.evaluation): accuracy "
    "against the baseline and the line, hit rate and ROI at the offered prices by direction and edge with 95% "
    "intervals, reliability, walk-forward MAE by month; tables and a PNG in the metadata. Materialized by "
    "`nba-assets evaluate` or from the UI; not part of the range backfill.",
)
def prediction_evaluation(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from nba_assets.predictions.report_plots import render_png, report_markdown

    report = evaluation_report(warehouse.read_table(PREDICTION_ACCURACY))
    png = render_png(report)
    path = settings.data_dir() / "reports" / "prediction_evaluation.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    latest = {}
    if report["seasons"]:
        season, systems = list(report["seasons"].items())[-1]
        latest = {f"mae__{system_id}": float(r["mae"]) for system_id, r in systems.items() if r["mae"] is not None}
        latest["season"] = season
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.md(report_markdown(report, png)),
        "png": dg.MetadataValue.path(str(path)),
        "report_json": dg.MetadataValue.json(report),
        **latest,
    })


@dg.asset(
    key=dg.AssetKey([DATASET, "pick_slate"]),
    group_name=GROUP,
    partitions_def=game_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    deps=[PICK_PUBLICATIONS.asset_key, PREDICTION_ACCURACY.asset_key, SYSTEM_DAILY_PERFORMANCE.asset_key],
    description=f"The day's slate for people ({SLATE_SYSTEM}), as `nba-assets picks` prints it: each lined player's "
    "pick of record sorted by edge, what was left out and why, and once games are Final the results and the day's "
    "graded record. Rendered after every pre-game publication and after the day's grading; no table.",
    kinds={"markdown"},
)
def pick_slate(context: dg.AssetExecutionContext, warehouse: Warehouse, raw: RawSourceResource) -> dg.MaterializeResult:
    start, end = window_dates(context)
    days = [pd.Timestamp(key).date() for key in context.partition_keys]
    slates = build_slates(load_slate_inputs(warehouse, raw, start, end), days)
    for key, day in zip(context.partition_keys, days):
        slate = slates[day]
        record, source = slate["record"], slate["source"]
        context.add_asset_metadata({
            "slate": dg.MetadataValue.md(slate_markdown(slate)),
            "picks": len(slate["picks"]),
            "bets": record["bets"],
            "record": f"{record['wins']}-{record['losses']}-{record['pushes']}",
            **({"hit_rate": record["hit_rate"]} if record["hit_rate"] is not None else {}),
            "live_publications": source["live_publications"],
            "reconstructed_games": source["reconstructed_games"],
        }, partition_key=key)
    return dg.MaterializeResult()


PREDICTION_ASSETS = [points_model, player_prop_predictions, pick_publications, prediction_accuracy, system_daily_performance,
                     pick_slate]
REPORT_ASSETS = [prediction_evaluation]
