"""Deleted articles: one JSON line each in ARCHIVE/deleted.jsonl, so that what collects on its
own (`update`, `fetch --feed`, workers) never fetches them again.

The line is written before anything is removed, as a journal of what was asked: a delete cut
short is finished by `verify --repair` (or by deleting again). It lives beside the article
files rather than in the index, because the index is rebuilt from files. A line is lifted when
the article is archived again as asked (`fetch URL`, `import`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from newsarchive.errors import StoreError

TOMBSTONES_NAME = "deleted.jsonl"


@dataclass(frozen=True)
class Tombstone:
    """What a deleted article was and which of its traces were removed."""

    id: str
    title: str
    url_keys: tuple[str, ...]  # every normalized URL that led to it
    files: tuple[str, ...]  # the JSON and Markdown files of every version, relative to the root
    deleted_at: str

    @property
    def day(self) -> str:
        return self.deleted_at[:10]


class Tombstones:
    """The archive's deletion records, read again only when the file changed."""

    def __init__(self, root: Path) -> None:
        self.path = root / TOMBSTONES_NAME
        self._seen: tuple[int, int] | None = None
        self._stones: list[Tombstone] = []
        self._by_url: dict[str, Tombstone] = {}

    def all(self) -> list[Tombstone]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if self._seen != (info.st_mtime_ns, info.st_size):
            self._stones = self._read()
            self._by_url = {key: stone for stone in self._stones for key in stone.url_keys}
            self._seen = (info.st_mtime_ns, info.st_size)
        return self._stones

    def _read(self) -> list[Tombstone]:
        stones = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError) as exc:
            raise StoreError(f"cannot read {self.path}: {exc}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                stones.append(Tombstone(**data | {"url_keys": tuple(data["url_keys"]), "files": tuple(data["files"])}))
            except (ValueError, TypeError, KeyError) as exc:
                raise StoreError(f"{self.path}, line {number}: not a deletion record ({exc})") from None
        return stones

    def matching(self, article_id: str, url_keys: list[str]) -> list[Tombstone]:
        """The records of this article: by its id, or by any URL that leads to it."""
        keys = set(url_keys)
        return [stone for stone in self.all() if stone.id == article_id or keys & set(stone.url_keys)]

    def deleted_url(self, url_key: str) -> Tombstone | None:
        """The record of the article this normalized URL led to (asked once per listed link)."""
        return self._by_url.get(url_key) if self.all() else None

    def add(self, stone: Tombstone) -> None:
        """Append the record and flush it to disk: it must outlast whatever is removed after it."""
        line = json.dumps(asdict(stone), ensure_ascii=False, sort_keys=True) + "\n"
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def lift(self, stones: list[Tombstone]) -> None:
        """Remove these records (the article is archived again), replacing the file whole."""
        from newsarchive.files import write_atomic

        gone = set(stones)
        kept = [stone for stone in self.all() if stone not in gone]
        text = "".join(json.dumps(asdict(stone), ensure_ascii=False, sort_keys=True) + "\n" for stone in kept)
        try:
            write_atomic(self.path, text)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None
