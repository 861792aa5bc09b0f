"""What the tests that start servers share: a free port, stopping a server's whole process group, GraphQL calls."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process_group(process: subprocess.Popen, grace_seconds: float = 20, wait_seconds: float = 10) -> None:
    """SIGTERM the process's session (it and everything it started), SIGKILL what outlives the grace."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        process.poll()  # reaps the leader, so only live members keep the group alive
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=wait_seconds)


def graphql(url: str, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
    """The data of one query to a Dagster webserver's GraphQL endpoint; GraphQL errors fail the caller."""
    response = requests.post(f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=timeout)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, f"GraphQL errors: {body['errors']}"
    return body["data"]
