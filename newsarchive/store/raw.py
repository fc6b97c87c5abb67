"""Raw pages kept as fetched or saved, in WARC files (ISO 28500) under ARCHIVE/raw/."""

from __future__ import annotations

import contextlib
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsarchive.errors import SourceError, exception_reason
from newsarchive.model import RawPage

# -- keeping raw pages -----------------------------------------------------------------------

RAW_DIR = "raw"
GZIP_LEVEL = 3
MARK_EVERY_BYTES = 16 << 20  # how far the sidecar may lag: what the next run rescans after a crash
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
    to be whole, so after a crash the next run cuts off a half-written last record first. The
    mark is moved every MARK_EVERY_BYTES and on close, not per record: a stale mark only makes
    the next run scan (never cut) the whole records after it.
    """

    def __init__(self, root: Path, writer: str | None = None) -> None:
        self.root = root
        self.writer = writer  # many writers at once (workers) each append to their own files
        self._checked: set[Path] = set()  # files whose tail this run has already made whole
        self._unmarked: dict[Path, tuple[int, int]] = {}  # file → (its end, bytes written since its mark)

    def _file_for(self, day: str) -> Path:
        year, month, date = day.split("-")
        name = f"{date}-{self.writer}.warc.gz" if self.writer else f"{date}.warc.gz"
        return self.root / RAW_DIR / year / month / name

    def append(self, raw: RawPage | PackedRecords) -> WarcRef:
        """Store the page's raw form (a request and a response for a fetch, a resource record for
        a saved file), packed here or already, and return where its main record is."""
        packed = raw if isinstance(raw, PackedRecords) else pack_records(raw)
        path = self._file_for(packed.day)
        if path not in self._checked:
            path.parent.mkdir(parents=True, exist_ok=True)
            _repair_tail(path)
            self._checked.add(path)
        data = b"".join(packed.members)
        with open(path, "ab") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            end = stream.tell()
        self._note_end(path, end, len(data))
        return WarcRef(path.relative_to(self.root).as_posix(), end - len(packed.members[-1]), packed.record_id)

    def _note_end(self, path: Path, end: int, written: int) -> None:
        unmarked = self._unmarked.get(path, (0, 0))[1] + written
        if unmarked >= MARK_EVERY_BYTES:
            _mark_whole(path, end)
            self._unmarked.pop(path, None)
        else:
            self._unmarked[path] = (end, unmarked)

    def close(self) -> None:
        """Move each file's mark to its end."""
        for path, (end, _) in self._unmarked.items():
            _mark_whole(path, end)
        self._unmarked.clear()


@dataclass(frozen=True)
class PackedRecords:
    """A raw page's WARC records, each compressed as its own gzip member: what a worker process
    can make, so that the one process writing the archive only appends them."""

    day: str  # which day's WARC file they go to
    members: tuple[bytes, ...]
    record_id: str  # the main (last) record's WARC-Record-ID


def pack_records(raw: RawPage) -> PackedRecords:
    """The page's records ready to append: CPU work (headers, digests, gzip) that need not wait
    for the writer."""
    from warcio.warcwriter import WARCWriter

    records = _records(WARCWriter(io.BytesIO(), gzip=False), raw)
    members = []
    for record in records:
        plain = io.BytesIO()
        WARCWriter(plain, gzip=False).write_record(record)
        members.append(_gzip_member(plain.getvalue()))
    day = (raw.fetched_at or raw.file_mtime or _today())[:10]
    return PackedRecords(day, tuple(members), records[-1].rec_headers.get_header("WARC-Record-ID"))


def _gzip_member(data: bytes) -> bytes:
    """One record as its own gzip member (level 3: on the benchmark pages 2.2 ms a page against
    4.7 at level 6, for 12 % more space; warcio's level 9 took 1.5 times as long as level 6)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


def _records(writer: Any, raw: RawPage) -> list:
    """[request, response] for a fetched page, [resource] for a saved file."""
    from warcio.statusandheaders import StatusAndHeaders

    date = _warc_date(raw.fetched_at or raw.file_mtime)
    if raw.http is None:
        headers = {"WARC-Date": date, "Content-Type": raw.content_type or "application/octet-stream"}
        headers["WARC-Source-Path"] = raw.location
        if raw.file_mtime:
            headers["WARC-Source-Mtime"] = raw.file_mtime
        uri = raw.url or Path(raw.location).absolute().as_uri()
        saved = io.BytesIO(raw.original or raw.content)  # the saved file as it was on disk
        return [writer.create_warc_record(uri, "resource", payload=saved, warc_headers_dict=headers)]
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


def read_record(root: Path, ref: Any) -> tuple[Any, bytes]:
    """The record a `source.warc` reference points to and its payload (content-decoded), read
    whole, with the record's own WARC digests checked: each way the reference can fail to lead
    to that record is a SourceError that says which."""
    record, content, _ = _read_checked(root, ref, stored=False)
    return record, content


def record_bytes(root: Path, ref: Any) -> bytes:
    """The record as stored (its own gzip member), byte for byte, once read_record's checks
    passed: what `export --format warc` copies, so a damaged raw page is a SourceError rather
    than a broken record in the export."""
    return _read_checked(root, ref, stored=True)[2]


def _read_checked(root: Path, ref: Any, stored: bool) -> tuple[Any, bytes, bytes]:
    """read_record's record and payload, and (if `stored`) the record's bytes as stored."""
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
    said = io.StringIO()  # warcio prints a damaged gzip member's zlib error and reads on as if it ended
    try:
        with open(path, "rb") as stream, contextlib.redirect_stderr(said):
            size = os.fstat(stream.fileno()).st_size
            if not 0 <= offset < size:
                raise SourceError(f"no raw page at {where}: the file has {size} bytes")
            stream.seek(offset)
            records = ArchiveIterator(stream, check_digests=True)
            record = next(iter(records))
            content = record.content_stream().read()
            raw = b""
            if stored:
                length = records.get_record_length()  # reads on from where the record ended
                stream.seek(offset)
                raw = stream.read(length)
    except FileNotFoundError:
        raise SourceError(f"raw page missing: {file} does not exist") from None
    except (ArchiveLoadFailed, StopIteration):
        raise SourceError(
            f"raw page not readable at {where}: no readable WARC record there (damaged, or not where one starts)"
        ) from None
    except (EOFError, zlib.error, OSError, ValueError) as exc:
        raise SourceError(f"raw page not readable at {where}: {exception_reason(exc)}") from None
    if said.getvalue().strip():
        raise SourceError(f"raw page not readable at {where}: {said.getvalue().strip().splitlines()[0]}")
    if record.length is None:  # every WARC record has one: its headers were cut before it
        raise SourceError(f"raw page at {where} is cut short (its WARC headers end before Content-Length)")
    if missing := getattr(record.raw_stream, "limit", 0):
        raise SourceError(f"raw page at {where} is cut short ({missing} bytes missing)")
    if record.rec_headers.get_header("WARC-Record-ID") != record_id:
        raise SourceError(f"raw page at {where} is not record {record_id}")
    if record.digest_checker.passed is False:
        raise SourceError(f"raw page at {where} does not match its WARC digest (the record was changed)")
    return record, content, raw
