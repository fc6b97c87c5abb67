"""Articles out of the archive: JSON Lines (read back by `import`), CSV, or the raw WARC records.

Exports hold the current version of each article that matches the filters, newest first.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

from newsarchive.errors import OutputError, SourceError
from newsarchive.files import write_atomic_bytes
from newsarchive.model import Article
from newsarchive.store.archive import Archive
from newsarchive.store.raw import record_bytes

ExportFormat = Literal["jsonl", "csv", "warc"]
CSV_COLUMNS = (
    "id", "url", "canonical_url", "title", "authors", "published", "modified", "date_source", "section",
    "site_name", "language", "access", "word_count", "user_tags", "text",
)  # fmt: skip


def articles(archive: Archive, **filters: Any) -> Iterator[Article]:
    for row in archive.list(**filters):
        yield archive.load(row["id"])


def export(
    archive: Archive,
    out: IO[bytes],
    export_format: ExportFormat,
    on_failure: Callable[[Article, SourceError], None] | None = None,
    **filters: Any,
) -> int:
    """Write the matching articles to `out`; returns how many were written. An article whose
    raw page cannot be read (--format warc) is passed to `on_failure` and the export goes on;
    without one, its SourceError is raised."""
    count = 0
    if export_format == "csv":
        text = _TextOut(out)
        writer = csv.writer(text)
        writer.writerow(CSV_COLUMNS)
        for article in articles(archive, **filters):
            row = article.to_dict() | {"authors": "; ".join(article.authors), "user_tags": "; ".join(article.user_tags)}
            writer.writerow([row.get(column) for column in CSV_COLUMNS])
            count += 1
        return count
    for article in articles(archive, **filters):
        if export_format == "jsonl":
            out.write(json.dumps(article.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        elif not (ref := article.source.get("warc")):
            continue  # no raw page kept (imported from a JSON Lines export, say)
        else:
            try:  # the record as stored, byte for byte: the gzip member it was written as
                out.write(record_bytes(archive.root, ref))
            except SourceError as exc:
                if on_failure is None:
                    raise
                on_failure(article, exc)
                continue
        count += 1
    return count


def export_file(
    archive: Archive,
    path: Path,
    export_format: ExportFormat,
    on_failure: Callable[[Article, SourceError], None] | None = None,
    **filters: Any,
) -> int:
    """export() into the file `path`, which is replaced only once complete. A missing folder is
    an error, not created: as with a shell's `>`, a mistyped -o should say so rather than leave
    a tree of new folders behind."""
    try:
        with write_atomic_bytes(path) as out:
            return export(archive, out, export_format, on_failure, **filters)
    except FileNotFoundError:
        raise OutputError(f"cannot write {path}: the folder {path.parent} does not exist") from None
    except OSError as exc:  # reading the archive raises our own errors: an OSError here is the output's
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


class _TextOut:
    """csv writes text; the export target takes bytes."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(text.encode("utf-8"))
