"""`recheck`, and the revisits `update` makes: fetch archived articles again to see whether they changed.

Each article is asked for with a conditional request (the ETag and Last-Modified of the page
that gave its current version, or of its last recheck): a 304 or the same body writes nothing,
a changed body goes through the same `archive_page` as a fetch and becomes the article's next
version (the old files stay). robots.txt and the per-host pace are honoured as for `update`.

The revisit schedule is counted from when an article was first archived: a step is due once its
time has passed and no recheck has happened since, so each step is done once whatever its
outcome (a failed recheck is tried again at the next step, never in a loop), and a run that was
stopped picks up the steps that are still due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from newsarchive.config import Settings, duration_seconds
from newsarchive.errors import NewsarchiveError, exception_reason
from newsarchive.extract.clean import Stripper
from newsarchive.inputs.fetch import Fetcher
from newsarchive.inputs.politeness import Politeness
from newsarchive.model import RawPage
from newsarchive.runs.pipeline import archive_page, run_guarded
from newsarchive.runs.results import ItemResult, ResultCallback, RunSummary
from newsarchive.store.archive import Archive

NOT_MODIFIED = "HTTP 304 not modified"
NO_URL = "no URL to fetch it from (imported from a file that named none)"
# What article_checks.outcome says of each result.
OUTCOMES = {"updated": "changed", "archived": "changed", "duplicate": "unchanged", "failed": "failed"}

Row = dict[str, Any]


class Rechecker:
    """One run's fetcher, politeness and stripper, and what rechecking one article takes."""

    def __init__(self, archive: Archive, settings: Settings, fetcher: Fetcher, politeness: Politeness) -> None:
        self.archive = archive
        self.settings = settings
        self.fetcher = fetcher
        self.politeness = politeness  # the run's own, so robots.txt is read once per host
        self.stripper = Stripper(settings.strip, learned=archive)

    def recheck(self, row: Row) -> ItemResult:
        """Fetch one article again (a row of Index.recheck_rows) and keep its body if it changed;
        the outcome and the validators the server sent go to the index."""
        url = row["url"]
        traceback = self.settings.traceback
        page = run_guarded(url, self._conditional, row, traceback=traceback)
        if isinstance(page, ItemResult):  # failed, or skipped (robots.txt)
            result = page
        elif page is None:
            result = ItemResult(url, "duplicate", row["id"], title=row["title"], reason=NOT_MODIFIED)
        else:
            work = (self.archive, page, self.stripper, self.settings, url, "skip", row["id"])
            result = run_guarded(url, archive_page, *work, traceback=traceback)
        self.archive.index.record_check(
            row["id"],
            OUTCOMES.get(result.status, result.status),
            error=result.reason if result.status in ("failed", "skipped") else None,
            etag=page.etag if isinstance(page, RawPage) else None,
            last_modified=page.last_modified if isinstance(page, RawPage) else None,
        )
        return result

    def _conditional(self, row: Row) -> RawPage | None:
        self.politeness.admit(row["url"])
        return self.fetcher.fetch_if_changed(row["url"], row["etag"], row["last_modified"])


def recheck_counts(summary: RunSummary) -> dict[str, int]:
    """A recheck run's counts: rechecked (all), changed (a new version), unchanged, failed, skipped."""
    counts = summary.counts
    changed, unchanged = counts["updated"] + counts["archived"], counts["duplicate"]
    rechecked = changed + unchanged + counts["failed"] + counts["skipped"]
    return {"rechecked": rechecked, "changed": changed, "unchanged": unchanged} | {
        name: counts[name] for name in ("failed", "skipped")
    }


def summary_line(summary: RunSummary) -> str:
    """'rechecked 12, changed 2, unchanged 10, failed 0' (and the skipped, when any were)."""
    counts = recheck_counts(summary)
    line = ", ".join(f"{name} {counts[name]}" for name in ("rechecked", "changed", "unchanged", "failed"))
    return line + (f", skipped {counts['skipped']}" if counts["skipped"] else "")


def recheck(
    archive: Archive,
    settings: Settings,
    keys: Iterable[str] = (),
    *,
    since: str | None = None,
    obey_robots: bool = True,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """Recheck the articles named (id, id prefix or URL), or every article with a URL published
    on or after `since` (or all of them). Results: `updated` (a new version), `duplicate`
    (unchanged), `failed`, `skipped` (robots.txt, no URL)."""
    return _run(archive, settings, _targets(archive, list(keys), since), obey_robots, on_result)


def due(archive: Archive, settings: Settings, now: datetime | None = None) -> list[Row]:
    """The articles whose revisit is due by the schedule `settings.revisit`."""
    if not settings.revisit or not archive.exists():
        return []
    steps = [timedelta(seconds=duration_seconds(step)) for step in settings.revisit]
    moment = now or datetime.now(UTC)
    return [row for row in archive.index.recheck_rows() if is_due(row, steps, moment)]


def recheck_due(
    archive: Archive,
    settings: Settings,
    rows: list[Row],
    *,
    obey_robots: bool = True,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """What `update` does after fetching new articles: recheck those `due` found due as the run
    began (an article archived by the run itself waits for the next one)."""
    return _run(archive, settings, rows, obey_robots, on_result)


def is_due(row: Row, steps: list[timedelta], now: datetime) -> bool:
    """Whether a step of the schedule has come (counted from the first archiving) and no
    recheck happened since it came."""
    first = _moment(row["first_archived_at"])
    if first is None:
        return False
    passed = [first + step for step in steps if first + step <= now]
    if not passed:
        return False
    checked = _moment(row["checked_at"])
    return checked is None or checked < max(passed)


def _moment(stamp: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _targets(archive: Archive, keys: list[str], since: str | None) -> list[Row | ItemResult]:
    """The rows to recheck, or for a named article that cannot be, the result saying why."""
    if not keys:
        return list(archive.index.recheck_rows(since))
    targets: list[Row | ItemResult] = []
    for key in keys:
        try:
            found = archive.find(key)
        except NewsarchiveError as exc:
            targets.append(ItemResult(key, "failed", reason=exception_reason(exc)))
            continue
        rows = archive.index.recheck_rows(article_id=found["id"])
        targets.append(rows[0] if rows else ItemResult(key, "skipped", found["id"], reason=NO_URL))
    return targets


def _run(
    archive: Archive,
    settings: Settings,
    targets: Iterable[Row | ItemResult],
    obey_robots: bool,
    on_result: ResultCallback | None,
) -> RunSummary:
    summary = RunSummary()
    with Fetcher(settings) as fetcher:
        rechecker = Rechecker(archive, settings, fetcher, Politeness(fetcher.fetch, settings, obey_robots))
        for target in targets:
            result = target if isinstance(target, ItemResult) else rechecker.recheck(target)
            summary.add(result)
            if on_result:
                on_result(result)
    return summary
