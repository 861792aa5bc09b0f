"""Launched as production launches it: PostgreSQL (Debian's package), the code location's gRPC server, the Dagster
daemon and the webserver, each its own process, on deploy/dagster.yaml's instance configuration with BigQuery
storage on the emulator (nba_raw in it too). Only Kubernetes is taken out, and what depends on it:

- the run launcher: the default one runs each run in a process of the code server instead of a pod;
- compute logs: local files instead of a GCS bucket;
- run monitoring polls every POLL_SECONDS and frees a dead run's pool slots FREE_SLOTS_SECONDS after it ended
  (the deployment: 60 s and 300 s), so the test does not sit through production's patience.

A partition-range backfill of the whole graph (the nba_graph job over the range: one run, the graph's single-run
backfill policy) is launched through GraphQL as the UI's Launch backfill on the job launches it
(nba_assets.missing.launch_backfill), waited for, and checked: the tables equal one in-process range run's, every
check of every table has its result for every day, the partition statuses show every day materialized. The table
comparison is printed.

Then, on a second deployment, the same backfill's run worker is killed mid-run with the step processes it started
(SIGKILL, as when a pod dies): run monitoring fails the run and frees its pool slot, the daemon's run retry
(deploy/dagster.yaml: one retry, from failure) or, when the daemon declines because the backfill already ended,
the run page's re-execution from failure resumes it as a new run that executes only the steps the killed run had
not finished, and the tables end equal to the clean run's. The kill-and-resume timeline is printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg2
import pyarrow.parquet as pq
import pytest
import requests
import yaml

from nba_assets.checks.warehouse import ALL_TABLES
from nba_assets.definitions import GRAPH_JOB_NAME
from nba_assets.missing import launch_backfill
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.raw.contract import RAW_TABLES
from nba_assets.raw.resource import RawSourceResource
from nba_assets.resources import bigquery_resources, duckdb_resources
from nba_assets.settings import BigQuerySettings
from nba_assets.storage.bigquery import BigQueryJobs
from nba_assets.table_asset import WAREHOUSE_POOL
from nba_assets_tests.backends import upload_raw
from nba_assets_tests.builders import RANGE_END, RANGE_START
from nba_assets_tests.emulator import EMULATOR_PROJECT
from nba_assets_tests.postgres import PostgresServer, running_postgres
from nba_assets_tests.servers import free_port, graphql, stop_process_group

# a reference run, a deployment started and a whole-graph backfill through it (about 8 min on a loaded 2-core
# machine): longer than the default per-test limit
pytestmark = [pytest.mark.emulator, pytest.mark.timeout(1800)]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT_CONFIG = PROJECT_ROOT / "deploy" / "dagster.yaml"
GRAPH = [*PHASE3_ASSETS, *PHASE4_ASSETS, *PREDICTION_ASSETS]
# the season's first days up to a month start (the points model trains on 2021-11-01), with a day without games
FIRST_DAY, NO_GAME_DAY, MONTH_START = "2021-10-19", "2021-10-31", "2021-11-01"
LAST_DAY = MONTH_START
LEAGUE_UNTIL = pd.Timestamp("2021-12-01")  # raw rows kept: the range, and the schedule the training cutoffs look ahead in
POLL_SECONDS, FREE_SLOTS_SECONDS = 2, 5
START_SECONDS = 240
BACKFILL_SECONDS = 1200
UNFINISHED_BACKFILL = {"REQUESTED", "CANCELING", "FAILING"}
PARENT_RUN_TAG = "dagster/parent_run_id"  # set on every re-execution, the daemon's run retries included
KILL_AFTER_STEPS = 4  # killed mid-graph: the retry has finished steps to skip
POSTGRES_ENVIRONMENT = ("DAGSTER_PG_HOST", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")

LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } ... on PythonError { message } } }"""
RELOAD = """
mutation Reload($name: String!) { reloadRepositoryLocation(repositoryLocationName: $name) { __typename } }"""
BACKFILL_STATUS = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions runs(limit: 100) { runId status } }
    ... on PythonError { message } } }"""
REEXECUTE_FROM_FAILURE = """
mutation Reexecute($parent: String!) {
  launchRunReexecution(reexecutionParams: {parentRunId: $parent, strategy: FROM_FAILURE}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
REPOSITORIES = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } partitionSets { name pipelineName } } } } }"""
PARTITION_STATUSES = """
query Statuses($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode { assetPartitionStatuses {
      ... on TimePartitionStatuses { ranges { status startKey endKey } } } } } }"""


def deployment_instance_config(postgres: PostgresServer) -> dict:
    """deploy/dagster.yaml with Kubernetes taken out (module docstring); everything else as deployed."""
    config = yaml.safe_load(DEPLOYMENT_CONFIG.read_text())
    config["storage"]["postgres"]["postgres_db"]["port"] = postgres.port
    del config["run_launcher"]  # the default run launcher: a process of the code server per run
    del config["compute_logs"]  # local compute logs
    config["run_monitoring"].update(poll_interval_seconds=POLL_SECONDS, free_slots_after_run_end_seconds=FREE_SLOTS_SECONDS)
    return config


def league_until(source: Path, folder: Path, until: pd.Timestamp, no_game_day: pd.Timestamp) -> Path:
    """The league's raw files before `until`, without the games (and every other row) of `no_game_day`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in RAW_TABLES.items():
        path = source / f"{name}.parquet"
        if path.exists():
            frame = pd.read_parquet(path)
            dates = pd.to_datetime(frame[spec.date_column])
            frame[(dates < until) & (dates != no_game_day)].to_parquet(folder / path.name, index=False)
    return folder


