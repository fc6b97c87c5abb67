"""The command line: options in, one library call, results and errors out.

Nothing here fetches, parses or writes on its own; heavy modules are imported inside the
commands that need them so that `newsarchive --help` stays fast.

The commands live in one module per group of commands; each defines its commands on the
`cli` group of cli/app.py (`@cli.command()`), which also holds what they share (Env, the
options several commands take, the run reporter, the error → exit-code handling, main).
Importing a module registers its commands, so a new module is one more name in the import
below:

    app.py        the group, shared helpers, main
    archiving.py  fetch, import, update, reextract
    reading.py    list, show, search, stats
    managing.py   tag, delete, reindex, verify, clean
    sources.py    sources add/list/retry/remove
    queue.py      worker, queue, db, migrate (PostgreSQL scale-out)
    outputs.py    export, site
    changes.py    recheck, history, diff, changes (following edits)
"""

from newsarchive.cli import archiving, changes, managing, outputs, queue, reading, sources  # noqa: F401 - they register
from newsarchive.cli.app import cli, main, printable

__all__ = ["cli", "main", "printable"]
