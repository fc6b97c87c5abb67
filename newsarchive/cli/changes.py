"""Following edits: `recheck` fetches archived articles again, `history`, `diff` and `changes`
show what changed between their versions."""

from __future__ import annotations

import json
import shutil
from typing import Any

import click

from newsarchive.cli.app import (
    Env,
    checked_day,
    cli,
    json_option,
    open_archive,
    pass_env,
    politeness_options,
    printable,
    wait_option,
)
from newsarchive.errors import ExitStatus

HISTORY_HEADERS = ("VERSION", "SEEN", "WORDS", "TITLE", "CHANGES")
HISTORY_MAX_WIDTHS = (None, None, None, 50)
CHANGES_HEADERS = ("SEEN", "ID", "VERSION", "TITLE", "CHANGES")
CHANGES_MAX_WIDTHS = (None, None, None, 50)


class RecheckReport:
    """One line per failed article (always), per rechecked one (-v), a JSON object each with
    --json, and the summary: 'rechecked 12, changed 2, unchanged 10, failed 0'."""

    def __init__(self, env: Env, as_json: bool, archive: Any) -> None:
        self.env = env
        self.as_json = as_json
        self.archive = archive  # to say which version a changed article is at
        from newsarchive.runs.recheck import OUTCOMES

        self.outcomes = OUTCOMES  # what each result's status means for a recheck

    def __call__(self, result: Any, seconds: float | None = None) -> None:
        status = self.outcomes.get(result.status, result.status)
        if self.as_json:
            version = self.archive.index.latest_version(result.id) if status == "changed" else None
            row = {"input": printable(result.input), "status": status, "id": result.id, "version": version}
            row |= {"path": result.path, "title": result.title, "reason": result.reason}
            click.echo(json.dumps(row, ensure_ascii=False), file=self.env.stdout)
        if status == "failed":
            self.env.error(f"{result.input}: {result.reason}")
        elif status == "changed":
            self.env.say(f"changed: {result.input}: a new version, {result.path}", level=1)
        else:
            note = f" ({result.reason})" if result.reason else ""
            self.env.say(f"{status}: {result.input}{note}", level=1)

    def finish(self, summary: Any) -> None:
        from newsarchive.runs.recheck import recheck_counts, summary_line

        if self.as_json:
            click.echo(json.dumps({"summary": recheck_counts(summary)}), file=self.env.stdout)
        self.env.say(summary_line(summary), level=-1 if summary.failed else 0)
        click.get_current_context().exit(ExitStatus.FAILURES if summary.failed else ExitStatus.OK)


@cli.command()
@click.argument("keys", nargs=-1, metavar="[ID|URL...]")
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@politeness_options
@wait_option
@json_option
@pass_env
def recheck(
    env: Env,
    keys: tuple[str, ...],
    since: str | None,
    rate: float | None,
    ignore_robots: bool,
    wait: float,
    as_json: bool,
) -> None:
    """Fetch archived articles again now (those named, those published since a day, or all) and
    keep each changed body as a new version; the old version's files stay.

    Each page is asked for with a conditional request (the ETag and Last-Modified it was last
    served with): a 304, or the same body, writes nothing.  robots.txt and --rate are honoured
    as by `update`, which also rechecks articles by itself on the `revisit` schedule.

    \b
    Examples:
      newsarchive recheck
      newsarchive recheck --since 2025-07-01
      newsarchive recheck 3f9a2c https://example.com/world/2025/07/23/talks.html
    """
    from newsarchive.runs.recheck import recheck as recheck_articles

    settings = env.settings(rate=rate)
    archive = open_archive(settings, must_exist=True)
    report = RecheckReport(env, as_json, archive)
    with archive.lock(wait), archive:
        summary = recheck_articles(
            archive, settings, keys, since=checked_day(since), obey_robots=not ignore_robots, on_result=report
        )
    report.finish(summary)


