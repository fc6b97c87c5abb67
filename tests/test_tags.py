"""`newsarchive tag`: the reader's own tags, in the article files (so `reindex` keeps them), the
index (`list --tag`, `search --tag`, on both backends), the exports and the static site."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.pages import about, news_page


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(request: pytest.FixtureRequest, run):
    """The CLI on the test archive, with its index in SQLite or in a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return run
    pg_url = request.getfixturevalue("pg_url")
    return lambda *args, **kwargs: run("--index", pg_url, *args, **kwargs)


def saved_pages(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        page = news_page(f"Harbour story number {n}", about(f"harbour matter {n}", 3), url=f"https://t.example/{n}")
        (folder / f"{n}.html").write_text(page, encoding="utf-8")
    return folder


def ids_by_url(cli) -> dict[str, str]:
    return {row["canonical_url"]: row["id"] for row in json.loads(cli("list", "--json").stdout)}


def test_tags_are_normalized_kept_apart_and_found_by_list_and_search(cli, archive_dir: Path, tmp_path: Path) -> None:
    assert cli("import", "--jobs", "1", str(saved_pages(tmp_path / "in"))).exit_code == 0
    ids = ids_by_url(cli)
    first, second = ids["https://t.example/0"], ids["https://t.example/1"]

    tagged = cli("tag", first, "add", "  Climate   Change ", "Energy")
    assert tagged.exit_code == 0, tagged.stderr
    assert tagged.stdout == f"{first}  climate change, energy\n"
    assert cli("tag", "https://t.example/1", "add", "climate change").exit_code == 0

    (data,) = [
        json.loads(p.read_text()) for p in archive_dir.rglob("*.json") if json.loads(p.read_text())["id"] == first
    ]
    assert data["user_tags"] == ["climate change", "energy"] and data["schema_version"] == 3
    assert data["tags"] == []  # the page's own tags are another field

    listed = [row["id"] for row in json.loads(cli("list", "--tag", "CLIMATE CHANGE", "--json").stdout)]
    assert sorted(listed) == sorted([first, second])
    assert [row["id"] for row in json.loads(cli("list", "--tag", "energy", "--json").stdout)] == [first]
    hits = json.loads(cli("search", "harbour", "--tag", "Climate Change", "--json").stdout)
    assert sorted(hit["id"] for hit in hits) == sorted([first, second])
    assert [hit["id"] for hit in json.loads(cli("search", "harbour", "--tag", "energy", "--json").stdout)] == [first]
    assert json.loads(cli("search", "harbour", "--tag", "nobody's tag", "--json").stdout) == []

    removed = cli("tag", first, "remove", "ENERGY")
    assert removed.exit_code == 0 and removed.stdout == f"{first}  climate change\n"
    assert cli("list", "--tag", "energy", "--json").stdout.strip() == "[]"
    shown = cli("tag", first[:8], "--json")
    assert json.loads(shown.stdout) == {"id": first, "title": "Harbour story number 0", "user_tags": ["climate change"]}

    (archive_dir / "index.sqlite").unlink(missing_ok=True)
    assert cli("reindex").exit_code == 0  # the tags come back from the files
    assert sorted(row["id"] for row in json.loads(cli("list", "--tag", "climate change", "--json").stdout)) == sorted(
        [first, second]
    )
    assert cli("verify").exit_code == 0


def test_tag_errors_are_one_line_each(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "in", 1))).exit_code == 0
    (article_id,) = ids_by_url(run).values()
    assert run("tag", article_id, "add", "kept").exit_code == 0

    absent = run("tag", article_id, "remove", "kept", "never-given")
    assert absent.exit_code == 1
    assert absent.stderr == f"error: article {article_id} has no tag 'never-given'\n"
    assert absent.stdout == f"{article_id}  (no tags)\n"  # what could be removed was

    unknown = run("tag", "https://t.example/none", "add", "x")
    assert unknown.exit_code == 1 and unknown.stderr == "error: no article with id or URL 'https://t.example/none'\n"
    for bad, reason in (
        ("   ", "empty tag '   '"),
        ("one, two", "tag 'one, two' holds a comma, a semicolon or a control character (give tags one by one)"),
        ("x" * 101, f"tag {'x' * 20!r}… is longer than 100 characters"),
    ):
        refused = run("tag", article_id, "add", bad)
        assert refused.exit_code == 2 and refused.stderr == f"error: {reason}\n", bad
        assert run("list", "--tag", bad).exit_code == 2
    assert run("tag", article_id).stdout == f"{article_id}  (no tags)\n"


