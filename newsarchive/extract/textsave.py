"""Parsers for text saves: Markdown, read as CommonMark, and plain text, the shape a browser's
"save as text" or a copy-paste gives:

WORLD                      <- optional short upper-case line: the section
Title | Topic News         <- the title (a " | X News" suffix names the category)
Paragraph...
Short line, no full stop   <- a subheading
Medinsky                   <- an image's alt text, when the next line is a caption
Caption text [File: A / B] <- a caption, recognized by its photo credit
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING

from newsarchive.errors import ExtractionError
from newsarchive.extract.clean import SENTENCE_END
from newsarchive.model import Block, BlockKind
from newsarchive.text import normalize_space

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

MAX_SECTION_CHARS = 40
MAX_HEADING_WORDS = 12
MAX_HEADING_CHARS = 100
MAX_ALT_WORDS = 12
# "[File: Murad Sezer / Reuters]", "(Photo: AP)", "[Jane Doe/Agency]" at the end of a line.
PHOTO_CREDIT = re.compile(
    r"[\[(]\s*(?:(?:file|photo|image|picture|pictured|foto|credit)\s*:\s*)?[^\[\]()]{1,80}?"
    r"(?:/[^\[\]()]{1,60}|:\s*[^\[\]()]{1,60})[\])]\s*$",
    re.IGNORECASE,
)
OPENING_PUNCTUATION = re.compile(r"[:;,]\s*$")


@dataclass
class TextSave:
    title: str
    section: str | None
    blocks: list[Block] = field(default_factory=list)
    # What a Markdown save's front matter declares; a plain-text save declares none of it.
    url: str | None = None
    published: str | None = None
    saved: str | None = None  # when a save with no stated date was made (our own front matter's `saved:`)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _groups(text: str) -> list[list[str]]:
    """Runs of non-blank lines, separated by blank lines."""
    groups: list[list[str]] = []
    current: list[str] = []
    for raw_line in text.splitlines():
        line = normalize_space(raw_line)
        if line:
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _is_section_line(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return (
        bool(letters)
        and len(line) <= MAX_SECTION_CHARS
        and all(c.isupper() for c in letters)
        and not SENTENCE_END.search(line)
    )


def _is_heading(line: str) -> bool:
    return (
        len(line) <= MAX_HEADING_CHARS
        and len(line.split()) <= MAX_HEADING_WORDS
        and not SENTENCE_END.search(line)
        and not OPENING_PUNCTUATION.search(line)
    )


def _group_blocks(lines: list[str]) -> list[Block]:
    """Blocks of one run of lines: caption pairs are found; other lines make a paragraph."""
    blocks: list[Block] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            blocks.append(Block("paragraph", " ".join(pending)))
            pending.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else None
        if (
            following is not None
            and PHOTO_CREDIT.search(following)
            and len(line.split()) <= MAX_ALT_WORDS
            and not SENTENCE_END.search(line)
        ):
            flush()
            blocks.append(Block("image", following, alt=line))
            index += 2
            continue
        if PHOTO_CREDIT.search(line) and len(lines) == 1:
            blocks.append(Block("image", line))
        else:
            pending.append(line)
        index += 1
    flush()
    return blocks


def parse_text_save(text: str) -> TextSave:
    """Split a plain-text save into section, title and body blocks."""
    groups = _groups(text)
    if not groups:
        raise ExtractionError("no article body found (the file holds no text)")
    section = None
    if len(groups) > 1 and _is_section_line(groups[0][0]):
        section = groups[0][0].title()
        groups[0] = groups[0][1:]
        if not groups[0]:
            groups.pop(0)
    title, *rest_of_first = groups[0]
    body_groups = ([rest_of_first] if rest_of_first else []) + groups[1:]

    blocks: list[Block] = []
    for position, lines in enumerate(body_groups):
        is_last = position == len(body_groups) - 1
        between_paragraphs = bool(blocks) and not is_last
        if len(lines) == 1 and between_paragraphs and _is_heading(lines[0]) and not PHOTO_CREDIT.search(lines[0]):
            blocks.append(Block("heading", lines[0], level=2))
        else:
            blocks.extend(_group_blocks(lines))
    return TextSave(title=title, section=section, blocks=blocks)


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return []


@cache
def _markdown_parser() -> MarkdownIt:
    """CommonMark with the front matter and the tables our writer makes; raw HTML stays text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    return MarkdownIt("commonmark", {"html": False}).enable("table").use(front_matter_plugin)


