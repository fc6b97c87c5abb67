"""End to end on the document this project was specified from (read from ../shared at run time)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import SHARED

SEED_DIR = SHARED / "seed"
JUNK = ("Source link", "Related Articles", "Back to top button")
pytestmark = pytest.mark.skipif(not SEED_DIR.is_dir(), reason="../shared/seed is not beside the repo")


def seed_file() -> Path:
    return sorted(SEED_DIR.glob("*.txt"))[0]


def seed_lines() -> list[str]:
    return [line.strip() for line in seed_file().read_text(encoding="utf-8").splitlines()]


def expected_parts() -> tuple[str, list[str], list[str], str]:
    """Read the seed independently of the parser: title, paragraphs, subheadings, caption."""
    lines = [line for line in seed_lines() if line]
    title_line = lines[1]
    body = [line for line in lines[2:] if line not in JUNK]
    caption = next(line for line in body if re.search(r"\[File: [^]]+/[^]]+\]$", line))
    alt = body[body.index(caption) - 1]
    headings = [
        line
        for line in body
        if line not in (caption, alt) and len(line.split()) <= 8 and not re.search(r"[.!?][”’\"]?$", line)
    ]
    paragraphs = [line for line in body if line not in headings and line not in (caption, alt)]
    return title_line, paragraphs, headings, caption


@pytest.fixture
def imported(run, archive_dir: Path) -> tuple[dict, str]:
    result = run("import", str(SEED_DIR))
    assert result.exit_code == 0, result.output
    json_files = list(archive_dir.rglob("*.json"))
    assert len(json_files) == 1
    return json.loads(json_files[0].read_text(encoding="utf-8")), json_files[0].with_suffix(".md").read_text(
        encoding="utf-8"
    )


def test_seed_section_title_and_category(imported: tuple[dict, str]) -> None:
    article, _ = imported
    title_line, _, _, _ = expected_parts()
    assert article["section"] == "World"
    assert article["section_slug"] == "world"
    assert article["title"] == title_line.rsplit(" | ", 1)[0]
    assert "|" not in article["title"]
    assert "Russia-Ukraine war" in article["categories"] + article["tags"]


def test_seed_every_paragraph_present_in_order(imported: tuple[dict, str]) -> None:
    article, _ = imported
    _, paragraphs, _, _ = expected_parts()
    text_paragraphs = article["text"].split("\n\n")
    positions = [text_paragraphs.index(" ".join(p.split())) for p in paragraphs]
    assert positions == sorted(positions)
    assert len(paragraphs) > 20


def test_seed_four_subheadings_in_markdown(imported: tuple[dict, str]) -> None:
    _, markdown = imported
    _, _, headings, _ = expected_parts()
    assert len(headings) == 4
    for heading in headings:
        assert f"\n## {heading}\n" in markdown


def test_seed_caption_is_kept_as_a_caption(imported: tuple[dict, str]) -> None:
    article, markdown = imported
    _, _, _, caption = expected_parts()
    assert [image["caption"] for image in article["images"]] == [caption]
    assert caption not in article["text"]
    assert f"\n*{caption}*\n" in markdown


def test_seed_junk_lines_are_gone_everywhere(imported: tuple[dict, str]) -> None:
    article, markdown = imported
    dumped = json.dumps(article, ensure_ascii=False)
    for junk in JUNK:
        assert junk not in dumped
        assert junk not in markdown


def test_seed_date_comes_from_the_file_and_says_so(imported: tuple[dict, str]) -> None:
    article, _ = imported
    assert article["date_source"] == "file"
    assert article["source"]["kind"] == "file"
    assert article["extractor"]["method"] == "text"
