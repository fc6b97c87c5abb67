"""Article metadata from the page's own declarations: JSON-LD, OpenGraph, article: and meta tags.

Each reader returns what the page says; choosing between sources happens in ``extract``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from newsarchive.extract.clean import TITLE_SEPARATORS, name_key
from newsarchive.extract.dates import find_visible_dates
from newsarchive.extract.titles import headline_h1, unescape_entities, without_h1_suffix
from newsarchive.text import normalize_space

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
# Words that label a printed date as the first publication, or as a later update.
PUBLISHED_LABEL = re.compile(
    r"(?:first\s+)?(?:published|posted|dated?|issued|veröffentlicht|erschienen|publié|publiée|publicado|"
    r"publicada|pubblicato|gepubliceerd|発行|公開|配信|发布|發布|نشر)",
    re.IGNORECASE,
)
UPDATE_LABEL = re.compile(
    r"(?:last\s+)?(?:updated?|modified|edited|aktualisiert|geändert|mis à jour|modifié|actualizado|"
    r"actualizada|atualizado|aggiornato|bijgewerkt|更新|تحديث|آخر تحديث)",
    re.IGNORECASE,
)
DATE_LABELS = re.compile(f"(?P<updated>{UPDATE_LABEL.pattern})|(?P<published>{PUBLISHED_LABEL.pattern})", re.IGNORECASE)
MAX_DATELINE_CHARS = 200
# Elements whose class or id says they hold the article's own date (not a sidebar's).
DATE_HOLDER_XPATH = (
    ".//*[re:test(concat(@class, ' ', @id), '(^|[-_ ])(date|time|published|posted|byline|dateline|meta)', 'i')]"
)
REGEX_NS = {"re": "http://exslt.org/regular-expressions"}
UPDATE_MARK = re.compile(r"modif|updat", re.IGNORECASE)
# Where other stories' dates and bylines live: lists of links, asides, related widgets.
OTHER_STORIES_XPATH = (
    "ancestor::aside | ancestor::nav | ancestor::footer | ancestor::li | "
    "ancestor::*[re:test(concat(@class, ' ', @id), 'related|sidebar|most-?(read|popular)|teaser|recommend', 'i')]"
)
# Controls and hidden dialogs that an author box carries: "Follow" buttons, a login prompt's "Cancel".
NOT_SHOWN_XPATH = (
    "ancestor-or-self::button | ancestor-or-self::form | ancestor-or-self::dialog | "
    "ancestor-or-self::*[@role='button' or @hidden or @aria-hidden='true' or "
    "contains(translate(@style, ' ', ''), 'display:none')]"
)
BYLINE_SEARCH_BLOCKS = 4
HANDLE = re.compile(r"@\w+")
SITE_HANDLE = re.compile(r"@[\w.]+")
MAX_SITE_NAME_WORDS = 6
SENTENCE_END = re.compile(r"[.!?。！？]$")
# What separates the entries of a keyword list given as a section: 'Politics, Home Page, Popular'.
KEYWORD_LIST_SPLIT = re.compile(r"\s*[,;、，]\s*")
BYLINE_PREFIX = re.compile(
    r"^(?:(?:written\s+)?(?:by|von|par|por|di|door|av|af)(?:\s*:)?\s+|بقلم\s*:?\s*|(?:文|撰文|记者|記者)\s*[／/:：]\s*)",
    re.IGNORECASE,
)
NAME_SUFFIX = re.compile(r"\s*(?:記者|记者|特派員|編集委員)$")
DATE_WORDS = re.compile(
    r"(?:updated|published|posted|today|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b.*", re.IGNORECASE
)
AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\||\sو\s|、)\s*", re.IGNORECASE)
# A credit that names where a text or a picture came from, not who wrote it: "Quelle: dpa",
# "Source: Reuters", "(Image: Getty Images)", "Foto: ...".
CREDIT_LABEL = re.compile(
    r"^[(\[]?\s*(?:quellen?|sources?|fuentes?|fontes?|fotos?|photos?|images?|bilder?|credits?|crédits?|"
    r"pictures?|illustrations?|grafik|video)\s*:",
    re.IGNORECASE,
)
# Words that stand alone in an author box: the byline's "By", buttons such as "Follow".
NOT_NAMES = frozenset(
    {
        "by", "von", "par", "por", "di", "door", "av", "af", "follow", "folgen", "suivre", "seguir", "segui",
        "volgen", "abonnieren", "subscribe", "more", "mehr", "profile", "profil", "author", "autor", "auteur",
        "autore", "email", "e-mail", "share", "teilen", "contact", "kontakt",
    }
)  # fmt: skip
# Initials a newsroom adds after a name: "Jane Doe (jd)", "Jane Doe (AFP)".
NAME_INITIALS = re.compile(r"\s*\((?:[a-z]{2,5}\.?|[A-Z]{2,5})\)$")
# A link given as a name ("https://...", "www.example.com", "facebook.com/somepaper"), and a
# site named by its address ("example.co.uk"), which is the outlet, not a writer.
LINK = re.compile(r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)+/", re.IGNORECASE)
WEB_ADDRESS = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
# Meta tags naming the author, in the order they are trusted; the citation ones write "Family, Given".
AUTHOR_META = ("article:author", "author", "parsely-author", "sailthru.author", "dc.creator", "citation_author")
INVERTED_NAME_META = ("dc.creator", "citation_author")
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


BYLINE_TEXT = re.compile(
    r"^(?:(?:by|posted by|written by|words by|story by|von|par|por|door|di|av|af)(?:\s*:)?\s+|"
    r"(?:كتب|كتبت|بقلم|نویسنده|作者|文|撰文|本报记者|本報記者|记者|記者)\s*[:：／/]?\s*)(?P<names>.+)$",
    re.IGNORECASE,
)
BYLINE_BRACKETS = " （）()〔〕[]【】"
CJK_NAME = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\s]+$")
ARABIC_AND = re.compile(r"\sو(?=\w)")  # "و" joined to the next name: "سلمى الحداد وكريم نصار"
# A Taiwanese or Hong Kong dateline opening the story: 〔記者陳怡君／青溪報導〕.
CJK_DATELINE = re.compile(
    r"^[〔【\[（(]\s*(?:記者|记者)\s*(?P<names>[^／/〕】\])）]{2,20})[／/][^〕】\])）]{0,20}[〕】\])）]"
)
ROLE_WORDS = re.compile(
    r"\b(?:writer|correspondent|reporter|editor|staff|contributor|columnist|bureau|news|redakteur\w*|"
    r"korrespondent\w*|journalist\w*|photographer|agency|agencies|redaktion|rédaction|redacción)\b|"
    r"編輯部|编辑部|編集部|责任编辑|責任編輯|来源|來源",
    re.IGNORECASE,
)
BYLINE_CLASSES = "byline|author|autor|auteur|writer|contributor|signature|firma|storydate|dateline|post-meta"
# A link to a writer's page ("/autoren/jane-doe", "/author/jdoe/") marks its text as the name.
AUTHOR_PAGE = "/(?:autor|autoren|author|authors|auteur|auteurs|autore|autores|journalist|journalisten|redakteur)/"
BYLINE_XPATH = (
    f".//*[@rel='author' or @itemprop='author' or re:test(concat(@class, ' ', @id), '({BYLINE_CLASSES})', 'i')]"
    f" | .//a[re:test(@href, '{AUTHOR_PAGE}', 'i')]"
)
# A class that says its element holds a name ("byline", "author-name", "ContributorName"), so a
# line there needs no "By" to be read as one.
NAME_CLASS = re.compile(r"byline|author|writer|contributor", re.IGNORECASE)
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
    metadata names none. Only the article's own container is searched, not lists of other
    stories. Every element marked as the author (rel, itemprop) counts; otherwise the first
    byline that names someone."""
    containers = tree.xpath("//article | //main | //*[@role='main']") or tree.xpath("//body")
    marked: list[str] = []
    candidates: list[tuple[str, bool]] = []
    for element in containers[0].xpath(BYLINE_XPATH, namespaces=REGEX_NS) if containers else []:
        if element.xpath(OTHER_STORIES_XPATH, namespaces=REGEX_NS) or element.xpath(NOT_SHOWN_XPATH):
            continue
        if element.get("rel") == "author" or element.get("itemprop") == "author" or _links_author_page(element):
            marked += [name for line in element_lines(element) for name in parse_byline(line, labelled=True)]
        else:
            named_by_class = bool(NAME_CLASS.search(element.get("class") or ""))
            candidates += [(line, named_by_class) for line in element_lines(element)]
    if marked:
        return clean_authors(marked)
    candidates += [(block.text, False) for block in list(blocks)[:BYLINE_SEARCH_BLOCKS]]
    for text, labelled in candidates:
        authors = parse_byline(text, labelled)
        if authors:
            return authors
    for block in list(blocks)[:BYLINE_SEARCH_BLOCKS]:
        dateline = CJK_DATELINE.match(block.text)
        if dateline:
            return clean_authors([dateline["names"]])
    return []


