"""newsarchive's own JSON Lines export, read back by `import` article by article."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from newsarchive.errors import ArticleDataError, SourceError
from newsarchive.files import open_regular
from newsarchive.model import Article
from newsarchive.render import read_article_json


def read_jsonl_export(path: Path) -> Iterator[tuple[int, Article | SourceError]]:
    """The articles of a JSONL export, line by line: (line number, article or why not)."""
    with open_regular(path) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                article = read_article_json(line)
            except ArticleDataError as exc:
                yield number, SourceError(f"not an exported article ({exc})")
                continue
            article.source.pop("warc", None)  # it pointed into the exporting archive's raw files
            yield number, article
