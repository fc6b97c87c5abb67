"""Parser for plain-text saves: the shape a browser's "save as text" or a copy-paste gives.

WORLD                      <- optional short upper-case line: the section
Title | Topic News         <- the title (a " | X News" suffix names the category)
Paragraph...
Short line, no full stop   <- a subheading
Medinsky                   <- an image's alt text, when the next line is a caption
Caption text [File: A / B] <- a caption, recognized by its photo credit
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsarchive.clean import SENTENCE_END, normalize_space
from newsarchive.errors import ExtractionError
from newsarchive.model import Block

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


FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MARKDOWN_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)[^)]*\)$")
MARKDOWN_EMPHASIS = re.compile(r"^[*_](?P<text>[^*_].*[^*_])[*_]$")
MARKDOWN_INLINE = re.compile(r"!\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|[*_`]{1,3}")


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return []


def _inline(text: str) -> str:
    """Markdown inline markup to plain text: links keep their words, emphasis marks go."""
    return normalize_space(MARKDOWN_INLINE.sub(lambda m: m.group(1) or m.group(2) or "", text))


def parse_markdown_save(text: str) -> TextSave:
    """A Markdown save: YAML front matter (title, url, date, author(s), tags, section) and a body."""
    import yaml

    meta: dict[str, object] = {}
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group("yaml"))
        except yaml.YAMLError as exc:
            raise ExtractionError(f"unreadable front matter ({str(exc).splitlines()[0]})") from None
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[match.end() :]
    blocks: list[Block] = []
    title = str(meta["title"]).strip() if meta.get("title") else None
    for lines in _groups(text):
        paragraph: list[str] = []
        for line in lines:
            heading = MARKDOWN_HEADING.match(line)
            image = MARKDOWN_IMAGE.match(line)
            if heading and len(heading.group(1)) == 1 and title is None and not blocks:
                title = _inline(heading.group(2))
            elif heading:
                blocks.append(Block("heading", _inline(heading.group(2)), level=max(2, len(heading.group(1)))))
            elif image:
                blocks.append(Block("image", "", alt=image["alt"] or None, src=image["src"] or None))
            elif line.startswith(("- ", "* ", "+ ")):
                blocks.append(Block("list_item", _inline(line[2:])))
            elif line.startswith(">"):
                blocks.append(Block("quote", _inline(line.lstrip("> "))))
            elif MARKDOWN_EMPHASIS.match(line) and blocks and blocks[-1].kind == "image" and not blocks[-1].text:
                previous = blocks.pop()
                blocks.append(Block("image", _inline(line), alt=previous.alt, src=previous.src))
            else:
                paragraph.append(_inline(line))
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
    if not title:
        raise ExtractionError("no title found (no 'title' in the front matter and no '# ' heading)")
    published = meta.get("date") or meta.get("published")
    return TextSave(
        title=title,
        section=str(meta["section"]) if meta.get("section") else None,
        blocks=blocks,
        url=str(meta["url"]) if meta.get("url") else None,
        published=published.isoformat() if hasattr(published, "isoformat") else (str(published) if published else None),
        authors=_as_list(meta.get("authors") or meta.get("author")),
        tags=_as_list(meta.get("tags") or meta.get("categories")),
    )
