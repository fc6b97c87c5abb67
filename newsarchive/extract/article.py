"""Raw page → Article: the body (from ``body``), metadata from the page, junk stripped.

This is the one function both ``fetch`` and ``import`` go through, so the same page gives the
same article whichever way it arrived.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree
from lxml import html as lxml_html

from newsarchive import __version__
from newsarchive.errors import ExtractionError
from newsarchive.extract.body import KICKER_MAX_WORDS, Body, count_words, extract_body, parse_html
from newsarchive.extract.bylines import byline_authors, clean_authors, parse_byline
from newsarchive.extract.clean import LEARNED, TITLE_SEPARATORS, Removal, Stripper, StripResult, split_title
from newsarchive.extract.dates import date_from_url, dates_in_text
from newsarchive.extract.declared import PageMetadata, read_metadata, section_from_breadcrumbs, section_from_url
from newsarchive.extract.encoding import decode
from newsarchive.extract.rules import BYLINE_MAX_WORDS
from newsarchive.extract.textsave import TextSave, parse_markdown_save, parse_text_save
from newsarchive.extract.titles import title_suffix
from newsarchive.model import Article, Block, RawPage, sha256_hex
from newsarchive.render import render_markdown
from newsarchive.text import binary_kind, normalize_space, slugify
from newsarchive.timestamps import normalize_datetime

HEADER_MAX_BLOCKS = 4
MAX_SITE_NAME_WORDS = 5
BYLINE_EDGE_BLOCKS = 3  # how far into the body a byline may stand
WORD = re.compile(r"\w+")


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


@dataclass(frozen=True)
class Dates:
    published: str | None
    source: str | None  # where `published` came from: json-ld | meta | time | url | text
    modified: str | None


def _dates(md: PageMetadata, tree: lxml_html.HtmlElement, url: str | None, raw: RawPage) -> Dates:
    """Published and modified, each from the best place the page states it, in that order:
    declared metadata, the URL path, the printed dateline. A date later than the fetch is
    not believed; an update date is never taken for the publication date."""
    not_after = _not_after(raw)
    modified = normalize_datetime(md.modified, not_after)
    declared = normalize_datetime(md.published, not_after)
    if declared:
        return Dates(declared, md.published_source, modified)
    printed, printed_modified = dates_in_text(tree)
    modified = modified or normalize_datetime(printed_modified, not_after)
    from_url = date_from_url(url) or date_from_url(raw.location if raw.kind == "http" else None)
    if from_url:
        return Dates(from_url, "url", modified)
    printed = normalize_datetime(printed, not_after)
    return Dates(printed, "text" if printed else None, modified)


def _section(md: PageMetadata, title: str | None, url: str | None) -> tuple[str | None, str | None]:
    """The section and where it came from: the page's declaration, its breadcrumbs, its URL."""
    if md.section:
        return md.section, md.section_source
    crumb = section_from_breadcrumbs(md.breadcrumbs, title)
    if crumb:
        return crumb, "breadcrumbs"
    from_url = section_from_url(url)
    return (from_url, "url") if from_url else (None, None)


TRUNCATED_SHARE = 0.5  # a body under half the page's own word count is a teaser
INDEX_TEASER_SHARE = 0.5  # of the body's words in teasers for other pages: a section front


def _access(md: PageMetadata, removed: list[Removal], words: int) -> str:
    """free | paywalled | truncated, from what the page says of itself."""
    if md.paywalled or any(removal.role == "paywall" for removal in removed):
        return "paywalled"
    if md.claimed_words and words < TRUNCATED_SHARE * md.claimed_words:
        return "truncated"
    return "free"


def learned_lines(removed: list[Removal]) -> list[str]:
    return [removal.text for removal in removed if removal.rule == LEARNED]


def _fallback_date(raw: RawPage) -> tuple[str, str]:
    """When the page names no date: the date the feed or sitemap listed it with, when the browser
    saved it, the file's mtime, or when we fetched it."""
    if raw.listed_date:
        return raw.listed_date, "listing"
    if raw.kind == "file" and (raw.saved_at or raw.file_mtime):
        return str(raw.saved_at or raw.file_mtime), "file"
    return raw.fetched_at or datetime.now(UTC).isoformat(timespec="seconds"), "fetched"


def refuse_binary(content: bytes, text: str) -> None:
    """A PNG or PDF named .html is not a page; neither is text that decoded to mostly control
    characters or replacement characters (the bytes are checked first, as for saved files)."""
    kind = binary_kind(content, text)
    if kind:
        raise ExtractionError(f"not an HTML or text page ({kind.removesuffix(' data')} data)")


