"""`update`: read every source, find the articles not archived yet, fetch and archive them.

Listings are read with conditional requests (an unchanged feed costs one 304). Article URLs are
normalized before the "already archived?" question, robots.txt is honoured, and each host is
paced on its own while `jobs` threads fetch. Only the calling thread extracts and writes, so the
archive has one writer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from newsarchive.config import Settings
from newsarchive.errors import ConfigError, InputError, ListingError
from newsarchive.extract.clean import Stripper
from newsarchive.inputs.fetch import Fetcher, check_scheme
from newsarchive.inputs.listings import Item, read_listing, usual_feed_urls
from newsarchive.inputs.politeness import Politeness
from newsarchive.model import RawPage
from newsarchive.runs.failures import FailureCounter
from newsarchive.runs.pipeline import archive_page, fetch_urls, run_guarded
from newsarchive.runs.results import ItemResult, ResultCallback, RunSummary
from newsarchive.store.archive import Archive
from newsarchive.urls import normalize_url

Done = TypeVar("Done")

MAX_SITEMAP_DEPTH = 2  # an index of indexes of sitemaps, and no deeper
MAX_CHILD_SITEMAPS = 50  # per index: news sitemaps are few; the rest are archives of old pages


@dataclass(frozen=True)
class Lead:
    """An article URL a source listed, with what the source says about it."""

    url: str
    source: str
    published: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class SourceResult:
    url: str
    name: str
    status: str  # read | unchanged (HTTP 304) | failed
    found: int = 0  # article URLs listed
    new: int = 0  # of those, not archived yet and not listed by an earlier source of the run
    given_up: int = 0  # of those, left out because they failed on too many runs
    reason: str | None = None


SourceCallback = Callable[[SourceResult], None]


class Fetchers:
    """One Fetcher (one requests Session) per thread: sessions are not shared between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._all: list[Fetcher] = []
        self._lock = threading.Lock()

    def get(self) -> Fetcher:
        fetcher = getattr(self._local, "fetcher", None)
        if fetcher is None:
            fetcher = self._local.fetcher = Fetcher(self.settings)
            with self._lock:
                self._all.append(fetcher)
        return fetcher

    def close(self) -> None:
        for fetcher in self._all:
            fetcher.close()


def read_source(fetcher: Fetcher, url: str, etag: str | None = None, last_modified: str | None = None):
    """(leads, page) for one source URL; page is None when it did not change (HTTP 304).

    A feed or sitemap lists articles; a sitemap index is followed to its sitemaps; a home page
    is searched for the feeds it names, or the usual feed paths are tried.
    """
    page = fetcher.fetch_if_changed(url, etag, last_modified)
    if page is None:
        return [], None
    listing = read_listing(page.content, page.url or url)
    if listing.kind == "html":
        return _site_items(fetcher, listing.links or usual_feed_urls(page.url or url)), page
    if listing.kind == "sitemapindex":
        return _index_items(fetcher, listing.links, depth=1), page
    return listing.items, page


def _site_items(fetcher: Fetcher, feeds: list[str]) -> list[Item]:
    errors = []
    for feed in feeds:
        try:
            listing = read_listing(fetcher.fetch(feed).content, feed)
        except InputError as exc:
            errors.append(f"{feed}: {exc}")
            continue
        if listing.kind == "feed":
            return listing.items
    raise ListingError("no feed found on the page" + (f" ({'; '.join(errors[:2])})" if errors else ""))


def _index_items(fetcher: Fetcher, sitemaps: list[str], depth: int) -> list[Item]:
    items: list[Item] = []
    for sitemap in sitemaps[:MAX_CHILD_SITEMAPS]:
        listing = read_listing(fetcher.fetch(sitemap).content, sitemap)
        if listing.kind == "sitemapindex" and depth < MAX_SITEMAP_DEPTH:
            items += _index_items(fetcher, listing.links, depth + 1)
        elif listing.kind == "sitemap":
            items += listing.items
    return items


def gather(
    archive: Archive,
    fetcher: Fetcher,
    sources: list[dict],
    on_source: SourceCallback | None = None,
    record: bool = True,
) -> list[Lead]:
    """Read every source and list the articles not archived yet, not given up and not deleted,
    each once. With `record`, how each source went (and its validators for the next
    conditional request) goes to the index."""
    leads: dict[str, Lead] = {}
    given_up = archive.given_up_urls()
    for source in sources:
        try:
            items, page = read_source(fetcher, source["url"], source.get("etag"), source.get("last_modified"))
        except InputError as exc:
            if record:
                archive.record_source(source["url"], error=str(exc))
            result = SourceResult(source["url"], source["name"], "failed", reason=str(exc))
        else:
            if record:
                archive.record_source(source["url"], etag=page and page.etag, last_modified=page and page.last_modified)
            new = dropped = 0
            for item in items:
                key = normalize_url(item.url)
                if key in given_up:
                    dropped += 1
                elif key not in leads and not archive.knows_url(key) and not archive.deleted_url(key):
                    leads[key] = Lead(key, source["name"], item.published, source.get("section"))
                    new += 1
            status = "read" if page else "unchanged"
            result = SourceResult(source["url"], source["name"], status, len(items), new, dropped)
        if on_source:
            on_source(result)
    return list(leads.values())


