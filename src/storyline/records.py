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
import functools
import types
import typing
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


@functools.cache
def _converter(hint: Any) -> Callable[[Any], Any] | None:
    """How to turn a JSON value back into the type named by ``hint`` (records, tuples,
    optionals); None when the JSON value is already right. Built once per type hint:
    resolving hints per record (``typing.get_type_hints``) was 97 % of reading
    stored annotations back."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _converter(inner[0]) if len(inner) == 1 else None
    if origin is tuple:
        item = _converter(args[0]) if args else None
        if item is None:
            return tuple
        return lambda value: tuple(None if v is None else item(v) for v in value)
    if dataclasses.is_dataclass(hint):
        record = typing.cast(Any, hint)
        return lambda value: record.from_dict(value) if isinstance(value, dict) else value
    return None


@functools.cache
def _field_converters(cls: type) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each field of a record class with the converter of its type hint."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


class Record:
    """Mixin: JSON round-trips for frozen dataclasses (nested records and tuples included)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        kwargs = {}
        for name, convert in _field_converters(cls):
            if name in data:
                value = data[name]
                kwargs[name] = value if value is None or convert is None else convert(value)
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

    def display_outlet(self) -> str:
        """The outlet, or "unnamed outlet (file name)" when the source did not say: a
        reader recognises the file where an id hash says nothing."""
        name = self.source.replace("\\", "/").rsplit("/", 1)[-1]
        return self.outlet or f"unnamed outlet ({name or self.id})"


# --- clean (metadata) ---


@dataclass(frozen=True, slots=True)
class MetadataSpan(Record):
    """Text of a raw line that holds metadata, not reporting: ``lines[index][start:end]``.

    ``index`` -1 means the reader's title line (a .txt whose first line is a dateline).
    ``method`` names the heuristic ("dateline", "byline", "source-line", "outlet-tag",
    "first-line"); clean removes the span and logs it as "moved to metadata: <field>".
    """

    index: int
    start: int
    end: int
    field: str
    method: str


