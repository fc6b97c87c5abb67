"""The command group and what its commands share: the Env, the options several commands take,
the reporter of a run's results and its log, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from newsarchive import __version__
from newsarchive.config import Settings, load_settings
from newsarchive.errors import ExitStatus, NewsarchiveError, OutputError
from newsarchive.model import utc_now, utf8_safe

if TYPE_CHECKING:
    from newsarchive.runs.collect import SourceResult
    from newsarchive.runs.results import ItemResult, RunSummary
    from newsarchive.store.archive import Archive

Command = TypeVar("Command", bound=Callable[..., Any])  # a command function an option decorates

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class Env:
    """What every command needs: settings, verbosity and where to write."""

    config_path: Path | None
    archive_option: Path | None
    verbosity: int
    traceback: bool
    index_option: str | None = None
    # Looked up per call, so a test runner that swaps sys.stdout is honoured.
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def settings(self, **overrides: Any) -> Settings:
        options: dict[str, Any] = {"archive": self.archive_option, "index": self.index_option}
        options["traceback"] = self.traceback or None
        return load_settings(self.config_path, **options, **overrides)

    def say(self, message: str, level: int = 0) -> None:
        """A message for people, on stderr; level 1 needs -v, level 0 is silenced by -q."""
        if self.verbosity >= level:
            click.echo(printable(message), file=self.stderr)

    def error(self, message: str) -> None:
        click.echo(f"error: {printable(message)}", file=self.stderr)


# Control characters as escapes, so a file name with a newline still makes one line of output.
CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), 127)} | {9: "\\t", 10: "\\n", 13: "\\r"}


def printable(text: str) -> str:
    """One printable line whatever a file name holds: control characters and bytes that are
    not UTF-8 (kept by Python as lone surrogates) are shown as escapes."""
    return utf8_safe(text).translate(CONTROL_ESCAPES)


class Interrupted(SystemExit):
    """Ctrl-C or SIGTERM: unwinds the run like any exit (the file being written is removed,
    the lock released), so the next run carries on from what was stored."""


class NewsarchiveGroup(click.Group):
    """The one place where what stopped a run becomes a message and an exit code (like httpie's
    core): our exceptions exit with the status their class carries, an interrupt with 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsarchiveError as exc:
            env = ctx.find_object(Env)
            if env is not None and env.traceback:
                raise
            click.echo(f"error: {printable(str(exc))}", file=sys.stderr)
            ctx.exit(exc.exit_status)
        except Interrupted:
            click.echo("interrupted: what was archived so far is kept; run again to continue", file=sys.stderr)
            ctx.exit(ExitStatus.INTERRUPTED)


