"""Following edits: pages on a local server that the test edits between runs, rechecked with
`recheck` and on `update`'s revisit schedule, then shown by history, diff, changes and the site."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from lxml import etree

from newsarchive.store.archive import Archive
from tests.localserver import LocalServer, Response, client_gone
from tests.pages import about, news_page
from tests.terminal import Terminal

ATOM = "{http://www.w3.org/2005/Atom}"
HOLD_SECONDS = 60.0  # a held page is served anyway after this, so that a failing test ends
CORRECTION = "Correction: an earlier version of this story gave the wrong date for the reopening ceremony."


class EditablePage:
    """A page the test edits between runs, served with an ETag (unless `validators` is off) and
    answered with a 304 when a request names the ETag of what it serves now."""

    def __init__(self, server: LocalServer, path: str, title: str, paragraphs: list[str], validators: bool = True):
        self.path = path
        self.validators = validators
        self.edit(title, paragraphs)
        self.url = server.raw(path, self.serve)

    def edit(self, title: str, paragraphs: list[str], extra: str = "") -> None:
        self.body = news_page(title, paragraphs, url=None, extra_body=extra).encode()

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(self.body).hexdigest()[:16]}"'

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        if self.validators and request.headers.get("If-None-Match") == self.etag:
            request.send_response(304)
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(self.body)))
        if self.validators:
            request.send_header("ETag", self.etag)
        request.end_headers()
        request.wfile.write(self.body)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    # No pacing and quick failures: these tests are about what is stored, not politeness timing.
    monkeypatch.setenv("NEWSARCHIVE_RATE", "0")
    monkeypatch.setenv("NEWSARCHIVE_RETRIES", "0")


def story() -> tuple[str, list[str]]:
    return "Harbour bridge reopens after repairs", about("bridge", 4)


def edited(paragraphs: list[str]) -> list[str]:
    """One sentence reworded, a correction appended."""
    return [paragraphs[0], paragraphs[1].replace("new details", "fresh details"), *paragraphs[2:], CORRECTION]


def snapshot(archive_dir: Path) -> dict[str, tuple[int, int]]:
    """Every article and raw file (not the index) with its size and modification time."""
    return {
        path.relative_to(archive_dir).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in archive_dir.rglob("*")
        if path.is_file() and not path.name.startswith(("index.sqlite", ".newsarchive"))
    }


def requests_for(server: LocalServer, path: str) -> list[dict[str, str]]:
    return [headers for requested, headers in server.requests if requested == path]


def rss(links: list[str]) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>{link}</link></item>" for n, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def feed(server: LocalServer, links: list[str]) -> str:
    return server.route("/feed.xml", Response(rss(links), headers={"Content-Type": "application/rss+xml"}))


def versions_of(archive_dir: Path, url: str) -> list[int]:
    with Archive(archive_dir) as archive:
        return [row["version"] for row in archive.index.versions_of(archive.find(url)["id"])]


# -- recheck ------------------------------------------------------------------------------------


def test_recheck_asks_conditionally_and_an_unchanged_page_writes_nothing(run, server, archive_dir: Path) -> None:
    page = EditablePage(server, "/news/1", *story())
    plain = EditablePage(server, "/news/2", "Ferry timetable changes", about("ferry", 4), validators=False)
    assert run("fetch", page.url, plain.url).exit_code == 0
    before = snapshot(archive_dir)

    plain.edit("Ferry timetable changes", about("ferry", 4), extra="<!-- served by another machine -->")
    result = run("recheck")
    assert result.exit_code == 0, result.stderr
    assert "rechecked 2, changed 0, unchanged 2, failed 0" in result.stderr
    first, again = requests_for(server, "/news/1")
    assert "If-None-Match" not in first and again["If-None-Match"] == page.etag  # answered 304
    assert snapshot(archive_dir) == before  # neither the 304 nor the same body wrote a file
    assert "rechecked 0," in run("recheck", "--since", "2024-03-15").stderr  # both were published the day before
    alone = run("diff", page.url)
    assert alone.exit_code == 1 and alone.stderr.endswith("has only one version: nothing to compare\n")


def test_a_changed_page_is_a_new_version_and_history_diff_and_changes_show_it(run, server, archive_dir) -> None:
    title, paragraphs = story()
    page = EditablePage(server, "/news/1", title, paragraphs)
    assert run("fetch", page.url).exit_code == 0
    first_files = set(snapshot(archive_dir))
    page.edit("Harbour bridge reopens after long repairs", edited(paragraphs))

    result = run("recheck", page.url, "--json")
    assert result.exit_code == 0, result.stderr
    row, summary = (json.loads(line) for line in result.stdout.splitlines())
    assert row["status"] == "changed" and row["version"] == 2
    assert summary == {"summary": {"rechecked": 1, "changed": 1, "unchanged": 0, "failed": 0, "skipped": 0}}
    assert first_files <= set(snapshot(archive_dir))  # the first version's files are kept
    assert versions_of(archive_dir, page.url) == [1, 2]

    history = json.loads(run("history", page.url, "--json").stdout)
    assert [(v["version"], v["title"], v["summary"]) for v in history] == [
        (1, title, "first version"),
        (2, "Harbour bridge reopens after long repairs", "title changed; 1 paragraph added, 1 changed"),
    ]
    assert history[1]["word_count"] > history[0]["word_count"] and history[1]["seen"]
    lines = run("history", page.url).stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("2\t") and lines[1].endswith("1 paragraph added, 1 changed")

    piped = run("diff", page.url)
    assert piped.exit_code == 0 and "\x1b[" not in piped.stdout
    assert "[-new-]{+fresh+}" in piped.stdout and f"+ {{+{CORRECTION}+}}" in piped.stdout
    assert piped.stdout.startswith(
        "version 1 → 2: title changed; 1 paragraph added, 1 changed\n"
        "title: Harbour bridge reopens after {+long +}repairs\n"
    )
    as_json = json.loads(run("diff", page.url, "--from", "1", "--to", "2", "--json").stdout)
    assert as_json["title"] == {"old": title, "new": "Harbour bridge reopens after long repairs"}
    assert as_json["added"] == [CORRECTION] and as_json["removed"] == []
    assert as_json["changed"] == [{"old": paragraphs[1], "new": edited(paragraphs)[1]}]

    same = run("diff", page.url, "--from", "2", "--to", "2")
    assert same.exit_code == 2 and "--from and --to both name version 2" in same.stderr
    missing = run("diff", page.url, "--to", "5")
    assert missing.exit_code == 1 and missing.stderr.count("\n") == 1 and "has no version 5" in missing.stderr

    changes = run("changes").stdout.splitlines()
    assert len(changes) == 1 and "Harbour bridge reopens after long repairs" in changes[0] and "\t2\t" in changes[0]
    (change,) = json.loads(run("changes", "--json").stdout)
    assert (change["version"], change["url"], change["summary"]) == (2, page.url, history[1]["summary"])
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert run("changes", "--since", tomorrow).stdout == ""


def test_diff_at_a_terminal_is_in_colour(run, server, archive_dir: Path) -> None:
    title, paragraphs = story()
    page = EditablePage(server, "/news/1", title, paragraphs)
    assert run("fetch", page.url).exit_code == 0
    page.edit(title, edited(paragraphs))
    assert run("recheck").exit_code == 0
    with Terminal(columns=120) as terminal:
        process = terminal.run("--archive", str(archive_dir), "diff", page.url)
        assert process.wait() == 0
        shown = terminal.text()
    assert "\x1b[32mfresh\x1b[0m" in shown and "\x1b[31mnew\x1b[0m" in shown and "{+" not in shown


def test_recheck_names_what_it_cannot_recheck_and_goes_on(run, server, archive_dir: Path) -> None:
    page = EditablePage(server, "/news/1", *story())
    gone = EditablePage(server, "/news/2", "Ferry timetable changes", about("ferry", 4))
    assert run("fetch", page.url, gone.url).exit_code == 0
    server.route("/news/2", Response(b"gone", 410))
    result = run("recheck", "no-such-article", gone.url, page.url)
    assert result.exit_code == 1
    assert "error: no-such-article: no article with id or URL 'no-such-article'" in result.stderr
    assert f"error: {gone.url}: HTTP 410" in result.stderr
    assert "rechecked 3, changed 0, unchanged 1, failed 2" in result.stderr


# -- the revisit schedule of update --------------------------------------------------------------


def test_update_rechecks_once_per_step_of_the_schedule(run, server, archive_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('revisit = ["0s"]\n', encoding="utf-8")
    title, paragraphs = story()
    page = EditablePage(server, "/news/1", title, paragraphs)
    assert run("sources", "add", feed(server, [page.url])).exit_code == 0

    first = run("--config", str(config), "update")
    assert first.exit_code == 0 and "archived 1" in first.stderr, first.stderr
    assert len(requests_for(server, "/news/1")) == 1  # not rechecked by the run that archived it

    page.edit(title, edited(paragraphs))
    planned = run("--config", str(config), "update", "--dry-run")
    assert planned.stdout == f"{page.url}  (recheck)\n" and "would fetch 0, recheck 1" in planned.stderr
    second = run("--config", str(config), "update")
    assert second.exit_code == 0, second.stderr
    assert "rechecked 1, changed 1, unchanged 0, failed 0" in second.stderr
    assert requests_for(server, "/news/1")[-1]["If-None-Match"]  # asked conditionally
    assert versions_of(archive_dir, page.url) == [1, 2]

    third = run("--config", str(config), "update")
    assert third.exit_code == 0 and "rechecked" not in third.stderr
    assert len(requests_for(server, "/news/1")) == 2  # the one step is done


def test_an_empty_schedule_never_rechecks_and_the_option_overrides_it(run, server, archive_dir, tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("revisit = []\n", encoding="utf-8")
    title, paragraphs = story()
    page = EditablePage(server, "/news/1", title, paragraphs)
    assert run("sources", "add", feed(server, [page.url])).exit_code == 0
    assert run("--config", str(config), "update").exit_code == 0
    page.edit(title, edited(paragraphs))

    assert run("--config", str(config), "update").exit_code == 0
    assert len(requests_for(server, "/news/1")) == 1 and versions_of(archive_dir, page.url) == [1]

    bad = run("--config", str(config), "update", "--revisit", "5x")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("error: --revisit: invalid revisit step '5x'")
    forced = run("--config", str(config), "update", "--revisit", "0s")
    assert forced.exit_code == 0 and "rechecked 1, changed 1" in forced.stderr
    assert versions_of(archive_dir, page.url) == [1, 2]


def test_a_failed_recheck_waits_for_the_next_step(run, server, archive_dir, monkeypatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_REVISIT", "0s")
    page = EditablePage(server, "/news/1", *story())
    assert run("sources", "add", feed(server, [page.url])).exit_code == 0
    assert run("update").exit_code == 0
    server.route("/news/1", Response(b"busy", 503))

    failed = run("update")
    assert failed.exit_code == 1 and "rechecked 1, changed 0, unchanged 0, failed 1" in failed.stderr
    assert f"error: {page.url}: HTTP 503" in failed.stderr
    again = run("update")
    assert again.exit_code == 0 and server.hits("/news/1") == 2  # not tried again until a next step


def test_a_bad_revisit_variable_is_one_config_error(run, monkeypatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_REVISIT", "1h, soon")
    result = run("update")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "error: NEWSARCHIVE_REVISIT: invalid revisit step 'soon': a number and s, m, h, d or w (as in 6h or 3d)\n"
    )


# -- the site -----------------------------------------------------------------------------------


def test_the_site_shows_each_version_and_an_atom_feed_of_the_changes(run, server, archive_dir, tmp_path) -> None:
    title, paragraphs = story()
    page = EditablePage(server, "/news/1", title, paragraphs)
    other = EditablePage(server, "/news/2", "Ferry timetable changes", about("ferry", 4))
    assert run("fetch", page.url, other.url).exit_code == 0
    page.edit("Harbour bridge reopens after long repairs", edited(paragraphs))
    assert run("recheck").exit_code == 0
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0

    with Archive(archive_dir) as archive:
        article_id = archive.find(page.url)["id"]
        other_id = archive.find(other.url)["id"]
    article_page = (out / f"article/{article_id}.html").read_text(encoding="utf-8")
    assert f'<a href="{article_id}/v2.html">Version 2</a>' in article_page and "1 paragraph added" in article_page
    assert "Versions" not in (out / f"article/{other_id}.html").read_text(encoding="utf-8")
    version_page = (out / f"article/{article_id}/v2.html").read_text(encoding="utf-8")
    assert "<del>new</del><ins>fresh</ins>" in version_page
    assert (
        f"<ins>{CORRECTION}</ins>" in version_page
        and '<h1 dir="auto">Harbour bridge reopens after <ins>long </ins>repairs</h1>' in version_page
    )
    assert 'href="../../style.css"' in version_page and "http://" not in version_page.replace(page.url, "")
    css = (out / "style.css").read_text(encoding="utf-8")
    assert "ins {" in css and "prefers-color-scheme: dark" in css

    feed_root = etree.fromstring((out / "changes.xml").read_bytes())
    assert feed_root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed_root.find(f"{ATOM}{required}") is not None, required
    (entry,) = feed_root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Harbour bridge reopens after long repairs (version 2)"
    assert entry.findtext(f"{ATOM}summary") == "title changed; 1 paragraph added, 1 changed"
    assert entry.findtext(f"{ATOM}id").startswith("tag:") and entry.findtext(f"{ATOM}updated")
    assert (out / entry.find(f"{ATOM}link").get("href")).is_file()
    assert feed_root.findtext(f"{ATOM}updated") == entry.findtext(f"{ATOM}updated")


# -- interrupted ----------------------------------------------------------------------------------


def test_a_recheck_killed_midway_resumes_without_a_duplicate_version(server, archive_dir: Path, run) -> None:
    title = story()[0]
    pages = [EditablePage(server, f"/news/{n}", f"{title} {n}", about(f"bridge {n}", 4)) for n in (1, 2)]
    assert run("fetch", *(page.url for page in pages)).exit_code == 0
    for n, page in enumerate(pages, 1):
        page.edit(f"{title} {n}", edited(about(f"bridge {n}", 4)))

    served, held = [], threading.Event()

    def first_served_then_held(page: EditablePage):
        def handler(request: BaseHTTPRequestHandler) -> None:
            if served:  # the other page was served: this one is held until the client is gone
                held.set()
                client_gone(request, HOLD_SECONDS)
                return
            served.append(page.path)
            page.serve(request)

        return handler

    for page in pages:
        server.raw(page.path, first_served_then_held(page))
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive_dir), "recheck"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert held.wait(HOLD_SECONDS), "the second page was never asked for"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()

    for page in pages:
        server.raw(page.path, page.serve)
    resumed = run("recheck")
    assert resumed.exit_code == 0, resumed.stderr
    assert "rechecked 2, changed 1, unchanged 1, failed 0" in resumed.stderr
    assert [versions_of(archive_dir, page.url) for page in pages] == [[1, 2], [1, 2]]
    assert run("verify").exit_code == 0


# -- the index ------------------------------------------------------------------------------------


def test_an_index_from_before_rechecks_is_upgraded_in_place(run, server, archive_dir: Path) -> None:
    page = EditablePage(server, "/news/1", *story())
    assert run("fetch", page.url).exit_code == 0
    db = sqlite3.connect(archive_dir / "index.sqlite")
    db.execute("DROP TABLE article_checks")
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()

    result = run("recheck")
    assert result.exit_code == 0 and "rechecked 1, changed 0, unchanged 1" in result.stderr
    db = sqlite3.connect(archive_dir / "index.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    assert db.execute("SELECT outcome FROM article_checks").fetchall() == [("unchanged",)]
    db.close()


def test_reindex_keeps_the_rechecks(run, server, archive_dir: Path) -> None:
    page = EditablePage(server, "/news/1", *story())
    assert run("fetch", page.url).exit_code == 0
    assert run("recheck").exit_code == 0
    assert run("reindex").exit_code == 0
    assert run("recheck").exit_code == 0
    assert requests_for(server, "/news/1")[-1]["If-None-Match"] == page.etag


def test_with_postgresql_due_rechecks_go_through_the_work_queue(run, pg_url: str, archive_dir, monkeypatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_REVISIT", "0s")
    server = LocalServer()
    try:
        title, paragraphs = story()
        page = EditablePage(server, "/news/1", title, paragraphs)
        assert run("--index", pg_url, "sources", "add", feed(server, [page.url])).exit_code == 0
        assert "queued 1 new" in run("--index", pg_url, "update").stderr
        worked = run("--index", pg_url, "worker", "--until-empty", "--poll", "0.2")
        assert worked.exit_code == 0 and "archived 1" in worked.stderr

        page.edit(title, edited(paragraphs))
        queued = run("--index", pg_url, "update")
        assert queued.exit_code == 0 and "queued 1 recheck(s)" in queued.stderr, queued.stderr
        assert "queued 0 recheck(s)" in run("--index", pg_url, "update").stderr  # queued once
        worked = run("--index", pg_url, "worker", "--until-empty", "--poll", "0.2")
        assert worked.exit_code == 0 and "updated 1" in worked.stderr, worked.stderr
        assert requests_for(server, "/news/1")[-1]["If-None-Match"]
        history = json.loads(run("--index", pg_url, "history", page.url, "--json").stdout)
        assert [version["version"] for version in history] == [1, 2]
        assert "recheck" not in run("--index", pg_url, "update").stderr  # the step is done: none due
    finally:
        server.close()


def test_a_rewritten_headline_and_a_body_put_back_are_edits_too(run, server, archive_dir: Path) -> None:
    title, paragraphs = story()
    page = EditablePage(server, "/news/1", title, paragraphs)
    assert run("fetch", page.url).exit_code == 0
    page.edit("Bridge reopens, months late", paragraphs)  # the headline alone
    assert ", changed 1," in run("recheck").stderr
    page.edit("Bridge reopens, months late", edited(paragraphs))
    assert ", changed 1," in run("recheck").stderr
    page.edit("Bridge reopens, months late", paragraphs)  # the correction taken back out
    assert ", changed 1," in run("recheck").stderr
    history = json.loads(run("history", page.url, "--json").stdout)
    assert [version["summary"] for version in history] == [
        "first version",
        "title changed",
        "1 paragraph added, 1 changed",
        "1 paragraph changed, 1 removed",
    ]


def test_recheck_honours_robots_txt_unless_told_not_to(run, server, archive_dir: Path) -> None:
    page = EditablePage(server, "/news/1", *story())
    assert run("fetch", page.url).exit_code == 0  # a page asked for by name is fetched whatever robots.txt says
    server.route("/robots.txt", Response(b"User-agent: *\nDisallow: /news/\n", headers={"Content-Type": "text/plain"}))
    kept_out = run("recheck")
    assert kept_out.exit_code == 0 and "rechecked 1, changed 0, unchanged 0, failed 0, skipped 1" in kept_out.stderr
    assert server.hits("/news/1") == 1
    assert "unchanged 1" in run("recheck", "--ignore-robots").stderr and server.hits("/news/1") == 2