def test_tags_survive_a_new_version_and_travel_in_the_exports(run, tmp_path: Path) -> None:
    folder = saved_pages(tmp_path / "in", 2)
    assert run("import", "--jobs", "1", str(folder)).exit_code == 0
    article_id = ids_by_url(run)["https://t.example/1"]
    assert run("tag", article_id, "add", "follow up", "Ports").exit_code == 0

    changed = news_page("Harbour story number 1", about("a revised harbour matter", 3), url="https://t.example/1")
    (folder / "1.html").write_text(changed, encoding="utf-8")
    assert "updated 1" in run("import", "--jobs", "1", str(folder)).stderr
    assert json.loads(run("show", article_id, "--json").stdout)["version"] == 2
    assert json.loads(run("tag", article_id, "--json").stdout)["user_tags"] == ["follow up", "ports"]

    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    assert {row["id"]: row["user_tags"] for row in rows} == {
        article_id: "follow up; ports",
        ids_by_url(run)["https://t.example/0"]: "",
    }
    exported = tmp_path / "all.jsonl"
    assert run("export", "-o", str(exported)).exit_code == 0
    copy = tmp_path / "copy"
    assert run("--archive", str(copy), "import", str(exported)).exit_code == 0
    again = run("--archive", str(copy), "list", "--tag", "ports", "--json")
    assert [row["id"] for row in json.loads(again.stdout)] == [article_id]


def test_files_older_than_user_tags_still_read_and_bad_tags_in_a_file_are_named(
    run, archive_dir: Path, tmp_path: Path
) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "in", 2))).exit_code == 0
    old, bad = sorted(archive_dir.rglob("*.json"))
    data = json.loads(old.read_text())
    del data["user_tags"]
    data["schema_version"] = 2
    old.write_text(json.dumps(data), encoding="utf-8")
    broken = json.loads(bad.read_text()) | {"user_tags": "not a list"}
    bad.write_text(json.dumps(broken), encoding="utf-8")

    result = run("reindex")
    assert (
        result.stderr.splitlines()[0] == f"error: {bad}: left out ({bad}: field 'user_tags' is not a list of strings)"
    )
    assert "reindexed 1 article version(s)" in result.stderr
    assert run("tag", data["id"]).stdout == f"{data['id']}  (no tags)\n"
    assert run("tag", data["id"], "add", "old file").exit_code == 0
    assert json.loads(old.read_text())["schema_version"] == 3  # rewritten in the format that has the field
    problems = json.loads(run("verify", "--json").stdout)["problems"]
    assert [(p["kind"], p["message"]) for p in problems] == [("schema", "field 'user_tags' is not a list of strings")]


def test_the_site_has_a_page_per_tag_linked_from_its_articles(run, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "in"))).exit_code == 0
    ids = ids_by_url(run)
    first, second = ids["https://t.example/0"], ids["https://t.example/1"]
    assert run("tag", first, "add", "Climate Change", "climate-change").exit_code == 0
    assert run("tag", second, "add", "climate change").exit_code == 0
    out = tmp_path / "site"
    assert run("site", str(out)).exit_code == 0

    page = lxml_html.fromstring((out / "article" / f"{first}.html").read_bytes())
    links = {a.text: a.get("href") for a in page.xpath("//p[@class='tags']/a")}
    assert set(links) == {"climate change", "climate-change"}
    assert links["climate-change"] == "../tag/climate-change.html"
    assert links["climate change"] != links["climate-change"]  # one page each, though their slugs agree
    spaced = lxml_html.fromstring((out / "article" / links["climate change"]).read_bytes())
    assert spaced.findtext(".//h1") == "Tag: climate change"
    listed = {a.get("href") for a in spaced.xpath("//ol[@class='articles']//a")}
    assert listed == {f"../article/{first}.html", f"../article/{second}.html"}
    assert not lxml_html.fromstring((out / "article" / f"{ids['https://t.example/2']}.html").read_bytes()).xpath(
        "//p[@class='tags']"
    )
    home = lxml_html.fromstring((out / "index.html").read_bytes())
    assert [a.text for a in home.xpath("//section[h2='Your tags']//a")] == ["climate change", "climate-change"]
    for link in home.xpath("//a/@href"):
        assert (out / link).is_file(), link

    assert run("tag", first, "remove", "climate-change").exit_code == 0
    rebuilt = json.loads(run("site", str(out), "--json").stdout)
    assert rebuilt["removed"] == 1 and not (out / "tag" / "climate-change.html").exists()


def test_migrate_copies_an_index_older_than_tags(run, pg_url: str, archive_dir: Path, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "in", 1))).exit_code == 0
    db = sqlite3.connect(archive_dir / "index.sqlite")
    db.execute("DROP TABLE article_tags")  # as in an index made before tags
    db.close()
    migrated = run("migrate", "--from", f"sqlite:///{archive_dir / 'index.sqlite'}", "--to", pg_url)
    assert migrated.exit_code == 0, migrated.stderr
    assert len(json.loads(run("--index", pg_url, "list", "--json").stdout)) == 1


def test_migrate_carries_the_tags_to_postgresql(run, pg_url: str, archive_dir: Path, tmp_path: Path) -> None:
    assert run("import", "--jobs", "1", str(saved_pages(tmp_path / "in", 2))).exit_code == 0
    article_id = ids_by_url(run)["https://t.example/0"]
    assert run("tag", article_id, "add", "moved").exit_code == 0
    assert run("migrate", "--from", f"sqlite:///{archive_dir / 'index.sqlite'}", "--to", pg_url).exit_code == 0
    moved = run("--index", pg_url, "list", "--tag", "moved", "--json")
    assert [row["id"] for row in json.loads(moved.stdout)] == [article_id]
