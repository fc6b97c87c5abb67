"""What people expect of a command line: help that lists what it reads, a hint for a URL typed
without its scheme, shell completion as the README says, and file names a reader can read."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from newsarchive.inputs.saved import GZIP_SUFFIXES, SUPPORTED_SUFFIXES
from tests.pages import about, news_page


def test_import_help_lists_every_format_import_reads(run) -> None:
    result = run("import", "--help")
    assert result.exit_code == 0
    named = set(re.findall(r"(?<![\w.])\.[a-z]+(?:\.gz)?\b", result.stdout))
    assert set(SUPPORTED_SUFFIXES) - set(GZIP_SUFFIXES[1:]) <= named  # gzipped HTML by one example
    for kind in ("HTML", "MHTML", "webarchive", "text", "Markdown", "zip", "WARC", "JSONL"):
        assert f"\n    {kind} " in result.stdout, kind


def test_a_url_typed_without_its_scheme_gets_the_https_one_suggested(run, archive_dir: Path) -> None:
    result = run("fetch", "www.example.com/story")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: www.example.com/story is not a URL: did you mean https://www.example.com/story?\n",
    )
    assert not archive_dir.exists()  # nothing was done


def test_shell_completion_works_as_the_readme_says() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    line = next(line.strip() for line in readme.splitlines() if "bash_source newsarchive" in line and "eval" in line)
    complete = "COMPREPLY=(); COMP_WORDS=({words}); COMP_CWORD={at}; _newsarchive_completion newsarchive"
    complete += "; echo ${{COMPREPLY[@]}}"
    script = "\n".join(
        [line, complete.format(words="newsarchive imp", at=1), complete.format(words="newsarchive list --cs", at=2)]
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.splitlines(), done.stderr) == (0, ["import", "--csv"], "")


def test_japanese_titles_get_japanese_romanization_in_file_names(run, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    pages = {  # title, language: a title with kana, a kanji-only title of a Japanese page, a Chinese one
        "kana.html": ("宮崎県で震度5弱の地震 津波の心配なし", "ja"),
        "kanji.html": ("宮崎県知事選挙", "ja"),
        "chinese.html": ("宮崎县选举", "zh"),
    }
    for number, (name, (title, language)) in enumerate(pages.items()):
        page = news_page(title=title, url=f"https://news.example.jp/{number}.html", paragraphs=about(f"topic {number}"))
        (folder / name).write_text(page.replace('<html lang="en">', f'<html lang="{language}">'), encoding="utf-8")
    result = run("-v", "import", "--jobs", "1", str(folder))
    assert result.exit_code == 0, result.output
    stored = sorted(Path(line.split()[1]).name for line in result.stderr.splitlines() if line.startswith("archived:"))
    assert stored == [
        "gong-qi-xian-xuan-ju.json",  # Chinese stays Chinese
        "miyazaki-ken-chiji-senkyo.json",
        "miyazaki-ken-de-shindo-5jaku-no-jishin-tsunami-no-shinpai-nashi.json",
    ]
