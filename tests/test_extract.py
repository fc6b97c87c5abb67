from __future__ import annotations

import pytest

from newsarchive.errors import ExtractionError
from newsarchive.extract.article import build_article
from newsarchive.extract.body import count_words
from newsarchive.extract.bylines import clean_authors
from newsarchive.extract.clean import Stripper
from newsarchive.extract.dates import date_from_url
from newsarchive.extract.declared import section_from_url
from newsarchive.model import RawPage
from newsarchive.timestamps import normalize_datetime
from tests.pages import about, article_from, json_ld, news_page


def test_figure_caption_is_kept_as_a_caption_in_place() -> None:
    figure = (
        '<figure><img src="/img/bridge.jpg" alt="The bridge at dawn">'
        "<figcaption>The rebuilt span at dawn on Thursday [File: Lee Park / Coastwire]</figcaption></figure>"
        "<p>After the figure comes one more paragraph of the story with enough words in it.</p>"
    )
    article = article_from(news_page(extra_body=figure))
    assert article.images == [
        {
            "alt": "The bridge at dawn",
            "caption": "The rebuilt span at dawn on Thursday [File: Lee Park / Coastwire]",
            "src": "https://news.example.org/img/bridge.jpg",
        }
    ]
    assert "rebuilt span" not in article.text
    body = article.markdown.split("\n---\n", 1)[1]
    assert "\n*The rebuilt span at dawn on Thursday [File: Lee Park / Coastwire]*\n" in body
    assert body.index("*The rebuilt span") < body.index("After the figure")


def test_json_ld_news_article_metadata() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Port expansion approved",
                "author": [{"@type": "Person", "name": "By Ana Ruiz"}, {"@type": "Person", "name": "Tom Berg"}],
                "datePublished": "2025-02-03T08:15:00+02:00",
                "dateModified": "2025-02-03T10:00:00+02:00",
                "articleSection": ["Business", "Ports"],
                "keywords": "ports, shipping, Ports",
                "publisher": {"@type": "Organization", "name": "Coast Ledger"},
                "image": {"@type": "ImageObject", "url": "https://cdn.example.com/port.jpg"},
                "inLanguage": "en-gb",
                "description": "The council approved the plan.",
            }
        ],
    }
    page = news_page(title="Port expansion approved", section=None, published=None, author=None).replace(
        "</head>", json_ld(data) + "</head>"
    )
    article = article_from(page)
    assert article.title == "Port expansion approved"
    assert article.authors == ["Ana Ruiz", "Tom Berg"]
    assert article.published == "2025-02-03T08:15:00+02:00"
    assert article.modified == "2025-02-03T10:00:00+02:00"
    assert article.date_source == "json-ld"
    assert article.section == "Business"
    assert article.tags == ["ports", "shipping"]
    assert article.language == "en-GB"
    assert article.image == "https://cdn.example.com/port.jpg"
    assert article.description == "The council approved the plan."


def test_opengraph_only_page() -> None:
    page = f"""<html><head><title>Gallery reopens | Arts Weekly</title>
    <meta property="og:title" content="Gallery reopens">
    <meta property="og:site_name" content="Arts Weekly">
    <meta property="og:url" content="https://arts.example.net/culture/gallery-reopens">
    <meta property="og:image" content="/img/gallery.jpg">
    <meta property="article:published_time" content="2024-11-02T18:00:00Z">
    <meta property="article:author" content="Mira Holt">
    <meta property="article:section" content="Culture">
    <meta property="article:tag" content="museums"><meta property="article:tag" content="art">
    </head><body><article>{"".join(f"<p>{p}</p>" for p in about("gallery", 4))}</article></body></html>"""
    article = article_from(page)
    assert article.url == "https://arts.example.net/culture/gallery-reopens"
    assert article.canonical_url == article.url
    assert article.image == "https://arts.example.net/img/gallery.jpg"
    assert article.authors == ["Mira Holt"]
    assert article.published == "2024-11-02T18:00:00+00:00"
    assert (article.section, article.section_slug) == ("Culture", "culture")
    assert article.tags == ["museums", "art"]
    assert article.site_name == "Arts Weekly"


