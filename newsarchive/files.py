"""Files in and out: opening the files a user points us at (regular files only, never with an
open that blocks), and writing ours whole or not at all (a temporary file, then a rename).

A FIFO named page.html would otherwise hang an import forever (holding the archive lock), and a
device would be read as if it were a page.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from newsarchive.errors import SourceError

FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read ("not a regular file (a FIFO)"), or None if it is read."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for is_kind, name in FILE_KINDS if is_kind(mode)), "of an unknown kind")
    return f"not a regular file ({kind})"


def open_regular(path: Path | str) -> BinaryIO:
    """Open a regular file for reading; anything else raises SourceError.

    The open is non-blocking and the check is made on what was opened, so a FIFO put in the
    file's place after the folder was listed cannot hang the open or the read either.
    Other failures raise OSError, as open() does.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    reason = not_regular(os.fstat(fd).st_mode)
    if reason:
        os.close(fd)
        raise SourceError(reason)
    return os.fdopen(fd, "rb")


TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, data: str) -> None:
    """Write UTF-8 text to a temporary file beside the target, flush it to disk, rename over it."""
    with write_atomic_bytes(path) as handle:
        handle.write(data.encode("utf-8"))


@contextmanager
def write_atomic_bytes(path: Path) -> Iterator[Any]:
    """A binary file handle whose content replaces `path` only if the block completes: written
    to a temporary file beside the target, flushed to disk, then renamed over it."""
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
