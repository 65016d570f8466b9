"""Time expressions on the calendar, each with how it was resolved.

spaCy's DATE entities find most expressions but not numeric forms ("17.06.2024") and it
does not resolve anything. Rules here:

* candidates = spaCy DATE spans + regular expressions for forms the small model misses
  (numeric dates, "18-19 June", weekdays, "this week"...); overlapping candidates keep
  the longest;
* absolute forms are read as written ("17.06.2024" is day-month-year: dots are the
  European order; slashes are month/day unless the first number is over 12);
* a day or month without a year, a weekday, "last week", "since November" are resolved
  against the publication date, choosing the past or the future occurrence from the tense
  of the verb that governs the expression (news mostly reports the past, so past is the
  default when the tense says nothing);
* "about seven months after ... in February 2022" is resolved against the date the
  article itself gives right after it ("anchor"), "the same day" against the last day
  resolved;
* when there is nothing to resolve against, ``value`` is None and ``note`` says why.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from storyline.annotate.sentences import doc_text
from storyline.records import TimeRef

LOGGER = logging.getLogger(__name__)

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "several": None, "few": None, "a few": None}
QUALIFIERS = ("about", "around", "roughly", "nearly", "almost", "approximately", "some",
              "more than", "less than", "over", "under", "at least", "early", "late", "mid")

_M = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_D = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_Y = r"(?:1[89]\d\d|20\d\d)"
_DASH = r"\s*[-\u2013\u2014]\s*"
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_UNIT = r"(?:day|week|month|year|decade)s?"
_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few)"

# Forms spaCy's small model misses or cuts short; each is a candidate span.
PATTERNS = [
    re.compile(rf"\b\d{{1,2}}\.\d{{1,2}}\.{_Y}\b"),                     # 17.06.2024
    re.compile(rf"\b{_Y}-\d{{2}}-\d{{2}}\b"),                           # 2024-06-17
    re.compile(rf"\b\d{{1,2}}/\d{{1,2}}/(?:{_Y}|\d\d)\b"),              # 6/17/2024
    re.compile(rf"\b{_D}{_DASH}{_D}\s+{_M}(?:,?\s+{_Y})?", re.I),       # 18-19 June (2024)
    re.compile(rf"\b{_M}\s+{_D}{_DASH}{_D}(?:,?\s+{_Y})?", re.I),       # June 18-19(, 2024)
    re.compile(rf"\b{_M}\s+{_D}(?:,\s*{_Y})?\b", re.I),                 # May 30(, 2024)
    re.compile(rf"\b{_D}\s+{_M}(?:\s+{_Y})?\b", re.I),                  # 30 May (2024)
    re.compile(rf"\b{_M}\s+{_Y}\b", re.I),                              # February 2022
    re.compile(rf"\b{_WD}\b", re.I),
    re.compile(r"\b(?:earlier |later )?(?:this|last|next|past|coming) (?:week|month|year|weekend)\b", re.I),
    re.compile(r"\b(?:today|yesterday|tomorrow|tonight)\b", re.I),
    re.compile(rf"\b{_NUM} {_UNIT} (?:ago|earlier|later|after|before)\b", re.I),
]
_PREFIX = re.compile(r"(since|from|until|till|by|before|after)\s+$", re.I)


@dataclass(frozen=True, slots=True)
class _Resolved:
    value: str | None
    granularity: str
    resolved_from: str
    anchor: str | None = None
    note: str = ""


def parse_published(published: str | None) -> dt.date | None:
    """The date part of an ISO publication timestamp (None if absent or unreadable)."""
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


# ----------------------------------------------------------------------------- candidates


def candidate_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of time expressions: spaCy DATE entities plus pattern matches,
    overlaps resolved in favour of the longer span."""
    spans = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "DATE"]
    for pattern in PATTERNS:
        spans.extend((m.start(), m.end()) for m in pattern.finditer(doc_text(doc)))
    spans = [_trim(doc_text(doc), s, e) for s, e in spans]
    chosen: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        if e > s and all(e <= cs or s >= ce for cs, ce in chosen):
            chosen.append((s, e))
    return sorted(chosen)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """No leading "the"/"on"/"in" and no trailing punctuation or possessive in a span."""
    while True:
        m = re.match(r"(the|on|in|of)\s+", text[start:end], re.I)
        if not m:
            break
        start += m.end()
    while end > start and text[end - 1] in ".,;:'\u2019s " and not re.search(
            r"\b(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.$", text[start:end], re.I):
        if text[end - 1] == "s" and not re.search(r"['\u2019]s$", text[start:end]):
            break
        end -= 1
    return start, end


