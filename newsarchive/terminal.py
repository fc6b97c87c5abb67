"""Output for people at a terminal: bar charts of counts, and articles rendered with rich."""

from __future__ import annotations

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
