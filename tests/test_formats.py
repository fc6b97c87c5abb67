"""Saved-page formats, built in the tests with the same tools browsers' formats are made of."""

from __future__ import annotations

import base64
import json
import plistlib
import quopri
import zipfile
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from newsarchive.errors import SourceError
from newsarchive.inputs.formats import read_saved
from tests.conftest import FIXTURES

TWIN = FIXTURES / "pages" / "jsonld-newsarticle.html"
ORIGINAL_URL = "https://news.example.com/business/2025/03/04/grocers-freight.html"


def mhtml(html: bytes, url: str = ORIGINAL_URL, encoding: str = "quoted-printable") -> bytes:
    message = MIMEMultipart("related", type="text/html")
    message["Snapshot-Content-Location"] = url
    message["Subject"] = "saved page"
    message["Date"] = "Tue, 04 Mar 2025 12:30:00 +0100"
    part = MIMEText(html.decode("utf-8"), "html", "utf-8")
    del part["Content-Transfer-Encoding"]
    if encoding == "base64":
        part.set_payload(base64.encodebytes(html).decode())
    else:
        part.set_payload(quopri.encodestring(html).decode())
    part["Content-Transfer-Encoding"] = encoding
    part["Content-Location"] = url
    message.attach(part)
    image = MIMEImage(b"\x89PNG\r\n\x1a\n" + bytes(64), "png")
    image["Content-Location"] = "https://news.example.com/img/a.png"
    message.attach(image)
    return message.as_bytes()


def webarchive(html: bytes, url: str = ORIGINAL_URL) -> bytes:
    return plistlib.dumps(
        {
            "WebMainResource": {
                "WebResourceData": html,
                "WebResourceURL": url,
                "WebResourceMIMEType": "text/html",
                "WebResourceTextEncodingName": "UTF-8",
                "WebResourceFrameName": "",
            },
            "WebSubresources": [{"WebResourceData": b"body{}", "WebResourceURL": "https://news.example.com/a.css"}],
        },
        fmt=plistlib.FMT_BINARY,
    )


def singlefile(html: bytes, url: str = ORIGINAL_URL) -> bytes:
    header = (
        "<!--\n Page saved with SingleFile \n url: " + url + " \n"
        " saved date: Tue Mar 04 2025 12:30:00 GMT+0100 (Central European Standard Time)\n-->\n"
    ).encode()
    inline_image = b'<img src="data:image/png;base64,' + base64.b64encode(bytes(3_000_000)) + b'" alt="inline">'
    return header + html.replace(b"</body>", inline_image + b"</body>")


@pytest.fixture
def twin_html() -> bytes:
    return TWIN.read_bytes()


def archived(run, archive_dir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(archive_dir.rglob("*.json"))]


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
def test_mhtml_reads_the_html_part_url_and_date(twin_html: bytes, encoding: str) -> None:
    page = read_saved("story.mhtml", mhtml(twin_html, encoding=encoding))
    assert page.content.replace(b"\r\n", b"\n") == twin_html.replace(b"\r\n", b"\n")
    assert (page.file_format, page.url, page.saved_at) == ("mhtml", ORIGINAL_URL, "2025-03-04T12:30:00+01:00")
    assert page.content_type == "text/html; charset=utf-8"


def test_webarchive_reads_the_main_resource(twin_html: bytes) -> None:
    page = read_saved("story.webarchive", webarchive(twin_html))
    assert page.content == twin_html
    assert (page.file_format, page.url, page.content_type) == ("webarchive", ORIGINAL_URL, "text/html; charset=UTF-8")


def test_singlefile_header_gives_url_and_date(twin_html: bytes) -> None:
    page = read_saved("story.html", singlefile(twin_html))
    assert (page.file_format, page.url, page.saved_at) == ("singlefile", ORIGINAL_URL, "2025-03-04T12:30:00+01:00")


