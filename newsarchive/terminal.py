"""Output for people at a terminal: bar charts of counts, a progress bar, and articles
rendered with rich."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import TextIO

BAR = "█"
PARTIAL_BARS = " ▏▎▍▌▋▊▉"  # eighths, so small differences still show


def bar_chart(counts: dict[str, int], width: int) -> list[str]:
    """One line per key: the key, its count and a bar scaled to the largest count, fitting in
    `width` columns."""
    if not counts:
        return []
    label_width = min(max(len(key) for key in counts), max(12, width // 3))
    number_width = len(str(max(counts.values())))
    room = max(10, width - label_width - number_width - 4)
    top = max(counts.values()) or 1
    lines = []
    for key, count in counts.items():
        label = key if len(key) <= label_width else key[: label_width - 1] + "…"
        eighths = round(count * room * 8 / top)
        bar = BAR * (eighths // 8) + (PARTIAL_BARS[eighths % 8] if eighths % 8 else "")
        lines.append(f"{label:<{label_width}}  {count:>{number_width}} {bar}".rstrip())
    return lines


# Go back to the start of the line and clear it: the bar is redrawn in place.
CLEAR_LINE = "\r\033[K"
PROGRESS_BAR_WIDTH = 36


class ProgressBar:
    """A one-line progress bar that stays on screen while a run goes on.

    Lines printed during the run go above it (`above`): the bar's line is cleared, the line
    printed, and the bar drawn again under it. The bar is redrawn only when its text changes,
    never cleared without being drawn again."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.shown = ""
        self.draw()

    def line(self) -> str:
        """'archiving  [#########---------]  12/40  30%', fitted to the terminal's width."""
        done = min(self.done, self.total)
        counts = f"  {done}/{self.total}  {done * 100 // self.total:>3}%"
        columns = shutil.get_terminal_size((80, 24)).columns
        width = max(0, min(PROGRESS_BAR_WIDTH, columns - 1 - len(self.label) - len(counts) - 4))
        filled = done * width // self.total
        return f"{self.label}  [{'#' * filled}{'-' * (width - filled)}]{counts}"

    def draw(self) -> None:
        self.shown = self.line()
        self.stream.write(CLEAR_LINE + self.shown)
        self.stream.flush()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self.line() != self.shown:
            self.draw()

    def above(self, write: Callable[[], None]) -> None:
        """Run `write`, which prints whole lines to the stream, above the bar."""
        self.stream.write(CLEAR_LINE)
        write()
        self.draw()

    def close(self) -> None:
        """Leave the last state of the bar on screen and end its line."""
        self.stream.write("\n")
        self.stream.flush()


def print_markdown(markdown: str, stream: TextIO) -> None:
    """Markdown with headings, quotes and emphasis drawn for the terminal (front matter shown as
    a dim header)."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=stream, soft_wrap=False)
    header, body = _split_front_matter(markdown)
    if header:
        console.print(header, style="dim", highlight=False, markup=False)
    console.print(Markdown(body, hyperlinks=False))


def _split_front_matter(markdown: str) -> tuple[str, str]:
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return markdown[4:end], markdown[end + 5 :]
    return "", markdown
