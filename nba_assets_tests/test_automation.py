"""Daily automation: sensors evaluated with built contexts against a raw source whose data arrives day by day
(including a late correction) and an instance holding what was materialized, the alerts, and the failure alert
that ignores backfills. The week as it runs end to end is nba_assets_tests/replay.py."""

import dagster as dg
import pandas as pd
import pytest

from nba_assets.automation.jobs import CONTEXT_JOB, MODEL_JOB, PREGAME_JOB, RESULTS_JOB
from nba_assets.automation.readiness import MODEL_KEY
from nba_assets.automation.sensors import (
    PREGAME_WINDOWS,
    build_failure_alert,
    build_pregame_sensor,
    build_results_sensor,
    build_slate_alert,
)
from nba_assets.instance.unpublished import part_of_backfill
from nba_assets.predictions.tables import PICK_PUBLICATIONS
from nba_assets.pregame import AS_OF_TAG, LIVE_TAG, TRIGGER_TAG
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.ledger import DuckDBLedger
from nba_assets.storage.warehouse import DuckDBWarehouse
from nba_assets_tests.builders import game, write_raw
from nba_assets_tests.test_phase3_crafted import DAY1, DAY3, G4, league_tables

TODAY = "2022-10-21"
TONIGHT = "0022200010"


def _at(local_time: str):
    """A clock frozen at a US Eastern wall time."""
    moment = pd.Timestamp(local_time, tz="America/New_York").to_pydatetime()
    return lambda: moment


def _evaluate(sensor, raw_dir, cursor=None):
    context = dg.build_sensor_context(cursor=cursor, resources={"raw": RawSourceResource(raw_dir=str(raw_dir))})
    return sensor(context)


def _requests(result):
    if isinstance(result, dg.SkipReason):
        return []
    return list(result.run_requests) if isinstance(result, dg.SensorResult) else [result]


def test_results_sensor_follows_box_scores_as_they_arrive_and_change(tmp_path):
    sensor = build_results_sensor(clock=_at(f"{TODAY} 08:00"))
    raw = write_raw(tmp_path / "raw", league_tables(drop_game=G4))  # DAY3's second game has no box score yet

    first = _evaluate(sensor, raw)
    requests = _requests(first)
    assert [(r.job_name, r.partition_key) for r in requests] == [(RESULTS_JOB, DAY1), (CONTEXT_JOB, None)]
    cascade = requests[1].tags
    assert (cascade["dagster/asset_partition_range_start"], cascade["dagster/asset_partition_range_end"]) == ("2022-10-19", DAY3)
    assert _requests(_evaluate(sensor, raw, first.cursor)) == []  # nothing new: nothing requested

    write_raw(raw, league_tables())  # the missing box score arrives
    arrived = _evaluate(sensor, raw, first.cursor)
    assert [(r.job_name, r.partition_key) for r in _requests(arrived)] == [(RESULTS_JOB, DAY3)]  # yesterday: no cascade

    corrected = league_tables()
    corrected["nbac_gamebook_player_stats"] = [dict(row, assists=(row["assists"] or 0) + 1) if row["game_id"] == "0022200001"
                                               and row["player_status"] == "active" else row
                                               for row in corrected["nbac_gamebook_player_stats"]]
    write_raw(raw, corrected)
    again = _requests(_evaluate(sensor, raw, arrived.cursor))
    assert [(r.job_name, r.partition_key) for r in again] == [(RESULTS_JOB, DAY1), (CONTEXT_JOB, None)]
    assert again[0].run_key != requests[0].run_key  # a new run, not deduplicated against the first one


