"""Runs of the pipeline: inputs in, articles stored, one result per input.

This is the library's front door; the CLI is a thin layer over these two functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

from newsarchive.clean import Stripper
from newsarchive.config import Settings
from newsarchive.errors import InputError, StoreError
from newsarchive.extract import build_article, page_url
from newsarchive.model import RawPage
from newsarchive.sources import Broken, Skipped, ZipMember, iter_inputs, read_file, read_zip_member
from newsarchive.store import Archive

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


@dataclass
class RunSummary:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("archived", "updated", "duplicate", "failed", "skipped", "planned"), 0)
    )

    def add(self, result: ItemResult) -> None:
        self.counts[result.status] += 1

    @property
    def failed(self) -> int:
        return self.counts["failed"]


ResultCallback = Callable[[ItemResult], None]


def archive_page(archive: Archive, raw: RawPage, stripper: Stripper, settings: Settings, label: str) -> ItemResult:
    """Extract one page and store its article; bytes already archived are not extracted again."""
    known = archive.find_raw(raw.sha256)
    if known is not None:
        return ItemResult(label, known.outcome, known.id, known.json_path)
    article = build_article(raw, stripper, settings.min_words)
    added = archive.add(article)
    return ItemResult(label, added.outcome, added.id, added.json_path, article.title)


def _store_read(
    archive: Archive, read: Callable[[], RawPage], stripper: Stripper, settings: Settings, label: str
) -> ItemResult:
    return archive_page(archive, read(), stripper, settings, label)


def run_guarded(label: str, work: Callable[..., ItemResult], *args: object) -> ItemResult:
    """One input's work, turned into a result whatever goes wrong with that input."""
    try:
        return work(*args)
    except InputError as exc:
        return ItemResult(label, "failed", reason=str(exc))
    except StoreError:
        raise  # the archive itself is in trouble: stop the run
    except Exception as exc:
        # A hostile page can still trip a parser (or us); that page fails, the batch goes on.
        return ItemResult(label, "failed", reason=f"cannot process ({type(exc).__name__}: {exc})")


def _plan(read: Callable[[], RawPage], label: str) -> ItemResult:
    """--dry-run: read and recognize the file, store nothing."""
    raw = read()
    return ItemResult(label, "planned", format=raw.file_format or raw.format, url=page_url(raw))


def import_paths(
    archive: Archive,
    paths: Iterable[Path],
    settings: Settings,
    *,
    globs: tuple[str, ...] = (),
    base_url: str | None = None,
    dry_run: bool = False,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """Import saved pages from files and folders (recursively) into the archive.

    A file whose name says it is a page but whose content is none (a PNG named .html) fails
    like any broken page; files of other types found in folders are skipped. With `dry_run`
    files are only recognized.
    """
    stripper = Stripper(settings.strip, learned=archive)
    summary = RunSummary()
    for item in iter_inputs(paths, globs):
        if isinstance(item, Skipped):
            result = ItemResult(str(item.path), "skipped", reason=item.reason)
        elif isinstance(item, Broken):
            result = ItemResult(str(item.path), "failed", reason=item.reason)
        else:
            if isinstance(item, ZipMember):
                label, read = item.label, partial(read_zip_member, item)
            else:
                label, read = str(item.path), partial(read_file, item, base_url)
            if dry_run:
                result = run_guarded(label, _plan, read, label)
            else:
                result = run_guarded(label, _store_read, archive, read, stripper, settings, label)
        summary.add(result)
        if on_result:
            on_result(result)
    return summary


def fetch_urls(
    archive: Archive,
    urls: Iterable[str],
    settings: Settings,
    *,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """Download pages and archive their articles."""
    from newsarchive.fetch import Fetcher

    stripper = Stripper(settings.strip, learned=archive)
    summary = RunSummary()
    with Fetcher(settings) as fetcher:
        for url in urls:
            result = run_guarded(url, _store_read, archive, partial(fetcher.fetch, url), stripper, settings, url)
            summary.add(result)
            if on_result:
                on_result(result)
    return summary