def _links_author_page(element: lxml_html.HtmlElement) -> bool:
    return element.tag == "a" and bool(re.search(AUTHOR_PAGE, element.get("href") or "", re.IGNORECASE))


def parse_byline(text: str, labelled: bool = False) -> list[str]:
    """Names in a byline line: 'By Jane Doe, Staff Writer' → ['Jane Doe']. Without a 'By'
    the line counts only when its element is labelled as the author."""
    text = text.strip(BYLINE_BRACKETS)
    if len(text.split()) > BYLINE_MAX_WORDS or CREDIT_LABEL.match(text):
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
        name
        for name in clean_authors([", ".join(parts)])
        if len(name.split()) <= MAX_NAME_WORDS and name[:1].isalpha() and not name[:1].islower()
    ]


def dates_in_text(tree: lxml_html.HtmlElement) -> tuple[str | None, str | None]:
    """(published, modified) as printed near the article: in a date or byline element, or after a
    label such as 'Published' or 'Aktualisiert am'. A date after an update label is the modified
    one, whichever comes first on the page; other stories' dates (sidebars, lists) are not read.
    """
    scopes = [tree.xpath(xpath) for xpath in ("//article", "//main | //*[@role='main']", "//body")]
    published = modified = None
    for scope in (found[0] for found in scopes if found):
        for text in _dateline_texts(scope):
            for position, stamp in find_visible_dates(text):
                labels = [m for m in DATE_LABELS.finditer(text[:position])]
                if labels and labels[-1].lastgroup == "updated":
                    modified = modified or stamp
                else:
                    published = published or stamp
        if published:
            break
    return published, modified


