"""The scale-out commands of a PostgreSQL index: worker, queue, db and migrate."""

from __future__ import annotations

import json
import os
import re
from typing import TextIO

import click

from newsarchive.cli.app import (
    Env,
    Reporter,
    RunLog,
    cli,
    json_option,
    locked,
    log_file_option,
    open_archive,
    pass_env,
    politeness_options,
    printable,
    strip_option,
    wait_option,
)


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
@politeness_options
@strip_option
@log_file_option
@json_option
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
    log_file: RunLog | None,
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
    import socket

    from newsarchive.runs.worker import WorkerOptions, run_worker
    from newsarchive.store.archive import Archive

    settings = env.settings(strip=strip, rate=rate, max_failures=max_failures)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name or f"{socket.gethostname()}-{os.getpid()}")
    options = WorkerOptions(batch, lease, backoff, poll, until_empty, not ignore_robots)
    reporter = Reporter(env, as_json, None, log_file)
    with Archive.from_settings(settings, writer=name) as archive:
        env.say(f"worker {name}: archive {settings.archive}, index {archive.index.location}", level=1)
        summary = run_worker(archive, settings, name, options, on_result=reporter)
    reporter.finish(summary)


@cli.group(invoke_without_command=True)
@json_option
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

    env: Env = ctx.obj  # the root group's
    with open_archive(env.settings()) as archive:
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
    from newsarchive.inputs.urllists import read_url_list
    from newsarchive.runs.worker import queue_urls

    wanted = [*urls, *(read_url_list(from_file.read()) if from_file else [])]
    with open_archive(env.settings()) as archive:
        added = queue_urls(archive, wanted)
    env.say(f"queued {added} new of {len(wanted)}")


@queue.command(name="retry")
@click.argument("url", required=False)
@pass_env
def queue_retry(env: Env, url: str | None) -> None:
    """Put parked URLs (all, or this one) back in the queue with fresh attempts."""
    from newsarchive.runs.worker import WorkQueue

    with open_archive(env.settings()) as archive:
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
    with open_archive(env.settings()) as archive:
        index = archive.index
        applied = index.upgrade()
        for line in applied:
            env.say(f"applied migration {line}")
        if index.upgrades_on_open:
            env.say(f"{index.location}: schema up to date (SQLite indexes upgrade themselves)")
        else:
            env.say(f"{index.location}: schema up to date" + ("" if applied else " (nothing to do)"))


@cli.command()
@click.option("--from", "source_url", required=True, metavar="URL", help="The index to copy: sqlite:///PATH or ...")
@click.option("--to", "target_url", required=True, metavar="URL", help="The empty index to fill: postgresql://...")
@wait_option
@pass_env
def migrate(env: Env, source_url: str, target_url: str, wait: float) -> None:
    """Copy an archive's index to another backend without refetching or re-reading anything.

    The article files stay where they are; afterwards pass the new index with --index (or
    NEWSARCHIVE_INDEX). The target must be empty: one holding rows is refused, nothing copied.

    \b
    Example:
      newsarchive --archive ~/news migrate --from sqlite:///$HOME/news/index.sqlite \\
          --to postgresql://news@db.example/news
    """
    from newsarchive.store.index import open_index
    from newsarchive.store.index.base import copy_index

    settings = env.settings()
    with locked(settings, wait):
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