def _table(env: Env, headers: tuple[str, ...], rows: list[list[str]], max_widths: tuple) -> None:
    """Aligned columns under a header row at a terminal; piped, tab-separated lines."""
    from newsarchive.outputs.terminal import table_lines

    cells = [[printable(cell) for cell in row] for row in rows]
    if env.stdout.isatty() and cells:
        lines = table_lines(headers, cells, shutil.get_terminal_size((100, 24)).columns, max_widths)
    else:
        lines = ["\t".join(row) for row in cells]
    for line in lines:
        click.echo(line, file=env.stdout)


@cli.command()
@click.argument("key", metavar="ID|URL")
@json_option
@pass_env
def history(env: Env, key: str, as_json: bool) -> None:
    """One row per version of an article: when it was seen, its title, its words and what
    changed from the version before.

    \b
    Example:
      newsarchive history https://example.com/world/2025/07/23/talks.html
    """
    from newsarchive.store.versions import versions

    with open_archive(env.settings(), must_exist=True) as archive:
        found = versions(archive, key)
    rows = [
        {
            "version": version.article.version,
            "seen": version.archived_at,
            "title": version.article.title,
            "word_count": version.article.word_count,
            "summary": version.summary,
            "reextracted": version.reextracted,
            "json_path": version.json_path,
        }
        for version in found
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2), file=env.stdout)
        return
    cells = [
        [str(v.article.version), v.archived_at, str(v.article.word_count), v.article.title, v.summary] for v in found
    ]
    _table(env, HISTORY_HEADERS, cells, HISTORY_MAX_WIDTHS)


@cli.command()
@click.argument("key", metavar="ID|URL")
@click.option(
    "--from", "old", type=click.IntRange(min=1), metavar="N", help="The older version.  [default: the one before --to]"
)
@click.option("--to", "new", type=click.IntRange(min=1), metavar="M", help="The newer version.  [default: the latest]")
@json_option
@pass_env
def diff(env: Env, key: str, old: int | None, new: int | None, as_json: bool) -> None:
    """What changed between two versions of an article (by default the last two): the title,
    the metadata, and each paragraph added (+), removed (-) or changed (~), word by word.

    At a terminal removed words are red and added ones green; piped, they are marked
    [-removed-] and {+added+}.

    \b
    Examples:
      newsarchive diff https://example.com/world/2025/07/23/talks.html
      newsarchive diff 3f9a2c --from 1 --to 3 --json
    """
    from newsarchive.outputs.terminal import diff_lines
    from newsarchive.store.versions import version_pair

    with open_archive(env.settings(), must_exist=True) as archive:
        difference = version_pair(archive, key, old, new)
    if as_json:
        click.echo(json.dumps(difference.to_dict(), ensure_ascii=False, indent=2), file=env.stdout)
        return
    for line in diff_lines(difference, colour=env.stdout.isatty()):
        click.echo(line, file=env.stdout)


@cli.command()
@click.option("--since", metavar="YYYY-MM-DD", help="Only edits seen on or after this day.")
@json_option
@pass_env
def changes(env: Env, since: str | None, as_json: bool) -> None:
    """The edits seen in archived articles, newest first: when, which article and version, and
    what changed (re-extractions by a newer newsarchive are not edits and are left out).

    \b
    Examples:
      newsarchive changes --since 2025-07-01
      newsarchive changes --json
    """
    from newsarchive.store.versions import edits

    with open_archive(env.settings(), must_exist=True) as archive:
        found = edits(archive, since=checked_day(since))
    rows = [
        {
            "id": edit.id,
            "version": edit.version.article.version,
            "seen": edit.version.archived_at,
            "title": edit.version.article.title,
            "url": edit.version.article.canonical_url or edit.version.article.url,
            "summary": edit.version.summary,
        }
        for edit in found
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2), file=env.stdout)
        return
    cells = [
        [e.version.archived_at, e.id, str(e.version.article.version), e.version.article.title, e.version.summary]
        for e in found
    ]
    _table(env, CHANGES_HEADERS, cells, CHANGES_MAX_WIDTHS)
