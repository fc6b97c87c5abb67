"""Builders for small, valid news pages used across the tests."""

from __future__ import annotations

import html
import json

from newsarchive.extract.article import build_article
from newsarchive.extract.clean import Stripper
from newsarchive.model import Article, RawPage

LOREM = (
    "The committee met on {day} to review the proposal, and members asked detailed questions "
    "about the cost, the schedule and the people who would be affected by the change."
)


def about(topic: str, count: int = 3) -> list[str]:
    """Distinct paragraphs on a topic (identical paragraphs are deduplicated by extractors)."""
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return [
        f"On {days[i % 7]} the {topic} was discussed again, paragraph {i + 1} of the story, "
        f"with officials giving new details about the {topic} to reporters."
        for i in range(count)
    ]


def news_page(
    title: str = "Harbour bridge reopens after repairs",
    paragraphs: list[str] | None = None,
    *,
    url: str | None = "https://news.example.org/local/2024/03/14/bridge-reopens.html",
    section: str | None = "Local",
    published: str | None = "2024-03-14T09:30:00+01:00",
    author: str | None = "Dana Whitfield",
    site: str = "Example Gazette",
    extra_body: str = "",
) -> str:
    paragraphs = paragraphs or [LOREM.format(day=day) for day in ("Monday", "Tuesday", "Wednesday")]
    meta = []
    if url:
        meta.append(f'<link rel="canonical" href="{html.escape(url)}">')
    if section:
        meta.append(f'<meta property="article:section" content="{html.escape(section)}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{published}">')
    if author:
        meta.append(f'<meta name="author" content="{html.escape(author)}">')
    meta.append(f'<meta property="og:site_name" content="{html.escape(site)}">')
    meta.append('<meta property="og:type" content="article">')
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | {html.escape(site)}</title>
{chr(10).join(meta)}
</head><body>
<header><nav><a href="/">Home</a> <a href="/local/">Local</a></nav></header>
<main><article><h1>{html.escape(title)}</h1>
{body}
{extra_body}
</article></main>
<footer><p>© 2024 {html.escape(site)}. All rights reserved.</p></footer>
</body></html>"""


def article_from(page: str, *, location: str = "/saved/page.html", url: str | None = None) -> Article:
    raw = RawPage(
        content=page.encode("utf-8"),
        kind="file",
        location=location,
        format="html",
        url=url,
        file_mtime="2024-03-15T10:00:00+00:00",
    )
    return build_article(raw, Stripper())


def json_ld(data: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'