def _league_with_a_game_tonight(props: bool, report: bool, status: str = "questionable") -> dict:
    tables = league_tables()
    tables["nbac_schedule"].append(game(TONIGHT, TODAY, "BOS", "LAL", status=1, tip_utc=f"{TODAY} 23:30"))
    if props:
        tables["odds_api_player_points_props"].append(
            {"game_date": pd.Timestamp(TODAY).date(), "player_lookup": "jaysontatum", "bookmaker": "draftkings",
             "points_line": 27.5, "over_price": -110, "under_price": -110,
             "snapshot_timestamp": pd.Timestamp(f"{TODAY} 15:00", tz="UTC"), "minutes_before_tipoff": 510.0,
             "game_id": TONIGHT})
    if report:
        tables["nbac_injury_report"] = [{"report_date": pd.Timestamp(TODAY).date(), "report_hour": 13,
                                         "game_date": pd.Timestamp(TODAY).date(), "game_id": TONIGHT, "team": "BOS",
                                         "player_lookup": "jaylenbrown", "injury_status": status, "reason": "knee"}]
    return tables


def _pregame(sensor, raw_dir, instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                      resources={"raw": RawSourceResource(raw_dir=str(raw_dir))})
    return sensor(context)


def _history_in(instance, days=(DAY1, DAY3), model_day="2022-10-01"):
    """Earlier days materialized in the instance, as the results and pre-game runs leave them."""
    for key in PREGAME_WINDOWS:
        for day in days:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=day))
    if model_day:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=MODEL_KEY, partition=model_day))


def test_pregame_sensor_trains_the_month_model_first_then_waits_for_every_earlier_day(tmp_path):
    raw = write_raw(tmp_path / "raw", _league_with_a_game_tonight(props=True, report=True))
    sensor = build_pregame_sensor(clock=_at(f"{TODAY} 13:30"))  # after the 11:00 line and the 13:00 report
    with dg.instance_for_test() as instance:
        model = _requests(_pregame(sensor, raw, instance))
        assert [(r.job_name, r.partition_key) for r in model] == [(MODEL_JOB, "2022-10-01")]  # the month's first day
        _history_in(instance, days=(DAY1,))  # yesterday (DAY3) is not in yet
        waiting = _pregame(sensor, raw, instance)
        assert not waiting.run_requests and "2022-10-20 missing" in waiting.skip_reason.skip_message
        _history_in(instance)
        ready = _requests(_pregame(sensor, raw, instance, waiting.cursor))
        assert [(r.job_name, r.partition_key) for r in ready] == [(PREGAME_JOB, TODAY)]
        tags = ready[0].tags
        assert tags[LIVE_TAG] == "true" and tags[AS_OF_TAG] == "2022-10-21T17:30:00+00:00"
        assert tags[TRIGGER_TAG] == "first run of the day (pre-game lines and injury report are in)"


def test_pregame_sensor_runs_past_its_deadline_with_incomplete_history_and_alerts_once(tmp_path):
    raw = write_raw(tmp_path / "raw", _league_with_a_game_tonight(props=True, report=True))
    notifier = CapturingNotifier()
    with dg.instance_for_test() as instance:
        _history_in(instance, days=(DAY1,))
        before = _pregame(build_pregame_sensor(clock=_at(f"{TODAY} 17:29"), notifier=notifier), raw, instance)
        assert not before.run_requests and "until 17:30" in before.skip_reason.skip_message  # tip-off 19:30 US Eastern − 2 h
        late = build_pregame_sensor(clock=_at(f"{TODAY} 17:30"), notifier=notifier)
        first = _pregame(late, raw, instance)
        assert "incomplete history" in first.run_requests[0].tags[TRIGGER_TAG]
        assert len(notifier.alerts) == 1 and "incomplete history" in notifier.alerts[0][0]
        assert notifier.alerts[0][1]["missing"]["nba_analytics/player_game_summary"] == {DAY3: "missing"}
        write_raw(raw, _league_with_a_game_tonight(props=True, report=True, status="out"))
        assert _requests(_pregame(late, raw, instance, first.cursor))  # rebuilt on the new report ...
        assert len(notifier.alerts) == 1  # ... without a second alert for the same gap


