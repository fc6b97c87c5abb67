"""Readers for what browsers save: MHTML, Safari webarchive, SingleFile and plain HTML/text.

Each reader takes a file's bytes and returns the page inside it with the URL and save date
the format records. The format is recognized by content first (magic bytes, MIME headers,
plist header) and by extension second.
"""

from __future__ import annotations

import email
import email.policy
import plistlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from newsarchive.errors import SourceError, UnsupportedFormatError
from newsarchive.model import page_format
from newsarchive.text import binary_kind

HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--", b"<meta", b"<title")
SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)
SINGLEFILE = re.compile(rb"<!--\s*Page saved with SingleFile(?P<body>.{0,2000}?)-->", re.IGNORECASE | re.DOTALL)
SINGLEFILE_URL = re.compile(rb"^\s*url:\s*(\S+)", re.MULTILINE)
SINGLEFILE_DATE = re.compile(
    rb"^\s*saved date:\s*\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{2})(\d{2})", re.MULTILINE
)
MIME_HEAD = re.compile(rb"^MIME-Version:|^Content-Type:\s*multipart/related", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SavedPage:
    """The page inside a saved file, and what the file says about where and when it came from."""

    content: bytes
    page_format: str  # html | text | markdown: how to extract it
    file_format: str  # html | singlefile | mhtml | webarchive | text | markdown: what the file was
    url: str | None = None
    saved_at: str | None = None
    content_type: str | None = None  # a charset the container declares, as a Content-Type


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def read_mhtml(data: bytes) -> SavedPage:
    """Chrome's 'Webpage, Single File': a MIME multipart message whose first text/html part is the page."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    html_part = next((part for part in message.walk() if part.get_content_type() == "text/html"), None)
    if html_part is None:
        raise SourceError("MHTML file holds no text/html part")
    payload = html_part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise SourceError("MHTML file's text/html part is empty")
    charset = html_part.get_content_charset()
    url = message.get("Snapshot-Content-Location") or html_part.get("Content-Location")
    saved_at = None
    if message.get("Date"):
        try:
            saved_at = _iso(parsedate_to_datetime(str(message["Date"])))
        except (TypeError, ValueError):
            saved_at = None
    return SavedPage(
        payload, "html", "mhtml", str(url).strip() if url else None, saved_at,
        f"text/html; charset={charset}" if charset else None,
    )  # fmt: skip


def read_webarchive(data: bytes) -> SavedPage:
    """Safari's .webarchive: a binary plist; the main resource is the page, subresources are ignored."""
    try:
        archive = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, OverflowError) as exc:
        raise SourceError(f"not a readable webarchive ({exc})") from None
    main = archive.get("WebMainResource") if isinstance(archive, dict) else None
    if not isinstance(main, dict) or not isinstance(main.get("WebResourceData"), bytes):
        raise SourceError("webarchive has no main resource")
    encoding = main.get("WebResourceTextEncodingName")
    mime = str(main.get("WebResourceMIMEType") or "text/html")
    return SavedPage(
        main["WebResourceData"],
        page_format(mime),
        "webarchive",
        str(main.get("WebResourceURL")) if main.get("WebResourceURL") else None,
        None,
        f"{mime}; charset={encoding}" if encoding else None,
    )


def read_html(data: bytes) -> SavedPage:
    """A saved HTML page; a SingleFile or 'saved from url=' comment tells where it came from."""
    singlefile = SINGLEFILE.search(data[:8192])
    if singlefile:
        body = singlefile.group("body")
        url_match = SINGLEFILE_URL.search(body)
        date_match = SINGLEFILE_DATE.search(body)
        saved_at = None
        if date_match:
            moment = datetime.strptime(date_match.group(1).decode(), "%b %d %Y %H:%M:%S")
            sign = 1 if date_match.group(2).startswith(b"+") else -1
            offset = timedelta(hours=int(date_match.group(2)[1:]), minutes=int(date_match.group(3)))
            saved_at = _iso(moment.replace(tzinfo=timezone(sign * offset)))
        url = url_match.group(1).decode("utf-8", "replace") if url_match else None
        return SavedPage(data, "html", "singlefile", url, saved_at)
    saved_from = SAVED_FROM.search(data[:4096])
    url = saved_from.group(1).decode("ascii", "replace") if saved_from else None
    return SavedPage(data, "html", "html", url)


def read_saved(name: str, data: bytes) -> SavedPage:
    """Recognize a saved file by its content (then its name) and read the page inside it."""
    kind = binary_kind(data)
    if kind:
        raise UnsupportedFormatError(f"unsupported format: {kind}")
    head = data[:2048]
    if head.startswith(b"bplist00"):
        return read_webarchive(data)
    if MIME_HEAD.search(head) and b"multipart/related" in head.lower():
        return read_mhtml(data)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    lower_name = name.lower()
    if lower_name.endswith((".mhtml", ".mht")):
        raise UnsupportedFormatError("unsupported format: named MHTML but holds no MIME multipart message")
    if lower_name.endswith(".webarchive"):
        raise UnsupportedFormatError("unsupported format: named webarchive but is not a property list")
    if lower_name.endswith(".txt") and not stripped.startswith(HTML_SNIFF):
        return SavedPage(data, "text", "text")
    if lower_name.endswith((".md", ".markdown")) and not stripped.startswith(HTML_SNIFF):
        return SavedPage(data, "markdown", "markdown")
    return read_html(data)
