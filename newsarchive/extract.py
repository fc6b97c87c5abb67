"""Raw page → Article: body from trafilatura (with fallbacks), metadata from the page, junk stripped.

This is the one function both ``fetch`` and ``import`` go through, so the same page gives the
same article whichever way it arrived.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from newsarchive import __version__
from newsarchive.clean import TITLE_SEPARATORS, Removal, Stripper, normalize_space, split_title
from newsarchive.encoding import decode
from newsarchive.errors import ExtractionError
from newsarchive.formats import BINARY_CONTROL_SHARE, BINARY_SAMPLE_BYTES, binary_kind
from newsarchive.metadata import (
    REGEX_NS,
    PageMetadata,
    byline_authors,
    clean_authors,
    date_from_text,
    date_from_url,
    element_lines,
    normalize_datetime,
    parse_byline,
    read_metadata,
    section_from_breadcrumbs,
    section_from_url,
)
from newsarchive.model import Article, Block, RawPage, sha256_hex
from newsarchive.render import render_markdown, slugify
from newsarchive.textsave import parse_markdown_save, parse_text_save

MAX_PARSE_CHARS = 20_000_000
# As trafilatura parses for itself: comments and processing instructions would otherwise reach
# its extractor as text nodes (what a saved file's comments say is read from its bytes).
HTML_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
BYLINE_MAX_WORDS = 12
LAYOUT_TABLE_SHARE = 0.5
LAYOUT_ROW_WORDS = 80  # a table row this long is a page column, not a data row
HEADER_MAX_BLOCKS = 4
MAX_SITE_NAME_WORDS = 5
BYLINE_EDGE_BLOCKS = 3  # how far into the body a byline may stand
# figcaption, and the class names templates give captions: caption, wp-caption-text,
# photo-caption, image__caption, caption-text...; also schema.org's itemprop="caption".
CAPTION_XPATH = (
    ".//figcaption | .//*[@itemprop='caption' or @itemprop='description'][ancestor::figure]"
    " | .//*[re:test(@class, '(^|[-_ ])caption([-_ ]|$)|captiontext|caption-text|wp-caption-text', 'i')]"
)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
CJK_OR_WORD = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]|\w+")


@dataclass(frozen=True)
class Body:
    blocks: list[Block]
    method: str


def count_words(text: str) -> int:
    """Words, counting each CJK character as one (those scripts do not use spaces)."""
    return len(CJK_OR_WORD.findall(text))


def parse_html(text: str) -> lxml_html.HtmlElement:
    """Parse once with lxml; refuse input that is not HTML at all."""
    text = XML_DECLARATION.sub("", text[:MAX_PARSE_CHARS]).replace("\x00", "")
    if not text.strip():
        raise ExtractionError("no article body found (the page is empty)")
    try:
        tree = lxml_html.document_fromstring(text, parser=HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not a readable HTML page ({exc})") from None
    return tree


def _captions(tree: lxml_html.HtmlElement, base_url: str | None) -> dict[str, tuple[str | None, str]]:
    """Image captions found in the original page, keyed by image URL and by caption text.

    trafilatura drops <figcaption>; we put the captions back beside their images.
    """
    found: dict[str, tuple[str | None, str]] = {}
    for caption in tree.xpath(CAPTION_XPATH, namespaces=REGEX_NS):
        text = normalize_space(caption.text_content())
        if not text or len(text) > 600:
            continue
        container = caption.getparent()
        while container is not None and container.tag not in ("figure", "div", "body"):
            container = container.getparent()
        images = container.xpath(".//img | .//amp-img") if container is not None else []
        if images:
            raw_src = images[0].get("src") or images[0].get("data-src") or ""
            if raw_src:
                found[_image_key(raw_src, base_url)] = (images[0].get("alt"), text)
        found["text:" + text.casefold()] = (images[0].get("alt") if images else None, text)
    return found


def _image_key(src: str, base_url: str | None) -> str:
    """How an image is matched with its caption; an inline data: URI by its hash, not its bytes."""
    if src.startswith("data:"):
        return "data:" + sha256_hex(src)[:16]
    return "src:" + (urljoin(base_url, src) if base_url else src)


def _element_text(element: etree._Element) -> str:
    """Text of an extracted element, with trafilatura's <lb/> kept as a line break."""
    return "\n".join(element_lines(element, breaks=("lb",)))


