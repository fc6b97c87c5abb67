"""`newsarchive verify` finds what is wrong with an archive, and `--repair` fixes what the files can."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.runs.verify import verify
from newsarchive.store.archive import Archive
from tests.conftest import FIXTURES
from tests.localserver import LocalServer, Response
from tests.pages import about, article_from, news_page
from tests.test_formats import mhtml


def filled(archive_dir: Path, count: int = 4) -> list[str]:
    """An archive of `count` articles; returns their JSON paths."""
    with Archive(archive_dir) as archive:
        return [
            archive.add(
                article_from(news_page(f"Story number {n}", about(f"topic {n}"), url=f"https://n.example/a/{n}"))
            ).json_path
            for n in range(count)
        ]


def kinds(archive_dir: Path, repair: bool = False) -> list[tuple[str, str]]:
    with Archive(archive_dir) as archive:
        report = verify(archive, repair=repair)
    return sorted((problem.kind, problem.path) for problem in report.problems)


def test_a_healthy_archive_has_no_problems(archive_dir: Path, run) -> None:
    filled(archive_dir)
    assert kinds(archive_dir) == []
    result = run("verify")
    assert result.exit_code == 0
    assert "checked 4 article file(s): 0 problem(s)" in result.stderr


def test_every_kind_of_damage_is_found_and_the_repairable_ones_are_repaired(archive_dir: Path, run) -> None:
    paths = filled(archive_dir, 6)
    first, second, third, fourth, fifth, sixth = (archive_dir / p for p in paths)
    first.with_suffix(".md").unlink()  # Markdown lost
    second.with_suffix(".md").write_text("edited by hand\n", encoding="utf-8")  # Markdown out of date
    data = json.loads(third.read_text(encoding="utf-8"))
    data["text"] += " A sentence someone added."
    third.write_text(json.dumps(data), encoding="utf-8")  # text no longer matches its checksum
    fourth.write_text('{"id": "truncated', encoding="utf-8")  # not JSON any more
    (fifth.parent / f".{fifth.name}.123.tmp").write_text("half", encoding="utf-8")  # interrupted write
    (sixth.parent / "orphan.md").write_text("# no JSON\n", encoding="utf-8")  # JSON never landed
    extra = archive_dir / "2030" / "01" / "01" / "local"
    extra.mkdir(parents=True)
    for twin in (sixth, sixth.with_suffix(".md")):  # an article the index does not know
        (extra / twin.name).write_bytes(twin.read_bytes())
    sixth.unlink()  # an indexed article whose files vanished
    sixth.with_suffix(".md").unlink()

    found = kinds(archive_dir)
    rel = lambda p: str(p.relative_to(archive_dir))  # noqa: E731
    assert found == sorted(
        [
            ("missing-file", rel(first.with_suffix(".md"))),
            ("stale-markdown", rel(second.with_suffix(".md"))),
            ("checksum", rel(third)),
            ("schema", rel(fourth)),
            ("temp-file", rel(fifth.parent / f".{fifth.name}.123.tmp")),
            ("orphan", rel(sixth.parent / "orphan.md")),
            ("not-indexed", rel(extra / sixth.name)),
            ("missing-file", rel(sixth)),
        ]
    )
    result = run("verify")
    assert result.exit_code == 1
    assert f"problem: {rel(third)}: text does not match content_sha256" in result.stderr

    result = run("verify", "--repair")
    assert result.exit_code == 1  # the changed and the truncated file cannot be repaired from the archive
    assert kinds(archive_dir) == sorted([("checksum", rel(third)), ("schema", rel(fourth))])
    assert first.with_suffix(".md").read_text(encoding="utf-8").startswith("---\n")
    with Archive(archive_dir) as archive:
        assert archive.find("https://n.example/a/5")["json_path"] == rel(extra / sixth.name)


@pytest.mark.parametrize("damage", ["truncate", "zero"])
def test_a_damaged_index_is_reported_clearly_and_rebuilt_by_reindex(archive_dir: Path, run, damage: str) -> None:
    filled(archive_dir, 5)
    index = archive_dir / "index.sqlite"
    size = index.stat().st_size
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    if damage == "truncate":
        index.write_bytes(index.read_bytes()[: size // 3])
    else:
        index.write_bytes(b"\0" * size)

    listed = run("list")
    assert listed.exit_code == 1
    assert "is damaged" in listed.stderr and "newsarchive reindex" in listed.stderr
    assert "Traceback" not in listed.stderr
    checked = run("verify")
    assert checked.exit_code == 1 and "damaged" in checked.stderr

    assert run("reindex").exit_code == 0
    assert run("verify").exit_code == 0
    assert len(run("list", "--json").stdout.strip().splitlines()) >= 5


def test_reindex_leaves_out_a_damaged_file_and_says_so(archive_dir: Path, run) -> None:
    paths = filled(archive_dir, 3)
    (archive_dir / paths[0]).write_text("{", encoding="utf-8")
    result = run("reindex")
    assert result.exit_code == 0
    assert f"{paths[0]}: left out" in result.stderr
    with Archive(archive_dir) as archive:
        assert archive.stats()["articles"] == 2


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        ({"authors": "Dana Whitfield"}, "field 'authors' is not a list"),
        ({"schema_version": 9}, "unknown schema_version 9: this newsarchive reads 1 to 3"),
        ({"url": None, "canonical_url": ...}, "field 'canonical_url' missing"),
    ],
    ids=["wrong-type", "unknown-schema", "missing-field"],
)
def test_a_hand_edited_article_file_is_one_line_naming_what_is_wrong(
    archive_dir: Path, run, edit: dict, reason: str
) -> None:
    (path,) = filled(archive_dir, 1)
    data = json.loads((archive_dir / path).read_text(encoding="utf-8")) | edit
    (archive_dir / path).write_text(json.dumps({k: v for k, v in data.items() if v is not ...}), encoding="utf-8")

    shown = run("show", data["id"])
    assert (shown.exit_code, shown.stderr) == (1, f"error: {archive_dir / path}: {reason}\n")
    problems = json.loads(run("verify", "--json").stdout)["problems"]
    assert [(p["kind"], p["path"], p["message"]) for p in problems] == [("schema", path, reason)]


# One saved page per way its raw page can be lost, each dated a day of its own so that it is
# kept in a WARC file of its own (raw/2025/01/DD.warc.gz).
RAW_DAMAGE = ("untouched", "truncated", "corrupted", "rewritten", "other-record", "past-the-end", "no-file")
RAW_DAMAGE += ("a-directory", "outside", "not-a-reference", "digest")


def archive_pages_of_their_own_days(run, archive_dir: Path, tmp_path: Path, names: tuple[str, ...]) -> dict[str, Path]:
    """Import one page per name, each with a file date of its own; returns each article's JSON."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for day, name in enumerate(names, start=1):
        page = folder / f"{name}.html"
        page.write_text(news_page(f"The {name} story", about(name, 4), url=f"https://v.example/{name}"), "utf-8")
        stamp = datetime(2025, 1, day, 12, tzinfo=UTC).timestamp()
        os.utime(page, (stamp, stamp))
    result = run("import", "--jobs", "1", str(folder))
    assert result.exit_code == 0, result.stderr
    return {Path(source(path)["location"]).stem: path for path in archive_dir.rglob("*.json")}


