"""Who does what to whom, as claimed or denied: the structure that lets Storyline see
that a denial and an assertion are about the same thing.

No NLI model ships on PyPI, and sentence embeddings cannot tell "North Korea supplies
arms to Russia" from "Russia's closest partners are North Korea and Iran" (MiniLM puts
both at 0.6-0.7 from Kim Yo Jong's denial on the sample corpus). What does tell them
apart is the claim's structure: an actor, an action of a known class (a transfer, an
attack, an agreement: rules/relation_classes.toml) and its counterpart, read from
spaCy's dependency parse, with the direction kept ("supplying North Korea with Russian
ammunition" is Russia -> North Korea, the opposite claim).

A ``Claim`` is negated when the action is ("has never had any arms deals") and denied
when it sits in the clause a denial cue governs ("denied that North Korea was engaged in
arms dealings with Russia"). Two claims *conflict* when they have the same class and the
same actors in the same direction (either direction for symmetric actions) and exactly
one of them is negated or denied.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyline.annotate.entities import load_aliases, slug
from storyline.records import Annotations, Mention, Sentence

LOGGER = logging.getLogger(__name__)

RULES_FILE = Path(__file__).resolve().parent.parent / "rules" / "relation_classes.toml"
NEGATIONS = frozenset({"not", "never", "no", "n't", "neither", "nor"})
SUBJECTS = ("nsubj", "nsubjpass", "csubj")
RELATIVE_PRONOUNS = frozenset({"which", "who", "that"})
ENTITY_KINDS = ("person", "org", "place", "group")


@dataclass(frozen=True, slots=True)
class RelationClasses:
    """Lemma -> (class name, direction) with direction "forward", "reverse" or "symmetric"."""

    lemmas: Mapping[str, tuple[str, str]]


def load_relation_classes(path: Path = RULES_FILE) -> RelationClasses:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lemmas: dict[str, tuple[str, str]] = {}
    for entry in data["class"]:
        for direction in ("forward", "reverse", "symmetric"):
            for lemma in entry[direction]:
                lemmas.setdefault(lemma, (entry["name"], direction))
    return RelationClasses(lemmas=lemmas)


@dataclass(frozen=True, slots=True)
class Claim:
    """One action in one sentence: ``source`` does ``kind`` to ``target`` (corpus entity
    keys; None when the sentence does not say), ``symmetric`` when direction does not
    matter; ``negated`` / ``denied`` as read; ``cue`` the action word."""

    article_id: str
    sentence_start: int
    kind: str
    source: str | None
    target: str | None
    symmetric: bool
    negated: bool
    denied: bool
    cue: str

    @property
    def positive(self) -> bool:
        return not (self.negated or self.denied)


def claims_conflict(a: Claim, b: Claim) -> bool:
    """Same action between the same parties, one side negating or denying it."""
    if a.kind != b.kind or a.positive == b.positive:
        return False
    if None in (a.source, a.target, b.source, b.target) or a.source == a.target:
        return False
    if a.symmetric or b.symmetric:
        return {a.source, a.target} == {b.source, b.target}
    return (a.source, a.target) == (b.source, b.target)


def extract_claims(sentences: Sequence[Sentence], annotations: Mapping[str, Annotations], nlp: Any,
                   resolve: Callable[[str], str], classes: RelationClasses,
                   denial_cues: Any) -> list[Claim]:
    """Claims of the given sentences (parsed in one ``nlp.pipe`` batch)."""
    demonyms = _demonym_map(annotations, resolve)
    texts = [s.text for s in sentences]
    claims: list[Claim] = []
    for sentence, doc in zip(sentences, nlp.pipe(texts, batch_size=64), strict=True):
        mentions = [m for m in annotations[sentence.article_id].mentions
                    if m.entity_id and sentence.start <= m.start and m.end <= sentence.end
                    and m.kind in ENTITY_KINDS]
        if len(mentions) < 2:
            continue
        entity_at = _entity_locator(doc, sentence, mentions, resolve, demonyms)
        denial_heads = {t.i for t in doc if denial_cues.search(t.text) and t.pos_ in ("VERB", "NOUN", "ADJ")}
        for token in doc:
            entry = classes.lemmas.get(token.lemma_.lower())
            if entry is None or token.pos_ not in ("VERB", "NOUN"):
                continue
            claim = _claim(token, entry, sentence, entity_at, denial_heads, doc)
            if claim is not None:
                claims.append(claim)
    return claims


def _demonym_map(annotations: Mapping[str, Annotations], resolve: Callable[[str], str]) -> dict[str, str]:
    """Group keys of nationality words -> the place they name ("Russian" -> Russia), when
    the story names that place: "North Korean missiles" are North Korea's."""
    places = {}
    for ann in annotations.values():
        for m in ann.mentions:
            if m.entity_id and m.kind == "place":
                key = resolve(m.entity_id)
                places[key.split(":", 1)[-1]] = key
    # A capital as an actor is its government ("Pyongyang has been providing missiles to
    # Moscow"), whether or not the language layer read the mention as metonymy.
    out = {f"place:{slug(entry.capital)}": f"place:{slug(entry.name)}"
           for entry in load_aliases().capital_of.values() if entry.capital}
    for ann in annotations.values():
        for m in ann.mentions:
            if m.entity_id and m.kind == "group":
                key = resolve(m.entity_id)
                word = key.split(":", 1)[-1]
                for candidate in (word[:-1], word[:-3] + "e", word[:-3] + "a", word[:-2], word[:-3]):
                    if candidate in places:
                        out[key] = places[candidate]
                        break
    return out


