"""Importing WARC files: every HTML response a crawl recorded becomes an input; bad records are
reported and the rest of the batch goes on."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.pages import about, news_page


def response(writer: WARCWriter, uri: str, body: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK", date: str = "2025-06-01T12:00:00Z") -> None:  # fmt: skip
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": date}
    )
    writer.write_record(record)


def crawl(path: Path, gzipped: bool = True) -> None:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test crawler"}))
        request = StatusAndHeaders("GET /one HTTP/1.1", [("Host", "crawl.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record("https://crawl.example/one", "request", http_headers=request))
        page = news_page("A crawled story about the dunes", about("dunes", 4), url=None, published=None)
        response(writer, "https://crawl.example/one", page.encode())
        response(writer, "https://crawl.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")
        response(writer, "https://crawl.example/moved", b"", status="302 Found")
        second = news_page("A second crawled story, on tides", about("tides", 4), url=None)
        response(writer, "https://crawl.example/two", second.encode())
        metadata = writer.create_warc_record("https://crawl.example/two", "metadata", payload=io.BytesIO(b"x: 1"))
        writer.write_record(metadata)


def test_a_warc_file_is_imported_record_by_record(run, archive_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "crawls"
    folder.mkdir()
    crawl(folder / "crawl-1.warc.gz")
    result = run("import", "--jobs", "1", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "archived 2, updated 0, duplicates 0, failed 0, skipped 0" in result.stderr
    articles = {a["url"]: a for a in (json.loads(p.read_text()) for p in archive_dir.rglob("*.json"))}
    assert set(articles) == {"https://crawl.example/one", "https://crawl.example/two"}
    undated = articles["https://crawl.example/one"]
    assert (undated["published"], undated["date_source"]) == ("2025-06-01T12:00:00+00:00", "fetched")
    assert undated["source"]["format"] == "warc" and undated["source"]["fetched_at"] == "2025-06-01T12:00:00+00:00"


def test_bad_warc_records_are_reported_and_the_batch_goes_on(run, archive_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "crawls"
    folder.mkdir()
    crawl(folder / "a-good.warc.gz")
    truncated = folder / "b-truncated.warc.gz"
    crawl(truncated)
    extra = io.BytesIO()
    writer = WARCWriter(extra, gzip=True)
    response(writer, "https://crawl.example/three", news_page("Third", about("third", 4), url=None).encode())
    truncated.write_bytes(truncated.read_bytes() + extra.getvalue()[:-40])  # the last gzip member is cut short
    lying = folder / "c-bad-length.warc"
    crawl(lying, gzipped=False)
    data = lying.read_bytes().replace(b"Content-Length: ", b"Content-Length: 9", 3)  # lengths that lie
    lying.write_bytes(data)

    result = run("import", "--jobs", "1", str(folder))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("b-truncated.warc.gz@" in line and "cut short" in line for line in errors), errors
    assert any("c-bad-length.warc@" in line and "unreadable WARC record" in line for line in errors), errors
    urls = {json.loads(p.read_text())["url"] for p in archive_dir.rglob("*.json")}
    assert urls == {"https://crawl.example/one", "https://crawl.example/two"}  # both good files' pages, once


def test_a_gzip_wrapped_warc_of_one_member_is_read_as_a_stream(run, archive_dir: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    crawl(plain, gzipped=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))  # one gzip member for the whole file
    plain.unlink()
    result = run("import", "--jobs", "1", str(whole))
    assert result.exit_code == 0, result.stderr
    assert "archived 2" in result.stderr


def read_back(path: Path) -> list:
    """Every record of a WARC file, read with warcio with its digests checked."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            found.append((record.rec_type, record.rec_headers, record.content_stream().read()))
    return found


