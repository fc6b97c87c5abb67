"""Runs of the pipeline: inputs in, articles stored, one result per input.

This is the library's front door; the CLI is a thin layer over these two functions.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.spawn
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from newsarchive.config import Settings
from newsarchive.errors import DeletedError, DisallowedError, InputError, StoreError, WorkerDiedError
from newsarchive.extract.article import build_article, page_url
from newsarchive.extract.clean import Stripper
from newsarchive.inputs.saved import (
    Broken,
    Exported,
    FileInput,
    Skipped,
    ZipMember,
    file_size,
    iter_inputs,
    read_file,
    read_zip_member,
)
from newsarchive.inputs.warc import WarcResponse
from newsarchive.model import Article, RawPage
from newsarchive.runs.failures import FailureCounter
from newsarchive.runs.raw_pages import read_raw
from newsarchive.runs.results import ItemResult, ResultCallback, RunSummary
from newsarchive.store.archive import AddResult, Archive, IfDeleted
from newsarchive.store.raw import PackedRecords, pack_records

T = TypeVar("T")
# Fields reextract compares when the body is unchanged, to report what a newer extractor reads differently.
REEXTRACT_METADATA = ("title", "authors", "published", "modified", "section", "language", "site_name")


def archive_page(
    archive: Archive,
    raw: RawPage,
    stripper: Stripper,
    settings: Settings,
    label: str,
    if_deleted: IfDeleted = "skip",
    article_id: str | None = None,
) -> ItemResult:
    """Extract one page and store its article; bytes already archived are not extracted again.
    A page of an article the reader deleted is skipped unless `if_deleted` says revive. A page
    fetched again for an article (`article_id`) is that article, whatever its body says now: the
    same title and body write nothing, any other is its next version (a headline rewritten, or
    a body gone back to an earlier text, is an edit too)."""
    known = archive.find_raw(raw.sha256) if article_id is None else None  # a recheck's may be an older version's
    if known is not None:
        return ItemResult(label, known.outcome, known.id, known.json_path)
    article = build_article(raw, stripper, settings.min_words, settings.keep_non_articles)
    if article_id is not None:
        article.id = article_id
        current = archive.find(article_id)
        if (current["content_sha256"], current["title"]) == (article.content_sha256, article.title):
            return ItemResult(label, "duplicate", article_id, current["json_path"], article.title)
    added = _keep(archive, raw, article, if_deleted, new_version=article_id is not None)
    return ItemResult(label, added.outcome, added.id, added.json_path, article.title, added.note)


def _keep(
    archive: Archive,
    raw: RawPage | None,
    article: Article,
    if_deleted: IfDeleted,
    new_version: bool = False,
    packed: PackedRecords | None = None,
) -> AddResult:
    """Store the raw page in the archive's WARC files (`packed` already, by a worker), then the
    article that points to it."""
    if raw is None:
        return archive.add(article, if_deleted)
    validators = {"etag": raw.etag, "last_modified": raw.last_modified}  # for a conditional recheck
    article.source.update({name: value for name, value in validators.items() if value})
    try:
        article.source["warc"] = archive.raw.append(packed or raw).to_dict()
    except OSError as exc:
        raise StoreError(f"cannot write the raw page of {raw.location}: {exc.strerror or exc}") from None
    return archive.add(article, if_deleted, new_version)


def _store_read(
    archive: Archive, read: Callable[[], RawPage], stripper: Stripper, settings: Settings, label: str
) -> ItemResult:
    """A URL the reader named: archived even if they deleted its article before."""
    return archive_page(archive, read(), stripper, settings, label, if_deleted="revive")


def run_guarded(label: str, work: Callable[..., T], *args: object, traceback: bool = False) -> T | ItemResult:
    """One input's work, turned into a result whatever goes wrong with that input; with
    `traceback` (--traceback) an unexpected error is raised instead, so our own bugs show."""
    try:
        return work(*args)
    except (DisallowedError, DeletedError) as exc:
        return ItemResult(label, "skipped", reason=str(exc))
    except InputError as exc:
        return ItemResult(label, "failed", reason=str(exc))
    except StoreError:
        raise  # the archive itself is in trouble: stop the run
    except Exception as exc:
        if traceback:
            raise
        # A hostile page can still trip a parser (or us); that page fails, the batch goes on.
        return ItemResult(
            label, "failed", reason=f"cannot process ({type(exc).__name__}: {exc}; --traceback shows where)"
        )


def import_paths(
    archive: Archive,
    paths: Iterable[Path],
    settings: Settings,
    *,
    globs: tuple[str, ...] = (),
    base_url: str | None = None,
    dry_run: bool = False,
    jobs: int = 1,
    on_result: ResultCallback | None = None,
    on_notice: Callable[[str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Import saved pages from files and folders (recursively) into the archive.

    A file whose name says it is a page but whose content is none (a PNG named .html) fails
    like any broken page; files of other types found in folders are skipped. With `dry_run`
    files are only recognized. With `jobs` > 1, reading and extraction run in that many worker
    processes while this process alone writes files and the index; inputs are streamed, and
    results are stored and reported as they come. When worker processes cannot start, the
    import runs in this process and `on_notice` is told why. `on_progress` is told how many bytes
    of the input files have been read, as they are (inputs.saved.progress_measure's total).
    """
    summary = RunSummary()
    tasks = _tasks(paths, globs, base_url, settings.follow_symlinks, _BytesRead(on_progress))
    if dry_run:
        results: Iterator[ItemResult] = (
            task if isinstance(task, ItemResult) else run_guarded(task.label, _plan, task, traceback=settings.traceback)
            for task in tasks
        )
    else:
        results = _imported(archive, tasks, settings, jobs, on_notice)
    for result in results:
        summary.add(result)
        if on_result:
            on_result(result)
    return summary


