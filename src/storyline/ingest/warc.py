"""WARC web archives (warcio): each HTML response becomes an article.

Only successful (2xx) HTTP responses and ``resource`` records whose content type
is HTML are read; requests, metadata, images, redirects and error pages are
skipped, because they are not articles. The file is streamed record by record
(crawls are often gigabytes), so ``max_file_bytes`` applies to each record's
payload, not to the file.

warcio ends quietly on a truncated or corrupt file; this reader checks for it
(a record shorter than its Content-Length, a header cut short, bytes left after
the last record) and reports the damage, keeping the records read before it.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storyline.ingest.article import make_article, origin
from storyline.ingest.decode import binary_kind, decode_text, declared_charset, over_limit
from storyline.ingest.html import extract_page
from storyline.records import RawArticle, Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")

# Every WARC record has these (WARC 1.1, section 5); warcio reads a header cut short
# by the end of the file as a record without them.
REQUIRED_HEADERS = ("WARC-Type", "Content-Length")

# What the decompressor and parser raise on a damaged file.
DAMAGE_ERRORS: tuple[type[BaseException], ...] = (
    ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error)


def read_warc(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read the HTML responses of a WARC file (plain or record-gzipped)."""
    source = str(path)
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as exc:
        yield Rejected(source, f"cannot read the file: {exc.strerror or exc}")
        return
    if size == 0:
        handle.close()
        yield Rejected(source, "empty file")
        return
    with handle:
        yield from _read_records(handle, source, size, settings)


def _read_records(handle: BinaryIO, source: str, size: int,
                  settings: Settings) -> Iterator[RawArticle | Rejected]:
    records = ArchiveIterator(handle)
    number = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except Exception as exc:  # noqa: BLE001 - warcio signals damage with many types
            yield _damaged(source, number, f"record {number + 1} cannot be parsed "
                                           f"({type(exc).__name__}: {exc})")
            return
        number += 1
        if not all(record.rec_headers.get_header(name) for name in REQUIRED_HEADERS):
            yield _damaged(source, number - 1, f"record {number} has an incomplete header")
            return
        try:
            item = _read_record(record, source, f"record {number}", settings)
        except DAMAGE_ERRORS as exc:
            yield _damaged(source, number - 1, f"record {number} cannot be read ({exc})")
            return
        if getattr(record.raw_stream, "limit", 0) > 0:
            yield _damaged(source, number - 1, f"record {number} is cut short")
            return
        if item is not None:
            yield item
    if number == 0:
        yield Rejected(source, "not a readable WARC file: no complete WARC record found")
        return
    unread = size - records.offset
    if unread > 0:
        yield _damaged(source, number, f"{unread} bytes at the end are not a WARC record")


def _damaged(source: str, good: int, detail: str) -> Rejected:
    """The file is unreadable from record ``good + 1`` on; records before it were read."""
    detail = " ".join(detail.split())  # warcio's messages span several lines
    if good == 0:
        return Rejected(source, f"not a readable WARC file: {detail}")
    return Rejected(source, f"the WARC file is damaged after record {good}: {detail}")


def _read_record(record: Any, source: str, locator: str,
                 settings: Settings) -> RawArticle | Rejected | None:
    """One WARC record -> an article, a Rejected, or None when it is not an HTML page.

    The record's content is always read to its end, so the caller can check that
    the record was complete.
    """
    content_type = _content_type(record)
    if not _is_html_page(record, content_type):
        _drain(record)
        return None
    payload = record.content_stream().read(settings.max_file_bytes + 1)
    _drain(record)
    if len(payload) > settings.max_file_bytes:
        return over_limit(source, f"{locator}: the page has", settings.max_file_bytes)
    return _page_article(record, payload, content_type, source, locator, settings)


def _page_article(record: Any, payload: bytes, content_type: str, source: str, locator: str,
                  settings: Settings) -> RawArticle | Rejected:
    url = record.rec_headers.get_header("WARC-Target-URI") or None
    if not payload.strip():
        return Rejected(source, f"{locator} ({url}): the response is empty")
    kind = binary_kind(payload)
    if kind:
        return Rejected(source, f"{locator} ({url}): labelled HTML but looks like {kind}")
    decoded = decode_text(payload, _charset(content_type) or declared_charset(payload), repair=False)
    page = extract_page(decoded.text, url, min_chars=settings.min_article_chars)
    if isinstance(page, str):
        return Rejected(source, f"{locator} ({url}): {page}")
    return make_article(source, locator, "warc", page.text,
                        [origin("url", url, "warc-header"), *page.origins],
                        source_id=record.rec_headers.get_header("WARC-Record-ID"),
                        notes=decoded.notes + page.notes)


def _content_type(record: Any) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    return (headers.get_header("Content-Type") or "").lower()


def _is_html_page(record: Any, content_type: str) -> bool:
    if not content_type.startswith(HTML_TYPES):
        return False
    if record.rec_type == "resource":
        return True
    if record.rec_type != "response" or record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode() or ""
    return status.startswith("2")


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _drain(record: Any) -> None:
    """Skip a record's content (warcio also does this, but reading here surfaces damage)."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
