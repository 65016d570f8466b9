"""Stage 1, ingest: files on disk -> ``RawArticle | Rejected`` records.

One reader per format, picked by file suffix (``.gz`` allowed on top; gzip is also
recognised by its magic number whatever the name)::

    .txt                        text.read_text      title = first headline-like line
    .html .htm                  html.read_html      trafilatura + htmldate
    .jsonl .ndjson / .json      jsonl               one article per record
    .xml .rss .atom             feeds.read_feed     RSS/Atom entries (feedparser)
    .warc                       warc.read_warc      HTML responses (warcio)

Bad input never raises: every problem is a ``Rejected`` naming the file (and line
or record) with one sentence of reason, and the batch goes on.

Example:
    >>> from storyline.settings import Settings
    >>> for item in read_paths([Path("examples/putin-dprk-2024")], Settings()):  # doctest: +SKIP
    ...     print(item.title if isinstance(item, RawArticle) else item.reason)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from storyline.ingest.feeds import read_feed
from storyline.ingest.html import read_html
from storyline.ingest.jsonl import read_json, read_jsonl
from storyline.ingest.text import read_text
from storyline.ingest.warc import read_warc
from storyline.records import RawArticle, Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

Reader = Callable[[Path, Settings], Iterator[RawArticle | Rejected]]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".json": read_json,
    ".xml": read_feed,
    ".rss": read_feed,
    ".atom": read_feed,
    ".warc": read_warc,
}
COMPRESSED_SUFFIXES = (".gz",)

__all__ = ["READERS", "discover", "read_file", "read_paths", "reader_for"]


def reader_for(path: Path) -> Reader | None:
    """The reader for a file name (``a.html``, ``a.html.gz``, ``a.warc.gz``), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    return READERS.get(suffixes[-1]) if suffixes else None


def discover(paths: Iterable[Path]) -> Iterator[Path | Rejected]:
    """The files to read under ``paths``, in a stable order, each file once.

    Folders are walked recursively in sorted order; hidden files and folders
    (names starting with ".") and files without a reader are skipped there
    silently, since folders hold other things too. A path named explicitly is
    reported instead: a missing path or an unreadable suffix becomes a ``Rejected``.

    Args:
        paths: files and folders, as the user named them.

    Yields:
        Paths to read, and a ``Rejected`` for each named path that cannot be read.

    Example:
        >>> list(discover([Path("no/such/file.txt")]))
        [Rejected(source='no/such/file.txt', reason='no such file or folder', stage='ingest', line=None)]
    """
    seen: set[Path] = set()
    for path in paths:
        for found in _expand(Path(path)):
            key = found.resolve() if isinstance(found, Path) else None
            if key is not None and key in seen:
                continue
            if key is not None:
                seen.add(key)
            yield found


def _expand(path: Path) -> Iterator[Path | Rejected]:
    if path.is_dir():
        yield from _walk(path)
    elif path.is_file():
        if reader_for(path) is None:
            yield Rejected(str(path), f"unsupported file type {_suffix_label(path)}; "
                                      f"readable: {', '.join(sorted(READERS))} (optionally .gz)")
        else:
            yield path
    elif path.exists() or path.is_symlink():
        yield Rejected(str(path), "not a regular file or folder")
    else:
        yield Rejected(str(path), "no such file or folder")


def _walk(folder: Path) -> Iterator[Path | Rejected]:
    """Readable files under ``folder``, sorted by path; symlinked folders are not followed."""
    files: list[Path] = []
    errors: list[Rejected] = []

    def report(error: OSError) -> None:
        errors.append(Rejected(str(error.filename or folder),
                               f"cannot list the folder: {error.strerror or error}"))

    for root, dirs, names in os.walk(folder, onerror=report):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files.extend(Path(root) / name for name in names
                     if not name.startswith(".") and reader_for(Path(name)) is not None)
    yield from errors
    yield from sorted(files, key=lambda p: p.parts)


def _suffix_label(path: Path) -> str:
    """".md", ".tar.gz" or "(none)": the suffix a user would call the file type."""
    suffixes = path.suffixes[-2:] if path.suffix.lower() in COMPRESSED_SUFFIXES else path.suffixes[-1:]
    return "".join(suffixes) or "(none)"


def read_file(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read one file with the reader for its type: a pure function of the file.

    Args:
        path: a file (as yielded by ``discover``).
        settings: ``max_file_bytes`` and ``min_article_chars`` apply.

    Yields:
        One ``RawArticle`` per article found, a ``Rejected`` per problem. An
        unexpected error in a reader ends that file with a ``Rejected`` (and a
        logged traceback), never the batch.

    Example:
        >>> [a.title for a in read_file(Path("examples/putin-dprk-2024/"
        ...                                  "001_2510ba0cc4b04343.txt"), Settings())]
        ["White House comments on Putin's visit to Kim Jong Un: Russia is gathering a coalition"]
    """
    reader = reader_for(path)
    if reader is None:
        yield Rejected(str(path), f"unsupported file type {_suffix_label(path)}")
        return
    try:
        yield from reader(path, settings)
    except Exception as exc:  # noqa: BLE001 - the one place ingest isolates a file
        LOGGER.exception("reader %s failed on %s", reader.__name__, path)
        yield Rejected(str(path), f"could not be read ({type(exc).__name__}: {exc})")


def read_paths(paths: Iterable[Path], settings: Settings) -> Iterator[RawArticle | Rejected]:
    """``discover`` then ``read_file`` for each file: everything under ``paths``."""
    for found in discover(paths):
        if isinstance(found, Rejected):
            yield found
        else:
            yield from read_file(found, settings)
