"""Article metadata from the page's own declarations: JSON-LD, OpenGraph, article: and meta tags.

Each reader returns what the page says; choosing between sources happens in ``article``. The
names a page prints in a byline are read in ``bylines``, the dates it prints in ``dates``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from newsarchive.extract.bylines import clean_authors, names_outlet
from newsarchive.extract.clean import TITLE_SEPARATORS
from newsarchive.extract.dates import UPDATE_LABEL
from newsarchive.extract.rules import (
    ARTICLE_TYPES,
    AUTHOR_META,
    DESCRIPTION_META,
    HOME_CRUMBS,
    IMAGE_META,
    INVERTED_NAME_META,
    LANGUAGE_META,
    MODIFIED_META,
    OTHER_STORIES_XPATH,
    PUBLISHED_META,
    REGEX_NS,
    SECTION_META,
    TAG_META,
    TITLE_META,
)
from newsarchive.extract.titles import headline_h1, unescape_entities, without_h1_suffix
from newsarchive.text import normalize_space

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
UPDATE_MARK = re.compile(r"modif|updat", re.IGNORECASE)
SITE_HANDLE = re.compile(r"@[\w.]+")
MAX_SITE_NAME_WORDS = 6
SENTENCE_END = re.compile(r"[.!?。！？]$")
# What separates the entries of a keyword list given as a section: 'Politics, Home Page, Popular'.
KEYWORD_LIST_SPLIT = re.compile(r"\s*[,;、，]\s*")
INVERTED_NAME = re.compile(r"^(?P<family>[^,]{2,40}),\s*(?P<given>[^,]{2,40})$")


@dataclass
class PageMetadata:
    """What the page declares about itself; every field optional."""

    title: str | None = None
    html_title: str | None = None
    h1: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    # The outlet credited as author where no writer is declared ('DER SPIEGEL'): the author of
    # last resort, when no byline names anyone either.
    outlets: list[str] = field(default_factory=list)
    published: str | None = None
    published_source: str | None = None  # json-ld | meta | time
    modified: str | None = None
    section: str | None = None
    section_source: str | None = None  # json-ld | meta
    breadcrumbs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    og_url: str | None = None
    image: str | None = None
    og_type: str | None = None
    is_article: bool = False  # the page declares an article type in JSON-LD or og:type
    paywalled: bool = False  # isAccessibleForFree false, or a locked content tier
    claimed_words: int | None = None  # the page's own wordCount


def _text(value: Any) -> str | None:
    """A declared string value, whitespace-normalized, with entities a CMS escaped twice decoded."""
    if isinstance(value, str):
        cleaned = normalize_space(unescape_entities(value))
        return cleaned or None
    return None


def _names(value: Any, by_id: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Names out of a JSON-LD value that may be a string, an object, an {"@id"} reference to
    another node of the page's graph, or a list of any of these."""
    return [name for name, _ in _credits(value, by_id)]


def _credits(value: Any, by_id: dict[str, dict[str, Any]] | None = None) -> list[tuple[str, bool]]:
    """(name, is an organization) for each entry of a JSON-LD author value. A Person may give
    only givenName and familyName; an Organization author is the outlet, not a writer."""
    if isinstance(value, list):
        return [credit for item in value for credit in _credits(item, by_id)]
    if isinstance(value, dict):
        if "name" not in value and by_id and isinstance(value.get("@id"), str):
            value = by_id.get(value["@id"], value)
        name = _text(value.get("name")) or _text(
            " ".join(part for part in (value.get("givenName"), value.get("familyName")) if isinstance(part, str))
        )
        return [(name, any(kind.endswith("Organization") for kind in _types(value)))] if name else []
    text = _text(value)
    return [(text, False)] if text else []


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


def section_from_url(url: str | None) -> str | None:
    """The URL path's first segment, when it looks like a section name."""
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    if len(segments) >= 2 and segments[0] in KNOWN_SECTIONS:
        return segments[0].replace("-", " ").title() if len(segments[0]) > 3 else segments[0].upper()
    return None


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
    for container in _breadcrumb_containers(tree):
        names = [normalize_space(a.text_content()) for a in container.iter("a")]
        names = [n for n in names if n]
        if names:
            return names
    return []


