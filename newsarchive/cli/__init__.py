"""The command line: options in, one library call, results and errors out.

Nothing here fetches, parses or writes on its own; heavy modules are imported inside the
commands that need them so that `newsarchive --help` stays fast.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import click

from newsarchive import __version__
from newsarchive.config import Settings, load_settings
from newsarchive.errors import ConfigError, ExitStatus, NewsarchiveError, NotFoundError, OutputError
from newsarchive.model import utc_now, utf8_safe

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
        options = {"archive": self.archive_option, "index": self.index_option, "traceback": self.traceback or None}
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


def _open_archive(settings: Settings, must_exist: bool = False):  # -> Archive
    from newsarchive.store.archive import Archive

    archive = Archive.from_settings(settings)
    return archive.require() if must_exist else archive


class _Reporter:
    """Prints one line per failed input (always), per stored input (-v), and a final summary."""

    def __init__(
        self, env: Env, as_json: bool, total: int | None, log: _RunLog | None = None, in_bytes: bool = False
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

    def __call__(self, result: Any, duration: float | None = None) -> None:
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
                self._above_bar(lambda: self.env.say(given_up_line(result.input, result.given_up_after), level=-1))
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

    def source(self, result: Any) -> None:
        """How reading one source went: an error line when it failed, a line with -v otherwise."""
        if self.log is not None:
            self.log.source(result)
        if result.status == "failed":
            self.failed_sources += 1
            self.env.error(f"source {result.name}: {result.reason}")
            return
        line = f"source {result.name}: {result.status}, {result.found} listed, {result.new} new"
        self.env.say(line + (f", {result.given_up} given up" if result.given_up else ""), level=1)

    def finish(self, summary: Any) -> None:
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


def _strip_option(function: Any) -> Any:
    return click.option(
        "--strip",
        "strip",
        multiple=True,
        metavar="REGEX",
        help="Also remove body lines that wholly match REGEX (case-insensitive; repeatable).",
    )(function)


def _keep_non_articles_option(function: Any) -> Any:
    return click.option(
        "--keep-non-articles",
        is_flag=True,
        default=None,
        help="Archive pages judged not to be an article (a section front, a list of links) all the same.  "
        "[env NEWSARCHIVE_KEEP_NON_ARTICLES]",
    )(function)


def _wait_option(function: Any) -> Any:
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


class _RunLog:
    """--log-file: JSON lines for a run's start and end (counts, exit code), for each source read
    and for each input, appended to FILE, whose folder is made when missing."""

    def __init__(self, path: Path, handle: TextIO) -> None:
        self.path = path
        self.handle = handle
        self.started = time.monotonic()
        self.totals: dict[str, Any] = {}  # what the reporter counted, for the end line

    @classmethod
    @contextmanager
    def opened(cls, path: Path | None, command: str) -> Iterator[_RunLog | None]:
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

    def input(self, result: Any, duration: float) -> None:
        row = {"input": printable(result.input), "outcome": result.status, "duration": round(duration, 3)}
        row |= {"id": result.id, "path": result.path, "reason": result.reason}
        if result.given_up_after:
            row["given_up_after"] = result.given_up_after
        self.write("input", **row)

    def source(self, result: Any) -> None:
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


def _log_file_option(function: Any) -> Any:
    @functools.wraps(function)
    def logged(*args: Any, log_file: Path | None, **kwargs: Any) -> Any:
        with _RunLog.opened(log_file, click.get_current_context().info_name or "") as log:
            return function(*args, log_file=log, **kwargs)

    return click.option(
        "--log-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Append JSON lines to FILE (its folder is made if missing): the run's start and end (counts, "
        "exit code), each source (unchanged, listed, new, error) and each input (outcome, duration, reason).",
    )(logged)


def _max_failures_option(function: Any) -> Any:
    return click.option(
        "--max-failures",
        type=click.IntRange(min=0),
        help="Runs that failed an article URL before it is given up (0: never).  "
        "[env NEWSARCHIVE_MAX_FAILURES; default: 3]",
    )(function)


def _politeness_options(function: Any) -> Any:
    """--rate and --ignore-robots, for the commands that fetch what sources list."""
    function = click.option(
        "--ignore-robots", is_flag=True, help="Fetch pages robots.txt disallows (it is honoured by default)."
    )(function)
    return click.option(
        "--rate", type=click.FloatRange(min=0), help="Requests per second to any one host.  [default: 1]"
    )(function)


def _json_option(function: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")(function)


@contextmanager
def _locked(settings: Settings, wait: float) -> Iterator[Any]:
    archive = _open_archive(settings)
    with archive.lock(wait), archive:
        yield archive


@cli.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from-file",
    type=click.File("r", encoding="utf-8"),
    help="Read URLs from FILE ('-' reads stdin): one per line ('#' starts a comment), a browser's "
    "bookmarks export, or a Pocket/Instapaper CSV.",
)
@click.option(
    "--feed", "listings", multiple=True, metavar="URL", help="Archive the articles an RSS, Atom or JSON feed lists."
)
@click.option(
    "--sitemap", "listings", multiple=True, metavar="URL", help="Archive the articles a (news) sitemap lists."
)
@click.option("--user-agent", help="User-Agent header to send.  [env NEWSARCHIVE_USER_AGENT]")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Seconds to wait for the server to answer.")
@_strip_option
@_keep_non_articles_option
@_wait_option
@_log_file_option
@_json_option
@pass_env
def fetch(
    env: Env,
    urls: tuple[str, ...],
    from_file: TextIO | None,
    listings: tuple[str, ...],
    user_agent: str | None,
    timeout: float | None,
    strip: tuple[str, ...],
    keep_non_articles: bool | None,
    wait: float,
    log_file: _RunLog | None,
    as_json: bool,
) -> None:
    """Download pages and archive the article in each.

    Redirects are followed (http and https only), failed requests are retried with backoff,
    and each page is capped in size and time.  The same article fetched twice is stored once.

    \b
    Examples:
      newsarchive fetch https://example.com/world/2025/07/23/talks.html
      newsarchive fetch --from-file reading-list.txt
      cat urls.txt | newsarchive fetch --from-file -
      newsarchive fetch --feed https://example.com/rss.xml

    With --feed or --sitemap the listed articles not archived yet are fetched, as `update`
    does for saved sources (robots.txt and the per-host rate respected).
    """
    from newsarchive.inputs.urllists import read_url_list
    from newsarchive.runs.failures import FailureCounter
    from newsarchive.runs.pipeline import fetch_urls
    from newsarchive.urls import url_meant

    for url in urls:
        if meant := url_meant(url):
            raise ConfigError(f"{url} is not a URL: did you mean {meant}?")
    all_urls = list(urls) + (read_url_list(from_file.read()) if from_file else [])
    if not all_urls and not listings:
        raise click.UsageError("give at least one URL, --from-file FILE, --feed URL or --sitemap URL")
    settings = env.settings(
        user_agent=user_agent, read_timeout=timeout, strip=strip, keep_non_articles=keep_non_articles
    )
    # What a listing names is known only once it is read: a bar then could not say how far along it is.
    reporter = _Reporter(env, as_json, None if listings else len(all_urls), log_file)
    with _locked(settings, wait) as archive:
        failures = FailureCounter(archive, settings.max_failures)  # one run, whichever way a URL came
        summary = fetch_urls(archive, all_urls, settings, on_result=reporter, failures=failures)
        if listings:
            one_off = [{"url": url, "name": url} for url in listings]
            options = {"jobs": settings.jobs, "obey_robots": True, "failures": failures}
            listed = _collect(archive, settings, one_off, reporter, **options)
            for status, count in listed.counts.items():
                summary.counts[status] += count
    reporter.finish(summary)


def _collect(archive: Any, settings: Settings, sources: list[dict], reporter: Any, **options: Any) -> Any:
    """Read the sources, then fetch and archive what they list that is not archived yet."""
    from newsarchive.runs.collect import Fetchers, collect, gather

    fetchers = Fetchers(settings)
    try:
        leads = gather(archive, fetchers.get(), sources, on_source=reporter.source)
        return collect(archive, leads, settings, on_result=reporter, fetchers=fetchers, **options)
    finally:
        fetchers.close()


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@click.option("--glob", "globs", multiple=True, metavar="PATTERN", help="Only files matching PATTERN (repeatable).")
@click.option(
    "--base-url",
    metavar="URL",
    help="URL the folder was saved from: a file's URL becomes URL + its path inside the folder "
    "(used only when the page names no URL itself).",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be imported (format, URL) and what is skipped.")
@click.option(
    "--follow-symlinks",
    is_flag=True,
    default=None,
    help="Follow links inside the folders even where they lead out of them (by default such links are "
    "reported, not followed; a file named is always read).  [env NEWSARCHIVE_FOLLOW_SYMLINKS]",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes that read and extract pages (one writer stores them).  [default: number of cores]",
)
@_strip_option
@_keep_non_articles_option
@_wait_option
@_log_file_option
@_json_option
@pass_env
def import_(
    env: Env,
    paths: tuple[Path, ...],
    globs: tuple[str, ...],
    base_url: str | None,
    dry_run: bool,
    follow_symlinks: bool | None,
    jobs: int | None,
    strip: tuple[str, ...],
    keep_non_articles: bool | None,
    wait: float,
    log_file: _RunLog | None,
    as_json: bool,
) -> None:
    """Import saved pages from files and folders (folders are read recursively).

    \b
    Reads, by content first and name second:
      HTML         .html .htm .xhtml .shtml, gzipped too (.html.gz); "Web Page,
                   complete" (its _files folder is skipped); SingleFile pages
      MHTML        .mhtml .mht ("Webpage, Single File" of Chrome, Edge, Opera)
      webarchive   .webarchive (Safari)
      text         .txt ("save as text", copy-paste)
      Markdown     .md .markdown (YAML front matter: title, url, date, tags...)
      zip          .zip of any of these (each member read in place)
      WARC         .warc .warc.gz (each HTML response a crawl recorded)
      JSONL        .jsonl .ndjson (newsarchive's own export, stored as it is)

    A page's URL comes from its canonical link, og:url, what the saved file records, or
    --base-url; failing those the file path is recorded as its source.  Bad files
    (including a PNG or PDF named .html) are reported and the rest of the batch goes on;
    the run then exits 1.  Files with other extensions (.css, .jpg...) are skipped.

    \b
    Examples:
      newsarchive import fixtures/
      newsarchive import ~/Downloads --glob '*.html'
      newsarchive import saved/ --base-url https://news.example.org/
      newsarchive import ~/Downloads --dry-run
    """
    from newsarchive.inputs.saved import progress_measure
    from newsarchive.runs.pipeline import import_paths

    settings = env.settings(strip=strip, keep_non_articles=keep_non_articles, follow_symlinks=follow_symlinks)
    total, in_bytes = None, False
    if env.stderr.isatty() and not as_json and env.verbosity >= 0:
        total, in_bytes = progress_measure(paths, globs, settings.follow_symlinks)
    reporter = _Reporter(env, as_json, total, log_file, in_bytes)
    options = {"globs": globs, "base_url": base_url, "on_result": reporter, "on_progress": reporter.progress}
    if dry_run:  # reads files only: no lock, no archive folder created
        summary = import_paths(_open_archive(settings), paths, settings, dry_run=True, **options)
    else:
        with _locked(settings, wait) as archive:
            jobs = jobs or os.cpu_count() or 1
            summary = import_paths(archive, paths, settings, jobs=jobs, on_notice=reporter.notice, **options)
    reporter.finish(summary)


def _normalized_tag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from newsarchive.model import normalize_tag

    return None if value is None else normalize_tag(value)


def _tag_option(function: Any) -> Any:
    return click.option(
        "--tag", callback=_normalized_tag, help="Only articles you gave this tag (see `newsarchive tag`)."
    )(function)


def _day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-07-23") from None


LIST_HEADERS = ("ID", "DATE", "SECTION", "SITE", "TITLE")
LIST_CSV_HEADERS = ("id", "published", "date_source", "section", "site", "title", "url")
LIST_MAX_WIDTHS = (None, None, 20, 24)  # section and site names are cut there at a terminal


@cli.command(name="list")
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only articles published on or before this day.")
@click.option("--section", help="Only this section (name or slug).")
@click.option("--site", help="Only this site (site name or host).")
@_tag_option
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@_json_option
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row on stdout.")
@pass_env
def list_(
    env: Env,
    since: str | None,
    until: str | None,
    section: str | None,
    site: str | None,
    tag: str | None,
    limit: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List archived articles, newest first: id, date, section, site and title.

    At a terminal the columns are aligned under a header row and cut to its width; piped, each
    article is one line of tab-separated fields.  A page that states no date is filed under the
    day it was saved or fetched and listed as "date unknown (saved YYYY-MM-DD)"; --json and
    --csv give its `date_source` (file or fetched) beside that day.

    \b
    Examples:
      newsarchive list
      newsarchive list --since 2025-07-01 --until 2025-07-31 --section world
      newsarchive list --site news.example.org --json
      newsarchive list --tag climate
      newsarchive list --csv > articles.csv
    """
    if as_json and as_csv:
        raise ConfigError("give --json or --csv, not both")
    settings = env.settings()
    with _open_archive(settings, must_exist=True) as archive:
        rows = archive.list(since=_day(since), until=_day(until), section=section, site=site, tag=tag, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2), file=env.stdout)
        return
    import shutil

    from newsarchive.model import site_of
    from newsarchive.outputs.terminal import table_lines, write_csv
    from newsarchive.render import shown_date

    for row in rows:
        row["site"] = row["site_name"] or site_of(row["canonical_url"] or row["url"]) or ""
        row["date"] = shown_date(row["published"], row["date_source"])
        row["link"] = row["canonical_url"] or row["url"]
    if as_csv:
        fields = ("id", "published", "date_source", "section", "site", "title", "link")
        write_csv(env.stdout, LIST_CSV_HEADERS, [[row[field] for field in fields] for row in rows])
        return
    cells = [[row[field] or "-" for field in ("id", "date", "section", "site", "title")] for row in rows]
    if env.stdout.isatty() and cells:
        width = shutil.get_terminal_size((100, 24)).columns
        lines = table_lines(LIST_HEADERS, [[printable(cell) for cell in row] for row in cells], width, LIST_MAX_WIDTHS)
    else:
        lines = ["\t".join(printable(cell) for cell in row) for row in cells]
    for line in lines:
        click.echo(line, file=env.stdout)
    env.say(f"{len(rows)} article(s) in {settings.archive}", level=1)


