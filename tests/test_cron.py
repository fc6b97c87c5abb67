"""The README's crontab line, run the way cron runs it: by /bin/sh, in the home folder, with an
environment of HOME and a bare PATH only, and newsarchive where the README's install puts it.

The command is read out of README.md, so that the test fails when the README drifts from what works.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.localserver import LocalServer, Response
from tests.pages import about, news_page
from tests.test_update import rss, served_with_validators

CRON_PATH = "/usr/bin:/bin"  # what cron gives a job (Debian's cron, cronie and busybox alike)


def crontab_command() -> str:
    """The command of the README's one crontab line (the five schedule fields taken off)."""
    blocks = re.findall(r"```cron\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "the README has one ```cron block"
    (line,) = [line for line in blocks[0].splitlines() if line.strip() and not line.startswith("#")]
    fields = line.split(None, 5)
    assert len(fields) == 6, f"not a crontab line: {line!r}"
    assert "%" not in fields[5], "cron turns % into a newline: escape it as \\%"
    return fields[5]


def install_as_pipx_does(home: Path) -> Path:
    """pipx links ~/.local/bin/newsarchive to the script in the venv it made for newsarchive; the
    venv running these tests stands in for that one."""
    script = Path(sys.executable).parent / "newsarchive"
    if not script.exists():
        pytest.fail(f"no newsarchive script beside {sys.executable}: install with pip install -e '.[test]'")
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "newsarchive").symlink_to(script)
    return bin_dir / "newsarchive"


def as_cron(home: Path, command: list[str]) -> subprocess.CompletedProcess:
    environment = {"HOME": str(home), "PATH": CRON_PATH, "SHELL": "/bin/sh", "LOGNAME": "newsarchive"}
    return subprocess.run(command, cwd=home, env=environment, capture_output=True, text=True, timeout=300, check=False)


def test_the_readme_crontab_line_works_under_cron(tmp_path: Path, server: LocalServer) -> None:
    home = tmp_path / "home"
    home.mkdir()
    newsarchive = install_as_pipx_does(home)
    config = home / ".config" / "newsarchive" / "config.toml"  # cron sets no XDG_CONFIG_HOME
    config.parent.mkdir(parents=True)
    config.write_text("rate = 0  # a local test server needs no pacing\n")
    server.route("/robots.txt", Response(b"", status=404))
    for n in (1, 2):
        server.route(f"/news/{n}", news_page(f"Story {n} collected by cron", about(f"cron {n}", 4), url=None))
    feed = served_with_validators(server, "/rss.xml", rss(server, ["/news/1", "/news/2"]), "application/rss+xml")
    archive = ["--archive", str(home / "news")]
    added = as_cron(home, [str(newsarchive), *archive, "sources", "add", feed, "--name", "local"])
    assert added.returncode == 0, added.stderr

    command = crontab_command()
    for _ in range(2):  # the second run finds the feed unchanged (304)
        job = as_cron(home, ["/bin/sh", "-c", command])
        assert (job.returncode, job.stdout, job.stderr) == (0, "", ""), f"{command}\n{job.stderr}"

    listed = as_cron(home, [str(newsarchive), *archive, "list", "--json"])
    assert sorted(row["title"] for row in json.loads(listed.stdout)) == [
        "Story 1 collected by cron",
        "Story 2 collected by cron",
    ]
    (log,) = [Path(word.replace("$HOME", str(home))) for word in command.split() if word.endswith(".log")]
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [row["event"] for row in rows] == ["start", "source", "input", "input", "end", "start", "source", "end"]
    assert [(row["outcome"], row["new"]) for row in rows if row["event"] == "source"] == [("read", 2), ("unchanged", 0)]
    assert [row["exit_code"] for row in rows if row["event"] == "end"] == [0, 0]
