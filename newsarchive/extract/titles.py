"""The page's visible headline, and declared titles cleaned of what the headline is not.

A page states its title several times (JSON-LD headline, og:title, <title>, the <h1>). Two
mistakes come up on sites nobody tuned for: an <h1> that is the site's logo, repeated on every
article, and an og:title that is the headline plus the site's name ("Headline - Some Site")
where the site name is spelled differently from og:site_name.
"""

from __future__ import annotations

import html
import re

from lxml import html as lxml_html

from newsarchive.extract.clean import TITLE_SEPARATORS, name_key
from newsarchive.extract.rules import REGEX_NS
from newsarchive.text import normalize_space

# A named or numeric character reference with its semicolon: "&ouml;", "&#8217;", "&#x27;".
# Without the semicolon "&para" in "R&paradise" would be read as an entity.
ENTITY = re.compile(r"&(?:[a-zA-Z]+[0-9]*|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
# Where a site puts its name rather than a story's headline.
LOGO_MARKS = re.compile(r"logo|brand|masthead|site-?(?:title|name)|navbar", re.IGNORECASE)
LOGO_ANCESTORS = "ancestor-or-self::*[re:test(concat(@class, ' ', @id), 'logo|brand|masthead', 'i')]"


def unescape_entities(text: str) -> str:
    """Character references left in a value the page escaped twice ('zerst&ouml;ren' →
    'zerstören'), decoded once: a literal '&amp;' that was meant stays one level escaped less,
    as the page's author wrote it."""
    return ENTITY.sub(lambda match: html.unescape(match.group(0)), text) if "&" in text else text


def headline_h1(tree: lxml_html.HtmlElement, site_name: str | None) -> str | None:
    """The first <h1> that names the story: not a logo (in a logo or brand element, a link to
    the front page) and not the site's own name. A nav is no sign: sites put the headline in a
    sticky header bar too."""
    for h1 in tree.iter("h1"):
        text = unescape_entities(normalize_space(h1.text_content()))
        if text and not _is_site_mark(h1, text, site_name):
            return text
    return None


def _is_site_mark(h1: lxml_html.HtmlElement, text: str, site_name: str | None) -> bool:
    if site_name and name_key(text) == name_key(site_name):
        return True
    if LOGO_MARKS.search(" ".join(h1.get(name) or "" for name in ("class", "id"))):
        return True
    if h1.xpath(LOGO_ANCESTORS, namespaces=REGEX_NS):
        return True
    return any(_is_home_link(link.get("href") or "") for link in h1.iter("a"))


def _is_home_link(href: str) -> bool:
    """'/', '/index.html', 'https://example.com/': a link to the site's front page."""
    path = re.sub(r"^(?:https?:)?//[^/]+", "", href.strip()) or "/"
    return path in ("/", "/index.html", "/index.php", "#")


def title_suffix(text: str, head: str) -> str | None:
    """What follows `head` and a title separator at the start of `text` ('Headline | Site TV'
    gives 'Site TV'), or None when `text` does not go on so."""
    if not text.startswith(head):
        return None
    separator = TITLE_SEPARATORS.match(text, len(head))
    return text[separator.end() :] if separator else None


def without_h1_suffix(title: str | None, h1: str | None) -> str | None:
    """A declared title that is the visible headline plus ' - anything' is the headline: what
    follows the separator is the site or the section, however the site spells its name."""
    if title and h1 and title != h1 and (title_suffix(title, h1) or "").strip():
        return h1
    return title
