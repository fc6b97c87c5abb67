"""The article body of an HTML page, as blocks: trafilatura first, with what it misses put back.

trafilatura finds the body; around it we drop what the page hides and "Related" widgets it
would keep, join a body that the template split into chunks, put captions back beside their
images, and ask readability-lxml when trafilatura finds nothing or only a layout table.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from newsarchive.errors import ExtractionError
from newsarchive.extract.bylines import element_lines
from newsarchive.extract.clean import STATEMENT_END, Stripper
from newsarchive.model import Block, sha256_hex, site_of
from newsarchive.text import normalize_space

PRECISE_CHECK_WORDS = 100  # a precise body shorter than this is compared with the default's
DEFAULT_WINS_RATIO = 2.0
MAX_PARSE_CHARS = 10_000_000  # bounds memory: a 60 MB page stays well under 1 GB
# As trafilatura parses for itself: comments and processing instructions would otherwise reach
# its extractor as text nodes (what a saved file's comments say is read from its bytes).
HTML_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
LAYOUT_TABLE_SHARE = 0.5
LAYOUT_ROW_WORDS = 80  # a table row this long is a page column, not a data row
CAPTION_CLASS = re.compile(r"(^|[-_ ])caption([-_ ]|$)|captiontext|caption-text|wp-caption-text", re.IGNORECASE)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
CJK_OR_WORD = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]|\w+")


@dataclass(frozen=True)
class Body:
    blocks: list[Block]
    method: str
    # Share of the body's words in teasers (linked headlines and the lines under them): most
    # of the body, and the page is a list of articles rather than one.
    teaser_share: float = 0.0
    # What was decided for the page as a whole, for `clean --explain`: one line each.
    decisions: tuple[str, ...] = ()


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


def _is_caption(element: etree._Element) -> bool:
    """figcaption; schema.org's caption inside a figure; or a class name templates give
    captions (caption, wp-caption-text, photo-caption, image__caption, caption-text…)."""
    if element.tag == "figcaption":
        return True
    itemprop = element.get("itemprop")
    if itemprop in ("caption", "description") and any(a.tag == "figure" for a in element.iterancestors()):
        return True
    classes = element.get("class")
    return bool(classes) and "caption" in classes.lower() and bool(itemprop or CAPTION_CLASS.search(classes))


def _captions(layout: _PageLayout, base_url: str | None) -> dict[str, tuple[str | None, str]]:
    """Image captions found in the original page, keyed by image URL and by caption text.

    trafilatura drops <figcaption>; we put the captions back beside their images.
    """
    found: dict[str, tuple[str | None, str]] = {}
    for caption in layout.captions:
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
    _add_unlabelled_captions(layout, base_url, found)
    return found


UNLABELLED_CAPTION_MAX_WORDS = 60
UNLABELLED_CAPTION_MAX_LINES = 2
UNLABELLED_CAPTION_LEVELS = 5
CAPTION_CONTAINER_STOPS = ("body", "html", "article", "main", "section")


def _add_unlabelled_captions(
    layout: _PageLayout, base_url: str | None, found: dict[str, tuple[str | None, str]]
) -> None:
    """Captions no class names: the one or two short lines that share a small box with an
    image ("Pictured right, …", "Image: …"). They describe the photo, not the story."""
    for image in layout.tree.iter("img"):
        raw_src = image.get("src") or image.get("data-src") or ""
        if not raw_src or _image_key(raw_src, base_url) in found:
            continue
        container, lines = image.getparent(), []
        for _ in range(UNLABELLED_CAPTION_LEVELS):
            if container is None or container.tag in CAPTION_CONTAINER_STOPS:
                break
            lines = [text for p in container.iter("p") if (text := layout.text[p])]
            if lines:
                break
            container = container.getparent()
        if (
            container is None
            or not lines
            or len(lines) > UNLABELLED_CAPTION_MAX_LINES
            or sum(len(line.split()) for line in lines) > UNLABELLED_CAPTION_MAX_WORDS
            or len(container.xpath(".//img")) > 1
            or container.xpath(".//h1 | .//h2 | .//h3 | .//h4")
        ):
            continue
        caption = " ".join(lines)
        found[_image_key(raw_src, base_url)] = (image.get("alt"), caption)
        for line in lines:
            found.setdefault("text:" + line.casefold(), (image.get("alt"), caption))


def _image_key(src: str, base_url: str | None) -> str:
    """How an image is matched with its caption; an inline data: URI by its hash, not its bytes."""
    if src.startswith("data:"):
        return "data:" + sha256_hex(src)[:16]
    return "src:" + (urljoin(base_url, src) if base_url else src)


def _element_text(element: etree._Element) -> str:
    """Text of an extracted element, with trafilatura's <lb/> kept as a line break; a paragraph
    its fallback copies with the source's wrapping is one line, as a <p> holds no blocks (the
    lines of an item or a cell are its blocks: a kicker, a headline)."""
    return "\n".join(element_lines(element, breaks=("lb",), source_breaks=element.tag != "p"))


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
    try:
        tree = lxml_html.fromstring(summary)  # a fragment, or (for a page with no body) a whole document
    except (etree.ParserError, ValueError):
        return []
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
        blocks.append(Block(kind, text, level=int(element.tag[1]) if kind == "heading" else 2))  # type: ignore[arg-type]
    return blocks


def extract_body(
    tree: lxml_html.HtmlElement, html_text: str, url: str | None, stripper: Stripper, judge_list: bool = True
) -> Body:
    """The article body as blocks, and which extractor found it; with judge_list, how much of
    it is teasers (a page that declares itself an article need not be judged).

    trafilatura chooses the body, without images: asked for images, it picks other containers
    and keeps figure text (teaser cards, galleries). Figures and their captions are placed
    afterwards, by their position in the page, inside the container the body came from.
    """
    layout = _PageLayout(tree)
    captions = _captions(layout, url)
    notes: list[str] = []
    cleaned = _without_code(
        _without_widgets(
            _without_signup_boxes(_without_hidden(layout, copy.deepcopy(tree), notes), notes), stripper, notes
        )
    )
    # Precision first: it leaves out paywall prompts, keyword and recommendation boxes the
    # default keeps. On a sparse page it can keep a notice and throw out the story: a short
    # result is checked against the default's, and a far longer default wins.
    blocks = _trafilatura_body(cleaned, captions, url, favor_precision=True, fast=True)  # it works on its own copy
    precise_words = _text_words(blocks)
    if precise_words < PRECISE_CHECK_WORDS:
        blocks = _trafilatura_body(cleaned, captions, url, favor_precision=True)
        precise_words = _text_words(blocks)
    if precise_words < PRECISE_CHECK_WORDS:
        default = _trafilatura_body(cleaned, captions, url, favor_precision=False)
        default_words = _text_words(default)
        if default_words > DEFAULT_WINS_RATIO * precise_words:
            notes.append(
                f"extractor: precise extraction found {precise_words} words, the default {default_words}: default used"
            )
            blocks = default
    if any(b.kind != "image" for b in blocks) and not _mostly_layout_table(blocks):
        joined = _with_sibling_chunks(layout, blocks)
        listed = _with_prose_lists(layout, joined)
        headed = _with_subheadings(layout, listed, url)
        own = _without_author_boxes(layout, _without_nested_articles(layout, headed, notes), notes)
        placed = _with_figures(layout, own, captions, url)
        with_figures = _without_promo_links(layout, placed, url, notes)
        notes += _added("sibling-chunks", "paragraphs joined from same-class containers", blocks, joined)
        notes += _added("prose-lists", "bullet points between the paragraphs put back", joined, listed)
        notes += _added("subheadings", "subheadings over body text put back", listed, headed)
        notes += _figure_notes(headed, with_figures)
        share = _teaser_share(layout, with_figures, url) if judge_list else 0.0
        return Body(with_figures, "trafilatura", share, tuple(notes))
    second = _readability_blocks(html_text)
    if second:
        notes.append("extractor: trafilatura found no text or only a layout table: readability-lxml used")
        share = _teaser_share(layout, second, url) if judge_list else 0.0
        return Body(second, "readability", share, tuple(notes))
    return Body(blocks, "trafilatura" if blocks else "none", decisions=tuple(notes))


def _text_words(blocks: list[Block]) -> int:
    return sum(count_words(b.text) for b in blocks if b.kind != "image")


def _added(name: str, what: str, before: list[Block], after: list[Block]) -> list[str]:
    count = len(after) - len(before)
    return [f"{name}: {count} {what}"] if count > 0 else []


def _figure_notes(before: list[Block], after: list[Block]) -> list[str]:
    """Which images were placed, and which caption lines moved out of the text into them."""
    notes = [f"figure: {b.src or '(inline image)'}" + (f" with caption {b.text!r}" if b.text else "")
             for b in after if b.kind == "image" and b.src]  # fmt: skip
    notes += [f"caption: moved out of the text: {b.text!r}" for b in before if b.kind == "image" and b.text]
    return notes


def _trafilatura_body(
    tree: lxml_html.HtmlElement,
    captions: dict[str, tuple[str | None, str]],
    url: str | None,
    favor_precision: bool,
    fast: bool = False,
) -> list[Block]:
    import trafilatura

    document = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        favor_precision=favor_precision,
        include_images=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
        fast=fast,
    )
    body = getattr(document, "body", None)
    return list(_trafilatura_blocks(body, captions, url)) if body is not None else []


class _PageLayout:
    """Where each element stands in the page, and which element holds a given text, so that
    blocks from an extractor's output can be put back in page order beside other elements."""

    def __init__(self, tree: lxml_html.HtmlElement) -> None:
        self.tree = tree
        self.position: dict[etree._Element, int] = {}
        self.holder: dict[str, etree._Element] = {}
        self.copies: Counter[str] = Counter()
        self.text: dict[etree._Element, str] = {}  # each text element's text, read once
        self.captions: list[etree._Element] = []  # elements marked as image captions
        # One walk over the page for all of it: walking a large page costs more than the tests.
        for index, element in enumerate(tree.iter()):
            self.position[element] = index
            if element.tag in TEXT_TAGS:
                text = self.text[element] = normalize_space(element.text_content())
                self.holder.setdefault(text, element)
                self.copies[text] += 1
            if _is_caption(element):
                self.captions.append(element)

    def paragraph_words(self, element: etree._Element) -> int:
        return sum(len(self.text[p].split()) for p in element.iter("p"))

    def holder_of(self, block: Block) -> etree._Element | None:
        """The first element whose text is the block's, or else one of its lines' (an item
        that joins a kicker and a headline has no single element with its text)."""
        holders = self.holders_of(block)
        return holders[0] if holders else None

    def holders_of(self, block: Block) -> list[etree._Element]:
        whole = self.holder.get(normalize_space(block.text))
        if whole is not None:
            return [whole]
        lines = (self.holder.get(normalize_space(line)) for line in block.text.split("\n"))
        return [holder for holder in lines if holder is not None] if "\n" in block.text else []

    def placed(self, blocks: list[Block]) -> list[tuple[int, Block]]:
        """Each block with a page position: its element's, or the one before it for a block
        whose text no single element holds. Sorting by it puts the blocks in page order, which
        the extractor does not always keep (a headline block after the first paragraph)."""
        placed, last = [], -1
        for block in blocks:
            holder = self.holder_of(block)
            if holder is not None:
                where = self.position[holder]
                # A text the page holds twice may be its later copy: it never moves back.
                last = where if self.copies[self.text[holder]] == 1 else max(last, where)
            placed.append((last, block))
        return placed


