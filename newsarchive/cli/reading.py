"""Commands that read the archive: list, show, search and stats."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
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
    printable,
    tag_option,
)
from newsarchive.errors import ConfigError

if TYPE_CHECKING:
    from newsarchive.store.search import SearchHit

LIST_HEADERS = ("ID", "DATE", "SECTION", "SITE", "TITLE")
LIST_CSV_HEADERS = ("id", "published", "date_source", "section", "site", "title", "url")
LIST_MAX_WIDTHS = (None, None, 20, 24)  # section and site names are cut there at a terminal


@cli.command(name="list")
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only articles published on or before this day.")
@click.option("--section", help="Only this section (name or slug).")
@click.option("--site", help="Only this site (site name or host).")
@tag_option
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@json_option
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
    with open_archive(settings, must_exist=True) as archive:
        rows = archive.list(
            since=checked_day(since), until=checked_day(until), section=section, site=site, tag=tag, limit=limit
        )
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
@json_option
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

    with open_archive(env.settings(), must_exist=True) as archive:
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


class _QueryCommand(click.Command):
    """`search ukraine -trump`: an argument that starts with '-' belongs to the query unless it is
    one of the command's own options (so -hamas is a word, not -h)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = {name: param for param in self.get_params(ctx) for name in param.opts}
        taken: list[str] = []
        words: list[str] = []
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


def _print_hit_table(env: Env, hits: list[SearchHit]) -> None:
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
@tag_option
@json_option
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
    filters = {"since": checked_day(since), "until": checked_day(until), "section": section, "site": site, "tag": tag}
    with open_archive(env.settings(), must_exist=True) as archive:
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
@json_option
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

    with open_archive(env.settings(), must_exist=True) as archive:
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
