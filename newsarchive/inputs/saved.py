"""Saved files → raw pages: walking folders, recognizing formats, recovering the page's URL."""

from __future__ import annotations

import fnmatch
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urljoin

from newsarchive.errors import CompressionError, SourceError, TooLargeError
from newsarchive.files import not_regular, open_regular
from newsarchive.inputs.formats import SavedPage, read_saved
from newsarchive.inputs.inflate import inflate
from newsarchive.inputs.warc import WARC_SUFFIXES, WarcProblem, WarcResponse, responses
from newsarchive.model import Article, RawPage, utf8_safe

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
GZIP_SUFFIXES = tuple(suffix + ".gz" for suffix in HTML_SUFFIXES)
SAVED_SUFFIXES = (".mhtml", ".mht", ".webarchive", ".zip")
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_TOTAL_BYTES = 1 << 30  # what all members of one zip may expand to, together
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl", ".ndjson")  # newsarchive's own export
SUPPORTED_SUFFIXES = HTML_SUFFIXES + GZIP_SUFFIXES + SAVED_SUFFIXES + TEXT_SUFFIXES + WARC_SUFFIXES + JSONL_SUFFIXES
# "Web Page, complete" keeps a page's scripts, styles, images and frames in "<name>_files/".
ASSETS_FOLDER_SUFFIX = "_files"


@dataclass(frozen=True)
class FileInput:
    """One file to import, and the folder it was found under (for --base-url)."""

    path: Path
    root: Path


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass(frozen=True)
class ZipMember:
    """One file inside a .zip, read in place; its name is never used as a path on disk."""

    path: Path  # the zip file
    member: str

    @property
    def label(self) -> str:
        return f"{self.path}!{self.member}"


@dataclass(frozen=True)
class Broken:
    """An input that failed before it could be read (a corrupt zip, say)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Exported:
    """An article from a JSONL export: stored as it is, not extracted again."""

    label: str
    article: Article


Input = FileInput | ZipMember | WarcResponse | Exported | Skipped | Broken


def is_supported(path: Path) -> bool:
    return path.name.lower().endswith(SUPPORTED_SUFFIXES)


def _matches(path: Path, root: Path, globs: tuple[str, ...]) -> bool:
    if not globs:
        return True
    relative = path.relative_to(root).as_posix() if path != root else path.name
    return any(fnmatch.fnmatch(path.name, g) or fnmatch.fnmatch(relative, g) for g in globs)


def iter_inputs(
    paths: Iterable[Path], globs: tuple[str, ...] = (), follow_symlinks: bool = False, expand: bool = True
) -> Iterator[Input]:
    """Files named, and files found under folders named, one at a time and in a stable order.

    Symlinked folders are followed once each, so a link loop ends; inside folders, a link that
    leads out of every folder named is not followed (it is reported) unless `follow_symlinks`,
    while a file named is read even through a link. FIFOs, sockets and devices are reported and
    never opened. Unsupported files found in a folder are reported as skipped, not as failures;
    a .zip stands for its members, and a .warc or .warc.gz for the HTML responses it recorded
    (unless not `expand`: then each is one FileInput, and none is opened).
    """
    paths = list(paths)
    inside = None if follow_symlinks else tuple(Path(os.path.realpath(path)) for path in paths if path.is_dir())
    for path in paths:
        if not path.exists() and not path.is_symlink():
            yield FileInput(path, path.parent)  # reading it reports the error
        elif path.is_dir():
            walked = _walk(path, globs, inside)
            yield from _expand_containers(walked) if expand else walked
        elif _matches(path, path.parent, globs):
            named = [_file_input(path, path.parent)]
            yield from _expand_containers(named) if expand else named


def progress_measure(paths: Iterable[Path], globs: tuple[str, ...], follow_symlinks: bool) -> tuple[int, bool]:
    """(total, in_bytes) for an import's progress bar: how many inputs there are, or when a WARC
    file is among them (its records are not known before it is read through) the bytes of all
    the files to read (not those skipped), which the run reports as it reads them (see runs.pipeline)."""
    paths = list(paths)
    files = [
        item.path for item in iter_inputs(paths, globs, follow_symlinks, expand=False) if isinstance(item, FileInput)
    ]
    if not any(path.name.lower().endswith(WARC_SUFFIXES) for path in files):
        return sum(1 for _ in iter_inputs(paths, globs, follow_symlinks)), False
    return sum(file_size(path) for path in files), True


def file_size(path: Path) -> int:
    """Its size, or 0 for a file that cannot be looked at (reading it reports why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _file_input(path: Path, root: Path) -> FileInput | Broken:
    """A file to read, or why it is not read: a FIFO or a device is never opened."""
    try:
        reason = not_regular(path.stat().st_mode)
    except OSError:
        reason = None  # reading it reports why (gone, a dangling link, a loop of links)
    return Broken(path, reason) if reason else FileInput(path, root)


def _expand_containers(items: Iterable[FileInput | Skipped | Broken]) -> Iterator[Input]:
    """A zip stands for its members, a WARC file for its HTML responses."""
    for item in items:
        name = item.path.name.lower() if isinstance(item, FileInput) else ""
        if name.endswith(".zip"):
            yield from _zip_members(item.path)
        elif name.endswith(JSONL_SUFFIXES):
            yield from _unless_unreadable(item.path, _exported(item.path))
        elif name.endswith(WARC_SUFFIXES):
            yield from _unless_unreadable(item.path, _warc_responses(item.path))
        else:
            yield item


def _exported(path: Path) -> Iterator[Exported | Broken]:
    from newsarchive.inputs.jsonl import read_jsonl_export

    for line, found in read_jsonl_export(path):
        label = f"{path}:{line}"
        yield Broken(Path(label), str(found)) if isinstance(found, Exception) else Exported(label, found)


def _warc_responses(path: Path) -> Iterator[WarcResponse | Broken]:
    for found in responses(path):
        yield Broken(Path(f"{found.path}@{found.offset}"), found.reason) if isinstance(found, WarcProblem) else found


def _unless_unreadable(path: Path, found: Iterator[Input]) -> Iterator[Input]:
    """What a container holds; one that cannot be opened is one failure, and the run goes on."""
    try:
        yield from found
    except SourceError as exc:
        yield Broken(path, str(exc))
    except OSError as exc:
        yield Broken(path, _unreadable(exc))


def _zip_members(path: Path) -> Iterator[ZipMember | Skipped | Broken]:
    """The members of a zip worth reading, in archive order; the central directory is read once."""
    try:
        with open_regular(path) as handle, zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, SourceError) as exc:
        yield Broken(path, f"not a readable zip archive ({exc})")
        return
    names = {info.filename for info in infos}
    total = 0
    for count, info in enumerate(infos):
        if info.is_dir():
            continue
        if count >= MAX_ZIP_MEMBERS:
            yield Broken(path, f"zip has more than {MAX_ZIP_MEMBERS:,} members; the rest were not read")
            return
        member = info.filename
        folder, _, name = member.rpartition("/")
        if _is_assets_folder(folder.rsplit("/", 1)[-1], [n.rpartition("/")[2] for n in names]):
            yield Skipped(Path(f"{path}!{member}"), "assets of a saved page ('Web Page, complete')")
            continue
        if not is_supported(Path(name)) or name.lower().endswith(".zip"):
            yield Skipped(Path(f"{path}!{member}"), "not a supported file type")
            continue
        total += info.file_size
        if total > MAX_ZIP_TOTAL_BYTES:
            yield Broken(Path(f"{path}!{member}"), f"zip expands beyond {MAX_ZIP_TOTAL_BYTES:,} bytes in all")
            continue
        yield ZipMember(path, member)


