"""JSON Lines and JSON files: one article per record.

A record is an object with ``text`` or ``html`` (html goes through the HTML path)
and optional ``id``, ``url``, ``outlet``, ``title``, ``published``, ``author``,
``language``. A ``.json`` file may hold one record, an array of records, or an
object with an ``articles`` array; a ``.json`` file that turns out to be JSON Lines
is read as such. A bad line or record is rejected on its own; the rest goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storyline.ingest.article import make_article, origin
from storyline.ingest.dates import normalise_published
from storyline.ingest.decode import (
    REPAIR_NOTE,
    decode_text,
    load_bytes,
    normalise_text,
    repair_text,
)
from storyline.ingest.html import extract_page
from storyline.records import FieldOrigin, RawArticle, Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

# Record keys copied onto the article as-is (record key -> RawArticle field).
STRING_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "title"), ("url", "url"), ("outlet", "outlet"),
    ("author", "author"), ("language", "language"),
)

_JSON_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", int: "a number",
                    float: "a number", bool: "true/false", type(None): "null"}


def read_jsonl(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read a JSON Lines file: each non-blank line is one record, located as "line N"."""
    text = _load(path, settings)
    if isinstance(text, Rejected):
        yield text
        return
    yield from _read_lines(str(path), text, settings)


def read_json(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read a JSON file: an object, an array of objects, or ``{"articles": [...]}``."""
    source = str(path)
    text = _load(path, settings)
    if isinstance(text, Rejected):
        yield text
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several documents: this is JSON Lines named .json
            yield from _read_lines(source, text, settings)
            return
        yield Rejected(source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                       line=exc.lineno)
        return
    records = _records_of(data)
    if isinstance(records, str):
        yield Rejected(source, records)
        return
    for number, record in enumerate(records, start=1):
        yield record_to_article(record, source, f"record {number}", settings)


def _load(path: Path, settings: Settings) -> str | Rejected:
    """The file's text. Mojibake is repaired per value instead (``\\u`` escapes hide it
    from a repair of the raw file, and html values are repaired after extraction)."""
    data = load_bytes(path, settings)
    return data if isinstance(data, Rejected) else decode_text(data, repair=False, repair_c1=False).text


def _read_lines(source: str, text: str, settings: Settings) -> Iterator[RawArticle | Rejected]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(source, f"line {number} is not valid JSON: {exc.msg} "
                                   f"(column {exc.colno})", line=number)
            continue
        yield record_to_article(record, source, f"line {number}", settings, line=number)


def _records_of(data: Any) -> list[Any] | str:
    """The list of records in a parsed JSON document, or why there is none."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        return data["articles"]
    if isinstance(data, dict) and ("text" in data or "html" in data):
        return [data]
    if isinstance(data, dict):
        return ("the JSON object has neither article fields ('text' or 'html') "
                "nor an 'articles' list")
    return f"the JSON document is {_JSON_TYPE_NAMES.get(type(data), 'a value')}, not articles"


def record_to_article(record: Any, source: str, locator: str, settings: Settings,
                      line: int | None = None) -> RawArticle | Rejected:
    """One JSON record -> RawArticle, or a Rejected naming the record and the problem.

    Args:
        record: the parsed JSON value.
        source: the file path.
        locator: "line N" or "record N"; it starts every rejection reason.
        settings: ``min_article_chars`` applies to text extracted from ``html``.
        line: the line number for ``Rejected.line`` (JSON Lines).

    Example:
        >>> record_to_article({"title": "T", "text": "Body."}, "a.jsonl", "line 1",
        ...                   Settings()).title
        'T'
    """
    if not isinstance(record, dict):
        kind = _JSON_TYPE_NAMES.get(type(record), "a value")
        return Rejected(source, f"{locator} is {kind}, not an article object", line=line)
    body = _body(record, settings)
    if isinstance(body, str):
        return Rejected(source, f"{locator}: {body}", line=line)
    text, page_origins, notes = body
    published, note = normalise_published(record.get("published"))
    notes += [note] if note else []
    origins: list[FieldOrigin | None] = [
        origin(field, _string(record.get(key), key, notes), "json") for key, field in STRING_FIELDS
    ]
    origins.append(origin("published", published, "json", record.get("published")))
    return make_article(source, locator, "json", text, [*origins, *page_origins],
                        source_id=_source_id(record.get("id")), notes=notes)


def _body(record: dict[str, Any], settings: Settings
          ) -> tuple[str, tuple[FieldOrigin, ...], list[str]] | str:
    """(text, metadata found in the html, notes) of a record, or why it has none."""
    text, html = record.get("text"), record.get("html")
    for key, value in (("text", text), ("html", html)):
        if value is not None and not isinstance(value, str):
            return f"'{key}' is {_JSON_TYPE_NAMES.get(type(value), 'a value')}, not a string"
    if isinstance(text, str) and text.strip():
        notes = ["'html' ignored: the record also has 'text'"] if html else []
        repaired = repair_text(text)
        notes += [REPAIR_NOTE] if repaired != normalise_text(text) else []
        return repaired.strip("\n"), (), notes
    if isinstance(html, str) and html.strip():
        page = extract_page(html, _string(record.get("url"), "url", []),
                            min_chars=settings.min_article_chars)
        if isinstance(page, str):
            return f"{page} (from its 'html' field)"
        return page.text, page.origins, ["text extracted from the record's 'html' field",
                                         *page.notes]
    return "the record has no 'text' or 'html' field with content"


def _string(value: Any, key: str, notes: list[str]) -> str | None:
    """A metadata string (mojibake repaired), or None with a note for other JSON types."""
    if value is None or isinstance(value, str):
        return repair_text(value) if value else None
    notes.append(f"'{key}' ignored: it is {_JSON_TYPE_NAMES.get(type(value), 'a value')}, "
                 f"not a string")
    return None


def _source_id(value: Any) -> str | None:
    """The record's own id: strings and integers are ids; anything else is not."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        return str(value).strip() or None
    return None
