"""The Fundus publisher corpus: per-field metrics, implemented from its README.

Pages and expected values are read from ../shared/bench/fundus/ at run time (third-party text:
nothing of it is copied into this repository). Every system is scored on the same fields:

- body: bag-of-words F1 over lower-cased Unicode word tokens (of the NFC text) of summary + headlines +
  paragraphs against the system's text (CJK characters count one token each);
- title: equal after NFKC and whitespace normalization;
- authors: set F1 after whitespace normalization (a page where neither side names anyone is
  not counted);
- date: the same instant within 60 s when both sides have a time, else the same calendar day;
- language: the primary subtag equals the publisher's language.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WORD = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]|\w+")
FIELDS = ("body", "title", "authors", "date", "language")


@dataclass(frozen=True)
class FundusPage:
    page_id: str
    url: str
    html: bytes
    truth: dict[str, Any]

    @property
    def english(self) -> bool:
        return self.truth.get("language") == "en"

    @property
    def crawl_date(self) -> str:
        """When the page was fetched, as an aware ISO timestamp (the corpus gives naive UTC)."""
        stamp = datetime.fromisoformat((self.truth.get("crawl_date") or "2026-01-01").replace(" ", "T", 1))
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).isoformat()


@dataclass
class Extracted:
    """What one system says of one page; None where it says nothing."""

    text: str = ""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    language: str | None = None


def load_fundus(bench: Path) -> list[FundusPage]:
    truth = json.loads((bench / "truth.json").read_text(encoding="utf-8"))
    paths = {page_id: bench / "html" / f"{page_id}.html.gz" for page_id in sorted(truth)}
    return [
        FundusPage(page_id, truth[page_id]["url"], gzip.decompress(path.read_bytes()), truth[page_id])
        for page_id, path in paths.items()
        if path.exists()
    ]


def truth_body(truth: dict[str, Any]) -> str:
    body = truth.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(parts)


def _tokens(text: str | None) -> Counter[str]:
    """Word tokens of the composed text (NFC): a letter typed as base + combining mark is the
    same letter, and \\w would otherwise split the word at the mark."""
    return Counter(WORD.findall(unicodedata.normalize("NFC", text or "").lower()))


def bag_f1(found: str | None, expected: str | None) -> float:
    got, want = _tokens(found), _tokens(expected)
    if not got and not want:
        return 1.0
    shared = sum((got & want).values())
    if not shared:
        return 0.0
    precision, recall = shared / sum(got.values()), shared / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def title_right(found: str | None, expected: str) -> bool:
    return found is not None and _normal(found) == _normal(expected)


def authors_f1(found: list[str], expected: list[str]) -> float | None:
    got, want = {_normal(a) for a in found if a.strip()}, {_normal(a) for a in expected if a.strip()}
    if not got and not want:
        return None
    shared = len(got & want)
    if not shared:
        return 0.0
    precision, recall = shared / len(got), shared / len(want)
    return 2 * precision * recall / (precision + recall)


def _instant(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        return None


def date_right(found: str | None, expected: str) -> bool:
    got, want = _instant(found or ""), _instant(expected)
    if got is None or want is None:
        return False
    has_time = "T" in (found or "") or " " in (found or "").strip()
    if has_time and got.tzinfo is not None and want.tzinfo is not None:
        return abs((got - want).total_seconds()) <= 60
    return got.date() == want.date()


def language_right(found: str | None, expected: str) -> bool:
    return bool(found) and found.replace("_", "-").split("-")[0].lower() == expected.lower()


def score(page: FundusPage, found: Extracted) -> dict[str, float | None]:
    """field → score in [0, 1], or None where the corpus states nothing for that field."""
    truth = page.truth
    return {
        "body": bag_f1(found.text, truth_body(truth)) if truth.get("body") else None,
        "title": float(title_right(found.title, truth["title"])) if truth.get("title") else None,
        "authors": authors_f1(found.authors, truth["authors"]) if "authors" in truth else None,
        "date": float(date_right(found.date, truth["publishing_date"])) if truth.get("publishing_date") else None,
        "language": float(language_right(found.language, truth["language"])) if truth.get("language") else None,
    }
