"""The index behind the archive; `open_index` picks the backend from a URL."""

from __future__ import annotations

from pathlib import Path

from newsarchive.errors import ConfigError
from newsarchive.store.index.base import INDEX_NAME, Index
from newsarchive.store.index.sqlite import SqliteIndex


def open_index(url: str | None, root: Path, readonly: bool = False) -> Index:
    """`sqlite:///path` (or nothing: ROOT/index.sqlite) or `postgresql://user@host/db`."""
    if not url:
        return SqliteIndex(root / INDEX_NAME, readonly=readonly)
    if url.startswith("sqlite:///"):
        return SqliteIndex(Path(url[len("sqlite:///") :]), readonly=readonly)
    if url.startswith(("postgresql://", "postgres://")):
        from newsarchive.store.index.postgres import PostgresIndex

        return PostgresIndex(url)
    raise ConfigError(f"unknown index {url!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")
