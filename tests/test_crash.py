"""SIGKILL `newsarchive import` at random moments, then run it again: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchive.store import Archive
from newsarchive.verify import verify
from tests.pages import about, news_page

PAGES = 800
KILLS = 20
SECTIONS = ("world", "business", "sport", "science")


def corpus(folder: Path) -> None:
    folder.mkdir()
    for n in range(PAGES):
        page = news_page(
            f"Story {n} of the crash corpus",
            about(f"matter number {n}", 12),
            url=f"https://crash.example/{SECTIONS[n % 4]}/2025/05/{n % 28 + 1:02d}/story-{n}/",
            section=SECTIONS[n % 4].title(),
            published=f"2025-05-{n % 28 + 1:02d}T10:00:00+00:00",
        )
        (folder / f"page-{n:03d}.html").write_text(page, encoding="utf-8")


def import_command(archive: Path, folder: Path) -> list[str]:
    # One process: progress is slow and steady enough for the kills to land mid-run.
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive), "-q", "import", "--jobs", "1"]
    return [*command, str(folder), "--wait", "30"]


def snapshot(archive: Path) -> dict[str, dict]:
    """Every article file by path, without the time it was archived."""
    found = {}
    for path in sorted(archive.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".md"):
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                data = json.loads(text)
                data.pop("archived_at")
                data["source"].pop("warc")  # a killed run's raw record may come before the re-run's
                text = json.dumps(data, sort_keys=True)
            found[path.relative_to(archive).as_posix()] = text
    return found


@pytest.mark.slow
def test_killed_imports_resume_to_the_same_archive_as_one_clean_run(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    corpus(folder)
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    subprocess.run(import_command(reference, folder), check=True, env=env, timeout=300)

    rng = random.Random(20261125)
    killed_mid_run = 0
    for _ in range(KILLS):
        process = subprocess.Popen(import_command(crashed, folder), env=env, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.9))
        if process.poll() is None and len(list(crashed.rglob("*.json"))) < PAGES:
            killed_mid_run += 1
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert killed_mid_run >= KILLS // 2  # the kills really landed while work was left
    subprocess.run(import_command(crashed, folder), check=True, env=env, timeout=300)

    with Archive(crashed) as archive:
        report = verify(archive)
        assert report.problems == []
        assert archive.stats()["articles"] == PAGES
        assert archive.stats()["versions"] == PAGES  # nothing doubled, no spurious second versions
    assert not [p for p in crashed.rglob("*.tmp")]
    assert not (crashed / ".newsarchive.running").exists()
    assert snapshot(crashed) == snapshot(reference)


def test_a_lock_held_by_a_killed_process_is_taken_over_and_its_leftovers_cleared(tmp_path: Path, run) -> None:
    archive_dir = tmp_path / "archive"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from newsarchive.store import Archive\n"
         f"with Archive({str(archive_dir)!r}).lock():\n"
         "    print('locked', flush=True); time.sleep(60)"],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    day = archive_dir / "2025" / "05" / "01" / "world"
    day.mkdir(parents=True)
    (day / ".story.json.4242.tmp").write_text("half a file", encoding="utf-8")
    (day / "story.md").write_text("# Markdown whose JSON never landed\n", encoding="utf-8")
    busy = run("import", str(tmp_path))
    assert busy.exit_code == 2
    assert f"pid {holder.pid}" in busy.stderr

    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    page = tmp_path / "pages" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(), encoding="utf-8")
    result = run("import", str(page.parent))
    assert result.exit_code == 0, result.stderr
    assert not (day / ".story.json.4242.tmp").exists()
    assert not (day / "story.md").exists()
    assert not (archive_dir / ".newsarchive.running").exists()
