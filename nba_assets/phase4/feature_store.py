"""The ML feature store (reference §11): one row per rostered player per game day, one column per feature of
the contract plus its source tag, and the quality roll-ups of §11.2.

Every feature is built here by name from Phase 3/4 rows of the same day (which hold only pre-game
information). A value that cannot be computed is NULL with source 'missing'; nothing is defaulted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from nba_assets.calendar import PLAY_IN, PLAYOFFS
from nba_assets.checks.rules import PREGAME_DEADLINE, ROSTERED, WARN, ColumnRange, Coverage, NullShare, Scope, Window
from nba_assets.lines import implied_probability
from nba_assets.phase4 import features as fc
from nba_assets.phase4.tables import ONE_PER_ROSTERED_PLAYER
from nba_assets.storage.schema import BOOL, DATE, FLOAT64, INT64, STRING, TableSchema, col

# the completeness columns of every input row a feature row is built from
WINDOW_INPUTS = ("pdc__l10_window_complete", "psza__window_complete", "tdza__window_complete", "upgc__window_complete",
                 "team__window_complete")
INJURY_RISK = {"available": 0, "probable": 1, "questionable": 2, "doubtful": 3, "out": 3}
CANDIDATE_MIN_MINUTES = 15.0

ML_FEATURE_STORE = TableSchema(
    dataset="nba_predictions",
    name="ml_feature_store",
    date_column="game_date",
    key=("game_date", "player_lookup"),
    description="One row per rostered player per game day: the features of the feature contract (by name), each "
    "with its source tag, and the feature quality roll-ups.",
    rules=(
        # a feature outside its contract range is possible (an unusually slow team), not corrupt: flagged, published
        *(ColumnRange(f.name, f.low, f.high, WARN) for f in fc.FEATURES),
        ColumnRange("feature_quality_score", 0, 100), NullShare("feature_quality_score", 0.0),
        NullShare("points_avg_season", 0.0, scope=Scope("players with a game this season", lambda rows: rows["games_found"] > 0)),
        ONE_PER_ROSTERED_PLAYER,
    ),
    coverage=Coverage(expects=ROSTERED),
    windows=(Window("every window its inputs read (player form, shot zones, the opponent's defense, the season to "
                    "date): complete only when all of them are", counts=False),),
    deadline=PREGAME_DEADLINE,
    columns=(
        col("game_date", DATE, nullable=False),
        col("player_lookup", STRING, nullable=False),
        col("game_id", STRING, nullable=False),
        col("team_abbr", STRING, nullable=False),
        col("opponent_team_abbr", STRING, nullable=False),
        col("season_year", INT64, nullable=False),
        col("season_phase", STRING, nullable=False),
        col("injury_status", STRING, "pre-game status, NULL without an injury report"),
        col("line_bookmaker", STRING, "bookmaker of the pre-game prop line (vegas_points_line)"),
        col("line_over_price", INT64, "American odds on OVER at that line's snapshot"),
        col("line_under_price", INT64, "American odds on UNDER at that line's snapshot"),
        col("is_prediction_candidate", BOOL, "not out/doubtful, and a prop line or ≥ 15 minutes a game lately",
            nullable=False),
        col("early_season_flag", BOOL, nullable=False),
        col("feature_version", STRING, nullable=False),
        col("feature_count", INT64, nullable=False),
        *(col(f.name, FLOAT64, f.meaning, unit=f.unit) for f in fc.FEATURES),
        *(col(fc.source_column(f.name), STRING, "phase4 / phase3 / calculated / missing", nullable=False) for f in fc.FEATURES),
        col("feature_quality_score", FLOAT64, "mean source weight (optional missing features excluded), capped",
            nullable=False, unit="score 0-100"),
        col("quality_tier", STRING, "gold / silver / bronze / poor / critical", nullable=False),
        col("quality_alert_level", STRING, "green / yellow / red", nullable=False),
        col("missing_feature_count", INT64, nullable=False),
        col("required_missing_count", INT64, nullable=False),
        col("missing_required_features", STRING),
        *(col(f"{c}_quality_pct", FLOAT64, unit="percent") for c in fc.CATEGORIES),
        col("phase4_feature_count", INT64, nullable=False),
        col("phase3_feature_count", INT64, nullable=False),
        col("calculated_feature_count", INT64, nullable=False),
        col("primary_data_source", STRING, "phase4 / phase4_partial / phase3 / mixed", nullable=False),
        col("is_quality_ready", BOOL, nullable=False),
        col("is_training_ready", BOOL, nullable=False),
        col("games_found", INT64, "games in the last-10 window", nullable=False),
        col("first_game_date", DATE),
        col("last_game_date", DATE),
        col("window_complete", BOOL, "every input row's window complete (player_daily_cache, shot zones, the opponent's "
            "defense zones, both upcoming contexts)", nullable=False),
    ),
)


def _clamp(values, limit):
    return np.clip(values, -limit, limit)


def _minutes_change(j: pd.DataFrame) -> pd.Series:
    change = (j["pdc__minutes_avg_last_10"] - j["pdc__minutes_avg_season"]) / j["pdc__minutes_avg_season"].where(
        j["pdc__minutes_avg_season"] > 0)
    return pd.Series(np.select([change >= 0.2, change >= 0.1, change <= -0.2, change <= -0.1, change.notna()],
                               [2, 1, -2, -1, 0], default=np.nan), index=j.index)


def _z(j: pd.DataFrame, recent: str) -> pd.Series:
    std = j["pdc__points_std_last_10"].where(j["pdc__points_std_last_10"] > 0)
    return (j[recent] - j["pdc__points_avg_season"]) / std


def _win_pct(j: pd.DataFrame) -> pd.Series:
    games = j["team__season_wins_entering"] + j["team__season_losses_entering"]
    return (j["team__season_wins_entering"] / games).where(games >= 5)


def _injury_risk(j: pd.DataFrame) -> pd.Series:
    return j["upgc__injury_status"].map(INJURY_RISK).where(j["upgc__injury_report_available"].astype(bool)).astype("float64")


def _flag(values: pd.Series) -> pd.Series:
    return values.astype("float64")


def _no_vig_over_probability(j: pd.DataFrame) -> pd.Series:
    over = implied_probability(j["upgc__current_over_price"])
    under = implied_probability(j["upgc__current_under_price"])
    return pd.Series(np.round(over / (over + under), 4), index=j.index)


def _breakout(j: pd.DataFrame) -> pd.Series:
    threshold = j["pdc__points_avg_season"] + 1.5 * j["pdc__points_std_last_10"]
    known = j["pdc__points_avg_last_5"].notna() & threshold.notna()
    return (j["pdc__points_avg_last_5"] > threshold).astype(float).where(known)


BUILDERS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "points_avg_last_5": lambda j: j["pdc__points_avg_last_5"],
    "points_avg_last_10": lambda j: j["pdc__points_avg_last_10"],
    "points_avg_season": lambda j: j["pdc__points_avg_season"],
    "points_std_last_10": lambda j: j["pdc__points_std_last_10"],
    "games_in_last_7_days": lambda j: j["upgc__games_in_last_7_days"],
    "fatigue_score": lambda j: j["pcf__fatigue_score"],
    "shot_zone_mismatch_score": lambda j: j["pcf__shot_zone_mismatch_score"],
    "pace_score": lambda j: j["pcf__pace_score"],
    "usage_spike_score": lambda j: j["pcf__usage_spike_score"],
    "rest_advantage": lambda j: _clamp(j["upgc__days_rest"] - j["opp__days_since_last_game"], 2),
    "injury_risk": _injury_risk,
    "recent_trend": lambda j: j["pdc__recent_trend"],
    "minutes_change": _minutes_change,
    "opponent_def_rating": lambda j: j["tdza__defensive_rating_last_15"],
    "opponent_pace": lambda j: j["tdza__opponent_pace"],
    "home_away": lambda j: _flag(j["upgc__home_game"]),
    "back_to_back": lambda j: _flag(j["upgc__back_to_back"]),
    "playoff_game": lambda j: _flag(j["upgc__season_phase"].isin([PLAY_IN, PLAYOFFS])),
    "pct_paint": lambda j: j["psza__paint_rate_last_10"] / 100,
    "pct_mid_range": lambda j: j["psza__mid_range_rate_last_10"] / 100,
    "pct_three": lambda j: j["psza__three_pt_rate_last_10"] / 100,
    "pct_free_throw": lambda j: j["pdc__free_throw_points_share_last_10"],
    "team_pace": lambda j: j["pdc__team_pace_last_10"],
    "team_off_rating": lambda j: j["pdc__team_off_rating_last_10"],
    "team_win_pct": _win_pct,
    "vegas_points_line": lambda j: j["upgc__current_points_line"],
    "vegas_opening_line": lambda j: j["upgc__opening_points_line"],
    "vegas_line_move": lambda j: j["upgc__line_movement"],
    "has_vegas_line": lambda j: _flag(j["upgc__has_prop_line"]),
    "avg_points_vs_opponent": lambda j: j["pdc__points_avg_vs_opponent"],
    "games_vs_opponent": lambda j: j["pdc__games_vs_opponent"],
    "minutes_avg_last_10": lambda j: j["pdc__minutes_avg_last_10"],
    "ppm_avg_last_10": lambda j: j["pdc__points_per_minute_last_10"],
    "dnp_rate": lambda j: j["pdc__dnp_rate_last_10"],
    "pts_slope_10g": lambda j: j["pdc__points_slope_last_10"],
    "pts_vs_season_zscore": lambda j: _clamp(_z(j, "pdc__points_avg_last_5"), 3),
    "breakout_flag": _breakout,
    "star_teammates_out": lambda j: j["upgc__star_teammates_out"],
    "game_total_line": lambda j: j["upgc__game_total"],
    "days_rest": lambda j: j["upgc__days_rest"],
    "minutes_load_last_7d": lambda j: j["upgc__minutes_in_last_7_days"],
    "spread_magnitude": lambda j: j["upgc__game_spread"].abs(),
    "implied_team_total": lambda j: (j["upgc__game_total"] - j["upgc__game_spread"]) / 2,
    "points_avg_last_3": lambda j: j["pdc__points_avg_last_3"],
    "scoring_trend_slope": lambda j: j["pdc__points_slope_last_7"],
    "deviation_from_avg_last3": lambda j: _clamp(_z(j, "pdc__points_avg_last_3"), 6),
    "consecutive_games_below_avg": lambda j: j["pdc__games_below_season_avg_streak"],
    "teammate_usage_available": lambda j: j["upgc__teammate_usage_out"],
    "usage_rate_last_5": lambda j: j["pdc__usage_rate_last_5"],
    "games_since_structural_change": lambda j: j["pdc__games_since_structural_change"],
    "multi_book_line_std": lambda j: j["upgc__line_bookmaker_std"].where(j["upgc__line_bookmaker_count"] >= 2),
    "prop_over_streak": lambda j: j["upgc__prop_over_streak"],
    "prop_under_streak": lambda j: j["upgc__prop_under_streak"],
    "line_vs_season_avg": lambda j: j["upgc__current_points_line"] - j["pdc__points_avg_season"],
    "prop_line_delta": lambda j: j["upgc__current_points_line"] - j["pdc__previous_game_line"],
    "over_rate_last_10": lambda j: j["pdc__over_rate_last_10"],
    "margin_vs_line_avg_last_5": lambda j: j["pdc__margin_vs_line_avg_last_5"],
    "blowout_minutes_risk": lambda j: j["pdc__team_blowout_rate_last_10"],
    "minutes_volatility_last_10": lambda j: j["pdc__minutes_std_last_10"],
    "opponent_pace_mismatch": lambda j: j["pdc__team_pace_last_10"] - j["tdza__opponent_pace"],
    "fg_attempts_avg_last_10": lambda j: j["pdc__fg_attempts_avg_last_10"],
    "points_decayed_4g": lambda j: j["pdc__points_decayed_4g"],
    "points_decayed_10g": lambda j: j["pdc__points_decayed_10g"],
    "minutes_decayed_4g": lambda j: j["pdc__minutes_decayed_4g"],
    "minutes_decayed_10g": lambda j: j["pdc__minutes_decayed_10g"],
    "points_last_game": lambda j: j["pdc__points_last_game"],
    "minutes_last_game": lambda j: j["pdc__minutes_last_game"],
    "minutes_avg_last_3": lambda j: j["pdc__minutes_avg_last_3_any_season"],
    "games_last_365_days": lambda j: j["pdc__games_last_365_days"],
    "team_games_missed": lambda j: j["pdc__team_games_missed"],
    "line_over_probability": _no_vig_over_probability,
}


def _joined(context, team_context, daily_cache, composite, shot_zones, defense_zones) -> pd.DataFrame:
    key = ["game_date", "player_lookup"]
    j = context.add_prefix("upgc__").rename(columns={f"upgc__{k}": k for k in key + ["game_id", "team_abbr", "opponent_team_abbr"]})
    j = j.merge(daily_cache.rename(columns={"cache_date": "game_date"}).set_index(key).add_prefix("pdc__").reset_index(), on=key, how="left")
    j = j.merge(composite.set_index(key).add_prefix("pcf__").reset_index(), on=key, how="left")
    j = j.merge(shot_zones.rename(columns={"analysis_date": "game_date"}).set_index(key).add_prefix("psza__").reset_index(), on=key, how="left")
    opponent_defense = defense_zones.drop(columns=["game_id", "opponent_team_abbr"]).rename(
        columns={"analysis_date": "game_date", "team_abbr": "opponent_team_abbr"})
    j = j.merge(opponent_defense.set_index(["game_date", "opponent_team_abbr"]).add_prefix("tdza__").reset_index(),
                on=["game_date", "opponent_team_abbr"], how="left")
    teams = team_context.set_index(["game_id", "team_abbr"])
    j = j.merge(teams.add_prefix("team__").reset_index(), on=["game_id", "team_abbr"], how="left")
    j = j.merge(teams.add_prefix("opp__").reset_index().rename(columns={"team_abbr": "opponent_team_abbr"}),
                on=["game_id", "opponent_team_abbr"], how="left")
    return j


def quality(values: pd.DataFrame, missing: np.ndarray) -> pd.DataFrame:
    """§11.2: the mean source weight over required features and the optional ones present, capped at 69
    with a required feature missing and at 49 with five; tiers, category percentages, readiness. missing: the
    (rows × features) mask of features without a value; a present feature's source is the contract's."""
    required = np.array([f.required for f in fc.FEATURES])
    source = np.array([f.source for f in fc.FEATURES])
    weights = np.where(missing, fc.SOURCE_WEIGHTS[fc.MISSING], [fc.SOURCE_WEIGHTS[f.source] for f in fc.FEATURES])
    included = ~missing | required
    score = (weights * included).sum(axis=1) / included.sum(axis=1)
    required_mask = missing & required
    required_missing = required_mask.sum(axis=1)
    score = np.where(required_missing >= 5, np.minimum(score, 49), np.where(required_missing >= 1, np.minimum(score, 69), score))
    out = pd.DataFrame(index=values.index)
    out["feature_quality_score"] = np.round(score, 2)
    out["quality_tier"] = np.select([score >= 95, score >= 85, score >= 70, score >= 50], ["gold", "silver", "bronze", "poor"],
                                    default="critical")
    for category in fc.CATEGORIES:
        columns = np.array([f.category == category for f in fc.FEATURES])
        counted = included[:, columns].sum(axis=1)
        out[f"{category}_quality_pct"] = np.round(
            (weights[:, columns] * included[:, columns]).sum(axis=1) / np.where(counted > 0, counted, np.nan), 2)
    matchup = out[f"{fc.MATCHUP}_quality_pct"]
    out["quality_alert_level"] = np.select(
        [(matchup < 50) | (score < 50), (required_missing > 0) | (score < 70) | (matchup < 70)], ["red", "yellow"], default="green")
    out["missing_feature_count"] = missing.sum(axis=1)
    out["required_missing_count"] = required_missing
    names = np.array(fc.FEATURE_NAMES)
    listed = np.full(len(out), None, dtype=object)  # joined only for the rows missing a required feature
    for row in np.flatnonzero(required_missing):
        listed[row] = ", ".join(names[required_mask[row]])
    out["missing_required_features"] = listed
    for tag in (fc.PHASE4, fc.PHASE3, fc.CALCULATED):
        out[f"{tag}_feature_count"] = (~missing & (source == tag)).sum(axis=1)
    present = pd.Series((~missing).sum(axis=1), index=out.index).replace(0, np.nan)
    phase4_share, phase3_share = out["phase4_feature_count"] / present, out["phase3_feature_count"] / present
    out["primary_data_source"] = np.select([phase4_share >= 0.9, phase4_share >= 0.5, phase3_share >= 0.5],
                                           ["phase4", "phase4_partial", "phase3"], default="mixed")
    tier = out["quality_tier"]
    out["is_quality_ready"] = tier.isin(["gold", "silver", "bronze"]) & (score >= 70) & (matchup >= 50) & (required_missing == 0)
    out["is_training_ready"] = (tier.isin(["gold", "silver"]) & (matchup >= 70)
                                & (out[f"{fc.PLAYER_HISTORY}_quality_pct"] >= 80))
    return out


def ml_feature_store(context: pd.DataFrame, team_context: pd.DataFrame, daily_cache: pd.DataFrame,
                     composite: pd.DataFrame, shot_zones: pd.DataFrame, defense_zones: pd.DataFrame) -> pd.DataFrame:
    """All inputs are the same days' Phase 3 upcoming contexts and Phase 4 tables."""
    if context.empty:
        return ML_FEATURE_STORE.empty()
    if set(BUILDERS) != set(fc.FEATURE_NAMES):
        raise ValueError(f"feature builders and contract differ: {set(BUILDERS) ^ set(fc.FEATURE_NAMES)}")
    j = _joined(context, team_context, daily_cache, composite, shot_zones, defense_zones)
    values = pd.DataFrame({f.name: pd.to_numeric(BUILDERS[f.name](j), errors="raise").astype("float64") for f in fc.FEATURES})
    missing = values.isna().to_numpy()
    # each tag a reference to one of two strings: a string made per row took 175 MB for a season's 40,626 rows
    sources = pd.DataFrame({f.name: pd.array(np.array([f.source, fc.MISSING], dtype=object)[missing[:, i].astype(np.intp)],
                                             dtype="string")
                            for i, f in enumerate(fc.FEATURES)}, index=values.index)
    out = j[["game_date", "player_lookup", "game_id", "team_abbr", "opponent_team_abbr"]].copy()
    out["season_year"] = j["upgc__season_year"]
    out["season_phase"] = j["upgc__season_phase"]
    out["injury_status"] = j["upgc__injury_status"]
    out["line_bookmaker"] = j["upgc__line_bookmaker"]
    out["line_over_price"] = j["upgc__current_over_price"]
    out["line_under_price"] = j["upgc__current_under_price"]
    out_or_doubtful = j["upgc__injury_status"].isin(["out", "doubtful"])
    playing_time = j["pdc__minutes_avg_last_10"] >= CANDIDATE_MIN_MINUTES
    out["is_prediction_candidate"] = ~out_or_doubtful & (j["upgc__has_prop_line"].astype(bool) | playing_time.fillna(False))
    out["early_season_flag"] = j["pdc__early_season_flag"]
    out["feature_version"] = fc.FEATURE_VERSION
    out["feature_count"] = len(fc.FEATURES)
    out = pd.concat([out, values, sources.rename(columns=fc.source_column), quality(values, missing)], axis=1)
    out["games_found"] = j["pdc__l10_games_found"]
    out["first_game_date"] = j["pdc__l10_first_game_date"]
    out["last_game_date"] = j["pdc__l10_last_game_date"]
    out["window_complete"] = np.logical_and.reduce([j[c].fillna(True).astype(bool).to_numpy() for c in WINDOW_INPUTS])
    return ML_FEATURE_STORE.conform(out[ML_FEATURE_STORE.column_names])
