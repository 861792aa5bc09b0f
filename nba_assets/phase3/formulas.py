"""Box-score formulas of Phase 3 (reference §2-§4), as plain vectorized functions."""

from __future__ import annotations

import numpy as np
import pandas as pd

PAINT, MID_RANGE, THREE = "paint", "mid_range", "three"
PAINT_MAX_DISTANCE_FT = 8.0
REGULATION_TEAM_MINUTES = 240.0
OVERTIME_TEAM_MINUTES = 25.0


def possessions(fga, fta, tov, oreb):
    """FGA + 0.44·FTA + TOV − OREB, rounded to 0.1."""
    return np.round(fga + 0.44 * fta + tov - oreb, 1)


def per_100(points, poss):
    """Points per 100 possessions (offensive or defensive rating), NULL without possessions."""
    return np.round(_safe_div(100.0 * points, poss), 2)


def pace(poss, team_minutes):
    """Possessions per 48 minutes; team_minutes are player-minutes (240 in regulation), so game minutes = /5."""
    return np.round(_safe_div(poss * 48.0, team_minutes / 5.0), 1)


def overtime_periods(team_minutes):
    """240 player-minutes = regulation, each overtime adds 25. Whole-minute sources round, hence round()."""
    return np.maximum(np.round((np.asarray(team_minutes, dtype="float64") - REGULATION_TEAM_MINUTES) / OVERTIME_TEAM_MINUTES), 0).astype("int64")


def true_shooting(points, fga, fta):
    return np.round(_safe_div(points, 2.0 * (fga + 0.44 * fta)), 3)


def effective_fg(fgm, tpm, fga):
    return np.round(_safe_div(fgm + 0.5 * tpm, fga), 3)


def usage_rate(fga, fta, tov, minutes, team_fga, team_fta, team_tov, team_minutes):
    """100 × player possessions used × (team game minutes) / (minutes × team possessions used).

    Uses the team's real game length (team_minutes / 5), not a fixed 48, so overtime games are not inflated.
    NULL when the player has no minutes (undefined), never capped or defaulted.
    """
    team_used = team_fga + 0.44 * team_fta + team_tov
    value = _safe_div(100.0 * (fga + 0.44 * fta + tov) * (team_minutes / 5.0), minutes * team_used)
    return np.round(value, 1)


def classify_zone(shot_type: pd.Series, shot_distance: pd.Series) -> pd.Series:
    """3PT → three; 2PT within 8 ft → paint; 2PT beyond 8 ft → mid-range; 2PT without a distance → NULL
    (counted as unclassified, never guessed)."""
    zone = np.select(
        [shot_type.eq("3PT").fillna(False), (shot_type.eq("2PT") & shot_distance.le(PAINT_MAX_DISTANCE_FT)).fillna(False),
         (shot_type.eq("2PT") & shot_distance.gt(PAINT_MAX_DISTANCE_FT)).fillna(False)],
        [THREE, PAINT, MID_RANGE],
        default=None,
    )
    return pd.Series(zone, index=shot_type.index, dtype="string")


def zone_counts(shots: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Attempts and makes per zone (plus unclassified attempts) for each group of shot events."""
    frame = shots.assign(zone=classify_zone(shots["shot_type"], shots["shot_distance"]), made=shots["shot_made"].astype(int))
    out = frame.groupby(by, sort=False).agg(shot_events=("made", "size")).reset_index()
    for zone in (PAINT, MID_RANGE, THREE):
        in_zone = frame[frame["zone"] == zone].groupby(by, sort=False)["made"].agg(["size", "sum"])
        in_zone.columns = [f"{zone}_attempts", f"{zone}_makes"]
        out = out.merge(in_zone.reset_index(), on=by, how="left")
    unclassified = frame[frame["zone"].isna()].groupby(by, sort=False).size().rename("unclassified_attempts").reset_index()
    out = out.merge(unclassified, on=by, how="left")
    count_cols = [c for c in out.columns if c not in by]
    out[count_cols] = out[count_cols].fillna(0).astype("int64")
    return out


def _safe_div(numerator, denominator):
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
