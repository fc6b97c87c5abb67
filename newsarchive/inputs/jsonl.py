"""newsarchive's own JSON Lines export, read back by `import` article by article."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

from newsarchive.errors import SourceError
from newsarchive.files import open_regular
from newsarchive.model import Article


def read_jsonl_export(path: Path) -> Iterator[tuple[int, Article | SourceError]]:
    """The articles of a JSONL export, line by line: (line number, article or why not)."""
    with io.TextIOWrapper(open_regular(path), encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                article = Article.from_dict(data)
            except (ValueError, TypeError) as exc:
                yield number, SourceError(f"not an exported article ({exc})")
                continue
            article.source.pop("warc", None)  # it pointed into the exporting archive's raw files
            yield number, article
