"""Article metadata from the page's own declarations: JSON-LD, OpenGraph, article: and meta tags.

Each reader returns what the page says; choosing between sources happens in ``extract``.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from newsarchive.clean import normalize_space

ARTICLE_TYPES = (
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "LiveBlogPosting",
    "Article",
    "BlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "SocialMediaPosting",
)
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "cxenseparse:recs:publishtime",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "article.updated",
)
# First path segments that name a section rather than a slug or a year.
KNOWN_SECTIONS = frozenset(
    {
        "world",
        "business",
        "sport",
        "sports",
        "politics",
        "science",
        "technology",
        "tech",
        "health",
        "culture",
        "arts",
        "entertainment",
        "opinion",
        "environment",
        "climate",
        "economy",
        "money",
        "markets",
        "travel",
        "lifestyle",
        "education",
        "local",
        "national",
        "us",
        "uk",
        "europe",
        "asia",
        "africa",
        "americas",
        "middle-east",
        "australia",
        "media",
        "food",
        "style",
        "books",
        "music",
        "film",
        "tv",
        "society",
        "law",
        "crime",
        "weather",
        "finance",
        "investigations",
        "features",
        "nation",
        "region",
        "metro",
    }
)
URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0?[1-9]|1[0-2])[/-](?P<d>0?[1-9]|[12]\d|3[01])(?:/|\b)")
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
VISIBLE_DATE = re.compile(
    rf"\b(?:{_MONTH}\.? \d{{1,2}},? \d{{4}}|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}\.?,? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
DATE_LABEL = re.compile(r"^\s*(?:first\s+)?(?:published|posted|dated?)\b", re.IGNORECASE)
UPDATE_LABEL = re.compile(r"\b(?:updated|modified|edited)\b", re.IGNORECASE)
# Elements whose class or id says they hold the article's own date (not a sidebar's).
DATE_HOLDER_XPATH = (
    ".//*[re:test(concat(@class, ' ', @id), '(^|[-_ ])(date|time|published|posted|byline|dateline|meta)', 'i')]"
)
REGEX_NS = {"re": "http://exslt.org/regular-expressions"}
BYLINE_SEARCH_BLOCKS = 4
# Zone abbreviations news sites print; dateutil knows none of them by itself.
ZONE_OFFSETS = {
    name: int(hours * 3600)
    for name, hours in {
        "UTC": 0,
        "GMT": 0,
        "Z": 0,
        "BST": 1,
        "CET": 1,
        "CEST": 2,
        "EET": 2,
        "EEST": 3,
        "MSK": 3,
        "IST": 5.5,
        "JST": 9,
        "KST": 9,
        "AEST": 10,
        "AEDT": 11,
        "EST": -5,
        "EDT": -4,
        "CST": -6,
        "CDT": -5,
        "MST": -7,
        "MDT": -6,
        "PST": -8,
        "PDT": -7,
    }.items()
}
HANDLE = re.compile(r"@\w+")
BYLINE_PREFIX = re.compile(r"^(?:written\s+)?(?:by|von|par|por|di|door|av|af)\s+", re.IGNORECASE)
AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)


@dataclass
class PageMetadata:
    """What the page declares about itself; every field optional."""

    title: str | None = None
    html_title: str | None = None
    h1: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    section: str | None = None
    breadcrumbs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    og_url: str | None = None
    image: str | None = None
    og_type: str | None = None
    is_article: bool = False  # the page declares an article type in JSON-LD or og:type


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        cleaned = normalize_space(value)
        return cleaned or None
    return None


def _names(value: Any) -> list[str]:
    """Names out of a JSON-LD value that may be a string, an object or a list of either."""
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, dict):
        name = _text(value.get("name"))
        return [name] if name else []
    text = _text(value)
    return [text] if text else []


def _first_url(value: Any) -> str | None:
    if isinstance(value, list):
        return next((u for u in map(_first_url, value) if u), None)
    if isinstance(value, dict):
        return _text(value.get("url")) or _text(value.get("contentUrl"))
    return _text(value)


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type", [])
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def _json_ld_nodes(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """Every object in the page's JSON-LD, flattened out of lists and @graph."""
    nodes: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[)|(-->|//\s*\]\]>)\s*$", "", raw)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                nodes.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
    return nodes


def _meta(tree: lxml_html.HtmlElement) -> dict[str, list[str]]:
    """All <meta> values by lower-cased property/name/itemprop."""
    found: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        value = element.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), []).append(value.strip())
    for element in tree.xpath("//*[@itemprop][@datetime]"):
        found.setdefault(element.get("itemprop").lower(), []).append(element.get("datetime").strip())
    return found


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, []):
            text = _text(value)
            if text:
                return text
    return None