def test_detection_is_by_content_not_extension(twin_html: bytes) -> None:
    assert read_saved("misnamed.html", webarchive(twin_html)).file_format == "webarchive"
    assert read_saved("misnamed.html", mhtml(twin_html)).file_format == "mhtml"
    with pytest.raises(SourceError, match="unsupported format"):
        read_saved("fake.mhtml", b"<html><body>not mime</body></html>")


def test_every_format_archives_the_same_article_as_its_html_twin(
    run, tmp_path: Path, archive_dir: Path, twin_html: bytes
) -> None:
    twin_result = tmp_path / "twin"
    assert run("--archive", str(twin_result), "import", str(TWIN)).exit_code == 0
    (expected,) = [json.loads(p.read_text()) for p in twin_result.rglob("*.json")]

    saved = tmp_path / "saved"
    saved.mkdir()
    for name, data in {
        "a.mhtml": mhtml(twin_html),
        "b.mht": mhtml(twin_html, encoding="base64"),
        "c.webarchive": webarchive(twin_html),
        "d.html": singlefile(twin_html),
    }.items():
        (saved / name).write_bytes(data)
        other = tmp_path / f"archive-{name}"
        result = run("--archive", str(other), "import", str(saved / name))
        assert result.exit_code == 0, result.output
        (article,) = [json.loads(p.read_text()) for p in other.rglob("*.json")]
        for field in ("title", "text", "authors", "published", "section", "canonical_url", "tags"):
            assert article[field] == expected[field], (name, field)
        assert (
            article["source"]["format"] == {"a": "mhtml", "b": "mhtml", "c": "webarchive", "d": "singlefile"}[name[0]]
        )
        assert "base64" not in json.dumps(article)  # the inline image never reaches the JSON or Markdown


def test_a_complete_page_folder_imports_the_page_and_skips_its_assets(run, tmp_path: Path, twin_html: bytes) -> None:
    folder = tmp_path / "saved"
    assets = folder / "Grocers pool lorries_files"
    assets.mkdir(parents=True)
    (folder / "Grocers pool lorries.html").write_bytes(twin_html)
    (assets / "app.js").write_text("var x = 1;")
    (assets / "style.css").write_text("body {}")
    (assets / "photo.jpg").write_bytes(b"\xff\xd8\xff" + bytes(100))
    (assets / "ad-frame.html").write_text(
        "<html><body><p>" + "Buy now and save big today. " * 20 + "</p></body></html>"
    )
    result = run("-v", "import", str(folder))
    assert result.exit_code == 0, result.output
    assert "archived 1, updated 0, duplicates 0, failed 0, skipped 1" in result.stderr
    assert "assets of a saved page" in result.stderr


