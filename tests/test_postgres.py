"""The PostgreSQL backend from the command line, the migration from SQLite, and the work queue
with several worker processes (one of them killed) against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchive.errors import ConfigError
from newsarchive.runs.worker import WorkQueue
from newsarchive.store.archive import Archive
from newsarchive.store.index import open_index
from newsarchive.store.index.postgres import LATEST_SCHEMA
from tests.conftest import FIXTURES
from tests.localserver import LocalServer, Response
from tests.pages import about, news_page


@pytest.fixture
def pg_run(run, pg_url: str):
    """The CLI on the test archive folder with its index in a fresh PostgreSQL database."""

    def invoke(*args: str, input: str | None = None):
        return run("--index", pg_url, *args, input=input)

    return invoke


def test_the_commands_work_the_same_on_a_postgresql_index(pg_run, archive_dir: Path, tmp_path: Path) -> None:
    result = pg_run("import", "--jobs", "2", str(FIXTURES / "pages"))
    assert result.exit_code == 1 and "archived 25" in result.stderr  # the section front is no article
    rows = json.loads(pg_run("list", "--json").stdout)
    assert len(rows) == 25 and not (archive_dir / "index.sqlite").exists()
    hits = json.loads(pg_run("search", "ferry", "--json").stdout)
    assert [hit["title"] for hit in hits][:1] == [
        "Norland budget vote live: Assembly passes Adeyemi-Kerr budget after day of drama"
    ]
    start, end = hits[0]["snippet_matches"][0]
    assert hits[0]["snippet"][start:end].lower() == "ferry"
    assert pg_run("show", rows[0]["id"][:8]).stdout.startswith("---\n")
    assert json.loads(pg_run("stats", "--json").stdout)["articles"] == 25
    assert "duplicates 25" in pg_run("import", "--jobs", "1", str(FIXTURES / "pages")).stderr
    assert pg_run("verify").exit_code == 0
    assert pg_run("reindex").exit_code == 0 and json.loads(pg_run("list", "--json").stdout) == rows
    assert "nothing to do" in pg_run("db", "upgrade").stderr
    assert pg_run("site", str(tmp_path / "site")).exit_code == 0
    assert pg_run("sources", "add", "https://feeds.example/rss", "--name", "feed").exit_code == 0
    assert [row["name"] for row in json.loads(pg_run("sources", "list", "--json").stdout)] == ["feed"]


def test_migrate_moves_an_index_from_sqlite_to_postgresql(run, pg_url: str, archive_dir: Path) -> None:
    assert run("import", "--jobs", "1", str(FIXTURES / "pages")).exit_code == 1
    assert run("sources", "add", "https://feeds.example/rss", "--name", "feed").exit_code == 0
    before = json.loads(run("list", "--json").stdout)
    result = run("migrate", "--from", f"sqlite:///{archive_dir / 'index.sqlite'}", "--to", pg_url)
    assert result.exit_code == 0 and "copied 25 article(s), 25 version(s), 1 source(s)" in result.stderr
    assert json.loads(run("--index", pg_url, "list", "--json").stdout) == before
    assert json.loads(run("--index", pg_url, "search", "Veldra", "--json").stdout)[0]["title"].startswith("River")
    again = run("migrate", "--from", f"sqlite:///{archive_dir / 'index.sqlite'}", "--to", pg_url)
    assert again.exit_code == 2 and f"error: the target index {pg_url} is not empty (it holds rows in" in again.stderr


def test_migrate_moves_an_index_from_postgresql_to_sqlite_and_refuses_a_target_holding_rows(
    pg_run, run, pg_url: str, tmp_path: Path
) -> None:
    assert pg_run("import", "--jobs", "1", str(FIXTURES / "pages")).exit_code == 1
    assert pg_run("sources", "add", "https://feeds.example/rss", "--name", "feed").exit_code == 0
    assert pg_run("tag", json.loads(pg_run("list", "--json").stdout)[0]["id"], "add", "kept").exit_code == 0
    before = json.loads(pg_run("list", "--json").stdout)
    target = tmp_path / "copy.sqlite"
    result = run("migrate", "--from", pg_url, "--to", f"sqlite:///{target}")
    assert result.exit_code == 0, result.stderr  # was: UPSERT not implemented for virtual table "articles_fts"
    assert "copied 25 article(s), 25 version(s), 1 source(s)" in result.stderr
    copy = ("--index", f"sqlite:///{target}")
    assert json.loads(run(*copy, "list", "--json").stdout) == before
    assert json.loads(run(*copy, "search", "Veldra", "--json").stdout)[0]["title"].startswith("River")
    assert [row["name"] for row in json.loads(run(*copy, "sources", "list", "--json").stdout)] == ["feed"]
    assert len(json.loads(run(*copy, "list", "--tag", "kept", "--json").stdout)) == 1
    assert run(*copy, "verify").exit_code == 0

    again = run("migrate", "--from", pg_url, "--to", f"sqlite:///{target}")
    assert (again.exit_code, again.stderr.count("\n")) == (2, 1)
    assert again.stderr.startswith(f"error: the target index {target} is not empty (it holds rows in versions, ")
    sources_only = tmp_path / "sources.sqlite"  # a source of another name with the same URL, say
    assert run("--index", f"sqlite:///{sources_only}", "sources", "add", "https://x.example/rss").exit_code == 0
    refused = run("migrate", "--from", pg_url, "--to", f"sqlite:///{sources_only}")
    reason = f"the target index {sources_only} is not empty (it holds rows in sources): migrate into an empty one"
    assert (refused.exit_code, refused.stderr) == (2, f"error: {reason}\n")


def test_db_upgrade_creates_the_schema_in_an_empty_database(pg_run) -> None:
    upgraded = pg_run("db", "upgrade")  # the first command of the README's "Scaling out"
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "applied migration 1: articles, versions, sources and full-text search" in upgraded.stderr
    assert "applied migration 2: the work queue shared by workers" in upgraded.stderr
    assert "applied migration 4: the reader's own tags" in upgraded.stderr
    assert "nothing to do" in pg_run("db", "upgrade").stderr
    assert json.loads(pg_run("queue", "--json").stdout)["counts"]["pending"] == 0


def test_an_index_behind_this_version_asks_for_db_upgrade(pg_run, pg_url: str, archive_dir: Path) -> None:
    assert pg_run("import", "--jobs", "1", str(FIXTURES / "pages" / "guardian-style.html")).exit_code == 0
    with Archive(archive_dir, index_url=pg_url) as archive:  # an index made before the work queue existed
        archive.index.execute("DELETE FROM schema_migrations WHERE version >= 2")
        archive.index.execute("DROP TABLE article_tags")
    behind = pg_run("list")
    assert behind.exit_code == 1 and f"is at schema 1, this newsarchive needs {LATEST_SCHEMA}" in behind.stderr
    upgraded = pg_run("db", "upgrade")
    assert upgraded.exit_code == 0 and "applied migration 2: the work queue shared by workers" in upgraded.stderr
    assert "applied migration 4: the reader's own tags" in upgraded.stderr
    assert "applied migration 5: the articles' section names and date sources" in upgraded.stderr
    (row,) = json.loads(pg_run("list", "--json").stdout)
    assert pg_run("tag", row["id"], "add", "upgraded").exit_code == 0
    assert json.loads(pg_run("list", "--tag", "upgraded", "--json").stdout) == [row]


def test_each_index_says_whether_it_holds_a_work_queue_and_upgrades_on_demand(pg_url: str, tmp_path: Path) -> None:
    sqlite, postgres = open_index(None, tmp_path / "archive"), open_index(pg_url, tmp_path / "archive")
    try:
        assert (sqlite.supports_queue, postgres.supports_queue) == (False, True)
        assert sqlite.upgrade() == [] and (tmp_path / "archive" / "index.sqlite").exists()  # made on opening
        assert "2: the work queue shared by workers" in postgres.upgrade()
        assert postgres.upgrade() == []
        with pytest.raises(ConfigError, match="the work queue needs a PostgreSQL index"):
            WorkQueue(sqlite)
    finally:
        sqlite.close()
        postgres.close()


def test_the_queue_needs_postgresql(run) -> None:
    result = run("queue")
    assert result.exit_code == 2 and "needs a PostgreSQL index" in result.stderr


def test_queue_add_reads_a_list_of_urls_as_fetch_does(pg_run, tmp_path: Path) -> None:
    listing = tmp_path / "pocket.csv"
    listing.write_text(
        "title,url,time_added,tags,status\n"
        "Bridge story,https://example.com/a.html,1700000001,local,unread\n"
        '"Ferry, again",https://example.com/b.html,1700000002,,archive\n'
    )
    queued = pg_run("queue", "add", "https://example.com/a.html", "--from-file", str(listing))
    assert queued.exit_code == 0 and "queued 2 new of 3" in queued.stderr, queued.stderr  # a.html queued once
    assert json.loads(pg_run("queue", "--json").stdout)["counts"]["pending"] == 2


def test_update_queues_what_sources_list_and_a_worker_archives_it(pg_run, archive_dir: Path) -> None:
    server = LocalServer()
    try:
        links = [
            server.route(f"/a/{n}", news_page(f"Queued story {n}", about(f"queue {n}", 3), url=None)) for n in range(3)
        ]
        items = "".join(f"<item><title>{n}</title><link>{link}</link></item>" for n, link in enumerate(links))
        feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
        feed_url = server.route("/feed", Response(feed.encode(), headers={"Content-Type": "application/rss+xml"}))
        assert pg_run("sources", "add", feed_url, "--name", "local").exit_code == 0
        queued = pg_run("update")
        assert queued.exit_code == 0 and "queued 3 new URL(s)" in queued.stderr
        assert "queued 0 new" in pg_run("update").stderr  # listed again: queued once
        done = pg_run("worker", "--until-empty", "--rate", "0", "--name", "w1", "--poll", "0.2")
        assert done.exit_code == 0 and "archived 3" in done.stderr
        counts = json.loads(pg_run("queue", "--json").stdout)["counts"]
        assert counts == {"pending": 0, "claimed": 0, "done": 3, "parked": 0}
        assert len(list((archive_dir / "raw").rglob("*-w1.warc.gz"))) == 1  # the worker's own WARC file
    finally:
        server.close()


def test_update_and_worker_skip_what_robots_txt_disallows_the_same_way(
    run, pg_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_RATE", "0")
    server = LocalServer()
    try:
        server.route(
            "/robots.txt", Response(b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
        )
        links = [
            server.route(path, news_page(f"Story at {path}", about(path, 3), url=None))
            for path in ("/a/1", "/private/1")
        ]
        items = "".join(f"<item><title>{n}</title><link>{link}</link></item>" for n, link in enumerate(links))
        feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
        feed_url = server.route("/feed", Response(feed.encode(), headers={"Content-Type": "application/rss+xml"}))
        summary = "archived 1, updated 0, duplicates 0, failed 0, skipped 1"
        skipped = f"skipped: {links[1]}: disallowed by robots.txt"

        on_sqlite = ("--archive", str(tmp_path / "sqlite-archive"))
        assert run(*on_sqlite, "sources", "add", feed_url).exit_code == 0
        updated = run(*on_sqlite, "-v", "update")
        assert updated.exit_code == 0 and summary in updated.stderr and skipped in updated.stderr

        assert pg_run("sources", "add", feed_url).exit_code == 0
        assert "queued 2 new URL(s)" in pg_run("update").stderr
        worked = pg_run("-v", "worker", "--until-empty", "--backoff", "0", "--poll", "0.2")
        assert worked.exit_code == 0 and summary in worked.stderr and skipped in worked.stderr
        counts = json.loads(pg_run("queue", "--json").stdout)["counts"]
        assert counts == {"pending": 0, "claimed": 0, "done": 2, "parked": 0}  # not retried, not parked
        assert server.hits("/private/1") == 0
    finally:
        server.close()


def _worker(archive_dir: Path, pg_url: str, name: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive_dir), "--index", pg_url, "-q", "worker"]
    command += ["--name", name, "--until-empty", "--rate", "0", "--ignore-robots", "--batch", "4"]
    command += ["--lease", "4", "--backoff", "0.2", "--max-attempts", "2", "--poll", "0.2"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_four_workers_one_killed_archive_every_url_once(pg_url: str, archive_dir: Path, tmp_path: Path, run) -> None:
    server = LocalServer()
    urls, failing = [], set()
    for n in range(500):
        if n % 50 == 7:
            url = server.route(f"/s/{n}", Response(b"gone", status=404))
            failing.add(url)
        elif n % 50 == 8:
            url = server.route(f"/s/{n}", Response(b"down", status=500))
            failing.add(url)
        else:
            page = news_page(f"Story {n} of the shared queue", about(f"shared {n}", 3), url=None).encode()
            url = server.route(f"/s/{n}", Response(page, delay=0.3 if n % 10 == 3 else 0.0))
        urls.append(url)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(urls) + "\n")
    try:
        assert "queued 500 new of 500" in run("--index", pg_url, "queue", "add", "--from-file", str(listing)).stderr
        workers = [_worker(archive_dir, pg_url, f"w{n}") for n in range(4)]
        with Archive(archive_dir, index_url=pg_url) as archive:
            while archive.index.one("SELECT COUNT(*) AS n FROM queue WHERE state = 'done'")["n"] < 100:
                assert all(process.poll() is None for process in workers), "a worker ended before 100 were done"
                time.sleep(0.1)  # polling the queue: how long it takes is no part of the test
        workers[0].send_signal(signal.SIGKILL)  # mid-run, holding a claimed batch
        for process in workers[1:]:
            _, errors = process.communicate(timeout=300)
            assert process.returncode in (0, 1), errors.decode()
        workers[0].wait()
    finally:
        server.close()
        for process in workers:
            if process.poll() is None:
                process.kill()

    with Archive(archive_dir, index_url=pg_url) as archive:
        rows = archive.index.execute("SELECT url, state, article_id, last_error FROM queue")
        assert len(rows) == 500
        by_state: dict[str, list[dict]] = {}
        for row in rows:
            by_state.setdefault(row["state"], []).append(row)
        assert set(by_state) <= {"done", "parked"}, {state: len(group) for state, group in by_state.items()}
        assert {row["url"] for row in by_state["parked"]} == failing
        assert all(row["last_error"].startswith("HTTP ") for row in by_state["parked"])
        done = by_state["done"]
        assert len(done) == 500 - len(failing)
        articles = archive.index.execute("SELECT id FROM articles")
        versions = archive.index.execute("SELECT id, version, json_path FROM versions")
        assert len(articles) == len(versions) == len(done)  # each URL archived exactly once
        assert {row["article_id"] for row in done} == {row["id"] for row in articles}
    json_files = [p for p in archive_dir.rglob("*.json") if "raw" not in p.parts]
    assert len(json_files) == len(done)
    run("--index", pg_url, "verify", "--repair")  # a killed worker may have left a temp file
    checked = run("--index", pg_url, "verify", "--json")
    assert checked.exit_code == 0, checked.stdout
    # Each worker appends to its own files (one that had not started by the kill may have none).
    writers = {path.name.removesuffix(".warc.gz").split("-", 1)[1] for path in (archive_dir / "raw").rglob("*.warc.gz")}
    assert {"w1", "w2", "w3"} <= writers <= {"w0", "w1", "w2", "w3"}