@click.group(cls=NewsarchiveGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive folder.  [env NEWSARCHIVE_ARCHIVE; default ./archive]",
)
@click.option(
    "--index",
    "index_url",
    metavar="URL",
    help="Where the index lives: sqlite:///PATH or postgresql://USER@HOST/DB.  "
    "[env NEWSARCHIVE_INDEX; default ARCHIVE/index.sqlite]",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file.  [env NEWSARCHIVE_CONFIG; default $XDG_CONFIG_HOME/newsarchive/config.toml]",
)
@click.option("-v", "--verbose", count=True, help="Say more: each archived article, skipped files.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("--traceback", is_flag=True, help="Show the Python traceback on errors.")
@click.version_option(__version__, "--version", prog_name="newsarchive")
@click.pass_context
def cli(
    ctx: click.Context,
    archive: Path | None,
    index_url: str | None,
    config_path: Path | None,
    verbose: int,
    quiet: bool,
    traceback: bool,
) -> None:
    """Keep an offline, searchable archive of news articles, without the junk.

    Articles are stored as JSON and Markdown under ARCHIVE/YYYY/MM/DD/<section>/ with an
    SQLite index beside them.

    \b
    Examples:
      newsarchive fetch https://example.com/news/some-story.html
      newsarchive import ~/saved-pages/
      newsarchive list --since 2025-07-01 --section world
      newsarchive search "ceasefire talks"

    Exit codes: 0 all good, 1 some inputs failed, 2 usage or configuration error, 130 interrupted.
    """
    ctx.obj = Env(config_path, archive, -1 if quiet else verbose, traceback, index_option=index_url)


pass_env = click.make_pass_decorator(Env)


def open_archive(settings: Settings, must_exist: bool = False) -> Archive:
    from newsarchive.store.archive import Archive

    archive = Archive.from_settings(settings)
    return archive.require() if must_exist else archive


class Reporter:
    """Prints one line per failed input (always), per stored input (-v), and a final summary."""

    def __init__(
        self, env: Env, as_json: bool, total: int | None, log: RunLog | None = None, in_bytes: bool = False
    ) -> None:
        self.env = env
        self.as_json = as_json
        self.log = log
        self.last = time.monotonic()
        self.failed_sources = 0
        self.given_up = 0
        self.bar = None
        if total and not as_json and env.verbosity >= 0 and env.stderr.isatty():
            from newsarchive.outputs.terminal import ProgressBar

            self.bar = ProgressBar(env.stderr, total, "archiving", in_bytes)

    def __call__(self, result: ItemResult, duration: float | None = None) -> None:
        now = time.monotonic()
        if duration is None:
            duration = now - self.last  # sequential runs: the time since the previous result
        self.last = now
        if self.log is not None:
            self.log.input(result, duration)
        if self.bar is not None and not self.bar.in_bytes:
            self.bar.advance()
        if self.as_json:
            row = asdict(result) | {"input": printable(result.input)}
            click.echo(json.dumps(row, ensure_ascii=False), file=self.env.stdout)
        if result.status == "failed":
            self._above_bar(lambda: self.env.error(f"{result.input}: {result.reason}"))
            if result.given_up_after:
                self.given_up += 1
                line = given_up_line(result.input, result.given_up_after)
                self._above_bar(lambda: self.env.say(line, level=-1))
        elif result.status == "planned":
            if not self.as_json:
                line = f"{result.format:<11} {result.url or '-'}  {printable(result.input)}"
                click.echo(line, file=self.env.stdout)
        elif result.status == "skipped":
            self.notice(f"skipped: {result.input}: {result.reason}", level=1)
        else:
            note = f": {result.reason}" if result.reason else ""  # an article deleted before, say
            self.notice(f"{result.status}: {result.path}  ({result.input}){note}", level=1)

    def progress(self, done: int) -> None:
        """Bytes of the input read so far, for a bar in bytes."""
        if self.bar is not None and self.bar.in_bytes:
            self.bar.move_to(done)

    def notice(self, message: str, level: int = 0) -> None:
        """A message for people (see Env.say), printed above the progress bar."""
        if self.env.verbosity >= level:
            self._above_bar(lambda: self.env.say(message, level))

    def _above_bar(self, emit: Callable[[], None]) -> None:
        if self.bar is None:
            emit()
        else:
            self.bar.above(emit)

    def source(self, result: SourceResult) -> None:
        """How reading one source went: an error line when it failed, a line with -v otherwise."""
        if self.log is not None:
            self.log.source(result)
        if result.status == "failed":
            self.failed_sources += 1
            self.env.error(f"source {result.name}: {result.reason}")
            return
        line = f"source {result.name}: {result.status}, {result.found} listed, {result.new} new"
        self.env.say(line + (f", {result.given_up} given up" if result.given_up else ""), level=1)

    def finish(self, summary: RunSummary) -> None:
        if self.bar is not None:
            self.bar.close()
        counts = summary.counts
        if self.as_json:
            click.echo(json.dumps({"summary": counts}), file=self.env.stdout)
        if counts["planned"]:
            line = f"would import {counts['planned']}, failed {counts['failed']}, skipped {counts['skipped']}"
        else:
            line = (
                f"archived {counts['archived']}, updated {counts['updated']}, "
                f"duplicates {counts['duplicate']}, failed {counts['failed']}, skipped {counts['skipped']}"
            )
        if self.failed_sources:
            line += f", sources failed {self.failed_sources}"
        if self.given_up:
            line += f", given up {self.given_up}"
        if self.log is not None:
            self.log.totals = {"counts": counts, "sources_failed": self.failed_sources, "given_up": self.given_up}
        failed = summary.failed or self.failed_sources
        # Quiet (for cron): nothing when all went well, the summary under the errors when not.
        self.env.say(line, level=-1 if failed else 0)
        click.get_current_context().exit(ExitStatus.FAILURES if failed else ExitStatus.OK)


def strip_option(function: Command) -> Command:
    return click.option(
        "--strip",
        "strip",
        multiple=True,
        metavar="REGEX",
        help="Also remove body lines that wholly match REGEX (case-insensitive; repeatable).",
    )(function)


def keep_non_articles_option(function: Command) -> Command:
    return click.option(
        "--keep-non-articles",
        is_flag=True,
        default=None,
        help="Archive pages judged not to be an article (a section front, a list of links) all the same.  "
        "[env NEWSARCHIVE_KEEP_NON_ARTICLES]",
    )(function)


def wait_option(function: Command) -> Command:
    return click.option(
        "--wait",
        type=click.FloatRange(min=0),
        default=0,
        show_default=True,
        metavar="SECONDS",
        help="If another run holds the archive, wait this long for it before giving up.",
    )(function)


def given_up_line(url: str, failures: int) -> str:
    return f"giving up on {url} after {failures} failures ('newsarchive sources retry URL' tries it again)"


class RunLog:
    """--log-file: JSON lines for a run's start and end (counts, exit code), for each source read
    and for each input, appended to FILE, whose folder is made when missing."""

    def __init__(self, path: Path, handle: TextIO) -> None:
        self.path = path
        self.handle = handle
        self.started = time.monotonic()
        self.totals: dict[str, Any] = {}  # what the reporter counted, for the end line

    @classmethod
    @contextmanager
    def opened(cls, path: Path | None, command: str) -> Iterator[RunLog | None]:
        """The log of one run: its end line is written whatever ends the run, with its exit code."""
        if path is None:
            yield None
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed below, after the end line
        except FileExistsError:
            raise OutputError(f"cannot write the log file {path}: {path.parent} is a file, not a folder") from None
        except OSError as exc:
            raise OutputError(f"cannot write the log file {path}: {exc.strerror or exc}") from None
        with handle:
            log = cls(path, handle)
            log.write("start", command=command, pid=os.getpid(), version=__version__)
            exit_code = 0
            try:
                yield log
            except BaseException as exc:
                exit_code = _exit_code(exc)
                raise
            finally:
                duration = round(time.monotonic() - log.started, 3)
                log.write("end", command=command, **log.totals, exit_code=exit_code, duration=duration)

    def write(self, event: str, **fields: Any) -> None:
        try:
            self.handle.write(json.dumps({"time": utc_now(), "event": event, **fields}, ensure_ascii=False) + "\n")
            self.handle.flush()
        except OSError as exc:
            raise OutputError(f"cannot write the log file {self.path}: {exc.strerror or exc}") from None

    def input(self, result: ItemResult, duration: float) -> None:
        row = {"input": printable(result.input), "outcome": result.status, "duration": round(duration, 3)}
        row |= {"id": result.id, "path": result.path, "reason": result.reason}
        if result.given_up_after:
            row["given_up_after"] = result.given_up_after
        self.write("input", **row)

    def source(self, result: SourceResult) -> None:
        row = {"source": result.name, "url": result.url, "outcome": result.status, "listed": result.found}
        self.write("source", **row, new=result.new, given_up=result.given_up, reason=result.reason)


def _exit_code(exc: BaseException) -> int:
    """The exit code a run that ended with `exc` exits with (see NewsarchiveGroup)."""
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, SystemExit):  # an interrupt
        return exc.code if isinstance(exc.code, int) else ExitStatus.FAILURES
    if isinstance(exc, NewsarchiveError):
        return exc.exit_status
    if isinstance(exc, click.ClickException):
        return exc.exit_code
    return ExitStatus.FAILURES


