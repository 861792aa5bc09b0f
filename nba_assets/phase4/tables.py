"""Declared schemas of the Phase 4 precompute tables (dataset nba_precompute). Reference §7-§10; the
differences are listed in docs/tables.md."""

from __future__ import annotations

from nba_assets.checks.rules import PREGAME_DEADLINE, ROSTERED, ColumnRange, Coverage, NullShare, RowCount, Scope, Window
from nba_assets.storage.schema import BOOL, DATE, FLOAT64, INT64, STRING, TableSchema, col

DATASET = "nba_precompute"
ONE_PER_TEAM_PLAYING = RowCount("upcoming_team_game_context rows (teams playing that day)")
ONE_PER_ROSTERED_PLAYER = RowCount("upcoming_player_game_context rows (rostered players)")


def lineage(prefix: str = "") -> tuple:
    """Window lineage carried by every windowed row: which games were used, and whether the data behind
    the window's span is complete (a stale window after an upstream outage shows here)."""
    return (
        col(f"{prefix}games_found", INT64, "games in the window", nullable=False),
        col(f"{prefix}first_game_date", DATE, "oldest game used"),
        col(f"{prefix}last_game_date", DATE, "newest game used"),
        col(f"{prefix}team_games_scheduled", INT64, "the team's Final games in the schedule between the window's "
            "first game (or the season start) and the day before", nullable=False),
        col(f"{prefix}team_games_with_data", INT64, "of those, games present in team_offense_game_summary", nullable=False),
        col(f"{prefix}window_complete", BOOL, "team_games_with_data = team_games_scheduled", nullable=False),
    )


def season_context() -> tuple:
    return (
        col("season_year", INT64, nullable=False),
        col("days_into_season", INT64, "days since the regular-season start (from season_calendar)", nullable=False),
        col("early_season_flag", BOOL, "within the first 22 days of the season, when minimum samples are reduced",
            nullable=False),
    )


def _target(date_column: str) -> tuple:
    return (
        col(date_column, DATE, "the analysis day: every input is from before its games", nullable=False),
        col("game_id", STRING, "the entity's game on that day", nullable=False),
        col("team_abbr", STRING, nullable=False),
        col("opponent_team_abbr", STRING, nullable=False),
    )


TEAM_DEFENSE_ZONE_ANALYSIS = TableSchema(
    dataset=DATASET,
    name="team_defense_zone_analysis",
    date_column="analysis_date",
    key=("analysis_date", "team_abbr"),
    description="Each team playing on the day: its defense over its last 15 games of the season, by shot zone "
    "and versus the league average of the 30 days before (both strictly before the day).",
    rules=(
        ColumnRange("paint_pct_allowed_last_15", 0, 1), ColumnRange("three_pt_pct_allowed_last_15", 0, 1),
        ColumnRange("defensive_rating_last_15", 50, 180), ColumnRange("paint_defense_vs_league_avg", -50, 50),
        ONE_PER_TEAM_PLAYING,
    ),
    coverage=Coverage(),
    windows=(Window("the team's last 15 games of the season in team_defense_game_summary"),),
    deadline=PREGAME_DEADLINE,
    columns=(
        *_target("analysis_date"),
        *season_context(),
        col("paint_pct_allowed_last_15", FLOAT64, "opponent FG% in the paint", unit="fraction"),
        col("mid_range_pct_allowed_last_15", FLOAT64, unit="fraction"),
        col("three_pt_pct_allowed_last_15", FLOAT64, unit="fraction"),
        col("paint_attempts_allowed_per_game", FLOAT64, unit="attempts/game"),
        col("mid_range_attempts_allowed_per_game", FLOAT64, unit="attempts/game"),
        col("three_pt_attempts_allowed_per_game", FLOAT64, unit="attempts/game"),
        col("paint_points_allowed_per_game", FLOAT64, unit="points/game"),
        col("defensive_rating_last_15", FLOAT64, unit="pts/100 poss"),
        col("opponent_pace", FLOAT64, "pace of this team's games", unit="poss/48 min"),
        col("opponent_points_per_game", FLOAT64, unit="points/game"),
        col("zone_games_in_sample", INT64, "games of the sample with play-by-play zones (paint, mid-range); threes "
            "come from box scores", nullable=False),
        col("league_paint_pct", FLOAT64, "mean of team paint FG% allowed, teams with ≥ 5 games in the 30 days", unit="fraction"),
        col("league_mid_range_pct", FLOAT64, unit="fraction"),
        col("league_three_pt_pct", FLOAT64, unit="fraction"),
        col("league_teams_qualified", INT64, "teams with ≥ 5 games in the 30 days (averages are NULL below 10)",
            nullable=False),
        col("paint_defense_vs_league_avg", FLOAT64, "positive = allows more than the league", unit="percentage points"),
        col("mid_range_defense_vs_league_avg", FLOAT64, unit="percentage points"),
        col("three_pt_defense_vs_league_avg", FLOAT64, unit="percentage points"),
        col("strongest_zone", STRING, "paint / mid_range / perimeter: most negative vs league"),
        col("weakest_zone", STRING, "most positive vs league"),
        col("min_games_required", INT64, "min(5 + days // 3, 14) in the first 22 days, else 15", nullable=False),
        col("data_quality_tier", STRING, "high ≥ 15 games, medium 10-14, low < 10", nullable=False),
        col("insufficient_data_reason", STRING, "why the sample is below min_games_required"),
        *lineage(),
    ),
)