HEADLINE_TAGS = ("h2", "h3", "h4", "h5", "h6")
HEADLINE_XPATH = ".//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
LINKED_TEXT_SHARE = 0.8  # a line this much link text is a link, not prose
MIN_TEASERS = 3


def _teaser_share(layout: _PageLayout, blocks: list[Block], url: str | None) -> float:
    """How much of the body is teasers for other pages: headlines that link away, the lines
    that follow such a headline, and lines that are nearly all link text; zero for a body with
    fewer than MIN_TEASERS of them. In-page anchors (a README's table of contents) link
    nowhere else and do not count."""
    words = teaser_words = 0
    teasers: set[etree._Element] = set()
    for block in blocks:
        size = count_words(block.text)
        words += size
        found = [teaser for holder in layout.holders_of(block) if (teaser := _teaser_of(holder, url)) is not None]
        if size and found:
            teaser_words += size
            teasers.update(found)
    return teaser_words / words if words and len(teasers) >= MIN_TEASERS else 0.0


def _teaser_of(element: etree._Element, url: str | None) -> etree._Element | None:
    """The linked headline (or link) that makes this element part of a teaser, if any."""
    headlines = [element] if element.tag in HEADLINE_TAGS else element.xpath(HEADLINE_XPATH)
    before = element.getprevious()
    if before is not None and before.tag in HEADLINE_TAGS:
        headlines.append(before)
    linked = next((headline for headline in headlines if _away_links(headline, url)), None)
    if linked is not None:
        return linked
    links = _away_links(element, url)
    return links[0] if links and _mostly_links(element, links) else None


