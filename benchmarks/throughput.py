"""Import throughput against bare trafilatura, two processes, a re-run, memory and a bulk WARC,
measured side by side in one run.

The corpus is issue 19's harder case, made at run time from the 181 real news pages in
../shared/bench/scrapinghub/ (never copied into the repository): N copies of every page, each
copy with its own canonical URL (the page's own site, under /copy-N/) and a word of its own
appended to every paragraph, so no copy is a duplicate of another and each site's learned
lines are those of real pages. It is written to a temporary folder and removed after.

    python benchmarks/throughput.py [--copies 3] [--large-copies 9] [--repeat 3] [--bulk 100000] [--keep DIR]

The bulk WARC (--bulk N records, 0 to skip) is built once into a cache folder outside the
repository ($XDG_CACHE_HOME or ~/.cache, newsarchive-bench/) and reused by later runs.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench" / "scrapinghub"
sys.path.insert(0, str(REPO))

# Issue 19's goals.
IMPORT_VS_TRAFILATURA = 1.0  # import --jobs 1 against the bare trafilatura loop
TWO_JOBS_SPEEDUP = 1.7  # import --jobs 2 against --jobs 1
RERUN_SPEEDUP = 20.0
RSS_GROWTH = 1.10
RSS_LIMIT_MB = 400
HELP_SECONDS = 0.3
SEARCH_SECONDS = 0.050
CANONICAL = re.compile(rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.IGNORECASE)
HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
PARAGRAPH_END = re.compile(rb"</p\s*>", re.IGNORECASE)


def originals() -> list[tuple[str, bytes]]:
    """(URL, HTML) of each benchmark page, in a stable order."""
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((BENCH / "html").glob("*.html.gz")):
        pages.append((truth[path.name.split(".", 1)[0]]["url"], gzip.decompress(path.read_bytes())))
    return pages


def copy_word(copy: int) -> str:
    """A word of letters only, different for every copy: 'zqa', 'zqb', … 'zqba', …"""
    letters = ""
    while True:
        copy, digit = divmod(copy, 26)
        letters = chr(ord("a") + digit) + letters
        if copy == 0:
            return "zq" + letters


def page_copy(url: str, html: bytes, copy: int) -> tuple[str, bytes]:
    """The page as a distinct article: its own canonical URL and a word of its own at the end of
    every paragraph."""
    parts = urlsplit(url)
    new_url = f"{parts.scheme}://{parts.netloc}/copy-{copy}{parts.path or '/'}"
    link = f'<link rel="canonical" href="{new_url}">'.encode()
    html = CANONICAL.sub(b"", html)
    html = HEAD.sub(lambda m: m.group(0) + link, html, count=1)
    word = f" {copy_word(copy)}".encode()
    return new_url, PARAGRAPH_END.sub(lambda m: word + m.group(0), html)


def make_corpus(folder: Path, copies: int, pages: list[tuple[str, bytes]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for copy in range(copies):
        for n, (url, html) in enumerate(pages):
            path = folder / f"copy{copy:03d}-page{n:03d}.html"
            path.write_bytes(page_copy(url, html, copy)[1])
            paths.append(path)
    return paths


def trafilatura_loop(paths: list[Path]) -> float:
    """Issue 19's baseline: trafilatura's extraction alone, in one process, on the same files."""
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


def run_import(archive: Path, inputs: Path, jobs: int, count: int) -> tuple[float, float]:
    """(pages/second, peak RSS in MB) of one whole `newsarchive import` process and its
    descendants (the worker processes): the sum of each one's own peak RSS (VmHWM), never less
    than the largest sum of their RSS at any one moment.

    Not wait4's ru_maxrss: Linux carries it across fork and exec, so a child started by this
    script reports at least this script's own RSS (which grows as it loads trafilatura)."""
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive), "-q", "import", "--jobs", str(jobs)]
    # Its error lines (pages that are not articles) go to a file: a pipe nobody reads until the
    # end fills up after 64 KB, and the import would wait on it for ever (the bulk WARC has thousands).
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen([*command, str(inputs)], stdout=subprocess.DEVNULL, stderr=errors)
        peak = [0]
        sampler = threading.Thread(target=_sample_rss, args=(process, peak), daemon=True)
        sampler.start()
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.join()
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            errors.seek(0)
            raise SystemExit(f"import failed: {errors.read().decode(errors='replace')[-2000:]}")
    return count / seconds, peak[0] / 2**20


def _sample_rss(process: subprocess.Popen, peak: list[int]) -> None:
    """Every 0.1 s until the process ends: each of it and its descendants' own peak RSS so far
    (Linux /proc), summed into peak[0]."""
    own_peaks: dict[int, int] = {}
    while process.returncode is None and Path(f"/proc/{process.pid}").exists():
        for pid in _tree(process.pid):
            own_peaks[pid] = max(own_peaks.get(pid, 0), _peak_rss(pid))
        peak[0] = sum(own_peaks.values())
        time.sleep(0.1)