def test_section_from_breadcrumbs_then_url() -> None:
    crumbs = '<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/environment/">Environment</a></nav>'
    page = news_page(section=None).replace("<main>", crumbs + "<main>")
    assert article_from(page).section == "Environment"
    from_url = news_page(section=None, url="https://news.example.org/science/2024/01/02/comet.html")
    assert article_from(from_url).section == "Science"
    unknown = article_from(news_page(section=None, url="https://news.example.org/p/123"))
    assert (unknown.section, unknown.section_slug) == (None, "uncategorized")


def test_dates_from_url_and_fallbacks() -> None:
    page = news_page(published=None, url="https://news.example.org/local/2024/03/14/bridge.html")
    article = article_from(page)
    assert (article.published, article.date_source) == ("2024-03-14", "url")
    undated = article_from(news_page(published=None, url="https://news.example.org/local/bridge"))
    assert (undated.published, undated.date_source) == ("2024-03-15T10:00:00+00:00", "file")


def test_a_future_date_is_not_believed() -> None:
    article = article_from(news_page(published="2999-01-01T00:00:00Z", url="https://n.example.org/local/x"))
    assert article.date_source == "file"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-07-23T10:00:00Z", "2025-07-23T10:00:00+00:00"),
        ("2025-07-23T10:00:00.123+02:00", "2025-07-23T10:00:00+02:00"),
        ("2025-07-23", "2025-07-23"),
        ("Wed, 23 Jul 2025 10:00:00 EST", "2025-07-23T10:00:00-05:00"),
        ("July 23, 2025 4:05 pm", "2025-07-23T16:05:00"),
        ("not a date", None),
        ("", None),
        ("1850-01-01", None),
    ],
)
def test_normalize_datetime(value: str, expected: str | None) -> None:
    assert normalize_datetime(value) == expected


def test_url_helpers() -> None:
    assert date_from_url("https://x.example.com/2025/7/3/story") == "2025-07-03"
    assert date_from_url("https://x.example.com/2025/13/40/story") is None
    assert section_from_url("https://x.example.com/world/europe/story") == "World"
    assert section_from_url("https://x.example.com/us/story") == "US"
    assert section_from_url("https://x.example.com/story-only") is None


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["By Jane Example and John Sample"], ["Jane Example", "John Sample"]),
        (["Jane Example, John Sample & Ana Ruiz"], ["Jane Example", "John Sample", "Ana Ruiz"]),
        (["Jane Example @janeex"], ["Jane Example"]),
        (["Coast Ledger", "Tom Berg"], ["Tom Berg"]),
        (["https://example.com/authors/jane", "Jane Example", "jane example"], ["Jane Example"]),
        (["By Rosa Lindqvist | March 3, 2025"], ["Rosa Lindqvist"]),
        (["Rosa Lindqvist, 3 March 2025 10:15 GMT"], ["Rosa Lindqvist"]),
        (["By Lee Park, Senior Correspondent"], ["Lee Park"]),
        (["Sam Okafor @samokafor", "By Lee Park"], ["Sam Okafor", "Lee Park"]),
        (["Von Anna Keller und Jonas Brandt"], ["Anna Keller", "Jonas Brandt"]),
        (["Por María Gómez y Luis Ortega"], ["María Gómez", "Luis Ortega"]),
        (["بقلم أحمد منصور"], ["أحمد منصور"]),
        (["文／山田太郎"], ["山田太郎"]),
        (["Example Press"], ["Example Press"]),
    ],
)
def test_clean_authors(names: list[str], expected: list[str]) -> None:
    assert clean_authors(names, "Coast Ledger") == expected


def test_readability_fallback_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    article = article_from(news_page())
    assert article.extractor["method"] == "readability"
    assert "committee met on Monday" in article.text


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("", "the page is empty"),
        ("<html><body><script>var x = 1;</script></body></html>", "the page has no text"),
        ("<html><body><p>Just a few words here.</p></body></html>", "only 5 words of text"),
    ],
)
def test_no_body_is_a_clear_error_never_an_empty_article(page: str, reason: str) -> None:
    with pytest.raises(ExtractionError, match=f"no article body found \\({reason}\\)"):
        article_from(page)