def _mostly_links(element: etree._Element, links: list[etree._Element]) -> bool:
    """Whether these links' text is LINKED_TEXT_SHARE or more of the element's characters."""
    text = len(normalize_space(element.text_content()))
    return text > 0 and _link_chars(links) >= LINKED_TEXT_SHARE * text


def _link_chars(links: list[etree._Element]) -> int:
    return sum(len(normalize_space(a.text_content())) for a in links)


def _away_links(element: etree._Element, url: str | None) -> list[etree._Element]:
    """Links inside or around the element that lead to another page."""
    page = (url or "").split("#", 1)[0]
    links = [*element.iter("a"), *element.iterancestors("a")]
    return [
        a
        for a in links
        if (href := (a.get("href") or "").strip()) and not href.startswith("#") and href.split("#", 1)[0] != page
    ]


TEXT_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")
FIGURE_SKIP_XPATH = "ancestor::a[@href] | ancestor::aside | ancestor::nav | ancestor::footer | ancestor::noscript"
MIN_IMAGE_SIDE = 50  # declared width or height below this: an icon, a spacer or a tracking pixel


def _with_figures(
    layout: _PageLayout, blocks: list[Block], captions: dict[str, tuple[str | None, str]], base_url: str | None
) -> list[Block]:
    """The body's images, each with its caption, where they stand among the body's text.

    Images are taken from the smallest container that holds all the body's text, and around
    it only while no other text intervenes: a lede photo between the headline and the body
    belongs to the story, what follows the body's end is teasers. A linked image is a teaser.
    """
    anchors = [holder for holder in map(layout.holder_of, blocks) if holder is not None]
    if not anchors:
        return blocks
    container = _common_container(anchors)
    positions = [layout.position[a] for a in anchors]
    first, last = min(positions), max(positions)
    body_texts = {normalize_space(b.text) for b in blocks} | {text for _, text in captions.values()}
    foreign = [layout.position[element] for element, text in layout.text.items() if text and text not in body_texts]
    start = max((where for where in foreign if where < first), default=-1)
    end = min((where for where in foreign if where > last), default=len(layout.position))
    whole_page = container.tag in ("body", "html")
    lede = [image for image in layout.tree.iter("img", "amp-img") if start < layout.position[image] < first]
    figures: list[tuple[int, Block]] = []
    seen: set[str] = set()
    for image in [*lede, *container.iter("img", "amp-img")]:
        where = layout.position[image]
        if where >= end or (whole_page and where <= start) or _is_decoration(image):
            continue
        raw_src = image.get("src") or image.get("data-src") or ""
        if not raw_src or raw_src in seen or image.xpath(FIGURE_SKIP_XPATH):
            continue
        seen.add(raw_src)
        alt, caption = captions.get(_image_key(raw_src, base_url), (image.get("alt"), ""))
        # An inlined image (SingleFile) is megabytes of base64, not a link worth keeping.
        src = None if raw_src.startswith("data:") else urljoin(base_url, raw_src) if base_url else raw_src
        figures.append((where, Block("image", caption or "", alt=alt or image.get("alt"), src=src)))
    if not figures:
        return blocks
    placed_captions = [figure.text.casefold() for _, figure in figures if figure.text]
    text_blocks = [
        (where, block)
        for where, block in layout.placed(blocks)
        if not (block.kind == "image" and not block.src and any(block.text.casefold() in c for c in placed_captions))
    ]
    return [block for _, block in sorted(text_blocks + figures, key=lambda pair: pair[0])]


