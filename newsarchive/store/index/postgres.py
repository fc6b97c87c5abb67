"""The PostgreSQL backend of the index (psycopg 3): same tables and behaviour as SQLite, full-text
search with a tsvector column and a GIN index, versioned migrations, and an advisory lock that
lets many workers on many hosts write into one archive folder one article at a time."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from newsarchive.errors import ConfigError, StoreError
from newsarchive.model import Article
from newsarchive.store.index.base import (
    ADDED_ARTICLE_COLUMNS,
    ARTICLE_CHECKS_TABLE,
    COMMON_TABLES,
    DERIVED_TABLES,
    FAILING_URLS_TABLE,
    TAG_TABLES,
    Index,
    Row,
    _guarded,
)
from newsarchive.store.search import All, AnyOf, Leaf, Node, Not, Query, Words

FOLD_CHUNK = 1_000  # articles whose search words are recomputed at a time by migration 6


def _fold_search_texts(index: PostgresIndex) -> None:
    """Migration 6: the search table held titles and texts as written; it now holds their folded
    words (see newsarchive.store.search), and the trigram table those in scripts without spaces."""
    last = ""
    while rows := index._raw_execute(
        "SELECT id, title, text FROM articles_fts WHERE id > %s ORDER BY id LIMIT %s", (last, FOLD_CHUNK)
    ):
        for row in rows:
            index._replace_text(row["id"], row["title"], row["text"])
        last = rows[-1]["id"]


def _trigram_indexes(index: PostgresIndex) -> None:
    """pg_trgm's GIN indexes make a search for three characters or more of an unspaced script
    use an index; without the extension (not installed, no right to create it) the same search
    reads the trigram table row by row, with the same results."""
    try:
        with index._db.transaction():  # a savepoint: a failure here leaves the migration going
            index._raw_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except index.database_errors:
        return
    for column in ("title", "text"):
        index._raw_execute(
            f"CREATE INDEX IF NOT EXISTS articles_trigram_{column} "
            f"ON articles_trigram USING GIN ({column} gin_trgm_ops)"
        )


# Each migration is applied once, in order, inside one transaction; `newsarchive db upgrade`
# applies the missing ones (an empty database gets them all on first use). A step is SQL, or a
# function of the index for what SQL alone cannot do.
MIGRATIONS: list[tuple[int, str, list[str | Callable[[PostgresIndex], None]]]] = [
    (
        1,
        "articles, versions, sources and full-text search",
        [
            *COMMON_TABLES,
            """CREATE TABLE IF NOT EXISTS articles_fts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', text), 'B')
    ) STORED
)""",
            "CREATE INDEX IF NOT EXISTS articles_fts_document ON articles_fts USING GIN (document)",
        ],
    ),
    (
        2,
        "the work queue shared by workers",
        [
            """CREATE TABLE IF NOT EXISTS queue (
    url_key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    source TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'done', 'parked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by TEXT,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    article_id TEXT,
    outcome TEXT,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at TIMESTAMPTZ
)""",
            "CREATE INDEX IF NOT EXISTS queue_ready ON queue (state, not_before)",
        ],
    ),
    (3, "article URLs that keep failing, and those given up", [FAILING_URLS_TABLE]),
    (4, "the reader's own tags", [*TAG_TABLES]),
    (
        5,
        "the articles' section names and date sources",
        [f"ALTER TABLE articles ADD COLUMN IF NOT EXISTS {name} {kind}" for name, kind in ADDED_ARTICLE_COLUMNS],
    ),
    (
        6,
        "search in every script: folded words, and a trigram table for scripts without spaces",
        [
            "CREATE TABLE IF NOT EXISTS articles_trigram (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
            "text TEXT NOT NULL)",
            _fold_search_texts,
            _trigram_indexes,
        ],
    ),
    (
        7,
        "rechecks for edits: their validators and outcomes, and rechecks in the work queue",
        [ARTICLE_CHECKS_TABLE, "ALTER TABLE queue ADD COLUMN IF NOT EXISTS recheck_id TEXT"],
    ),
]
LATEST_SCHEMA = MIGRATIONS[-1][0]
WRITE_LOCK_KEY = 0x6E657773  # 'news': the advisory lock held while one article is written


def _database_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:
        raise ConfigError("a PostgreSQL index needs psycopg: pip install 'newsarchive[postgresql]'") from None

    return (psycopg.Error,)


class PostgresIndex(Index):
    """An index in a PostgreSQL database that many processes on many hosts share."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.location = _without_password(url)
        self.database_errors = _database_errors()
        self._db: Any = None

    @property
    def supports_queue(self) -> bool:
        return True

    def damaged(self, exc: BaseException) -> str:
        return f"the index {self.location} failed: {_first_line(exc)}"

    def _connect(self) -> None:
        import psycopg
        from psycopg.rows import dict_row

        try:
            self._db = psycopg.connect(self.url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the index {self.location}: {_first_line(exc)}") from None

    @property
    def db(self) -> Any:
        if self._db is None:
            self._connect()
            version = self.schema_version()
            if version < LATEST_SCHEMA and not self._has_articles():
                self.upgrade()  # an empty database is set up on first use
            elif version < LATEST_SCHEMA:
                raise StoreError(
                    f"the index {self.location} is at schema {version}, this newsarchive needs "
                    f"{LATEST_SCHEMA}: run 'newsarchive db upgrade'"
                )
        return self._db

    def _raw_execute(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        cursor = self._db.execute(sql, tuple(params))
        return cursor.fetchall() if cursor.description else []

    def _create_migrations_table(self) -> None:
        self._raw_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                          "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")  # fmt: skip

    def schema_version(self) -> int:
        self._create_migrations_table()
        row = self._raw_execute("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
        return row[0]["version"]

    def _has_articles(self) -> bool:
        return self.has_table("articles")

    def has_table(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_tables WHERE tablename = ? LIMIT 1", (name,)))

    def upgrade(self) -> list[str]:
        """Apply the migrations this database lacks; returns their descriptions. Two processes
        upgrading at once are serialized by a lock on the migrations table."""
        if self._db is None:
            self._connect()
        self._create_migrations_table()  # an empty database has none yet to lock
        applied = []
        with self._db.transaction():
            self._raw_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            current = self.schema_version()
            for version, description, statements in MIGRATIONS:
                if version <= current:
                    continue
                for statement in statements:
                    if callable(statement):
                        statement(self)
                    else:
                        self._raw_execute(statement)
                self._raw_execute(
                    "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)", (version, description)
                )
                applied.append(f"{version}: {description}")
        return applied

    def exists(self) -> bool:
        return self.db is not None

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        self.db  # noqa: B018 - connects (and checks the schema) on first use
        return self._raw_execute(_placeholders(sql), params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with self.db.cursor() as cursor:
            cursor.executemany(_placeholders(sql), rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Many workers write into one folder: choosing a free file name, writing the files and
        adding the rows happen for one article at a time (the lock dies with its session)."""
        self.execute("SELECT pg_advisory_lock(?)", (WRITE_LOCK_KEY,))
        try:
            yield
        finally:
            self.execute("SELECT pg_advisory_unlock(?)", (WRITE_LOCK_KEY,))

    def _leaf_condition(self, leaf: Leaf) -> tuple[str, list[Any]]:
        if isinstance(leaf, Words):
            return "a.id IN (SELECT id FROM articles_fts WHERE document @@ CAST(? AS tsquery))", [_tsquery(leaf)]
        # A run holds only letters, digits, marks and spaces: nothing LIKE reads as a wildcard.
        return "a.id IN (SELECT id FROM articles_trigram WHERE title LIKE ? OR text LIKE ?)", [f"%{leaf.text}%"] * 2

    def _ranking(self, query: Query) -> tuple[str, str, list[Any]]:
        """ts_rank over the wanted words (titles weigh A, texts B)."""
        phrases = [_tsquery(leaf) for leaf in query.wanted if isinstance(leaf, Words)]
        if not phrases:
            return "", "0", []
        score = "-COALESCE(ts_rank(r.document, CAST(? AS tsquery)), 0)"
        return "LEFT JOIN articles_fts r ON r.id = a.id", score, [" | ".join(f"({p})" for p in phrases)]

    def _words_match(self, root: Node) -> tuple[str, str, str, list[Any]] | None:
        expression = _tsquery_expression(root)
        if expression is None:
            return None
        score = "-ts_rank(f.document, CAST(? AS tsquery))"
        return score, "JOIN articles_fts f ON f.id = a.id", "f.document @@ CAST(? AS tsquery)", [expression] * 2

    def check(self) -> None:
        try:
            self.execute("SELECT COUNT(*) AS n FROM articles")
        except self.database_errors as exc:
            raise StoreError(self.damaged(exc)) from None

    @_guarded
    def rebuild(self, articles: Iterable[tuple[Article, str, str]]) -> int:
        """Empty the tables derived from the files and fill them again, in one transaction (so
        readers see the old index until the new one is whole); sources and the queue stay."""
        with self.transaction():
            self.execute(f"TRUNCATE {', '.join(DERIVED_TABLES)}")
            return self._fill(articles)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _tsquery(leaf: Words) -> str:
    """Folded words as a tsquery phrase (cast, never parsed by a text-search configuration);
    `:*` makes the last word a prefix."""
    lexemes = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in leaf.words]
    return " <-> ".join(lexemes) + ("" if leaf.exact else ":*")


def _tsquery_expression(node: Node) -> str | None:
    """The query as one tsquery when only words are in it (a run is the trigram table's)."""
    if isinstance(node, Words):
        return f"({_tsquery(node)})"
    if isinstance(node, Not):
        inner = _tsquery_expression(node.part)
        return None if inner is None else f"!{inner}"
    if isinstance(node, All | AnyOf):
        parts = [_tsquery_expression(part) for part in node.parts]
        if None in parts:
            return None
        return "(" + (" & " if isinstance(node, All) else " | ").join(cast(list[str], parts)) + ")"
    return None


def _placeholders(sql: str) -> str:
    """The shared SQL's `?` as psycopg's `%s` (no literal ? or % appears in our statements)."""
    return sql.replace("?", "%s")


def _without_password(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
