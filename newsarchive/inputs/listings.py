"""Listings of articles: RSS, Atom and JSON Feed, (news) sitemaps and sitemap indexes, and the
feeds a home page points to.

Feeds are parsed by feedparser, sitemaps by lxml with entity resolution, DTD loading and network
access turned off. A document that declares XML entities is refused before any parser sees it:
no feed or sitemap needs them, and they are how entity bombs work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

from newsarchive.errors import ListingError
from newsarchive.timestamps import normalize_datetime

ListingKind = Literal["feed", "sitemap", "sitemapindex", "html"]
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")
# Where sites usually keep a feed, tried when a home page links to none.
USUAL_FEED_PATHS = ("/feed/", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/rss/")
XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(rss|RDF|feed|urlset|sitemapindex|html)\b")


@dataclass(frozen=True)
class Item:
    """One article a listing names, with the date it gives (a hint, never the article's date)."""

    url: str
    published: str | None = None


@dataclass(frozen=True)
class Listing:
    kind: ListingKind
    items: list[Item] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # child sitemaps, or the feeds a page names


def read_listing(content: bytes, url: str) -> Listing:
    """What a fetched feed, sitemap or home page lists; raises ListingError saying why not."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return _json_feed(content, url)
    if ENTITY_DECLARATION.search(content[:65536]) or (b"<!DOCTYPE" in head and b"[" in head.split(b">")[0]):
        raise ListingError("refused: the document declares XML entities (an entity bomb, or not a feed)")
    root = XML_ROOT.search(content[:65536])
    kind = root.group(1).decode() if root else None
    if kind in ("urlset", "sitemapindex"):
        return _sitemap(content, url, kind)
    if kind in ("rss", "RDF", "feed"):
        return _feed(content, url)
    if kind == "html" or b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return Listing("html", links=discover_feeds(content, url))
    raise ListingError("not a feed, a sitemap or an HTML page")


def _feed(content: bytes, url: str) -> Listing:
    import feedparser

    parsed = feedparser.parse(content, response_headers={"content-location": url})
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or next(
            (alt.get("href") for alt in entry.get("links", []) if alt.get("rel", "alternate") == "alternate"), None
        )
        if link:
            items.append(Item(urljoin(url, link), _date(entry.get("published") or entry.get("updated"))))
    if parsed.bozo and not items:  # feedparser forgives much; a broken feed that lists nothing is an error
        raise ListingError(f"not a readable feed ({parsed.get('bozo_exception', 'malformed')})")
    return Listing("feed", _web_items(items))


def _json_feed(content: bytes, url: str) -> Listing:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ListingError(f"not a readable JSON Feed ({exc})") from None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise ListingError("JSON, but not a JSON Feed (no jsonfeed.org version)")
    items = []
    for entry in data.get("items") or []:
        if isinstance(entry, dict) and isinstance(entry.get("url") or entry.get("external_url"), str):
            link = entry.get("url") or entry.get("external_url")
            items.append(Item(urljoin(url, link), _date(entry.get("date_published"))))
    return Listing("feed", _web_items(items))


def _sitemap(content: bytes, url: str, kind: str) -> Listing:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"not a readable sitemap ({exc})") from None
    if kind == "sitemapindex":
        links = [
            urljoin(url, loc.strip()) for loc in root.xpath("//*[local-name()='sitemap']/*[local-name()='loc']/text()")
        ]
        return Listing("sitemapindex", links=[link for link in links if _is_web(link)])
    items = []
    for entry in root.xpath("//*[local-name()='url']"):
        loc = entry.xpath("string(*[local-name()='loc'])").strip()
        published = entry.xpath("string(.//*[local-name()='publication_date'])").strip()
        if loc:
            items.append(Item(urljoin(url, loc), _date(published)))
    return Listing("sitemap", _web_items(items))


def discover_feeds(content: bytes, url: str) -> list[str]:
    """The feeds a page names in <link rel="alternate">, in page order."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(content)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    found = []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            href = urljoin(url, link.get("href").strip())
            if _is_web(href) and href not in found:
                found.append(href)
    return found


def usual_feed_urls(url: str) -> list[str]:
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}{path}" for path in USUAL_FEED_PATHS]


def _date(value: object) -> str | None:
    return normalize_datetime(value) if isinstance(value, str) else None


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _web_items(items: list[Item]) -> list[Item]:
    return [item for item in items if _is_web(item.url)]