SUBHEADING_MAX_WORDS = 25
PROSE_ITEM_MIN_WORDS = 8
INTRODUCES_MAX_LEVELS = 3


def _with_subheadings(layout: _PageLayout, blocks: list[Block], url: str | None) -> list[Block]:
    """Subheadings between the body's paragraphs, which precise extraction drops (a live
    blog's entry headlines, a feature's section titles), each over body text; one that links
    away is a teaser."""
    anchors = [holder for holder in map(layout.holder_of, blocks) if holder is not None and holder.tag == "p"]
    if len(anchors) < 2:
        return blocks
    container = _common_container(anchors)
    last = max(layout.position[anchor] for anchor in anchors)
    known = {normalize_space(b.text) for b in blocks}
    added = []
    for heading in container.iter(*HEADLINE_TAGS):
        text = normalize_space(heading.text_content())
        if (
            layout.position[heading] < last
            and text
            and text not in known
            and len(text.split()) <= SUBHEADING_MAX_WORDS
            and not _away_links(heading, url)
            and not heading.xpath(CHUNK_SKIP_XPATH)
            and _introduces(heading, known)
        ):
            level = int(heading.tag[1])
            added.append((layout.position[heading], Block("heading", text, level=level)))
            known.add(text)
    if not added:
        return blocks
    return [block for _, block in sorted(layout.placed(blocks) + added, key=lambda pair: pair[0])]


