"""Being a good guest: robots.txt per host, and a pace per host that other hosts never wait for.

Every URL a source lists is fetched through Politeness, whether `update` fetches it or a
`worker` takes it from the queue.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

from newsarchive.config import Settings
from newsarchive.errors import DisallowedError, FetchError
from newsarchive.model import RawPage

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 2.5: crawlers must read at least this much of a robots.txt
# The longest Crawl-delay we keep to. A host asking for more is skipped, not fetched faster than
# it asks: at a minute a page, a feed's new articles still fit in an hourly cron run.
MAX_CRAWL_DELAY = 60.0


class Politeness:
    """robots.txt (unless told to ignore it) and the per-host pace, in front of a fetch."""

    def __init__(
        self,
        fetch: Callable[[str], RawPage],
        settings: Settings,
        obey_robots: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._fetch = fetch
        self.robots = Robots(fetch, settings.user_agent) if obey_robots else None
        self.pacer = HostPacer(1.0 / settings.rate if settings.rate > 0 else 0.0)
        self._sleep = sleep

    def fetch(self, url: str) -> RawPage:
        """The page, once its host's turn has come; DisallowedError if robots.txt keeps us out,
        FetchError if it cannot be read (so the URL fails this run, and is tried again)."""
        self.admit(url)
        return self._fetch(url)

    def admit(self, url: str) -> None:
        """Return once `url` may be fetched (its host's turn has come), for a fetch of one's own
        such as a conditional one; raises as `fetch` does. A host whose Crawl-delay is longer
        than MAX_CRAWL_DELAY is skipped (DisallowedError) rather than waited a day for."""
        delay = None
        if self.robots is not None:
            problem = self.robots.unreadable(url)
            if problem is not None:
                raise FetchError(f"cannot read robots.txt ({problem})")
            if not self.robots.allowed(url):
                raise DisallowedError("disallowed by robots.txt")
            delay = self.robots.crawl_delay(url)
            if delay is not None and delay > MAX_CRAWL_DELAY:
                raise DisallowedError(
                    f"robots.txt asks for a Crawl-delay of {delay:g} s, longer than the {MAX_CRAWL_DELAY:g} s"
                    " newsarchive waits between requests to a host"
                )
        self.pacer.wait(url, delay, sleep=self._sleep)


class Robots:
    """robots.txt, read once per host per run.

    As RFC 9309 says: the longest matching rule wins, `*` and `$` work in paths, a robots.txt
    that does not exist (4xx) allows everything, and one that cannot be read (5xx, network
    trouble) allows nothing this run.
    """

    def __init__(self, fetch: Callable[[str], RawPage], user_agent: str) -> None:
        self._fetch = fetch
        self._agent = user_agent
        self._parsers: dict[str, Protego | str] = {}  # by origin: the rules, or why they could not be read
        self._lock = threading.Lock()

    def _read(self, url: str) -> Protego | str:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._parsers:
                return self._parsers[origin]
        parser: Protego | str
        try:
            page = self._fetch(origin + "/robots.txt")
            parser = Protego.parse(page.content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"))
        except FetchError as exc:
            missing = exc.status is not None and 400 <= exc.status < 500
            parser = Protego.parse("") if missing else str(exc)  # no rules at all, or nothing allowed this run
        with self._lock:
            self._parsers[origin] = parser
        return parser

    def _parser(self, url: str) -> Protego | None:
        parser = self._read(url)
        return None if isinstance(parser, str) else parser

    def unreadable(self, url: str) -> str | None:
        """Why the robots.txt of the URL's host could not be read this run (5xx, network
        trouble, a host that does not resolve), or None when it was read or does not exist."""
        parser = self._read(url)
        return parser if isinstance(parser, str) else None

    def allowed(self, url: str) -> bool:
        parser = self._parser(url)
        return parser is not None and parser.can_fetch(url, self._agent)

    def crawl_delay(self, url: str) -> float | None:
        """Seconds between requests the host asks for; None when it names none, or names a
        negative or non-finite one (which no pace can keep)."""
        parser = self._parser(url)
        delay = parser.crawl_delay(self._agent) if parser is not None else None
        return delay if delay is not None and math.isfinite(delay) and delay >= 0 else None


class HostPacer:
    """At most one request per `interval` seconds to each host (longer if its robots.txt asks);
    a thread waiting for a slow host holds no other host back."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def wait(self, url: str, crawl_delay: float | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        host = (urlsplit(url).hostname or "").lower()
        gap = max(self.interval, crawl_delay or 0.0)
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + gap
        if slot > now:
            sleep(slot - now)
