from __future__ import annotations

from dataclasses import replace

import pytest

from newsarchive.errors import ConfigError
from newsarchive.extract.article import build_article, preview_strip
from newsarchive.extract.clean import Stripper, split_title
from newsarchive.model import Block, RawPage
from newsarchive.text import normalize_space
from tests.pages import about, news_page


def paragraphs(*texts: str) -> list[Block]:
    return [Block("paragraph", text) for text in texts]


BODY = "The council approved the budget after a long debate on Tuesday evening."


@pytest.mark.parametrize(
    "junk",
    [
        "Source link",
        "Related Articles",
        "Back to top button",
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "Share this article",
        "Share on Facebook, Twitter, WhatsApp",
        "Follow us on Instagram",
        "Read more:",
        "Recommended for you",
        "More from Daily Meridian",
        "Sign up for our morning newsletter",
        "Subscribe to continue reading",
        "We use cookies to improve your experience. Accept all to continue.",
        "Click here to download the app",
        "© 2025 Daily Meridian. All rights reserved.",
        "12 comments",
        "Skip to content",
        "» Related",
        "You may also like...",
        "Explore further",
        "Tags",
        "GET FOX BUSINESS ON THE GO BY CLICKING HERE",
        "This copy is for your personal, non-commercial use only. To order copies, visit the reprints page.",
        "Write to Dana Whitfield at dana.whitfield@example.com",
        "dana.whitfield@example.com",
        "twitter.com/danawhitfield",
        "Thanks for signing up!",
        "Keep an eye on your inbox for the latest news.",
        "An error has occurred, please try again later.",
        "Updated at 1:23 p.m.",
        "Stand: 14.03.2025, 09:30 Uhr",
        "Mis à jour le 14 mars 2025 à 09:30",
        "14.03.2025, 09:30 Uhr",
        "2025-03-14",
        "2025年3月14日 09時30分 (3月14日 10時05分更新)",
        "Uppdaterad 10.05 | Publicerad 09.30",
        "Фото: Анна Смирнова, Северный вестник",
        "Quelle: dpa",
        "(Image: Northfield Photo Agency)",
        "Foto: Lena Vogt / Rheintal-Kurier",
        "Les også: Ferjen til øya går igjen fra mandag",
        "Läs också: Nya tåg på linjen i höst",
        "Lesen Sie auch: Neue Buslinie ab Montag",
        "mit dpa",
        "Externer Inhalt nicht verfügbar",
        "Thank you for visiting the Meridian. You are using a browser version with limited support for CSS. To"
        " obtain the best experience, we recommend you use a more up to date browser (or turn off compatibility"
        " mode in your old browser). In the meantime, to ensure continued support, we are displaying the site"
        " without styles and JavaScript.",
        "Your browser does not support the video tag.",
        "Got a story? Get in touch with our news team by emailing us at tips@meridian.example.",
        "Get in touch with the Herald's newsdesk on 01632 960 000.",
        "For the latest breaking news and stories from across the county, sign up for our newsletters .",
        "Check out more of the Meridian's travel stories by signing up to our free weekly newsletter",
        "Your privacy settings prevent us from loading and displaying this external content.",
        "02:57 Min. Verfügbar bis 06.05.2026",
        "Ferry timetable changes explained | 1:24 min",
        "|",
        "(AFP/Reuters)",
        "You must confirm your public display name before commenting",
        "Sign up for breaking news, reviews, opinion and more.",
        "Follow the Meridian on Google News and add us as a preferred source.",
        "Additional reporting by Lena Vogt in Geneva",
        "(Reporting by Tom Berg; Editing by Ana Ruiz)",
        "With files from Coastwire and Ana Ruiz",
        "Contributing: Dana Whitfield",
        "—Coastwire writer Tom Berg in Lisbon contributed to this report.",
        "Ana Ruiz contributed reporting from Madrid.",
        "Il vous reste 62.5% de cet article à lire. La suite est réservée aux abonnés.",
        "Dieser Artikel ist nur für Abonnenten verfügbar.",
        "Este contenido es exclusivo para suscriptores.",
    ],
)
def test_known_junk_lines_are_removed(junk: str) -> None:
    result = Stripper().strip(paragraphs(BODY, junk, BODY + " Again."))
    assert [b.text for b in result.blocks] == [BODY, BODY + " Again."]
    assert [r.text for r in result.removed] == [normalize_space(junk)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials said the related articles of incorporation were filed in March.",
        "The reporter checked every source link before the story ran.",
        "Advertisement revenue fell by a third, the company said.",
        "Back to top of the league table went the visitors after the win.",
        "Copyright law was the subject of the second hearing.",
        "Thank you notes poured in from across the county after the rescue, the mayor said.",
        "Updated figures published on Monday showed the deficit had narrowed for a third month.",
        "Source: the council's own figures, published on Monday, show the deficit narrowed again.",
        "Reuters reported that the talks had stalled by Tuesday night.",
        "Heavy rain contributed to the flooding in the valley, the report said.",
        "The promise of the service: high quality visuals streamed to your browser, with no console needed.",
        "The council said residents could get in touch with the team running the consultation until May.",
        "More than 2,000 readers signed up for the newsletter in its first week, the editor said.",
        "La suite du match est réservée aux abonnés de la chaîne, a précisé le diffuseur.",
        "Reporting by the Gazette last year prompted the inquiry into the harbour works.",
        "Facebook changed its privacy settings last year, the regulator said.",
        "The race took 2:05 minutes longer than planned.",
        "21:14",
        "12.50",
        "https://shop.example.net/item/123",
    ],
)
def test_body_sentences_that_merely_contain_junk_words_stay(sentence: str) -> None:
    result = Stripper().strip(paragraphs(BODY, sentence))
    assert [b.text for b in result.blocks] == [BODY, sentence]
    assert result.removed == []