def test_a_section_front_is_not_an_article() -> None:
    teasers = "".join(
        f'<div class="teaser"><h3><a href="/sport/story-{i}">Team {i} wins again in a close match</a></h3>'
        f"<p>The side extended its run with a late goal in front of a home crowd, number {i}.</p></div>"
        for i in range(15)
    )
    head = '<title>Sport | Gazette</title><meta property="og:type" content="website">'
    page = f"<html><head>{head}</head><body><main>{teasers}</main></body></html>"
    with pytest.raises(ExtractionError, match=r"not an article: the page is a list of articles \(\d+% of its text"):
        article_from(page)
    raw = RawPage(content=page.encode(), kind="file", location="/front.html", format="html")
    kept = build_article(raw, Stripper(), keep_non_articles=True)
    assert "home crowd, number 3." in kept.text


def test_an_article_beside_many_linked_headlines_is_still_an_article() -> None:
    """Sidebars and menus full of linked headlines do not make the story a list: the body does."""
    sidebar = "".join(
        f'<li><h3><a href="/news/other-story-{i}">Another headline number {i} for the rail</a></h3></li>'
        for i in range(12)
    )
    page = news_page(extra_body="").replace("</main>", f'</main><aside class="rail"><ul>{sidebar}</ul></aside>')
    page = page.replace('<meta property="og:type" content="article">', "")
    article = article_from(page)
    assert "committee met on Monday" in article.text


def test_in_page_anchors_are_not_teasers() -> None:
    """A guide whose headings link to themselves (a table of contents) is one document."""
    sections = "".join(
        f'<h2 id="part-{i}"><a href="#part-{i}">Part {i} of the guide</a></h2><p>{paragraph}</p>'
        for i, paragraph in enumerate(about(f"step {i}", 1)[0] for i in range(10))
    )
    page = f"<html><head><title>A guide</title></head><body><main><h1>A guide</h1>{sections}</main></body></html>"
    assert "Part 4 of the guide" in article_from(page).text


def test_plain_text_served_as_a_page_keeps_its_shape() -> None:
    text = "WORLD\n\nHeadline of the day | Climate News\n\n" + "\n\n".join(about("flood", 3))
    raw = RawPage(
        content=text.encode(), kind="file", location="/x.txt", format="text", file_mtime="2024-01-01T00:00:00+00:00"
    )
    article = build_article(raw, Stripper())
    assert (article.section_slug, article.title, article.categories) == ("world", "Headline of the day", ["Climate"])


def test_count_words_counts_cjk_characters() -> None:
    assert count_words("Hello world") == 2
    assert count_words("経済成長") == 4
    assert count_words("") == 0


def test_a_visible_date_in_the_article_is_used_and_a_sidebar_date_is_not() -> None:
    sidebar = '<aside class="most-viewed"><span class="date">May 2, 2023</span> Other story</aside>'
    meta = '<div class="post-meta">By Dana Whitfield | March 14, 2024</div>'
    page = news_page(published=None, url="https://news.example.org/local/bridge").replace(
        "<main><article>", f"{sidebar}<main><article>{meta}"
    )
    article = article_from(page)
    assert (article.published, article.date_source) == ("2024-03-14", "text")


def test_an_updated_line_is_not_the_published_date() -> None:
    page = news_page(published=None, url="https://news.example.org/local/bridge").replace(
        "<main><article>", '<main><article><p class="meta">Updated April 1, 2024</p>'
    )
    assert article_from(page).date_source == "file"


def test_a_byline_paragraph_is_not_body_text() -> None:
    page = news_page(author="Dana Whitfield").replace("<h1>", "<p>By Dana Whitfield</p><h1>")
    article = article_from(page)
    assert article.authors == ["Dana Whitfield"]
    assert "Dana Whitfield" not in article.text
    sentence = "Dana Whitfield said the bridge would reopen to cyclists first, and to cars a week later."
    kept = article_from(news_page(author="Dana Whitfield", paragraphs=[sentence, *about("bridge")]))
    assert sentence in kept.text


