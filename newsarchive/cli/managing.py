"""Commands that look after what is archived: tag, delete, reindex, verify and clean."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from newsarchive.cli.app import (
    Env,
    cli,
    json_option,
    locked,
    open_archive,
    pass_env,
    printable,
    strip_option,
    wait_option,
)
from newsarchive.errors import ConfigError, ExitStatus, NotFoundError


@cli.command()
@click.argument("key", metavar="ID|URL")
@click.argument("action", type=click.Choice(["add", "remove"]), required=False)
@click.argument("tags", nargs=-1, metavar="TAG...")
@wait_option
@json_option
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
    archive = open_archive(env.settings(), must_exist=True)
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
@wait_option
@json_option
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

    if not yes and not (sys.stdin and sys.stdin.isatty()):
        raise ConfigError("delete asks before it removes anything, but stdin is not a terminal: pass --yes")
    archive = open_archive(env.settings(), must_exist=True)
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


@cli.command()
@wait_option
@pass_env
def reindex(env: Env, wait: float) -> None:
    """Rebuild the index from the article files alone (after a crash, or a damaged index)."""
    settings = env.settings()
    with locked(settings, wait) as archive:
        found = archive.reindex(on_error=lambda path, reason: env.error(f"{path}: left out ({reason})"))
    env.say(f"reindexed {found} article version(s) in {settings.archive}")


@cli.command()
@click.option("--repair", is_flag=True, help="Fix what the article files can fix, then rebuild the index.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@wait_option
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

    archive = open_archive(env.settings(), must_exist=True)
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
@strip_option
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