def test_pregame_sensor_refreshes_on_changed_inputs_and_freezes_at_tipoff(tmp_path):
    raw = write_raw(tmp_path / "raw", _league_with_a_game_tonight(props=False, report=False))
    with dg.instance_for_test() as instance:
        _history_in(instance)
        assert "waiting for lines" in _pregame(build_pregame_sensor(clock=_at(f"{TODAY} 11:00")), raw, instance).skip_reason.skip_message
        afternoon = build_pregame_sensor(clock=_at(f"{TODAY} 16:05"))
        first = _pregame(afternoon, raw, instance)
        assert first.run_requests[0].tags[TRIGGER_TAG] == "first run of the day (16:00 US Eastern)"
        assert "nothing changed" in _pregame(afternoon, raw, instance, first.cursor).skip_reason.skip_message
        write_raw(raw, _league_with_a_game_tonight(props=True, report=True))
        second = _pregame(build_pregame_sensor(clock=_at(f"{TODAY} 16:20")), raw, instance, first.cursor)
        assert second.run_requests[0].tags[TRIGGER_TAG] == "lines, injury report changed"
        write_raw(raw, _league_with_a_game_tonight(props=True, report=True, status="out"))
        third = _pregame(build_pregame_sensor(clock=_at(f"{TODAY} 18:35")), raw, instance, second.cursor)
        assert third.run_requests[0].tags[TRIGGER_TAG] == "injury report changed"
        assert third.run_requests[0].run_key != second.run_requests[0].run_key
        instance.report_runless_asset_event(dg.AssetMaterialization(
            asset_key=dg.AssetKey(["nba_analytics", "player_game_summary"]), partition=DAY3))  # a corrected day
        fourth = _pregame(build_pregame_sensor(clock=_at(f"{TODAY} 18:50")), raw, instance, third.cursor)
        assert fourth.run_requests[0].tags[TRIGGER_TAG] == "results changed"
        frozen = _pregame(build_pregame_sensor(clock=_at(f"{TODAY} 19:30")), raw, instance, fourth.cursor)
        assert not frozen.run_requests and "tipped off" in frozen.skip_reason.skip_message


