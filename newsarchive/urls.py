"""One spelling per article URL, so that two feeds or two tracking tags do not fetch it twice."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# A web address typed without its scheme: a host name with a dot (and maybe a port), then a path or nothing.
SCHEMELESS_ADDRESS = re.compile(r"^(?:[\w-]+\.)+[a-z]{2,63}\.?(?::\d{1,5})?(?:[/?#]\S*)?$", re.IGNORECASE)


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


def url_meant(text: str) -> str | None:
    """The https URL a web address typed without its scheme stands for ('www.example.com/story'
    → 'https://www.example.com/story'); None for a URL, or text that is no such address."""
    if "://" in text or not SCHEMELESS_ADDRESS.match(text):
        return None
    return "https://" + text
