"""What a person sees at a terminal: the progress bar, tables, the pager (run in a pseudo-terminal)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

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