def source(json_file: Path) -> dict:
    return json.loads(json_file.read_text(encoding="utf-8"))["source"]


def edit_source(json_file: Path, edit: Callable[[dict], None]) -> None:
    """Change the article's `source`, as a hand edit or a bad copy would."""
    data = json.loads(json_file.read_text(encoding="utf-8"))
    edit(data["source"])
    json_file.write_text(json.dumps(data), encoding="utf-8")


def test_each_way_a_raw_page_is_lost_is_one_line_naming_the_article(run, archive_dir: Path, tmp_path: Path) -> None:
    articles = archive_pages_of_their_own_days(run, archive_dir, tmp_path, RAW_DAMAGE)
    refs = {name: source(path)["warc"] for name, path in articles.items()}
    warc = {name: archive_dir / ref["file"] for name, ref in refs.items()}
    assert len(set(warc.values())) == len(RAW_DAMAGE)  # a file each: damage to one touches no other

    data = warc["truncated"].read_bytes()
    warc["truncated"].write_bytes(data[: len(data) // 2])  # a copy or a disk that stopped half-way
    data = bytearray(warc["corrupted"].read_bytes())
    data[:10] = b"garbage!!\n"  # the start of the record's gzip member overwritten
    warc["corrupted"].write_bytes(bytes(data))
    payload = gzip.decompress(warc["rewritten"].read_bytes())
    assert payload.count(b"The rewritten story") == 2  # <title> and <h1>
    warc["rewritten"].write_bytes(gzip.compress(payload.replace(b"The rewritten story", b"The REWRITTEN story")))
    edit_source(articles["other-record"], lambda s: s["warc"].update(record_id=f"<urn:uuid:{'0' * 8}-0000>"))
    size = warc["past-the-end"].stat().st_size
    edit_source(articles["past-the-end"], lambda s: s["warc"].update(offset=size))
    edit_source(articles["no-file"], lambda s: s["warc"].update(file="raw/2031/01/01.warc.gz"))
    edit_source(articles["a-directory"], lambda s: s["warc"].update(file="raw/2025"))
    edit_source(articles["outside"], lambda s: s["warc"].update(file="raw/../../../etc/passwd"))
    edit_source(articles["not-a-reference"], lambda s: s.update(warc="raw/2025/01/10.warc.gz"))
    edit_source(articles["digest"], lambda s: s.update(sha256="0" * 64))

    result = run("verify")
    assert result.exit_code == 1
    where = {name: f"{ref['file']}@{ref['offset']}" for name, ref in refs.items()}
    expected = {
        "truncated": f"raw page at {where['truncated']} is cut short (",
        "corrupted": f"raw page not readable at {where['corrupted']}: no readable WARC record there",
        "rewritten": f"raw page at {where['rewritten']} does not match its WARC digest (the record was changed)",
        "other-record": f"raw page at {where['other-record']} is not record <urn:uuid:00000000-0000>",
        "past-the-end": f"no raw page at {refs['past-the-end']['file']}@{size}: the file has {size} bytes",
        "no-file": "raw page missing: raw/2031/01/01.warc.gz does not exist",
        "a-directory": f"raw page not readable at raw/2025@{refs['a-directory']['offset']}: [Errno 21] Is a directory",
        "outside": "source.warc points outside the archive's raw pages: raw/../../../etc/passwd",
        "not-a-reference": "source.warc is not a reference to a raw page (file, offset, record_id): 'raw/2025/01/10",
        "digest": f"raw page at {where['digest']} does not match source.sha256",
    }
    lines = result.stderr.splitlines()
    for name, message in expected.items():
        relative = articles[name].relative_to(archive_dir).as_posix()
        assert [line for line in lines if line.startswith(f"problem: {relative}: {message}")], (name, lines)
    assert not [line for line in lines if articles["untouched"].name in line]
    assert (
        f"checked {len(RAW_DAMAGE)} article file(s): {len(expected)} problem(s), {len(expected)} left" in result.stderr
    )
    assert "Traceback" not in result.stderr

    repaired = run("verify", "--repair", "--json")
    assert repaired.exit_code == 1  # the archive cannot bring a raw page back
    problems = json.loads(repaired.stdout)["problems"]
    assert sorted(p["path"] for p in problems if p["kind"] == "raw-page" and not p["repaired"]) == sorted(
        articles[name].relative_to(archive_dir).as_posix() for name in expected
    )


def test_raw_pages_kept_in_every_form_verify_clean(run, archive_dir: Path, tmp_path: Path) -> None:
    """Saved files (the fixture pages in their encodings, an MHTML kept whole and its page
    unwrapped) and fetched pages (sent gzip-encoded, kept so): the page each article was made
    from is what its reference leads to."""
    run("import", "--jobs", "1", str(FIXTURES / "pages"))  # one fixture is a list of articles, refused
    saved = tmp_path / "story.mhtml"
    saved.write_bytes(mhtml(news_page("An MHTML story", about("mhtml", 3)).encode("utf-8")))
    assert run("import", "--jobs", "1", str(saved)).exit_code == 0
    server = LocalServer()
    try:
        sent = gzip.compress(news_page("A story sent compressed", about("gzip", 4), url=None).encode())
        url = server.route("/gz", Response(sent, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}))
        assert run("fetch", url).exit_code == 0
    finally:
        server.close()
    articles = len(list(archive_dir.rglob("*.json")))
    assert articles > 20
    result = run("verify")
    assert result.exit_code == 0, result.stderr
    assert f"checked {articles} article file(s): 0 problem(s)" in result.stderr
