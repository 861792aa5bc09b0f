"""The instance as `nba-assets backfill` uses it: opened under a lock, and cleared of runs whose CLI process died.

A CLI backfill executes in its own process, outside the daemon's run monitoring. When that process is killed
(SIGKILL, OOM, a closed laptop), its run stays STARTED and keeps its slot in the warehouse pool, so every later
run would wait for that slot forever. Each CLI run is tagged with its host and process id; the next CLI start
marks the runs whose process is gone as failed and frees their slots.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

# Dagster hands a range's per-partition events to the event log in batches of this size (Postgres stores a batch
# in one statement; the SQLite storage still writes them one by one)
EVENT_BATCH_SIZE = "1000"
# One planned-materialization event per asset and range run instead of one per day: the stock SQLite event log pays
# about 20 ms per event, and a season's range plans about 3,800 asset-days. Dagster's trade-off: a range run that
# fails then marks none of its days failed; they show as missing, which coverage and `backfill --missing` see
# either way. Quarantined days are still shown failed (instance/unpublished.py plans those one by one).
PLANNED_EVENTS_PER_RANGE = {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1"}
LAUNCHED_BY_TAG, CLI_LAUNCHER = "nba_assets/launched_by", "cli-backfill"
HOST_TAG, PID_TAG = "nba_assets/cli_host", "nba_assets/cli_pid"
UNFINISHED = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def cli_run_tags() -> dict[str, str]:
    return {LAUNCHED_BY_TAG: CLI_LAUNCHER, HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


@contextlib.contextmanager
def open_instance(home: Path) -> Iterator[dg.DagsterInstance]:
    """The instance in `home`. Creation holds a file lock: two processes creating one SQLite instance at once
    both stamp its schema and leave it unloadable (alembic: more than one head)."""
    with (home / ".instance.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.get()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    with instance:
        yield instance


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Marks failed the unfinished CLI runs of this host whose process is gone, frees their pool slots, and
    returns their ids. Runs of live processes and of other hosts are left alone."""
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED, tags={LAUNCHED_BY_TAG: CLI_LAUNCHER,
                                                                               HOST_TAG: socket.gethostname()}))
    abandoned = [run for run in runs if PID_TAG in run.tags and not _process_alive(int(run.tags[PID_TAG]))]
    for run in abandoned:
        instance.report_run_failed(run, f"the nba-assets process {run.tags[PID_TAG]} that ran it is gone "
                                        "(killed or crashed); its partitions are missing until rebuilt")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [run.run_id for run in abandoned]
