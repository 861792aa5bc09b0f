"""The pipeline runs itself each day: three sensors and an alert.

- results: when every Final game of a recent day has its box scores in the raw source (or they change
  later), materialize that day's box-score tables and grading, and rebuild the pre-game rows of the days
  after it whose windows include it;
- pregame: once today's lines and injury report are in (or from a configured hour), build today's
  contexts, Phase 4, features, model and predictions;
- failure alert: a failed run that is not part of a backfill is reported through the notifier.

Default status: STOPPED, so a development instance does nothing on its own; NBA_ASSETS_AUTOMATION=running
starts them (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from nba_assets.automation.jobs import CONTEXT_JOB, PREGAME_JOB, RESULTS_JOB, context_job, pregame_job, results_job
from nba_assets.automation.notify import Notifier, notifier_from_environment
from nba_assets.calendar import final_games, scheduled_games
from nba_assets.instance.cli_runs import CLI_LAUNCHER, LAUNCHED_BY_TAG
from nba_assets.lines import pregame_snapshots
from nba_assets.partitions import TIMEZONE
from nba_assets.raw.resource import RawSourceResource

RECENT_DAYS = 7
DEFAULT_PREGAME_HOUR = 16
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
GAMEBOOK = "nbac_gamebook_player_stats"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def default_status() -> dg.DefaultSensorStatus:
    running = os.environ.get("NBA_ASSETS_AUTOMATION", "").lower() == "running"
    return dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED


def results_fingerprints(raw: RawSourceResource, days: list[dt.date]) -> dict[str, str]:
    """For each day whose Final competitive games all have box scores for both teams: a hash of those rows.
    Days without games or with a game still missing its box scores are absent (not ready)."""
    schedule = raw.read("nbac_schedule", days[0], days[-1] + dt.timedelta(days=1))
    gamebook = raw.read(GAMEBOOK, days[0], days[-1] + dt.timedelta(days=1))
    games = final_games(schedule)
    ready = {}
    for day, day_games in games.groupby("game_date"):
        rows = gamebook[gamebook["game_id"].isin(day_games["game_id"])]
        teams = rows[rows["player_status"] == "active"].groupby("game_id")["team_abbr"].nunique()
        if len(teams) < len(day_games) or (teams < 2).any():
            continue
        canonical = rows.sort_values(["game_id", "player_lookup"]).astype(str).to_csv(index=False)
        ready[pd.Timestamp(day).strftime("%Y-%m-%d")] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return ready


def plan_results_runs(ready: dict[str, str], cursor: dict[str, str], today: dt.date) -> tuple[list[dg.RunRequest], dict]:
    """A results run for each day that became ready or whose box scores changed, plus a rebuild of the
    pre-game rows of the following days up to yesterday (their windows read the corrected day)."""
    requests, seen = [], dict(cursor)
    yesterday = today - dt.timedelta(days=1)
    for day, fingerprint in sorted(ready.items()):
        if cursor.get(day) == fingerprint:
            continue
        requests.append(dg.RunRequest(job_name=RESULTS_JOB, partition_key=day, run_key=f"results-{day}-{fingerprint}"))
        first_dependent = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        if first_dependent <= yesterday:
            requests.append(dg.RunRequest(
                job_name=CONTEXT_JOB, run_key=f"context-after-{day}-{fingerprint}",
                tags={RANGE_START: first_dependent.isoformat(), RANGE_END: yesterday.isoformat()}))
        seen[day] = fingerprint
    oldest = (today - dt.timedelta(days=RECENT_DAYS)).isoformat()
    return requests, {day: fp for day, fp in seen.items() if day >= oldest}


def build_results_sensor(clock: Callable[[], dt.datetime] = utc_now) -> dg.SensorDefinition:
    @dg.sensor(name="results_arrived", jobs=[results_job, context_job], minimum_interval_seconds=900, default_status=default_status(),
               description="Box scores complete (or corrected) for a recent day: its results, grading and the "
                           "pre-game rows of the days after it.")
    def results_arrived(context: dg.SensorEvaluationContext, raw: RawSourceResource):
        today = clock().astimezone(ZoneInfo(TIMEZONE)).date()
        days = [today - dt.timedelta(days=n) for n in range(RECENT_DAYS, 0, -1)]
        cursor = json.loads(context.cursor) if context.cursor else {}
        requests, cursor = plan_results_runs(results_fingerprints(raw, days), cursor, today)
        if not requests:
            return dg.SkipReason(f"no new or corrected box scores for {days[0]} .. {days[-1]}")
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))

    return results_arrived


def pregame_ready(raw: RawSourceResource, now: dt.datetime, pregame_hour: int) -> tuple[bool, str]:
    """Ready when today has competitive games and either its pre-game prop lines and injury report are in,
    or the configured hour (US Eastern) has come."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    today = local.date()
    tomorrow = today + dt.timedelta(days=1)
    games = scheduled_games(raw.read("nbac_schedule", today, tomorrow))
    if games.empty:
        return False, f"no games on {today}"
    lines = pregame_snapshots(raw.read("odds_api_player_points_props", today, tomorrow), games[["game_id", "tipoff_utc"]])
    report = raw.read("nbac_injury_report", today, tomorrow)
    if len(lines) and len(report):
        return True, "pre-game lines and injury report are in"
    if local.hour >= pregame_hour:
        return True, f"{pregame_hour}:00 US Eastern"
    return False, f"waiting for lines and injury report (or {pregame_hour}:00) for {today}"


