"""Grading (reference §13) with one push rule (nba_assets.lines.over_under_result) everywhere.

- A player who did not play (a DNP/inactive row, or no row in a Final game's box score) voids the
  prediction: dnp_injury_confirmed when listed out/doubtful before the game, dnp_late_scratch when
  questionable/probable, dnp_unknown otherwise.
- Only OVER/UNDER on an actual pre-game prop, for a player who played, is a graded bet; estimated lines,
  PASS and NO_LINE are not. A push is neither correct nor incorrect and is not in the hit-rate denominator.
- A graded bet's profit, in units of stake, is settled at the price of the side bet: the price's payout when
  it wins, −1 when it loses, 0 for a push (the stake comes back).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.lines import PUSH, over_under_result, payout
from nba_assets.predictions.tables import ACTUAL_PROP, OVER, PREDICTION_ACCURACY, SYSTEM_DAILY_PERFORMANCE, SYSTEM_IDS, UNDER

HIGH_CONFIDENCE = 70.0


def prediction_accuracy(predictions: pd.DataFrame, players: pd.DataFrame) -> pd.DataFrame:
    """One row per pick of a game whose box scores are in player_game_summary (players: its rows of the same days).
    predictions: the picks of record with the live publication graded (predictions.publications.picks_of_record).
    Games not yet Final, or Final without box scores, are not graded until they are."""
    graded = predictions[predictions["game_id"].isin(players["game_id"].unique())]
    if graded.empty:
        return PREDICTION_ACCURACY.empty()
    actual = players[["game_date", "player_lookup", "points", "minutes_played", "is_active"]]
    out = graded.merge(actual, on=["game_date", "player_lookup"], how="left")
    played = out["is_active"].astype("boolean").fillna(False).astype(bool)
    out["actual_points"] = out["points"].where(played)
    out["minutes_played"] = out["minutes_played"].where(played)
    predicted, points = out["predicted_points"], out["actual_points"].astype("float64")
    out["signed_error"] = (predicted - points).round(2)
    out["absolute_error"] = out["signed_error"].abs()
    out["within_3_points"] = (out["absolute_error"] <= 3).where(out["absolute_error"].notna())
    out["within_5_points"] = (out["absolute_error"] <= 5).where(out["absolute_error"].notna())
    out["predicted_margin"] = (predicted - out["line_value"]).round(2)
    out["actual_margin"] = (points - out["line_value"]).round(2)
    out["bet_outcome"] = over_under_result(points, out["line_value"])
    status = out["injury_status_at_prediction"]
    out["is_voided"] = ~played
    out["void_reason"] = np.where(played, None, np.select(
        [status.isin(["out", "doubtful"]), status.isin(["questionable", "probable"])],
        ["dnp_injury_confirmed", "dnp_late_scratch"], default="dnp_unknown"))
    directional = out["recommendation"].isin([OVER, UNDER])
    out["is_graded_bet"] = directional & (out["line_source"] == ACTUAL_PROP) & played
    outcome = out["bet_outcome"].astype(object)
    push = (outcome == PUSH).to_numpy(dtype=bool)
    matches = (outcome == out["recommendation"].astype(object)).to_numpy(dtype=bool)
    no_outcome = outcome.isna().to_numpy()
    out["result"] = np.select([~played, ~directional | no_outcome, push, matches], ["void", "no_bet", "push", "correct"],
                              default="incorrect")
    out["prediction_correct"] = pd.Series(matches, index=out.index).where(out["result"].isin(["correct", "incorrect"]))
    out["bet_price"] = out["over_price"].where(out["recommendation"] == OVER, out["under_price"]).where(out["is_graded_bet"])
    profit = np.select([out["result"] == "correct", out["result"] == "incorrect", out["result"] == "push"],
                       [payout(out["bet_price"]), -1.0, 0.0], default=np.nan)
    out["bet_profit"] = pd.Series(np.round(profit, 4), index=out.index).where(out["is_graded_bet"])
    out["confidence_decile"] = np.minimum(10, np.floor(out["confidence_score"] / 10) + 1)
    return PREDICTION_ACCURACY.conform(out[PREDICTION_ACCURACY.column_names])


def system_daily_performance(accuracy: pd.DataFrame) -> pd.DataFrame:
    """Per game day and system. Hit rates count graded bets only (actual lines, player played), without pushes."""
    if accuracy.empty:
        return SYSTEM_DAILY_PERFORMANCE.empty()
    frame = accuracy.assign(
        bet=accuracy["is_graded_bet"],
        correct=accuracy["is_graded_bet"] & (accuracy["result"] == "correct"),
        push=accuracy["is_graded_bet"] & (accuracy["result"] == "push"),
        scored=accuracy["absolute_error"].notna(),
        high=accuracy["is_graded_bet"] & (accuracy["confidence_score"] >= HIGH_CONFIDENCE),
    )
    frame["decided"] = frame["bet"] & ~frame["push"]
    frame["over_bet"] = frame["decided"] & (frame["recommendation"] == OVER)
    frame["under_bet"] = frame["decided"] & (frame["recommendation"] == UNDER)
    frame["over_win"] = frame["over_bet"] & frame["correct"]
    frame["under_win"] = frame["under_bet"] & frame["correct"]
    frame["high_decided"] = frame["high"] & ~frame["push"]
    frame["high_win"] = frame["high"] & frame["correct"]
    frame["within_3"] = frame["within_3_points"].fillna(False).astype(bool)
    frame["within_5"] = frame["within_5_points"].fillna(False).astype(bool)
    sums = frame.groupby(["game_date", "system_id"]).agg(
        season_year=("season_year", "first"), predictions=("prediction_id", "size"), graded_predictions=("scored", "sum"),
        voided=("is_voided", "sum"), mae=("absolute_error", "mean"), bias=("signed_error", "mean"),
        within_3=("within_3", "sum"), within_5=("within_5", "sum"), bets=("bet", "sum"), correct=("correct", "sum"),
        pushes=("push", "sum"), decided=("decided", "sum"), over_bet=("over_bet", "sum"), over_win=("over_win", "sum"),
        under_bet=("under_bet", "sum"), under_win=("under_win", "sum"), avg_confidence=("confidence_score", "mean"),
        high_decided=("high_decided", "sum"), high_win=("high_win", "sum"), profit_units=("bet_profit", "sum"),
    ).reset_index()

    def rate(wins, total):
        return (sums[wins] / sums[total]).where(sums[total] > 0).round(4)

    sums["within_3_pct"] = (sums["within_3"] / sums["graded_predictions"]).where(sums["graded_predictions"] > 0).round(4)
    sums["within_5_pct"] = (sums["within_5"] / sums["graded_predictions"]).where(sums["graded_predictions"] > 0).round(4)
    sums["hit_rate"] = rate("correct", "decided")
    sums["over_hit_rate"] = rate("over_win", "over_bet")
    sums["under_hit_rate"] = rate("under_win", "under_bet")
    sums["high_confidence_hit_rate"] = rate("high_win", "high_decided")
    sums["mae"], sums["bias"] = sums["mae"].round(3), sums["bias"].round(3)
    sums["avg_confidence"] = sums["avg_confidence"].round(2)
    sums["profit_units"] = sums["profit_units"].round(4)
    sums["roi"] = (sums["profit_units"] / sums["bets"]).where(sums["bets"] > 0).round(4)
    sums["system_id"] = pd.Categorical(sums["system_id"], categories=SYSTEM_IDS, ordered=True)
    sums = sums.sort_values(["game_date", "system_id"])
    sums["system_id"] = sums["system_id"].astype(str)
    return SYSTEM_DAILY_PERFORMANCE.conform(sums[SYSTEM_DAILY_PERFORMANCE.column_names])
