"""The simulated league: contract conformance, league structure, internal consistency, calibration and signal,
and the live view: seasons up to a given day, as known on that day or at any moment.

Two seasons (2021-22, 2022-23) are simulated once for the module; three more single-season runs check
determinism and the `as_of` cut; 2025-26 and 2026-27 are played once as a timeline for the live view, with
today pinned to 2026-11-29. Figures asserted here are documented in docs/simulated-league.md.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from nba_assets.raw.contract import RAW_TABLES, validate_raw_frame
from simulated_league import DEFAULT_SEED, KNOWN_AT, SIMULATION_MARKER, SimulatedLeague, simulate_league
from simulated_league.calendar import (
    ALL_STAR_GAME_TEAMS,
    EASTERN,
    FOREIGN_CLUBS,
    RISING_STARS_TEAMS,
    all_star_break,
    all_star_sunday,
    current_season,
    opening_night,
    regular_season_end,
    trade_deadline,
)
from nba_assets.teams import NBA_TEAMS

SEASONS = (2021, 2022)
AS_OF = dt.datetime(2022, 1, 15, 1, 0, tzinfo=dt.UTC)
LIVE_SEASONS, TODAY = (2025, 2026), dt.date(2026, 11, 29)


def _read(paths: dict) -> dict[str, pd.DataFrame]:
    return {name: validate_raw_frame(pd.read_parquet(path), RAW_TABLES[name], str(path)) for name, path in paths.items()}


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return _read(simulate_league(tmp_path_factory.mktemp("league"), SEASONS))


@pytest.fixture(scope="module")
def one_season_paths(tmp_path_factory) -> dict:
    return simulate_league(tmp_path_factory.mktemp("one"), [2021])


@pytest.fixture(scope="module")
def played(league) -> pd.DataFrame:
    """Active player rows with season, rest days and prior-game averages."""
    box = league["nbac_gamebook_player_stats"]
    rows = box[box["player_status"] == "active"].merge(
        league["nbac_schedule"][["game_id", "season_year", "game_start_time_utc", "home_team_tricode"]], on="game_id"
    )
    rows = rows.sort_values(["player_lookup", "game_start_time_utc"]).reset_index(drop=True)
    by_season = rows.groupby(["season_year", "player_lookup"])["points"]
    rows["prior_games"] = by_season.cumcount()
    rows["last5"] = by_season.transform(lambda p: p.shift(1).rolling(5, min_periods=5).mean())
    rows["last10"] = by_season.transform(lambda p: p.shift(1).rolling(10, min_periods=1).mean())
    rows["season_to_date"] = by_season.transform(lambda p: p.shift(1).expanding().mean())
    rows["rest_days"] = rows.groupby(["season_year", "player_lookup"])["game_date"].diff().dt.days
    rows["minutes_vs_own_mean"] = rows["minutes"] - rows.groupby(["season_year", "player_lookup"])["minutes"].transform("mean")
    return rows


def test_every_file_passes_the_contract_and_is_sorted_by_date(league):
    assert set(league) == set(RAW_TABLES)
    for name, frame in league.items():
        assert len(frame) > 0, name
        dates = frame[RAW_TABLES[name].date_column]
        assert dates.is_monotonic_increasing, name


def test_files_have_day_sized_row_groups_and_no_leftovers(one_season_paths):
    folder = next(iter(one_season_paths.values())).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.parquet" for name in RAW_TABLES)
    shots = pq.ParquetFile(one_season_paths["nbac_play_by_play"])
    assert shots.num_row_groups > 100
    first_group = shots.read_row_group(0).to_pandas()
    assert first_group["game_date"].nunique() <= 3


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path, one_season_paths):
    first = {name: pd.read_parquet(path) for name, path in one_season_paths.items()}
    again = {name: pd.read_parquet(path) for name, path in simulate_league(tmp_path / "again", [2021]).items()}
    for name in RAW_TABLES:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)
    other = pd.read_parquet(simulate_league(tmp_path / "other", [2021], seed=DEFAULT_SEED + 1)["nbac_gamebook_player_stats"])
    assert not other.equals(first["nbac_gamebook_player_stats"])


def test_first_season_does_not_depend_on_later_seasons(league, one_season_paths):
    alone = pd.read_parquet(one_season_paths["nbac_gamebook_player_stats"])
    together = league["nbac_gamebook_player_stats"]
    together = together[together["game_id"].str[3:5] == "21"]
    assert len(alone) == len(together)
    assert (alone["points"].astype("float").fillna(-1).to_numpy() == together["points"].astype("float").fillna(-1).to_numpy()).all()


def test_season_date_rules_reproduce_the_real_calendar():
    real = {
        2021: ("2021-10-19", "2022-04-10"),
        2022: ("2022-10-18", "2023-04-09"),
        2023: ("2023-10-24", "2024-04-14"),
        2024: ("2024-10-22", "2025-04-13"),
        2025: ("2025-10-21", "2026-04-12"),
    }
    for season, (start, end) in real.items():
        assert (str(opening_night(season)), str(regular_season_end(season))) == (start, end)
    assert [str(trade_deadline(s)) for s in (2021, 2022, 2023)] == ["2022-02-10", "2023-02-09", "2024-02-08"]


def _regular(schedule: pd.DataFrame) -> pd.DataFrame:
    return schedule[schedule["is_regular_season"] & ~schedule["is_postponed"]]


def test_every_team_plays_82_regular_season_games_41_at_home(league):
    for season, games in _regular(league["nbac_schedule"]).groupby("season_year"):
        home = games["home_team_tricode"].value_counts()
        away = games["away_team_tricode"].value_counts()
        assert set(home.index) == set(NBA_TEAMS)
        assert (home == 41).all() and (away == 41).all(), season
        per_date = games.groupby("game_date").size()
        assert 155 <= len(per_date) <= 170 and 7 <= per_date.median() <= 8 and per_date.max() <= 15


def test_schedule_density_rules(league):
    games = _regular(league["nbac_schedule"])
    appearances = pd.concat(
        [games[["season_year", "game_date", t]].rename(columns={t: "team"}) for t in ("home_team_tricode", "away_team_tricode")]
    ).sort_values(["season_year", "team", "game_date"])
    gaps = appearances.groupby(["season_year", "team"])["game_date"].diff().dt.days
    back_to_back = (gaps == 1).groupby([appearances["season_year"], appearances["team"]]).sum()
    assert 10 <= back_to_back.mean() <= 17
    three_in_a_row = (gaps == 1) & (gaps.shift(-1) == 1) & (appearances["team"] == appearances["team"].shift(-1))
    assert not three_in_a_row.any()


def test_all_star_break_is_a_week_in_mid_february(league):
    schedule = league["nbac_schedule"]
    for season, games in _regular(schedule).groupby("season_year"):
        dates = np.sort(games["game_date"].unique())
        gaps = np.diff(dates) / np.timedelta64(1, "D")
        widest = int(np.argmax(gaps))
        assert 6 <= gaps[widest] <= 8
        assert pd.Timestamp(dates[widest]).month == 2 and 10 <= pd.Timestamp(dates[widest]).day <= 20
        all_star = schedule[schedule["is_all_star"] & (schedule["season_year"] == season)]
        assert str(all_star_sunday(season)) in set(all_star["game_date"].dt.strftime("%Y-%m-%d"))
        assert (all_star["game_status"] == 3).all() and all_star["home_team_score"].notna().all()


def test_made_up_team_codes_only_in_exhibitions(league):
    schedule = league["nbac_schedule"]
    teams = pd.concat([schedule["home_team_tricode"], schedule["away_team_tricode"]])
    fake = ~schedule["home_team_tricode"].isin(list(NBA_TEAMS)) | ~schedule["away_team_tricode"].isin(list(NBA_TEAMS))
    assert fake.any()
    assert not (fake & (schedule["is_regular_season"] | schedule["is_playoffs"])).any()
    assert set(teams[~teams.isin(list(NBA_TEAMS))]) <= set(FOREIGN_CLUBS) | set(ALL_STAR_GAME_TEAMS) | set(RISING_STARS_TEAMS)
    preseason = schedule[~schedule["is_regular_season"] & ~schedule["is_playoffs"] & ~schedule["is_all_star"]]
    assert preseason["away_team_tricode"].isin(FOREIGN_CLUBS).any()
    exhibition_ids = set(schedule.loc[~schedule["is_regular_season"] & ~schedule["is_playoffs"], "game_id"])
    assert not exhibition_ids & set(league["nbac_gamebook_player_stats"]["game_id"])


def test_play_in_and_playoff_ids_and_formats(league):
    schedule = league["nbac_schedule"]
    box_games = set(league["nbac_gamebook_player_stats"]["game_id"])
    for season, games in schedule[schedule["is_playoffs"]].groupby("season_year"):
        play_in = games[games["is_play_in"]]
        playoffs = games[~games["is_play_in"]]
        assert len(play_in) == 6 and play_in["game_id"].str.startswith("005").all()
        assert playoffs["game_id"].str.startswith("004").all()
        assert (games["game_id"].str[3:5] == f"{season % 100:02d}").all()
        assert set(games["game_id"]) <= box_games
        series = playoffs.groupby(playoffs["game_id"].str[7:9]).size()
        assert len(series) == 15 and series.between(4, 7).all()
        final_day = playoffs["game_date"].max()
        assert final_day.month == 6 and final_day.day <= 25
        assert play_in["game_date"].min().date() > regular_season_end(season)


def test_postponed_game_has_no_box_score_and_is_made_up(league):
    schedule = league["nbac_schedule"]
    postponed = schedule[schedule["is_postponed"]]
    assert len(postponed) == len(SEASONS)
    assert (postponed["game_status"] == 1).all() and postponed["home_team_score"].isna().all()
    assert not set(postponed["game_id"]) & set(league["nbac_gamebook_player_stats"]["game_id"])
    for game in postponed.itertuples():
        makeup = schedule[
            (schedule["home_team_tricode"] == game.home_team_tricode)
            & (schedule["away_team_tricode"] == game.away_team_tricode)
            & (schedule["game_date"] > game.game_date)
            & schedule["is_regular_season"]
            & (schedule["game_id"] > game.game_id)
            & (schedule["season_year"] == game.season_year)
        ]
        assert (makeup["game_status"] == 3).any()


def test_game_ids_and_tipoffs(league):
    schedule = league["nbac_schedule"]
    assert schedule["game_id"].str.fullmatch(r"00[1-5]\d{7}").all()
    assert schedule["game_id"].is_unique
    regular = schedule[schedule["is_regular_season"]]
    eastern = regular["game_start_time_utc"].dt.tz_convert("America/New_York")
    evening = eastern.dt.hour.between(18, 22)
    assert evening.mean() > 0.85 and (eastern.dt.hour < 17).any()
    assert (eastern.dt.date == regular["game_date"].dt.date).all()


def test_play_by_play_matches_box_score_exactly(league):
    shots = league["nbac_play_by_play"]
    three = shots["shot_type"] == "3PT"
    counted = shots.assign(three=three, three_made=three & shots["shot_made"]).groupby(["game_id", "player_lookup"]).agg(
        fga=("shot_made", "size"), fgm=("shot_made", "sum"), three_pa=("three", "sum"), three_pm=("three_made", "sum")
    )
    box = league["nbac_gamebook_player_stats"]
    box = box[box["player_status"] == "active"].set_index(["game_id", "player_lookup"])
    joined = box.join(counted, how="left").fillna({"fga": 0, "fgm": 0, "three_pa": 0, "three_pm": 0})
    assert (joined["field_goals_attempted"] == joined["fga"]).all()
    assert (joined["field_goals_made"] == joined["fgm"]).all()
    assert (joined["three_pointers_attempted"] == joined["three_pa"]).all()
    assert (joined["three_pointers_made"] == joined["three_pm"]).all()
    assert len(counted) == (joined["fga"] > 0).sum()


def test_shot_distances_follow_the_zones(league):
    shots = league["nbac_play_by_play"]
    threes = shots[shots["shot_type"] == "3PT"]["shot_distance"]
    twos = shots[shots["shot_type"] == "2PT"]["shot_distance"]
    assert threes.between(22, 30).all() and (threes == 22).mean() > 0.1
    assert twos.dropna().between(0, 21).all() and 0 < twos.isna().mean() < 0.01


def test_counting_stats_are_consistent(league):
    box = league["nbac_gamebook_player_stats"]
    active = box[box["player_status"] == "active"]
    assert (active["minutes"] > 0).all()
    assert (active["field_goals_made"] <= active["field_goals_attempted"]).all()
    assert (active["three_pointers_made"] <= active["three_pointers_attempted"]).all()
    assert (active["three_pointers_attempted"] <= active["field_goals_attempted"]).all()
    assert (active["free_throws_made"] <= active["free_throws_attempted"]).all()
    identity = 2 * (active["field_goals_made"] - active["three_pointers_made"]) + 3 * active["three_pointers_made"] + active["free_throws_made"]
    assert (identity == active["points"]).all()
    idle = box[box["player_status"] != "active"]
    assert idle["minutes"].isna().all() and idle["points"].isna().all() and idle["dnp_reason"].notna().all()
    assert idle.loc[idle["player_status"] == "inactive", "dnp_reason"].str.startswith("Injury/Illness - ").any()


def test_team_box_and_scores_are_sums_of_player_rows(league):
    box = league["nbac_gamebook_player_stats"]
    sums = box[box["player_status"] == "active"].groupby(["game_id", "team_abbr"])[["points", "field_goals_attempted", "minutes"]].sum()
    team = league["nbac_team_boxscore"].set_index(["game_id", "team_abbr"])
    joined = team.join(sums, rsuffix="_players")
    assert (joined["points"] == joined["points_players"]).all()
    assert (joined["fg_attempted"] == joined["field_goals_attempted"]).all()
    assert np.allclose(joined["minutes"], joined["minutes_players"], atol=0.2)
    assert set(team["minutes"].round(2)) >= {240.0, 265.0}
    overtime_share = (team["minutes"] > 240).mean()
    assert 0.03 <= overtime_share <= 0.09
    schedule = league["nbac_schedule"]
    final = schedule[schedule["game_status"] == 3]
    team_points = joined["points"]
    for side in ("home", "away"):
        keys = list(zip(final["game_id"], final[f"{side}_team_tricode"]))
        scored = final[f"{side}_team_score"][[key in team_points.index for key in keys]]
        assert (scored.to_numpy() == team_points.loc[[k for k in keys if k in team_points.index]].to_numpy()).all()
        assert len(scored) > 2000


def test_minutes_are_written_as_decimal_text_or_clock(one_season_paths):
    raw = pd.read_parquet(one_season_paths["nbac_gamebook_player_stats"])
    written = raw["minutes"].dropna()
    clock = written.str.contains(":")
    assert 0.07 < clock.mean() < 0.13
    assert written[~clock].str.fullmatch(r"\d+\.\d{2}").all()


def test_calibration_against_real_figures(league, played):
    assert 9.5 <= played["points"].mean() <= 12.0
    assert 7.8 <= played["points"].std() <= 9.8
    assert 21.0 <= played["minutes"].mean() <= 25.0
    per_team_game = played.groupby(["game_id", "team_abbr"]).size()
    assert 9 <= per_team_game.median() <= 12
    team_points = league["nbac_team_boxscore"]["points"]
    assert 105 <= team_points.mean() <= 120
    team = league["nbac_team_boxscore"]
    assert 0.37 <= team["three_pt_attempted"].sum() / team["fg_attempted"].sum() <= 0.43
    seasons = played.groupby(["season_year", "player_lookup"])["points"].agg(["mean", "std", "size"])
    seasons = seasons[seasons["size"] >= 30]
    assert seasons["mean"].min() < 4 and 28 <= seasons["mean"].max() <= 42
    slope, intercept = np.polyfit(seasons["mean"], seasons["std"], 1)
    assert 0.12 <= slope <= 0.30 and 2.5 <= intercept <= 4.5


def test_shot_zone_shares_and_percentages(league):
    shots = league["nbac_play_by_play"]
    zone = np.where(shots["shot_type"] == "3PT", "three", np.where(shots["shot_distance"] <= 8, "paint", "mid"))
    shares = pd.Series(zone).value_counts(normalize=True)
    made = shots["shot_made"].groupby(zone).mean()
    for name, share, pct in (("paint", 0.433, 0.592), ("mid", 0.175, 0.434), ("three", 0.391, 0.363)):
        assert abs(shares[name] - share) < 0.03, name
        assert abs(made[name] - pct) < 0.02, name


def test_zone_defense_is_a_persistent_team_trait(league):
    shots = league["nbac_play_by_play"].merge(league["nbac_schedule"][["game_id", "home_team_tricode", "away_team_tricode", "season_year", "is_regular_season"]], on="game_id")
    shots = shots[shots["is_regular_season"] & (shots["season_year"] == SEASONS[0]) & (shots["shot_type"] == "2PT") & (shots["shot_distance"] <= 8)]
    defender = np.where(shots["team_abbr"] == shots["home_team_tricode"], shots["away_team_tricode"], shots["home_team_tricode"])
    half = np.where(shots["game_id"].str[-5:].astype(int) % 2 == 0, "even", "odd")
    allowed = shots["shot_made"].groupby([defender, half]).mean().unstack()
    assert allowed["even"].corr(allowed["odd"]) > 0.3
    assert 0.012 <= allowed.mean(axis=1).std() <= 0.03


def test_recent_form_predicts_the_next_game(played):
    with_history = played[played["prior_games"] >= 5]
    assert with_history["last5"].corr(with_history["points"]) > 0.5
    moving_average = 0.5 * with_history["last5"] + 0.3 * with_history["last10"] + 0.2 * with_history["season_to_date"]
    for season, rows in with_history.assign(moving_average=moving_average).groupby("season_year"):
        error = (rows["moving_average"] - rows["points"]).abs().mean()
        assert 4.0 <= error <= 6.0, season
        assert error < (rows["season_to_date"] - rows["points"]).abs().mean(), season


def test_back_to_back_costs_starters_minutes(played):
    starters = played[played.groupby(["season_year", "player_lookup"])["minutes"].transform("mean") >= 25]
    back_to_back = starters.loc[starters["rest_days"] == 1, "minutes_vs_own_mean"].mean()
    rested = starters.loc[starters["rest_days"].isin([2, 3]), "minutes_vs_own_mean"].mean()
    assert back_to_back < rested - 0.3


def test_home_court_and_blowouts(league, played):
    schedule = league["nbac_schedule"]
    final = schedule[(schedule["game_status"] == 3) & schedule["is_regular_season"]]
    margin = final["home_team_score"] - final["away_team_score"]
    assert 0.5 <= margin.mean() <= 3.5 and 0.52 <= (margin > 0).mean() <= 0.6
    assert 12 <= margin.std() <= 17
    starters = played[played.groupby(["season_year", "player_lookup"])["minutes"].transform("mean") >= 30]
    by_margin = starters.merge(final[["game_id"]].assign(blowout=(margin.abs() >= 25).to_numpy()), on="game_id")
    assert by_margin.loc[by_margin["blowout"], "minutes_vs_own_mean"].mean() < by_margin.loc[~by_margin["blowout"], "minutes_vs_own_mean"].mean() - 2


def test_teammate_absence_raises_usage(played):
    keys = ["season_year", "team_abbr"]
    season_shots = played.groupby([*keys, "player_lookup"])["field_goals_attempted"].sum().reset_index()
    star = season_shots.sort_values("field_goals_attempted", kind="stable").groupby(keys).tail(1)
    rows = played.merge(star[[*keys, "player_lookup"]].rename(columns={"player_lookup": "star"}), on=keys)
    star_games = rows.loc[rows["player_lookup"] == rows["star"], ["game_id", "team_abbr"]].assign(star_played=True)
    rows = rows[rows["player_lookup"] != rows["star"]].merge(star_games, on=["game_id", "team_abbr"], how="left")
    rows["star_out"] = rows["star_played"].isna()
    rows["shots_per_minute"] = rows["field_goals_attempted"] / rows["minutes"]
    rotation = rows[rows.groupby(["season_year", "player_lookup"])["minutes"].transform("mean") >= 15]
    per_player = rotation.groupby(["season_year", "player_lookup", "star_out"])["shots_per_minute"].mean().unstack().dropna()
    assert len(per_player) > 30
    assert (per_player[True] - per_player[False]).mean() > 0.01


def test_players_persist_retire_join_and_move(league):
    box = league["nbac_gamebook_player_stats"]
    seasons = box.assign(season=box["game_id"].str[3:5]).groupby("season")["player_lookup"].apply(set)
    first, second = seasons["21"], seasons["22"]
    assert len(first & second) > 0.7 * len(first)
    assert len(second - first) > 30 and len(first - second) > 20
    teams = box[box["player_status"] == "active"].assign(season=box["game_id"].str[3:5]).groupby(["season", "player_lookup"])["team_abbr"].nunique()
    movers = (teams > 1).groupby(level=0).sum()
    assert movers.between(8, 30).all()


def test_props_density_snapshots_and_leak_bait(league):
    props = league["odds_api_player_points_props"].merge(league["nbac_schedule"][["game_id", "game_start_time_utc", "season_year"]], on="game_id")
    expected = (props["game_start_time_utc"] - props["snapshot_timestamp"]).dt.total_seconds() / 60
    assert np.allclose(expected, props["minutes_before_tipoff"])
    assert set(props["bookmaker"]) == {"draftkings", "fanduel", "betmgm", "caesars", "pointsbetus", "bovada"}
    pre_game = props[props["minutes_before_tipoff"] >= 0]
    books = pre_game.groupby(["season_year", "game_id", "player_lookup"])["bookmaker"].nunique().groupby(level=0).mean()
    assert books[SEASONS[0]] < 2.1 and books[SEASONS[1]] > 3
    players = pre_game.groupby(["season_year", "game_id"])["player_lookup"].nunique().groupby(level=0).mean()
    assert players[SEASONS[1]] > 2 * players[SEASONS[0]]
    assert pre_game["minutes_before_tipoff"].max() <= 24 * 60 and pre_game.groupby(["game_id", "player_lookup"])["minutes_before_tipoff"].min().max() <= 30
    in_game = props[props["minutes_before_tipoff"] < 0]
    share = in_game[["game_id", "player_lookup"]].drop_duplicates().shape[0] / pre_game[["game_id", "player_lookup"]].drop_duplicates().shape[0]
    assert 0.02 <= share <= 0.08
    assert (props["points_line"] % 1 == 0).mean() < 0.25


def test_in_game_lines_chase_the_result_but_pre_game_lines_do_not(league):
    props = league["odds_api_player_points_props"]
    box = league["nbac_gamebook_player_stats"].set_index(["game_id", "player_lookup"])["points"]
    props = props.join(box, on=["game_id", "player_lookup"]).dropna(subset=["points"])
    closing = props[props["minutes_before_tipoff"] >= 0].sort_values("snapshot_timestamp").groupby(["game_id", "player_lookup"]).last()
    live = props[props["minutes_before_tipoff"] < 0].groupby(["game_id", "player_lookup"]).last()
    closing_error = (closing["points_line"] - closing["points"]).abs().mean()
    assert 3.8 <= closing_error <= 5.8
    assert (live["points_line"] - live["points"]).abs().mean() < 0.5 * closing_error
    overs = (closing["points"] > closing["points_line"]).mean()
    assert 0.42 <= overs <= 0.55


def test_game_lines_follow_team_strength(league):
    lines = league["odds_api_game_lines"]
    schedule = league["nbac_schedule"].set_index("game_id")
    spreads = lines[(lines["market_key"] == "spreads") & (lines["minutes_before_tipoff"] >= 0)]
    home = spreads[spreads["outcome_name"] == spreads["game_id"].map(schedule["home_team_tricode"])]
    closing = home.sort_values("snapshot_timestamp").groupby("game_id")["outcome_point"].last()
    margin = (schedule["home_team_score"] - schedule["away_team_score"]).reindex(closing.index).astype(float)
    assert (-closing).corr(margin) > 0.25
    books = lines.groupby("game_id")["bookmaker_key"].nunique()
    assert books.between(3, 5).all()
    assert (lines["minutes_before_tipoff"] < 0).any()
    pair = lines[lines["market_key"] == "spreads"].groupby(["game_id", "snapshot_timestamp", "bookmaker_key"])["outcome_point"].sum()
    assert (pair == 0).all()


def test_injury_report_has_late_scratches_and_reports_after_tipoff(league):
    report = league["nbac_injury_report"].merge(league["nbac_schedule"][["game_id", "game_start_time_utc"]], on="game_id")
    issued = (report["report_date"] + pd.to_timedelta(report["report_hour"], unit="h")).dt.tz_localize("America/New_York")
    after_tip = report[issued > report["game_start_time_utc"].dt.tz_convert("America/New_York")]
    assert (after_tip["injury_status"] == "out").any()
    box = league["nbac_gamebook_player_stats"].set_index(["game_id", "player_lookup"])["player_status"]
    questionable = report[report["injury_status"] == "questionable"][["game_id", "player_lookup"]].drop_duplicates()
    outcome = questionable.join(box, on=["game_id", "player_lookup"])["player_status"]
    assert (outcome == "active").any() and (outcome == "inactive").any()
    assert set(report["injury_status"]) >= {"out", "doubtful", "questionable", "probable"}
    assert report["team"].isin(list(NBA_TEAMS)).all()


def test_rosters_are_morning_snapshots_of_game_days(league):
    rosters = league["espn_team_rosters"]
    sizes = rosters.groupby(["roster_date", "team_abbr"]).size()
    assert sizes.between(13, 17).all()
    assert not rosters.duplicated(["roster_date", "player_lookup"]).any()
    box = league["nbac_gamebook_player_stats"]
    box_teams = box.merge(rosters, left_on=["game_date", "player_lookup"], right_on=["roster_date", "player_lookup"], how="left")
    assert (box_teams["team_abbr_x"] == box_teams["team_abbr_y"]).all()


def test_as_of_cuts_results_and_snapshots_without_changing_the_past(tmp_path, one_season_paths):
    cut = _read(simulate_league(tmp_path, [2021], as_of=AS_OF))
    full = _read(one_season_paths)
    as_of = pd.Timestamp(AS_OF)
    schedule = cut["nbac_schedule"]
    future = schedule[schedule["game_start_time_utc"] >= as_of]
    assert len(future) > 500 and (future["game_status"] == 1).all() and future["home_team_score"].isna().all()
    assert not schedule["is_playoffs"].any()
    for name in ("nbac_gamebook_player_stats", "nbac_team_boxscore", "nbac_play_by_play"):
        started = cut[name]["game_id"].map(schedule.set_index("game_id")["game_start_time_utc"])
        assert (started < as_of).all(), name
    assert (cut["odds_api_player_points_props"]["snapshot_timestamp"] < as_of).all()
    assert (cut["odds_api_game_lines"]["snapshot_timestamp"] < as_of).all()
    assert (cut["espn_team_rosters"]["roster_date"] < as_of.tz_localize(None)).all()
    upcoming = cut["odds_api_player_points_props"]["game_id"].map(schedule.set_index("game_id")["game_start_time_utc"]) >= as_of
    assert upcoming.any()
    played = full["nbac_gamebook_player_stats"]
    played = played[played["game_id"].isin(cut["nbac_gamebook_player_stats"]["game_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(played, cut["nbac_gamebook_player_stats"].reset_index(drop=True))
    # shot distances are drawn once for the whole season, so a cut shows the same play-by-play rows
    shots = full["nbac_play_by_play"]
    shots = shots[shots["game_id"].isin(cut["nbac_play_by_play"]["game_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(shots, cut["nbac_play_by_play"].reset_index(drop=True))


# --- the live view: seasons up to a day, as known on that day ---------------------------------------------

@pytest.fixture(scope="module")
def live() -> SimulatedLeague:
    return SimulatedLeague.play(LIVE_SEASONS)


def _on(league: SimulatedLeague, day: dt.date) -> dict[str, pd.DataFrame]:
    return league.as_of(league.day_cutoff(day))


def _eastern_date(stamps: pd.Series) -> pd.Series:
    return stamps.dt.tz_convert(EASTERN).dt.date


def test_later_seasons_follow_the_calendar_rules():
    assert (opening_night(2026), all_star_sunday(2026), regular_season_end(2026)) == (
        dt.date(2026, 10, 20), dt.date(2027, 2, 21), dt.date(2027, 4, 11))
    for season in range(2026, 2036):
        opening, end = opening_night(season), regular_season_end(season)
        assert opening.weekday() == 1 and dt.date(season, 10, 18) <= opening <= dt.date(season, 10, 24)
        assert end.weekday() == 6 and 8 <= end.day <= 14 and end.month == 4
        friday, wednesday = all_star_break(season)
        assert friday.month == 2 and 13 <= friday.day <= 19 and (wednesday - friday).days == 5
    assert [current_season(dt.date(*day)) for day in ((2026, 6, 30), (2026, 7, 1), (2026, 11, 29), (2027, 4, 1))] == [
        2025, 2026, 2026, 2026]


def test_league_as_known_today_has_last_season_complete_and_this_one_up_to_yesterday(live):
    now = live.day_cutoff(TODAY)
    first_tip = dt.datetime(2026, 11, 29, 15, 30, tzinfo=EASTERN)  # Sunday: an afternoon game opens the day
    assert now == pd.Timestamp(first_tip)
    known, complete = live.as_of(now), live.as_of(None)
    schedule = known["nbac_schedule"]
    last, this = schedule[schedule["season_year"] == 2025], schedule[schedule["season_year"] == 2026]
    finished = complete["nbac_schedule"]
    pd.testing.assert_frame_equal(last.reset_index(drop=True),
                                  finished[finished["season_year"] == 2025].reset_index(drop=True))
    assert last["is_playoffs"].sum() >= 70 and (last.loc[~last["is_postponed"], "game_status"] == 3).all()
    # this season: the whole regular season listed (82 games a team, a postponed game and its make-up included)
    regular = this[this["is_regular_season"] & ~this["is_postponed"]]
    assert len(regular) == 1230 and regular["game_date"].max() == dt.date(2027, 4, 11)
    assert this["game_date"].min() == opening_night(2026) - dt.timedelta(days=16)  # preseason first
    assert not this["is_playoffs"].any()  # not known before the regular season ends
    before, tonight_or_later = this[this["game_date"] < TODAY], this[this["game_date"] >= TODAY]
    assert (before.loc[~before["is_postponed"], "game_status"] == 3).all() and before["home_team_score"].notna().sum() > 300
    assert len(this[this["game_date"] == TODAY]) == 8
    assert (tonight_or_later["game_status"] == 1).all() and tonight_or_later["home_team_score"].isna().all()
    # box scores up to yesterday only; today's pre-game lines and injury report, nothing in-game
    for name in ("nbac_gamebook_player_stats", "nbac_team_boxscore", "nbac_play_by_play"):
        assert known[name]["game_date"].max() == TODAY - dt.timedelta(days=1), name
    props = known["odds_api_player_points_props"]
    tonight_props = props[props["game_date"] == TODAY]
    assert tonight_props["game_id"].nunique() == 8 and (tonight_props["minutes_before_tipoff"] > 0).all()
    assert (props["snapshot_timestamp"] < now).all() and props["game_date"].max() == TODAY
    lines = known["odds_api_game_lines"]
    assert lines.loc[lines["game_date"] == TODAY, "game_id"].nunique() == 8 and (lines["snapshot_timestamp"] < now).all()
    report = known["nbac_injury_report"]
    assert (report["report_date"] == TODAY).sum() > 20 and report["game_date"].max() == TODAY
    assert known["espn_team_rosters"]["roster_date"].max() == TODAY


def test_league_as_of_a_day_is_a_prefix_of_the_next_day(live):
    """Same games, same players, same rows for what both days know: across a month boundary, the postponed
    game's notice and its original date."""
    schedule = live.as_of(None)["nbac_schedule"]
    postponed = schedule.loc[schedule["is_postponed"] & (schedule["season_year"] == 2026), "game_date"].iloc[0]
    days = [dt.date(2026, 11, 30), postponed - dt.timedelta(days=1), postponed]
    for day in days:
        earlier, later = _on(live, day), _on(live, day + dt.timedelta(days=1))
        for name, rows in earlier.items():
            if name == "nbac_schedule":
                final = rows[rows["game_status"] == 3]
                kept = final.merge(later[name], how="left", indicator=True)
                assert (kept["_merge"] == "both").all(), (day, name)
                assert set(rows["game_id"]) <= set(later[name]["game_id"]), (day, name)
                continue
            kept = rows.merge(later[name].drop_duplicates(), how="left", indicator=True)
            assert len(kept) == len(rows) and (kept["_merge"] == "both").all(), (day, name)
        assert len(later["nbac_gamebook_player_stats"]) > len(earlier["nbac_gamebook_player_stats"]) or day == postponed


