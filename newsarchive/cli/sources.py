"""The `sources` group: the feeds, sitemaps and sites `update` reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from newsarchive.cli.app import (
    Env,
    cli,
    json_option,
    locked,
    open_archive,
    pass_env,
    printable,
)
from newsarchive.errors import NotFoundError

if TYPE_CHECKING:
    from newsarchive.store.archive import Archive


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
    from newsarchive.runs.collect import add_source

    with locked(env.settings(), 0) as archive:
        name = add_source(archive, url, name, section)
    env.say(f"added source {name}: {url}")


@sources.command(name="list")
@click.option(
    "--failures", "failing", is_flag=True, help="List the article URLs that failed instead: given up, or still tried."
)
@json_option
@pass_env
def sources_list(env: Env, failing: bool, as_json: bool) -> None:
    """Each source with its last success, last error and consecutive failures; with --failures,
    the article URLs that failed, and whether they are given up."""
    archive = open_archive(env.settings())
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


def _list_failing(env: Env, archive: Archive, as_json: bool) -> None:
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

    with locked(env.settings(), 0) as archive:
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
    with locked(env.settings(), 0) as archive:
        archive.remove_source(name_or_url)
    env.say(f"removed source {name_or_url}")
