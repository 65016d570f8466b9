"""Entity mentions, per-article entities, roles/titles, and corpus-wide identities.

Per article (pure): spaCy's NER spans, corrected by rules, grouped into entities whose
id is a normalised key ("person:kim-jong-un", "place:north-korea"). Because the key is
computed from the name after aliases are applied, two articles that name the same
thing the same way already share the id; ``EntityResolver`` merges what the key cannot
(a surname-only article, an acronym, a middle initial) across the corpus.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from storyline.errors import ConfigError
from storyline.annotate.sentences import doc_text
from storyline.records import Annotations, CorpusEntity, Entity, Mention, Role

LOGGER = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
ALIASES_FILE = RULES_DIR / "entity_aliases.toml"

# spaCy label -> our kind. DATE/TIME and the numeric labels become TimeRef/NumberMention.
KIND_OF_LABEL = {
    "PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place",
    "NORP": "group", "EVENT": "event", "LAW": "other", "WORK_OF_ART": "other",
    "PRODUCT": "other", "LANGUAGE": "other",
}
ENTITY_KINDS = frozenset({"person", "org", "place", "group"})
LABEL_OF_KIND = {"person": "PERSON", "org": "ORG", "place": "GPE", "group": "NORP"}

# Dependency roles of a capital's mention that make it stand for the government
# ("Pyongyang has been providing missiles", "cooperation between Pyongyang and Moscow",
# "heed Moscow"), and those that make it the city ("arrive in Pyongyang").
_GOVERNMENT_DEPS = frozenset({"nsubj", "nsubjpass", "agent", "poss"})
_GOVERNMENT_PREPS = frozenset({"between", "with", "against", "by"})
_PLACE_PREPS = frozenset({"in", "to", "at", "from", "near", "outside", "into", "inside", "via"})
_MOTION_VERBS = frozenset({"visit", "arrive", "travel", "reach", "leave", "enter", "fly", "tour"})


# ----------------------------------------------------------------------------- names


def normalise_name(name: str) -> str:
    """Comparison form of a name: case, typographic marks, "the", possessive, acronym
    dots and hyphens do not make two names different ("Kim Jong-un" = "Kim Jong Un")."""
    text = unicodedata.normalize("NFKC", name).replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"'s?$", "", text.strip())
    text = re.sub(r"^(the|The|THE)\s+", "", text)
    text = re.sub(r"(?<=\b[A-Za-z])\.", "", text)  # U.S. -> US, D.P.R.K. -> DPRK
    text = re.sub(r"[-\u2010-\u2014\s]+", " ", text)
    return text.strip().lower()


def slug(name: str) -> str:
    """URL-safe id part of a normalised name."""
    return re.sub(r"[^a-z0-9]+", "-", normalise_name(name)).strip("-") or "x"


def initials(name: str) -> str:
    """Initials of the capitalised words: "Defense Intelligence Agency" -> "dia"."""
    words = [w for w in re.split(r"[\s-]+", normalise_name(name)) if w not in _LOWER_WORDS]
    return "".join(w[0] for w in words if w)


_LOWER_WORDS = frozenset({"of", "for", "and", "the", "on", "in", "at", "to", "de"})


@dataclass(frozen=True, slots=True)
class AliasEntry:
    name: str
    kind: str
    capital: str | None = None


@dataclass(frozen=True)
class AliasTable:
    """Alias data from ``rules/entity_aliases.toml`` (immutable; load once, pass around)."""

    by_alias: dict[str, AliasEntry] = field(default_factory=dict)
    capital_of: dict[str, AliasEntry] = field(default_factory=dict)

    def lookup(self, text: str) -> AliasEntry | None:
        return self.by_alias.get(normalise_name(text))


def load_aliases(path: Path = ALIASES_FILE) -> AliasTable:
    """Read the alias table. Raises ConfigError naming the file and entry on bad data."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read entity aliases {path}: {exc}") from exc
    by_alias: dict[str, AliasEntry] = {}
    capital_of: dict[str, AliasEntry] = {}
    for i, item in enumerate(data.get("entity", [])):
        if item.get("kind") not in ENTITY_KINDS or not item.get("name"):
            raise ConfigError(f"{path}: entity #{i + 1} needs a name and a kind in "
                              f"{sorted(ENTITY_KINDS)}, got {item}")
        entry = AliasEntry(item["name"], item["kind"], item.get("capital"))
        for alias in [item["name"], *item.get("aliases", [])]:
            by_alias[normalise_name(alias)] = entry
        if entry.capital:
            capital_of[normalise_name(entry.capital)] = entry
    return AliasTable(by_alias, capital_of)


