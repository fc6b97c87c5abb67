from __future__ import annotations

import codecs

import pytest

from newsarchive.encoding import decode, detect_encoding
from tests.localserver import LocalServer, Response

TEXT = "Caf\u00e9 \u2014 \u201cna\u00efve\u201d \u20ac5 \u00fcber"


def html(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (html(TEXT).encode("utf-8"), "text/html; charset=iso-8859-1"),  # header lies: bytes are UTF-8
        (html(TEXT).encode("cp1252"), "text/html; charset=utf-8"),  # header lies: bytes are cp1252
        (html(TEXT, '<meta charset="windows-1252">').encode("cp1252"), None),
        (html(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">').encode("cp1252"), None),
        (codecs.BOM_UTF8 + html(TEXT, '<meta charset="iso-8859-1">').encode("utf-8"), None),  # BOM wins
        (html(TEXT).encode("utf-16"), None),  # with BOM
        (html(TEXT).encode("utf-16-le"), None),  # without BOM
        (html(TEXT).encode("utf-16-be"), None),
        (html(TEXT).encode("utf-8"), None),
    ],
)
def test_decodes_right_whatever_is_declared(content: bytes, content_type: str | None) -> None:
    text, _encoding = decode(content, content_type)
    assert TEXT in text


def test_latin1_label_means_windows_1252() -> None:
    assert detect_encoding(html("\u201cq\u201d").encode("cp1252"), "text/html; charset=ISO-8859-1") == "cp1252"


def test_undeclared_legacy_bytes_are_detected() -> None:
    body = "Le gouvernement a annonc\u00e9 une r\u00e9forme des \u00e9coles et des h\u00f4pitaux. " * 20
    text, _encoding = decode(html(body).encode("cp1252"))
    assert "r\u00e9forme" in text and "h\u00f4pitaux" in text


def test_a_fetched_page_with_a_wrong_charset_archives_right(run, server: LocalServer) -> None:
    from tests.pages import news_page

    page = news_page(title="Caf\u00e9 owners \u2014 \u201cna\u00efve\u201d plans").encode("utf-8")
    url = server.route("/w", Response(page, headers={"Content-Type": "text/html; charset=iso-8859-1"}))
    assert run("fetch", url).exit_code == 0
    assert "Caf\u00e9 owners \u2014 \u201cna\u00efve\u201d plans" in run("list").stdout


def test_undeclared_cyrillic_and_central_european_pages() -> None:
    russian = "Правительство объявило о реформе школ и больниц. " * 20
    assert "реформе" in decode(html(russian).encode("cp1251"))[0]
    czech = "Vláda oznámila reformu škol a nemocnic, říká ministr. " * 20
    page = html(czech).replace("<html>", '<html lang="cs">').encode("cp1250")
    assert "říká" in decode(page)[0]