def create_database(postgres: PostgresServer, name: str) -> None:
    """An empty database on the module's server, so each deployment's instance starts from nothing."""
    connection = psycopg2.connect(host=postgres.host, port=postgres.port, user=postgres.user, password=postgres.password,
                                  dbname=postgres.database)
    connection.autocommit = True
    try:
        connection.cursor().execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


@dataclasses.dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self) -> None:
        stop_process_group(self.popen, wait_seconds=30)


@dataclasses.dataclass
class Deployment:
    home: Path
    env: dict
    url: str
    settings: BigQuerySettings
    processes: list[Process]

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return graphql(self.url, query, variables, timeout=60)

    def logs(self, lines: int = 40) -> str:
        return "\n".join(f"--- {p.name} ---\n" + "\n".join(p.log.read_text(errors="replace").splitlines()[-lines:])
                         for p in self.processes)

    @contextlib.contextmanager
    def instance(self) -> Iterator[dg.DagsterInstance]:
        """The deployment's instance, opened by the test: its dagster.yaml reads the Postgres settings from the
        environment, as every process of the deployment does."""
        saved = {name: os.environ.get(name) for name in POSTGRES_ENVIRONMENT}
        os.environ.update({name: self.env[name] for name in POSTGRES_ENVIRONMENT})
        try:
            with dg.DagsterInstance.from_config(str(self.home)) as instance:
                yield instance
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def resources(self) -> dict:
        return bigquery_resources(self.settings, RawSourceResource())


def _start(name: str, command: list[str], env: dict, folder: Path) -> Process:
    log = folder / f"{name}.log"
    with log.open("w") as out:
        # Own session, so the whole tree can be signalled; SIGINT restored because Dagster maps SIGTERM onto the
        # SIGINT handler, and a child of a non-interactive shell inherits SIGINT ignored.
        popen = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return Process(name, popen, log)


def _wait_for_port(port: int, process: Process) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited with {process.popen.returncode}\n{process.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.5)
    pytest.fail(f"{process.name} did not listen on {port} within {START_SECONDS} s\n{process.log.read_text()[-3000:]}")


