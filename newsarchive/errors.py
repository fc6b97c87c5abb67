"""Our own exceptions and exit codes.

The library raises these; only the CLI turns them into messages and exit codes, so a caller
using newsarchive as a library always learns *why* something failed.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """The exit codes of the command line, the same for every command."""

    OK = 0
    FAILURES = 1  # some inputs failed (the rest of the batch went on), or the run could not finish
    USAGE = 2  # a usage or configuration error: nothing was done, fix the command or the config
    INTERRUPTED = 130  # Ctrl-C or SIGTERM, as shells report a job ended by SIGINT


class NewsarchiveError(Exception):
    """Base class: something newsarchive could not do; `exit_status` is what the CLI exits with."""

    exit_status = ExitStatus.FAILURES


class ConfigError(NewsarchiveError):
    """The configuration file, an environment variable or an option is invalid."""

    exit_status = ExitStatus.USAGE


class ArchiveLockedError(NewsarchiveError):
    """Another newsarchive process holds the archive lock."""

    exit_status = ExitStatus.USAGE


class InputError(NewsarchiveError):
    """One input (a URL or a file) could not be turned into an article."""


class FetchError(InputError):
    """A page could not be downloaded; `status` is the HTTP status when the server gave one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UnsupportedURLError(FetchError):
    """The URL (or a redirect target) is not http or https."""


class TooLargeError(FetchError):
    """The page is larger than the configured maximum."""


class CompressionError(InputError):
    """Compressed bytes that cannot be decompressed: damaged, or cut short."""


class DisallowedError(NewsarchiveError):
    """robots.txt keeps us out of this URL: it is skipped (not failed, so never retried)."""


class DeletedError(NewsarchiveError):
    """The reader deleted this article: skipped (not failed) by whatever collects on its own."""


class SourceError(InputError):
    """A saved file could not be read."""


class UnsupportedFormatError(SourceError):
    """A file's content is no format newsarchive reads (an image named .html, say)."""


class ExtractionError(InputError):
    """The page holds no article we can extract."""


class ListingError(InputError):
    """A feed, sitemap or home page could not be read as a list of articles."""


class OutputError(NewsarchiveError):
    """A file named for output (export -o) cannot be written: its folder is missing, say."""

    exit_status = ExitStatus.USAGE


class TagError(NewsarchiveError, ValueError):
    """A user tag that is not one (empty, too long, a comma inside); as a ValueError it is
    also what a file holding such a tag raises when read."""

    exit_status = ExitStatus.USAGE


class StoreError(NewsarchiveError):
    """The archive could not be written or read."""


class WorkerDiedError(NewsarchiveError):
    """A worker process of a run ended under it (SIGKILL, the out-of-memory killer, a crash):
    the run stops; what it stored is kept, and running it again finishes the rest."""


class ArticleDataError(NewsarchiveError):
    """JSON that is not a newsarchive article: not JSON, a field missing or of the wrong type,
    a schema_version this newsarchive does not know. Readers add where it came from."""


class NotFoundError(NewsarchiveError):
    """No article matches the given id or URL."""


class QueryError(NewsarchiveError):
    """A search query that cannot be read: an unclosed quote or parenthesis, an operator alone."""

    exit_status = ExitStatus.USAGE


def exception_reason(exc: Exception) -> str:
    """An exception's first line, or its type when it says nothing."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