def _with_prose_lists(layout: _PageLayout, blocks: list[Block]) -> list[Block]:
    """Lists in the flow of the body's paragraphs (beside them, or in a wrapper beside them)
    whose every item is a sentence of its own (a summary's bullet points), which precise
    extraction drops with the link lists it is right to drop; a list with an item that is
    mostly links, or no sentence, stays out, and so does one in a box nested deeper."""
    anchors = [holder for holder in map(layout.holder_of, blocks) if holder is not None and holder.tag == "p"]
    if len(anchors) < 2:
        return blocks
    first = min(layout.position[anchor] for anchor in anchors)
    last = max(layout.position[anchor] for anchor in anchors)
    known = {normalize_space(b.text) for b in blocks}
    added = []
    for listing in _lists_beside(dict.fromkeys(anchor.getparent() for anchor in anchors)):
        if not first < layout.position[listing] < last or listing.xpath(CHUNK_SKIP_XPATH) or _inside_hidden(listing):
            continue
        items = [(item, normalize_space(item.text_content())) for item in listing if item.tag == "li"]
        if len(items) < 2 or not all(_prose_item(item, text, known) for item, text in items):
            continue
        added += [(layout.position[item], Block("list_item", text)) for item, text in items]
    if not added:
        return blocks
    return [block for _, block in sorted(layout.placed(blocks) + added, key=lambda pair: pair[0])]


def _lists_beside(parents: Iterable[etree._Element]) -> Iterator[etree._Element]:
    for parent in parents:
        for child in parent:
            if child.tag in ("ul", "ol"):
                yield child
            else:
                yield from (inner for inner in child if inner.tag in ("ul", "ol"))


def _prose_item(item: etree._Element, text: str, known: set[str]) -> bool:
    return (
        len(text.split()) >= PROSE_ITEM_MIN_WORDS
        and text not in known
        and bool(STATEMENT_END.search(text))
        and _link_chars(list(item.iter("a"))) <= CHUNK_MAX_LINK_SHARE * len(text)
    )


def _introduces(heading: etree._Element, known: set[str]) -> bool:
    """True when the next text after the heading (in its wrapper, or after the wrapper, as in a
    live blog entry's header) is body text: a heading over an author's bio or a box of links
    introduces something the extractor rightly left out."""
    element = heading
    for _ in range(INTRODUCES_MAX_LEVELS):
        after = element.getnext()
        while after is not None and not normalize_space(after.text_content()):
            after = after.getnext()
        if after is not None:
            return normalize_space(after.text_content()) in known or any(
                normalize_space(p.text_content()) in known for p in after.iter("p", "li")
            )
        element = element.getparent()
        if element is None:
            return False
    return False


def _without_promo_links(layout: _PageLayout, blocks: list[Block], url: str | None, notes: list[str]) -> list[Block]:
    """Lines that are nothing but a link to another page of the same site: a promo ('>> Hier
    finden Sie …') or a list of the site's other headlines. A link to another site can be the
    story's source; a link within the site, filling its line, is a teaser."""
    host = site_of(url)
    if host is None:
        return blocks
    kept = []
    for block in blocks:
        holder = layout.holder_of(block)
        if block.kind in ("paragraph", "list_item") and holder is not None and _is_promo(holder, host, url):
            notes.append(f"promo-link: {block.text!r} (only a link to {host})")
            continue
        kept.append(block)
    return kept