def _dateline_texts(scope: lxml_html.HtmlElement) -> Iterator[str]:
    """Short texts of the elements that hold a date: date/byline elements, then labelled lines."""
    holders = scope.xpath(DATE_HOLDER_XPATH, namespaces=REGEX_NS)
    labelled = [
        node.getparent()
        for node in scope.xpath(".//text()")
        if DATE_LABELS.match(str(node).strip()) and node.getparent() is not None
    ]
    for element in holders + labelled:
        if element.xpath(OTHER_STORIES_XPATH, namespaces=REGEX_NS):
            continue
        text = normalize_space(element.text_content())
        if text and len(text) <= MAX_DATELINE_CHARS:
            yield text


def section_from_url(url: str | None) -> str | None:
    """The URL path's first segment, when it looks like a section name."""
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    if len(segments) >= 2 and segments[0] in KNOWN_SECTIONS:
        return segments[0].replace("-", " ").title() if len(segments[0]) > 3 else segments[0].upper()
    return None


def clean_authors(names: list[str], site_name: str | None = None) -> list[str]:
    """A clean list: no 'By', no 'and', no handles, no links, no job titles, no dates, no
    buttons or picture credits. The site itself (its name, its web address) stays only when
    no one else is named: then the outlet is whom the page credits."""
    result: list[str] = []
    for name in (name for raw in names for name in _author_names(raw)):
        if name.casefold() not in {existing.casefold() for existing in result}:
            result.append(name)
    return [name for name in result if not names_outlet(name, site_name)] or result


def _author_names(raw: str) -> list[str]:
    """The names in one declared or printed author string."""
    raw = normalize_space(raw)
    if CREDIT_LABEL.match(raw):
        return []
    raw = BYLINE_PREFIX.sub("", HANDLE.sub("", raw))
    parts = [BYLINE_PREFIX.sub("", part).strip(" .,-–—|") for part in AUTHOR_SPLIT.split(raw)]
    parts = [name for part in parts for name in _split_joined_names(part)]
    parts = [NAME_INITIALS.sub("", NAME_SUFFIX.sub("", part)).strip() for part in parts if part]
    names = []
    for index, name in enumerate(parts):
        if not name or len(name) > 60 or any(ch.isdigit() for ch in name) or DATE_WORDS.fullmatch(name):
            continue
        if name.casefold() in NOT_NAMES or LINK.match(name):
            continue
        if index and ROLE_WORDS.search(name):
            continue  # "Jane Doe, Staff Writer": the role, not a second author
        names.append(name)
    return names


