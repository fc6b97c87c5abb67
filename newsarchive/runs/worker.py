"""A work queue in the PostgreSQL index, for many `newsarchive worker` processes on many hosts.

`update` enqueues the article URLs its sources list (one row per normalized URL: a unique key,
so a URL listed twice is queued once). A worker claims a batch with `SELECT ... FOR UPDATE
SKIP LOCKED` (workers never wait for each other's rows), holds it for a lease, fetches,
extracts and archives each URL, and marks it done. A worker that dies leaves its claim to
expire; another worker takes the rows again, and the archive's own duplicate check (same body,
same article) makes the second attempt a no-op if the first had finished. A URL that fails is
retried after a growing delay, up to a limit, then parked with its error until `queue retry`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from newsarchive.config import Settings
from newsarchive.errors import ConfigError
from newsarchive.extract.clean import Stripper
from newsarchive.runs.failures import FailureCounter
from newsarchive.runs.pipeline import archive_page, run_guarded
from newsarchive.runs.recheck import Rechecker
from newsarchive.runs.results import ItemResult, ResultCallback, RunSummary
from newsarchive.store.archive import Archive
from newsarchive.store.index.base import Index
from newsarchive.urls import normalize_url

STATES = ("pending", "claimed", "done", "parked")


@dataclass(frozen=True)
class Claim:
    url_key: str
    url: str
    attempts: int  # including this one
    recheck_id: str | None = None  # the archived article this URL is fetched again for


@dataclass(frozen=True)
class WorkerOptions:
    batch: int = 10  # URLs claimed at once
    lease: float = 300.0  # seconds a claim is held before another worker may take it
    backoff: float = 60.0  # seconds before the first retry; doubles with each attempt
    poll: float = 5.0  # seconds between looks at an empty queue
    until_empty: bool = False  # stop when nothing is pending or claimed (for batch runs and tests)
    obey_robots: bool = True


class WorkQueue:
    """The queue table of a PostgreSQL index."""

    def __init__(self, index: Index) -> None:
        if not index.supports_queue:
            raise ConfigError("the work queue needs a PostgreSQL index: pass --index postgresql://USER@HOST/DB")
        self.index = index

    def enqueue(self, urls: Iterable[tuple[str, str | None]]) -> int:
        """Queue (url, source) pairs not queued before; returns how many were new."""
        added = 0
        with self.index.transaction():
            for url, source in urls:
                rows = self.index.execute(
                    "INSERT INTO queue (url_key, url, source) VALUES (?, ?, ?) "
                    "ON CONFLICT (url_key) DO NOTHING RETURNING url_key",
                    (normalize_url(url), url, source),
                )
                added += len(rows)
        return added

    def enqueue_rechecks(self, rows: Iterable[dict]) -> int:
        """Queue the rechecks of these articles (rows of Index.recheck_rows) again, unless one is
        queued already; returns how many were queued."""
        added = 0
        with self.index.transaction():
            for row in rows:
                queued = self.index.execute(
                    "INSERT INTO queue (url_key, url, source, recheck_id) VALUES (?, ?, 'recheck', ?) "
                    "ON CONFLICT (url_key) DO UPDATE SET state = 'pending', recheck_id = excluded.recheck_id, "
                    "attempts = 0, not_before = now(), claimed_by = NULL, lease_until = NULL, done_at = NULL "
                    "WHERE queue.state IN ('done', 'parked') RETURNING url_key",
                    (normalize_url(row["url"]), row["url"], row["id"]),
                )
                added += len(queued)
        return added

    def claim(self, worker: str, batch: int, lease: float) -> list[Claim]:
        """Take up to `batch` ready URLs (pending and due, or claimed by a worker whose lease ran
        out), oldest first, without waiting for rows other workers are taking."""
        rows = self.index.execute(
            "UPDATE queue SET state = 'claimed', claimed_by = ?, attempts = attempts + 1, "
            "lease_until = now() + make_interval(secs => ?) "
            "WHERE url_key IN (SELECT url_key FROM queue "
            "  WHERE (state = 'pending' AND not_before <= now()) OR (state = 'claimed' AND lease_until < now()) "
            "  ORDER BY added_at, url_key LIMIT ? FOR UPDATE SKIP LOCKED) "
            "RETURNING url_key, url, attempts, recheck_id",
            (worker, lease, batch),
        )
        return [Claim(row["url_key"], row["url"], row["attempts"], row["recheck_id"]) for row in rows]

    def done(self, claim: Claim, worker: str, result: ItemResult) -> None:
        """Only the worker still holding the claim marks it (one whose lease ran out does not)."""
        self.index.execute(
            "UPDATE queue SET state = 'done', done_at = now(), outcome = ?, article_id = ?, last_error = ?, "
            "lease_until = NULL WHERE url_key = ? AND claimed_by = ? AND state = 'claimed'",
            (result.status, result.id, result.reason, claim.url_key, worker),
        )

    def failed(self, claim: Claim, worker: str, error: str, options: WorkerOptions, park: bool) -> None:
        """Parked (the URL was given up), or back to pending after a delay that doubles."""
        delay = options.backoff * 2 ** (claim.attempts - 1)
        self.index.execute(
            "UPDATE queue SET state = ?, last_error = ?, lease_until = NULL, "
            "not_before = now() + make_interval(secs => ?) "
            "WHERE url_key = ? AND claimed_by = ? AND state = 'claimed'",
            ("parked" if park else "pending", error, delay, claim.url_key, worker),
        )

    def counts(self) -> dict[str, int]:
        rows = self.index.execute("SELECT state, COUNT(*) AS n FROM queue GROUP BY state")
        found = {row["state"]: row["n"] for row in rows}
        return {state: found.get(state, 0) for state in STATES}

    def parked(self, limit: int = 100) -> list[dict]:
        return self.index.execute(
            "SELECT url, attempts, last_error FROM queue WHERE state = 'parked' ORDER BY url LIMIT ?", (limit,)
        )

    def retry(self, url: str | None = None) -> int:
        """Parked URLs (all, or one) back to pending with fresh attempts, their failures forgotten."""
        where, params = ("AND url_key = ?", (normalize_url(url),)) if url else ("", ())
        with self.index.transaction():
            rows = self.index.execute(
                "UPDATE queue SET state = 'pending', attempts = 0, not_before = now(), claimed_by = NULL "
                f"WHERE state = 'parked' {where} RETURNING url_key",
                params,
            )
            keys = [row["url_key"] for row in rows]
            if keys:
                self.index.executemany("DELETE FROM failing_urls WHERE url_key = ?", [(key,) for key in keys])
        return len(rows)

    def seconds_until_ready(self) -> float | None:
        """None when nothing is left to do (nothing pending, nothing claimed); else how long until
        the next pending URL is due or the next lease runs out."""
        row = self.index.execute(
            "SELECT EXTRACT(EPOCH FROM MIN(CASE WHEN state = 'pending' THEN not_before ELSE lease_until END) - now()) "
            "AS wait, COUNT(*) AS n FROM queue WHERE state IN ('pending', 'claimed')"
        )[0]
        return None if not row["n"] else max(0.0, float(row["wait"] or 0.0))


def run_worker(
    archive: Archive,
    settings: Settings,
    name: str,
    options: WorkerOptions,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """Claim, fetch, archive, mark; until stopped (or, with until_empty, until no work is left)."""
    from newsarchive.inputs.fetch import Fetcher
    from newsarchive.inputs.politeness import Politeness

    queue = WorkQueue(archive.index)
    stripper = Stripper.from_settings(settings, learned=archive)
    failures = FailureCounter(archive, settings.max_failures)
    summary = RunSummary()
    with Fetcher(settings) as fetcher:
        politeness = Politeness(fetcher.fetch, settings, options.obey_robots)
        rechecker = Rechecker(archive, settings, fetcher, politeness)

        def process(url: str) -> ItemResult:
            return archive_page(archive, politeness.fetch(url), stripper, settings, url)

        while True:
            claims = queue.claim(name, options.batch, options.lease)
            if not claims:
                wait = queue.seconds_until_ready()
                if wait is None and options.until_empty:
                    return summary
                time.sleep(min(options.poll, wait if wait is not None else options.poll) + 0.05)
                continue
            for claim in claims:
                if claim.recheck_id is not None:  # tried once: a failure waits for the next revisit step
                    result = _recheck(archive, rechecker, claim)
                    queue.done(claim, name, result)
                    summary.add(result)
                    if on_result:
                        on_result(result)
                    continue
                result = run_guarded(claim.url, process, claim.url, traceback=settings.traceback)
                # Each claim is its own run: claims of one URL are --backoff (doubling) apart.
                result = failures.note(claim.url, result, run=f"queue attempt {claim.attempts}")
                if result.status == "failed":
                    parked = archive.index.is_given_up(claim.url)
                    queue.failed(claim, name, result.reason or "failed", options, park=parked)
                else:
                    queue.done(claim, name, result)
                summary.add(result)
                if on_result:
                    on_result(result)


def _recheck(archive: Archive, rechecker: Rechecker, claim: Claim) -> ItemResult:
    rows = archive.index.recheck_rows(article_id=claim.recheck_id)
    if not rows:  # deleted since it was queued
        return ItemResult(claim.url, "skipped", claim.recheck_id, reason="no longer in the archive")
    return rechecker.recheck(rows[0])


def queue_urls(archive: Archive, urls: list[str]) -> int:
    """`queue add`: queue URLs for the workers, each checked to be http(s) first; returns how
    many were not queued before."""
    from newsarchive.inputs.fetch import check_scheme

    for url in urls:
        check_scheme(url)
    return WorkQueue(archive.index).enqueue((url, None) for url in urls)


def retry(archive: Archive, url: str | None = None) -> tuple[int, int]:
    """Given-up URLs (all, or this URL whatever its count) tried again: their failures are
    forgotten and, with a work queue, parked rows go back to pending. Returns (URLs cleared,
    rows re-queued)."""
    cleared = archive.index.forget_failures(url)
    requeued = WorkQueue(archive.index).retry(url) if archive.index.supports_queue else 0
    return cleared, requeued
