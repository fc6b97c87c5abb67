"""Every field of the hand-written metadata golden set (fixtures/metadata/) is archived right."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from metadata_golden import FIELDS, load_golden, mismatches, newsarchive_fields

GOLDEN = load_golden()


def test_the_golden_set_is_big_and_varied() -> None:
    assert len(GOLDEN) >= 40
    languages = {(page.expected.get("language") or "en")[:2] for page in GOLDEN}
    assert {"en", "de", "fr", "es", "ar", "ja", "zh"} <= languages
    for page in GOLDEN:
        assert {"url", "title", "authors", "published", "modified", "section"} <= page.expected.keys(), page.name


@pytest.mark.parametrize("page", GOLDEN, ids=[page.name for page in GOLDEN])
def test_golden_metadata(page) -> None:
    assert mismatches(page, newsarchive_fields(page)) == {}
    assert set(FIELDS) >= set(page.expected) - {"url", "note"}
