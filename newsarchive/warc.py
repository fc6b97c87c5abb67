"""WARC files (ISO 28500) as inputs: every HTML response a crawl recorded, read as a stream.

A WARC of any size is read record by record with warcio; only the payload of one record at a
time is held in memory. A record that cannot be read (a truncated gzip member, a length that
lies) is reported, and the reading of that file stops there, since what follows it cannot be
trusted to start at a record boundary.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from newsarchive.errors import SourceError
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
            fetched_at=_iso(self.date),
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


def _read(path: Path, stream: BinaryIO) -> Iterator[WarcResponse | WarcProblem]:
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
    return f"unreadable WARC record ({_reason(exc)}); the rest of the file was not read"


def _reason(exc: Exception) -> str:
    """An exception's first line, or its type when it says nothing."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _iso(date: str | None) -> str | None:
    """WARC-Date is already ISO 8601 (with Z); keep the +00:00 form the archive uses."""
    if not date:
        return None
    return date.replace("Z", "+00:00")


# -- keeping raw pages -----------------------------------------------------------------------

RAW_DIR = "raw"
GZIP_LEVEL = 6
# The payload is stored as received (still content-encoded) but de-chunked: these framing
# headers are replaced by the stored payload's own length.
FRAMING_HEADERS = frozenset({"transfer-encoding", "content-length"})


@dataclass(frozen=True)
class WarcRef:
    """Where an article's raw page lives: a WARC file (relative to the archive), the record's
    offset in it, and its WARC-Record-ID."""

    file: str
    offset: int
    record_id: str

    def to_dict(self) -> dict[str, str | int]:
        return {"file": self.file, "offset": self.offset, "record_id": self.record_id}


class RawStore:
    """Appends raw pages to ARCHIVE/raw/YYYY/MM/DD.warc.gz, one gzip member per record.

    Only the process holding the archive's lock writes. Each record is built in memory, then
    written whole and flushed to disk; a sidecar file remembers how far each WARC file is known
    to be whole, so after a crash the next run cuts off a half-written last record first.
    """

    def __init__(self, root: Path, writer: str | None = None) -> None:
        self.root = root
        self.writer = writer  # many writers at once (workers) each append to their own files
        self._checked: set[Path] = set()  # files whose tail this run has already made whole

    def _file_for(self, day: str) -> Path:
        year, month, date = day.split("-")
        name = f"{date}-{self.writer}.warc.gz" if self.writer else f"{date}.warc.gz"
        return self.root / RAW_DIR / year / month / name

    def append(self, raw: RawPage) -> WarcRef:
        """Store the page's raw form (a request and a response for a fetch, a resource record for
        a saved file) and return where its main record is."""
        from warcio.warcwriter import WARCWriter

        day = (raw.fetched_at or raw.file_mtime or _today())[:10]
        path = self._file_for(day)
        if path not in self._checked:
            path.parent.mkdir(parents=True, exist_ok=True)
            _repair_tail(path)
            self._checked.add(path)
        members = []
        records = _records(WARCWriter(io.BytesIO(), gzip=False), raw)
        for record in records:
            plain = io.BytesIO()
            WARCWriter(plain, gzip=False).write_record(record)
            members.append(_gzip_member(plain.getvalue()))
        with open(path, "ab") as stream:
            stream.write(b"".join(members))
            stream.flush()
            os.fsync(stream.fileno())
            end = stream.tell()
        _mark_whole(path, end)
        record_id = records[-1].rec_headers.get_header("WARC-Record-ID")
        return WarcRef(path.relative_to(self.root).as_posix(), end - len(members[-1]), record_id)


