"""Markdown saves: our own .md files read back as the article they were written from, and
hand-written Markdown reads as CommonMark says, not line by line."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.pages import news_page

# Text that Markdown would read as structure or markup if it were written out as it is.
MARKUP_TITLE = "Council's #1 priority: the *new* bridge_fund [2024](draft) #"
MARKUP_PARAGRAPHS = [
    "# Five things to know about the vote, which the council held late on Tuesday night.",
    "1. The council voted seven to two to fund the bridge, after a debate of four hours.",
    "2) Work starts in *early* spring, and the money sits in the road_repairs_2024 budget line.",
    "- A third of it comes from the _regional_ fund, said the treasurer, Anna Berg, who spoke last.",
    "+ Residents asked for a [public meeting](soon) before the work begins, and for answers on the noise.",
    "> Quoted in full: the motion passed with an amendment about the footpath on the north side.",
    "Costs are 5 * 3 = 15 million, the `committee` said, filed under C:\\roads\\ with \\*stars\\* and "
    "&amp; and <https://council.example.org/minutes> in the minutes.",
    "=== The rest of the meeting went to the parking rules, which the council put off to March.",
    "[Update]: the council published the vote count on Wednesday morning, with each member named.",
    "___ and *** and --- stood in for the names of members who asked not to be listed in the record.",
]
MARKUP_HEADING = "What *happens* next, and who pays #"


def markup_page() -> str:
    """A news page whose title, paragraphs and subheading are full of Markdown's own characters."""
    extra = f"<h2>{html.escape(MARKUP_HEADING)}</h2>\n<p>{html.escape(MARKUP_PARAGRAPHS[0])} Again.</p>"
    return news_page(title=MARKUP_TITLE, paragraphs=MARKUP_PARAGRAPHS, extra_body=extra)


def articles(archive: Path) -> dict[str, dict]:
    """The archive's articles by the name of their Markdown file."""
    found = {}
    for path in archive.rglob("*.json"):
        article = json.loads(path.read_text(encoding="utf-8"))
        found[path.with_suffix(".md").name] = article
    return found


def front_matter(markdown: str) -> dict:
    return yaml.safe_load(markdown.split("---\n", 2)[1])


def reimport(run, first: Path, second: Path, tmp_path: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """Import the Markdown files the first archive wrote into a second archive."""
    saves = tmp_path / "saves"
    saves.mkdir()
    for markdown in first.rglob("*.md"):
        shutil.copy(markdown, saves / markdown.name)
    result = run("--archive", str(second), "import", str(saves))
    assert result.exit_code == 0, result.output
    return articles(first), articles(second)


def assert_same_articles(before: dict[str, dict], after: dict[str, dict]) -> None:
    assert sorted(after) == sorted(before)
    for name, article in before.items():
        again = after[name]
        assert again["title"] == article["title"], name
        assert again["text"] == article["text"], name
        assert front_matter(again["markdown"]) == front_matter(article["markdown"]), name
        assert again["markdown"] == article["markdown"], name


def test_every_fixture_page_reads_back_from_its_markdown(run, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    pages = sorted((FIXTURES / "pages").glob("*.html"))
    result = run("--archive", str(first), "import", *map(str, pages))
    assert len(articles(first)) == len(pages) - 1, result.output  # section-front.html is a list of articles
    assert_same_articles(*reimport(run, first, second, tmp_path))


def test_text_full_of_markdown_characters_reads_back_unchanged(run, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    (tmp_path / "markup.html").write_text(markup_page(), encoding="utf-8")
    assert run("--archive", str(first), "import", str(tmp_path / "markup.html")).exit_code == 0
    (article,) = articles(first).values()
    assert article["title"] == MARKUP_TITLE
    assert article["text"].split("\n\n")[: len(MARKUP_PARAGRAPHS)] == MARKUP_PARAGRAPHS
    assert MARKUP_HEADING in article["text"]
    assert_same_articles(*reimport(run, first, second, tmp_path))


HAND_WRITTEN = """---
title: Ferry timetable changes for the summer
date: 2024-06-01
...

Timetables
==========

The ferry company published its summer timetable on Friday, with
more crossings at the weekend and a later last boat on Saturdays.

What changes
------------

1. The first boat leaves at 6:40, twenty minutes
   earlier than in winter.
2. A late crossing at 23:10 runs on Fridays and
   Saturdays from June to August.

* Bicycles travel free
  on every crossing.
* Dogs travel free too.

The departure board reads its times from a feed:

```
GET /timetable/summer.json
06:40 Harbour -> Island
```

    23:10 Island -> Harbour

Tickets are on sale from Monday at the harbour office and online.
"""


def test_hand_written_markdown_reads_as_commonmark(run, tmp_path: Path, archive_dir: Path) -> None:
    (tmp_path / "timetable.md").write_text(HAND_WRITTEN, encoding="utf-8")
    result = run("import", str(tmp_path / "timetable.md"))
    assert result.exit_code == 0, result.output
    (article,) = articles(archive_dir).values()
    assert (article["title"], article["published"]) == ("Ferry timetable changes for the summer", "2024-06-01")
    assert article["text"].split("\n\n") == [
        "Timetables",
        "The ferry company published its summer timetable on Friday, with more crossings at the weekend "
        "and a later last boat on Saturdays.",
        "What changes",
        "The first boat leaves at 6:40, twenty minutes earlier than in winter.",
        "A late crossing at 23:10 runs on Fridays and Saturdays from June to August.",
        "Bicycles travel free on every crossing.",
        "Dogs travel free too.",
        "The departure board reads its times from a feed:",
        "GET /timetable/summer.json\n06:40 Harbour -> Island",
        "23:10 Island -> Harbour",
        "Tickets are on sale from Monday at the harbour office and online.",
    ]
    body = article["markdown"].split("\n---\n", 1)[1]
    assert "\n## Timetables\n" in body
    assert "\n- The first boat leaves at 6:40, twenty minutes earlier than in winter.\n- A late" in body
    assert "\n```\nGET /timetable/summer.json\n06:40 Harbour -> Island\n```\n" in body


@pytest.mark.parametrize(
    ("markdown", "title"),
    [
        ("Ferry back in service\n=====================\n\n", "Ferry back in service"),
        ("# Ferry \\#1 back *in* service #\n\n", "Ferry #1 back in service"),
    ],
)
def test_without_front_matter_the_first_top_heading_is_the_title(
    run, tmp_path: Path, archive_dir: Path, markdown: str, title: str
) -> None:
    body = "The harbour ferry returned to service on Saturday after a winter of repairs in the dry dock. " * 2
    (tmp_path / "ferry.md").write_text(markdown + body, encoding="utf-8")
    assert run("import", str(tmp_path / "ferry.md")).exit_code == 0
    (article,) = articles(archive_dir).values()
    assert article["title"] == title
    assert article["text"] == body.strip()