def _trafilatura_blocks(
    body: etree._Element, captions: dict[str, tuple[str | None, str]], base_url: str | None
) -> Iterator[Block]:
    """Walk trafilatura's XML body and yield our blocks in document order."""
    used_captions: set[str] = set()
    leading = normalize_space(body.text or "")
    if leading:
        yield Block("paragraph", leading)
    for element in body:
        yield from _element_blocks(element, captions, base_url, used_captions)
        tail = normalize_space(element.tail or "")  # loose text between elements is body text too
        if tail:
            yield Block("paragraph", tail)


def _element_blocks(
    element: etree._Element,
    captions: dict[str, tuple[str | None, str]],
    base_url: str | None,
    used_captions: set[str],
) -> Iterator[Block]:
    """The blocks of one child of trafilatura's body."""
    tag = element.tag
    if tag == "list":
        items = (_element_text(item) for item in element.iter("item"))
        yield from (Block("list_item", text) for text in items if text)
    elif tag == "table":
        for row in element.iter("row"):
            text = " | ".join(cell for cell in map(_element_text, row) if cell)
            if text:
                yield Block("table_row", text)
    elif tag == "graphic":
        raw_src = element.get("src") or ""
        alt, caption = captions.get(_image_key(raw_src, base_url), (element.get("alt"), ""))
        # An inlined image (SingleFile) is megabytes of base64, not a link worth keeping.
        src = "" if raw_src.startswith("data:") else urljoin(base_url, raw_src) if base_url else raw_src
        if caption:
            used_captions.add(caption.casefold())
        yield Block("image", caption or "", alt=alt or element.get("alt"), src=src or None)
    elif tag == "code":
        text = "".join(element.itertext()).strip("\n")
        if text.strip():
            yield Block("preformatted", text)
    else:
        text = _element_text(element)
        if not text or text.casefold() in used_captions:
            return
        if tag == "head":
            rend = element.get("rend") or "h2"
            yield Block("heading", text, level=max(2, int(rend[-1]) if rend[-1:].isdigit() else 2))
        elif tag == "quote":
            yield Block("quote", text)
        elif "text:" + text.casefold() in captions:
            used_captions.add(text.casefold())
            yield Block("image", text, alt=captions["text:" + text.casefold()][0])
        else:
            yield Block("paragraph", text)


def _readability_blocks(html_text: str) -> list[Block]:
    """A second, simpler extractor for pages trafilatura finds nothing in."""
    from readability import Document
    from readability.readability import Unparseable

    try:
        summary = Document(html_text).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError):
        return []
    if not summary.strip():
        return []
    tree = lxml_html.fragment_fromstring(summary, create_parent="div")
    blocks: list[Block] = []
    for element in tree.iter("p", "h2", "h3", "h4", "li", "blockquote", "pre"):
        text = normalize_space(element.text_content())
        if not text:
            continue
        kind = {
            "h2": "heading",
            "h3": "heading",
            "h4": "heading",
            "li": "list_item",
            "blockquote": "quote",
            "pre": "preformatted",
        }.get(element.tag, "paragraph")
        blocks.append(Block(kind, text, level=int(element.tag[1]) if kind == "heading" else 2))
    return blocks


def extract_body(tree: lxml_html.HtmlElement, html_text: str, url: str | None, stripper: Stripper) -> Body:
    """The article body as blocks, and which extractor found it."""
    import trafilatura

    captions = _captions(tree, url)
    document = trafilatura.bare_extraction(
        _without_widgets(_without_hidden(copy.deepcopy(tree)), stripper),
        url=url,
        include_comments=False,
        include_images=True,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
    )
    body = getattr(document, "body", None)
    blocks = list(_trafilatura_blocks(body, captions, url)) if body is not None else []
    if any(b.kind != "image" for b in blocks) and not _mostly_layout_table(blocks):
        return Body(_with_sibling_chunks(tree, blocks), "trafilatura")
    second = _readability_blocks(html_text)
    if second:
        return Body(second, "readability")
    return Body(blocks, "trafilatura" if blocks else "none")


HIDDEN_XPATH = "//*[@hidden] | //*[re:test(@style, '(^|;)\\s*(display\\s*:\\s*none|visibility\\s*:\\s*hidden)', 'i')]"


