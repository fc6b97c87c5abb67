"""`update`'s three ways: list what would be fetched (a dry run), fetch and archive it here, or,
with a PostgreSQL index, queue it for `newsarchive worker` processes."""

from __future__ import annotations

from dataclasses import dataclass

from newsarchive.config import Settings
from newsarchive.runs.collect import Fetchers, Lead, SourceCallback, collect_sources, gather
from newsarchive.runs.results import ResultCallback, RunSummary
from newsarchive.runs.worker import WorkQueue
from newsarchive.store.archive import Archive


@dataclass(frozen=True)
class Queued:
    """What an update with a work queue did: article URLs listed and not archived, and how many
    of them were not in the queue before."""

    listed: int
    added: int


def leads_to_fetch(archive: Archive, settings: Settings) -> list[Lead]:
    """The dry run: what the sources list that an update would fetch; nothing is recorded (an
    archive not made yet has no sources, so nothing to fetch)."""
    if not archive.exists():
        return []
    fetchers = Fetchers(settings)
    try:
        return gather(archive, fetchers.get(), archive.sources(), record=False)
    finally:
        fetchers.close()


def update(
    archive: Archive,
    sources: list[dict],
    settings: Settings,
    *,
    obey_robots: bool = True,
    on_source: SourceCallback | None = None,
    on_result: ResultCallback | None = None,
) -> RunSummary | Queued:
    """Read the sources and archive what they list that is not archived yet, `settings.jobs`
    pages at a time; with a work queue in the index, queue it for the workers instead."""
    if archive.index.supports_queue:
        return _enqueue(archive, sources, settings, on_source)
    options = {"jobs": settings.jobs, "obey_robots": obey_robots}
    return collect_sources(archive, sources, settings, on_source=on_source, on_result=on_result, **options)


def _enqueue(archive: Archive, sources: list[dict], settings: Settings, on_source: SourceCallback | None) -> Queued:
    fetchers = Fetchers(settings)
    try:
        leads = gather(archive, fetchers.get(), sources, on_source=on_source)
    finally:
        fetchers.close()
    added = WorkQueue(archive.index).enqueue((lead.url, lead.source) for lead in leads)
    return Queued(len(leads), added)
