"""The plain, typed records that flow between Storyline's stages.

Every record is a frozen, slotted dataclass: picklable (so an engine can ship it to
another process or a Ray worker), comparable, and convertible to and from plain JSON
with ``to_dict`` / ``from_dict``.

Text is immutable. Everything derived from an article points into its cleaned text
with character offsets (``start``/``end``), so a report can always show the exact
source words.

Stage by stage::

    ingest:   path/bytes      -> RawArticle | Rejected
    clean:    RawArticle      -> Article (text + Removal list + FieldOrigin list)
    dedupe:   Article         -> Signature; DedupeIndex -> DuplicateLink | SharedPassage
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def _convert(value: Any, hint: Any) -> Any:
    """Turn a JSON value back into the type named by ``hint`` (records, tuples, optionals)."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _convert(value, inner[0]) if len(inner) == 1 else value
    if origin is tuple:
        item_hint = args[0] if args else Any
        return tuple(_convert(v, item_hint) for v in value)
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return hint.from_dict(value)  # type: ignore[union-attr]
    return value


class Record:
    """Mixin: JSON round-trips for frozen dataclasses (nested records and tuples included)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        kwargs = {k: _convert(v, hints[k]) for k, v in data.items() if k in names}
        return cls(**kwargs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True, slots=True)
class FieldOrigin(Record):
    """Where one metadata value came from, so a user can check it.

    ``method`` names the extractor ("json", "feed", "trafilatura", "htmldate",
    "dateline", "source-line", "reports-phrase", "correspondent-phrase", "byline",
    "first-line", "warc-header"); ``evidence`` is the text it was read from.
    """

    field: str
    value: str
    method: str
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class RawArticle(Record):
    """One article as a reader found it, before cleaning.

    ``source`` is the file path (or URL) it came from; ``locator`` tells where inside
    that source it sits (a JSONL line, a feed entry, a WARC record), so that the pair
    (source, locator) identifies it and re-ingesting the same file is a no-op.
    ``text`` keeps the reader's line structure (one paragraph per line).
    """

    source: str
    locator: str
    format: str
    text: str
    title: str | None = None
    source_id: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    origins: tuple[FieldOrigin, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected(Record):
    """An input that could not become an article, with the reason in words.

    Bad data is a value, not a crash: readers and stages yield these, the batch goes
    on, and the report and exit status count them.
    """

    source: str
    reason: str
    stage: str = "ingest"
    line: int | None = None


# --------------------------------------------------------------------------- clean


@dataclass(frozen=True, slots=True)
class Removal(Record):
    """A piece of raw text that cleaning removed, and why (the audit trail)."""

    text: str
    reason: str
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph(Record):
    """A paragraph of the cleaned text, as offsets into ``Article.text``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Article(Record):
    """A cleaned article. ``id`` is a hash of the normalised cleaned text, so exact
    duplicates share one id (and one stored article with several sources)."""

    id: str
    source: str
    locator: str
    format: str
    text: str
    title: str | None = None
    source_id: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    removed: tuple[Removal, ...] = ()
    origins: tuple[FieldOrigin, ...] = ()

    def paragraph_texts(self) -> list[str]:
        return [self.text[p.start : p.end] for p in self.paragraphs]


# --------------------------------------------------------------------------- dedupe


@dataclass(frozen=True, slots=True)
class PassageHash(Record):
    """A normalised hash of one sentence or paragraph of an article, with its span."""

    hash: str
    start: int
    end: int
    kind: str  # "sentence" | "paragraph"


@dataclass(frozen=True, slots=True)
class Signature(Record):
    """What dedupe needs of an article, computed per article (a pure function)."""

    article_id: str
    minhash: tuple[int, ...]
    passages: tuple[PassageHash, ...] = ()


@dataclass(frozen=True, slots=True)
class DuplicateLink(Record):
    """Two articles whose texts are near-duplicates (estimated Jaccard on shingles)."""

    article_id: str
    other_id: str
    similarity: float
    kind: str = "near"  # "near" (MinHash LSH); exact duplicates share one article id


@dataclass(frozen=True, slots=True)
class SharedPassage(Record):
    """The same sentence or paragraph appearing in two different articles."""

    article_id: str
    start: int
    end: int
    other_id: str
    other_start: int
    other_end: int
    kind: str  # "sentence" | "paragraph"


@dataclass(frozen=True, slots=True)
class IngestOutcome(Record):
    """What happened to one input article when it was stored."""

    article_id: str
    source: str
    locator: str
    status: str  # "new" | "exact-duplicate" | "already-ingested"
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class IngestReport(Record):
    """The one-screen summary of an ingest run."""

    read: int = 0
    new: int = 0
    exact_duplicates: int = 0
    already_ingested: int = 0
    near_duplicates: int = 0
    shared_passages: int = 0
    rejected: tuple[Rejected, ...] = ()
    seconds: float = 0.0
    bytes_read: int = 0
    failed: bool = field(default=False)


# --------------------------------------------------------------------------- brief


@dataclass(frozen=True, slots=True)
class CandidateSentence(Record):
    """A sentence the brief may quote: an exact span of one article's cleaned text.

    ``position`` is the sentence's index in its article (0 = the lead or headline), used
    as a news-lead prior. The optional fields come from the align stage when it has run:
    ``support`` (articles stating the same fact), ``independent_outlets`` (copies and
    syndication counted once), ``contested`` and the ``speaker`` asserting it.
    """

    article_id: str
    start: int
    end: int
    text: str
    outlet: str | None = None
    published: str | None = None
    position: int = 0
    source_id: str | None = None
    support: int | None = None
    independent_outlets: int | None = None
    contested: bool = False
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Citation(Record):
    """Where a brief sentence (or an equivalent rendering of it) stands in a source."""

    article_id: str
    source_id: str | None
    outlet: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class BriefSentence(Record):
    """One sentence of the brief, quoted verbatim from the first citation's span.

    Further citations are the other outlets' renderings of the same statement. A
    ``contested`` sentence names who asserts it in ``speaker`` (None when unknown).
    """

    text: str
    citations: tuple[Citation, ...]
    contested: bool = False
    speaker: str | None = None
