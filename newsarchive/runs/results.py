"""What a run reports: one result per input (a URL or a file), and the counts of a whole run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Status = Literal["archived", "updated", "duplicate", "failed", "skipped", "planned"]


@dataclass(frozen=True)
class ItemResult:
    """What happened to one input (a URL or a file)."""

    input: str
    status: Status
    id: str | None = None
    path: str | None = None
    title: str | None = None
    reason: str | None = None
    format: str | None = None  # for --dry-run: what the file was recognized as
    url: str | None = None  # for --dry-run: the URL recovered from it
    given_up_after: int | None = None  # this failure gave the URL up, after so many runs failed it


@dataclass
class RunSummary:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("archived", "updated", "duplicate", "failed", "skipped", "planned"), 0)
    )

    def add(self, result: ItemResult) -> None:
        self.counts[result.status] += 1

    def merge(self, other: RunSummary) -> None:
        """Count another part of the same run in."""
        for status, count in other.counts.items():
            self.counts[status] += count

    @property
    def failed(self) -> int:
        return self.counts["failed"]


class ResultCallback(Protocol):
    """What every run tells of each result as it comes: the result, and the seconds it took
    where the run timed it (`update`'s concurrent fetches); without them, the time since the
    previous result is the measure."""

    def __call__(self, result: ItemResult, seconds: float | None = None, /) -> None: ...
