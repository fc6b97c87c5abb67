"""Check a whole archive against itself, and repair what the files can repair.

The article JSON files are the record. From them the Markdown twins can be rewritten and the
index rebuilt; leftovers of an interrupted write (temporary files, a Markdown file whose JSON
never landed) can be removed. A JSON file that no longer matches its own checksum cannot be
repaired from the archive: it is reported, never guessed at. Nor can a raw page that is gone
or damaged: each article's `source.warc` must lead to the WARC record its page was made from.
Deleted articles are the tombstones' record (deleted.jsonl): their raw pages staying in the
WARC files is no problem, their files or index rows still there are (a delete cut short, which
repair finishes), and an indexed article whose file is gone without a tombstone still is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from newsarchive.errors import ArticleDataError, InputError, StoreError
from newsarchive.files import TEMP_SUFFIX, write_atomic
from newsarchive.model import Article, sha256_hex
from newsarchive.render import read_article_json
from newsarchive.runs.raw_pages import read_raw
from newsarchive.store.archive import Archive
from newsarchive.store.index.base import INDEX_NAME
from newsarchive.store.tombstones import TOMBSTONES_NAME, Tombstone

ProblemKind = Literal[
    "damaged-index",
    "not-indexed",
    "missing-file",
    "stale-markdown",
    "checksum",
    "schema",
    "raw-page",
    "deleted",
    "temp-file",
    "orphan",
]


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    path: str  # relative to the archive root
    message: str
    repairable: bool


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    repaired: list[Problem] = field(default_factory=list)
    articles: int = 0

    @property
    def unrepaired(self) -> list[Problem]:
        return [problem for problem in self.problems if problem not in self.repaired]


def verify(archive: Archive, repair: bool = False) -> Report:
    """Every check on the archive; with `repair`, fix what can be fixed from the files."""
    if not archive.exists():
        raise StoreError(f"no archive at {archive.root}")
    report = Report()
    root = archive.root
    valid: set[str] = set()
    for json_file in archive.article_files():
        relative = json_file.relative_to(root).as_posix()
        checked = _checked_article(json_file, relative)
        report.articles += 1
        if isinstance(checked, Problem):
            report.problems.append(checked)
            continue
        valid.add(relative)
        for found in (_raw_problem(archive, relative, checked), _markdown_problem(json_file, relative, checked)):
            if found:
                report.problems.append(found)
    report.problems += _leftovers(archive)
    deleted = _deleted_files(archive, report)
    undeleted = _undeleted(archive, deleted)
    report.problems += undeleted
    # A deleted article's file still here is that one problem, whether the index has it or not.
    report.problems += _index_problems(archive, valid - {problem.path for problem in undeleted}, deleted)
    if repair:
        _repair(archive, report)
    return report


def _checked_article(json_file: Path, relative: str) -> Article | Problem:
    """The article a file holds, or the problem that keeps it from being one."""
    try:
        article = read_article_json(json_file.read_bytes())
    except OSError as exc:
        return Problem("schema", relative, f"not readable ({exc.strerror or exc})", False)
    except ArticleDataError as exc:
        return Problem("schema", relative, str(exc), False)
    if sha256_hex(article.text) != article.content_sha256:
        return Problem("checksum", relative, "text does not match content_sha256 (the file was changed)", False)
    return article


def _raw_problem(archive: Archive, relative: str, article: Article) -> Problem | None:
    """The raw page the article was made from: its `source.warc` must lead to a whole record
    whose page has the `source.sha256` the article recorded. Articles archived before raw pages
    were kept have no reference, and nothing to check."""
    ref = article.source.get("warc")
    if ref is None:
        return None
    try:
        raw = read_raw(archive.root, ref)
    except InputError as exc:
        return Problem("raw-page", relative, str(exc), False)
    if raw.sha256 != article.source.get("sha256"):
        where = f"{ref['file']}@{ref['offset']}"
        return Problem("raw-page", relative, f"raw page at {where} does not match source.sha256", False)
    return None


def _markdown_problem(json_file: Path, relative: str, article: Article) -> Problem | None:
    md_file = json_file.with_suffix(".md")
    md_relative = relative[: -len(".json")] + ".md"
    expected = article.markdown
    try:
        actual = md_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Problem("missing-file", md_relative, "Markdown file missing", True)
    except (OSError, UnicodeError) as exc:
        return Problem("stale-markdown", md_relative, f"Markdown file unreadable ({exc})", True)
    if actual != expected:
        return Problem("stale-markdown", md_relative, "Markdown file differs from its JSON", True)
    return None


def _leftovers(archive: Archive) -> list[Problem]:
    found = []
    for path in archive.leftovers():
        relative = path.relative_to(archive.root).as_posix()
        if path.name.endswith(TEMP_SUFFIX):
            found.append(Problem("temp-file", relative, "temporary file left by an interrupted write", True))
        else:
            found.append(Problem("orphan", relative, "Markdown file without its JSON", True))
    return found


def _deleted_files(archive: Archive, report: Report) -> dict[str, Tombstone]:
    """The JSON files deleted articles had, with their tombstones (none when the record itself
    cannot be read, which is a problem of its own)."""
    try:
        stones = archive.tombstones.all()
    except StoreError as exc:
        report.problems.append(Problem("deleted", TOMBSTONES_NAME, str(exc), False))
        return {}
    return {path: stone for stone in stones for path in stone.files if path.endswith(".json")}


def _undeleted(archive: Archive, deleted: dict[str, Tombstone]) -> list[Problem]:
    """Files of deleted articles that are still there (a delete cut short). A file now at such
    a path that another article owns is that article's, not a leftover."""
    problems = []
    for path, stone in sorted(deleted.items()):
        owner = archive.owner(archive.root / path)
        if owner is not None and owner[0] == stone.id:
            message = f"article {stone.id} was deleted on {stone.day}, but its file is still here"
            problems.append(Problem("deleted", path, message, True))
    return problems


