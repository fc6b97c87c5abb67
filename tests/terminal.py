"""The CLI at a real terminal: a pseudo-terminal as its stdin, stdout and stderr, and the screen
it draws read back as a terminal would show it.

What the program wrote is read in order: to know that everything it wrote up to a moment has
arrived, the test writes a mark of its own to the same terminal and reads until the mark."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from itertools import count

# Escape sequences other than "clear to end of line": colours, cursor shapes, bracketed paste.
OTHER_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?]*[A-JL-Za-z]|\][^\x07]*\x07|[()][A-Z0-9]|[=>])")


class Terminal:
    """A pseudo-terminal of a given size that one newsarchive process runs in."""

    def __init__(self, columns: int = 100, rows: int = 30) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = bytearray()
        self.arrived = threading.Condition()
        self.marks = count()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the terminal was closed
                data = b""
            with self.arrived:
                self.output += data
                self.arrived.notify_all()
            if not data:
                return

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start `python -m newsarchive ARGS` with this terminal as all three of its streams."""
        environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER")}
        environment |= {"TERM": "xterm-256color", **(env or {})}
        return subprocess.Popen(
            [sys.executable, "-m", "newsarchive", *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=environment,
            start_new_session=True,
        )

    def text(self) -> str:
        """All the program wrote so far: the test's own mark is written to the terminal after
        it, and read back, so nothing the program wrote before this call is missing."""
        mark = f"<test mark {next(self.marks)}>".encode()
        os.write(self.slave, mark)
        with self.arrived:
            self.arrived.wait_for(lambda: mark in self.output)
            before, _, after = bytes(self.output).partition(mark)
            self.output = bytearray(before + after)
        return before.decode("utf-8", "replace")

    def screen(self) -> list[str]:
        """The lines the terminal shows now, as `screen_lines` reads them."""
        return screen_lines(self.text())

    def close(self) -> None:
        """Once no process holds the terminal any more, reading it ends."""
        os.close(self.slave)
        self.reader.join()
        os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def screen_lines(text: str) -> list[str]:
    """What a terminal shows for this output: a carriage return goes back to the line's start,
    ESC [ K clears the rest of the line, other escapes (colours) show nothing."""
    lines = [[]]
    column = 0
    for token in re.split(r"(\x1b\[0?K|\r|\n)", OTHER_ESCAPES.sub("", text)):
        if token == "\r":
            column = 0
        elif token == "\n":
            lines.append([])
            column = 0
        elif token in ("\x1b[K", "\x1b[0K"):
            del lines[-1][column:]
        else:
            line = lines[-1]
            for char in token:
                if column < len(line):
                    line[column] = char
                else:
                    line.append(char)
                column += 1
    return ["".join(line).rstrip() for line in lines]
