"""The ScrapingHub article-extraction benchmark's metric, implemented from its description.

Tokens are Unicode \\w+ runs; a text is a multiset of 4-token shingles (a text of 1-3 tokens is
one short shingle); per page tp = shared shingles, fp = extra, fn = missing. Precision is
averaged over pages with tp+fp > 0, recall over pages with tp+fn > 0, and F1 is the harmonic
mean of the two averages.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str | None) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


@dataclass(frozen=True)
class PageScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(predicted: str | None, truth: str) -> PageScore:
    got, want = shingles(predicted), shingles(truth)
    tp = sum((got & want).values())
    return PageScore(tp, sum(got.values()) - tp, sum(want.values()) - tp)


@dataclass(frozen=True)
class Summary:
    precision: float
    recall: float
    f1: float


def summarize(scores: Sequence[PageScore]) -> Summary:
    precisions = [s.precision for s in scores if s.precision is not None]
    recalls = [s.recall for s in scores if s.recall is not None]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return Summary(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def bootstrap_f1_std(scores: Sequence[PageScore], resamples: int = 1000, seed: int = 0) -> float:
    """Standard deviation of F1 over page resamples (with replacement), fixed seed."""
    rng = random.Random(seed)
    values = []
    for _ in range(resamples):
        sample = [scores[rng.randrange(len(scores))] for _ in scores]
        values.append(summarize(sample).f1)
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