def test_a_fetch_keeps_request_and_response_in_the_archive_warc(run, archive_dir: Path) -> None:
    from tests.localserver import LocalServer, Response

    server = LocalServer()
    try:
        body = news_page("A story kept whole", about("keeping", 4), url=None).encode()
        url = server.route("/kept", Response(body, headers={"Content-Type": "text/html; charset=utf-8", "X-Test": "1"}))
        assert run("fetch", url).exit_code == 0
    finally:
        server.close()
    (article,) = [json.loads(p.read_text()) for p in archive_dir.rglob("*.json")]
    ref = article["source"]["warc"]
    warc_file = archive_dir / ref["file"]
    assert warc_file.name.endswith(".warc.gz") and ref["file"].startswith("raw/")
    records = read_back(warc_file)  # raises if a WARC-Payload-Digest or WARC-Block-Digest is wrong
    assert [kind for kind, _, _ in records] == ["request", "response"]
    response_headers = records[1][1]
    assert response_headers.get_header("WARC-Target-URI") == url
    assert response_headers.get_header("WARC-Record-ID") == ref["record_id"]
    assert response_headers.get_header("WARC-Payload-Digest")
    assert records[1][2] == body  # the payload is what the server sent
    with open(warc_file, "rb") as stream:  # the offset points at the response record
        from warcio.archiveiterator import ArchiveIterator

        stream.seek(ref["offset"])
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "response" and record.content_stream().read() == body


