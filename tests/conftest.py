from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import cli
from newsarchive.config import Settings
from newsarchive.store import Archive
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