def _wait_until_loaded(deployment: Deployment) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        for process in deployment.processes:
            if process.popen.poll() is not None:
                pytest.fail(f"{process.name} exited with {process.popen.returncode}\n{deployment.logs()}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{deployment.url}/server_info", timeout=5).ok:
                entries = deployment.graphql(LOCATIONS)["workspaceOrError"].get("locationEntries", [])
                if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
                    errors = [e for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
                    if not errors:
                        return
                    if not all("UNAVAILABLE" in e["locationOrLoadError"]["message"] for e in errors):
                        pytest.fail(f"the code location failed to load: {errors}")
                    for entry in errors:  # asked before the code server answered: ask again, as the UI's Reload does
                        deployment.graphql(RELOAD, {"name": entry["name"]})
        time.sleep(1)
    pytest.fail(f"the deployment did not load within {START_SECONDS} s\n{deployment.logs()}")


@contextlib.contextmanager
def deployment(postgres: PostgresServer, emulator: str, league: Path, folder: Path) -> Iterator[Deployment]:
    """A fresh instance database and BigQuery datasets, and the three Dagster processes on them."""
    database = f"dagster_{uuid.uuid4().hex[:8]}"
    create_database(postgres, database)
    home = folder / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(deployment_instance_config(postgres)))
    settings = BigQuerySettings(project=EMULATOR_PROJECT, api_endpoint=emulator, dataset_suffix=f"_{uuid.uuid4().hex[:8]}")
    settings = dataclasses.replace(settings, raw_dataset=f"nba_raw{settings.dataset_suffix}")
    jobs = BigQueryJobs(EMULATOR_PROJECT, None, emulator, timeout=120, retry_deadline=120)
    upload_raw(jobs, f"{EMULATOR_PROJECT}.{settings.raw_dataset}",
               {path.stem: pq.read_table(path) for path in sorted(league.glob("*.parquet"))})
    code_port, web_port = free_port(), free_port()
    (home / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [{"grpc_server": {
        "host": "127.0.0.1", "port": code_port, "location_name": "nba_assets"}}]}))
    env = {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_PG_HOST": postgres.host, "DAGSTER_PG_USERNAME": postgres.user,
           "DAGSTER_PG_PASSWORD": postgres.password, "DAGSTER_PG_DB": database, "DAGSTER_EVENT_BATCH_SIZE": "1000",
           "NBA_ASSETS_STORAGE": "bigquery", "NBA_ASSETS_BQ_PROJECT": settings.project,
           "NBA_ASSETS_BQ_API_ENDPOINT": emulator, "NBA_ASSETS_BQ_DATASET_SUFFIX": settings.dataset_suffix,
           "NBA_ASSETS_BQ_RAW_DATASET": settings.raw_dataset, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("NBA_ASSETS_RAW_DIR", None)
    dagster = str(Path(sys.executable).with_name("dagster"))
    workspace = str(home / "workspace.yaml")
    processes = []
    try:  # everything started is stopped, also when a later start or wait fails
        processes.append(_start("code-server", [dagster, "api", "grpc", "--module-name", "nba_assets.definitions",
                                                "--host", "127.0.0.1", "--port", str(code_port)], env, home))
        _wait_for_port(code_port, processes[0])  # the daemon and the webserver find the code loaded
        processes.append(_start("daemon", [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", workspace],
                                env, home))
        processes.append(_start("webserver", [str(Path(sys.executable).with_name("dagster-webserver")), "-h", "127.0.0.1",
                                              "-p", str(web_port), "-w", workspace], env, home))
        running = Deployment(home, env, f"http://127.0.0.1:{web_port}", settings, processes)
        _wait_until_loaded(running)
        yield running
    finally:
        for process in reversed(processes):
            process.stop()


@pytest.fixture(scope="module")
def league(league_2021, tmp_path_factory) -> Path:
    return league_until(league_2021, tmp_path_factory.mktemp("league_october"), LEAGUE_UNTIL, pd.Timestamp(NO_GAME_DAY))


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as server:
        yield server


def snapshot(resources: dict) -> dict[str, pd.DataFrame]:
    warehouse = resources["warehouse"]
    return {t.name: warehouse.read_table(t).sort_values(list(t.key)).reset_index(drop=True) for t in ALL_TABLES}


@pytest.fixture(scope="module")
def reference(league, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The tables of one in-process range run of the whole graph on DuckDB."""
    resources = duckdb_resources(str(tmp_path_factory.mktemp("reference") / "warehouse.duckdb"), RawSourceResource())
    result = dg.materialize(GRAPH, resources={**resources, "raw": RawSourceResource(raw_dir=str(league))},
                            instance=dg.DagsterInstance.ephemeral(), tags={RANGE_START: FIRST_DAY, RANGE_END: LAST_DAY},
                            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    assert result.success
    return snapshot(resources)


def whole_graph_backfill(deployment: Deployment, title: str) -> str:
    """The graph's job over FIRST_DAY .. LAST_DAY, launched as the UI's Launch backfill on the job does: a job
    backfill of its partitions, which the single-run backfill policy turns into one run of the range."""
    repositories = deployment.graphql(REPOSITORIES)["repositoriesOrError"]["nodes"]
    (repository, partition_set), = [(r, p) for r in repositories for p in r["partitionSets"]
                                    if p["pipelineName"] == GRAPH_JOB_NAME]
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range(FIRST_DAY, LAST_DAY)]
    return launch_backfill(deployment.url, {
        "title": title, "partitionNames": days,
        "selector": {"partitionSetName": partition_set["name"], "repositorySelector": {
            "repositoryName": repository["name"], "repositoryLocationName": repository["location"]["name"]}}})


def wait_for_backfill(deployment: Deployment, backfill_id: str) -> dict:
    deadline = time.monotonic() + BACKFILL_SECONDS
    while True:
        backfill = deployment.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        if backfill["status"] not in UNFINISHED_BACKFILL:
            return backfill
        if time.monotonic() > deadline:
            pytest.fail(f"backfill {backfill_id} still {backfill['status']} after {BACKFILL_SECONDS} s: {backfill}\n"
                        f"{deployment.logs()}")
        time.sleep(3)


def table_differences(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame], title: str) -> list[str]:
    print(f"\n{title}")
    print(f"{'table':<34} {'rows':>6} {'expected':>9}  equal")
    differing = []
    for name, want in expected.items():
        got = actual[name]
        equal = got.shape == want.shape and got.equals(want)
        if not equal:
            with contextlib.suppress(AssertionError, ValueError, TypeError):
                pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-12)
                equal = True
        print(f"{name:<34} {len(got):>6} {len(want):>9}  {equal}")
        if not equal:
            differing.append(name)
    return differing


def check_evaluations(instance: dg.DagsterInstance, run_ids: list[str]) -> list[dg.AssetCheckEvaluation]:
    return [record.dagster_event.event_specific_data for run_id in run_ids
            for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]


def backfill_run_ids(instance: dg.DagsterInstance, backfill_id: str) -> list[str]:
    records = instance.get_run_records(filters=dg.RunsFilter(tags={"dagster/backfill": backfill_id}), ascending=True)
    return [r.dagster_run.run_id for r in records]


def check_finished_deployment(deployment: Deployment, run_ids: list[str], reference: dict, title: str) -> None:
    """Tables equal to the reference; every check of every table with its result for each day of the range in
    one of the runs (a summary per check naming the days checked and failed, each failing day also on its own);
    every day materialized in the partition statuses."""
    assert not table_differences(snapshot(deployment.resources()), reference, title)
    days = [d.strftime("%Y-%m-%d") for d in pd.date_range(FIRST_DAY, LAST_DAY)]
    with deployment.instance() as instance:
        evaluations = check_evaluations(instance, run_ids)
    # each check of a day range reports every day it checked in one summary (checks.governance), and each failing
    # day as an evaluation of its own partition
    summaries = {(e.asset_key.path[-1], e.check_name): e for e in evaluations if e.partition is None}
    failed_days = sorted({(e.asset_key.path[-1], e.check_name, e.partition) for e in evaluations
                          if e.partition is not None and not e.passed})
    partitioned = [a for a in GRAPH if a.partitions_def is not None]
    for assets_def in partitioned:
        table = assets_def.key.path[-1]
        for check_key in assets_def.check_keys:
            summary = summaries.get((table, check_key.name))
            assert summary is not None, f"no result for {table} {check_key.name}"
            assert summary.metadata["days_checked"].value == len(days), (table, check_key.name, summary.metadata)
            listed = {(table, check_key.name, day) for day in summary.metadata["failed_days"].value}
            assert listed == {f for f in failed_days if f[:2] == (table, check_key.name)}, (table, check_key.name)
        ranges = deployment.graphql(PARTITION_STATUSES, {"path": assets_def.key.path})["assetNodeOrError"][
            "assetPartitionStatuses"]["ranges"]
        assert [(r["status"], r["startKey"], r["endKey"]) for r in ranges] == [("MATERIALIZED", FIRST_DAY, LAST_DAY)], table
    print(f"check results: {len(summaries)} checks over {len(partitioned)} tables, each reporting {len(days)} days checked; "
          f"{len(failed_days)} failed (table, check, day){': ' + str(failed_days[:5]) if failed_days else ''}; "
          f"partition statuses: every table MATERIALIZED {FIRST_DAY} .. {LAST_DAY}")


@pytest.fixture(scope="module")
def clean_backfill(postgres, bigquery_emulator, league, reference, tmp_path_factory):
    """The whole graph backfilled through a deployment, stopped once its tables are checked: they are returned."""
    with deployment(postgres, bigquery_emulator, league, tmp_path_factory.mktemp("clean_deployment")) as clean:
        started = time.monotonic()
        backfill_id = whole_graph_backfill(clean, "whole graph, clean")
        backfill = wait_for_backfill(clean, backfill_id)
        print(f"\nclean backfill {backfill_id}: {backfill['status']} in {time.monotonic() - started:.0f} s, "
              f"{len(backfill['runs'])} runs")
        assert backfill["status"] == "COMPLETED_SUCCESS", f"{backfill}\n{clean.logs()}"
        check_finished_deployment(clean, [run["runId"] for run in backfill["runs"]], reference,
                                  "clean backfill through the daemon (BigQuery emulator) vs one in-process range run (DuckDB)")
        return snapshot(clean.resources())


def test_a_whole_graph_backfill_through_the_daemon(clean_backfill):
    """The range is what it is meant to be: a model trained at the month start, nothing predicted on the no-game day."""
    model_dates = pd.to_datetime(clean_backfill["points_model"]["model_date"]).dt.strftime("%Y-%m-%d").tolist()
    assert model_dates == [MONTH_START]
    predicted = set(pd.to_datetime(clean_backfill["player_prop_predictions"]["game_date"]).dt.strftime("%Y-%m-%d"))
    assert NO_GAME_DAY not in predicted and MONTH_START in predicted and len(predicted) == len(pd.date_range(FIRST_DAY, LAST_DAY)) - 1


def descendants(pid: int) -> list[int]:
    """pid and every process below it (from /proc), parents first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The run worker's pid, as the code server's default run launcher reports it."""
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        message = record.dagster_event.message or ""
        if message.startswith("Started process for run (pid: "):
            return int(message.split("pid: ")[1].split(")")[0])
    return None


def step_progress(instance: dg.DagsterInstance, run_id: str) -> tuple[set[str], list[str]]:
    """(steps succeeded, steps started and not finished) of a run."""
    started, finished, succeeded = [], set(), set()
    for record in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                                     dg.DagsterEventType.STEP_FAILURE}):
        if record.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            started.append(record.step_key)
        else:
            finished.add(record.step_key)
            if record.dagster_event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                succeeded.add(record.step_key)
    return succeeded, [step for step in started if step not in finished]


def claimed_slots(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [slot.step_key for slot in instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots
            if slot.run_id == run_id]


def test_a_killed_run_worker_is_failed_freed_and_resumed_by_the_daemon_to_the_clean_tables(
        postgres, bigquery_emulator, league, reference, tmp_path):
    started = time.monotonic()

    def note(event: str) -> None:
        print(f"  {time.monotonic() - started:7.1f}  {event}")

    print("\nkill-and-resume timeline (seconds since the backfill was launched):")
    with deployment(postgres, bigquery_emulator, league, tmp_path) as prod, prod.instance() as instance:
        backfill_id = whole_graph_backfill(prod, "whole graph, its worker killed")
        note(f"backfill {backfill_id} launched through GraphQL")
        deadline = time.monotonic() + BACKFILL_SECONDS

        def wait(condition, what: str):
            while not (found := condition()):
                assert time.monotonic() < deadline, f"{what} within {BACKFILL_SECONDS} s\n{prod.logs()}"
                time.sleep(0.2)
            return found

        def mid_way():
            for run_id in backfill_run_ids(instance, backfill_id):
                succeeded, running = step_progress(instance, run_id)
                pid = worker_pid(instance, run_id)
                if len(succeeded) >= KILL_AFTER_STEPS and running and pid and claimed_slots(instance, run_id):
                    return run_id, pid, succeeded, running
            return None

        run_id, pid, done_before_kill, running = wait(mid_way, "no run of the backfill got mid-way")
        killed = descendants(pid)
        for process in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process, signal.SIGKILL)
        note(f"run {run_id[:8]}: {len(done_before_kill)} steps done, {', '.join(running)} running with a "
             f"'{WAREHOUSE_POOL}' slot; SIGKILL to its worker (pid {pid}) and the {len(killed) - 1} processes below it "
             f"(pids {killed[1:]})")

        wait(lambda: instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE, "the killed run was not failed")
        reason = [r.dagster_event.message for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)]
        note(f"run {run_id[:8]} FAILURE: {reason[-1] if reason else '(no failure message)'}")
        wait(lambda: not claimed_slots(instance, run_id), "the killed run's pool slot was not freed")
        note(f"run {run_id[:8]}: its '{WAREHOUSE_POOL}' slot freed")

        # The daemon retries the run unless the backfill daemon has already ended the backfill (it does not retry a
        # run of a finished backfill): a race in Dagster 1.13. Then the operator's resume is the run page's
        # Re-execute > From failure, sent here as the UI sends it.
        def resumed():
            retries = instance.get_runs(filters=dg.RunsFilter(tags={PARENT_RUN_TAG: run_id}))
            if retries:
                return retries[0].run_id, "the daemon's run retry"
            declined = [r.dagster_event.message for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
                        if (r.dagster_event.message or "").startswith("Not retrying run")]
            if not declined:
                return None
            launched = prod.graphql(REEXECUTE_FROM_FAILURE, {"parent": run_id})["launchRunReexecution"]
            assert launched["__typename"] == "LaunchRunSuccess", launched
            return launched["run"]["runId"], f"the daemon: {declined[0]!r}; re-executed from failure through GraphQL"

        retry_id, how = wait(resumed, "the killed run was neither retried nor declined")
        note(f"{how}: run {retry_id[:8]} (from failure) launched")

        def retry_finished():
            status = instance.get_run_by_id(retry_id).status
            return status if status in {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                                        dg.DagsterRunStatus.CANCELED} else None

        retry_status = wait(retry_finished, "the retry did not finish")
        done_by_killed_run, _ = step_progress(instance, run_id)
        done_by_retry, _ = step_progress(instance, retry_id)
        note(f"run {retry_id[:8]} {retry_status.value}: {len(done_by_retry)} steps done; the killed run had done "
             f"{len(done_by_killed_run)}")
        backfill = wait_for_backfill(prod, backfill_id)
        note(f"backfill {backfill_id} {backfill['status']} (its runs: "
             f"{', '.join(r['runId'][:8] + ' ' + r['status'] for r in backfill['runs'])})")

        assert retry_status == dg.DagsterRunStatus.SUCCESS, prod.logs()
        # the kill took: the killed run never finished by itself, and the retry resumed it instead of starting over
        assert not instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)
        assert done_before_kill <= done_by_killed_run and not done_by_killed_run & done_by_retry
        assert set(running) - done_by_killed_run <= done_by_retry
        check_finished_deployment(prod, [run_id, retry_id], reference,
                                  "killed and resumed backfill (BigQuery emulator) vs one in-process range run (DuckDB)")
