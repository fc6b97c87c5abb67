"""`update`'s three ways: list what would be fetched (a dry run), fetch and archive it here, or,
with a PostgreSQL index, queue it for `newsarchive worker` processes; each way also rechecks
(or queues) the articles whose revisit is due, as they were when the run began."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsarchive.config import Settings
from newsarchive.runs.collect import Fetchers, Lead, SourceCallback, collect_sources, gather
from newsarchive.runs.recheck import due as revisits_due
from newsarchive.runs.recheck import recheck_due
from newsarchive.runs.results import ResultCallback, RunSummary
from newsarchive.runs.worker import WorkQueue
from newsarchive.store.archive import Archive


@dataclass(frozen=True)
class Queued:
    """What an update with a work queue did: article URLs listed and not archived, and how many
    of them were not in the queue before."""

    listed: int
    added: int
    rechecks_due: int = 0  # articles whose revisit was due
    rechecks_added: int = 0  # of those, queued (not in the queue already)


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
    on_rechecked: Callable[[RunSummary], None] | None = None,
) -> RunSummary | Queued:
    """Read the sources and archive what they list that is not archived yet, `settings.jobs`
    pages at a time, then recheck the articles whose revisit is due (their summary goes to
    `on_rechecked`, their counts into the run's); with a work queue in the index, queue both
    for the workers instead."""
    due = revisits_due(archive, settings)  # before the run archives more: those wait for the next
    if archive.index.supports_queue:
        return _enqueue(archive, sources, settings, on_source, due)
    options = {"jobs": settings.jobs, "obey_robots": obey_robots}
    summary = collect_sources(archive, sources, settings, on_source=on_source, on_result=on_result, **options)
    if due:
        rechecked = recheck_due(archive, settings, due, obey_robots=obey_robots, on_result=on_result)
        for status, count in rechecked.counts.items():
            summary.counts[status] += count
        if on_rechecked:
            on_rechecked(rechecked)
    return summary


def _enqueue(
    archive: Archive, sources: list[dict], settings: Settings, on_source: SourceCallback | None, due: list[dict]
) -> Queued:
    fetchers = Fetchers(settings)
    try:
        leads = gather(archive, fetchers.get(), sources, on_source=on_source)
    finally:
        fetchers.close()
    work = WorkQueue(archive.index)
    added = work.enqueue((lead.url, lead.source) for lead in leads)
    return Queued(len(leads), added, len(due), work.enqueue_rechecks(due) if due else 0)
