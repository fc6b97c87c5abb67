"""The boilerplate stripper: removes what is not the article, by rules kept as data.

Every rule is anchored to a whole line (after trimming decoration such as arrows and colons),
or to a trailing block that starts with a "related"-style heading and holds only short lines.
A body sentence that merely *contains* "related articles" or "source link" is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urlsplit

from newsarchive.errors import ConfigError
from newsarchive.model import Block, sha256_hex, site_of

AGENCIES = "dpa|afp|ap|reuters|kna|epd|sid|apa|ansa|efe|tt|ntb|ritzau|anp|belga|ctk|pap|tass|ria|aa|dha|ians|pti|xinhua"
# (rule name, whole-line pattern); matched case-insensitively against a trimmed line.
_STAMP_LABEL = r"(updated|published|aktualisiert|ver[öo]ffentlicht|uppdaterad|publicerad|oppdatert|publisert)\s*:?\s*"
_TIME = r"\d{1,2}[:.]\d{2}(\s*uhr)?"
_CJK_DATE = r"\d{4}年\d{1,2}月\d{1,2}日(\s*\d{1,2}時\d{1,2}分)?(\s*[（(][^)）]{0,30}[)）])?"
_DATE = rf"(\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{2,4}},?(\s+(um\s+)?{_TIME})?|{_CJK_DATE})"
_CREDIT_LABEL = r"(with )?(additional )?(reporting|writing|research|editing)( and [a-z]+)? by"
_NAME = r"(?-i:[A-Z][\w'’.-]*)"  # a capitalized word, whatever the rule's case-folding
_NAMES = rf"{_NAME}([\s,;&]+({_NAME}|(?-i:and|in|from|at|with|the|of)|{_CREDIT_LABEL}))*"
_STAMP = rf"(({_STAMP_LABEL})?{_DATE}|{_STAMP_LABEL}{_TIME})"

LINE_RULES: tuple[tuple[str, str], ...] = (
    ("source-link", r"source link|source"),
    ("back-to-top", r"(back|scroll|return) to top( button| of page)?"),
    ("skip-link", r"skip to (main )?(content|navigation|search)"),
    (
        "advertisement",
        r"advertisements?|advert|ad|sponsored( content)?|paid content|"
        r"(story|article) continues (below|after)( this)?( advertisement| ad)?|"
        r"scroll (down )?to continue( reading| with content)?",
    ),
    (
        "related",
        r"(related|recommended|suggested|popular|latest|more|top) "
        r"(articles?|stories|posts|content|reading|news|coverage|videos?|links?)|"
        r"related|recommended( for you)?|more (from|in) [^.!?]{1,40}|you (may|might) also( like| be interested in)|"
        r"read (more|next|also)|also read|see also|most (read|viewed|popular|shared)|trending( now)?|"
        r"explore more on these topics|more on this story|topics|tags|explore further|in other news",
    ),
    (
        "related-intl",
        r"(voc[eê] (pode|tamb[eé]m pode) gostar|leia tamb[eé]m|veja tamb[eé]m|mat[eé]rias relacionadas|"
        r"lesen sie (auch|mehr)|mehr zum thema|das k[öo]nnte sie (auch )?interessieren|auch interessant|"
        r"(à )?lire aussi|sur le m[eê]me sujet|(à )?voir aussi|"
        r"te puede interesar|lee tambi[eé]n|noticias relacionadas|m[aá]s noticias|"
        r"articoli correlati|leggi anche|potrebbe interessarti|"
        r"関連記事|関連ニュース|相关(新闻|文章|阅读)|相關(新聞|文章|閱讀)|اقرأ أيضا|اقرأ أيضاً|مقالات ذات صلة)"
        r"[.:…]*",
    ),
    (
        "share",
        r"share( this)?( article| story| post| page)?( on| via)?"
        r"([ ,]*(facebook|twitter|x|whatsapp|e-?mail|linkedin|telegram|reddit|pinterest|messenger|copy link))*|"
        r"tweet|e-?mail|print|copy link|link copied|(follow|like) us( on [^.!?]{1,40})?|"
        r"follow [^.!?]{1,40} on (twitter|x|facebook|instagram|google news)( and [^.!?]{1,120})?",
    ),
    (
        "newsletter",
        r"(sign up|subscribe)( now| today)?( to| for)? (our |the |a )?[^.!?]{0,40}newsletters?"
        r"( here)?|newsletters?|(get|receive) [^.!?]{0,80}(to|in) your inbox[^.!?]{0,40}|"
        r"(sign up|subscribe)( now| today| here)?|(skip past|after) newsletter promotion|"
        r"privacy notice:.*|enter your e-?mail( address)?",
    ),
    (
        "subscription",
        r"subscribe to (continue|keep) reading[^.!?]*|already (a subscriber|have an account)\??[^.!?]*|"
        r"(log|sign) in to (continue|keep) reading[^.!?]*|"
        r"this (article|story|content) is (only )?(available )?(for|to) (subscribers|members)( only)?|"
        r"il vous reste \d+([.,]\d+)? ?% de cet article à lire[^\n]{0,120}|"
        r"la suite est réservée aux abonnés[^\n]{0,80}|(cet article|ce contenu) est réservé aux abonnés[^\n]{0,80}|"
        r"(dieser|der) (artikel|beitrag|inhalt) ist (nur |exklusiv )?für (abonnenten|abonnentinnen)[^\n]{0,80}|"
        r"(este|el) (contenido|artículo) es exclusivo para (suscriptores|abonados)[^\n]{0,80}|"
        r"(questo )?(contenuto|articolo) (è )?riservato agli abbonati[^\n]{0,80}",
    ),
    (
        "cookies",
        r"(we|this (web)?site) uses? cookies[^\n]{0,200}|(accept|reject)( all)? cookies|"
        r"cookie (settings|policy|preferences|consent)|manage (cookies|consent)",
    ),
    ("click-here", r"[^\n]{0,100}\bclick(ing)? here\b[^\n]{0,100}"),
    ("contact-line", r"[\w.+-]+@[\w-]+\.[\w.-]+|(twitter|x|instagram|facebook)\.com/\S+|@\w{2,30}"),
    ("contact-author", r"(write|e-?mail|contact) (to )?[^.!?]{1,60} at \S+@\S+"),
    (
        "reprint-notice",
        r"this copy is for your personal,? non-?commercial use only[^\n]*|"
        r"(distribution|reproduction) and use of this material (are|is) governed by[^\n]*",
    ),
    (
        "page-ui",
        r"(thanks|thank you) for (signing up|subscribing|reading)!?|thank you!?|sorry!?|"
        r"keep an eye on your inbox[^\n]{0,80}|an error (has )?occurred[^\n]{0,60}|"
        r"this article has been sent to[^\n]{0,80}|loading( comments)?|please try again( later)?",
    ),
    (
        "timestamp-line",
        r"(updated|published|posted|last updated|stand|aktualisiert|ver[öo]ffentlicht|publi[ée]|mis [àa] jour|"
        r"actualizado|publicado|pubblicato|aggiornato|opdateret|publiceret|publicerad|uppdaterad|oppdatert|"
        r"publisert|bijgewerkt|gepubliceerd)( on| at| am| le| el| il)?:?\s[\w ,:.+/-]{3,40}",
    ),
    # A date and time alone on a line, or two of them ("Updated 15.59 | Published 14.14"): the
    # page's dateline, in numeric or CJK form; the article's date is stored apart.
    ("timestamp-line", rf"{_STAMP}(\s*\|\s*{_STAMP})?"),
    # A credit on its own line: the photo's, the graphic's or the agency's ("Quelle: AFP").
    (
        "credit-line",
        r"\(?(photos?|images?|pictures?|foto|fotos|bild|bilder|quelle|quellen|source|sources|kuva|zdroj|"
        r"źródło|fuente|fonte|crédits?|credits?|grafik|infografik|фото|zdjęcie|fotó)\s*:\s*([^\s.!?]+(\s+[^\s.!?]+){0,5})?\)?",
    ),
    # "Read also: <headline>" in the languages the related rules know, and the Nordic/Dutch ones.
    (
        "read-also-link",
        r"(read (more|also)|also read|see also|les også|læs også|läs också|lees ook|lue myös|"
        r"lesen sie (auch|mehr)|mehr zum thema|lire aussi|à lire aussi|leia também|lee también|leggi anche|"
        r"czytaj (też|także)|přečtěte si (také|též)|читайте также)\s*:\s*[^\n]{3,200}",
    ),
    (
        "copyright",
        r"(©|\(c\)|copyright)\s*(©\s*)?(\d{4}[-–]?(\d{4})?)[^\n]{0,100}|"
        r"[^\n]{0,100}all rights reserved\.?",
    ),
    (
        "comment-count",
        r"\d+ comments?|(view|show|read|leave|post|add) (a |all )?comments?( \(\d+\))?|"
        r"comments?( \(\d+\))?|join the (conversation|discussion)",
    ),
    (
        "comment-login",
        r"(you must|please) (log ?in|sign ?in|register|confirm [^.!?]{0,40})[^.!?]{0,80}(comment|display name)[^.!?]*|"
        r"please log ?out and then log ?in again[^\n]{0,120}",
    ),
    # A news agency's credit closing the story: "mit dpa", "(AFP/Reuters)", "Quelle: sid/dpa".
    (
        "agency-credit",
        rf"\(?((mit|with|von|avec|con|med|z) )?(material )?(von )?({AGENCIES})([ /,&]+({AGENCIES}|[a-z]{{2,3}}))*\)?",
    ),
    # Where a blocked embed was: the consent placeholder, not the story.
    (
        "consent-placeholder",
        r"externer inhalt( nicht verfügbar)?|external content( not available)?|ein klick für den datenschutz|"
        r"[^\n]{0,120}(privacy|privatsphäre|datenschutz|cookie|consent)[- ]?(settings|einstellungen|preferences)"
        r"[^\n]{0,120}(load|laden|display|anzeigen|show|zeigen)[^\n]{0,200}",
    ),
    # A video's running time on its own or closing a teaser: "02:57 Min.", "… 18.04.2024 | 0:21 min".
    ("video-line", r"(\d{1,2}:)?\d{1,2}:\d{2} ?min\.?[^\n]{0,80}|[^\n]{0,200}\| ?(\d{1,2}:)?\d{1,2}:\d{2} ?min"),
    # Who else worked on the story, closing it: "Additional reporting by …", "With files from …",
    # "AP writer … contributed to this report."; the authors are stored apart. Names only after
    # "by" ("Reporting by the Gazette prompted…" is a sentence).
    (
        "contributor-credit",
        rf"\(?({_CREDIT_LABEL}|with (files|reports|reporting) from|contributing:)\s*{_NAMES}\.?\)?|"
        r"[^.!?]{3,200} contributed (reporting|research|to (this|the) (report|story|article))( from [^.!?]{2,60})?",
    ),
    (
        "newsletter-prompt",
        r"(sign up|subscribe|register) (now |today )?(for|to get) [^.!?]{0,80}(and more|deals|updates|alerts|news)",
    ),
)

# A heading line that opens a trailing widget of links (removed with everything after it).
TRAILING_BLOCK_STARTERS = frozenset({"related", "related-intl", "source-link"})
MAX_TRAILING_LINE_WORDS = 20
STATEMENT_END = re.compile(r"[.!…][\"'“”‘’»«)\]\s]*$")  # a headline may ask a question
SENTENCE_END = re.compile(r"[.!?…][\"'“”‘’»«)\]\s]*$")

BARE_URL = re.compile(r"https?://\S+")
# Zero-width characters, and control characters that no text should carry (tab and newline are
# white space and are folded, not dropped).
ZERO_WIDTH = dict.fromkeys(
    [*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), *range(0, 9), 11, *range(14, 28), 127], None
)
_ZERO_WIDTH_CHAR = re.compile("[" + re.escape("".join(map(chr, ZERO_WIDTH))) + "]")
_DECORATION = " \t\u00a0:|»›→←•·▶►>-–—….!"

# Title suffix " | X News" names the story's category (e.g. " | Russia-Ukraine war News").
CATEGORY_SUFFIX = re.compile(r"\s+\|\s+(?P<category>[^|]{2,60}?)\s+News\s*$")
TITLE_SEPARATORS = re.compile(r"\s+(\||-|–|—|::|·|•)\s+")
MAX_SUFFIX_WORDS = 4


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Removal:
    """A line the stripper took out, and the rule that took it."""

    text: str
    rule: str
    block_index: int
    detail: str | None = None  # for a learned line: how often the site repeats it


class LearnedBoilerplate(Protocol):
    """Lines a site repeats across its articles (the archive's index keeps the counts)."""

    def learned_lines(self, site: str) -> dict[str, str]:
        """line_key → why the line counts as boilerplate, for one site."""
        ...


@dataclass(frozen=True)
class StripResult:
    blocks: list[Block]
    removed: list[Removal]


def normalize_space(text: str) -> str:
    """Drop zero-width characters and fold every run of white space into one space.

    (Searched for first: str.translate walks every character in Python's slow path, and it
    runs on every text element of every page.)"""
    if _ZERO_WIDTH_CHAR.search(text):
        text = text.translate(ZERO_WIDTH)
    return " ".join(text.split())


def _compile(name: str, pattern: str) -> Rule:
    try:
        return Rule(name, re.compile(pattern, re.IGNORECASE))
    except re.error as exc:
        raise ConfigError(f"invalid strip pattern {pattern!r}: {exc}") from None


BUILTIN_RULES: tuple[Rule, ...] = tuple(_compile(name, pattern) for name, pattern in LINE_RULES)


def line_key(line: str) -> str:
    """How a line is counted across a site's articles: its text, spacing and case folded."""
    return sha256_hex(normalize_space(line).casefold())[:16]


class Stripper:
    """Applies the built-in rules plus the user's own (whole-line regular expressions), then
    the lines the archive has learned that a site repeats in its articles."""

    def __init__(self, extra_patterns: Iterable[str] = (), learned: LearnedBoilerplate | None = None) -> None:
        user = [_compile(f"user:{pattern}", pattern) for pattern in extra_patterns]
        self.rules: tuple[Rule, ...] = BUILTIN_RULES + tuple(user)
        self.learned = learned

    def match_line(self, line: str) -> str | None:
        """The name of the first rule that matches this whole line, or None; a line of nothing
        but decoration (a lone "|" or "•" left of a widget) is 'decoration'."""
        trimmed = line.strip(_DECORATION)
        if not trimmed:
            return "decoration" if line.strip() else None
        if len(trimmed) > 300:
            return None
        for rule in self.rules:
            if rule.pattern.fullmatch(trimmed):
                return rule.name
        return None

    def strip(self, blocks: Sequence[Block], page_url: str | None = None) -> StripResult:
        """Remove junk lines; a line that is only a link to the page's own site (a share or
        permalink widget) goes too, while links elsewhere may be the article's content."""
        own_host = _host(page_url)
        site = site_of(page_url)
        learned = self.learned.learned_lines(site) if self.learned and site else {}
        kept: list[tuple[int, Block]] = []
        removed: list[Removal] = []
        for index, block in enumerate(blocks):
            lines = [normalize_space(line) for line in block.text.split("\n")]
            keep_lines = []
            for line in lines:
                if not line:
                    continue
                rule = self.match_line(line) or ("own-link" if own_host and _host(line) == own_host else None)
                if rule is None and learned and line_key(line) in learned:
                    removed.append(Removal(line, "learned", index, learned[line_key(line)]))
                elif rule is None:
                    keep_lines.append(line)
                else:
                    removed.append(Removal(line, rule, index))
            if keep_lines:
                kept.append((index, replace(block, text="\n".join(keep_lines))))
        kept = self._drop_trailing_block(blocks, kept, removed)
        removed.sort(key=lambda removal: removal.block_index)
        return StripResult([block for _, block in kept], removed)

    def _drop_trailing_block(
        self, original: Sequence[Block], kept: list[tuple[int, Block]], removed: list[Removal]
    ) -> list[tuple[int, Block]]:
        """Remove a trailing 'Related articles' widget: its heading and the short lines after it."""
        starter = next((r for r in reversed(removed) if r.rule in TRAILING_BLOCK_STARTERS), None)
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
