"""Quotes and who said them: direct quotes, split quotes, indirect speech.

spaCy gives the parse; what is a quote and who said it are rules on top of it:

1. Quotation marks are paired per paragraph (straight and typographic). A paragraph that
   opens a quotation and never closes it continues the quote (news convention for
   multi-paragraph quotes); any other unpaired mark is recorded as a problem and the
   article goes on (never drop every quote of an article for one stray mark).
2. A quoted span is a *statement* only if it stands as a clause (at a clause boundary,
   three words or more, or a full "that"-clause); otherwise it is a phrase inside the
   writer's sentence (scare quotes, titles, "bizarre", "a warning") and is not listed
   as anyone's quote. Phrases inside reported speech stay inside that speech.
3. A cue is a verb of saying or believing (``rules/quote_cues.toml``) or "according to",
   outside quotation marks. A statement takes the nearest cue in its own sentence, after
   the closing mark first ("...," he said), then before the opening mark (he said, "...").
   Both halves of a split quote find the same cue and share a ``statement`` number.
4. A cue whose complement clause is not already a direct quote is indirect speech
   ("Carpenter argues that...", "According to him, ...", "As X stated, ...").
5. The speaker is the cue's subject (walking up "went on to add", "adding"), the agent of
   a passive, "according to X", or the object of "quoted X as saying". Names resolve to
   the article's entities; "he"/"she" to the last person quoted (else the last person
   named); a definite description ("the spokesperson", "the report") to the earlier
   description with the same head noun; a role noun ("the official", "the representative
   of the White House") to the person named with a matching role; an unattributed
   statement right after an attributed one in the same or the previous paragraph keeps
   that speaker ("carried-over").
"""

from __future__ import annotations

import bisect
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from storyline.errors import ConfigError
from storyline.annotate.sentences import doc_text
from storyline.records import Entity, Mention, Quote, Role

LOGGER = logging.getLogger(__name__)

CUES_FILE = Path(__file__).resolve().parents[1] / "rules" / "quote_cues.toml"

OPENERS = frozenset('"\u201c\u201e\u00ab')
CLOSERS = frozenset('"\u201d\u00bb')
MARKS = OPENERS | CLOSERS
_CLAUSE_BEFORE = ",:;.?!\u2014\u2013-("
_CLAUSE_END_INNER = ".,?!\u2026\u2014\u2013-:;"
_CLAUSE_AFTER = ",.;:?!\u2014\u2013)"
_RELATIVE = frozenset({"which", "who", "that", "whom"})
_DEFINITE = frozenset({"the", "this", "that", "these", "those"})
_SPEAKER_NP_DEPS = frozenset({"prep", "compound", "amod", "nummod", "pobj", "poss", "nmod"})
# How many paragraphs back a pronoun or a carried-over quote may look for its speaker.
_PRONOUN_PARAGRAPHS = 3


@dataclass(frozen=True)
class QuoteRules:
    """Cue words and thresholds from ``rules/quote_cues.toml``."""

    speech: frozenset[str]
    belief: frozenset[str]
    role_nouns: frozenset[str]
    person_pronouns: frozenset[str]
    infinitive_speech: frozenset[str] = frozenset()
    min_statement_words: int = 3
    min_that_clause_words: int = 6

    @property
    def cues(self) -> frozenset[str]:
        return self.speech | self.belief | self.infinitive_speech


def load_quote_rules(path: Path = CUES_FILE) -> QuoteRules:
    """Read the cue lists. Raises ConfigError naming the file on bad data."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return QuoteRules(
            speech=frozenset(data["speech"]), belief=frozenset(data["belief"]),
            role_nouns=frozenset(data["role_nouns"]),
            person_pronouns=frozenset(data["person_pronouns"]),
            infinitive_speech=frozenset(data.get("infinitive_speech", ())),
            min_statement_words=int(data.get("min_statement_words", 3)),
            min_that_clause_words=int(data.get("min_that_clause_words", 6)))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"cannot read quote cues {path}: {exc}") from exc


# ----------------------------------------------------------------------------- marks


@dataclass(frozen=True, slots=True)
class QuotedSpan:
    """Text between quotation marks: ``open``/``close`` include the marks."""

    open: int
    close: int
    inner_start: int
    inner_end: int
    paragraph: int


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line-separated paragraph."""
    bounds, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            bounds.append((pos, pos + len(line)))
        pos += len(line) + 1
    return bounds