def test_rows_arrive_when_they_became_known(live):
    """What a replay filters on: box scores at the game's end, snapshots when taken, injury reports at their
    Eastern report hour, rosters at 09:00 Eastern; a game's schedule row scheduled, in progress, then Final."""
    timeline = live.timeline
    versions = timeline["nbac_schedule"]
    final = versions[versions["game_status"] == 3].set_index("game_id")
    box = timeline["nbac_gamebook_player_stats"]
    ended = box["game_id"].map(final["game_start_time_utc"]) + pd.Timedelta(hours=2, minutes=30)
    assert (box[KNOWN_AT] == ended).all()
    for name in ("odds_api_player_points_props", "odds_api_game_lines"):
        assert (timeline[name][KNOWN_AT] == timeline[name]["snapshot_timestamp"]).all()
    report = timeline["nbac_injury_report"]
    local = report[KNOWN_AT].dt.tz_convert(EASTERN)
    assert (local.dt.date == report["report_date"]).all() and (local.dt.hour == report["report_hour"]).all()
    rosters = timeline["espn_team_rosters"]
    assert (_eastern_date(rosters[KNOWN_AT]) == rosters["roster_date"]).all()
    assert (rosters[KNOWN_AT].dt.tz_convert(EASTERN).dt.hour == 9).all()

    game = final.loc[final["game_date"] == TODAY].iloc[0]
    tip, minute = game["game_start_time_utc"], pd.Timedelta(minutes=1)

    def state(moment: pd.Timestamp) -> pd.Series:
        rows = live.as_of(moment)["nbac_schedule"]
        return rows[rows["game_id"] == game.name].iloc[0]

    assert (state(tip - minute)["game_status"], state(tip + minute)["game_status"]) == (1, 2)
    assert pd.isna(state(tip + minute)["home_team_score"])
    at_end = state(tip + pd.Timedelta(hours=2, minutes=31))
    assert (at_end["game_status"], at_end["home_team_score"]) == (3, game["home_team_score"])
    assert game.name not in set(live.as_of(tip + pd.Timedelta(hours=2))["nbac_gamebook_player_stats"]["game_id"])


