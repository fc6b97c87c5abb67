"""The metadata golden set: hand-written pages in fixtures/metadata/ with what a careful reader
would say their title, authors, dates, section and access are.

Each page NAME.html has NAME.expected.json. The page is handed to the extractor as if fetched
from the expected `url` (so URL dates and sections count), at a fixed time after every date.
Where a page states no publication date (`published: null`), the archive still needs a day to
file it under: the right answer is then the fetch time, marked `date_source: fetched`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOLDEN_DIR = REPO / "fixtures" / "metadata"
FETCHED_AT = "2026-01-01T00:00:00+00:00"
FIELDS = (
    "title",
    "authors",
    "published",
    "modified",
    "date_source",
    "section",
    "section_source",
    "access",
    "language",
)


@dataclass(frozen=True)
class GoldenPage:
    name: str
    html: bytes
    expected: dict[str, Any]


def load_golden(folder: Path = GOLDEN_DIR) -> list[GoldenPage]:
    pages = []
    for expected_file in sorted(folder.glob("*.expected.json")):
        name = expected_file.name.removesuffix(".expected.json")
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        pages.append(GoldenPage(name, (folder / f"{name}.html").read_bytes(), expected))
    return pages


def newsarchive_fields(page: GoldenPage) -> dict[str, Any]:
    """What newsarchive archives for the page, through the same code path as `fetch`."""
    from newsarchive.extract.article import build_article
    from newsarchive.extract.clean import Stripper
    from newsarchive.model import RawPage

    raw = RawPage(
        content=page.html,
        kind="http",
        location=page.expected["url"],
        format="html",
        url=page.expected["url"],
        fetched_at=FETCHED_AT,
    )
    article = build_article(raw, Stripper()).to_dict()
    return {name: article.get(name) for name in FIELDS}


def mismatches(page: GoldenPage, found: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field → (expected, found) for every golden field the page states that differs."""
    expected = dict(page.expected)
    if "published" in expected and expected["published"] is None:
        expected |= {"published": FETCHED_AT, "date_source": "fetched"}
    return {
        name: (expected[name], found.get(name))
        for name in FIELDS
        if name in expected and expected[name] != found.get(name)
    }
