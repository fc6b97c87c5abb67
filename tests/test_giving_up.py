"""Article URLs that keep failing (a 404, a 410, a host that does not resolve) are given up after
`max_failures` runs, said once, left out of `update` and the work queue, listed, and fetched
again only when asked: on SQLite through `update`, on PostgreSQL through `update` and workers."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from newsarchive.store.archive import Archive
from newsarchive.store.index.postgres import LATEST_SCHEMA
from tests.conftest import FIXTURES
from tests.localserver import LocalServer, Response
from tests.pages import about, news_page

DEAD_HOST = "http://newsroom.invalid/2025/09/01/story.html"  # .invalid never resolves (RFC 6761)


def article(server: LocalServer, path: str, title: str) -> str:
    return server.route(path, news_page(title, about(title, 4), url=None))


def plain_feed(server: LocalServer, links: list[str]) -> str:
    """A feed without validators, so every run reads it and sees the same links."""
    items = "".join(f"<item><title>{n}</title><link>{link}</link></item>" for n, link in enumerate(links))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    return server.route("/feed.xml", Response(body.encode(), headers={"Content-Type": "application/rss+xml"}))


@pytest.fixture
def dead_links(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A feed of one good story and three that fail on every run."""
    monkeypatch.setenv("NEWSARCHIVE_RATE", "0")
    monkeypatch.setenv("NEWSARCHIVE_RETRIES", "0")
    server.route("/robots.txt", Response(b"", status=404))
    links = {
        "good": article(server, "/news/good", "A story that is there"),
        "missing": server.url("/news/missing"),  # no route: 404
        "gone": server.route("/news/gone", Response(b"<html><body>gone</body></html>", status=410)),
        "dead": DEAD_HOST,
    }
    plain_feed(server, list(links.values()))
    return links


def giving_up(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("giving up on ")]


def failing(run, *index: str) -> dict[str, dict]:
    rows = json.loads(run(*index, "sources", "list", "--failures", "--json").stdout)
    return {row["url"]: row for row in rows}


def test_a_url_that_keeps_failing_is_given_up_after_three_runs_then_left_alone(
    run, server: LocalServer, dead_links: dict[str, str]
) -> None:
    dead = [dead_links[name] for name in ("missing", "gone", "dead")]
    assert run("sources", "add", server.url("/feed.xml"), "--name", "local").exit_code == 0
    for attempt in (1, 2):
        result = run("-q", "update")
        assert result.exit_code == 1 and not giving_up(result), result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 3
        assert {row["failures"] for row in failing(run).values()} == {attempt}
    assert f"error: {dead_links['gone']}: HTTP 410 Gone" in result.stderr
    assert f"error: {DEAD_HOST}: cannot read robots.txt (connection failed: host not found)" in result.stderr
    third = run("-q", "update")
    assert third.exit_code == 1 and "given up 3" in third.stderr
    assert sorted(giving_up(third)) == sorted(
        f"giving up on {url} after 3 failures ('newsarchive sources retry URL' tries it again)" for url in dead
    )
    hits = {path: server.hits(path) for path in ("/news/missing", "/news/gone")}

    fourth = run("-q", "update")  # cron mails nothing any more
    assert (fourth.exit_code, fourth.stderr, fourth.stdout) == (0, "", "")
    assert {path: server.hits(path) for path in hits} == hits  # not fetched
    verbose = run("-v", "update")
    assert "source local: read, 4 listed, 0 new, 3 given up" in verbose.stderr
    assert run("update", "--dry-run").stdout == ""

    rows = failing(run)
    assert set(rows) == set(dead) and all(row["given_up_at"] and row["failures"] == 3 for row in rows.values())
    listed = run("sources", "list", "--failures").stdout.splitlines()
    assert any(line.startswith(f"given up after 3 failures: {dead_links['gone']}: HTTP 410 Gone") for line in listed)
    assert (
        "3 article URL(s) given up: 'newsarchive sources list --failures' lists them" in run("sources", "list").stderr
    )

    article(server, "/news/gone", "A story that came back")  # asked for by name: fetched, given up or not
    fetched = run("fetch", dead_links["gone"])
    assert fetched.exit_code == 0 and "archived 1" in fetched.stderr
    article(server, "/news/missing", "A story that was late")
    retried = run("sources", "retry", dead_links["missing"])
    assert retried.exit_code == 0 and "1 article URL(s) will be fetched again" in retried.stderr
    again = run("update")
    assert again.exit_code == 0 and "archived 1" in again.stderr
    assert list(failing(run)) == [DEAD_HOST]
    assert run("sources", "retry").stderr.startswith("1 article URL(s) will be fetched again")
    assert run("-q", "update").exit_code == 1  # tried again, and counting from one
    assert failing(run)[DEAD_HOST]["failures"] == 1 and not failing(run)[DEAD_HOST]["given_up_at"]
    unknown = run("sources", "retry", "https://example.org/never-failed")
    assert unknown.exit_code == 1
    assert unknown.stderr == "error: https://example.org/never-failed: no failures recorded for this URL\n"


