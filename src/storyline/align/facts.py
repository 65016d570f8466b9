"""Facts across outlets: which sentences of a story state the same thing, how many
independent outlets stand behind each, and which are contested.

A *fact* is a group of sentences from different articles that say the same thing. Two
sentences join when their meaning is close (MiniLM cosine) **and** their words overlap
(TF-IDF cosine) — translations of one quote share few words, so the semantic side has
to carry them, while two sentences about the same people with different content share
words but not meaning — and when they do not disagree on a number or a date of the
same thing (then they are different facts, unless they are otherwise near-identical:
that is a conflict, and the fact is contested).

**Independence.** Every supporting sentence counts under a *witness* key: its outlet;
the earliest of a set of articles that share the passage (dedupe's shared passages and
near duplicates: syndicated copies count once); or the news agency the sentence says it
relays ("Tass reported", "according to Reuters"). ``independent_outlets`` is the number
of distinct witnesses among the sentences that assert the fact.

**Contested.** (1) a denial — a sentence with a denial cue (rules/contradiction_cues.toml)
whose denied proposition matches sentences that assert it: both the assertions and the
denial are contested, each side with its speaker; (2) the same statement with different
numbers for the same counted thing, or different dates; (3) the same person given
different positions by different outlets (a ``title`` fact whose text is one of the
titles, with the others as its contradiction). A contested fact is never stated as
true: its supports say who asserts it and who denies it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from storyline.align.claims import Claim, claims_conflict, extract_claims, load_relation_classes
from storyline.brief import content_terms
from storyline.records import (
    Annotations,
    Article,
    Contradiction,
    DuplicateLink,
    Fact,
    NumberMention,
    Quote,
    Role,
    Sentence,
    SharedPassage,
    Support,
    TimeRef,
)

LOGGER = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
APPROXIMATE = frozenset({"about", "approximately", "roughly", "around", "nearly", "almost",
                         "some", "more than", "over", "at least", "up to", "under", "less than",
                         "fewer than", "estimated", "an estimated", "close to", "some"})


@dataclass(frozen=True, slots=True)
class FactParams:
    """Thresholds of fact grouping. Chosen on the sample corpus's known pairs (the three
    renderings of Carpenter's remarks: MiniLM cosine 0.74-0.92, TF-IDF 0.2-0.6) against
    the closest unrelated pairs of the story (0.65-0.77 with TF-IDF below 0.25); see
    tests/align/test_facts.py, which pins both sides."""

    # Two sentences state the same thing when semantic >= same_semantic and lexical >=
    # same_lexical, or semantic >= sure_semantic whatever their words (translations).
    same_semantic: float = 0.72
    same_lexical: float = 0.2
    sure_semantic: float = 0.85
    # Average link across a group must stay above this (combined score).
    group_link: float = 0.6
    # Sentences shorter than this are fragments, never facts.
    min_words: int = 5


@dataclass(frozen=True, slots=True)
class Cues:
    denial: re.Pattern[str]
    hedge: re.Pattern[str]
    job_words: frozenset[str]
    wires: tuple[tuple[str, re.Pattern[str]], ...]


def load_cues(rules_dir: Path = RULES_DIR) -> Cues:
    """The denial and hedge cues, position words and news agencies (rules/*.toml)."""
    cues = tomllib.loads((rules_dir / "contradiction_cues.toml").read_text(encoding="utf-8"))
    wires = tomllib.loads((rules_dir / "wires.toml").read_text(encoding="utf-8"))["wire"]

    def alternation(entries: list[dict[str, str]]) -> re.Pattern[str]:
        return re.compile(r"\b(?:" + "|".join(e["pattern"] for e in entries) + r")\b", re.IGNORECASE)

    wire_patterns = tuple(
        (w["name"], re.compile(r"\b(?:" + "|".join(re.escape(n) for n in [w["name"], *w["aliases"]])
                               + r")\b", re.IGNORECASE if len(w["name"]) > 3 else 0))
        for w in wires)
    return Cues(denial=alternation(cues["denial"]), hedge=alternation(cues["hedge"]),
                job_words=frozenset(cues["titles"]["job_words"]), wires=wire_patterns)


# --------------------------------------------------------------------------- units


@dataclass(slots=True)
class Unit:
    """One sentence of one article with what fact grouping needs to know about it."""

    sentence: Sentence
    article: Article
    speaker: str | None
    stance: str
    claim: str
    witness: str = ""
    via: str | None = None
    numbers: tuple[NumberMention, ...] = ()
    dates: tuple[TimeRef, ...] = ()
    entities: frozenset[str] = field(default_factory=frozenset)

    def support(self) -> Support:
        s = self.sentence
        return Support(article_id=s.article_id, start=s.start, end=s.end, text=s.text,
                       source_id=self.article.source_id, outlet=self.article.outlet,
                       speaker=self.speaker, stance=self.stance, witness=self.witness, via=self.via)


def build_units(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                resolve: callable, cues: Cues, min_words: int) -> list[Unit]:  # type: ignore[valid-type]
    """Sentences of the story's articles with their speaker, stance, numbers and dates."""
    units = []
    for article in articles:
        ann = annotations.get(article.id)
        if ann is None:
            continue
        for sentence in ann.sentences:
            if len(content_terms(sentence.text)) + 2 < min_words or len(sentence.text.split()) < min_words:
                continue
            units.append(_unit(article, ann, sentence, resolve, cues))
    return units


def _overlap(start: int, end: int, sentence: Sentence) -> int:
    return min(end, sentence.end) - max(start, sentence.start)


def _inside(start: int, end: int, sentence: Sentence) -> bool:
    return start >= sentence.start and end <= sentence.end


def _unit(article: Article, ann: Annotations, sentence: Sentence, resolve: callable,  # type: ignore[valid-type]
          cues: Cues) -> Unit:
    # A quotation can run over several sentences: the one covering most of this one speaks.
    quotes = [q for q in ann.quotes if _overlap(q.start, q.end, sentence) > 0]
    quote = max(quotes, key=lambda q: _overlap(q.start, q.end, sentence)) if quotes else None
    speaker = _speaker(quote, article)
    denial = cues.denial.search(sentence.text)
    stance = "denies" if denial else "asserts"
    claim = quote.text if quote is not None else sentence.text
    if denial and (quote is None or quote.cue is None or not cues.denial.search(quote.cue or "")):
        # "X has repeatedly denied statements ... that it supplies weapons": the denied
        # proposition follows the cue; who denies precedes it.
        tail = sentence.text[denial.end():].strip(" ,.;:")
        claim = tail if len(tail.split()) >= 3 else claim
        if speaker is None:
            speaker = _subject_before(ann, sentence, sentence.start + denial.start(), resolve)
    entities = frozenset(resolve(m.entity_id) for m in ann.mentions
                         if m.entity_id and _inside(m.start, m.end, sentence)
                         and m.kind in ("person", "org", "place"))
    return Unit(sentence=sentence, article=article, speaker=speaker, stance=stance, claim=claim,
                via=_wire(sentence.text, quote, article, cues),
                numbers=tuple(n for n in ann.numbers if _inside(n.start, n.end, sentence)),
                dates=tuple(t for t in ann.timerefs if _inside(t.start, t.end, sentence) and t.value
                            and not t.value.startswith("P")),
                entities=entities)


def _speaker(quote: Quote | None, article: Article) -> str | None:
    if quote is None or not quote.speaker:
        return None
    if article.outlet and quote.speaker.casefold() == article.outlet.casefold():
        return None  # the outlet asking or reporting in its own voice
    return quote.speaker


def _subject_before(ann: Annotations, sentence: Sentence, cue_at: int, resolve: callable) -> str | None:  # type: ignore[valid-type]
    before = [m for m in ann.mentions if sentence.start <= m.start and m.end <= cue_at
              and m.kind in ("person", "org", "place")]
    return before[-1].text if before else None


def _wire(text: str, quote: Quote | None, article: Article, cues: Cues) -> str | None:
    """The news agency a sentence says it relays, unless the article is that agency's."""
    outlet = (article.outlet or "").casefold()
    speaker = (quote.speaker or "") if quote else ""
    for name, pattern in cues.wires:
        if name.casefold() == outlet or (pattern.search(article.outlet or "") if article.outlet else False):
            continue
        if pattern.fullmatch(speaker.strip()) or _relays(text, pattern):
            return name
    return None


_RELAY = (r"(?:according to|reported by|citing|cited by|quoted by|told)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?",
          r"\s+(?:reported|reports|quoted|said|says|cited|wrote)")


def _relays(text: str, pattern: re.Pattern[str]) -> bool:
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 60):match.start()]
        after = text[match.end():match.end() + 12]
        if re.search(_RELAY[0] + r"$", before, re.IGNORECASE) or re.match(_RELAY[1], after, re.IGNORECASE):
            return True
    return False


# --------------------------------------------------------------------------- witnesses


def assign_witnesses(units: Sequence[Unit], passages: Iterable[SharedPassage],
                     near: Iterable[DuplicateLink]) -> None:
    """Set each unit's witness key: wire > shared-passage original > near-duplicate
    original > outlet (or the article when the outlet is unknown)."""
    order = {u.article.id: _time_key(u.article) for u in units}
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    def union(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=lambda k: (order.get(k.split("@")[0], ("~",)), k))
            parent[second] = first

    for link in near:
        if link.article_id in order and link.other_id in order:
            union(link.article_id, link.other_id)
    by_article: dict[str, list[Unit]] = {}
    for unit in units:
        by_article.setdefault(unit.article.id, []).append(unit)
    for p in passages:
        for a, s, e, b, os_, oe in ((p.article_id, p.start, p.end, p.other_id, p.other_start, p.other_end),):
            ua = _covering(by_article.get(a, ()), s, e)
            ub = _covering(by_article.get(b, ()), os_, oe)
            if ua is not None and ub is not None:
                union(_unit_key(ua), _unit_key(ub))
    for unit in units:
        if unit.via:
            unit.witness = f"wire:{unit.via}"
            continue
        original = root(_unit_key(unit))
        if original == _unit_key(unit):
            original = root(unit.article.id)
        article_id = original.split("@")[0]
        source = next((u.article for u in units if u.article.id == article_id), unit.article)
        unit.witness = _witness_key(source)
        if article_id != unit.article.id:
            unit.via = f"copy of article {article_id}"


def _unit_key(unit: Unit) -> str:
    return f"{unit.article.id}@{unit.sentence.start}"


def _covering(units: Sequence[Unit], start: int, end: int) -> Unit | None:
    """The unit whose sentence shares most of the passage [start, end)."""
    best, best_overlap = None, 0
    for unit in units:
        overlap = min(end, unit.sentence.end) - max(start, unit.sentence.start)
        if overlap > best_overlap and overlap >= 0.5 * (unit.sentence.end - unit.sentence.start):
            best, best_overlap = unit, overlap
    return best


def _witness_key(article: Article) -> str:
    # Unknown outlets are told apart by article: two records of one JSON Lines file
    # may come from different outlets.
    return article.outlet or f"article {article.id}"


def _time_key(article: Article) -> tuple[str, str]:
    return (article.published or "~", article.id)


# --------------------------------------------------------------------------- grouping


@dataclass(frozen=True, slots=True)
class PairScorer:
    """Similarity of unit pairs without an n x n matrix: a 500-article story has ~10,000
    sentences, whose dense matrices would take gigabytes. ``vectors`` are unit-length
    sentence embeddings (or None), ``tfidf`` L2-normalised TF-IDF rows (IDF over the
    story's sentences, the brief's weighting)."""

    vectors: np.ndarray | None
    tfidf: sparse.csr_matrix

    def block(self, rows: Sequence[int], cols: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        lexical = (self.tfidf[list(rows)] @ self.tfidf[list(cols)].T).toarray()
        if self.vectors is None:
            return lexical, lexical
        return np.clip(self.vectors[list(rows)] @ self.vectors[list(cols)].T, 0.0, 1.0), lexical


def tfidf_rows(term_lists: Sequence[list[str]]) -> sparse.csr_matrix:
    vocabulary: dict[str, int] = {}
    rows, cols, counts = [], [], []
    for r, terms in enumerate(term_lists):
        bag: dict[int, int] = {}
        for term in terms:
            column = vocabulary.setdefault(term, len(vocabulary))
            bag[column] = bag.get(column, 0) + 1
        rows += [r] * len(bag)
        cols += list(bag)
        counts += list(bag.values())
    matrix = sparse.csr_matrix((np.array(counts, dtype=np.float64), (rows, cols)),
                               shape=(len(term_lists), max(len(vocabulary), 1)))
    doc_freq = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = np.log((1 + len(term_lists)) / (1 + doc_freq)) + 1.0
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def candidate_pairs(units: Sequence[Unit], scorer: PairScorer, params: FactParams,
                    block_rows: int = 512) -> list[tuple[float, int, int]]:
    """Pairs of units from different articles that state the same thing, with their
    combined score, found block by block."""
    n = len(units)
    article = np.array([hash(u.article.id) for u in units])
    out = []
    for start in range(0, n, block_rows):
        rows = list(range(start, min(n, start + block_rows)))
        semantic, lexical = scorer.block(rows, range(n))
        same = (semantic >= params.sure_semantic) | ((semantic >= params.same_semantic)
                                                     & (lexical >= params.same_lexical))
        same &= article[rows][:, None] != article[None, :]
        same &= np.arange(n)[None, :] > np.array(rows)[:, None]
        for r, j in zip(*np.nonzero(same), strict=True):
            i = rows[r]
            if semantic[r, j] >= params.sure_semantic or not _disagree(units[i], units[j]):
                out.append((0.7 * float(semantic[r, j]) + 0.3 * float(lexical[r, j]), i, int(j)))
    return out


def same_statement(semantic: float, lexical: float, params: FactParams) -> bool:
    return semantic >= params.sure_semantic or (semantic >= params.same_semantic
                                                and lexical >= params.same_lexical)


def group_units(units: Sequence[Unit], scorer: PairScorer, params: FactParams) -> list[list[int]]:
    """Greedy average-link grouping under two constraints: a group holds at most one
    sentence per article (an article repeating itself is one voice), and two sentences
    that disagree on a number or date join only when near-identical otherwise."""
    groups = {i: [i] for i in range(len(units))}
    member_of = list(range(len(units)))
    for _, i, j in sorted(candidate_pairs(units, scorer, params), reverse=True):
        gi, gj = member_of[i], member_of[j]
        if gi == gj:
            continue
        a, b = groups[gi], groups[gj]
        if {units[k].article.id for k in a} & {units[k].article.id for k in b}:
            continue
        semantic, lexical = scorer.block(a, b)
        if np.mean(0.7 * semantic + 0.3 * lexical) < params.group_link:
            continue
        groups[gi] = a + b
        for k in b:
            member_of[k] = gi
        del groups[gj]
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def _disagree(a: Unit, b: Unit) -> bool:
    return bool(number_conflicts(a, b) or date_conflicts(a, b))


def number_conflicts(a: Unit, b: Unit) -> list[tuple[NumberMention, NumberMention]]:
    """Numbers counting the same thing that no approximation reconciles: for a counted
    noun both sentences use, a value of one that matches none of the other's ("50
    countries ... roughly 100 countries" in both sentences agree)."""
    out = []
    for x in a.numbers:
        rivals = [y for y in b.numbers if _comparable(x, y)]
        if rivals and not any(_same_value(x, y) for y in rivals):
            unmatched = [y for y in rivals if not any(_same_value(z, y) for z in a.numbers if _comparable(z, y))]
            out += [(x, y) for y in unmatched[:1]]
    return out


def _comparable(x: NumberMention, y: NumberMention) -> bool:
    return (x.value is not None and y.value is not None and bool(x.counts) and bool(y.counts)
            and _stem(x.counts or "") == _stem(y.counts or "") and (x.unit or "") == (y.unit or ""))


def _same_value(x: NumberMention, y: NumberMention) -> bool:
    tolerance = 0.15 if (_approximate(x) or _approximate(y)) else 0.0
    return abs((x.value or 0) - (y.value or 0)) <= tolerance * max(abs(x.value or 0), abs(y.value or 0))


def date_conflicts(a: Unit, b: Unit) -> list[tuple[TimeRef, TimeRef]]:
    """Day-precise dates of the two sentences that do not overlap, when each sentence
    names exactly one day (a sentence with several dates is a sequence, not a claim)."""
    days_a = [t for t in a.dates if t.granularity == "day"]
    days_b = [t for t in b.dates if t.granularity == "day"]
    if len(days_a) != 1 or len(days_b) != 1:
        return []
    x, y = days_a[0], days_b[0]
    return [] if _overlaps(x.value or "", y.value or "") else [(x, y)]


def _overlaps(a: str, b: str) -> bool:
    a0, _, a1 = a.partition("/")
    b0, _, b1 = b.partition("/")
    return max(a0, b0) <= min(a1 or a0, b1 or b0)


def _approximate(number: NumberMention) -> bool:
    return (number.qualifier or "").casefold() in APPROXIMATE


def _stem(word: str) -> str:
    terms = content_terms(word)
    return terms[-1] if terms else word.casefold()


# --------------------------------------------------------------------------- denials


def link_denials(units: Sequence[Unit], groups: Sequence[list[int]],
                 claims: Sequence[Claim]) -> dict[int, set[int]]:
    """Group index -> indexes of the groups it contradicts (both directions): groups
    holding two claims of the same action between the same parties, one asserted and
    the other negated or denied (align.claims). A unit whose claim is the negative side
    becomes a denial."""
    unit_of = {(u.article.id, u.sentence.start): i for i, u in enumerate(units)}
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    links: dict[int, set[int]] = {}
    # Only claims of one kind between one pair of parties can conflict: bucket them.
    buckets: dict[tuple[str, frozenset[str | None]], list[Claim]] = {}
    for claim in claims:
        buckets.setdefault((claim.kind, frozenset((claim.source, claim.target))), []).append(claim)
    pairs = [(a, b) for bucket in buckets.values() for x, a in enumerate(bucket) for b in bucket[x + 1:]]
    for a, b in pairs:
        if not claims_conflict(a, b):
            continue
        ua, ub = unit_of.get((a.article_id, a.sentence_start)), unit_of.get((b.article_id, b.sentence_start))
        if ua is None or ub is None or group_of[ua] == group_of[ub]:
            continue
        for unit, claim in ((ua, a), (ub, b)):
            if not claim.positive:
                units[unit].stance = "denies"
        links.setdefault(group_of[ua], set()).add(group_of[ub])
        links.setdefault(group_of[ub], set()).add(group_of[ua])
    return links


# --------------------------------------------------------------------------- titles


def title_facts(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                resolve: callable, names: Mapping[str, str], cues: Cues) -> list[Fact]:  # type: ignore[valid-type]
    """One contested fact per person whom outlets give incompatible positions."""
    by_person: dict[str, list[tuple[Role, Article]]] = {}
    by_id = {a.id: a for a in articles}
    for article_id, ann in annotations.items():
        if article_id not in by_id:
            continue
        for role in ann.roles:
            if _position_words(role.text, cues):
                by_person.setdefault(resolve(role.entity_id), []).append((role, by_id[article_id]))
    facts = []
    for person, roles in sorted(by_person.items()):
        variants = _title_variants(roles, cues)
        if len(variants) < 2:
            continue
        main, *others = variants
        support = tuple(_role_support(role, article) for role, article in main)
        against = tuple(_role_support(role, article) for variant in others for role, article in variant)
        name = names.get(person, person)
        said = "; ".join(f"“{v[0][0].text}” ({', '.join(sorted({a.display_outlet() for _, a in v}))})"
                         for v in variants)
        first_role, first_article = main[0]
        facts.append(Fact(
            id=_fact_id("title", person), text=first_role.text, article_id=first_article.id,
            start=first_role.start, end=first_role.end, status="contested",
            independent_outlets=len({s.witness for s in support}),
            outlets=tuple(sorted({a.display_outlet() for _, a in main})), support=support,
            contradicts=(Contradiction(kind="title", explanation=f"{name} is given different positions: {said}",
                                       spans=against),),
            about=f"position of {name}"))
    return facts


def _position_words(text: str, cues: Cues) -> set[str]:
    words = {w.casefold() for w in re.findall(r"[^\W\d_]+", text)}
    return words & cues.job_words


def _title_variants(roles: list[tuple[Role, Article]], cues: Cues) -> list[list[tuple[Role, Article]]]:
    """Roles grouped into compatible variants (one's words contain the other's)."""
    variants: list[list[tuple[Role, Article]]] = []
    for role, article in roles:
        words = _title_stems(role.text)
        for variant in variants:
            other = _title_stems(variant[0][0].text)
            if words <= other or other <= words:
                variant.append((role, article))
                break
        else:
            variants.append([(role, article)])
    return sorted(variants, key=lambda v: (-len({a.id for _, a in v}), v[0][1].id))


def _title_stems(text: str) -> frozenset[str]:
    # Five-letter prefixes: "European"/"Europe", "Russian"/"Russia" compare equal.
    return frozenset(t[:5] for t in content_terms(text) if t not in ("the", "of", "at", "for"))


def _role_support(role: Role, article: Article) -> Support:
    return Support(article_id=article.id, start=role.start, end=role.end, text=role.text,
                   source_id=article.source_id, outlet=article.outlet, witness=_witness_key(article))


# --------------------------------------------------------------------------- facts


def _fact_id(*parts: str) -> str:
    return "f-" + hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def facts_from_groups(units: Sequence[Unit], groups: Sequence[list[int]],
                      denials: Mapping[int, set[int]]) -> list[Fact]:
    """Fact records from unit groups: representative text, witnesses, status, conflicts."""
    ids = [_fact_id(*(f"{units[i].article.id}:{units[i].sentence.start}" for i in g)) for g in groups]
    facts = []
    for g, members in enumerate(groups):
        group_units_ = [units[i] for i in members]
        supports = tuple(u.support() for u in group_units_)
        asserting = {s.witness for s in supports if s.stance == "asserts"}
        others = sorted(denials.get(g, ()))
        contradictions = [_denial_contradiction(others, groups, ids, units, group_units_)] if others else []
        contradictions += _value_contradictions(group_units_)
        status = ("contested" if contradictions or len({s.stance for s in supports}) > 1
                  else "corroborated" if len(asserting) >= 2 else "single-source")
        shown = _representative(group_units_)
        facts.append(Fact(id=ids[g], text=shown.sentence.text, article_id=shown.article.id,
                          start=shown.sentence.start, end=shown.sentence.end, status=status,
                          independent_outlets=len(asserting) if asserting else len({s.witness for s in supports}),
                          outlets=tuple(sorted({u.article.display_outlet() for u in group_units_})),
                          support=supports, contradicts=tuple(contradictions)))
    return facts


def _representative(members: Sequence[Unit]) -> Unit:
    # The earliest published, then the most complete rendering.
    return min(members, key=lambda u: (_time_key(u.article)[0], -len(u.sentence.text), u.article.id))


def _denial_contradiction(others: Sequence[int], groups: Sequence[list[int]], ids: Sequence[str],
                          units: Sequence[Unit], mine: Sequence[Unit]) -> Contradiction:
    """One contradiction naming everyone on the other side of a denial."""
    theirs = [units[i] for o in others for i in groups[o]]
    we_deny = any(u.stance == "denies" for u in mine)
    who = ", ".join(sorted({_voice(u) for u in theirs}))
    us = ", ".join(sorted({_voice(u) for u in mine}))
    explanation = f"asserted by {who}; denied by {us}" if we_deny else f"asserted by {us}; denied by {who}"
    return Contradiction(kind="denial", explanation=explanation, fact_ids=tuple(ids[o] for o in others),
                         spans=tuple(u.support() for u in theirs))


def _voice(unit: Unit) -> str:
    """Who stands behind a sentence: its speaker as the outlet names them, or the outlet
    itself when it reports in its own voice."""
    if unit.speaker:
        return f"{unit.speaker} (per {unit.article.display_outlet()})"
    return f"{unit.article.display_outlet()} (own reporting)"


def _value_contradictions(members: Sequence[Unit]) -> list[Contradiction]:
    out = []
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            for x, y in number_conflicts(a, b):
                out.append(Contradiction(
                    kind="number", spans=(b.support(),),
                    explanation=f"{a.article.display_outlet()} says “{x.text}”, "
                                f"{b.article.display_outlet()} says “{y.text}”"))
            for x, y in date_conflicts(a, b):
                out.append(Contradiction(
                    kind="date", spans=(b.support(),),
                    explanation=f"{a.article.display_outlet()} dates it {x.value} (“{x.text}”), "
                                f"{b.article.display_outlet()} {y.value} (“{y.text}”)"))
    return out


def find_facts(articles: Sequence[Article], annotations: Mapping[str, Annotations], *,
               resolve: callable = lambda key: key, names: Mapping[str, str] | None = None,  # type: ignore[valid-type]
               passages: Iterable[SharedPassage] = (), near: Iterable[DuplicateLink] = (),
               encode: callable | None = None, nlp: object | None = None,  # type: ignore[valid-type]
               params: FactParams | None = None, cues: Cues | None = None) -> list[Fact]:
    """The facts of one story, contested first, then by independent outlets.

    Args:
        articles, annotations: the story's articles and their language-layer output.
        resolve: per-article entity id -> corpus identity (``EntityResolver.resolve``).
        names: corpus identity -> display name.
        passages, near: dedupe's shared passages and near-duplicate links among them.
        encode: texts -> unit-length embeddings (``storyline.embed.embed_texts``); None
            groups on words only (faster, misses translations).
        nlp: the spaCy model (``annotate.model.load_model``), to read who does what to
            whom and link denials to what they deny; None skips that.
    """
    params = params or FactParams()
    cues = cues or load_cues()
    units = build_units(articles, annotations, resolve, cues, params.min_words)
    if not units:
        return title_facts(articles, annotations, resolve, names or {}, cues)
    assign_witnesses(units, passages, near)
    vectors = encode([u.sentence.text for u in units]) if encode else None
    scorer = PairScorer(vectors=None if vectors is None else np.asarray(vectors, dtype=np.float32),
                        tfidf=tfidf_rows([content_terms(u.sentence.text) for u in units]))
    groups = group_units(units, scorer, params)
    denials: dict[int, set[int]] = {}
    if nlp is not None:
        claims = extract_claims([u.sentence for u in units], annotations, nlp, resolve,
                                load_relation_classes(), cues.denial)
        denials = link_denials(units, groups, claims)
    else:
        LOGGER.info("no spaCy model given: denials are not linked to the claims they deny")
    facts = facts_from_groups(units, groups, denials)
    facts += title_facts(articles, annotations, resolve, names or {}, cues)
    rank = {"contested": 0, "corroborated": 1, "single-source": 2}
    return sorted(facts, key=lambda f: (rank[f.status], -f.independent_outlets, -len(f.support), f.id))


__all__ = ["Cues", "FactParams", "Unit", "assign_witnesses", "build_units", "date_conflicts", "find_facts",
           "PairScorer", "candidate_pairs", "group_units", "link_denials", "tfidf_rows", "load_cues", "number_conflicts", "title_facts"]