@cli.command()
@click.argument("key", metavar="ID|URL")
@click.option(
    "--open",
    "open_page",
    is_flag=True,
    help="Open the article's page of the static site in the browser (with no browser, print its file:// address).",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The static site for --open.  [default: the last one `newsarchive site` wrote]",
)
@click.option("--no-pager", is_flag=True, help="Print at the terminal even when the article is longer than the screen.")
@_json_option
@pass_env
def show(env: Env, key: str, open_page: bool, site_dir: Path | None, no_pager: bool, as_json: bool) -> None:
    """Print one article as Markdown (or --json), by id, id prefix or URL.

    At a terminal the Markdown is rendered (headings, quotes, emphasis) and an article longer
    than the screen is shown through a pager ($PAGER, or less); piped, it is printed as
    Markdown.  A page that states no date says "date unknown (saved YYYY-MM-DD)".

    \b
    Examples:
      newsarchive show 3f2a9c1d
      newsarchive show 3f2a9c1d --open
      newsarchive show https://example.com/world/2025/07/23/talks.html --json
    """
    from newsarchive.render import article_json, reading_markdown

    with _open_archive(env.settings(), must_exist=True) as archive:
        article = archive.load(key)
        if open_page:
            import webbrowser

            from newsarchive.outputs.site import article_page_path

            page = article_page_path(archive, article.id, site_dir)
            env.say(f"opening {page}", level=1)
            if not webbrowser.open(page.as_uri()):
                click.echo(page.as_uri(), file=env.stdout)  # no browser here: where to open it
            return
    if as_json:
        click.echo(article_json(article), file=env.stdout, nl=False)
    elif env.stdout.isatty():
        import shutil

        from newsarchive.outputs.terminal import markdown_text

        text = markdown_text(reading_markdown(article), env.stdout)
        if not no_pager and text.count("\n") >= shutil.get_terminal_size().lines:
            click.echo_via_pager(text)
        else:
            click.echo(text, file=env.stdout, nl=False, color=True)
    else:
        click.echo(reading_markdown(article), file=env.stdout, nl=False)


