"""Reliability of `nba-assets backfill` on one instance and one DuckDB warehouse: a backfill killed with SIGKILL
during its second season's run, then relaunched for the runs that did not succeed, and two overlapping backfills
launched together, must each leave the warehouse identical to one clean run's. A season's run process killed
alone fails that run at once, and the backfill finishes.

The league is the simulated 2021-22 and 2022-23 seasons. The range holds the 2021-22 Finals and the 2022-23
opening nights, which the CLI splits into two runs (one per season), so the module takes a few minutes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from nba_assets.checks.warehouse import ALL_TABLES, GAME_DAY_TABLES, WAREHOUSE_CHECKS_JOB
from nba_assets.coverage import coverage_report
from nba_assets.definitions import GRAPH_JOB_NAME
from nba_assets.instance.cli_runs import PID_TAG
from nba_assets.raw.resource import ALL_TIME
from nba_assets.raw.sources import FileRawSource
from nba_assets.storage.warehouse import DuckDBWarehouse
from nba_assets.table_asset import WAREHOUSE_POOL
from nba_assets_tests.builders import RANGE_END, RANGE_START, warehouse_fingerprint
from simulated_league import write_simulation

pytestmark = pytest.mark.slow

FIRST_DAY, LAST_DAY = "2022-06-05", "2022-10-19"
SEASONS, SEED = (2021, 2022), 20211019
NBA_ASSETS = Path(sys.executable).with_name("nba-assets")
PROJECT_INSTANCE_CONFIG = Path(__file__).resolve().parents[1] / "dagster_home" / "dagster.yaml"
CLI_RUNS = dg.RunsFilter(tags={"nba_assets/launched_by": "cli-backfill"})
STALL_SECONDS = 120  # a step takes seconds here: a backfill that prints nothing for two minutes is stuck
KILL_AFTER_STEPS = 4  # second-season steps done before the kill: that season is partly rewritten, mostly not


@dataclasses.dataclass
class Backfill:
    """One `nba-assets backfill` process, in its own session, printing one line per finished step to its log."""

    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """The backfill and every process it started."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def kill_cli(self) -> None:
        """The `nba-assets` process alone, as `kill -9 PID` does: its season's run process must end with it."""
        self.process.kill()
        self.process.wait()


