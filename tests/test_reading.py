"""What a reader is told about the archive: dates a page never stated shown as unknown, `list`
with names and CSV, `stats` by count and by month, and an index from before these existed."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from lxml import html as lxml_html

from tests.localserver import LocalServer
from tests.pages import about, json_ld, news_page

SAVED = datetime(2025, 2, 3, 12, 0, tzinfo=UTC).timestamp()


def saved_pages(folder: Path) -> Path:
    """One page that states its date, one that states none (saved on 2025-02-03)."""
    folder.mkdir(parents=True)
    (folder / "dated.html").write_text(news_page(), encoding="utf-8")
    undated = folder / "undated.html"
    undated.write_text(
        news_page(
            title="Ferry timetable changes",
            url="https://news.example.org/local/ferry-timetable.html",
            published=None,
            section="Local News",
            paragraphs=about("ferry timetable"),
        ),
        encoding="utf-8",
    )
    os.utime(undated, (SAVED, SAVED))
    return folder


def test_a_page_that_states_no_date_is_date_unknown_in_list_show_stats_and_the_site(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "saved"))).exit_code == 0

    lines = run("list").stdout.splitlines()  # piped: one line of tab-separated fields each
    fields = {line.split("\t")[4]: line.split("\t")[1:4] for line in lines}
    assert fields == {
        "Harbour bridge reopens after repairs": ["2024-03-14", "Local", "Example Gazette"],
        "Ferry timetable changes": ["date unknown (saved 2025-02-03)", "Local News", "Example Gazette"],
    }
    rows = {row["title"]: row for row in json.loads(run("list", "--json").stdout)}
    undated = rows["Ferry timetable changes"]
    assert (undated["date_source"], undated["published"][:10]) == ("file", "2025-02-03")  # where the day came from

    shown = run("show", undated["id"]).stdout
    front = shown.split("\n---\n")[0]
    assert "\n# date unknown (saved 2025-02-03)" in front and "\ndate:" not in front
    assert "\ndate: " in run("show", rows["Harbour bridge reopens after repairs"]["id"]).stdout.split("\n---\n")[0]

    stats = json.loads(run("stats", "--json").stdout)
    assert stats["date_unknown"] == 1
    assert (stats["by_day"], stats["by_month"]) == ({"2024-03-14": 1}, {"2024-03": 1})
    assert "date unknown: 1 (not counted by month or day)" in run("stats").stdout

    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0
    home = lxml_html.fromstring((out / "index.html").read_bytes())
    assert [bar.findtext("title") for bar in home.xpath("//svg[@class='day-chart']//rect")] == ["2024-03-14: 1"]
    note = home.xpath("//p[@class='undated']/a")[0]
    assert (note.text, note.get("href")) == ("1 article(s) with no stated date", "day/undated.html")
    assert not (out / "day" / "2025-02-03.html").exists()
    undated_day = lxml_html.fromstring((out / "day" / "undated.html").read_bytes())
    assert undated_day.findtext(".//h1") == "Articles with no stated date"
    assert "date unknown (saved 2025-02-03)" in undated_day.xpath("//span[@class='meta']")[0].text
    page = lxml_html.fromstring((out / "article" / f"{undated['id']}.html").read_bytes())
    assert "date unknown (saved 2025-02-03)" in page.xpath("//p[@class='facts']")[0].text_content()
    assert not page.xpath("//time")


def test_a_fetched_page_that_states_no_date_is_date_unknown_too(run, server: LocalServer) -> None:
    url = server.route("/story", news_page(url=None, published=None))
    assert run("fetch", url).exit_code == 0
    (row,) = json.loads(run("list", "--json").stdout)
    assert row["date_source"] == "fetched"
    assert run("list").stdout.split("\t")[1] == f"date unknown (saved {row['published'][:10]})"


def test_list_csv_has_a_header_row_and_the_names(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "saved"))).exit_code == 0
    result = run("list", "--csv")
    assert result.exit_code == 0
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["id", "published", "date_source", "section", "site", "title", "url"]
    by_title = {row[5]: row for row in table[1:]}
    assert by_title["Ferry timetable changes"][2:5] == ["file", "Local News", "Example Gazette"]
    assert by_title["Ferry timetable changes"][6] == "https://news.example.org/local/ferry-timetable.html"
    assert by_title["Harbour bridge reopens after repairs"][1:3] == ["2024-03-14T09:30:00+01:00", "meta"]
    both = run("list", "--csv", "--json")
    assert (both.exit_code, both.stderr) == (2, "error: give --json or --csv, not both\n")


def test_search_csv_has_a_header_row_and_one_row_per_hit(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "saved"))).exit_code == 0
    result = run("search", "ferry", "--csv")
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["id", "published", "section_slug", "site", "title", "snippet"]
    assert [row[4] for row in table[1:]] == ["Ferry timetable changes"]
    assert table[1][3] == "Example Gazette" and "erry" in table[1][5]
    both = run("search", "ferry", "--csv", "--json")
    assert (both.exit_code, both.stderr) == (2, "error: give --json or --csv, not both\n")


def test_stats_top_counts_sections_and_sites_by_count_and_articles_by_month(run, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    plan = [("Zoo News", "Alpha Times", "2025-01-05"), ("Zoo News", "Alpha Times", "2025-01-20")]
    plan += [("Zoo News", "Beta Post", "2025-02-01"), ("Money", "Beta Post", "2025-02-02")]
    plan += [("Money", "Beta Post", "2025-03-09"), ("Arts", "Gamma Daily", "2025-03-10")]
    for number, (section, site, day) in enumerate(plan):
        page = news_page(
            title=f"Story number {number}",
            url=f"https://{site.split()[0].lower()}.example/{number}",
            section=section,
            site=site,
            published=f"{day}T10:00:00+00:00",
            paragraphs=about(f"topic {number}"),
        )
        (folder / f"{number}.html").write_text(page, encoding="utf-8")
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0

    stats = json.loads(run("stats", "--json").stdout)
    assert list(stats["by_section"].items()) == [("Zoo News", 3), ("Money", 2), ("Arts", 1)]
    assert list(stats["by_site"].items()) == [("Beta Post", 3), ("Alpha Times", 2), ("Gamma Daily", 1)]
    assert stats["by_month"] == {"2025-01": 2, "2025-02": 2, "2025-03": 2}
    top = json.loads(run("stats", "--top", "2", "--json").stdout)
    assert list(top["by_section"]) == ["Zoo News", "Money"] and list(top["by_site"]) == ["Beta Post", "Alpha Times"]
    drawn = run("stats", "--top", "2").stdout
    assert "\nby month:\n  2025-01  2 " in drawn
    sections = drawn.split("by section (top 2):\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[:2] for line in sections] == [["Zoo", "News"], ["Money", "2"]]
    assert run("stats", "--top", "0").exit_code == 2


def test_an_index_made_before_it_kept_names_and_date_sources_still_lists_them(
    run, tmp_path: Path, archive_dir: Path
) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "saved"))).exit_code == 0
    index = sqlite3.connect(archive_dir / "index.sqlite")
    index.execute("ALTER TABLE articles DROP COLUMN section")
    index.execute("ALTER TABLE articles DROP COLUMN date_source")
    index.execute("PRAGMA user_version = 1")
    index.commit()
    index.close()

    lines = run("list").stdout.splitlines()
    assert "\tdate unknown (saved 2025-02-03)\tLocal News\t" in "\n".join(lines)
    assert run("reindex").exit_code == 0
    assert json.loads(run("stats", "--json").stdout)["date_unknown"] == 1
    columns = {row[1] for row in sqlite3.connect(archive_dir / "index.sqlite").execute("PRAGMA table_info(articles)")}
    assert {"section", "date_source"} <= columns


def breadcrumbs(*names: str) -> str:
    items = [{"@type": "ListItem", "position": n, "name": name} for n, name in enumerate(names, start=1)]
    return json_ld({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items})


def test_sections_and_site_names_are_what_a_reader_would_say(run, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    declared = {  # what the page declares as its section and og:site_name, and more in its <head>
        "keywords": ("Politics, Home Page, Popular", "Valley News | Your news, every day", ""),
        "crumbs": ("Slideshow, Stock Car, stock car brasil", "@valleynews", breadcrumbs("Home", "Motorsport")),
        "sentence": ("Local", "The best place for news about the valley and the hills.", ""),
    }
    for number, (name, (section, site_name, head)) in enumerate(declared.items()):
        page = news_page(
            title=f"Story {name}",
            url=f"https://www.valley-news.example/story-{number}.html",
            section=section,
            site="Valley News",
            paragraphs=about(f"topic {number}"),
        )
        page = page.replace('og:site_name" content="Valley News"', f'og:site_name" content="{site_name}"')
        if name == "sentence":  # nothing else on the page names the site: its domain does
            page = page.replace("<title>Story sentence | Valley News</title>", "<title>Story sentence</title>")
        (folder / f"{name}.html").write_text(page.replace("</head>", head + "</head>"), encoding="utf-8")
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0
    listed = {line.split("\t")[4]: line.split("\t")[2:4] for line in run("list").stdout.splitlines()}
    assert listed == {
        "Story keywords": ["Politics", "Valley News"],  # the first entry; the name before its tagline
        "Story crumbs": ["Motorsport", "Valley News"],  # the breadcrumbs; the name the title ends with
        "Story sentence": ["Local", "valley-news.example"],
    }
