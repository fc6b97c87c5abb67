from __future__ import annotations

import fcntl
import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import __version__
from newsarchive.cli import cli
from newsarchive.store.archive import Archive
from tests.conftest import FIXTURES, REPO
from tests.localserver import LocalServer
from tests.pages import about, news_page


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "saved"
    write(folder / "one.html", news_page())
    write(
        folder / "nested" / "two.htm",
        news_page(
            title="Ferry timetable changes", url="https://n.example.org/local/f", paragraphs=about("ferry timetable")
        ),
    )
    write(folder / "nested" / "style.css", "body {}")
    return folder


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_command_has_help_with_text() -> None:
    for name, command in cli.commands.items():
        assert command.help and len(command.help) > 20, name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newsarchive", "--help"], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0
    assert "Usage:" in done.stdout


def test_import_then_list_show_search_stats(run, pages: Path) -> None:
    result = run("import", str(pages))
    assert result.exit_code == 0, result.output
    assert "archived 2, updated 0, duplicates 0, failed 0, skipped 1" in result.stderr

    listed = run("list", "--json")
    rows = json.loads(listed.stdout)
    assert sorted(r["title"] for r in rows) == ["Ferry timetable changes", "Harbour bridge reopens after repairs"]

    shown = run("show", rows[0]["id"])
    assert shown.stdout.startswith("---\ntitle: ")
    shown_json = json.loads(
        run("show", "--json", "https://news.example.org/local/2024/03/14/bridge-reopens.html").stdout
    )
    assert shown_json["title"] == "Harbour bridge reopens after repairs"

    found = json.loads(run("search", "--json", "ferry", "timetable").stdout)
    assert [hit["title"] for hit in found] == ["Ferry timetable changes"]
    text = run("search", "ferry").stdout
    assert "Ferry timetable changes" in text and "ferry" in text.lower().split("changes", 1)[1]

    stats = json.loads(run("stats", "--json").stdout)
    assert stats["articles"] == 2
    assert stats["by_section"] == {"Local": 2}  # the name, not the slug
    assert "by day:" in run("stats").stdout


def test_importing_twice_changes_nothing(run, pages: Path, archive_dir: Path) -> None:
    assert run("import", str(pages)).exit_code == 0
    snapshot = {p: p.read_bytes() for p in archive_dir.rglob("*.json")}
    again = run("import", str(pages))
    assert again.exit_code == 0
    assert "archived 0, updated 0, duplicates 2" in again.stderr
    assert {p: p.read_bytes() for p in archive_dir.rglob("*.json")} == snapshot


def test_bad_files_are_reported_one_line_each_and_the_batch_goes_on(run, pages: Path) -> None:
    write(pages / "empty.html", "")
    write(pages / "binary.html", bytes(range(256)) * 10)
    write(pages / "zeros.html", bytes(4096))  # NULs in both halves of the bytes: no UTF-16, no text
    write(pages / "short.html", "<html><body><p>Too short.</p></body></html>")
    result = run("import", str(pages))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 4
    assert any("empty.html: no article body found" in e for e in errors)
    assert any("short.html: no article body found (only 2 words of text)" in e for e in errors)
    # Content that is no page at all, under a page's name, is a broken page like the others.
    assert f"error: {pages / 'binary.html'}: unsupported format: binary data" in errors
    assert f"error: {pages / 'zeros.html'}: unsupported format: binary data" in errors
    assert "archived 2, updated 0, duplicates 0, failed 4, skipped 1" in result.stderr


def test_binary_content_named_as_a_page_fails_named_or_found_in_a_folder(run, tmp_path: Path) -> None:
    png = write(tmp_path / "in" / "photo.html", b"\x89PNG\r\n\x1a\n" + bytes(100))
    write(tmp_path / "in" / "style.css", "body { color: red }")
    for target in (png, tmp_path / "in"):
        result = run("import", str(target))
        assert result.exit_code == 1
        assert f"error: {png}: unsupported format: PNG image" in result.stderr
        assert "style.css" not in result.stderr  # other file types are skipped quietly