NESTED_ARTICLE_MAX_SHARE = 0.2


def _without_nested_articles(layout: _PageLayout, blocks: list[Block], notes: list[str]) -> list[Block]:
    """Text of an <article> inside another that holds little of the body: a teaser card for
    another story or an infobox set into this one, each its own item. A page that wraps its
    story in two articles keeps it: the inner one then holds most of the body."""
    inner: dict[int, etree._Element] = {}
    for index, block in enumerate(blocks):
        holder = layout.holder_of(block)
        articles = list(holder.iterancestors("article")) if holder is not None else []
        if len(articles) >= 2:
            inner[index] = articles[0]
    if not inner:
        return blocks
    words: Counter[etree._Element] = Counter()
    for index, article in inner.items():
        words[article] += count_words(blocks[index].text)
    limit = NESTED_ARTICLE_MAX_SHARE * _text_words(blocks)
    dropped = {index for index, article in inner.items() if words[article] < limit}
    notes += [f"nested-article: {blocks[index].text!r}" for index in sorted(dropped)]
    return [block for index, block in enumerate(blocks) if index not in dropped]


AUTHOR_BOX_CLASS = re.compile(
    r"author[-_ ]?(bio|info|desc|box)|biography|about[-_ ]?the[-_ ]?author|autor(en)?[-_ ]?(bio|info|box)",
    re.IGNORECASE,
)
AUTHOR_BOX_LEVELS = 3
AUTHOR_BOX_MAX_WORDS = 150


def _without_author_boxes(layout: _PageLayout, blocks: list[Block], notes: list[str]) -> list[Block]:
    """Text in the author's box ('A veteran reporter, Dana has covered…'): the authors are
    stored apart, and a bio that does not open with their name escapes the bio rule. The box
    says so in its class; one that wraps the story (long, or with the h1) is no box."""
    kept = []
    for block in blocks:
        holder = layout.holder_of(block)
        if block.kind == "paragraph" and holder is not None and _in_author_box(holder):
            notes.append(f"author-box: {block.text!r}")
            continue
        kept.append(block)
    return kept


def _in_author_box(element: etree._Element) -> bool:
    for level, ancestor in enumerate(element.iterancestors(), start=1):
        if level > AUTHOR_BOX_LEVELS:
            return False
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if AUTHOR_BOX_CLASS.search(names):
            return ancestor.find(".//h1") is None and len(ancestor.text_content().split()) <= AUTHOR_BOX_MAX_WORDS
    return False


def _is_promo(element: etree._Element, host: str, url: str | None) -> bool:
    links = _away_links(element, url)
    if not links or any(site_of(urljoin(url or "", a.get("href") or "")) != host for a in links):
        return False
    return _mostly_links(element, links) or _kicker_and_link(element, links)


KICKER_MAX_WORDS = 6


def _kicker_and_link(element: etree._Element, links: list[etree._Element]) -> bool:
    """'Kicker: <a>Headline</a>': a teaser whose kicker stands outside its link."""
    text = normalize_space(element.text_content())
    linked = normalize_space(" ".join(a.text_content() for a in links))
    if not linked or not text.endswith(linked):
        return False
    kicker = text[: -len(linked)].strip()
    return kicker.endswith(":") and len(kicker.split()) <= KICKER_MAX_WORDS


def _common_container(elements: list[etree._Element]) -> etree._Element:
    """The innermost element holding all of them (at least the first one's parent)."""
    chain = list(elements[0].iterancestors())
    height = {element: index for index, element in enumerate(chain)}
    highest = 0
    for element in elements[1:]:
        for ancestor in element.iterancestors():
            if ancestor in height:
                highest = max(highest, height[ancestor])
                break
    return chain[highest] if chain else elements[0]