def page_url(raw: RawPage) -> str | None:
    """The URL an article from this page would be stored under, without extracting its body."""
    text, _encoding = decode(raw.content, raw.content_type)
    refuse_binary(raw.content, text)
    if raw.format == "markdown":
        return parse_markdown_save(text).url or raw.url
    if raw.format == "text":
        return raw.url
    return _page_urls(raw, read_metadata(parse_html(text), raw.url))[0]


def build_article(raw: RawPage, stripper: Stripper, min_words: int = 20, keep_non_articles: bool = False) -> Article:
    """Turn one raw page into a normalized Article, or raise ExtractionError saying why not.

    With keep_non_articles, a page judged to be a list of articles is archived all the same.
    """
    if raw.format in ("text", "markdown"):
        return _article_from_text(raw, stripper, min_words)
    return _article_from_html(raw, stripper, min_words, keep_non_articles)


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
    return _HtmlPage(tree, md, url, canonical, extract_body(tree, text, url, stripper, judge_list=not md.is_article))


def _page_urls(raw: RawPage, md: PageMetadata) -> tuple[str | None, str | None]:
    """(url, canonical_url): a fetched page is where we fetched it; for a saved file the page's
    own declaration beats a URL recorded or guessed from outside."""
    declared = md.canonical_url or md.og_url
    if raw.kind == "http":
        return raw.url, declared or raw.url
    return declared or raw.url, declared or raw.url


@dataclass(frozen=True)
class _CleanBody:
    """A page's body after every step between extraction and storage, with what each took."""

    title: str | None
    categories: list[str]
    authors: list[str]
    stripped: StripResult  # the line rules' work
    headline: etree._Element | None  # the h1's own <header>, if it is the headline's
    without_headline: list[Block]  # then the headline's lines are gone
    blocks: list[Block]  # and bylines and the author's bio


def _clean_body(page: _HtmlPage, stripper: Stripper) -> _CleanBody:
    """The one sequence of steps both archiving and `clean --explain` go through."""
    md = page.metadata
    md.site_name = md.site_name or _site_named_in_title_and_page(md.html_title, page.tree)
    title, categories = _choose_title(md)
    authors = md.authors or byline_authors(page.tree, page.body.blocks) or md.outlets
    stripped = stripper.strip(page.body.blocks, page.url)
    headline = _headline_header(page.tree)
    without_headline = _drop_headline_header(stripped.blocks, headline, title, md.h1)
    blocks = _drop_author_bio(_drop_bylines(without_headline, authors), authors)
    return _CleanBody(title, categories, authors, stripped, headline, without_headline, blocks)


def _is_list_of_articles(page: _HtmlPage) -> bool:
    return not page.metadata.is_article and page.body.teaser_share >= INDEX_TEASER_SHARE


