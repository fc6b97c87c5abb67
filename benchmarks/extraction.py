"""Extraction quality on two dev corpora: newsarchive beside the extractors it builds on or competes with.

Reads the pages and what is true of them from ../shared/bench/ at run time (third-party text:
nothing of it is copied into this repository), runs every system on every page in one process,
and prints one table per corpus with relative gates, so a gain on one corpus that costs the
other shows at once:

- scrapinghub/ (181 pages, bodies only): the benchmark's own shingle F1 (shingles.py);
- fundus/ (113 pages, 81 publishers): body bag-of-words F1, title, authors, date, language (fundus.py).

Then per-field accuracy on the hand-written metadata golden set (fixtures/metadata/), with
trafilatura's and htmldate's answers beside ours.

    python benchmarks/extraction.py [--bench-dir DIR] [--corpus scrapinghub|fundus|both] [--only newsarchive]

Exit code: 0 when every gate passes, 1 when one fails, 2 when a corpus is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import socket
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fundus
from metadata_golden import FETCHED_AT as GOLDEN_FETCHED_AT
from metadata_golden import FIELDS as GOLDEN_FIELDS
from metadata_golden import GoldenPage, load_golden, mismatches, newsarchive_fields
from shingles import PageScore, bootstrap_f1_std, score_page, summarize

if TYPE_CHECKING:
    from newsarchive.extract.clean import Stripper

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO.parent / "shared" / "bench"
FIXED_FETCH_TIME = "2026-01-01T00:00:00+00:00"  # a saved file's mtime, after every page's date

OURS = "newsarchive"
TIME_BASE = "trafilatura(include_comments=False)"
BODY_MARGIN = 0.01  # over the best peer, same corpus, same run
AUTHORS_MARGIN = 0.02
WORST_PAGE_GAP = 0.2  # ScrapingHub: no page this far below the best trafilatura setting
LISTED_PAGE_GAP = 0.1
MAX_TIME_RATIO = 2.0
WARM_UP_PAGES = 3
NOT_STATED = ("fetched", "file", "listing")  # date sources that are not the page's own statement


@dataclass(frozen=True)
class Page:
    """What every system is handed: the page's bytes, its URL and, for a served page, when it was fetched."""

    page_id: str
    url: str
    html: bytes
    fetched_at: str | None = None  # None: a saved file (ScrapingHub), filed at FIXED_FETCH_TIME


System = Callable[[Page], fundus.Extracted]


@dataclass
class Run:
    """One system over one corpus: what it said of each page, how long it took, where it raised."""

    found: list[fundus.Extracted]
    seconds: float
    failures: dict[str, str] = field(default_factory=dict)  # page id → error, first 80 characters


@dataclass(frozen=True)
class Gate:
    """One relative target: ours against what a peer reached in this same run."""

    label: str
    ours: float
    needed: float | None  # None: not judged, for the reason given
    at_most: bool = False
    reason: str = "--only newsarchive"

    @property
    def passed(self) -> bool | None:
        if self.needed is None:
            return None
        return self.ours <= self.needed if self.at_most else self.ours >= self.needed

    def __str__(self) -> str:
        if self.passed is None:
            return f"----  {self.label}: not judged ({self.reason})"
        return f"{'PASS' if self.passed else 'FAIL'}  {self.label} (ours {self.ours:.4f} vs needed {self.needed:.4f})"


# --- the systems -----------------------------------------------------------------------------


@functools.cache
def _stripper() -> Stripper:
    """Built once: its cost is not a page's."""
    from newsarchive.extract.clean import Stripper

    return Stripper()


def newsarchive_system() -> System:
    """The code path `newsarchive import` (a saved file) or `fetch` (a served page) takes, writing nothing."""
    from newsarchive.extract.article import build_article
    from newsarchive.inputs.formats import read_saved
    from newsarchive.model import RawPage

    def extract(page: Page) -> fundus.Extracted:
        saved = read_saved("page.html", page.html)
        common = {"content": saved.content, "location": page.url, "format": saved.page_format, "url": page.url,
                  "content_type": saved.content_type}  # fmt: skip
        if page.fetched_at is None:
            raw = RawPage(kind="file", file_mtime=FIXED_FETCH_TIME, file_format=saved.file_format, **common)
        else:  # the crawl time, so "published after it was fetched" sanity checks work
            raw = RawPage(kind="http", fetched_at=page.fetched_at, **common)
        article = build_article(raw, _stripper())
        stated = article.published if article.date_source not in NOT_STATED else None
        return fundus.Extracted(article.text, article.title, list(article.authors), stated, article.language)

    return extract


