"""`newsarchive delete`: files and index rows gone (both backends), a question at a terminal, a
tombstone that `update` and feeds respect while `fetch URL` and `import` bring the article back,
raw pages kept, `verify` telling a deleted article from a lost one, and the site following."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsarchive.store.archive import Archive
from newsarchive.store.tombstones import TOMBSTONES_NAME
from tests.localserver import LocalServer, Response
from tests.pages import about, news_page
from tests.test_site import site_index


@pytest.fixture(params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest) -> str | None:
    """The test archive's index: SQLite beside the files, or a fresh PostgreSQL database."""
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else None


@pytest.fixture
def cli(run, index_url: str | None):
    return (lambda *args, **kwargs: run("--index", index_url, *args, **kwargs)) if index_url else run


def write_page(folder: Path, name: str, title: str, topic: str, **kwargs: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(news_page(title, about(topic, 3), **kwargs), encoding="utf-8")
    return path


def two_pages(folder: Path) -> Path:
    write_page(folder, "quay.html", "Quay wall repairs begin", "quay wall", url="https://d.example/quay")
    write_page(folder, "ferry.html", "Ferry fares go up", "ferry fares", url="https://d.example/ferry")
    return folder


def files_of(archive_dir: Path, article_id: str) -> list[Path]:
    """Every JSON file (of any version) of the article, and each one's Markdown twin."""
    found = []
    for path in archive_dir.rglob("*.json"):
        if json.loads(path.read_text(encoding="utf-8")).get("id") == article_id:
            found += [path, path.with_suffix(".md")]
    return sorted(found)


def raw_bytes(archive_dir: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted((archive_dir / "raw").rglob("*.warc.gz"))}


def learned_counts(archive_dir: Path, index_url: str | None) -> list[list[dict]]:
    with Archive(archive_dir, index_url=index_url) as archive:
        return [
            archive.index.execute("SELECT * FROM site_articles ORDER BY site"),
            archive.index.execute("SELECT * FROM site_lines ORDER BY site, line_key"),
        ]


def test_delete_removes_every_version_and_every_index_row(cli, index_url, archive_dir: Path, tmp_path: Path) -> None:
    folder = two_pages(tmp_path / "in")
    assert cli("import", "--jobs", "1", str(folder)).exit_code == 0
    write_page(folder, "quay.html", "Quay wall repairs begin", "quay wall delays", url="https://d.example/quay")
    assert "updated 1" in cli("import", "--jobs", "1", str(folder)).stderr
    quay = json.loads(cli("show", "https://d.example/quay", "--json").stdout)
    assert quay["version"] == 2 and cli("tag", quay["id"], "add", "port").exit_code == 0
    quay_files = files_of(archive_dir, quay["id"])
    assert len(quay_files) == 4
    raw_before = raw_bytes(archive_dir)

    deleted = cli("delete", "https://d.example/quay", "--yes")
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.stderr == f"deleted {quay['id']}  Quay wall repairs begin\n"
    assert not any(path.exists() for path in quay_files)
    assert [row["title"] for row in json.loads(cli("list", "--json").stdout)] == ["Ferry fares go up"]
    assert cli("show", quay["id"]).exit_code == 1
    assert json.loads(cli("search", "quay", "--json").stdout) == []
    assert json.loads(cli("list", "--tag", "port", "--json").stdout) == []
    stats = json.loads(cli("stats", "--json").stdout)
    assert (stats["articles"], stats["versions"]) == (1, 1)
    assert raw_bytes(archive_dir) == raw_before  # the raw pages stay: WARC files are only appended to
    (stone,) = [json.loads(line) for line in (archive_dir / TOMBSTONES_NAME).read_text().splitlines()]
    assert stone["id"] == quay["id"] and stone["url_keys"] == ["https://d.example/quay"]
    assert sorted(archive_dir / path for path in stone["files"]) == quay_files

    verified = cli("verify")  # the deleted article's raw records are no problem
    assert verified.exit_code == 0 and "checked 1 article file(s): 0 problem(s)" in verified.stderr
    counts = learned_counts(archive_dir, index_url)
    assert cli("reindex").exit_code == 0
    assert learned_counts(archive_dir, index_url) == counts  # its lines no longer counted for its site
    assert [row["title"] for row in json.loads(cli("list", "--json").stdout)] == ["Ferry fares go up"]


def test_delete_off_a_terminal_needs_yes(run, archive_dir: Path, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(two_pages(tmp_path / "in"))).exit_code == 0
    refused = run("delete", "https://d.example/quay")  # CliRunner's stdin is no terminal
    assert refused.exit_code == 2
    assert refused.stderr == "error: delete asks before it removes anything, but stdin is not a terminal: pass --yes\n"
    assert len(json.loads(run("list", "--json").stdout)) == 2


def delete_at_a_terminal(archive_dir: Path, key: str, answer: str) -> subprocess.CompletedProcess:
    """`newsarchive delete KEY` with a terminal (a pseudo-terminal) on stdin, answering its
    question with `answer` (typed ahead: the terminal holds it until the question reads it)."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode() + b"\n")
        command = [sys.executable, "-m", "newsarchive", "--archive", str(archive_dir), "delete", key]
        return subprocess.run(command, stdin=terminal, capture_output=True, text=True, timeout=120, check=False)
    finally:
        os.close(terminal)
        os.close(controller)


def test_delete_asks_at_a_terminal(run, archive_dir: Path, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(two_pages(tmp_path / "in"))).exit_code == 0
    quay = json.loads(run("show", "https://d.example/quay", "--json").stdout)["id"]

    declined = delete_at_a_terminal(archive_dir, "https://d.example/quay", "n")
    assert declined.returncode == 1
    assert declined.stderr == (
        f"  {quay}  Quay wall repairs begin\n"
        "Delete 1 article(s), with the files of every version? [y/N]: nothing deleted\n"
    )
    assert len(json.loads(run("list", "--json").stdout)) == 2

    accepted = delete_at_a_terminal(archive_dir, "https://d.example/quay", "y")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stderr.endswith(f"[y/N]: deleted {quay}  Quay wall repairs begin\n")
    assert [row["title"] for row in json.loads(run("list", "--json").stdout)] == ["Ferry fares go up"]


def test_an_unknown_id_is_one_line_and_the_rest_are_deleted(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(two_pages(tmp_path / "in"))).exit_code == 0
    quay = json.loads(run("show", "https://d.example/quay", "--json").stdout)
    result = run("delete", "nosuch", quay["id"][:8], "https://d.example/quay", "--yes", "--json")
    assert result.exit_code == 1
    assert result.stderr == f"error: no article with id or URL 'nosuch'\ndeleted {quay['id']}  {quay['title']}\n"
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0] == {"input": "nosuch", "status": "failed", "reason": "no article with id or URL 'nosuch'"}
    assert rows[1]["input"] == quay["id"][:8] and rows[1]["status"] == "deleted" and rows[1]["id"] == quay["id"]
    assert len(rows[1]["files"]) == 2 and rows[1]["deleted_at"]
    assert rows[2:] == [{"summary": {"deleted": 1, "failed": 1}}]  # named twice, deleted once

    again = run("delete", "https://d.example/quay", "--yes")
    day = rows[1]["deleted_at"][:10]
    assert again.exit_code == 1
    assert again.stderr == f"error: no article with id or URL 'https://d.example/quay' (it was deleted on {day})\n"


@pytest.fixture
def feed_site(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """A feed (served whole every time, so that every run reads its items) of two articles,
    one of them listed with a tracking parameter."""
    monkeypatch.setenv("NEWSARCHIVE_RATE", "0")
    monkeypatch.setenv("NEWSARCHIVE_RETRIES", "0")
    for name in ("quay", "ferry"):
        server.route(f"/news/{name}", news_page(f"The {name} story", about(f"the {name}", 4), url=None))
    items = "".join(
        f"<item><title>{path}</title><link>{server.url(path)}</link></item>"
        for path in ("/news/quay?utm_source=rss", "/news/ferry")
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    server.route("/feed.xml", Response(feed.encode(), headers={"Content-Type": "application/rss+xml"}))
    return server


def test_update_and_feeds_never_fetch_a_deleted_url_but_fetch_url_does(
    run, feed_site: LocalServer, archive_dir: Path
) -> None:
    assert run("sources", "add", feed_site.url("/feed.xml"), "--name", "port").exit_code == 0
    assert "archived 2," in run("update").stderr
    quay = feed_site.url("/news/quay")
    assert run("delete", quay, "--yes").exit_code == 0

    again = run("update")
    assert again.exit_code == 0 and "archived 0, updated 0, duplicates 0, failed 0, skipped 0" in again.stderr
    assert run("update", "--dry-run").stdout == ""
    assert (
        "archived 0, updated 0, duplicates 0, failed 0, skipped 0"
        in run("fetch", "--feed", feed_site.url("/feed.xml")).stderr
    )
    assert feed_site.hits("/news/quay") == 1  # only the first update fetched it

    # A link the tombstone does not name, to a page whose canonical URL it does: skipped, not failed.
    amp = news_page("The quay story", about("the quay", 4), url=quay)
    feed_site.route("/news/quay-amp", amp)
    item = f"<item><link>{feed_site.url('/news/quay-amp')}</link></item>"
    feed_site.route("/amp.xml", Response(f'<rss version="2.0"><channel>{item}</channel></rss>'.encode()))
    skipped = run("-v", "fetch", "--feed", feed_site.url("/amp.xml"))
    assert skipped.exit_code == 0 and "skipped 1" in skipped.stderr
    day = json.loads((archive_dir / TOMBSTONES_NAME).read_text())["deleted_at"][:10]
    expected = f"skipped: {feed_site.url('/news/quay-amp')}: deleted from the archive on {day}; "
    assert expected + "'newsarchive fetch URL' archives it again" in skipped.stderr.splitlines()

    fetched = run("-v", "fetch", quay)  # asked by name: archived again, and no longer deleted
    assert fetched.exit_code == 0 and "archived 1," in fetched.stderr
    assert f"({quay}): deleted on {day}, archived again as asked" in fetched.stderr
    assert (archive_dir / TOMBSTONES_NAME).read_text() == ""
    assert "archived 0, updated 0, duplicates 0" in run("update").stderr
    assert run("verify").exit_code == 0


def test_import_brings_a_deleted_article_back(run, archive_dir: Path, tmp_path: Path) -> None:
    folder = two_pages(tmp_path / "in")
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0
    assert run("delete", "https://d.example/ferry", "--yes").exit_code == 0
    again = run("-v", "import", "--jobs", "1", str(folder / "ferry.html"))
    assert again.exit_code == 0 and "archived 1," in again.stderr
    assert "archived again as asked" in again.stderr
    assert len(json.loads(run("list", "--json").stdout)) == 2
    assert (archive_dir / TOMBSTONES_NAME).read_text() == ""


def test_verify_tells_a_deleted_article_from_a_lost_one(run, archive_dir: Path, tmp_path: Path) -> None:
    folder = two_pages(tmp_path / "in")
    write_page(folder, "dock.html", "Dock strike ends", "dock strike", url="https://d.example/dock")
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0
    quay = json.loads(run("show", "https://d.example/quay", "--json").stdout)["id"]
    quay_files = files_of(archive_dir, quay)
    kept = tmp_path / "kept"
    kept.mkdir()
    for path in [*quay_files, archive_dir / "index.sqlite"]:
        shutil.copy2(path, kept / path.name)
    assert run("delete", quay, "--yes").exit_code == 0
    assert run("verify").exit_code == 0
    quay_json = quay_files[0].relative_to(archive_dir).as_posix()
    day = json.loads((archive_dir / TOMBSTONES_NAME).read_text())["deleted_at"][:10]

    # The index as it was before the delete (one cut short before its rows went), and an
    # article whose files went missing with no delete at all.
    shutil.copy2(kept / "index.sqlite", archive_dir / "index.sqlite")
    (dock,) = [p for p in archive_dir.rglob("*.json") if "dock" in p.name]
    dock.unlink()
    dock.with_suffix(".md").unlink()
    problems = json.loads(run("verify", "--json").stdout)["problems"]
    assert sorted((p["kind"], p["path"], p["message"]) for p in problems) == [
        ("deleted", quay_json, f"article {quay} was deleted on {day}, but is still indexed"),
        ("missing-file", dock.relative_to(archive_dir).as_posix(), "indexed, but the article file is missing"),
    ]
    assert run("verify", "--repair").exit_code == 0
    assert run("verify").exit_code == 0

    # The files back (a delete cut short before they went): verify --repair finishes the delete.
    for path in quay_files:
        shutil.copy2(kept / path.name, path)
    problems = json.loads(run("verify", "--json").stdout)["problems"]
    assert [(p["kind"], p["path"], p["message"]) for p in problems] == [
        ("deleted", quay_json, f"article {quay} was deleted on {day}, but its file is still here")
    ]
    assert run("verify", "--repair").exit_code == 0
    assert not any(path.exists() for path in quay_files)
    assert [row["title"] for row in json.loads(run("list", "--json").stdout)] == ["Ferry fares go up"]

    # Another article that lands on the path the deleted one had is no leftover of it.
    write_page(folder, "quay-2.html", "Quay wall repairs begin", "another quay wall", url="https://d.example/quay-2")
    assert run("import", "--jobs", "1", str(folder / "quay-2.html")).exit_code == 0
    assert quay_files[0].exists()
    assert run("verify").exit_code == 0


def test_the_site_drops_a_deleted_article_on_its_next_build(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(two_pages(tmp_path / "in"))).exit_code == 0
    quay = json.loads(run("show", "https://d.example/quay", "--json").stdout)["id"]
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0
    assert (out / "article" / f"{quay}.html").exists()
    assert run("delete", quay, "--yes").exit_code == 0

    rebuilt = json.loads(run("site", str(out), "--json").stdout)
    assert rebuilt["articles"] == 1 and rebuilt["removed"] >= 1
    assert not (out / "article" / f"{quay}.html").exists()
    home = lxml_html.fromstring((out / "index.html").read_bytes())
    assert f"article/{quay}.html" not in home.xpath("//a/@href")
    assert [row["t"] for row in site_index(out)] == ["Ferry fares go up"]
