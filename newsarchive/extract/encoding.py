"""Bytes → text for pages whose charset may be declared wrongly or not at all.

Order of evidence: a byte-order mark, then the HTTP header, then <meta charset>, then
detection. A declaration is trusted only if the bytes decode cleanly under it (a UTF-16 or
UTF-32 one, which nearly any bytes satisfy, only if they hold NULs), and a single-byte
declaration loses to UTF-8 when the bytes are valid UTF-8 with non-ASCII in them (a legacy
charset producing valid multi-byte UTF-8 by chance is vanishingly rare).

UTF-8 need not be perfect. A UTF-8 page with one stray byte (a bad paste, a mangled
template) is still UTF-8: reading it as windows-1252 would turn every other accented or
CJK character into mojibake to save one. So the bytes count as UTF-8 when their well-formed
multi-byte characters far outnumber their invalid bytes: at least UTF8_DECLARED_RATIO to
one if UTF-8 is what the page declares, UTF8_UNDECLARED_RATIO to one if it declares nothing
usable; the invalid bytes then decode to U+FFFD. Legacy text is nowhere near either ratio:
in windows-1250/1251/1252 nearly every high byte is an invalid sequence on its own, and
even Shift_JIS, GBK or EUC-KR, whose byte pairs often look like UTF-8 by chance, make
fewer than one well-formed character per invalid byte. A multi-byte character cut off at
the very end (a truncated download) is not counted as an error at all. A legacy charset
that is declared and decodes cleanly is still believed over nearly-valid UTF-8; only
valid UTF-8 overrides it, as above.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from newsarchive.text import utf16_without_bom

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)
# Browsers decode pages labelled latin-1 or ascii as windows-1252 (WHATWG Encoding standard).
# (codecs' own names for those labels)
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
# Pages in these languages that declare nothing are most often windows-1250, as browsers assume.
_CENTRAL_EUROPEAN = frozenset({"cs", "pl", "hu", "sk", "sl", "hr", "ro", "bs"})
_HTML_LANG = re.compile(rb"""<html[^>]*\slang\s*=\s*["']?([a-zA-Z]{2})""", re.IGNORECASE)
LATIN_SCRIPT_SHARE = 0.3  # below this share of non-ASCII letters, the text is in a Latin script
# Well-formed multi-byte characters needed per invalid byte for imperfect bytes to be UTF-8.
UTF8_DECLARED_RATIO = 2
UTF8_UNDECLARED_RATIO = 4
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _normalize(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(content: bytes) -> str | None:
    """The charset a page declares in its first few kilobytes."""
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _valid(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


class _Utf8Evidence(NamedTuple):
    multibyte: int  # well-formed multi-byte characters
    invalid: int  # bytes that are not part of any well-formed character
    cut: bool  # the bytes end partway through a multi-byte character

    @property
    def valid(self) -> bool:
        """Valid UTF-8, allowing for a cut-off last character if there is other non-ASCII to go by
        (ASCII ending in one high byte is as likely windows-1252)."""
        return not self.invalid and (not self.cut or self.multibyte > 0)

    def nearly_valid(self, ratio: int) -> bool:
        return self.multibyte > 0 and self.invalid * ratio <= self.multibyte


def _utf8_evidence(content: bytes) -> _Utf8Evidence:
    """How far content reads as UTF-8, in a few linear passes at C speed (no per-byte Python)."""
    try:
        text = content.decode("utf-8")  # most pages: valid, and counted in one pass
    except UnicodeDecodeError:
        pass
    else:
        return _Utf8Evidence(multibyte=len(text) - len(content.translate(None, _HIGH_BYTES)), invalid=0, cut=False)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    text = decoder.decode(content, final=False)  # an incomplete last character stays buffered
    cut = len(decoder.getstate()[0])
    ascii_bytes = len(content.translate(None, _HIGH_BYTES))  # an ASCII byte is always one character
    # surrogateescape turns each invalid byte into one lone surrogate, which encoding drops.
    invalid = len(content) - cut - len(text.encode("utf-8", errors="ignore"))
    return _Utf8Evidence(multibyte=len(text) - ascii_bytes - invalid, invalid=invalid, cut=cut > 0)


def _single_byte(encoding: str) -> bool:
    """True for charsets that map every byte to one character (cp1252, iso-8859-x, koi8-r…)."""
    return len(_HIGH_BYTES.decode(encoding, errors="replace")) == len(_HIGH_BYTES)


def _wide(encoding: str) -> bool:
    """UTF-16 and UTF-32 decode almost any even-length bytes "cleanly", so validity proves nothing.
    Real UTF-16 has a BOM or NULs around its ASCII (both recognized above); a page without NULs
    that says UTF-16 is ASCII-compatible (WHATWG reads such a <meta> as UTF-8)."""
    return encoding.startswith(("utf-16", "utf-32"))


def detect_encoding(content: bytes, content_type: str | None = None) -> str:
    """Choose the encoding to decode a page with."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return encoding
    utf16 = utf16_without_bom(content)
    if utf16:
        return utf16
    utf8 = _utf8_evidence(content)
    is_utf8 = utf8.valid
    for label in (header_charset(content_type), meta_charset(content)):
        declared = _normalize(label) if label else None
        if declared == "utf-8" and (is_utf8 or utf8.nearly_valid(UTF8_DECLARED_RATIO)):
            return "utf-8"
        if not declared or not _valid(content, declared):
            continue
        if _wide(declared) and b"\0" not in content:
            continue
        if is_utf8 and _single_byte(declared) and not content.isascii():
            return "utf-8"
        return declared
    if is_utf8 or utf8.nearly_valid(UTF8_UNDECLARED_RATIO):
        return "utf-8"
    return _guess_legacy(content)


def _guess_legacy(content: bytes) -> str:
    """An undeclared, non-UTF-8 page. charset-normalizer is good at other scripts and at
    multi-byte charsets, but on short Western text it often picks a Baltic or DOS codepage;
    for text in a Latin script we choose as a browser would: windows-1252, or windows-1250
    for Central European languages."""
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    detected = _normalize(best.encoding) if best is not None else None
    if detected and not _single_byte(detected):
        return detected
    letters = [ch for ch in content.decode("cp1252", errors="replace") if ch.isalpha()]
    non_ascii = sum(1 for ch in letters if not ch.isascii())
    if not letters or non_ascii / len(letters) < LATIN_SCRIPT_SHARE:
        lang = _HTML_LANG.search(content[:4096])
        return "cp1250" if lang and lang.group(1).decode().lower() in _CENTRAL_EUROPEAN else "cp1252"
    return detected or "cp1252"


def decode(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes to text; returns the text and the encoding used.

    The text is composed (Unicode NFC): "é" typed as e + combining accent and "é" as one
    character are the same word to search, compare and deduplicate.
    """
    encoding = detect_encoding(content, content_type)
    text = content.decode(encoding, errors="replace")
    return (text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)), encoding