def _decode(html: bytes) -> str:
    """Bytes as trafilatura would decode them, for every peer alike (ScrapingHub's are UTF-8, Fundus' as served)."""
    from trafilatura.utils import decode_file

    return decode_file(html)


def _split_authors(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(";") if name.strip()]


def trafilatura_system(**options: Any) -> System:
    """trafilatura with its metadata; the body is what `trafilatura.extract` would print (text, then comments)."""
    import trafilatura

    def extract(page: Page) -> fundus.Extracted:
        doc = trafilatura.bare_extraction(_decode(page.html), url=page.url, with_metadata=True, **options)
        if doc is None:
            return fundus.Extracted()
        text = "\n".join(part for part in (doc.text, doc.comments) if part).strip()
        return fundus.Extracted(unicodedata.normalize("NFC", text), doc.title, _split_authors(doc.author), doc.date)

    return extract


def readability_system() -> System:
    from lxml import html as lxml_html
    from readability import Document

    def extract(page: Page) -> fundus.Extracted:
        doc = Document(_decode(page.html))
        summary = doc.summary(html_partial=True)
        text = lxml_html.fromstring(summary).text_content() if summary.strip() else ""
        return fundus.Extracted(text, doc.short_title() or None)

    return extract


def newspaper_system() -> System:
    """newspaper4k on the given HTML: images not fetched (no network), nltk not needed for these fields."""
    from dateutil.parser import UnknownTimezoneWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="nltk is not installed", category=UserWarning)
        import newspaper
    # Its dates with a zone abbreviation ("CEST") come out naive, and dateutil says so on every such page.
    warnings.filterwarnings("ignore", category=UnknownTimezoneWarning)

    def extract(page: Page) -> fundus.Extracted:
        article = newspaper.Article(page.url, fetch_images=False, follow_meta_refresh=False)
        article.download(input_html=_decode(page.html))
        article.parse()
        published = article.publish_date.isoformat() if article.publish_date else None
        return fundus.Extracted(article.text or "", article.title or None, list(article.authors), published,
                                article.meta_lang or None)  # fmt: skip

    return extract


def all_systems(only_ours: bool) -> dict[str, System]:
    systems = {OURS: newsarchive_system()}
    if only_ours:
        return systems
    return systems | {
        "trafilatura(default)": trafilatura_system(),
        "trafilatura(include_comments=False)": trafilatura_system(include_comments=False),
        "trafilatura(favor_precision=True)": trafilatura_system(include_comments=False, favor_precision=True),
        "readability-lxml": readability_system(),
        "newspaper4k": newspaper_system(),
    }


