"""What changed between two versions of an article, and an article's versions as the archive keeps them.

The diff is a pure function of two Articles: their paragraphs are aligned with difflib (an
edited paragraph is paired with the one it came from when most of its words are kept, so a
changed sentence reads as a change, not as one paragraph removed and another added), and a
changed paragraph is diffed again word by word. Terminal, JSON and site views are drawn from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal

from newsarchive.errors import ConfigError, NotFoundError
from newsarchive.model import Article
from newsarchive.store.archive import Archive

# Fields besides the title and the body whose changes a diff reports.
METADATA_FIELDS = ("description", "authors", "published", "modified", "section", "tags", "categories", "image")
# A new paragraph is an edit of an old one when this share of their words lines up.
SAME_PARAGRAPH = 0.5
WORDS_AND_SPACES = re.compile(r"\s+|[^\s]+")

Kind = Literal["same", "added", "removed", "changed"]
Segment = tuple[Literal["same", "added", "removed"], str]


@dataclass(frozen=True)
class Paragraph:
    """One step of the aligned bodies: a paragraph kept, added, removed, or changed (old → new)."""

    kind: Kind
    old: str | None
    new: str | None

    @property
    def words(self) -> list[Segment]:
        """A changed paragraph as runs of kept, removed and added words (with their spaces)."""
        if self.kind == "changed":
            return word_diff(self.old or "", self.new or "")
        side = self.new if self.kind in ("same", "added") else self.old
        return [("same" if self.kind == "same" else self.kind, side or "")]


@dataclass(frozen=True)
class ArticleDiff:
    old_version: int
    new_version: int
    title: tuple[str, str] | None  # (old, new) when the title changed
    metadata: dict[str, tuple[Any, Any]]  # field → (old, new), for the fields that changed
    paragraphs: list[Paragraph] = field(default_factory=list)

    def of_kind(self, kind: Kind) -> list[Paragraph]:
        return [paragraph for paragraph in self.paragraphs if paragraph.kind == kind]

    @property
    def changed(self) -> bool:
        return bool(self.title or self.metadata or any(p.kind != "same" for p in self.paragraphs))

    def summary(self) -> str:
        """One line: 'title changed; 2 paragraphs added, 1 changed'."""
        parts = ["title changed"] if self.title else []
        parts += [f"{name} changed" for name in self.metadata]
        counts = [(n, kind) for kind in ("added", "changed", "removed") if (n := len(self.of_kind(kind)))]
        if counts:
            (first, kind), rest = counts[0], counts[1:]
            noun = "paragraph" if first == 1 else "paragraphs"
            parts.append(", ".join([f"{first} {noun} {kind}", *(f"{n} {kind}" for n, kind in rest)]))
        return "; ".join(parts) if parts else "no visible change (the same words, differently laid out)"

    def to_dict(self) -> dict[str, Any]:
        """What --json prints: the title and metadata changes, and the paragraphs added, removed
        and changed (old and new text)."""

        def change(pair: tuple[Any, Any]) -> dict[str, Any]:
            return {"old": pair[0], "new": pair[1]}

        return {
            "from": self.old_version,
            "to": self.new_version,
            "summary": self.summary(),
            "title": change(self.title) if self.title else None,
            "metadata": {name: change(pair) for name, pair in self.metadata.items()},
            "added": [p.new for p in self.of_kind("added")],
            "removed": [p.old for p in self.of_kind("removed")],
            "changed": [{"old": p.old, "new": p.new} for p in self.of_kind("changed")],
        }


def paragraphs_of(article: Article) -> list[str]:
    """The body's paragraphs (headings and list items included) as the text keeps them."""
    return [part.strip() for part in article.text.split("\n\n") if part.strip()]


def diff_articles(old: Article, new: Article) -> ArticleDiff:
    """What changed from `old` to `new`: title, metadata, and the body paragraph by paragraph."""
    metadata = {
        name: (getattr(old, name), getattr(new, name))
        for name in METADATA_FIELDS
        if getattr(old, name) != getattr(new, name)
    }
    title = (old.title, new.title) if old.title != new.title else None
    return ArticleDiff(old.version, new.version, title, metadata, align(paragraphs_of(old), paragraphs_of(new)))