def test_dry_run_lists_format_and_url_and_writes_nothing(run, pages: Path, archive_dir: Path) -> None:
    write(
        pages / "old.html", "<!-- saved from url=(0034)https://old.example.org/story.html -->\n" + news_page(url=None)
    )
    result = run("import", "--dry-run", str(pages))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"html        https://old.example.org/story.html  {pages / 'old.html'}" in lines
    canonical = "https://news.example.org/local/2024/03/14/bridge-reopens.html"
    assert f"html        {canonical}  {pages / 'one.html'}" in lines
    assert "would import 3, failed 0, skipped 1" in result.stderr
    assert not archive_dir.exists()


def test_a_missing_path_fails_with_its_name(run, tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "nope.html"))
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'nope.html'}: file not found" in result.stderr


def test_an_unsupported_file_named_explicitly_fails(run, pages: Path) -> None:
    result = run("import", str(pages / "nested" / "style.css"))
    assert result.exit_code == 1
    assert "unsupported file type '.css'" in result.stderr


def test_glob_filters_files(run, pages: Path) -> None:
    result = run("import", str(pages), "--glob", "*.htm")
    assert "archived 1," in result.stderr
    assert [r["title"] for r in json.loads(run("list", "--json").stdout)] == ["Ferry timetable changes"]


def test_gzip_pages_are_read(run, tmp_path: Path) -> None:
    write(tmp_path / "in" / "page.html.gz", gzip.compress(news_page().encode()))
    assert run("import", str(tmp_path / "in")).exit_code == 0
    assert len(json.loads(run("list", "--json").stdout)) == 1


def test_base_url_and_saved_from_comment_give_the_url(run, tmp_path: Path) -> None:
    no_url = news_page(url=None)
    write(tmp_path / "in" / "local" / "a.html", no_url)
    write(
        tmp_path / "in2" / "b.html",
        "<!-- saved from url=(0040)https://saved.example.org/x/story.html -->\n"
        + news_page(url=None, paragraphs=about("harbour")),
    )
    run("import", str(tmp_path / "in"), "--base-url", "https://base.example.org/archive")
    run("import", str(tmp_path / "in2"), "--base-url", "https://ignored.example.org/")
    urls = sorted(r["url"] for r in json.loads(run("list", "--json").stdout))
    assert urls == ["https://base.example.org/archive/local/a.html", "https://saved.example.org/x/story.html"]


def test_file_path_is_the_source_when_no_url_is_known(run, tmp_path: Path) -> None:
    page = write(tmp_path / "in" / "a.html", news_page(url=None))
    run("import", str(page))
    article = json.loads(run("show", "--json", json.loads(run("list", "--json").stdout)[0]["id"]).stdout)
    assert article["url"] is None
    assert article["source"] == {**article["source"], "kind": "file", "location": str(page.absolute())}


def test_quiet_prints_nothing_on_success_and_a_short_report_on_failure(run, pages: Path) -> None:
    assert run("-q", "import", str(pages)).output == ""
    write(pages / "empty.html", "")
    result = run("-q", "import", str(pages))
    assert result.output.strip().splitlines() == [
        f"error: {pages / 'empty.html'}: no article body found (the page is empty)",
        "archived 0, updated 0, duplicates 2, failed 1, skipped 1",
    ]


def test_verbose_names_each_file(run, pages: Path) -> None:
    result = run("-v", "import", str(pages))
    assert "archived: 2024/03/14/local/harbour-bridge-reopens-after-repairs.json" in result.stderr
    assert "skipped: " in result.stderr and "style.css: not a supported file type" in result.stderr


def test_json_output_is_one_object_per_input_then_a_summary(run, pages: Path) -> None:
    lines = [json.loads(line) for line in run("import", "--json", str(pages)).stdout.splitlines()]
    assert {line.get("status") for line in lines[:-1]} == {"archived", "skipped"}
    assert lines[-1] == {
        "summary": {"archived": 2, "updated": 0, "duplicate": 0, "failed": 0, "skipped": 1, "planned": 0}
    }


