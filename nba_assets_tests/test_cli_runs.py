"""The CLI's hold on the instance: killed CLI runs are failed and release the warehouse slot, the instance is
created once under concurrent first use, and days that are not partitions yet are refused before any work."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd

from nba_assets import cli
from nba_assets.instance.cli_runs import HOST_TAG, PID_TAG, cli_run_tags, fail_abandoned_runs, open_instance
from nba_assets.partitions import game_days
from nba_assets.table_asset import WAREHOUSE_POOL


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    run = instance.add_run(dg.DagsterRun(job_name="nba_graph", status=dg.DagsterRunStatus.STARTED, tags=tags))
    instance.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, run.run_id, "nba_analytics__player_game_summary")
    return run.run_id


def test_runs_of_dead_cli_processes_are_failed_and_free_their_slot():
    with dg.instance_for_test() as instance:
        instance.event_log_storage.set_concurrency_slots(WAREHOUSE_POOL, 3)
        killed = _started_run(instance, {**cli_run_tags(), PID_TAG: str(_dead_pid())})
        alive = _started_run(instance, cli_run_tags())
        other_host = _started_run(instance, {**cli_run_tags(), PID_TAG: str(_dead_pid()),
                                             HOST_TAG: f"not-{socket.gethostname()}"})

        assert fail_abandoned_runs(instance) == [killed]

        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
        assert {run_id: instance.get_run_by_id(run_id).status for run_id in (alive, other_host)} == {
            alive: dg.DagsterRunStatus.STARTED, other_host: dg.DagsterRunStatus.STARTED}
        holders = {slot.run_id for slot in instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots}
        assert holders == {alive, other_host}
        assert fail_abandoned_runs(instance) == []


def _open_and_count_runs(home: str, results) -> None:
    os.environ["DAGSTER_HOME"] = home
    with open_instance(Path(home)) as instance:
        results.put(len(instance.get_runs()))


def test_concurrent_first_use_creates_one_loadable_instance(tmp_path):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_open_and_count_runs, args=(str(tmp_path), results)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0] * 4
    assert sorted(results.get(timeout=5) for _ in processes) == [0] * 4


def test_backfill_past_today_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    last = pd.Timestamp(game_days.get_last_partition_key())
    tomorrow = (last + pd.Timedelta(days=1)).date().isoformat()

    assert cli.main(["backfill", "--start", last.date().isoformat(), "--end", tomorrow]) == 2

    error = capsys.readouterr().err
    assert f"within the partitions 2021-10-19 .. {last.date()}" in error and tomorrow in error
    assert not (tmp_path / "home" / "history").exists()  # no run was recorded