def test_old_table_layout_pages_get_the_second_opinion() -> None:
    story = "".join(f"<p>{p}</p>" for p in about("bridge reopening", 5))
    page = (
        "<html><head><title>Bridge reopens - Valley Courier</title></head><body><table width=760>"
        "<tr><td colspan=2>Home | Local News | Sports | Obituaries | Weather</td></tr>"
        "<tr><td width=160>SECTIONS<br>Local<br>Schools<br>Sports</td>"
        f"<td><h1>Bridge reopens</h1><p>By Lee Park, Valley Courier Staff Writer</p>{story}</td></tr>"
        "<tr><td colspan=2>Copyright Valley Courier. All rights reserved.</td></tr></table></body></html>"
    )
    article = article_from(page)
    assert article.extractor["method"] == "readability"
    assert "Obituaries" not in article.text and "SECTIONS" not in article.text
    assert article.text.startswith("On Monday the bridge reopening")
    assert article.authors == ["Lee Park"]
    assert (article.title, article.site_name) == ("Bridge reopens", "Valley Courier")


def test_a_kicker_and_standfirst_in_the_headline_header_are_not_body() -> None:
    header = (
        '<header><p class="kicker">Verkehr</p><h1>Harbour bridge reopens after repairs</h1>'
        '<p class="standfirst">A short summary that sits under the headline.</p></header>'
    )
    page = news_page().replace("<h1>Harbour bridge reopens after repairs</h1>", header)
    article = article_from(page)
    assert article.text.startswith("The committee met on Monday")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image data"),
        (b"%PDF-1.7\n" + bytes(200), "PDF data"),
        (b"PK\x03\x04" + bytes(200), "ZIP archive data"),
        (bytes(range(256)) * 10, "binary data"),
    ],
)
def test_binary_files_are_refused_clearly(content: bytes, kind: str) -> None:
    for page_format in ("html", "text"):
        raw = RawPage(content=content, kind="file", location="/x.html", format=page_format)
        with pytest.raises(ExtractionError, match=f"not an HTML or text page \\({kind}\\)"):
            build_article(raw, Stripper())


@pytest.mark.parametrize("css_class", ["photo-caption", "image__caption", "article-caption-text", "wp-caption-text"])
def test_captions_are_recognized_by_the_class_names_templates_use(css_class: str) -> None:
    figure = (
        f'<div class="media"><img src="/img/quay.jpg" alt="Quay"><p class="{css_class}">'
        "The quay at dawn on Thursday, after the last repairs were finished</p></div>"
    )
    article = article_from(news_page(extra_body=figure))
    assert "quay at dawn" not in article.text
    assert [image["caption"] for image in article.images] == [
        "The quay at dawn on Thursday, after the last repairs were finished"
    ]


def test_a_copy_the_page_hides_from_readers_is_not_body_text() -> None:
    hidden = (
        '<div style="display: none" itemscope itemtype="http://schema.org/NewsArticle">'
        '<div itemprop="headline">Harbour bridge reopens after repairs</div>'
        '<div itemprop="datePublished">2024-03-14T09:30:00+01:00</div>'
        '<div itemprop="articleBody">A hidden second copy of the story kept for search engines.</div></div>'
        "<p hidden>Another paragraph the page never shows to a reader, also for machines.</p>"
    )
    article = article_from(news_page(paragraphs=about("bridge", 4), extra_body=hidden))
    assert "bridge was discussed again, paragraph 4" in article.text
    assert "hidden second copy" not in article.text
    assert "never shows" not in article.text
    assert "2024-03-14T09:30" not in article.text


@pytest.mark.parametrize("heading", ["You may also like", "Related Stories", "Você pode gostar...", "Lesen Sie auch"])
def test_a_container_opened_by_a_related_heading_goes_with_its_teasers(heading: str) -> None:
    teasers = "".join(
        f"<article class='teaser'><h4><a href='/t{i}'>Teaser headline {i}</a></h4>"
        f"<p>Teaser {i} has a whole sentence of excerpt text, the kind a line rule cannot tell from body text.</p>"
        "</article>"
        for i in range(3)
    )
    widget = f"<div><h3>{heading}</h3>{teasers}</div>"
    article = article_from(news_page(paragraphs=about("ferry", 4), extra_body=widget))
    assert "ferry was discussed again, paragraph 4" in article.text
    assert "excerpt text" not in article.text
    assert heading not in article.text