def find_quoted_spans(text: str) -> tuple[list[QuotedSpan], list[str]]:
    """Pair quotation marks paragraph by paragraph; return spans and problems in words."""
    spans: list[QuotedSpan] = []
    problems: list[str] = []
    for p, (start, end) in enumerate(paragraph_bounds(text)):
        open_at: int | None = None
        for i in range(start, end):
            ch = text[i]
            if ch not in MARKS:
                continue
            if open_at is None:
                if ch in OPENERS:
                    open_at = i
                else:
                    problems.append(f"closing quotation mark without an opening one at {i}")
            elif ch in CLOSERS:
                spans.append(QuotedSpan(open_at, i + 1, open_at + 1, i, p))
                open_at = None
            else:
                problems.append(f"quotation mark opened at {open_at} is not closed before {i}")
                open_at = i
        if open_at is not None:
            if not text[start:open_at].strip():  # opens the paragraph: continues in the next
                spans.append(QuotedSpan(open_at, end, open_at + 1, end, p))
            else:
                problems.append(f"quotation mark opened at {open_at} is never closed")
    return spans, problems


def is_statement(text: str, q: QuotedSpan, para: tuple[int, int], rules: QuoteRules) -> bool:
    """Whether a quoted span is a statement (a clause of its own) rather than a phrase
    inside the writer's sentence (scare quotes, titles, single words)."""
    inner = text[q.inner_start:q.inner_end].strip()
    words = len(re.findall(r"\w+", inner))
    if words < rules.min_statement_words:
        return False
    before = text[para[0]:q.open].rstrip()
    after = text[q.close:para[1]].lstrip()
    starts_clause = not before or before[-1] in _CLAUSE_BEFORE
    ends_clause = inner[-1:] in _CLAUSE_END_INNER or not after or after[0] in _CLAUSE_AFTER
    if starts_clause and ends_clause:
        return True
    ends_sentence = not after or after[0] in ".?!" or inner[-1:] in ".?!"
    return bool(re.search(r"\bthat$", before)) and words >= rules.min_that_clause_words \
        and ends_sentence


# ----------------------------------------------------------------------------- parse helpers


class _Doc:
    """Char <-> token look-ups over one parsed article (built once per article)."""

    def __init__(self, doc: Doc, quoted: list[QuotedSpan]) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.starts = [t.idx for t in doc]
        self.quoted = sorted(quoted, key=lambda q: q.open)
        self.quote_opens = [q.open for q in self.quoted]
        self.paragraphs = paragraph_bounds(doc_text(doc))
        self.para_starts = [p[0] for p in self.paragraphs]

    def token_at(self, char: int) -> Token:
        return self.doc[max(0, bisect.bisect_right(self.starts, char) - 1)]

    def in_quotes(self, char: int) -> bool:
        # quoted spans never overlap and are in text order: one bisect finds the candidate
        i = bisect.bisect_right(self.quote_opens, char) - 1
        return i >= 0 and char < self.quoted[i].close

    def paragraph_of(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.para_starts, char) - 1)

    def sentence_of(self, char: int) -> Span:
        return self.token_at(char).sent


def _cue_tokens(d: _Doc, rules: QuoteRules) -> list[Token]:
    """Verbs of saying/believing and "according (to)" outside quotation marks."""
    cues = []
    for t in d.doc:
        if d.in_quotes(t.idx):
            continue
        if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in rules.cues:
            cues.append(t)
        elif t.lower_ == "according" and t.i + 1 < len(d.doc) and d.doc[t.i + 1].lower_ == "to":
            cues.append(t)
    return cues