def test_cli_simulates_up_to_today_and_refuses_seasons_not_begun(tmp_path, live, capsys):
    """`nba-assets simulate --seasons 2025-26,2026-27 --today 2026-11-29`: the files are the league cut on that day."""
    from nba_assets.cli import main

    folder = tmp_path / "league"
    assert main(["simulate", "--seasons", "2025-26,2026-27", "--today", str(TODAY), "--out", str(folder)]) == 0
    assert (folder / SIMULATION_MARKER).read_text() == f"seed={DEFAULT_SEED} seasons=2025,2026 today={TODAY}\n"
    expected = _on(live, TODAY)
    for name in RAW_TABLES:
        written = validate_raw_frame(pd.read_parquet(folder / f"{name}.parquet"), RAW_TABLES[name], name)
        pd.testing.assert_frame_equal(written, validate_raw_frame(expected[name], RAW_TABLES[name], name), obj=name)
    assert "NBA_ASSETS_FIRST_DAY: 2025-10-21" in capsys.readouterr().out

    assert main(["simulate", "--seasons", "2026-27,2027-28", "--today", str(TODAY), "--out", str(tmp_path / "no")]) == 2
    assert "season 2027-28 has not begun on 2026-11-29 (the current season is 2026-27" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
    with pytest.raises(ValueError, match="season 2027-28 has not begun on 2026-11-29"):
        simulate_league(tmp_path / "no", [2026, 2027], today=TODAY)