def test_a_body_split_into_same_class_chunks_between_ads_is_joined_in_order() -> None:
    def chunk(paragraphs: list[str]) -> str:
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        return (
            "<div class='grid'><div class='body__container article__body'>"
            f"{body}</div><div class='rail'><p>Advertisement</p></div></div>"
            "<div class='ad'><p>Ad slot</p></div>"
        )

    paragraphs = about("dam", 9)
    page = news_page(paragraphs=[], extra_body=chunk(paragraphs[:3]) + chunk(paragraphs[3:6]) + chunk(paragraphs[6:]))
    text = article_from(page).text
    positions = [text.find(f"paragraph {i + 1} of the story") for i in range(9)]
    assert -1 not in positions, text
    assert positions == sorted(positions)
    assert "Ad slot" not in text


def test_a_labelled_byline_at_the_top_of_the_body_goes_whoever_it_names() -> None:
    """The page's metadata may name nobody, or someone else: 'By …' is a byline all the same."""
    page = news_page(author=None, paragraphs=["By Priya Raman", *about("harbour", 3)])
    article = article_from(page)
    assert not article.text.startswith("By Priya Raman")
    assert "harbour was discussed again" in article.text


def test_a_story_the_page_hides_until_a_script_reveals_it_is_kept() -> None:
    """Hidden elements go only while the visible rest is still the article."""
    story = "".join(f"<p>{paragraph}</p>" for paragraph in about("reservoir", 6))
    page = news_page(paragraphs=["Loading the story…"]).replace(
        "<p>Loading the story…</p>", f'<div class="story-body" hidden>{story}</div>'
    )
    article = article_from(page)
    assert "paragraph 6 of the story" in article.text


def test_a_header_that_wraps_the_story_does_not_take_the_body_with_it() -> None:
    """When the h1's <header> holds the story itself, its lines say nothing of the headline's."""
    paragraphs = about("tunnel", 6)
    story = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        "<html><head><title>Tunnel works begin | Valley Post</title></head><body>"
        f"<header><h1>Tunnel works begin</h1><div class='story'>{story}</div></header></body></html>"
    )
    assert article_from(page).text.startswith(paragraphs[0])


def test_a_standfirst_in_the_headline_header_becomes_the_description() -> None:
    standfirst = "Crews will close the eastern bore for six weeks while the ventilation is replaced."
    page = news_page().replace(
        "<h1>Harbour bridge reopens after repairs</h1>",
        f'<header><h1>Harbour bridge reopens after repairs</h1><p class="standfirst">{standfirst}</p></header>',
    )
    article = article_from(page)
    assert standfirst not in article.text
    assert article.description == standfirst


def test_the_authors_bio_closing_the_body_is_not_the_story() -> None:
    bio = "Dana Whitfield is the Gazette's transport reporter and has covered the harbour since 2019."
    article = article_from(news_page(paragraphs=[*about("bridge", 4), bio]))
    assert "transport reporter" not in article.text
    assert "paragraph 4 of the story" in article.text


def test_an_outlet_named_as_author_does_not_end_the_story() -> None:
    """'The Associated Press' is no person: a closing paragraph opening with 'The' is the story's."""
    closing = "The agency said the bridge would stay open through the winter, barring storms."
    article = article_from(news_page(author="The Associated Press", paragraphs=[*about("bridge", 4), closing]))
    assert closing in article.text


def test_a_copy_of_the_headline_with_a_suffix_at_the_top_of_the_body_is_not_body() -> None:
    """A video player's or share card's caption repeats the headline with the channel's name."""
    paragraphs = about("tunnel", 6)
    story = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        "<html><head><title>Tunnel works begin | Valley Post</title></head><body><article>"
        "<div class='player'><p>Tunnel works begin | Valley TV</p></div>"
        f"<h1>Tunnel works begin</h1>{story}</article></body></html>"
    )
    assert article_from(page).text.startswith(paragraphs[0])


def test_a_sentence_with_a_long_link_inside_a_body_of_text_blocks_is_kept() -> None:
    """Templates that give every paragraph its own block; precise extraction drops a paragraph
    that is mostly one link, though it is a sentence of the story."""
    paragraphs = about("ferry", 6)
    linked = (
        'It also <a href="https://ferries.example.org/reports/annual-safety-review-2025">publishes an annual'
        " safety review of every crossing on the estuary</a>."
    )
    blocks = [*paragraphs[:3], linked, *paragraphs[3:]]
    story = "".join(f'<div class="text-block"><p>{p}</p></div>' for p in blocks)
    page = (
        "<html><head><title>Ferry timetable changes | Valley Post</title></head><body><article>"
        f"<h1>Ferry timetable changes</h1>{story}</article></body></html>"
    )
    assert "publishes an annual safety review of every crossing on the estuary." in article_from(page).text