# ----------------------------------------------------------------------------- parsing


def _tense(doc: Doc, start: int) -> str:
    """"past", "present", "future" or "unknown" from the first finite verb that governs
    the token at ``start`` (participles and infinitives are skipped: "shipping ... in
    August" takes the tense of "has been providing")."""
    span = doc.char_span(start, start + 1, alignment_mode="expand")
    token = span[0] if span is not None and len(span) else None
    for _ in range(8):
        if token is None:
            break
        if token.pos_ in ("VERB", "AUX"):
            tense = _finite_tense(token)
            if tense is not None:
                return tense
        if token.head.i == token.i:
            break
        token = token.head
    return "unknown"


def _finite_tense(verb: Token) -> str | None:
    aux = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    if aux & {"will", "'ll", "shall", "wo"}:
        return "future"
    if verb.tag_ == "VBD" or aux & {"was", "were", "had", "did", "has", "have", "'ve"}:
        return "past"
    if verb.tag_ in ("VBZ", "VBP") or aux & {"is", "are", "am", "does", "do", "'s", "'re"}:
        return "present"
    return None


def _pick_year(month: int, day: int | None, ref: dt.date, tense: str) -> int:
    """The year of a month/day written without one: the most recent occurrence for the
    past, the next one for the future, the nearest otherwise."""
    candidates = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            candidates.append(dt.date(year, month, day or 1))
        except ValueError:
            continue
    if day is None:  # compare months, not days: "in June" in a June article is this June
        ref_key = dt.date(ref.year, ref.month, 1)
    else:
        ref_key = ref
    if tense == "past" or tense == "unknown":
        past = [c for c in candidates if c <= ref_key]
        if past and tense == "past":
            return max(past).year
    if tense == "future":
        future = [c for c in candidates if c >= ref_key]
        if future:
            return min(future).year
    return min(candidates, key=lambda c: (abs((c - ref_key).days), c > ref_key)).year


