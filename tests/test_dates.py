from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchive.extract.dates import date_from_url, find_visible_dates
from newsarchive.timestamps import normalize_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("March 14, 2025", "2025-03-14"),
        ("Published: Mar. 14, 2025 at 9:30 a.m. EDT", "2025-03-14T09:30:00-04:00"),
        ("14 March 2025 09:30 GMT", "2025-03-14T09:30:00+00:00"),
        ("By Rosa Lindqvist | 3rd March 2025", "2025-03-03"),
        ("Veröffentlicht am 14. März 2025, 09:30 Uhr", "2025-03-14T09:30:00"),
        ("Publié le 14 mars 2025 à 09h30", "2025-03-14T09:30:00"),
        ("14 de marzo de 2025", "2025-03-14"),
        ("2025年3月14日 10:05", "2025-03-14T10:05:00"),
        ("١٤ مارس ٢٠٢٥", "2025-03-14"),
        ("14.03.2025", "2025-03-14"),
        ("2025-03-14T09:30:00+01:00", "2025-03-14T09:30:00+01:00"),
        ("Posted 12 December 2024, 11:45 pm CET", "2024-12-12T23:45:00+01:00"),
    ],
)
def test_a_printed_date_is_read_with_the_time_and_zone_it_states(text: str, expected: str) -> None:
    assert [stamp for _, stamp in find_visible_dates(text)] == [expected]


def test_every_date_in_a_line_is_found_in_order() -> None:
    line = "Updated: 20 July 2025 · Published: 18 July 2025"
    assert [stamp for _, stamp in find_visible_dates(line)] == ["2025-07-20", "2025-07-18"]


@pytest.mark.parametrize("text", ["31 February 2025", "in 1492", "the 14 biggest stories of 2025", "call 14.03"])
def test_what_is_not_a_date_is_not_read_as_one(text: str) -> None:
    assert find_visible_dates(text) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-07-23", "2025-07-23"),
        ("2025-07-23T10:00:00Z", "2025-07-23T10:00:00+00:00"),
        ("Wed, 23 Jul 2025 10:00:00 BST", "2025-07-23T10:00:00+01:00"),
        ("2031-01-01", None),
        ("1970-01-01", None),
        ("not a date", None),
    ],
)
def test_normalize_datetime_keeps_the_zone_and_refuses_the_future(value: str, expected: str | None) -> None:
    assert normalize_datetime(value, not_after=datetime(2026, 1, 1, tzinfo=UTC)) == expected


def test_date_from_url() -> None:
    assert date_from_url("https://x.example.com/world/2025/07/23/story/") == "2025-07-23"
    assert date_from_url("https://x.example.com/news/2025-07-03-story") == "2025-07-03"
    assert date_from_url("https://x.example.com/news/story-2025") is None
    assert date_from_url("https://x.example.com/2025/02/30/story") is None