@dataclass(frozen=True, slots=True)
class TextMetadata(Record):
    """What text heuristics found in an article's lines (``ingest.metadata``).

    ``origins`` lists every value found, in order (the first per field is the one
    used when structured metadata left the field empty); ``spans`` is what clean
    must cut from the text (a span with index -1 means the reader's title line was
    itself metadata, and a "title" origin then holds the title found in the text);
    ``lead`` indexes the lead paragraph in ``lines``.
    """

    origins: tuple[FieldOrigin, ...] = ()
    spans: tuple[MetadataSpan, ...] = ()
    lead: int | None = None

    def value(self, field_name: str) -> str | None:
        """The first value found for ``field_name``, or None."""
        return next((o.value for o in self.origins if o.field == field_name), None)


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
    # How ``minhash`` was computed (hash family, seed, shingle width). Signatures made
    # under different schemes cannot be compared; DedupeIndex refuses to mix them.
    scheme: str = ""


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
class DedupeMatches(Record):
    """What adding one article to the dedupe index found among the earlier articles."""

    article_id: str
    links: tuple[DuplicateLink, ...] = ()
    passages: tuple[SharedPassage, ...] = ()


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

    Further citations are the other outlets' renderings of the same statement.
    ``speaker`` is who the source attributes the statement to (None when the outlet says
    it in its own voice); a ``contested`` sentence is one side of a contradiction, and
    its ``speaker`` (or its outlet) is who asserts it.
    """

    text: str
    citations: tuple[Citation, ...]
    contested: bool = False
    speaker: str | None = None


# --------------------------------------------------------------------------- annotate
# Everything the language layer finds in one article (``annotate.annotate``) plus the
# corpus-wide entity identities (``annotate.entities.EntityResolver``). Every item is
# a span ``[start, end)`` of ``Article.text`` whose ``text`` is exactly that slice.


@dataclass(frozen=True, slots=True)
class Sentence(Record):
    """A sentence; paragraph breaks are always sentence breaks."""

    article_id: str
    start: int
    end: int
    text: str
    index: int
    paragraph: int = 0


@dataclass(frozen=True, slots=True)
class Mention(Record):
    """A named-entity mention. ``label`` is spaCy's (PERSON, ORG, GPE...) after our rules;
    ``kind`` is ours (person, org, place, group, event, other); ``entity_id`` points to
    the article's ``Entity``; ``sense`` tells a capital used for its government
    ("government") from the city ("place"); ``origin`` is "ner" or the rule that added it."""

    article_id: str
    start: int
    end: int
    text: str
    label: str
    kind: str
    entity_id: str | None = None
    sense: str | None = None
    origin: str = "ner"


@dataclass(frozen=True, slots=True)
class Entity(Record):
    """One person, organisation, place or group within an article.

    ``id`` is a normalised key ("person:kim-jong-un", "place:north-korea"), the same in
    every article that names the same thing the same way (aliases applied), so it is
    already a corpus identity for most entities; ``EntityResolver`` merges the rest.
    ``start``/``end``/``text`` are its first mention; ``aliases`` every surface form.
    """

    id: str
    article_id: str
    start: int
    end: int
    text: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    mentions: int = 1


@dataclass(frozen=True, slots=True)
class Role(Record):
    """A role or title an article gives an entity, e.g. "Senior Director for Europe at
    the National Security Council" (``form`` "apposition") or "Russian President"
    (``form`` "title")."""

    article_id: str
    start: int
    end: int
    text: str
    entity_id: str
    form: str


@dataclass(frozen=True, slots=True)
class Quote(Record):
    """A statement and who made it.

    ``start``/``end`` cover the quoted words (inside the quotation marks for ``kind``
    "direct"; the reported clause for "indirect"). ``speaker`` is the canonical name or
    the source's description ("a U.S. State Department spokesperson"); ``speaker_entity``
    the ``Entity.id`` or None; ``speaker_start``/``speaker_end`` the words in the text
    that name the speaker here (a pronoun, a surname). ``method`` says how the speaker
    was found; parts of one statement split around the attribution share ``statement``.
    """

    article_id: str
    start: int
    end: int
    text: str
    kind: str
    speaker: str | None = None
    speaker_entity: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    method: str = ""
    statement: int = 0


@dataclass(frozen=True, slots=True)
class TimeRef(Record):
    """A time expression on the calendar.

    ``value`` is ISO 8601: a date (2024-06-18), a month (2024-06), a year (2024), a week
    or other interval (2024-06-10/2024-06-16), a duration (P24Y), or None when there was
    nothing to resolve it against. ``resolved_from`` is "text" (absolute), "published"
    (the article's date), "anchor" (a date the article names: ``anchor``), or "none";
    ``note`` says why in words.
    """

    article_id: str
    start: int
    end: int
    text: str
    value: str | None
    granularity: str
    resolved_from: str
    anchor: str | None = None
    qualifier: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class NumberMention(Record):
    """A number and what it counts: "roughly 100 countries" -> value 100, qualifier
    "roughly", counts "countries" (span ``counts_start``/``counts_end``); ``unit`` for
    percent, money and measures."""

    article_id: str
    start: int
    end: int
    text: str
    value: float | None
    qualifier: str | None = None
    unit: str | None = None
    counts: str | None = None
    counts_start: int | None = None
    counts_end: int | None = None


@dataclass(frozen=True, slots=True)
class Annotations(Record):
    """All annotations of one article (a pure function of the article and the model).

    ``problems`` lists what could not be handled (an unbalanced quotation mark...) in
    words; the rest of the article is still annotated.
    """

    article_id: str
    model: str
    sentences: tuple[Sentence, ...] = ()
    mentions: tuple[Mention, ...] = ()
    entities: tuple[Entity, ...] = ()
    roles: tuple[Role, ...] = ()
    quotes: tuple[Quote, ...] = ()
    timerefs: tuple[TimeRef, ...] = ()
    numbers: tuple[NumberMention, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CorpusEntity(Record):
    """One identity across the corpus (``EntityResolver``): the per-article entities it
    merges (``members`` as "article_id/entity_id"; each member carries its spans), the
    names used for it and the roles outlets gave it."""

    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


# --------------------------------------------------------------------------- stories


@dataclass(frozen=True, slots=True)
class StoryInput(Record):
    """What story clustering needs of one article (built from an Article and its annotations).

    ``published`` is ISO 8601 or None (then arrival order stands in for time);
    ``text`` may be the whole cleaned text or just the lead; ``entities`` are canonical
    entity keys (ids or names; may be empty); ``language`` an ISO 639-1 code or None.
    ``time_hint`` is, for an article without ``published`` only, the latest day its text
    reports ("2024-06-19", or year-less "--06-19"; ``stories.timehint``): a lower bound
    of when it was written, never a publication date. ``anticipates`` is the first day
    its text speaks of in the future ("will arrive ... on June 18"), same notation: it
    was written before that day.
    """

    article_id: str
    title: str
    text: str
    published: str | None = None
    outlet: str | None = None
    source_id: str | None = None
    entities: tuple[str, ...] = ()
    language: str | None = None
    time_hint: str | None = None
    anticipates: str | None = None


@dataclass(frozen=True, slots=True)
class StoryArticle(Record):
    """One article as a story lists it. ``estimated_date`` is set only when
    ``published`` is None: the ISO day the story places the article on, estimated from
    the dates its text reports (see ``StoryClusterer``); it is not a publication date."""

    id: str
    title: str
    source_id: str | None = None
    outlet: str | None = None
    published: str | None = None
    estimated_date: str | None = None


@dataclass(frozen=True, slots=True)
class StoryEvent(Record):
    """A distinct thing that happened inside a story: its articles and date span.

    ``start``/``end`` are ISO dates (None when no article has a date); ``estimated`` is
    True when either rests on an article's ``estimated_date`` rather than a publication
    date."""

    id: str
    story_id: str
    title: str
    article_ids: tuple[str, ...]
    start: str | None = None
    end: str | None = None
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Story(Record):
    """Articles that tell the same story, with its events in time order.

    ``id`` is stable as articles are added; ``merged_ids`` are ids of stories that were
    later found to be this one (they still resolve to it). ``estimated`` is True when
    ``first_seen`` or ``last_seen`` rests on an article's ``estimated_date``."""

    id: str
    title: str
    description: str
    articles: tuple[StoryArticle, ...]
    events: tuple[StoryEvent, ...]
    first_seen: str | None = None
    last_seen: str | None = None
    outlets: tuple[str, ...] = ()
    merged_ids: tuple[str, ...] = ()
    estimated: bool = False


# --------------------------------------------------------------------------- align
# Cross-source analysis of one story (``storyline.align``). Every item cites spans of
# cleaned article text; ``text`` fields are always exact slices of a source.


@dataclass(frozen=True, slots=True)
class Support(Record):
    """One source sentence behind a fact.

    ``speaker`` is who the sentence attributes the statement to ("North Korea's foreign
    ministry", "U.S. officials"), None when the outlet states it in its own voice;
    ``stance`` is "asserts" or "denies"; ``witness`` is the key this support counts under
    when independent outlets are counted (an outlet, or the wire/original it copies);
    ``via`` names the wire or outlet the article says it repeats ("Tass"), or why it is
    not independent ("copy of <article id>")."""

    article_id: str
    start: int
    end: int
    text: str
    source_id: str | None = None
    outlet: str | None = None
    speaker: str | None = None
    stance: str = "asserts"
    witness: str = ""
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Contradiction(Record):
    """Why a fact is contested: ``kind`` "denial" (a party denies what others assert),
    "number", "date" or "title" (different values for the same thing); ``explanation``
    in words, naming who stands on each side; ``fact_ids`` the facts on the other side
    when the conflict is between facts; ``spans`` the sentences on the other side."""

    kind: str
    explanation: str
    fact_ids: tuple[str, ...] = ()
    spans: tuple[Support, ...] = ()


@dataclass(frozen=True, slots=True)
class Fact(Record):
    """Sentences of a story's articles that state the same thing.

    ``text`` is the support chosen to show the fact (verbatim, with its span in
    ``article_id``); ``status`` "corroborated" (two or more independent outlets assert
    it), "single-source" or "contested"; ``independent_outlets`` counts the distinct
    witnesses among the asserting supports; ``about`` names what a fact that is not a
    sentence is about ("position of Michael Carpenter")."""

    id: str
    text: str
    article_id: str
    start: int
    end: int
    status: str
    independent_outlets: int
    outlets: tuple[str, ...] = ()
    support: tuple[Support, ...] = ()
    contradicts: tuple[Contradiction, ...] = ()
    about: str = ""


@dataclass(frozen=True, slots=True)
class WordDiff(Record):
    """One step of a word-level alignment of a rendering against the reference one:
    ``op`` "equal", "replace", "delete" (words only in the reference) or "insert" (words
    only in this rendering)."""

    op: str
    reference: str
    rendering: str


@dataclass(frozen=True, slots=True)
class QuoteRendering(Record):
    """How one outlet rendered a statement: the quoted words and their span, the
    distance (0 = identical, 1 = nothing shared) from the group's reference rendering,
    and the word-level differences from it."""

    article_id: str
    start: int
    end: int
    text: str
    source_id: str | None = None
    outlet: str | None = None
    kind: str = "direct"
    distance: float = 0.0
    reference: bool = False
    differences: tuple[WordDiff, ...] = ()


@dataclass(frozen=True, slots=True)
class QuoteGroup(Record):
    """One statement by one speaker as each outlet rendered it. ``reference_reason`` says
    why the reference rendering was chosen (quotes a transcript, earliest, most complete)."""

    id: str
    speaker: str
    renderings: tuple[QuoteRendering, ...]
    speaker_entity: str | None = None
    reference_reason: str = ""


@dataclass(frozen=True, slots=True)
class TimelineEntry(Record):
    """A dated (or undatable) statement of the story: ``date`` ISO 8601 (a day, month or
    interval) from the language layer's resolved time expressions, None when it could not
    be resolved (listed apart, never placed on a guessed date); ``when`` the time words
    in the source; ``text`` the sentence that contains them."""

    date: str | None
    granularity: str
    when: str
    text: str
    citations: tuple[Citation, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class NetworkEdge(Record):
    """Who did what to whom: ``source`` and ``target`` are canonical entity names,
    ``relation`` the verb phrase as the source words it (lemma form), ``negated`` when
    the sentence says it did not happen or denies it; ``citations`` the evidence."""

    source: str
    relation: str
    target: str
    citations: tuple[Citation, ...]
    negated: bool = False
    text: str = ""


@dataclass(frozen=True, slots=True)
class StoryAnalysis(Record):
    """Everything ``storyline show`` reports for one story."""

    story: Story
    brief: tuple[BriefSentence, ...] = ()
    facts: tuple[Fact, ...] = ()
    quote_groups: tuple[QuoteGroup, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    undated: tuple[TimelineEntry, ...] = ()
    network: tuple[NetworkEdge, ...] = ()
