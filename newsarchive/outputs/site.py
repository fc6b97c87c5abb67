"""The archive as a static website that works from file:// with no server and no network.

Every page is built from what the archive stores (the article's Markdown and metadata), never
from a page's raw HTML: Markdown is rendered with raw HTML off, images off and only http(s) and
mailto links, so no script, frame, event handler or remote image from an archived page can
reach the site. Styles, the search script and its index are local files.

Re-running rewrites only the pages whose content changed (a manifest in the output folder
remembers what each page was built from), and removes the pages it made earlier that no longer
belong to the site.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, partial
from html import escape
from pathlib import Path
from typing import Any

from newsarchive.errors import ConfigError, NotFoundError, StoreError
from newsarchive.files import write_atomic
from newsarchive.model import UNSTATED_DATE_SOURCES, Article, sha256_hex, site_of
from newsarchive.render import shown_date
from newsarchive.store.archive import Archive
from newsarchive.store.versions import Version, versions, word_diff
from newsarchive.text import slugify, split_front_matter

# The version of the pages this module writes: a site built with another one is rebuilt whole.
# Bump it with every change that makes a page written from the same article differ (markup,
# styles named in it, body rendering, links, the search index's form); a change that leaves
# every page as it was (a comment, a refactor) keeps it, so no page is rewritten for nothing.
# The static files (site_static/) need no bump: each is rewritten when its own content changes.
# 3: an article's versions, a page for each, and changes.xml.
SITE_FORMAT = 3
MANIFEST_NAME = ".newsarchive-site.json"
SITE_POINTER = ".newsarchive-site"  # in the archive: where its site was last written, for `show --open`
LATEST_ON_HOME = 30
SNIPPET_CHARS = 220
STATIC_DIR = Path(__file__).with_name("site_static")
STATIC_FILES = ("style.css", "search.js", "favicon.svg")
UNDATED = "undated"  # the day page of the articles whose page states no date
CHANGES_FEED = "changes.xml"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"


@dataclass
class SiteReport:
    """What a run did: pages written, pages already up to date, pages removed."""

    articles: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    """One article as the listing pages and the search index see it."""

    article: Article
    fingerprint: str  # of the stored JSON file: its page is rebuilt only when this changes
    versions: tuple[Version, ...] = ()  # every version, oldest first, when there is more than one

    @property
    def date_stated(self) -> bool:
        return bool(self.article.published) and self.article.date_source not in UNSTATED_DATE_SOURCES

    @property
    def day(self) -> str:
        """The day page it is on: a day the page states none of is not one (see `date`)."""
        return (self.article.published or "")[:10] if self.date_stated else UNDATED

    @property
    def date(self) -> str:
        """What readers see: the day, or 'date unknown (saved YYYY-MM-DD)'."""
        return shown_date(self.article.published, self.article.date_source)

    @property
    def page(self) -> str:
        return f"article/{self.article.id}.html"

    def version_page(self, number: int) -> str:
        return f"article/{self.article.id}/v{number}.html"

    @property
    def section_slug(self) -> str:
        return slugify(self.article.section_slug or "uncategorized", "uncategorized")

    @property
    def site(self) -> str:
        return self.article.site_name or site_of(self.article.canonical_url or self.article.url) or "unknown site"

    @property
    def site_slug(self) -> str:
        return slugify(site_of(self.article.canonical_url or self.article.url) or self.site, "unknown-site")


def tag_page(tag: str) -> str:
    """The page of one of the reader's tags: its slug, with a short hash when the slug is not
    the tag itself, so that 'climate change' and 'climate-change' get pages of their own."""
    slug = slugify(tag, "tag")
    return f"tag/{slug if slug == tag else f'{slug}-{sha256_hex(tag)[:8]}'}.html"


def build_site(archive: Archive, outdir: Path, since: str | None = None) -> SiteReport:
    """Write (or bring up to date) the static site for the archive's current articles, from
    `since` (YYYY-MM-DD, by published day) on when given."""
    try:
        return _build(archive, outdir, since)
    except OSError as exc:
        raise StoreError(f"cannot write the site to {outdir}: {exc.strerror or exc}") from None


def _build(archive: Archive, outdir: Path, since: str | None) -> SiteReport:
    outdir.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(outdir)
    previous: dict[str, str] = manifest.get("pages", {}) if manifest.get("format") == SITE_FORMAT else {}
    entries = [_entry(archive, row) for row in archive.list(since=since)]
    entries.sort(key=lambda e: (e.article.published or "", e.article.title), reverse=True)
    report = SiteReport(articles=len(entries))
    pages: dict[str, str] = {}

    def emit(relative: str, fingerprint: str, render: Callable[[], str]) -> None:
        pages[relative] = fingerprint
        target = outdir / relative
        if previous.get(relative) == fingerprint and target.exists():
            report.unchanged += 1
            return
        content = render()
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, content)
        report.written.append(relative)

    for name in STATIC_FILES:
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        emit(name, sha256_hex(text), partial(str, text))
    for entry in entries:
        emit(entry.page, entry.fingerprint, partial(article_page, entry))
        for version in entry.versions[1:]:
            emit(entry.version_page(version.article.version), version.json_path, partial(version_page, entry, version))
    feed = changes_feed(archive, entries)
    emit(CHANGES_FEED, sha256_hex(feed), partial(str, feed))
    _emit_listings(entries, emit)
    index = search_index(entries)
    emit("search-index.js", sha256_hex(index), lambda: index)

    for stale in sorted(set(previous) - set(pages)):
        (outdir / stale).unlink(missing_ok=True)
        report.removed.append(stale)
    write_atomic(outdir / MANIFEST_NAME, json.dumps({"format": SITE_FORMAT, "pages": pages}, indent=0) + "\n")
    write_atomic(archive.root / SITE_POINTER, str(outdir.absolute()) + "\n")
    return report


def article_page_path(archive: Archive, article_id: str, site_dir: Path | None = None) -> Path:
    """The article's page in the given site, or in the one last written for this archive."""
    if site_dir is None:
        try:
            site_dir = Path((archive.root / SITE_POINTER).read_text(encoding="utf-8").strip())
        except OSError:
            raise ConfigError("no static site written for this archive yet: run `newsarchive site OUTDIR`") from None
    page = (site_dir / f"article/{article_id}.html").absolute()
    if not page.exists():
        raise NotFoundError(f"article {article_id} has no page in {site_dir}: run `newsarchive site {site_dir}` again")
    return page


