"""Phase 3 + 4 assets on the simulated league against throwaway DuckDB warehouses: range runs equal per-day
runs, the point-in-time property, early season, the All-Star break, traded players, source tags and ranges."""


import re

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4 import features as fc
from nba_assets.checks.rules import COLUMN_RULES, WINDOWS_COMPLETE
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.raw.contract import RAW_TABLES
from nba_assets_tests.builders import check_evaluations, copy_warehouse, materialize, read_table, rows_on, write_raw

GRAPH = PHASE3_ASSETS + PHASE4_ASSETS
SEASON_START = "2021-10-19"
DAY = pd.Timestamp("2022-03-02")  # after the All-Star break; the day whose rows the point-in-time test protects
PRE_DAY = (DAY - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
PHASE4_TABLES = {
    "nba_precompute.team_defense_zone_analysis": "analysis_date",
    "nba_precompute.player_shot_zone_analysis": "analysis_date",
    "nba_precompute.player_composite_factors": "game_date",
    "nba_precompute.player_daily_cache": "cache_date",
    "nba_predictions.ml_feature_store": "game_date",
}
PREGAME_TABLES = {"nba_analytics.upcoming_team_game_context": "game_date",
                  "nba_analytics.upcoming_player_game_context": "game_date", **PHASE4_TABLES}
CROSS_SEASON_FEATURES = ("points_decayed_4g", "points_decayed_10g", "minutes_decayed_4g", "minutes_decayed_10g",
                         "points_last_game", "minutes_last_game", "minutes_avg_last_3", "games_last_365_days",
                         "team_games_missed")
ALL_TABLES = {"nba_analytics.team_offense_game_summary": "game_date", "nba_analytics.team_defense_game_summary": "game_date",
              "nba_analytics.player_game_summary": "game_date", **PREGAME_TABLES}


@pytest.fixture(scope="module")
def history_until_day_before(league_2021, tmp_path_factory):
    """A warehouse with the graph materialized from the season start to the day before DAY, in one run."""
    warehouse = tmp_path_factory.mktemp("history") / "w.duckdb"
    result = materialize(GRAPH, league_2021, warehouse, SEASON_START, PRE_DAY)
    assert result.success
    return warehouse


def test_range_run_equals_per_day_runs(league_2021, history_until_day_before, tmp_path):
    days = [DAY + pd.Timedelta(days=i) for i in range(3)]
    per_day = copy_warehouse(history_until_day_before, tmp_path, "per_day")
    for day in days:
        assert materialize(GRAPH, league_2021, per_day, day.strftime("%Y-%m-%d")).success
    ranged = tmp_path / "range.duckdb"
    assert materialize(GRAPH, league_2021, ranged, SEASON_START, days[-1].strftime("%Y-%m-%d")).success
    for table, date_column in ALL_TABLES.items():
        expected = rows_on(ranged, table, date_column, days)
        assert len(expected) > 0, table
        pd.testing.assert_frame_equal(rows_on(per_day, table, date_column, days), expected, check_exact=True, obj=table)


def _pregame_cutoffs(tables: dict) -> pd.DataFrame:
    schedule = tables["nbac_schedule"]
    return schedule[["game_id", "game_date", "game_start_time_utc"]].rename(columns={"game_start_time_utc": "tipoff"})


def _perturb_results(tables: dict, rng: np.random.Generator) -> dict:
    """Everything that happens at or after DAY's tip-offs changes; DAY's pre-game information stays."""
    out = {name: frame.copy() for name, frame in tables.items()}
    tipoffs = _pregame_cutoffs(tables)
    late = pd.to_datetime(out["nbac_gamebook_player_stats"]["game_date"]) >= DAY
    box = out["nbac_gamebook_player_stats"]
    stats = [c for c in box.columns if c not in ("game_id", "game_date", "player_lookup", "player_full_name", "team_abbr",
                                                  "player_status", "dnp_reason")]
    shuffled = box.loc[late, stats].sample(frac=1.0, random_state=int(rng.integers(1e6)))
    box.loc[late, stats] = shuffled.to_numpy()  # other players' (valid) lines: new results, same contract
    box.loc[late, "player_status"] = np.where(box.loc[late, "minutes"].isna(), "inactive", "active")
    out["nbac_play_by_play"] = out["nbac_play_by_play"][pd.to_datetime(out["nbac_play_by_play"]["game_date"]) < DAY]
    out["nbac_team_boxscore"] = out["nbac_team_boxscore"][pd.to_datetime(out["nbac_team_boxscore"]["game_date"]) < DAY]
    schedule = out["nbac_schedule"]
    later = pd.to_datetime(schedule["game_date"]) >= DAY
    schedule.loc[later, ["home_team_score", "away_team_score"]] = schedule.loc[later, ["away_team_score", "home_team_score"]].to_numpy()
    props = out["odds_api_player_points_props"]
    in_game = (props["minutes_before_tipoff"] < 0) | (pd.to_datetime(props["game_date"]) > DAY)
    props.loc[in_game, "points_line"] = props.loc[in_game, "points_line"] + 25
    props.loc[in_game, ["over_price", "under_price"]] = [500, -900]
    lines = out["odds_api_game_lines"]
    in_game = (lines["minutes_before_tipoff"] < 0) | (pd.to_datetime(lines["game_date"]) > DAY)
    lines.loc[in_game, "outcome_point"] = lines.loc[in_game, "outcome_point"] * -3
    report = out["nbac_injury_report"].merge(tipoffs[["game_id", "tipoff"]], on="game_id", how="left")
    issued = (pd.to_datetime(report["report_date"]) + pd.to_timedelta(report["report_hour"], unit="h")).dt.tz_localize(
        "America/New_York").dt.tz_convert("UTC")
    after = (issued >= report["tipoff"]) | (pd.to_datetime(report["game_date"]) > DAY)
    report.loc[after, "injury_status"] = "out"
    out["nbac_injury_report"] = report.drop(columns="tipoff")
    rosters = out["espn_team_rosters"]
    out["espn_team_rosters"] = rosters[pd.to_datetime(rosters["roster_date"]) <= DAY]
    return out


def _delete_results(tables: dict, rng: np.random.Generator) -> dict:
    """DAY's and later box scores, play-by-play and results disappear entirely."""
    out = {name: frame.copy() for name, frame in tables.items()}
    for name in ("nbac_gamebook_player_stats", "nbac_play_by_play", "nbac_team_boxscore"):
        out[name] = out[name][pd.to_datetime(out[name]["game_date"]) < DAY]
    schedule = out["nbac_schedule"]
    later = pd.to_datetime(schedule["game_date"]) >= DAY
    schedule.loc[later, "game_status"] = 1
    schedule.loc[later, ["home_team_score", "away_team_score"]] = None
    return out


@pytest.mark.parametrize("perturb", [_perturb_results, _delete_results], ids=["changed", "deleted"])
def test_point_in_time_rows_ignore_everything_after_tipoff(league_2021, history_until_day_before, tmp_path, perturb):
    """Change or delete raw data dated DAY or later (except DAY's pre-game information), rerun DAY on the same
    history: DAY's upcoming contexts, Phase 4 rows and features are identical."""
    original = copy_warehouse(history_until_day_before, tmp_path, "original")
    assert materialize(GRAPH, league_2021, original, DAY.strftime("%Y-%m-%d")).success
    tables = {name: pd.read_parquet(league_2021 / f"{name}.parquet") for name in RAW_TABLES}
    perturbed_raw = write_raw(tmp_path / "perturbed_raw", perturb(tables, np.random.default_rng(7)))
    perturbed = copy_warehouse(history_until_day_before, tmp_path, "perturbed")
    assert materialize(GRAPH, perturbed_raw, perturbed, DAY.strftime("%Y-%m-%d")).success
    for table, date_column in PREGAME_TABLES.items():
        expected = rows_on(original, table, date_column, [DAY])
        assert len(expected) >= 20, table
        pd.testing.assert_frame_equal(rows_on(perturbed, table, date_column, [DAY]), expected, check_exact=True, obj=table)
    features = rows_on(original, "nba_predictions.ml_feature_store", "game_date", [DAY])
    for name in CROSS_SEASON_FEATURES:  # the protected rows do carry the newer pre-game features
        assert features[name].notna().mean() > 0.8, name
    assert features["line_over_probability"].notna().sum() >= 20 and features["line_over_price"].notna().sum() >= 20
    changed = rows_on(perturbed, "nba_analytics.player_game_summary", "game_date", [DAY])
    assert not changed.equals(rows_on(original, "nba_analytics.player_game_summary", "game_date", [DAY]))


def test_early_season_rows_carry_flags_not_failures(history_until_day_before):
    first = pd.Timestamp(SEASON_START)
    cache = rows_on(history_until_day_before, "nba_precompute.player_daily_cache", "cache_date", [first])
    assert len(cache) >= 50 and cache["early_season_flag"].all()  # opening night: two games
    assert (cache["games_played_season"] == 0).all() and cache["points_avg_season"].isna().all()
    zones = rows_on(history_until_day_before, "nba_precompute.team_defense_zone_analysis", "analysis_date", [first])
    assert (zones["data_quality_tier"] == "low").all() and zones["insufficient_data_reason"].str.contains("only 0 games").all()
    features = rows_on(history_until_day_before, "nba_predictions.ml_feature_store", "game_date", [first])
    assert not features["is_quality_ready"].any()
    assert (features["points_avg_last_5__source"] == fc.MISSING).all() and features["points_avg_last_5"].isna().all()
    later = rows_on(history_until_day_before, "nba_precompute.player_daily_cache", "cache_date", [pd.Timestamp("2021-11-20")])
    assert not later["early_season_flag"].any() and (later["games_played_season"] > 5).mean() > 0.5


def test_source_tags_match_nulls_and_values_stay_in_contract_ranges(history_until_day_before):
    features = read_table(history_until_day_before, "nba_predictions.ml_feature_store")
    assert len(features) > 20000
    for feature in fc.FEATURES:
        values, sources = features[feature.name], features[fc.source_column(feature.name)]
        assert (values.isna() == (sources == fc.MISSING)).all(), feature.name
        assert set(sources[values.notna()]) <= {feature.source}, feature.name
        present = values.dropna()
        assert ((present >= feature.low) & (present <= feature.high)).all(), feature.name
    mid_season = features[features["game_date"] >= "2021-12-01"]
    assert mid_season["is_quality_ready"].mean() > 0.5
    assert mid_season["vegas_points_line"].notna().any() and mid_season["injury_risk"].notna().all()


def test_feature_store_table_columns_are_the_contract(history_until_day_before):
    conn = duckdb.connect(str(history_until_day_before), read_only=True)
    columns = [row[0] for row in conn.execute("DESCRIBE nba_predictions.ml_feature_store").fetchall()]
    conn.close()
    assert [c for c in columns if c in fc.FEATURE_NAMES] == list(fc.FEATURE_NAMES)
    assert all(fc.source_column(name) in columns for name in fc.FEATURE_NAMES)


def test_window_spans_the_all_star_break(history_until_day_before, league_2021):
    from nba_assets.calendar import build_season_calendar

    schedule = pd.read_parquet(league_2021 / "nbac_schedule.parquet")
    season = build_season_calendar(schedule.assign(game_date=pd.to_datetime(schedule["game_date"]))).iloc[0]
    after_break = season["all_star_break_end"] + pd.Timedelta(days=1)
    assert after_break < DAY
    cache = rows_on(history_until_day_before, "nba_precompute.player_daily_cache", "cache_date", [after_break])
    regulars = cache[cache["games_played_season"] >= 30]
    assert len(regulars) > 100 and (regulars["l10_games_found"] == 10).all()
    assert (regulars["l10_first_game_date"] < season["all_star_break_start"]).all() and regulars["l10_window_complete"].all()


def test_traded_player_windows_follow_the_player(history_until_day_before):
    players = read_table(history_until_day_before, "nba_analytics.player_game_summary")
    active = players[players["is_active"]].sort_values("game_date")
    teams_per_player = active.groupby("player_lookup")["team_abbr"].nunique()
    traded = teams_per_player[teams_per_player > 1].index
    assert len(traded) > 0
    moves = []
    for lookup in traded:
        games = active[active["player_lookup"] == lookup]
        switch = games["team_abbr"].ne(games["team_abbr"].shift()) & games["team_abbr"].shift().notna()
        first_new = games[switch].iloc[0]
        moves.append((lookup, first_new["game_date"], first_new["team_abbr"], int((games["game_date"] < first_new["game_date"]).sum())))
    lookup, day, team, games_before = next(m for m in moves if m[3] >= 10)
    cache = rows_on(history_until_day_before, "nba_precompute.player_daily_cache", "cache_date", [day])
    row = cache[cache["player_lookup"] == lookup].iloc[0]
    assert row["team_abbr"] == team and row["games_since_structural_change"] == 0
    assert row["l10_games_found"] == 10  # the last 10 games include the ones for his old team


def test_stale_window_after_an_outage_fails_the_window_check(league_2021, history_until_day_before, tmp_path):
    warehouse = copy_warehouse(history_until_day_before, tmp_path, "outage")
    conn = duckdb.connect(str(warehouse))
    for table in ("team_offense_game_summary", "team_defense_game_summary", "player_game_summary"):
        conn.execute(f"DELETE FROM nba_analytics.{table} WHERE game_date BETWEEN '2022-02-10' AND '2022-02-16'")
    conn.close()
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(GRAPH, league_2021, warehouse, DAY.strftime("%Y-%m-%d"), instance=instance)
    assert result.success
    checks = {(e.asset_key.path[-1], e.check_name, e.partition): e for e in check_evaluations(instance, result.run_id)}
    day = DAY.strftime("%Y-%m-%d")
    failed = checks[("player_daily_cache", WINDOWS_COMPLETE, day)]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.WARN  # published, flagged
    stale_rows = int(re.search(r"(\d+) of the day's rows built from an incomplete window", failed.metadata["examples"].value)[1])
    assert stale_rows > 100 and "l10_window_complete" in failed.metadata["examples"].value
    # every table whose rows read the outage's days carries the gap, down to the feature store
    for table in ("upcoming_player_game_context", "upcoming_team_game_context", "team_defense_zone_analysis",
                  "player_shot_zone_analysis", "ml_feature_store"):
        assert not checks[(table, WINDOWS_COMPLETE, day)].passed, table
    assert checks[("ml_feature_store", COLUMN_RULES, None)].passed
    cache = rows_on(warehouse, "nba_precompute.player_daily_cache", "cache_date", [DAY])
    assert (cache["l10_team_games_with_data"] < cache["l10_team_games_scheduled"]).mean() > 0.9
    features = rows_on(warehouse, "nba_predictions.ml_feature_store", "game_date", [DAY])
    assert not features["window_complete"].any()
