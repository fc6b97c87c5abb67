"""One spelling per article URL, so that two feeds or two tracking tags do not fetch it twice."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters
    (utm_*, fbclid, gclid, ref…: courlan's list, the one trafilatura uses)."""
    from courlan import normalize_url as courlan_normalize  # 80 ms to import: only when needed

    try:
        cleaned = courlan_normalize(url.strip())
    except ValueError:
        cleaned = url.strip()
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