@pytest.mark.parametrize(
    "h1",
    [
        '<span class="topline">Flood inquiry</span> <span class="headline">Two officials resign</span>',
        '<span class="topline">"We made mistakes"</span><span class="headline">Two officials resign</span>',
    ],
)
def test_the_headline_with_its_kicker_at_the_top_of_the_body_is_not_body(h1: str) -> None:
    """The h1 holds a kicker and the headline; the title the page declares has the headline alone
    (or 'Kicker: Headline'), so the body's first line matches neither as written."""
    paragraphs = about("inquiry", 6)
    story = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        "<html><head><title>Flood inquiry: Two officials resign</title>"
        '<meta property="og:title" content="Two officials resign"></head><body><article>'
        f"<h1>{h1}</h1>{story}</article></body></html>"
    )
    assert article_from(page).text.startswith(paragraphs[0])


def test_the_authors_box_is_not_the_story() -> None:
    """A bio that names the author only after its first words escapes the bio rule; the box
    around it says what it is."""
    paragraphs = about("harbour", 6)
    story = "".join(f"<p>{p}</p>" for p in paragraphs)
    bio = (
        "A veteran of three newsrooms and two wars, Dana has covered the harbour and its trade since"
        " the old cranes came down, and still walks the quay every morning before the first ferry."
    )
    page = (
        "<html><head><title>Harbour dues rise | Valley Post</title></head><body><article>"
        f'<h1>Harbour dues rise</h1>{story}<div class="biography"><p>{bio}</p></div></article></body></html>'
    )
    text = article_from(page).text
    assert "veteran of three newsrooms" not in text
    assert paragraphs[-1] in text


def test_a_signup_box_in_a_chunk_of_the_body_stays_out() -> None:
    """The sign-up box sits in one of the same-class containers the story is cut into: its
    pitch must not come back with the chunks the template split the story into."""

    def chunk(inner: str) -> str:
        return f"<div class='grid'><div class='body__container article__body'>{inner}</div></div>"

    paragraphs = about("dam", 6)
    box = (
        "<section class='signup'><div class='intro'><p>Get the latest headlines and columns every morning.</p></div>"
        "<form><input type='email' name='address'><button>Go</button></form></section>"
    )
    chunks = [
        chunk("".join(f"<p>{p}</p>" for p in paragraphs[:3])),
        chunk(box),
        chunk("".join(f"<p>{p}</p>" for p in paragraphs[3:])),
    ]
    text = article_from(news_page(paragraphs=[], extra_body="".join(chunks))).text
    assert "paragraph 6 of the story" in text
    assert "latest headlines" not in text


def test_the_consent_toggle_standing_in_for_an_embed_is_not_the_story() -> None:
    """An embed the reader has not allowed yet: a box with a pitch, a checkbox and its label,
    and a consent paragraph, between two paragraphs of the story."""
    paragraphs = about("ferry", 6)
    toggle = (
        "<div class='b4 n2'><div class='n7'><p>Recommended content from our editors</p>"
        "<p>Here you will find external content chosen by our editors that adds more information"
        " to the article. You can show or hide it with one click.</p>"
        "<input id='show-embed' type='checkbox'><label for='show-embed'>Show external content</label>"
        "<p>I agree that the external content is shown to me. Personal data may then be passed to"
        " third-party platforms, as the privacy settings at the foot of the page explain.</p></div></div>"
    )
    story = "".join(f"<p>{p}</p>" for p in paragraphs[:3]) + toggle + "".join(f"<p>{p}</p>" for p in paragraphs[3:])
    page = (
        "<html><head><title>Ferry fares frozen | Valley Post</title></head><body><article>"
        f"<h1>Ferry fares frozen</h1>{story}</article></body></html>"
    )
    text = article_from(page).text
    assert "external content" not in text
    assert paragraphs[3] in text and paragraphs[-1] in text