def test_a_compressed_response_is_kept_as_sent_and_reextracts(run, archive_dir: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from tests.localserver import LocalServer, Response

    server = LocalServer()
    try:
        page = news_page("A story sent compressed", about("gzip", 4), url=None).encode()
        sent = gzip.compress(page)
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
        assert run("fetch", server.route("/gz", Response(sent, headers=headers))).exit_code == 0
    finally:
        server.close()
    (article,) = [json.loads(p.read_text()) for p in archive_dir.rglob("*.json")]
    ref = article["source"]["warc"]
    read_back(archive_dir / ref["file"])  # the digests hold for the stored (compressed) payload
    with open(archive_dir / ref["file"], "rb") as stream:
        stream.seek(ref["offset"])
        record = next(iter(ArchiveIterator(stream)))
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert record.http_headers.get_header("Content-Length") == str(len(sent))
        assert record.raw_stream.read() == sent  # the body as it came over the wire
    result = run("reextract", "--json")  # read back through warcio, decoded
    assert result.exit_code == 0 and '"status": "duplicate"' in result.stdout


def test_an_import_keeps_each_saved_file_as_a_resource_record(run, archive_dir: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.html"
    saved.write_text(news_page("A saved story", about("saving", 4)), encoding="utf-8")
    assert run("import", "--jobs", "1", str(saved)).exit_code == 0
    (article,) = [json.loads(p.read_text()) for p in archive_dir.rglob("*.json")]
    records = read_back(archive_dir / article["source"]["warc"]["file"])
    ((kind, headers, payload),) = records
    assert kind == "resource" and payload == saved.read_bytes()
    assert headers.get_header("WARC-Source-Path") == str(saved.absolute())
    assert headers.get_header("WARC-Source-Mtime")


def test_a_crash_in_the_middle_of_an_append_is_cut_off_by_the_next_run(run, archive_dir: Path, tmp_path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(2):
        (pages / f"{n}.html").write_text(news_page(f"Story {n}", about(f"crash {n}", 4)), encoding="utf-8")
    assert run("import", "--jobs", "1", str(pages / "0.html")).exit_code == 0
    (warc_file,) = list((archive_dir / "raw").rglob("*.warc.gz"))
    whole = warc_file.stat().st_size
    with open(warc_file, "ab") as stream:  # what a process killed mid-write leaves behind
        stream.write(gzip.compress(b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 5000\r\n\r\nhalf")[:-20])
    assert run("import", "--jobs", "1", str(pages / "1.html")).exit_code == 0
    records = read_back(warc_file)
    assert [kind for kind, _, _ in records] == ["resource", "resource"]
    assert warc_file.stat().st_size > whole


def test_reextract_after_a_new_rule_changes_exactly_the_affected_articles(run, archive_dir: Path, tmp_path) -> None:
    from tests.localserver import LocalServer

    pages = tmp_path / "pages"
    pages.mkdir()
    promo = "Follow our live coverage of the harbour works here."
    (pages / "a.html").write_text(
        news_page("Harbour works begin", [*about("harbour", 3), promo], url="https://n.example/a"), encoding="utf-8"
    )
    (pages / "b.html").write_text(news_page("Orchard prices fall", about("orchard", 3), url="https://n.example/b"))
    assert run("import", "--jobs", "1", str(pages)).exit_code == 0
    server = LocalServer()
    try:
        url = server.route("/c", news_page("A fetched story", [*about("ferry", 3), promo], url=None))
        assert run("fetch", url).exit_code == 0
    finally:
        server.close()  # no network from here on

    nothing = run("reextract")
    assert nothing.exit_code == 0 and "archived 0, updated 0, duplicates 3" in nothing.stderr
    changed = run("reextract", "--strip", "^Follow our live coverage.*", "--json")
    assert changed.exit_code == 0
    rows = [json.loads(line) for line in changed.stdout.splitlines() if '"status"' in line]
    assert sorted(row["status"] for row in rows) == ["duplicate", "updated", "updated"]
    for path in archive_dir.rglob("*-v2.json"):
        data = json.loads(path.read_text())
        assert promo not in data["text"] and data["version"] == 2
    assert len(list(archive_dir.rglob("*-v2.json"))) == 2


def test_reextract_of_an_article_without_url_makes_a_new_version_of_it(run, archive_dir: Path, tmp_path) -> None:
    page = tmp_path / "saved.html"  # no URL anywhere: its id comes from its body
    promo = "Subscribe to our morning letter for more."
    page.write_text(news_page("A story without an address", [*about("address", 3), promo], url=None))
    assert run("import", "--jobs", "1", str(page)).exit_code == 0
    (first,) = [json.loads(p.read_text()) for p in archive_dir.rglob("*.json")]
    result = run("reextract", "--strip", "^Subscribe to our morning letter.*")
    assert result.exit_code == 0 and "archived 0, updated 1" in result.stderr
    listed = json.loads(run("list", "--json").stdout)
    assert [(row["id"], row["version"]) for row in listed] == [(first["id"], 2)]


def test_reextract_reports_metadata_that_a_newer_extractor_reads_differently(run, archive_dir, tmp_path) -> None:
    page = tmp_path / "saved.html"
    page.write_text(news_page("What the page says now", about("metadata", 3), url="https://m.example/a"))
    assert run("import", "--jobs", "1", str(page)).exit_code == 0
    (json_file,) = archive_dir.rglob("*.json")
    data = json.loads(json_file.read_text())
    json_file.write_text(json.dumps(data | {"title": "What an older extractor read"}))
    result = run("reextract", "--json")
    (row,) = [json.loads(line) for line in result.stdout.splitlines() if '"status"' in line]
    assert result.exit_code == 0 and row["status"] == "duplicate"
    assert row["reason"] == "body unchanged; metadata now differs (title), not re-versioned"


def test_export_jsonl_then_import_gives_identical_articles(run, archive_dir: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n, section in enumerate(("World", "Sport", "World")):
        page = news_page(
            f"Story {n} for export", about(f"export {n}", 3), section=section, url=f"https://x.example/{n}"
        )
        (pages / f"{n}.html").write_text(page, encoding="utf-8")
    assert run("import", "--jobs", "1", str(pages)).exit_code == 0
    exported = tmp_path / "all.jsonl"
    result = run("export", "-o", str(exported))
    assert result.exit_code == 0 and "exported 3 article(s)" in result.stderr
    copy = tmp_path / "copy"
    again = run("--archive", str(copy), "import", str(exported))
    assert again.exit_code == 0 and "archived 3" in again.stderr

    def by_id(root: Path) -> dict[str, dict]:
        found = {}
        for path in root.rglob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            data["source"].pop("warc", None)  # raw pages stay with the archive that fetched them
            found[data["id"]] = (path.relative_to(root).as_posix(), data)
        return found

    assert by_id(copy) == by_id(archive_dir)
    assert run("--archive", str(copy), "import", str(exported)).stderr.count("duplicates 3") == 1


def test_export_csv_filters_and_warc(run, archive_dir: Path, tmp_path: Path) -> None:
    import csv

    pages = tmp_path / "pages"
    pages.mkdir()
    for n, section in enumerate(("World", "Sport")):
        page = news_page(f"Story {n} for csv", about(f"csv {n}", 3), section=section, url=f"https://x.example/c{n}")
        (pages / f"{n}.html").write_text(page, encoding="utf-8")
    assert run("import", "--jobs", "1", str(pages)).exit_code == 0
    result = run("export", "--format", "csv", "--section", "sport")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["title"] for row in rows] == ["Story 1 for csv"] and rows[0]["authors"] == "Dana Whitfield"
    warc_out = tmp_path / "raw.warc.gz"
    assert run("export", "--format", "warc", "-o", str(warc_out)).exit_code == 0
    records = read_back(warc_out)
    assert [kind for kind, _, _ in records] == ["resource", "resource"]


def test_export_to_a_missing_folder_is_one_line(run, archive_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_text(news_page("A story to export", about("export", 3)), encoding="utf-8")
    assert run("import", "--jobs", "1", str(page)).exit_code == 0
    missing = tmp_path / "missing" / "dir"
    result = run("export", "-o", str(missing / "x.jsonl"))
    reason = f"cannot write {missing / 'x.jsonl'}: the folder {missing} does not exist"
    assert (result.exit_code, result.stderr) == (2, f"error: {reason}\n")
    assert not missing.parent.exists()  # not created: a mistyped folder is said, not made


@pytest.mark.parametrize("damage", ["garbage", "flipped inside", "truncated", "headers cut", "deleted"])
def test_export_warc_reports_a_damaged_raw_page_in_one_line_and_goes_on(
    run, archive_dir: Path, tmp_path: Path, damage: str
) -> None:
    import os
    import random

    from tests.conftest import FIXTURES

    pages = tmp_path / "pages"
    pages.mkdir()
    for name, fixture in (("a.html", "guardian-style"), ("b.html", "german-article")):
        (pages / name).write_bytes((FIXTURES / "pages" / f"{fixture}.html").read_bytes())
    letters = random.Random(0).choices("abcdefghijklmnopqrstuvwxyz ", k=60_000)  # > 16 KiB even compressed
    text = [*about("damage", 3), "".join(letters) + "."]
    (pages / "c.html").write_text(news_page("A long story whose raw page is damaged", text), encoding="utf-8")
    for name, day in (("a.html", "2025-03-01"), ("b.html", "2025-03-02"), ("c.html", "2025-03-02")):
        stamp = datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()
        os.utime(pages / name, (stamp, stamp))  # the day is the WARC file's: c after b in one file
    assert run("import", "--jobs", "1", str(pages)).exit_code == 0
    refs = {}
    for path in archive_dir.rglob("*.json"):
        article = json.loads(path.read_text(encoding="utf-8"))
        refs[Path(article["source"]["location"]).name] = (article["id"], article["source"]["warc"])
    _, ref = refs["c.html"]
    warc = archive_dir / ref["file"]
    assert ref["file"] == "raw/2025/03/02.warc.gz" and 0 < ref["offset"] < warc.stat().st_size - 40_000
    if damage == "garbage":
        with open(warc, "r+b") as stream:
            stream.seek(ref["offset"])
            stream.write(b"GARBAGE" * 20)
    elif damage == "flipped inside":  # past the first 16 KiB warcio reads, where it only prints zlib's error
        with open(warc, "r+b") as stream:
            stream.seek(ref["offset"] + 30_000)
            flipped = bytes(byte ^ 0xFF for byte in stream.read(8))
            stream.seek(ref["offset"] + 30_000)
            stream.write(flipped)
    elif damage == "truncated":
        os.truncate(warc, (ref["offset"] + warc.stat().st_size) // 2)
    elif damage == "headers cut":
        os.truncate(warc, ref["offset"] + 200)
    else:
        warc.unlink()
    damaged = ["b.html", "c.html"] if damage == "deleted" else ["c.html"]

    out = tmp_path / "raw.warc.gz"
    result = run("export", "--format", "warc", "-o", str(out))
    assert result.exit_code == 1
    *errors, summary = result.stderr.splitlines()
    assert summary == f"exported {3 - len(damaged)} article(s) to {out}, failed {len(damaged)}"
    reason = {
        "garbage": f"raw page not readable at {ref['file']}@{ref['offset']}: no readable WARC record there",
        "flipped inside": f"raw page not readable at {ref['file']}@{ref['offset']}: Error -3 while decompressing",
        "truncated": f"raw page at {ref['file']}@{ref['offset']} is cut short (",
        "headers cut": f"raw page at {ref['file']}@{ref['offset']} is cut short (its WARC headers end before",
        "deleted": f"raw page missing: {ref['file']} does not exist",
    }[damage]
    for line, name in zip(sorted(errors), sorted(damaged, key=lambda name: refs[name][0]), strict=True):
        assert line.startswith(f"error: {refs[name][0]}: {reason}")
    kept = {headers.get_header("WARC-Record-ID") for _, headers, _ in read_back(out)}
    assert kept == {refs[name][1]["record_id"] for name in refs if name not in damaged}


def test_a_saved_mhtml_is_kept_as_the_file_itself_and_reextracts(run, archive_dir: Path, tmp_path: Path) -> None:
    from tests.test_formats import mhtml

    saved = tmp_path / "story.mhtml"
    saved.write_bytes(mhtml(news_page("An MHTML story", about("mhtml", 3)).encode("utf-8")))
    assert run("import", "--jobs", "1", str(saved)).exit_code == 0
    (article,) = [json.loads(p.read_text()) for p in archive_dir.rglob("*.json")]
    ((kind, _, payload),) = read_back(archive_dir / article["source"]["warc"]["file"])
    assert kind == "resource" and payload == saved.read_bytes()  # the saved file, not just its HTML part
    again = run("reextract")
    assert again.exit_code == 0 and "duplicates 1" in again.stderr  # same article from the kept file


def test_a_bad_line_of_a_jsonl_export_is_one_line_naming_it_and_the_rest_is_imported(
    run, archive_dir: Path, tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(2):
        page = news_page(f"Story {n} to export", about(f"jsonl {n}", 3), url=f"https://j.example/{n}")
        (pages / f"{n}.html").write_text(page, encoding="utf-8")
    assert run("import", "--jobs", "1", str(pages)).exit_code == 0
    exported = tmp_path / "all.jsonl"
    assert run("export", "-o", str(exported)).exit_code == 0
    good, other = exported.read_bytes().splitlines()
    edits = {
        "authors": json.loads(other) | {"authors": "Dana Whitfield"},
        "schema": json.loads(other) | {"schema_version": 99},
        "missing": {key: value for key, value in json.loads(other).items() if key != "url"},
    }
    lines = [good] + [json.dumps(edit).encode() for edit in edits.values()] + [b'{"title": "caf\xe9"}']
    exported.write_bytes(b"\n".join(lines) + b"\n")

    result = run("--archive", str(tmp_path / "copy"), "import", str(exported))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:4] == [
        f"error: {exported}:2: not an exported article (field 'authors' is not a list)",
        f"error: {exported}:3: not an exported article (unknown schema_version 99: this newsarchive reads 1 to 3)",
        f"error: {exported}:4: not an exported article (field 'url' missing)",
        f"error: {exported}:5: not an exported article (not readable JSON ('utf-8' codec can't decode byte 0xe9 in "
        "position 14: invalid continuation byte))",
    ]
    assert "archived 1" in result.stderr


def big_crawl(path: Path, records: int) -> None:
    """A crawl of `records` distinct stories, one HTML response each."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for n in range(records):
            page = news_page(f"Crawled story number {n} on the tides", about(f"tide table {n}", 3), url=None)
            response(writer, f"https://crawl.example/story-{n}", page.encode())


def test_a_large_warc_shows_its_progress_in_bytes_at_a_terminal_and_nothing_when_piped(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.terminal import Terminal, screen_lines

    warc = tmp_path / "crawl.warc.gz"
    big_crawl(warc, 200)
    with Terminal(columns=100) as terminal:
        process = terminal.run("--archive", str(tmp_path / "shown"), "import", "--jobs", "1", str(warc))
        assert process.wait() == 0
        drawn = terminal.text()
    # The records are not counted before the run: the bar goes by the bytes of the file read so far.
    states = [line for line in screen_lines(drawn.replace("\r", "\n")) if line.startswith("archiving  [")]
    assert states[-1].endswith(f"{warc.stat().st_size / 1e6:.1f}/{warc.stat().st_size / 1e6:.1f} MB  100%  ETA 0m00s")
    shares = [int(found.group(1)) for state in states if (found := re.search(r" MB +(\d+)%  ETA \d+m\d\ds$", state))]
    assert any(0 < share < 100 for share in shares), states  # drawn as the run went on, with the time left
    assert screen_lines(drawn)[-2] == "archived 200, updated 0, duplicates 0, failed 0, skipped 0"

    piped = subprocess.run(
        [sys.executable, "-m", "newsarchive", "--archive", str(tmp_path / "piped"), "import", "--jobs", "1", str(warc)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert "archiving" not in piped.stderr and "\r" not in piped.stderr
    assert piped.stderr.strip() == "archived 200, updated 0, duplicates 0, failed 0, skipped 0"
