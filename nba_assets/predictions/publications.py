"""Publishing picks, and which pick of a day counts: plain functions over DataFrames.

A live pre-game run publishes the picks of the games that have not started at its moment (a game's picks freeze
at its tip-off). A publication appends, to the day's ledger (nba_predictions.pick_publications), one row per pick
that is NEW, CHANGED (any stated value differs: prediction, line, bookmaker, recommendation, confidence, injury
status, flags, model) or WITHDRAWN (published earlier, absent now, e.g. a player ruled out) since the day's
previous publications; with nothing changed there is no publication. So the ledger reads as the board's history,
and the board at a moment is each pick's latest row before it.

The picks of record of a game (the ones graded, and the slate's) are its picks' latest rows published before its
tip-off, WITHDRAWN ones left out; a game never published live has the as-of reconstruction of
player_prop_predictions instead (nba_assets.pregame).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.pregame import information_cutoffs
from nba_assets.storage.schema import TIMESTAMP
from nba_assets.predictions.tables import (
    CHANGED,
    NEW,
    PICK_COLUMNS,
    PICK_PUBLICATIONS,
    PLAYER_PROP_PREDICTIONS,
    WITHDRAWN,
)

PUBLICATION_FIELDS = ("publication_id", "published_at", "information_as_of", "change", "trigger", "run_id")
# a new snapshot quoting the same line and prices is not a change of the pick
STATED = [c for c in PICK_PUBLICATIONS.column_names if c not in (*PUBLICATION_FIELDS, "line_snapshot_timestamp")]
LIVE, RECONSTRUCTION = "live publication", "as-of reconstruction"
TIMESTAMPS = [c.name for c in PICK_PUBLICATIONS.columns if c.type == TIMESTAMP]


def publication_id(day: pd.Timestamp, published_at: pd.Timestamp) -> str:
    return f"{day:%Y-%m-%d}@{published_at.tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}"


def day_picks(predictions: pd.DataFrame, player_context: pd.DataFrame, team_context: pd.DataFrame,
              features: pd.DataFrame, as_of: pd.Timestamp | None, lead: pd.Timedelta) -> pd.DataFrame:
    """The day's predictions with what a publication states beside them: tip-off, information cut-off (the
    moment the pre-game inputs were known before), the line's snapshot, feature version, window completeness."""
    context = player_context[["game_date", "player_lookup", "line_snapshot_timestamp"]]
    tipoffs = team_context[["game_id", "tipoff_utc"]].drop_duplicates("game_id")
    quality = features[["game_date", "player_lookup", "feature_version", "window_complete"]]
    picks = predictions[list(PICK_COLUMNS)].merge(context, on=["game_date", "player_lookup"], how="left", validate="m:1")
    picks = picks.merge(tipoffs, on="game_id", how="left", validate="m:1")
    picks = picks.merge(quality, on=["game_date", "player_lookup"], how="left", validate="m:1")
    picks["tipoff_utc"] = _utc(picks["tipoff_utc"])
    picks["information_as_of"] = information_cutoffs(picks["tipoff_utc"], as_of, lead)
    return picks


def board(ledger: pd.DataFrame, before: pd.Timestamp | None = None) -> pd.DataFrame:
    """Each pick's latest ledger row (published before `before`, when given), WITHDRAWN ones included."""
    rows = ledger if before is None else ledger[_utc(ledger["published_at"]) < before]
    return rows.sort_values(["published_at", "prediction_id"], kind="stable").groupby("prediction_id", sort=False).tail(1)


def publication_rows(picks: pd.DataFrame, ledger: pd.DataFrame, published_at: pd.Timestamp, as_of: pd.Timestamp,
                     trigger: str, run_id: str) -> pd.DataFrame:
    """The rows to append for the picks (day_picks) of games not started at `published_at`, against the day's
    ledger so far: NEW, CHANGED and WITHDRAWN picks (empty: nothing changed, no publication). A WITHDRAWN row
    repeats the withdrawn pick, with the run's moment `as_of` as its information."""
    open_picks = picks[picks["tipoff_utc"] > published_at]
    current = board(ledger)
    current = current.assign(**{column: _utc(current[column]) for column in TIMESTAMPS})
    current = current[(current["change"] != WITHDRAWN) & (current["tipoff_utc"] > published_at)]
    stated = open_picks.merge(current[STATED], on="prediction_id", how="left", suffixes=("", "__was"),
                              indicator=True)
    differs = np.zeros(len(stated), dtype=bool)
    for column in STATED:
        if column == "prediction_id":
            continue
        now, was = stated[column], stated[f"{column}__was"]
        differs |= ~((now == was).fillna(False).to_numpy(dtype=bool) | (now.isna() & was.isna()).to_numpy())
    change = np.where(stated["_merge"] == "left_only", NEW, np.where(differs, CHANGED, ""))
    published = open_picks.assign(change=change)[change != ""]
    withdrawn = current[~current["prediction_id"].isin(open_picks["prediction_id"])].assign(change=WITHDRAWN,
                                                                                             information_as_of=as_of)
    rows = pd.concat([published, withdrawn[published.columns]], ignore_index=True) if len(withdrawn) else published
    if rows.empty:
        return PICK_PUBLICATIONS.empty()
    day = pd.Timestamp(rows["game_date"].iloc[0])
    rows = rows.assign(publication_id=publication_id(day, published_at), published_at=published_at, trigger=trigger,
                       run_id=run_id)
    return PICK_PUBLICATIONS.conform(rows[PICK_PUBLICATIONS.column_names].sort_values("prediction_id"))


def picks_of_record(ledger: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The picks that count for each game: its picks' latest live rows before tip-off (WITHDRAWN left out), or for
    a game without any, the predictions table's rows (the as-of reconstruction). Prediction columns, pick_source,
    and what only a publication states (published_at, tipoff_utc, line_snapshot_timestamp, window_complete: NULL
    for the reconstruction)."""
    live = ledger[_utc(ledger["published_at"]) < _utc(ledger["tipoff_utc"])]
    latest = board(live)
    latest = latest[latest["change"] != WITHDRAWN]
    reconstructed = predictions[~predictions["game_id"].isin(set(live["game_id"]))]
    columns = [c for c in PLAYER_PROP_PREDICTIONS.column_names if c in PICK_COLUMNS]
    published = ["published_at", "tipoff_utc", "line_snapshot_timestamp", "window_complete"]
    out = pd.concat([latest[columns + published].assign(pick_source=LIVE),
                     reconstructed[columns].assign(pick_source=RECONSTRUCTION)], ignore_index=True)
    return out.sort_values(["game_date", "prediction_id"]).reset_index(drop=True)


def _utc(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values)
    return stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")
