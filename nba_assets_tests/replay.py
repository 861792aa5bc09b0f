"""A simulated week run by the daily automation as in life: a controlled clock ticks, the raw source holds what the
simulated league had published before each tick, the sensors are evaluated with the instance and the runs they
request are executed in-process (each run key once, as the daemon does), against a throwaway warehouse and instance.

The history before the week is a range backfill of the whole graph (as `nba-assets backfill` runs it). One late stat
correction is injected into the league's timeline: a made two-point field goal of a game credited to the wrong
player, moved to the right teammate days later (box score and play-by-play; team totals and the final score do not
change), as NBA stat corrections are.

Used by test_replay.py; `python -m nba_assets_tests.replay` runs the same week and prints its timeline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

import dagster as dg
import pandas as pd

from nba_assets.automation.notify import Notifier
from nba_assets.automation.sensors import build_pregame_sensor, build_results_sensor, build_slate_alert
from nba_assets.clock import Clock
from nba_assets.definitions import GRAPH_JOB_NAME, defs
from nba_assets.instance.cli_runs import cli_run_tags
from nba_assets.partitions import TIMEZONE
from nba_assets.pregame import AS_OF_TAG, TRIGGER_TAG
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import duckdb_resources
from simulated_league import KNOWN_AT, SUPERSEDED_AT, SimulatedLeague

SEASON = 2025
OPENING_NIGHT = dt.date(2025, 10, 21)
WEEK = [dt.date(2025, 12, 27) + dt.timedelta(days=n) for n in range(7)]  # Saturday to Friday: a postponed game, a new month
# the clock's ticks each day, US Eastern: overnight results and the first publication from the opening lines, the
# lines moved by midday, the injury report an hour before the 19:00-19:59 tip-offs (issued at 18:00). Three ticks a
# day keep the replay to a few minutes; the sensors' own cadence (5 and 15 minutes) only adds runs between them.
TICKS = ("01:30", "12:15", "18:40")
HISTORY_KNOWN_AT = "01:15"  # the backfill of the days before the week, once the last box scores of the eve are in
CORRECTED_GAME_DAY = dt.date(2025, 12, 28)
CORRECTION_KNOWN_AT = pd.Timestamp("2025-12-30 14:00", tz=TIMEZONE).tz_convert("UTC")


def eastern(day: dt.date, clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {clock}", tz=TIMEZONE).tz_convert("UTC")


@dataclasses.dataclass(frozen=True)
class Correction:
    game_id: str
    game_date: dt.date
    team: str
    credited: str  # the player the basket was wrongly credited to
    scorer: str  # the teammate who scored it
    known_at: pd.Timestamp


def inject_correction(league: SimulatedLeague, game_date: dt.date, known_at: pd.Timestamp,
                      scorers: set[str]) -> tuple[SimulatedLeague, Correction]:
    """The league with one made two-pointer of a game on `game_date` moved between teammates from `known_at` on.
    The wrongly credited player and the scorer are chosen among `scorers` (players with lines later in the week)."""
    timeline = dict(league.timeline)
    box = timeline["nbac_gamebook_player_stats"]
    day = box[(box["game_date"] == game_date) & (box["player_status"] == "active")]
    twos = day[(day["field_goals_made"] - day["three_pointers_made"] >= 1) & day["player_lookup"].isin(scorers)]
    credited = twos.sort_values(["game_id", "player_lookup"]).iloc[0]
    mates = day[(day["game_id"] == credited["game_id"]) & (day["team_abbr"] == credited["team_abbr"])
                & (day["player_lookup"] != credited["player_lookup"]) & day["player_lookup"].isin(scorers)]
    scorer = mates.sort_values("player_lookup").iloc[0]
    correction = Correction(credited["game_id"], game_date, credited["team_abbr"], credited["player_lookup"],
                            scorer["player_lookup"], known_at)

    def player_row(frame: pd.DataFrame, lookup: str) -> pd.Series:
        return (frame["game_id"] == correction.game_id) & (frame["player_lookup"] == lookup)

    corrected = box[player_row(box, correction.credited) | player_row(box, correction.scorer)].copy()
    sign = pd.Series(-1, index=corrected.index).where(corrected["player_lookup"] == correction.credited, 1)
    for column, change in (("field_goals_made", 1), ("field_goals_attempted", 1), ("points", 2)):
        corrected[column] = corrected[column] + sign * change
    corrected[KNOWN_AT] = known_at
    timeline["nbac_gamebook_player_stats"] = _versioned(box, player_row(box, correction.credited) | player_row(
        box, correction.scorer), corrected, known_at, "game_date")

    shots = timeline["nbac_play_by_play"]
    made_two = shots[player_row(shots, correction.credited) & shots["shot_made"] & (shots["shot_type"] == "2PT")].index[:1]
    moved = shots.loc[made_two].assign(player_lookup=correction.scorer, **{KNOWN_AT: known_at})
    timeline["nbac_play_by_play"] = _versioned(shots, shots.index.isin(made_two), moved, known_at, "game_date")
    return SimulatedLeague(league.seasons, league.seed, timeline), correction


def _versioned(frame: pd.DataFrame, replaced: pd.Series, new_rows: pd.DataFrame, at: pd.Timestamp, date_column: str):
    """Rows `replaced` are superseded at `at` by `new_rows` (SimulatedLeague.as_of honours SUPERSEDED_AT)."""
    out = frame.assign(**{SUPERSEDED_AT: pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")})
    out.loc[replaced, SUPERSEDED_AT] = at
    added = new_rows.assign(**{SUPERSEDED_AT: pd.Series(pd.NaT, index=new_rows.index, dtype="datetime64[ns, UTC]")})
    return pd.concat([out, added], ignore_index=True).sort_values(date_column, kind="stable").reset_index(drop=True)


class CapturingNotifier:
    def __init__(self):
        self.alerts: list[tuple[str, dict]] = []

    def notify(self, title: str, details: dict) -> None:
        self.alerts.append((title, details))


@dataclasses.dataclass
class Event:
    """One line of the replay's timeline: a sensor's decision at a tick, or a run it started."""

    moment: pd.Timestamp
    sensor: str
    job: str | None = None
    partition: str | None = None
    run_id: str | None = None
    success: bool | None = None
    detail: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        local = self.moment.tz_convert(TIMEZONE).strftime("%a %m-%d %H:%M")
        if self.job is None:
            return f"{local}  {self.sensor:<24} {self.detail}"
        status = "ok" if self.success else "FAILED"
        return (f"{local}  {self.sensor:<24} {self.job} {self.partition or ''} {status} ({self.seconds:.0f} s)"
                f"{': ' + self.detail if self.detail else ''}")


class Replay:
    """The warehouse, instance, raw folder and sensors of one replay, and its timeline."""

    def __init__(self, folder: Path, league: SimulatedLeague, instance: dg.DagsterInstance, notifier: Notifier):
        self.folder, self.league, self.instance, self.notifier = folder, league, instance, notifier
        self.raw_dir, self.warehouse = folder / "raw", folder / "warehouse.duckdb"
        self.now = eastern(WEEK[0], HISTORY_KNOWN_AT)
        clock = lambda: self.now.to_pydatetime()  # noqa: E731
        self.sensors = {"results_arrived": build_results_sensor(clock),
                        "pregame_ready": build_pregame_sensor(clock, notifier),
                        "slate_published_in_time": build_slate_alert(clock, notifier)}
        self.cursors: dict[str, str | None] = dict.fromkeys(self.sensors)
        self.run_keys: set[str] = set()
        self.timeline: list[Event] = []
        self.ledger_after_tick: list[pd.DataFrame] = []

    @property
    def raw(self) -> RawSourceResource:
        return RawSourceResource(raw_dir=str(self.raw_dir))

    def resources(self, warehouse: Path | None = None) -> dict:
        return {**duckdb_resources(str(warehouse or self.warehouse), self.raw), "clock": Clock(frozen_at=self.now.isoformat())}

    def execute(self, job_name: str, partition_key: str | None, tags: dict,
                warehouse: Path | None = None) -> dg.ExecuteInProcessResult:
        """One run of `job_name`, in-process, on the replay's warehouse (or another one: `warehouse`)."""
        started = time.perf_counter()
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=self.instance, partition_key=partition_key, tags=tags, resources=self.resources(warehouse),
            raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
        self.last_seconds = time.perf_counter() - started
        return result

    def backfill_history(self) -> dg.ExecuteInProcessResult:
        """The days before the week in one range run, as known on the week's first morning; the results sensor's
        cursor then holds those days (the backfill built them: nothing to rerun)."""
        self.league.write(self.raw_dir, self.now)
        last = WEEK[0] - dt.timedelta(days=1)
        result = self.execute(GRAPH_JOB_NAME, None, {"dagster/asset_partition_range_start": OPENING_NIGHT.isoformat(),
                                                     "dagster/asset_partition_range_end": last.isoformat(),
                                                     **cli_run_tags()})
        self.timeline.append(Event(self.now, "backfill", GRAPH_JOB_NAME, f"{OPENING_NIGHT} .. {last}", result.run_id,
                                   result.success, seconds=self.last_seconds))
        seeded = self._evaluate("results_arrived")
        self.cursors["results_arrived"] = seeded.cursor
        return result

    def _evaluate(self, name: str):
        resources = {"raw": self.raw, "warehouse": duckdb_resources(str(self.warehouse), self.raw)["warehouse"]}
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursors[name], resources=resources)
        return self.sensors[name](context)

    def tick(self, moment: pd.Timestamp) -> None:
        """Everything known before `moment` is in the raw folder; each sensor is evaluated and its runs executed."""
        self.now = moment
        self.league.write(self.raw_dir, moment)
        for name in self.sensors:
            result = self._evaluate(name)
            if isinstance(result, dg.SkipReason):
                self.timeline.append(Event(moment, name, detail=f"skip: {result.skip_message}"))
                continue
            self.cursors[name] = result.cursor
            requests = list(result.run_requests)
            if not requests and result.skip_reason is not None:
                self.timeline.append(Event(moment, name, detail=f"skip: {result.skip_reason.skip_message}"))
            for request in requests:
                if request.run_key in self.run_keys:
                    continue
                self.run_keys.add(request.run_key)
                outcome = self.execute(request.job_name, request.partition_key, dict(request.tags))
                detail = request.tags.get(TRIGGER_TAG, "")
                if request.partition_key is None:
                    detail = f"{request.tags['dagster/asset_partition_range_start']} .. " \
                             f"{request.tags['dagster/asset_partition_range_end']}"
                self.timeline.append(Event(moment, name, request.job_name, request.partition_key, outcome.run_id,
                                           outcome.success, detail, self.last_seconds))
                self.timeline.extend(self._published(moment, outcome, request.tags))
        self.ledger_after_tick.append(self.ledger())

    def _published(self, moment: pd.Timestamp, outcome: dg.ExecuteInProcessResult, tags: dict) -> list[Event]:
        events = []
        for event in outcome.get_asset_materialization_events():
            if event.asset_key.path[-1] != "pick_publications":
                continue
            metadata = {key: value.value for key, value in event.materialization.metadata.items()}
            if metadata.get("published"):
                detail = (f"published {metadata['publication_id']} as of {tags[AS_OF_TAG][11:16]} UTC: {metadata['new']} new, "
                          f"{metadata['changed']} changed, {metadata['withdrawn']} withdrawn; {metadata['open_games']} "
                          f"open game(s), {metadata['frozen_games']} frozen")
            else:
                detail = f"not published: {metadata.get('why')}"
            events.append(Event(moment, "  pick_publications", detail=detail))
        return events

    def ledger(self) -> pd.DataFrame:
        from nba_assets.predictions.tables import PICK_PUBLICATIONS

        return self.resources()["warehouse"].read_table(PICK_PUBLICATIONS)

    def run_week(self, echo: bool = False) -> None:
        for day in [*WEEK, WEEK[-1] + dt.timedelta(days=1)]:
            for clock in TICKS if day in WEEK else TICKS[:1]:  # the day after the week: its overnight results
                seen = len(self.timeline)
                self.tick(eastern(day, clock))
                for event in self.timeline[seen:] if echo else ():
                    print(event.line(), flush=True)


def play_league() -> SimulatedLeague:
    return SimulatedLeague.play([SEASON])


def main() -> None:  # pragma: no cover - a developer's view of the same replay
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="replay-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    league = play_league()
    (folder / "dagster_home").mkdir(exist_ok=True)
    with dg.instance_for_test(temp_dir=str(folder / "dagster_home")) as instance:
        week_lines = league.as_of(None)["odds_api_player_points_props"]
        scorers = set(week_lines.loc[week_lines["game_date"].isin(WEEK[3:]), "player_lookup"])
        league, correction = inject_correction(league, CORRECTED_GAME_DAY, CORRECTION_KNOWN_AT, scorers)
        replay = Replay(folder, league, instance, CapturingNotifier())
        replay.backfill_history()
        print(replay.timeline[0].line(), flush=True)
        replay.run_week(echo=True)
        print(f"correction: {correction}")
        print(f"alerts: {replay.notifier.alerts}")
        print(f"folder: {folder} (warehouse.duckdb, raw/); wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":  # pragma: no cover
    main()