# ----------------------------------------------------------------------------- mentions


@dataclass(slots=True)
class _Draft:
    """A mention being built (spans may still be trimmed or relabelled)."""

    start_token: int
    end_token: int
    label: str
    origin: str = "ner"


def _trim_span(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop leading determiners and a trailing possessive/punctuation from an entity span:
    "the State Department's" -> "State Department" (the name, not the phrase)."""
    while start < end and (doc[start].lower_ in ("the", "a", "an") or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct
                           or doc[end - 1].lower_ in ("'s", "\u2019s", "'", "\u2019")):
        end -= 1
    return start, end


def _is_name(span: Span) -> bool:
    """Proper names have a capital letter; the small model tags a few lowercase words
    ("totalitarian" NORP, a typo "tha" PERSON) that are not names."""
    return any(c.isupper() for c in span.text) and any(c.isalpha() for c in span.text)


def _draft_mentions(doc: Doc) -> list[_Draft]:
    drafts = []
    for ent in doc.ents:
        if ent.label_ not in KIND_OF_LABEL:
            continue
        start, end = _trim_span(doc, ent.start, ent.end)
        if start < end and _is_name(doc[start:end]):
            drafts.append(_Draft(start, end, ent.label_))
    return drafts


def _relabel_with_aliases(doc: Doc, drafts: list[_Draft], aliases: AliasTable) -> None:
    """The alias table knows the kind better than the small model ("DPRK" is tagged ORG)."""
    for d in drafts:
        entry = aliases.lookup(doc[d.start_token:d.end_token].text)
        if entry is not None and KIND_OF_LABEL.get(d.label) != entry.kind:
            d.label = LABEL_OF_KIND[entry.kind]
            d.origin = "rule:alias-kind"


def _person_name_parts(doc: Doc, drafts: list[_Draft]) -> dict[str, int]:
    """Surname/given-name tokens of multi-word PERSON names -> how many full mentions."""
    parts: Counter[str] = Counter()
    for d in drafts:
        if d.label == "PERSON" and d.end_token - d.start_token >= 2:
            for token in (doc[d.start_token], doc[d.end_token - 1]):
                parts[token.text] += 1
    return dict(parts)


def _propagate_person_names(doc: Doc, drafts: list[_Draft]) -> list[_Draft]:
    """One sense per discourse: once an article names "David Maxwell", a later bare
    "Maxwell" is that person even where the small model says ORG or GPE or nothing."""
    parts = _person_name_parts(doc, drafts)
    if not parts:
        return drafts
    covered = set()
    for d in drafts:
        covered.update(range(d.start_token, d.end_token))
        if d.end_token - d.start_token == 1 and d.label != "PERSON" and doc[d.start_token].text in parts:
            d.label, d.origin = "PERSON", "rule:surname"
    for token in doc:
        if token.i not in covered and token.text in parts and token.text[:1].isupper() \
                and token.pos_ == "PROPN" and not _next_is_name(doc, token):
            drafts.append(_Draft(token.i, token.i + 1, "PERSON", "rule:surname"))
    return sorted(drafts, key=lambda d: d.start_token)


def _next_is_name(doc: Doc, token: Token) -> bool:
    """A surname token followed by another capitalised word is part of some other name."""
    nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
    return nxt is not None and nxt.text[:1].isupper() and nxt.pos_ == "PROPN"


# ----------------------------------------------------------------------------- entities


@dataclass(slots=True)
class _Cluster:
    kind: str
    key: str
    name: str
    forms: list[str] = field(default_factory=list)
    first: tuple[int, int] = (0, 0)
    count: int = 0
    positions: list[int] = field(default_factory=list)


def _person_key(span: Span, clusters: dict[str, _Cluster]) -> str:
    """Key of a person mention; a single name token joins the full name that contains
    it (most mentions, then the nearest before it), "Carpenter" -> "Michael Carpenter";
    a bare "Kim" goes to the Kim named most, not to every Kim."""
    norm = normalise_name(span.text)
    if " " in norm:
        return "person:" + slug(span.text)
    candidates = [k for k, c in clusters.items() if c.kind == "person" and " " in c.key
                  and norm in c.key.split()]
    if not candidates:
        return "person:" + slug(span.text)

    def nearest_before(key: str) -> int:
        before = [p for p in clusters[key].positions if p < span.start_char]
        return max(before) if before else -1

    return max(candidates, key=lambda k: (clusters[k].count, nearest_before(k)))


def _capital_sense(doc: Doc, span: Span) -> str | None:
    """"government" when a capital acts ("Pyongyang has been providing missiles",
    "between Pyongyang and Moscow"), "place" when it is where something happens
    ("arrive in Pyongyang", "visit Pyongyang"), None when the parse does not say."""
    root = span.root
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    if root.dep_ in _GOVERNMENT_DEPS:
        return "government"
    if root.dep_ == "pobj":
        prep = root.head.lower_
        if prep in _GOVERNMENT_PREPS:
            return "government"
        if prep in _PLACE_PREPS:
            return "place"
    if root.dep_ == "dobj":
        return "place" if root.head.lemma_ in _MOTION_VERBS else "government"
    return None


def _entity_key(doc: Doc, d: _Draft, aliases: AliasTable,
                clusters: dict[str, _Cluster]) -> tuple[str, str, str | None]:
    """(kind, key, sense) of a mention."""
    span = doc[d.start_token:d.end_token]
    kind = KIND_OF_LABEL[d.label]
    if kind == "person":
        return kind, _person_key(span, clusters), None
    norm = normalise_name(span.text)
    capital = aliases.capital_of.get(norm)
    if capital is not None and kind == "place":
        sense = _capital_sense(doc, span)
        if sense == "government":
            return "place", "place:" + slug(capital.name), sense
        return "place", "place:" + slug(span.text), sense
    entry = aliases.lookup(span.text)
    if entry is not None:
        return entry.kind, f"{entry.kind}:{slug(entry.name)}", None
    return kind, f"{kind}:{slug(span.text)}", None


def _canonical_name(doc: Doc, d: _Draft, aliases: AliasTable) -> str:
    text = doc[d.start_token:d.end_token].text.replace("\u2019", "'")
    entry = aliases.lookup(text)
    return entry.name if entry is not None else text


def _merge_acronyms(clusters: dict[str, _Cluster], mention_keys: list[str | None]) -> None:
    """An all-caps org name equal to the initials of another org in the same article
    ("DIA" after "Defense Intelligence Agency") is that org."""
    by_initials: dict[str, list[str]] = defaultdict(list)
    for key, c in clusters.items():
        if c.kind == "org" and " " in c.key:
            by_initials[initials(c.name)].append(key)
    for key, c in list(clusters.items()):
        if c.kind != "org" or " " in c.key or not c.name.replace(".", "").isupper():
            continue
        targets = by_initials.get(c.key, [])
        if len(targets) == 1:
            target = clusters[targets[0]]
            target.forms.extend(c.forms)
            target.count += c.count
            target.positions.extend(c.positions)
            target.first = min(target.first, c.first)
            del clusters[key]
            mention_keys[:] = [targets[0] if k == key else k for k in mention_keys]


def extract_entities(doc: Doc, article_id: str, aliases: AliasTable,
                     ) -> tuple[tuple[Mention, ...], tuple[Entity, ...], tuple[Role, ...]]:
    """Mentions, entities and roles of one parsed article.

    Args:
        doc: the article text parsed by the pinned pipeline.
        article_id: ``Article.id``, copied into every record.
        aliases: from ``load_aliases()``.

    Returns:
        (mentions in text order, entities in order of first mention, roles).
    """
    drafts = _draft_mentions(doc)
    _relabel_with_aliases(doc, drafts, aliases)
    drafts = _propagate_person_names(doc, drafts)
    # Full person names first, so that a bare surname can join a name given later.
    clusters: dict[str, _Cluster] = {}
    keys: list[str | None] = [None] * len(drafts)
    senses: list[str | None] = [None] * len(drafts)
    for pass_full in (True, False):
        for i, d in enumerate(drafts):
            if KIND_OF_LABEL[d.label] not in ENTITY_KINDS:
                continue  # events, laws, works: mentions only, no identity to track
            is_full = KIND_OF_LABEL[d.label] != "person" or d.end_token - d.start_token > 1
            if is_full != pass_full:
                continue
            kind, key, senses[i] = _entity_key(doc, d, aliases, clusters)
            keys[i] = key
            span = doc[d.start_token:d.end_token]
            cluster = clusters.get(key)
            if cluster is None:
                name = _canonical_name(doc, d, aliases) if senses[i] != "government" else \
                    aliases.capital_of[normalise_name(span.text)].name
                cluster = clusters[key] = _Cluster(kind, normalise_name(name), name,
                                                   first=(span.start_char, span.end_char))
            if senses[i] != "government":  # "Pyongyang" the government is not a name of North Korea
                cluster.forms.append(span.text)
            cluster.count += 1
            cluster.positions.append(span.start_char)
            cluster.first = min(cluster.first, (span.start_char, span.end_char))
    _merge_acronyms(clusters, keys)
    mentions = tuple(_mention(doc, article_id, d, keys[i], senses[i]) for i, d in enumerate(drafts))
    entities = tuple(_entity(doc, article_id, key, c) for key, c in
                     sorted(clusters.items(), key=lambda kv: kv[1].first))
    roles = extract_roles(doc, article_id, drafts, keys)
    return mentions, entities, roles


def _mention(doc: Doc, article_id: str, d: _Draft, key: str | None, sense: str | None) -> Mention:
    span = doc[d.start_token:d.end_token]
    kind = KIND_OF_LABEL[d.label]
    entity_id = key if kind in ENTITY_KINDS else None
    return Mention(article_id, span.start_char, span.end_char, span.text, d.label, kind,
                   entity_id, sense, d.origin)


def _entity(doc: Doc, article_id: str, key: str, c: _Cluster) -> Entity:
    start, end = c.first
    forms = tuple(dict.fromkeys(c.forms))
    return Entity(key, article_id, start, end, doc_text(doc)[start:end], c.kind, _display_name(c),
                  forms, c.count)


def _display_name(c: _Cluster) -> str:
    """The most common full form; for people the longest form ("Michael Carpenter")."""
    forms = Counter(f.replace("\u2019", "'") for f in c.forms)
    if c.kind == "person":
        return max(forms, key=lambda f: (len(f.split()), forms[f]))
    return c.name


# ----------------------------------------------------------------------------- roles

_TITLE_STOP_DEPS = frozenset({"det", "punct", "poss", "case", "cc", "prep", "pobj"})


def extract_roles(doc: Doc, article_id: str, drafts: list[_Draft],
                  keys: list[str | None]) -> tuple[Role, ...]:
    """Roles and titles of people: appositions ("Michael Carpenter, the Senior Director
    for Europe at the National Security Council") and titles before the name ("Russian
    President Vladimir Putin"). Each outlet's wording is kept with its span."""
    roles: list[Role] = []
    seen: set[tuple[int, int, str]] = set()
    for d, key in zip(drafts, keys):
        if d.label != "PERSON" or key is None:
            continue
        span = doc[d.start_token:d.end_token]
        for form, (start, end) in _role_spans(doc, span):
            if (start, end, key) not in seen:
                seen.add((start, end, key))
                roles.append(Role(article_id, start, end, doc_text(doc)[start:end], key, form))
    return tuple(sorted(roles, key=lambda r: r.start))


def _role_spans(doc: Doc, span: Span) -> list[tuple[str, tuple[int, int]]]:
    out = []
    head = span.root
    for child in head.children:
        if child.dep_ == "appos" and child.i >= span.end and child.ent_type_ != "PERSON":
            out.append(("apposition", _token_range(doc, child.left_edge.i, child.right_edge.i + 1)))
    if head.dep_ == "appos" and head.head.i < span.start and head.head.pos_ in ("NOUN", "PROPN") \
            and head.head.ent_type_ != "PERSON":
        noun = head.head
        out.append(("apposition", _token_range(doc, noun.left_edge.i, span.start)))
    title = _title_before(doc, span)
    if title is not None:
        out.append(("title", title))
    return [(form, rng) for form, rng in out if rng[1] - rng[0] > 2]


def _token_range(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Character range of tokens [start, end) without determiners, commas and
    parentheses at the edges."""
    while start < end and (doc[start].dep_ in ("det", "punct") or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if start >= end:
        return (0, 0)
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def _title_before(doc: Doc, span: Span) -> tuple[int, int] | None:
    """Contiguous modifiers left of the name whose heads lead into the name:
    "North Korean leader Kim Jong Un" -> "North Korean leader"."""
    inside = set(range(span.start, span.end))
    i = span.start - 1
    while i >= 0:
        token = doc[i]
        if token.dep_ in _TITLE_STOP_DEPS or token.is_space or token.ent_type_ == "PERSON" \
                or token.pos_ in ("VERB", "AUX", "ADP", "PRON"):
            break
        if not _reaches(token, inside, limit=span.end):
            break
        inside.add(i)
        i -= 1
    first = i + 1
    if first > 0 and doc[first - 1].pos_ == "ADP":
        return None  # "committee on foreign policy Oleksandr Merezhko": an object, not a title
    if first >= span.start or not any(doc[j].pos_ in ("NOUN", "PROPN") for j in range(first, span.start)):
        return None
    return _token_range(doc, first, span.start)


def _reaches(token: Token, targets: set[int], limit: int) -> bool:
    """Whether the head chain of ``token`` reaches ``targets`` before leaving the phrase."""
    current = token
    for _ in range(8):
        if current.head.i in targets:
            return True
        if current.head.i == current.i or current.head.i >= limit:
            return False
        current = current.head
    return False


# ----------------------------------------------------------------------------- corpus


class EntityResolver:
    """Corpus-wide identities from per-article entities (scikit-learn style).

    ``fit``/``partial_fit`` take ``Annotations`` and return ``self``; learned state
    ends in ``_``. Per-article ids already agree wherever two articles use the same
    name (aliases applied); the resolver also merges:

    * a person named by one word in an article ("Carpenter") with the only person in
      the corpus whose full name has that word ("Michael Carpenter"), never when two
      full names share it ("Kim" stays apart from "Kim Jong Un" and "Kim Yo Jong");
    * names that differ only by middle initials ("John F. Kirby" = "John Kirby");
    * an org acronym with the only org whose initials it is ("DIA").

    Example:
        >>> resolver = EntityResolver().fit(all_annotations)
        >>> resolver.resolve("person:carpenter")
        'person:michael-carpenter'
    """

    def __init__(self, merge_surnames: bool = True) -> None:
        self.merge_surnames = merge_surnames

    def fit(self, annotations: Iterable[Annotations]) -> EntityResolver:
        for name in ("members_", "parent_", "roles_"):
            if hasattr(self, name):
                delattr(self, name)
        return self.partial_fit(annotations)

    def partial_fit(self, annotations: Iterable[Annotations]) -> EntityResolver:
        if not hasattr(self, "members_"):
            self.members_: dict[str, list[Entity]] = defaultdict(list)
            self.roles_: dict[str, list[str]] = defaultdict(list)
        for ann in annotations:
            for entity in ann.entities:
                self.members_[entity.id].append(entity)
            for role in ann.roles:
                self.roles_[role.entity_id].append(role.text)
        self.parent_ = self._link()
        return self

    def resolve(self, entity_id: str) -> str:
        """Corpus id of a per-article entity id (itself when nothing merged it)."""
        parent = getattr(self, "parent_", {})
        return parent.get(entity_id, entity_id)

    def corpus_entities(self) -> tuple[CorpusEntity, ...]:
        """Every corpus identity with its members, names and roles, most mentioned first."""
        groups: dict[str, list[str]] = defaultdict(list)
        for key in self.members_:
            groups[self.resolve(key)].append(key)
        out = [self._corpus_entity(root, keys) for root, keys in groups.items()]
        return tuple(sorted(out, key=lambda c: (-len(c.members), c.id)))

    # -- internals

    def _link(self) -> dict[str, str]:
        texts = {key: {e.text for e in members} for key, members in self.members_.items()}
        return entity_links(texts, merge_surnames=self.merge_surnames)

    def _corpus_entity(self, root: str, keys: list[str]) -> CorpusEntity:
        entities = [e for k in keys for e in self.members_[k]]
        names = Counter(e.name for e in entities)
        people = root.startswith("person:")
        name = max(names, key=lambda n: (len(n.split()) if people else 0, names[n], n))
        aliases = tuple(sorted({a for e in entities for a in e.aliases}))
        members = tuple(sorted(f"{e.article_id}/{e.id}" for e in entities))
        roles = tuple(dict.fromkeys(r for k in keys for r in self.roles_.get(k, ())))
        return CorpusEntity(root, entities[0].kind, name, aliases, members, roles)


def entity_links(texts: Mapping[str, Iterable[str]], *, merge_surnames: bool = True) -> dict[str, str]:
    """Corpus identity of every per-article entity key, from the keys and the words the
    articles wrote for them (``texts``: key -> surface texts) — all ``EntityResolver``
    needs to resolve. A store can give these pairs without reading whole annotations
    back (``Store.entity_texts``), so stories can resolve the entities of new articles
    against the whole corpus cheaply."""
    keys = sorted(texts)
    parent = {k: k for k in keys}
    full_people = [k for k in keys if k.startswith("person:") and "-" in k[7:]]
    if merge_surnames:
        _link_single_names(keys, full_people, parent)
    _link_initials(full_people, parent)
    _link_acronyms(keys, texts, parent)
    return {k: _root(parent, k) for k in keys}


def _link_single_names(keys: list[str], full: list[str], parent: dict[str, str]) -> None:
    by_part: dict[str, set[str]] = defaultdict(set)
    for k in full:
        parts = k[7:].split("-")
        by_part[parts[0]].add(k)
        by_part[parts[-1]].add(k)
    for k in keys:
        if k.startswith("person:") and "-" not in k[7:]:
            targets = {_root(parent, t) for t in by_part.get(k[7:], ())}
            if len(targets) == 1:
                parent[k] = targets.pop()


def _link_initials(full: list[str], parent: dict[str, str]) -> None:
    """"john-f-kirby" -> "john-kirby": same first and last word, extra words initials."""
    plain = {(p[0], p[-1]): k for k in full if len(p := k[7:].split("-")) == 2}
    for k in full:
        parts = k[7:].split("-")
        if len(parts) > 2 and all(len(x) == 1 for x in parts[1:-1]):
            target = plain.get((parts[0], parts[-1]))
            if target is not None:
                parent[k] = _root(parent, target)


def _link_acronyms(keys: list[str], texts: Mapping[str, Iterable[str]], parent: dict[str, str]) -> None:
    by_initials: dict[str, set[str]] = defaultdict(set)
    for k in keys:
        if k.startswith("org:") and "-" in k[4:]:
            by_initials["".join(w[0] for w in k[4:].split("-") if w not in _LOWER_WORDS)].add(k)
    for k in keys:
        if k.startswith("org:") and "-" not in k[4:]:
            targets = by_initials.get(k[4:], set())
            if len(targets) == 1 and all(n.replace(".", "").isupper() for n in texts[k]):
                parent[k] = _root(parent, next(iter(targets)))


def _root(parent: dict[str, str], key: str) -> str:
    while parent[key] != key:
        key = parent[key]
    return key
