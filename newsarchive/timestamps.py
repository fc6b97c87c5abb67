"""ISO 8601 text for the dates pages, feeds and sitemaps declare, keeping what they said and no more."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime

OLDEST_YEAR = 1990  # older "dates" on news pages are copyright years, ids or noise

# Zone abbreviations news sites print; dateutil knows none of them by itself.
ZONE_OFFSETS = {
    name: int(hours * 3600)
    for name, hours in {
        "UTC": 0,
        "GMT": 0,
        "Z": 0,
        "BST": 1,
        "CET": 1,
        "MEZ": 1,
        "CEST": 2,
        "MESZ": 2,
        "EET": 2,
        "EEST": 3,
        "MSK": 3,
        "IST": 5.5,
        "JST": 9,
        "KST": 9,
        "AEST": 10,
        "AEDT": 11,
        "EST": -5,
        "EDT": -4,
        "CST": -6,
        "CDT": -5,
        "MST": -7,
        "MDT": -6,
        "PST": -8,
        "PDT": -7,
    }.items()
}


def normalize_datetime(value: str | None, not_after: datetime | None = None) -> str | None:
    """ISO 8601 text for a date or datetime, keeping its timezone; None if unreadable or future."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            from dateutil import parser as date_parser

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an unknown zone name leaves the time naive
                parsed = date_parser.parse(value, tzinfos=ZONE_OFFSETS)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.year < OLDEST_YEAR or is_future(parsed, not_after):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def is_future(moment: datetime, not_after: datetime | None = None) -> bool:
    """Later than the fetch (or now) by more than a day's worth of time zones."""
    limit = not_after or datetime.now(UTC)
    comparable = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return comparable > limit.replace(microsecond=0) and comparable.date() > limit.date()
