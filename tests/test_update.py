"""Sources and `update`: feeds, sitemaps and sites on a local server, read the way cron needs."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from dataclasses import replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from newsarchive.config import Settings
from newsarchive.errors import ConfigError
from newsarchive.inputs.politeness import HostPacer
from newsarchive.runs.collect import SourceResult, add_source, fetch_urls_and_listings
from newsarchive.runs.update import leads_to_fetch
from newsarchive.store.archive import Archive
from newsarchive.urls import normalize_url
from tests.localserver import LocalServer, Response, client_gone
from tests.pages import about, news_page

HOLD_SECONDS = 60.0  # a held page is served anyway after this, so that a failing test ends


def served_with_validators(server: LocalServer, path: str, body: str, content_type: str) -> str:
    """Serve `body` with an ETag and a Last-Modified; answer 304 to a request that has either."""
    etag = f'"v1-{len(body)}"'
    modified = formatdate(1_700_000_000, usegmt=True)

    def handler(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == etag or request.headers.get("If-Modified-Since") == modified:
            request.send_response(304)
            request.end_headers()
            return
        data = body.encode("utf-8")
        request.send_response(200)
        for name, value in (("Content-Type", content_type), ("Content-Length", str(len(data))),
                            ("ETag", etag), ("Last-Modified", modified)):  # fmt: skip
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    return server.raw(path, handler)


def rss(server: LocalServer, links: list[str]) -> str:
    items = "".join(
        f"<item><title>Item {n}</title><link>{server.url(link)}</link>"
        f"<pubDate>Mon, 0{n + 1} Sep 2025 08:00:00 GMT</pubDate></item>"
        for n, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test</title>{items}</channel></rss>'


def article(server: LocalServer, path: str, title: str, **kwargs: object) -> None:
    server.route(path, news_page(title, about(title, 4), url=None, **kwargs))


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # No pacing and quick failures: these tests are about behaviour, not politeness timing.
    monkeypatch.setenv("NEWSARCHIVE_RATE", "0")
    monkeypatch.setenv("NEWSARCHIVE_RETRIES", "0")
    monkeypatch.setenv("NEWSARCHIVE_READ_TIMEOUT", "1")


@pytest.fixture
def site(server: LocalServer, settings_env: None) -> LocalServer:
    server.route(
        "/robots.txt", Response(b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
    )
    for n in (1, 2, 3):
        article(server, f"/news/{n}", f"Harbour story number {n}")
    article(server, "/private/1", "A page robots.txt keeps out")
    links = ["/news/1", "/news/2?utm_source=rss&utm_medium=feed", "/news/2?fbclid=abc#top", "/news/3", "/private/1"]
    served_with_validators(server, "/feed.xml", rss(server, links), "application/rss+xml")
    return server


def answer_once_the_client_gave_up(handler: BaseHTTPRequestHandler) -> None:
    """A feed too slow for any read timeout: the answer comes only after the client hung up."""
    client_gone(handler, HOLD_SECONDS)
    with contextlib.suppress(OSError):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        handler.wfile.write(b"<rss/>")


def article_hits(server: LocalServer) -> int:
    return sum(1 for path, _ in server.requests if path.startswith(("/news/", "/private/")))


def test_add_a_feed_then_two_updates_archive_each_item_once(run, site: LocalServer, archive_dir: Path) -> None:
    assert run("sources", "add", site.url("/feed.xml"), "--name", "harbour").exit_code == 0
    first = run("update")
    assert first.exit_code == 0, first.stderr
    assert "archived 3, updated 0, duplicates 0, failed 0, skipped 1" in first.stderr
    assert site.hits("/news/2") == 1  # two tracking variants of one URL: fetched once
    assert site.hits("/private/1") == 0  # disallowed by robots.txt: never fetched
    fetched = article_hits(site)

    second = run("update")
    assert second.exit_code == 0, second.stderr
    assert "archived 0" in second.stderr
    assert article_hits(site) == fetched  # no article page downloaded again
    feed_requests = [headers for path, headers in site.requests if path == "/feed.xml"]
    assert len(feed_requests) == 2 and "If-None-Match" in feed_requests[1]
    listed = json.loads(run("sources", "list", "--json").stdout)
    assert listed[0]["name"] == "harbour" and listed[0]["last_success"] and listed[0]["consecutive_failures"] == 0


def test_the_feed_date_is_a_hint_for_pages_without_one(run, site: LocalServer, archive_dir: Path) -> None:
    article(site, "/undated/1", "A story whose page names no date", published=None)
    served_with_validators(site, "/undated.xml", rss(site, ["/undated/1"]), "application/rss+xml")
    run("sources", "add", site.url("/undated.xml"), "--section", "Harbour")
    assert run("update").exit_code == 0
    (data,) = [json.loads(p.read_text()) for p in archive_dir.rglob("*.json")]
    assert (data["published"], data["date_source"]) == ("2025-09-01T08:00:00+00:00", "listing")


def test_atom_json_feed_and_a_news_sitemap_index(run, server: LocalServer, settings_env: None, archive_dir) -> None:
    server.route("/robots.txt", Response(b"", status=404))
    for path in ("/atom/1", "/json/1", "/map/1"):
        article(server, path, f"Story at {path}", published=None)
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        f'<entry><title>One</title><link href="{server.url("/atom/1")}"/><updated>2025-09-02T10:00:00Z</updated>'
        "</entry></feed>"
    )
    item = {"id": "1", "url": server.url("/json/1"), "date_published": "2025-09-03T10:00:00Z"}
    json_feed = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [item]}
    news_map = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{server.url('/map/1')}</loc><news:news><news:publication_date>2025-09-04T10:00:00+02:00"
        "</news:publication_date></news:news></url></urlset>"
    )
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url('/news-sitemap.xml')}</loc></sitemap></sitemapindex>"
    )
    server.route("/atom.xml", Response(atom.encode(), headers={"Content-Type": "application/atom+xml"}))
    server.route(
        "/feed.json", Response(json.dumps(json_feed).encode(), headers={"Content-Type": "application/feed+json"})
    )
    server.route("/news-sitemap.xml", Response(news_map.encode(), headers={"Content-Type": "application/xml"}))
    server.route("/sitemap.xml", Response(index.encode(), headers={"Content-Type": "application/xml"}))
    for path in ("/atom.xml", "/feed.json", "/sitemap.xml"):
        assert run("sources", "add", server.url(path)).exit_code == 0
    result = run("update")
    assert result.exit_code == 0, result.stderr
    dates = sorted(json.loads(p.read_text())["published"] for p in archive_dir.rglob("*.json"))
    assert dates == ["2025-09-02T10:00:00+00:00", "2025-09-03T10:00:00+00:00", "2025-09-04T10:00:00+02:00"]


def test_a_home_page_source_is_read_through_the_feed_it_names(run, site: LocalServer) -> None:
    home = '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Hi</body></html>'
    site.route("/", home)
    assert run("sources", "add", site.url("/")).exit_code == 0
    result = run("update")
    assert result.exit_code == 0, result.stderr
    assert "archived 3" in result.stderr


def test_bad_sources_are_reported_counted_and_skipped(run, site: LocalServer) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        "<rss version='2.0'><channel><title>&lol2;</title></channel></rss>"
    )
    site.route("/bomb.xml", Response(bomb.encode(), headers={"Content-Type": "application/rss+xml"}))
    site.route("/broken.xml", Response(b"<rss><channel><item><link>", headers={"Content-Type": "application/rss+xml"}))
    site.raw("/slow.xml", answer_once_the_client_gave_up)
    for name in ("bomb", "broken", "slow"):
        run("sources", "add", site.url(f"/{name}.xml"), "--name", name)
    run("sources", "add", site.url("/feed.xml"), "--name", "good")
    result = run("update")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any(line.startswith("error: source bomb: refused: the document declares XML entities") for line in errors)
    assert any(line.startswith("error: source broken: not a readable feed") for line in errors)
    assert any(line.startswith("error: source slow: timed out") for line in errors)
    assert "archived 3" in result.stderr  # the good source went on
    rows = {row["name"]: row for row in json.loads(run("sources", "list", "--json").stdout)}
    assert rows["bomb"]["consecutive_failures"] == 1 and "entities" in rows["bomb"]["last_error"]
    assert rows["good"]["consecutive_failures"] == 0
    run("update")
    rows = {row["name"]: row for row in json.loads(run("sources", "list", "--json").stdout)}
    assert rows["slow"]["consecutive_failures"] == 2


def test_dry_run_lists_and_changes_nothing(run, site: LocalServer, archive_dir: Path) -> None:
    run("sources", "add", site.url("/feed.xml"))
    result = run("update", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.count("/news/") == 3 and "would fetch 4" in result.stderr
    assert article_hits(site) == 0
    assert not list(archive_dir.rglob("*.json"))
    assert "archived 3" in run("update").stderr  # the dry run stored no validators


def test_quiet_is_silent_on_success_and_the_log_file_has_a_line_per_run_source_and_url(
    run, site: LocalServer, tmp_path: Path
) -> None:
    run("sources", "add", site.url("/feed.xml"), "--name", "harbour")
    log = tmp_path / "logs" / "newsarchive" / "update.log"  # its folder does not exist yet
    for _ in range(2):
        result = run("-q", "update", "--log-file", str(log))
        assert (result.exit_code, result.stderr, result.stdout) == (0, "", "")
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    events = [row["event"] for row in rows]
    assert events == ["start", "source", "input", "input", "input", "input", "end", "start", "source", "end"]
    assert all({"time", "input", "outcome", "duration"} <= row.keys() for row in rows if row["event"] == "input")
    assert sorted(row["outcome"] for row in rows[2:6]) == ["archived", "archived", "archived", "skipped"]
    first, second = (row for row in rows if row["event"] == "source")
    assert (first["source"], first["outcome"], first["listed"], first["new"]) == ("harbour", "read", 5, 4)
    assert (second["outcome"], second["listed"], second["new"]) == ("unchanged", 0, 0)  # a 304
    ends = [row for row in rows if row["event"] == "end"]
    assert [(end["command"], end["exit_code"]) for end in ends] == [("update", 0), ("update", 0)]
    assert ends[0]["counts"]["archived"] == 3 and ends[1]["counts"]["archived"] == 0


def test_the_log_says_how_each_run_ended_failures_and_a_busy_archive_too(
    run, site: LocalServer, tmp_path: Path, archive_dir: Path
) -> None:
    run("sources", "add", site.url("/missing.xml"), "--name", "missing")
    log = tmp_path / "update.log"
    assert run("-q", "update", "--log-file", str(log)).exit_code == 1
    with Archive(archive_dir).lock():  # another run holds the archive
        assert run("-q", "update", "--log-file", str(log)).exit_code == 2
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [row["event"] for row in rows] == ["start", "source", "end", "start", "end"]
    assert (rows[1]["outcome"], rows[1]["reason"]) == ("failed", "HTTP 404 Not Found")
    assert (rows[2]["exit_code"], rows[2]["sources_failed"]) == (1, 1)
    assert rows[4]["exit_code"] == 2


def test_a_log_file_that_cannot_be_written_is_one_line_and_exit_2(run, site: LocalServer, tmp_path: Path) -> None:
    run("sources", "add", site.url("/feed.xml"))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("update", "--log-file", str(blocker / "update.log"))
    assert result.exit_code == 2
    expected = f"error: cannot write the log file {blocker / 'update.log'}: {blocker} is a file, not a folder"
    assert result.stderr.splitlines() == [expected]


def test_fetch_feed_is_a_one_off_update(run, site: LocalServer) -> None:
    result = run("fetch", "--feed", site.url("/feed.xml"))
    assert result.exit_code == 0, result.stderr
    assert "archived 3" in result.stderr
    assert run("sources", "list", "--json").stdout.strip() == "[]"


def test_sources_add_and_remove(run, site: LocalServer) -> None:
    assert run("sources", "add", "ftp://example.com/feed").exit_code == 1
    assert run("sources", "add", site.url("/feed.xml"), "--name", "one").exit_code == 0
    again = run("sources", "add", site.url("/feed.xml"), "--name", "two")
    assert again.exit_code == 1 and "exists already" in again.stderr
    assert run("sources", "remove", "one").exit_code == 0
    assert run("sources", "remove", "one").exit_code == 1


def test_a_source_without_a_name_is_named_by_its_host_and_path(archive: Archive) -> None:
    assert add_source(archive, "https://news.example.org/world/feed/", section="World") == "news.example.org/world/feed"
    assert add_source(archive, "https://other.example/rss.xml", "other") == "other"
    assert [(row["name"], row["section"]) for row in archive.sources()] == [
        ("news.example.org/world/feed", "World"), ("other", None)
    ]  # fmt: skip
    with pytest.raises(ConfigError, match="not a URL: 'http:///feed'"):
        add_source(archive, "http:///feed")


def test_a_source_url_without_a_host_is_one_line_and_exit_2(run) -> None:
    result = run("sources", "add", "http:///feed")
    assert (result.exit_code, result.stderr) == (2, "error: not a URL: 'http:///feed'\n")


def test_fetch_counts_the_urls_and_what_the_listings_name_as_one_run(
    site: LocalServer, archive: Archive, settings: Settings
) -> None:
    sources: list[SourceResult] = []
    summary = fetch_urls_and_listings(
        archive, [site.url("/news/1")], [site.url("/feed.xml")], replace(settings, rate=0), on_source=sources.append
    )
    assert [(source.status, source.found, source.new) for source in sources] == [("read", 5, 3)]  # /news/1 is in
    assert (summary.counts["archived"], summary.counts["skipped"]) == (3, 1)  # robots.txt keeps /private/1 out


def test_a_dry_run_of_an_archive_not_made_yet_lists_nothing_and_makes_nothing(
    archive_dir: Path, settings: Settings
) -> None:
    assert leads_to_fetch(Archive(archive_dir), settings) == []
    assert not archive_dir.exists()


def test_normalized_urls_drop_tracking_fragments_ports_and_case() -> None:
    assert normalize_url("HTTPS://News.Example.COM:443/a/B?utm_source=x&id=3&fbclid=y#frag") == (
        "https://news.example.com/a/B?id=3"
    )
    assert normalize_url("http://example.com:80") == "http://example.com/"


def test_the_host_pacer_spaces_requests_per_host_and_honours_crawl_delay() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = HostPacer(1.0, clock=lambda: now[0])
    for url in ("https://a.example/1", "https://a.example/2", "https://b.example/1", "https://a.example/3"):
        pacer.wait(url, sleep=sleep)
    assert slept == [1.0, 2.0]  # a.example waits its turn; b.example never waits for it
    slept.clear()
    pacer.wait("https://c.example/1", crawl_delay=5, sleep=sleep)
    pacer.wait("https://c.example/2", crawl_delay=5, sleep=sleep)
    assert slept == [5.0]


@pytest.mark.slow
def test_sigterm_mid_update_stops_cleanly_and_the_next_run_continues(
    server: LocalServer, settings_env: None, archive_dir: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys

    server.route("/robots.txt", Response(b"", status=404))
    links = [f"/story/{n}" for n in range(8)]
    held, requested, released = 3, threading.Event(), threading.Event()
    for link in links[:held] + links[held + 1 :]:
        article(server, link, f"Story {link}")
    page = news_page(f"Story {links[held]}", about(links[held], 4), url=None).encode()

    def in_flight(handler: BaseHTTPRequestHandler) -> None:
        """This page is the one being fetched when the run is stopped: held until it has stopped."""
        requested.set()
        released.wait(HOLD_SECONDS)
        with contextlib.suppress(OSError):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.end_headers()
            handler.wfile.write(page)

    server.raw(links[held], in_flight)
    server.route("/feed.xml", Response(rss(server, links).encode(), headers={"Content-Type": "application/rss+xml"}))
    # The held page must still be in flight when the signal lands: no read timeout ends it first.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "NEWSARCHIVE_READ_TIMEOUT": "300"}
    base = [sys.executable, "-m", "newsarchive", "--archive", str(archive_dir)]
    subprocess.run([*base, "sources", "add", server.url("/feed.xml")], env=env, check=True, capture_output=True)
    process = subprocess.Popen([*base, "-v", "update", "--jobs", "1"], env=env, stderr=subprocess.PIPE, text=True)
    said, archived = [], 0
    for line in process.stderr:  # each page before the held one archived, and the held one asked for
        said.append(line)
        archived += line.startswith("archived: ")
        if archived == held:
            break
    assert requested.wait(HOLD_SECONDS), said
    process.send_signal(signal.SIGTERM)
    for line in process.stderr:
        said.append(line)
        if line.startswith("interrupted"):
            break
    released.set()  # the stopped run's fetch thread ends; it must not store what it gets
    said += process.stderr.readlines()
    assert process.wait() == 130, said
    assert not list(archive_dir.rglob("*.tmp")) and not (archive_dir / ".newsarchive.running").exists()
    assert len(list(archive_dir.rglob("*.json"))) == held  # what was archived before the signal, and no more

    done = subprocess.run([*base, "update"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"archived {len(links) - held}," in done.stderr
    assert len(list(archive_dir.rglob("*.json"))) == len(links)  # each archived once
    refetched = sum(server.hits(link) for link in links) - len(links)
    assert refetched == 1  # only the page in flight when the run was stopped


def test_robots_txt_is_read_as_rfc_9309_says(run, server: LocalServer, settings_env: None) -> None:
    rules = (
        "User-agent: *\n"
        "Disallow: /*/amp/\n"  # * matches any characters
        "Disallow: /*/print$\n"  # $ anchors the end: /world/print, not /world/print-edition
        "Disallow: /opinion/\n"
        "Allow: /opinion/letters/\n"  # the longer rule wins, whatever the order
    )
    server.route("/robots.txt", Response(rules.encode(), headers={"Content-Type": "text/plain"}))
    allowed = ["/world/print-edition", "/opinion/letters/1"]
    disallowed = ["/news/amp/story", "/world/print", "/opinion/column/1"]
    for path in allowed + disallowed:
        article(server, path, f"The story published at {path}")
    feed = server.route("/feed.xml", Response(rss(server, allowed + disallowed).encode()))
    result = run("-v", "fetch", "--feed", feed)
    assert result.exit_code == 0, result.stderr
    assert "archived 2, updated 0, duplicates 0, failed 0, skipped 3" in result.stderr
    for path in disallowed:
        assert f"skipped: {server.url(path)}: disallowed by robots.txt" in result.stderr
        assert server.hits(path) == 0
    assert all(server.hits(path) == 1 for path in allowed)


def test_urls_whose_robots_txt_cannot_be_read_fail_this_run_and_are_tried_again(
    run, server: LocalServer, settings_env: None
) -> None:
    server.route("/robots.txt", Response(b"", status=503))
    article(server, "/news/1", "A story behind a robots.txt that is down")
    dead = "http://newsroom.invalid/news/1"  # .invalid never resolves (RFC 6761)
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><link>{server.url("/news/1")}'
    feed += f"</link></item><item><link>{dead}</link></item></channel></rss>"
    server.route("/feed.xml", Response(feed.encode(), headers={"Content-Type": "application/rss+xml"}))
    run("sources", "add", server.url("/feed.xml"))
    result = run("update")
    assert result.exit_code == 1 and "failed 2, skipped 0" in result.stderr
    assert f"error: {server.url('/news/1')}: cannot read robots.txt (HTTP 503 Service Unavailable)" in result.stderr
    assert f"error: {dead}: cannot read robots.txt (connection failed: host not found)" in result.stderr
    assert server.hits("/news/1") == 0
    server.route("/robots.txt", Response(b"", status=404))
    assert "archived 1" in run("update").stderr


def test_robots_txt_rules_and_crawl_delay_from_a_real_server(server: LocalServer, settings) -> None:
    from newsarchive.inputs.fetch import Fetcher
    from newsarchive.inputs.politeness import Robots

    body = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n"
    server.route("/robots.txt", Response(body, headers={"Content-Type": "text/plain"}))
    with Fetcher(settings) as fetcher:
        robots = Robots(fetcher.fetch, settings.user_agent)
        assert robots.allowed(server.url("/news/1")) and not robots.allowed(server.url("/private/1"))
        assert robots.crawl_delay(server.url("/news/1")) == 3.0
    assert server.hits("/robots.txt") == 1  # read once per host per run

    missing, failing = LocalServer(), LocalServer()
    try:
        failing.route("/robots.txt", Response(b"", status=503))
        with Fetcher(settings.replace(retries=0)) as fetcher:
            robots = Robots(fetcher.fetch, settings.user_agent)
            assert robots.allowed(missing.url("/anything"))  # 404: no rules, all allowed
            assert not robots.allowed(failing.url("/anything"))  # 5xx: nothing allowed this run
    finally:
        missing.close()
        failing.close()


def crawl_delay_robots(server: LocalServer, value: str) -> None:
    server.route(
        "/robots.txt",
        Response(f"User-agent: *\nCrawl-delay: {value}\n".encode(), headers={"Content-Type": "text/plain"}),
    )


def test_a_crawl_delay_longer_than_the_cap_skips_the_host_and_a_malformed_one_is_ignored(
    server: LocalServer, settings: Settings
) -> None:
    from newsarchive.errors import DisallowedError
    from newsarchive.inputs.fetch import Fetcher
    from newsarchive.inputs.politeness import MAX_CRAWL_DELAY, Politeness

    paths = ["/news/1", "/news/2"]
    for path in paths:
        article(server, path, f"The story published at {path}")

    def paced(fetcher: Fetcher, slept: list[float]) -> Politeness:
        """A fresh run's politeness whose waits are recorded, on a clock that stands still:
        each wait is exactly the gap the host was given."""
        politeness = Politeness(fetcher.fetch, settings, sleep=slept.append)
        politeness.pacer = HostPacer(politeness.pacer.interval, clock=lambda: 0.0)
        return politeness

    with Fetcher(settings) as fetcher:
        for value in ("86400", "1e12", "61"):  # a day; a time.sleep overflow; just over the cap
            crawl_delay_robots(server, value)
            slept: list[float] = []
            politeness = paced(fetcher, slept)
            for path in paths:
                with pytest.raises(
                    DisallowedError, match=re.escape(f"Crawl-delay of {float(value):g} s, longer than the 60 s")
                ):
                    politeness.fetch(server.url(path))
            assert slept == []
        assert sum(server.hits(path) for path in paths) == 0

        for value, gap in [("60", MAX_CRAWL_DELAY), ("-5", 1.0), ("nan", 1.0), ("inf", 1.0), ("1e400", 1.0)]:
            crawl_delay_robots(server, value)  # at the cap it is kept to; one no pace can keep is ignored
            slept = []
            politeness = paced(fetcher, slept)
            for path in paths:
                assert b"The story published at" in politeness.fetch(server.url(path)).content
            assert slept == [gap], value  # the second page waited the Crawl-delay, or the --rate pace


def test_a_host_asking_for_a_crawl_delay_past_the_cap_is_skipped_with_its_reason_and_the_run_ends(
    run, server: LocalServer, settings_env: None
) -> None:
    crawl_delay_robots(server, "1e12")
    links = ["/news/1", "/news/2"]
    for link in links:
        article(server, link, f"The story published at {link}")
    feed = server.route("/feed.xml", Response(rss(server, links).encode()))
    result = run("-v", "fetch", "--feed", feed)
    assert result.exit_code == 0, result.stderr
    assert "archived 0, updated 0, duplicates 0, failed 0, skipped 2" in result.stderr
    for link in links:
        reason = "robots.txt asks for a Crawl-delay of 1e+12 s, longer than the 60 s newsarchive waits between"
        assert f"skipped: {server.url(link)}: {reason}" in result.stderr
        assert server.hits(link) == 0
