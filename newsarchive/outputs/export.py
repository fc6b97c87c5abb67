"""Articles out of the archive: JSON Lines (read back by `import`), CSV, or the raw WARC records.

Exports hold the current version of each article that matches the filters, newest first.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from newsarchive.errors import OutputError, StoreError
from newsarchive.files import write_atomic_bytes
from newsarchive.model import Article
from newsarchive.store.archive import Archive

ExportFormat = Literal["jsonl", "csv", "warc"]
CSV_COLUMNS = (
    "id", "url", "canonical_url", "title", "authors", "published", "modified", "date_source", "section",
    "site_name", "language", "access", "word_count", "user_tags", "text",
)  # fmt: skip


def articles(archive: Archive, **filters: Any) -> Iterator[Article]:
    for row in archive.list(**filters):
        yield archive.load(row["id"])


def export(archive: Archive, out: IO[bytes], export_format: ExportFormat, **filters: Any) -> int:
    """Write the matching articles to `out`; returns how many were written."""
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
        elif not _copy_raw_record(archive.root, article, out):
            continue
        count += 1
    return count


def export_file(archive: Archive, path: Path, export_format: ExportFormat, **filters: Any) -> int:
    """export() into the file `path`, which is replaced only once complete. A missing folder is
    an error, not created: as with a shell's `>`, a mistyped -o should say so rather than leave
    a tree of new folders behind."""
    try:
        with write_atomic_bytes(path) as out:
            return export(archive, out, export_format, **filters)
    except FileNotFoundError:
        raise OutputError(f"cannot write {path}: the folder {path.parent} does not exist") from None
    except OSError as exc:  # reading the archive raises StoreError: an OSError here is the output's
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _copy_raw_record(root: Path, article: Article, out: IO[bytes]) -> bool:
    """Copy the article's raw record, as the gzip member it was stored as, byte for byte."""
    from warcio.archiveiterator import ArchiveIterator

    ref = article.source.get("warc")
    if not ref:
        return False
    try:
        with open(root / ref["file"], "rb") as stream:
            stream.seek(ref["offset"])
            records = ArchiveIterator(stream, check_digests=False)
            next(iter(records))
            length = records.get_record_length()
            stream.seek(ref["offset"])
            record = stream.read(length)
    except OSError as exc:
        raise StoreError(f"cannot read the raw page of {article.id} in {ref['file']}: {exc.strerror or exc}") from None
    out.write(record)
    return True


class _TextOut:
    """csv writes text; the export target takes bytes."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(text.encode("utf-8"))
