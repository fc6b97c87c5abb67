"""The archive on disk: article files laid out by date and section, and the SQLite index.

Files are the truth; the index is a cache of them that ``reindex`` can always rebuild. Every
file is written to a temporary name and renamed into place, and the index changes inside a
transaction, so a crash leaves either the old state or the new one.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from newsarchive.clean import line_key
from newsarchive.errors import ArchiveLockedError, NotFoundError, StoreError
from newsarchive.model import SCHEMA_VERSION, Article, site_of, utc_now
from newsarchive.render import article_json, slugify
from newsarchive.urls import normalize_url
from newsarchive.warc import RawStore

INDEX_NAME = "index.sqlite"
LOCK_NAME = ".newsarchive.lock"
DIRTY_NAME = ".newsarchive.running"  # present while a writing run holds the lock
TEMP_SUFFIX = ".tmp"
INDEX_SCHEMA_VERSION = 1
LOCK_POLL_SECONDS = 0.1
# A line is a site's boilerplate once it is in this many of the site's articles, and this share.
LEARN_MIN_ARTICLES = 5
LEARN_MIN_SHARE = 0.3

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
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
);
CREATE INDEX IF NOT EXISTS versions_sha ON versions(content_sha256);
CREATE INDEX IF NOT EXISTS versions_url ON versions(url);
CREATE INDEX IF NOT EXISTS versions_canonical ON versions(canonical_url);
CREATE TABLE IF NOT EXISTS articles (
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
);
CREATE INDEX IF NOT EXISTS articles_day ON articles(day);
CREATE INDEX IF NOT EXISTS articles_section ON articles(section_slug);
CREATE INDEX IF NOT EXISTS articles_site ON articles(site_name);
CREATE TABLE IF NOT EXISTS site_articles (
    site TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS site_lines (
    site TEXT NOT NULL,
    line_key TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, line_key)
);
CREATE TABLE IF NOT EXISTS raw_inputs (
    raw_sha256 TEXT PRIMARY KEY,
    id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS url_keys (
    url_key TEXT PRIMARY KEY,
    id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
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
);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2'
);
"""

VERSION_COLUMNS = (
    "id", "version", "url", "canonical_url", "content_sha256", "title", "published",
    "section_slug", "site_name", "json_path", "md_path", "archived_at",
)  # fmt: skip
ARTICLE_COLUMNS = (
    "id", "version", "url", "canonical_url", "content_sha256", "title", "published", "day",
    "section_slug", "site_name", "word_count", "json_path", "md_path", "archived_at",
)  # fmt: skip

T = TypeVar("T")
Outcome = Literal["archived", "updated", "duplicate"]


@dataclass(frozen=True)
class AddResult:
    outcome: Outcome
    id: str
    version: int
    json_path: str  # relative to the archive root


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str
    published: str | None
    section_slug: str
    site_name: str | None
    snippet: str
    score: float


def write_atomic(path: Path, data: str) -> None:
    """Write UTF-8 text to a temporary file beside the target, flush it to disk, rename over it."""
    with write_atomic_bytes(path) as handle:
        handle.write(data.encode("utf-8"))