def _month_of(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def _day_of(word: str) -> int:
    return int(re.sub(r"\D", "", word))


def _iso(year: int, month: int, day: int | None = None) -> str | None:
    try:
        return dt.date(year, month, day or 1).isoformat() if day else f"{year:04d}-{month:02d}"
    except ValueError:
        return None


def _absolute(text: str) -> tuple[str, str] | None:
    """(value, granularity) of a fully written date, else None."""
    t = text.strip()
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", t):
        return _ok(_iso(int(m[3]), int(m[2]), int(m[1])), "day")
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", t):
        return _ok(_iso(int(m[1]), int(m[2]), int(m[3])), "day")
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", t):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        y = y + 2000 if y < 100 else y
        month, day = (b, a) if a > 12 else (a, b)
        return _ok(_iso(y, month, day), "day")
    if m := re.fullmatch(rf"({_M})\s+({_D}),?\s+({_Y})", t, re.I):
        return _ok(_iso(int(m[3]), _month_of(m[1]) or 0, _day_of(m[2])), "day")
    if m := re.fullmatch(rf"({_D})\s+({_M}),?\s+({_Y})", t, re.I):
        return _ok(_iso(int(m[3]), _month_of(m[2]) or 0, _day_of(m[1])), "day")
    if m := re.fullmatch(rf"({_D}){_DASH}({_D})\s+({_M}),?\s+({_Y})", t, re.I):
        return _range(int(m[4]), _month_of(m[3]) or 0, _day_of(m[1]), _day_of(m[2]))
    if m := re.fullmatch(rf"({_M})\s+({_D}){_DASH}({_D}),?\s+({_Y})", t, re.I):
        return _range(int(m[4]), _month_of(m[1]) or 0, _day_of(m[2]), _day_of(m[3]))
    if m := re.fullmatch(rf"(?:(?:early|late|mid)[- ])?({_M}),?\s+(?:of\s+)?({_Y})", t, re.I):
        return _ok(_iso(int(m[2]), _month_of(m[1]) or 0), "month")
    if m := re.fullmatch(rf"(?:(?:early|late|mid)[- ])?({_Y})", t, re.I):
        return m[1], "year"
    if m := re.fullmatch(r"(?:the\s+)?(\d{3})0s", t, re.I):
        return f"{m[1]}0/{m[1]}9", "decade"
    return None


def _ok(value: str | None, granularity: str) -> tuple[str, str] | None:
    return (value, granularity) if value else None


def _range(year: int, month: int, d1: int, d2: int) -> tuple[str, str] | None:
    a, b = _iso(year, month, d1), _iso(year, month, d2)
    return (f"{a}/{b}", "interval") if a and b else None


def _week(day: dt.date) -> str:
    monday = day - dt.timedelta(days=day.weekday())
    return f"{monday.isoformat()}/{(monday + dt.timedelta(days=6)).isoformat()}"


def _shift_month(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _relative(text: str, ref: dt.date, tense: str) -> tuple[str | None, str, str] | None:
    """(value, granularity, note) of an expression that needs a reference date."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    t = re.sub(r"^(?:about|around|roughly|nearly|almost|approximately|some) ", "", t)
    if m := re.fullmatch(rf"({_D}){_DASH}({_D}) ({_M})", t) or \
            re.fullmatch(rf"({_M}) ({_D}){_DASH}({_D})", t):
        groups = m.groups()
        month = _month_of(groups[2] if _month_of(groups[2]) else groups[0]) or 0
        d1, d2 = (groups[0], groups[1]) if _month_of(groups[2]) else (groups[1], groups[2])
        year = _pick_year(month, _day_of(d1), ref, tense)
        r = _range(year, month, _day_of(d1), _day_of(d2))
        return (r[0], "interval", "year from the publication date") if r else None
    if m := re.fullmatch(rf"({_M}) ({_D})", t) or re.fullmatch(rf"({_D}) ({_M})", t):
        a, b = m.groups()
        month, day = (_month_of(a), _day_of(b)) if _month_of(a) else (_month_of(b), _day_of(a))
        if month is None:
            return None
        year = _pick_year(month, day, ref, tense)
        return _iso(year, month, day), "day", "year from the publication date"
    if m := re.fullmatch(rf"(?:(early|late|mid)[- ])?({_M})", t):
        month = _month_of(m[2]) or 0
        return _iso(_pick_year(month, None, ref, tense), month), "month", \
            "year from the publication date"
    if m := re.fullmatch(rf"(?:last |this |next |on )?({_WD})(?: (?:morning|afternoon|evening|night))?", t):
        return _weekday(m[1], t, ref, tense), "day", "weekday nearest the publication date"
    return _deictic(t, ref)


def _weekday(name: str, text: str, ref: dt.date, tense: str) -> str:
    target = WEEKDAYS[name]
    back = (ref.weekday() - target) % 7
    if text.startswith("next") or (tense == "future" and not text.startswith("last")):
        ahead = (target - ref.weekday()) % 7
        return (ref + dt.timedelta(days=ahead or (7 if text.startswith("next") else 0))).isoformat()
    if text.startswith("last") and back == 0:
        back = 7
    return (ref - dt.timedelta(days=back)).isoformat()


def _deictic(t: str, ref: dt.date) -> tuple[str | None, str, str] | None:
    """today/yesterday, this/last/next week/month/year, N units ago."""
    simple = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
    if t in simple:
        return (ref + dt.timedelta(days=simple[t])).isoformat(), "day", "relative to the publication date"
    if m := re.fullmatch(r"(?:(?:earlier|later) )?(this|last|next|past|coming) (week|month|year|weekend)", t):
        step = {"this": 0, "last": -1, "past": -1, "next": 1, "coming": 1}[m[1]]
        if m[2] in ("week", "weekend"):
            if m[1] == "past":
                return f"{(ref - dt.timedelta(days=7)).isoformat()}/{ref.isoformat()}", "interval", \
                    "the seven days before the publication date"
            return _week(ref + dt.timedelta(weeks=step)), "week", "week of the publication date"
        if m[2] == "month":
            y, mo = _shift_month(ref, step)
            return f"{y:04d}-{mo:02d}", "month", "month of the publication date"
        return f"{ref.year + step:04d}", "year", "year of the publication date"
    if m := re.fullmatch(rf"({_NUM}) ({_UNIT}) ago", t):
        n = _number(m[1])
        if n is None:
            return None, "unknown", "vague amount of time"
        return _offset(ref, n, m[2], -1), _unit(m[2]), "counted back from the publication date"
    return None


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _unit(word: str) -> str:
    return word.rstrip("s")


def _offset(ref: dt.date, n: int, unit: str, sign: int) -> str:
    unit = _unit(unit)
    if unit == "day":
        return (ref + dt.timedelta(days=sign * n)).isoformat()
    if unit == "week":
        return _week(ref + dt.timedelta(weeks=sign * n))
    if unit == "month":
        y, m = _shift_month(ref, sign * n)
        return f"{y:04d}-{m:02d}"
    if unit == "decade":
        return f"{ref.year + sign * 10 * n:04d}"
    return f"{ref.year + sign * n:04d}"


def _duration(text: str) -> tuple[str, int, str] | None:
    """("P7M", 7, "month") for "about seven months"; None if not a duration."""
    t = re.sub(r"^(?:about|around|roughly|nearly|almost|approximately|some|more than|less than|over|at least|the past|the last|the next) ", "", text.strip().lower())
    if m := re.fullmatch(rf"({_NUM})[ -]({_UNIT})(?:[ -]long| old)?", t):
        n = _number(m[1])
        unit = _unit(m[2])
        if n is None:
            return None
        code = {"day": "D", "week": "W", "month": "M", "year": "Y", "decade": "Y"}[unit]
        return f"P{n * (10 if unit == 'decade' else 1)}{code}", n, unit
    return None


def _qualifier(text: str) -> str | None:
    low = text.lower()
    return next((q for q in QUALIFIERS if low.startswith(q + " ") or low.startswith(q + "-")), None)


# ----------------------------------------------------------------------------- resolve


def extract_timerefs(doc: Doc, article_id: str, published: str | None) -> tuple[TimeRef, ...]:
    """Time expressions of one parsed article, resolved on the calendar.

    Args:
        doc: the parsed article text.
        article_id: ``Article.id``.
        published: ``Article.published`` (ISO 8601) or None.

    Returns:
        TimeRefs in text order; unresolvable ones have ``value`` None and a ``note``.
    """
    ref = parse_published(published)
    spans = candidate_spans(doc)
    refs: list[TimeRef] = []
    last_day: str | None = None
    for i, (start, end) in enumerate(spans):
        r = _resolve_one(doc, start, end, ref, spans[i + 1:], last_day)
        since = re.search(r"\bsince\s+$", doc_text(doc)[max(0, start - 8):start], re.I)
        if since is not None and r.granularity == "interval":
            start -= len(since[0])  # the span says what was resolved: "since November"
        text = doc_text(doc)[start:end]
        if r.granularity == "day" and r.value:
            last_day = r.value
        refs.append(TimeRef(article_id, start, end, text, r.value, r.granularity, r.resolved_from,
                            r.anchor, _qualifier(text), r.note))
    return tuple(refs)


def _resolve_one(doc: Doc, start: int, end: int, ref: dt.date | None,
                 later: list[tuple[int, int]], last_day: str | None) -> _Resolved:
    text = doc_text(doc)[start:end]
    prefix = _PREFIX.search(doc_text(doc)[max(0, start - 12):start])
    absolute = _absolute(text)
    if absolute is not None:
        return _with_prefix(_Resolved(absolute[0], absolute[1], "text"), prefix, ref)
    if re.fullmatch(r"(?:on )?(?:the )?same day", text.strip(), re.I):
        if last_day:
            return _Resolved(last_day, "day", "anchor", last_day, "the last day the article named")
        return _Resolved(None, "day", "none", None, "no earlier day in the article")
    duration = _duration(text)
    if duration is not None:
        return _anchored_duration(doc, end, duration, later, ref)
    if ref is None:
        return _Resolved(None, "unknown", "none", None,
                         f"no publication date to resolve {text!r} against")
    # "since November" can only be in the past, whatever the verb's tense.
    tense = "past" if prefix is not None and prefix[1].lower() == "since" else _tense(doc, start)
    rel = _relative(text, ref, tense)
    if rel is None:
        return _Resolved(None, "unknown", "none", None, f"cannot place {text!r} on the calendar")
    value, granularity, note = rel
    resolved = _Resolved(value, granularity, "published" if value else "none", ref.isoformat(), note)
    return _with_prefix(resolved, prefix, ref)


def _with_prefix(r: _Resolved, prefix: re.Match[str] | None, ref: dt.date | None) -> _Resolved:
    """"since November" is the interval from November to the publication date."""
    if prefix is None or prefix[1].lower() != "since" or r.value is None or "/" in r.value:
        return r
    if ref is None:
        return _Resolved(None, "interval", "none", None,
                         f"'since {r.value}' runs to the publication date, which is unknown")
    start = r.value if len(r.value) == 10 else (r.value + "-01-01")[:10] if len(r.value) == 4 \
        else r.value + "-01"
    return _Resolved(f"{start}/{ref.isoformat()}", "interval", r.resolved_from if r.resolved_from
                     != "text" else "published", ref.isoformat(),
                     (r.note + "; " if r.note else "") + "since: up to the publication date")


def _anchored_duration(doc: Doc, end: int, duration: tuple[str, int, str],
                       later: list[tuple[int, int]], ref: dt.date | None) -> _Resolved:
    """"seven months after its invasion of Ukraine in February 2022": count from the date
    the same sentence gives after "after"/"before"; "two years ago" from publication;
    otherwise the expression is a length of time (ISO duration)."""
    code, n, unit = duration
    rest = doc_text(doc)[end:end + 12].lower()
    direction = 1 if re.match(r"\s*(after|later)\b", rest) else -1 if re.match(r"\s*(before|earlier)\b", rest) else 0
    if direction:
        sentence_end = doc.char_span(end - 1, end, alignment_mode="expand")
        limit = sentence_end.sent.end_char if sentence_end is not None else end + 200
        anchor = next(((s, e) for s, e in later if s < limit), None)
        if anchor is not None:
            absolute = _absolute(doc_text(doc)[anchor[0]:anchor[1]])
            if absolute is not None and absolute[1] in ("day", "month", "year"):
                base = dt.date.fromisoformat((absolute[0] + "-01-01")[:10] if len(absolute[0]) == 4
                                             else (absolute[0] + "-01")[:10])
                value = _offset(base, n, unit, direction)
                if unit in ("day", "week") and absolute[1] != "day":
                    value = value[:7]
                return _Resolved(value, _unit(unit) if unit != "decade" else "year", "anchor",
                                 absolute[0], f"{code} from {doc_text(doc)[anchor[0]:anchor[1]]!r}")
    return _Resolved(code, "duration", "text", None, "a length of time, not a date")