@dataclass(frozen=True)
class _Task:
    """One file (or zip member) to read and extract; picklable for a worker process."""

    label: str
    item: FileInput | ZipMember | WarcResponse
    base_url: str | None

    def read(self) -> RawPage:
        if isinstance(self.item, ZipMember):
            return read_zip_member(self.item)
        if isinstance(self.item, WarcResponse):
            return self.item.raw_page()
        return read_file(self.item, self.base_url)


class _BytesRead:
    """How far a run has read into its input files: a file counts whole once reached, a WARC
    file up to the record being read (its offset), a zip or an export once the next file is."""

    def __init__(self, report: Callable[[int], None] | None) -> None:
        self.report = report
        self.finished = 0  # bytes of the files before the current one
        self.current: Path | None = None
        self.size = 0

    def reached(self, item: object) -> None:
        if self.report is None or not isinstance(item, FileInput | ZipMember | WarcResponse):
            return  # what is skipped is not counted in the total; an export line is in its file
        path = item.path
        if path != self.current:
            self.finished += self.size
            self.current, self.size = path, file_size(path)
        within = item.offset if isinstance(item, WarcResponse) else 0 if isinstance(item, ZipMember) else self.size
        self.report(self.finished + within)

    def end(self) -> None:
        if self.report is not None:
            self.report(self.finished + self.size)


def _tasks(
    paths: Iterable[Path], globs: tuple[str, ...], base_url: str | None, follow_symlinks: bool, read: _BytesRead
) -> Iterator[_Task | ItemResult | _Extracted]:
    """The inputs as tasks, and what was skipped or broken on the way as results."""
    for item in iter_inputs(paths, globs, follow_symlinks):
        read.reached(item)
        if isinstance(item, Skipped):
            yield ItemResult(str(item.path), "skipped", reason=item.reason)
        elif isinstance(item, Broken):
            yield ItemResult(str(item.path), "failed", reason=item.reason)
        elif isinstance(item, Exported):
            yield _Extracted(item.label, item.article, None)
        else:
            label = item.label if isinstance(item, ZipMember | WarcResponse) else str(item.path)
            yield _Task(label, item, base_url)
    read.end()


def _plan(task: _Task | _Extracted) -> ItemResult:
    """--dry-run: read and recognize the file, store nothing."""
    if isinstance(task, _Extracted):
        return ItemResult(task.label, "planned", format="jsonl", url=task.article.url)
    raw = task.read()
    return ItemResult(task.label, "planned", format=raw.file_format or raw.format, url=page_url(raw))


def _imported(
    archive: Archive,
    tasks: Iterator[_Task | ItemResult | _Extracted],
    settings: Settings,
    jobs: int,
    on_notice: Callable[[str], None] | None,
) -> Iterator[ItemResult]:
    """Extract each task (here, or in worker processes) and store what it gives, in this
    process and in input order, so the archive is the same whatever the number of workers."""
    archive.open()  # the writer creates the index before any reader looks for it
    pool = _started_pool(archive.root, settings, jobs, on_notice) if jobs > 1 else None
    if pool is None:
        _start_worker(archive.root, settings)
        outcomes: Iterator[ItemResult | _Extracted] = (
            task if isinstance(task, ItemResult | _Extracted) else _extract(task) for task in tasks
        )
    else:
        outcomes = _in_workers(pool, tasks, jobs)
    writer = _Writer(archive, settings)
    try:
        for outcome in outcomes:
            if isinstance(outcome, _Extracted):
                yield run_guarded(outcome.label, writer.add, outcome, traceback=settings.traceback)
            else:
                yield outcome
    finally:
        if "archive" in _worker:
            _worker.pop("archive").close()