def collect(
    archive: Archive,
    leads: Iterable[Lead],
    settings: Settings,
    *,
    jobs: int = 4,
    obey_robots: bool = True,
    on_result: ResultCallback | None = None,
    fetchers: Fetchers | None = None,
    failures: FailureCounter | None = None,
) -> RunSummary:
    """Fetch the leads (robots.txt and per-host pace respected, `jobs` at a time) and archive
    them; each failure counts towards giving the URL up, once for the run `failures` counts."""
    own = fetchers is None
    failures = failures or FailureCounter(archive, settings.max_failures)
    fetchers = fetchers or Fetchers(settings)
    politeness = Politeness(lambda url: fetchers.get().fetch(url), settings, obey_robots)
    stripper = Stripper.from_settings(settings, learned=archive)
    summary = RunSummary()

    def download(lead: Lead) -> tuple[RawPage | None, ItemResult | None, float]:
        started = time.monotonic()
        page = run_guarded(lead.url, politeness.fetch, lead.url, traceback=settings.traceback)
        if isinstance(page, ItemResult):  # skipped (robots.txt) or failed
            return None, page, started
        return replace(page, listed_date=lead.published, listed_section=lead.section), None, started

    try:
        for lead, (page, outcome, started) in _in_threads(download, leads, jobs):
            if page is not None:
                work = (archive, page, stripper, settings, lead.url)
                outcome = run_guarded(lead.url, archive_page, *work, traceback=settings.traceback)
            assert outcome is not None
            outcome = failures.note(lead.url, outcome)
            summary.add(outcome)
            if on_result:
                on_result(outcome, time.monotonic() - started)
    finally:
        if own:
            fetchers.close()
    return summary


def collect_sources(
    archive: Archive,
    sources: list[dict],
    settings: Settings,
    *,
    on_source: SourceCallback | None = None,
    on_result: ResultCallback | None = None,
    **options: Any,
) -> RunSummary:
    """Read the sources, then fetch and archive what they list that is not archived yet
    (`options` as `collect` takes them)."""
    fetchers = Fetchers(settings)
    try:
        leads = gather(archive, fetchers.get(), sources, on_source=on_source)
        return collect(archive, leads, settings, on_result=on_result, fetchers=fetchers, **options)
    finally:
        fetchers.close()


def fetch_urls_and_listings(
    archive: Archive,
    urls: list[str],
    listings: list[str],
    settings: Settings,
    *,
    on_source: SourceCallback | None = None,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """`fetch`: the URLs asked for, then what the feeds and sitemaps list that is not archived
    yet (as `update` reads a source), as one run: a URL fails once for it whichever way it came."""
    failures = FailureCounter(archive, settings.max_failures)
    summary = fetch_urls(archive, urls, settings, on_result=on_result, failures=failures)
    if listings:
        one_off = [{"url": url, "name": url} for url in listings]
        options = {"jobs": settings.jobs, "obey_robots": True, "failures": failures}
        summary.merge(collect_sources(archive, one_off, settings, on_source=on_source, on_result=on_result, **options))
    return summary


def add_source(archive: Archive, url: str, name: str | None = None, section: str | None = None) -> str:
    """Keep a source for `update`; without a name it is known by its URL's host and path.
    Returns the name."""
    check_scheme(url)
    parts = urlsplit(url)
    if not parts.netloc:
        raise ConfigError(f"not a URL: {url!r}")
    name = name or (parts.netloc + parts.path).rstrip("/")
    archive.add_source(url, name, section)
    return name


def _in_threads(work: Callable[[Lead], Done], leads: Iterable[Lead], jobs: int) -> Iterator[tuple[Lead, Done]]:
    """Run `work` on each lead in a pool, yielding (lead, result) as each finishes; at most
    2 × jobs leads are in flight, so a long list is never all queued at once."""
    pending: dict[Future[Done], Lead] = {}
    iterator = iter(leads)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="fetch")
    try:
        while True:
            while len(pending) < 2 * max(1, jobs):
                lead = next(iterator, None)
                if lead is None:
                    break
                pending[pool.submit(work, lead)] = lead
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # interrupted: queued leads are dropped
