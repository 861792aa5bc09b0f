"""Readers never block the writer of the DuckDB warehouse (storage/warehouse_lock.py): readers open it read-only
and side by side, a reader waits for a write in progress and reads its result, a writer waiting for readers goes
before readers that arrive after it, every wait is bounded and names who holds the file, and real `nba-assets
coverage` / `evaluate` processes looping during a real `nba-assets backfill` all succeed, as does the backfill."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from nba_assets.storage.warehouse_lock import WAIT_SECONDS_VARIABLE, WarehouseBusyError, open_warehouse
from nba_assets_tests.backends import WAREHOUSE_READER_COMMANDS
from nba_assets_tests.builders import warehouse_fingerprint

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NBA_ASSETS = Path(sys.executable).with_name("nba-assets")
BACKFILL_START, BACKFILL_END = "2021-10-19", "2021-10-24"


@dataclasses.dataclass
class Holder:
    """A hold_warehouse process: holds the file from `acquired` until release()."""

    process: subprocess.Popen
    lines: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def start(cls, database: Path, mode: str, env: dict | None = None) -> Holder:
        process = subprocess.Popen([sys.executable, "-m", "nba_assets_tests.hold_warehouse", str(database), mode],
                                   cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        holder = cls(process)
        threading.Thread(target=holder._read, daemon=True).start()
        return holder

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(f"{time.monotonic():.6f} {line.strip()}")

    def said_at(self, word: str) -> float | None:
        return next((float(line.split()[0]) for line in self.lines if line.endswith(word)), None)

    def acquired_at(self) -> float | None:
        return self.said_at("acquired")

    def wait_for(self, word: str, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while self.said_at(word) is None:
            assert self.process.poll() is None, f"holder exited {self.process.returncode}: {self.process.stderr.read()}"
            assert time.monotonic() < deadline, f"holder did not say {word!r}"
            time.sleep(0.02)
        return self.said_at(word)

    def wait_acquired(self) -> float:
        return self.wait_for("acquired")

    def wait_asking(self) -> None:
        """Returns a second after the holder asked for the file: long enough to get it if it were free."""
        self.wait_for("waiting")
        time.sleep(1.0)

    def release(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.wait(timeout=60) == 0, self.process.stderr.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def holders():
    started: list[Holder] = []
    yield started
    for holder in started:
        holder.stop()


def held_notes(database: Path) -> list[str]:
    with open_warehouse(str(database), write=False) as conn:
        return [row[0] for row in conn.execute("SELECT note FROM nba_analytics.held").fetchall()]


def test_a_reader_waits_for_a_write_in_progress_and_reads_its_result(tmp_path, holders):
    database = tmp_path / "warehouse.duckdb"
    writer = Holder.start(database, "write")
    holders.append(writer)
    writer.wait_acquired()
    result: dict = {}
    reader = threading.Thread(target=lambda: result.update(notes=held_notes(database)))
    reader.start()
    reader.join(timeout=1.0)
    assert reader.is_alive(), "the reader must wait while the write is in progress"
    writer.release()
    reader.join(timeout=60)
    assert result["notes"] == ["written while held"]


def test_readers_open_read_only_side_by_side(tmp_path, holders):
    database = tmp_path / "warehouse.duckdb"
    setup = Holder.start(database, "write")
    holders.append(setup)
    setup.wait_acquired()
    setup.release()
    other_reader = Holder.start(database, "read")
    holders.append(other_reader)
    other_reader.wait_acquired()
    assert held_notes(database) == ["written while held"]  # while another process reads: no waiting
    with open_warehouse(str(database), write=False) as conn, pytest.raises(duckdb.Error, match="read-only"):
        conn.execute("INSERT INTO nba_analytics.held VALUES ('a reader writing')")
    other_reader.release()


def test_a_waiting_writer_goes_before_readers_arriving_after_it(tmp_path, holders):
    database = tmp_path / "warehouse.duckdb"
    setup = Holder.start(database, "write")
    holders.append(setup)
    setup.wait_acquired()
    setup.release()
    first_reader = Holder.start(database, "read")
    holders.append(first_reader)
    first_reader.wait_acquired()
    writer = Holder.start(database, "write")
    holders.append(writer)
    writer.wait_asking()
    assert writer.acquired_at() is None  # the writer waits for the first reader
    late_reader = Holder.start(database, "read")
    holders.append(late_reader)
    late_reader.wait_asking()  # without the turnstile the late reader would share the file with the first one
    assert late_reader.acquired_at() is None, "a reader arriving after a waiting writer must queue behind it"
    first_reader.release()
    writer_at = writer.wait_acquired()
    time.sleep(0.5)
    assert late_reader.acquired_at() is None
    writer.release()
    assert late_reader.wait_acquired() > writer_at
    late_reader.release()
    assert held_notes(database) == ["written while held"] * 2


def test_a_wait_is_bounded_and_names_the_holder(tmp_path, holders, monkeypatch):
    database = tmp_path / "warehouse.duckdb"
    writer = Holder.start(database, "write")
    holders.append(writer)
    writer.wait_acquired()
    monkeypatch.setenv(WAIT_SECONDS_VARIABLE, "1")
    with pytest.raises(WarehouseBusyError) as refused:
        held_notes(database)
    message = str(refused.value)
    assert f"pid {writer.process.pid}" in message and "hold_warehouse" in message, message
    assert str(database) in message and WAIT_SECONDS_VARIABLE in message, message
    writer.release()


def test_coverage_and_evaluate_read_while_another_process_reads(tmp_path, holders, league_2021):
    """Both commands open the warehouse read-only: DuckDB lets them in beside another read-only process at once."""
    database = tmp_path / "warehouse.duckdb"
    setup = Holder.start(database, "write")
    holders.append(setup)
    setup.wait_acquired()
    setup.release()
    reader = Holder.start(database, "read")
    holders.append(reader)
    reader.wait_acquired()
    env = cli_env(tmp_path, database, league_2021)
    for command in WAREHOUSE_READER_COMMANDS:
        done = subprocess.run([str(NBA_ASSETS), *command], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "waited" not in done.stderr, done.stderr
    reader.release()


def cli_env(tmp_path: Path, database: Path, raw: Path) -> dict:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster_home" / "dagster.yaml").read_text())
    return {**os.environ, "DAGSTER_HOME": str(home), "NBA_ASSETS_WAREHOUSE": str(database), "NBA_ASSETS_RAW_DIR": str(raw),
            "NBA_ASSETS_STORAGE": "duckdb"}


def reader_loop(env: dict, stop: threading.Event, results: list) -> None:
    """Runs the reader commands one after the other until `stop`, recording (command, exit code, start, end, stderr)."""
    while not stop.is_set():
        for command in WAREHOUSE_READER_COMMANDS:
            started = time.monotonic()
            done = subprocess.run([str(NBA_ASSETS), *command], env=env, capture_output=True, text=True, timeout=600)
            results.append((command[0], done.returncode, started, time.monotonic(), done.stderr))


def waits(stderr: str) -> list[float]:
    return [float(line.split("waited ")[1].split(" s")[0]) for line in stderr.splitlines() if "waited " in line]


@pytest.mark.timeout(1500)
def test_readers_during_a_backfill_never_fail_it(tmp_path, league_2021):
    """Two reader loops (real CLI processes) for the whole length of a real backfill: every reader and the backfill
    succeed, and the warehouse equals the one a backfill without readers builds."""
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    alone = subprocess.run([str(NBA_ASSETS), "backfill", "--start", BACKFILL_START, "--end", BACKFILL_END],
                           env=cli_env(quiet, quiet / "warehouse.duckdb", league_2021), capture_output=True, text=True,
                           timeout=1200)
    assert alone.returncode == 0, alone.stdout + alone.stderr

    busy = tmp_path / "busy"
    busy.mkdir()
    database = busy / "warehouse.duckdb"
    env = cli_env(busy, database, league_2021)
    results: list = []
    stop = threading.Event()
    backfill_started = time.monotonic()
    backfill = subprocess.Popen([str(NBA_ASSETS), "backfill", "--start", BACKFILL_START, "--end", BACKFILL_END], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    loops = [threading.Thread(target=reader_loop, args=(env, stop, results)) for _ in range(2)]
    for loop in loops:
        loop.start()
    stdout, stderr = backfill.communicate(timeout=1200)
    backfill_ended = time.monotonic()
    stop.set()
    for loop in loops:
        loop.join(timeout=600)

    during = [r for r in results if r[2] < backfill_ended and r[3] > backfill_started]
    reader_waits = [w for r in results for w in waits(r[4])]
    print(f"\nbackfill {BACKFILL_START} .. {BACKFILL_END}: exit {backfill.returncode} in {backfill_ended - backfill_started:.0f} s; "
          f"{len(during)} reader runs overlapped it ({', '.join(f'{n} {c}' for c, n in pd.Series([r[0] for r in during]).value_counts().items())}); "
          f"readers waited > 1 s {len(reader_waits)} times (longest {max(reader_waits, default=0):.1f} s); "
          f"the backfill waited > 1 s {len(waits(stderr))} times (longest {max(waits(stderr), default=0):.1f} s)")
    assert backfill.returncode == 0, stdout + stderr
    failed = [r for r in results if r[1] != 0]
    assert not failed, f"{len(failed)} reader runs failed, e.g. {failed[0][0]}: {failed[0][4][-2000:]}"
    assert len(during) >= 4, "the readers must have run during the backfill"
    assert warehouse_fingerprint(database) == warehouse_fingerprint(quiet / "warehouse.duckdb")