def build_pregame_sensor(clock: Callable[[], dt.datetime] = utc_now) -> dg.SensorDefinition:
    @dg.sensor(name="pregame_ready", jobs=[pregame_job], minimum_interval_seconds=900, default_status=default_status(),
               description="Today's contexts, features, model and predictions, once the pre-game information is in.")
    def pregame_sensor(context: dg.SensorEvaluationContext, raw: RawSourceResource):
        now = clock()
        hour = int(os.environ.get("NBA_ASSETS_PREGAME_HOUR", DEFAULT_PREGAME_HOUR))
        ready, reason = pregame_ready(raw, now, hour)
        if not ready:
            return dg.SkipReason(reason)
        today = now.astimezone(ZoneInfo(TIMEZONE)).date()
        yesterday = today - dt.timedelta(days=1)
        history = results_fingerprints(raw, [yesterday]).get(yesterday.isoformat(), "none")
        # the run key changes when yesterday's results change, so late results rebuild today's predictions
        return dg.RunRequest(job_name=PREGAME_JOB, partition_key=today.isoformat(),
                             run_key=f"pregame-{today}-{history}", tags={"nba_assets/trigger": reason})

    return pregame_sensor


def is_backfill_run(tags: dict) -> bool:
    return "dagster/backfill" in tags or tags.get(LAUNCHED_BY_TAG) == CLI_LAUNCHER


def build_failure_alert(notifier: Notifier | None = None) -> dg.SensorDefinition:
    @dg.run_failure_sensor(name="daily_run_failure_alert", default_status=default_status(),
                           description="Reports failed daily runs through the notifier; backfill runs stay quiet.")
    def failure_alert(context: dg.RunFailureSensorContext):
        run = context.dagster_run
        if is_backfill_run(run.tags):
            return dg.SkipReason(f"run {run.run_id} belongs to a backfill")
        (notifier or notifier_from_environment()).notify(
            f"nba_assets: run {run.job_name} failed",
            {"run_id": run.run_id, "job": run.job_name, "partition": run.tags.get("dagster/partition"),
             "error": context.failure_event.message})
        return None

    return failure_alert


results_sensor = build_results_sensor()
pregame_sensor = build_pregame_sensor()
failure_alert_sensor = build_failure_alert()
SENSORS = [results_sensor, pregame_sensor, failure_alert_sensor]
