"""The archive is a function of the pages imported: not of the hash seed, nor of how many
processes did the work.

The same pages are imported several times, each run in its own subprocess with its own
PYTHONHASHSEED and --jobs, into its own fresh archive; every article file (*.json and *.md,
by path inside the archive) must come out the same. Removed before comparing, because they
record the run rather than the page:

- archived_at: when the run stored the article;
- source.warc: where the raw bytes went in the day's WARC file (the file is named after the
  day of the run, and record_id is a fresh UUID per record).

Everything else, down to the file paths (an undated saved page is filed under its file's
mtime, which is part of the input), must match.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO, SHARED

SCRAPINGHUB = SHARED / "bench" / "scrapinghub" / "html"
# (PYTHONHASHSEED, --jobs): the first run is what the others are compared with. The second
# changes only the hash seed (set and dict-of-set order), the third the process count too
# (workers finish in any order and run ahead of what the index has learned).
RUNS = [("1", 1), ("2", 1), ("3", 2)]
RUN_DEPENDENT = {"archived_at": None, "source": {"warc": None}}


def import_pages(pages: list[Path], archive: Path, seed: str, jobs: int) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "newsarchive", "--archive", str(archive), "import", "--jobs", str(jobs)]
        + [str(p) for p in pages],
        env={**os.environ, "PYTHONHASHSEED": seed},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: some page was refused, which must not vary either
    return done


def article_files(archive: Path) -> dict[str, Path]:
    return {
        path.relative_to(archive).as_posix(): path
        for path in sorted(archive.rglob("*"))
        if path.suffix in (".json", ".md") and path.is_file()
    }


def without(value: Any, drop: dict[str, Any]) -> Any:
    """value with the keys in drop removed (a None leaf removes the key, a dict recurses)."""
    if not isinstance(value, dict):
        return value
    kept = dict(value)
    for key, inner in drop.items():
        if key not in kept:
            continue
        if inner is None:
            del kept[key]
        else:
            kept[key] = without(kept[key], inner)
    return kept


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "…"


def first_field_difference(left: Any, right: Any, where: str = "") -> str | None:
    """The dotted path of the first field where two JSON values differ, with both values."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                side = "first" if key in left else "second"
                return f"field {where + key!r} is only in the {side} run"
            found = first_field_difference(left[key], right[key], f"{where}{key}.")
            if found:
                return found
        return None
    if left != right:
        return f"field {where.rstrip('.')!r}: {_short(left)} vs {_short(right)}"
    return None


def archive_difference(first: Path, second: Path) -> str | None:
    """None if the archives hold the same article files; else the first difference, readably."""
    left, right = article_files(first), article_files(second)
    if left.keys() != right.keys():
        only_left, only_right = sorted(left.keys() - right.keys()), sorted(right.keys() - left.keys())
        return f"different files: only in the first run {only_left[:3]}, only in the second {only_right[:3]}"
    differing: list[str] = []
    for name in left:
        a, b = left[name].read_text(encoding="utf-8"), right[name].read_text(encoding="utf-8")
        if name.endswith(".json"):
            found = first_field_difference(without(json.loads(a), RUN_DEPENDENT), without(json.loads(b), RUN_DEPENDENT))
        elif a != b:
            pairs = enumerate(zip_longest(a.splitlines(), b.splitlines()), start=1)
            number, (line_a, line_b) = next((n, pair) for n, pair in pairs if pair[0] != pair[1])
            found = f"line {number}: {_short(line_a)} vs {_short(line_b)}"
        else:
            found = None
        if found:
            differing.append(f"{name}: {found}")
    if not differing:
        return None
    more = f" (and {len(differing) - 1} more files)" if len(differing) > 1 else ""
    return differing[0] + more


def assert_deterministic(pages: list[Path], tmp_path: Path) -> None:
    results = []
    for seed, jobs in RUNS:
        archive = tmp_path / f"archive-seed{seed}-jobs{jobs}"
        done = import_pages(pages, archive, seed, jobs)
        results.append((f"PYTHONHASHSEED={seed} --jobs {jobs}", archive, done))
    base_label, base_archive, base_done = results[0]
    assert article_files(base_archive), "the import archived nothing: the comparison would prove nothing"
    for label, archive, done in results[1:]:
        runs = f"{base_label} vs {label}"
        summary = (base_done.stderr.strip().splitlines() or [""])[-1], (done.stderr.strip().splitlines() or [""])[-1]
        if (base_done.returncode, summary[0]) != (done.returncode, summary[1]):
            pytest.fail(f"{runs}: the runs ended differently: {summary[0]!r} vs {summary[1]!r}", pytrace=False)
        problem = archive_difference(base_archive, archive)
        if problem:
            pytest.fail(f"{runs}: {problem}", pytrace=False)


def test_importing_the_fixture_pages_is_deterministic(tmp_path: Path) -> None:
    assert_deterministic([FIXTURES / "pages"], tmp_path)


def test_what_a_site_repeats_is_learned_the_same_with_workers(tmp_path: Path) -> None:
    # Twenty pages of one site with one footer: from the sixth on it is learned and stripped,
    # whichever worker extracted a page and however far ahead of the writer it was.
    from tests.test_learned import write_pages

    write_pages(tmp_path / "saved", range(1, 21))
    assert_deterministic([tmp_path / "saved"], tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not SCRAPINGHUB.is_dir(), reason=f"the ScrapingHub benchmark pages are not at {SCRAPINGHUB}")
def test_importing_the_scrapinghub_benchmark_pages_is_deterministic(tmp_path: Path) -> None:
    pages = tmp_path / "scrapinghub"  # decompressed here, never into the repo or ../shared
    pages.mkdir()
    for packed in sorted(SCRAPINGHUB.glob("*.html.gz")):
        (pages / packed.name.removesuffix(".gz")).write_bytes(gzip.decompress(packed.read_bytes()))
    assert_deterministic([FIXTURES / "pages", pages], tmp_path)


def test_the_comparison_names_the_first_differing_file_and_field(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"

    def article(root: Path, tags: list[str], run: int) -> None:
        stored = {"title": "T", "tags": tags, "archived_at": f"2024-01-0{run}", "source": {"warc": {"offset": run}}}
        (root / "2024").mkdir(parents=True, exist_ok=True)
        (root / "2024" / "t.json").write_text(json.dumps(stored), encoding="utf-8")
        (root / "2024" / "t.md").write_text("# T\n", encoding="utf-8")

    article(first, ["a", "b"], 1)
    article(second, ["b", "a"], 2)
    assert archive_difference(first, second) == """2024/t.json: field 'tags': ["a", "b"] vs ["b", "a"]"""
    article(second, ["a", "b"], 2)
    assert archive_difference(first, second) is None  # archived_at and source.warc do not count
    (second / "2024" / "t.md").write_text("# U\n", encoding="utf-8")
    assert archive_difference(first, second) == '2024/t.md: line 1: "# T" vs "# U"'
