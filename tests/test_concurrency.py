"""Runs that overlap on one archive are serialized by its lock: nothing lost, nothing corrupted;
a full disk mid-batch is one clear error and a consistent archive."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.runs.verify import verify
from newsarchive.store.archive import Archive
from tests.localserver import LocalServer
from tests.pages import about, news_page

REPO = Path(__file__).resolve().parent.parent


def folder_of_pages(folder: Path, prefix: str, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        page = news_page(f"{prefix} story {n}", about(f"{prefix} matter {n}", 6), url=f"https://c.example/{prefix}/{n}")
        (folder / f"{prefix}-{n:03d}.html").write_text(page, encoding="utf-8")


@pytest.mark.slow
def test_two_imports_and_a_fetch_at_once_are_serialized(tmp_path: Path, server: LocalServer) -> None:
    folder_of_pages(tmp_path / "one", "alpha", 60)
    folder_of_pages(tmp_path / "two", "beta", 60)
    pages = [news_page(f"Gamma story {n}", about(f"gamma {n}", 6), url=None) for n in range(10)]
    urls = [server.route(f"/gamma/{n}", page) for n, page in enumerate(pages)]
    archive_dir = tmp_path / "archive"
    base = [sys.executable, "-m", "newsarchive", "--archive", str(archive_dir), "-q"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [
        subprocess.Popen([*base, "import", "--wait", "120", str(tmp_path / "one")], env=env, stderr=subprocess.PIPE),
        subprocess.Popen([*base, "import", "--wait", "120", str(tmp_path / "two")], env=env, stderr=subprocess.PIPE),
        subprocess.Popen([*base, "fetch", "--wait", "120", *urls], env=env, stderr=subprocess.PIPE),
    ]
    for process in runs:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr.decode()
    with Archive(archive_dir) as archive:
        assert archive.stats()["articles"] == 130
        assert verify(archive).problems == []


def test_a_full_disk_mid_batch_is_one_clear_error_and_a_consistent_archive(
    tmp_path: Path, run, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_of_pages(tmp_path / "pages", "delta", 12)
    real_fsync = os.fsync
    writes = {"count": 0}

    def fills_up(fd: int) -> None:
        writes["count"] += 1
        if writes["count"] > 10:  # a few articles (raw WARC, Markdown, JSON each) fit, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fills_up)
    result = run("import", str(tmp_path / "pages"))
    monkeypatch.undo()
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0], result.stderr
    with Archive(archive_dir) as archive:
        assert archive.stats()["articles"] == len(list(archive_dir.rglob("*.json"))) >= 1
        assert verify(archive).problems == []
    assert run("import", str(tmp_path / "pages")).exit_code == 0  # space again: the run completes
    with Archive(archive_dir) as archive:
        assert archive.stats()["articles"] == 12
