"""Publication dates given by a source (JSON field, feed entry) -> ISO 8601, or nothing.

The rule is: never guess. A value is accepted only in a form that has one reading
(ISO 8601, RFC 2822 as feeds and e-mail write it, or a month written as a word). A
timezone is kept when the source gives one and never invented when it does not.
``06/07/2024`` (day or month first?) and bare numbers (seconds or milliseconds?)
are refused with a note instead.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from email.utils import parsedate_to_datetime

LOGGER = logging.getLogger(__name__)

# Formats with the month as a word: unambiguous in any locale that writes English.
WORDED_FORMATS: tuple[str, ...] = (
    "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y",
    "%A, %B %d, %Y", "%a, %b %d, %Y", "%A, %d %B %Y", "%a, %d %b %Y",
    "%B %d, %Y %H:%M", "%b %d, %Y %H:%M", "%d %B %Y %H:%M", "%d %b %Y %H:%M",
    "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M %p",
)

# "2024-06-18 10:00 UTC" and "...Z": name the zone the way fromisoformat reads it.
_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)


def normalise_published(value: object) -> tuple[str | None, str | None]:
    """An ISO 8601 string for ``value``, or None with a note saying why it was left out.

    Args:
        value: what the source gave (usually a string; numbers are refused).

    Returns:
        ``(iso, None)`` when read, ``(None, note)`` when not, ``(None, None)`` when empty.

    Example:
        >>> normalise_published("Tue, 18 Jun 2024 22:29:00 +0300")
        ('2024-06-18T22:29:00+03:00', None)
        >>> normalise_published("18 June 2024")
        ('2024-06-18', None)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if not isinstance(value, str):
        return None, (f"published value {value!r} is not a date string "
                      f"(a bare number could be seconds or milliseconds); left empty")
    text = " ".join(value.split())
    parsed = _parse_iso(text) or _parse_rfc2822(text) or _parse_worded(text)
    if parsed is None:
        return None, f"published value {value!r} is not a date in a form we can read safely; left empty"
    return parsed, None


def _parse_iso(text: str) -> str | None:
    try:
        parsed = datetime.fromisoformat(_UTC_SUFFIX.sub("+00:00", text))
    except ValueError:
        return None
    # fromisoformat turns a bare date into midnight; a date without a time stays a date.
    has_time = "T" in text or ":" in text
    return parsed.isoformat() if has_time else parsed.date().isoformat()


def _parse_rfc2822(text: str) -> str | None:
    if not re.search(r"\d{1,2}:\d{2}", text):
        return None  # RFC 2822 always has a time; without one the form is not RFC 2822
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    # parsedate_to_datetime gives a naive datetime for "-0000" (zone unknown): keep naive.
    return parsed.isoformat()


def _parse_worded(text: str) -> str | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in WORDED_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat() if "%H" not in fmt and "%I" not in fmt else parsed.isoformat()
    return None
