"""The boilerplate stripper: removes what is not the article, by rules kept as data.

Every rule is anchored to a whole line (after trimming decoration such as arrows and colons),
or to a trailing block that starts with a "related"-style heading and holds only short lines.
A body sentence that merely *contains* "related articles" or "source link" is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urlsplit

from newsarchive.config import Settings, compile_strip_pattern
from newsarchive.extract.rules import LINE_RULES
from newsarchive.model import Block, RuleRole, StripRule, site_of
from newsarchive.text import line_key, normalize_space

# The roles of a line that opens a trailing widget of links (removed with everything after it).
TRAILING_BLOCK_ROLES = frozenset({"trailing-block", "related"})
LEARNED = "learned"  # what removed a line the archive learned that its site repeats
MAX_TRAILING_LINE_WORDS = 20
STATEMENT_END = re.compile(r"[.!…][\"'“”‘’»«)\]\s]*$")  # a headline may ask a question
SENTENCE_END = re.compile(r"[.!?…][\"'“”‘’»«)\]\s]*$")

BARE_URL = re.compile(r"https?://\S+")
_DECORATION = " \t\u00a0:|»›→←•·▶►>-–—….!"

# Title suffix " | X News" names the story's category (e.g. " | Russia-Ukraine war News").
CATEGORY_SUFFIX = re.compile(r"\s+\|\s+(?P<category>[^|]{2,60}?)\s+News\s*$")
TITLE_SEPARATORS = re.compile(r"\s+(\||-|–|—|::|·|•)\s+")
MAX_SUFFIX_WORDS = 4


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    role: RuleRole = "line"


@dataclass(frozen=True)
class Removal:
    """A line the stripper took out, and the rule that took it."""

    text: str
    rule: str
    block_index: int
    detail: str | None = None  # for a learned line: how often the site repeats it
    role: RuleRole = "line"  # the role of the rule that took it


class LearnedBoilerplate(Protocol):
    """Lines a site repeats across its articles (the archive's index keeps the counts)."""

    def learned_lines(self, site: str) -> Mapping[str, str]:
        """line_key → why the line counts as boilerplate, for one site."""
        ...


@dataclass(frozen=True)
class StripResult:
    blocks: list[Block]
    removed: list[Removal]


def _compile(rule: StripRule) -> Rule:
    return Rule(rule.name, compile_strip_pattern(rule.pattern), rule.role)


BUILTIN_RULES: tuple[Rule, ...] = tuple(map(_compile, LINE_RULES))
MAX_RULE_LINE_CHARS = 400  # a longer line is a paragraph of the story, whatever it starts with
# What removes a line of nothing but decoration, and a line that only links to the page's own site.
DECORATION = Rule("decoration", re.compile(f"[{re.escape(_DECORATION)}]+"))
OWN_LINK = Rule("own-link", BARE_URL)


def merged_rules(user_rules: Iterable[StripRule]) -> tuple[Rule, ...]:
    """The packaged rules with the user's merged over them: a user rule named like a packaged
    one takes its place (and its turn), the others come after the packaged ones."""
    by_name = {rule.name: _compile(rule) for rule in user_rules}
    packaged = tuple(by_name.pop(rule.name, rule) for rule in BUILTIN_RULES)
    return packaged + tuple(by_name.values())


class Stripper:
    """Applies the packaged rules with the user's rules file merged over them and the user's
    own patterns (whole-line regular expressions) after them, then the lines the archive has
    learned that a site repeats in its articles."""

    def __init__(
        self,
        extra_patterns: Iterable[str] = (),
        learned: LearnedBoilerplate | None = None,
        user_rules: Iterable[StripRule] = (),
    ) -> None:
        user = [_compile(StripRule(f"user:{pattern}", pattern)) for pattern in extra_patterns]
        self.rules: tuple[Rule, ...] = merged_rules(user_rules) + tuple(user)
        self.learned = learned

    @classmethod
    def from_settings(cls, settings: Settings, learned: LearnedBoilerplate | None = None) -> Stripper:
        """The stripper a run's settings ask for: their rules file and their strip patterns."""
        return cls(settings.strip, learned, settings.rules)

    def match_rule(self, line: str) -> Rule | None:
        """The first rule that matches this whole line, or None; a line of nothing but
        decoration (a lone "|" or "•" left of a widget) is DECORATION's."""
        trimmed = line.strip(_DECORATION)
        if not trimmed:
            return DECORATION if line.strip() else None
        if len(trimmed) > MAX_RULE_LINE_CHARS:
            return None
        for rule in self.rules:
            if rule.pattern.fullmatch(trimmed):
                return rule
        return None

    def strip(self, blocks: Sequence[Block], page_url: str | None = None) -> StripResult:
        """Remove junk lines; a line that is only a link to the page's own site (a share or
        permalink widget) goes too, while links elsewhere may be the article's content."""
        own_host = _host(page_url)
        site = site_of(page_url)
        learned = self.learned.learned_lines(site) if self.learned and site else None
        kept: list[tuple[int, Block]] = []
        removed: list[Removal] = []
        for index, block in enumerate(blocks):
            lines = [normalize_space(line) for line in block.text.split("\n")]
            keep_lines = []
            for line in lines:
                if not line:
                    continue
                rule = self.match_rule(line) or (OWN_LINK if own_host and _host(line) == own_host else None)
                # Asked of every line no rule took, even when the site has learned nothing yet:
                # runs.pipeline checks a worker's answers against the index's once it catches up.
                if rule is None and learned is not None and (key := line_key(line)) in learned:
                    removed.append(Removal(line, LEARNED, index, learned[key]))
                elif rule is None:
                    keep_lines.append(line)
                else:
                    removed.append(Removal(line, rule.name, index, role=rule.role))
            if keep_lines:
                kept.append((index, replace(block, text="\n".join(keep_lines))))
        kept = self._drop_trailing_block(blocks, kept, removed)
        removed.sort(key=lambda removal: removal.block_index)
        return StripResult([block for _, block in kept], removed)

    def _drop_trailing_block(
        self, original: Sequence[Block], kept: list[tuple[int, Block]], removed: list[Removal]
    ) -> list[tuple[int, Block]]:
        """Remove a trailing 'Related articles' widget: its heading and the short lines after it."""
        starter = next((r for r in reversed(removed) if r.role in TRAILING_BLOCK_ROLES), None)
        if starter is None:
            return kept
        tail = [(i, b) for i, b in kept if i > starter.block_index]
        if not tail or not all(_looks_like_link_line(b.text) for _, b in tail):
            return kept
        for index, block in tail:
            removed.append(Removal(block.text, f"{starter.rule}-block", index))
        return [(i, b) for i, b in kept if i <= starter.block_index]


def _host(text: str | None) -> str | None:
    """The host of a text that is nothing but an http(s) URL, without 'www.'."""
    if not text or not BARE_URL.fullmatch(text.strip()):
        return None
    host = urlsplit(text.strip()).hostname or ""
    return host.removeprefix("www.") or None


def _looks_like_link_line(text: str) -> bool:
    """Headlines in a link list are short and are not sentences."""
    return len(text.split()) <= MAX_TRAILING_LINE_WORDS and not STATEMENT_END.search(text)


def split_title(title: str, site_name: str | None = None) -> tuple[str, list[str]]:
    """Remove site and category suffixes from a title; returns the title and any categories.

    " | X News" becomes category X. A trailing " | Site" or " - Site" is dropped when it names
    the site, or (for "|") when it is short; a dash inside a real headline stays.
    """
    title = normalize_space(title)
    categories: list[str] = []
    match = CATEGORY_SUFFIX.search(title)
    if match:
        categories.append(match.group("category").strip())
        title = title[: match.start()].strip()
    site_key = name_key(site_name) if site_name else None
    while True:
        separators = list(TITLE_SEPARATORS.finditer(title))
        if not separators:
            break
        last = separators[-1]
        head, separator, suffix = title[: last.start()].strip(), last.group(1), title[last.end() :].strip()
        names_site = (
            site_key is not None
            and bool(name_key(suffix))
            and (name_key(suffix) == site_key or name_key(suffix) in site_key or site_key in name_key(suffix))
        )
        short_pipe = separator in {"|", "::", "·", "•"} and len(suffix.split()) <= MAX_SUFFIX_WORDS
        if not head or not (names_site or short_pipe):
            break
        title = head
    return title, categories


def name_key(text: str) -> str:
    """Letters and digits only, casefolded: how two spellings of one name compare."""
    return re.sub(r"[\W_]+", "", text.casefold())
