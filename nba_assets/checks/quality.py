"""Data-quality rules per table, as plain functions over table rows, evaluated day by day.

The same functions check an asset's output while it is materialized (one result per partition, also inside
a range run) and a table read back from the warehouse (nba_assets.checks.warehouse).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.phase4 import features as fc
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.phase4.tables import (
    PLAYER_COMPOSITE_FACTORS,
    PLAYER_DAILY_CACHE,
    PLAYER_SHOT_ZONE_ANALYSIS,
    TEAM_DEFENSE_ZONE_ANALYSIS,
)
from nba_assets.predictions.tables import PLAYER_PROP_PREDICTIONS, PREDICTION_ACCURACY, SYSTEM_DAILY_PERFORMANCE
from nba_assets.storage.schema import TableSchema

COLUMN_RULES_CHECK, ROW_COUNTS = "column_rules", "row_counts"
EXAMPLES = 10


@dataclasses.dataclass(frozen=True)
class ColumnRule:
    """A column's valid range and its largest acceptable NULL share on one day, among the rows `where` selects
    (a column name holding booleans, or None for every row)."""

    column: str
    low: float | None = None
    high: float | None = None
    max_null_share: float | None = None
    where: str | None = None


def _feature_rules() -> list[ColumnRule]:
    return [ColumnRule(f.name, f.low, f.high) for f in fc.FEATURES]


COLUMN_RULES: dict[str, list[ColumnRule]] = {
    TEAM_OFFENSE_GAME_SUMMARY.name: [
        ColumnRule("points_scored", 40, 200), ColumnRule("possessions", 60, 160, 0.0), ColumnRule("pace", 70, 140, 0.0),
        ColumnRule("offensive_rating", 50, 180, 0.0), ColumnRule("team_minutes", 235, 400, 0.0),
        ColumnRule("ts_pct", 0.2, 1.0, 0.0)],
    TEAM_DEFENSE_GAME_SUMMARY.name: [
        ColumnRule("points_allowed", 40, 200), ColumnRule("defensive_rating", 50, 180, 0.0), ColumnRule("opponent_pace", 70, 140, 0.0)],
    PLAYER_GAME_SUMMARY.name: [
        ColumnRule("minutes_played", 0, 70, 0.0, where="is_active"), ColumnRule("points", 0, 100, 0.0, where="is_active"),
        ColumnRule("usage_rate", 0, 400), ColumnRule("ts_pct", 0, 3), ColumnRule("points_line", 0, 80)],
    UPCOMING_TEAM_GAME_CONTEXT.name: [
        ColumnRule("days_since_last_game", 1, 200), ColumnRule("travel_miles", 0, 3500), ColumnRule("game_total", 150, 300),
        ColumnRule("game_spread", -40, 40)],
    UPCOMING_PLAYER_GAME_CONTEXT.name: [
        ColumnRule("days_rest", 1, 200), ColumnRule("points_avg_last_10", 0, 80), ColumnRule("minutes_in_last_7_days", 0, 300),
        ColumnRule("current_points_line", 0, 80), ColumnRule("games_in_last_7_days", 0, 7, 0.0)],
    TEAM_DEFENSE_ZONE_ANALYSIS.name: [
        ColumnRule("paint_pct_allowed_last_15", 0, 1), ColumnRule("three_pt_pct_allowed_last_15", 0, 1),
        ColumnRule("defensive_rating_last_15", 50, 180), ColumnRule("paint_defense_vs_league_avg", -50, 50)],
    PLAYER_SHOT_ZONE_ANALYSIS.name: [
        ColumnRule("paint_rate_last_10", 0, 100), ColumnRule("mid_range_rate_last_10", 0, 100),
        ColumnRule("three_pt_rate_last_10", 0, 100), ColumnRule("paint_pct_last_10", 0, 1)],
    PLAYER_COMPOSITE_FACTORS.name: [
        ColumnRule("fatigue_score", 0, 100, 0.0), ColumnRule("shot_zone_mismatch_score", -10, 10),
        ColumnRule("pace_score", -3, 3), ColumnRule("usage_spike_score", -3, 3)],
    PLAYER_DAILY_CACHE.name: [
        ColumnRule("points_avg_season", 0, 80), ColumnRule("points_std_last_10", 0, 40),
        ColumnRule("minutes_avg_last_10", 0, 60), ColumnRule("points_avg_last_10", 0.0, 80, 0.0, where="has_history")],
    ML_FEATURE_STORE.name: [*_feature_rules(), ColumnRule("feature_quality_score", 0, 100, 0.0),
                            ColumnRule("points_avg_season", max_null_share=0.0, where="has_history")],
    PLAYER_PROP_PREDICTIONS.name: [ColumnRule("predicted_points", 0, 60), ColumnRule("confidence_score", 0, 100)],
    PREDICTION_ACCURACY.name: [ColumnRule("absolute_error", 0, 100), ColumnRule("actual_points", 0, 100)],
    SYSTEM_DAILY_PERFORMANCE.name: [ColumnRule("mae", 0, 30), ColumnRule("hit_rate", 0, 1)],
}

# columns derived for rule filters: rows where a player has played this season
DERIVED_FILTERS = {
    PLAYER_DAILY_CACHE.name: {"has_history": lambda f: f["games_played_season"] > 0},
    ML_FEATURE_STORE.name: {"has_history": lambda f: f["games_found"] > 0},
}


def _days(frame: pd.DataFrame, table: TableSchema, days: Iterable[pd.Timestamp]) -> dict[pd.Timestamp, pd.DataFrame]:
    groups = {day: rows for day, rows in frame.groupby(table.date_column)} if len(frame) else {}
    return {pd.Timestamp(day): groups.get(pd.Timestamp(day), frame.iloc[0:0]) for day in days}


def _examples(rows: pd.DataFrame, table: TableSchema, columns: list[str]) -> str:
    shown = list(dict.fromkeys([*table.key, *columns]))
    return rows[shown].head(EXAMPLES).to_markdown(index=False)


def values_in_range(table: TableSchema, rows: pd.DataFrame) -> tuple[bool, dict]:
    """Every value of a ruled column inside its range."""
    outside, examples = {}, []
    for rule in COLUMN_RULES.get(table.name, []):
        if rule.low is None or rule.column not in rows:
            continue
        values = pd.to_numeric(rows[rule.column], errors="coerce")
        bad = values.notna() & ((values < rule.low) | (values > rule.high))
        if bad.any():
            outside[rule.column] = {"rows": int(bad.sum()), "range": [rule.low, rule.high],
                                    "min": float(values[bad].min()), "max": float(values[bad].max())}
            examples.append(_examples(rows[bad], table, [rule.column]))
    return not outside, {"columns_outside_range": outside, "examples": "\n\n".join(examples) or "none"}


def _null_rule_scopes(table: TableSchema, rows: pd.DataFrame):
    """(rule, the rows it applies to) for each NULL-share rule of the table."""
    derived = DERIVED_FILTERS.get(table.name, {})
    for rule in COLUMN_RULES.get(table.name, []):
        if rule.max_null_share is None or rule.column not in rows:
            continue
        scope = rows
        if rule.where is not None:
            mask = derived[rule.where](rows) if rule.where in derived else rows[rule.where]
            scope = rows[mask.fillna(False).astype(bool)]
        yield rule, scope


def null_rates(table: TableSchema, rows: pd.DataFrame) -> tuple[bool, dict]:
    """No ruled column more often NULL than it may be (a NULL burst)."""
    bursts = {}
    for rule, scope in _null_rule_scopes(table, rows):
        if scope.empty:
            continue
        share = float(scope[rule.column].isna().mean())
        if share > rule.max_null_share:
            bursts[rule.column] = {"null_share": round(share, 4), "allowed": rule.max_null_share, "rows": len(scope),
                                   "example_keys": scope.loc[scope[rule.column].isna(), list(table.key)].head(EXAMPLES)
                                   .astype(str).to_dict("records")}
    return not bursts, {"null_bursts": bursts}


def row_count(expected: int, rows: pd.DataFrame, source: str) -> tuple[bool, dict]:
    return len(rows) == expected, {"rows": len(rows), "expected_rows": expected, "expected_from": source}


def column_rules(table: TableSchema, rows: pd.DataFrame) -> tuple[bool, dict]:
    in_range, range_metadata = values_in_range(table, rows)
    no_bursts, null_metadata = null_rates(table, rows)
    return in_range and no_bursts, {**range_metadata, **null_metadata}


def _days_with_possible_null_bursts(table: TableSchema, frame: pd.DataFrame) -> set[pd.Timestamp]:
    """The days on which some rule's NULL share may exceed its limit (a superset, by a rounding margin)."""
    days: set[pd.Timestamp] = set()
    for rule, scope in _null_rule_scopes(table, frame):
        share = scope[rule.column].isna().groupby(scope[table.date_column]).mean()
        days |= set(share.index[share > rule.max_null_share - 1e-9])
    return days


def column_rules_by_day(table: TableSchema, frame: pd.DataFrame, days: Iterable[pd.Timestamp]) -> dict:
    """{day: (passed, metadata)}: the table's column rules on each day's rows, as column_rules gives them. The
    whole range is screened at once; only days that can fail are evaluated on their own (a range holds hundreds)."""
    all_in_range = values_in_range(table, frame)[0]
    burst_days = _days_with_possible_null_bursts(table, frame)
    results = {}
    for day, rows in _days(frame, table, days).items():
        in_range, range_metadata = (True, {"columns_outside_range": {}, "examples": "none"}) if all_in_range \
            else values_in_range(table, rows)
        no_bursts, null_metadata = null_rates(table, rows) if day in burst_days else (True, {"null_bursts": {}})
        results[day] = (in_range and no_bursts, {**range_metadata, **null_metadata})
    return results
