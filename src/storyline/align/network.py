"""Who did what to whom: edges between a story's entities, read from dependency parses.

Only sentences that name at least two different entities (people, organisations,
places) are parsed, in ``nlp.pipe`` batches. In each, a verb links an *agent* entity to
a *target* entity:

* agent: the subject, every conjunct of it ("Putin and Kim Jong Un signed"), the
  ``by`` agent of a passive; a relative "which" stands for the name before it, "it"/"he"
  for the nearest name of the right kind before it in the sentence, and a verb without a
  subject of its own takes the subject of the verb it is coordinated with;
* target: the direct or dative object, a prepositional object of the verb ("arrive in
  Pyongyang"), or of its object noun ("deepened its relationship with North Korea",
  "engaged in arms dealings with Russia"); conjoined subjects of a verb with no entity
  object (or only a place: "in Pyongyang") are linked to each other ("Putin and Kim Jong
  Un signed a treaty" -> one "sign partnership treaty with" edge); the subject of a
  passive verb with a ``by`` agent is its target;
* relation: the verb's lemma, its particle, its non-entity object ("partnership
  treaty", "dual-use product") and the preposition; transfer verbs read "provide X with
  Y" as "provide Y to X" and, when they name no recipient, take the one of the transfer
  verb of the sentence with the same agent ("not providing Russia with weapons, but
  sending dual-use products");
* negated: the verb is negated ("not", "never") or is what a denial verb denies ("denied
  that North Korea was engaged in arms dealings with Russia"); the denier gets its own
  "deny ..." edge when it is someone else.

Reporting verbs ("say", "tell", "add") make no edges: what was said is the quote layer's.
Edges are merged across sentences and articles on (source, relation, target, negated),
keeping every citation; entity names are the resolver's canonical names.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Token

from storyline.annotate.entities import EntityResolver
from storyline.records import Annotations, Article, Citation, Mention, NetworkEdge, Sentence

LOGGER = logging.getLogger(__name__)

EDGE_KINDS = frozenset({"person", "org", "place"})
# Verbs whose complement is denied: what they govern did not happen, says the subject.
DENIAL_VERBS = frozenset({"deny", "refute", "reject", "dismiss", "rebut", "disprove"})
# Verbs that report speech to an audience: their object is who heard it (a reporter, an
# agency), not someone acted upon; the quote layer keeps what was said.
REPORTING_VERBS = frozenset({
    "say", "tell", "add", "note", "state", "report", "write", "quote", "cite", "comment",
    "explain", "specify", "conclude", "continue", "reply", "respond", "answer", "inform",
    "notify", "mention", "describe", "speak", "argue", "claim", "reiterate", "repeat",
    "stress", "emphasize", "emphasise", "insist", "announce", "declare", "acknowledge",
    "confirm", "predict",
})
# Verbs of giving: "provide X with Y" means "provide Y to X", and a recipient is shared
# by coordinated transfer verbs.
TRANSFER_VERBS = frozenset({
    "provide", "supply", "send", "ship", "deliver", "give", "sell", "transfer", "export",
    "hand", "lend", "offer", "furnish",
})
# Passive forms that read as active: "X was engaged in arms dealings" = "X engaged in".
ACTIVE_PASSIVES = frozenset({"engage", "involve"})
# Object nouns that only quantify another: "a lot of dual-use products" -> "product".
QUANTITY_NOUNS = frozenset({
    "lot", "lots", "number", "hundred", "hundreds", "thousand", "thousands", "million",
    "millions", "dozen", "dozens", "plenty", "amount", "range", "variety", "kind", "type",
    "part", "set",
})
# Prepositions that tie an entity to an object noun as a party ("relationship with North
# Korea", "dealings with Russia", "war against Ukraine"); place and time prepositions
# ("aggression in Ukraine", "time in the North") only locate the noun.
NOUN_LINK_PREPS = frozenset({"with", "between", "against", "to", "from", "toward", "towards"})
# A verb's time adjunct ("during his visit to Turkey") holds no object of the act.
TIME_PREPS = frozenset({"during", "since", "after", "before", "until", "till", "amid", "ahead"})
# Relations ending in a place or time preposition locate the act ("signed a treaty in
# Pyongyang"); conjoined subjects of such an act did it together.
PLACE_ENDINGS = (" in", " at", " on", " near", " during", " inside", " outside", " within")
_RELATIVE = frozenset({"which", "who", "that", "whom"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_THING_PRONOUNS = frozenset({"it"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})


@dataclass(frozen=True, slots=True)
class SentenceEdge:
    """One edge as one sentence states it, between entity ids (``build_network`` names
    them and merges equal edges across sentences)."""

    source: str
    relation: str
    target: str
    negated: bool


def build_network(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                  resolver: EntityResolver, nlp: Any, *, batch_size: int = 64) -> list[NetworkEdge]:
    """Edges between the story's entities, each with the sentences that state it.

    Args:
        articles: one story's articles.
        annotations: their annotations by article id (articles without are skipped).
        resolver: corpus identities (canonical names come from it).
        nlp: the spaCy pipeline from ``storyline.annotate.load_model()``.
        batch_size: sentences per ``nlp.pipe`` batch.

    Returns:
        Edges, most cited first; each citation is the span of a sentence stating it and
        ``text`` is the first citation's sentence.

    Example:
        >>> edges = build_network(articles, annotations, resolver, load_model())
        >>> [(e.source, e.relation, e.target) for e in edges if "treaty" in e.relation][:1]
        [('Kim Jong Un', 'sign partnership treaty with', 'Vladimir Putin')]
    """
    names = {c.id: c.name for c in resolver.corpus_entities()} if hasattr(resolver, "members_") else {}
    jobs = list(_sentences_to_parse(articles, annotations, resolver))
    found: dict[SentenceEdge, list[tuple[Citation, str]]] = defaultdict(list)
    disabled = [name for name in ("ner",) if name in getattr(nlp, "pipe_names", ())]
    docs = nlp.pipe((sentence.text for _, sentence, _ in jobs), batch_size=batch_size, disable=disabled)
    for (article, sentence, mentions), doc in zip(jobs, docs):
        entity_of = _token_entities(doc, sentence, mentions, resolver)
        citation = Citation(article.id, article.source_id, article.outlet, sentence.start, sentence.end)
        for edge in dict.fromkeys(sentence_edges(doc, entity_of)):
            named = SentenceEdge(names.get(edge.source, edge.source), edge.relation,
                          names.get(edge.target, edge.target), edge.negated)
            if named.source != named.target and all(c != citation for c, _ in found[named]):
                found[named].append((citation, article.text[sentence.start:sentence.end]))
    edges = [NetworkEdge(e.source, e.relation, e.target, tuple(c for c, _ in cites), e.negated,
                         cites[0][1]) for e, cites in found.items()]
    edges.sort(key=lambda e: (-len(e.citations), e.source, e.relation, e.target, e.negated))
    return edges


def _sentences_to_parse(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                        resolver: EntityResolver) -> Iterator[tuple[Article, Sentence, list[Mention]]]:
    """Sentences naming two or more different corpus entities, with their mentions."""
    for article in articles:
        ann = annotations.get(article.id)
        if ann is None:
            continue
        mentions = sorted((m for m in ann.mentions if m.entity_id and m.kind in EDGE_KINDS),
                          key=lambda m: m.start)
        position = 0
        for sentence in ann.sentences:
            inside = []
            while position < len(mentions) and mentions[position].start < sentence.end:
                if mentions[position].start >= sentence.start:
                    inside.append(mentions[position])
                position += 1
            if len({resolver.resolve(m.entity_id) for m in inside if m.entity_id}) >= 2:
                yield article, sentence, inside


def _token_entities(doc: Doc, sentence: Sentence, mentions: list[Mention],
                    resolver: EntityResolver) -> dict[int, str]:
    """Token index -> corpus entity id, for every token of every mention."""
    entity_of: dict[int, str] = {}
    for m in mentions:
        span = doc.char_span(m.start - sentence.start, m.end - sentence.start, alignment_mode="expand")
        if span is None or m.entity_id is None:
            continue
        for token in span:
            entity_of[token.i] = resolver.resolve(m.entity_id)
    return entity_of


# ----------------------------------------------------------------------------- one sentence


def sentence_edges(doc: Doc, entity_of: Mapping[int, str]) -> list[SentenceEdge]:
    """The edges one parsed sentence states, with entity ids (``entity_of``: token
    index -> entity id, for the tokens of entity mentions)."""
    reader = _Reader(doc, entity_of)
    edges: list[SentenceEdge] = []
    for verb in doc:
        if verb.pos_ in ("VERB", "AUX") and verb.dep_ not in ("aux", "auxpass") \
                and verb.lemma_ not in REPORTING_VERBS and verb.lemma_ != "be":
            edges.extend(reader.verb_edges(verb))
    return edges


class _Reader:
    """Reads agents, targets and relations off one parsed sentence."""

    def __init__(self, doc: Doc, entity_of: Mapping[int, str]) -> None:
        self.doc = doc
        self.entity_of = entity_of

    # -- edges of one verb

    def verb_edges(self, verb: Token) -> list[SentenceEdge]:
        agents = self.agents(verb)
        if not agents:
            return []
        negated = self.negated(verb)
        targets = self.targets(verb) or self.shared_recipient(verb)
        edges = [SentenceEdge(a, relation, t, negated) for a in agents for relation, t in targets if a != t]
        if len(agents) >= 2 and all(relation.endswith(PLACE_ENDINGS) for relation, _ in targets):
            edges.extend(self.mutual(verb, agents, negated))
        edges.extend(self.denier_edges(verb, edges))
        return edges

    def mutual(self, verb: Token, agents: list[str], negated: bool) -> list[SentenceEdge]:
        """Conjoined subjects acting together on a thing: "Putin and Kim signed a treaty"."""
        theme = self.theme(verb)
        if not theme:
            return []
        relation = " ".join(filter(None, (self.verb_words(verb), theme, "with")))
        ordered = sorted(dict.fromkeys(agents))
        return [SentenceEdge(a, relation, b, negated) for i, a in enumerate(ordered) for b in ordered[i + 1:]]

    def denier_edges(self, verb: Token, edges: list[SentenceEdge]) -> list[SentenceEdge]:
        """"Kim Yo Jong denied that North Korea ... with Russia": Kim Yo Jong -deny-> Russia."""
        denial = self.denying_verb(verb)
        if denial is None:
            return []
        deniers = self.agents(denial)
        out = []
        for edge in edges:
            out.extend(SentenceEdge(d, f"{denial.lemma_} {edge.relation}", edge.target, False)
                       for d in deniers if d not in (edge.source, edge.target))
        return out

    # -- agents

    def agents(self, verb: Token) -> list[str]:
        subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
        if self.is_passive(verb):
            by = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
            return self.entities_of(by)
        found = self.entities_of(subjects)
        if not found and not subjects and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
            return self.agents(verb.head)
        return found

    @staticmethod
    def is_passive(verb: Token) -> bool:
        return verb.lemma_ not in ACTIVE_PASSIVES and any(c.dep_ == "nsubjpass" for c in verb.children)

    def entities_of(self, tokens: list[Token]) -> list[str]:
        out: list[str] = []
        for token in tokens:
            for part in self.conjuncts(token):
                entity = self.entity(part)
                if entity and entity not in out:
                    out.append(entity)
        return out

    def conjuncts(self, token: Token) -> list[Token]:
        """A noun and its coordinated nouns; the small model sometimes hangs the first
        conjunct under the second ("Putin and North Korean dictator Kim Jong Un": Putin
        is an nmod of Un with the "and"), which counts as coordination too."""
        out = [token]
        for child in token.children:
            if child.dep_ == "conj" and child.pos_ in ("PROPN", "NOUN", "PRON"):
                out.extend(self.conjuncts(child))
            elif child.dep_ in ("nmod", "compound") and self._other_entity(child, token) \
                    and any(g.dep_ in ("cc", "conj") for g in child.children):
                out.extend(self.conjuncts(child))
        return out

    def _other_entity(self, child: Token, token: Token) -> bool:
        return self.entity_of.get(child.i) != self.entity_of.get(token.i)

    def entity(self, token: Token) -> str | None:
        """The entity a noun phrase head names, or a pronoun stands for."""
        if token.i in self.entity_of:
            return self.entity_of[token.i]
        lower = token.lower_
        if lower in ("which", "who") or (lower in _RELATIVE and token.head.dep_ == "relcl"):
            return self.antecedent(token)
        if lower in _PERSON_PRONOUNS or lower in _THING_PRONOUNS:
            person = lower in _PERSON_PRONOUNS
            return self.governing_subject(token, person=person) or self.nearest_before(token, person=person)
        return None

    def antecedent(self, relative: Token) -> str | None:
        """The name just before ", which" (the parser may hang the clause elsewhere); after
        "but which"/"and which", the name the previous "which" stands for."""
        i = relative.i - 1
        while i >= 0 and self.doc[i].is_punct:
            i -= 1
        if i >= 0 and self.doc[i].dep_ == "cc":
            earlier = [t for t in self.doc[:i] if t.lower_ == relative.lower_]
            return self.antecedent(earlier[-1]) if earlier else None
        return self.entity_of.get(i) if i >= 0 else None

    def governing_subject(self, pronoun: Token, *, person: bool) -> str | None:
        """The named subject of a clause that governs the pronoun's clause: "Kim invited
        Putin ... when he visited Russia" -> Kim; "North Korea denied statements that it
        supplies weapons" -> North Korea."""
        token = pronoun.head
        for _ in range(6):
            if token.head.i == token.i:
                return None
            token = token.head
            for child in token.children:
                if child.dep_ in ("nsubj", "nsubjpass") and child.i in self.entity_of \
                        and self.entity_of[child.i].startswith("person:") == person:
                    return self.entity_of[child.i]
        return None

    def nearest_before(self, pronoun: Token, *, person: bool) -> str | None:
        for i in range(pronoun.i - 1, -1, -1):
            entity = self.entity_of.get(i)
            if entity is not None and entity.startswith("person:") == person:
                return entity
        return None

    # -- targets

    def targets(self, verb: Token) -> list[tuple[str, str]]:
        """(relation, target entity) pairs of a verb."""
        words = self.verb_words(verb)
        transfer = verb.lemma_ in TRANSFER_VERBS
        out: list[tuple[str, str]] = []
        theme = self.theme(verb)
        if self.is_passive(verb):  # "Ukraine was attacked by Russia": Ukraine is the target
            patients = [c for c in verb.children if c.dep_ == "nsubjpass"]
            out.extend((words, e) for e in self.entities_of(patients))
        for child in verb.children:
            if child.dep_ in ("dobj", "dative") and child.pos_ != "ADP":
                for entity in self.entities_of([child]):
                    if transfer:  # "provide Russia with weapons" = "provide weapons to Russia"
                        thing = theme or self.with_object(verb)
                        out.append((" ".join(filter(None, (words, thing, "to"))), entity))
                    else:
                        out.append((words, entity))
                if not self.entity(child):
                    out.extend(self.noun_targets(child, f"{words} {self.phrase(child)}"))
            elif child.dep_ in ("prep", "dative"):
                objects = [g for g in child.children if g.dep_ == "pobj"]
                relation = " ".join(filter(None, (words, theme, child.lower_)))
                for entity in self.entities_of(objects):
                    out.append((relation, entity))
                for obj in objects if child.lower_ not in TIME_PREPS else ():
                    if not self.entity(obj):
                        out.extend(self.noun_targets(obj, f"{words} {child.lower_} {self.phrase(obj)}"))
        return out

    def noun_targets(self, noun: Token, relation: str) -> list[tuple[str, str]]:
        """Entities in a prepositional phrase of an object noun: "relationship with North Korea"."""
        out = []
        for prep in noun.children:
            if prep.dep_ == "prep" and prep.lower_ in NOUN_LINK_PREPS:
                objects = [g for g in prep.children if g.dep_ == "pobj"]
                out.extend((f"{relation} {prep.lower_}", e) for e in self.entities_of(objects))
        return out

    def shared_recipient(self, verb: Token) -> list[tuple[str, str]]:
        """A transfer verb with a thing but no recipient takes the recipient of another
        transfer verb of the sentence with the same agent ("not providing Russia with
        weapons, but sending dual-use products"), the nearest one before it first."""
        theme = self.theme(verb)
        if verb.lemma_ not in TRANSFER_VERBS or not theme:
            return []
        agents = set(self.agents(verb))
        others = sorted((t for t in self.doc
                         if t.lemma_ in TRANSFER_VERBS and t.pos_ == "VERB" and t.i != verb.i),
                        key=lambda t: (t.i > verb.i, abs(t.i - verb.i)))
        for other in others:
            if agents & set(self.agents(other)):
                recipients = [e for relation, e in self.targets(other) if relation.endswith(" to")]
                if recipients:
                    relation = " ".join(filter(None, (self.verb_words(verb), theme, "to")))
                    return [(relation, r) for r in dict.fromkeys(recipients)]
        return []

    # -- words

    def verb_words(self, verb: Token) -> str:
        particles = [c.lower_ for c in verb.children if c.dep_ == "prt"]
        return " ".join([verb.lemma_.lower(), *particles])

    def theme(self, verb: Token) -> str:
        """The verb's direct object (a passive verb's subject) when it is a thing, not an
        entity, as a short phrase."""
        theme_dep = "nsubjpass" if self.is_passive(verb) else "dobj"
        for child in verb.children:
            if child.dep_ == theme_dep and not self.entity(child) and child.pos_ in ("NOUN", "PROPN"):
                return self.phrase(child)
        return ""

    def with_object(self, verb: Token) -> str:
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "with":
                for g in child.children:
                    if g.dep_ == "pobj" and not self.entity(g):
                        return self.phrase(g)
        return ""

    def phrase(self, noun: Token) -> str:
        """Lemma of a noun with its compound modifiers ("partnership treaty",
        "dual-use product"); a quantity noun gives way to what it counts."""
        if noun.lemma_.lower() in QUANTITY_NOUNS:
            counted = [g for p in noun.children if p.dep_ == "prep" and p.lower_ == "of"
                       for g in p.children if g.dep_ == "pobj"]
            if counted:
                return self.phrase(counted[0])
        start = noun.i
        while start > 0:
            previous = self.doc[start - 1]
            if previous.dep_ == "compound" or previous.text == "-" or self.doc[start].text == "-":
                start -= 1
            else:
                break
        words = [t.lemma_.lower() if t.i == noun.i else t.lower_ for t in self.doc[start:noun.i + 1]]
        return " ".join(words).replace(" - ", "-")

    # -- polarity

    def negated(self, verb: Token) -> bool:
        own = any(c.dep_ == "neg" for c in verb.children)
        return own != (self.denying_verb(verb) is not None)

    def denying_verb(self, verb: Token) -> Token | None:
        """The denial verb whose complement this verb is: "denied that X ...", "denied
        statements that X ...", "refute the accusations that X ..."."""
        token = verb
        for _ in range(3):
            head = token.head
            if head.i == token.i:
                return None
            if head.lemma_ in DENIAL_VERBS and token.dep_ in ("ccomp", "dobj", "xcomp"):
                return head
            if token.dep_ not in ("ccomp", "acl", "relcl", "dobj", "xcomp"):
                return None
            token = head
        return None