def _entity_locator(doc: Any, sentence: Sentence, mentions: Sequence[Mention],
                    resolve: Callable[[str], str], demonyms: Mapping[str, str]) -> Callable[[Any], str | None]:
    spans = []
    for m in mentions:
        key = resolve(m.entity_id or "")
        key = demonyms.get(key, key)
        if key.startswith("group:"):
            continue
        spans.append((m.start - sentence.start, m.end - sentence.start, key))

    def at(token: Any) -> str | None:
        for start, end, key in spans:
            if start <= token.idx < end:
                return key
        return None
    return at


def _phrase_entity(token: Any, entity_at: Callable[[Any], str | None]) -> str | None:
    """The entity a noun phrase headed by ``token`` names (the head, or a compound,
    possessive or nationality modifier of it: "Russian ammunition" -> Russia)."""
    found = entity_at(token)
    if found:
        return found
    for child in token.children:
        if child.dep_ in ("compound", "poss", "amod", "nmod"):
            found = entity_at(child)
            if found:
                return found
    return None


def _subject(token: Any, entity_at: Callable[[Any], str | None], doc: Any) -> str | None:
    """The actor: the verb's subject, or (for a noun or an infinitive) the subject of the
    verb that governs it; a pronoun subject stands for the main clause's subject."""
    node = token
    for _ in range(4):
        for child in node.children:
            if child.dep_ in SUBJECTS:
                if child.lower_ in RELATIVE_PRONOUNS and node.dep_ == "relcl":
                    return _phrase_entity(node.head, entity_at)  # "China, which is not providing"
                if child.pos_ == "PRON":
                    return _root_subject(doc, entity_at) if child.lower_ in ("it", "they") else None
                return _phrase_entity(child, entity_at)
        if node.dep_ in ("xcomp", "dobj", "pobj", "prep", "pcomp", "acl", "relcl", "conj") and node.head is not node:
            node = node.head
        else:
            break
    return None


def _root_subject(doc: Any, entity_at: Callable[[Any], str | None]) -> str | None:
    for token in doc:
        if token.dep_ == "ROOT":
            for child in token.children:
                if child.dep_ in SUBJECTS:
                    return _phrase_entity(child, entity_at)
    return None