@cli.command()
@click.argument("key", metavar="ID|URL")
@click.argument("action", type=click.Choice(["add", "remove"]), required=False)
@click.argument("tags", nargs=-1, metavar="TAG...")
@_wait_option
@_json_option
@pass_env
def tag(env: Env, key: str, action: str | None, tags: tuple[str, ...], wait: float, as_json: bool) -> None:
    """Add or remove your own tags on an article (by id, id prefix or URL), or show them.

    Your tags are kept apart from the tags the page gave itself, in the article's JSON file
    (so `reindex` keeps them) and in exports.  A tag is lower-cased and its whitespace is
    trimmed, runs of it made one space: 'Climate  Change' is 'climate change'.  Commas and
    semicolons are not part of tags: give several tags as several arguments.

    \b
    Examples:
      newsarchive tag 3f2a9c1d add climate "energy policy"
      newsarchive tag 3f2a9c1d remove climate
      newsarchive tag 3f2a9c1d
      newsarchive list --tag climate
    """
    from newsarchive.model import normalize_tag

    if action and not tags:
        raise click.UsageError(f"give at least one TAG to {action}")
    wanted = sorted({normalize_tag(tag) for tag in tags})
    archive = _open_archive(env.settings(), must_exist=True)
    with archive.lock(wait) if action else nullcontext(), archive:
        article = archive.load(key)
        absent = [tag for tag in wanted if tag not in article.user_tags] if action == "remove" else []
        if action:
            article = archive.set_user_tags(article.id, **{action: wanted})
    for name in absent:
        env.error(f"article {article.id} has no tag {name!r}")
    if as_json:
        row = {"id": article.id, "title": article.title, "user_tags": article.user_tags}
        click.echo(json.dumps(row, ensure_ascii=False), file=env.stdout)
    else:
        click.echo(f"{article.id}  {', '.join(article.user_tags) or '(no tags)'}", file=env.stdout)
    if absent:
        click.get_current_context().exit(ExitStatus.FAILURES)


