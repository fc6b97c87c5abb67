"""The archive's index: one interface, two backends (sqlite.py, postgres.py).

SQLite (a file beside the articles) is the embedded default; PostgreSQL is the scale-out
backend, for many workers on many hosts sharing one archive folder. The SQL is written once, in
the dialect both understand (`INSERT ... ON CONFLICT`, `?` placeholders that the PostgreSQL
backend turns into `%s`); only connecting, schema migrations, full-text search and rebuilding
differ. The index is a cache of the article files: `reindex` can always rebuild it.
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from newsarchive.errors import ConfigError, NotFoundError, StoreError
from newsarchive.model import UNSTATED_DATE_SOURCES, Article, site_of, utc_now
from newsarchive.store.search import Leaf, Node, Query, search_words, sql_condition, unspaced
from newsarchive.text import line_key, slugify
from newsarchive.urls import normalize_url

INDEX_NAME = "index.sqlite"
# A line is a site's boilerplate once it is in this many of the site's articles, and this share.
LEARN_MIN_ARTICLES = 5
LEARN_MIN_SHARE = 0.3

# Tables both backends share, in the SQL both accept.
COMMON_TABLES = [
    """CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    url TEXT,
    canonical_url TEXT,
    content_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    section_slug TEXT NOT NULL,
    site_name TEXT,
    json_path TEXT NOT NULL UNIQUE,
    md_path TEXT NOT NULL UNIQUE,
    archived_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
)""",
    "CREATE INDEX IF NOT EXISTS versions_sha ON versions(content_sha256)",
    "CREATE INDEX IF NOT EXISTS versions_url ON versions(url)",
    "CREATE INDEX IF NOT EXISTS versions_canonical ON versions(canonical_url)",
    """CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    url TEXT,
    canonical_url TEXT,
    content_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    day TEXT,
    section_slug TEXT NOT NULL,
    site_name TEXT,
    word_count INTEGER NOT NULL,
    json_path TEXT NOT NULL,
    md_path TEXT NOT NULL,
    archived_at TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS articles_day ON articles(day)",
    "CREATE INDEX IF NOT EXISTS articles_section ON articles(section_slug)",
    "CREATE INDEX IF NOT EXISTS articles_site ON articles(site_name)",
    "CREATE TABLE IF NOT EXISTS site_articles (site TEXT PRIMARY KEY, articles INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS site_lines (
    site TEXT NOT NULL,
    line_key TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_key)
)""",
    "CREATE TABLE IF NOT EXISTS raw_inputs (raw_sha256 TEXT PRIMARY KEY, id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS url_keys (url_key TEXT PRIMARY KEY, id TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    section TEXT,
    added_at TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_success TEXT,
    last_error TEXT,
    last_error_at TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
)""",
]
# Article URLs whose fetch failed, counted once per run (`last_run`), and given up after
# `max_failures` runs so that cron stops reporting the same dead page. Created by SQLite at
# every open and by PostgreSQL's migration 3, so archives made before it get it too.
FAILING_URLS_TABLE = """CREATE TABLE IF NOT EXISTS failing_urls (
    url_key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_run TEXT NOT NULL,
    last_error TEXT NOT NULL,
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL,
    given_up_at TEXT
)"""
# How each article's last recheck for edits went, and the HTTP validators (ETag, Last-Modified)
# for the next conditional request: from the page that gave its current version, then from each
# recheck. Created by SQLite at every open (schema 4) and by PostgreSQL's migration 7.
ARTICLE_CHECKS_TABLE = """CREATE TABLE IF NOT EXISTS article_checks (
    id TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    checked_at TEXT,
    outcome TEXT,
    error TEXT
)"""
# The reader's own tags of each current article (from its file's user_tags).
TAG_TABLES = [
    "CREATE TABLE IF NOT EXISTS article_tags (id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (id, tag))",
    "CREATE INDEX IF NOT EXISTS article_tags_tag ON article_tags(tag)",
]
# Derived from the article files: emptied and refilled by a rebuild (sources are configuration).
DERIVED_TABLES = (
    "versions", "articles", "site_articles", "site_lines", "raw_inputs", "url_keys", "articles_fts", "articles_trigram",
    "article_tags",
)  # fmt: skip
# Every row keyed by an article's id, all removed when the article is deleted.
DELETED_WITH_AN_ARTICLE = (
    "versions", "articles", "articles_fts", "articles_trigram", "raw_inputs", "url_keys", "article_tags",
    "article_checks",
)  # fmt: skip
# A filter on the articles table (or its alias `a`) to those the reader gave a tag.
TAGGED = "{table}id IN (SELECT id FROM article_tags WHERE tag = ?)"

