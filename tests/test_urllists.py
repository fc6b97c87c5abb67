from __future__ import annotations

import json
from pathlib import Path

from newsarchive.inputs.urllists import list_format, read_url_list
from tests.localserver import LocalServer
from tests.pages import about, news_page

NETSCAPE = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<!-- This is an automatically generated file. -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
    <DT><H3 ADD_DATE="1700000000">News</H3>
    <DL><p>
        <DT><A HREF="{one}" ADD_DATE="1700000001" TAGS="local">Bridge story</A>
        <DT><A HREF="{two}&amp;ref=bookmarks" ADD_DATE="1700000002">Ferry story</A>
        <DT><A HREF="place:sort=8&maxResults=10">Most visited</A>
    </DL><p>
</DL><p>
"""
POCKET = """title,url,time_added,tags,status
Bridge story,{one},1700000001,local,unread
"Ferry, again",{two},1700000002,,archive
"""
INSTAPAPER = """URL,Title,Selection,Folder,Timestamp
{one},Bridge story,,Unread,1700000001
{two},Ferry story,,Archive,1700000002
"""


def test_formats_are_recognized_from_content() -> None:
    assert list_format(NETSCAPE) == "bookmarks"
    assert list_format(POCKET) == "csv"
    assert list_format(INSTAPAPER) == "csv"
    assert list_format("https://a.example.com/\n# comment\n") == "lines"


def test_each_format_gives_the_urls_in_order_once() -> None:
    one, two = "https://a.example.com/1", "https://a.example.com/2?x=1"
    assert read_url_list(NETSCAPE.format(one=one, two=two)) == [one, two + "&ref=bookmarks"]
    assert read_url_list(POCKET.format(one=one, two=two)) == [one, two]
    assert read_url_list(INSTAPAPER.format(one=one, two=two)) == [one, two]
    assert read_url_list(f"# list\n{one}  # first\n{one}\n\n{two}#frag\n") == [one, two + "#frag"]


def test_fetch_from_a_bookmarks_file_and_a_pocket_csv(run, server: LocalServer, tmp_path: Path) -> None:
    one = server.route("/one", news_page())
    two = server.route("/two", news_page(title="Ferry", url="https://n.example.org/local/f", paragraphs=about("ferry")))
    bookmarks = tmp_path / "bookmarks.html"  # the name says nothing: the content decides
    bookmarks.write_text(NETSCAPE.replace("&amp;ref=bookmarks", "").format(one=one, two=two), encoding="utf-8")
    result = run("fetch", "--from-file", str(bookmarks))
    assert result.exit_code == 0, result.output
    assert "archived 2" in result.stderr
    pocket = tmp_path / "export.txt"
    pocket.write_text(POCKET.format(one=one, two=two), encoding="utf-8")
    assert "duplicates 2" in run("fetch", "--from-file", str(pocket)).stderr
    assert len(json.loads(run("list", "--json").stdout)) == 2
