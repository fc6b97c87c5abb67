"""The static site in a real browser: Debian's headless Chromium, driven by Playwright, opening
the pages from file:// with every request watched."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run installs Chromium and sets this, so that CI fails instead of skipping.
REQUIRED = os.environ.get("REQUIRE_BROWSER_TESTS") == "1"

if not CHROMIUM and not REQUIRED:
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")

pytestmark = pytest.mark.slow
# Without these, Chromium tries to reach Google's services at start (background networking).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM, "chromium is required here (REQUIRE_BROWSER_TESTS=1) but not on PATH"
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors, page errors and requests are all recorded."""

    def __init__(self, browser: object) -> None:
        self.page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("requestfailed", lambda request: self.problems.append(f"request failed: {request.url}"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    from click.testing import CliRunner

    from newsarchive.cli import cli

    folder = tmp_path_factory.mktemp("browser")
    archive = folder / "archive"
    runner = CliRunner()
    runner.invoke(cli, ["--archive", str(archive), "import", "--jobs", "1", str(FIXTURES / "pages")])
    result = runner.invoke(cli, ["--archive", str(archive), "site", str(folder / "site")])
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(cli, ["--archive", str(archive), "list", "--json"]).stdout)
    assert len(rows) == 25
    return folder / "site", rows


def test_the_site_works_from_file_urls_in_chromium(browser, site, tmp_path: Path) -> None:
    out, rows = site
    watched = Watched(browser)
    page = watched.page
    page.goto((out / "index.html").as_uri())
    latest = page.locator("section:has(h2:text('Latest')) li a").all_inner_texts()
    assert sorted(latest) == sorted(row["title"] for row in rows)
    home_shot = tmp_path / "home.png"
    page.screenshot(path=str(home_shot), full_page=True)

    page.fill("#search", "ferry")  # one word of one article's body, not of its title
    found = page.locator("#result-list li a").all_inner_texts()
    assert found == ["Norland budget vote live: Assembly passes Adeyemi-Kerr budget after day of drama"]
    page.fill("#search", "flood veldra")  # every word must match, in any order
    assert page.locator("#result-list li a").all_inner_texts() == [
        "River nations fail to agree on dam releases as Veldra floods spread"
    ]
    page.fill("#search", "zzzyzx")
    assert page.locator("#result-list li").count() == 0 and page.locator("#result-count").inner_text() == "0 article(s)"

    page.fill("#search", "veldra")
    page.locator("#result-list li a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "River nations fail to agree on dam releases as Veldra floods spread"
    assert page.locator(".body h2").count() >= 1  # the article's own headings
    assert page.locator(".body p.caption").count() == 1

    article_shot = tmp_path / "article.png"
    page.screenshot(path=str(article_shot), full_page=True)
    print(f"\nscreenshots: {home_shot} {article_shot}")
    assert watched.problems == []
    leaving = [url for url in watched.requests if not url.startswith("file://")]
    assert leaving == []


def test_an_article_page_shows_its_captions_and_facts(browser, site) -> None:
    out, rows = site
    (row,) = [row for row in rows if row["title"].startswith("River nations")]
    watched = Watched(browser)
    watched.page.goto((out / "article" / f"{row['id']}.html").as_uri())
    caption = watched.page.locator(".body p.caption").all_inner_texts()
    assert caption and "Saltgate" in caption[0]
    facts = watched.page.locator("p.facts").inner_text()
    assert "2024-09-18" in facts and "World" in facts
    watched.page.locator("p.facts a:text('World')").click()
    watched.page.wait_for_load_state()
    assert watched.page.locator("h1").inner_text() == "Section: World"
    assert watched.problems == [] and all(url.startswith("file://") for url in watched.requests)


def test_dark_mode_follows_the_system_setting(browser, site) -> None:
    out, _rows = site
    colours = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(color_scheme=scheme)
        page.goto((out / "index.html").as_uri())
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.close()
    assert colours["light"] != colours["dark"]


# Queries of every kind: the site must find exactly what `newsarchive search` finds.
SAME_AS_THE_COMMAND_LINE = [
    "津波", "津波警報", "避難", "カタカナ", "台风", "沿海城市", "서울", "폭우", "น้ำท่วม", "kuhlturme", "KÜHLTÜRME",
    "kuhl", '"kuhl"', "uhlturme", "strasse", "ukraine", "ukraine -trump", "ukraine NOT trump", '"prisoner exchange"',
    '"exchange prisoner"', "grain OR prisoner", "ukraine grain OR prisoner", "(trump OR wheat) -zelensky",
    "津波 OR 台风 -停电", "kuhlturme OR 津波", "grain OR -ukraine", "-ukraine", "ferry", "flood veldra",
    "Russia-Ukraine", "gierfahre",
]  # fmt: skip


@pytest.fixture(scope="module")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A site of the fixture pages and the search tests' pages in every script, and the CLI on
    its archive."""
    from click.testing import CliRunner

    from newsarchive.cli import cli
    from tests.test_search import write_pages

    folder = tmp_path_factory.mktemp("search-site")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--archive", str(folder / "archive"), *args])

    run("import", "--jobs", "1", str(FIXTURES / "pages"), str(write_pages(folder / "pages")))
    assert run("site", str(folder / "site")).exit_code == 0
    return folder / "site", run


def test_the_site_search_finds_what_the_command_line_finds(browser, search_site) -> None:
    from tests.test_search import MALFORMED

    out, run = search_site
    watched = Watched(browser)
    page = watched.page
    page.goto((out / "index.html").as_uri())
    for query in SAME_AS_THE_COMMAND_LINE:
        found = run("search", query, "--json", "--limit", "100")
        expected = sorted(hit["title"] for hit in json.loads(found.stdout))
        page.fill("#search", query)
        assert sorted(page.locator("#result-list li a").all_inner_texts()) == expected, query
        assert page.locator("#result-count").inner_text() == f"{len(expected)} article(s)"
    assert page.locator("#result-list li a").count() > 0  # the last query did find something
    for query, reason in MALFORMED:
        assert run("search", query).stderr == f"error: query {query!r}: {reason}\n"
        page.fill("#search", query)
        assert page.locator("#result-count").inner_text() == reason, query
        assert page.locator("#result-list li").count() == 0
    page.fill("#search", "津波")
    shot = out.parent / "search-tsunami.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot: {shot}")
    assert watched.problems == []
