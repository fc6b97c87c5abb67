"""`newsarchive fetch` end to end against a real local server."""

from __future__ import annotations

import json

from tests.localserver import LocalServer, Response
from tests.pages import about, news_page


def test_fetch_archives_and_reports(run, server: LocalServer) -> None:
    url = server.route("/story", news_page())
    result = run("fetch", url)
    assert result.exit_code == 0, result.output
    assert "archived 1," in result.stderr
    rows = json.loads(run("list", "--json").stdout)
    assert rows[0]["url"] == url
    assert rows[0]["canonical_url"] == "https://news.example.org/local/2024/03/14/bridge-reopens.html"


def test_fetch_twice_is_a_duplicate(run, server: LocalServer) -> None:
    url = server.route("/story", news_page())
    run("fetch", url)
    again = run("fetch", url)
    assert again.exit_code == 0
    assert "archived 0, updated 0, duplicates 1" in again.stderr


def test_from_file_and_stdin_with_comments(run, server: LocalServer, tmp_path) -> None:
    one = server.route("/one", news_page(url=None))
    two = server.route("/two", news_page(title="Second story", url=None, paragraphs=about("ferry")))
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# my reading list\n{one}  # first\n\n", encoding="utf-8")
    assert run("fetch", "--from-file", str(listing)).exit_code == 0
    result = run("fetch", "--from-file", "-", input=f"{two}#fragment-is-not-a-comment\n")
    assert result.exit_code == 0, result.output
    assert len(json.loads(run("list", "--json").stdout)) == 2


def test_failed_urls_get_one_line_each_and_exit_1(run, server: LocalServer) -> None:
    good = server.route("/good", news_page())
    missing = server.url("/missing")
    not_article = server.route("/empty", Response(b"<html><body></body></html>"))
    result = run("fetch", missing, good, "ftp://example.com/file", not_article)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {missing}: HTTP 404 Not Found",
        "error: ftp://example.com/file: unsupported URL scheme (ftp:); only http and https",
        f"error: {not_article}: no article body found (the page has no text)",
    ]
    assert "archived 1, updated 0, duplicates 0, failed 3" in result.stderr


def test_user_agent_option(run, server: LocalServer) -> None:
    url = server.route("/story", news_page())
    run("fetch", "--user-agent", "my-archiver/2.0", url)
    assert server.requests[-1][1]["User-Agent"] == "my-archiver/2.0"
    run("fetch", url)
    assert server.requests[-1][1]["User-Agent"].startswith("newsarchive/")


def test_a_changed_page_becomes_a_new_version(run, server: LocalServer) -> None:
    url = server.route("/live", news_page(), news_page(paragraphs=about("late change", 4)))
    run("fetch", url)
    result = run("fetch", url)
    assert "updated 1" in result.stderr
    stats = json.loads(run("stats", "--json").stdout)
    assert (stats["articles"], stats["versions"]) == (1, 2)


def test_a_200_that_is_an_error_page_is_not_archived(run, server: LocalServer, archive_dir) -> None:
    error_page = (
        "<html><head><title>Service unavailable</title></head><body><h1>Something went wrong</h1>"
        "<p>Please try again later.</p></body></html>"
    )
    url = server.route("/story", error_page)
    result = run("fetch", url)
    assert result.exit_code == 1
    assert f"error: {url}: no article body found" in result.stderr
    assert not list(archive_dir.rglob("*.json"))
