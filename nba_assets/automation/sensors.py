"""The pipeline runs itself each day: two sensors that start runs and two that alert (docs/operations.md).

- results: when every Final game of a recent day has its box scores in the raw source (or they change
  later), materialize that day's box-score tables, grading and slate, and rebuild the pre-game rows of the days
  after it whose windows include it;
- pregame: today's contexts, Phase 4, features and predictions as known at the tick, and the publication of the
  picks that changed, once every earlier day they read is in (automation/readiness.py) and the month's model
  exists (trained first when missing); again whenever an input of a game not yet started changes; never for a
  game that has tipped off;
- slate alert: no live publication a configured number of minutes before the day's first tip-off;
- failure alert: a failed run that is not part of a backfill is reported through the notifier, and so is a day
  a daily run quarantined (its `quarantined_days` run fails with the reason, instance/unpublished.py).

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

from nba_assets.automation.jobs import (
    CONTEXT_JOB,
    MODEL_JOB,
    PREGAME_ASSETS,
    PREGAME_JOB,
    RESULTS_JOB,
    context_job,
    model_job,
    pregame_job,
    results_job,
)
from nba_assets.automation.notify import Notifier, notifier_from_environment
from nba_assets.automation.readiness import (
    MODEL_KEY,
    PregameInputs,
    day_schedule,
    describe_gaps,
    history_gaps,
    latest_storage_id,
    lookbacks,
    month_model_day,
    pregame_inputs,
    unready_days,
)
from nba_assets.calendar import final_games
from nba_assets.instance.unpublished import DAYS_TAG, QUARANTINE_OF_RUN_TAG, REASON_TAG, TABLE_TAG, part_of_backfill
from nba_assets.partitions import TIMEZONE
from nba_assets.predictions.assets import points_model
from nba_assets.predictions.tables import PICK_PUBLICATIONS
from nba_assets.pregame import AS_OF_TAG, LIVE_TAG, TRIGGER_TAG
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.warehouse import Warehouse

RECENT_DAYS = 7
DEFAULT_PREGAME_HOUR = 16
DEFAULT_DEADLINE_MINUTES = 120  # before the first open tip-off: run with incomplete history, flagged and alerted
DEFAULT_LATE_MINUTES = 60  # before the day's first tip-off: no live publication yet is alerted
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


def pregame_ready(inputs: PregameInputs, local: dt.datetime, pregame_hour: int) -> tuple[bool, str]:
    """Publishing starts once the open games' prop lines and an injury report are in, or from the configured hour
    (US Eastern) without them."""
    if inputs.lined_players and inputs.reported_games:
        return True, "pre-game lines and injury report are in"
    if local.hour >= pregame_hour:
        return True, f"{pregame_hour}:00 US Eastern"
    return False, f"waiting for lines and an injury report (or {pregame_hour}:00) for {local.date()}"


def _minutes(variable: str, default: int) -> pd.Timedelta:
    return pd.Timedelta(minutes=int(os.environ.get(variable) or default))


PREGAME_WINDOWS = lookbacks(PREGAME_ASSETS)
MODEL_WINDOWS = lookbacks([points_model])
# a late result or a correction re-materializes these: today's picks are rebuilt from them
RESULTS_KEYS = sorted(set(PREGAME_WINDOWS) - {key for asset in PREGAME_ASSETS for key in asset.keys},
                      key=lambda key: key.to_user_string())


def build_pregame_sensor(clock: Callable[[], dt.datetime] = utc_now, notifier: Notifier | None = None) -> dg.SensorDefinition:
    @dg.sensor(name="pregame_ready", jobs=[pregame_job, model_job], minimum_interval_seconds=300, default_status=default_status(),
               description="Today's picks as known now, published until each game's tip-off: once every earlier day "
                           "they read is materialized and not failed (or past the deadline, flagged and alerted), and "
                           "again whenever lines, the injury report, rosters, the schedule or earlier results change. "
                           "Trains the month's model first when it is missing.")
    def pregame_sensor(context: dg.SensorEvaluationContext, raw: RawSourceResource):
        now = pd.Timestamp(clock()).tz_convert("UTC")
        local = now.tz_convert(TIMEZONE)
        day = local.date()
        state = json.loads(context.cursor) if context.cursor else {}
        if state.get("day") != day.isoformat():
            state = {"day": day.isoformat()}

        def skip(reason: str) -> dg.SensorResult:
            return dg.SensorResult(skip_reason=reason, cursor=json.dumps(state, sort_keys=True))

        today = day_schedule(raw.read("nbac_schedule", day, day + dt.timedelta(days=1)), now)
        if today.games.empty:
            return skip(f"no games on {day}")
        if today.open_games.empty:
            return skip(f"every game of {day} has tipped off: its picks are frozen")
        instance = context.instance
        model_day = month_model_day(day)
        model_status = unready_days(instance, MODEL_KEY, [model_day]) if model_day else {}
        if model_status.get(model_day.isoformat() if model_day else "") == "missing":
            model_gaps = history_gaps(instance, raw.read("nbac_schedule", model_day - dt.timedelta(days=max(MODEL_WINDOWS.values())),
                                                         model_day), model_day, MODEL_WINDOWS)
            if not model_gaps:
                return dg.SensorResult(run_requests=[dg.RunRequest(
                    job_name=MODEL_JOB, partition_key=model_day.isoformat(), run_key=f"model-{model_day}",
                    tags={TRIGGER_TAG: f"the model in force on {day} (month of {model_day:%B %Y}) is missing"})],
                    cursor=json.dumps(state, sort_keys=True))
        gaps = history_gaps(instance, raw.read("nbac_schedule", day - dt.timedelta(days=max(PREGAME_WINDOWS.values())), day),
                            day, PREGAME_WINDOWS)
        if model_status:
            gaps[MODEL_KEY.to_user_string()] = model_status
        deadline = today.first_tipoff - _minutes("NBA_ASSETS_PREGAME_DEADLINE_MINUTES", DEFAULT_DEADLINE_MINUTES)
        if gaps and now < deadline:
            return skip(f"waiting for earlier days (until {deadline.tz_convert(TIMEZONE):%H:%M} US Eastern): "
                        f"{describe_gaps(gaps)}")
        inputs = pregame_inputs(raw, day, today, now)
        ready, why = pregame_ready(inputs, local, int(os.environ.get("NBA_ASSETS_PREGAME_HOUR", DEFAULT_PREGAME_HOUR)))
        if not ready:
            return skip(why)
        digests = dict(inputs.digests)
        digests["results"] = ",".join(str(latest_storage_id(instance, key)) for key in RESULTS_KEYS)
        if model_day:
            digests["model"] = str(latest_storage_id(instance, MODEL_KEY, model_day.isoformat()))
        fingerprint = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:16]
        if fingerprint == state.get("fingerprint"):
            return skip(f"nothing changed since the run of {state['as_of']}")
        previous = state.get("inputs")
        trigger = (f"first run of the day ({why})" if previous is None else
                   ", ".join(name for name, digest in digests.items() if previous.get(name) != digest) + " changed")
        if gaps:
            trigger += f"; past the deadline with incomplete history: {describe_gaps(gaps)}"
            described = describe_gaps(gaps)
            if state.get("alerted") != described:
                (notifier or notifier_from_environment()).notify(
                    f"nba_assets: picks for {day} built from incomplete history",
                    {"day": day.isoformat(), "deadline": deadline.isoformat(), "missing": gaps,
                     "flagged": "window_complete = FALSE on the affected rows; rerun once the days are in"})
                state["alerted"] = described
        state.update(fingerprint=fingerprint, inputs=digests, as_of=f"{local:%H:%M} US Eastern")
        request = dg.RunRequest(job_name=PREGAME_JOB, partition_key=day.isoformat(), run_key=f"pregame-{day}-{fingerprint}",
                                tags={LIVE_TAG: "true", AS_OF_TAG: now.isoformat(), TRIGGER_TAG: trigger})
        return dg.SensorResult(run_requests=[request], cursor=json.dumps(state, sort_keys=True))

    return pregame_sensor


def build_slate_alert(clock: Callable[[], dt.datetime] = utc_now, notifier: Notifier | None = None) -> dg.SensorDefinition:
    @dg.sensor(name="slate_published_in_time", minimum_interval_seconds=300, default_status=default_status(),
               description="Alerts through the notifier when a game day has no live publication a configured number of "
                           "minutes (NBA_ASSETS_SLATE_LATE_MINUTES) before its first tip-off.")
    def slate_alert(context: dg.SensorEvaluationContext, raw: RawSourceResource, warehouse: Warehouse):
        now = pd.Timestamp(clock()).tz_convert("UTC")
        day = now.tz_convert(TIMEZONE).date()
        alerted = json.loads(context.cursor) if context.cursor else {}
        today = day_schedule(raw.read("nbac_schedule", day, day + dt.timedelta(days=1)), now)
        if today.games.empty:
            return dg.SkipReason(f"no games on {day}")
        late_at = today.games["tipoff_utc"].min() - _minutes("NBA_ASSETS_SLATE_LATE_MINUTES", DEFAULT_LATE_MINUTES)
        if now < late_at or alerted.get("day") == day.isoformat():
            return dg.SkipReason(f"the slate of {day} is due by {late_at.tz_convert(TIMEZONE):%H:%M} US Eastern")
        published = warehouse.read_table(PICK_PUBLICATIONS, day, day + dt.timedelta(days=1), columns=["published_at"])
        if (pd.to_datetime(published["published_at"]).dt.tz_localize("UTC") < late_at).any():
            return dg.SkipReason(f"the slate of {day} was published in time")
        (notifier or notifier_from_environment()).notify(
            f"nba_assets: no slate published for {day} by {late_at.tz_convert(TIMEZONE):%H:%M} US Eastern",
            {"day": day.isoformat(), "first_tipoff": today.games["tipoff_utc"].min().isoformat(),
             "publications": int(len(published)), "see": "the pregame_ready sensor's skip reasons"})
        return dg.SensorResult(skip_reason=f"alerted: no slate for {day}", cursor=json.dumps({"day": day.isoformat()}))

    return slate_alert


def alert_for(run: dg.DagsterRun, failure_message: str) -> tuple[str, dict]:
    """The notifier's title and details for a failed run: a quarantined day names the table, day and reason."""
    if QUARANTINE_OF_RUN_TAG in run.tags:
        return (f"nba_assets: {run.tags[TABLE_TAG]} {run.tags[DAYS_TAG]} quarantined, not published",
                {"table": run.tags[TABLE_TAG], "days": run.tags[DAYS_TAG], "reason": run.tags[REASON_TAG],
                 "run_id": run.tags[QUARANTINE_OF_RUN_TAG],
                 "ledger": "nba_quality.quarantine", "heal": "fix the raw data, then rebuild the days"})
    return (f"nba_assets: run {run.job_name} failed",
            {"run_id": run.run_id, "job": run.job_name, "partition": run.tags.get("dagster/partition"),
             "error": failure_message})


def build_failure_alert(notifier: Notifier | None = None) -> dg.SensorDefinition:
    @dg.run_failure_sensor(name="daily_run_failure_alert", default_status=default_status(),
                           description="Reports failed daily runs and days a daily run quarantined through the notifier; "
                                       "backfills stay quiet.")
    def failure_alert(context: dg.RunFailureSensorContext):
        run = context.dagster_run
        if part_of_backfill(run.tags):
            return dg.SkipReason(f"run {run.run_id} belongs to a backfill")
        (notifier or notifier_from_environment()).notify(*alert_for(run, context.failure_event.message))
        return None

    return failure_alert


results_sensor = build_results_sensor()
pregame_sensor = build_pregame_sensor()
slate_alert_sensor = build_slate_alert()
failure_alert_sensor = build_failure_alert()
SENSORS = [results_sensor, pregame_sensor, slate_alert_sensor, failure_alert_sensor]