def align(old: list[str], new: list[str]) -> list[Paragraph]:
    """The two lists of paragraphs in order, each kept, added, removed or changed."""
    steps: list[Paragraph] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            steps += [Paragraph("same", text, text) for text in old[i1:i2]]
        else:
            steps += _pair(old[i1:i2], new[j1:j2])
    return steps


def _similar(old: str, new: str) -> bool:
    return SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio() >= SAME_PARAGRAPH


def _pair(old: list[str], new: list[str]) -> list[Paragraph]:
    """A block of replaced paragraphs: each old one paired, in order, with a new one that keeps
    most of its words (a change); the rest are removed or added."""
    steps: list[Paragraph] = []
    i = j = 0
    while i < len(old) and j < len(new):
        if _similar(old[i], new[j]):
            steps.append(Paragraph("changed", old[i], new[j]))
            i, j = i + 1, j + 1
        elif any(_similar(old[i], later) for later in new[j + 1 :]):
            steps.append(Paragraph("added", None, new[j]))
            j += 1
        else:
            steps.append(Paragraph("removed", old[i], None))
            i += 1
    steps += [Paragraph("removed", text, None) for text in old[i:]]
    steps += [Paragraph("added", None, text) for text in new[j:]]
    return steps


def word_diff(old: str, new: str) -> list[Segment]:
    """Runs of kept, removed and added text from `old` to `new`, word by word (spaces kept)."""
    a, b = WORDS_AND_SPACES.findall(old), WORDS_AND_SPACES.findall(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(b[j1:j2])))
    return segments


# -- an article's versions in the archive -------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One stored version of an article, with what changed since the one before it."""

    article: Article
    json_path: str
    archived_at: str
    diff: ArticleDiff | None  # None for the first version
    reextracted: bool = False  # the same raw page as the version before, extracted again: no edit

    @property
    def summary(self) -> str:
        if self.diff is None:
            return "first version"
        return ("re-extracted: " if self.reextracted else "") + self.diff.summary()


def versions(archive: Archive, key: str) -> list[Version]:
    """Every version of the article with this id, id prefix or URL, oldest first."""
    article_id = archive.find(key)["id"]
    found: list[Version] = []
    previous: Article | None = None
    for row in archive.index.versions_of(article_id):
        article = archive.read_article(archive.root / row["json_path"])
        raw = article.source.get("sha256")
        reextracted = previous is not None and raw is not None and raw == previous.source.get("sha256")
        diff = diff_articles(previous, article) if previous is not None else None
        found.append(Version(article, row["json_path"], row["archived_at"], diff, reextracted))
        previous = article
    return found


def version_pair(archive: Archive, key: str, old: int | None = None, new: int | None = None) -> ArticleDiff:
    """The diff between two versions (by default the last two) of an article."""
    article_id = archive.find(key)["id"]
    rows = {row["version"]: row for row in archive.index.versions_of(article_id)}
    if len(rows) == 1:
        raise NotFoundError(f"article {article_id} has only one version: nothing to compare")
    new = new if new is not None else max(rows)
    old = old if old is not None else max((n for n in rows if n < new), default=new)
    for number in (old, new):
        if number not in rows:
            raise NotFoundError(f"article {article_id} has no version {number} (it has 1 to {max(rows)})")
    if old == new:
        raise ConfigError(f"--from and --to both name version {new}: give two versions to compare")
    first, second = (archive.read_article(archive.root / rows[n]["json_path"]) for n in (old, new))
    return diff_articles(first, second)


@dataclass(frozen=True)
class Edit:
    """A version after an article's first, with what changed: one entry of `changes`."""

    id: str
    version: Version


def edits(archive: Archive, since: str | None = None) -> list[Edit]:
    """The edits seen (versions after the first that came from a new page, not a re-extraction),
    newest first; `since` is a day the edit was seen on or after."""
    found: list[Edit] = []
    by_article: dict[str, list[Version]] = {}
    for row in archive.index.edits(since):
        if row["id"] not in by_article:
            by_article[row["id"]] = versions(archive, row["id"])
        version = next((v for v in by_article[row["id"]] if v.article.version == row["version"]), None)
        if version is not None and not version.reextracted:
            found.append(Edit(row["id"], version))
    return found
