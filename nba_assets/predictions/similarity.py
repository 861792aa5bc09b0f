"""similarity_balanced_v1 (reference §12.3): a weighted average of the player's past games whose context
resembles today's.

Fixed against the reference: each past game is described by its own context as it was before that game
(opponent defense at the time, the player's rest, venue and form), read from the feature-store row of that
game, not a hard-coded "average opponent, at home" with rest guessed from the next game. Venue and rest are
what the past games were matched on, so the baseline already carries them: the reference's venue and fatigue
(rest) adjustments on top counted them twice and are gone. Shot zones, pace and usage were not matched on and
still adjust the baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOOKBACK_DAYS = 90
MAX_CANDIDATES = 30
MIN_SIMILARITY = 70
TOP_MATCHES = 20
MIN_MATCHES = 5
MAX_POINTS = 60.0


def context_buckets(frame: pd.DataFrame) -> pd.DataFrame:
    """Opponent tier (0 elite < 110 ≤ 1 average < 115 ≤ 2 weak), rest (0 back-to-back, 1, 2, 3 = 3+ days off
    or first game of the season), venue, form (L5 − season: 0 cold ≤ −3, 2 hot ≥ +3, else 1)."""
    rating = frame["opponent_def_rating"]
    rest_days = (frame["days_rest"] - 1).clip(lower=0, upper=3).fillna(3)
    form = frame["points_avg_last_5"] - frame["points_avg_season"]
    return pd.DataFrame({
        "tier": np.where(rating.isna(), np.nan, np.select([rating < 110, rating < 115], [0, 1], default=2)),
        "rest": rest_days.to_numpy(),
        "home": frame["home_away"].to_numpy(),
        "form": np.where(form.isna(), 1, np.select([form <= -3, form >= 3], [0, 2], default=1)),
    }, index=frame.index)


def similarity_points(today: pd.DataFrame, past: pd.DataFrame) -> np.ndarray:
    """Reference scoring, max 100: opponent tier 40 same / 20 adjacent, rest 30 / 15, venue 15, form 15 same /
    5 different. An unknown opponent tier scores 0."""
    tier_gap = (today["tier"] - past["tier"]).abs().to_numpy()
    rest_gap = (today["rest"] - past["rest"]).abs().to_numpy()
    score = np.select([tier_gap == 0, tier_gap == 1], [40, 20], default=0)
    score = score + np.select([rest_gap == 0, rest_gap == 1], [30, 15], default=0)
    score = score + np.where(today["home"].to_numpy() == past["home"].to_numpy(), 15, 0)
    score = score + np.where(today["form"].to_numpy() == past["form"].to_numpy(), 15, 5)
    return score


def similarity_balanced(features: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """features: today's rows (game_date, player_lookup + features); history: past feature-store rows of the
    same players with their actual points (column actual_points), any date before each row's day."""
    out = pd.DataFrame(index=features.index, data={"predicted_points": np.nan, "similar_games_count": 0,
                                                   "avg_similarity_score": np.nan})
    if features.empty or history.empty:
        out["warnings"] = "no past games in the last 90 days;"
        return _finish(out, features)
    today = features[["game_date", "player_lookup"]].assign(row=np.arange(len(features)))
    today = pd.concat([today, context_buckets(features).reset_index(drop=True).set_axis(today.index)], axis=1)
    past = history[["game_date", "player_lookup", "actual_points"]].rename(columns={"game_date": "past_date"})
    past = pd.concat([past, context_buckets(history).set_axis(past.index)], axis=1)
    pairs = today.merge(past, on="player_lookup", suffixes=("", "_past"))
    pairs = pairs[(pairs["past_date"] < pairs["game_date"]) & (pairs["past_date"] >= pairs["game_date"] - pd.Timedelta(days=LOOKBACK_DAYS))]
    pairs = pairs.sort_values(["row", "past_date"], ascending=[True, False])
    pairs = pairs[pairs.groupby("row").cumcount() < MAX_CANDIDATES]
    pairs = pairs.assign(similarity=similarity_points(
        pairs[["tier", "rest", "home", "form"]], pairs[["tier_past", "rest_past", "home_past", "form_past"]].set_axis(
            ["tier", "rest", "home", "form"], axis=1)))
    matched = pairs[pairs["similarity"] >= MIN_SIMILARITY].sort_values(["row", "similarity", "past_date"], ascending=[True, False, False])
    matched = matched[matched.groupby("row").cumcount() < TOP_MATCHES]
    weighted = matched.assign(weighted=matched["actual_points"] * matched["similarity"])
    stats = weighted.groupby("row").agg(n=("similarity", "size"), sim_sum=("similarity", "sum"), sim_mean=("similarity", "mean"),
                                        weighted=("weighted", "sum"))
    stats = stats.reindex(range(len(features)))
    enough = (stats["n"] >= MIN_MATCHES).to_numpy()
    baseline = (stats["weighted"] / stats["sim_sum"]).to_numpy()
    out["similar_games_count"] = stats["n"].fillna(0).astype(int).to_numpy()
    out["avg_similarity_score"] = np.round(stats["sim_mean"].to_numpy(), 1)
    out["base_points"] = np.where(enough, np.round(baseline, 2), np.nan)
    out["shot_zone_adjustment"] = (features["shot_zone_mismatch_score"] * 0.4).fillna(0.0)
    out["pace_adjustment"] = (features["pace_score"] * 0.8).fillna(0.0)
    out["usage_adjustment"] = (features["usage_spike_score"] * 0.8).fillna(0.0)
    adjustments = out[["shot_zone_adjustment", "pace_adjustment", "usage_adjustment"]].sum(axis=1)
    out["predicted_points"] = np.where(enough, np.clip(np.round(baseline + adjustments.to_numpy(), 1), 0, MAX_POINTS), np.nan)
    out["warnings"] = np.where(enough, "", f"fewer than {MIN_MATCHES} similar games;")
    return _finish(out, features)


def _finish(out: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    for column in ("base_points", "shot_zone_adjustment", "pace_adjustment", "usage_adjustment"):
        if column not in out:
            out[column] = np.nan
    return out.set_axis(features.index)
