"""A generated corpus of hostile and broken inputs (nothing of it is committed: it is built in a
temp folder by each test that needs it)."""

from __future__ import annotations

import os
import random
import struct
import zlib
from pathlib import Path

from tests.pages import about, news_page

# What each input must end as: archived (a sane article) or failed (one clear line).
ARCHIVED, FAILED = "archived", "failed"


def _png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _page(title: str, section: str = "World", **kwargs: object) -> str:
    return news_page(title, about(title[:20] or "story", 4), section=section, url=None, **kwargs)


def build(folder: Path, big: bool = False) -> dict[str, str]:
    """Write the corpus into `folder`; returns file name → expected outcome."""
    rng = random.Random(5)
    folder.mkdir(parents=True, exist_ok=True)
    good = _page("An ordinary story about the harbour")
    cases: dict[str, tuple[bytes, str]] = {
        "empty.html": (b"", FAILED),
        "whitespace.html": (b" \n\t\r\n   \n", FAILED),
        "png-named.html": (_png() + bytes(200), FAILED),
        "pdf-named.html": (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(100),
            FAILED,
        ),
        "zip-named.html": (b"PK\x03\x04" + bytes(26) + b"junk" * 50, FAILED),
        "random-bytes.html": (bytes(rng.getrandbits(8) for _ in range(4096)), FAILED),
        "nul-bytes.html": (good.replace("<p>", "<p>\x00", 3).encode(), ARCHIVED),
        "truncated.html": (good.encode()[: len(good) * 2 // 3], ARCHIVED),
        "invalid-utf8.html": (good.encode().replace(b"harbour", b"harb\xff\xfeour"), ARCHIVED),
        "wrong-charset.html": (good.replace('charset="utf-8"', 'charset="shift_jis"').encode("utf-8"), ARCHIVED),
        "utf16-bom.html": (good.encode("utf-16"), ARCHIVED),
        "utf16-no-bom.html": (good.encode("utf-16-le"), ARCHIVED),
        "nested-divs.html": (("<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000).encode(), FAILED),
        "script-only.html": (
            ("<html><head><script>" + "var a = 1;\n" * 5000 + "</script></head></html>").encode(),
            FAILED,
        ),
        "huge-attribute.html": (good.replace("<article>", f'<article data-x="{"y" * 1_000_000}">').encode(), ARCHIVED),
        "title-2000.html": (_page("Long " * 400).encode(), ARCHIVED),
        "title-emoji.html": (_page("🚀🔥💥 " * 30).encode(), ARCHIVED),
        "title-rtl.html": (_page("عنوان الخبر الرئيسي اليوم عن الميناء").encode(), ARCHIVED),
        "title-slashes.html": (_page("../../etc/passwd / a/b \\ c").encode(), ARCHIVED),
        "title-dots.html": (_page("..").encode(), ARCHIVED),
        "title-nul.html": (_page("Bad\x00title\x01with\x1fcontrols\x7f").encode(), ARCHIVED),
        "section-traversal.html": (_page("Section escape attempt", section="../../etc").encode(), ARCHIVED),
        "section-con.html": (_page("Reserved device name section", section="CON").encode(), ARCHIVED),
        "section-dot.html": (_page("Dot section story", section=".").encode(), ARCHIVED),
        "section-empty.html": (_page("Empty section story", section="").encode(), ARCHIVED),
        "name\nwith-newline.html": (_page("A file name with a newline").encode(), ARCHIVED),
    }
    if big:
        paragraph = "<p>" + "word " * 40 + "</p>\n"
        body = paragraph * (60_000_000 // len(paragraph))
        cases["sixty-mb.html"] = (good.replace("</article>", body + "</article>").encode(), ARCHIVED)
    for name, (content, _) in cases.items():
        (folder / name).write_bytes(content)
    odd = os.fsencode(folder) + b"/latin1-\xe9t\xe9.html"  # not UTF-8: Python keeps it as surrogates
    with open(odd, "wb") as handle:
        handle.write(_page("A file name that is not UTF-8").encode())
    loop = folder / "loop"
    loop.mkdir()
    (loop / "again").symlink_to(folder, target_is_directory=True)
    expected = {name: outcome for name, (_, outcome) in cases.items()}
    expected[os.fsdecode(b"latin1-\xe9t\xe9.html")] = ARCHIVED
    return expected
