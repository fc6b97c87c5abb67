"""An article's raw page read back from the archive's WARC files, ready to extract again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from newsarchive.inputs.saved import page_from_bytes
from newsarchive.inputs.warc import warc_date_iso
from newsarchive.model import RawPage, page_format
from newsarchive.store.raw import read_record


def read_raw(root: Path, ref: dict) -> RawPage:
    """The raw page an article's `source.warc` points to, as a RawPage ready for extraction."""
    record, content = read_record(root, ref)
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI")
    fetched_at = warc_date_iso(headers.get_header("WARC-Date"))
    if record.rec_type == "response":
        content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
        return RawPage(content, "http", uri, page_format(content_type), uri, content_type, fetched_at=fetched_at)
    source_path = headers.get_header("WARC-Source-Path") or uri
    raw = page_from_bytes(Path(source_path).name, content, source_path, headers.get_header("WARC-Source-Mtime"))
    if raw.url is None and urlsplit(uri).scheme in ("http", "https"):
        raw = replace(raw, url=uri)  # the URL the import gave it (--base-url)
    return raw
