"""Plain-text articles: the headline line becomes the title, the rest is the text.

Saved articles usually start with the headline, but some start with what a site
printed above it: a timestamp ("17.06.2024, 22:29"), a byline ("by Admin") or a
label line ("Source: OREANDA-NEWS"). Those lines are not the title; they stay in
the text, where the metadata heuristics (``ingest.metadata``) read them. Only the
chosen title line is taken out. A repeat of the title further down stays in the
text: cleaning removes it and records that it did.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from storyline.ingest.article import make_article, origin
from storyline.ingest.decode import decode_text, load_bytes
from storyline.records import RawArticle, Rejected
from storyline.settings import Settings

# Headlines are short: wire and web headlines stay well under 200 characters (SEO
# guidance cuts at ~70). A first line longer than this is body text, and the file
# has no title line.
MAX_TITLE_CHARS = 250

# Only the first few non-empty lines can hold the headline; below that it is body.
TITLE_SEARCH_LINES = 5

# Words that may appear in a line made only of a date or time.
_DATE_WORDS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?|am|pm|a\.m\.|p\.m\.|utc|gmt|[a-z]{1,2}[sd]t|msk|cet|cest"
    r"|published|updated|posted|modified|on|at"
)

# Lines that sit above a headline but are not one. Each: (why, pattern).
NOT_A_TITLE: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "17.06.2024, 22:29", "June 18, 2024 10:30 AM", "Updated: 18 Jun 2024"
    ("a date or time", re.compile(
        rf"^(?=.*\d)(?:[\d\s.,:/\-–+()|]|(?:{_DATE_WORDS})\b:?)+$", re.IGNORECASE)),
    # "by Admin", "By Jane Smith and John Doe" (names only, nothing else on the line)
    # Names must be capitalised, so a headline such as "By the numbers" is not a byline.
    ("a byline", re.compile(r"^(?i:by)\s+[A-Z][\w.'’-]*(?:\s+(?:and\s+)?[A-Z][\w.'’-]*){0,4}$")),
    # "Source: OREANDA-NEWS", "Author: ...", "Date: ..."
    ("a label line", re.compile(
        r"^(?:source|author|by|date|published|updated|posted|photo|image)\s*:", re.IGNORECASE)),
)


def read_text(path: Path, settings: Settings) -> Iterator[RawArticle | Rejected]:
    """Read one plain-text article: decoded, title line out, other lines kept in order
    (trailing spaces and the blank lines around the text dropped)."""
    data = load_bytes(path, settings)
    if isinstance(data, Rejected):
        yield data
        return
    decoded = decode_text(data)
    lines = [line.rstrip() for line in decoded.text.split("\n")]
    if not any(line.strip() for line in lines):
        yield Rejected(str(path), "the file contains only blank space")
        return
    index, note = find_title_line(lines)
    notes = list(decoded.notes) + ([note] if note else [])
    title = lines[index].strip() if index is not None else None
    body = lines if index is None else lines[:index] + lines[index + 1:]
    text = "\n".join(body).strip("\n")
    if not text.strip():
        yield Rejected(str(path), "the file has a title line but no article text")
        return
    yield make_article(str(path), "", "text", text,
                       [origin("title", title, "first-line")], notes=notes)


def find_title_line(lines: list[str]) -> tuple[int | None, str | None]:
    """Index of the headline among the first non-empty lines, and a note if it is absent."""
    candidates = [i for i, line in enumerate(lines) if line.strip()][:TITLE_SEARCH_LINES]
    for i in candidates:
        line = lines[i].strip()
        if len(line) > MAX_TITLE_CHARS:
            return None, (f"no title: line {i + 1} has {len(line)} characters, longer than "
                          f"a headline ({MAX_TITLE_CHARS})")
        if not_a_title(line) is None:
            return i, None
    return None, f"no title: none of the first {len(candidates)} lines looks like a headline"


def not_a_title(line: str) -> str | None:
    """Why ``line`` cannot be a headline (a date, a byline, a label), or None."""
    if not any(ch.isalpha() for ch in line):
        return "no letters"
    for why, pattern in NOT_A_TITLE:
        if pattern.match(line):
            return why
    return None