def test_pregame_sensor_skips_days_without_games(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    with dg.instance_for_test() as instance:
        result = _pregame(build_pregame_sensor(clock=_at("2022-10-19 17:00")), raw, instance)
    assert not result.run_requests and "no games" in result.skip_reason.skip_message


def test_slate_alert_when_nothing_is_published_before_the_first_tipoff(tmp_path):
    raw = write_raw(tmp_path / "raw", _league_with_a_game_tonight(props=True, report=True))
    warehouse = tmp_path / "warehouse.duckdb"
    notifier = CapturingNotifier()

    def evaluate(local_time, cursor=None):
        context = dg.build_sensor_context(cursor=cursor, resources={
            "raw": RawSourceResource(raw_dir=str(raw)), "warehouse": DuckDBWarehouse(database=str(warehouse))})
        return build_slate_alert(clock=_at(f"{TODAY} {local_time}"), notifier=notifier)(context)

    assert isinstance(evaluate("18:29"), dg.SkipReason) and not notifier.alerts  # due by 18:30 (tip-off 19:30)
    late = evaluate("18:30")
    assert [title for title, _ in notifier.alerts] == ["nba_assets: no slate published for 2022-10-21 by 18:30 US Eastern"]
    evaluate("18:45", late.cursor)
    assert len(notifier.alerts) == 1  # once a day

    published = pd.DataFrame([{column: None for column in PICK_PUBLICATIONS.column_names}]).assign(
        publication_id="p", published_at=pd.Timestamp(f"{TODAY} 18:00"), information_as_of=pd.Timestamp(f"{TODAY} 18:00"),
        change="NEW", trigger="t", run_id="r", tipoff_utc=pd.Timestamp(f"{TODAY} 23:30"), prediction_id="x",
        game_date=pd.Timestamp(TODAY), system_id="ensemble_v1", player_lookup="jaysontatum", game_id=TONIGHT,
        team_abbr="BOS", opponent_team_abbr="LAL", season_year=2022, recommendation="PASS", has_prop_line=True,
        feature_quality_score=90.0, is_quality_ready=True, feature_version="v", window_complete=True)
    DuckDBLedger(database=str(warehouse)).append(PICK_PUBLICATIONS, published)
    in_time = CapturingNotifier()
    context = dg.build_sensor_context(resources={"raw": RawSourceResource(raw_dir=str(raw)),
                                                 "warehouse": DuckDBWarehouse(database=str(warehouse))})
    assert "in time" in build_slate_alert(clock=_at(f"{TODAY} 18:30"), notifier=in_time)(context).skip_message
    assert not in_time.alerts


class CapturingNotifier:
    def __init__(self):
        self.alerts = []

    def notify(self, title, details):
        self.alerts.append((title, details))


@dg.asset
def always_fails():
    raise RuntimeError("upstream table is corrupt")


@pytest.mark.parametrize("tags,alerted", [({}, True), ({"dagster/backfill": "b1"}, False),
                                          ({"nba_assets/launched_by": "cli-backfill"}, False)])
def test_failure_alert_reports_daily_runs_and_ignores_backfills(tags, alerted):
    notifier = CapturingNotifier()
    sensor = build_failure_alert(notifier)
    with dg.instance_for_test() as instance:
        result = dg.materialize([always_fails], instance=instance, tags=tags, raise_on_error=False)
        run = instance.get_run_by_id(result.run_id)
        failure = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
        context = dg.build_run_status_sensor_context(sensor_name="daily_run_failure_alert", dagster_event=failure,
                                                     dagster_instance=instance, dagster_run=run)
        sensor(context.for_run_failure())
    assert bool(notifier.alerts) == alerted
    if alerted:
        title, details = notifier.alerts[0]
        assert "failed" in title and details["run_id"] == result.run_id
    assert part_of_backfill(tags) == (not alerted)


def _alerts_for_quarantine(tmp_path, tags: dict) -> list:
    """The alerts for the runs a daily results run of DAY3 (tagged `tags`) leaves, with a Final game unscored."""
    from nba_assets.phase3.assets import PHASE3_ASSETS
    from nba_assets.resources import duckdb_resources

    notifier = CapturingNotifier()
    sensor = build_failure_alert(notifier)
    raw = write_raw(tmp_path / "raw", league_tables(drop_game=G4))
    with dg.instance_for_test() as instance:
        result = dg.materialize(PHASE3_ASSETS, instance=instance, partition_key=DAY3, tags=tags,
                                resources=duckdb_resources(str(tmp_path / "w.duckdb"), RawSourceResource(raw_dir=str(raw))))
        assert result.success  # the run itself completes: the day is quarantined, not the run failed
        for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE])):
            failure = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
            context = dg.build_run_status_sensor_context(sensor_name="daily_run_failure_alert", dagster_event=failure,
                                                         dagster_instance=instance, dagster_run=run)
            sensor(context.for_run_failure())
    return notifier.alerts


def test_a_daily_run_that_quarantines_a_day_alerts_with_the_reason(tmp_path):
    alerts = _alerts_for_quarantine(tmp_path, {})
    by_table = {details["table"]: (title, details) for title, details in alerts}
    assert set(by_table) == {"nba_analytics/team_offense_game_summary", "nba_analytics/player_game_summary",
                             "nba_analytics/team_defense_game_summary"}
    title, details = by_table["nba_analytics/team_offense_game_summary"]
    assert title == f"nba_assets: nba_analytics/team_offense_game_summary {DAY3} quarantined, not published"
    assert details["days"] == DAY3 and G4 in details["reason"] and "box_scores_complete" in details["reason"]
    assert G4 in by_table["nba_analytics/team_defense_game_summary"][1]["reason"]  # the root cause, downstream too


def test_a_backfill_that_quarantines_a_day_stays_quiet(tmp_path):
    assert _alerts_for_quarantine(tmp_path, {"dagster/backfill": "b1"}) == []


def test_webhook_notifier_posts_json(tmp_path):
    import http.server
    import json
    import threading

    from nba_assets.automation.notify import WebhookNotifier

    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    WebhookNotifier(f"http://127.0.0.1:{server.server_port}/hook").notify("run failed", {"run_id": "r1"})
    thread.join(timeout=10)
    server.server_close()
    assert received == [{"text": "run failed", "details": {"run_id": "r1"}}]

