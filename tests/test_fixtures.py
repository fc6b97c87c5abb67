"""Golden files: every page in fixtures/pages/ archives to exactly fixtures/expected/<name>.json.

Run with NEWSARCHIVE_UPDATE_GOLDENS=1 to rewrite the expected files after a deliberate change,
then review the diff like any other code change.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from newsarchive.config import Settings
from newsarchive.runs.pipeline import fetch_urls, import_paths
from newsarchive.store.archive import Archive
from tests.conftest import FIXTURES
from tests.localserver import LocalServer, Response

PAGES = FIXTURES / "pages"
EXPECTED = FIXTURES / "expected"
FIXED_MTIME = 1_714_564_800  # 2024-05-01T12:00:00Z: a text save's date comes from its mtime
UPDATE = os.environ.get("NEWSARCHIVE_UPDATE_GOLDENS") == "1"
# Fields that say when or where *this run* happened, not what the page is.
VOLATILE = {"archived_at"}
VOLATILE_SOURCE = {"location", "fetched_at", "warc"}  # warc: a fresh record id each run
VOLATILE_EXTRACTOR = {"version", "trafilatura"}

FIXTURE_NAMES = sorted(p.name for p in PAGES.iterdir() if p.is_file()) if PAGES.is_dir() else []


def comparable(article: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in article.items() if k not in VOLATILE}
    data["source"] = {k: v for k, v in article["source"].items() if k not in VOLATILE_SOURCE}
    data["extractor"] = {k: v for k, v in article["extractor"].items() if k not in VOLATILE_EXTRACTOR}
    return data


def archive_fixtures(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Import a copy of the fixtures (fixed mtimes) and map each page name to its result."""
    copy = tmp_path / "pages"
    shutil.copytree(PAGES, copy)
    for page in copy.iterdir():
        os.utime(page, (FIXED_MTIME, FIXED_MTIME))
    results: dict[str, dict[str, Any]] = {}
    settings = Settings(archive=tmp_path / "archive")
    with Archive(settings.archive) as archive:
        outcomes = []
        import_paths(archive, [copy], settings, on_result=outcomes.append)
        for outcome in outcomes:
            name = Path(outcome.input).name
            if outcome.status == "failed":
                results[name] = {"error": outcome.reason}
            else:
                assert outcome.status == "archived", outcome
                results[name] = comparable(archive.read_article(settings.archive / outcome.path).to_dict())
    return results


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    results = archive_fixtures(tmp_path_factory.mktemp("golden"))
    if UPDATE:
        EXPECTED.mkdir(exist_ok=True)
        for name, data in results.items():
            text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            (EXPECTED / f"{name}.json").write_text(text, encoding="utf-8")
    return results


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURE_NAMES) >= 12


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_matches_its_golden_file(imported: dict[str, dict[str, Any]], name: str) -> None:
    expected_file = EXPECTED / f"{name}.json"
    assert expected_file.is_file(), f"no golden file for {name}: run with NEWSARCHIVE_UPDATE_GOLDENS=1"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    actual = imported[name]
    for field in sorted(set(expected) | set(actual)):
        assert actual.get(field) == expected.get(field), f"{name}: field {field!r} differs"


# Fields that legitimately differ between a fetch and an import of the same page.
def fetch_comparable(article: dict[str, Any], page_declares_url: bool) -> dict[str, Any]:
    data = {k: v for k, v in article.items() if k not in ("url", "source", "markdown")}
    data["markdown_body"] = article["markdown"].split("\n---\n", 1)[1]
    if not page_declares_url:
        data.pop("id"), data.pop("canonical_url")
    if article["date_source"] in ("file", "fetched"):
        data.pop("published"), data.pop("date_source")
    return data


@pytest.mark.slow
def test_fetching_the_fixtures_gives_the_same_articles(
    imported: dict[str, dict[str, Any]], tmp_path: Path, server: LocalServer
) -> None:
    urls = {}
    for name in FIXTURE_NAMES:
        content_type = "text/plain" if name.endswith(".txt") else "text/html"
        response = Response((PAGES / name).read_bytes(), headers={"Content-Type": content_type})
        # Served at the path of the page's own URL, so what a URL path tells (section, date) is the same.
        original = imported[name].get("url")
        path = urlsplit(original).path if original else f"/pages/{name}"
        urls[name] = server.route(path, response)
    settings = Settings(archive=tmp_path / "archive")
    outcomes = []
    with Archive(settings.archive) as archive:
        fetch_urls(archive, [urls[n] for n in FIXTURE_NAMES], settings, on_result=outcomes.append)
        by_url = {o.input: o for o in outcomes}
        for name in FIXTURE_NAMES:
            outcome = by_url[urls[name]]
            expected = imported[name]
            if "error" in expected:
                assert outcome.status == "failed" and outcome.reason == expected["error"], name
                continue
            fetched = comparable(archive.read_article(settings.archive / outcome.path).to_dict())
            page = (PAGES / name).read_bytes()
            declares_url = expected["url"] is not None and b"saved from url=" not in page
            assert fetched["source"]["kind"] == "http"
            assert fetched["url"] == urls[name]
            assert fetch_comparable(fetched, declares_url) == fetch_comparable(expected, declares_url), name
