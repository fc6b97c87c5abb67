"""Output for people at a terminal: bar charts of counts, a progress bar, and articles
rendered with rich."""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from newsarchive.store.versions import ArticleDiff

BAR = "█"
PARTIAL_BARS = " ▏▎▍▌▋▊▉"  # eighths, so small differences still show


def bar_chart(counts: dict[str, int], width: int) -> list[str]:
    """One line per key: the key, its count and a bar scaled to the largest count, fitting in
    `width` columns."""
    from rich.cells import cell_len

    if not counts:
        return []
    label_width = min(max(cell_len(key) for key in counts), max(12, width // 3))
    number_width = len(str(max(counts.values())))
    room = max(10, width - label_width - number_width - 4)
    top = max(counts.values()) or 1
    lines = []
    for key, count in counts.items():
        eighths = round(count * room * 8 / top)
        bar = BAR * (eighths // 8) + (PARTIAL_BARS[eighths % 8] if eighths % 8 else "")
        lines.append(f"{_fit(key, label_width)}  {count:>{number_width}} {bar}".rstrip())
    return lines


MIN_COLUMN_CELLS = 8


def table_lines(
    headers: Sequence[str], rows: Iterable[Sequence[str]], width: int, max_widths: Sequence[int | None] = ()
) -> list[str]:
    """A header row and the rows in aligned columns, fitting `width` terminal cells (wide CJK
    characters count two): each column as wide as its widest cell, capped at its `max_widths`
    entry, and the last one (a title, say) cut to what is left. To leave the last column a third
    of the width, the capped columns give way first (down to 8 cells). A cut cell ends with '…'."""
    from rich.cells import cell_len

    table = [list(headers), *(list(row) for row in rows)]
    caps = list(max_widths) + [None] * (len(headers) - len(max_widths))
    widths = [max(cell_len(row[column]) for row in table) for column in range(len(headers))]
    widths = [min(found, cap) if cap else found for found, cap in zip(widths, caps, strict=True)]
    room = width - 2 * (len(widths) - 1)
    over = sum(widths[:-1]) + min(widths[-1], max(20, room // 3)) - room
    for column in reversed([column for column, cap in enumerate(caps[:-1]) if cap]):
        given = max(0, min(over, widths[column] - MIN_COLUMN_CELLS))
        widths[column] -= given
        over -= given
    widths[-1] = max(MIN_COLUMN_CELLS, min(widths[-1], room - sum(widths[:-1])))
    return ["  ".join(_fit(cell, cells) for cell, cells in zip(row, widths, strict=True)).rstrip() for row in table]


def _fit(text: str, cells: int) -> str:
    """`text` padded or cut to exactly `cells` terminal cells."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) <= cells:
        return set_cell_size(text, cells)
    return set_cell_size(set_cell_size(text, cells - 1).rstrip() + "…", cells)  # a wide character cut leaves a space


def write_csv(stream: TextIO, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV with a header row, in the dialect `export --format csv` writes."""
    writer = csv.writer(stream)
    writer.writerow(headers)
    writer.writerows(rows)


# Go back to the start of the line and clear it: the bar is redrawn in place.
CLEAR_LINE = "\r\033[K"
PROGRESS_BAR_WIDTH = 36
MB = 1_000_000


class ProgressBar:
    """A one-line progress bar that stays on screen while a run goes on.

    Lines printed during the run go above it (`above`): the bar's line is cleared, the line
    printed, and the bar drawn again under it. The bar is redrawn only when its text changes,
    never cleared without being drawn again. It counts items, or with `in_bytes` the bytes of
    the input read so far (a WARC file's records are not known before it is read), shown in MB
    with the time left at the rate so far."""

    def __init__(self, stream: TextIO, total: int, label: str, in_bytes: bool = False) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.label = label
        self.in_bytes = in_bytes
        self.started = time.monotonic()
        self.done = 0
        self.shown = ""
        self.draw()

    def line(self) -> str:
        """'archiving  [#########---------]  12/40  30%', fitted to the terminal's width; in bytes
        'archiving  [####------]  12.5/40.0 MB  31%  ETA 1m05s'."""
        done = min(self.done, self.total)
        counts = f"  {done}/{self.total}  {done * 100 // self.total:>3}%"
        if self.in_bytes:
            counts = f"  {done / MB:.1f}/{self.total / MB:.1f} MB  {done * 100 // self.total:>3}%{self._eta(done)}"
        columns = shutil.get_terminal_size((80, 24)).columns
        width = max(0, min(PROGRESS_BAR_WIDTH, columns - 1 - len(self.label) - len(counts) - 4))
        filled = done * width // self.total
        return f"{self.label}  [{'#' * filled}{'-' * (width - filled)}]{counts}"

    def _eta(self, done: int) -> str:
        if not done:
            return ""
        left = round((time.monotonic() - self.started) * (self.total - done) / done)
        hours, minutes, seconds = left // 3600, left // 60 % 60, left % 60
        return f"  ETA {hours}h{minutes:02d}m" if hours else f"  ETA {minutes}m{seconds:02d}s"

    def move_to(self, done: int) -> None:
        """Set how much is done (bytes read), redrawing if the line changes."""
        self.done = done
        if self.line() != self.shown:
            self.draw()

    def draw(self) -> None:
        self.shown = self.line()
        self.stream.write(CLEAR_LINE + self.shown)
        self.stream.flush()

    def advance(self, steps: int = 1) -> None:
        self.move_to(self.done + steps)

    def above(self, write: Callable[[], None]) -> None:
        """Run `write`, which prints whole lines to the stream, above the bar."""
        self.stream.write(CLEAR_LINE)
        write()
        self.draw()

    def close(self) -> None:
        """Leave the last state of the bar on screen and end its line."""
        self.stream.write("\n")
        self.stream.flush()


def markdown_text(markdown: str, stream: TextIO) -> str:
    """Markdown with headings, quotes and emphasis drawn for the terminal `stream` is (its
    width, its colours), front matter shown as a dim header: the text to print or page."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=stream, soft_wrap=False)
    from newsarchive.text import split_front_matter

    header, body = split_front_matter(markdown)
    with console.capture() as captured:
        if header:
            console.print(header, style="dim", highlight=False, markup=False)
        console.print(Markdown(body, hyperlinks=False))
    return captured.get()


# -- differences between versions ------------------------------------------------------------

DIFF_COLOURS = {"removed": "\033[31m", "added": "\033[32m"}  # red, green
RESET = "\033[0m"
DIFF_MARKS = {"removed": ("[-", "-]"), "added": ("{+", "+}")}  # git's --word-diff=plain
PARAGRAPH_SIGNS = {"added": "+", "removed": "-", "changed": "~"}


def diff_lines(diff: ArticleDiff, colour: bool) -> list[str]:
    """An ArticleDiff for people: the summary, title and metadata changes, then each paragraph
    added (+), removed (-) or changed (~), words marked [-removed-]{+added+} or, with `colour`
    (a terminal), in red and green; unchanged paragraphs between them show as '…'."""
    import json

    from newsarchive.store.versions import word_diff

    def marked(kind: str, text: str) -> str:
        if kind == "same" or not text:
            return text
        if colour:
            return f"{DIFF_COLOURS[kind]}{text}{RESET}"
        opening, closing = DIFF_MARKS[kind]
        return f"{opening}{text}{closing}"

    lines = [f"version {diff.old_version} → {diff.new_version}: {diff.summary()}"]
    if diff.title:
        lines.append("title: " + "".join(marked(kind, part) for kind, part in word_diff(*diff.title)))
    for name, (old, new) in diff.metadata.items():
        shown = [json.dumps(value, ensure_ascii=False) for value in (old, new)]
        lines.append(f"{name}: {marked('removed', shown[0])} → {marked('added', shown[1])}")
    skipped = False
    for paragraph in diff.paragraphs:
        if paragraph.kind == "same":
            skipped = True
            continue
        lines.append("")
        if skipped:
            lines += ["…", ""]
            skipped = False
        text = "".join(marked(kind, part) for kind, part in paragraph.words)
        lines.append(f"{PARAGRAPH_SIGNS[paragraph.kind]} {text}")
    if skipped and len(lines) > 1:
        lines += ["", "…"]
    return lines
