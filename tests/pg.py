"""A throwaway PostgreSQL server for the tests: a cluster in a temporary folder, listening on
127.0.0.1 only, started from the distribution's binaries and stopped at the end.

TEST_POSTGRES_URL names an existing server instead. Without either, the tests that need one
skip, saying why; `.ci/run` installs PostgreSQL and sets REQUIRE_POSTGRES_TESTS=1, so that in
CI they fail instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "newsarchive"


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """initdb + pg_ctl start; as root, the server runs as the distribution's `postgres` user."""

    def __init__(self) -> None:
        self.bin = _binaries()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries (Debian: apt-get install postgresql)")
        # Not under pytest's tmp folder: as root that is closed to the postgres user.
        self.base = base = Path(tempfile.mkdtemp(prefix="newsarchive-pg-"))
        self.data = base / "data"
        self.port = _free_port()
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
            self.run_as = ["runuser", "-u", "postgres", "--"]
            base.chmod(0o777)
            shutil.chown(base, user="postgres")
        self.url = f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self.run_as, *command], capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:2])} failed: {(result.stderr or result.stdout).strip()[-500:]}")

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off -c max_connections=100"
        log = str(self.base / "log")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """A fresh, empty database on the server, for one test."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
