"""SIGKILL `newsarchive import` mid-run, again and again, then run it to the end: nothing lost, nothing doubled."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsarchive.runs.verify import verify
from newsarchive.store.archive import Archive
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


def import_command(archive: Path, folder: Path, verbosity: str = "-q") -> list[str]:
    # One process: each page is archived, and said so, before the next one starts.
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive), verbosity, "import", "--jobs", "1"]
    return [*command, str(folder), "--wait", "30"]


def kill_after_archiving(command: list[str], env: dict[str, str], count: int, rng: random.Random) -> int:
    """Run an import and SIGKILL it once it has said it archived `count` new pages, a random
    part of one page's time later, so that the kill lands anywhere in storing the next page;
    returns how the process ended."""
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    archived, previous, gap = 0, None, 0.0
    for line in process.stderr:
        now = time.monotonic()
        gap, previous = (now - previous if previous is not None else 0.0), now
        archived += line.startswith("archived: ")
        if archived == count:
            break
    time.sleep(rng.random() * gap)  # where in the next page it lands; the kill is mid-run regardless
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    return process.returncode


def raw_store(archive: Path) -> dict[tuple[str, int], tuple[str, tuple]]:
    """Every record of the archive's WARC files, read with their digests checked, by (file,
    offset): its WARC-Record-ID (random by design), and all the rest, which any run keeping the
    same page writes the same: its other headers and its payload's digest."""
    from warcio.archiveiterator import ArchiveIterator

    records = {}
    for path in sorted((archive / "raw").rglob("*.warc.gz")):
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream, check_digests="raise")
            for record in iterator:
                payload = hashlib.sha256(record.content_stream().read()).hexdigest()
                headers = record.rec_headers
                kept = tuple(sorted((name, value) for name, value in headers.headers if name != "WARC-Record-ID"))
                where = (path.relative_to(archive).as_posix(), iterator.get_record_offset())
                records[where] = (headers.get_header("WARC-Record-ID"), (*kept, ("payload sha256", payload)))
    return records


def snapshot(archive: Path, raw: dict[tuple[str, int], tuple[str, tuple]]) -> dict[str, str]:
    """Every article file by path, without the time it was archived, and with its raw page
    reference replaced by the record it leads to (or None): a killed run's record may come
    before the re-run's, at another offset and with another record id, but it must be the same."""
    found = {}
    for path in sorted(archive.rglob("*")):
        if path.is_file() and path.suffix in (".json", ".md"):
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                data = json.loads(text)
                data.pop("archived_at")
                ref = data["source"].pop("warc")
                record_id, kept = raw.get((ref["file"], ref["offset"]), (None, None))
                data["source"]["warc"] = [ref["file"], kept if record_id == ref["record_id"] else None]
                text = json.dumps(data, sort_keys=True)
            found[path.relative_to(archive).as_posix()] = text
    return found


def records_by_file(raw: dict[tuple[str, int], tuple[str, tuple]]) -> Counter:
    """How many copies of each record (all but its id) each WARC file holds."""
    return Counter((file, kept) for (file, _), (_, kept) in raw.items())


@pytest.mark.slow
def test_killed_imports_resume_to_the_same_archive_as_one_clean_run(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    corpus(folder)
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    subprocess.run(import_command(reference, folder), check=True, env=env, timeout=300)

    rng = random.Random(20261125)
    for _ in range(KILLS):  # at most KILLS × 25 pages of PAGES: every kill leaves work to do
        ended = kill_after_archiving(import_command(crashed, folder, "-v"), env, rng.randint(1, 25), rng)
        assert ended == -signal.SIGKILL  # killed mid-run, not finished
    subprocess.run(import_command(crashed, folder), check=True, env=env, timeout=300)

    with Archive(crashed) as archive:
        report = verify(archive)  # every source.warc leads to its record, whole, of the right page
        assert report.problems == []
        assert archive.stats()["articles"] == PAGES
        assert archive.stats()["versions"] == PAGES  # nothing doubled, no spurious second versions
    assert not [p for p in crashed.rglob("*.tmp")]
    assert not (crashed / ".newsarchive.running").exists()
    reference_raw, crashed_raw = raw_store(reference), raw_store(crashed)
    assert snapshot(crashed, crashed_raw) == snapshot(reference, reference_raw)
    kept, once = records_by_file(crashed_raw), records_by_file(reference_raw)
    assert set(kept) == set(once) and set(once.values()) == {1}  # the same records in the same files
    # A killed run can leave the record of the page it was storing; the re-run stores it again.
    assert sum(kept.values()) - len(kept) <= KILLS


def test_a_lock_held_by_a_killed_process_is_taken_over_and_its_leftovers_cleared(tmp_path: Path, run) -> None:
    archive_dir = tmp_path / "archive"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    holder = subprocess.Popen(  # holds the lock until it is killed
        [sys.executable, "-c",
         "import sys; from newsarchive.store.archive import Archive\n"
         f"with Archive({str(archive_dir)!r}).lock():\n"
         "    print('locked', flush=True); sys.stdin.readline()"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
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
    holder.stdin.close()
    holder.stdout.close()
    page = tmp_path / "pages" / "page.html"
    page.parent.mkdir()
    page.write_text(news_page(), encoding="utf-8")
    result = run("import", str(page.parent))
    assert result.exit_code == 0, result.stderr
    assert not (day / ".story.json.4242.tmp").exists()
    assert not (day / "story.md").exists()
    assert not (archive_dir / ".newsarchive.running").exists()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, as /proc tells."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])  # after the command name: state, ppid
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def extracting_workers(pid: int) -> list[int]:
    """The worker processes of an import's pool: children of its forkserver."""
    workers = []
    for child in children(pid):
        try:
            command = (Path("/proc") / str(child) / "cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.forkserver" in command:
            workers += children(child)
    return workers


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes in /proc")
def test_a_worker_process_killed_mid_import_is_one_error_line_and_the_next_run_finishes(tmp_path: Path) -> None:
    folder, archive = tmp_path / "pages", tmp_path / "archive"
    corpus(folder)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive), "-v", "import", "--jobs", "2"]
    process = subprocess.Popen([*command, str(folder)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        said = []
        for line in process.stderr:  # the pool is up and storing
            said.append(line)
            if line.startswith("archived: "):
                break
        deadline = time.monotonic() + 120
        workers = extracting_workers(process.pid)
        while not workers:
            assert process.poll() is None and time.monotonic() < deadline, said
            time.sleep(0.01)  # polling /proc for the workers; the wait is no part of the test
            workers = extracting_workers(process.pid)
        assert process.poll() is None, said  # the import still has pages to go
        os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
        said += process.stderr.readlines()
        assert process.wait(timeout=300) == 1, said
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    assert not any("Traceback" in line for line in said), "".join(said)
    archived = sum(line.startswith("archived: ") for line in said)
    assert 0 < archived < PAGES
    assert said[-1] == (
        f"error: a worker process ended unexpectedly (killed, or out of memory); {PAGES - archived} page(s) were"
        " not imported: run the import again to finish (what was imported is kept)\n"
    )
    assert len(said) == archived + 1  # each stored page said so, then the one line

    again = subprocess.run([*command, str(folder)], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert f"archived {PAGES - archived}, updated 0, duplicates {archived}, failed 0, skipped 0" in again.stderr
    with Archive(archive) as opened:
        assert verify(opened).problems == []
        assert opened.stats()["articles"] == opened.stats()["versions"] == PAGES
    assert not list(archive.rglob("*.tmp")) and not (archive / ".newsarchive.running").exists()
