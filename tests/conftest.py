from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import cli
from newsarchive.config import Settings
from newsarchive.store.archive import Archive
from tests.localserver import LocalServer

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's config or archive."""
    for name in list(os.environ):
        if name.startswith("NEWSARCHIVE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def archive(archive_dir: Path) -> Iterator[Archive]:
    with Archive(archive_dir) as opened:
        yield opened


@pytest.fixture
def settings(archive_dir: Path) -> Settings:
    # Fast retries so failure tests do not sleep for seconds.
    return Settings(archive=archive_dir, backoff=0.01, deadline=10, connect_timeout=2, read_timeout=2)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def run(archive_dir: Path):
    """Invoke the CLI on the test archive; returns click's Result."""

    def invoke(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(cli, ["--archive", str(archive_dir), *args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's URL: TEST_POSTGRES_URL, or a throwaway cluster started here."""
    import importlib.util

    required = os.environ.get("REQUIRE_POSTGRES_TESTS") == "1"

    def unavailable(reason: str) -> None:
        if required:
            pytest.fail(f"PostgreSQL is required here (REQUIRE_POSTGRES_TESTS=1): {reason}")
        pytest.skip(reason)

    if importlib.util.find_spec("psycopg") is None:
        unavailable("psycopg is not installed (pip install -e '.[test]')")
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    from tests.pg import Cluster

    try:
        cluster = Cluster()
        cluster.start()
    except (RuntimeError, OSError, LookupError) as exc:
        unavailable(f"no PostgreSQL server could be started here: {exc}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


_databases = iter(range(1_000_000))


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    """A fresh empty database for one test."""
    from tests.pg import database_url

    return database_url(postgres_server, f"test_{os.getpid()}_{next(_databases)}")
