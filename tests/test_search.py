"""Search from the command line on both index backends: words inside Chinese, Japanese, Korean
and Thai text, case and accents folded, the query language (phrases, OR, -word, NOT, groups)
and its errors, the filters of `list`, one line per hit, highlighting only at a terminal, and
the upgrade of indexes made before the search tables changed."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.store.archive import Archive
from newsarchive.store.index.sqlite import SQLITE_SCHEMA_VERSION
from tests.pages import about, news_page

# One page per script, and English pages for the query language (title, section, published, site).
PAGES = {
    "kuehltuerme": (
        "Die Kühltürme von Grauenfeld werden gesprengt",
        "Wissenschaft",
        "2025-03-01T08:00:00+01:00",
        ["Am Sonntag werden die beiden Kühltürme des stillgelegten Kraftwerks Grauenfeld gesprengt.",
         "Die Straßen rund um das Gelände bleiben von sechs bis zwölf Uhr gesperrt, teilte die Stadt mit.",
         "Anwohner dürfen ihre Häuser während der Sprengung nicht verlassen, sagte der Bürgermeister."],
    ),
    "tsunami": (
        "東北で津波警報、住民が高台に避難",
        "World",
        "2025-04-12T07:00:00+09:00",
        ["気象庁は十二日朝、東北地方の太平洋沿岸に津波警報を出した。",
         "沿岸の住民は高台や避難所に移り、鉄道は運転を見合わせている。",
         "専門家は今後も強い揺れに注意するよう呼びかけた。ｶﾀｶﾅの案内も出された。"],
    ),
    "typhoon": (
        "台风袭击沿海城市",
        "World",
        "2025-05-03T10:00:00+08:00",
        ["强台风周六登陆沿海城市，造成大面积停电。",
         "当地政府已经疏散了数万名居民，学校和商店暂时关闭。",
         "气象部门预计风雨将持续到下周一。"],
    ),
    "seoul": (
        "서울에서 폭우로 도로 통제",
        "World",
        "2025-06-04T09:00:00+09:00",
        ["서울에서 밤사이 내린 폭우로 주요 도로가 통제됐다.",
         "시민들은 대중교통을 이용해 달라는 안내를 받았다.",
         "기상청은 내일까지 비가 계속될 것으로 내다봤다."],
    ),
    "bangkok": (
        "น้ำท่วมหนักในกรุงเทพฯ",
        "World",
        "2025-07-05T09:00:00+07:00",
        ["ฝนตกหนักทำให้เกิดน้ำท่วมในหลายเขตของกรุงเทพมหานครเมื่อคืนนี้",
         "เจ้าหน้าที่เร่งสูบน้ำออกจากถนนสายหลัก",
         "ประชาชนได้รับคำแนะนำให้หลีกเลี่ยงการเดินทาง"],
    ),
    "trump-ukraine": (
        "Trump meets Zelensky to discuss a Ukraine ceasefire",
        "Politics",
        "2025-02-10T12:00:00+00:00",
        about("Ukraine ceasefire plan and what Trump wants from it"),
    ),
    "grain-deal": (
        "Ukraine grain deal renewed for a year",
        "Business",
        "2025-08-20T12:00:00+00:00",
        about("grain deal that lets Ukraine ship wheat"),
    ),
    "prisoners": (
        "Prisoner exchange agreed after long talks",
        "Politics",
        "2025-09-15T12:00:00+00:00",
        about("prisoner exchange between the two countries"),
    ),
}  # fmt: skip


def _title(key: str) -> str:
    return PAGES[key][0]


def write_pages(folder: Path) -> Path:
    """PAGES as saved pages in `folder`; the German one on a site of its own."""
    folder.mkdir(parents=True)
    for key, (title, section, published, paragraphs) in PAGES.items():
        site = "Grauenfelder Bote" if key == "kuehltuerme" else "Example Gazette"
        url = f"https://{'bote.example.de' if key == 'kuehltuerme' else 'news.example.org'}/{key}.html"
        page = news_page(title, paragraphs, url=url, section=section, published=published, site=site)
        (folder / f"{key}.html").write_text(page, encoding="utf-8")
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def search_run(request: pytest.FixtureRequest, run, tmp_path: Path):
    """The CLI on an archive of PAGES, its index in SQLite or in a fresh PostgreSQL database."""
    index_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    folder = write_pages(tmp_path / "pages")

    def invoke(*args: str):
        return run(*(["--index", index_url] if index_url else []), *args)

    invoke.index_url = index_url

    imported = invoke("import", "--jobs", "1", str(folder))
    assert imported.exit_code == 0 and f"archived {len(PAGES)}," in imported.stderr, imported.stderr
    return invoke


def titles(search_run, *args: str) -> list[str]:
    result = search_run("search", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return [hit["title"] for hit in json.loads(result.stdout)]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("津波", "tsunami"),  # two characters inside a title and a text
        ("津波警報", "tsunami"),
        ("避難", "tsunami"),  # in the text only
        ("高台", "tsunami"),
        ("カタカナ", "tsunami"),  # full-width query, half-width text (ｶﾀｶﾅ)
        ("台风", "typhoon"),
        ("沿海城市", "typhoon"),
        ("停电", "typhoon"),
        ("서울", "seoul"),  # the noun inside 서울에서
        ("폭우", "seoul"),
        ("น้ำท่วม", "bangkok"),
        ("กรุงเทพ", "bangkok"),
    ],
)
def test_words_inside_cjk_and_thai_text_are_found(search_run, query: str, key: str) -> None:
    assert titles(search_run, query) == [_title(key)]


def test_case_and_accents_are_folded_and_words_match_by_their_beginning(search_run) -> None:
    kuehltuerme = [_title("kuehltuerme")]
    for query in ("kuhlturme", "KÜHLTÜRME", "Kühltürme", "kuhl", "strasse", "STRAẞEN", "burgermeister"):
        assert titles(search_run, query) == kuehltuerme, query
    assert titles(search_run, '"kuhlturme"') == kuehltuerme  # quoted: the whole word
    assert titles(search_run, '"kuhl"') == []
    assert titles(search_run, "uhlturme") == []  # a word is matched from its beginning


def test_query_syntax(search_run) -> None:
    assert set(titles(search_run, "ukraine")) == {_title("trump-ukraine"), _title("grain-deal")}
    assert titles(search_run, "ukraine -trump") == [_title("grain-deal")]
    assert titles(search_run, "ukraine", "-trump") == [_title("grain-deal")]  # -trump as its own argument
    assert titles(search_run, "ukraine NOT trump") == [_title("grain-deal")]
    assert titles(search_run, "ukraine", "-hamas") != []  # a word, not the -h option
    assert titles(search_run, '"prisoner exchange"') == [_title("prisoners")]
    assert titles(search_run, '"exchange prisoner"') == []
    assert set(titles(search_run, "grain OR prisoner")) == {_title("grain-deal"), _title("prisoners")}
    assert titles(search_run, "ukraine grain OR prisoner") == [_title("grain-deal")]  # OR binds tighter
    assert titles(search_run, "(trump OR wheat) -zelensky") == [_title("grain-deal")]
    assert titles(search_run, "津波 OR 台风 -停电") == [_title("tsunami")]
    assert set(titles(search_run, "kuhlturme OR 津波")) == {_title("kuehltuerme"), _title("tsunami")}
    either = titles(search_run, "grain OR -ukraine", "--limit", "50")
    assert len(either) == len(PAGES) - 1 and _title("trump-ukraine") not in either
    assert titles(search_run, "ceasefire", "--limit", "5") == [_title("trump-ukraine")]
    excluded = titles(search_run, "-ukraine", "--limit", "50")
    assert len(excluded) == len(PAGES) - 2 and _title("grain-deal") not in excluded


MALFORMED = [
    ('"', 'the " at character 1 is never closed'),
    ('ukraine "grain deal', 'the " at character 9 is never closed'),
    ("NEAR(trump", "the ( at character 5 is never closed"),
    ("trump)", "the ) at character 6 closes no ("),
    ("OR trump", "OR at character 1 needs words on both sides"),
    ("trump OR", "OR at character 7 needs words on both sides"),
    ("trump AND", "AND at character 7 needs words on both sides"),
    ("trump NOT", "NOT at character 7 needs a word after it"),
    ("- & –", "nothing to search for (a query needs letters or digits)"),
]


@pytest.mark.parametrize(("query", "reason"), MALFORMED)
def test_a_malformed_query_is_one_error_line_and_exit_2(search_run, query: str, reason: str) -> None:
    result = search_run("search", query)
    assert result.exit_code == 2
    assert result.stderr == f"error: query {query!r}: {reason}\n"
    assert result.stdout == ""


def test_filters_as_on_list(search_run) -> None:
    assert titles(search_run, "ukraine", "--since", "2025-03-01") == [_title("grain-deal")]
    assert titles(search_run, "ukraine", "--until", "2025-03-01") == [_title("trump-ukraine")]
    assert titles(search_run, "ukraine", "--section", "business") == [_title("grain-deal")]
    assert titles(search_run, "ukraine OR kuhlturme", "--site", "bote.example.de") == [_title("kuehltuerme")]
    assert titles(search_run, "kuhlturme", "--site", "Grauenfelder Bote") == [_title("kuehltuerme")]
    assert titles(search_run, "kuhlturme", "--section", "world") == []
    bad = search_run("search", "ukraine", "--since", "March")
    assert bad.exit_code == 2 and "'March' is not a date like 2025-07-23" in bad.stderr


def test_one_line_per_hit_without_escape_codes_when_piped(search_run) -> None:
    result = search_run("search", "ukraine OR 津波")
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and "\x1b" not in result.stdout
    (tsunami,) = [line for line in lines if _title("tsunami") in line]
    assert "気象庁は十二日朝、東北地方の太平洋沿岸に津波警報を出した。 沿岸の住民" in tsunami  # paragraphs on one line
    hits = json.loads(search_run("search", "kuhlturme", "--json").stdout)
    assert "\x1b" not in json.dumps(hits, ensure_ascii=False)
    (hit,) = hits
    assert [hit["title"][start:end] for start, end in hit["title_matches"]] == ["Kühltürme"]
    assert {hit["snippet"][start:end] for start, end in hit["snippet_matches"]} == {"Kühltürme"}
    assert search_run("search", "zzzyzx").stderr == "no matches\n"


def test_matches_are_highlighted_at_a_terminal(tmp_path: Path, archive_dir: Path, run) -> None:
    page = news_page("Die Kühltürme fallen", about("Kühltürme"), url="https://bote.example.de/k.html")
    (tmp_path / "k.html").write_text(page, encoding="utf-8")
    assert run("import", str(tmp_path / "k.html")).exit_code == 0
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "newsarchive", "--archive", str(archive_dir), "search", "kuhlturme"]
    with subprocess.Popen(command, stdout=terminal, stderr=subprocess.PIPE) as process:
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the command has finished
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait() == 0
    os.close(controller)
    header, row = shown.decode().splitlines()
    assert header.split() == ["ID", "DATE", "TITLE", "SNIPPET"]
    assert "Die \x1b[1mKühltürme\x1b[0m fallen" in row
    assert row.index("Die") == header.index("TITLE")  # the title column lines up under its header


def test_a_deleted_article_leaves_no_search_rows(search_run, archive_dir: Path) -> None:
    (hit,) = json.loads(search_run("search", "津波", "--json").stdout)
    assert search_run("delete", hit["id"], "--yes").exit_code == 0
    assert search_run("search", "津波").stderr == "no matches\n"
    with Archive(archive_dir, index_url=search_run.index_url) as archive:
        for table in ("articles_fts", "articles_trigram"):
            assert archive.index.execute(f"SELECT id FROM {table} WHERE id = ?", (hit["id"],)) == [], table


UNICODE61_FTS = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2')"
)


def _as_older_schema(index_file: Path, archive_dir: Path, schema: int) -> None:
    """The index as newsarchive made it before the search tables changed (schema 1 or 2): one FTS
    table of the titles and texts as written."""
    with Archive(archive_dir) as archive:
        texts = [(row["id"], row["title"], archive.load(row["id"]).text) for row in archive.list()]
    db = sqlite3.connect(index_file)
    db.executescript("DROP TABLE articles_fts; DROP TABLE articles_trigram;")
    db.execute(UNICODE61_FTS)
    db.executemany("INSERT INTO articles_fts (id, title, text) VALUES (?, ?, ?)", texts)
    db.execute(f"PRAGMA user_version = {schema}")
    db.commit()
    db.close()


@pytest.mark.parametrize(("schema", "upgrade"), [(1, "search"), (2, "db upgrade")])
def test_an_older_sqlite_index_is_upgraded_when_opened(
    run, tmp_path: Path, archive_dir: Path, schema: int, upgrade: str
) -> None:
    page = news_page(PAGES["tsunami"][0], PAGES["tsunami"][3], url="https://news.example.org/tsunami.html")
    (tmp_path / "tsunami.html").write_text(page, encoding="utf-8")
    assert run("import", str(tmp_path / "tsunami.html")).exit_code == 0
    index_file = archive_dir / "index.sqlite"
    _as_older_schema(index_file, archive_dir, schema)

    refused = run("migrate", "--from", f"sqlite:///{index_file}", "--to", f"sqlite:///{tmp_path / 'copy.sqlite'}")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: the index {index_file} is at schema {schema}, this newsarchive needs {SQLITE_SCHEMA_VERSION}: "
        f"run 'newsarchive --index sqlite:///{index_file} db upgrade'\n"
    )
    if upgrade == "db upgrade":  # what the refusal says to run
        upgraded = run("--index", f"sqlite:///{index_file}", "db", "upgrade")
        assert upgraded.exit_code == 0 and "schema up to date" in upgraded.stderr
    found = run("search", "津波", "--json")  # else the search itself, opening the index, upgrades it
    assert [hit["title"] for hit in json.loads(found.stdout)] == [PAGES["tsunami"][0]]
    db = sqlite3.connect(index_file)
    assert db.execute("PRAGMA user_version").fetchone() == (SQLITE_SCHEMA_VERSION,)
    stored = db.execute("SELECT title FROM articles_trigram").fetchall()
    assert stored == [("東北で津波警報 住民が高台に避難",)]  # its folded words
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'articles_fts_unicode61'").fetchone() == (0,)
    db.close()


def test_db_upgrade_folds_the_search_texts_of_a_postgresql_index(
    run, pg_url: str, tmp_path: Path, archive_dir: Path
) -> None:
    from newsarchive.store.index.postgres import MIGRATIONS, _fold_search_texts

    for key in ("tsunami", "kuehltuerme"):
        title, _section, _published, paragraphs = PAGES[key]
        page = news_page(title, paragraphs, url=f"https://news.example.org/{key}.html")
        (tmp_path / f"{key}.html").write_text(page, encoding="utf-8")
    assert run("--index", pg_url, "import", "--jobs", "1", str(tmp_path)).exit_code == 0
    migration = next(version for version, _, steps in MIGRATIONS if _fold_search_texts in steps)
    with Archive(archive_dir, index_url=pg_url) as archive:  # as the schema before left it
        for row in archive.list():
            article = archive.load(row["id"])
            archive.index.execute(
                "UPDATE articles_fts SET title = ?, text = ? WHERE id = ?", (article.title, article.text, article.id)
            )
        archive.index.execute("DROP TABLE articles_trigram")
        archive.index.execute("DELETE FROM schema_migrations WHERE version >= ?", (migration,))

    behind = run("--index", pg_url, "search", "津波")
    assert behind.exit_code == 1
    assert f"is at schema {migration - 1}, this newsarchive needs" in behind.stderr
    upgraded = run("--index", pg_url, "db", "upgrade")
    assert upgraded.exit_code == 0
    assert f"applied migration {migration}: search in every script" in upgraded.stderr
    for query, key in (("津波", "tsunami"), ("kuhlturme", "kuehltuerme")):
        found = json.loads(run("--index", pg_url, "search", query, "--json").stdout)
        assert [hit["title"] for hit in found] == [PAGES[key][0]]
    with Archive(archive_dir, index_url=pg_url) as archive:
        indexes = archive.index.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'articles_trigram'")
        assert {row["indexname"] for row in indexes} >= {"articles_trigram_text", "articles_trigram_title"}


def test_without_pg_trgm_the_trigram_table_is_read_row_by_row(run, pg_url: str, tmp_path: Path) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as db:  # CREATE EXTENSION pg_trgm now fails: name taken
        db.execute("CREATE FUNCTION show_trgm(text) RETURNS text[] LANGUAGE sql AS 'SELECT ARRAY[]::text[]'")
    title, _section, _published, paragraphs = PAGES["tsunami"]
    (tmp_path / "t.html").write_text(news_page(title, paragraphs), encoding="utf-8")
    assert run("--index", pg_url, "import", str(tmp_path / "t.html")).exit_code == 0  # the schema is made
    for query in ("津波", "津波警報"):
        found = json.loads(run("--index", pg_url, "search", query, "--json").stdout)
        assert [hit["title"] for hit in found] == [title]
    with psycopg.connect(pg_url) as db:
        indexes = db.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'articles_trigram'").fetchall()
        assert indexes == [("articles_trigram_pkey",)]
        assert db.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() == (0,)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def any_query_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The CLI on one archive of PAGES for a whole module (hypothesis calls a test many times)."""
    from click.testing import CliRunner

    from newsarchive.cli import cli

    folder = tmp_path_factory.mktemp("any-query")
    options = ["--archive", str(folder / "archive")]
    if request.param == "postgresql":
        from tests.pg import database_url

        options += ["--index", database_url(request.getfixturevalue("postgres_server"), f"any_query_{os.getpid()}")]

    def invoke(*args: str):
        return CliRunner().invoke(cli, [*options, *args])

    result = invoke("import", "--jobs", "1", str(write_pages(folder / "p")))
    assert result.exit_code == 0, result.stderr
    return invoke


# Query syntax, FTS5 and tsquery syntax, accents, scripts without spaces, and odd characters.
QUERY_PIECES = st.sampled_from(
    [" ", '"', "(", ")", "-", "*", ":", "^", "'", "\\", "OR", "AND", "NOT", "NEAR", "ukraine", "trump", "kühl",
     "e\u0301", "ß", "İ", "津波", "警", "서울", "น้ำ", "ｶﾀ", "\u200b", "\x00", "%", "_", "@", "🙂"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(QUERY_PIECES, min_size=1, max_size=10).map("".join))
def test_any_query_is_answered_or_refused_in_one_line(any_query_run, query: str) -> None:
    result = any_query_run("search", "--json", "--", query)
    assert result.exit_code in (0, 2), (query, result.output, result.exception)
    if query.count('"') % 2:
        assert result.exit_code == 2 and "is never closed" in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("error: query ") and result.stderr.count("\n") == 1, result.stderr
    else:
        json.loads(result.stdout)
