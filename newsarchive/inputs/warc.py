"""WARC files (ISO 28500) as inputs: every HTML response a crawl recorded, read as a stream.

A WARC of any size is read record by record with warcio; only the payload of one record at a
time is held in memory. A record that cannot be read (a truncated gzip member, a length that
lies) is reported, and the reading of that file stops there, since what follows it cannot be
trusted to start at a record boundary.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from newsarchive.errors import exception_reason
from newsarchive.files import open_regular
from newsarchive.model import RawPage, utf8_safe

WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_PAYLOAD_BYTES = 64_000_000


@dataclass(frozen=True)
class WarcResponse:
    """One HTML response recorded in a WARC file, with its payload already read."""

    path: Path
    offset: int  # of the record in the file (compressed offset for .warc.gz)
    uri: str
    date: str | None
    content_type: str | None
    content: bytes

    @property
    def label(self) -> str:
        return f"{utf8_safe(str(self.path))}@{self.offset}"

    def raw_page(self) -> RawPage:
        """The page as the crawler fetched it: from its URL, at the record's date."""
        return RawPage(
            content=self.content,
            kind="http",
            location=self.uri,
            format="html",
            url=self.uri,
            content_type=self.content_type,
            fetched_at=warc_date_iso(self.date),
            file_format="warc",
        )


@dataclass(frozen=True)
class WarcProblem:
    path: Path
    offset: int
    reason: str


def responses(path: Path) -> Iterator[WarcResponse | WarcProblem]:
    """The HTML 200 responses of a WARC file in order; other records (requests, metadata,
    images, redirects) are passed over. A record that cannot be read ends the file. A .warc.gz
    compressed as one gzip stream (not record by record) is read through a decompressing stream."""
    from warcio.exceptions import ArchiveLoadFailed

    yielded = 0
    try:
        with open_regular(path) as stream:
            for found in _read(path, stream):
                yielded += 1
                yield found
    except ArchiveLoadFailed as exc:
        if "non-chunked gzip" not in str(exc):
            raise
        with open_regular(path) as compressed, gzip.GzipFile(fileobj=compressed) as stream:
            for index, found in enumerate(_read(path, stream)):
                if index >= yielded:
                    yield found


def _read(path: Path, stream: BinaryIO | gzip.GzipFile) -> Iterator[WarcResponse | WarcProblem]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    offset = 0
    try:
        records = ArchiveIterator(stream, check_digests=False)
        for record in records:
            wanted = record.rec_type == "response" and record.http_headers is not None
            content_type = record.http_headers.get_header("Content-Type") if wanted else None
            wanted = wanted and record.http_headers.get_statuscode() == "200"
            wanted = wanted and "html" in (content_type or "").lower()
            # The payload first: asking warcio for the offset reads the record to its end.
            content = record.content_stream().read(MAX_PAYLOAD_BYTES + 1) if wanted else b""
            offset = records.get_record_offset()
            if not wanted:
                continue
            if len(content) > MAX_PAYLOAD_BYTES:
                yield WarcProblem(path, offset, f"payload larger than {MAX_PAYLOAD_BYTES:,} bytes")
                continue
            missing = getattr(record.raw_stream, "limit", 0)
            if missing:  # the file ended (or a gzip member was cut) before the record did
                yield WarcProblem(path, offset, f"WARC record cut short ({missing} bytes missing)")
                return
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            yield WarcResponse(path, offset, uri, record.rec_headers.get_header("WARC-Date"), content_type, content)
    except ArchiveLoadFailed as exc:
        if "non-chunked gzip" in str(exc):
            raise
        yield WarcProblem(path, offset, _unreadable(exc))
    except (EOFError, zlib.error, OSError, ValueError) as exc:
        yield WarcProblem(path, offset, _unreadable(exc))


def _unreadable(exc: Exception) -> str:
    return f"unreadable WARC record ({exception_reason(exc)}); the rest of the file was not read"


def warc_date_iso(date: str | None) -> str | None:
    """WARC-Date is already ISO 8601 (with Z); keep the +00:00 form the archive uses."""
    if not date:
        return None
    return date.replace("Z", "+00:00")
