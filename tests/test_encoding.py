from __future__ import annotations

import codecs

import pytest

from newsarchive.extract.encoding import decode, detect_encoding, header_charset, meta_charset
from tests.localserver import LocalServer, Response

# No \u201d: its UTF-8 holds 0x9d, undefined in cp1252, which would expose a wrong cp1252 on its own.
TEXT = "Caf\u00e9 \u2014 \u201ena\u00efve\u201c \u20ac5 \u00fcber"
CZECH = "Vl\u00e1da ozn\u00e1mila reformu \u0161kol, \u0159\u00edk\u00e1 ministr."


def html(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("content", "content_type", "encoding"),
    [
        (html(TEXT).encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8"),  # header lies: bytes are UTF-8
        (html(TEXT).encode("cp1252"), "text/html; charset=utf-8", "cp1252"),  # header lies: bytes are cp1252
        (html(TEXT, '<meta charset="windows-1252">').encode("cp1252"), None, "cp1252"),
        (
            html(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">').encode("cp1252"),
            None,
            "cp1252",
        ),
        (html(TEXT).encode("utf-8"), 'text/html; charset="UTF-8"', "utf-8"),
        (html(TEXT).encode("utf-8"), None, "utf-8"),
    ],
    ids=["utf8-said-latin1", "cp1252-said-utf8", "meta-1252", "meta-utf8-lies", "quoted-header", "undeclared-utf8"],
)
def test_decodes_right_whatever_is_declared(content: bytes, content_type: str | None, encoding: str) -> None:
    assert detect_encoding(content, content_type) == encoding
    text, used = decode(content, content_type)
    assert TEXT in text
    assert used == encoding


def test_a_meta_declaration_is_used_when_nothing_else_says() -> None:
    # Without the <meta>, undeclared Latin text is read as windows-1252 (\u0159 would come out \u00f8).
    page = html(CZECH, '<meta charset="windows-1250">').encode("cp1250")
    assert decode(page) == (page.decode("cp1250"), "cp1250")


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (html(TEXT).encode("utf-16"), "utf-16"),  # with BOM
        (codecs.BOM_UTF16_BE + html(TEXT).encode("utf-16-be"), "utf-16"),
        (html(TEXT).encode("utf-16-le"), "utf-16-le"),  # without BOM
        (html(TEXT).encode("utf-16-be"), "utf-16-be"),
        (html(TEXT).encode("utf-32"), "utf-32"),
    ],
    ids=["utf16-bom", "utf16be-bom", "utf16le-no-bom", "utf16be-no-bom", "utf32-bom"],
)
def test_utf16_and_utf32(content: bytes, encoding: str) -> None:
    assert decode(content) == (html(TEXT), encoding)  # exact: no stray BOM character either


@pytest.mark.parametrize("content_type", [None, "text/html; charset=iso-8859-1"])
def test_ascii_in_utf16_without_bom(content_type: str | None) -> None:
    # NULs are valid UTF-8 and cp1252 too: only their pattern shows this is UTF-16.
    page = html("Plain English words only.")
    assert decode(page.encode("utf-16-le"), content_type) == (page, "utf-16-le")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (codecs.BOM_UTF8 + html(TEXT, '<meta charset="iso-8859-1">').encode("utf-8"), None),
        (codecs.BOM_UTF8 + html(TEXT, '<meta charset="koi8-r">').encode("utf-8"), "text/html; charset=koi8-r"),
        (codecs.BOM_UTF16_LE + html(TEXT, '<meta charset="utf-8">').encode("utf-16-le"), "text/html; charset=utf-8"),
    ],
    ids=["utf8-bom-vs-latin1-meta", "utf8-bom-vs-koi8r", "utf16-bom-vs-utf8"],
)
def test_a_bom_overrides_a_wrong_declaration(content: bytes, content_type: str | None) -> None:
    text, _encoding = decode(content, content_type)
    assert text.startswith("<html>")  # the BOM is consumed, not left as U+FEFF
    assert TEXT in text


@pytest.mark.parametrize("legacy", ["utf-8", "cp1252"])
def test_a_utf16_meta_on_an_ascii_compatible_page_is_ignored(legacy: str) -> None:
    # WHATWG reads such a <meta> as UTF-8: decoding these bytes as UTF-16 would give CJK garbage.
    page = html(TEXT, '<meta charset="utf-16">')
    assert decode(page.encode(legacy)) == (page, legacy)
    assert decode(page.encode(legacy), "text/html; charset=utf-16")[0] == page


