"""The static site, read as files: every page is there, re-runs rewrite only what changed, and
nothing an archived page carried (script, frame, handler, remote image) reaches the site."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path

from lxml import html as lxml_html

from newsarchive.outputs.site import build_site
from newsarchive.outputs.terminal import bar_chart, markdown_text
from newsarchive.store.archive import Archive
from tests.conftest import FIXTURES
from tests.pages import about, news_page

OUR_SCRIPTS = {"search-index.js", "search.js"}


def site_index(outdir: Path) -> list[dict]:
    text = (outdir / "search-index.js").read_text(encoding="utf-8")
    prefix = "window.NEWSARCHIVE_INDEX = "
    assert text.startswith(prefix)
    return json.loads(text[len(prefix) :].rstrip().rstrip(";"))


def test_the_site_of_the_fixtures_has_every_page(run, archive_dir: Path, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(FIXTURES / "pages")).exit_code == 1  # the section front fails
    out = tmp_path / "site"
    result = run("site", str(out), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["articles"] == 25 and summary["unchanged"] == 0 and summary["removed"] == 0
    home = lxml_html.fromstring((out / "index.html").read_bytes())
    latest = home.xpath("//section[h2='Latest']//li/a")
    assert len(latest) == 25
    for link in home.xpath("//a/@href"):
        assert (out / link).is_file(), link  # every link on the home page leads to a page
    assert home.xpath("//svg[@class='day-chart']//rect")
    rows = json.loads(run("list", "--json").stdout)
    for row in rows:
        page = lxml_html.fromstring((out / "article" / f"{row['id']}.html").read_bytes())
        assert page.findtext(".//h1") == row["title"]
    assert {row["t"] for row in site_index(out)} == {row["title"] for row in rows}
    assert list(out.glob("day/*.html")) and list(out.glob("section/*.html")) and list(out.glob("site/*.html"))


def test_an_article_page_has_headings_quotes_captions_and_its_facts(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(FIXTURES / "pages" / "wordpress-jnews.html")).exit_code == 0
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0
    (page_file,) = out.glob("article/*.html")
    page = lxml_html.fromstring(page_file.read_bytes())
    caption = page.xpath("//p[@class='caption']")
    assert [" ".join(p.text_content().split()) for p in caption] == [
        "Residents are evacuated by boat from the Saltgate district of Port Amsel on Tuesday "
        "[File: Lena Moravec / Meridian Wire]"
    ]
    assert page.xpath("//div[@class='body']/h2")
    assert page.xpath("//p[@class='facts']//time/@datetime")
    assert page.xpath("//p[@class='source']/a/@href") == [
        json.loads(run("list", "--json").stdout)[0]["canonical_url"]
        or json.loads(run("list", "--json").stdout)[0]["url"]
    ]


def write_pages(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    for n in range(count):
        page = news_page(f"Story number {n} of the week", about(f"topic{n}", 3), url=f"https://w.example/{n}")
        (folder / f"{n}.html").write_text(page, encoding="utf-8")


def test_a_rerun_rewrites_only_the_pages_whose_articles_changed(archive_dir: Path, tmp_path: Path, run) -> None:
    write_pages(tmp_path / "in", 3)
    assert run("import", "--jobs", "1", str(tmp_path / "in")).exit_code == 0
    out = tmp_path / "site"
    with Archive(archive_dir) as archive:
        first = build_site(archive, out)
        again = build_site(archive, out)
    assert first.unchanged == 0 and first.written
    assert again.unchanged == len(first.written)
    assert again.written == [] and again.removed == []

    changed = news_page("Story number 1 of the week", about("revised", 3), url="https://w.example/1")
    (tmp_path / "in" / "1.html").write_text(changed, encoding="utf-8")
    assert "updated 1" in run("import", "--jobs", "1", str(tmp_path / "in")).stderr
    with Archive(archive_dir) as archive:
        third = build_site(archive, out)
        new_id = archive.load("https://w.example/1").id
    articles = [page for page in third.written if page.startswith("article/")]
    assert articles == [f"article/{new_id}.html", f"article/{new_id}/v2.html"]  # and the page of what changed
    assert "search-index.js" in third.written and "index.html" in third.written
    assert "revised" in (out / articles[0]).read_text(encoding="utf-8")


def test_since_limits_the_site_and_drops_pages_it_made_before(run, archive_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for day in ("2025-01-10", "2025-03-10"):
        page = news_page(f"News of {day}", about(day, 3), url=f"https://d.example/{day}", published=f"{day}T08:00:00Z")
        (folder / f"{day}.html").write_text(page, encoding="utf-8")
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0
    assert (out / "day" / "2025-01-10.html").exists()
    result = run("site", str(out), "--since", "2025-02-01")
    assert result.exit_code == 0 and "1 article(s)" in result.stderr
    assert not (out / "day" / "2025-01-10.html").exists() and (out / "day" / "2025-03-10.html").exists()
    assert [row["d"] for row in site_index(out)] == ["2025-03-10"]
    assert run("site", str(out), "--since", "March").exit_code == 2


HOSTILE_TITLE = 'Council vote <script>alert("title")</script> "quoted" & done'
HOSTILE_BODY = [
    *about("council", 3),
    'Read more at [our partner](javascript:alert("link")) and [the minutes](https://council.example/minutes).',
    'The chart ![chart](https://tracker.example/pixel.png) was shown, and <img src=x onerror=alert("img")> too.',
    'Members typed <iframe src="https://evil.example/"></iframe> and <a href="javascript:void(0)">this</a>.',
]
HOSTILE_MARKUP = """
<script>window.stolen = document.cookie;</script>
<iframe src="https://evil.example/frame"></iframe>
<img src="https://tracker.example/beacon.gif" onerror="alert('x')" onload="alert('y')">
<a href="javascript:alert('z')" onclick="alert('w')">click</a>
<object data="https://evil.example/flash.swf"></object>
<figure><img src="https://evil.example/photo.jpg" alt="Photo">
<figcaption>Members of the council at the vote.</figcaption></figure>
"""


def test_nothing_active_or_remote_from_an_archived_page_reaches_the_site(
    run, archive_dir: Path, tmp_path: Path
) -> None:
    page = news_page(HOSTILE_TITLE, HOSTILE_BODY, url="https://council.example/vote").replace(
        "</article>", HOSTILE_MARKUP + "</article>"
    )
    saved = tmp_path / "hostile.html"
    saved.write_text(page, encoding="utf-8")
    assert run("import", "--jobs", "1", str(saved)).exit_code == 0
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0
    article_pages = list(out.glob("article/*.html"))
    assert len(article_pages) == 1
    for page_file in out.rglob("*.html"):
        tree = lxml_html.fromstring(page_file.read_bytes())
        assert not tree.xpath("//iframe | //object | //embed | //img | //frame | //base | //form[@action]")
        for script in tree.xpath("//script"):
            assert not (script.text or "").strip() and Path(script.get("src")).name in OUR_SCRIPTS
        for element in tree.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (page_file, name)
                assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (page_file, value)
                if name in ("src", "srcset", "poster", "background") or (name == "href" and element.tag == "link"):
                    assert "://" not in value, (page_file, value)  # only local files load
    text = article_pages[0].read_text(encoding="utf-8")
    tree = lxml_html.fromstring(text)
    assert tree.findtext(".//h1") == HOSTILE_TITLE  # shown as text, not run
    body = tree.xpath("//div[@class='body']")[0]
    assert not body.xpath(".//a")  # text that looks like a Markdown link stays text
    assert "[the minutes](https://council.example/minutes)" in body.text_content()
    assert '<img src=x onerror=alert("img")>' in body.text_content()  # shown, not made
    for script_file in out.glob("*.js"):
        assert "<script" not in script_file.read_text(encoding="utf-8").lower()


def test_show_open_opens_the_article_page_in_the_browser(run, tmp_path: Path, monkeypatch) -> None:
    assert run("import", "--jobs", "1", str(FIXTURES / "pages" / "guardian-style.html")).exit_code == 0
    (row,) = json.loads(run("list", "--json").stdout)
    assert run("show", row["id"], "--open").exit_code == 2  # no site yet: says how to make one
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "fake-browser"
    browser.write_text(f'#!{sys.executable}\nimport sys\nopen({str(opened)!r}, "w").write(sys.argv[1])\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BROWSER", str(browser))
    result = run("show", row["id"][:8], "--open")
    assert result.exit_code == 0
    assert opened.read_text() == (out / "article" / f"{row['id']}.html").absolute().as_uri()
    other = tmp_path / "elsewhere"
    missing = run("show", row["id"], "--open", "--site", str(other))
    assert missing.exit_code == 1 and "has no page in" in missing.stderr


def test_show_renders_markdown_for_a_terminal_and_prints_it_plain_when_piped(run, monkeypatch) -> None:
    assert run("import", "--jobs", "1", str(FIXTURES / "pages" / "guardian-style.html")).exit_code == 0
    (row,) = json.loads(run("list", "--json").stdout)
    piped = run("show", row["id"]).stdout
    assert piped.startswith("---\n") and "\n# " in piped  # the stored Markdown, as is
    drawn = markdown_text(piped, io.StringIO())
    assert row["title"] in " ".join(drawn.split()) and "\n# " not in drawn  # the heading is drawn, not marked
    assert drawn.splitlines()[0].startswith("title: ")  # the front matter as a header


def test_stats_draws_bars_proportional_to_the_counts(run, tmp_path: Path) -> None:
    lines = bar_chart({"2025-01-01": 8, "2025-01-02": 4, "2025-01-03": 1}, width=40)
    bars = [len(line.split(" ", 3)[-1].strip()) for line in lines]
    assert bars[0] > bars[1] > bars[2] > 0 and max(len(line) for line in lines) <= 40
    assert abs(bars[0] / bars[1] - 2) < 0.2
    assert bar_chart({}, 40) == []
    write_pages(tmp_path / "in", 3)
    assert run("import", "--jobs", "1", str(tmp_path / "in")).exit_code == 0
    result = run("stats")
    assert result.exit_code == 0 and "█" in result.stdout and "by day:" in result.stdout
    assert json.loads(run("stats", "--json").stdout)["articles"] == 3


def test_a_site_folder_that_cannot_be_written_is_a_clear_error(run, tmp_path: Path) -> None:
    write_pages(tmp_path / "in", 1)
    assert run("import", "--jobs", "1", str(tmp_path / "in")).exit_code == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("site", str(blocker / "site"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write the site to ") and len(result.stderr.splitlines()) == 1


def test_only_a_new_site_format_rebuilds_every_page_not_an_edit_of_the_module(
    run, archive_dir: Path, tmp_path: Path
) -> None:
    """A comment added to outputs/site.py (in a copy of the package) rewrites no page; a bumped
    SITE_FORMAT rewrites every one."""
    import os
    import shutil
    import subprocess
    import sysconfig

    from newsarchive.outputs.site import SITE_FORMAT
    from tests.conftest import REPO

    write_pages(tmp_path / "in", 2)
    assert run("import", "--jobs", "1", str(tmp_path / "in")).exit_code == 0
    out = tmp_path / "site"
    built = json.loads(run("site", str(out), "--json").stdout)
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "newsarchive", copy / "newsarchive", ignore=shutil.ignore_patterns("__pycache__"))
    module = copy / "newsarchive" / "outputs" / "site.py"

    def rebuilt(source: str) -> dict:
        module.write_text(source, encoding="utf-8")
        # -S (no .pth files) and another folder: neither the editable install nor -m finds the real package.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy), sysconfig.get_paths()["purelib"]])}
        argv = [sys.executable, "-S", "-m", "newsarchive", "--archive", str(archive_dir), "site", str(out), "--json"]
        result = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=True, timeout=120)
        return json.loads(result.stdout)

    original = module.read_text(encoding="utf-8")
    commented = rebuilt(original + "\n# A comment that changes no page.\n")
    assert (commented["written"], commented["unchanged"]) == (0, built["written"])
    bumped = rebuilt(original.replace(f"SITE_FORMAT = {SITE_FORMAT}\n", f"SITE_FORMAT = {SITE_FORMAT + 1}\n"))
    assert (bumped["written"], bumped["unchanged"]) == (built["written"], 0)