PLAYER_SHOT_ZONE_ANALYSIS = TableSchema(
    dataset=DATASET,
    name="player_shot_zone_analysis",
    date_column="analysis_date",
    key=("analysis_date", "player_lookup"),
    description="Each rostered player of a team playing on the day: shot mix and efficiency by zone over the "
    "last 10 and 20 games of the season (strictly before the day).",
    rules=(
        ColumnRange("paint_rate_last_10", 0, 100), ColumnRange("mid_range_rate_last_10", 0, 100),
        ColumnRange("three_pt_rate_last_10", 0, 100), ColumnRange("paint_pct_last_10", 0, 1), ONE_PER_ROSTERED_PLAYER,
    ),
    coverage=Coverage(expects=ROSTERED),
    windows=(Window("the player's last 10 and 20 games of the season in player_game_summary"),),
    deadline=PREGAME_DEADLINE,
    columns=(
        col("player_lookup", STRING, nullable=False),
        *_target("analysis_date"),
        *season_context(),
        col("games_in_sample_10", INT64, nullable=False),
        col("games_in_sample_20", INT64, nullable=False),
        col("zone_games_in_sample_10", INT64, "games of the last 10 with complete play-by-play zones", nullable=False),
        col("paint_rate_last_10", FLOAT64, "share of zone-classified attempts", unit="percent"),
        col("mid_range_rate_last_10", FLOAT64, unit="percent"),
        col("three_pt_rate_last_10", FLOAT64, unit="percent"),
        col("paint_pct_last_10", FLOAT64, unit="fraction"),
        col("mid_range_pct_last_10", FLOAT64, unit="fraction"),
        col("three_pt_pct_last_10", FLOAT64, unit="fraction"),
        col("paint_attempts_per_game_10", FLOAT64, unit="attempts/game"),
        col("mid_range_attempts_per_game_10", FLOAT64, unit="attempts/game"),
        col("three_pt_attempts_per_game_10", FLOAT64, unit="attempts/game"),
        col("total_shots_last_10", INT64, "zone-classified attempts in the last 10"),
        col("paint_rate_last_20", FLOAT64, "with at least 15 zone games of the last 20", unit="percent"),
        col("paint_pct_last_20", FLOAT64, unit="fraction"),
        col("three_pt_rate_last_20", FLOAT64, unit="percent"),
        col("primary_scoring_zone", STRING, "paint ≥ 40% / perimeter ≥ 40% / mid_range ≥ 35% / balanced"),
        col("sample_quality", STRING, "excellent / good / limited / insufficient (vs 10 games)", nullable=False),
        col("min_games_required", INT64, "min(3 + days // 3, 9) in the first 22 days, else 10", nullable=False),
        col("data_quality_tier", STRING, "high ≥ min_games_required, medium ≥ 7, low", nullable=False),
        *lineage(),
    ),
)