def _entry(archive: Archive, row: dict[str, Any]) -> _Entry:
    path = archive.root / row["json_path"]
    stat = path.stat()  # files are replaced by rename, never edited in place
    kept = tuple(versions(archive, row["id"])) if row["version"] > 1 else ()
    return _Entry(archive.read_article(path), f"{row['json_path']}:{stat.st_size}:{stat.st_mtime_ns}", kept)


def _load_manifest(outdir: Path) -> dict[str, Any]:
    try:
        data = json.loads((outdir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _emit_listings(entries: list[_Entry], emit: Callable[[str, str, Callable[[], str]], None]) -> None:
    """Home, and one page per day, section and site; each is rebuilt when its list changes."""
    by_day: dict[str, list[_Entry]] = defaultdict(list)
    by_section: dict[str, list[_Entry]] = defaultdict(list)
    by_site: dict[str, list[_Entry]] = defaultdict(list)
    by_tag: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.day].append(entry)
        by_section[entry.section_slug].append(entry)
        by_site[entry.site_slug].append(entry)
        for tag in entry.article.user_tags:
            by_tag[tag].append(entry)

    def listing(relative: str, title: str, group: list[_Entry]) -> None:
        key = sha256_hex(title + "".join(e.page + e.fingerprint for e in group))
        emit(relative, key, lambda: _listing_page(title, group))

    for day, group in by_day.items():
        listing(f"day/{day}.html", "Articles with no stated date" if day == UNDATED else f"Articles of {day}", group)
    for slug, group in by_section.items():
        listing(f"section/{slug}.html", f"Section: {group[0].article.section or slug}", group)
    for slug, group in by_site.items():
        listing(f"site/{slug}.html", f"Site: {group[0].site}", group)
    for tag, group in by_tag.items():
        listing(tag_page(tag), f"Tag: {tag}", group)
    home_key = sha256_hex("".join(e.page + e.fingerprint for e in entries))
    emit("index.html", home_key, lambda: _home_page(entries, by_section, by_site, by_tag))


# -- pages ----------------------------------------------------------------------------------


# A second wall behind the escaping: only the site's own files may load, nothing inline runs.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'"


def _layout(title: str, body: str, depth: int, script: bool = False, lang: str = "en") -> str:
    up = "../" * depth
    scripts = f'<script src="{up}search-index.js"></script>\n<script src="{up}search.js"></script>\n' if script else ""
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>{escape(title)} · newsarchive</title>
<link rel="icon" href="{up}favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{up}style.css">
</head>
<body>
<header class="top"><a class="home" href="{up}index.html">newsarchive</a></header>
<main>
{body}
</main>
{scripts}</body>
</html>
"""


def _article_item(entry: _Entry, up: str) -> str:
    article = entry.article
    meta = " · ".join(escape(part) for part in (entry.date, article.section or "", entry.site) if part)
    return f'<li dir="auto"><a href="{up}{entry.page}">{escape(article.title)}</a><span class="meta">{meta}</span></li>'


def _listing_page(title: str, entries: list[_Entry]) -> str:
    items = "\n".join(_article_item(entry, "../") for entry in entries)
    body = (
        f'<h1>{escape(title)}</h1>\n<p class="count">{len(entries)} article(s)</p>\n'
        f'<ol class="articles">\n{items}\n</ol>'
    )
    return _layout(title, body, depth=1)


def _home_page(
    entries: list[_Entry],
    by_section: dict[str, list[_Entry]],
    by_site: dict[str, list[_Entry]],
    by_tag: dict[str, list[_Entry]],
) -> str:
    latest = "\n".join(_article_item(entry, "") for entry in entries[:LATEST_ON_HOME])
    days = Counter(entry.day for entry in entries if entry.day != UNDATED)
    sections = "\n".join(
        f'<li><a href="section/{slug}.html">{escape(group[0].article.section or slug)}</a> '
        f'<span class="meta">{len(group)}</span></li>'
        for slug, group in sorted(by_section.items(), key=lambda item: (-len(item[1]), item[0]))
    )
    sites = "\n".join(
        f'<li><a href="site/{slug}.html">{escape(group[0].site)}</a> <span class="meta">{len(group)}</span></li>'
        for slug, group in sorted(by_site.items(), key=lambda item: (-len(item[1]), item[0]))
    )
    tags = "\n".join(
        f'<li><a href="{tag_page(tag)}">{escape(tag)}</a> <span class="meta">{len(group)}</span></li>'
        for tag, group in sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
    )
    tags_section = f'<section><h2>Your tags</h2><ul class="groups">\n{tags}\n</ul></section>\n' if tags else ""
    undated = sum(1 for entry in entries if entry.day == UNDATED)
    undated_link = (
        f'<p class="undated"><a href="day/{UNDATED}.html">{undated} article(s) with no stated date</a>, '
        "not on the chart</p>"
        if undated
        else ""
    )
    body = f"""<h1>The archive</h1>
<p class="count">{len(entries)} article(s)</p>
<form class="search" role="search" id="search-form">
<input id="search" type="search" placeholder="Search titles and text" aria-label="Search"
 autocomplete="off">
</form>
<section id="results" hidden><h2>Search results</h2><p id="result-count"></p>
<ol class="articles" id="result-list"></ol></section>
<section class="chart"><h2>Articles per day</h2>
{day_chart_svg(days)}
{undated_link}</section>
<section><h2>Latest</h2>
<ol class="articles">
{latest}
</ol></section>
<div class="columns">
<section><h2>Sections</h2><ul class="groups">
{sections}
</ul></section>
<section><h2>Sites</h2><ul class="groups">
{sites}
</ul></section>
{tags_section}</div>
<p class="meta">Edits to archived articles: <a href="{CHANGES_FEED}">Atom feed</a></p>"""
    return _layout("The archive", body, depth=0, script=True)


def article_page(entry: _Entry) -> str:
    article = entry.article
    facts = []
    if article.authors:
        facts.append(f'<span class="byline">By {escape(", ".join(article.authors))}</span>')
    if entry.date_stated:
        facts.append(
            f'<a href="../day/{entry.day}.html"><time datetime="{escape(article.published or "")}">'
            f"{entry.day}</time></a>"
        )
    else:
        facts.append(f'<a href="../day/{UNDATED}.html">{escape(entry.date)}</a>')
    if article.section:
        facts.append(f'<a href="../section/{entry.section_slug}.html">{escape(article.section)}</a>')
    facts.append(f'<a href="../site/{entry.site_slug}.html">{escape(entry.site)}</a>')
    tag_links = ", ".join(f'<a href="../{tag_page(tag)}">{escape(tag)}</a>' for tag in article.user_tags)
    tags = f'<p class="tags">Your tags: {tag_links}</p>\n' if tag_links else ""
    source = article.canonical_url or article.url
    source_link = ""
    if source and source.lower().startswith(("http://", "https://")):
        link = f'<a href="{escape(source)}" rel="nofollow noopener noreferrer">{escape(source)}</a>'
        source_link = f'<p class="source">Original: {link}</p>'
    body = f"""<article>
<h1 dir="auto">{escape(article.title)}</h1>
<p class="facts">{" · ".join(facts)}</p>
{tags}{source_link}
<div class="body" dir="auto">
{body_html(article)}
</div>
{_versions_list(entry)}<footer class="stored">Archived {escape(article.archived_at or "")} · version {article.version}
 · id {escape(article.id)}</footer>
</article>"""
    return _layout(article.title, body, depth=1, lang=article.language or "en")


def _versions_list(entry: _Entry) -> str:
    """The article's versions, each after the first linking to the page of what changed."""
    if not entry.versions:
        return ""
    items = []
    for version in entry.versions:
        number = version.article.version
        seen = escape(version.archived_at)
        page = f"{entry.article.id}/v{number}.html"  # beside the article's page
        label = f"Version {number}" if number == 1 else f'<a href="{page}">Version {number}</a>'
        items.append(f'<li>{label} <span class="meta">seen {seen} · {escape(version.summary)}</span></li>')
    return f'<section class="versions"><h2>Versions</h2>\n<ol>\n{chr(10).join(items)}\n</ol></section>\n'


def version_page(entry: _Entry, version: Version) -> str:
    """One version and what changed since the one before: words added and removed marked in the
    title, the metadata and each paragraph."""
    diff = version.diff
    assert diff is not None  # the first version has no page of its own
    article = version.article
    title = "".join(_marked(*part) for part in word_diff(*diff.title)) if diff.title else escape(article.title)
    shown = {name: [json.dumps(value, ensure_ascii=False) for value in pair] for name, pair in diff.metadata.items()}
    metadata = "".join(f"<li>{escape(name)}: {_marked_pair(*pair)}</li>" for name, pair in shown.items())
    metadata_list = f'<ul class="metadata-changes">{metadata}</ul>\n' if metadata else ""
    paragraphs = "\n".join(
        f'<p class="{paragraph.kind}">{"".join(_marked(kind, text) for kind, text in paragraph.words)}</p>'
        for paragraph in diff.paragraphs
    )
    body = f"""<article class="diff">
<p class="facts"><a href="../{article.id}.html">{escape(entry.article.title)}</a> · version {article.version},
seen {escape(version.archived_at)} · changes from version {diff.old_version}</p>
<h1 dir="auto">{title}</h1>
<p class="summary">{escape(version.summary)}</p>
{metadata_list}<div class="body" dir="auto">
{paragraphs}
</div>
</article>"""
    return _layout(f"{article.title} (version {article.version})", body, depth=2, lang=article.language or "en")


def _marked(kind: str, text: str) -> str:
    tag = {"added": "ins", "removed": "del"}.get(kind)
    return f"<{tag}>{escape(text)}</{tag}>" if tag else escape(text)


def _marked_pair(old: str, new: str) -> str:
    return f"{_marked('removed', old)} {_marked('added', new)}"


def changes_feed(archive: Archive, entries: list[_Entry]) -> str:
    """An Atom feed with one entry per edit seen (not a re-extraction), newest first, linking to
    its version page."""
    seen = [version for entry in entries for version in entry.versions[1:] if not version.reextracted]
    seen.sort(key=lambda version: (version.archived_at, version.article.id, version.article.version), reverse=True)
    feed_id = f"tag:newsarchive,2025:changes/{sha256_hex(str(archive.root.absolute()))[:16]}"
    updated = seen[0].archived_at if seen else "1970-01-01T00:00:00+00:00"
    items = []
    for version in seen:
        article_id, number = escape(version.article.id), version.article.version
        items.append(f"""<entry>
<title>{escape(version.article.title)} (version {number})</title>
<id>tag:newsarchive,2025:article/{article_id}/v{number}</id>
<updated>{escape(version.archived_at)}</updated>
<link rel="alternate" type="text/html" href="article/{article_id}/v{number}.html"/>
<summary>{escape(version.summary)}</summary>
</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="{ATOM_NAMESPACE}">
<title>newsarchive: changes to archived articles</title>
<id>{feed_id}</id>
<updated>{escape(updated)}</updated>
<author><name>newsarchive</name></author>
<link rel="self" type="application/atom+xml" href="{CHANGES_FEED}"/>
<link rel="alternate" type="text/html" href="index.html"/>
{chr(10).join(items)}
</feed>
"""


# -- article bodies -------------------------------------------------------------------------


@cache
def _markdown_renderer() -> Any:
    """CommonMark for the structure our Markdown writer makes (headings, lists, quotes, tables,
    fenced text, emphasised captions) and nothing else: raw HTML is escaped, and what the
    writer never makes (links, images, code spans, entities) stays literal text as the page
    showed it, so an article's text cannot turn into a link or an image."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").disable(["link", "image", "autolink", "backticks", "entity", "html_inline", "html_block"])
    return md


def body_html(article: Article) -> str:
    """The article body (its Markdown without front matter and title) as safe HTML; a paragraph
    that is one of the article's image captions is marked as a caption."""
    renderer = _markdown_renderer()
    tokens = renderer.parse(_body_markdown(article.markdown))
    captions = {" ".join((image.get("caption") or "").split()) for image in article.images} - {""}
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            children = inline.children or []
            emphasis_only = len(children) >= 2 and children[0].type == "em_open" and children[-1].type == "em_close"
            text = " ".join("".join(c.content for c in children if c.type == "text").split())
            if emphasis_only and (text in captions or not captions):
                token.attrSet("class", "caption")
    return renderer.renderer.render(tokens, renderer.options, {})


def _body_markdown(markdown: str) -> str:
    """What follows the front matter and the '# title' line."""
    lines = split_front_matter(markdown)[1].split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].startswith("# "):
        lines.pop(0)
    return "\n".join(lines)


# -- the chart and the search index -----------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 160
CHART_MAX_DAYS = 5 * 366  # older days are still on their own pages
MIN_BAR_SLOT = 3.0  # px per day; a longer span scrolls sideways


def day_chart_svg(counts: Counter[str] | dict[str, int]) -> str:
    """One bar per calendar day from the first dated article to the last (days without any
    leave a gap); each bar links to its day's page, years are marked under the axis."""
    if not counts:
        return '<p class="meta">No dated articles yet.</p>'
    last = date.fromisoformat(max(counts))
    first = max(date.fromisoformat(min(counts)), last - timedelta(days=CHART_MAX_DAYS - 1))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    top = max(counts.get(day.isoformat(), 0) for day in days) or 1
    slot = max(CHART_WIDTH / len(days), MIN_BAR_SLOT)
    width = slot * len(days)
    plot = CHART_HEIGHT - 36
    marks = []
    for n, day in enumerate(days):
        count = counts.get(day.isoformat(), 0)
        if count:
            height = max(2.0, plot * count / top)
            marks.append(
                f'<a href="day/{day.isoformat()}.html"><rect x="{n * slot + slot * 0.1:.1f}" '
                f'y="{16 + plot - height:.1f}" width="{max(slot * 0.8, 1):.1f}" height="{height:.1f}">'
                f"<title>{day.isoformat()}: {count}</title></rect></a>"
            )
        if (day.month, day.day) == (1, 1) and 0 < n < len(days) - 1:
            marks.append(f'<text x="{n * slot:.1f}" y="{CHART_HEIGHT - 18}">{day.year}</text>')
    return (
        f'<div class="chart-scroll"><svg class="day-chart" width="{width:.0f}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {width:.0f} {CHART_HEIGHT}" role="img" '
        f'aria-label="Articles per day, {first.isoformat()} to {last.isoformat()}, at most {top} a day">'
        f'<line x1="0" x2="{width:.0f}" y1="{16 + plot + 0.5}" y2="{16 + plot + 0.5}"/>'
        f'<text x="0" y="{CHART_HEIGHT - 4}">{first.isoformat()}</text>'
        f'<text x="{width:.0f}" y="{CHART_HEIGHT - 4}" text-anchor="end">{last.isoformat()}</text>'
        f'<text x="{width:.0f}" y="10" text-anchor="end">most in a day: {top}</text>'
        f"{''.join(marks)}</svg></div>"
    )


def search_index(entries: Iterable[_Entry]) -> str:
    """The client-side search's data as a script (a JSON object assigned to a global), since a
    page opened from file:// may not fetch() a JSON file. Each article carries the folded words
    of its title and text, in order, the same the index holds, so search.js matches as the
    command line does (phrases included)."""
    from newsarchive.store.search import search_words

    rows = []
    for entry in entries:
        article = entry.article
        rows.append(
            {
                "p": entry.page,
                "t": article.title,
                "d": entry.date,
                "s": article.section or "",
                "w": [search_words(article.title), search_words(article.text)],
                "x": " ".join(article.text.split())[:SNIPPET_CHARS],
            }
        )
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")  # no tag, ever
    return "window.NEWSARCHIVE_INDEX = " + data + ";\n"