@dataclasses.dataclass
class Deployment:
    """An instance folder with the project's dagster.yaml and a warehouse file, handed to the CLI by environment."""

    root: Path
    raw: Path

    def __post_init__(self):
        self.home.mkdir(parents=True)
        shutil.copyfile(PROJECT_INSTANCE_CONFIG, self.home / "dagster.yaml")

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    def start_backfill(self, start: str, end: str, name: str) -> Backfill:
        environment = {**os.environ, "DAGSTER_HOME": str(self.home), "NBA_ASSETS_RAW_DIR": str(self.raw),
                       "NBA_ASSETS_WAREHOUSE": str(self.warehouse), "NBA_ASSETS_DATA_DIR": str(self.root / "data"),
                       "DAGSTER_EVENT_BATCH_SIZE": "1000"}
        log = self.root / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen([str(NBA_ASSETS), "backfill", "--start", start, "--end", end], env=environment,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return Backfill(process, log)

    def log_of(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text()

    def backfill(self, start: str, end: str, name: str) -> None:
        backfill = self.start_backfill(start, end, name)
        self.finish([backfill])
        assert backfill.process.returncode == 0, backfill.output()

    def finish(self, backfills: list[Backfill]) -> None:
        """Wait for the backfills to exit. One silent for STALL_SECONDS is stuck: all are killed and the failure
        names the holders of the warehouse pool's slot, which is what a backfill here waits for."""
        progress = {backfill.log: (-1, time.monotonic()) for backfill in backfills}
        while any(backfill.running() for backfill in backfills):
            time.sleep(1)
            for backfill in backfills:
                size, since = progress[backfill.log]
                if backfill.log.stat().st_size != size:
                    progress[backfill.log] = (backfill.log.stat().st_size, time.monotonic())
                elif backfill.running() and time.monotonic() - since > STALL_SECONDS:
                    holders = self.pool_slot_holders()
                    for other in backfills:
                        if other.running():
                            other.kill()
                    pytest.fail(f"{backfill.log.name}: no progress for {STALL_SECONDS} s, killed; the "
                                f"'{WAREHOUSE_POOL}' pool slot is held by (run, step) {holders}; runs: "
                                f"{self.season_runs()}\n{backfill.output()}")

    @contextlib.contextmanager
    def instance(self) -> Iterator[dg.DagsterInstance]:
        """The instance the CLI records into, found as the CLI finds it: through DAGSTER_HOME."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DAGSTER_HOME", str(self.home))
            with dg.DagsterInstance.get() as instance:
                yield instance

    def season_runs(self) -> dict[tuple[str, str], dg.DagsterRunStatus]:
        """(first day, last day) -> status of each CLI season run, oldest first (not the warehouse checks' runs)."""
        with self.instance() as instance:
            records = instance.get_run_records(filters=CLI_RUNS, ascending=True)
        return {(r.dagster_run.tags[RANGE_START], r.dagster_run.tags[RANGE_END]): r.dagster_run.status for r in records
                if r.dagster_run.job_name == GRAPH_JOB_NAME}

    def pool_slot_holders(self) -> list[tuple[str, str]]:
        with self.instance() as instance:
            slots = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots
        return [(slot.run_id, slot.step_key) for slot in slots]

    def wait_for_steps(self, backfill: Backfill, season: tuple[str, str], steps: int) -> str:
        """The id of the season's run once `steps` of its steps have succeeded."""
        deadline = time.monotonic() + 10 * STALL_SECONDS
        while backfill.running() and time.monotonic() < deadline:
            with self.instance() as instance:
                runs = instance.get_runs(filters=dg.RunsFilter(tags={RANGE_START: season[0], RANGE_END: season[1]}))
                done = len(instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
                           .records) if runs else 0
            if done >= steps:
                return runs[0].run_id
            time.sleep(0.2)
        pytest.fail(f"the run of {season} never had {steps} steps done\n{backfill.output()}")

    def materialized_tables(self, run_id: str) -> set[str]:
        with self.instance() as instance:
            events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        return {event.dagster_event.asset_key.path[-1] for event in events}

    def missing_game_dates(self) -> dict[str, set[str]]:
        """table -> the range's game dates that coverage (`nba-assets coverage`) reports missing."""
        schedule = FileRawSource(self.raw).read("nbac_schedule", *ALL_TIME)
        warehouse = DuckDBWarehouse(database=str(self.warehouse))
        report = coverage_report(schedule, lambda table, columns: warehouse.read_table(table, columns=columns))
        missing = {table: {day for season in seasons.values() for day in season["missing"]
                           if FIRST_DAY <= day <= LAST_DAY} for table, seasons in report["tables"].items()}
        return {table: days for table, days in missing.items() if days}


def process_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (killed, not yet reaped by its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def duplicate_keys(warehouse: Path) -> dict[str, int]:
    """table -> rows beyond one per declared key."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {table.qualified_name: conn.execute(
            f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {', '.join(table.key)} "
            f"FROM {table.qualified_name})) FROM {table.qualified_name}").fetchone()[0] for table in ALL_TABLES}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("league")
    write_simulation(folder, SEASONS, SEED)
    return folder


@pytest.fixture(scope="module")
def clean(league, tmp_path_factory) -> Deployment:
    """One uninterrupted backfill of the range: the reference contents."""
    deployment = Deployment(tmp_path_factory.mktemp("clean"), league)
    deployment.backfill(FIRST_DAY, LAST_DAY, "backfill")
    runs = deployment.season_runs()
    assert len(runs) == 2 and set(runs.values()) == {dg.DagsterRunStatus.SUCCESS}  # one run per season
    with deployment.instance() as instance:  # then the warehouse checks, once, over both seasons
        runs = [r.dagster_run for r in instance.get_run_records(filters=CLI_RUNS, ascending=True)]
    assert [run.job_name for run in runs] == [GRAPH_JOB_NAME, GRAPH_JOB_NAME, WAREHOUSE_CHECKS_JOB]
    assert len({run.tags[PID_TAG] for run in runs}) == 3  # each run in its own process, so memory does not pile up
    assert deployment.missing_game_dates() == {}
    return deployment


def test_killed_backfill_relaunched_for_its_unfinished_season_equals_a_clean_run(league, clean, tmp_path):
    first_season, second_season = clean.season_runs()
    deployment = Deployment(tmp_path, league)
    backfill = deployment.start_backfill(FIRST_DAY, LAST_DAY, "killed")
    killed_run_id = deployment.wait_for_steps(backfill, second_season, KILL_AFTER_STEPS)
    with deployment.instance() as instance:
        run_process = int(instance.get_run_by_id(killed_run_id).tags[PID_TAG])
    assert run_process != backfill.process.pid and process_alive(run_process)
    backfill.kill_cli()
    deadline = time.monotonic() + 10
    while process_alive(run_process) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(run_process), "the season's run process outlived the killed nba-assets process"

    runs = deployment.season_runs()
    assert runs[first_season] == dg.DagsterRunStatus.SUCCESS
    # Nothing ran to mark the killed run failed: it stays STARTED, holding its warehouse pool slot, until the next
    # CLI start. The loss shows in coverage: the second season's game dates are missing from the tables the killed
    # run had not rewritten, and nothing of the first season is.
    assert runs[second_season] == dg.DagsterRunStatus.STARTED
    missing = deployment.missing_game_dates()
    assert missing and set(missing) <= {t.name for t in GAME_DAY_TABLES} - deployment.materialized_tables(killed_run_id)
    assert all(second_season[0] <= day <= second_season[1] for days in missing.values() for day in days)

    unfinished = [season for season, status in runs.items() if status != dg.DagsterRunStatus.SUCCESS]
    assert unfinished == [second_season]
    for first, last in unfinished:
        deployment.backfill(first, last, f"relaunch-{first}")

    # the relaunch marked the killed run failed and freed its slot (or it would have waited for the slot forever)
    relaunch = deployment.log_of(f"relaunch-{second_season[0]}")
    assert f"marked failed run {killed_run_id[:8]}" in relaunch
    with deployment.instance() as instance:
        killed = instance.get_run_by_id(killed_run_id)
        assert killed.status == dg.DagsterRunStatus.FAILURE
        failure = instance.all_logs(killed_run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
    assert "is gone" in failure.dagster_event.message and deployment.pool_slot_holders() == []
    assert deployment.missing_game_dates() == {}
    assert warehouse_fingerprint(deployment.warehouse) == warehouse_fingerprint(clean.warehouse)


def test_a_season_whose_run_process_dies_is_failed_at_once_and_the_backfill_goes_on(league, clean, tmp_path):
    """The season's run process killed (as the kernel's out-of-memory killer would), the CLI alive: the run is
    marked failed and its warehouse pool slot freed, or the warehouse checks after it would wait for the slot forever."""
    _, second_season = clean.season_runs()
    deployment = Deployment(tmp_path, league)
    backfill = deployment.start_backfill(FIRST_DAY, LAST_DAY, "run-process-killed")
    killed_run_id = deployment.wait_for_steps(backfill, second_season, KILL_AFTER_STEPS)
    with deployment.instance() as instance:
        os.kill(int(instance.get_run_by_id(killed_run_id).tags[PID_TAG]), signal.SIGKILL)
    deployment.finish([backfill])

    output = backfill.output()
    assert backfill.process.returncode == 1, output
    assert "the run's process died" in output and f"marked failed run {killed_run_id[:8]}" in output
    assert deployment.season_runs()[second_season] == dg.DagsterRunStatus.FAILURE
    with deployment.instance() as instance:
        last_run = instance.get_run_records(filters=CLI_RUNS, limit=1)[0].dagster_run
    assert last_run.job_name == WAREHOUSE_CHECKS_JOB and last_run.is_finished  # it got the slot
    assert deployment.pool_slot_holders() == []


def test_overlapping_backfills_launched_together_equal_a_clean_run(league, clean, tmp_path):
    deployment = Deployment(tmp_path, league)  # no instance yet: both processes create it (under the CLI's lock)
    # same first day: each run's lookbacks then only read days that both backfills compute identically
    both_seasons = deployment.start_backfill(FIRST_DAY, LAST_DAY, "both-seasons")
    finals_only = deployment.start_backfill(FIRST_DAY, "2022-06-12", "finals-only")
    deployment.finish([both_seasons, finals_only])

    assert (both_seasons.process.returncode, finals_only.process.returncode) == (0, 0), \
        both_seasons.output() + finals_only.output()
    assert {table: rows for table, rows in duplicate_keys(deployment.warehouse).items() if rows} == {}
    assert warehouse_fingerprint(deployment.warehouse) == warehouse_fingerprint(clean.warehouse)
    assert list(deployment.season_runs().values()) == [dg.DagsterRunStatus.SUCCESS] * 3
