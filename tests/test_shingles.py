"""The benchmark's metric must be right before any figure it prints means anything."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from shingles import bootstrap_f1_std, score_page, shingles, summarize


def test_shingles_are_4_token_windows_and_short_texts_are_one_shingle() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("Hello, world!") == {("Hello", "world"): 1}
    assert shingles("") == {}
    assert shingles("x y z w x y z w") == {
        ("x", "y", "z", "w"): 2,
        ("y", "z", "w", "x"): 1,
        ("z", "w", "x", "y"): 1,
        ("w", "x", "y", "z"): 1,
    }


def test_page_score_counts_multiset_overlap() -> None:
    score = score_page("a b c d e f", "a b c d e g")
    assert (score.tp, score.fp, score.fn) == (2, 1, 1)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)


def test_averages_skip_pages_without_a_denominator() -> None:
    perfect = score_page("a b c d", "a b c d")
    empty_prediction = score_page("", "a b c d")  # precision undefined, recall 0
    summary = summarize([perfect, empty_prediction])
    assert summary.precision == 1.0
    assert summary.recall == 0.5
    assert summary.f1 == pytest.approx(2 / 3)


def test_bootstrap_is_deterministic_and_zero_for_identical_pages() -> None:
    same = [score_page("a b c d", "a b c d")] * 10
    assert bootstrap_f1_std(same) == 0.0
    mixed = [score_page("a b c d", "a b c d"), score_page("a b c d", "e f g h")] * 5
    assert bootstrap_f1_std(mixed) == bootstrap_f1_std(mixed) > 0