@dataclass(frozen=True)
class _Asked:
    """What a worker's stripper asked of one site's learned lines, and which it was told are."""

    site: str
    lines: frozenset[str]  # line keys asked about
    learned: frozenset[str]  # of those, the ones learned when asked

    def still_holds(self, learned: Mapping[str, str]) -> bool:
        """Would the stripper remove the same lines with these learned lines?"""
        return {key for key in self.lines if key in learned} == self.learned


@dataclass(frozen=True)
class _Extracted:
    """An article a worker extracted, with its raw page and the label it is reported under."""

    label: str
    article: Article
    raw: RawPage | None  # None for an article read back from an export
    asked: tuple[_Asked, ...] = ()
    packed: PackedRecords | None = None  # the raw page's WARC records


class _Lookups(Mapping[str, str]):
    """One site's learned lines, noting every line key asked about."""

    def __init__(self, lines: Mapping[str, str]) -> None:
        self.lines = lines
        self.asked: set[str] = set()

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return key in self.lines

    def __getitem__(self, key: str) -> str:
        return self.lines[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)


class _AskedLearned:
    """The archive's learned lines as a worker reads them: the index as far as the writer has
    come, which may be behind the articles before this one in the run. What was asked is kept,
    so the writer can check the answers once those articles are stored."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.lookups: list[tuple[str, _Lookups]] = []

    def learned_lines(self, site: str) -> Mapping[str, str]:
        lookups = _Lookups(self.archive.learned_lines(site))
        self.lookups.append((site, lookups))
        return lookups

    def take(self) -> tuple[_Asked, ...]:
        """What was asked since the last take."""
        asked = tuple(
            _Asked(site, frozenset(lookups.asked), frozenset(key for key in lookups.asked if key in lookups.lines))
            for site, lookups in self.lookups
        )
        self.lookups = []
        return asked


class _Writer:
    """Stores what the workers extracted, in input order. A page whose bytes an earlier page of
    the run already brought is that page's duplicate, as it would be in one process; a page
    whose stripper was told other learned lines than the index holds now is extracted again."""

    def __init__(self, archive: Archive, settings: Settings) -> None:
        self.archive = archive
        self.settings = settings
        self.stripper = Stripper.from_settings(settings, learned=archive)

    def add(self, extracted: _Extracted) -> ItemResult:
        """A file the reader gave to import: archived even if they deleted its article before."""
        raw, article = extracted.raw, extracted.article
        if raw is not None:
            known = self.archive.find_raw(raw.sha256)
            if known is not None:
                return ItemResult(extracted.label, known.outcome, known.id, known.json_path)
            if not all(asked.still_holds(self.archive.learned_lines(asked.site)) for asked in extracted.asked):
                settings = self.settings
                article = build_article(raw, self.stripper, settings.min_words, settings.keep_non_articles)
        added = _keep(self.archive, raw, article, if_deleted="revive", packed=extracted.packed)
        return ItemResult(extracted.label, added.outcome, added.id, added.json_path, article.title, added.note)


# What each process that extracts keeps: a read-only view of the archive (for bytes already
# archived and learned boilerplate), what its stripper asks of it, the stripper, the settings.
_worker: dict[str, Any] = {}


def _start_worker(root: Path, settings: Settings) -> None:
    reader = Archive(root, readonly=True, index_url=settings.index or None)
    asked = _AskedLearned(reader)
    stripper = Stripper.from_settings(settings, learned=asked)
    _worker.update(archive=reader, asked=asked, stripper=stripper, settings=settings)


def _extract(task: _Task) -> ItemResult | _Extracted:
    """Read and extract one input, unless its bytes were archived already."""

    def work() -> ItemResult | _Extracted:
        raw = task.read()
        known = _worker["archive"].find_raw(raw.sha256)
        if known is not None:
            return ItemResult(task.label, known.outcome, known.id, known.json_path)
        settings = _worker["settings"]
        _worker["asked"].take()  # what a page that failed asked
        article = build_article(raw, _worker["stripper"], settings.min_words, settings.keep_non_articles)
        return _Extracted(task.label, article, raw, _worker["asked"].take(), pack_records(raw))

    return run_guarded(task.label, work, traceback=_worker["settings"].traceback)


def _started_pool(
    root: Path, settings: Settings, jobs: int, on_notice: Callable[[str], None] | None
) -> ProcessPoolExecutor | None:
    """A pool of `jobs` extracting processes with the first one up, or None when they cannot
    start (the interpreter cannot be run, a process limit is reached…): the import then runs in
    this process rather than failing with nothing said."""
    context = multiprocessing.get_context("forkserver")
    pool = None
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(root, settings))
        pool.submit(_ready).result()
    except (OSError, EOFError, BrokenProcessPool) as exc:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if on_notice:
            broken = isinstance(exc, BrokenProcessPool)
            reason = "a worker ended as it started" if broken else getattr(exc, "strerror", None) or str(exc)
            python = os.fsdecode(multiprocessing.spawn.get_executable())
            on_notice(f"worker processes cannot start ({reason}; interpreter {python}); importing in one process")
        return None
    return pool


def _ready() -> None:
    """The first task a pool is given: it returns once a worker has started."""


IN_FLIGHT_PER_JOB = 4  # tasks a worker may be ahead by: room for a slow page at the head


def _in_workers(
    pool: ProcessPoolExecutor, tasks: Iterator[_Task | ItemResult | _Extracted], jobs: int
) -> Iterator[ItemResult | _Extracted]:
    """Extract in the pool's `jobs` processes, yielding in input order, with a bounded number
    of tasks in flight (memory stays flat however long the input). A worker that dies (killed,
    out of memory) breaks the pool: the run stops at the page it was waiting for, so that what
    is stored is what a run in input order had stored, and WorkerDiedError says how many
    pages are left for the next run."""
    ahead: deque[Future | ItemResult | _Extracted] = deque()
    in_flight = 0
    with pool:
        try:
            for task in tasks:
                if isinstance(task, _Task):
                    ahead.append(pool.submit(_extract, task))
                    in_flight += 1
                else:
                    ahead.append(task)
                while in_flight >= IN_FLIGHT_PER_JOB * jobs or (ahead and not isinstance(ahead[0], Future)):
                    head = ahead.popleft()
                    if isinstance(head, Future):
                        in_flight -= 1
                        yield head.result()
                    else:
                        yield head
            while ahead:
                head = ahead.popleft()
                yield head.result() if isinstance(head, Future) else head
        except BrokenProcessPool as exc:
            # The page whose result or submission broke, those in flight, and the rest.
            left = 1 + sum(isinstance(item, Future | _Extracted) for item in ahead)
            left += sum(isinstance(task, _Task | _Extracted) for task in tasks)
            raise WorkerDiedError(
                f"a worker process ended unexpectedly (killed, or out of memory); {left} page(s) were not"
                " imported: run the import again to finish (what was imported is kept)"
            ) from exc


def reextract(
    archive: Archive,
    settings: Settings,
    *,
    since: str | None = None,
    section: str | None = None,
    on_result: ResultCallback | None = None,
) -> RunSummary:
    """Run extraction and stripping again on the raw pages the archive kept, with today's code
    and rules; an article whose body changed gets a new version (the old one stays). No network.

    Results: `updated` (changed), `duplicate` (unchanged), `skipped` (no raw page kept), `failed`.
    """
    stripper = Stripper.from_settings(settings, learned=archive)
    summary = RunSummary()
    for row in archive.list(since=since, section=section):
        result = run_guarded(row["id"], _reextract_one, archive, row, stripper, settings, traceback=settings.traceback)
        summary.add(result)
        if on_result:
            on_result(result)
    return summary


def _reextract_one(archive: Archive, row: dict, stripper: Stripper, settings: Settings) -> ItemResult:
    article_id, old_path = row["id"], row["json_path"]
    old = archive.read_article(archive.root / old_path)
    ref = old.source.get("warc")
    if not ref:
        return ItemResult(article_id, "skipped", old.id, reason="no raw page kept (archived before raw pages were)")
    raw = read_raw(archive.root, ref)
    article = build_article(raw, stripper, settings.min_words, settings.keep_non_articles)
    article.source["warc"] = ref
    article.id = old.id  # the same article, even where its id came from its (now changed) body
    if article.content_sha256 == old.content_sha256:
        differ = [name for name in REEXTRACT_METADATA if getattr(article, name) != getattr(old, name)]
        # A version is a body; metadata-only changes are reported, not stored (see the README).
        reason = f"body unchanged; metadata now differs ({', '.join(differ)}), not re-versioned" if differ else None
        return ItemResult(article_id, "duplicate", old.id, old_path, old.title, reason)
    added = archive.add(article)
    return ItemResult(article_id, added.outcome, added.id, added.json_path, article.title)


def fetch_urls(
    archive: Archive,
    urls: Iterable[str],
    settings: Settings,
    *,
    on_result: ResultCallback | None = None,
    failures: FailureCounter | None = None,
) -> RunSummary:
    """Download pages and archive their articles, given up or not (they were asked for); each
    failure counts towards giving the URL up, once for the run, as `failures` counts them."""
    from newsarchive.inputs.fetch import Fetcher

    stripper = Stripper.from_settings(settings, learned=archive)
    summary = RunSummary()
    failures = failures or FailureCounter(archive, settings.max_failures)
    with Fetcher(settings) as fetcher:
        for url in urls:
            read = partial(fetcher.fetch, url)
            result = run_guarded(url, _store_read, archive, read, stripper, settings, url, traceback=settings.traceback)
            result = failures.note(url, result)
            summary.add(result)
            if on_result:
                on_result(result)
    return summary
