"""Import throughput, re-run speed, memory and start-up time, measured side by side in one run.

The corpus is made from the real news pages in ../shared/bench/scrapinghub/ (read at run time,
never copied into the repository): each copy gets its own canonical URL and a small text change,
so every copy is a distinct article. It is written to a temporary folder and removed after.

    python benchmarks/throughput.py [--small N] [--large N] [--baseline N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench" / "scrapinghub"
sys.path.insert(0, str(REPO))

# Issue 7's targets.
IMPORT_VS_OWN = 0.85  # import --jobs 1 against newsarchive's own extraction loop
IMPORT_VS_TRAFILATURA = 0.6  # import --jobs 1 against bare trafilatura
TWO_JOBS_SPEEDUP = 1.7
RERUN_SPEEDUP = 20.0
RSS_GROWTH = 1.10
RSS_LIMIT_MB = 400
HELP_SECONDS = 0.3
SEARCH_SECONDS = 0.050
HEAD = re.compile(rb"<head[^>]*>", re.IGNORECASE)
PARAGRAPH = re.compile(rb"<p(\s[^>]*)?>", re.IGNORECASE)


def originals() -> list[bytes]:
    return [gzip.decompress(path.read_bytes()) for path in sorted((BENCH / "html").glob("*.html.gz"))]


def make_corpus(folder: Path, count: int, pages: list[bytes]) -> None:
    """`count` distinct copies: a canonical URL of their own and one changed sentence each."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        html = pages[n % len(pages)]
        link = f'<link rel="canonical" href="https://copies.example/{n // len(pages)}/{n}/story.html">'.encode()
        html = HEAD.sub(lambda m, link=link: m.group(0) + link, html, count=1)
        html = PARAGRAPH.sub(lambda m, n=n: m.group(0) + f"Copy {n} of the page. ".encode(), html, count=1)
        (folder / f"page-{n:05d}.html").write_bytes(html)


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.html"))


def trafilatura_loop(paths: list[Path]) -> float:
    import trafilatura

    started = time.perf_counter()
    for path in paths:
        trafilatura.extract(path.read_bytes().decode("utf-8", "replace"), with_metadata=True, include_comments=False)
    return len(paths) / (time.perf_counter() - started)


def newsarchive_loop(paths: list[Path]) -> float:
    """The library function import uses for each file (read, extract, strip, metadata), no writing."""
    from newsarchive.errors import NewsarchiveError
    from newsarchive.extract.article import build_article
    from newsarchive.extract.clean import Stripper
    from newsarchive.inputs.saved import FileInput, read_file

    stripper = Stripper()
    started = time.perf_counter()
    for path in paths:
        with contextlib.suppress(NewsarchiveError):  # a page with no article costs its time too
            build_article(read_file(FileInput(path, path.parent)), stripper)
    return len(paths) / (time.perf_counter() - started)


def run_import(archive: Path, folder: Path, jobs: int) -> tuple[float, float]:
    """(pages/second, peak RSS in MB of the import process and its workers)."""
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive), "-q", "import", "--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen([*command, str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"import failed: {process.stderr.read().decode()}")
    process.stderr.close()
    return len(files(folder)) / seconds, usage.ru_maxrss / 1024


def help_seconds() -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newsarchive", "--help"], stdout=subprocess.DEVNULL, check=True)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def search_seconds(archive: Path) -> float:
    from newsarchive.store.archive import Archive

    runs = []
    with Archive(archive) as opened:
        for query in ("government", "police said", "market", "election results", "climate"):
            started = time.perf_counter()
            opened.search(query)
            runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=2000, help="pages in the main corpus")
    parser.add_argument("--large", type=int, default=10000, help="pages in the memory-growth corpus")
    parser.add_argument("--baseline", type=int, default=600, help="pages the two baseline loops read")
    parser.add_argument("--keep", type=Path, help="build the corpora and archives here and keep them")
    args = parser.parse_args()
    if not (BENCH / "html").is_dir():
        print(f"benchmark pages not found at {BENCH}: nothing measured")
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsarchive-throughput-"))
    try:
        return measure(work, args)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, args: argparse.Namespace) -> int:
    pages = originals()
    small, large = work / f"corpus-{args.small}", work / f"corpus-{args.large}"
    make_corpus(small, args.small, pages)
    make_corpus(large, args.large, pages)
    sample = files(small)[: args.baseline]
    cores = os.cpu_count()

    traf_rate = trafilatura_loop(sample)
    own_rate = newsarchive_loop(sample)
    one_rate, one_rss = run_import(work / "archive-1", small, jobs=1)
    two_rate, _ = run_import(work / "archive-2", small, jobs=2)
    again_rate, _ = run_import(work / "archive-1", small, jobs=1)
    large_rate, large_rss = run_import(work / "archive-large", large, jobs=1)
    help_time = help_seconds()
    search_time = search_seconds(work / "archive-large")

    print(f"Throughput on {cores} cores; corpus from {len(pages)} real news pages\n")
    print(f"{'measurement':<58} {'value':>12}  ratio")
    rows = [
        (f"(1a) trafilatura.extract loop, {len(sample)} pages", f"{traf_rate:8.1f} p/s", ""),
        (f"(1b) newsarchive extraction loop, {len(sample)} pages", f"{own_rate:8.1f} p/s", ""),
        (f"(2)  import --jobs 1, {args.small} pages, fresh archive", f"{one_rate:8.1f} p/s",
         f"{one_rate / own_rate:.2f} x (1b), {one_rate / traf_rate:.2f} x (1a)"),
        (f"(3)  import --jobs 2, {args.small} pages, fresh archive", f"{two_rate:8.1f} p/s",
         f"{two_rate / one_rate:.2f} x (2)"),
        ("(4)  import --jobs 1 again (all duplicates)", f"{again_rate:8.1f} p/s", f"{again_rate / one_rate:.1f} x (2)"),
        (f"(5a) peak RSS, import --jobs 1 of {args.small} pages", f"{one_rss:8.1f} MB", ""),
        (f"(5b) peak RSS, import --jobs 1 of {args.large} pages", f"{large_rss:8.1f} MB",
         f"{large_rss / one_rss:.2f} x (5a); {large_rate:.1f} p/s"),
        ("(6a) newsarchive --help, wall time (median of 5)", f"{help_time * 1000:8.1f} ms", ""),
        (f"(6b) search on the {args.large}-page archive (median of 5)", f"{search_time * 1000:8.2f} ms", ""),
    ]  # fmt: skip
    for label, value, ratio in rows:
        print(f"{label:<58} {value:>12}  {ratio}")
    checks = [
        (f"(2) >= {IMPORT_VS_OWN} x (1b)", one_rate >= IMPORT_VS_OWN * own_rate),
        (f"(2) >= {IMPORT_VS_TRAFILATURA} x (1a)", one_rate >= IMPORT_VS_TRAFILATURA * traf_rate),
        (f"(3) >= {TWO_JOBS_SPEEDUP} x (2)", two_rate >= TWO_JOBS_SPEEDUP * one_rate),
        (f"(4) >= {RERUN_SPEEDUP} x (2)", again_rate >= RERUN_SPEEDUP * one_rate),
        (f"(5b) <= {RSS_GROWTH} x (5a)", large_rss <= RSS_GROWTH * one_rss),
        (f"(5b) < {RSS_LIMIT_MB} MB", large_rss < RSS_LIMIT_MB),
        (f"(6a) < {HELP_SECONDS} s", help_time < HELP_SECONDS),
        (f"(6b) < {SEARCH_SECONDS * 1000:.0f} ms", search_time < SEARCH_SECONDS),
    ]
    print()
    for label, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
