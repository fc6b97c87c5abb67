"""The archive on disk: article files laid out by date and section, and their index.

Files are the truth; the index (SQLite beside the files, or PostgreSQL; see index.py) is a
cache of them that ``reindex`` can always rebuild. Every file is written to a temporary name
and renamed into place, and the index changes inside a transaction, so a crash leaves either
the old state or the new one.
"""

from __future__ import annotations

import builtins
import errno
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from newsarchive.errors import ArchiveLockedError, ArticleDataError, DeletedError, StoreError
from newsarchive.files import TEMP_SUFFIX, write_atomic
from newsarchive.model import SCHEMA_VERSION, Article, utc_now
from newsarchive.render import article_json, read_article_json
from newsarchive.store.index import open_index
from newsarchive.store.index.base import Index, day_of, url_keys
from newsarchive.store.raw import RawStore
from newsarchive.store.search import SearchHit, match_spans, parse_query, snippet
from newsarchive.store.tombstones import Tombstone, Tombstones
from newsarchive.text import slugify
from newsarchive.urls import normalize_url

LOCK_NAME = ".newsarchive.lock"
DIRTY_NAME = ".newsarchive.running"  # present while a writing run holds the lock
LOCK_POLL_SECONDS = 0.1

Outcome = Literal["archived", "updated", "duplicate"]
# What adding an article the reader deleted does: refuse it (what collects on its own), or
# archive it again and lift its tombstone (what the reader asked for by name).
IfDeleted = Literal["skip", "revive"]


@dataclass(frozen=True)
class AddResult:
    outcome: Outcome
    id: str
    version: int
    json_path: str  # relative to the archive root
    note: str | None = None  # said of an article archived again after it was deleted


