"""Commands that write the archive out: export and site."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsarchive.cli.app import (
    Env,
    checked_day,
    cli,
    json_option,
    open_archive,
    pass_env,
)
from newsarchive.errors import ExitStatus

if TYPE_CHECKING:
    from newsarchive.errors import SourceError
    from newsarchive.model import Article
    from newsarchive.outputs.export import ExportFormat


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
    export_format: ExportFormat,
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
    failed: list[str] = []

    def unreadable(article: Article, exc: SourceError) -> None:
        failed.append(article.id)
        env.error(f"{article.id}: {exc}")

    with open_archive(env.settings(), must_exist=True) as archive:
        if output is None:
            count = export_articles(archive, sys.stdout.buffer, export_format, unreadable, **filters)
            sys.stdout.buffer.flush()
        else:
            count = export_file(archive, output, export_format, unreadable, **filters)
    env.say(
        f"exported {count} article(s)"
        + (f" to {output}" if output else "")
        + (f", failed {len(failed)}" if failed else "")
    )
    if failed:
        click.get_current_context().exit(ExitStatus.FAILURES)


@cli.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@json_option
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

    with open_archive(env.settings(), must_exist=True) as archive:
        report = build_site(archive, outdir, since=checked_day(since))
    if as_json:
        row: dict[str, int | str] = {"articles": report.articles, "written": len(report.written)}
        row["unchanged"] = report.unchanged
        row |= {"removed": len(report.removed), "index": str((outdir / "index.html").absolute())}
        click.echo(json.dumps(row), file=env.stdout)
    for page in report.written:
        env.say(f"wrote {page}", level=1)
    env.say(
        f"site: {report.articles} article(s); {len(report.written)} page(s) written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed; open {(outdir / 'index.html').absolute()}"
    )