@cli.command()
@click.argument("keys", nargs=-1, required=True, metavar="ID|URL...")
@click.option("--yes", is_flag=True, help="Delete without asking (needed when stdin is not a terminal).")
@_wait_option
@_json_option
@pass_env
def delete(env: Env, keys: tuple[str, ...], yes: bool, wait: float, as_json: bool) -> None:
    """Delete articles (by id, id prefix or URL): the JSON and Markdown files of every version,
    and their rows in the index.

    A tombstone in ARCHIVE/deleted.jsonl keeps `update` and `fetch --feed/--sitemap` from
    fetching a deleted article again; `fetch URL` and `import` of it archive it again (and lift
    the tombstone).  Its raw pages stay in ARCHIVE/raw, whose WARC files are only ever appended
    to; `verify` knows they belong to a deleted article.  The static site drops the article on
    its next build.  At a terminal you are asked first; elsewhere --yes is needed.

    \b
    Examples:
      newsarchive delete 3f2a9c1d
      newsarchive delete https://example.com/story.html 5be81a07 --yes
    """
    from newsarchive.errors import ConfigError, NotFoundError

    if not yes and not (sys.stdin and sys.stdin.isatty()):
        raise ConfigError("delete asks before it removes anything, but stdin is not a terminal: pass --yes")
    archive = _open_archive(env.settings(), must_exist=True)
    with archive.lock(wait), archive:
        found: dict[str, tuple[str, dict]] = {}  # id -> (the key that named it, its row)
        failed = 0
        for key in keys:
            try:
                row = archive.find(key)
            except NotFoundError as exc:
                failed += 1
                stone = archive.deleted(key)
                reason = f"{exc} (it was deleted on {stone.day})" if stone else str(exc)
                _deleted_line(env, as_json, {"input": key, "status": "failed", "reason": reason})
                continue
            found.setdefault(row["id"], (key, row))
        if found and not yes and not _confirmed(env, [row for _, row in found.values()]):
            env.say("nothing deleted")
            click.get_current_context().exit(ExitStatus.FAILURES)
        for key, row in found.values():
            stone = archive.delete(row["id"])
            done = {"input": key, "status": "deleted", "id": stone.id, "title": stone.title}
            _deleted_line(env, as_json, done | {"files": list(stone.files), "deleted_at": stone.deleted_at})
    if as_json:
        click.echo(json.dumps({"summary": {"deleted": len(found), "failed": failed}}), file=env.stdout)
    if failed:
        click.get_current_context().exit(ExitStatus.FAILURES)


def _deleted_line(env: Env, as_json: bool, row: dict[str, Any]) -> None:
    """One input of `delete`: a JSON object on stdout with --json, and a line on stderr."""
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False), file=env.stdout)
    if row["status"] == "failed":
        env.error(row["reason"])
    else:
        env.say(f"deleted {row['id']}  {row['title']}")


def _confirmed(env: Env, rows: list[dict]) -> bool:
    for row in rows:
        click.echo(printable(f"  {row['id']}  {row['title']}"), file=env.stderr)
    return click.confirm(f"Delete {len(rows)} article(s), with the files of every version?", err=True)


class _QueryCommand(click.Command):
    """`search ukraine -trump`: an argument that starts with '-' belongs to the query unless it is
    one of the command's own options (so -hamas is a word, not -h)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = {name: param for param in self.get_params(ctx) for name in param.opts}
        taken, words = [], []
        remaining = iter(args)
        for arg in remaining:
            param = options.get(arg.split("=", 1)[0])
            if arg == "--":
                words += remaining
            elif param is None:
                words.append(arg)
            else:
                taken.append(arg)
                if "=" not in arg and isinstance(param, click.Option) and not param.is_flag:
                    value = next(remaining, None)
                    if value is None:
                        raise click.UsageError(f"Option '{arg}' requires an argument.", ctx)
                    taken.append(value)
        return super().parse_args(ctx, [*taken, "--", *words])


SEARCH_HEADERS = ("ID", "DATE", "TITLE", "SNIPPET")
SEARCH_MAX_WIDTHS = (None, None, 60)


def _print_hit_table(env: Env, hits: list[Any]) -> None:
    """At a terminal: a header row and aligned columns cut to its width, as `list` prints, with
    what matched in bold. Columns are laid out on the plain text and the bold goes in afterwards,
    from the title column on, so escape codes never count as width."""
    import shutil

    from newsarchive.outputs.terminal import table_lines
    from newsarchive.render import shown_date

    rows = [[printable(hit.id), shown_date(hit.published, None), printable(hit.title), printable(hit.snippet)]
            for hit in hits]  # fmt: skip
    lines = table_lines(SEARCH_HEADERS, rows, shutil.get_terminal_size((100, 24)).columns, SEARCH_MAX_WIDTHS)
    click.echo(lines[0], file=env.stdout)
    start = lines[0].index("TITLE")
    for line, hit in zip(lines[1:], hits, strict=True):
        matched = {hit.title[a:b] for a, b in hit.title_matches} | {hit.snippet[a:b] for a, b in hit.snippet_matches}
        click.echo(line[:start] + _bold(line[start:], matched), file=env.stdout, color=True)


def _bold(text: str, words: set[str]) -> str:
    shown = {printable(word) for word in words if word.strip()}
    if not shown:
        return text
    pattern = re.compile("|".join(re.escape(word) for word in sorted(shown, key=len, reverse=True)))
    return pattern.sub(lambda match: click.style(match.group(), bold=True), text)


SEARCH_CSV_HEADERS = ("id", "published", "section_slug", "site", "title", "snippet")


@cli.command(cls=_QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only articles published on or before this day.")
@click.option("--section", help="Only this section (name or slug).")
@click.option("--site", help="Only this site (site name or host).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@_tag_option
@_json_option
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row on stdout.")
@pass_env
def search(
    env: Env,
    query: tuple[str, ...],
    since: str | None,
    until: str | None,
    section: str | None,
    site: str | None,
    limit: int,
    tag: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Full-text search over titles and texts, best match first, one line per article.

    Every word must appear; a word matches the words it begins ("kuhl" finds "Kühltürme": case
    and accents never matter); in Chinese, Japanese, Korean and Thai it matches anywhere in the
    text. "Quoted words" are a phrase of whole words; OR between words means either; -word or
    NOT word excludes; parentheses group. OR binds tighter than the words around it.

    \b
    Examples:
      newsarchive search ceasefire
      newsarchive search ukraine -trump --since 2025-01-01
      newsarchive search '"prisoner exchange" OR ceasefire' --json
      newsarchive search 津波 --section world
      newsarchive search flood --csv > hits.csv
    """
    if as_json and as_csv:
        raise ConfigError("give --json or --csv, not both")
    filters = {"since": _day(since), "until": _day(until), "section": section, "site": site, "tag": tag}
    with _open_archive(env.settings(), must_exist=True) as archive:
        hits = archive.search(" ".join(query), limit=limit, **filters)
    if as_json:
        click.echo(json.dumps([asdict(hit) for hit in hits], ensure_ascii=False, indent=2), file=env.stdout)
        return
    if as_csv:
        from newsarchive.outputs.terminal import write_csv

        columns = [(hit.id, hit.published or "", hit.section_slug, hit.site_name or "", hit.title, hit.snippet)
                   for hit in hits]  # fmt: skip
        write_csv(env.stdout, SEARCH_CSV_HEADERS, columns)
        return
    if env.stdout.isatty() and hits:
        _print_hit_table(env, hits)
    from newsarchive.render import shown_date

    for hit in hits if not env.stdout.isatty() else ():
        day = shown_date(hit.published, None)
        click.echo(f"{hit.id}  {day}  {printable(hit.title)}  {printable(hit.snippet)}", file=env.stdout)
    if not hits:
        env.say("no matches", level=0)


