"""HTML pages -> article text and metadata, with trafilatura and htmldate.

``extract_page`` is the one HTML path: HTML files, JSON records with an ``html``
field, feed entries with markup and WARC responses all go through it, so they are
extracted the same way. It returns the text (one paragraph per line) and a
``FieldOrigin`` for every metadata value, or the reason it found no article.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from storyline.ingest.article import make_article, origin
from storyline.ingest.decode import (
    REPAIR_NOTE,
    decode_text,
    declared_charset,
    load_bytes,
    normalise_text,
    repair_text,
)
from storyline.records import FieldOrigin, RawArticle, Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

NO_ARTICLE = "no article text found in the page"

# trafilatura options, measured with bench/html_extraction.py on the Zyte
# article-extraction-benchmark (181 news pages, shingle F1):
#   extract(html) defaults ............................ F1 0.953 (P 0.928, R 0.978)
#   + include_comments=False ........................... F1 0.960 (P 0.942, R 0.978)
#   + favor_precision=True (ours) ...................... F1 0.964 (P 0.958, R 0.971)
#   + include_tables=False instead ..................... F1 0.957
#   favor_recall / fast variants ....................... F1 0.959 / 0.962
# Reader comments are not the article, and a boilerplate line that slips through
# becomes a false "fact" that other outlets seem to corroborate, so precision wins.
EXTRACTION_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "favor_precision": True,
    "include_tables": True,
    "with_metadata": True,
    "output_format": "python",
    # htmldate: the original publication date, from the page's markup (meta tags,
    # JSON-LD, <time>, URL) only. The extensive search also reads free text and falls
    # back to a copyright line, turning "© 2024" into 2024-01-01: a guess. On the first
    # 80 benchmark pages it found a date for one more page (80 vs 79).
    "date_extraction_params": {"original_date": True, "extensive_search": False},
}

# Where a page states its language, most specific first.
LANGUAGE_XPATHS: tuple[str, ...] = (
    "/html/@lang",
    "/html/@xml:lang",
    "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content",
    "//meta[@property='og:locale']/@content",
)
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")

# Tags after which plain text breaks the line (used for fragments trafilatura rejects).
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figcaption", "dd", "dt",
})
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe"})


@dataclass(frozen=True, slots=True)
class Page:
    """What the HTML path found in one page: text and metadata with their origins."""

    text: str
    origins: tuple[FieldOrigin, ...]
    notes: tuple[str, ...] = ()


def read_html(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read one HTML file (gzip allowed): decoded with its declared charset as a hint."""
    data = load_bytes(path, settings)
    if isinstance(data, Rejected):
        yield data
        return
    decoded = decode_text(data, declared_charset(data), repair=False)
    page = extract_page(decoded.text, min_chars=settings.min_article_chars)
    if isinstance(page, str):
        yield Rejected(str(path), page)
        return
    yield make_article(str(path), "", "html", page.text, page.origins,
                       notes=decoded.notes + page.notes)


def extract_page(html: str, url: str | None = None, *, min_chars: int = 1) -> Page | str:
    """Article text and metadata of one HTML page, or the reason there is none.

    Args:
        html: the page, already decoded.
        url: the page's address when the container knows it (WARC, JSON); helps
            trafilatura and htmldate. Callers list it before the page's own URL.
        min_chars: extracted text shorter than this is not an article (a page of
            links yields "Home News"); pass ``settings.min_article_chars``.

    Returns:
        A ``Page`` (text: one paragraph per line), or a sentence saying why not.

    Example:
        >>> page = extract_page("<html><body><article><p>" + "Words. " * 40 +
        ...                     "</p></article></body></html>")
        >>> page.text.startswith("Words.")
        True
    """
    tree = load_html(html)
    if tree is None:
        return "the page could not be parsed as HTML"
    language = page_language(tree)
    try:
        document = bare_extraction(tree, url=url, **EXTRACTION_OPTIONS)
    except (ValueError, TypeError, lxml.etree.LxmlError) as exc:
        # trafilatura catches its own ValueErrors; anything escaping is a parser failure.
        LOGGER.warning("trafilatura failed on a page: %s", exc)
        return f"the page could not be parsed as HTML ({exc})"
    raw_text = tidy_lines(document.text or "") if document is not None else ""
    if len(raw_text) < min_chars:
        return NO_ARTICLE
    text = repair_text(raw_text)
    notes = (REPAIR_NOTE,) if text != raw_text else ()
    origins = (
        _repaired("title", document.title, "trafilatura"),
        origin("url", document.url, "trafilatura"),
        _repaired("outlet", document.sitename, "trafilatura"),
        _repaired("author", document.author, "trafilatura"),
        origin("published", document.date, "htmldate"),
        language,
    )
    return Page(text, tuple(o for o in origins if o is not None), notes)


def _repaired(field: str, value: str | None, method: str) -> FieldOrigin | None:
    """An origin whose value has mojibake repaired; the evidence keeps the raw value."""
    return origin(field, repair_text(value), method, value) if value else None


def page_language(tree: lxml.html.HtmlElement) -> FieldOrigin | None:
    """The language a page declares (``<html lang>``, content-language, og:locale)."""
    for xpath in LANGUAGE_XPATHS:
        try:
            values = tree.xpath(xpath, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
        except lxml.etree.XPathError:
            continue
        for raw in values:
            match = _LANGUAGE_TAG.match(str(raw).strip())
            if match:
                return FieldOrigin("language", match.group(1).lower(), "html-lang", str(raw).strip())
    return None


def tidy_lines(text: str) -> str:
    """One paragraph per line: whitespace inside lines collapsed, empty lines dropped."""
    lines = (" ".join(line.split()) for line in normalise_text(text).split("\n"))
    return "\n".join(line for line in lines if line)


def markup_text(fragment: str) -> str:
    """Plain text of an HTML fragment, a line per block element (no boilerplate removal).

    For markup that is already just the article (a feed entry's content), where
    trafilatura may find too little to call it an article.
    """
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return tidy_lines(fragment)
    for element in root.xpath("|".join(f"//{tag}" for tag in SKIP_TAGS)):
        element.drop_tree()  # keeps the element's tail text
    parts: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        block = element.tag in BLOCK_TAGS
        if event == "start":
            parts.append("\n" if block else "")
            parts.append(element.text or "")
        else:
            parts.append("\n" if block else "")
            parts.append("" if element is root else element.tail or "")
    return tidy_lines("".join(parts))
