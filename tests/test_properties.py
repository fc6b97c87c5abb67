"""Properties that must hold for any input (hypothesis): file names, the stripper, the text parser,
the Markdown we write read back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.errors import NewsarchiveError
from newsarchive.extract.article import build_article
from newsarchive.extract.clean import Stripper
from newsarchive.extract.textsave import parse_markdown_save
from newsarchive.model import Block, RawPage
from newsarchive.render import render_markdown
from newsarchive.store.archive import Archive
from newsarchive.text import MAX_SLUG_CHARS, RESERVED_NAMES, normalize_space, slugify
from tests.pages import article_from, news_page

BASE_ARTICLE = article_from(news_page())
STRIPPER = Stripper()
any_text = st.text(st.characters(codec="utf-8"), max_size=300)
WORDS = ("council", "river", "budget", "school", "harbour", "vote", "winter", "bridge", "report", "farmers")


@given(any_text)
def test_a_slug_is_always_a_safe_stable_file_name(text: str) -> None:
    slug = slugify(text)
    assert slug == slugify(text)
    assert slug and slug.isascii() and len(slug) <= MAX_SLUG_CHARS + 1
    assert slug not in (".", "..") and slug not in RESERVED_NAMES
    assert not set(slug) & set('/\\\0:*?"<>| ')


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=any_text, section=any_text)
def test_article_paths_always_stay_inside_the_archive(tmp_path: Path, title: str, section: str) -> None:
    archive = Archive(tmp_path / "archive")
    article = dataclasses.replace(BASE_ARTICLE, title=title, section_slug=section)
    json_file, md_file = archive._choose_paths(article)
    root = archive.root.resolve()
    for path in (json_file, md_file):
        assert root in path.resolve().parents
        assert path.name not in (".json", ".md")


sentences = st.lists(st.sampled_from(WORDS), min_size=8, max_size=20).map(
    lambda words: "The " + " ".join(words) + " changed again this week."
)
junk_lines = st.sampled_from(
    ["Source link", "Back to top button", "Related Articles", "Share this article", "Advertisement", "Tags", "x"]
)


@given(st.lists(st.one_of(sentences, junk_lines, any_text), max_size=12))
def test_stripping_is_idempotent_and_only_removes_what_a_rule_names(lines: list[str]) -> None:
    blocks = [Block("paragraph", line) for line in lines]
    once = STRIPPER.strip(blocks)
    twice = STRIPPER.strip(once.blocks)
    assert twice.blocks == once.blocks
    for removal in once.removed:
        if not removal.rule.endswith("-block"):
            rule = STRIPPER.match_rule(removal.text)
            assert rule is not None and rule.name == removal.rule


@given(st.lists(sentences, min_size=1, max_size=5), st.lists(junk_lines, max_size=6))
def test_real_paragraphs_are_never_stripped(paragraphs: list[str], junk: list[str]) -> None:
    blocks = [Block("paragraph", text) for text in junk + paragraphs + junk]
    kept = {block.text for block in STRIPPER.strip(blocks).blocks}
    assert set(paragraphs) <= kept


@settings(max_examples=150)
@given(st.text(max_size=2000))
def test_any_text_save_gives_an_article_or_a_clear_error(text: str) -> None:
    raw = RawPage(content=text.encode("utf-8", "surrogatepass"), kind="file", location="x.txt", format="text",
                  file_mtime="2025-01-01T00:00:00+00:00")  # fmt: skip
    try:
        article = build_article(raw, STRIPPER)
    except NewsarchiveError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert article.title and article.text


# Lines of text as extraction gives them, rich in the characters Markdown reads as markup.
markdown_characters = st.sampled_from(list("#*_`[]()<>&;\\!-+=|~.:1"))
a_line = st.text(st.one_of(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), markdown_characters),
                 min_size=1, max_size=60).map(normalize_space).filter(bool)  # fmt: skip
lines = st.lists(a_line, min_size=1, max_size=3).map("\n".join)
written_block = st.one_of(
    st.tuples(st.sampled_from(["paragraph", "list_item", "quote"]), lines),
    st.tuples(st.sampled_from(["heading", "image"]), a_line),
)


@settings(max_examples=300, deadline=None)  # no wall-clock bound: the first example imports the parser
@given(st.lists(written_block, min_size=1, max_size=8), a_line)
def test_the_markdown_we_write_reads_back_as_the_same_blocks(blocks: list[tuple[str, str]], title: str) -> None:
    written = [Block(kind, text) for kind, text in blocks]  # type: ignore[arg-type]
    save = parse_markdown_save(render_markdown(dataclasses.replace(BASE_ARTICLE, title=title), written))
    assert save.title == title
    assert [(block.kind, block.text) for block in save.blocks] == blocks