@cli.command()
@click.option(
    "--top", type=click.IntRange(min=1), metavar="N", help="Only the N sections and N sites with the most articles."
)
@_json_option
@pass_env
def stats(env: Env, top: int | None, as_json: bool) -> None:
    """Count articles by month, day, section and site, drawn as bar charts.

    Months and days are those the pages state: articles whose page states no date are counted
    apart ("date unknown").  Sections and sites come most articles first.

    \b
    Examples:
      newsarchive stats
      newsarchive stats --top 10
      newsarchive stats --json | jq .by_month
    """
    import shutil

    from newsarchive.outputs.terminal import bar_chart

    with _open_archive(env.settings(), must_exist=True) as archive:
        counts = archive.stats(top)
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=2), file=env.stdout)
        return
    width = shutil.get_terminal_size((80, 24)).columns
    summary = f"articles: {counts['articles']} ({counts['versions']} versions)"
    if counts["date_unknown"]:
        summary += f"; date unknown: {counts['date_unknown']} (not counted by month or day)"
    click.echo(summary, file=env.stdout)
    ranked = f" (top {top})" if top else ""
    charts = (("by month", "by_month"), ("by day", "by_day"), (f"by section{ranked}", "by_section"),
              (f"by site{ranked}", "by_site"))  # fmt: skip
    for title, key in charts:
        click.echo(f"\n{title}:", file=env.stdout)
        for line in bar_chart(counts[key], width - 2):
            click.echo(f"  {printable(line)}", file=env.stdout)


@cli.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@_json_option
@pass_env
def site(env: Env, outdir: Path, since: str | None, as_json: bool) -> None:
    """Write the archive as a static website to OUTDIR, readable from file:// with no network.

    A home page with the latest articles, a chart of articles per day and search; pages per
    day, section and site; one page per article. Re-running rewrites only what changed.

    \b
    Examples:
      newsarchive site ~/news-site && xdg-open ~/news-site/index.html
      newsarchive site out/ --since 2025-07-01
    """
    from newsarchive.outputs.site import build_site

    with _open_archive(env.settings(), must_exist=True) as archive:
        report = build_site(archive, outdir, since=_day(since))
    if as_json:
        row = {"articles": report.articles, "written": len(report.written), "unchanged": report.unchanged}
        row |= {"removed": len(report.removed), "index": str((outdir / "index.html").absolute())}
        click.echo(json.dumps(row), file=env.stdout)
    for page in report.written:
        env.say(f"wrote {page}", level=1)
    env.say(
        f"site: {report.articles} article(s); {len(report.written)} page(s) written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed; open {(outdir / 'index.html').absolute()}"
    )


@cli.command()
@_wait_option
@pass_env
def reindex(env: Env, wait: float) -> None:
    """Rebuild the index from the article files alone (after a crash, or a damaged index)."""
    settings = env.settings()
    with _locked(settings, wait) as archive:
        found = archive.reindex(on_error=lambda path, reason: env.error(f"{path}: left out ({reason})"))
    env.say(f"reindexed {found} article version(s) in {settings.archive}")


@cli.command()
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD).")
@click.option("--section", metavar="SLUG", help="Only articles of this section.")
@_strip_option
@_wait_option
@_json_option
@pass_env
def reextract(
    env: Env, since: str | None, section: str | None, strip: tuple[str, ...], wait: float, as_json: bool
) -> None:
    """Extract and strip again, from the raw pages the archive kept, with this version's code
    and your current rules; no network is used.

    An article whose body changes is stored as a new version (the old files stay); the others
    are left alone.  Run it after an upgrade or after adding a --strip rule.

    \b
    Examples:
      newsarchive reextract
      newsarchive reextract --since 2025-07-01 --section world
      newsarchive reextract --strip '^Follow our live coverage.*'
    """
    from newsarchive.runs.pipeline import reextract as reextract_articles

    settings = env.settings(strip=strip)
    reporter = _Reporter(env, as_json, None)
    archive = _open_archive(settings, must_exist=True)
    with archive.lock(wait), archive:
        summary = reextract_articles(archive, settings, since=since, section=section, on_result=reporter)
    reporter.finish(summary)


@cli.command()
@click.option(
    "--format", "export_format", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl", show_default=True,
    help="jsonl: whole articles (import reads them back); csv: one row per article; warc: their raw pages.",
)  # fmt: skip
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE.")
@click.option("--section", metavar="SLUG", help="Only articles of this section.")
@click.option("--site", metavar="SITE", help="Only articles of this site (name or host).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default: stdout)."
)
@pass_env
def export(
    env: Env,
    export_format: str,
    since: str | None,
    until: str | None,
    section: str | None,
    site: str | None,
    output: Path | None,
) -> None:
    """Write the archive's articles out, newest first (the current version of each).

    \b
    Examples:
      newsarchive export -o everything.jsonl
      newsarchive export --format csv --since 2025-07-01 --section world > july-world.csv
      newsarchive export --format warc --site example.com -o example.warc.gz
      newsarchive --archive copy import everything.jsonl      # read an export back
    """
    from newsarchive.outputs.export import export as export_articles
    from newsarchive.outputs.export import export_file

    filters = {"since": since, "until": until, "section": section, "site": site}
    with _open_archive(env.settings(), must_exist=True) as archive:
        if output is None:
            count = export_articles(archive, sys.stdout.buffer, export_format, **filters)
            sys.stdout.buffer.flush()
        else:
            count = export_file(archive, output, export_format, **filters)
    env.say(f"exported {count} article(s)" + (f" to {output}" if output else ""))


