"""RSS and Atom feeds (feedparser): one article per entry.

The full ``content`` of an entry is preferred over its ``summary`` (many feeds put
only a teaser in the summary). Markup goes through the HTML path; when trafilatura
finds no article in a short fragment, the fragment's plain text is used instead,
since a feed entry's content is already the article and has no page boilerplate.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser

from storyline.ingest.article import make_article, origin
from storyline.ingest.dates import normalise_published
from storyline.ingest.decode import load_bytes, repair_text
from storyline.ingest.html import extract_page, markup_text, tidy_lines
from storyline.records import FieldOrigin, RawArticle, Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

MARKUP_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})


def read_feed(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read an RSS/Atom file; entries are located as "entry N" (1-based, feed order)."""
    source = str(path)
    data = load_bytes(path, settings)
    if isinstance(data, Rejected):
        yield data
        return
    # A stream, never a str: feedparser would treat a string as a URL or a filename.
    parsed = feedparser.parse(io.BytesIO(data))
    if not parsed.entries:
        yield Rejected(source, _why_no_entries(parsed))
        return
    feed_notes = []
    if parsed.bozo:
        feed_notes.append(f"the feed is not well-formed ({parsed.get('bozo_exception')}); "
                          f"read with feedparser's lenient parser")
    outlet = origin("outlet", _plain(parsed.feed.get("title"), parsed.feed.get("title_detail")),
                    "feed", parsed.feed.get("title"))
    language = _language(parsed.feed.get("language"))
    for number, entry in enumerate(parsed.entries, start=1):
        yield entry_to_article(entry, source, number, [outlet, language], feed_notes, settings)


def _why_no_entries(parsed: Any) -> str:
    if parsed.bozo:
        return f"not an RSS/Atom feed: {parsed.get('bozo_exception')}"
    if not parsed.get("version"):
        return "not an RSS/Atom feed: no <rss>, <feed> or <rdf:RDF> element found"
    return "the feed has no entries"


def entry_to_article(entry: Any, source: str, number: int, feed_origins: list[FieldOrigin | None],
                     notes: list[str], settings: Settings) -> RawArticle | Rejected:
    """One feed entry -> RawArticle, or a Rejected naming the entry."""
    locator = f"entry {number}"
    link = entry.get("link") or None
    body = _entry_text(entry, link, settings)
    if isinstance(body, str):
        return Rejected(source, f"{locator}: {body}")
    text, page_origins, body_notes = body
    raw_date = entry.get("published") or entry.get("updated")
    published, date_note = normalise_published(raw_date)
    origins = [
        origin("title", _plain(entry.get("title"), entry.get("title_detail")), "feed",
               entry.get("title")),
        origin("url", link, "feed"),
        origin("author", repair_text(entry.get("author") or ""), "feed", entry.get("author")),
        origin("published", published, "feed", raw_date),
        *feed_origins, *page_origins,
    ]
    all_notes = [*notes, *body_notes, *([date_note] if date_note else [])]
    return make_article(source, locator, "feed", text, origins,
                        source_id=entry.get("id") or None, notes=all_notes)


def _entry_text(entry: Any, link: str | None, settings: Settings
                ) -> tuple[str, tuple[FieldOrigin, ...], list[str]] | str:
    """(text, metadata from its markup, notes) of an entry, or why it has no text."""
    part, where = _best_part(entry)
    if part is None:
        return "the entry has no content or summary"
    value = part.get("value") or ""
    if (part.get("type") or "").lower() not in MARKUP_TYPES:
        text = repair_text(tidy_lines(value))
        return (text, (), [f"text from the entry's {where}"]) if text else f"the entry's {where} is empty"
    page = extract_page(value, link, min_chars=settings.min_article_chars)
    if not isinstance(page, str):
        # Only the page's language is kept: a fragment's "title" is its first line.
        language = tuple(o for o in page.origins if o.field == "language")
        return page.text, language, [f"text from the entry's {where} (HTML)", *page.notes]
    text = repair_text(markup_text(value))
    if not text:
        return f"the entry's {where} has no text"
    return text, (), [f"text from the entry's {where}: plain text of its HTML, "
                      f"too short for article extraction"]


def _best_part(entry: Any) -> tuple[dict[str, Any] | None, str]:
    """The entry's longest ``content`` part, else its ``summary``."""
    parts = [p for p in entry.get("content") or [] if (p.get("value") or "").strip()]
    if parts:
        return max(parts, key=lambda p: len(p.get("value") or "")), "content"
    if (entry.get("summary") or "").strip():
        detail = entry.get("summary_detail") or {}
        return {"value": entry.get("summary"), "type": detail.get("type", "text/html")}, "summary"
    return None, ""


def _plain(value: str | None, detail: dict[str, Any] | None) -> str | None:
    """A title as plain text (feed titles may be HTML-typed)."""
    if not value:
        return None
    value = repair_text(value)
    if detail and (detail.get("type") or "").lower() in MARKUP_TYPES and "<" in value:
        return markup_text(value).replace("\n", " ") or None
    return value


def _language(raw: str | None) -> FieldOrigin | None:
    """The feed's declared language ("en-us" -> "en")."""
    if not raw or not raw.strip():
        return None
    primary = raw.strip().replace("_", "-").split("-")[0].lower()
    return FieldOrigin("language", primary, "feed", raw.strip()) if primary.isalpha() else None
