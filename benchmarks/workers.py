"""Throughput of 1, 2 and 4 `newsarchive worker` processes on one PostgreSQL work queue.

Pages come from a local HTTP server that waits a fixed time before each answer, standing in
for the network (so that workers overlap their waits, as they would on real sites). Each run
queues the same number of distinct pages into a fresh database and archive folder, starts N
workers with --until-empty, and times until the last one exits. A throwaway PostgreSQL cluster
on 127.0.0.1 is started for the run (tests/pg.py), or TEST_POSTGRES_URL is used.

    .venv/bin/python benchmarks/workers.py [--pages 240] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.localserver import LocalServer, Response  # noqa: E402
from tests.pages import about, news_page  # noqa: E402
from tests.pg import Cluster, database_url  # noqa: E402

WORKER_COUNTS = (1, 2, 4)


def run_workers(count: int, server_url: str, urls: list[str], folder: Path) -> float:
    """Seconds for `count` workers to empty a queue of `urls` into a fresh archive."""
    index = database_url(server_url, f"bench_workers_{count}")
    archive = folder / f"archive-{count}"
    base = [sys.executable, "-m", "newsarchive", "--archive", str(archive), "--index", index, "-q"]
    listing = folder / "urls.txt"
    listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
    subprocess.run([*base, "queue", "add", "--from-file", str(listing)], check=True)
    options = ["--until-empty", "--rate", "0", "--ignore-robots", "--batch", "4", "--poll", "0.2"]
    started = time.perf_counter()
    workers = [subprocess.Popen([*base, "worker", "--name", f"b{n}", *options]) for n in range(count)]
    for worker in workers:
        worker.wait()
    elapsed = time.perf_counter() - started
    done = subprocess.run([*base, "queue", "--json"], check=True, capture_output=True, text=True).stdout
    if f'"done": {len(urls)}' not in done:
        raise SystemExit(f"{count} worker(s) did not archive every page: {done}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=240, help="distinct pages per run")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the server waits before each page")
    args = parser.parse_args()

    cluster = None
    server_url = os.environ.get("TEST_POSTGRES_URL")
    if not server_url:
        cluster = Cluster()
        cluster.start()
        server_url = cluster.url
    server = LocalServer()
    try:
        with tempfile.TemporaryDirectory(prefix="newsarchive-workers-") as temp:
            results = {}
            for count in WORKER_COUNTS:
                # Fresh URLs per run, so no run finds pages another one archived.
                urls = [
                    server.route(
                        f"/{count}/{n}",
                        Response(
                            news_page(f"Story {n}", about(f"w{count} {n}", 3), url=None).encode(), delay=args.delay
                        ),
                    )
                    for n in range(args.pages)
                ]
                results[count] = run_workers(count, server_url, urls, Path(temp))
    finally:
        server.close()
        if cluster is not None:
            cluster.stop()

    print(f"Workers on one PostgreSQL queue: {args.pages} pages, the server waits {args.delay} s per page, "
          f"{os.cpu_count()} cores\n")  # fmt: skip
    print(f"{'workers':<10}{'seconds':>10}{'pages/s':>10}  ratio")
    for count, seconds in results.items():
        ratio = results[1] / seconds
        print(f"{count:<10}{seconds:>10.2f}{args.pages / seconds:>10.1f}  {ratio:.2f} x (1 worker)")


if __name__ == "__main__":
    main()
