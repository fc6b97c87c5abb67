from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.errors import ArchiveLockedError, NotFoundError, QueryError, StoreError
from newsarchive.model import SCHEMA_VERSION
from newsarchive.store.archive import Archive
from tests.pages import LOREM, about, article_from, news_page


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, archive_dir: Path) -> Iterator[Archive]:
    """Every storage test runs against both index backends (PostgreSQL: a fresh database)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    with Archive(archive_dir, index_url=url) as opened:
        yield opened


def test_layout_by_published_day_and_section(archive: Archive, archive_dir: Path) -> None:
    added = archive.add(article_from(news_page()))
    assert added.outcome == "archived"
    assert added.json_path == "2024/03/14/local/harbour-bridge-reopens-after-repairs.json"
    assert (archive_dir / added.json_path).is_file()
    assert (archive_dir / added.json_path).with_suffix(".md").is_file()


def test_json_is_stable_and_complete(archive: Archive, archive_dir: Path) -> None:
    added = archive.add(article_from(news_page()))
    text = (archive_dir / added.json_path).read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)
    for key in (
        "id",
        "url",
        "canonical_url",
        "title",
        "description",
        "authors",
        "published",
        "modified",
        "date_source",
        "section",
        "section_slug",
        "categories",
        "tags",
        "site_name",
        "language",
        "image",
        "text",
        "markdown",
        "word_count",
        "content_sha256",
        "source",
        "extractor",
        "user_tags",
    ):
        assert key in data
    assert data["schema_version"] == SCHEMA_VERSION == 3
    assert set(data["source"]) >= {"kind", "location", "fetched_at", "sha256"}
    assert set(data["extractor"]) >= {"name", "version", "method"}


def test_the_same_article_twice_is_a_duplicate(archive: Archive, archive_dir: Path) -> None:
    first = archive.add(article_from(news_page()))
    files_before = sorted(p.relative_to(archive_dir) for p in archive_dir.rglob("*") if p.is_file())
    second = archive.add(article_from(news_page(), location="/elsewhere/copy.html"))
    assert second.outcome == "duplicate"
    assert second.id == first.id
    files_after = sorted(p.relative_to(archive_dir) for p in archive_dir.rglob("*") if p.is_file())
    assert files_after == files_before
    assert len(archive.list()) == 1


def test_same_body_under_another_url_is_a_duplicate(archive: Archive) -> None:
    archive.add(article_from(news_page()))
    again = archive.add(article_from(news_page(url="https://mirror.example.net/bridge.html")))
    assert again.outcome == "duplicate"


def test_changed_body_at_the_same_url_is_a_new_version_and_the_old_stays(archive: Archive, archive_dir: Path) -> None:
    first = archive.add(article_from(news_page()))
    changed = news_page(paragraphs=[LOREM.format(day=d) for d in ("Monday", "Tuesday", "Friday")])
    second = archive.add(article_from(changed))
    assert second.outcome == "updated"
    assert second.id == first.id
    assert second.version == 2
    assert (archive_dir / first.json_path).is_file()
    assert (archive_dir / second.json_path).is_file()
    assert second.json_path != first.json_path
    assert [row["version"] for row in archive.list()] == [2]
    assert "Friday" in archive.load(first.id).text
    versions = archive.index.execute("SELECT version FROM versions WHERE id = ? ORDER BY version", (first.id,))
    assert [row["version"] for row in versions] == [1, 2]


def test_title_collision_between_different_articles_gets_a_short_hash(archive: Archive) -> None:
    one = archive.add(article_from(news_page(url="https://a.example.org/local/one")))
    other_body = [LOREM.format(day=d) for d in ("Thursday", "Friday", "Saturday")]
    two = archive.add(article_from(news_page(paragraphs=other_body, url="https://a.example.org/local/two")))
    assert one.json_path != two.json_path
    assert Path(two.json_path).stem.startswith("harbour-bridge-reopens-after-repairs-")


@pytest.mark.parametrize("title", ["../../../etc/passwd", "/absolute/title", "..", "CON", "a\x00b", "\u202eevil"])
@pytest.mark.parametrize("section", ["../../etc", "CON", ".", "/", "a/../../b"])
def test_no_title_or_section_escapes_the_archive(archive: Archive, archive_dir: Path, title: str, section: str) -> None:
    added = archive.add(article_from(news_page(title=title, section=section)))
    target = (archive_dir / added.json_path).resolve()
    assert archive_dir.resolve() in target.parents
    assert all(part not in ("..", ".", "con") for part in Path(added.json_path).parts)


def test_no_temp_files_are_left(archive: Archive, archive_dir: Path) -> None:
    archive.add(article_from(news_page()))
    assert not [p for p in archive_dir.rglob("*.tmp")]


def test_reindex_rebuilds_the_same_index_from_files(archive: Archive, archive_dir: Path) -> None:
    archive.add(article_from(news_page()))
    archive.add(article_from(news_page(paragraphs=about("bridge repair"))))
    archive.add(
        article_from(
            news_page(
                title="Ferry timetable changes",
                url="https://news.example.org/local/ferry",
                paragraphs=about("ferry timetable"),
            )
        )
    )
    before = archive.list()
    if archive.index_url:
        archive.index.execute("DELETE FROM articles")  # rows lost
    else:
        archive.close()
        (archive_dir / "index.sqlite").write_bytes(b"\0" * 4096)  # a zeroed index
    assert archive.reindex() == 3
    assert archive.list() == before
    assert [hit.title for hit in archive.search("ferry")] == ["Ferry timetable changes"]


def test_find_by_url_and_prefix(archive: Archive) -> None:
    added = archive.add(article_from(news_page()))
    assert archive.find("https://news.example.org/local/2024/03/14/bridge-reopens.html")["id"] == added.id
    assert archive.find(added.id[:6])["id"] == added.id
    with pytest.raises(NotFoundError):
        archive.find("https://nowhere.example.org/")


def test_search_ranks_and_survives_punctuation(archive: Archive) -> None:
    archive.add(
        article_from(
            news_page(title="Ferry strike ends", url="https://n.example.org/local/a", paragraphs=about("ferry strike"))
        )
    )
    archive.add(
        article_from(
            news_page(
                title="Budget vote",
                url="https://n.example.org/local/b",
                paragraphs=[
                    "A ferry was mentioned once in this long budget story about taxes and spending plans.",
                    *about("budget"),
                ],
            )
        )
    )
    hits = archive.search("ferry")
    assert [h.title for h in hits] == ["Ferry strike ends", "Budget vote"]
    start, end = hits[0].snippet_matches[0]
    assert hits[0].snippet[start:end].lower() == "ferry"
    assert archive.search("Russia-Ukraine") == []  # a hyphen inside a word is not syntax
    with pytest.raises(QueryError, match="never closed"):
        archive.search('ferry "unclosed')


def test_list_filters(archive: Archive) -> None:
    archive.add(article_from(news_page(title="March story", published="2024-03-14T09:00:00+01:00")))
    archive.add(
        article_from(
            news_page(
                title="April story",
                published="2024-04-02T09:00:00+01:00",
                url="https://other.example.com/world/april",
                section="World",
                site="Other Times",
                paragraphs=about("april event"),
            )
        )
    )
    assert [r["title"] for r in archive.list(since="2024-04-01")] == ["April story"]
    assert [r["title"] for r in archive.list(until="2024-03-31")] == ["March story"]
    assert [r["title"] for r in archive.list(section="World")] == ["April story"]
    assert [r["title"] for r in archive.list(site="other.example.com")] == ["April story"]
    assert [r["title"] for r in archive.list(site="Example Gazette")] == ["March story"]


def test_lock_excludes_a_second_holder(archive_dir: Path) -> None:
    first, second = Archive(archive_dir), Archive(archive_dir)
    locked_out = pytest.raises(ArchiveLockedError, match="in use by another newsarchive process")
    with first.lock(), locked_out, second.lock(wait=0.2):
        pass
    with second.lock():
        pass


def test_index_uses_wal(archive_dir: Path) -> None:
    with Archive(archive_dir) as archive:
        archive.add(article_from(news_page()))
        db = sqlite3.connect(archive_dir / "index.sqlite")
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_slugs_are_ascii_and_capped(archive: Archive) -> None:
    long_title = "A very long headline " * 20
    added = archive.add(article_from(news_page(title=long_title.strip())))
    stem = Path(added.json_path).stem
    assert len(stem) <= 80 and stem.isascii()
    arabic = archive.add(
        article_from(
            news_page(title="الحرب في أوكرانيا", url="https://n.example.org/local/ar", paragraphs=about("talks"))
        )
    )
    stem = Path(arabic.json_path).stem
    assert stem.isascii() and stem.strip("-")


def test_a_failed_write_leaves_no_file_and_no_index_row(
    archive: Archive, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    real_replace = os.replace

    def disk_full_for_json(source: str, target: str) -> None:
        if str(target).endswith(".json"):  # the Markdown file lands, the JSON file does not
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", disk_full_for_json)
    with pytest.raises(StoreError, match="No space left on device"):
        archive.add(article_from(news_page()))
    monkeypatch.undo()
    assert [p for p in archive_dir.rglob("*") if p.is_file() and p.suffix in (".json", ".md", ".tmp")] == []
    assert archive.list() == []
    assert archive.add(article_from(news_page())).outcome == "archived"
