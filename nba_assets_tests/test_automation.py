"""Daily automation: sensors evaluated with built contexts against a raw source whose data arrives day by day
(including a late correction), and the failure alert that ignores backfills."""

import dagster as dg
import pandas as pd
import pytest

from nba_assets.automation.jobs import CONTEXT_JOB, PREGAME_JOB, RESULTS_JOB
from nba_assets.automation.sensors import build_failure_alert, build_pregame_sensor, build_results_sensor, is_backfill_run
from nba_assets.raw.resource import RawSourceResource
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


def _league_with_a_game_tonight(props: bool, report: bool) -> dict:
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
                                         "player_lookup": "jaylenbrown", "injury_status": "questionable", "reason": "knee"}]
    return tables


def test_pregame_sensor_waits_for_lines_and_report_or_the_hour(tmp_path):
    raw = write_raw(tmp_path / "raw", _league_with_a_game_tonight(props=False, report=False))
    morning = build_pregame_sensor(clock=_at(f"{TODAY} 11:00"))
    assert isinstance(_evaluate(morning, raw), dg.SkipReason)

    afternoon = _requests(_evaluate(build_pregame_sensor(clock=_at(f"{TODAY} 16:05")), raw))
    assert [(r.job_name, r.partition_key) for r in afternoon] == [(PREGAME_JOB, TODAY)]

    write_raw(raw, _league_with_a_game_tonight(props=True, report=True))
    ready_early = _requests(_evaluate(morning, raw))
    assert [(r.job_name, r.partition_key) for r in ready_early] == [(PREGAME_JOB, TODAY)]
    assert ready_early[0].tags["nba_assets/trigger"] == "pre-game lines and injury report are in"


def test_pregame_sensor_skips_days_without_games(tmp_path):
    raw = write_raw(tmp_path / "raw", league_tables())
    result = _evaluate(build_pregame_sensor(clock=_at("2022-10-19 17:00")), raw)
    assert isinstance(result, dg.SkipReason) and "no games" in result.skip_message


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
    assert is_backfill_run(tags) == (not alerted)


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

