"""Article URLs that keep failing: counted once per run, given up after `max_failures` runs.

Without this a page a feed keeps listing but that is gone (404, 410, a host that no longer
resolves) is fetched on every `update`, and cron mails the same error every 20 minutes for as
long as the feed lists it. Each run that fails a URL counts once (a fetch's own retries, or the
same URL failing twice in one run, are one failure); a success forgets the count. A given-up URL
is reported once, left out of `update` and the work queue, and fetched again only when asked:
`fetch URL`, or `sources retry` (which also puts it back in a PostgreSQL work queue).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import get_args

from newsarchive.inputs.fetch import ALLOWED_SCHEMES
from newsarchive.runs.results import ItemResult
from newsarchive.store.archive import Archive, Outcome

SUCCESSES = get_args(Outcome)


class FailureCounter:
    """One run's view of the failing URLs: what it records counts once for the run."""

    def __init__(self, archive: Archive, max_failures: int, run: str | None = None) -> None:
        self.archive = archive
        self.max_failures = max_failures
        self.run = run or uuid.uuid4().hex

    def note(self, url: str, result: ItemResult, run: str | None = None) -> ItemResult:
        """Count a failure (once for this run, or for `run`) or forget the URL's failures on a
        success; a failure that gives the URL up comes back with `given_up_after` set."""
        if not url.lower().startswith(tuple(f"{scheme}://" for scheme in ALLOWED_SCHEMES)):
            return result  # not a web page's address (a typo, ftp:): nothing a later run would retry
        if result.status in SUCCESSES:
            self.archive.index.forget_failures(url)
        elif result.status == "failed":
            failures, gives_up = self.archive.index.record_failure(
                url, run or self.run, result.reason or "failed", self.max_failures
            )
            if gives_up:
                return replace(result, given_up_after=failures)
        return result