def unsafe_member_name(name: str) -> bool:
    """Absolute paths, drive letters and '..' in a member name: a zip trying to escape."""
    normalized = name.replace("\\", "/")
    parts = normalized.split("/")
    return normalized.startswith("/") or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":")


def read_zip_member(item: ZipMember, max_bytes: int = 64_000_000) -> RawPage:
    """Read one member with its size capped while decompressing, whatever its header claims."""
    if unsafe_member_name(item.member):
        raise SourceError("unsafe path inside the zip (refused)")
    try:
        with open_regular(item.path) as handle, zipfile.ZipFile(handle) as archive:
            info = archive.getinfo(item.member)
            if info.file_size > max_bytes:
                raise TooLargeError(f"expands to {info.file_size:,} bytes, over the {max_bytes:,} byte limit")
            with archive.open(info) as member:
                data = member.read(max_bytes + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise SourceError(f"cannot read from the zip ({exc})") from None
    if len(data) > max_bytes:
        raise TooLargeError(f"expands beyond the {max_bytes:,} byte limit")
    mtime = datetime(*info.date_time, tzinfo=UTC).isoformat(timespec="seconds")
    return page_from_bytes(item.member.rpartition("/")[2], data, item.label, mtime, max_bytes)


def _walk(
    root: Path, globs: tuple[str, ...], inside: tuple[Path, ...] | None
) -> Iterator[FileInput | Skipped | Broken]:
    """The files under root; links that lead out of the folders `inside` are reported, not
    followed (None: followed wherever they lead)."""
    seen: set[tuple[int, int]] = set()
    errors: list[OSError] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=True, onerror=errors.append):
        yield from _unreadable_folders(errors, directory)
        try:
            info = os.stat(directory)
        except OSError:
            dirnames[:] = []
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirnames[:] = []
            yield Skipped(Path(directory), "folder already visited (symlink loop)")
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for assets in [d for d in dirnames if _is_assets_folder(d, filenames)]:
            dirnames.remove(assets)
            yield Skipped(Path(directory) / assets, "assets of a saved page ('Web Page, complete')")
        for leaving in [d for d in dirnames if _leads_out(Path(directory) / d, inside)]:
            dirnames.remove(leaving)
            yield _not_followed(Path(directory) / leaving)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(directory) / name
            if not _matches(path, root, globs):
                continue
            if not is_supported(path):
                yield Skipped(path, "not a supported file type")
            elif _leads_out(path, inside):
                yield _not_followed(path)
            else:
                yield _file_input(path, root)
    yield from _unreadable_folders(errors, root)