def test_trailing_related_widget_goes_with_its_heading() -> None:
    blocks = paragraphs(BODY, "Related Articles", "Mayor opens new bridge", "Rail strike called off")
    result = Stripper().strip(blocks)
    assert [b.text for b in result.blocks] == [BODY]
    assert {r.rule for r in result.removed} == {"related", "related-block"}


def test_a_related_heading_followed_by_real_paragraphs_keeps_them() -> None:
    blocks = paragraphs(BODY, "Related", "This is a full sentence of the article that follows the widget.")
    result = Stripper().strip(blocks)
    assert [b.text for b in result.blocks] == [BODY, "This is a full sentence of the article that follows the widget."]


def test_user_rules_are_whole_line_and_case_insensitive() -> None:
    stripper = Stripper([r"follow our live coverage.*"])
    result = stripper.strip(paragraphs(BODY, "Follow our LIVE coverage here", "We follow our live coverage plan."))
    assert [b.text for b in result.blocks] == [BODY, "We follow our live coverage plan."]
    assert result.removed[0].rule == "user:follow our live coverage.*"


def test_invalid_user_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid strip pattern"):
        Stripper(["(unclosed"])


def test_zero_width_characters_and_space_runs_are_folded() -> None:
    result = Stripper().strip([Block("paragraph", "Zero\u200bwidth  and\u00a0spaces\ufeff here.")])
    assert result.blocks[0].text == "Zerowidth and spaces here."


def test_lines_inside_a_block_are_stripped_one_by_one() -> None:
    result = Stripper().strip([Block("paragraph", BODY + "\nAdvertisement\nSecond line of the same block.")])
    assert result.blocks[0].text == BODY + "\nSecond line of the same block."


@pytest.mark.parametrize(
    ("title", "site", "expected", "categories"),
    [
        ("Talks set for Friday | Russia-Ukraine war News", None, "Talks set for Friday", ["Russia-Ukraine war"]),
        ("Talks set for Friday | Daily Meridian", "Daily Meridian", "Talks set for Friday", []),
        ("Talks set for Friday - Daily Meridian", "Daily Meridian", "Talks set for Friday", []),
        ("Talks set for Friday – The Daily Meridian", "Daily Meridian", "Talks set for Friday", []),
        ("Talks set for Friday | World | Meridian", None, "Talks set for Friday", []),
        # A dash inside a headline is not a site suffix.
        ("Rivals agree - for now - on a truce", "Daily Meridian", "Rivals agree - for now - on a truce", []),
        ("Election 2025 - what we know so far", None, "Election 2025 - what we know so far", []),
    ],
)
def test_split_title(title: str, site: str | None, expected: str, categories: list[str]) -> None:
    assert split_title(title, site) == (expected, categories)


def test_a_bare_link_to_the_pages_own_site_goes_and_other_links_stay() -> None:
    blocks = paragraphs(BODY, "https://www.news.example.org/local/2024/story.html", "https://shop.example.net/item/1")
    result = Stripper().strip(blocks, "https://news.example.org/local/2024/story.html")
    assert [b.text for b in result.blocks] == [BODY, "https://shop.example.net/item/1"]
    assert result.removed[0].rule == "own-link"


def test_a_related_widget_of_question_headlines_still_goes() -> None:
    blocks = paragraphs(BODY, "You may also like...", "Who will win the cup in 2026?", "Ferry fares to rise")
    assert [b.text for b in Stripper().strip(blocks).blocks] == [BODY]


def renamed(stripper: Stripper) -> Stripper:
    """The same stripper with every rule under another name."""
    stripper.rules = tuple(replace(rule, name=f"renamed-{rule.name}") for rule in stripper.rules)
    return stripper


def test_what_a_rule_does_beside_removing_its_line_follows_its_role_not_its_name() -> None:
    """Paywall marking, the trailing 'Related' block and the container a 'Related' heading opens
    work the same when every packaged rule has another name: code asks for roles, not names."""
    blocks = paragraphs(BODY, "Related Articles", "Mayor opens new bridge", "Rail strike called off")
    assert [b.text for b in renamed(Stripper()).strip(blocks).blocks] == [BODY]

    teasers = "".join(
        f"<p><a href='/other/{i}'>Teaser {i}: another story on the ferry timetable.</a></p>" for i in range(3)
    )
    page = news_page(
        paragraphs=about("harbour", 5),
        extra_body=f"<p>Subscribe to continue reading</p><section><h3>Related stories</h3>{teasers}</section>",
    )
    raw = RawPage(content=page.encode(), kind="file", location="/saved/page.html", format="html")
    assert build_article(raw, renamed(Stripper())).access == "paywalled"
    explained = preview_strip(raw, renamed(Stripper())).explanation()
    assert any("related: container opened by 'Related stories' dropped" in line for line in explained)
