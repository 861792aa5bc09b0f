"""A real PostgreSQL server for the tests that need one, from Debian's `postgresql` package (`make test` installs it):
initialised in a temporary folder, listening on a free localhost port, stopped and deleted afterwards.

    with running_postgres() as server:
        server.dagster_storage()  # the `storage: postgres:` block of a dagster.yaml

PostgreSQL refuses to run as root: under root the server runs as the package's `postgres` user.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nba_assets_tests.servers import free_port

USER, PASSWORD, DATABASE = "dagster", "dagster", "dagster"


@dataclasses.dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str = USER
    password: str = PASSWORD
    database: str = DATABASE

    def dagster_storage(self) -> dict:
        """The instance's `storage` setting for this server (dagster-postgres)."""
        return {"postgres": {"postgres_db": {"hostname": self.host, "port": self.port, "username": self.user,
                                             "password": self.password, "db_name": self.database,
                                             # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; the lock has psycopg2
                                             "scheme": "postgresql+psycopg2"}}}


def server_binaries() -> Path | None:
    """The newest installed server's bin folder (Debian keeps it outside PATH), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    binaries = server_binaries()
    if binaries is None:
        pytest.fail("PostgreSQL server binaries not found: `make test` installs Debian's postgresql package")
    folder = Path(tempfile.mkdtemp(prefix="nba-assets-postgres-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    data, log, port = folder / "data", folder / "server.log", free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*as_postgres, *args], capture_output=True, text=True)
        if done.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}{server_log}")

    (folder / "password").write_text(PASSWORD)
    if as_postgres:
        os.chown(folder / "password", account.pw_uid, account.pw_gid)
    run(str(binaries / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={folder / 'password'}", "--auth=scram-sha-256",
        "-E", "UTF8", "--no-sync")
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off", "start")
    try:
        run("env", f"PGPASSWORD={PASSWORD}", str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER,
            DATABASE)
        yield PostgresServer("127.0.0.1", port)
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