def _index_problems(archive: Archive, valid: set[str], deleted: dict[str, Tombstone]) -> list[Problem]:
    """Index rows without files (of a deleted article, or missing), and article files the index
    does not know."""
    try:
        archive.index.check()
        indexed = archive.index.indexed_paths()
    except StoreError as exc:
        return [Problem("damaged-index", INDEX_NAME, str(exc), True)]
    problems = [
        _unfiled(path, deleted.get(path)) for path in sorted(indexed - valid) if not (archive.root / path).exists()
    ]
    problems += [
        Problem("not-indexed", path, "article file not in the index", True) for path in sorted(valid - indexed)
    ]
    return problems


def _unfiled(path: str, stone: Tombstone | None) -> Problem:
    """An indexed article without its file: what is left of a delete, or a file lost."""
    if stone is not None:
        return Problem("deleted", path, f"article {stone.id} was deleted on {stone.day}, but is still indexed", True)
    return Problem("missing-file", path, "indexed, but the article file is missing", True)


def _repair(archive: Archive, report: Report) -> None:
    """Rewrite Markdown from JSON, remove leftovers, then rebuild the index from the files."""
    reindex = False
    for problem in report.problems:
        path = archive.root / problem.path
        if problem.kind in ("temp-file", "orphan"):
            path.unlink(missing_ok=True)
        elif problem.kind == "deleted" and problem.repairable:  # finish the delete
            path.unlink(missing_ok=True)
            path.with_suffix(".md").unlink(missing_ok=True)
            reindex = True
        elif problem.kind in ("missing-file", "stale-markdown") and problem.path.endswith(".md"):
            write_atomic(path, read_article_json(path.with_suffix(".json").read_bytes()).markdown)
        elif problem.kind in ("missing-file", "not-indexed", "damaged-index"):
            reindex = True
        else:
            continue
        report.repaired.append(problem)
    if reindex:
        archive.reindex()