PLAYER_COMPOSITE_FACTORS = TableSchema(
    dataset=DATASET,
    name="player_composite_factors",
    date_column="game_date",
    key=("game_date", "player_lookup"),
    description="Each rostered player of a team playing on the day: fatigue, shot-zone matchup, pace and usage "
    "factors from pre-game context, on documented scales shared by every consumer.",
    rules=(
        ColumnRange("fatigue_score", 0, 100), NullShare("fatigue_score", 0.0), ColumnRange("shot_zone_mismatch_score", -10, 10),
        ColumnRange("pace_score", -3, 3), ColumnRange("usage_spike_score", -3, 3), ONE_PER_ROSTERED_PLAYER,
    ),
    coverage=Coverage(expects=ROSTERED),
    deadline=PREGAME_DEADLINE,
    columns=(
        col("player_lookup", STRING, nullable=False),
        *_target("game_date"),
        col("season_year", INT64, nullable=False),
        col("fatigue_score", INT64, "100 = fresh, 0 = exhausted (docs/features.md)", nullable=False, unit="score 0-100"),
        col("fatigue_adjustment", FLOAT64, "(fatigue_score − 100) / 20", nullable=False, unit="points"),
        col("fatigue_components", STRING, "which fatigue rules applied"),
        col("shot_zone_mismatch_score", FLOAT64, "Σ zone share × opponent's zone FG% vs league; + favours the scorer",
            unit="percentage points"),
        col("pace_score", FLOAT64, "(opponent pace L10 − team pace L10) / 2, clamped ±3", unit="poss/48 min"),
        col("projected_usage_rate", FLOAT64, "usage in this season's games without today's out teammates (≥ 3 games)",
            unit="percent"),
        col("usage_spike_score", FLOAT64, "0.3 × (projected − recent usage), clamped ±3", unit="score"),
        col("usage_projection_games", INT64, "past games used for the projection"),
        col("missing_factor_inputs", STRING, "inputs that left a factor NULL"),
        col("upstream_player_shot_ready", BOOL, nullable=False),
        col("upstream_team_defense_ready", BOOL, nullable=False),
        col("upstream_player_context_ready", BOOL, nullable=False),
        col("upstream_team_context_ready", BOOL, nullable=False),
        col("all_upstreams_ready", BOOL, nullable=False),
    ),
)