@cli.command()
@click.option("--dry-run", is_flag=True, help="Read the sources and list the articles that would be fetched.")
@click.option("--jobs", type=click.IntRange(min=1), help="Pages fetched at once (threads).  [default: 4]")
@_politeness_options
@_max_failures_option
@_strip_option
@_wait_option
@_log_file_option
@_json_option
@pass_env
def update(
    env: Env,
    dry_run: bool,
    jobs: int | None,
    rate: float | None,
    ignore_robots: bool,
    max_failures: int | None,
    strip: tuple[str, ...],
    wait: float,
    log_file: _RunLog | None,
    as_json: bool,
) -> None:
    """Read every source and archive the articles they list that are not archived yet.

    With a PostgreSQL index (--index postgresql://...) the URLs are queued for `newsarchive
    worker` processes instead of fetched here.

    Made for cron: feeds and sitemaps are read with conditional requests (an unchanged feed
    costs one 304), URLs are normalized (tracking parameters, fragments) before the "already
    archived?" check, robots.txt and its Crawl-delay are honoured, each host gets at most
    --rate requests a second while --jobs pages are fetched at once.  With -q nothing is
    printed unless something failed.  A second run waits for the first (--wait) or exits 2.
    An article URL that failed on --max-failures runs is given up: said once, then left out
    until 'newsarchive sources retry' (see 'sources list --failures').

    \b
    Examples:
      newsarchive sources add https://example.com/rss.xml --section World
      newsarchive update
      newsarchive -q update --log-file ~/news/logs/update.log
    """
    settings = env.settings(strip=strip, jobs=jobs, rate=rate, max_failures=max_failures)
    if dry_run:
        from newsarchive.runs.collect import Fetchers, gather

        archive = _open_archive(settings)
        fetchers = Fetchers(settings)
        try:
            leads = gather(archive, fetchers.get(), archive.sources(), record=False) if archive.exists() else []
        finally:
            fetchers.close()
        for lead in leads:
            click.echo(f"{lead.url}  ({lead.source})", file=env.stdout)
        env.say(f"would fetch {len(leads)}")
        return
    reporter = _Reporter(env, as_json, None, log_file)
    with _locked(settings, wait) as archive:
        sources = archive.sources()
        if not sources:
            raise click.UsageError("no sources yet: add one with 'newsarchive sources add URL'")
        if _has_queue(archive):
            _enqueue(env, archive, settings, sources, reporter)
            return
        summary = _collect(archive, settings, sources, reporter, jobs=settings.jobs, obey_robots=not ignore_robots)
    reporter.finish(summary)


def _has_queue(archive: Any) -> bool:
    from newsarchive.store.index.postgres import PostgresIndex

    return isinstance(archive.index, PostgresIndex)


def _enqueue(env: Env, archive: Any, settings: Settings, sources: list[dict], reporter: _Reporter) -> None:
    """With a PostgreSQL index, `update` reads the sources and queues what they list for the
    workers (`newsarchive worker`) instead of fetching it here."""
    from newsarchive.runs.collect import Fetchers, gather
    from newsarchive.runs.worker import WorkQueue

    fetchers = Fetchers(settings)
    try:
        leads = gather(archive, fetchers.get(), sources, on_source=reporter.source)
    finally:
        fetchers.close()
    added = WorkQueue(archive.index).enqueue((lead.url, lead.source) for lead in leads)
    env.say(f"queued {added} new URL(s) of {len(leads)} listed and not archived, for the workers")
    if reporter.log is not None:
        reporter.log.totals = {"listed": len(leads), "queued": added, "sources_failed": reporter.failed_sources}
    if reporter.failed_sources:
        click.get_current_context().exit(ExitStatus.FAILURES)


@cli.group()
def sources() -> None:
    """The feeds, sitemaps and sites `update` reads (kept in the archive's index).

    \b
    Examples:
      newsarchive sources add https://example.com/rss.xml --name example --section World
      newsarchive sources add https://news.example.org/          # its feeds are found
      newsarchive sources list
      newsarchive sources list --failures                      # article URLs that failed, given up
      newsarchive sources retry https://example.com/story.html # fetch a given-up URL again
      newsarchive sources remove example
    """


@sources.command(name="add")
@click.argument("url")
@click.option("--name", help="A short name (default: the URL's host and path).")
@click.option("--section", help="Section for its articles when a page names none.")
@pass_env
def sources_add(env: Env, url: str, name: str | None, section: str | None) -> None:
    """Add an RSS/Atom/JSON feed, a (news) sitemap or a site's home page."""
    from urllib.parse import urlsplit

    from newsarchive.inputs.fetch import check_scheme

    check_scheme(url)
    parts = urlsplit(url)
    if not parts.netloc:
        raise click.BadParameter(f"not a URL: {url!r}", param_hint="URL")
    name = name or (parts.netloc + parts.path).rstrip("/")
    with _locked(env.settings(), 0) as archive:
        archive.add_source(url, name, section)
    env.say(f"added source {name}: {url}")


@sources.command(name="list")
@click.option(
    "--failures", "failing", is_flag=True, help="List the article URLs that failed instead: given up, or still tried."
)
@_json_option
@pass_env
def sources_list(env: Env, failing: bool, as_json: bool) -> None:
    """Each source with its last success, last error and consecutive failures; with --failures,
    the article URLs that failed, and whether they are given up."""
    archive = _open_archive(env.settings())
    if failing:
        _list_failing(env, archive, as_json)
        return
    rows = archive.sources()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2), file=env.stdout)
        return
    for row in rows:
        click.echo(f"{row['name']}  {row['url']}", file=env.stdout)
        state = f"  last success: {row['last_success'] or 'never'}"
        if row["consecutive_failures"]:
            state += (
                f"; failing {row['consecutive_failures']}x, last error at {row['last_error_at']}: {row['last_error']}"
            )
        click.echo(state, file=env.stdout)
    if not rows:
        env.say("no sources yet: add one with 'newsarchive sources add URL'")
    given_up = len(archive.given_up_urls())
    if given_up:
        env.say(f"{given_up} article URL(s) given up: 'newsarchive sources list --failures' lists them")