def log_file_option(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def logged(*args: Any, log_file: Path | None, **kwargs: Any) -> Any:
        with RunLog.opened(log_file, click.get_current_context().info_name or "") as log:
            return function(*args, log_file=log, **kwargs)

    return click.option(
        "--log-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Append JSON lines to FILE (its folder is made if missing): the run's start and end (counts, "
        "exit code), each source (unchanged, listed, new, error) and each input (outcome, duration, reason).",
    )(logged)


def max_failures_option(function: Command) -> Command:
    return click.option(
        "--max-failures",
        type=click.IntRange(min=0),
        help="Runs that failed an article URL before it is given up (0: never).  "
        "[env NEWSARCHIVE_MAX_FAILURES; default: 3]",
    )(function)


def politeness_options(function: Command) -> Command:
    """--rate and --ignore-robots, for the commands that fetch what sources list."""
    function = click.option(
        "--ignore-robots", is_flag=True, help="Fetch pages robots.txt disallows (it is honoured by default)."
    )(function)
    return click.option(
        "--rate", type=click.FloatRange(min=0), help="Requests per second to any one host.  [default: 1]"
    )(function)


def json_option(function: Command) -> Command:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")(function)


@contextmanager
def locked(settings: Settings, wait: float) -> Iterator[Archive]:
    archive = open_archive(settings)
    with archive.lock(wait), archive:
        yield archive


def _normalized_tag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from newsarchive.model import normalize_tag

    return None if value is None else normalize_tag(value)


def tag_option(function: Command) -> Command:
    return click.option(
        "--tag", callback=_normalized_tag, help="Only articles you gave this tag (see `newsarchive tag`)."
    )(function)


def checked_day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-07-23") from None


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):  # systemd stops a timer's job with SIGTERM
        signal.signal(signum, _interrupted)
    cli(prog_name="newsarchive")


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(ExitStatus.INTERRUPTED)
