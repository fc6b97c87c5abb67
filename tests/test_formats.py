"""Saved-page formats, built in the tests with the same tools browsers' formats are made of."""

from __future__ import annotations

import base64
import json
import plistlib
import quopri
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from newsarchive.errors import SourceError
from newsarchive.formats import read_saved
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
