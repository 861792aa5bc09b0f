"""Taking turns on the DuckDB warehouse file: one writer or any number of readers, each holding it briefly.

DuckDB 2.0 lets one process hold a database file read-write and refuses every other process meanwhile, read-only
ones included ("Could not set lock on file"). Every access here is short (one partition's write, one window's
read), so processes take turns instead of failing: before opening the file a process takes an advisory lock on
`<file>.lock` (flock: shared to read, exclusive to write), opens DuckDB (read-only to read), works, closes and
releases. A writer waiting for the lock holds `<file>.turnstile`, which every reader passes on its way in, so
readers arriving after a waiting writer queue behind it and a stream of readers cannot starve a backfill. Every
wait is bounded (NBA_ASSETS_WAREHOUSE_WAIT_SECONDS, default 300 s) and ends in an error naming the processes that
hold the file; a wait longer than a second is logged.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from nba_assets.storage.duckdb_instance import file_connection

WAIT_SECONDS_VARIABLE = "NBA_ASSETS_WAREHOUSE_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 300.0
REPORTED_WAIT_SECONDS = 1.0
MAX_POLL_SECONDS = 0.05

log = logging.getLogger(__name__)


class WarehouseBusyError(TimeoutError):
    pass


def wait_seconds() -> float:
    return float(os.environ.get(WAIT_SECONDS_VARIABLE) or DEFAULT_WAIT_SECONDS)


def lock_holders(path: Path) -> list[str]:
    """'pid N (command line)' of each process holding a flock on `path`, from /proc/locks (Linux); [] elsewhere."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    holders = []
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK":  # "->" in that place marks a waiter, not a holder
            continue
        pid, where = fields[4], fields[5]
        if where.rsplit(":", 1)[-1] != str(inode):
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            command = "?"
        holders.append(f"pid {pid} ({fields[3].lower()}: {command[:160]})")
    return sorted(set(holders))


@contextlib.contextmanager
def _flock(path: Path, exclusive: bool, deadline: float, purpose: str) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holders = lock_holders(path) or ["unknown processes"]
                    raise WarehouseBusyError(
                        f"the DuckDB warehouse {path.with_suffix('')} stayed busy for {wait_seconds():.0f} s while this "
                        f"process waited to {purpose}; held by {', '.join(holders)}. Readers and writers take it briefly, "
                        f"so a long hold is a stuck process; raise {WAIT_SECONDS_VARIABLE} to wait longer.") from None
                time.sleep(delay)
                delay = min(delay * 2, MAX_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # releases the lock


def _connect(database: str, read_only: bool, deadline: float, held: contextlib.ExitStack) -> duckdb.DuckDBPyConnection:
    """The file attached to the process's DuckDB instance until `held` closes (storage.duckdb_instance: an instance
    of its own per access would cost 40 ms of CPU each). DuckDB's own lock still refuses processes that bypass ours
    (the duckdb shell, a notebook): wait for them too."""
    while True:
        try:
            return held.enter_context(file_connection(database, read_only=read_only))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise WarehouseBusyError(f"the DuckDB warehouse {database} could not be opened: {error}") from error
            time.sleep(0.1)


@contextlib.contextmanager
def open_warehouse(database: str, *, write: bool, purpose: str = "") -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A connection to the warehouse file for one short piece of work: read-only unless `write`. Yields None to a
    reader when the file does not exist yet (every table is absent)."""
    path = Path(database)
    purpose = purpose or ("write" if write else "read")
    if not write and not path.exists():
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + wait_seconds()
    access, turnstile = Path(f"{database}.lock"), Path(f"{database}.turnstile")
    with contextlib.ExitStack() as held:
        # a writer holds the turnstile while it waits, so readers arriving meanwhile queue behind it
        with _flock(turnstile, write, deadline, purpose):
            if write:
                held.enter_context(_flock(access, True, deadline, purpose))
        if not write:
            held.enter_context(_flock(access, False, deadline, purpose))
        waited = time.monotonic() - started
        if waited > REPORTED_WAIT_SECONDS:
            log.warning("waited %.1f s for the DuckDB warehouse %s to %s (another process was %s it)", waited, database,
                        purpose, "using" if write else "writing")
        yield _connect(database, read_only=not write, deadline=deadline, held=held)