def _article_from_html(raw: RawPage, stripper: Stripper, min_words: int, keep_non_articles: bool) -> Article:
    page = _read_html(raw, stripper)
    md = page.metadata
    body = _clean_body(page, stripper)
    title, categories, authors, stripped, blocks = body.title, body.categories, body.authors, body.stripped, body.blocks
    plain = body_text(blocks)
    words = count_words(plain)
    if words < min_words:
        detail = "the page has no text" if words == 0 else f"only {words} words of text"
        raise ExtractionError(f"no article body found ({detail})")
    if _is_list_of_articles(page) and not keep_non_articles:
        raise ExtractionError(
            f"not an article: the page is a list of articles ({page.body.teaser_share:.0%} of its text is"
            " headlines linking to other pages and their teasers)"
        )

    dates = _dates(md, page.tree, page.url, raw)
    published, date_source = (dates.published, dates.source) if dates.published else _fallback_date(raw)
    section, section_source = _section(md, title, page.url)
    if section is None and raw.listed_section:
        section, section_source = raw.listed_section, "source"
    fields = Fields(
        url=page.url,
        canonical_url=page.canonical_url,
        title=title or _first_line(plain),
        published=published,
        date_source=date_source,  # type: ignore[arg-type]
        description=md.description or _standfirst(body.headline, title, blocks),
        authors=authors,
        modified=dates.modified,
        section=section,
        section_source=section_source,
        access=_access(md, stripped.removed, count_words(plain)),
        boilerplate=learned_lines(stripped.removed),
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
    decisions: tuple[str, ...] = ()  # page-level: extractor, hidden and related containers, figures, verdict

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

    def explanation(self) -> list[str]:
        """One line per removal: where, which rule (or learned line, and how often the site
        repeats it), and the text."""
        lines = [f"page      {decision}" for decision in self.decisions]
        if self.title_before != self.title_after:
            lines.append(f"title     title-suffix  {self.title_before!r} -> {self.title_after!r}")
        for removal in self.removed:
            why = f"  ({removal.detail})" if removal.detail else ""
            lines.append(f"block {removal.block_index + 1:<3} {removal.rule:<13} {removal.text!r}{why}")
        return lines


def preview_strip(raw: RawPage, stripper: Stripper) -> StripPreview:
    """Extract a page and show what stripping takes out, without storing anything: line by
    line, and page-level decisions (extractor, hidden and related containers, figures, the
    headline's lines, bylines, whether the page is an article)."""
    if raw.format in ("text", "markdown"):
        save = _read_save(raw)
        result = stripper.strip(save.blocks, save.url or raw.url)
        title = save.title
        return StripPreview(save.blocks, result.blocks, result.removed, title, split_title(title)[0])
    page = _read_html(raw, stripper)
    md = page.metadata
    title_before = md.title or md.html_title or ""
    body = _clean_body(page, stripper)
    result = body.stripped
    decisions = [f"extractor: {page.body.method}", *page.body.decisions]
    decisions += [
        f"headline: {b.text!r} belongs to the headline, not the body"
        for b in _missing(result.blocks, body.without_headline)
    ]
    decisions += [f"byline or author's bio: {b.text!r}" for b in _missing(body.without_headline, body.blocks)]
    if md.is_article:
        decisions.append("verdict: an article (the page declares one)")
    else:
        verdict = "not an article (a list of articles)" if _is_list_of_articles(page) else "an article"
        decisions.append(f"verdict: {verdict}; {page.body.teaser_share:.0%} of the body is teasers")
    # The diff shows the line rules' work; what the headline and byline steps take is a decision.
    return StripPreview(page.body.blocks, result.blocks, result.removed, title_before,
                        split_title(title_before, md.site_name)[0], tuple(decisions))  # fmt: skip


def _missing(before: list[Block], after: list[Block]) -> list[Block]:
    kept = {id(block) for block in after}
    return [block for block in before if id(block) not in kept]


def _read_save(raw: RawPage) -> TextSave:
    text, _encoding = decode(raw.content, raw.content_type)
    refuse_binary(raw.content, text)
    return parse_markdown_save(text) if raw.format == "markdown" else parse_text_save(text)


def _article_from_text(raw: RawPage, stripper: Stripper, min_words: int) -> Article:
    save = _read_save(raw)
    url = save.url or raw.url
    stripped = stripper.strip(save.blocks, url)
    title, categories = split_title(save.title)
    blocks = stripped.blocks
    plain = body_text(blocks)
    if count_words(plain) < min_words:
        raise ExtractionError(f"no article body found (only {count_words(plain)} words of text)")
    declared = normalize_datetime(save.published, _not_after(raw))
    stated_in = "meta" if raw.format == "markdown" else "text"  # front matter, or the save's own lines
    if declared:
        published, date_source = declared, stated_in
    else:
        saved = normalize_datetime(save.saved, _not_after(raw))
        published, date_source = (saved, "file") if saved else _fallback_date(raw)
    fields = Fields(
        url=url,
        canonical_url=url,
        title=title,
        published=published,
        date_source=date_source,
        section=save.section,
        section_source=stated_in if save.section else None,
        boilerplate=learned_lines(stripped.removed),
        categories=categories,
        authors=save.authors,
        tags=save.tags,
    )
    return _assemble(raw, fields, blocks, raw.format)


def _headline_header(tree: lxml_html.HtmlElement) -> etree._Element | None:
    """The <header> or <hgroup> around the page's h1, unless it is the site's (it holds the menu)."""
    h1 = next(tree.iter("h1"), None)
    header = next((a for a in h1.iterancestors() if a.tag in ("header", "hgroup")), None) if h1 is not None else None
    return header if header is not None and header.find(".//nav") is None else None


def _drop_headline_header(
    blocks: list[Block], header: etree._Element | None, title: str | None, h1: str | None = None
) -> list[Block]:
    """Leading blocks that belong to the headline, not the body: the title itself, the h1's
    text (a kicker and the headline in one element), and a kicker, standfirst or byline that
    share the headline's <header>.

    A site-wide <header> (one with the menu) or one that wraps the story itself says nothing
    of which lines are the headline's: then only the title goes, and never the whole body."""
    header_texts: set[str] = set()
    if header is not None:
        texts = {normalize_space(e.text_content()).casefold() for e in header.iter(etree.Element)}
        if not any(block.text.casefold() in texts for block in blocks[HEADER_MAX_BLOCKS:]):
            header_texts = texts
    if title:
        header_texts.add(title.casefold())
    header_texts.discard("")
    start = 0
    while (
        start < len(blocks)
        and start < HEADER_MAX_BLOCKS
        and (
            blocks[start].text.casefold() in header_texts
            or _is_titled(blocks[start].text, title)
            or _is_headline_copy(blocks[start].text, title, h1)
        )
    ):
        start += 1
    return blocks if start == len(blocks) else blocks[start:]


def _is_titled(text: str, title: str | None) -> bool:
    """The title with a suffix after a separator ('Headline | Site TV'): a player's or a
    share card's copy of the headline."""
    suffix = title_suffix(text.casefold(), title.casefold()) if title else None
    return suffix is not None and len(suffix.split()) <= MAX_SITE_NAME_WORDS


def _word_key(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


def _is_headline_copy(text: str, title: str | None, h1: str | None) -> bool:
    """The headline again, spelt apart from the title only in spacing and punctuation
    ('Kicker: Headline' as 'Kicker Headline'), or the title behind a short kicker the page
    prints in the same line ('Premier League Headline')."""
    key = _word_key(text)
    if not key:
        return False
    if h1 and key == _word_key(h1):
        return True
    title_key = _word_key(title) if title else ""
    if not title_key or not key.endswith(title_key):
        return False
    kicker = key[: len(key) - len(title_key)]
    return kicker == "" or (kicker.endswith(" ") and len(kicker.split()) <= KICKER_MAX_WORDS)


def _standfirst(header: etree._Element | None, title: str | None, blocks: list[Block]) -> str | None:
    """The standfirst in the headline's <header>: a sentence-long line that is not the title,
    a byline or body text. It is not the story, but it is the article's own summary."""
    if header is None:
        return None
    body = {block.text.casefold() for block in blocks}
    for element in header.iter("p", "h2", "h3", "div"):
        text = normalize_space(element.text_content())
        if (
            len(text.split()) >= STANDFIRST_MIN_WORDS
            and element.find(".//h1") is None
            and text.casefold() not in body
            and text.casefold() != (title or "").casefold()
            and not parse_byline(text)
        ):
            return text
    return None


STANDFIRST_MIN_WORDS = 8


def _drop_bylines(blocks: list[Block], authors: list[str]) -> list[Block]:
    """Byline-only lines at the start or end of the body name the authors, who are stored apart:
    a line with a byline label ('By', 'Von', 'Por') whoever it names, a bare name only when it
    is one of the article's authors."""
    known = {name.casefold() for name in authors}

    def is_byline(block: Block) -> bool:
        if block.kind not in ("paragraph", "heading") or len(block.text.split()) > BYLINE_MAX_WORDS:
            return False
        if parse_byline(block.text):  # 'By …', 'Von …': a byline whoever it names
            return True
        names = parse_byline(block.text, labelled=True)
        return bool(names) and all(name.casefold() in known for name in names)

    edge = BYLINE_EDGE_BLOCKS
    return [
        block
        for index, block in enumerate(blocks)
        if not ((index < edge or index >= len(blocks) - 1) and is_byline(block))
    ]


BIO_MAX_BLOCKS = 3
BIO_MAX_WORDS = 80


def _drop_author_bio(blocks: list[Block], authors: list[str]) -> list[Block]:
    """The lines about the author that close the body ('Dana Whitfield is a reporter with…'):
    among the last few blocks, from the first short paragraph that opens with an author's name
    (full, or the first name of a two-part one) to the end. The authors are stored apart;
    their bio is not the story."""
    people = [author for author in authors if _looks_like_a_person(author)]
    openers = {author.casefold() for author in people} | {author.split()[0].casefold() for author in people}
    if not openers or len(blocks) <= BIO_MAX_BLOCKS:
        return blocks
    for index in range(len(blocks) - BIO_MAX_BLOCKS, len(blocks)):
        block = blocks[index]
        text = block.text.casefold()
        opens = any(text.startswith(name + " ") or text.startswith(name + "’s ") for name in openers)
        if block.kind == "paragraph" and opens and len(block.text.split()) <= BIO_MAX_WORDS:
            return blocks[:index]
    return blocks


OUTLET_WORDS = frozenset({"the", "der", "die", "das", "le", "la", "les", "el", "il", "de", "news", "press", "staff"})


def _looks_like_a_person(name: str) -> bool:
    """'Dana Whitfield', not 'The Associated Press' or 'DER SPIEGEL'."""
    parts = name.split()
    return (
        2 <= len(parts) <= 4
        and not name.isupper()
        and all(part[:1].isupper() for part in parts)
        and not any(part.casefold() in OUTLET_WORDS for part in parts)
    )


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
    section_source: str | None = None
    access: str = "free"
    boilerplate: list[str] = field(default_factory=list)
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
        section_source=fields.section_source,  # type: ignore[arg-type]
        access=fields.access,  # type: ignore[arg-type]
        boilerplate=fields.boilerplate,
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