def _without_hidden(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Drop what the page hides from readers (inline display:none), such as a second copy of the
    article kept for search engines' microdata."""
    for element in tree.xpath(HIDDEN_XPATH, namespaces=REGEX_NS):
        if element.getparent() is not None and element.tag not in ("html", "body"):
            element.drop_tree()
    return tree


CHUNK_TEXT_TAGS = ("p", "h2", "h3", "h4", "li", "blockquote")
CHUNK_SKIP_XPATH = "ancestor::figure | ancestor::aside | ancestor::nav | ancestor::footer | ancestor::form"
CHUNK_MAX_LINK_SHARE = 0.3
CHUNK_MAX_LEVELS = 3
CHUNK_SKIP_CLASS = re.compile(r"author|byline|date|meta|share|caption|credit|related", re.IGNORECASE)
CHUNK_KINDS = {"li": "list_item", "blockquote": "quote", "h2": "heading", "h3": "heading", "h4": "heading"}


def _with_sibling_chunks(tree: lxml_html.HtmlElement, blocks: list[Block]) -> list[Block]:
    """Add the rest of a body that the template split into sibling chunks.

    Some templates cut the story into several containers of the same class between ads;
    trafilatura keeps the first. The paragraphs of the same-class containers in the next
    siblings up the tree join, in page order.
    """
    known = {b.text for b in blocks}
    elements = {normalize_space(p.text_content()): p for p in tree.iter("p")}
    parents = [elements[b.text].getparent() for b in blocks if b.kind == "paragraph" and b.text in elements]
    if not parents:
        return blocks
    home = max(set(parents), key=parents.count)
    chunks = _sibling_chunks(home)
    if not chunks:
        return blocks
    position = {element: index for index, element in enumerate(tree.iter())}
    placed = []
    last = -1
    for block in blocks:
        last = max(last, position.get(elements.get(block.text), -1))
        placed.append((last, block))
    for chunk in chunks:
        for element in chunk.iter(*CHUNK_TEXT_TAGS):
            text = normalize_space(element.text_content())
            if (
                not text
                or text in known
                or CHUNK_SKIP_CLASS.search(element.get("class") or "")
                or element.xpath(CHUNK_SKIP_XPATH)
                or element.find(".//p") is not None
            ):
                continue
            links = sum(len(normalize_space(a.text_content())) for a in element.iter("a"))
            if links > CHUNK_MAX_LINK_SHARE * len(text):
                continue
            kind = CHUNK_KINDS.get(element.tag, "paragraph")
            placed.append((position[element], Block(kind, text)))  # type: ignore[arg-type]
            known.add(text)
    return [block for _, block in sorted(placed, key=lambda pair: pair[0])]


def _sibling_chunks(home: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Containers shaped like `home` (same tag and class) under its nearest ancestor's siblings."""
    tag, css = home.tag, home.get("class")
    if not css:
        return []
    level = home
    for _ in range(CHUNK_MAX_LEVELS):
        outer = level.getparent()
        if outer is None or level.tag in ("body", "html"):
            return []
        twins = [s for s in outer if s is not level and s.tag == level.tag and s.get("class") == level.get("class")]
        if twins:
            if level is home:
                return twins
            return [c for twin in twins for c in twin.iter(tag) if c.get("class") == css]
        level = outer
    return []


RELATED_RULES = frozenset({"related", "related-intl"})


def _without_widgets(tree: lxml_html.HtmlElement, stripper: Stripper) -> lxml_html.HtmlElement:
    """Drop a container that a 'Related articles'-style heading opens, teasers and all.

    Teasers with whole-sentence excerpts survive line rules; the heading that opens their
    container gives them away. A container holding the page's headline is never dropped.
    """
    for heading in tree.xpath("//h2 | //h3 | //h4 | //h5 | //h6"):
        container = heading.getparent()
        if container is None or container.tag in ("body", "html", "main") or heading.getprevious() is not None:
            continue
        if stripper.match_line(normalize_space(heading.text_content())) not in RELATED_RULES:
            continue
        if container.find(".//h1") is None and container.getparent() is not None:
            container.drop_tree()
    return tree


def _mostly_layout_table(blocks: list[Block]) -> bool:
    """An old table-layout page: trafilatura returns the whole layout grid as one 'table'.

    A data table (standings, results) has many short rows; a layout table has a row whose cell
    holds the story itself.
    """
    rows = [len(b.text.split()) for b in blocks if b.kind == "table_row"]
    all_words = sum(len(b.text.split()) for b in blocks)
    return bool(rows) and sum(rows) / all_words > LAYOUT_TABLE_SHARE and max(rows) >= LAYOUT_ROW_WORDS


def article_id(identity: str) -> str:
    """A short, stable id for the article behind a URL (or behind a body, when no URL is known)."""
    return sha256_hex(identity)[:16]


def _site_named_in_title_and_page(html_title: str | None, tree: lxml_html.HtmlElement) -> str | None:
    """A page that declares no site name often still shows it: a title suffix ' - Valley News'
    that also appears in the page's own text (a masthead, a copyright line) is the site."""
    if not html_title:
        return None
    separators = list(TITLE_SEPARATORS.finditer(html_title))
    if not separators:
        return None
    suffix = html_title[separators[-1].end() :].strip()
    if not 1 <= len(suffix.split()) <= MAX_SITE_NAME_WORDS:
        return None
    body = tree.find("body")
    page_text = normalize_space(body.text_content()).casefold() if body is not None else ""
    return suffix if suffix.casefold() in page_text else None


def _choose_title(md: PageMetadata) -> tuple[str | None, list[str]]:
    categories: list[str] = []
    if md.html_title:
        _, categories = split_title(md.html_title, md.site_name)
    for candidate in (md.title, md.h1, md.html_title):
        if candidate:
            title, more = split_title(candidate, md.site_name)
            if title:
                return title, categories or more
    return None, categories


def _published(
    md: PageMetadata, tree: lxml_html.HtmlElement, url: str | None, raw: RawPage, not_after: datetime
) -> tuple[str | None, str | None]:
    declared = normalize_datetime(md.published, not_after)
    if declared:
        return declared, "metadata"
    from_url = date_from_url(url) or date_from_url(raw.location if raw.kind == "http" else None)
    if from_url:
        return from_url, "url"
    in_text = date_from_text(tree)
    if in_text:
        return in_text, "text"
    return None, None


def _fallback_date(raw: RawPage) -> tuple[str, str]:
    """When the page names no date: when the browser saved it, the file's mtime, or when we fetched it."""
    if raw.kind == "file" and (raw.saved_at or raw.file_mtime):
        return str(raw.saved_at or raw.file_mtime), "file"
    return raw.fetched_at or datetime.now(UTC).isoformat(timespec="seconds"), "fetched"


def refuse_binary(content: bytes, text: str) -> None:
    """A PNG or PDF named .html is not a page; neither is text that decoded to mostly control
    characters or replacement characters (the bytes are checked first, as for saved files)."""
    kind = binary_kind(content)
    if kind:
        raise ExtractionError(f"not an HTML or text page ({kind.removesuffix(' data')} data)")
    sample = text[:BINARY_SAMPLE_BYTES]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f") + sample.count("\ufffd")
    if sample and controls / len(sample) > BINARY_CONTROL_SHARE:
        raise ExtractionError("not an HTML or text page (binary data)")


def page_url(raw: RawPage) -> str | None:
    """The URL an article from this page would be stored under, without extracting its body."""
    text, _encoding = decode(raw.content, raw.content_type)
    refuse_binary(raw.content, text)
    if raw.format == "markdown":
        return parse_markdown_save(text).url or raw.url
    if raw.format == "text":
        return raw.url
    return _page_urls(raw, read_metadata(parse_html(text), raw.url))[0]


def build_article(raw: RawPage, stripper: Stripper, min_words: int = 20) -> Article:
    """Turn one raw page into a normalized Article, or raise ExtractionError saying why not."""
    if raw.format in ("text", "markdown"):
        return _article_from_text(raw, stripper, min_words)
    return _article_from_html(raw, stripper, min_words)


def _not_after(raw: RawPage) -> datetime:
    stamp = raw.fetched_at
    return datetime.fromisoformat(stamp) if stamp else datetime.now(UTC)


@dataclass
class _HtmlPage:
    """A parsed page before stripping: what both archiving and `clean` previews start from."""

    tree: lxml_html.HtmlElement
    metadata: PageMetadata
    url: str | None
    canonical_url: str | None
    body: Body


def _read_html(raw: RawPage, stripper: Stripper) -> _HtmlPage:
    text, _encoding = decode(raw.content, raw.content_type)
    refuse_binary(raw.content, text)
    tree = parse_html(text)
    md = read_metadata(tree, raw.url)
    url, canonical = _page_urls(raw, md)
    return _HtmlPage(tree, md, url, canonical, extract_body(tree, text, url, stripper))


def _page_urls(raw: RawPage, md: PageMetadata) -> tuple[str | None, str | None]:
    """(url, canonical_url): a fetched page is where we fetched it; for a saved file the page's
    own declaration beats a URL recorded or guessed from outside."""
    declared = md.canonical_url or md.og_url
    if raw.kind == "http":
        return raw.url, declared or raw.url
    return declared or raw.url, declared or raw.url


def _article_from_html(raw: RawPage, stripper: Stripper, min_words: int) -> Article:
    page = _read_html(raw, stripper)
    md = page.metadata
    md.site_name = md.site_name or _site_named_in_title_and_page(md.html_title, page.tree)
    title, categories = _choose_title(md)
    authors = md.authors or byline_authors(page.tree, page.body.blocks)
    blocks = _drop_headline_header(stripper.strip(page.body.blocks, page.url).blocks, page.tree, title)
    blocks = _drop_bylines(blocks, authors)
    plain = body_text(blocks)
    words = count_words(plain)
    if words < min_words:
        detail = "the page has no text" if words == 0 else f"only {words} words of text"
        raise ExtractionError(f"no article body found ({detail})")
    if not md.is_article and _looks_like_index(page.tree):
        raise ExtractionError("no article body found (the page is a list of articles)")

    published, date_source = _published(md, page.tree, page.url, raw, _not_after(raw))
    if published is None:
        published, date_source = _fallback_date(raw)
    fields = Fields(
        url=page.url,
        canonical_url=page.canonical_url,
        title=title or _first_line(plain),
        published=published,
        date_source=date_source,
        description=md.description,
        authors=authors,
        modified=normalize_datetime(md.modified, _not_after(raw)),
        section=md.section or section_from_breadcrumbs(md.breadcrumbs, title) or section_from_url(page.url),
        categories=categories,
        tags=md.tags,
        site_name=md.site_name,
        language=md.language,
        image=md.image,
    )
    return _assemble(raw, fields, blocks, page.body.method)


@dataclass(frozen=True)
class StripPreview:
    """What the stripper would do to one page, for `newsarchive clean`."""

    before: list[Block]
    after: list[Block]
    removed: list[Removal]
    title_before: str
    title_after: str

    def diff(self, name: str) -> str:
        def lines(title: str, blocks: list[Block]) -> list[str]:
            return [f"# {title}"] + [line for b in blocks for line in b.text.split("\n") if line]

        diff = difflib.unified_diff(
            lines(self.title_before, self.before),
            lines(self.title_after, self.after),
            fromfile=f"{name} (extracted)",
            tofile=f"{name} (stripped)",
            lineterm="",
        )
        return "".join(line + "\n" for line in diff)


def preview_strip(raw: RawPage, stripper: Stripper) -> StripPreview:
    """Extract a page and show what stripping takes out, without storing anything."""
    if raw.format == "text":
        save = parse_text_save(decode(raw.content)[0])
        before, title_before, site_name, url = save.blocks, save.title, None, raw.url
    else:
        page = _read_html(raw, stripper)
        before = page.body.blocks
        title_before = page.metadata.title or page.metadata.html_title or ""
        site_name = page.metadata.site_name
        url = page.url
    result = stripper.strip(before, url)
    return StripPreview(before, result.blocks, result.removed, title_before, split_title(title_before, site_name)[0])


def _article_from_text(raw: RawPage, stripper: Stripper, min_words: int) -> Article:
    text, _encoding = decode(raw.content, raw.content_type)
    refuse_binary(raw.content, text)
    save = parse_markdown_save(text) if raw.format == "markdown" else parse_text_save(text)
    stripped = stripper.strip(save.blocks)
    title, categories = split_title(save.title)
    blocks = stripped.blocks
    plain = body_text(blocks)
    if count_words(plain) < min_words:
        raise ExtractionError(f"no article body found (only {count_words(plain)} words of text)")
    declared = normalize_datetime(save.published, _not_after(raw))
    published, date_source = (declared, "metadata") if declared else _fallback_date(raw)
    url = save.url or raw.url
    fields = Fields(
        url=url,
        canonical_url=url,
        title=title,
        published=published,
        date_source=date_source,
        section=save.section,
        categories=categories,
        authors=save.authors,
        tags=save.tags,
    )
    return _assemble(raw, fields, blocks, raw.format)


def _looks_like_index(tree: lxml_html.HtmlElement) -> bool:
    """A section front: many teaser headlines, each a link, and no article declared."""
    teasers = tree.xpath("//*[self::h2 or self::h3 or self::h4][.//a[@href]]")
    return len(teasers) >= 8


def _drop_headline_header(blocks: list[Block], tree: lxml_html.HtmlElement, title: str | None) -> list[Block]:
    """Leading blocks that belong to the headline, not the body: the title itself, and a
    kicker, standfirst or byline that share the headline's <header>."""
    header_texts: set[str] = set()
    for h1 in tree.iter("h1"):
        header = next((a for a in h1.iterancestors() if a.tag in ("header", "hgroup")), None)
        if header is not None:
            header_texts |= {normalize_space(e.text_content()).casefold() for e in header.iter(etree.Element)}
        break
    if title:
        header_texts.add(title.casefold())
    header_texts.discard("")
    start = 0
    while start < len(blocks) and start < HEADER_MAX_BLOCKS and blocks[start].text.casefold() in header_texts:
        start += 1
    return blocks[start:]


def _drop_bylines(blocks: list[Block], authors: list[str]) -> list[Block]:
    """Byline-only lines at the start or end of the body name the authors, who are stored apart."""
    if not authors:
        return blocks
    known = {name.casefold() for name in authors}

    def is_byline(block: Block) -> bool:
        if block.kind not in ("paragraph", "heading") or len(block.text.split()) > BYLINE_MAX_WORDS:
            return False
        names = parse_byline(block.text, labelled=True)
        return bool(names) and all(name.casefold() in known for name in names)

    edge = BYLINE_EDGE_BLOCKS
    return [
        block
        for index, block in enumerate(blocks)
        if not ((index < edge or index >= len(blocks) - 1) and is_byline(block))
    ]


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0][:200]


def body_text(blocks: list[Block]) -> str:
    """The plain body: every text block, one blank line between; captions are not body text."""
    return "\n\n".join(block.text for block in blocks if block.kind != "image" and block.text)


@dataclass
class Fields:
    """Article metadata chosen by one of the builders, before the body-derived fields."""

    url: str | None
    canonical_url: str | None
    title: str
    published: str
    date_source: str
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    modified: str | None = None
    section: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    image: str | None = None


def _assemble(raw: RawPage, fields: Fields, blocks: list[Block], method: str) -> Article:
    import trafilatura

    plain = body_text(blocks)
    content_sha = sha256_hex(plain)
    identity = fields.canonical_url or fields.url or f"sha256:{content_sha}"
    article = Article(
        id=article_id(identity),
        url=fields.url,
        canonical_url=fields.canonical_url,
        title=fields.title,
        description=fields.description,
        authors=clean_authors(fields.authors, fields.site_name),
        published=fields.published,
        modified=fields.modified,
        date_source=fields.date_source,  # type: ignore[arg-type]
        section=fields.section,
        section_slug=slugify(fields.section) if fields.section else "uncategorized",
        categories=fields.categories,
        tags=fields.tags,
        site_name=fields.site_name,
        language=fields.language,
        image=fields.image,
        images=[{"alt": b.alt, "caption": b.text or None, "src": b.src} for b in blocks if b.kind == "image"],
        text=plain,
        markdown="",
        word_count=count_words(plain),
        content_sha256=content_sha,
        source={
            "kind": raw.kind,
            "location": raw.location,
            "fetched_at": raw.fetched_at,
            "sha256": raw.sha256,
            "format": raw.file_format or raw.format,
            "saved_at": raw.saved_at,
        },
        extractor={
            "name": "newsarchive",
            "version": __version__,
            "method": method,
            "trafilatura": trafilatura.__version__,
        },
    )
    article.markdown = render_markdown(article, blocks)
    return article