def normalize_datetime(value: str | None, not_after: datetime | None = None) -> str | None:
    """ISO 8601 text for a date or datetime, keeping its timezone; None if unreadable or future."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            from dateutil import parser as date_parser

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an unknown zone name leaves the time naive
                parsed = date_parser.parse(value, tzinfos=ZONE_OFFSETS)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.year < 1990:
        return None
    limit = not_after or datetime.now(UTC)
    comparable = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if comparable > limit.replace(microsecond=0) and comparable.date() > limit.date():
        return None
    date_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    if date_only:
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def date_from_url(url: str | None) -> str | None:
    """A /YYYY/MM/DD/ date in a URL path."""
    if not url:
        return None
    match = URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime(int(match["y"]), int(match["m"]), int(match["d"])).date().isoformat()
    except ValueError:
        return None


BYLINE_TEXT = re.compile(
    r"^(?:by|posted by|written by|words by|story by|von|par|por|door|di|av|af)\s+(?P<names>.+)$", re.IGNORECASE
)
ROLE_WORDS = re.compile(
    r"\b(?:writer|correspondent|reporter|editor|staff|contributor|columnist|bureau|news|redakteur\w*|"
    r"korrespondent\w*|journalist\w*|photographer|agency|agencies)\b",
    re.IGNORECASE,
)
BYLINE_XPATH = (
    ".//*[@rel='author' or @itemprop='author' or "
    "re:test(concat(@class, ' ', @id), '(byline|author|storydate|dateline|post-meta)', 'i')]"
)
MAX_NAME_WORDS = 5
BYLINE_MAX_WORDS = 15


def element_lines(element: lxml_html.HtmlElement, breaks: tuple[str, ...] = ("br",)) -> list[str]:
    """An element's text as lines, breaking at <br> (or the given tags)."""
    parts: list[str] = []
    for node in element.iter():
        if node.tag in breaks:
            parts.append("\n")
        elif node.text and isinstance(node.tag, str):
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    lines = (normalize_space(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def byline_authors(tree: lxml_html.HtmlElement, blocks: Sequence[Any] = ()) -> list[str]:
    """Authors named in a visible byline ('By Jane Doe, Staff Writer'), for pages whose
    metadata names none. Only the article's own container is searched."""
    containers = tree.xpath("//article | //main | //*[@role='main']") or tree.xpath("//body")
    candidates: list[tuple[str, bool]] = []
    if containers:
        for element in containers[0].xpath(BYLINE_XPATH, namespaces=REGEX_NS):
            labelled = element.get("rel") == "author" or element.get("itemprop") == "author"
            candidates += [(line, labelled) for line in element_lines(element)]
    candidates += [(block.text, False) for block in list(blocks)[:BYLINE_SEARCH_BLOCKS]]
    for text, labelled in candidates:
        authors = parse_byline(text, labelled)
        if authors:
            return authors
    return []


def parse_byline(text: str, labelled: bool = False) -> list[str]:
    """Names in a byline line: 'By Jane Doe, Staff Writer' → ['Jane Doe']. Without a 'By'
    the line counts only when its element is labelled as the author."""
    if len(text.split()) > BYLINE_MAX_WORDS:
        return []
    match = BYLINE_TEXT.match(text)
    if not match and not labelled:
        return []
    names = match["names"] if match else text
    parts = [
        part
        for part in re.split(r"\s*[,|•·—–]\s*", names)
        if part and not ROLE_WORDS.search(part) and not any(ch.isdigit() for ch in part)
    ]
    return [
        name for name in clean_authors([", ".join(parts)]) if len(name.split()) <= MAX_NAME_WORDS and name[:1].isupper()
    ]


def date_from_text(tree: lxml_html.HtmlElement) -> str | None:
    """A date printed near the article: in a date/byline element, or after 'Published'.

    Only the article's own container is searched, so a sidebar of other stories' dates is not.
    """
    containers = tree.xpath("//article | //main | //*[@role='main']") or tree.xpath("//body")
    if not containers:
        return None
    container = containers[0]
    candidates = [
        normalize_space(element.text_content()) for element in container.xpath(DATE_HOLDER_XPATH, namespaces=REGEX_NS)
    ]
    candidates += [normalize_space(text) for text in container.xpath(".//text()") if DATE_LABEL.match(str(text))]
    for text in candidates:
        if not text or len(text) > 160 or (UPDATE_LABEL.search(text) and not DATE_LABEL.match(text)):
            continue
        match = VISIBLE_DATE.search(text)
        if match:
            found = normalize_datetime(match.group(0))
            if found:
                return found[:10]
    return None


def section_from_url(url: str | None) -> str | None:
    """The URL path's first segment, when it looks like a section name."""
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    if len(segments) >= 2 and segments[0] in KNOWN_SECTIONS:
        return segments[0].replace("-", " ").title() if len(segments[0]) > 3 else segments[0].upper()
    return None


def clean_authors(names: list[str], site_name: str | None = None) -> list[str]:
    """A clean list: no 'By', no 'and', no handles, no site name, no duplicates."""
    site_key = re.sub(r"\W+", "", site_name.casefold()) if site_name else None
    result: list[str] = []
    for raw in names:
        if raw.startswith(("http://", "https://")):
            continue
        raw = HANDLE.sub("", normalize_space(raw))
        raw = BYLINE_PREFIX.sub("", raw)
        for name in AUTHOR_SPLIT.split(raw):
            name = BYLINE_PREFIX.sub("", name).strip(" .,-–—|")
            if not name or len(name) > 60 or any(ch.isdigit() for ch in name):
                continue
            if site_key and re.sub(r"\W+", "", name.casefold()) == site_key:
                continue
            if name.casefold() not in {existing.casefold() for existing in result}:
                result.append(name)
    return result


def _breadcrumbs(tree: lxml_html.HtmlElement, nodes: list[dict[str, Any]]) -> list[str]:
    for node in nodes:
        if "BreadcrumbList" in _types(node):
            items = node.get("itemListElement") or []
            items = sorted(
                (i for i in items if isinstance(i, dict)),
                key=lambda i: i.get("position", 0) if isinstance(i.get("position"), int) else 0,
            )
            names = []
            for item in items:
                name = _text(item.get("name")) or (
                    _text(item["item"].get("name")) if isinstance(item.get("item"), dict) else None
                )
                if name:
                    names.append(name)
            if names:
                return names
    containers = tree.xpath(
        '//*[contains(translate(@class,"BREADCRUMB","breadcrumb"),"breadcrumb") or '
        'contains(translate(@aria-label,"BREADCRUMB","breadcrumb"),"breadcrumb")]'
    )
    for container in containers:
        names = [normalize_space(a.text_content()) for a in container.iter("a")]
        names = [n for n in names if n]
        if names:
            return names
    return []


def section_from_breadcrumbs(crumbs: list[str], title: str | None) -> str | None:
    home = {"home", "homepage", "start", "startseite", "accueil", "inicio", "news"}
    for crumb in crumbs:
        if crumb.casefold() in home or (title and crumb.casefold() == title.casefold()):
            continue
        if len(crumb) <= 40:
            return crumb
    return None


def read_metadata(tree: lxml_html.HtmlElement, url: str | None = None) -> PageMetadata:
    """Collect what the page declares, JSON-LD first, then OpenGraph/article:, then plain meta."""
    nodes = _json_ld_nodes(tree)
    meta = _meta(tree)
    article = next((node for kind in ARTICLE_TYPES for node in nodes if kind in _types(node)), {})
    publisher = article.get("publisher") if isinstance(article.get("publisher"), dict) else {}
    website = next((n for n in nodes if "WebSite" in _types(n)), {})

    md = PageMetadata()
    md.is_article = bool(article) or (_first(meta, "og:type") or "").lower() == "article"
    md.og_type = _first(meta, "og:type")
    md.title = _text(article.get("headline")) or _first(meta, "og:title", "twitter:title")
    title_element = tree.find(".//title")
    md.html_title = normalize_space(title_element.text_content()) if title_element is not None else None
    h1 = tree.find(".//h1")
    md.h1 = normalize_space(h1.text_content()) if h1 is not None else None
    md.description = _text(article.get("description")) or _first(
        meta, "og:description", "description", "twitter:description"
    )
    md.site_name = (
        _first(meta, "og:site_name", "application-name") or _text(publisher.get("name")) or _text(website.get("name"))
    )
    md.authors = clean_authors(
        _names(article.get("author"))
        or [a for a in meta.get("article:author", []) if not a.startswith("http")]
        or meta.get("author", [])
        or meta.get("parsely-author", [])
        or meta.get("sailthru.author", []),
        md.site_name,
    )
    md.published = _text(article.get("datePublished")) or _first(meta, *PUBLISHED_META)
    md.modified = _text(article.get("dateModified")) or _first(meta, *MODIFIED_META)
    if md.published is None:
        time_element = tree.xpath("(//article//time[@datetime] | //main//time[@datetime])[1]")
        if time_element:
            md.published = time_element[0].get("datetime")

    section = article.get("articleSection")
    md.section = (_names(section) or [None])[0] if section else None
    md.section = md.section or _first(meta, "article:section", "section", "parsely-section")
    md.breadcrumbs = _breadcrumbs(tree, nodes)

    keywords = article.get("keywords")
    tags = meta.get("article:tag", []) or meta.get("news_keywords", []) or meta.get("keywords", [])
    if isinstance(keywords, list):
        tags = [k for k in keywords if isinstance(k, str)]
    elif isinstance(keywords, str):
        tags = [keywords]
    md.tags = _unique(t for tag in tags for t in re.split(r"\s*[,;]\s*", tag))

    language = _text(article.get("inLanguage")) or tree.get("lang") or tree.get("xml:lang")
    language = language or _first(meta, "og:locale", "content-language", "language")
    md.language = normalize_language(language)

    canonical = tree.xpath('//link[translate(@rel,"CANOICAL","canoical")="canonical"]/@href')
    md.canonical_url = _absolute(canonical[0], url) if canonical else None
    md.og_url = _absolute(_first(meta, "og:url") or "", url)
    url = url or md.canonical_url or md.og_url  # a saved file's relative links resolve against its own URL
    md.image = _absolute(
        _first(meta, "og:image", "og:image:url", "twitter:image") or _first_url(article.get("image")) or "", url
    )
    return md


def normalize_language(value: str | None) -> str | None:
    """'en_US' → 'en-US', 'DE' → 'de'."""
    if not value:
        return None
    parts = value.strip().replace("_", "-").split("-")
    if not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return None
    return "-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p for p in parts[1:2]])


def _absolute(value: str, base: str | None) -> str | None:
    value = value.strip()
    if not value:
        return None
    joined = urljoin(base, value) if base else value
    return joined if urlsplit(joined).scheme in ("http", "https") else None


def _unique(values: Any) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        value = normalize_space(value)
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())
