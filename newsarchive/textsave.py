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
