"""Article → the two file forms we keep: JSON (for programs) and Markdown (for people).

Both extraction (which renders an article's Markdown) and the readers of the archive use them,
so they sit beside the model rather than in a stage."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import MISSING, fields

from newsarchive.errors import ArticleDataError
from newsarchive.model import SCHEMA_VERSION, UNSTATED_DATE_SOURCES, Article, Block
from newsarchive.text import split_front_matter

# What a line may open with that Markdown reads as structure: a heading, a quote, a list item
# ('-', '+', '*', '1.' or '1)'), a rule or setext underline, a table row, a fence, a link definition.
MARKDOWN_BLOCK_START = re.compile(r"^(\s*(?:\d+(?=[.)]))?)([#>*+=|`~]|-(?=\s|-|$)|(?<=\d)[.)](?=\s|$)|\[(?=[^\]]*\]:))")

# What Markdown reads as markup inside a line: a backslash escape, emphasis ('*', and '_' that is
# not inside a word), a code span, a link's '](', an autolink or an entity.
MARKDOWN_INLINE = re.compile(
    r"\\(?=[!-/:-@\[-`{-~]|$)|[*`]|(?<![^\W_])_|_(?![^\W_])|(?<=\])\(|<(?=[^\s<>]*>)|&(?=#?\w+;)"
)


def _yaml_value(value: object) -> str:
    # JSON strings and arrays are valid YAML flow scalars and sequences, with all escaping done.
    return json.dumps(value, ensure_ascii=False)


def front_matter(article: Article) -> str:
    """YAML front matter. A date the page does not state is no `date:` (a reader of the file
    would take it for the publication date) but a comment saying so, and `saved:`, so that
    importing the file again gives the same article."""
    fields = {
        "title": article.title,
        "url": article.canonical_url or article.url,
        "date": article.published,
        "section": article.section,
        "authors": article.authors,
        "tags": sorted(set(article.categories) | set(article.tags), key=str.casefold),
        "id": article.id,
    }
    lines = []
    for key, value in fields.items():
        if key == "date" and article.date_source in UNSTATED_DATE_SOURCES:
            lines.append(f"# {shown_date(article.published, article.date_source)}")
            lines.append(f"saved: {_yaml_value(article.published)}")
        elif value not in (None, []):
            lines.append(f"{key}: {_yaml_value(value)}")
    return "---\n" + "\n".join(lines) + "\n---"


def _escape_inline(text: str) -> str:
    """Keep text from being read as Markdown markup, so that it reads back as the same text."""
    return MARKDOWN_INLINE.sub(lambda m: "\\" + m.group(), text)


def _escape(text: str) -> str:
    """Keep a line from being read as Markdown structure (a heading, a list, a quote) or markup."""
    return MARKDOWN_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), _escape_inline(text))


def _escape_heading(text: str) -> str:
    """A heading's text as it reads: markup escaped, and a closing '#' kept as text."""
    return re.sub(r"#$", r"\\#", _escape_inline(text))


def _block_markdown(block: Block) -> str:
    lines = block.text.split("\n")
    if block.kind == "heading":
        return "#" * min(max(block.level, 2), 6) + " " + _escape_heading(" ".join(lines))
    if block.kind == "list_item":
        return "- " + "  \n  ".join(_escape(line) for line in lines)
    if block.kind == "quote":
        return "\n>\n".join("> " + _escape(line) for line in lines)
    if block.kind == "image":
        return "*" + _escape_inline(" ".join(lines)) + "*" if block.text else ""
    if block.kind == "table_row":
        return "| " + _escape_inline(" ".join(lines)) + " |"
    if block.kind == "preformatted":
        return "```\n" + block.text.replace("```", "` ` `") + "\n```"
    return "  \n".join(_escape(line) for line in lines)


def render_markdown(article: Article, blocks: Sequence[Block]) -> str:
    """Front matter, the title as '#', then the body; list items stay together."""
    parts = [front_matter(article), "# " + _escape_heading(article.title.replace("\n", " "))]
    previous_kind = None
    for block in blocks:
        rendered = _block_markdown(block)
        if not rendered:
            continue
        if block.kind == previous_kind == "list_item":
            parts[-1] += "\n" + rendered
        elif block.kind == previous_kind == "table_row":
            if "\n" not in parts[-1]:  # the first row is the header; Markdown wants a rule under it
                parts[-1] += "\n|" + " --- |" * (parts[-1].count(" | ") + 1)
            parts[-1] += "\n" + rendered
        else:
            parts.append(rendered)
        previous_kind = block.kind
    return "\n\n".join(parts) + "\n"


def article_json(article: Article) -> str:
    """Stable JSON: sorted keys, UTF-8 text, a trailing newline."""
    return json.dumps(article.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# Fields whose JSON type is checked before an article is made of the rest: what every later
# stage reads without looking (the index, the checksum, the raw page reference).
TYPED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "version": int,
    "title": str,
    "authors": list,
    "section_slug": str,
    "text": str,
    "markdown": str,
    "content_sha256": str,
    "source": dict,
    "schema_version": int,
}
# Fields an article file must have: those of Article without a default, and the typed ones.
REQUIRED_FIELDS = [
    f.name for f in fields(Article) if (f.default is MISSING and f.default_factory is MISSING) or f.name in TYPED_FIELDS
]


def read_article_json(text: str | bytes) -> Article:
    """The one reader of article_json's form, for archive files, `verify` and JSONL imports:
    the article, or ArticleDataError saying in one line what is wrong (not JSON, a field
    missing or not of its type, an unknown schema_version, user tags that are not tags)."""
    try:
        data = json.loads(text)
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise ArticleDataError(f"not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ArticleDataError("not a JSON object")
    missing = next((name for name in REQUIRED_FIELDS if name not in data), None)
    if missing:
        raise ArticleDataError(f"field {missing!r} missing")
    for name, kind in TYPED_FIELDS.items():
        if not isinstance(data[name], kind):
            raise ArticleDataError(f"field {name!r} is not a {_type_name(kind)}")
    if not 1 <= data["schema_version"] <= SCHEMA_VERSION:
        raise ArticleDataError(
            f"unknown schema_version {data['schema_version']}: this newsarchive reads 1 to {SCHEMA_VERSION}"
        )
    try:
        return Article.from_dict(data)
    except ValueError as exc:  # user tags that are not tags
        raise ArticleDataError(str(exc)) from None


def _type_name(kind: type | tuple[type, ...]) -> str:
    return kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)


def shown_date(published: str | None, date_source: str | None) -> str:
    """The day to show people: the day the page states, or, for a page that states none and
    is filed under the day it was saved or fetched, 'date unknown (saved YYYY-MM-DD)'."""
    day = (published or "")[:10]
    if not day:
        return "undated"
    return f"date unknown (saved {day})" if date_source in UNSTATED_DATE_SOURCES else day


def reading_markdown(article: Article) -> str:
    """The article's Markdown with its front matter written from its fields now, so that an
    article stored before the front matter told unknown dates apart reads as one too."""
    header, body = split_front_matter(article.markdown)
    return front_matter(article) + "\n" + body if header is not None else article.markdown
