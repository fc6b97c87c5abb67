"""Compressed bytes → the bytes they hold, under a size cap: the one decoder for gzipped saved
files (.html.gz) and for content-encoded HTTP bodies (gzip, deflate)."""

from __future__ import annotations

import zlib
from typing import Any

from newsarchive.errors import CompressionError, TooLargeError

GZIP_MAGIC = b"\x1f\x8b"
ENCODINGS = ("identity", "gzip", "deflate")


class Inflater:
    """Undoes gzip (every member, one after another, as gunzip does) or deflate (zlib data, or
    the raw deflate some servers send) chunk by chunk, never holding more than `limit` decoded
    bytes. A payload over the cap is a TooLargeError naming the cap, never cut short; data that
    is damaged or ends before its last member does is a CompressionError. Bytes after the last
    gzip member that start no member are ignored, as gunzip does. `what` names the payload in
    the cap's message ('file', 'page')."""

    def __init__(self, encoding: str, limit: int, what: str) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {encoding!r}")
        self.encoding = encoding
        self.limit = limit
        self.what = what
        self._inflate: Any = self._new_inflater()
        self._first = True  # no compressed byte decoded yet
        self._trailing = b""  # after a whole gzip member: bytes that may start another one
        self._done = False  # what follows the last member is not a member: ignored
        self._chunks: list[bytes] = []
        self._size = 0

    def _new_inflater(self) -> Any:
        # gzip (31), or deflate as zlib data (15); raw deflate (-15) is tried if that fails.
        return None if self.encoding == "identity" else zlib.decompressobj(31 if self.encoding == "gzip" else 15)

    def feed(self, data: bytes) -> None:
        if self._inflate is None:
            self._keep(data)
            return
        try:
            self._decode(data)
        except zlib.error as exc:
            if self._first and self.encoding == "deflate":
                self._inflate, self._first = zlib.decompressobj(-15), False
                self.feed(data)
                return
            raise CompressionError(str(exc)) from None

    def _decode(self, data: bytes) -> None:
        while data and not self._done:
            if self._inflate.eof:  # a whole gzip member: another follows, or the rest is not ours
                data = self._trailing + data
                if len(data) < len(GZIP_MAGIC):
                    self._trailing = data
                    return
                self._trailing = b""
                if self.encoding != "gzip" or not data.startswith(GZIP_MAGIC):
                    self._done = True
                    return
                self._inflate = self._new_inflater()
            self._keep(self._inflate.decompress(data, self.limit + 1 - self._size))
            self._first = False
            data = self._inflate.unconsumed_tail or self._inflate.unused_data

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.limit:
            verb = "is larger than" if self.encoding == "identity" else "expands beyond"
            raise TooLargeError(f"{self.what} {verb} the {self.limit:,} byte limit")
        self._chunks.append(data)

    def finish(self) -> bytes:
        """Everything decoded; CompressionError when the compressed data stops short."""
        if self._inflate is not None and not self._inflate.eof and not self._done:
            raise CompressionError("the compressed data ends early")
        return b"".join(self._chunks)


def inflate(data: bytes, encoding: str, limit: int, what: str) -> bytes:
    """All of `data` decoded at once (see Inflater)."""
    inflater = Inflater(encoding, limit, what)
    inflater.feed(data)
    return inflater.finish()