def _gzip_member(data: bytes) -> bytes:
    """One record as its own gzip member (level 6: warcio's level 9 took 1.5 times as long on
    the benchmark pages for 0.6 % less space)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


def _records(writer: object, raw: RawPage) -> list:
    """[request, response] for a fetched page, [resource] for a saved file."""
    from warcio.statusandheaders import StatusAndHeaders

    date = _warc_date(raw.fetched_at or raw.file_mtime)
    if raw.http is None:
        headers = {"WARC-Date": date, "Content-Type": raw.content_type or "application/octet-stream"}
        headers["WARC-Source-Path"] = raw.location
        if raw.file_mtime:
            headers["WARC-Source-Mtime"] = raw.file_mtime
        uri = raw.url or Path(raw.location).absolute().as_uri()
        payload = io.BytesIO(raw.original or raw.content)  # the saved file as it was on disk
        return [writer.create_warc_record(uri, "resource", payload=payload, warc_headers_dict=headers)]
    uri = raw.url or raw.location
    path = urlsplit(uri)
    target = (path.path or "/") + (f"?{path.query}" if path.query else "")
    request_headers = StatusAndHeaders(f"GET {target} HTTP/1.1", list(raw.http.request_headers), is_http_request=True)
    payload = raw.original or raw.content  # still content-encoded, if it came so
    kept = [(name, value) for name, value in raw.http.response_headers if name.lower() not in FRAMING_HEADERS]
    kept.append(("Content-Length", str(len(payload))))
    response_headers = StatusAndHeaders(f"{raw.http.status} {raw.http.reason}", kept, protocol="HTTP/1.1")
    request = writer.create_warc_record(
        uri, "request", http_headers=request_headers, warc_headers_dict={"WARC-Date": date}
    )
    response = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(payload), http_headers=response_headers,
        warc_headers_dict={"WARC-Date": date},
    )  # fmt: skip
    return [request, response]


def _sidecar(path: Path) -> Path:
    return path.with_name(f".{path.name}.whole")


def _mark_whole(path: Path, size: int) -> None:
    """Written in place, unsynced: a torn or stale sidecar only makes the next run scan more."""
    _sidecar(path).write_text(str(size), encoding="ascii")


def _repair_tail(path: Path) -> None:
    """Cut off what a crashed append left after the last whole record. Whole records written
    after the sidecar's mark (by a run killed before it updated the mark) are kept."""
    if not path.exists():
        return
    size = path.stat().st_size
    try:
        known = min(int(_sidecar(path).read_text(encoding="ascii")), size)
    except (OSError, ValueError):
        known = 0
    if size > known:
        whole = _scan_whole(path, known)
        if size > whole:
            with open(path, "r+b") as stream:
                stream.truncate(whole)
        _mark_whole(path, whole)


def _scan_whole(path: Path, start: int) -> int:
    """The end of the last whole gzip member from `start` (a member boundary) on. Each record
    is its own member and a member's CRC and length close it, so a member cut short by a crash
    is never taken for a whole one."""
    end = position = start
    member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with open(path, "rb") as stream:
        stream.seek(start)
        while chunk := stream.read(1 << 20):
            while chunk:
                try:
                    member.decompress(chunk)
                except zlib.error:
                    return end
                if not member.eof:
                    position += len(chunk)
                    break
                position += len(chunk) - len(member.unused_data)
                end = position
                chunk = member.unused_data
                member = zlib.decompressobj(zlib.MAX_WBITS | 16)
    return end


def _warc_date(stamp: str | None) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(stamp) if stamp else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


def read_raw(root: Path, ref: dict) -> RawPage:
    """The raw page an article's `source.warc` points to, as a RawPage ready for extraction."""
    record, content = _referenced_record(root, ref)
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI")
    fetched_at = _iso(headers.get_header("WARC-Date"))
    if record.rec_type == "response":
        content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
        page_format = "text" if (content_type or "").split(";")[0].strip().lower() == "text/plain" else "html"
        return RawPage(content, "http", uri, page_format, uri, content_type, fetched_at=fetched_at)
    from newsarchive.sources import page_from_bytes

    source_path = headers.get_header("WARC-Source-Path") or uri
    raw = page_from_bytes(Path(source_path).name, content, source_path, headers.get_header("WARC-Source-Mtime"))
    if raw.url is None and urlsplit(uri).scheme in ("http", "https"):
        raw = replace(raw, url=uri)  # the URL the import gave it (--base-url)
    return raw


def _referenced_record(root: Path, ref: Any) -> tuple[Any, bytes]:
    """The record a `source.warc` reference points to and its payload (content-decoded), read
    whole, with the record's own WARC digests checked: each way the reference can fail to lead
    to that record is a SourceError that says which."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        file, offset, record_id = str(ref["file"]), int(ref["offset"]), str(ref["record_id"])
    except (KeyError, TypeError, ValueError):
        raise SourceError(f"source.warc is not a reference to a raw page (file, offset, record_id): {ref!r}") from None
    path, where = root / file, f"{file}@{offset}"
    raw_dir = (root / RAW_DIR).resolve()
    if raw_dir not in path.resolve().parents:
        raise SourceError(f"source.warc points outside the archive's raw pages: {file}")
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if not 0 <= offset < size:
                raise SourceError(f"no raw page at {where}: the file has {size} bytes")
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream, check_digests=True)))
            content = record.content_stream().read()
    except FileNotFoundError:
        raise SourceError(f"raw page missing: {file} does not exist") from None
    except (ArchiveLoadFailed, StopIteration):
        raise SourceError(
            f"raw page not readable at {where}: no readable WARC record there (damaged, or not where one starts)"
        ) from None
    except (EOFError, zlib.error, OSError, ValueError) as exc:
        raise SourceError(f"raw page not readable at {where}: {_reason(exc)}") from None
    if missing := getattr(record.raw_stream, "limit", 0):
        raise SourceError(f"raw page at {where} is cut short ({missing} bytes missing)")
    if record.rec_headers.get_header("WARC-Record-ID") != record_id:
        raise SourceError(f"raw page at {where} is not record {record_id}")
    if record.digest_checker.passed is False:
        raise SourceError(f"raw page at {where} does not match its WARC digest (the record was changed)")
    return record, content