def test_saved_date_is_the_fallback_before_the_mtime(run, tmp_path: Path, archive_dir: Path) -> None:
    from tests.pages import news_page

    page = news_page(published=None, url=None).encode()
    (tmp_path / "p.mhtml").write_bytes(mhtml(page, url="https://news.example.com/p/undated"))
    assert run("import", str(tmp_path / "p.mhtml")).exit_code == 0
    (article,) = archived(run, archive_dir)
    assert (article["published"], article["date_source"]) == ("2025-03-04T12:30:00+01:00", "file")
    assert article["source"]["saved_at"] == "2025-03-04T12:30:00+01:00"
    assert article["url"] == "https://news.example.com/p/undated"


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.slow
def test_a_zip_of_saved_pages_imports_each_and_refuses_the_traversal_and_the_bomb(
    run, tmp_path: Path, archive_dir: Path, twin_html: bytes
) -> None:
    from tests.pages import about, news_page

    other = news_page(title="Ferry timetable changes", url="https://n.example.org/local/f", paragraphs=about("ferry"))
    third = news_page(title="Library hours extended", url="https://n.example.org/local/l", paragraphs=about("library"))
    bundle = write_zip(
        tmp_path / "saved.zip",
        {
            "pages/story.mhtml": mhtml(twin_html),
            "pages/ferry.webarchive": webarchive(other.encode()),
            "pages/Library_files/frame.html": b"<html><body><p>" + b"Ad text here. " * 50 + b"</p></body></html>",
            "pages/Library.html": third.encode(),
            "pages/Library_files/app.js": b"var x;",
            "../evil.html": news_page(title="Escaped", url="https://n.example.org/local/e").encode(),
            "notes/readme.css": b"body{}",
        },
    )
    appending = zipfile.ZipFile(bundle, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    with appending as archive, archive.open("pages/bomb.html", "w", force_zip64=True) as handle:
        for _ in range(1024):  # 1 GiB of zeros, a few MB compressed
            handle.write(bytes(1 << 20))
    result = run("-v", "import", str(bundle))
    assert result.exit_code == 1
    assert f"error: {bundle}!../evil.html: unsafe path inside the zip (refused)" in result.stderr
    bomb_line = next(
        line for line in result.stderr.splitlines() if line.startswith(f"error: {bundle}!pages/bomb.html: ")
    )
    assert "expands" in bomb_line and "1,073,741,824 bytes" in bomb_line
    assert "archived 3, updated 0, duplicates 0, failed 2, skipped 3" in result.stderr
    titles = sorted(json.loads(p.read_text())["title"] for p in archive_dir.rglob("*.json"))
    assert titles == [
        "Ferry timetable changes",
        "Independent grocers pool their lorries to fight rising freight costs",
        "Library hours extended",
    ]
    assert not (tmp_path / "evil.html").exists() and not list(tmp_path.parent.glob("evil*"))
    sources = {json.loads(p.read_text())["source"]["location"] for p in archive_dir.rglob("*.json")}
    assert f"{bundle}!pages/story.mhtml" in sources


def test_a_corrupt_zip_fails_with_its_name(run, tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    result = run("import", str(tmp_path / "broken.zip"))
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'broken.zip'}: not a readable zip archive" in result.stderr


def test_a_member_is_capped_while_decompressing(tmp_path: Path) -> None:
    from newsarchive.errors import TooLargeError
    from newsarchive.inputs.saved import ZipMember, read_zip_member

    bundle = write_zip(tmp_path / "b.zip", {"big.html": b"<p>" + b"x" * 200_000 + b"</p>"})
    with pytest.raises(TooLargeError, match="over the 100,000 byte limit"):
        read_zip_member(ZipMember(bundle, "big.html"), max_bytes=100_000)
    assert read_zip_member(ZipMember(bundle, "big.html"), max_bytes=300_000).location == f"{bundle}!big.html"


MARKDOWN_SAVE = """---
title: "Harbour ferry returns: a 'long' wait ends"
url: https://news.example.org/local/2024/06/01/ferry-returns.html
date: 2024-06-01T08:00:00+02:00
author: [Dana Whitfield, Lee Park]
tags: ferries, harbour
section: Local
---

The harbour ferry returned to service on Saturday after a winter of repairs, with the first
crossing full an hour before it left the quay.

## A winter in dry dock

Engineers replaced both engines and the **steering gear**, the [operator](https://ferry.example.org) said.

![The ferry at the quay](https://img.example.org/ferry.jpg)
*The ferry at the quay on Saturday morning*

- Crossings every 40 minutes
- Bicycles carried free

> We missed it more than we expected, said a commuter on the first crossing.
"""


def test_markdown_save_with_front_matter(run, tmp_path: Path, archive_dir: Path) -> None:
    (tmp_path / "ferry.md").write_text(MARKDOWN_SAVE, encoding="utf-8")
    assert run("import", str(tmp_path / "ferry.md")).exit_code == 0
    (article,) = archived(run, archive_dir)
    assert article["title"] == "Harbour ferry returns: a 'long' wait ends"
    assert article["url"] == "https://news.example.org/local/2024/06/01/ferry-returns.html"
    assert (article["published"], article["date_source"]) == ("2024-06-01T08:00:00+02:00", "meta")
    assert article["authors"] == ["Dana Whitfield", "Lee Park"]
    assert article["tags"] == ["ferries", "harbour"]
    assert (article["section_slug"], article["source"]["format"]) == ("local", "markdown")
    assert "Engineers replaced both engines and the steering gear, the operator said." in article["text"]
    assert article["images"] == [
        {
            "alt": "The ferry at the quay",
            "caption": "The ferry at the quay on Saturday morning",
            "src": "https://img.example.org/ferry.jpg",
        }
    ]
    assert "\n## A winter in dry dock\n" in article["markdown"]
    assert "- Crossings every 40 minutes\n- Bicycles carried free" in article["markdown"]


def test_markdown_without_front_matter_takes_the_title_from_its_heading(run, tmp_path: Path, archive_dir: Path) -> None:
    body = MARKDOWN_SAVE.split("---\n", 2)[2]
    (tmp_path / "plain.md").write_text("# Ferry back in service\n" + body, encoding="utf-8")
    assert run("import", str(tmp_path / "plain.md")).exit_code == 0
    (article,) = archived(run, archive_dir)
    assert (article["title"], article["date_source"]) == ("Ferry back in service", "file")


def test_broken_front_matter_is_a_clear_error(run, tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\ntitle: [unclosed\n---\nBody text.\n", encoding="utf-8")
    result = run("import", str(tmp_path / "bad.md"))
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'bad.md'}: unreadable front matter" in result.stderr


def test_a_mixed_folder_of_every_format_archives_each_article_once(run, tmp_path: Path, archive_dir: Path) -> None:
    from tests.pages import about, news_page

    def page(topic: str) -> bytes:  # undated pages: the date must come from the saved file
        return news_page(title=f"The {topic} story", url=None, published=None, paragraphs=about(topic)).encode()

    folder = tmp_path / "mixed"
    (folder / "Complete_files").mkdir(parents=True)
    (folder / "Complete.html").write_bytes(
        b"<!-- saved from url=(0036)https://s.example.org/local/complete -->\n" + page("complete")
    )
    (folder / "Complete_files" / "frame.html").write_bytes(page("advert frame"))
    (folder / "a.mhtml").write_bytes(mhtml(page("mhtml"), url="https://s.example.org/local/mhtml"))
    (folder / "b.webarchive").write_bytes(webarchive(page("webarchive"), url="https://s.example.org/local/webarchive"))
    (folder / "c.html").write_bytes(singlefile(page("singlefile"), url="https://s.example.org/local/singlefile"))
    (folder / "d.md").write_text(
        "---\ntitle: The markdown story\nurl: https://s.example.org/local/markdown\ndate: 2024-02-02\n---\n\n"
        + "\n\n".join(about("markdown")),
        encoding="utf-8",
    )
    (folder / "e.txt").write_text("LOCAL\n\nThe text story\n\n" + "\n\n".join(about("text")), encoding="utf-8")
    write_zip(folder / "f.zip", {"inner/z.mhtml": mhtml(page("zipped"), url="https://s.example.org/local/zipped")})
    (folder / "copy-of-a.mhtml").write_bytes(mhtml(page("mhtml"), url="https://s.example.org/local/mhtml"))

    result = run("import", str(folder))
    assert result.exit_code == 0, result.output
    assert "archived 7, updated 0, duplicates 1, failed 0, skipped 1" in result.stderr
    by_title = {a["title"]: a for a in archived(run, archive_dir)}
    expected = {
        "The complete story": ("https://s.example.org/local/complete", "html"),
        "The mhtml story": ("https://s.example.org/local/mhtml", "mhtml"),
        "The webarchive story": ("https://s.example.org/local/webarchive", "webarchive"),
        "The singlefile story": ("https://s.example.org/local/singlefile", "singlefile"),
        "The markdown story": ("https://s.example.org/local/markdown", "markdown"),
        "The text story": (None, "text"),
        "The zipped story": ("https://s.example.org/local/zipped", "mhtml"),
    }
    assert {title: (a["url"], a["source"]["format"]) for title, a in by_title.items()} == expected
    saved = "2025-03-04T12:30:00+01:00"  # the MHTML Date header / SingleFile saved date
    assert by_title["The mhtml story"]["published"] == saved
    assert by_title["The singlefile story"]["published"] == saved
    assert by_title["The markdown story"]["published"] == "2024-02-02"
