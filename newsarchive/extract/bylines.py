"""Who wrote the article, as the page prints it: a byline ('By Jane Doe, Staff Writer'), an
author box, a dateline's reporter; and the cleaning every author name goes through, declared
or printed (no 'By', no job titles, no picture credits, no site standing in for a writer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from lxml import html as lxml_html

from newsarchive.extract.clean import name_key
from newsarchive.extract.rules import (
    AUTHOR_BOX_WORDS,
    BYLINE_LABELS,
    BYLINE_LABELS_UNSPACED,
    BYLINE_MAX_WORDS,
    BYLINE_SEARCH_BLOCKS,
    CREDIT_WORDS,
    MAX_NAME_WORDS,
    OTHER_STORIES_XPATH,
    REGEX_NS,
)
from newsarchive.text import normalize_space

# Controls and hidden dialogs that an author box carries: "Follow" buttons, a login prompt's "Cancel".
NOT_SHOWN_XPATH = (
    "ancestor-or-self::button | ancestor-or-self::form | ancestor-or-self::dialog | "
    "ancestor-or-self::*[@role='button' or @hidden or @aria-hidden='true' or "
    "contains(translate(@style, ' ', ''), 'display:none')]"
)
HANDLE = re.compile(r"@\w+")


def _alternatives(labels: Iterable[str]) -> str:
    """Labels as one regular expression, the longest first; a space in a label matches any white space."""
    return "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in sorted(labels, key=len, reverse=True))


# A byline label before a name, then a colon or a space; in scripts without spaces, a separator.
_SPACED_LABEL = rf"(?:{_alternatives(BYLINE_LABELS)})(?:\s*[:：]\s*|\s+)"
_UNSPACED_LABEL = rf"(?:{_alternatives(BYLINE_LABELS_UNSPACED)})"
# The label that a declared or printed author string may still carry ('By Jane Doe', '記者／山田').
BYLINE_PREFIX = re.compile(rf"^(?:{_SPACED_LABEL}|{_UNSPACED_LABEL}\s*[／/:：]\s*)", re.IGNORECASE)
NAME_SUFFIX = re.compile(r"\s*(?:記者|记者|特派員|編集委員)$")
DATE_WORDS = re.compile(
    r"(?:updated|published|posted|today|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b.*", re.IGNORECASE
)
AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\||\sو\s|、)\s*", re.IGNORECASE)
# A credit that names where a text or a picture came from, not who wrote it: "Quelle: dpa",
# "Source: Reuters", "(Image: Getty Images)", "Foto: ...".
CREDIT_LABEL = re.compile(rf"^[(\[]?\s*(?:{CREDIT_WORDS})\s*:", re.IGNORECASE)
# Words that stand alone in an author box: the byline's "By", buttons such as "Follow".
NOT_NAMES = frozenset(BYLINE_LABELS) | AUTHOR_BOX_WORDS
# Initials a newsroom adds after a name: "Jane Doe (jd)", "Jane Doe (AFP)".
NAME_INITIALS = re.compile(r"\s*\((?:[a-z]{2,5}\.?|[A-Z]{2,5})\)$")
# A link given as a name ("https://...", "www.example.com", "facebook.com/somepaper"), and a
# site named by its address ("example.co.uk"), which is the outlet, not a writer.
LINK = re.compile(r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)+/", re.IGNORECASE)
WEB_ADDRESS = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
# A printed byline: its label, then the names (in scripts without spaces, the separator may be missing).
BYLINE_TEXT = re.compile(rf"^(?:{_SPACED_LABEL}|{_UNSPACED_LABEL}\s*[:：／/]?\s*)(?P<names>.+)$", re.IGNORECASE)
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


def element_lines(
    element: lxml_html.HtmlElement, breaks: tuple[str, ...] = ("br",), source_breaks: bool = True
) -> list[str]:
    """An element's text as lines, breaking at <br> (or the given tags), and, unless told
    otherwise, where the source breaks its text (a byline's name and a button beside it)."""
    parts: list[str] = []
    for node in element.iter():
        if node.tag in breaks:
            parts.append("\n")
        elif node.text and isinstance(node.tag, str):
            parts.append(node.text if source_breaks else node.text.replace("\n", " "))
        if node is not element and node.tail:
            parts.append(node.tail if source_breaks else node.tail.replace("\n", " "))
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
