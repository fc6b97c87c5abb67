"""The shapes data takes as it flows: source → RawPage → Article → files + index."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from newsarchive.errors import TagError

# 2: date_source names the exact source; section_source and access added. 3: user_tags.
SCHEMA_VERSION = 3

SourceKind = Literal["http", "file"]
# Where the published date came from ("metadata" in schema 1 meant json-ld, meta or time).
DateSource = Literal["json-ld", "meta", "time", "url", "text", "listing", "file", "fetched", "metadata"]
# Where `published` came from when the page stated no date: the day it was saved or fetched.
UNSTATED_DATE_SOURCES = ("file", "fetched")
SectionSource = Literal["json-ld", "meta", "breadcrumbs", "url", "text", "source"]
Access = Literal["free", "paywalled", "truncated"]
# What a match of a stripper rule does besides removing its line: nothing more ('line'), mark
# the article paywalled ('paywall'), take the short link lines after it to the body's end with
# it ('trailing-block'), or that and, as a heading, drop the container it opens with its
# teasers ('related'). Code asks for a role, never for a rule's name.
RuleRole = Literal["line", "paywall", "trailing-block", "related"]
RULE_ROLES: tuple[str, ...] = get_args(RuleRole)
BlockKind = Literal["paragraph", "heading", "list_item", "quote", "image", "preformatted", "table_row"]


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the second (how every timestamp we write looks)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def utf8_safe(text: str) -> str:
    """Text that encodes as UTF-8: bytes of a file name that were not UTF-8 (which Python keeps
    as lone surrogates) become visible escapes such as \\udce9."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def site_of(url: str | None) -> str | None:
    """The site an article belongs to, for per-site statistics: its host without 'www.'."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


MAX_TAG_CHARS = 100
TAG_SEPARATORS = ",;"  # how lists of tags are written out (CSV), so never inside one


def normalize_tag(tag: str) -> str:
    """The one spelling of a user's tag: Unicode NFC, lower case, whitespace trimmed and each
    inner run of it one space, so 'Climate  Change' and 'climate change' are the same tag."""
    normal = " ".join(unicodedata.normalize("NFC", tag).split()).lower()
    if not normal:
        raise TagError(f"empty tag {tag!r}")
    if len(normal) > MAX_TAG_CHARS:
        raise TagError(f"tag {normal[:20]!r}… is longer than {MAX_TAG_CHARS} characters")
    if any(char in TAG_SEPARATORS or unicodedata.category(char) == "Cc" for char in normal):
        raise TagError(f"tag {normal!r} holds a comma, a semicolon or a control character (give tags one by one)")
    return normal


def user_tags_of(value: object) -> list[str]:
    """An article file's user_tags as the index keeps them: distinct normalized tags, sorted;
    anything but a list of tags is refused."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise TagError("field 'user_tags' is not a list of strings")
    return sorted({normalize_tag(tag) for tag in value})


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class HttpExchange:
    """The request sent and the response's status line and headers, as they went over the wire."""

    status: int
    reason: str
    request_headers: tuple[tuple[str, str], ...]
    response_headers: tuple[tuple[str, str], ...]


def page_format(content_type: str | None) -> str:
    """A RawPage's `format` for a declared media type: text/plain is a text save, not HTML;
    anything else (or nothing) is parsed as HTML. Fetched pages, pages read back from the raw
    store and Safari's webarchives all ask this."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return "text" if media_type == "text/plain" else "html"


@dataclass(frozen=True)
class RawPage:
    """Bytes as they arrived, plus what we know about where they came from."""

    content: bytes
    kind: SourceKind
    location: str  # the URL asked for, or the file path
    format: str  # html | text
    url: str | None = None  # final URL after redirects, or the URL recovered from a saved file
    content_type: str | None = None  # HTTP Content-Type header, when fetched
    fetched_at: str | None = None  # ISO 8601, UTC
    file_mtime: str | None = None  # ISO 8601, UTC, for saved files
    file_format: str | None = None  # what a saved file was: html | singlefile | mhtml | webarchive | text
    saved_at: str | None = None  # when the browser saved it, if the file records that
    etag: str | None = None  # HTTP validators, for the next conditional request
    last_modified: str | None = None
    listed_date: str | None = None  # the date a feed or news sitemap gave the link: a hint
    listed_section: str | None = None  # the section of the source that listed it: a fallback
    http: HttpExchange | None = None  # for a fetched page: what to keep in the raw WARC record
    # A saved file's own bytes when the page had to be unwrapped, or a fetched body as it came
    # over the wire when it was content-encoded: what the raw WARC record keeps.
    original: bytes | None = None

    @cached_property
    def sha256(self) -> str:
        """Computed once, and travels with the page from a worker to the writer."""
        return sha256_hex(self.content)


@dataclass(frozen=True)
class Block:
    """One piece of an article body, in document order."""

    kind: BlockKind
    text: str
    level: int = 2  # heading level, for kind == "heading"
    alt: str | None = None  # alt text, for kind == "image" (its text is the caption)
    src: str | None = None  # image URL, for kind == "image"


@dataclass(frozen=True)
class StripRule:
    """A whole-line rule of the boilerplate stripper, as data: a packaged one or the user's."""

    name: str
    pattern: str  # a case-blind regular expression for a whole trimmed line
    role: RuleRole = "line"


@dataclass
class Article:
    """The one normalized shape every stage after extraction works on."""

    id: str
    url: str | None
    canonical_url: str | None
    title: str
    description: str | None
    authors: list[str]
    published: str | None
    modified: str | None
    date_source: DateSource | None
    section: str | None
    section_slug: str
    categories: list[str]
    tags: list[str]
    site_name: str | None
    language: str | None
    image: str | None
    images: list[dict[str, str | None]]
    text: str
    markdown: str
    word_count: int
    content_sha256: str
    source: dict[str, Any]
    extractor: dict[str, str]
    section_source: SectionSource | None = None
    access: Access = "free"
    # Lines removed as this site's learned boilerplate, kept so the index can recount them.
    boilerplate: list[str] = field(default_factory=list)
    # The reader's own tags (`newsarchive tag`), kept apart from the page's `tags`.
    user_tags: list[str] = field(default_factory=list)
    version: int = 1
    archived_at: str | None = None
    schema_version: int = field(default=SCHEMA_VERSION)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """An article from its JSON form; a file older than user tags has none. Raises TypeError
        for missing fields, TagError (a ValueError) for user tags that are not tags."""
        known = {f for f in cls.__dataclass_fields__}
        fields = {k: v for k, v in data.items() if k in known}
        fields["user_tags"] = user_tags_of(data.get("user_tags", []))
        return cls(**fields)
