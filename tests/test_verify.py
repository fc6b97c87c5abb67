"""`newsarchive verify` finds what is wrong with an archive, and `--repair` fixes what the files can."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsarchive.store import Archive
from newsarchive.verify import verify
from tests.pages import about, article_from, news_page


def filled(archive_dir: Path, count: int = 4) -> list[str]:
    """An archive of `count` articles; returns their JSON paths."""
    with Archive(archive_dir) as archive:
        return [
            archive.add(
                article_from(news_page(f"Story number {n}", about(f"topic {n}"), url=f"https://n.example/a/{n}"))
            ).json_path
            for n in range(count)
        ]


def kinds(archive_dir: Path, repair: bool = False) -> list[tuple[str, str]]:
    with Archive(archive_dir) as archive:
        report = verify(archive, repair=repair)
    return sorted((problem.kind, problem.path) for problem in report.problems)


def test_a_healthy_archive_has_no_problems(archive_dir: Path, run) -> None:
    filled(archive_dir)
    assert kinds(archive_dir) == []
    result = run("verify")
    assert result.exit_code == 0
    assert "checked 4 article file(s): 0 problem(s)" in result.stderr


def test_every_kind_of_damage_is_found_and_the_repairable_ones_are_repaired(archive_dir: Path, run) -> None:
    paths = filled(archive_dir, 6)
    first, second, third, fourth, fifth, sixth = (archive_dir / p for p in paths)
    first.with_suffix(".md").unlink()  # Markdown lost
    second.with_suffix(".md").write_text("edited by hand\n", encoding="utf-8")  # Markdown out of date
    data = json.loads(third.read_text(encoding="utf-8"))
    data["text"] += " A sentence someone added."
    third.write_text(json.dumps(data), encoding="utf-8")  # text no longer matches its checksum
    fourth.write_text('{"id": "truncated', encoding="utf-8")  # not JSON any more
    (fifth.parent / f".{fifth.name}.123.tmp").write_text("half", encoding="utf-8")  # interrupted write
    (sixth.parent / "orphan.md").write_text("# no JSON\n", encoding="utf-8")  # JSON never landed
    extra = archive_dir / "2030" / "01" / "01" / "local"
    extra.mkdir(parents=True)
    for twin in (sixth, sixth.with_suffix(".md")):  # an article the index does not know
        (extra / twin.name).write_bytes(twin.read_bytes())
    sixth.unlink()  # an indexed article whose files vanished
    sixth.with_suffix(".md").unlink()

    found = kinds(archive_dir)
    rel = lambda p: str(p.relative_to(archive_dir))  # noqa: E731
    assert found == sorted(
        [
            ("missing-file", rel(first.with_suffix(".md"))),
            ("stale-markdown", rel(second.with_suffix(".md"))),
            ("checksum", rel(third)),
            ("schema", rel(fourth)),
            ("temp-file", rel(fifth.parent / f".{fifth.name}.123.tmp")),
            ("orphan", rel(sixth.parent / "orphan.md")),
            ("not-indexed", rel(extra / sixth.name)),
            ("missing-file", rel(sixth)),
        ]
    )
    result = run("verify")
    assert result.exit_code == 1
    assert f"problem: {rel(third)}: text does not match content_sha256" in result.stderr

    result = run("verify", "--repair")
    assert result.exit_code == 1  # the changed and the truncated file cannot be repaired from the archive
    assert kinds(archive_dir) == sorted([("checksum", rel(third)), ("schema", rel(fourth))])
    assert first.with_suffix(".md").read_text(encoding="utf-8").startswith("---\n")
    with Archive(archive_dir) as archive:
        assert archive.find("https://n.example/a/5")["json_path"] == rel(extra / sixth.name)


@pytest.mark.parametrize("damage", ["truncate", "zero"])
def test_a_damaged_index_is_reported_clearly_and_rebuilt_by_reindex(archive_dir: Path, run, damage: str) -> None:
    filled(archive_dir, 5)
    index = archive_dir / "index.sqlite"
    size = index.stat().st_size
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    if damage == "truncate":
        index.write_bytes(index.read_bytes()[: size // 3])
    else:
        index.write_bytes(b"\0" * size)

    listed = run("list")
    assert listed.exit_code == 1
    assert "is damaged" in listed.stderr and "newsarchive reindex" in listed.stderr
    assert "Traceback" not in listed.stderr
    checked = run("verify")
    assert checked.exit_code == 1 and "damaged" in checked.stderr

    assert run("reindex").exit_code == 0
    assert run("verify").exit_code == 0
    assert len(run("list", "--json").stdout.strip().splitlines()) >= 5


def test_reindex_leaves_out_a_damaged_file_and_says_so(archive_dir: Path, run) -> None:
    paths = filled(archive_dir, 3)
    (archive_dir / paths[0]).write_text("{", encoding="utf-8")
    result = run("reindex")
    assert result.exit_code == 0
    assert f"{paths[0]}: left out" in result.stderr
    with Archive(archive_dir) as archive:
        assert archive.stats()["articles"] == 2
