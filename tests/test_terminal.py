"""What a person sees at a terminal: the progress bar, tables, the pager (run in a pseudo-terminal)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from newsarchive.cli import cli
from tests.localserver import LocalServer, Response
from tests.pages import about, news_page
from tests.terminal import Terminal


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_the_progress_bar_stays_on_screen_while_a_fetch_runs(
    tmp_path: Path, server: LocalServer, verbose: list[str]
) -> None:
    reached, release = threading.Event(), threading.Event()

    def held_until_released(handler) -> None:
        reached.set()
        release.wait(60)
        handler._send(Response(news_page(title="Second story", url=None, paragraphs=about("ferry")).encode()))

    first = server.route("/first", news_page(title="First story", url=None, paragraphs=about("harbour")))
    second = server.raw("/second", held_until_released)
    with Terminal(columns=90) as terminal:
        process = terminal.run(*verbose, "--archive", str(tmp_path / "archive"), "fetch", first, second)
        try:
            assert reached.wait(60), "the second page was never asked for"
            while_running = terminal.screen()
        finally:
            release.set()
            process.wait()
        at_the_end = terminal.screen()

    assert while_running[-1].startswith("archiving  [") and while_running[-1].endswith("]  1/2   50%")
    assert len(while_running[-1]) < 90
    if verbose:
        assert while_running[-2].startswith("archived: ") and "/first" in while_running[-2]
    assert process.returncode == 0
    assert at_the_end[-3].endswith("]  2/2  100%")
    assert at_the_end[-2] == "archived 2, updated 0, duplicates 0, failed 0, skipped 0"


def import_pages(tmp_path: Path, pages: dict[str, str]) -> Path:
    folder = tmp_path / "saved"
    folder.mkdir()
    for name, page in pages.items():
        (folder / name).write_text(page, encoding="utf-8")
    archive = tmp_path / "archive"
    assert CliRunner().invoke(cli, ["--archive", str(archive), "import", "--jobs", "1", str(folder)]).exit_code == 0
    return archive


def at_terminal(*args: str, columns: int = 100, rows: int = 30, env: dict[str, str] | None = None) -> list[str]:
    """The screen after `newsarchive ARGS` ran to its end in a terminal of this size."""
    with Terminal(columns=columns, rows=rows) as terminal:
        process = terminal.run(*args, env=env)
        assert process.wait() == 0
        return terminal.screen()


def test_list_at_a_terminal_has_a_header_row_and_aligned_columns_cut_to_its_width(tmp_path: Path) -> None:
    long_title = "Harbour bridge reopens after repairs that took three years and cost far more than planned"
    archive = import_pages(
        tmp_path,
        {
            "en.html": news_page(title=long_title, section="Local", site="Example Gazette"),
            "ja.html": news_page(
                title="宮崎県で震度5弱の地震 津波の心配なし",
                url="https://www.example.jp/news/a1.html",
                section="社会",
                site="みやざき日報",
                published="2025-03-01T10:00:00+09:00",
                paragraphs=about("地震"),
            ),
        },
    )
    screen = at_terminal("--archive", str(archive), "list", columns=100)
    header, *rows = [line for line in screen if line]
    assert header.split() == ["ID", "DATE", "SECTION", "SITE", "TITLE"]
    starts = [header.index(name) for name in ("DATE", "SECTION", "SITE", "TITLE")]
    for row in rows:
        cells = cell_starts(row)
        assert [cells[start] for start in starts] == [True] * 4, row  # every value begins under its header
        assert cell_len(row) <= 100
    assert any("社会" in row and "みやざき日報" in row for row in rows)
    (english,) = [row for row in rows if "Local" in row]
    assert "Example Gazette" in english and english.endswith("…") and long_title[:30] in english


def cell_starts(line: str) -> list[bool]:
    """For each terminal cell of the line: whether a value starts there (after two blanks)."""
    cells: list[str] = []
    for char in line:
        cells += [char] * cell_len(char)
    return [n == 0 or (cells[n] != " " and cells[n - 2 : n] == [" ", " "]) for n in range(len(cells))]


def test_stats_at_a_terminal_aligns_the_bars_of_wide_names(tmp_path: Path) -> None:
    archive = import_pages(
        tmp_path,
        {
            "a.html": news_page(section="国際", site="北辰経済新聞", published="2025-03-01T10:00:00+09:00"),
            "b.html": news_page(title="Second", section="World", paragraphs=about("ferry"), url="https://b.example/1"),
        },
    )
    screen = at_terminal("--archive", str(archive), "stats")
    sections = screen[screen.index("by section:") + 1 : screen.index("by section:") + 3]
    assert sorted(line.split()[0] for line in sections) == ["World", "国際"]
    assert len({cell_len(line[: line.index("█")]) for line in sections}) == 1  # the bars start in one column


@pytest.fixture
def pagers(tmp_path: Path) -> Path:
    """A `less` and a `my-pager` on PATH that note how they were run and what they were given."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("less", "my-pager"):
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "$*" LESS=$LESS > "$NOTES/{name}.args"\ncat > "$NOTES/{name}.text"\n')
        script.chmod(0o755)
    return folder


def test_show_pages_an_article_longer_than_the_screen_through_less(tmp_path: Path, pagers: Path) -> None:
    archive = import_pages(tmp_path, {"long.html": news_page(paragraphs=about("harbour bridge", count=12))})
    notes = tmp_path / "notes"
    notes.mkdir()
    env = {"PATH": f"{pagers}:{os.environ['PATH']}", "NOTES": str(notes)}
    show = ("--archive", str(archive), "show", "https://news.example.org/local/2024/03/14/bridge-reopens.html")

    at_terminal(*show, rows=20, env=env)
    assert (notes / "less.args").read_text() == " LESS=-R\n"  # colours pass through
    paged = (notes / "less.text").read_text()
    assert "Harbour bridge reopens after repairs" in paged and "paragraph 12 of the story" in paged

    at_terminal(*show, rows=20, env=env | {"PAGER": "my-pager --quit-if-one-screen"})
    assert (notes / "my-pager.args").read_text().startswith("--quit-if-one-screen LESS=")
    assert "paragraph 12 of the story" in (notes / "my-pager.text").read_text()

    (notes / "less.args").unlink()
    printed = " ".join(at_terminal(*show, "--no-pager", rows=20, env=env))
    assert "paragraph 12 of the story" in printed and not (notes / "less.args").exists()
    short = " ".join(at_terminal(*show, rows=200, env=env))  # it fits on the screen
    assert "paragraph 12 of the story" in short and not (notes / "less.args").exists()


def test_show_open_with_no_browser_prints_the_page_address(tmp_path: Path) -> None:
    archive = import_pages(tmp_path, {"a.html": news_page()})
    site = tmp_path / "site"
    assert CliRunner().invoke(cli, ["--archive", str(archive), "site", str(site)]).exit_code == 0
    (page,) = (site / "article").glob("*.html")
    no_browser = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}  # no X, no browser on PATH
    argv = [sys.executable, "-m", "newsarchive", "--archive", str(archive), "show", "--open", page.stem]
    done = subprocess.run(argv, env=no_browser, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, page.absolute().as_uri() + "\n", "")