VERSION_COLUMNS = (
    "id", "version", "url", "canonical_url", "content_sha256", "title", "published",
    "section_slug", "site_name", "json_path", "md_path", "archived_at",
)  # fmt: skip
# Columns the articles table gained after its first release, added by both backends to an
# index that lacks them; rows indexed before have NULL there until `reindex` (Archive.list reads
# those from the files meanwhile).
ADDED_ARTICLE_COLUMNS = (("section", "TEXT"), ("date_source", "TEXT"))
ARTICLE_COLUMNS = (
    "id", "version", "url", "canonical_url", "content_sha256", "title", "published", "day",
    "section_slug", "site_name", "word_count", "json_path", "md_path", "archived_at",
    *(name for name, _ in ADDED_ARTICLE_COLUMNS),
)  # fmt: skip

# Every table an index holds, with its columns and key: what `migrate` copies.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "versions": (VERSION_COLUMNS, ("id", "version")),
    "articles": (ARTICLE_COLUMNS, ("id",)),
    "articles_fts": (("id", "title", "text"), ("id",)),
    "articles_trigram": (("id", "title", "text"), ("id",)),
    "site_articles": (("site", "articles"), ("site",)),
    "site_lines": (("site", "line_key", "articles"), ("site", "line_key")),
    "raw_inputs": (("raw_sha256", "id"), ("raw_sha256",)),
    "url_keys": (("url_key", "id"), ("url_key",)),
    "article_tags": (("id", "tag"), ("id", "tag")),
    "sources": (
        ("url", "name", "section", "added_at", "etag", "last_modified", "last_success", "last_error",
         "last_error_at", "consecutive_failures"),
        ("url",),
    ),
    "failing_urls": (
        ("url_key", "url", "failures", "last_run", "last_error", "first_failed_at", "last_failed_at", "given_up_at"),
        ("url_key",),
    ),
    "article_checks": (("id", "etag", "last_modified", "checked_at", "outcome", "error"), ("id",)),
}  # fmt: skip
# Not derived from the files (rechecks are not, though a rebuild finds the validators of each
# current version in its file): what a rebuild of the index keeps from the old one.
KEPT_TABLES = ("sources", "failing_urls", "article_checks")
MIGRATE_CHUNK = 5_000

T = TypeVar("T")
Row = dict[str, Any]


def url_keys(article: Article) -> list[str]:
    """The normalized URLs an article was reached by: its URL, its canonical URL, and the URL
    asked for when it was fetched."""
    asked = article.source.get("location") if article.source.get("kind") == "http" else None
    return sorted({normalize_url(url) for url in (article.url, article.canonical_url, asked) if url})


