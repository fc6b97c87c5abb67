"""Learned site boilerplate: a line a site repeats across its articles is stripped from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsarchive.store.archive import Archive
from newsarchive.store.index.base import LEARN_MIN_ARTICLES
from tests.pages import news_page

SITE = "https://www.lakeside-ledger.example"
FOOTER = "The Lakeside Ledger is an independent newsroom kept going by readers in every valley town."
STREETS = ("Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Gum", "Hazel", "Ivy", "Juniper")


def story(n: int) -> str:
    """Page n of the fake site: unique sentences built on one template, then the footer."""
    street = STREETS[n % len(STREETS)]
    paragraphs = [
        f"Crews closed {street} Street on day {n} of the works while a water main {n * 7} metres long was replaced.",
        f"The council said the {street} Street job, number {n + 100} this year, would cost {n * 13} thousand.",
        f"Residents near {street} Street were told to expect {n % 4 + 2} nights of noise, a spokesperson said.",
        # Looks like boilerplate (the same words in every story) but differs in its numbers.
        f"Updates on job {n + 100} will be posted at the library on {street} Street at {n % 12 + 1} o'clock.",
        FOOTER,
    ]
    return news_page(
        title=f"Water main works close {street} Street, job {n + 100}",
        paragraphs=paragraphs,
        url=f"{SITE}/local/2025/04/{n:02d}/water-main-job-{n + 100}/",
        site="The Lakeside Ledger",
        published=f"2025-04-{n:02d}T08:00:00+01:00",
    )


def write_pages(folder: Path, numbers: range) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / f"story-{n:02d}.html").write_text(story(n), encoding="utf-8")


def articles_by_day(archive_dir: Path) -> dict[int, dict]:
    found = {}
    for path in archive_dir.rglob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[int(data["published"][8:10])] = data
    return found


@pytest.mark.parametrize("jobs", [1, 3])
def test_a_repeated_footer_disappears_once_learned_and_unique_sentences_stay(
    run, archive_dir: Path, tmp_path, jobs: int
) -> None:
    # Workers run ahead of what the index has learned; what they were told is checked as the
    # pages are stored in order, so the outcome is that of one process.
    write_pages(tmp_path / "saved", range(1, 21))
    assert run("import", "--jobs", str(jobs), str(tmp_path / "saved")).exit_code == 0
    articles = articles_by_day(archive_dir)
    assert len(articles) == 20
    for n, article in articles.items():
        learned = n > LEARN_MIN_ARTICLES  # seen in the first five, then known as the site's
        assert (FOOTER in article["text"]) is not learned, n
        assert article["boilerplate"] == ([FOOTER] if learned else [])
        street = STREETS[n % len(STREETS)]
        for sentence in (f"on day {n} of the works", f"number {n + 100} this year", f"job {n + 100} will be"):
            assert sentence in article["text"], (n, sentence)
        assert street in article["markdown"]


def test_clean_explain_names_the_learned_line_and_the_rule(run, tmp_path) -> None:
    write_pages(tmp_path / "saved", range(1, 11))
    assert run("import", "--jobs", "1", str(tmp_path / "saved")).exit_code == 0
    page = tmp_path / "new.html"
    page.write_text(story(11).replace("</article>", "<p>Back to top button</p></article>"), encoding="utf-8")
    result = run("clean", "--explain", str(page))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any("learned" in line and FOOTER in line and "in 10 of 10 articles from lakeside-ledger.example" in line
               for line in lines), result.output  # fmt: skip
    assert any("back-to-top" in line and "Back to top button" in line for line in lines), result.output
    assert not any("job 111" in line for line in lines if line.startswith("block"))


def test_reindex_keeps_what_was_learned(run, archive_dir: Path, tmp_path) -> None:
    write_pages(tmp_path / "first", range(1, 13))
    assert run("import", "--jobs", "1", str(tmp_path / "first")).exit_code == 0
    with Archive(archive_dir) as archive:
        before = archive.learned_lines("lakeside-ledger.example")
        archive.reindex()
        assert archive.learned_lines("lakeside-ledger.example") == before != {}
    write_pages(tmp_path / "second", range(13, 15))
    assert run("import", "--jobs", "1", str(tmp_path / "second")).exit_code == 0
    later = articles_by_day(archive_dir)
    assert FOOTER not in later[13]["text"] and FOOTER not in later[14]["text"]


def test_other_sites_and_rare_lines_are_not_learned(run, archive_dir: Path, tmp_path) -> None:
    folder = tmp_path / "saved"
    write_pages(folder, range(1, 9))
    other = story(9).replace(SITE, "https://other-paper.example")
    (folder / "story-09.html").write_text(other, encoding="utf-8")
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0
    assert FOOTER in articles_by_day(archive_dir)[9]["text"]  # the line is not the other site's boilerplate