def _inline_text(node: SyntaxTreeNode) -> str:
    """Inline Markdown as plain text: escapes and emphasis marks go, a link or an image keeps
    its words, a hard line break stays a line break."""
    parts = []
    for child in node.children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        else:  # em, strong, link, image: their words
            parts.append(_inline_text(child))
    lines = (normalize_space(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _is_space(node: SyntaxTreeNode) -> bool:
    return node.type in ("softbreak", "hardbreak") or (node.type == "text" and not node.content.strip())


def _figure_blocks(inline: SyntaxTreeNode) -> list[Block] | None:
    """A paragraph of nothing but images and emphasised lines is figures: each image, and each
    caption ('*caption*', the way our writer gives one), as an image block."""
    parts = [child for child in inline.children if not _is_space(child)]
    if not parts or any(part.type not in ("image", "em") for part in parts):
        return None
    return [
        Block("image", "", alt=_inline_text(part) or None, src=str(part.attrs["src"]) or None)
        if part.type == "image"
        else Block("image", _inline_text(part))
        for part in parts
    ]


def _container_blocks(node: SyntaxTreeNode, kind: BlockKind) -> Iterator[Block]:
    """A list item or a quote: the text of its paragraphs, one line each, as one block; what is
    nested in it (a list, a fence) follows as blocks of its own."""
    lines: list[str] = []
    for child in node.children:
        if child.type in ("paragraph", "heading"):
            lines.append(_inline_text(child.children[0]))
            continue
        if lines:
            yield Block(kind, "\n".join(lines))
            lines = []
        yield from _node_blocks(child)
    if lines:
        yield Block(kind, "\n".join(lines))


def _node_blocks(node: SyntaxTreeNode) -> Iterator[Block]:
    """The blocks of one node of the Markdown syntax tree, in document order."""
    if node.type == "heading":
        yield Block("heading", _inline_text(node.children[0]), level=max(2, int(node.tag[1])))
    elif node.type == "paragraph":
        inline = node.children[0]
        yield from _figure_blocks(inline) or [Block("paragraph", _inline_text(inline))]
    elif node.type in ("fence", "code_block"):
        if node.content.strip():
            yield Block("preformatted", node.content.strip("\n"))
    elif node.type in ("list_item", "blockquote"):
        yield from _container_blocks(node, "list_item" if node.type == "list_item" else "quote")
    elif node.type == "tr":
        cells = (_inline_text(cell.children[0]) for cell in node.children if cell.children)
        yield Block("table_row", " | ".join(cell for cell in cells if cell))
    else:  # the document, lists, tables and their parts
        for child in node.children:
            yield from _node_blocks(child)


def _with_captions(blocks: Iterator[Block]) -> list[Block]:
    """Text blocks that are not empty, and a caption under its image ('![alt](src)' then
    '*caption*') joined to that image."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        is_caption = block.kind == "image" and block.src is None and block.alt is None
        if is_caption and previous and previous.kind == "image" and not previous.text:
            joined[-1] = replace(previous, text=block.text)
        elif block.text or block.kind == "image":
            joined.append(block)
    return joined


def _front_matter(node: SyntaxTreeNode | None) -> dict[str, object]:
    import yaml

    if node is None:
        return {}
    try:
        loaded = yaml.safe_load(node.content)
    except yaml.YAMLError as exc:
        raise ExtractionError(f"unreadable front matter ({str(exc).splitlines()[0]})") from None
    return loaded if isinstance(loaded, dict) else {}


def parse_markdown_save(text: str) -> TextSave:
    """A Markdown save: YAML front matter (title, url, date, author(s), tags, section) and a
    body; a '# ' heading that opens the body is the title, when the front matter names none
    or names the same."""
    from markdown_it.tree import SyntaxTreeNode

    nodes = SyntaxTreeNode(_markdown_parser().parse(text)).children
    front = nodes[0] if nodes and nodes[0].type == "front_matter" else None
    meta = _front_matter(front)
    body = nodes[1:] if front else nodes
    title = str(meta["title"]).strip() if meta.get("title") else None
    if body and body[0].type == "heading" and body[0].tag == "h1":
        headline = _inline_text(body[0].children[0])
        if title is None or headline.casefold() == normalize_space(title).casefold():
            title, body = title or headline, body[1:]
    if not title:
        raise ExtractionError("no title found (no 'title' in the front matter and no '# ' heading)")
    published = meta.get("date") or meta.get("published")
    return TextSave(
        title=title,
        section=str(meta["section"]) if meta.get("section") else None,
        blocks=_with_captions(block for node in body for block in _node_blocks(node)),
        url=str(meta["url"]) if meta.get("url") else None,
        published=published.isoformat() if hasattr(published, "isoformat") else (str(published) if published else None),
        saved=str(meta["saved"]) if meta.get("saved") else None,
        authors=_as_list(meta.get("authors") or meta.get("author")),
        tags=_as_list(meta.get("tags") or meta.get("categories")),
    )