def day_of(published: str | None) -> str | None:
    """The calendar day a timestamp names, in its own timezone (as the page printed it)."""
    if published and re.match(r"\d{4}-\d{2}-\d{2}", published):
        return published[:10]
    return None


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """The backend's own database errors become one StoreError saying what to do."""

    @functools.wraps(method)
    def guarded(self: Index, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except self.database_errors as exc:
            raise StoreError(self.damaged(exc)) from None

    return guarded


class Index:
    """What the archive asks of its index; subclasses connect, migrate, search and rebuild."""

    database_errors: tuple[type[BaseException], ...] = ()
    location: str
    upgrades_on_open = False  # the schema is brought up to date whenever the index opens

    @property
    def supports_queue(self) -> bool:
        """Whether the index holds the work queue that `newsarchive worker` processes share."""
        return False

    # -- backend hooks --------------------------------------------------------------------

    def exists(self) -> bool:
        raise NotImplementedError

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held while one article is written (paths chosen, files written, rows added): a no-op
        where the archive lock already makes this process the only writer."""
        yield

    def _leaf_condition(self, leaf: Leaf) -> tuple[str, list[Any]]:
        """The SQL condition on `a.id` for one word, phrase or run of the query."""
        raise NotImplementedError

    def _ranking(self, query: Query) -> tuple[str, str, list[Any]]:
        """A join and a score expression (lower is better) ranking by the query's wanted words,
        with their parameters."""
        raise NotImplementedError

    def _words_match(self, root: Node) -> tuple[str, str, str, list[Any]] | None:
        """For a query the word index can answer alone, in one pass: the score, the join, the
        condition and their parameters; None when it holds a run or only exclusions."""
        raise NotImplementedError

    def rebuild(self, articles: Iterable[tuple[Article, str, str]]) -> int:
        raise NotImplementedError

    def upgrade(self) -> list[str]:
        """Apply the schema migrations the index lacks; returns a line for each one applied."""
        raise NotImplementedError

    def check(self) -> None:
        """Raise StoreError when the index is damaged."""

    def close(self) -> None:
        raise NotImplementedError

    def has_table(self, name: str) -> bool:
        raise NotImplementedError

    def damaged(self, exc: BaseException) -> str:
        return f"the index {self.location} failed ({exc})"

    # -- shared -----------------------------------------------------------------------------

    def one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    @_guarded
    def find_by_content(self, content_sha256: str) -> Row | None:
        return self.one(
            "SELECT id, version, json_path FROM versions WHERE content_sha256 = ? LIMIT 1", (content_sha256,)
        )

    @_guarded
    def latest_version(self, article_id: str) -> int | None:
        row = self.one("SELECT MAX(version) AS latest FROM versions WHERE id = ?", (article_id,))
        return row["latest"] if row else None

    @_guarded
    def add_version(self, article: Article, json_rel: str, md_rel: str, count_lines: bool) -> None:
        with self.transaction():
            self.index_article(article, json_rel, md_rel)
            if count_lines:
                self.count_lines(article)

    def index_article(self, article: Article, json_rel: str, md_rel: str) -> None:
        """One version's rows; the highest version stays the article's current one."""
        row = {
            "id": article.id,
            "version": article.version,
            "url": article.url,
            "canonical_url": article.canonical_url,
            "content_sha256": article.content_sha256,
            "title": article.title,
            "published": article.published,
            "day": day_of(article.published),
            "section_slug": article.section_slug,
            "site_name": article.site_name,
            "word_count": article.word_count,
            "json_path": json_rel,
            "md_path": md_rel,
            "archived_at": article.archived_at,
            "section": article.section,
            "date_source": article.date_source,
        }
        # A path is one version's: a stale row naming it (from before a crash) gives way.
        self.execute(
            "DELETE FROM versions WHERE (json_path = ? OR md_path = ?) AND NOT (id = ? AND version = ?)",
            (json_rel, md_rel, article.id, article.version),
        )
        self._upsert("versions", VERSION_COLUMNS, ("id", "version"), row)
        self.remember(article, article.id)
        current = self.one("SELECT version FROM articles WHERE id = ?", (article.id,))
        if current is not None and current["version"] > article.version:
            return
        self._upsert("articles", ARTICLE_COLUMNS, ("id",), row)
        self._replace_text(article.id, article.title, article.text, indexed=current is not None)
        self._replace_tags(article.id, article.user_tags)
        self._keep_validators(article)

    def _keep_validators(self, article: Article) -> None:
        """The current version's HTTP validators, for the next conditional recheck."""
        etag, last_modified = article.source.get("etag"), article.source.get("last_modified")
        if etag or last_modified:
            self.execute(
                "INSERT INTO article_checks (id, etag, last_modified) VALUES (?, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified",
                (article.id, etag, last_modified),
            )

    def _replace_tags(self, article_id: str, tags: list[str]) -> None:
        self.execute("DELETE FROM article_tags WHERE id = ?", (article_id,))
        if tags:
            self.executemany("INSERT INTO article_tags (id, tag) VALUES (?, ?)", [(article_id, tag) for tag in tags])

    @_guarded
    def set_user_tags(self, article_id: str, tags: list[str]) -> None:
        """The reader's tags of an article, as its file now holds them."""
        with self.transaction():
            self._replace_tags(article_id, tags)

    def _replace_text(self, article_id: str, title: str, text: str, indexed: bool = True) -> None:
        """The article's folded words for search; a text in a script without spaces also goes into
        the trigram table, where any part of it can be found. The old rows go first, unless the
        article was not `indexed` before: SQLite's full-text tables find an id by reading every
        row, which made each new article cost more than the last."""
        words = (search_words(title), search_words(text))
        for table in ("articles_fts", "articles_trigram") if indexed else ():
            self.execute(f"DELETE FROM {table} WHERE id = ?", (article_id,))
        self.execute("INSERT INTO articles_fts (id, title, text) VALUES (?, ?, ?)", (article_id, *words))
        if unspaced(" ".join(words)):
            self.execute("INSERT INTO articles_trigram (id, title, text) VALUES (?, ?, ?)", (article_id, *words))

    def _upsert(self, table: str, columns: tuple[str, ...], key: tuple[str, ...], row: Row) -> None:
        updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in key)
        self.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}",
            [row[column] for column in columns],
        )

    @_guarded
    def remember(self, article: Article, article_id: str) -> None:
        """The raw bytes and the normalized URLs an article came from, so the same bytes need no
        extraction again and `update` never fetches those URLs again."""
        raw_sha = article.source.get("sha256")
        if raw_sha:
            self.execute(
                "INSERT INTO raw_inputs (raw_sha256, id) VALUES (?, ?) ON CONFLICT (raw_sha256) DO NOTHING",
                (raw_sha, article_id),
            )
        keys = url_keys(article)
        if keys:
            self.executemany(
                "INSERT INTO url_keys (url_key, id) VALUES (?, ?) ON CONFLICT (url_key) DO NOTHING",
                [(key, article_id) for key in keys],
            )

    def count_lines(self, article: Article, delta: int = 1) -> None:
        """Count the article once for its site, and each distinct line of its body (including the
        lines already stripped as the site's boilerplate) once; a delta of -1 takes it back out."""
        site = site_of(article.canonical_url or article.url)
        if site is None:
            return
        lines = [line for line in article.text.split("\n") if line.strip()] + article.boilerplate
        keys = sorted({line_key(line) for line in lines})
        self.execute(
            "INSERT INTO site_articles (site, articles) VALUES (?, ?) "
            "ON CONFLICT (site) DO UPDATE SET articles = site_articles.articles + excluded.articles",
            (site, delta),
        )
        if keys:
            self.executemany(
                "INSERT INTO site_lines (site, line_key, articles) VALUES (?, ?, ?) "
                "ON CONFLICT (site, line_key) DO UPDATE SET articles = site_lines.articles + excluded.articles",
                [(site, key, delta) for key in keys],
            )
        if delta < 0:
            self.execute("DELETE FROM site_articles WHERE site = ? AND articles <= 0", (site,))
            self.execute("DELETE FROM site_lines WHERE site = ? AND articles <= 0", (site,))

    @_guarded
    def versions_of(self, article_id: str) -> list[Row]:
        return self.execute(
            "SELECT version, json_path, md_path, archived_at FROM versions WHERE id = ? ORDER BY version",
            (article_id,),
        )

    # -- rechecks and edits ------------------------------------------------------------------

    @_guarded
    def recheck_rows(self, since: str | None = None, article_id: str | None = None) -> list[Row]:
        """Current articles with a URL (published since the day `since`, or the one article),
        first archived first: the URL, when the article was first archived, its validators and
        when it was last rechecked."""
        clauses, params = _filters(since, None, None, None, None)
        if article_id is not None:
            clauses.append("a.id = ?")
            params.append(article_id)
        where = " AND ".join(["COALESCE(a.url, a.canonical_url) IS NOT NULL", *clauses])
        return self.execute(
            "SELECT a.id, COALESCE(a.url, a.canonical_url) AS url, a.title, c.etag, c.last_modified, c.checked_at, "
            "(SELECT MIN(v.archived_at) FROM versions v WHERE v.id = a.id) AS first_archived_at "
            f"FROM articles a LEFT JOIN article_checks c ON c.id = a.id WHERE {where} "
            "ORDER BY first_archived_at, a.id",
            params,
        )

    @_guarded
    def record_check(
        self, article_id: str, outcome: str, error: str | None = None,
        etag: str | None = None, last_modified: str | None = None,
    ) -> None:  # fmt: skip
        """How a recheck went; the validators the server sent, when it sent any."""
        with self.transaction():
            self.execute(
                "INSERT INTO article_checks (id, etag, last_modified, checked_at, outcome, error) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "etag = COALESCE(excluded.etag, article_checks.etag), "
                "last_modified = COALESCE(excluded.last_modified, article_checks.last_modified), "
                "checked_at = excluded.checked_at, outcome = excluded.outcome, error = excluded.error",
                (article_id, etag, last_modified, utc_now(), outcome, error),
            )

    @_guarded
    def edits(self, since: str | None = None) -> list[Row]:
        """Every version after an article's first (an edit seen), newest first; `since` is a day
        (YYYY-MM-DD) the edit was seen on or after."""
        where, params = ("AND v.archived_at >= ?", [since]) if since else ("", [])
        return self.execute(
            "SELECT v.id, v.version FROM versions v "
            f"JOIN articles a ON a.id = v.id WHERE v.version > 1 {where} "
            "ORDER BY v.archived_at DESC, v.id, v.version DESC",
            params,
        )

    @_guarded
    def url_keys_of(self, article_id: str) -> list[str]:
        """Every normalized URL known to lead to the article (tracking variants included)."""
        rows = self.execute("SELECT url_key FROM url_keys WHERE id = ? ORDER BY url_key", (article_id,))
        return [row["url_key"] for row in rows]

    @_guarded
    def delete_article(self, article_id: str, counted: Article | None) -> None:
        """Every row of the article, in one transaction; `counted` is the version whose lines
        were counted for its site's learned boilerplate (its first), to take them back out."""
        with self.transaction():
            for table in DELETED_WITH_AN_ARTICLE:
                self.execute(f"DELETE FROM {table} WHERE id = ?", (article_id,))
            if counted is not None:
                self.count_lines(counted, delta=-1)

    @_guarded
    def find_raw(self, raw_sha256: str) -> Row | None:
        """The current version of the article these exact raw bytes already gave, if any."""
        return self.one(
            "SELECT a.id, a.version, a.json_path FROM raw_inputs r JOIN articles a ON a.id = r.id "
            "WHERE r.raw_sha256 = ?",
            (raw_sha256,),
        )

    @_guarded
    def knows_url(self, url: str) -> bool:
        return self.one("SELECT 1 AS known FROM url_keys WHERE url_key = ?", (normalize_url(url),)) is not None

    # -- sources ----------------------------------------------------------------------------

    @_guarded
    def add_source(self, url: str, name: str, section: str | None = None) -> None:
        clash = self.one("SELECT url, name FROM sources WHERE url = ? OR name = ?", (url, name))
        if clash is not None:
            raise StoreError(f"a source with this URL or name exists already: {clash['name']} ({clash['url']})")
        with self.transaction():
            self.execute(
                "INSERT INTO sources (url, name, section, added_at) VALUES (?, ?, ?, ?)",
                (url, name, section, utc_now()),
            )

    @_guarded
    def sources(self) -> list[Row]:
        return self.execute("SELECT * FROM sources ORDER BY name")

    @_guarded
    def remove_source(self, name_or_url: str) -> None:
        with self.transaction():
            gone = self.execute(
                "DELETE FROM sources WHERE name = ? OR url = ? RETURNING url", (name_or_url, name_or_url)
            )
        if not gone:
            raise NotFoundError(f"no source named {name_or_url!r}")

    @_guarded
    def record_source(
        self, url: str, error: str | None = None, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        with self.transaction():
            if error is None:
                self.execute(
                    "UPDATE sources SET last_success = ?, consecutive_failures = 0, "
                    "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified) WHERE url = ?",
                    (utc_now(), etag, last_modified, url),
                )
            else:
                self.execute(
                    "UPDATE sources SET last_error = ?, last_error_at = ?, "
                    "consecutive_failures = consecutive_failures + 1 WHERE url = ?",
                    (error, utc_now(), url),
                )

    # -- article URLs that keep failing ------------------------------------------------------

    @_guarded
    def record_failure(self, url: str, run: str, error: str, max_failures: int) -> tuple[int, bool]:
        """Count a failed fetch of `url`, once per run; give it up when it reaches `max_failures`
        (0: never). Returns (failures so far, whether this failure gave it up)."""
        now = utc_now()
        key = normalize_url(url)
        with self.transaction():
            (row,) = self.execute(
                "INSERT INTO failing_urls (url_key, url, failures, last_run, last_error, first_failed_at, "
                "last_failed_at) VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (url_key) DO UPDATE SET "
                "failures = failing_urls.failures + "
                "CASE WHEN failing_urls.last_run = excluded.last_run THEN 0 ELSE 1 END, "
                "last_run = excluded.last_run, last_error = excluded.last_error, "
                "last_failed_at = excluded.last_failed_at RETURNING failures, given_up_at",
                (key, url, run, error, now, now),
            )
            gives_up = bool(max_failures) and row["given_up_at"] is None and row["failures"] >= max_failures
            if gives_up:
                self.execute("UPDATE failing_urls SET given_up_at = ? WHERE url_key = ?", (now, key))
        return row["failures"], gives_up

    @_guarded
    def forget_failures(self, url: str | None = None) -> int:
        """Clear one URL's failures (whatever they came to), or every given-up URL's; returns how
        many URLs were cleared."""
        where, params = ("url_key = ?", (normalize_url(url),)) if url else ("given_up_at IS NOT NULL", ())
        with self.transaction():
            return len(self.execute(f"DELETE FROM failing_urls WHERE {where} RETURNING url_key", params))

    @_guarded
    def is_given_up(self, url: str) -> bool:
        row = self.one("SELECT given_up_at FROM failing_urls WHERE url_key = ?", (normalize_url(url),))
        return row is not None and row["given_up_at"] is not None

    @_guarded
    def given_up_keys(self) -> set[str]:
        rows = self.execute("SELECT url_key FROM failing_urls WHERE given_up_at IS NOT NULL")
        return {row["url_key"] for row in rows}

    @_guarded
    def failing_urls(self) -> list[Row]:
        """Given-up URLs first, then those still tried, most recent failure first."""
        return self.execute(
            "SELECT url, failures, last_error, first_failed_at, last_failed_at, given_up_at FROM failing_urls "
            "ORDER BY given_up_at IS NULL, last_failed_at DESC, url"
        )

    # -- reading ----------------------------------------------------------------------------

    @_guarded
    def learned_lines(self, site: str) -> dict[str, str]:
        """line_key → 'in N of M articles from SITE', for the lines this site repeats enough to
        be boilerplate."""
        total = self.one("SELECT articles FROM site_articles WHERE site = ?", (site,))
        if total is None or total["articles"] < LEARN_MIN_ARTICLES:
            return {}
        count = total["articles"]
        rows = self.execute(
            "SELECT line_key, articles FROM site_lines WHERE site = ? AND articles >= ? AND articles >= ?",
            (site, LEARN_MIN_ARTICLES, LEARN_MIN_SHARE * count),
        )
        return {row["line_key"]: f"in {row['articles']} of {count} articles from {site}" for row in rows}

    @_guarded
    def list(
        self,
        since: str | None = None,
        until: str | None = None,
        section: str | None = None,
        site: str | None = None,
        limit: int | None = None,
        tag: str | None = None,
    ) -> list[Row]:
        """Current articles, newest first, filtered by day (inclusive), section slug, site and
        the reader's tag (normalized)."""
        clauses, params = _filters(since, until, section, site, tag)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = (
            "SELECT id, version, title, published, date_source, section, section_slug, site_name, url, "
            f"canonical_url, word_count, json_path, md_path FROM articles a {where} "
            "ORDER BY published IS NULL, published DESC, title"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.execute(sql, params)

    @_guarded
    def search(
        self,
        query: Query,
        limit: int = 20,
        since: str | None = None,
        until: str | None = None,
        section: str | None = None,
        site: str | None = None,
        tag: str | None = None,
    ) -> builtins.list[Row]:  # `list` here is the method above
        """Current articles the query matches, with the filters of `list`: best first by the
        backend's ranking of the wanted words, then newest first."""
        match = self._words_match(query.root)
        if match is None:  # each word and run its own condition, ranked by the wanted words
            condition, params = sql_condition(query.root, self._leaf_condition)
            join, score, rank_params = self._ranking(query)
            match = (score, join, condition, rank_params + params)  # a score's or a join's come first
        score, join, condition, params = match
        clauses, filter_params = _filters(since, until, section, site, tag)
        sql = (
            f"SELECT a.id, a.title, a.published, a.section_slug, a.site_name, a.json_path, {score} AS score "
            f"FROM articles a {join} WHERE {' AND '.join([f'({condition})', *clauses])} "
            "ORDER BY score, a.published IS NULL, a.published DESC, a.id LIMIT ?"
        )
        return self.execute(sql, [*params, *filter_params, limit])

    @_guarded
    def find(self, key: str) -> Row:
        """The current version of the article with this id (or id prefix), URL or canonical URL."""
        row = self.one("SELECT * FROM articles WHERE id = ?", (key,))
        if row is None:
            row = self.one(
                "SELECT a.* FROM versions v JOIN articles a ON a.id = v.id "
                "WHERE v.url = ? OR v.canonical_url = ? LIMIT 1",
                (key, key),
            )
        if row is None and re.fullmatch(r"[0-9a-f]{4,15}", key):
            rows = self.execute("SELECT * FROM articles WHERE id LIKE ? LIMIT 2", (key + "%",))
            if len(rows) == 1:
                row = rows[0]
        if row is None:
            raise NotFoundError(f"no article with id or URL {key!r}")
        return row

    @_guarded
    def stats(self, top: int | None = None) -> dict[str, Any]:
        """Counts of the current articles: by month and by day of a stated date (the articles
        whose page states none are counted apart, as `date_unknown`), and by section and site
        name, most articles first (the `top` ones only, when given)."""
        stated = "day IS NOT NULL AND (date_source IS NULL OR date_source NOT IN (?, ?))"

        def by_period(length: int) -> dict[str, int]:
            sql = (
                f"SELECT substr(day, 1, {length}) AS k, COUNT(*) AS n FROM articles WHERE {stated} "
                "GROUP BY k ORDER BY k"
            )
            return {row["k"]: row["n"] for row in self.execute(sql, UNSTATED_DATE_SOURCES)}

        def most(group: str, label: str) -> dict[str, int]:
            sql = (
                f"SELECT COALESCE(MIN({label}), {group}, '(unknown)') AS k, COUNT(*) AS n "
                f"FROM articles GROUP BY {group} ORDER BY n DESC, k"
            )
            rows = self.execute(sql + (f" LIMIT {int(top)}" if top else ""))
            return {row["k"]: row["n"] for row in rows}

        articles = self.execute("SELECT COUNT(*) AS n FROM articles")[0]["n"]
        dated = self.execute(f"SELECT COUNT(*) AS n FROM articles WHERE {stated}", UNSTATED_DATE_SOURCES)[0]["n"]
        return {
            "articles": articles,
            "versions": self.execute("SELECT COUNT(*) AS n FROM versions")[0]["n"],
            "date_unknown": articles - dated,
            "by_month": by_period(len("YYYY-MM")),
            "by_day": by_period(len("YYYY-MM-DD")),
            "by_section": most("section_slug", "section"),
            "by_site": most("site_name", "site_name"),
        }

    @_guarded
    def indexed_paths(self) -> set[str]:
        return {row["json_path"] for row in self.execute("SELECT json_path FROM versions")}

    def _fill(self, articles: Iterable[tuple[Article, str, str]]) -> int:
        found = 0
        for article, json_rel, md_rel in articles:
            self.index_article(article, json_rel, md_rel)
            if article.version == 1:
                self.count_lines(article)
            found += 1
        return found


def _filters(
    since: str | None, until: str | None, section: str | None, site: str | None, tag: str | None
) -> tuple[list[str], list[Any]]:
    """Conditions on the articles table (as `a`): published day (inclusive), section slug, site,
    the reader's tag."""
    clauses: list[str] = []
    params: list[Any] = []
    if since:
        clauses.append("a.day >= ?")
        params.append(since)
    if until:
        clauses.append("a.day <= ?")
        params.append(until)
    if section:
        clauses.append("a.section_slug = ?")
        params.append(slugify(section))
    if site:
        clauses.append("(lower(a.site_name) = lower(?) OR a.url LIKE ? OR a.canonical_url LIKE ?)")
        params += [site, f"%://{site}/%", f"%://{site}/%"]
    if tag:
        clauses.append(TAGGED.format(table="a."))
        params.append(tag)
    return clauses, params


# -- choosing and moving ------------------------------------------------------------------------


def copy_index(source: Index, target: Index, on_table: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every row of `source` into an empty `target` (another backend, say) in one
    transaction, a chunk at a time; the article files stay where they are. A target holding
    rows is refused (ConfigError, nothing copied): merging two indexes is not what this does.
    Plain INSERTs: into an empty target nothing conflicts, and SQLite's full-text tables
    (virtual tables) take no ON CONFLICT clause."""
    copied: dict[str, int] = {}
    with target.transaction():  # checked inside it, so that nothing is written in between
        holding = [name for name in TABLES if target.has_table(name) and target.one(f"SELECT 1 FROM {name} LIMIT 1")]
        if holding:
            raise ConfigError(
                f"the target index {target.location} is not empty (it holds rows in {', '.join(holding)}): "
                "migrate into an empty one"
            )
        for table, (columns, key) in TABLES.items():
            count = 0
            if not source.has_table(table):  # an index from before the table existed
                copied[table] = 0
                continue
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            while True:
                rows = source.execute(
                    f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(key)} LIMIT ? OFFSET ?",
                    (MIGRATE_CHUNK, count),
                )
                if not rows:
                    break
                target.executemany(insert, [tuple(row[column] for column in columns) for row in rows])
                count += len(rows)
            copied[table] = count
            if on_table:
                on_table(table, count)
    return copied