def test_a_utf16_header_is_believed_for_utf16_bytes() -> None:
    russian = "\u041f\u0440\u0430\u0432\u0438\u0442\u0435\u043b\u044c\u0441\u0442\u0432\u043e " * 30
    content = html(russian).encode("utf-16-le")  # mostly Cyrillic: too few NULs to be recognized alone
    assert decode(content, "text/html; charset=utf-16le")[0] == html(russian)


def test_latin1_label_means_windows_1252() -> None:
    assert detect_encoding(html("\u201cq\u201d").encode("cp1252"), "text/html; charset=ISO-8859-1") == "cp1252"


def test_charset_labels_are_found() -> None:
    assert header_charset("text/html; charset='Windows-1252'") == "Windows-1252"
    assert header_charset("text/html") is None
    assert header_charset(None) is None
    assert meta_charset(b"<html><head><META CHARSET=utf-8>") == "utf-8"
    assert meta_charset(b'<meta content="text/html; charset=koi8-r" http-equiv="Content-Type">') == "koi8-r"
    assert meta_charset(b"<html><body>charset=utf-8</body></html>") is None


def test_an_unknown_label_is_ignored() -> None:
    assert decode(html(TEXT).encode("utf-8"), "text/html; charset=no-such-charset") == (html(TEXT), "utf-8")


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


CJK = "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3067\u3059"  # 日本語の文章です


def stray_byte_page(meta: str = "") -> tuple[bytes, str]:
    """A UTF-8 page with one 0xff byte (never valid in UTF-8) in the middle of its text."""
    first, second = f"{TEXT} {CJK}", f"{CJK} {TEXT}"
    page = html(f"{first} STRAY {second}", meta)
    before, after = page.split("STRAY")
    return before.encode("utf-8") + b"\xff" + after.encode("utf-8"), page.replace("STRAY", "\ufffd")


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        ('<meta charset="utf-8">', None),
        ("", "text/html; charset=utf-8"),
        ("", None),
    ],
    ids=["meta-utf8", "header-utf8", "undeclared"],
)
def test_one_stray_byte_does_not_make_utf8_legacy(meta: str, content_type: str | None) -> None:
    content, expected = stray_byte_page(meta)
    text, used = decode(content, content_type)
    assert used == "utf-8"
    assert text == expected  # every other accented and CJK character intact
    assert text.count("\ufffd") == 1


def test_a_legacy_page_declared_utf8_with_a_few_chance_utf8_pairs_stays_legacy() -> None:
    # „Spaß“ in cp1252 holds DF 93, a well-formed UTF-8 pair; the rest of the high bytes are not.
    body = "Der Spaß „Größe“ für „Spaß“ und süße Äpfel. " * 10
    text, used = decode(html(body).encode("cp1252"), "text/html; charset=utf-8")
    assert used == "cp1252"
    assert body in text


def test_an_undeclared_cp1252_page_is_still_cp1252() -> None:
    body = "Le gouvernement a annonc\u00e9 une r\u00e9forme \u2014 \u201cna\u00efve\u201d, \u20ac5 \u00fcber. " * 20
    text, used = decode(html(body).encode("cp1252"))
    assert used == "cp1252"
    assert body in text


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8"])
def test_a_page_cut_mid_character_is_utf8(content_type: str | None) -> None:
    page = html(f"{TEXT} {CJK}").encode("utf-8")
    cut = page[: page.rindex(CJK[-1].encode("utf-8")) + 1]  # a download ending inside the last CJK character
    text, used = decode(cut, content_type)
    assert used == "utf-8"
    assert text == html(f"{TEXT} {CJK}")[: len(text) - 1] + "\ufffd"
    assert TEXT in text and CJK[:-1] in text


def test_ascii_ending_in_one_high_byte_is_not_called_utf8() -> None:
    # A lone \u00e9 (E9) at the end is also the start of a three-byte UTF-8 character: nothing else says UTF-8.
    assert decode(b"<html><body><p>Caf\xe9") == ("<html><body><p>Caf\u00e9", "cp1252")


def test_a_declared_legacy_charset_that_decodes_cleanly_beats_nearly_valid_utf8() -> None:
    # Only valid UTF-8 overrides a single-byte declaration (koi8-r, like latin-1, decodes any bytes).
    content, _expected = stray_byte_page()
    assert decode(content, "text/html; charset=koi8-r") == (content.decode("koi8-r"), "koi8-r")


def test_a_big_nearly_valid_utf8_page_is_utf8() -> None:
    """How fast this is judged is for benchmarks, not for a test on a loaded machine."""
    content, _expected = stray_byte_page()
    big = content * 20_000  # ~3 MB, 20,000 stray bytes among 480,000 well-formed characters
    assert detect_encoding(big) == "utf-8"