class Archive:
    """One archive folder: its files, its index and its lock."""

    def __init__(
        self, root: Path | str, readonly: bool = False, index_url: str | None = None, writer: str | None = None
    ) -> None:
        self.root = Path(root)
        self.index_url = index_url
        self.readonly = readonly  # a reader beside the one writer (import's worker processes)
        self.writer = writer  # names this writer's own WARC files when many write at once
        self._index: Index | None = None
        self._raw: RawStore | None = None
        self.tombstones = Tombstones(self.root)

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> Archive:
        """The archive the settings name (folder and index)."""
        return cls(settings.archive, index_url=settings.index or None, **options)

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = open_index(self.index_url, self.root, readonly=self.readonly)
        return self._index

    @property
    def raw(self) -> RawStore:
        """Where this archive keeps raw pages (WARC files); one per run, for its writer."""
        if self._raw is None:
            self._raw = RawStore(self.root, self.writer)
        return self._raw

    # -- opening --------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.index.exists()

    def require(self) -> Archive:
        """For read-only commands: fail clearly rather than create an empty archive."""
        if not self.exists():
            if self.index_url:  # an index kept apart from the folder: it is what is missing
                raise StoreError(
                    f"no index at {self.index.location} "
                    "(check the --index URL, or run 'newsarchive import' or 'newsarchive fetch' first)"
                )
            raise StoreError(f"no archive at {self.root} (run 'newsarchive import' or 'newsarchive fetch' first)")
        return self

    def open(self) -> Archive:
        """Create the index now (a writer does, before its readers look for it)."""
        self.index.stats()
        return self

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self._index is not None:
            self._index.close()
            self._index = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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

    def _article_dir(self, article: Article) -> Path:
        day = day_of(article.published) or "undated"
        parts = day.split("-") if day != "undated" else ["undated"]
        return self.root.joinpath(*parts, slugify(article.section_slug, "uncategorized"))

    @staticmethod
    def owner(json_file: Path) -> tuple[str, int] | None:
        """The (id, version) an article file holds, or None when it holds none."""
        try:
            data = json.loads(json_file.read_text(encoding="utf-8"))
            return str(data["id"]), int(data.get("version", 1))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _choose_paths(self, article: Article) -> tuple[Path, Path]:
        """A free file name, or the one this very version already has (a re-run after a crash)."""
        directory = self._article_dir(article)
        slug = slugify(article.title, "article", article.language)
        suffix = f"-v{article.version}" if article.version > 1 else ""
        candidates = [f"{slug}{suffix}", f"{slug}-{article.id[:8]}{suffix}"]
        candidates += [f"{slug}-{article.id[:8]}-{n}{suffix}" for n in range(2, 100)]
        for stem in candidates:
            json_file = directory / f"{stem}.json"
            if not json_file.exists() or self.owner(json_file) == (article.id, article.version):
                return json_file, directory / f"{stem}.md"
        raise StoreError(f"no free file name for {article.title!r} in {directory}")

    def _relative(self, path: Path) -> str:
        resolved_root = self.root.resolve()
        resolved = path.resolve()
        if resolved_root not in resolved.parents:
            raise StoreError(f"refusing to write outside the archive: {path}")
        return resolved.relative_to(resolved_root).as_posix()

    def add(self, article: Article, if_deleted: IfDeleted = "skip", new_version: bool = False) -> AddResult:
        """Store an article, or recognize it: the same body twice is one article.

        A changed body at a known URL becomes a new version; the old version's files stay. An
        article the reader deleted raises DeletedError, or with `if_deleted="revive"` is stored
        again and no longer counts as deleted. With `new_version` (an edit a recheck saw) it is
        the article's next version even when its body is one already stored.
        """
        with self.index.exclusive():
            note = self._unless_deleted(article, if_deleted)
            added = self._add(article, new_version)
        return AddResult(added.outcome, added.id, added.version, added.json_path, note)

    def _unless_deleted(self, article: Article, if_deleted: IfDeleted) -> str | None:
        stones = self.tombstones.matching(article.id, url_keys(article))
        if not stones:
            return None
        day = max(stone.day for stone in stones)
        if if_deleted == "skip":
            raise DeletedError(f"deleted from the archive on {day}; 'newsarchive fetch URL' archives it again")
        self.tombstones.lift(stones)
        return f"deleted on {day}, archived again as asked"

    def _add(self, article: Article, new_version: bool = False) -> AddResult:
        index = self.index
        existing = None if new_version else index.find_by_content(article.content_sha256)
        if existing is not None:
            with index.transaction():
                index.remember(article, existing["id"])  # a tracking variant, or another feed's link
            return AddResult("duplicate", existing["id"], existing["version"], existing["json_path"])
        previous = index.latest_version(article.id)
        article.version = (previous or 0) + 1
        if previous:  # the reader's tags belong to the article, not to one version of its body
            current = self.read_article(self.root / index.find(article.id)["json_path"])
            article.user_tags = sorted(set(article.user_tags) | set(current.user_tags))
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
        index.add_version(article, json_rel, md_rel, count_lines=not previous)
        return AddResult("updated" if previous else "archived", article.id, article.version, json_rel)

    def set_user_tags(self, key: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Article:
        """Add and remove the reader's tags (normalized) of an article's current version: its
        JSON file is rewritten in place (tags are no new version) and the index follows."""
        with self.index.exclusive():
            row = self.find(key)
            json_file = self.root / row["json_path"]
            article = self.read_article(json_file)
            tags = sorted((set(article.user_tags) | set(add)) - set(remove))
            if tags == article.user_tags:
                return article
            article.user_tags, article.schema_version = tags, SCHEMA_VERSION
            try:
                write_atomic(json_file, article_json(article))
            except OSError as exc:
                raise StoreError(f"cannot write {json_file}: {exc.strerror or exc}") from None
            self.index.set_user_tags(article.id, article.user_tags)
        return article

    def delete(self, key: str) -> Tombstone:
        """Remove an article (id, id prefix or URL): the files of every version and every index
        row. Its tombstone is written first, so a delete cut short is finished later, and keeps
        `update` from fetching it again; its raw pages stay, the WARC files being append-only."""
        with self.index.exclusive():
            row = self.find(key)
            versions = self.index.versions_of(row["id"])
            files = tuple(path for version in versions for path in (version["json_path"], version["md_path"]))
            stone = Tombstone(row["id"], row["title"], tuple(self.index.url_keys_of(row["id"])), files, utc_now())
            counted = self._counted_version(versions)
            self.tombstones.add(stone)
            for path in files:  # each version's JSON before its Markdown: a Markdown orphan is a leftover
                try:
                    (self.root / path).unlink(missing_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot remove {self.root / path}: {exc.strerror or exc}") from None
            self.index.delete_article(row["id"], counted)
        return stone

    def _counted_version(self, versions: list[dict[str, Any]]) -> Article | None:
        """The version whose lines the index counted for its site (the first), if still readable."""
        try:
            return self.read_article(self.root / versions[0]["json_path"]) if versions else None
        except StoreError:
            return None

    def deleted(self, key: str) -> Tombstone | None:
        """The tombstone of the deleted article with this id, or that this URL (in any spelling
        that normalizes the same) led to."""
        return next(iter(self.tombstones.matching(key, [normalize_url(key)])), None)

    def deleted_url(self, url_key: str) -> bool:
        """Whether this normalized URL led to an article the reader deleted."""
        return self.tombstones.deleted_url(url_key) is not None

    # -- reading (the index answers; see index.py) ------------------------------------------

    def find_raw(self, raw_sha256: str) -> AddResult | None:
        """The article these exact raw bytes already gave, if any (its current version)."""
        if not self.exists():
            return None
        row = self.index.find_raw(raw_sha256)
        return AddResult("duplicate", row["id"], row["version"], row["json_path"]) if row else None

    def knows_url(self, url: str) -> bool:
        """Whether an article was already reached by this URL (in any spelling that normalizes
        to the same: tracking parameters, fragment, host case)."""
        return self.exists() and self.index.knows_url(url)

    def given_up_urls(self) -> set[str]:
        """The normalized article URLs `update` no longer fetches or queues (failed too often)."""
        return self.index.given_up_keys() if self.exists() else set()

    def add_source(self, url: str, name: str, section: str | None = None) -> None:
        self.index.add_source(url, name, section)

    def sources(self) -> list[dict[str, Any]]:
        return self.index.sources() if self.exists() else []

    def remove_source(self, name_or_url: str) -> None:
        self.index.remove_source(name_or_url)

    def record_source(
        self, url: str, error: str | None = None, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        """Note how reading a source went: validators for the next conditional request on
        success, the error and one more consecutive failure otherwise."""
        self.index.record_source(url, error, etag, last_modified)

    def learned_lines(self, site: str) -> dict[str, str]:
        """An archive that does not exist yet has learned nothing."""
        return self.index.learned_lines(site) if self.exists() else {}

    def list(self, **filters: Any) -> list[dict[str, Any]]:
        """Current articles, newest first; filters as Index.list (since, until, section, site, tag, limit).
        A row indexed before the index kept section names and date sources gets them from its file."""
        rows = self.index.list(**filters)
        for row in rows:
            if row["date_source"] is None:
                try:
                    article = self.read_article(self.root / row["json_path"])
                except StoreError:
                    continue  # `verify` reports it; the row is listed as the index has it
                row["section"], row["date_source"] = article.section, article.date_source
        return rows

    def find(self, key: str) -> dict[str, Any]:
        """The current version of the article with this id (or id prefix), URL or canonical URL."""
        return self.index.find(key)

    def load(self, key: str) -> Article:
        row = self.find(key)
        return self.read_article(self.root / row["json_path"])

    @staticmethod
    def read_article(json_file: Path) -> Article:
        try:
            return read_article_json(json_file.read_bytes())
        except OSError as exc:
            raise StoreError(f"cannot read {json_file}: {exc}") from None
        except ArticleDataError as exc:
            raise StoreError(f"{json_file}: {exc}") from None

    def search(self, query: str, limit: int = 20, **filters: str | None) -> builtins.list[SearchHit]:
        """Full-text search (the syntax and the matching rule are newsarchive.store.search's), best
        match first, with the filters of `list` (since, until, section, site, tag). The snippet comes
        from the article's file, so both backends show the same."""
        parsed = parse_query(query)
        hits = []
        for row in self.index.search(parsed, limit=limit, **filters):
            try:
                text = self.read_article(self.root / row["json_path"]).text
            except StoreError:
                text = ""  # a damaged file is verify's to report; the hit still counts
            shown, spans = snippet(text, parsed)
            hits.append(
                SearchHit(
                    id=row["id"],
                    title=row["title"],
                    published=row["published"],
                    section_slug=row["section_slug"],
                    site_name=row["site_name"],
                    snippet=shown,
                    score=row["score"],
                    title_matches=match_spans(row["title"], parsed),
                    snippet_matches=spans,
                )
            )
        return hits

    def stats(self, top: int | None = None) -> dict[str, Any]:
        return self.index.stats(top)

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

        def readable() -> Iterator[tuple[Article, str, str]]:
            for json_file in self.article_files():
                try:
                    article = self.read_article(json_file)
                except StoreError as exc:
                    if on_error:
                        on_error(json_file, str(exc))
                    continue
                json_rel = self._relative(json_file)
                yield article, json_rel, json_rel[: -len(".json")] + ".md"

        return self.index.rebuild(readable())
