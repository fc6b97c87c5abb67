"""Importing folders as they are on real disks: FIFOs, symlinks that lead elsewhere, unreadable
folders, gzip saves of several members, and worker processes that cannot start.

The runs that would hang if a fix regressed go through a subprocess with a generous timeout:
a guard against hanging the suite, not a measure of speed.
"""

from __future__ import annotations

import ctypes
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import cli
from tests.conftest import REPO
from tests.pages import about, news_page

HANG_GUARD = 120  # seconds; only a run that hangs comes near it


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def story(title: str, topic: str) -> str:
    return news_page(title, about(topic), url=f"https://news.example.org/{topic.replace(' ', '-')}")


def newsarchive(
    archive: Path,
    *args: str,
    argv0: str = sys.executable,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [argv0, "-m", "newsarchive", "--archive", str(archive), *args],
        executable=sys.executable,
        preexec_fn=preexec_fn,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )


def titles(archive: Path) -> list[str]:
    listed = CliRunner().invoke(cli, ["--archive", str(archive), "list", "--json"], catch_exceptions=False)
    return sorted(row["title"] for row in json.loads(listed.stdout))


# FIFOs, sockets and devices


def test_a_fifo_in_a_folder_is_reported_and_not_opened(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    write(folder / "story.html", story("Readable story", "readable story"))
    os.mkfifo(folder / "page.html")
    done = newsarchive(tmp_path / "archive", "-q", "import", str(folder))
    assert done.returncode == 1, done.stderr
    assert f"error: {folder / 'page.html'}: not a regular file (a FIFO)" in done.stderr.splitlines()
    assert titles(tmp_path / "archive") == ["Readable story"]


def test_a_fifo_named_on_the_command_line_is_reported_and_not_opened(tmp_path: Path) -> None:
    write(tmp_path / "story.html", story("Readable story", "readable story"))
    os.mkfifo(tmp_path / "page.html")
    os.mkfifo(tmp_path / "pages.zip")
    named = [str(tmp_path / name) for name in ("page.html", "pages.zip", "story.html")]
    done = newsarchive(tmp_path / "archive", "-q", "import", "--jobs", "1", *named)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert f"error: {tmp_path / 'page.html'}: not a regular file (a FIFO)" in lines
    assert f"error: {tmp_path / 'pages.zip'}: not a regular file (a FIFO)" in lines
    assert titles(tmp_path / "archive") == ["Readable story"]


# Unreadable files


def _drop_root_read_override() -> None:
    """In the child about to run the CLI: even root is then refused a file or folder with mode 000
    (the capabilities that let root read anything leave the bounding set). As another user,
    this fails harmlessly: that user cannot read such a folder anyway."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for capability in (cap_dac_override, cap_dac_read_search):
        prctl(pr_capbset_drop, capability, 0, 0, 0)


def skip_unless_unreadable(path: Path) -> None:
    """Skip where the CLI could read a mode 000 `path` all the same."""
    probe = [sys.executable, "-c", f"import os; os.open({str(path)!r}, os.O_RDONLY)"]
    if subprocess.run(probe, preexec_fn=_drop_root_read_override, capture_output=True, check=False).returncode == 0:
        pytest.skip("cannot make a file unreadable here (root that cannot drop CAP_DAC_OVERRIDE)")


def test_an_unreadable_export_or_warc_file_is_an_error_line_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    write(folder / "story.html", story("Readable story", "readable story"))
    locked = [write(folder / name, "") for name in ("export.jsonl", "crawl.warc")]
    for path in locked:
        path.chmod(0)
    skip_unless_unreadable(locked[0])
    done = newsarchive(tmp_path / "archive", "-q", "import", str(folder), preexec_fn=_drop_root_read_override)
    assert done.returncode == 1, done.stderr
    for path in locked:
        assert f"error: {path}: permission denied" in done.stderr.splitlines()
    assert titles(tmp_path / "archive") == ["Readable story"]


# Symlinks


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """saved/ with links that stay inside it and links that lead out of it."""
    folder = tmp_path / "saved"
    write(folder / "own.html", story("Own story", "own story"))
    write(tmp_path / "elsewhere" / "secret.html", story("Secret story", "secret story"))
    write(tmp_path / "elsewhere" / "deeper" / "deep.html", story("Deep story", "deep story"))
    (folder / "inner").mkdir()
    (folder / "inner" / "again.html").symlink_to("../own.html")  # inside: followed
    (folder / "x.html").symlink_to(tmp_path / "elsewhere" / "secret.html")
    (folder / "passwd.html").symlink_to("/etc/passwd")
    (folder / "sibling").symlink_to(tmp_path / "elsewhere" / "deeper", target_is_directory=True)
    return folder


def test_links_that_leave_the_folder_are_not_followed(tmp_path: Path, linked: Path) -> None:
    result = CliRunner().invoke(cli, ["--archive", str(tmp_path / "archive"), "import", str(linked)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3, errors
    for name in ("x.html", "passwd.html", "sibling"):
        (line,) = [line for line in errors if line.startswith(f"error: {linked / name}: ")]
        assert "outside the folders named" in line and "--follow-symlinks" in line
    assert "/etc/passwd" in " ".join(errors)
    assert titles(tmp_path / "archive") == ["Own story"]  # and again.html, the same bytes, a duplicate


def test_follow_symlinks_follows_them(tmp_path: Path, linked: Path) -> None:
    (linked / "passwd.html").unlink()
    result = CliRunner().invoke(
        cli, ["--archive", str(tmp_path / "archive"), "import", "--follow-symlinks", str(linked)]
    )
    assert result.exit_code == 0, result.stderr
    assert titles(tmp_path / "archive") == ["Deep story", "Own story", "Secret story"]


def test_the_follow_symlinks_setting_follows_them(tmp_path: Path, linked: Path) -> None:
    (linked / "passwd.html").unlink()
    config = write(tmp_path / "config.toml", "follow_symlinks = true\n")
    args = ["--config", str(config), "--archive", str(tmp_path / "archive"), "import", str(linked)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert titles(tmp_path / "archive") == ["Deep story", "Own story", "Secret story"]


def test_links_between_folders_named_together_are_followed(tmp_path: Path, linked: Path) -> None:
    (linked / "passwd.html").unlink()
    folders = [str(linked), str(tmp_path / "elsewhere")]
    result = CliRunner().invoke(cli, ["--archive", str(tmp_path / "archive"), "import", *folders])
    assert result.exit_code == 0, result.stderr
    assert titles(tmp_path / "archive") == ["Deep story", "Own story", "Secret story"]


def test_a_file_named_on_the_command_line_is_read_through_its_link(tmp_path: Path, linked: Path) -> None:
    result = CliRunner().invoke(cli, ["--archive", str(tmp_path / "archive"), "import", str(linked / "x.html")])
    assert result.exit_code == 0, result.stderr
    assert titles(tmp_path / "archive") == ["Secret story"]


def test_a_link_loop_out_of_the_folder_ends_when_links_are_followed(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    write(outer / "beside.html", story("Beside story", "beside story"))
    write(outer / "saved" / "own.html", story("Own story", "own story"))
    (outer / "saved" / "up").symlink_to("..", target_is_directory=True)
    done = newsarchive(tmp_path / "archive", "import", "--follow-symlinks", str(outer / "saved"))
    assert done.returncode == 0, done.stderr
    assert titles(tmp_path / "archive") == ["Beside story", "Own story"]


# Gzip saves


def test_a_gzip_save_of_several_members_is_read_whole(run, tmp_path: Path) -> None:
    paragraphs = about("ferry timetable", count=6)
    page = news_page("Ferry timetable changes", paragraphs).encode()
    cut = page.index(paragraphs[3].encode())
    write(tmp_path / "in" / "ferry.html.gz", gzip.compress(page[:cut]) + gzip.compress(page[cut:]))
    result = run("import", str(tmp_path / "in"))
    assert result.exit_code == 0, result.stderr
    shown = run("show", "--json", json.loads(run("list", "--json").stdout)[0]["id"])
    assert paragraphs[5] in json.loads(shown.stdout)["text"]


def test_a_gzipped_page_cut_short_fails_instead_of_passing_for_a_short_page(run, tmp_path: Path) -> None:
    page = news_page("Ferry timetable changes", about("ferry timetable", count=6)).encode()
    write(tmp_path / "in" / "cut.html.gz", gzip.compress(page)[:-200])
    result = run("import", str(tmp_path / "in"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: {tmp_path / 'in' / 'cut.html.gz'}: not a valid gzip file (the compressed data ends early)"
    )


def test_the_size_cap_counts_every_gzip_member(run, tmp_path: Path) -> None:
    half = gzip.compress(b" " * 40_000_000, compresslevel=1)  # two members, 80 MB in all
    write(tmp_path / "in" / "bomb.html.gz", half + half)
    result = run("import", str(tmp_path / "in"))
    assert result.exit_code == 1
    assert "bomb.html.gz: file expands beyond the 64,000,000 byte limit" in result.stderr


# Unreadable folders


def test_an_unreadable_folder_is_an_error_line_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    write(folder / "story.html", story("Readable story", "readable story"))
    locked = folder / "locked"
    write(locked / "hidden.html", story("Hidden story", "hidden story"))
    locked.chmod(0)
    skip_unless_unreadable(locked)
    try:
        done = newsarchive(tmp_path / "archive", "-q", "import", str(folder), preexec_fn=_drop_root_read_override)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert f"error: {locked}: cannot read folder: Permission denied" in done.stderr.splitlines()
    assert titles(tmp_path / "archive") == ["Readable story"]


# Worker processes


def test_when_worker_processes_cannot_start_the_import_runs_in_one_process(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    write(folder / "one.html", story("First story", "first story"))
    write(folder / "two.html", story("Second story", "second story"))
    # The interpreter this run says it is (sys.executable, what workers are started with) is gone,
    # as when it is a path the user cannot run: this process starts, no worker can.
    gone = str(Path(sys.executable).parent / "python-that-is-gone")
    done = newsarchive(tmp_path / "archive", "import", "--jobs", "2", str(folder), argv0=gone)
    assert done.returncode == 0, done.stderr
    (notice,) = [line for line in done.stderr.splitlines() if "worker processes" in line]
    assert notice.startswith("worker processes cannot start") and notice.endswith("; importing in one process")
    assert f"interpreter {gone}" in notice
    assert titles(tmp_path / "archive") == ["First story", "Second story"]


def test_an_unreadable_file_named_on_the_command_line_is_an_error_line_and_the_rest_go_on(tmp_path: Path) -> None:
    readable = write(tmp_path / "saved" / "story.html", story("Readable story", "readable story"))
    locked = write(tmp_path / "locked.html", story("Locked story", "locked story"))
    locked.chmod(0)
    skip_unless_unreadable(locked)
    done = newsarchive(
        tmp_path / "archive", "-q", "import", str(locked), str(readable), preexec_fn=_drop_root_read_override
    )
    assert done.returncode == 1, done.stderr
    assert [line for line in done.stderr.splitlines() if str(locked) in line] == [
        f"error: {locked}: permission denied"
    ], done.stderr
    assert titles(tmp_path / "archive") == ["Readable story"]