def _list_failing(env: Env, archive: Any, as_json: bool) -> None:
    rows = archive.index.failing_urls() if archive.exists() else []
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2), file=env.stdout)
        return
    for row in rows:
        count = row["failures"]
        state = f"given up after {count} failures" if row["given_up_at"] else f"failed on {count} run(s)"
        line = f"{state}: {row['url']}: {row['last_error']} (last at {row['last_failed_at']})"
        click.echo(printable(line), file=env.stdout)
    if not rows:
        env.say("no article URL has failed since it last worked")


@sources.command(name="retry")
@click.argument("url", required=False)
@pass_env
def sources_retry(env: Env, url: str | None) -> None:
    """Fetch given-up article URLs again (all, or this URL whatever its failures so far): the next
    update fetches them, or with a PostgreSQL index they are back in the work queue."""
    from newsarchive.runs.worker import retry

    with _locked(env.settings(), 0) as archive:
        cleared, requeued = retry(archive, url)
    if url and not cleared and not requeued:
        raise NotFoundError(f"{url}: no failures recorded for this URL")
    queued = f", {requeued} back in the work queue" if requeued else ""
    env.say(f"{cleared} article URL(s) will be fetched again{queued}")


@sources.command(name="remove")
@click.argument("name_or_url")
@pass_env
def sources_remove(env: Env, name_or_url: str) -> None:
    """Remove a source (its articles stay in the archive)."""
    with _locked(env.settings(), 0) as archive:
        archive.remove_source(name_or_url)
    env.say(f"removed source {name_or_url}")


@cli.command()
@click.option("--name", help="This worker's name in the queue and in its WARC files.  [default: HOST-PID]")
@click.option("--batch", type=click.IntRange(min=1), default=10, show_default=True, help="URLs claimed at once.")
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds a claim is held; a worker that dies loses its URLs to others after this.",
)
@click.option(
    "--max-failures",
    "--max-attempts",
    "max_failures",
    type=click.IntRange(min=0),
    help="Failed claims of a URL (each --backoff apart) before it is given up and parked (0: never).  "
    "[env NEWSARCHIVE_MAX_FAILURES; default: 3]",
)
@click.option(
    "--backoff", type=click.FloatRange(min=0), default=60.0, show_default=True, help="Seconds before a retry, doubling."
)
@click.option("--poll", type=click.FloatRange(min=0.1), default=5.0, show_default=True, help="Seconds between looks.")
@click.option("--until-empty", is_flag=True, help="Stop when nothing is pending or claimed (else run until stopped).")
@_politeness_options
@_strip_option
@_log_file_option
@_json_option
@pass_env
def worker(
    env: Env,
    name: str | None,
    batch: int,
    lease: float,
    max_failures: int | None,
    backoff: float,
    poll: float,
    until_empty: bool,
    rate: float | None,
    ignore_robots: bool,
    strip: tuple[str, ...],
    log_file: _RunLog | None,
    as_json: bool,
) -> None:
    """Fetch and archive URLs from the shared work queue (needs a PostgreSQL index).

    Run any number of workers, on any number of hosts, against one database and one archive
    folder: each claims a batch of URLs (SKIP LOCKED, so workers never wait for each other),
    archives them, and marks them done. A worker that dies loses its claims after --lease
    seconds; failures are retried after --backoff seconds (doubling), then parked.

    \b
    Examples:
      newsarchive --index postgresql://news@db/news --archive /srv/news worker
      newsarchive --index postgresql://news@db/news worker --until-empty --rate 2
    """
    import re
    import socket

    from newsarchive.runs.worker import WorkerOptions, run_worker
    from newsarchive.store.archive import Archive

    settings = env.settings(strip=strip, rate=rate, max_failures=max_failures)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name or f"{socket.gethostname()}-{os.getpid()}")
    options = WorkerOptions(batch, lease, backoff, poll, until_empty, not ignore_robots)
    reporter = _Reporter(env, as_json, None, log_file)
    with Archive.from_settings(settings, writer=name) as archive:
        env.say(f"worker {name}: archive {settings.archive}, index {archive.index.location}", level=1)
        summary = run_worker(archive, settings, name, options, on_result=reporter)
    reporter.finish(summary)


@cli.group(invoke_without_command=True)
@_json_option
@click.pass_context
def queue(ctx: click.Context, as_json: bool) -> None:
    """The shared work queue: counts by state and the parked URLs (needs a PostgreSQL index).

    \b
    Examples:
      newsarchive --index postgresql://news@db/news queue
      newsarchive --index postgresql://news@db/news queue add https://example.com/a.html
      newsarchive --index postgresql://news@db/news queue retry
    """
    if ctx.invoked_subcommand is not None:
        return
    from newsarchive.runs.worker import WorkQueue

    env = ctx.find_object(Env)
    with _open_archive(env.settings()) as archive:
        work = WorkQueue(archive.index)
        counts, parked = work.counts(), work.parked()
    if as_json:
        click.echo(json.dumps({"counts": counts, "parked": parked}, ensure_ascii=False, indent=2), file=env.stdout)
        return
    click.echo("  ".join(f"{state} {count}" for state, count in counts.items()), file=env.stdout)
    for row in parked:
        click.echo(f"parked after {row['attempts']}: {printable(row['url'])}: {printable(row['last_error'] or '')}")


@queue.command(name="add")
@click.argument("urls", nargs=-1)
@click.option("--from-file", type=click.File("r", encoding="utf-8"), help="More URLs, one per line (- for stdin).")
@pass_env
def queue_add(env: Env, urls: tuple[str, ...], from_file: TextIO | None) -> None:
    """Queue URLs for the workers (a URL queued before is not queued again)."""
    from newsarchive.inputs.fetch import check_scheme
    from newsarchive.runs.worker import WorkQueue

    wanted = [*urls, *(line.strip() for line in (from_file or []) if line.strip() and not line.startswith("#"))]
    for url in wanted:
        check_scheme(url)
    with _open_archive(env.settings()) as archive:
        added = WorkQueue(archive.index).enqueue((url, None) for url in wanted)
    env.say(f"queued {added} new of {len(wanted)}")