def _counterparts(token: Any, entity_at: Callable[[Any], str | None], preps: tuple[str, ...]) -> list[str]:
    """Objects of the given prepositions attached to the action word or its governing
    verb ("supplies ... to Russia" attaches "to" to "began" in spaCy's parse)."""
    found = []
    for node in (token, token.head):
        for child in node.children:
            if child.dep_ in ("prep", "dative") and child.lower_ in preps:
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        key = _phrase_entity(obj, entity_at)
                        if key:
                            found.append(key)
                        found += [k for c in obj.conjuncts if (k := _phrase_entity(c, entity_at))]
    return found


def _claim(token: Any, entry: tuple[str, str], sentence: Sentence, entity_at: Callable[[Any], str | None],
           denial_heads: set[int], doc: Any) -> Claim | None:
    kind, direction = entry
    source = _subject(token, entity_at, doc)
    target: str | None = None
    if direction == "symmetric":
        between = _counterparts(token, entity_at, ("between",))
        if len(between) >= 2:
            source, target = between[0], between[1]
        else:
            others = _counterparts(token, entity_at, ("with", "to"))
            target = others[0] if others else _direct_object(token, entity_at)
    elif direction == "forward":
        recipients = _counterparts(token, entity_at, ("to", "for"))
        direct = _direct_object(token, entity_at)
        if direct and _counterparts(token, entity_at, ("with",)) == [] and _has_with(token):
            recipients = [direct]  # "supplying North Korea with Russian ammunition"
            source = source or _with_object_entity(token, entity_at)
        target = recipients[0] if recipients else None
        if source is None:
            source = _origin(token, entity_at)
    else:  # reverse: the subject receives from the "from" object
        givers = _counterparts(token, entity_at, ("from",))
        source, target = (givers[0] if givers else None), source
    if source is None or target is None:
        return None
    return Claim(article_id=sentence.article_id, sentence_start=sentence.start, kind=kind,
                 source=source, target=target, symmetric=direction == "symmetric",
                 negated=_negated(token), denied=_under_denial(token, denial_heads), cue=token.text)


def _direct_object(token: Any, entity_at: Callable[[Any], str | None]) -> str | None:
    for child in token.children:
        if child.dep_ in ("dobj", "dative"):
            return _phrase_entity(child, entity_at)
    return None


def _has_with(token: Any) -> bool:
    return any(c.dep_ == "prep" and c.lower_ == "with" for c in token.children)


def _with_object_entity(token: Any, entity_at: Callable[[Any], str | None]) -> str | None:
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ == "with":
            for obj in child.children:
                if obj.dep_ == "pobj":
                    return _phrase_entity(obj, entity_at)
    return None


def _origin(token: Any, entity_at: Callable[[Any], str | None]) -> str | None:
    """The giver named by "from X" or by the transferred thing's modifier."""
    giver = _counterparts(token, entity_at, ("from",))
    return giver[0] if giver else None


def _negated(token: Any) -> bool:
    """A negation on the action word, its governing verb, or a determiner "no"/"any"
    under a negated verb ("has never had any arms deals")."""
    for node in (token, token.head, token.head.head):
        if any(c.dep_ == "neg" or c.lower_ in NEGATIONS for c in node.children):
            return True
        if node.dep_ == "ROOT":
            break
    return any(c.lower_ == "no" and c.dep_ == "det" for c in token.children)


def _under_denial(token: Any, denial_heads: set[int]) -> bool:
    """The action sits in a clause governed by a denial word (or is modified by one:
    "groundless version of alleged arms deals")."""
    node = token
    for _ in range(8):
        if node.i in denial_heads and node is not token:
            return True
        if node is not token and any(c.i in denial_heads for c in node.children if c.dep_ == "amod"):
            return True  # "a groundless version of alleged arms deals"
        if node.head is node:
            break
        node = node.head
    return any(t.i in denial_heads for t in token.subtree if t is not token) or any(
        a.i in denial_heads for a in token.head.children)


__all__ = ["Claim", "RelationClasses", "claims_conflict", "extract_claims", "load_relation_classes"]
