"""Commands that bring articles in: fetch, import, update and reextract."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from newsarchive.cli.app import (
    Env,
    Reporter,
    RunLog,
    cli,
    json_option,
    keep_non_articles_option,
    locked,
    log_file_option,
    max_failures_option,
    open_archive,
    pass_env,
    politeness_options,
    strip_option,
    wait_option,
)
from newsarchive.errors import ConfigError, ExitStatus

if TYPE_CHECKING:
    from newsarchive.runs.update import Queued


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
@strip_option
@keep_non_articles_option
@wait_option
@log_file_option
@json_option
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
    log_file: RunLog | None,
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
    from newsarchive.runs.collect import fetch_urls_and_listings
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
    reporter = Reporter(env, as_json, None if listings else len(all_urls), log_file)
    with locked(settings, wait) as archive:
        summary = fetch_urls_and_listings(
            archive, all_urls, list(listings), settings, on_source=reporter.source, on_result=reporter
        )
    reporter.finish(summary)


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
@strip_option
@keep_non_articles_option
@wait_option
@log_file_option
@json_option
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
    log_file: RunLog | None,
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
    reporter = Reporter(env, as_json, total, log_file, in_bytes)
    options: dict[str, Any] = {"globs": globs, "base_url": base_url, "on_result": reporter}
    options["on_progress"] = reporter.progress
    if dry_run:  # reads files only: no lock, no archive folder created
        summary = import_paths(open_archive(settings), paths, settings, dry_run=True, **options)
    else:
        with locked(settings, wait) as archive:
            jobs = jobs or os.cpu_count() or 1
            summary = import_paths(archive, paths, settings, jobs=jobs, on_notice=reporter.notice, **options)
    reporter.finish(summary)


@cli.command()
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD).")
@click.option("--section", metavar="SLUG", help="Only articles of this section.")
@strip_option
@wait_option
@json_option
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
    reporter = Reporter(env, as_json, None)
    archive = open_archive(settings, must_exist=True)
    with archive.lock(wait), archive:
        summary = reextract_articles(archive, settings, since=since, section=section, on_result=reporter)
    reporter.finish(summary)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Read the sources and list the articles that would be fetched.")
@click.option("--jobs", type=click.IntRange(min=1), help="Pages fetched at once (threads).  [default: 4]")
@click.option(
    "--revisit", metavar="STEPS", callback=lambda ctx, param, value: _revisit_steps(value),
    help="When to recheck articles for edits, from their first archiving: "
    "durations such as 1h,6h,1d, or off.  [env NEWSARCHIVE_REVISIT; default: 1h,6h,1d,3d,7d]",
)  # fmt: skip
@politeness_options
@max_failures_option
@strip_option
@wait_option
@log_file_option
@json_option
@pass_env
def update(
    env: Env,
    dry_run: bool,
    jobs: int | None,
    revisit: tuple[str, ...] | None,
    rate: float | None,
    ignore_robots: bool,
    max_failures: int | None,
    strip: tuple[str, ...],
    wait: float,
    log_file: RunLog | None,
    as_json: bool,
) -> None:
    """Read every source and archive the articles they list that are not archived yet.

    With a PostgreSQL index (--index postgresql://...) the URLs are queued for `newsarchive
    worker` processes instead of fetched here.

    Made for cron: feeds and sitemaps are read with conditional requests (an unchanged feed
    costs one 304), URLs are normalized (tracking parameters, fragments) before the "already
    archived?" check, robots.txt and its Crawl-delay are honoured (a host asking for more
    than 60 s is skipped), each host gets at most --rate requests a second while --jobs pages
    are fetched at once.  With -q nothing is printed unless something failed.  A second run
    waits for the first (--wait) or exits 2.
    An article URL that failed on --max-failures runs is given up: said once, then left out
    until 'newsarchive sources retry' (see 'sources list --failures').

    \b
    Examples:
      newsarchive sources add https://example.com/rss.xml --section World
      newsarchive update
      newsarchive -q update --log-file ~/news/logs/update.log
    """
    from newsarchive.runs.recheck import due as revisits_due
    from newsarchive.runs.recheck import summary_line
    from newsarchive.runs.update import Queued, leads_to_fetch
    from newsarchive.runs.update import update as update_sources

    settings = env.settings(strip=strip, jobs=jobs, rate=rate, max_failures=max_failures, revisit=revisit)
    if dry_run:
        leads = leads_to_fetch(open_archive(settings), settings)
        due = revisits_due(open_archive(settings), settings)
        for lead in leads:
            click.echo(f"{lead.url}  ({lead.source})", file=env.stdout)
        for row in due:
            click.echo(f"{row['url']}  (recheck)", file=env.stdout)
        env.say(f"would fetch {len(leads)}, recheck {len(due)}")
        return
    reporter = Reporter(env, as_json, None, log_file)
    with locked(settings, wait) as archive:
        sources = archive.sources()
        if not sources:
            raise click.UsageError("no sources yet: add one with 'newsarchive sources add URL'")
        outcome = update_sources(
            archive, sources, settings, obey_robots=not ignore_robots, on_source=reporter.source, on_result=reporter,
            on_rechecked=lambda rechecked: reporter.notice(summary_line(rechecked), -1 if rechecked.failed else 0),
        )  # fmt: skip
    if isinstance(outcome, Queued):
        _queued(env, outcome, reporter)
    else:
        reporter.finish(outcome)


def _revisit_steps(value: str | None) -> tuple[str, ...] | None:
    """--revisit checked as it is read, so a bad step names the option."""
    from newsarchive.config import revisit_schedule

    return None if value is None else revisit_schedule(value, "--revisit")


def _queued(env: Env, queued: Queued, reporter: Reporter) -> None:
    """With a PostgreSQL index, `update` queued what its sources list for the workers
    (`newsarchive worker`) instead of fetching it here."""
    env.say(f"queued {queued.added} new URL(s) of {queued.listed} listed and not archived, for the workers")
    if queued.rechecks_due:
        env.say(f"queued {queued.rechecks_added} recheck(s) of {queued.rechecks_due} due, for the workers")
    if reporter.log is not None:
        totals = {"listed": queued.listed, "queued": queued.added, "sources_failed": reporter.failed_sources}
        reporter.log.totals = totals
    if reporter.failed_sources:
        click.get_current_context().exit(ExitStatus.FAILURES)