def _split_joined_names(text: str) -> list[str]:
    """Names that scripts without commas run together: CJK names separated by spaces, and
    Arabic names joined by a "و" written onto the next one (split only when every part still
    looks like a full name, so a name such as وليد stays whole)."""
    if CJK_NAME.match(text):
        return text.split()
    parts = ARABIC_AND.split(text)
    if len(parts) > 1 and all(len(part.split()) >= 2 for part in parts):
        return parts
    return [text]


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
    home = {
        "home", "homepage", "home page", "start", "startseite", "accueil", "inicio", "portada", "início",
        "news", "الرئيسية", "الصفحة الرئيسية", "صفحه اصلی", "ホーム", "トップ", "首页", "首頁", "主页", "主頁",
    }  # fmt: skip
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
    article = _article_node(nodes)

    md = PageMetadata()
    md.is_article = bool(article) or (_first(meta, "og:type") or "").lower() == "article"
    md.og_type = _first(meta, "og:type")
    md.description = _text(article.get("description")) or _first(
        meta, "og:description", "description", "twitter:description"
    )
    md.site_name = _site_name(meta, article, nodes)
    title_element = tree.find(".//title")
    md.html_title = _text(title_element.text_content()) if title_element is not None else None
    md.h1 = headline_h1(tree, md.site_name)
    md.title = _text(article.get("headline")) or without_h1_suffix(_first(meta, "og:title", "twitter:title"), md.h1)
    md.authors, md.outlets = declared_writers(article, _by_id(nodes), meta, md.site_name)
    md.published, md.published_source = _first_found(
        ("json-ld", _text(article.get("datePublished")) or _text(article.get("dateCreated"))),
        ("meta", _first(meta, *PUBLISHED_META)),
        ("time", _article_time(tree)),
    )
    md.modified = _text(article.get("dateModified")) or _first(meta, *MODIFIED_META)

    md.section, md.section_source = _first_found(
        ("json-ld", (_names(article.get("articleSection")) or [None])[0]),
        ("meta", _first(meta, "article:section", "section", "parsely-section")),
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


def _article_node(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return next((node for kind in ARTICLE_TYPES for node in nodes if kind in _types(node)), {})


def _by_id(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}


def _site_name(meta: dict[str, list[str]], article: dict[str, Any], nodes: list[dict[str, Any]]) -> str | None:
    """The first declared site name that is a name as a reader would say it (see site_name_as_said)."""
    publisher = article.get("publisher") if isinstance(article.get("publisher"), dict) else {}
    website = next((n for n in nodes if "WebSite" in _types(n)), {})
    declared = [*meta.get("og:site_name", []), *meta.get("application-name", [])]
    declared += [publisher.get("name"), website.get("name")]
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


def names_outlet(name: str, site_name: str | None) -> bool:
    """Whether an author credit is the site itself: its name, its web address ('mdr.de'), the
    initials of a name of several words ('LTO' for 'Legal Tribune Online'), or a desk of it
    ('MDR THÜRINGEN' for MDR). A credit that starts with the site ('example.com, Springfield')
    is the site's address line."""
    name = name.split(",", 1)[0].strip()
    if WEB_ADDRESS.match(name):
        return True
    if not site_name:
        return False
    site = re.sub(r"\.[a-z]{2,3}$", "", site_name.strip(), flags=re.IGNORECASE)
    site_words, name_words = re.findall(r"\w+", site.casefold()), re.findall(r"\w+", name.casefold())
    initials = "".join(word[0] for word in re.findall(r"\w+", site_name.casefold()))
    if len(initials) >= 2 and name_key(name) == initials:
        return True
    if not site_words or len("".join(site_words)) < 3:
        return False
    return name_key(name) == name_key(site) or _contains_run(name_words, site_words)


def _contains_run(words: list[str], run: list[str]) -> bool:
    """Whether the words hold the run in order, side by side ('Valley News North' holds 'Valley News')."""
    return any(words[start : start + len(run)] == run for start in range(len(words) - len(run) + 1))


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