def _is_passive_without_agent(cue: Token) -> bool:
    """"When asked by TURAN" has a speaker (TURAN); "when asked whether" has none that
    is the subject of the main verb, so it must not borrow one."""
    deps = {c.dep_ for c in cue.children}
    if "agent" in deps:
        return False
    return "nsubjpass" in deps or "auxpass" in deps or (cue.tag_ == "VBN" and "nsubj" not in deps
                                                         and cue.dep_ in ("advcl", "acl"))


def speaker_token(cue: Token) -> Token | None:
    """The token naming who speaks for a cue (None when the parse has no speaker)."""
    if cue.lower_ == "according":
        to = next((c for c in cue.children if c.lower_ == "to"), None)
        if to is None and cue.i + 1 < len(cue.doc):
            to = cue.doc[cue.i + 1]
        return next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    if cue.head.lower_ == "as" and cue.head.head.lemma_ == "quote":  # "quoted X as saying"
        return next((c for c in cue.head.head.children if c.dep_ == "dobj"), None)
    agent = next((c for c in cue.children if c.dep_ == "agent"), None)
    if agent is not None:
        return next((c for c in agent.children if c.dep_ == "pobj"), None)
    if _is_passive_without_agent(cue):
        return None
    if cue.tag_ == "VBG" and cue.dep_ in ("acl", "advcl") and not any(
            c.dep_ == "nsubj" for c in cue.children):
        # "The White House reacted to Putin's visit, saying that...": the parser often
        # hangs the participle on the nearest noun; its speaker is the clause's subject.
        verb = next((a for a in cue.ancestors if a.pos_ in ("VERB", "AUX")
                     and any(c.dep_ == "nsubj" for c in a.children)), None)
        if verb is not None:
            return next(c for c in verb.children if c.dep_ == "nsubj")
    token = cue
    for _ in range(4):  # "he went on to add", "Carpenter said, adding"
        subject = next((c for c in token.children if c.dep_ == "nsubj"), None)
        if subject is not None:
            if subject.lower_ in _RELATIVE and token.dep_ == "relcl":
                return token.head
            return subject
        if token.dep_ not in ("xcomp", "conj", "advcl", "pcomp", "prep") or token.head.i == token.i:
            break
        token = token.head  # "Blige sings to Clinton before asking her, '...'"
    return _inverted_subject(cue)


def _inverted_subject(cue: Token) -> Token | None:
    """"..., said Michael Carpenter, Director for...": the small parser often labels the
    name after an inverted cue as an object; a proper noun right after the cue is the speaker."""
    doc = cue.doc
    if cue.i + 1 >= len(doc) or cue.i + 1 >= cue.sent.end:
        return None
    nxt = doc[cue.i + 1]
    if nxt.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") and nxt.ent_iob_ == "B":
        end = nxt.i
        while end + 1 < len(doc) and doc[end + 1].ent_iob_ == "I":
            end += 1
        return doc[end]
    return None