def test_read_commands_on_a_missing_archive_fail_clearly(run, archive_dir: Path) -> None:
    result = run("list")
    assert result.exit_code == 1
    assert f"error: no archive at {archive_dir}" in result.stderr
    assert not archive_dir.exists()


def test_a_missing_index_named_by_index_is_what_the_error_names(run, tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere" / "missing.sqlite"
    result = run("--index", f"sqlite:///{missing}", "list")
    reason = f"no index at {missing} (check the --index URL, or run 'newsarchive import' or 'newsarchive fetch' first)"
    assert (result.exit_code, result.stderr) == (1, f"error: {reason}\n")
    assert not missing.parent.exists()


def test_show_unknown_id(run, pages: Path) -> None:
    run("import", str(pages))
    result = run("show", "ffffffffffff")
    assert result.exit_code == 1
    assert "no article with id or URL 'ffffffffffff'" in result.stderr


def test_bad_date_option_is_a_usage_error(run, pages: Path) -> None:
    run("import", str(pages))
    result = run("list", "--since", "yesterday")
    assert result.exit_code == 2
    assert "not a date like 2025-07-23" in result.output


def test_fetch_without_urls_is_a_usage_error(run) -> None:
    result = run("fetch")
    assert result.exit_code == 2
    assert "give at least one URL" in result.output


def test_locked_archive_exits_2_with_a_message(run, pages: Path, archive_dir: Path) -> None:
    with Archive(archive_dir).lock():
        result = run("import", str(pages))
    assert result.exit_code == 2
    assert "is in use by another newsarchive process" in result.stderr
    assert "--wait" in result.stderr


def test_wait_gets_the_lock_once_it_is_free(pages: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from newsarchive.store.archive import Archive\n"
            f"with Archive({str(archive_dir)!r}).lock():\n print('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )  # holds the lock until told to let go
    assert holder.stdout.readline().strip() == "held"
    moved = threading.Event()  # the import was refused the lock, or it ended
    real_flock = fcntl.flock

    def flock(handle: object, operation: int) -> None:
        try:
            real_flock(handle, operation)
        except BlockingIOError:
            moved.set()
            raise

    monkeypatch.setattr(fcntl, "flock", flock)
    outcome = []

    def import_waiting() -> None:
        try:
            outcome.append(
                CliRunner().invoke(cli, ["--archive", str(archive_dir), "import", "--wait", "600", str(pages)])
            )
        finally:
            moved.set()

    importer = threading.Thread(target=import_waiting)
    importer.start()
    moved.wait()
    assert not outcome  # refused while the lock is held, and waiting rather than giving up
    holder.stdin.close()
    importer.join()
    holder.wait()
    assert outcome[0].exit_code == 0, outcome[0].output
    assert "archived 2" in outcome[0].output


def test_reindex_command(run, pages: Path, archive_dir: Path) -> None:
    run("import", str(pages))
    (archive_dir / "index.sqlite").unlink()
    result = run("reindex")
    assert result.exit_code == 0
    assert "reindexed 2 article version(s)" in result.stderr
    assert len(json.loads(run("list", "--json").stdout)) == 2


def test_clean_shows_a_diff_with_rules(run, tmp_path: Path) -> None:
    page = write(
        tmp_path / "p.html",
        news_page(extra_body="<p>Advertisement</p><p>Related Articles</p><p>Other headline here</p>"),
    )
    result = run("clean", str(page))
    assert result.exit_code == 0
    assert "-Advertisement" in result.stdout
    assert "[advertisement] Advertisement" in result.stdout
    assert (
        "-# Harbour bridge reopens after repairs | Example Gazette\n+# Harbour bridge reopens after repairs\n"
        in result.stdout
    )


def test_config_file_and_environment(tmp_path: Path, pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(
        tmp_path / "xdg-config" / "newsarchive" / "config.toml",
        f'archive = "{tmp_path / "from-config"}"\nstrip = ["harbour bridge reopens.*"]\n',
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(pages)]).exit_code == 0
    assert (tmp_path / "from-config" / "index.sqlite").exists()

    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(tmp_path / "from-env"))
    assert runner.invoke(cli, ["import", str(pages)]).exit_code == 0
    assert (tmp_path / "from-env" / "index.sqlite").exists()

    assert runner.invoke(cli, ["--archive", str(tmp_path / "from-option"), "import", str(pages)]).exit_code == 0
    assert (tmp_path / "from-option" / "index.sqlite").exists()

    write(config, "unknown_key = 1\n")
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 2
    assert "unknown setting 'unknown_key'" in result.stderr

    write(config, 'max_bytes = "lots"\n')
    assert runner.invoke(cli, ["list"]).exit_code == 2

    write(config, "not toml at all = = =")
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 2
    assert "cannot read config file" in result.stderr


def test_a_default_config_file_that_cannot_be_read_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = write(tmp_path / "home" / ".config" / "newsarchive" / "config.toml", "rate = 2\n")
    config.parent.chmod(0o000)  # as another user's $HOME is to us (sudo -u without -H)
    # Root reads whatever the permissions: as root, the run becomes nobody once Python is loaded.
    become_nobody = "os.setgroups([]); os.setgid(65534); os.setuid(65534); " if os.geteuid() == 0 else ""
    code = f"import os, newsarchive.cli; {become_nobody}newsarchive.cli.main()"
    argv = ["--archive", str(tmp_path / "archive"), "list"]
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config")}
    try:
        done = subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=False)
    finally:
        config.parent.chmod(0o755)
    assert (done.returncode, done.stderr) == (2, f"error: {config}: cannot read config file: Permission denied\n")


