"""The embedded backend: index.sqlite beside the articles, FTS5 for search."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from newsarchive.errors import StoreError
from newsarchive.files import TEMP_SUFFIX
from newsarchive.model import Article
from newsarchive.store.index.base import (
    ADDED_ARTICLE_COLUMNS,
    ARTICLE_CHECKS_TABLE,
    COMMON_TABLES,
    FAILING_URLS_TABLE,
    INDEX_NAME,
    KEPT_TABLES,
    TAG_TABLES,
    Index,
    Row,
)
from newsarchive.store.search import All, AnyOf, Leaf, Node, Not, Query, Words, search_words, unspaced

# -- SQLite -------------------------------------------------------------------------------------

# 2: the articles' section names and date sources; 3: the search tables hold folded words (split
# on spaces only), and a trigram table the texts in scripts without spaces (before, the texts as
# written, cut by FTS5's unicode61); 4: article_checks, the rechecks for edits and their validators
# (a new table, made at open like the others, so the upgrade is in place).
SQLITE_SCHEMA_VERSION = 4
FOLDED_SEARCH_SCHEMA = 3
SQLITE_SEARCH_TABLES = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(id UNINDEXED, title, text, tokenize = 'ascii')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_trigram USING fts5(id UNINDEXED, title, text, tokenize = 'trigram')",
]
TRIGRAM = 3  # characters: a shorter run is looked for in the trigram table's text, row by row


def _dict_row(cursor: sqlite3.Cursor, values: tuple) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


class SqliteIndex(Index):
    """index.sqlite in the archive folder: WAL, one writer (the archive lock), readers beside it."""

    database_errors = (sqlite3.DatabaseError,)
    upgrades_on_open = True

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.location = str(path)
        self.readonly = readonly
        self._db: sqlite3.Connection | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def damaged(self, exc: BaseException) -> str:
        return damaged_index_message(self.path, exc)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                if self.readonly:
                    self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
                    self._db.row_factory = _dict_row
                    _require_current_schema(self._db, self.path)
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._db = _connect_sqlite(self.path)
            except sqlite3.DatabaseError as exc:
                raise StoreError(damaged_index_message(self.path, exc)) from None
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open the index {self.path}: {exc}") from None
        return self._db

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return self.db.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.db.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _leaf_condition(self, leaf: Leaf) -> tuple[str, list[Any]]:
        if isinstance(leaf, Words):
            return "a.id IN (SELECT id FROM articles_fts WHERE articles_fts MATCH ?)", [_fts5_phrase(leaf)]
        if len(leaf.text) >= TRIGRAM:
            return "a.id IN (SELECT id FROM articles_trigram WHERE articles_trigram MATCH ?)", [_fts5_string(leaf.text)]
        return "a.id IN (SELECT id FROM articles_trigram WHERE instr(title, ?) OR instr(text, ?))", [leaf.text] * 2

    def _ranking(self, query: Query) -> tuple[str, str, list[Any]]:
        """bm25 over the wanted words, titles counting four times as much as texts."""
        phrases = [_fts5_phrase(leaf) for leaf in query.wanted if isinstance(leaf, Words)]
        if not phrases:
            return "", "0", []
        join = (
            "LEFT JOIN (SELECT id, bm25(articles_fts, 0.0, 4.0, 1.0) AS rank FROM articles_fts "
            "WHERE articles_fts MATCH ?) r ON r.id = a.id"
        )
        return join, "COALESCE(r.rank, 0)", [" OR ".join(phrases)]

    def _words_match(self, root: Node) -> tuple[str, str, str, list[Any]] | None:
        expression = _fts5_expression(root)
        if expression is None:
            return None
        join = "JOIN articles_fts ON articles_fts.id = a.id"
        return "bm25(articles_fts, 0.0, 4.0, 1.0)", join, "articles_fts MATCH ?", [expression]

    def upgrade(self) -> list[str]:
        """Opening the index brings its schema up to date: nothing is left to apply after."""
        self.db  # noqa: B018 - opens the index
        return []

    def has_table(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def check(self) -> None:
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                result = db.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise sqlite3.DatabaseError(result)
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError(damaged_index_message(self.path, exc)) from None

    def rebuild(self, articles: Iterable[tuple[Article, str, str]]) -> int:
        """A fresh index file, filled from the files and renamed over the old one; sources are
        carried over from the old index when it can still be read."""
        self.close()
        fresh = self.path.with_name(f".{INDEX_NAME}.{os.getpid()}{TEMP_SUFFIX}")
        fresh.unlink(missing_ok=True)
        building = SqliteIndex(fresh)
        try:
            building.db.execute("BEGIN")
            found = building._fill(articles)
            _carry_kept_tables(building.db, self.path)
            building.db.execute("COMMIT")
        finally:
            building.close()
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
            Path(str(fresh) + suffix).unlink(missing_ok=True)
        os.replace(fresh, self.path)
        return found

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _connect_sqlite(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.row_factory = _dict_row
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    version = _schema_version(db)
    if version > SQLITE_SCHEMA_VERSION:
        raise StoreError(f"{path}: index schema {version} is newer than this newsarchive understands")
    if 0 < version < FOLDED_SEARCH_SCHEMA:
        _upgrade_search_tables(db)
    for statement in [*COMMON_TABLES, FAILING_URLS_TABLE, *TAG_TABLES, *SQLITE_SEARCH_TABLES, ARTICLE_CHECKS_TABLE]:
        db.execute(statement)
    _add_article_columns(db)
    db.execute(f"PRAGMA user_version = {SQLITE_SCHEMA_VERSION}")
    return db


def _schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()["user_version"]


def _require_current_schema(db: sqlite3.Connection, path: Path) -> None:
    """A reader cannot upgrade an index; an old one would be read wrongly, so it is refused."""
    version = _schema_version(db)
    if 0 < version < FOLDED_SEARCH_SCHEMA:
        db.close()
        raise StoreError(
            f"the index {path} is at schema {version}, this newsarchive needs {SQLITE_SCHEMA_VERSION}: "
            f"run 'newsarchive --index sqlite:///{path} db upgrade'"
        )


def _upgrade_search_tables(db: sqlite3.Connection) -> None:
    """Schema 1 or 2 to 3, in one transaction: the folded words and the trigram table, made from
    the titles and texts that the old FTS table kept (no article file is read)."""
    db.create_function("search_words", 1, search_words, deterministic=True)
    db.create_function("unspaced", 1, unspaced, deterministic=True)
    db.execute("BEGIN IMMEDIATE")
    try:
        if 0 < _schema_version(db) < FOLDED_SEARCH_SCHEMA:  # not upgraded by another process meanwhile
            db.execute("ALTER TABLE articles_fts RENAME TO articles_fts_unicode61")
            for statement in SQLITE_SEARCH_TABLES:
                db.execute(statement)
            db.execute(
                "INSERT INTO articles_fts (id, title, text) "
                "SELECT id, search_words(title), search_words(text) FROM articles_fts_unicode61"
            )
            db.execute(
                "INSERT INTO articles_trigram (id, title, text) "
                "SELECT id, title, text FROM articles_fts WHERE unspaced(title || ' ' || text)"
            )
            db.execute("DROP TABLE articles_fts_unicode61")
            db.execute(f"PRAGMA user_version = {SQLITE_SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _add_article_columns(db: sqlite3.Connection) -> None:
    """The columns of ADDED_ARTICLE_COLUMNS an index made by an older newsarchive lacks (another
    process may add them at the same moment)."""
    present = {row["name"] for row in db.execute("PRAGMA table_info(articles)").fetchall()}
    for name, kind in ADDED_ARTICLE_COLUMNS:
        if name not in present:
            try:
                db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise


def damaged_index_message(path: Path, exc: BaseException) -> str:
    return f"the index {path} is damaged ({exc}); rebuild it from the article files with 'newsarchive reindex'"


def _carry_kept_tables(db: sqlite3.Connection, old_index: Path) -> None:
    """Sources and failing URLs are not derived from the files: keep them from the old index
    when it can still be read (a damaged one loses them, and reindex says nothing it cannot)."""
    if not old_index.exists():
        return
    for table in KEPT_TABLES:
        try:
            old = sqlite3.connect(f"file:{old_index}?mode=ro", uri=True)
            try:
                cursor = old.execute(f"SELECT * FROM {table}")
                columns = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            finally:
                old.close()
        except sqlite3.DatabaseError:
            continue  # damaged, or from before the table existed
        if rows:
            marks = ", ".join("?" * len(columns))
            db.executemany(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts5_phrase(leaf: Words) -> str:
    """Folded words as one FTS5 phrase; `*` makes its last word a prefix."""
    return _fts5_string(" ".join(leaf.words)) + ("" if leaf.exact else " *")


def _fts5_expression(node: Node) -> str | None:
    """The query as one FTS5 expression when only words are in it and every exclusion has
    something to be taken from (FTS5's NOT is binary); parenthesised, so FTS5's own precedence
    never applies."""
    if isinstance(node, Words):
        return _fts5_phrase(node)
    if isinstance(node, AnyOf):
        options = [_fts5_expression(part) for part in node.parts]
        return None if None in options else "(" + " OR ".join(cast(list[str], options)) + ")"
    if not isinstance(node, All):
        return None  # a run, or an exclusion on its own
    kept = [_fts5_expression(part) for part in node.parts if not isinstance(part, Not)]
    taken = [_fts5_expression(part.part) for part in node.parts if isinstance(part, Not)]
    if not kept or None in kept or None in taken:
        return None
    expression = "(" + " AND ".join(cast(list[str], kept)) + ")"
    for excluded in taken:
        expression = f"({expression} NOT {excluded})"
    return expression