@queue.command(name="retry")
@click.argument("url", required=False)
@pass_env
def queue_retry(env: Env, url: str | None) -> None:
    """Put parked URLs (all, or this one) back in the queue with fresh attempts."""
    from newsarchive.runs.worker import WorkQueue

    with _open_archive(env.settings()) as archive:
        count = WorkQueue(archive.index).retry(url)
    env.say(f"re-queued {count} parked URL(s)")


@cli.group()
def db() -> None:
    """The index's schema: bring a PostgreSQL index up to date after an upgrade.

    \b
    Example:
      newsarchive --index postgresql://news@db.example/news db upgrade
    """


@db.command(name="upgrade")
@pass_env
def db_upgrade(env: Env) -> None:
    """Apply the schema migrations the index lacks (an empty database gets them on first use)."""
    from newsarchive.store.index.postgres import PostgresIndex

    with _open_archive(env.settings()) as archive:
        index = archive.index
        if isinstance(index, PostgresIndex):
            applied = index.upgrade()
            for line in applied:
                env.say(f"applied migration {line}")
            env.say(f"{index.location}: schema up to date" + ("" if applied else " (nothing to do)"))
        else:
            index.stats()  # SQLite brings its schema up to date whenever it opens
            env.say(f"{index.location}: schema up to date (SQLite indexes upgrade themselves)")


@cli.command()
@click.option("--from", "source_url", required=True, metavar="URL", help="The index to copy: sqlite:///PATH or ...")
@click.option("--to", "target_url", required=True, metavar="URL", help="The empty index to fill: postgresql://...")
@_wait_option
@pass_env
def migrate(env: Env, source_url: str, target_url: str, wait: float) -> None:
    """Copy an archive's index to another backend without refetching or re-reading anything.

    The article files stay where they are; afterwards pass the new index with --index (or
    NEWSARCHIVE_INDEX). The target must be empty.

    \b
    Example:
      newsarchive --archive ~/news migrate --from sqlite:///$HOME/news/index.sqlite \\
          --to postgresql://news@db.example/news
    """
    from newsarchive.store.index import open_index
    from newsarchive.store.index.base import copy_index

    settings = env.settings()
    with _locked(settings, wait):
        source = open_index(source_url, settings.archive, readonly=True)
        target = open_index(target_url, settings.archive)
        try:
            if not source.exists():
                raise click.UsageError(f"no index at {source_url}")
            copied = copy_index(source, target, on_table=lambda t, n: env.say(f"{t}: {n} row(s)", level=1))
        finally:
            source.close()
            target.close()
    env.say(f"copied {copied['articles']} article(s), {copied['versions']} version(s), "
            f"{copied['sources']} source(s) to {target.location}")  # fmt: skip


@cli.command()
@click.option("--repair", is_flag=True, help="Fix what the article files can fix, then rebuild the index.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@_wait_option
@pass_env
def verify(env: Env, repair: bool, as_json: bool, wait: float) -> None:
    """Check the whole archive: files against the index, each text against its checksum,
    each article's raw page (WARC record) against its reference, each JSON file against the
    schema, and leftovers of interrupted writes.

    Exits 1 when a problem is found (with --repair: when one is left that the files cannot fix).
    A damaged index.sqlite is reported; --repair (or 'newsarchive reindex') rebuilds it.

    \b
    Examples:
      newsarchive verify
      newsarchive verify --repair
    """
    from newsarchive.runs.verify import verify as verify_archive

    archive = _open_archive(env.settings(), must_exist=True)
    with archive.lock(wait), archive:
        report = verify_archive(archive, repair=repair)
    if as_json:
        rows = [{**asdict(problem), "repaired": problem in report.repaired} for problem in report.problems]
        click.echo(json.dumps({"articles": report.articles, "problems": rows}, indent=2), file=env.stdout)
    else:
        for problem in report.problems:
            state = "repaired" if problem in report.repaired else "problem"
            click.echo(f"{state}: {problem.path}: {problem.message}", file=env.stderr)
        left = len(report.unrepaired)
        env.say(f"checked {report.articles} article file(s): {len(report.problems)} problem(s), {left} left")
    if report.unrepaired if repair else report.problems:
        click.get_current_context().exit(ExitStatus.FAILURES)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL", help="URL to resolve the page's relative links against.")
@click.option("--explain", is_flag=True, help="List each removed line with the rule or learned line that removed it.")
@_strip_option
@pass_env
def clean(env: Env, file: Path, base_url: str | None, explain: bool, strip: tuple[str, ...]) -> None:
    """Show, as a diff, what the boilerplate stripper removes from a saved page.

    Lines starting with '-' are removed; the rule that removed each is listed after the diff.
    Lines the archive has learned that the page's site repeats in its articles are removed
    too ('learned'). Nothing is written.

    \b
    Examples:
      newsarchive clean saved/story.html --strip '^Follow our live coverage.*'
      newsarchive clean --explain saved/story.html
    """
    from newsarchive.extract.article import preview_strip
    from newsarchive.extract.clean import Stripper
    from newsarchive.inputs.saved import FileInput, read_file
    from newsarchive.store.archive import Archive

    settings = env.settings(strip=strip)
    raw = read_file(FileInput(file, file.parent), base_url)
    with Archive.from_settings(settings) as archive:
        preview = preview_strip(raw, Stripper.from_settings(settings, learned=archive))
    if explain:
        for line in preview.explanation():
            click.echo(line, file=env.stdout)
    else:
        click.echo(preview.diff(str(file)), file=env.stdout, nl=False)
        for removal in preview.removed:
            click.echo(f"[{removal.rule}] {removal.text}", file=env.stdout)
    if not preview.removed and preview.title_before == preview.title_after:
        env.say("no line stripped")


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):  # systemd stops a timer's job with SIGTERM
        signal.signal(signum, _interrupted)
    cli(prog_name="newsarchive")


def _interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(ExitStatus.INTERRUPTED)