def test_explicit_missing_config_is_an_error(run, tmp_path: Path) -> None:
    result = run("--config", str(tmp_path / "missing.toml"), "list")
    assert result.exit_code == 2
    assert "config file not found" in result.stderr


def test_traceback_flag_shows_the_exception(run) -> None:
    with pytest.raises(Exception, match="no archive at"):
        run("--traceback", "list")


def test_traceback_flag_shows_our_own_bug_instead_of_failing_one_input(
    run, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def extraction_with_a_bug(*args: object) -> None:
        raise RuntimeError("a bug in extraction")

    monkeypatch.setattr("newsarchive.runs.pipeline.build_article", extraction_with_a_bug)
    url = server.route("/story", news_page())
    failed = run("fetch", url)  # a hostile page may trip a parser: that page fails, the batch goes on
    assert failed.exit_code == 1
    assert f"error: {url}: cannot process (RuntimeError: a bug in extraction; --traceback shows where)" in failed.stderr
    with pytest.raises(RuntimeError, match="a bug in extraction"):
        run("--traceback", "fetch", url)


def test_the_cli_module_imports_no_heavy_libraries() -> None:
    code = (
        "import sys; import newsarchive.cli; "
        "print(sorted(m for m in ('requests', 'lxml', 'trafilatura', 'sqlite3') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env={**os.environ}, check=False
    )
    assert done.stdout.strip() == "[]"


def test_xhtml_with_an_xml_declaration(run, tmp_path: Path) -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + news_page().replace("<!DOCTYPE html>", "")
    write(tmp_path / "in" / "page.xhtml", page)
    result = run("import", str(tmp_path / "in"))
    assert result.exit_code == 0, result.output
    assert json.loads(run("list", "--json").stdout)[0]["title"] == "Harbour bridge reopens after repairs"


def test_strip_option_removes_matching_lines(run, tmp_path: Path) -> None:
    extra = "<p>Follow our live coverage of the harbour works here</p>"
    write(tmp_path / "in" / "a.html", news_page(extra_body=extra))
    assert run("import", "--strip", "follow our live coverage.*", str(tmp_path / "in")).exit_code == 0
    article = json.loads(run("show", "--json", json.loads(run("list", "--json").stdout)[0]["id"]).stdout)
    assert "Follow our live coverage" not in article["text"]
    assert "committee met on Monday" in article["text"]


def test_a_bad_strip_pattern_is_a_usage_error_before_any_worker_starts(run, pages: Path, archive_dir: Path) -> None:
    reason = "invalid strip pattern '(': missing ), unterminated subpattern at position 0"
    for jobs in ("2", "1"):  # in worker processes it broke the pool (BrokenProcessPool, exit 1)
        result = run("import", "--jobs", jobs, "--strip", "(", str(pages))
        assert (result.exit_code, result.stderr) == (2, f"error: option: {reason}\n")
    config = write(archive_dir.parent / "xdg-config" / "newsarchive" / "config.toml", 'strip = ["("]\n')
    result = run("import", "--jobs", "2", str(pages))
    assert (result.exit_code, result.stderr) == (2, f"error: {config}: {reason}\n")
    assert not archive_dir.exists()  # stopped before the archive was opened


RULES_FILE = """
[[rule]]
name = "live-coverage"
pattern = "follow our live coverage.*"

[[rule]]
name = "members-wall"
pattern = "the rest of this story is for members"
role = "paywall"
"""


def test_a_rules_file_adds_rules_that_act_by_their_role(
    run, tmp_path: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = write(
        tmp_path / "saved" / "page.html",
        news_page(extra_body="<p>Follow our live coverage here</p><p>The rest of this story is for members</p>"),
    )
    rules = write(tmp_path / "rules.toml", RULES_FILE)
    monkeypatch.setenv("NEWSARCHIVE_RULES_FILE", str(rules))
    explained = run("clean", "--explain", str(page))
    assert explained.exit_code == 0, explained.output
    assert "live-coverage 'Follow our live coverage here'" in explained.output
    assert "members-wall  'The rest of this story is for members'" in explained.output

    monkeypatch.delenv("NEWSARCHIVE_RULES_FILE")
    write(archive_dir.parent / "xdg-config" / "newsarchive" / "config.toml", f'rules_file = "{rules}"\n')
    assert run("import", str(page.parent)).exit_code == 0
    article = json.loads(run("show", "--json", json.loads(run("list", "--json").stdout)[0]["id"]).stdout)
    assert "live coverage" not in article["text"] and "for members" not in article["text"]
    assert article["access"] == "paywalled"  # the user's rule has the paywall role, under its own name


def test_a_rule_of_the_rules_file_named_like_a_packaged_one_takes_its_place(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Here the packaged subscription rule loses its paywall role: the prompt still goes, the
    article stays free."""
    page = write(tmp_path / "saved" / "page.html", news_page(extra_body="<p>Subscribe to continue reading</p>"))
    rules = write(
        tmp_path / "rules.toml", '[[rule]]\nname = "subscription"\npattern = "subscribe to continue reading"\n'
    )
    monkeypatch.setenv("NEWSARCHIVE_RULES_FILE", str(rules))
    assert run("import", str(page.parent)).exit_code == 0
    article = json.loads(run("show", "--json", json.loads(run("list", "--json").stdout)[0]["id"]).stdout)
    assert "Subscribe" not in article["text"]
    assert article["access"] == "free"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "rules file not found"),
        ("[[rule]\n", "cannot read rules file: Expected ']]' at the end of an array declaration"),
        ('[[rule]]\nname = "x"\npattern = "("\n', "rule 1 (x): invalid strip pattern '(': missing ), unterminated"),
        ('[[rule]]\nname = "x"\npattern = "x"\nrole = "pay"\n', "rule 1 (x): unknown role 'pay' (one of line, "),
        ('[[rule]]\npattern = "x"\n', "rule 1: 'name' must be a non-empty string"),
        ('[[rule]]\nname = "x"\npattern = "x"\nrol = "line"\n', "rule 1: unknown key 'rol'"),
        ('[rule]\nname = "x"\n', "'rule' must be [[rule]] tables"),
        ('[[rules]]\nname = "x"\n', "unknown key 'rules' (write each rule as a [[rule]] table)"),
        ('[[rule]]\nname = "x"\npattern = "a"\n[[rule]]\nname = "x"\npattern = "b"\n', "two rules are named 'x'"),
    ],
)
def test_a_bad_rules_file_is_one_line_and_a_usage_error(
    run, tmp_path: Path, pages: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch, text: str | None, reason: str
) -> None:
    rules = tmp_path / "rules.toml"
    if text is not None:
        write(rules, text)
    monkeypatch.setenv("NEWSARCHIVE_RULES_FILE", str(rules))
    result = run("import", "--jobs", "2", str(pages))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {rules}: {reason}") and result.stderr.count("\n") == 1, result.stderr
    assert not archive_dir.exists()  # stopped before the archive was opened


def test_an_unchanged_reimport_extracts_nothing(run, pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("import", str(pages)).exit_code == 0

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("extraction ran for bytes already archived")

    monkeypatch.setattr("newsarchive.runs.pipeline.build_article", must_not_run)
    again = run("import", str(pages))
    assert again.exit_code == 0, again.stderr
    assert "archived 0, updated 0, duplicates 2" in again.stderr


def test_import_in_worker_processes_gives_the_same_archive(run, tmp_path: Path) -> None:
    def snapshot(root: Path) -> dict[str, dict]:
        found = {}
        for path in root.rglob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("archived_at")
            data["source"].pop("warc")  # where the raw page went depends on the order of arrival
            found[path.relative_to(root).as_posix()] = data
        return found

    results = {}
    for jobs in ("1", "3"):
        archive = tmp_path / f"archive-{jobs}"
        result = run("--archive", str(archive), "import", "--jobs", jobs, str(FIXTURES / "pages"))
        assert result.exit_code == 1  # the section front is not an article
        assert "archived 25, updated 0, duplicates 0, failed 1" in result.stderr
        results[jobs] = snapshot(archive)
    assert results["1"] == results["3"] and len(results["1"]) == 25


def test_a_page_that_is_not_an_article_says_why_and_can_be_kept(run, tmp_path: Path) -> None:
    front = REPO / "fixtures" / "pages" / "section-front.html"
    refused = run("import", "--jobs", "1", str(front))
    assert refused.exit_code == 1
    assert "section-front.html" in refused.output and "not an article: the page is a list of articles" in refused.output
    kept = run("import", "--jobs", "1", "--keep-non-articles", str(front))
    assert kept.exit_code == 0, kept.output
    assert "archived 1" in kept.output


def test_clean_explain_shows_the_page_level_decisions(run, tmp_path: Path) -> None:
    """Every paragraph of the page that is not in the body can be traced to what removed it."""
    story = "".join(f"<p>On day {i} the reservoir works went on, said the engineers on the site.</p>" for i in range(8))
    related = "".join(f'<li><a href="/other-{i}">Another story number {i}</a></li>' for i in range(4))
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Reservoir works</title></head><body><main>"
        f"<h1>Reservoir works</h1><div class='story' hidden>{story}</div><p>Loading…</p>"
        f"<section><h2>Related articles</h2><ul>{related}</ul></section>"
        '<div style="display:none"><p>A copy kept for crawlers.</p></div>'
        "</main></body></html>",
        encoding="utf-8",
    )
    explained = run("clean", "--explain", str(page))
    assert explained.exit_code == 0, explained.output
    assert "page      extractor: trafilatura" in explained.output
    assert "hidden elements kept" in explained.output
    assert "related: container opened by 'Related articles' dropped" in explained.output
    assert "verdict: an article" in explained.output
    front = run("clean", "--explain", str(REPO / "fixtures" / "pages" / "section-front.html"))
    assert "verdict: not an article (a list of articles)" in front.output
