"""A BigQuery emulator for tests: bqemulator 1.4.0 in its own venv (.venv-bqemu, installed by `make test` from
tools/bqemulator), started on a free loopback port and stopped with its whole process group."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nba_assets_tests.servers import free_port, stop_process_group

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EMULATOR_PYTHON = PROJECT_ROOT / ".venv-bqemu" / "bin" / "python"
LAUNCHER = PROJECT_ROOT / "tools" / "bqemulator" / "launch.py"
EMULATOR_PROJECT = "nba-assets-test"
STARTUP_SECONDS = 60


def require_emulator_venv() -> None:
    """Skip without the emulator venv, but fail on CI, where `make test` must have installed it."""
    if EMULATOR_PYTHON.exists():
        return
    message = f"BigQuery emulator not installed ({EMULATOR_PYTHON} is missing); `make test` installs it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def wait_until_answering(endpoint: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the BigQuery emulator exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{endpoint}/bigquery/v2/projects/{EMULATOR_PROJECT}/datasets", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"the BigQuery emulator did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_emulator(folder: Path) -> Iterator[str]:
    """An ephemeral emulator for project EMULATOR_PROJECT; yields its REST endpoint. `folder` holds its log and
    is its HOME and working directory, so no user configuration (.bqemu.toml) leaks in."""
    require_emulator_venv()
    rest_port, grpc_port = free_port(), free_port()
    log = folder / "emulator.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(EMULATOR_PYTHON), str(LAUNCHER), "start", "--rest-host", "127.0.0.1", "--rest-port", str(rest_port),
             "--grpc-host", "127.0.0.1", "--grpc-port", str(grpc_port), "--ephemeral", "--project", EMULATOR_PROJECT,
             "--log-level", "warning"],
            cwd=folder, env={**os.environ, "HOME": str(folder)}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{rest_port}"
    try:
        wait_until_answering(endpoint, process, log)
        yield endpoint
    finally:
        stop_process_group(process, grace_seconds=10)