def _is_decoration(image: etree._Element) -> bool:
    for side in ("width", "height"):
        value = (image.get(side) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < MIN_IMAGE_SIDE:
            return True
    return False


HIDDEN_STYLE = re.compile(r"(^|;)\s*(display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)


def _without_hidden(layout: _PageLayout, tree: lxml_html.HtmlElement, notes: list[str]) -> lxml_html.HtmlElement:
    """Drop from tree (a copy of the layout's page) what the page hides from readers (hidden,
    inline display:none), such as a second copy of the article kept for search engines'
    microdata, unless the hidden part holds most of the page's paragraphs: then a script
    reveals the story (or a paywall veils it), and dropping it would lose the article itself.
    Words are counted on the page, whose text the layout has already read."""
    hidden = _hidden_elements(layout.tree)
    if not hidden:
        return tree
    hidden_words = sum(layout.paragraph_words(element) for element in _outermost(hidden))
    visible_words = layout.paragraph_words(layout.tree) - hidden_words
    if hidden_words > visible_words:
        notes.append(f"hidden: {len(hidden)} hidden elements kept: they hold {hidden_words} words of paragraphs, "
                     f"the visible page {visible_words}")  # fmt: skip
        return tree
    if hidden_words:
        notes.append(f"hidden: {len(hidden)} hidden elements dropped ({hidden_words} words of paragraphs)")
    for element in _hidden_elements(tree):
        if element.getparent() is not None:
            element.drop_tree()
    return tree


def _is_hidden(element: etree._Element) -> bool:
    return element.get("hidden") is not None or bool(HIDDEN_STYLE.search(element.get("style") or ""))


def _inside_hidden(element: etree._Element) -> bool:
    return _is_hidden(element) or any(_is_hidden(ancestor) for ancestor in element.iterancestors())


def _hidden_elements(tree: lxml_html.HtmlElement) -> list[etree._Element]:
    candidates = tree.xpath("//*[@hidden or @style]")
    hidden = [e for e in candidates if _is_hidden(e)]
    return [e for e in hidden if e.getparent() is not None and e.tag not in ("html", "body")]


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    """Those not inside another of them (so nested hidden elements are counted once)."""
    chosen = set(elements)
    return [e for e in elements if not any(ancestor in chosen for ancestor in e.iterancestors())]


CHUNK_TEXT_TAGS = ("p", "h2", "h3", "h4", "li", "blockquote")
CHUNK_SKIP_XPATH = "ancestor::figure | ancestor::aside | ancestor::nav | ancestor::footer | ancestor::form"
CHUNK_MAX_LINK_SHARE = 0.3
CHUNK_MIN_OWN_WORDS = 2  # outside its links, in a sentence that has links
CHUNK_MAX_LEVELS = 3
CHUNK_SKIP_CLASS = re.compile(r"author|byline|date|meta|share|caption|credit|related", re.IGNORECASE)
CHUNK_KINDS = {"li": "list_item", "blockquote": "quote", "h2": "heading", "h3": "heading", "h4": "heading"}


def _with_sibling_chunks(layout: _PageLayout, blocks: list[Block]) -> list[Block]:
    """Add the rest of a body that the template split into sibling chunks.

    Some templates cut the story into several containers of the same class between ads;
    trafilatura keeps the first. The paragraphs of the same-class containers in the next
    siblings up the tree join, in page order.
    """
    known = {b.text for b in blocks}
    holders = [layout.holder_of(b) for b in blocks if b.kind == "paragraph"]
    parents = [holder.getparent() for holder in holders if holder is not None and holder.tag == "p"]
    if not parents:
        return blocks
    # dict.fromkeys keeps page order, so a tie goes to the first container (a set's order would
    # follow the hash seed, and the same page could give different text in different runs).
    home = max(dict.fromkeys(parents), key=parents.count)
    chunks = _sibling_chunks(home)
    if not chunks:
        return blocks
    # Hidden text is left out with the hidden elements, unless the story itself is hidden
    # (a script reveals it): then its chunks are too.
    skip_hidden = not _inside_hidden(home)
    position = layout.position
    placed = layout.placed(blocks)
    for chunk in chunks:
        for element in chunk.iter(*CHUNK_TEXT_TAGS):
            text = normalize_space(element.text_content())
            if (
                not text
                or text in known
                or CHUNK_SKIP_CLASS.search(element.get("class") or "")
                or element.xpath(CHUNK_SKIP_XPATH)
                or any(inner is not element for inner in element.iter(*CHUNK_TEXT_TAGS))
                or _in_signup_box(element)
                or (skip_hidden and _inside_hidden(element))
            ):
                continue
            if not _prose_despite_links(element, text):
                continue
            kind = CHUNK_KINDS.get(element.tag, "paragraph")
            placed.append((position[element], Block(kind, text)))  # type: ignore[arg-type]
            known.add(text)
    return [block for _, block in sorted(placed, key=lambda pair: pair[0])]


def _prose_despite_links(element: etree._Element, text: str) -> bool:
    """Little link text, or a statement with one link inside it ('It also <a>runs joint
    exercises</a>.'): words of its own outside the link and a full stop. A teaser is a link
    from end to end, a promo a string of links, a related headline may ask a question."""
    links = list(element.iter("a"))
    if _link_chars(links) <= CHUNK_MAX_LINK_SHARE * len(text):
        return True
    if len(links) != 1 or not STATEMENT_END.search(text):
        return False
    return len(text.split()) - len(normalize_space(links[0].text_content()).split()) >= CHUNK_MIN_OWN_WORDS


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


def _without_widgets(tree: lxml_html.HtmlElement, stripper: Stripper, notes: list[str]) -> lxml_html.HtmlElement:
    """Drop a container that a 'Related articles'-style heading opens, teasers and all.

    Teasers with whole-sentence excerpts survive line rules; the heading that opens their
    container gives them away. A container holding the page's headline is never dropped.
    """
    for heading in tree.xpath("//h2 | //h3 | //h4 | //h5 | //h6"):
        container = heading.getparent()
        if container is None or container.tag in ("body", "html", "main") or heading.getprevious() is not None:
            continue
        opener = stripper.match_rule(normalize_space(heading.text_content()))
        if opener is None or opener.role != "related":
            continue
        if container.find(".//h1") is None and container.getparent() is not None:
            words = len(container.text_content().split())
            notes.append(
                f"related: container opened by {normalize_space(heading.text_content())!r} dropped ({words} words)"
            )
            container.drop_tree()
    return tree


def _without_code(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Drop scripts (but not JSON-LD), styles and SVG drawings before trafilatura sees the tree.

    trafilatura throws them away as well, but on its own copy, once per pass (up to three per
    page): dropping them once here spares every pass copying and walking them. JSON-LD stays
    for trafilatura's last-resort articleBody.
    """
    for element in list(tree.iter("script", "style", "svg")):
        if element.tag == "script" and (element.get("type") or "").strip().lower() == "application/ld+json":
            continue
        element.drop_tree()
    return tree


SIGNUP_BOX_MAX_WORDS = 100
FORM_FIELD_XPATH = "//input[not(@type='hidden')]"  # what a reader types in or ticks


def _without_signup_boxes(tree: lxml_html.HtmlElement, notes: list[str]) -> lxml_html.HtmlElement:
    """Drop a box with a form field that sits in the story: the largest element around the
    field that is still short. A newsletter sign-up (its pitch, its consent line, its error
    message), the consent toggle that stands in for an embed ('Show external content'), a poll:
    a reader fills them in, they are not the story's text."""
    for field in tree.xpath(FORM_FIELD_XPATH):
        box, box_words = None, 0
        for ancestor in field.iterancestors():
            if ancestor.tag in ("body", "html") or ancestor.find(".//h1") is not None:
                break
            words = len(ancestor.text_content().split())
            if words > SIGNUP_BOX_MAX_WORDS:
                break
            box, box_words = ancestor, words
        if box is not None and box.getparent() is not None:
            notes.append(f"signup: box around a form field dropped ({box_words} words)")
            box.drop_tree()
    return tree


def _in_signup_box(element: etree._Element) -> bool:
    """Whether a short container around the element holds a form field: the text of a box
    (a sign-up, a consent toggle) that the sibling-chunk pass, reading the page as it came,
    would put back."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("body", "html") or len(ancestor.text_content().split()) > SIGNUP_BOX_MAX_WORDS:
            return False
        if ancestor.xpath("." + FORM_FIELD_XPATH):
            return True
    return False


def _mostly_layout_table(blocks: list[Block]) -> bool:
    """An old table-layout page: trafilatura returns the whole layout grid as one 'table'.

    A data table (standings, results) has many short rows; a layout table has a row whose cell
    holds the story itself.
    """
    rows = [len(b.text.split()) for b in blocks if b.kind == "table_row"]
    all_words = sum(len(b.text.split()) for b in blocks)
    return bool(rows) and sum(rows) / all_words > LAYOUT_TABLE_SHARE and max(rows) >= LAYOUT_ROW_WORDS