@contextmanager
def write_atomic_bytes(path: Path) -> Iterator[Any]:
    """A binary file handle whose content replaces `path` only if the block completes: written
    to a temporary file beside the target, flushed to disk, then renamed over it."""
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _index_errors(method: Callable[..., T]) -> Callable[..., T]:
    """A damaged index.sqlite is reported as such, with the way out, not as a traceback."""

    @functools.wraps(method)
    def guarded(self: Archive, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise StoreError(damaged_index_message(self.index_path, exc)) from None

    return guarded


def damaged_index_message(path: Path, exc: Exception) -> str:
    return f"the index {path} is damaged ({exc}); rebuild it from the article files with 'newsarchive reindex'"


def _day_of(published: str | None) -> str | None:
    """The calendar day a timestamp names, in its own timezone (as the page printed it)."""
    if published and re.match(r"\d{4}-\d{2}-\d{2}", published):
        return published[:10]
    return None


class Archive:
    """One archive folder: its files, its index and its lock."""

    def __init__(self, root: Path | str, readonly: bool = False) -> None:
        self.root = Path(root)
        self.index_path = self.root / INDEX_NAME
        self.readonly = readonly  # a reader beside the one writer (import's worker processes)
        self._db: sqlite3.Connection | None = None
        self._raw: RawStore | None = None

    @property
    def raw(self) -> RawStore:
        """Where this archive keeps raw pages (WARC files); one per run, for its writer."""
        if self._raw is None:
            self._raw = RawStore(self.root)
        return self._raw

    # -- opening --------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.index_path.exists()

    def require(self) -> Archive:
        """For read-only commands: fail clearly rather than create an empty archive."""
        if not self.exists():
            raise StoreError(f"no archive at {self.root} (run 'newsarchive import' or 'newsarchive fetch' first)")
        return self

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                if self.readonly:
                    self._db = sqlite3.connect(f"file:{self.index_path}?mode=ro", uri=True, timeout=30)
                    self._db.row_factory = sqlite3.Row
                else:
                    self.root.mkdir(parents=True, exist_ok=True)
                    self._db = self._connect(self.index_path)
            except sqlite3.DatabaseError as exc:
                raise StoreError(damaged_index_message(self.index_path, exc)) from None
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open the index {self.index_path}: {exc}") from None
        return self._db

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > INDEX_SCHEMA_VERSION:
            raise StoreError(f"{path}: index schema {version} is newer than this newsarchive understands")
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version = {INDEX_SCHEMA_VERSION}")
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- locking --------------------------------------------------------------------------

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the archive's write lock; wait up to `wait` seconds for another run to finish.

        flock is released by the kernel when its holder dies, so a lock left by a killed
        process never blocks the next run.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_NAME
        deadline = time.monotonic() + wait
        with open(path, "a+", encoding="utf-8") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise StoreError(f"cannot lock {path}: {exc}") from None
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        holder = handle.read().strip() or "unknown"
                        raise ArchiveLockedError(
                            f"archive {self.root} is in use by another newsarchive process "
                            f"(pid {holder}); try again later or pass --wait SECONDS"
                        ) from None
                    time.sleep(LOCK_POLL_SECONDS)
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            dirty = self.root / DIRTY_NAME
            if dirty.exists():  # the last run was killed mid-way: clear what it left half-done
                for leftover in self.leftovers():
                    leftover.unlink(missing_ok=True)
            dirty.touch()
            try:
                yield
            finally:
                dirty.unlink(missing_ok=True)

    def leftovers(self) -> Iterator[Path]:
        """Files an interrupted run can leave: temporary files, and Markdown files whose JSON
        (always written last) never landed."""
        for directory, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(directory) / name
                temporary = name.startswith(".") and name.endswith(TEMP_SUFFIX)
                orphan = name.endswith(".md") and not name.startswith(".") and not path.with_suffix(".json").exists()
                if temporary or orphan:
                    yield path

    # -- writing --------------------------------------------------------------------------

    def _find_by_content(self, content_sha256: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT id, version, json_path FROM versions WHERE content_sha256 = ? LIMIT 1",
            (content_sha256,),
        ).fetchone()

    def _article_dir(self, article: Article) -> Path:
        day = _day_of(article.published) or "undated"
        parts = day.split("-") if day != "undated" else ["undated"]
        return self.root.joinpath(*parts, slugify(article.section_slug, "uncategorized"))

    def _owner(self, json_file: Path) -> tuple[str, int] | None:
        try:
            data = json.loads(json_file.read_text(encoding="utf-8"))
            return str(data["id"]), int(data.get("version", 1))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _choose_paths(self, article: Article) -> tuple[Path, Path]:
        """A free file name, or the one this very version already has (a re-run after a crash)."""
        directory = self._article_dir(article)
        slug = slugify(article.title, "article")
        suffix = f"-v{article.version}" if article.version > 1 else ""
        candidates = [f"{slug}{suffix}", f"{slug}-{article.id[:8]}{suffix}"]
        candidates += [f"{slug}-{article.id[:8]}-{n}{suffix}" for n in range(2, 100)]
        for stem in candidates:
            json_file = directory / f"{stem}.json"
            if not json_file.exists() or self._owner(json_file) == (article.id, article.version):
                return json_file, directory / f"{stem}.md"
        raise StoreError(f"no free file name for {article.title!r} in {directory}")

    def _relative(self, path: Path) -> str:
        resolved_root = self.root.resolve()
        resolved = path.resolve()
        if resolved_root not in resolved.parents:
            raise StoreError(f"refusing to write outside the archive: {path}")
        return resolved.relative_to(resolved_root).as_posix()

    @_index_errors
    def add(self, article: Article) -> AddResult:
        """Store an article, or recognize it: the same body twice is one article.

        A changed body at a known URL becomes a new version; the old version's files stay.
        """
        existing = self._find_by_content(article.content_sha256)
        if existing is not None:
            with self._transaction() as db:
                _remember_urls(db, article, existing["id"])  # a tracking variant, or another feed's link
                _remember_raw(db, article, existing["id"])
            return AddResult("duplicate", existing["id"], existing["version"], existing["json_path"])
        row = self.db.execute("SELECT MAX(version) FROM versions WHERE id = ?", (article.id,)).fetchone()
        previous = row[0] if row else None
        article.version = (previous or 0) + 1
        article.archived_at = article.archived_at or utc_now()  # an exported article keeps its own
        json_file, md_file = self._choose_paths(article)
        json_rel, md_rel = self._relative(json_file), self._relative(md_file)
        md_existed = md_file.exists()
        try:
            json_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(md_file, article.markdown)
            write_atomic(json_file, article_json(article))  # last: the JSON file is the record
        except OSError as exc:
            if not md_existed:
                md_file.unlink(missing_ok=True)  # no Markdown without its JSON
            raise StoreError(f"cannot write {json_file}: {exc.strerror or exc}") from None
        with self._transaction() as db:
            self._index(db, article, json_rel, md_rel)
            if not previous:
                _count_lines(db, article)
        return AddResult("updated" if previous else "archived", article.id, article.version, json_rel)

    @staticmethod
    def _index(db: sqlite3.Connection, article: Article, json_rel: str, md_rel: str) -> None:
        row = {
            "id": article.id,
            "version": article.version,
            "url": article.url,
            "canonical_url": article.canonical_url,
            "content_sha256": article.content_sha256,
            "title": article.title,
            "published": article.published,
            "day": _day_of(article.published),
            "section_slug": article.section_slug,
            "site_name": article.site_name,
            "word_count": article.word_count,
            "json_path": json_rel,
            "md_path": md_rel,
            "archived_at": article.archived_at,
        }
        _insert(db, "versions", VERSION_COLUMNS, row)
        _remember_urls(db, article, article.id)
        _remember_raw(db, article, article.id)
        current = db.execute("SELECT version FROM articles WHERE id = ?", (article.id,)).fetchone()
        if current is not None and current["version"] > article.version:
            return
        _insert(db, "articles", ARTICLE_COLUMNS, row)
        db.execute("DELETE FROM articles_fts WHERE id = ?", (article.id,))
        db.execute(
            "INSERT INTO articles_fts (id, title, text) VALUES (?,?,?)",
            (article.id, article.title, article.text),
        )

    # -- reading --------------------------------------------------------------------------

    @_index_errors
    def find_raw(self, raw_sha256: str) -> AddResult | None:
        """The article these exact raw bytes already gave, if any (its current version)."""
        if not self.exists():
            return None
        row = self.db.execute(
            "SELECT a.id, a.version, a.json_path FROM raw_inputs r JOIN articles a ON a.id = r.id "
            "WHERE r.raw_sha256 = ?",
            (raw_sha256,),
        ).fetchone()
        return AddResult("duplicate", row["id"], row["version"], row["json_path"]) if row else None

    @_index_errors
    def knows_url(self, url: str) -> bool:
        """Whether an article was already reached by this URL (in any spelling that normalizes
        to the same: tracking parameters, fragment, host case)."""
        if not self.exists():
            return False
        found = self.db.execute("SELECT 1 FROM url_keys WHERE url_key = ?", (normalize_url(url),)).fetchone()
        return found is not None

    # -- sources ----------------------------------------------------------------------------

    @_index_errors
    def add_source(self, url: str, name: str, section: str | None = None) -> None:
        clash = self.db.execute("SELECT url, name FROM sources WHERE url = ? OR name = ?", (url, name)).fetchone()
        if clash is not None:
            raise StoreError(f"a source with this URL or name exists already: {clash['name']} ({clash['url']})")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sources (url, name, section, added_at) VALUES (?, ?, ?, ?)",
                (url, name, section, utc_now()),
            )

    @_index_errors
    def sources(self) -> list[dict[str, Any]]:
        if not self.exists():
            return []
        return [dict(row) for row in self.db.execute("SELECT * FROM sources ORDER BY name")]

    @_index_errors
    def remove_source(self, name_or_url: str) -> None:
        with self._transaction() as db:
            gone = db.execute("DELETE FROM sources WHERE name = ? OR url = ?", (name_or_url, name_or_url)).rowcount
        if not gone:
            raise NotFoundError(f"no source named {name_or_url!r}")

    @_index_errors
    def record_source(
        self, url: str, error: str | None = None, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        """Note how reading a source went: validators for the next conditional request on
        success, the error and one more consecutive failure otherwise."""
        with self._transaction() as db:
            if error is None:
                db.execute(
                    "UPDATE sources SET last_success = ?, consecutive_failures = 0, "
                    "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified) WHERE url = ?",
                    (utc_now(), etag, last_modified, url),
                )
            else:
                db.execute(
                    "UPDATE sources SET last_error = ?, last_error_at = ?, "
                    "consecutive_failures = consecutive_failures + 1 WHERE url = ?",
                    (error, utc_now(), url),
                )

    @_index_errors
    def learned_lines(self, site: str) -> dict[str, str]:
        """line_key → 'in N of M articles from SITE', for the lines this site repeats enough to
        be boilerplate. An archive that does not exist yet has learned nothing."""
        if not self.exists():
            return {}
        total = self.db.execute("SELECT articles FROM site_articles WHERE site = ?", (site,)).fetchone()
        if total is None or total[0] < LEARN_MIN_ARTICLES:
            return {}
        rows = self.db.execute(
            "SELECT line_key, articles FROM site_lines WHERE site = ? AND articles >= ? AND articles >= ?",
            (site, LEARN_MIN_ARTICLES, LEARN_MIN_SHARE * total[0]),
        )
        return {key: f"in {count} of {total[0]} articles from {site}" for key, count in rows}

    @_index_errors
    def list(
        self,
        since: str | None = None,
        until: str | None = None,
        section: str | None = None,
        site: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Current articles, newest first, filtered by day (inclusive), section slug and site."""
        clauses, params = [], []
        if since:
            clauses.append("day >= ?")
            params.append(since)
        if until:
            clauses.append("day <= ?")
            params.append(until)
        if section:
            clauses.append("section_slug = ?")
            params.append(slugify(section))
        if site:
            clauses.append("(site_name = ? COLLATE NOCASE OR url LIKE ? OR canonical_url LIKE ?)")
            params += [site, f"%://{site}/%", f"%://{site}/%"]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = (
            "SELECT id, version, title, published, section_slug, site_name, url, canonical_url, "
            f"word_count, json_path, md_path FROM articles {where} "
            "ORDER BY published DESC, title"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [dict(row) for row in self.db.execute(sql, params)]

    @_index_errors
    def find(self, key: str) -> sqlite3.Row:
        """The current version of the article with this id (or id prefix), URL or canonical URL."""
        db = self.db
        row = db.execute("SELECT * FROM articles WHERE id = ?", (key,)).fetchone()
        if row is None:
            row = db.execute(
                "SELECT a.* FROM versions v JOIN articles a ON a.id = v.id "
                "WHERE v.url = ? OR v.canonical_url = ? LIMIT 1",
                (key, key),
            ).fetchone()
        if row is None and re.fullmatch(r"[0-9a-f]{4,15}", key):
            rows = db.execute("SELECT * FROM articles WHERE id LIKE ? LIMIT 2", (key + "%",)).fetchall()
            if len(rows) == 1:
                row = rows[0]
        if row is None:
            raise NotFoundError(f"no article with id or URL {key!r}")
        return row

    def load(self, key: str) -> Article:
        row = self.find(key)
        return self.read_article(self.root / row["json_path"])

    @staticmethod
    def read_article(json_file: Path) -> Article:
        try:
            data = json.loads(json_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {json_file}: {exc}") from None
        version = data.get("schema_version") if isinstance(data, dict) else None
        if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            raise StoreError(f"{json_file}: not a newsarchive article (schema_version 1 to {SCHEMA_VERSION})")
        try:
            return Article.from_dict(data)
        except TypeError as exc:
            raise StoreError(f"{json_file}: missing fields ({exc})") from None

    @_index_errors
    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Full-text search, best match first; plain words work, FTS5 syntax works too."""
        sql = (
            "SELECT f.id, a.title, a.published, a.section_slug, a.site_name, "
            "snippet(articles_fts, 2, '[', ']', '…', 12) AS snippet, bm25(articles_fts) AS score "
            "FROM articles_fts f JOIN articles a ON a.id = f.id "
            "WHERE articles_fts MATCH ? ORDER BY score LIMIT ?"
        )
        try:
            rows = self.db.execute(sql, (query, limit)).fetchall()
        except sqlite3.OperationalError:
            rows = self.db.execute(sql, (_quote_terms(query), limit)).fetchall()
        return [SearchHit(**dict(row)) for row in rows]

    @_index_errors
    def stats(self) -> dict[str, Any]:
        db = self.db

        def grouped(column: str) -> dict[str, int]:
            sql = f"SELECT COALESCE({column}, '(unknown)') AS k, COUNT(*) FROM articles GROUP BY k ORDER BY k"
            return {row[0]: row[1] for row in db.execute(sql)}

        return {
            "articles": db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            "versions": db.execute("SELECT COUNT(*) FROM versions").fetchone()[0],
            "by_day": grouped("day"),
            "by_section": grouped("section_slug"),
            "by_site": grouped("site_name"),
        }

    # -- rebuilding -----------------------------------------------------------------------

    def article_files(self) -> Iterator[Path]:
        """Every article JSON under the root, in a stable order."""
        for directory, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(".json") and not name.startswith("."):
                    yield Path(directory) / name

    def reindex(self, on_error: Callable[[Path, str], None] | None = None) -> int:
        """Rebuild the index from the article files alone; returns how many versions it found.

        A file that is not a readable article is left out (and passed to `on_error`), so one
        damaged file does not keep the rest of the archive unindexed.
        """
        self.close()
        fresh = self.index_path.with_name(f".{INDEX_NAME}.{os.getpid()}{TEMP_SUFFIX}")
        fresh.unlink(missing_ok=True)
        db = self._connect(fresh)
        found = 0
        try:
            db.execute("BEGIN")
            # _index keeps the highest version current whatever order the files come in.
            for json_file in self.article_files():
                try:
                    article = self.read_article(json_file)
                except StoreError as exc:
                    if on_error:
                        on_error(json_file, str(exc))
                    continue
                json_rel = self._relative(json_file)
                self._index(db, article, json_rel, json_rel[: -len(".json")] + ".md")
                if article.version == 1:
                    _count_lines(db, article)
                found += 1
            _carry_sources(db, self.index_path)
            db.execute("COMMIT")
        finally:
            db.close()
        for suffix in ("-wal", "-shm"):
            Path(str(self.index_path) + suffix).unlink(missing_ok=True)
            Path(str(fresh) + suffix).unlink(missing_ok=True)
        os.replace(fresh, self.index_path)
        return found


def _carry_sources(db: sqlite3.Connection, old_index: Path) -> None:
    """Sources are configuration, not derived from the files: keep them from the old index
    when it can still be read (a damaged one loses them, and reindex says nothing it cannot)."""
    if not old_index.exists():
        return
    try:
        old = sqlite3.connect(f"file:{old_index}?mode=ro", uri=True)
        try:
            rows = old.execute("SELECT * FROM sources").fetchall()
            columns = [d[0] for d in old.execute("SELECT * FROM sources LIMIT 0").description]
        finally:
            old.close()
    except sqlite3.DatabaseError:
        return
    if rows:
        marks = ", ".join("?" * len(columns))
        db.executemany(f"INSERT OR REPLACE INTO sources ({', '.join(columns)}) VALUES ({marks})", rows)


def _remember_raw(db: sqlite3.Connection, article: Article, article_id: str) -> None:
    """The raw bytes an article came from, so the same bytes again need no extraction."""
    raw_sha = article.source.get("sha256")
    if raw_sha:
        db.execute("INSERT OR IGNORE INTO raw_inputs (raw_sha256, id) VALUES (?, ?)", (raw_sha, article_id))


def _remember_urls(db: sqlite3.Connection, article: Article, article_id: str) -> None:
    """The normalized URLs an article was reached by, so `update` never fetches them again."""
    asked = article.source.get("location") if article.source.get("kind") == "http" else None
    keys = {normalize_url(url) for url in (article.url, article.canonical_url, asked) if url}
    db.executemany("INSERT OR IGNORE INTO url_keys (url_key, id) VALUES (?, ?)", [(k, article_id) for k in keys])


def _count_lines(db: sqlite3.Connection, article: Article) -> None:
    """Count the article once for its site, and each distinct line of its body (including the
    lines already stripped as the site's boilerplate) once."""
    site = site_of(article.canonical_url or article.url)
    if site is None:
        return
    lines = [line for line in article.text.split("\n") if line.strip()] + article.boilerplate
    keys = sorted({line_key(line) for line in lines})
    db.execute(
        "INSERT INTO site_articles (site, articles) VALUES (?, 1) "
        "ON CONFLICT(site) DO UPDATE SET articles = articles + 1",
        (site,),
    )
    db.executemany(
        "INSERT INTO site_lines (site, line_key, articles) VALUES (?, ?, 1) "
        "ON CONFLICT(site, line_key) DO UPDATE SET articles = articles + 1",
        [(site, key) for key in keys],
    )


def _insert(db: sqlite3.Connection, table: str, columns: tuple[str, ...], row: dict[str, Any]) -> None:
    placeholders = ", ".join(f":{column}" for column in columns)
    db.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", row)


def _quote_terms(query: str) -> str:
    """Plain words as FTS5 strings, so punctuation such as 'Russia-Ukraine' is not syntax."""
    terms = re.findall(r'"[^"]*"|\S+', query)
    quoted = []
    for term in terms:
        inner = term[1:-1] if term.startswith('"') and term.endswith('"') and len(term) > 1 else term
        quoted.append('"' + inner.replace('"', '""') + '"')
    return " ".join(quoted) or '""'
