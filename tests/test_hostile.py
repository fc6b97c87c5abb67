"""Hostile and broken input: each file is archived as a sane article or reported in one clear
line naming it, the batch goes on, the run exits 1, and nothing is written outside the archive."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.cli import printable
from newsarchive.runs.verify import verify
from newsarchive.store.archive import Archive
from tests import hostile
from tests.pages import about, news_page


def files_under(folder: Path) -> set[str]:
    return {os.fsdecode(p) for p in folder.rglob("*") if not p.is_symlink()}


def check_corpus(tmp_path: Path, run, big: bool) -> None:
    inputs = tmp_path / "inputs"
    expected = hostile.build(inputs, big=big)
    archive_dir = tmp_path / "archive"
    before = files_under(tmp_path)
    result = run("--archive", str(archive_dir), "import", "--json", str(inputs))
    assert result.exit_code == 1

    outcomes = {}
    for line in result.stdout.splitlines():
        row = json.loads(line)
        if "input" in row:
            outcomes[Path(row["input"]).name] = row
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    for name, want in expected.items():
        shown = printable(name)
        row = outcomes.get(shown)
        assert row is not None, f"{shown} was not reported"
        if want == hostile.FAILED:
            assert row["status"] == "failed", (shown, row)
            mentions = [line for line in error_lines if shown in line]
            assert len(mentions) == 1, (shown, error_lines)
            assert len(mentions[0]) < 400 and row["reason"], mentions
        else:
            assert row["status"] in ("archived", "duplicate"), (shown, row)  # variants of one page
    assert len(error_lines) == sum(1 for want in expected.values() if want == hostile.FAILED)

    written = files_under(tmp_path) - before
    inside = [path == str(archive_dir) or path.startswith(str(archive_dir) + os.sep) for path in written]
    assert written and all(inside), sorted(written)
    with Archive(archive_dir) as archive:
        assert verify(archive).problems == []
        for row in archive.list():
            article = archive.load(row["id"])
            assert article.title and "\x00" not in article.title and "\n" not in article.title
            assert not any(ch < " " for ch in article.title)


def test_hostile_inputs_are_archived_sanely_or_reported_in_one_line(tmp_path: Path, run) -> None:
    check_corpus(tmp_path, run, big=False)


@pytest.mark.slow
def test_hostile_inputs_with_a_sixty_megabyte_page(tmp_path: Path, run) -> None:
    check_corpus(tmp_path, run, big=True)


@pytest.mark.slow
def test_a_sixty_megabyte_page_and_deep_nesting_stay_under_a_gigabyte(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    hostile.build(inputs, big=True)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "newsarchive", "--archive", str(tmp_path / "a"), "-q", "import"]
    pages = [str(inputs / "sixty-mb.html"), str(inputs / "nested-divs.html")]
    done = subprocess.run([*command, *pages], env=env, timeout=120, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "nested-divs.html: no article body found" in done.stderr
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 1024 * 1024, f"peak RSS {peak_kib} KiB"


def test_a_file_that_vanishes_mid_import_is_reported_and_the_batch_goes_on(tmp_path: Path, settings) -> None:
    from newsarchive.runs.pipeline import import_paths

    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(3):
        (folder / f"page-{n}.html").write_text(news_page(f"Story {n}", about(f"vanishing {n}"), url=None))
    results = []

    def on_result(result) -> None:
        results.append(result)
        (folder / "page-1.html").unlink(missing_ok=True)  # gone after the listing, before its turn

    with Archive(settings.archive) as archive:
        summary = import_paths(archive, [folder], settings, on_result=on_result)
    assert [(Path(r.input).name, r.status) for r in results] == [
        ("page-0.html", "archived"),
        ("page-1.html", "failed"),
        ("page-2.html", "archived"),
    ]
    assert results[1].reason == "file not found"
    assert summary.failed == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_reported_and_the_batch_goes_on(tmp_path: Path, run) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_text(news_page("Readable story", about("readable")), encoding="utf-8")
    locked = folder / "b.html"
    locked.write_text(news_page("Locked story", about("locked"), url=None), encoding="utf-8")
    locked.chmod(0)
    result = run("import", str(folder))
    assert result.exit_code == 1
    assert "b.html: permission denied" in result.stderr
    assert "archived 1" in result.stderr