def test_a_hidden_chunk_of_the_body_stays_hidden() -> None:
    """The template cuts the story into same-class containers and keeps a notice, hidden, in one
    of them: the hidden notice is dropped with the hidden elements and must not come back
    with the chunks."""

    def chunk(inner: str, hidden: bool = False) -> str:
        attribute = " hidden" if hidden else ""
        return f"<div class='grid'><div class='body__container article__body'{attribute}>{inner}</div></div>"

    paragraphs = about("dam", 6)
    notice = "<p>Products are chosen independently, and the publisher may earn a commission on purchases.</p>"
    chunks = [
        chunk(notice, hidden=True),
        chunk("".join(f"<p>{p}</p>" for p in paragraphs[:3])),
        chunk("".join(f"<p>{p}</p>" for p in paragraphs[3:])),
    ]
    text = article_from(news_page(paragraphs=[], extra_body="".join(chunks))).text
    assert "paragraph 6 of the story" in text
    assert "commission" not in text


def test_an_article_set_into_the_story_is_another_item() -> None:
    """An infobox or a teaser card is its own <article> inside the story's: not the story."""
    paragraphs = about("rates", 6)
    infobox = (
        "<article class='infobox'><p>Please note:</p><p>Shares, property and other investments carry"
        " a risk, and the whole sum invested may be lost; past returns say nothing of future ones.</p></article>"
    )
    story = "".join(f"<p>{p}</p>" for p in paragraphs[:3]) + infobox + "".join(f"<p>{p}</p>" for p in paragraphs[3:])
    page = (
        "<html><head><title>Rates held again | Valley Post</title></head><body><article>"
        f"<h1>Rates held again</h1><div class='body'>{story}</div></article></body></html>"
    )
    text = article_from(page).text
    assert "investments carry" not in text
    assert paragraphs[3] in text and paragraphs[-1] in text


def test_bullet_points_between_the_paragraphs_are_body_text() -> None:
    """A summary's bullet points, each a sentence, sit in the body's flow: precise extraction
    drops them with the link lists; a list of links beside them stays out."""
    paragraphs = about("harbour", 6)
    bullets = (
        "<h2 class='subtitle'>The essentials:</h2><div class='component'><ul class='enumeration'>"
        "<li><strong>The temporary pier closes for good</strong>. Aid is to arrive through the northern port now.</li>"
        "<li><strong>Talks resume in the capital</strong> on Monday, the mediators said after a week of silence.</li>"
        "<li>More than four hundred lorries crossed the border last week, the most since the spring.</li>"
        "</ul></div>"
    )
    links = (
        "<div class='component'><ul><li><a href='/a'>Pier closes after two months of repairs and storms at sea</a></li>"
        "<li><a href='/b'>What the talks in the capital could mean for the region and its ports</a></li></ul></div>"
    )
    story = (
        "".join(f"<p class='text'>{p}</p>" for p in paragraphs[:2])
        + bullets
        + "".join(f"<p class='text'>{p}</p>" for p in paragraphs[2:4])
        + links
        + "".join(f"<p class='text'>{p}</p>" for p in paragraphs[4:])
    )
    page = (
        "<html><head><title>Pier closes | Valley Post</title></head><body>"
        f"<div class='article'><section class='container'>{story}</section></div></body></html>"
    )
    text = article_from(page).text
    assert "Aid is to arrive through the northern port" in text
    assert "The essentials:\n\nThe temporary pier closes" in text
    assert "the most since the spring." in text
    assert "what the talks in the capital could mean" not in text.casefold()
    assert paragraphs[0] in text and paragraphs[-1] in text


def test_a_paragraph_wrapped_in_the_source_is_one_line() -> None:
    """trafilatura's fallback copies a paragraph (here from a story in a <header>, which precise
    extraction drops) with the source's own line breaks; a browser
    shows it as one line, and so does the body (only <br> breaks a line)."""
    wrapped = (
        "<p>The harbour master said the spring tides\n            would reach the quay by Thursday night,"
        " and the\n            ferry would not sail.</p>"
    )
    story = wrapped + "".join(f"<p>{p}</p>" for p in about("tides", 6))
    page = f"<html><head><title>Tides</title></head><body><header>{story}</header></body></html>"
    text = article_from(page).text
    assert "the spring tides would reach the quay by Thursday night, and the ferry would not sail." in text