def _tree(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _peak_rss(pid: int) -> int:
    """A process's peak RSS so far (VmHWM, never below its VmRSS) in bytes; 0 once it is gone."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def bulk_warc(records: int, pages: list[tuple[str, bytes]]) -> Path:
    """A WARC of `records` HTML responses made from the benchmark pages, each with its own URL
    and word (none a duplicate); built once into the cache folder, then reused."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsarchive-bench"
    path = cache / f"bulk-{records}.warc.gz"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as stream:
        for n in range(records):
            url, html = pages[n % len(pages)]
            url, html = page_copy(url, html, n // len(pages))
            stream.write(_warc_response(url, html))
    partial.rename(path)
    return path


def _warc_response(url: str, html: bytes) -> bytes:
    """One WARC response record as its own gzip member (level 1: building is not measured)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    headers = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{_record_uuid(url)}>\r\nWARC-Date: 2026-01-01T00:00:00Z\r\n"
        f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    compressor = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(headers + http + b"\r\n\r\n") + compressor.flush()


def _record_uuid(url: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, url))


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
    parser.add_argument("--copies", type=int, default=3, help="copies of the 181 pages in the main corpus")
    parser.add_argument("--large-copies", type=int, default=9, help="copies in the memory-growth corpus")
    parser.add_argument("--bulk", type=int, default=100_000, help="records in the bulk WARC (0: skip it)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (1), (2) and (3), alternated; the best counts")
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
    load_before = _load()
    main_corpus, large_corpus = work / "corpus", work / "corpus-large"
    paths = make_corpus(main_corpus, args.copies, pages)
    large = len(make_corpus(large_corpus, args.large_copies, pages))
    count = len(paths)

    # Alternated, best of --repeat: other work on the machine only ever makes a run slower.
    traf_rate = one_rate = two_rate = one_rss = two_rss = 0.0
    for _ in range(args.repeat):
        traf_rate = max(traf_rate, trafilatura_loop(paths))
        for archive in (work / "archive-1", work / "archive-2"):
            shutil.rmtree(archive, ignore_errors=True)
        rate, rss = run_import(work / "archive-1", main_corpus, 1, count)
        one_rate, one_rss = max(one_rate, rate), max(one_rss, rss)
        rate, rss = run_import(work / "archive-2", main_corpus, 2, count)
        two_rate, two_rss = max(two_rate, rate), max(two_rss, rss)
    own_rate = newsarchive_loop(paths)
    again_rate, _ = run_import(work / "archive-1", main_corpus, 1, count)
    large_rate, large_rss = run_import(work / "archive-large", large_corpus, 1, large)
    help_time = help_seconds()
    search_time = search_seconds(work / "archive-large")

    print(f"Throughput on {os.cpu_count()} cores, load average {load_before} before, {_load()} after; ", end="")
    print(f"{args.copies} copies of {len(pages)} news pages, each its own article; (1)-(3) best of {args.repeat}")
    print()
    print(f"{'measurement':<60} {'value':>12}  ratio")
    rows = [
        (f"(1)  trafilatura.extract loop, {count} pages, one process", f"{traf_rate:8.1f} p/s", ""),
        (f"(1b) newsarchive extraction loop (no writing), {count} pages", f"{own_rate:8.1f} p/s",
         f"{own_rate / traf_rate:.2f} x (1)"),
        (f"(2)  import --jobs 1, {count} pages, fresh archive", f"{one_rate:8.1f} p/s",
         f"{one_rate / traf_rate:.2f} x (1); {one_rate / own_rate:.2f} x (1b)"),
        (f"(3)  import --jobs 2, {count} pages, fresh archive", f"{two_rate:8.1f} p/s",
         f"{two_rate / one_rate:.2f} x (2); peak RSS {two_rss:.0f} MB"),
        ("(4)  import --jobs 1 again (unchanged pages)", f"{again_rate:8.1f} p/s",
         f"{again_rate / one_rate:.1f} x (2)"),
        (f"(5a) peak RSS (all processes), import --jobs 1 of {count} pages", f"{one_rss:8.1f} MB", ""),
        (f"(5b) peak RSS, import --jobs 1 of {large} pages", f"{large_rss:8.1f} MB",
         f"{large_rss / one_rss:.2f} x (5a); {large_rate:.1f} p/s"),
        ("(6a) newsarchive --help, wall time (median of 5)", f"{help_time * 1000:8.1f} ms", ""),
        (f"(6b) search on the {large}-page archive (median of 5)", f"{search_time * 1000:8.2f} ms", ""),
    ]  # fmt: skip
    checks = [
        (f"(2) >= {IMPORT_VS_TRAFILATURA} x (1)", one_rate >= IMPORT_VS_TRAFILATURA * traf_rate),
        (f"(3) >= {TWO_JOBS_SPEEDUP} x (2)", two_rate >= TWO_JOBS_SPEEDUP * one_rate),
        (f"(4) >= {RERUN_SPEEDUP} x (2)", again_rate >= RERUN_SPEEDUP * one_rate),
        (f"(5b) <= {RSS_GROWTH} x (5a)", large_rss <= RSS_GROWTH * one_rss),
        (f"(5b) < {RSS_LIMIT_MB} MB", large_rss < RSS_LIMIT_MB),
        (f"(6a) < {HELP_SECONDS} s", help_time < HELP_SECONDS),
        (f"(6b) < {SEARCH_SECONDS * 1000:.0f} ms", search_time < SEARCH_SECONDS),
    ]
    if args.bulk:
        shutil.rmtree(main_corpus)
        shutil.rmtree(large_corpus)
        warc = bulk_warc(args.bulk, pages)
        bulk_rate, bulk_rss = run_import(work / "archive-bulk", warc, os.cpu_count() or 1, args.bulk)
        label = f"(7)  import of a {args.bulk:,}-record WARC ({warc.stat().st_size >> 20} MB), --jobs {os.cpu_count()}"
        rows += [(label, f"{bulk_rate:8.1f} p/s", f"peak RSS {bulk_rss:.1f} MB")]
        checks += [(f"(7) peak RSS < {RSS_LIMIT_MB} MB", bulk_rss < RSS_LIMIT_MB)]
    for label, value, ratio in rows:
        print(f"{label:<60} {value:>12}  {ratio}")
    print()
    for label, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    return 0 if all(passed for _, passed in checks) else 1


def _load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
