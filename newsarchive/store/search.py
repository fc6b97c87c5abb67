"""What a search matches, in one place: the matching rule, the query language and the snippets.

The matching rule: titles, texts and queries are *folded* alike (compatibility forms as their
plain letters, lower case, no accents on Latin, Greek and Cyrillic letters), then cut into
*words* (runs of letters, digits and combining marks). A query word matches every word that
begins with it. A query word in a script written without spaces between words (Chinese,
Japanese, Korean, Thai, Lao, Khmer, Myanmar) matches anywhere in the text instead, since there
is no word to begin.

Both index backends store the folded words of each article (`search_words`) and only ever split
them on spaces, so they match exactly as this module does; the static site's search.js folds
and parses the same way over the same words, which the site's search index carries. Users' text
never reaches FTS5 or tsquery syntax: the query is parsed here into a small tree, and each
backend turns its leaves into its own syntax with the words quoted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import regex

from newsarchive.errors import QueryError

# Accents of Latin, Greek and Cyrillic letters: the combining diacritical marks blocks. Marks of
# other scripts (Japanese voicing marks, Thai, Devanagari and Hebrew vowels) belong to their
# letters and stay, as they do in search.js.
ACCENTS = regex.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
WORD = regex.compile(r"[\p{L}\p{N}\p{M}]+")
NOT_WORD = r"[^\p{L}\p{N}\p{M}]+"
# Scripts written without spaces between words (Hangul is spaced, but nouns take their particles
# and compounds without one: 서울 is inside 서울에서).
UNSPACED = regex.compile(
    r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}"
    r"\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Yi}]"
)
SNIPPET_CHARS = 200
SNIPPET_LEAD = 60  # characters of context kept before the first match
KEYWORDS = ("OR", "AND", "NOT")


def fold(text: str) -> str:
    """Text as search compares it: NFKD, lower case, Latin/Greek/Cyrillic accents dropped, ß as
    ss, final sigma as sigma, NFC again (so Hangul and Japanese kana stay whole)."""
    if text.isascii():
        return text.lower()
    lowered = unicodedata.normalize("NFKD", text).lower()
    return unicodedata.normalize("NFC", ACCENTS.sub("", lowered).replace("ß", "ss").replace("ς", "σ"))


def search_words(text: str) -> str:
    """The folded words of a text joined by single spaces: what both indexes and the site hold."""
    return " ".join(WORD.findall(fold(text)))


def unspaced(words: str) -> bool:
    """Whether a text holds a script without spaces (it then goes into the trigram index too)."""
    return UNSPACED.search(words) is not None


# -- the query language ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """Words in this order; each but the last whole, the last whole too when `exact` (quoted),
    else the beginning of a word."""

    words: tuple[str, ...]
    exact: bool


@dataclass(frozen=True)
class Run:
    """Folded words of an unspaced script, joined by spaces, found anywhere in a title or text."""

    text: str


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Words | Run | All | AnyOf | Not
Leaf = Words | Run


@dataclass(frozen=True)
class Query:
    """A parsed query: its tree, and the leaves that must be found (not excluded), for ranking
    and highlighting."""

    text: str
    root: Node
    wanted: tuple[Leaf, ...] = field(default=())


@dataclass(frozen=True)
class _Token:
    kind: str  # word, phrase, (, ), -, OR, AND, NOT
    text: str
    at: int  # 1-based character position, for error messages


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
        elif char == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError(f'query {query!r}: the " at character {i + 1} is never closed')
            tokens.append(_Token("phrase", query[i + 1 : end], i + 1))
            i = end + 1
        elif char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        elif char == "-" and i + 1 < len(query) and not query[i + 1].isspace():
            tokens.append(_Token("-", char, i + 1))
            i += 1
        else:
            end = i
            while end < len(query) and not query[end].isspace() and query[end] not in '"()':
                end += 1
            word = query[i:end]
            tokens.append(_Token(word if word in KEYWORDS else "word", word, i + 1))
            i = end
    return tokens


class _Parser:
    """query := sequence; sequence := (either [AND])*; either := unary (OR unary)*;
    unary := (- | NOT) unary | ( sequence ) | word | "phrase". OR binds tighter than the implicit AND."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.position = 0

    def fail(self, message: str) -> QueryError:
        return QueryError(f"query {self.query!r}: {message}")

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def starts_term(self) -> bool:
        token = self.peek()
        return token is not None and token.kind not in (")", "OR", "AND")

    def sequence(self, opener: _Token | None) -> Node | None:
        parts: list[Node | None] = []
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind == "AND":
                self.take()
                if not parts or not self.starts_term():
                    raise self.fail(f"AND at character {token.at} needs words on both sides")
                continue
            parts.append(self.either())
        if token is None and opener is not None:
            raise self.fail(f"the ( at character {opener.at} is never closed")
        if token is not None and opener is None:
            raise self.fail(f"the ) at character {token.at} closes no (")
        return _combine(All, parts)

    def either(self) -> Node | None:
        options = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            if not self.starts_term():
                raise self.fail(f"OR at character {token.at} needs words on both sides")
            options.append(self.unary())
        return _combine(AnyOf, options)

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind == "OR":
            raise self.fail(f"OR at character {token.at} needs words on both sides")
        if token.kind in ("-", "NOT"):
            if not self.starts_term():
                raise self.fail(f"{token.text} at character {token.at} needs a word after it")
            part = self.unary()
            return Not(part) if part is not None else None
        if token.kind == "(":
            group = self.sequence(opener=token)
            self.take()  # the ) that sequence() stopped at
            return group
        return _term(token.text, exact=token.kind == "phrase")