def _no_network() -> None:
    """Every page is on disk: a system that tries to connect fails that page instead of measuring the web."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("network access is disabled in the benchmark")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]


def run(systems: dict[str, System], pages: Sequence[Page]) -> dict[str, Run]:
    """Each system over all pages, timed after a warm-up (imports, caches); a page it raises on scores empty."""
    runs = {}
    for name, extract in systems.items():
        for page in pages[:WARM_UP_PAGES]:
            _attempt(extract, page)
        failures: dict[str, str] = {}
        found = []
        started = time.perf_counter()
        for page in pages:
            result, error = _attempt(extract, page)
            found.append(result)
            if error:
                failures[page.page_id] = error
        runs[name] = Run(found, time.perf_counter() - started, failures)
    return runs


def _attempt(extract: System, page: Page) -> tuple[fundus.Extracted, str | None]:
    try:
        return extract(page), None
    except Exception as exc:  # newsarchive's refusals and a peer's crashes alike: that page scores empty
        return fundus.Extracted(), " ".join(f"{type(exc).__name__}: {exc}".split())[:80]


# --- reporting shared by both corpora ------------------------------------------------------------


def _short_id(page_id: str) -> str:
    return page_id[:16] if len(page_id) == 64 else page_id  # ScrapingHub's ids are sha256 hex


def _mean(values: Sequence[float | None]) -> float:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else 0.0


def print_failures(runs: dict[str, Run]) -> None:
    ours = runs[OURS].failures
    print(f"\npages newsarchive did not archive: {len(ours)}")
    for page_id, error in sorted(ours.items()):
        print(f"  {_short_id(page_id)}  {error}")
    for name, result in runs.items():
        if name != OURS and result.failures:
            print(f"{name} raised on {len(result.failures)} pages:")
            for page_id, error in sorted(result.failures.items()):
                print(f"  {_short_id(page_id)}  {error}")


def page_gaps(
    pages: Sequence[Page], ours: Sequence[float], bodies: dict[str, list[float]]
) -> list[tuple[float, str, str]]:
    """(gap, page id, setting) where the page's best trafilatura setting beats our body, largest first.

    Per page, so that no setting's win hides behind another setting's better average.
    """
    settings = [name for name in bodies if name.startswith("trafilatura")]
    gaps = []
    for i, page in enumerate(pages):
        best = max(settings, key=lambda name: bodies[name][i])
        if bodies[best][i] > ours[i]:
            gaps.append((bodies[best][i] - ours[i], page.page_id, best))
    return sorted(gaps, reverse=True)


def print_gaps(gaps: list[tuple[float, str, str]]) -> None:
    listed = [gap for gap in gaps if gap[0] > LISTED_PAGE_GAP]
    print(f"\npages where newsarchive's body is worse than the page's best trafilatura setting by more than "
          f"{LISTED_PAGE_GAP} F1: {len(listed)}")  # fmt: skip
    for gap, page_id, setting in listed:
        print(f"  {_short_id(page_id)}  -{gap:.3f}  {setting}")


def best_peer_gate(label: str, ours: float, peers: dict[str, float], margin: float = 0.0, reason: str = "") -> Gate:
    """ours ≥ the best peer's figure (+ margin); not judged when no peer gives the field."""
    if not peers:
        return Gate(label, ours, None, reason=reason or "--only newsarchive")
    best = max(peers, key=lambda name: peers[name])
    plus = f" + {margin}" if margin else ""
    return Gate(f"{label} ≥ best peer{plus} [{best}]", ours, peers[best] + margin)


# --- ScrapingHub -----------------------------------------------------------------------------------