def _trim_tokens(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token range without edge punctuation, spaces and a leading "that"."""
    while start < end and (doc[start].is_punct or doc[start].is_space
                           or (doc[start].lower_ in ("that", "whether", "if") and doc[start].dep_ == "mark")):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    return start, end


def indirect_content(cue: Token, infinitive_cues: frozenset[str] = frozenset(),
                     ) -> tuple[int, int] | None:
    """Token range of what a cue reports, or None when it reports no clause."""
    doc = cue.doc
    if cue.lower_ == "according" or (cue.dep_ in ("advcl", "parataxis")
                                     and _framing_clause(cue)):
        head = cue.head
        if head.i == cue.i:
            return None
        if cue.right_edge.i < head.i:
            rng = (cue.right_edge.i + 1, head.right_edge.i + 1)
        else:
            rng = (head.left_edge.i, cue.left_edge.i)
    elif cue.lemma_ == "describe":
        obj = next((c for c in cue.children if c.dep_ == "dobj"), None)
        as_ = next((c for c in cue.children if c.lower_ == "as"), None)
        if obj is None or as_ is None:
            return None
        rng = (obj.left_edge.i, as_.right_edge.i + 1)
    else:
        comp = next((c for c in cue.children if c.dep_ == "ccomp"), None) or _comma_object(cue)
        if comp is None and cue.lemma_.lower() in infinitive_cues:
            comp = next((c for c in cue.children if c.dep_ == "xcomp"), None)
        if comp is None:
            return None
        rng = (comp.left_edge.i, comp.right_edge.i + 1)
        if rng[0] <= cue.i < rng[1]:  # non-projective subtree ("that Russia has long said it wanted")
            rng = (cue.i + 1, rng[1])
    start, end = _trim_tokens(doc, *rng)
    span = doc[start:end]
    if end - start < 3 or not any(t.pos_ in ("VERB", "AUX") for t in span):
        return None
    return start, end


def _comma_object(cue: Token) -> Token | None:
    """"Carpenter said, the fact that 83 countries signed..., it's a ...": after "said,"
    the parser takes the statement for a direct object; it is a statement when it holds
    a finite verb."""
    if cue.i + 1 >= len(cue.doc) or cue.doc[cue.i + 1].text != ",":
        return None
    obj = next((c for c in cue.children if c.dep_ == "dobj" and c.i > cue.i), None)
    if obj is None or not any(t.tag_ in ("VBZ", "VBD", "VBP", "MD") for t in obj.subtree):
        return None
    return obj


def _framing_clause(cue: Token) -> bool:
    """"As X stated, ..." and "..., he said, ..." frame the head clause as the report."""
    if cue.dep_ == "parataxis":
        return True
    return any(c.dep_ == "mark" and c.lower_ == "as" for c in cue.children)


# ----------------------------------------------------------------------------- speakers


@dataclass(slots=True)
class _Speaker:
    name: str | None
    entity: str | None
    start: int | None
    end: int | None
    method: str


@dataclass(slots=True)
class _SpeakerResolver:
    """Resolves speaker tokens to names in text order (pronouns need the history)."""

    d: _Doc
    mentions: tuple[Mention, ...]
    entities: dict[str, Entity]
    roles: tuple[Role, ...]
    rules: QuoteRules
    last_person: tuple[int, _Speaker] | None = None
    last_thing: tuple[int, _Speaker] | None = None
    descriptions: dict[str, _Speaker] = field(default_factory=dict)

    def mention_at(self, token: Token) -> Mention | None:
        return next((m for m in self.mentions if m.start <= token.idx < m.end
                     and m.entity_id is not None), None)

    def named(self, mention: Mention, method: str) -> _Speaker:
        entity = self.entities.get(mention.entity_id or "")
        name = entity.name if entity is not None else mention.text
        return _Speaker(name, mention.entity_id, mention.start, mention.end, method)

    def resolve(self, token: Token) -> _Speaker:
        paragraph = self.d.paragraph_of(token.idx)
        speaker = self._resolve(token, paragraph)
        if speaker.entity is not None and speaker.entity.startswith("person:"):
            self.last_person = (paragraph, speaker)
        elif speaker.name is not None and speaker.method != "pronoun-unresolved":
            self.last_thing = (paragraph, speaker)
        return speaker

    def _resolve(self, token: Token, paragraph: int) -> _Speaker:
        mention = self.mention_at(token)
        if mention is not None:
            return self.named(mention, "named")
        people = {m.entity_id: m for m in self.mentions if m.kind == "person"
                  and token.left_edge.idx <= m.start < token.right_edge.idx + len(token.right_edge)}
        if len(people) == 1 and token.pos_ in ("NOUN", "PROPN"):
            # "Russian Ambassador to Pyongyang Alexander Matsegora stated": one person
            # named inside the subject phrase is the speaker.
            return self.named(next(iter(people.values())), "named-in-subject")
        for child in token.children:
            if child.dep_ == "appos" and (m := self.mention_at(child)) is not None \
                    and m.kind == "person":
                return self.named(m, "named-apposition")
        if token.lower_ in self.rules.person_pronouns:
            return self._pronoun(token, paragraph)
        if token.lower_ == "it" and self.last_thing is not None \
                and paragraph - self.last_thing[0] <= 1:
            thing = self.last_thing[1]
            return _Speaker(thing.name, thing.entity, token.idx, token.idx + 2, "pronoun")
        if token.pos_ == "PRON":
            return _Speaker(token.text, None, token.idx, token.idx + len(token), "pronoun-unresolved")
        return self._description(token, paragraph)

    def recent_person(self, paragraph: int, before: int) -> _Speaker | None:
        """The last person quoted within reach, else the last person named before."""
        if self.last_person is not None and paragraph - self.last_person[0] <= _PRONOUN_PARAGRAPHS:
            return self.last_person[1]
        people = [m for m in self.mentions if m.kind == "person" and m.end <= before
                  and not self.d.in_quotes(m.start)  # names inside a quote are not antecedents
                  and paragraph - self.d.paragraph_of(m.start) <= _PRONOUN_PARAGRAPHS]
        return self.named(people[-1], "named") if people else None

    def _pronoun(self, token: Token, paragraph: int) -> _Speaker:
        found = self.recent_person(paragraph, token.idx)
        span = (token.idx, token.idx + len(token))
        if found is None:
            return _Speaker(token.text, None, *span, "pronoun-unresolved")
        return _Speaker(found.name, found.entity, *span, "pronoun")

    def _description(self, token: Token, paragraph: int) -> _Speaker:
        start, end = _speaker_np(token)
        doc = token.doc
        text = doc[start:end].text
        span = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))
        head = token.lemma_.lower()
        determiner = doc[start].lower_
        if determiner in _DEFINITE and head in self.descriptions:
            earlier = self.descriptions[head]
            return _Speaker(earlier.name, earlier.entity, *span, "description-coreference")
        if head in self.rules.role_nouns:
            person = self._person_with_role(doc[start:end], determiner, paragraph, span[0])
            if person is not None:
                return _Speaker(person.name, person.entity, *span, "role-description")
        speaker = _Speaker(text, None, *span, "description")
        self.descriptions.setdefault(head, speaker)
        return speaker

    def _person_with_role(self, np: Span, determiner: str, paragraph: int,
                          position: int) -> _Speaker | None:
        """The named person a role description stands for, when the text allows:
        "the representative of the White House" -> the person whose role mentions the
        White House; a bare "the official" -> the person last quoted. An indefinite
        description ("a senior White House official") counts only in the lead paragraph,
        where news names the person later; elsewhere "a representative" is someone new."""
        modifiers = [t.text.lower() for t in np if t.text[:1].isupper() and t.i != np.start
                     and t.i != np.root.i]
        definite = determiner in _DEFINITE
        if not modifiers:
            return self.recent_person(paragraph, position) if definite else None
        if not definite and paragraph > 0:
            return None
        people = {r.entity_id for r in self.roles
                  if all(m in r.text.lower() for m in modifiers)
                  and (not definite or r.start < position)}
        if len(people) != 1:
            return None
        entity_id = people.pop()
        entity = self.entities.get(entity_id)
        return _Speaker(entity.name if entity else entity_id, entity_id, None, None, "role")


def _speaker_np(token: Token) -> tuple[int, int]:
    """Token range of a described speaker: the noun with its determiners, modifiers and
    prepositional phrases, without appositions, relative clauses or commas."""
    end = token.i + 1
    for child in token.rights:
        if child.dep_ in _SPEAKER_NP_DEPS:
            end = max(end, child.right_edge.i + 1)
        else:
            break
    start = token.left_edge.i
    return start, end


# ----------------------------------------------------------------------------- assembly


@dataclass(slots=True)
class _Attribution:
    """One statement found in the text before its speaker is resolved."""

    position: int
    kind: str
    ranges: list[tuple[int, int]]  # char ranges of the quoted words
    cue: Token | None
    paragraph: int
    statement: int = 0


def _direct_attributions(d: _Doc, statements: list[QuotedSpan], cues: list[Token],
                         ) -> list[_Attribution]:
    out: list[_Attribution] = []
    for q in statements:
        cue = _cue_for_quote(d, q, cues)
        out.append(_Attribution(q.inner_start, "direct", [_strip(d.text, q.inner_start, q.inner_end)],
                                cue, q.paragraph))
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cue_for_quote(d: _Doc, q: QuotedSpan, cues: list[Token]) -> Token | None:
    """The nearest cue in the quote's sentence: after the closing mark first, then before
    the opening one; never across another quotation or paragraph."""
    para_start, para_end = d.paragraphs[q.paragraph]
    others = [o for o in d.quoted if o.paragraph == q.paragraph and o != q]
    after_end = min([o.open for o in others if o.open >= q.close]
                    + [d.sentence_of(max(q.close - 1, q.open)).end_char, para_end])
    before_start = max([o.close for o in others if o.close <= q.open]
                       + [d.sentence_of(q.open).start_char, para_start])
    if d.text[para_start:q.open].rstrip().endswith(":"):  # 'He said:' ending the previous sentence
        before_start = max([o.close for o in others if o.close <= q.open] + [para_start])
    if not re.search(r"\w", d.text[q.close:after_end]):
        # spaCy sometimes ends the sentence at the closing mark ('...case,” | Tulsa police
        # Chief Chuck Jordan said Monday.'): the attribution is the next sentence.
        nxt = d.sentence_of(after_end) if after_end < para_end else None
        if nxt is not None:
            after_end = min([o.open for o in others if o.open >= q.close] + [nxt.end_char, para_end])
    after = [c for c in cues if q.close <= c.idx < after_end]
    if after:
        return min(after, key=lambda c: c.idx)
    before = [c for c in cues if before_start <= c.idx < q.open]
    return max(before, key=lambda c: c.idx) if before else None


def _indirect_attributions(d: _Doc, cues: list[Token], direct: list[_Attribution],
                           rules: QuoteRules) -> list[_Attribution]:
    out = []
    for cue in cues:
        rng = indirect_content(cue, rules.infinitive_speech)
        if rng is None:
            continue
        doc = d.doc
        start, end = doc[rng[0]].idx, doc[rng[1] - 1].idx + len(doc[rng[1] - 1])
        if _mostly_direct(start, end, [a for a in direct if a.cue is cue]):
            continue
        out.append(_Attribution(min(start, cue.idx), "indirect", [(start, end)], cue,
                                d.paragraph_of(cue.idx)))
    return out


def _mostly_direct(start: int, end: int, direct: list[_Attribution]) -> bool:
    """An indirect content that is mostly the cue's own direct quote is that quote."""
    covered = sum(max(0, min(end, e) - max(start, s)) for a in direct for s, e in a.ranges)
    return covered >= 0.5 * (end - start)


def extract_quotes(doc: Doc, article_id: str, mentions: tuple[Mention, ...],
                   entities: tuple[Entity, ...], roles: tuple[Role, ...],
                   rules: QuoteRules) -> tuple[tuple[Quote, ...], tuple[str, ...]]:
    """Direct and indirect quotes of one parsed article with their speakers.

    Args:
        doc: the article text parsed by the pinned pipeline.
        article_id: ``Article.id``.
        mentions, entities, roles: from ``entities.extract_entities`` for the same doc.
        rules: from ``load_quote_rules()``.

    Returns:
        (quotes in text order, problems such as unbalanced quotation marks).
    """
    quoted, problems = find_quoted_spans(doc_text(doc))
    d = _Doc(doc, quoted)
    statements = [q for q in quoted if is_statement(doc_text(doc), q, d.paragraphs[q.paragraph], rules)]
    cues = _cue_tokens(d, rules)
    direct = _direct_attributions(d, statements, cues)
    found = sorted(direct + _indirect_attributions(d, cues, direct, rules), key=lambda a: a.position)
    resolver = _SpeakerResolver(d, mentions, {e.id: e for e in entities}, roles, rules)
    quotes = _resolve_all(doc, article_id, found, resolver)
    return tuple(sorted(quotes, key=lambda q: (q.start, q.end))), tuple(problems)


def _resolve_all(doc: Doc, article_id: str, found: list[_Attribution],
                 resolver: _SpeakerResolver) -> list[Quote]:
    quotes: list[Quote] = []
    statement_of_cue: dict[int, int] = {}
    previous: tuple[_Attribution, _Speaker] | None = None
    for n, a in enumerate(found):
        speaker = _speaker_for(a, previous, resolver)
        if a.cue is not None and a.kind == "direct" and a.cue.i in statement_of_cue:
            a.statement = statement_of_cue[a.cue.i]
        elif a.cue is None and previous is not None and speaker.method == "carried-over" \
                and previous[0].paragraph == a.paragraph and previous[0].kind == "direct":
            a.statement = previous[0].statement
        else:
            a.statement = n
        if a.cue is not None and a.kind == "direct":
            statement_of_cue[a.cue.i] = a.statement
        if a.kind == "indirect" and speaker.name is None:
            continue  # a reported clause with nobody reporting it ("if asked to...") is no quote
        quotes.extend(_records(doc, article_id, a, speaker))
        if speaker.name is not None:
            previous = (a, speaker)
    return quotes


def _speaker_for(a: _Attribution, previous: tuple[_Attribution, _Speaker] | None,
                 resolver: _SpeakerResolver) -> _Speaker:
    if a.cue is not None:
        token = speaker_token(a.cue)
        if token is not None and not resolver.d.in_quotes(token.idx):
            return resolver.resolve(token)
        return _Speaker(None, None, None, None, "no-speaker-in-parse")
    framed = _framing_name(a, resolver)
    if framed is not None:
        return framed
    if previous is not None and a.paragraph - previous[0].paragraph <= 1:
        p = previous[1]
        return _Speaker(p.name, p.entity, None, None, "carried-over")
    return _Speaker(None, None, None, None, "unattributed")


_NAME_COLON = re.compile(r"([^\n.:;!?]{2,60}):\s*$")
_DASH_NAME = re.compile(r"^\s*[\u2015\u2014\u2013-]+\s*([^\n]{2,60}?)\s*$")


def _framing_name(a: _Attribution, resolver: _SpeakerResolver) -> _Speaker | None:
    """A name set off by punctuation instead of a verb: 'Jacklyn Ashley: "..."' or
    '"..." ― Jacklyn Ashley' (vox-pop lists, epigraphs)."""
    d = resolver.d
    start, end = a.ranges[0][0], a.ranges[-1][1]
    para_start, para_end = d.paragraphs[a.paragraph]
    before = _NAME_COLON.search(d.text[para_start:max(para_start, start - 1)])
    close = end + 1 if end < len(d.text) and d.text[end] in CLOSERS else end
    after = _DASH_NAME.match(d.text[close:para_end])
    for m, offset in ((before, para_start), (after, close)):
        if m is None:
            continue
        s, e = offset + m.start(1), offset + m.end(1)
        people = [x for x in resolver.mentions if x.kind == "person" and s <= x.start and x.end <= e]
        if people:
            return resolver.named(people[-1], "name-punctuation")
    return None


def _records(doc: Doc, article_id: str, a: _Attribution, s: _Speaker) -> list[Quote]:
    cue = a.cue
    cue_text = None if cue is None else ("according to" if cue.lower_ == "according" else cue.text)
    cue_end = None if cue is None else cue.idx + (len("according to") if cue.lower_ == "according"
                                                  else len(cue.text))
    return [Quote(article_id, start, end, doc_text(doc)[start:end], a.kind, s.name, s.entity,
                  s.start, s.end, cue_text, None if cue is None else cue.idx, cue_end,
                  s.method, a.statement)
            for start, end in a.ranges if end > start]
