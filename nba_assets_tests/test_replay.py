"""Issue 11 end to end: a simulated week run by the sensors with a controlled clock, data arriving as in life
(nba_assets_tests/replay.py): box scores overnight, a late stat correction, morning lines that move, injury reports
an hour before tip-off, a postponed game and a month boundary. One replay serves every test of the module."""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pandas as pd
import pytest

from nba_assets.automation.jobs import CONTEXT_JOB, MODEL_JOB, PREGAME_JOB, RESULTS_JOB
from nba_assets.definitions import GRAPH_JOB_NAME
from nba_assets.partitions import TIMEZONE
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY
from nba_assets.phase4.tables import PLAYER_DAILY_CACHE
from nba_assets.predictions.publications import board, picks_of_record, LIVE
from nba_assets.predictions.tables import (
    PICK_PUBLICATIONS,
    PLAYER_PROP_PREDICTIONS,
    POINTS_MODEL,
    PREDICTION_ACCURACY,
    WITHDRAWN,
)
from nba_assets.pregame import AS_OF_TAG, report_issued_at
from nba_assets.storage.warehouse import DuckDBWarehouse
from nba_assets_tests.replay import (
    CORRECTED_GAME_DAY,
    CORRECTION_KNOWN_AT,
    WEEK,
    CapturingNotifier,
    Replay,
    inject_correction,
    play_league,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # the first test also plays the week (module fixture)
STATED = ["predicted_points", "recommendation", "line_value", "line_bookmaker", "confidence_score", "model_id"]


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replay")
    league = play_league()
    lines = league.as_of(None)["odds_api_player_points_props"]
    scorers = set(lines.loc[lines["game_date"].isin(WEEK[3:]), "player_lookup"])
    league, correction = inject_correction(league, CORRECTED_GAME_DAY, CORRECTION_KNOWN_AT, scorers)
    with dg.instance_for_test(temp_dir=str(tmp_path_factory.mktemp("replay_home"))) as instance:
        run = Replay(folder, league, instance, CapturingNotifier())
        assert run.backfill_history().success
        run.run_week()
        run.correction = correction
        yield run


def _schedule(replay) -> pd.DataFrame:
    """Every game of the week as finally known, with its tip-off (UTC) and whether it was postponed."""
    schedule = replay.league.as_of(None)["nbac_schedule"]
    week = schedule[schedule["game_date"].isin(WEEK)].copy()
    week["tipoff_utc"] = pd.to_datetime(week["game_start_time_utc"], utc=True)
    return week


def _played(replay) -> pd.DataFrame:
    week = _schedule(replay)
    return week[~week["is_postponed"].astype(bool)]


def _ledger(replay) -> pd.DataFrame:
    """The week's publications (the day after the week is published too, at its last tick)."""
    ledger = replay.ledger()
    ledger = ledger[ledger["game_date"].map(pd.Timestamp).isin(map(pd.Timestamp, WEEK))].reset_index(drop=True)
    for column in ("published_at", "information_as_of", "tipoff_utc"):
        ledger[column] = pd.to_datetime(ledger[column]).dt.tz_localize("UTC")
    return ledger


def _runs(replay, job: str):
    return [(n, e) for n, e in enumerate(replay.timeline) if e.job == job]


def test_every_run_succeeds_and_nothing_is_alerted(replay):
    failed = [e.line() for e in replay.timeline if e.job is not None and not e.success]
    assert failed == []
    assert replay.notifier.alerts == []
    assert {e.job for e in replay.timeline if e.job} == {GRAPH_JOB_NAME, RESULTS_JOB, PREGAME_JOB, MODEL_JOB, CONTEXT_JOB}


def test_every_game_is_published_before_its_tipoff_and_nothing_after(replay):
    ledger, played = _ledger(replay), _played(replay)
    assert (ledger["published_at"] < ledger["tipoff_utc"]).all()
    assert set(ledger["game_date"].map(pd.Timestamp)) == set(map(pd.Timestamp, WEEK))
    lined = replay.league.as_of(None)["odds_api_player_points_props"]
    lined = lined[pd.to_datetime(lined["snapshot_timestamp"], utc=True) < lined["game_id"].map(
        played.set_index("game_id")["tipoff_utc"])]
    first = ledger.groupby("game_id")["published_at"].min()
    for game in played.itertuples():
        if game.game_id in set(lined["game_id"]):
            assert first[game.game_id] < game.tipoff_utc, game.game_id
    for day, games in played.groupby("game_date"):
        published = ledger.loc[ledger["game_date"].map(pd.Timestamp) == pd.Timestamp(day), "published_at"]
        assert published.min() < games["tipoff_utc"].min(), day


def test_the_postponed_game_is_never_published(replay):
    week = _schedule(replay)
    postponed = set(week.loc[week["is_postponed"].astype(bool), "game_id"])
    assert len(postponed) == 1
    assert not set(_ledger(replay)["game_id"]) & postponed


def test_picks_are_republished_after_the_injury_report_an_hour_before_tipoff(replay):
    ledger, played = _ledger(replay), _played(replay)
    reports = replay.league.as_of(None)["nbac_injury_report"]
    reports = reports.assign(issued_at=report_issued_at(reports).to_numpy())
    tipoffs = played.set_index("game_id")["tipoff_utc"]
    late = reports[reports["game_id"].isin(tipoffs.index)]
    late = late[(late["issued_at"] < late["game_id"].map(tipoffs))
                & (late["issued_at"] >= late["game_id"].map(tipoffs) - pd.Timedelta(hours=2))]
    republished = 0
    for (game_id, issued), rows in late.groupby(["game_id", "issued_at"]):
        after = ledger[(ledger["game_id"] == game_id) & (ledger["published_at"] > issued)
                       & ledger["trigger"].str.contains("injury report")]
        players = set(rows["player_lookup"])
        touched = after[after["player_lookup"].isin(players)]
        republished += int(not touched.empty)
    assert republished > 0
    withdrawn = ledger[ledger["change"] == WITHDRAWN]
    assert not withdrawn.empty and withdrawn["trigger"].str.contains("injury report").any()


def test_no_day_is_published_from_windows_missing_yesterday(replay):
    ledger = _ledger(replay)
    assert ledger["window_complete"].all()
    results = {}
    for n, event in _runs(replay, RESULTS_JOB):
        results.setdefault(event.partition, n)  # a day's first results run (a correction reruns it later)
    played_days = sorted(_played(replay)["game_date"].map(pd.Timestamp).unique())
    for n, event in _runs(replay, PREGAME_JOB):
        day = pd.Timestamp(event.partition)
        yesterday = max(d for d in [pd.Timestamp(WEEK[0]) - pd.Timedelta(days=1), *played_days] if d < day)
        if yesterday >= pd.Timestamp(WEEK[0]):
            assert results[f"{yesterday:%Y-%m-%d}"] < n, (event.line(), yesterday)


def test_the_month_model_is_trained_before_the_months_first_game(replay):
    models = _runs(replay, MODEL_JOB)
    assert [e.partition for _, e in models] == ["2026-01-01"]
    first_january = min(n for n, e in _runs(replay, PREGAME_JOB) if e.partition >= "2026-01-01")
    assert models[0][0] < first_january
    model = replay.resources()["warehouse"].read_table(POINTS_MODEL, dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    assert pd.Timestamp(model["training_end"].iloc[0]) < pd.Timestamp("2026-01-01")
    january = _ledger(replay)
    january = january[january["game_date"].map(pd.Timestamp) >= pd.Timestamp("2026-01-01")]
    assert set(january["model_id"].dropna()) == set(model["model_id"])


def test_the_correction_reaches_the_days_after_it(replay):
    fix = replay.correction
    warehouse = replay.resources()["warehouse"]
    corrected_box = replay.league.as_of(None)["nbac_gamebook_player_stats"]
    corrected_box = corrected_box[corrected_box["game_id"] == fix.game_id].set_index("player_lookup")["points"]
    summary = warehouse.read_table(PLAYER_GAME_SUMMARY, WEEK[0] - dt.timedelta(days=40), WEEK[-1] + dt.timedelta(days=1))
    on_the_day = summary[summary["game_id"] == fix.game_id].set_index("player_lookup")["points"]
    assert on_the_day[fix.scorer] == corrected_box[fix.scorer] and on_the_day[fix.credited] == corrected_box[fix.credited]
    reruns = [e for _, e in _runs(replay, RESULTS_JOB) if e.partition == f"{fix.game_date}"]
    assert len(reruns) == 2 and reruns[1].moment > fix.known_at
    assert any(e.job == CONTEXT_JOB and e.moment > fix.known_at for e in replay.timeline)

    cache = warehouse.read_table(PLAYER_DAILY_CACHE, fix.game_date + dt.timedelta(days=1), WEEK[-1] + dt.timedelta(days=1))
    checked = []
    for player in (fix.credited, fix.scorer):
        games = summary[(summary["player_lookup"] == player) & summary["is_active"].astype(bool)]
        for row in cache[cache["player_lookup"] == player].itertuples():
            before = games[games["game_date"].map(pd.Timestamp) < pd.Timestamp(row.cache_date)].sort_values("game_date")
            assert row.points_avg_last_3 == pytest.approx(before["points"].tail(3).mean()), (player, row.cache_date)
            checked.append(pd.Timestamp(row.cache_date))
    assert checked and min(checked) <= pd.Timestamp(fix.known_at.tz_convert(TIMEZONE).date())


def test_the_graded_picks_are_the_last_publications_before_tipoff(replay):
    ledger = _ledger(replay)
    warehouse = replay.resources()["warehouse"]
    start, end = WEEK[0], WEEK[-1] + dt.timedelta(days=1)
    graded = warehouse.read_table(PREDICTION_ACCURACY, start, end)
    graded = graded[graded["game_id"].isin(_played(replay)["game_id"])]
    last = board(ledger[ledger["published_at"] < ledger["tipoff_utc"]])
    last = last[last["change"] != WITHDRAWN].set_index("prediction_id")
    assert set(graded["prediction_id"]) == set(last.index)
    graded = graded.set_index("prediction_id").loc[last.index]
    for column in ("predicted_points", "recommendation", "line_value", "confidence_score"):
        pd.testing.assert_series_equal(graded[column], last[column], check_names=False, check_dtype=False)
    assert (pd.to_datetime(graded["published_at"]).dt.tz_localize("UTC") == last["published_at"]).all()
    assert graded["actual_points"].notna().any() and graded["result"].isin(["correct", "incorrect"]).any()
    predictions = warehouse.read_table(PLAYER_PROP_PREDICTIONS, start, end)
    of_record = picks_of_record(ledger, predictions)
    assert set(of_record.loc[of_record["game_id"].isin(last["game_id"]), "pick_source"]) == {LIVE}


def test_the_as_of_reconstruction_reproduces_the_live_publications(replay, tmp_path):
    """Each day's last publication before its first tip-off, rebuilt after the week (complete raw data, another
    warehouse) by an ordinary run as of that publication's information moment."""
    ledger = _ledger(replay)
    shutil.copyfile(replay.warehouse, tmp_path / "warehouse.duckdb")
    copy = DuckDBWarehouse(database=str(tmp_path / "warehouse.duckdb"))
    played = _played(replay)
    compared = 0
    for day, games in played.groupby("game_date"):
        rows = ledger[ledger["game_date"].map(pd.Timestamp) == pd.Timestamp(day)]
        publication = rows[rows["published_at"] < games["tipoff_utc"].min()]["published_at"].max()
        as_of = rows.loc[rows["published_at"] == publication, "information_as_of"].max()
        expected = board(rows[rows["published_at"] <= publication])
        expected = expected[(expected["change"] != WITHDRAWN) & (expected["tipoff_utc"] > publication)]
        if fix_touches(replay, as_of):
            expected = expected[~expected["player_lookup"].isin([replay.correction.credited, replay.correction.scorer])]
        result = replay.execute(CONTEXT_JOB, f"{pd.Timestamp(day):%Y-%m-%d}", {AS_OF_TAG: as_of.isoformat()},
                                warehouse=tmp_path / "warehouse.duckdb")
        assert result.success
        rebuilt = copy.read_table(PLAYER_PROP_PREDICTIONS, pd.Timestamp(day).date(), pd.Timestamp(day).date() + dt.timedelta(days=1))
        rebuilt = rebuilt.set_index("prediction_id").loc[expected["prediction_id"]]
        expected = expected.set_index("prediction_id")
        for column in STATED:
            pd.testing.assert_series_equal(rebuilt[column], expected[column], check_names=False, check_dtype=False,
                                           obj=f"{day} {column}")
        compared += len(expected)
    assert compared > 100


def fix_touches(replay, as_of: pd.Timestamp) -> bool:
    """The publication read the box score the correction changed later."""
    return as_of < replay.correction.known_at and as_of.date() > replay.correction.game_date
