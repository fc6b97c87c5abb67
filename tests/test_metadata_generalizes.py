"""Metadata rules meant for sites nobody tuned for: each names a mechanism, not a site."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from newsarchive.extract.bylines import clean_authors, names_outlet, parse_byline
from newsarchive.extract.declared import normalize_language
from newsarchive.extract.titles import headline_h1, unescape_entities, without_h1_suffix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smartphones zerst&ouml;ren", "Smartphones zerstören"),
        ("the council&#8217;s plan", "the council’s plan"),
        ("it&#x27;s", "it's"),
        ("R&paradise & AT&T", "R&paradise & AT&T"),  # no semicolon: not an entity
        ("Fish &amp;amp; chips", "Fish &amp; chips"),  # decoded once only
    ],
)
def test_unescape_entities_decodes_once(text: str, expected: str) -> None:
    assert unescape_entities(text) == expected


def test_headline_h1_skips_logo_and_site_name() -> None:
    tree = lxml_html.fromstring(
        "<html><body><h1 class='site-logo'><a href='/'>Brook Post</a></h1><h1>Brook Post</h1>"
        "<h1>Ferry fares rise</h1></body></html>"
    )
    assert headline_h1(tree, "Brook Post") == "Ferry fares rise"


def test_headline_h1_in_a_nav_counts() -> None:
    tree = lxml_html.fromstring("<html><body><nav><h1>Ferry fares rise</h1></nav></body></html>")
    assert headline_h1(tree, None) == "Ferry fares rise"


def test_without_h1_suffix() -> None:
    assert without_h1_suffix("Ferry fares rise – News from the Brook", "Ferry fares rise") == "Ferry fares rise"
    assert without_h1_suffix("Ferry fares rise sharply", "Ferry fares rise") == "Ferry fares rise sharply"
    assert without_h1_suffix("Kicker: Ferry fares rise", "Ferry fares rise") == "Kicker: Ferry fares rise"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["By"], []),
        (["Von: Anna Keller"], ["Anna Keller"]),
        (["Folgen"], []),
        (["Quelle: sid/dpa"], []),
        (["(Image: Getty Images)"], []),
        (["Jane Example (je)", "Tom Berg (TB)"], ["Jane Example", "Tom Berg"]),
        (["facebook.com/coastledger", "https://x.example/jane", "Jane Example"], ["Jane Example"]),
        (["Coast Ledger"], ["Coast Ledger"]),  # the outlet alone is whom the page credits
        (["coastledger.example", "Jane Example"], ["Jane Example"]),
        (["Jane Example, COAST LEDGER NORTH"], ["Jane Example"]),
        (["Anna Keller, Jonas Brandt und Mia Roth"], ["Anna Keller", "Jonas Brandt", "Mia Roth"]),
        # Every byline label the printed-byline reader knows is taken off a declared name too.
        (["Posted by Jane Example"], ["Jane Example"]),
        (["Story by Jane Example"], ["Jane Example"]),
        (["By:Jane Example"], ["Jane Example"]),
        (["Bild: dpa"], []),  # a credit label the stripper knew and the author cleaning did not
    ],
)
def test_clean_authors_drops_junk(names: list[str], expected: list[str]) -> None:
    assert clean_authors(names, "Coast Ledger") == expected


@pytest.mark.parametrize(
    ("name", "site", "expected"),
    [
        ("mdr.example", None, True),
        ("LTR", "Legal Tribune Review", True),
        ("Ledger North", "ledger.com", True),
        ("Jane Ledgerwood", "Ledger", False),
        ("Jane Example", "Coast Ledger", False),
    ],
)
def test_names_outlet(name: str, site: str | None, expected: bool) -> None:
    assert names_outlet(name, site) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en_US", "en-US"),
        ("eng", "en"),
        ("ger", "de"),
        ("fre", "fr"),
        ("kr", "ko"),
        ("jp-JP", "ja-JP"),
        ("cn", "zh"),
        ("gr", "el"),
        ("dk", "da"),
        ("se", "se"),  # Northern Sami: a language code, left as it is
        ("DE", "de"),
        ("123", None),
    ],
)
def test_normalize_language(value: str, expected: str | None) -> None:
    assert normalize_language(value) == expected


def test_the_longest_byline_label_is_read_first() -> None:
    """'كتبت' (she wrote) is a label of its own, not 'كتب' (he wrote) and the name's first letter."""
    assert parse_byline("كتبت سلمى الحداد") == ["سلمى الحداد"]
