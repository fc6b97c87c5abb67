"""Text rules every stage shares: white space, line keys, slugs, front matter, binary sniffing."""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

from slugify import slugify as _transliterating_slugify

from newsarchive.model import sha256_hex

# Zero-width characters, and control characters that no text should carry (tab and newline are
# white space and are folded, not dropped).
ZERO_WIDTH = dict.fromkeys(
    [*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), *range(0, 9), 11, *range(14, 28), 127], None
)

_ZERO_WIDTH_CHAR = re.compile("[" + re.escape("".join(map(chr, ZERO_WIDTH))) + "]")


def normalize_space(text: str) -> str:
    """Drop zero-width characters and fold every run of white space into one space.

    (Searched for first: str.translate walks every character in Python's slow path, and it
    runs on every text element of every page.)"""
    if _ZERO_WIDTH_CHAR.search(text):
        text = text.translate(ZERO_WIDTH)
    return " ".join(text.split())


def line_key(line: str) -> str:
    """How a line is counted across a site's articles: its text, spacing and case folded."""
    return sha256_hex(normalize_space(line).casefold())[:16]


MAX_SLUG_CHARS = 80

# Hiragana, katakana (with the prolonged sound mark and half-width forms): only Japanese has them.
KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")

# A run of Japanese text (kana, kanji, 々 and the digits among them) for cutlet, which reads
# nothing else right (it turns 'é' into '?').
JAPANESE_CHARS = (
    "\u3005\u3006\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
)

JAPANESE_RUN = re.compile(f"[0-9０-９]*(?:[{JAPANESE_CHARS}]+[0-9０-９]*)+")

# Names Windows refuses as file names; an archive may be copied to such a disk.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


def slugify(text: str, fallback: str = "untitled", language: str | None = None) -> str:
    """An ASCII file-name-safe slug (non-Latin scripts transliterated), never empty or reserved.
    Japanese (text with kana, or any text of an article in Japanese) is romanized as Japanese is
    read, 宮崎県 as miyazaki-ken, where transliteration would read its kanji as Chinese."""
    if KANA.search(text) or (language or "").lower().startswith("ja"):
        text = JAPANESE_RUN.sub(lambda run: f" {_romaji(run.group())} ", text)
    slug = _transliterating_slugify(text, max_length=MAX_SLUG_CHARS, word_boundary=True)
    if not slug:
        slug = fallback
    if slug in RESERVED_NAMES:
        slug += "-"
    return slug


@cache
def _romanizer() -> Any:
    import cutlet

    return cutlet.Cutlet()


_romanizer_lock = threading.Lock()  # one MeCab tagger, and update extracts pages in threads


def _romaji(japanese: str) -> str:
    """Modified Hepburn by cutlet, which reads each word with MeCab and UniDic (so particles are
    'wa' and 'e', and known names such as 東京 are 'Tokyo')."""
    with _romanizer_lock:
        return _romanizer().romaji(japanese)


def split_front_matter(markdown: str) -> tuple[str | None, str]:
    """The YAML between a Markdown text's opening and closing '---' lines, and the rest; None
    for a text without front matter."""
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return markdown[4:end], markdown[end + 5 :]
    return None, markdown


BINARY_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP archive"), (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"), (b"\x1f\x8b", "gzip"), (b"RIFF", "RIFF media"), (b"\x7fELF", "executable"),
)  # fmt: skip

BINARY_SAMPLE_BYTES = 8192

BINARY_CONTROL_SHARE = 0.1

CONTROL_BYTES = bytes(byte for byte in range(0x20) if byte not in b"\t\n\r\f")  # that text never has
CONTROL_OR_REPLACEMENT = re.compile("[" + re.escape(CONTROL_BYTES.decode("ascii")) + "\ufffd]")

UTF16_SAMPLE_BYTES = 2000
UTF16_NUL_SHARE = 0.4  # of one half of the bytes (the high bytes of ASCII characters) at least
UTF16_OTHER_NUL_SHARE = 0.05  # of the other half at most


def looks_like(data: bytes) -> str | None:
    """A name for binary content ('PNG image'), or None for anything that may be text."""
    return next((kind for magic, kind in BINARY_MAGIC if data.startswith(magic)), None)


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text without a BOM, known by the NUL bytes
    around its ASCII characters; None for anything else."""
    sample = data[:UTF16_SAMPLE_BYTES]
    if len(sample) < 8:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > UTF16_NUL_SHARE and even_nuls < UTF16_OTHER_NUL_SHARE:
        return "utf-16-le"
    if even_nuls > UTF16_NUL_SHARE and odd_nuls < UTF16_OTHER_NUL_SHARE:
        return "utf-16-be"
    return None


def _mostly_control_bytes(data: bytes) -> bool:
    """Binary content: many bytes below space that text never has (UTF-16's NULs aside)."""
    sample = data[:BINARY_SAMPLE_BYTES]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(sample):
        return False
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return controls / len(sample) > BINARY_CONTROL_SHARE


def _mostly_control_characters(text: str) -> bool:
    """Text that decoded to many control or replacement characters was no text."""
    sample = text[:BINARY_SAMPLE_BYTES]
    return bool(sample) and len(CONTROL_OR_REPLACEMENT.findall(sample)) / len(sample) > BINARY_CONTROL_SHARE


def binary_kind(data: bytes, decoded: str | None = None) -> str | None:
    """What binary content looks like ('PNG image', 'binary data'), or None for possible text.
    With the text the bytes `decoded` to, text of mostly control or replacement characters is
    binary data too: the one test of saved files, fetched pages and extraction."""
    if kind := looks_like(data):
        return kind
    binary = _mostly_control_bytes(data) or (decoded is not None and _mostly_control_characters(decoded))
    return "binary data" if binary else None
