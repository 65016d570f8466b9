"""Metadata that plain text hides: datelines, "Source: X" lines, outlet tags,
"X reports" phrases and bylines.

Readers of structured formats (HTML, JSON, feeds) fill title/outlet/author/published
from markup; a .txt file has only lines. ``extract_text_metadata`` reads those lines
and says what it found and where: a ``FieldOrigin`` per value and a ``MetadataSpan``
per piece of text that is metadata rather than reporting (clean cuts those out).
It never guesses: a value that is not written in the text stays absent, and a date
written without a timezone stays naive.

Where each heuristic looks, and why:

- datelines and bylines: only in the *head*, the lines before the lead paragraph.
  Further down, "By Wednesday ..." or "June 17, 2024" are part of the reporting.
- "Source: X" lines: anywhere, but only as a whole, short line.
- reports / correspondent phrases: only in the lead paragraph, closing its first
  sentence or the paragraph, and only in the present tense. An outlet signs its own
  copy that way ("..., Ukrinform reports." / "..., TURAN's Washington correspondent
  reports."). A past-tense "Russian news agency Tass reported May 30" in the body is
  the article *citing* another outlet (a wire), not naming its own publisher.
- outlet tag: the lead starts with the outlet's name repeated ("OREANDA-NEWS The United
  States ...") and a capitalised word follows it; "Reuters reported ..." is a sentence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

from storyline.records import FieldOrigin, MetadataSpan, TextMetadata

LOGGER = logging.getLogger(__name__)

__all__ = ["extract_text_metadata", "parse_dateline", "parse_byline", "parse_source_line"]

# Non-empty lines (the reader's title included) looked at before giving up on finding
# the lead. The five sample heads hold at most four lines (title, byline, title again,
# dateline, source line); wire copy rarely has more than a kicker, title, subtitle,
# byline, dateline and source.
HEAD_MAX_LINES = 8
# A head line longer than this is a paragraph even without final punctuation.
HEADLINE_MAX_CHARS = 200
# Whole-line "Source: X" / byline values longer than this are sentences, not names.
NAME_MAX_CHARS = 60
NAME_MAX_WORDS = 6

_UPPER = "A-ZА-ЯЁІЇЄҐ"

# Month names as newspapers print them in datelines. Russian and Ukrainian dates use
# the genitive ("17 июня 2024"), so only that form is listed for them.
MONTHS = MappingProxyType({
    **{m: i for i, m in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"), 1)},
    **{m: i for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
         "dec"), 1)},
    "sept": 9,
    **{m: i for i, m in enumerate(
        ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
         "september", "oktober", "november", "dezember"), 1)},
    **{m: i for i, m in enumerate(
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
         "septembre", "octobre", "novembre", "décembre"), 1)},
    **{m: i for i, m in enumerate(
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre"), 1)},
    **{m: i for i, m in enumerate(
        ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
         "сентября", "октября", "ноября", "декабря"), 1)},
    **{m: i for i, m in enumerate(
        ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
         "вересня", "жовтня", "листопада", "грудня"), 1)},
})

# Timezone abbreviations with one fixed, defined offset. Anything else (IST, "Kyiv
# time") is accepted in a dateline but leaves the value naive rather than guessed.
TZ_OFFSETS = MappingProxyType({
    "Z": 0, "UTC": 0, "GMT": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "KST": 9, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "PST": -8, "PDT": -7,
})

_MONTH = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
_LABEL = (r"(?:(?i:published|updated|posted|date|опубликовано|опубліковано|"
          r"veröffentlicht|publié|publicado)(?:\s+on)?\s*[:：]?\s*)?")
_WEEKDAY = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = (r"(?:(?:T|\s*[,|•·—–-]?\s*(?:(?i:at|um|à|a las|в|о)\s+)?)"
         r"(?P<hh>\d{1,2})[:.h](?P<mi>\d{2})(?::(?P<ss>\d{2}))?"
         r"(?:\s*(?P<ampm>(?i:[ap]\.?m\.?)))?"
         r"(?:\s*\(?(?P<tz>Z|[+-]\d{2}:?\d{2}|(?:UTC|GMT)\s*[+-]\d{1,2}(?::?\d{2})?|[A-Z]{2,5})\)?)?)?")
_DATE_FORMS = (
    # 17.06.2024 — dotted dates are day-first wherever they are printed.
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",
    # 2024-06-17 (ISO 8601)
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})",
    # June 17, 2024 / Jun. 17th 2024
    rf"(?P<mon>(?i:{_MONTH}))\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})",
    # 17 June 2024 / 17. Juni 2024 / 17 de junio de 2024 / 17 июня 2024 г.
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:de\s+)?(?P<mon>(?i:{_MONTH}))\.?,?\s+"
    r"(?:de\s+)?(?P<y>\d{4})(?:\s*(?:г\.|р\.|года|року))?",
)
# Slashed dates (06/07/2024) are left out on purpose: day-first or month-first cannot
# be told from the text, and a wrong date is worse than none.
_DATELINES = tuple(re.compile(rf"^\s*{_LABEL}{_WEEKDAY}{form}{_TIME}\s*$") for form in _DATE_FORMS)

_BYLINE = re.compile(
    r"^\s*(?P<label>(?i:by|written by|posted by|author|authors|автор|автори|von|par|por))"
    r"\s*(?P<colon>[:：])?\s+(?P<name>\S.*?)\s*$")
# Words that may stand lowercase inside a personal name ("Ursula von der Leyen").
_NAME_PARTICLES = frozenset(
    "and & und et y и і та de da del di van von der den la le al bin ibn".split())

_SOURCE_LINE = re.compile(
    r"^\s*(?i:source|sources|джерело|источник|quelle|fuente|fonte)\s*[:：]\s*"
    r"(?P<value>\S.*?)\s*\.?\s*$")

# An outlet name: up to four capitalised words; dots only inside a word ("LIGA.net").
_WORD = r"[\w&-]*(?:\.[\w&-]+)*"
_NAME = rf"(?:[Tt]he\s+)?(?P<name>[{_UPPER}0-9]{_WORD}(?:\s+[{_UPPER}]{_WORD}){{0,3}})"
# "..., Ukrinform reports." / "..., reports Ukrinform." / "..., повідомляє Укрінформ."
_REPORTS = (
    re.compile(rf"[,—–]\s+(?:as\s+|according\s+to\s+)?{_NAME}\s+reports"
               r"(?:\s+(?:citing|with reference to|referring to)\s+[^.!?]*)?"),
    re.compile(rf"[,—–]\s+(?:reports|повідомляє|повідомляють|сообщает|сообщают|"
               rf"пише|пишет|berichtet|rapporte|informa)\s+(?:(?:die|der|das|le|la|el)\s+)?{_NAME}"),
)
# "..., TURAN's Washington correspondent reports." / "an Interfax correspondent reports"
# / "a correspondent of Ukrinform reports".
_CORRESPONDENT = (
    re.compile(rf"[,—–]\s+{_NAME}['’]s\s+(?:[\w-]+\s+){{0,3}}correspondent\s+reports"),
    re.compile(rf"[,—–]\s+an?\s+{_NAME}\s+correspondent\s+reports"),
    re.compile(rf"[,—–]\s+an?\s+correspondent\s+(?:of|for)\s+{_NAME}\s+reports"),
)
# A phrase counts when nothing but closing punctuation follows it: it ends the lead
# sentence (more text may follow) or the paragraph.
_PHRASE_END = re.compile(r"\s*[.!]?[\"”»’)]?(?:\s+(?=[\"“«" + _UPPER + r"])|\s*$)")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”»’)]?\s+[\"“«" + _UPPER + "]")
_PARAGRAPH_END = re.compile(r"[.!?…:;][\"”»’)\]]*\s*$")


def extract_text_metadata(lines: Sequence[str], title: str | None, *,
                          known_outlet: str | None = None) -> TextMetadata:
    """Find datelines, bylines, source lines, outlet tags and reports phrases in text.

    Args:
        lines: the article's raw lines (one paragraph per line, blanks allowed), the
            title line of a .txt file excluded.
        title: the reader's title (a .txt file's first line), or None. When it is
            itself a dateline, the first headline-like line of the head becomes the
            title (method "first-line") and the title line is reported as a span
            with index -1.
        known_outlet: the outlet structured metadata already named; used only to
            recognise a leading outlet tag.

    Returns:
        TextMetadata with every value found (FieldOrigin, in order of precedence),
        the spans of text that are metadata, and the index of the lead paragraph.

    Example:
        >>> meta = extract_text_metadata(["Source: OREANDA-NEWS", "OREANDA-NEWS The US said."], "Title")
        >>> meta.value("outlet"), meta.spans[-1].end
        ('OREANDA-NEWS', 13)
    """
    origins, spans, lead = _scan_head(lines, title)
    seen = {s.index for s in spans}
    for index, line in enumerate(lines):
        if index not in seen and (found := _source_hit(index, line)) is not None:
            origins.append(found[0])
            spans.append(found[1])
    if lead is not None:
        origins.extend(_lead_phrases(lines[lead]))
        outlet = known_outlet or next((o.value for o in origins if o.field == "outlet"), None)
        tag = _outlet_tag(lead, lines[lead], outlet)
        if tag is not None:
            spans.append(tag)
    return TextMetadata(origins=tuple(origins), spans=tuple(spans), lead=lead)


def _scan_head(lines: Sequence[str], title: str | None,
               ) -> tuple[list[FieldOrigin], list[MetadataSpan], int | None]:
    """Walk the head (title line first) up to the lead, collecting metadata lines."""
    origins: list[FieldOrigin] = []
    spans: list[MetadataSpan] = []
    candidates = [(-1, title)] if title and title.strip() else []
    candidates += [(i, line) for i, line in enumerate(lines) if line.strip()]
    title_key = _key(title or "")
    title_is_metadata = False
    for index, line in candidates[:HEAD_MAX_LINES]:
        found = _dateline_hit(index, line) or _byline_hit(index, line) or _source_hit(index, line)
        if found is not None:
            origins.append(found[0])
            spans.append(found[1])
            title_is_metadata = title_is_metadata or index == -1
            continue
        if index == -1 or _key(line) == title_key:
            continue  # the title, or the title repeated in the body (clean drops that)
        if _is_paragraph(line):
            return origins, spans, index
        if title_is_metadata and not any(o.field == "title" for o in origins):
            origins.append(FieldOrigin("title", line.strip(), "first-line",
                                       "first headline-like line after a dateline read as the title"))
            spans.append(_whole_line(index, line, "title", "first-line"))
    return origins, spans, None


def _is_paragraph(line: str) -> bool:
    """A lead paragraph ends like a sentence or is too long to be a headline."""
    text = line.strip()
    return len(text) > HEADLINE_MAX_CHARS or bool(_PARAGRAPH_END.search(text))


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _whole_line(index: int, line: str, field: str, method: str) -> MetadataSpan:
    start = len(line) - len(line.lstrip())
    return MetadataSpan(index, start, len(line.rstrip()), field, method)


def _dateline_hit(index: int, line: str) -> tuple[FieldOrigin, MetadataSpan] | None:
    value = parse_dateline(line)
    if value is None:
        return None
    return (FieldOrigin("published", value, "dateline", line.strip()),
            _whole_line(index, line, "published", "dateline"))


def _byline_hit(index: int, line: str) -> tuple[FieldOrigin, MetadataSpan] | None:
    value = parse_byline(line)
    if value is None:
        return None
    return (FieldOrigin("author", value, "byline", line.strip()),
            _whole_line(index, line, "author", "byline"))


def _source_hit(index: int, line: str) -> tuple[FieldOrigin, MetadataSpan] | None:
    found = parse_source_line(line)
    if found is None:
        return None
    field, value = found
    return (FieldOrigin(field, value, "source-line", line.strip()),
            _whole_line(index, line, field, "source-line"))


def parse_dateline(line: str) -> str | None:
    """The ISO date or datetime a whole-line dateline states, or None.

    A time without a timezone stays naive ("2024-06-17T22:29:00"); a date without a
    time stays a date ("2024-06-17"); impossible dates give None.

    Example:
        >>> parse_dateline("17.06.2024, 22:29"), parse_dateline("June 17, 2024")
        ('2024-06-17T22:29:00', '2024-06-17')
    """
    for pattern in _DATELINES:
        match = pattern.match(line)
        if match is not None:
            return _iso_from_match(match)
    return None


def _iso_from_match(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month = int(groups["m"]) if groups.get("m") else MONTHS[groups["mon"].casefold()]
    try:
        if groups["hh"] is None:
            return datetime(int(groups["y"]), month, int(groups["d"])).date().isoformat()
        hour = _hour_24(int(groups["hh"]), groups["ampm"])
        moment = datetime(int(groups["y"]), month, int(groups["d"]), hour, int(groups["mi"]),
                          int(groups["ss"] or 0), tzinfo=_tzinfo(groups["tz"]))
    except ValueError:
        return None
    return moment.isoformat()


def _hour_24(hour: int, ampm: str | None) -> int:
    if ampm is None:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError(f"hour {hour} with {ampm}")
    return hour % 12 + (12 if ampm.lower().startswith("p") else 0)


def _tzinfo(text: str | None) -> timezone | None:
    """A fixed offset for what the dateline states; None (naive) when it states none."""
    if not text:
        return None
    if text in TZ_OFFSETS:
        return timezone(timedelta(hours=TZ_OFFSETS[text]))
    offset = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", text)
    if offset is None:
        return None  # an abbreviation with no single defined offset: do not guess
    sign = -1 if offset.group(1) == "-" else 1
    hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_byline(line: str) -> str | None:
    """The author a whole-line byline names ("by Admin", "Author: Jane Doe"), or None.

    The name must look like one: at most six words, each capitalised or a particle
    ("von", "de", "and"), no digits, no sentence punctuation, so "By continuing to use
    this site ..." and "By Wednesday, the talks ..." are not bylines.
    """
    match = _BYLINE.match(line)
    if match is None:
        return None
    name = match.group("name").rstrip(".")
    return name if _looks_like_name(name) else None


def _looks_like_name(name: str) -> bool:
    words = name.replace(",", " ").split()
    if not words or len(name) > NAME_MAX_CHARS or len(words) > NAME_MAX_WORDS:
        return False
    if any(ch.isdigit() or ch in "!?;:\"“”«»" for ch in name):
        return False
    return all(w[0].isupper() or w.casefold() in _NAME_PARTICLES for w in words)


def parse_source_line(line: str) -> tuple[str, str] | None:
    """("outlet", name) for "Source: OREANDA-NEWS", ("url", u) for "Source: https://…"."""
    match = _SOURCE_LINE.match(line)
    if match is None:
        return None
    value = match.group("value")
    if "://" in value and " " not in value:
        return "url", value
    if len(value) > NAME_MAX_CHARS or len(value.split()) > NAME_MAX_WORDS:
        return None  # "Source: a senior official said ..." is reporting
    return "outlet", value


def _lead_phrases(lead: str) -> list[FieldOrigin]:
    """Outlets a present-tense reports/correspondent phrase names in the lead sentence."""
    found: list[FieldOrigin] = []
    for method, patterns in (("correspondent-phrase", _CORRESPONDENT), ("reports-phrase", _REPORTS)):
        for pattern in patterns:
            for match in pattern.finditer(lead):
                if _closes_lead_sentence(lead, match):
                    evidence = match.group(0).lstrip(",—– ")
                    found.append(FieldOrigin("outlet", match.group("name"), method, evidence))
    return found


def _closes_lead_sentence(lead: str, match: re.Match[str]) -> bool:
    """True when the phrase ends the first sentence, or the whole paragraph."""
    end = _PHRASE_END.match(lead, match.end())
    if end is None:
        return False
    ends_paragraph = end.end() == len(lead)
    in_first_sentence = _SENTENCE_BREAK.search(lead, 0, match.start()) is None
    return ends_paragraph or in_first_sentence


def _outlet_tag(index: int, lead: str, outlet: str | None) -> MetadataSpan | None:
    """The outlet's name repeated at the start of the lead ("OREANDA-NEWS The US ...")."""
    if not outlet:
        return None
    match = re.match(rf"\s*{re.escape(outlet)}(?:\s*[-–—:|]\s*|\s+)(?=[\"“«{_UPPER}])", lead)
    if match is None:
        return None
    return MetadataSpan(index, 0, match.end(), "outlet", "outlet-tag")
