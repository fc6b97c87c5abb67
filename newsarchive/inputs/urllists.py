"""Lists of URLs to fetch: bookmark exports, read-it-later CSVs, or one URL per line.

The format is recognized from the content, not the file name: every browser, Pocket and
Pinboard export bookmarks as Netscape bookmark HTML; Pocket and Instapaper export CSV with a
'url' column.
"""

from __future__ import annotations

import csv
import io
import re

NETSCAPE_MARKERS = ("<!doctype netscape-bookmark-file", "<dl><p>", "<dt><a ")
TRAILING_COMMENT = re.compile(r"\s+#.*$")  # "#" inside a URL is a fragment, not a comment
HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def list_format(text: str) -> str:
    """'bookmarks', 'csv' or 'lines'."""
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    if any(marker in head for marker in NETSCAPE_MARKERS):
        return "bookmarks"
    first_line = head.split("\n", 1)[0]
    if "," in first_line and "url" in [cell.strip().strip('"') for cell in first_line.split(",")]:
        return "csv"
    return "lines"


def _unique(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(url for url in urls if url))


def read_url_list(text: str) -> list[str]:
    """The URLs in a list, in order, each once."""
    kind = list_format(text)
    if kind == "bookmarks":
        import html

        return _unique([html.unescape(url).strip() for url in HREF.findall(text) if not url.startswith("place:")])
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        column = next(name for name in reader.fieldnames or [] if name.strip().lower() == "url")
        return _unique([(row.get(column) or "").strip() for row in reader])
    urls = []
    for line in text.splitlines():
        line = TRAILING_COMMENT.sub("", line).strip()
        if line and not line.startswith("#"):
            urls.append(line)
    return _unique(urls)