def _unreadable_folders(errors: list[OSError], where: str | Path) -> Iterator[Broken]:
    """The folders os.walk could not list since it last reported: failures, like unreadable files."""
    while errors:
        error = errors.pop()
        yield Broken(Path(error.filename or where), f"cannot read folder: {error.strerror}")


def _leads_out(path: Path, inside: tuple[Path, ...] | None) -> bool:
    """A symlink whose target is in none of the folders `inside` (None: links may lead anywhere)."""
    if inside is None or not path.is_symlink():
        return False
    target = Path(os.path.realpath(path))
    return not any(target.is_relative_to(folder) for folder in inside)


def _not_followed(link: Path) -> Broken:
    target = os.path.realpath(link)
    return Broken(link, f"symlink to {target}, outside the folders named: not followed (--follow-symlinks follows it)")


def _is_assets_folder(folder: str, sibling_files: list[str]) -> bool:
    """'Story_files' beside 'Story.html' holds that page's assets, never articles."""
    if not folder.endswith(ASSETS_FOLDER_SUFFIX):
        return False
    stem = folder[: -len(ASSETS_FOLDER_SUFFIX)]
    return any(name.lower() in (stem.lower() + suffix for suffix in HTML_SUFFIXES) for name in sibling_files)


def _read_capped(path: Path, limit: int) -> tuple[bytes, str]:
    """The file's bytes and its modification time, read from one open (never blocking) file."""
    with open_regular(path) as handle:
        data = handle.read(limit + 1)
        stamp = os.fstat(handle.fileno()).st_mtime
    if len(data) > limit:
        raise TooLargeError(f"file is larger than the {limit:,} byte limit")
    return data, datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def _unreadable(exc: OSError) -> str:
    """Why a file could not be read, in a few words."""
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"


def read_file(item: FileInput, base_url: str | None = None, max_bytes: int = 64_000_000) -> RawPage:
    """Read one saved page; raises SourceError (or TooLargeError) naming the reason."""
    path = item.path
    if path.is_dir():
        raise SourceError("is a folder")
    try:
        data, mtime = _read_capped(path, max_bytes)
    except OSError as exc:
        raise SourceError(_unreadable(exc)) from None
    if not is_supported(path):
        raise SourceError(f"unsupported file type {path.suffix or '(no extension)'!r}")
    raw = page_from_bytes(path.name, data, utf8_safe(str(path.absolute())), mtime, max_bytes)
    if raw.url is None and base_url:
        relative = path.relative_to(item.root).as_posix() if item.root in path.parents else path.name
        url = urljoin(base_url if base_url.endswith("/") else base_url + "/", quote(relative, errors="surrogateescape"))
        raw = replace(raw, url=url)
    return raw


def _gunzip(data: bytes, limit: int) -> bytes:
    """A .gz file's page: every member, under one cap for them all, so a small .gz cannot
    expand into gigabytes, and a file cut short fails instead of passing for a short page."""
    try:
        return inflate(data, "gzip", limit, "file")
    except CompressionError as exc:
        raise SourceError(f"not a valid gzip file ({exc})") from None


def page_from_bytes(name: str, data: bytes, location: str, mtime: str | None, max_bytes: int = 64_000_000) -> RawPage:
    """A saved file's bytes as a page: gunzipped, unwrapped from its saved format (MHTML,
    webarchive…), with the file's own bytes kept when they are not the page itself."""
    original = data
    if name.lower().endswith(GZIP_SUFFIXES):
        data, name = _gunzip(data, max_bytes), name[: -len(".gz")]
    saved = read_saved(name, data)
    raw = _raw_page(saved, location, saved.url, mtime)
    return replace(raw, original=None if original == saved.content else original)


def _raw_page(saved: SavedPage, location: str, url: str | None, mtime: str | None) -> RawPage:
    return RawPage(
        content=saved.content,
        kind="file",
        location=location,
        format=saved.page_format,
        url=url,
        content_type=saved.content_type,
        file_mtime=mtime,
        file_format=saved.file_format,
        saved_at=saved.saved_at,
    )