PLAYER_DAILY_CACHE = TableSchema(
    dataset=DATASET,
    name="player_daily_cache",
    date_column="cache_date",
    key=("cache_date", "player_lookup"),
    description="Each rostered player of a team playing on the day: season-to-date and recent form, team "
    "context and the history features the feature store reads (all strictly before the day).",
    rules=(
        ColumnRange("points_avg_season", 0, 80), ColumnRange("points_std_last_10", 0, 40), ColumnRange("minutes_avg_last_10", 0, 60),
        ColumnRange("points_avg_last_10", 0, 80),
        NullShare("points_avg_last_10", 0.0, scope=Scope("players with a game this season", lambda rows: rows["games_played_season"] > 0)),
        ONE_PER_ROSTERED_PLAYER,
    ),
    coverage=Coverage(expects=ROSTERED),
    windows=(Window("the player's last 10 games of the season in player_game_summary", prefix="l10_"),),
    deadline=PREGAME_DEADLINE,
    columns=(
        col("player_lookup", STRING, nullable=False),
        *_target("cache_date"),
        *season_context(),
        col("points_avg_last_3", FLOAT64, unit="points"),
        col("points_avg_last_5", FLOAT64, unit="points"),
        col("points_avg_last_10", FLOAT64, unit="points"),
        col("points_avg_season", FLOAT64, unit="points"),
        col("points_std_last_10", FLOAT64, "sample std, ≥ 2 games", unit="points"),
        col("points_slope_last_10", FLOAT64, "least-squares slope, oldest to newest, ≥ 5 games", unit="points/game"),
        col("points_slope_last_7", FLOAT64, "≥ 4 games", unit="points/game"),
        col("recent_trend", INT64, "−2..2 from the last 5 games (reference rule), ≥ 5 games"),
        col("games_below_season_avg_streak", INT64, "consecutive newest games below the season average"),
        col("minutes_avg_last_10", FLOAT64, unit="minutes"),
        col("fg_attempts_avg_last_10", FLOAT64, unit="attempts"),
        col("minutes_std_last_10", FLOAT64, unit="minutes"),
        col("minutes_avg_season", FLOAT64, unit="minutes"),
        col("points_per_minute_last_10", FLOAT64, unit="points/minute"),
        col("usage_rate_last_5", FLOAT64, "≥ 3 games", unit="percent"),
        col("usage_rate_last_10", FLOAT64, unit="percent"),
        col("ts_pct_last_10", FLOAT64, unit="fraction"),
        col("player_usage_rate_season", FLOAT64, unit="percent"),
        col("free_throw_points_share_last_10", FLOAT64, "ΣFTM / Σpoints, ≥ 5 games", unit="fraction"),
        col("games_played_season", INT64, nullable=False),
        col("dnp_rate_last_10", FLOAT64, "share of the last 10 listed games not played; NULL when the source lists "
            "no DNP/inactive rows for the team", unit="fraction"),
        col("games_since_structural_change", INT64, "games since a team change or a gap > 14 days, capped at 30"),
        *(col(f"{name}_decayed_{h}g", FLOAT64, f"decayed mean over the newest 40 games of the 365 days before "
              f"(any season), half-life {h} games", unit=unit)
          for h in (4, 10) for name, unit in (("points", "points"), ("minutes", "minutes"))),
        col("points_last_game", FLOAT64, "the latest game within 365 days", unit="points"),
        col("minutes_last_game", FLOAT64, unit="minutes"),
        col("minutes_avg_last_3_any_season", FLOAT64, "the newest 3 games within 365 days", unit="minutes"),
        col("games_last_365_days", INT64, nullable=False),
        col("team_games_missed", INT64, "the current team's games since the player's last appearance (≤ 20); NULL "
            "without one in 365 days"),
        col("points_avg_vs_opponent", FLOAT64, "games against this opponent in the 365 days before", unit="points"),
        col("games_vs_opponent", INT64, nullable=False),
        col("previous_game_line", FLOAT64, "the prop line of the player's previous game within 14 days", unit="points"),
        col("over_rate_last_10", FLOAT64, "share of the last 10 games with a line that went over (≥ 3)", unit="fraction"),
        col("margin_vs_line_avg_last_5", FLOAT64, "mean points − line over the last 5 games with a line", unit="points"),
        col("team_pace_last_10", FLOAT64, unit="poss/48 min"),
        col("team_off_rating_last_10", FLOAT64, unit="pts/100 poss"),
        col("team_blowout_rate_last_10", FLOAT64, "share of the team's last 10 games decided by ≥ 15", unit="fraction"),
        col("primary_scoring_zone", STRING),
        col("paint_rate_last_10", FLOAT64, unit="percent"),
        col("three_pt_rate_last_10", FLOAT64, unit="percent"),
        col("shot_zone_data_available", BOOL, nullable=False),
        *lineage("l10_"),
    ),
)