def load_scrapinghub(folder: Path) -> tuple[list[Page], list[str]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages, bodies = [], []
    for path in sorted((folder / "html").glob("*.html.gz")):
        page_id = path.name.split(".", 1)[0]
        pages.append(Page(page_id, truth[page_id]["url"], gzip.decompress(path.read_bytes())))
        bodies.append(truth[page_id]["articleBody"])
    return pages, bodies


def scrapinghub(folder: Path, systems: dict[str, System]) -> list[Gate]:
    pages, truths = load_scrapinghub(folder)
    runs = run(systems, pages)
    scores: dict[str, list[PageScore]] = {
        name: [score_page(found.text, truth) for found, truth in zip(result.found, truths, strict=True)]
        for name, result in runs.items()
    }
    summaries = {name: summarize(page_scores) for name, page_scores in scores.items()}

    print(f"ScrapingHub article-extraction benchmark: {len(pages)} pages, body shingle F1\n")
    print(f"{'system':<42} {'F1':>7} {'P':>7} {'R':>7} {'F1 sd':>7} {'pages/s':>8} {'raised':>7}")
    for name, summary in summaries.items():
        std = bootstrap_f1_std(scores[name])
        speed = len(pages) / runs[name].seconds
        print(f"{name:<42} {summary.f1:7.4f} {summary.precision:7.4f} {summary.recall:7.4f} {std:7.4f} "
              f"{speed:8.1f} {len(runs[name].failures):>7}")  # fmt: skip
    print_failures(runs)

    ours = summaries[OURS]
    peers = {name: summary.f1 for name, summary in summaries.items() if name != OURS}
    gates = [best_peer_gate("ScrapingHub: body F1", ours.f1, peers, BODY_MARGIN)]
    worst_label = f"ScrapingHub: no page worse than its best trafilatura setting by more than {WORST_PAGE_GAP} F1"
    time_label = f"ScrapingHub: time ≤ {MAX_TIME_RATIO} × {TIME_BASE}"
    if TIME_BASE not in runs:
        return [*gates, Gate(worst_label, 0.0, None), Gate(time_label, 0.0, None)]
    gaps = page_gaps(pages, [s.f1 for s in scores[OURS]], {name: [s.f1 for s in scores[name]] for name in scores})
    print_gaps(gaps)
    time_ratio = runs[OURS].seconds / runs[TIME_BASE].seconds
    print(f"\nnewsarchive time / {TIME_BASE} time: {time_ratio:.2f}")
    worst = gaps[0][0] if gaps else 0.0
    return [
        *gates,
        Gate(f"{worst_label}: worst gap", worst, WORST_PAGE_GAP, at_most=True),
        Gate(time_label, time_ratio, MAX_TIME_RATIO, at_most=True),
    ]


# --- Fundus ------------------------------------------------------------------------------------------


def _gives(result: Run, field_name: str) -> bool:
    """Whether a system ever says anything of this field: one that never does is shown "-" and is no peer there."""
    return field_name == "body" or any(getattr(found, field_name, None) for found in result.found)


def _cell(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.4f}"


def fundus_corpus(folder: Path, systems: dict[str, System]) -> list[Gate]:
    corpus = fundus.load_fundus(folder)
    pages = [Page(p.page_id, p.url, p.html, p.crawl_date) for p in corpus]
    runs = run(systems, pages)
    scores = {
        name: [fundus.score(page, found) for page, found in zip(corpus, result.found, strict=True)]
        for name, result in runs.items()
    }
    given = {name: {f for f in fundus.FIELDS if _gives(result, f)} for name, result in runs.items()}
    english = [p.english for p in corpus]

    def mean(name: str, field_name: str, want_english: bool | None = None) -> float | None:
        """The system's mean on the field (over English pages, or the others, if asked); None if it never gives it."""
        if field_name not in given[name]:
            return None
        chosen = [s for s, en in zip(scores[name], english, strict=True) if want_english in (None, en)]
        return _mean([s[field_name] for s in chosen])

    counted = {f: sum(s[f] is not None for s in scores[OURS]) for f in fundus.FIELDS}
    print(f"Fundus publisher corpus: {len(pages)} pages ({sum(english)} English), per-field scores\n")
    heading = " ".join(f"{f'{f} ({counted[f]})':>14}" for f in fundus.FIELDS)
    print(f"{'system':<42} {heading} {'pages/s':>8} {'raised':>7}")
    for name, result in runs.items():
        cells = " ".join(_cell(mean(name, f), 14) for f in fundus.FIELDS)
        print(f"{name:<42} {cells} {len(pages) / result.seconds:8.1f} {len(result.failures):>7}")

    print(f"\nEnglish ({sum(english)} pages) vs not ({len(english) - sum(english)} pages)\n")
    print(f"{'system':<42} {'body en':>9} {'body other':>11} {'authors en':>11} {'authors other':>14}")
    for name in runs:
        print(f"{name:<42} {_cell(mean(name, 'body', True), 9)} {_cell(mean(name, 'body', False), 11)} "
              f"{_cell(mean(name, 'authors', True), 11)} {_cell(mean(name, 'authors', False), 14)}")  # fmt: skip
    print_failures(runs)

    def peers(field_name: str) -> dict[str, float]:
        return {name: value for name in runs if name != OURS and (value := mean(name, field_name)) is not None}

    if len(runs) > 1:
        bodies = {name: [s["body"] or 0.0 for s in page_scores] for name, page_scores in scores.items()}
        print_gaps(page_gaps(pages, bodies[OURS], bodies))
    ours = {f: mean(OURS, f) or 0.0 for f in fundus.FIELDS}
    return [
        best_peer_gate("Fundus: body F1", ours["body"], peers("body"), BODY_MARGIN),
        best_peer_gate("Fundus: authors", ours["authors"], peers("authors"), AUTHORS_MARGIN),
        best_peer_gate("Fundus: title", ours["title"], peers("title")),
        best_peer_gate("Fundus: date", ours["date"], peers("date")),
        best_peer_gate("Fundus: language", ours["language"], peers("language"),
                       reason="" if len(runs) == 1 else "no peer gives languages"),
    ]  # fmt: skip


# --- the metadata golden set -----------------------------------------------------------------------


def _same_day(found: str | None, expected: str | None) -> bool:
    """A peer gives a day only: right when it is the page's own (local) day, or nothing for an undated page."""
    if expected is None:
        return found is None
    return bool(found) and found[:10] == expected[:10]


def _peer_metadata(page: GoldenPage) -> dict[str, dict[str, Any]]:
    """trafilatura's title, authors and date, and htmldate's date, for one golden page."""
    import trafilatura
    from htmldate import find_date

    url = page.expected["url"]
    answers: dict[str, dict[str, Any]] = {"trafilatura": {}, "htmldate": {}}
    with contextlib.suppress(Exception):  # a peer that fails on a page scores zero there
        doc = trafilatura.bare_extraction(_decode(page.html), url=url, with_metadata=True, include_comments=False)
        if doc is not None:
            answers["trafilatura"] = {"title": doc.title, "authors": _split_authors(doc.author), "day": doc.date}
    with contextlib.suppress(Exception):
        answers["htmldate"] = {"day": find_date(_decode(page.html), url=url)}
    return answers


def print_metadata_accuracy(with_peers: bool) -> None:
    """Per-field accuracy on the hand-written golden set (fixtures/metadata/), peers' beside ours.

    Peers give the publication day only, so `published (day)` judges every system on the day;
    `published` is ours to the second and offset.
    """
    pages = load_golden()
    peers = ("trafilatura", "htmldate") if with_peers else ()
    rows = (*GOLDEN_FIELDS[:3], "published (day)", *GOLDEN_FIELDS[3:])
    peer_fields = {"trafilatura": ("title", "authors", "published (day)"), "htmldate": ("published (day)",)}
    right = {system: dict.fromkeys(rows, 0) for system in (OURS, *peers)}
    stated = dict.fromkeys(rows, 0)
    wrong: list[str] = []
    for page in pages:
        try:
            found = newsarchive_fields(page)
        except Exception as exc:  # a page that fails scores zero on every field
            found, wrong = {}, [*wrong, f"  {page.name}: {exc}"]
        differences = mismatches(page, found)
        for name in GOLDEN_FIELDS:
            if name in page.expected:
                stated[name] += 1
                right[OURS][name] += name not in differences
        wrong += [f"  {page.name}  {name}: expected {want!r}, got {got!r}" for name, (want, got) in differences.items()]
        answers = _peer_metadata(page) if peers else {}
        for name in ("title", "authors"):
            if name in page.expected and answers:
                right["trafilatura"][name] += answers["trafilatura"].get(name) == page.expected[name]
        if "published" in page.expected:
            expected_day = page.expected["published"]
            stated["published (day)"] += 1
            ours_day = found.get("published") if found.get("date_source") not in NOT_STATED else None
            right[OURS]["published (day)"] += _same_day(ours_day, expected_day)
            for system in peers:
                right[system]["published (day)"] += _same_day(answers[system].get("day"), expected_day)

    print(f"\nMetadata golden set: {len(pages)} pages (fixtures/metadata/), fetched at {GOLDEN_FETCHED_AT}\n")
    print(f"{'field':<16} {'of':>4} {'right':>6} {OURS:>12}" + "".join(f" {system:>12}" for system in peers))
    for name in rows:
        if not stated[name]:
            continue
        cells = "".join(
            f" {right[system][name] / stated[name]:>12.3f}" if name in peer_fields[system] else f" {'-':>12}"
            for system in peers
        )
        print(f"{name:<16} {stated[name]:>4} {right[OURS][name]:>6} {right[OURS][name] / stated[name]:>12.3f}{cells}")
    print(f"\nnewsarchive mismatches: {len(wrong)}")
    print("\n".join(wrong))


# --- main ----------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR, help="holds scrapinghub/ and fundus/")
    parser.add_argument("--corpus", choices=("scrapinghub", "fundus", "both"), default="both")
    parser.add_argument("--only", choices=(OURS,), help="skip the peers (fast iteration; gates are not judged)")
    args = parser.parse_args()

    corpora = {
        "scrapinghub": (args.bench_dir / "scrapinghub", "ground-truth.json", scrapinghub),
        "fundus": (args.bench_dir / "fundus", "truth.json", fundus_corpus),
    }
    chosen = list(corpora) if args.corpus == "both" else [args.corpus]
    missing = [str(corpora[name][0]) for name in chosen if not (corpora[name][0] / corpora[name][1]).exists()]
    if missing:
        print(f"benchmark data not found at {', '.join(missing)}: nothing measured")
        return 2

    _no_network()
    systems = all_systems(only_ours=args.only == OURS)
    gates: list[Gate] = []
    for name in chosen:
        folder, _, measure = corpora[name]
        gates += measure(folder, systems)
        print("\n" + "=" * 100 + "\n")
    for gate in gates:
        print(gate)
    print_metadata_accuracy(with_peers=args.only != OURS)
    return 1 if any(gate.passed is False for gate in gates) else 0


if __name__ == "__main__":
    sys.exit(main())