def test_failures_count_once_per_run_and_the_limit_is_a_setting(
    run, server: LocalServer, dead_links: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    feed = server.url("/feed.xml")
    missing = dead_links["missing"]
    # Named twice and listed by the feed: three failures in one run, one run that failed it.
    once = run("fetch", missing, missing, "--feed", feed)
    assert once.exit_code == 1 and once.stderr.count(f"error: {missing}: HTTP 404") == 3
    assert failing(run)[missing]["failures"] == 1
    config = tmp_path / "xdg-config" / "newsarchive" / "config.toml"  # XDG_CONFIG_HOME of the tests
    config.parent.mkdir(parents=True)
    config.write_text("max_failures = 2\n")
    second = run("fetch", "--feed", feed)
    assert f"giving up on {missing} after 2 failures" in second.stderr
    run("sources", "retry")
    run("sources", "add", feed)
    monkeypatch.setenv("NEWSARCHIVE_MAX_FAILURES", "5")  # the environment wins over the file
    assert not giving_up(run("update"))
    at_once = run("update", "--max-failures", "1")  # and the option over the environment
    assert len(giving_up(at_once)) == 3
    run("sources", "retry")
    monkeypatch.setenv("NEWSARCHIVE_MAX_FAILURES", "0")  # never give up
    for _ in range(3):
        assert not giving_up(run("update"))


def test_an_archive_from_before_keeps_working_and_reindex_keeps_the_give_ups(
    run, server: LocalServer, dead_links: dict[str, str], archive_dir: Path
) -> None:
    run("sources", "add", server.url("/feed.xml"))
    assert "archived 1" in run("update").stderr
    with sqlite3.connect(archive_dir / "index.sqlite") as db:  # an index made before failing URLs were kept
        db.execute("DROP TABLE failing_urls")
    assert run("update", "--max-failures", "2").exit_code == 1
    assert len(giving_up(run("update", "--max-failures", "2"))) == 3
    assert run("reindex").exit_code == 0
    assert len(failing(run)) == 3 and run("-q", "update").exit_code == 0


def test_on_postgresql_workers_give_up_and_update_queues_them_no_more(
    run, pg_url: str, server: LocalServer, dead_links: dict[str, str], archive_dir: Path
) -> None:
    index = ("--index", pg_url)
    worker = (*index, "worker", "--until-empty", "--backoff", "0", "--poll", "0.2")
    missing, gone = dead_links["missing"], dead_links["gone"]
    assert run(*index, "sources", "add", server.url("/feed.xml"), "--name", "local").exit_code == 0
    assert "queued 4 new URL(s)" in run(*index, "update").stderr
    worked = run(*worker)
    assert worked.exit_code == 1 and "archived 1" in worked.stderr and "given up 3" in worked.stderr
    assert worked.stderr.count(f"error: {gone}: HTTP 410 Gone") == 3  # one claim a try, --backoff apart
    assert sorted(giving_up(worked)) == sorted(
        f"giving up on {url} after 3 failures ('newsarchive sources retry URL' tries it again)"
        for url in (missing, gone, DEAD_HOST)
    )
    counts = json.loads(run(*index, "queue", "--json").stdout)["counts"]
    assert counts == {"pending": 0, "claimed": 0, "done": 1, "parked": 3}
    assert all(row["given_up_at"] for row in failing(run, *index).values()) and len(failing(run, *index)) == 3

    again = run(*index, "-v", "update")
    assert "source local: read, 4 listed, 0 new, 3 given up" in again.stderr
    assert "queued 0 new URL(s) of 0 listed" in again.stderr
    article(server, "/news/missing", "A story that was late")
    retried = run(*index, "sources", "retry", missing)
    assert "1 article URL(s) will be fetched again, 1 back in the work queue" in retried.stderr
    assert "archived 1" in run(*worker).stderr
    article(server, "/news/gone", "A story that came back")
    assert "archived 1" in run(*index, "fetch", gone).stderr
    assert list(failing(run, *index)) == [DEAD_HOST]
    assert "re-queued 2 parked URL(s)" in run(*index, "queue", "retry").stderr  # forgets their failures too
    assert failing(run, *index) == {}


def test_postgresql_migration_3_adds_the_failing_urls_to_an_existing_index(
    run, pg_url: str, server: LocalServer, dead_links: dict[str, str], archive_dir: Path
) -> None:
    index = ("--index", pg_url)
    assert (
        "applied migration 3: article URLs that keep failing, and those given up" in run(*index, "db", "upgrade").stderr
    )
    run(*index, "sources", "add", server.url("/feed.xml"))
    with Archive(archive_dir, index_url=pg_url) as archive:  # an index made before failing URLs were kept
        archive.index.execute("DROP TABLE failing_urls")
        archive.index.execute("DROP TABLE article_tags")  # and before user tags, migration 4
        archive.index.execute("DELETE FROM schema_migrations WHERE version >= 3")
    behind = run(*index, "update")
    assert behind.exit_code == 1 and f"is at schema 2, this newsarchive needs {LATEST_SCHEMA}" in behind.stderr
    assert "applied migration 3" in run(*index, "db", "upgrade").stderr
    assert "queued 4 new URL(s)" in run(*index, "update").stderr
    assert "given up 3" in run(*index, "worker", "--until-empty", "--backoff", "0", "--poll", "0.2").stderr


def test_migrate_carries_the_give_ups_and_takes_an_index_from_before_them(
    run, postgres_server: str, server: LocalServer, dead_links: dict[str, str], archive_dir: Path, tmp_path: Path
) -> None:
    from tests.pg import database_url

    run("sources", "add", server.url("/feed.xml"))
    assert len(giving_up(run("update", "--max-failures", "1"))) == 3
    target = database_url(postgres_server, f"give_ups_{os.getpid()}")
    assert run("migrate", "--from", f"sqlite:///{archive_dir / 'index.sqlite'}", "--to", target).exit_code == 0
    assert len(failing(run, "--index", target)) == 3
    assert "queued 0 new URL(s) of 0 listed" in run("--index", target, "update").stderr

    older = tmp_path / "older"
    assert run("--archive", str(older), "import", str(FIXTURES / "pages" / "guardian-style.html")).exit_code == 0
    with sqlite3.connect(older / "index.sqlite") as db:  # an index made before failing URLs were kept
        db.execute("DROP TABLE failing_urls")
    second = database_url(postgres_server, f"before_give_ups_{os.getpid()}")
    moved = run("--archive", str(older), "migrate", "--from", f"sqlite:///{older / 'index.sqlite'}", "--to", second)
    assert moved.exit_code == 0 and "copied 1 article(s)" in moved.stderr