def _breadcrumb_containers(tree: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    """Elements whose class or aria-label says breadcrumb (in any case), in page order. The
    attribute values are tested here: XPath's translate() over every element took twice as long."""
    seen = set()
    for value in tree.xpath("//@class | //@aria-label"):
        if "breadcrumb" in value.lower() and (element := value.getparent()) not in seen:
            seen.add(element)
            yield element


def section_from_breadcrumbs(crumbs: list[str], title: str | None) -> str | None:
    for crumb in crumbs:
        if crumb.casefold() in HOME_CRUMBS or (title and crumb.casefold() == title.casefold()):
            continue
        if len(crumb) <= 40:
            return crumb
    return None


def read_metadata(tree: lxml_html.HtmlElement, url: str | None = None) -> PageMetadata:
    """Collect what the page declares, JSON-LD first, then OpenGraph/article:, then plain meta."""
    nodes = _json_ld_nodes(tree)
    meta = _meta(tree)
    article = _article_node(nodes)

    md = PageMetadata()
    md.is_article = bool(article) or (_first(meta, "og:type") or "").lower() == "article"
    md.og_type = _first(meta, "og:type")
    md.description = _text(article.get("description")) or _first(meta, *DESCRIPTION_META)
    md.site_name = _site_name(meta, article, nodes)
    title_element = tree.find(".//title")
    md.html_title = _text(title_element.text_content()) if title_element is not None else None
    md.h1 = headline_h1(tree, md.site_name)
    md.title = _text(article.get("headline")) or without_h1_suffix(_first(meta, *TITLE_META), md.h1)
    md.authors, md.outlets = declared_writers(article, _by_id(nodes), meta, md.site_name)
    md.published, md.published_source = _first_found(
        ("json-ld", _text(article.get("datePublished")) or _text(article.get("dateCreated"))),
        ("meta", _first(meta, *PUBLISHED_META)),
        ("time", _article_time(tree)),
    )
    md.modified = _text(article.get("dateModified")) or _first(meta, *MODIFIED_META)

    md.section, md.section_source = _first_found(
        ("json-ld", (_names(article.get("articleSection")) or [None])[0]),  # type: ignore[list-item]
        ("meta", _first(meta, *SECTION_META)),
    )
    md.breadcrumbs = _breadcrumbs(tree, nodes)
    if md.section and len(keywords := KEYWORD_LIST_SPLIT.split(md.section)) > 1:
        crumb = section_from_breadcrumbs(md.breadcrumbs, md.title)
        md.section, md.section_source = (crumb, "breadcrumbs") if crumb else (keywords[0], md.section_source)
    free = article.get("isAccessibleForFree")
    tier = (_first(meta, "article:content_tier") or "").lower()
    md.paywalled = str(free).strip().lower() == "false" or tier == "locked"
    claimed = article.get("wordCount")
    md.claimed_words = int(claimed) if isinstance(claimed, int | str) and str(claimed).strip().isdigit() else None

    keywords = article.get("keywords")  # type: ignore[assignment]
    tags = next((meta[key] for key in TAG_META if meta.get(key)), [])
    if isinstance(keywords, list):
        tags = [k for k in keywords if isinstance(k, str)]
    elif isinstance(keywords, str):
        tags = [keywords]
    md.tags = _unique(t for tag in tags for t in re.split(r"\s*[,;]\s*", tag))

    language = _text(article.get("inLanguage")) or tree.get("lang") or tree.get("xml:lang")
    language = language or _first(meta, *LANGUAGE_META)
    md.language = normalize_language(language)

    canonical = tree.xpath('//link[translate(@rel,"CANOICAL","canoical")="canonical"]/@href')
    md.canonical_url = _absolute(canonical[0], url) if canonical else None
    md.og_url = _absolute(_first(meta, "og:url") or "", url)
    url = url or md.canonical_url or md.og_url  # a saved file's relative links resolve against its own URL
    md.image = _absolute(_first(meta, *IMAGE_META) or _first_url(article.get("image")) or "", url)
    return md


def _article_node(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return next((node for kind in ARTICLE_TYPES for node in nodes if kind in _types(node)), {})


def _by_id(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}


def _site_name(meta: dict[str, list[str]], article: dict[str, Any], nodes: list[dict[str, Any]]) -> str | None:
    """The first declared site name that is a name as a reader would say it (see site_name_as_said)."""
    publisher = article.get("publisher") if isinstance(article.get("publisher"), dict) else {}
    website = next((n for n in nodes if "WebSite" in _types(n)), {})
    declared = [*meta.get("og:site_name", []), *meta.get("application-name", [])]
    declared += [publisher.get("name"), website.get("name")]  # type: ignore[union-attr, list-item]
    return next((name for name in map(site_name_as_said, map(_text, declared)) if name), None)


def site_name_as_said(declared: str | None) -> str | None:
    """A declared site name as a reader says it: the name before a tagline ('LinkNaija' for
    'LinkNaija | Nigeria's popular news platform'), and no name at all for a social-media
    handle ('@politifact') or a sentence, so that the next declaration, or the site's domain,
    names the site instead."""
    if not declared or SITE_HANDLE.fullmatch(declared):
        return None
    name = TITLE_SEPARATORS.split(declared, maxsplit=1)[0].strip()
    words = len(name.split())
    if words > MAX_SITE_NAME_WORDS or (words > 3 and SENTENCE_END.search(name)):
        return None
    return name or None


def declared_writers(
    article: dict[str, Any], by_id: dict[str, dict[str, Any]], meta: dict[str, list[str]], site_name: str | None
) -> tuple[list[str], list[str]]:
    """(writers, outlets) the page credits: the first source, JSON-LD author then the author meta
    tags, that names a person. An Organization author, or one that is the site under any
    spelling ('mdr.de' for MDR), is the outlet: kept apart, for pages that name no one else."""
    outlets: list[str] = []
    for credits in [_credits(article.get("author"), by_id)] + [_meta_credits(meta, key) for key in AUTHOR_META]:
        writers = [name for name, is_outlet in credits if not is_outlet and not names_outlet(name, site_name)]
        outlets = outlets or [name for name, is_outlet in credits if is_outlet or names_outlet(name, site_name)]
        writers = clean_authors(writers, site_name)
        if writers:
            return writers, []
    return [], clean_authors(outlets)


def _meta_credits(meta: dict[str, list[str]], key: str) -> list[tuple[str, bool]]:
    """A meta tag's authors as (name, False); 'Family, Given' turned round where the tag is a
    citation one that always writes names so."""
    values = meta.get(key, [])
    if key in INVERTED_NAME_META:
        values = [INVERTED_NAME.sub(r"\g<given> \g<family>", value.strip()) for value in values]
    return [(value, False) for value in values]


def _first_found(*candidates: tuple[str, str | None]) -> tuple[str | None, str | None]:
    """The first (value, where it came from) that has a value."""
    return next(((value, source) for source, value in candidates if value), (None, None))


def _article_time(tree: lxml_html.HtmlElement) -> str | None:
    """The article's own <time datetime>: inside <article> (or <main> when there is none), not
    in a list of other stories, and not one marked as the update time."""
    scopes = tree.xpath("//article") or tree.xpath("//main | //*[@role='main']") or tree.xpath("//body")
    for scope in scopes[:1]:
        for element in scope.xpath(".//time[@datetime]"):
            if element.xpath(OTHER_STORIES_XPATH, namespaces=REGEX_NS):
                continue
            marks = " ".join(element.get(name) or "" for name in ("class", "itemprop", "id"))
            if UPDATE_MARK.search(marks) or UPDATE_LABEL.search(_label_before(element)):
                continue
            return element.get("datetime")
    return None


def _label_before(element: lxml_html.HtmlElement) -> str:
    """The text just before an element in its parent ('Updated:' in 'Updated: <time>')."""
    previous = element.getprevious()
    text = (previous.tail if previous is not None else element.getparent().text) or ""
    return text[-30:]


# ISO 639-2/3 codes of languages that have a two-letter ISO 639-1 code (both the B and T forms).
ISO_639_2_TO_1 = {
    "ara": "ar", "ben": "bn", "bul": "bg", "cat": "ca", "ces": "cs", "cze": "cs", "chi": "zh", "zho": "zh",
    "dan": "da", "deu": "de", "ger": "de", "dut": "nl", "nld": "nl", "ell": "el", "gre": "el", "eng": "en",
    "est": "et", "fas": "fa", "per": "fa", "fin": "fi", "fra": "fr", "fre": "fr", "heb": "he", "hin": "hi",
    "hrv": "hr", "hun": "hu", "ind": "id", "ita": "it", "jpn": "ja", "kor": "ko", "lav": "lv", "lit": "lt",
    "may": "ms", "msa": "ms", "nor": "no", "nob": "nb", "nno": "nn", "pol": "pl", "por": "pt", "ron": "ro",
    "rum": "ro", "rus": "ru", "slk": "sk", "slo": "sk", "slv": "sl", "spa": "es", "srp": "sr", "swa": "sw",
    "swe": "sv", "tha": "th", "tur": "tr", "ukr": "uk", "urd": "ur", "vie": "vi", "xho": "xh", "zul": "zu",
    "afr": "af", "sqi": "sq", "alb": "sq", "tgl": "tl", "mal": "ml", "tam": "ta", "tel": "te",
}  # fmt: skip
# Country codes written where a language code belongs ('jp' for Japanese). Only codes that are
# no language's code, or (kr: Kanuri) one that no news site declares, are turned round.
COUNTRY_FOR_LANGUAGE = {"kr": "ko", "jp": "ja", "cn": "zh", "gr": "el", "dk": "da", "ua": "uk", "cz": "cs"}


def normalize_language(value: str | None) -> str | None:
    """A BCP 47 tag with its primary subtag as ISO 639-1 where one exists: 'en_US' → 'en-US',
    'DE' → 'de', 'eng' → 'en', 'ger' → 'de', and 'jp' (Japan) → 'ja'."""
    if not value:
        return None
    parts = value.strip().replace("_", "-").split("-")
    if not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return None
    primary = parts[0].lower()
    primary = ISO_639_2_TO_1.get(primary) or COUNTRY_FOR_LANGUAGE.get(primary) or primary
    return "-".join([primary] + [p.upper() if len(p) == 2 else p for p in parts[1:2]])


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