def _term(text: str, exact: bool) -> Leaf | None:
    """A word or phrase as its folded words; None when it has none (punctuation only)."""
    words = tuple(WORD.findall(fold(text)))
    if not words:
        return None
    if unspaced(" ".join(words)):
        return Run(" ".join(words))
    return Words(words, exact=exact)


def _combine(kind: type[All] | type[AnyOf], parts: list[Node | None]) -> Node | None:
    kept = tuple(part for part in parts if part is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else kind(kept)


def parse_query(query: str) -> Query:
    """The user's query as a tree; QueryError (one line, exit 2) when it cannot be read."""
    parser = _Parser(query)
    root = parser.sequence(opener=None)
    if root is None:
        raise QueryError(f"query {query!r}: nothing to search for (a query needs letters or digits)")
    return Query(query, root, tuple(dict.fromkeys(_wanted(root))))


def _wanted(node: Node) -> Iterator[Leaf]:
    if isinstance(node, Words | Run):
        yield node
    elif isinstance(node, All | AnyOf):
        for part in node.parts:
            yield from _wanted(part)


def sql_condition(node: Node, leaf: Callable[[Leaf], tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """The query tree as an SQL condition; `leaf` gives each word's or run's own condition."""
    if isinstance(node, Words | Run):
        return leaf(node)
    if isinstance(node, Not):
        inner, params = sql_condition(node.part, leaf)
        return f"NOT ({inner})", params
    joiner = " AND " if isinstance(node, All) else " OR "
    conditions, params = [], []
    for part in node.parts:
        condition, part_params = sql_condition(part, leaf)
        conditions.append(f"({condition})")
        params += part_params
    return joiner.join(conditions), params


# -- hits and their snippets ----------------------------------------------------------------------

Span = tuple[int, int]


@dataclass(frozen=True)
class SearchHit:
    """One article found: `title_matches` and `snippet_matches` are the [start, end) character
    spans of what matched, for highlighting."""

    id: str
    title: str
    published: str | None
    section_slug: str
    site_name: str | None
    snippet: str
    score: float
    title_matches: list[Span] = field(default_factory=list)
    snippet_matches: list[Span] = field(default_factory=list)


def _leaf_pattern(leaf: Leaf) -> str:
    if isinstance(leaf, Run):
        return NOT_WORD.join(regex.escape(word) for word in leaf.text.split(" "))
    body = NOT_WORD.join(regex.escape(word) for word in leaf.words)
    end = r"(?![\p{L}\p{N}\p{M}])" if leaf.exact else r"[\p{L}\p{N}\p{M}]*"
    return r"(?<![\p{L}\p{N}\p{M}])" + body + end


@lru_cache(maxsize=64)
def _highlighter(wanted: tuple[Leaf, ...]) -> regex.Pattern[str] | None:
    return regex.compile("|".join(_leaf_pattern(leaf) for leaf in wanted)) if wanted else None


@lru_cache(maxsize=4096)
def _fold_cluster(cluster: str) -> str:
    return fold(cluster)


def match_spans(text: str, query: Query) -> list[Span]:
    """Where the query's wanted words are in `text`, as spans of `text` itself. Folding can change
    lengths (ß, a decomposed accent); then each grapheme is folded alone and the spans mapped back."""
    pattern = _highlighter(query.wanted)
    if pattern is None:
        return []
    folded_whole = fold(text)
    if len(folded_whole) == len(text) and all(len(_fold_cluster(c)) == 1 for c in set(text) if not c.isascii()):
        # every character folds to one, and none composed with its neighbour: positions agree
        return [match.span() for match in pattern.finditer(folded_whole)]
    folded, starts = [], []  # starts[i]: where in `text` the i-th folded character came from
    position = 0
    for cluster in regex.findall(r"\X", text):
        piece = _fold_cluster(cluster)
        folded.append(piece)
        starts += [position] * len(piece)
        position += len(cluster)
    starts.append(position)
    spans = []
    for match in pattern.finditer("".join(folded)):
        start, end = match.span()
        if end > start:
            last = starts[end - 1]
            spans.append((starts[start], next(p for p in starts[end:] if p > last)))
    return spans


def snippet(text: str, query: Query) -> tuple[str, list[Span]]:
    """One line of the text around its first match (its start when only the title matched),
    and the matches within it."""
    line = " ".join(text.split())
    spans = match_spans(line, query)
    start = 0
    if spans and spans[0][0] > SNIPPET_LEAD:
        start = line.find(" ", spans[0][0] - SNIPPET_LEAD, spans[0][0]) + 1 or spans[0][0] - SNIPPET_LEAD
    end = len(line)
    if end - start > SNIPPET_CHARS:
        cut = line.rfind(" ", start, start + SNIPPET_CHARS)
        end = cut if cut > start else start + SNIPPET_CHARS
    prefix = "…" if start > 0 else ""
    shown = prefix + line[start:end] + ("…" if end < len(line) else "")
    shift = len(prefix) - start
    inside = [(max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start]
    return shown, inside
