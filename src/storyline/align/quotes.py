"""Quote groups: one statement by one speaker as each outlet rendered it.

Outlets quote the same remarks in different words: an English transcript, two
translations back into English ("all the pomp and pageantry that reflects..." vs "all the
pomp and circumstance reflecting..."), a paraphrase in indirect speech, or only a piece
of the statement. ``group_quotes`` finds those renderings across a story's articles,
picks the one closest to the original as the reference, and aligns every other rendering
with it word by word.

How two quotes are matched (both conditions, calibrated below):

* **the same speaker**: the same corpus identity (``EntityResolver``; pronoun and
  "the official" speakers were already resolved to a name by the language layer), or an
  unnamed description ("a senior White House official") whose words all occur in the
  roles outlets gave that identity;
* **the same words in meaning and in wording**: the shorter quote is compared with every
  stretch of whole clauses of the longer one of about its length (an outlet often quotes
  one clause of a long statement), keeping the best stretch; MiniLM cosine of the two
  (``SEMANTIC_MIN``) and the Dice overlap of their content words (``LEXICAL_MIN``) must
  both be high.

Quotes of different articles that match are linked; a group is a connected set of
linked quotes from two or more articles (one article's quotes never group by themselves:
pieces of one statement split around "he said" are not several outlets). Quotes that no
other article renders are not returned: a group of one rendering has nothing to compare.

The reference rendering is, among the *complete* renderings (at least ``COMPLETE_SHARE``
of the longest one's words: a transcript that quotes one clause cannot be the reference
for the clauses it lacks), the one that quotes the speaker first-hand (a transcript, or
words said to the outlet itself: "told TURAN's correspondent"), else the earliest
published, else the longest. ``distance`` is 1 - difflib's ratio between the rendering's
words and the reference words it spans (see ``word_diff``).
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from storyline.annotate.entities import EntityResolver, normalise_name
from storyline.brief import content_terms
from storyline.records import Annotations, Article, Quote, QuoteGroup, QuoteRendering, WordDiff

LOGGER = logging.getLogger(__name__)

# Calibrated on the sample corpus (Carpenter's remarks in TURAN, Ukrinform and the third
# outlet: 21 same-statement pairs across articles, translations included, against ~250
# same-speaker pairs of different statements) and checked on PolNeAR train+dev direct
# quotes (same named speaker, different articles within 30 days). On the sample,
# same-statement pairs score cosine 0.78-0.96 on their best stretch with Dice 0.45-1.0;
# different statements by the same speaker reach cosine 0.75 (the outlet's paraphrase
# "The White House considers the visit ... an 'expansion of partnership'") and Dice 0.60
# at cosine 0.72 ("principles of the UN Charter" said of two different things). On
# PolNeAR none of 3,720 different-statement pairs (no shared word trigram) passes both
# thresholds (21 pass the Dice one; their cosine is at most 0.75) and the 6 verbatim
# same-statement pairs all do (cosine >= 0.99).
SEMANTIC_MIN = 0.78
LEXICAL_MIN = 0.40
# A quote this many times longer than its partner is searched for the best stretch.
STRETCH_RATIO = 1.5
# A rendering with at least this share of the longest rendering's words is complete.
COMPLETE_SHARE = 0.8
MIN_WORDS = 3

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CLAUSE_END = re.compile(r"[,;:.!?\u2014\u2013\u2026]+[\"'”’]?\s+")
# Nouns that name a role rather than who holds it ("a senior White House official").
_ROLE_HEADS = frozenset({
    "official", "officials", "representative", "spokesperson", "spokesman", "spokeswoman",
    "diplomat", "aide", "envoy", "source", "sources", "adviser", "advisor", "member",
})
# Words that say the outlet heard the speaker itself, or quotes a transcript. ``{o}`` is the
# article's outlet name. Each example is from news copy.
_FIRST_HAND = (
    r"\btranscripts?\b",                                          # "according to a transcript"
    r"\btold {o}\b",                                              # "told TURAN's correspondent"
    r"\b{o}(?:'s|’s)?(?: \w+){{0,2}} (?:correspondent|reporter|journalist)s?\b",
    r"\b(?:asked|interviewed) by {o}\b",                          # "when asked by TURAN"
    r"\b(?:interview|email|e-mail|conversation|call) (?:with|to) {o}\b",
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A quote that may join a group, with what matching needs of it."""

    article: Article
    order: int
    quote: Quote
    speaker_key: str
    speaker_name: str
    words: int
    first_hand: str | None


def group_quotes(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                 resolver: EntityResolver, *,
                 encode: Callable[[Sequence[str]], np.ndarray] | None = None) -> list[QuoteGroup]:
    """Group the renderings of each statement that two or more articles quote.

    Args:
        articles: one story's articles.
        annotations: their annotations, by article id (articles without are skipped).
        resolver: corpus identities fitted on (at least) these annotations.
        encode: texts -> unit-length vectors; None uses the packaged MiniLM (the
            thresholds are calibrated for it).

    Returns:
        Quote groups, most outlets first, then by speaker. In each group the reference
        rendering comes first; every ``text`` is ``article.text[start:end]``.

    Example:
        >>> groups = group_quotes(articles, annotations, resolver)
        >>> groups[0].speaker, len(groups[0].renderings)
        ('Michael Carpenter', 3)
    """
    candidates = _candidates(articles, annotations, resolver)
    if len(candidates) < 2:
        return []
    links = _matching_pairs(candidates, _compatible_pairs(candidates, resolver), encode)
    groups = []
    for members in _connected(len(candidates), links):
        chosen = _drop_nested([candidates[i] for i in members])
        if len({c.article.id for c in chosen}) >= 2:
            groups.append(_build_group(chosen))
    groups.sort(key=lambda g: (-_outlet_count(g), g.speaker.lower(), g.id))
    return groups


# ----------------------------------------------------------------------------- candidates


def _candidates(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                resolver: EntityResolver) -> list[_Candidate]:
    names = {c.id: c.name for c in resolver.corpus_entities()} if hasattr(resolver, "members_") else {}
    out = []
    for order, article in enumerate(articles):
        ann = annotations.get(article.id)
        if ann is None:
            continue
        for quote in ann.quotes:
            words = len(_WORD.findall(quote.text))
            if words < MIN_WORDS or not _identifiable(quote):
                continue
            key, name = _speaker(quote, resolver, names)
            out.append(_Candidate(article, order, quote, key, name, words, None))
    return _with_first_hand(out, annotations)


def _identifiable(quote: Quote) -> bool:
    """Whether the speaker can be recognised in another article: a named entity, or a
    description with a name in it ("a U.S. State Department spokesperson"), not "they",
    "Experts" or "Republicans" (two articles' "experts" are not the same people)."""
    if quote.speaker_entity:
        return True
    words = re.sub(r"^(?:a|an|the)\s+", "", quote.speaker or "", flags=re.I).split()
    return len(words) >= 2 and any(any(ch.isupper() for ch in w) for w in words)


def _speaker(quote: Quote, resolver: EntityResolver, names: Mapping[str, str]) -> tuple[str, str]:
    """(key, display name): a corpus identity, or the normalised description."""
    if quote.speaker_entity:
        root = resolver.resolve(quote.speaker_entity)
        return "entity:" + root, names.get(root, quote.speaker or root)
    return "description:" + normalise_name(re.sub(r"^(?:a|an)\s+", "", quote.speaker or "", flags=re.I)), \
        quote.speaker or ""


def _with_first_hand(candidates: list[_Candidate],
                     annotations: Mapping[str, Annotations]) -> list[_Candidate]:
    """Mark the quotes of every (article, speaker) whose attribution says the outlet heard
    the speaker itself: all that speaker's quotes in that article share the evidence."""
    evidence: dict[tuple[str, str], str] = {}
    for c in candidates:
        if (c.article.id, c.speaker_key) not in evidence:
            found = _first_hand_evidence(c, annotations[c.article.id])
            if found:
                evidence[(c.article.id, c.speaker_key)] = found
    return [_Candidate(c.article, c.order, c.quote, c.speaker_key, c.speaker_name, c.words,
                       evidence.get((c.article.id, c.speaker_key))) for c in candidates]


def _first_hand_evidence(c: _Candidate, ann: Annotations) -> str | None:
    """The words that show first-hand access, searched in the attribution sentence."""
    outlet = re.escape(c.article.outlet) if c.article.outlet else r"(?!x)x"
    anchors = [p for p in (c.quote.cue_start, c.quote.speaker_start, c.quote.start) if p is not None]
    for sentence in ann.sentences:
        if any(sentence.start <= p < sentence.end for p in anchors):
            for pattern in _FIRST_HAND:
                match = re.search(pattern.format(o=outlet), sentence.text, re.I)
                if match:
                    return match.group(0)
    return None


# ----------------------------------------------------------------------------- matching


def _compatible_pairs(candidates: Sequence[_Candidate],
                      resolver: EntityResolver) -> list[tuple[int, int]]:
    """Index pairs from different articles whose speakers may be the same person."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(candidates):
        by_key[c.speaker_key].append(i)
    fits = _descriptions_fitting(list(by_key), resolver)
    pairs: set[tuple[int, int]] = set()
    for key, members in by_key.items():
        others = [j for other in fits.get(key, ()) for j in by_key[other]]
        for i in members:
            for j in [*members, *others]:
                if i != j and candidates[i].article.id != candidates[j].article.id:
                    pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def _descriptions_fitting(keys: list[str], resolver: EntityResolver) -> dict[str, list[str]]:
    """Description key -> the person keys it may describe: "a senior White House
    official" fits a person whose roles mention a senior post at the White House (the
    description ends in a role noun and all its other words occur in the person's name,
    aliases or roles)."""
    if not hasattr(resolver, "members_"):
        return {}
    present = {k for k in keys if k.startswith("entity:person:")}
    by_term: dict[str, set[str]] = defaultdict(set)
    for c in resolver.corpus_entities():
        if "entity:" + c.id in present:
            for term in content_terms(" ".join((c.name, *c.aliases, *c.roles))):
                by_term[term].add("entity:" + c.id)
    fits = {}
    for key in keys:
        words = key.split(":", 1)[1].split() if key.startswith("description:") else []
        terms = set(content_terms(" ".join(words[:-1]))) if words and words[-1] in _ROLE_HEADS else set()
        if terms:
            found = set.intersection(*(by_term.get(t, set()) for t in terms))
            if found:
                fits[key] = sorted(found)
    return fits


@dataclass(frozen=True, slots=True)
class PairScore:
    """How close two quotes are: ``semantic`` (MiniLM cosine) and ``lexical`` (Dice of
    content words) of the shorter quote and the best-matching stretch of the longer one
    among the stretches that share enough words with it."""

    semantic: float
    lexical: float

    def matches(self) -> bool:
        return self.semantic >= SEMANTIC_MIN and self.lexical >= LEXICAL_MIN


def score_pairs(texts: Sequence[str], pairs: Sequence[tuple[int, int]],
                encode: Callable[[Sequence[str]], np.ndarray] | None = None) -> list[PairScore | None]:
    """Score quote pairs: None where no stretch of the longer quote shares ``LEXICAL_MIN``
    of its content words with the shorter one (then nothing is embedded for the pair).

    Args:
        texts: quote texts.
        pairs: index pairs into ``texts``.
        encode: texts -> unit vectors (default: the packaged MiniLM).

    Returns:
        One score (or None) per pair.
    """
    terms = {t: set(content_terms(t)) for t in texts}
    counts = {t: _words(t) for t in terms}
    ordered = [(i, j) if counts[texts[i]] <= counts[texts[j]] else (j, i) for i, j in pairs]
    options = [_lexical_options(texts[s], texts[l], terms, counts) for s, l in ordered]
    needed = list(dict.fromkeys([texts[s] for (s, _), o in zip(ordered, options) if o]
                                + [t for o in options for t, _ in o]))
    vectors = dict(zip(needed, (encode or _embed)(needed))) if needed else {}
    scores: list[PairScore | None] = []
    for (s, _), opts in zip(ordered, options):
        if not opts:
            scores.append(None)
            continue
        short = vectors[texts[s]]
        semantic, lexical = max((float(short @ vectors[t]), dice) for t, dice in opts)
        scores.append(PairScore(round(semantic, 4), round(lexical, 4)))
    return scores


def _lexical_options(short: str, long_: str, terms: Mapping[str, set[str]],
                     counts: Mapping[str, int]) -> list[tuple[str, float]]:
    """The longer quote, and its clause stretches when it is much longer, that share at
    least ``LEXICAL_MIN`` (Dice) of content words with the shorter quote."""
    a, shared = terms[short], len(terms[short] & terms[long_])
    # No stretch can share more words than the whole quote: skip hopeless pairs early.
    if not a or 2 * shared / (len(a) + shared) < LEXICAL_MIN:
        return []
    candidates = [long_]
    if counts[long_] >= STRETCH_RATIO * counts[short]:
        candidates += clause_stretches(long_, counts[short])
    scored = [(t, _dice_terms(a, set(content_terms(t)))) for t in dict.fromkeys(candidates)]
    return [(t, d) for t, d in scored if d >= LEXICAL_MIN]


def _embed(texts: Sequence[str]) -> np.ndarray:
    # The default 128 word pieces (shared with the other stages' model instance) hold
    # all but the longest quotes whole; a long quote is matched by its clause stretches.
    from storyline.embed import embed_texts  # heavy import (torch), only when needed

    return embed_texts(texts)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def clause_stretches(text: str, words: int) -> list[str]:
    """Runs of whole clauses of ``text`` (split after , ; : . — …) with about ``words``
    words (half to twice as many, plus three), for matching a quote of that length."""
    bounds = [0] + [m.end() for m in _CLAUSE_END.finditer(text)] + [len(text)]
    clauses = [text[a:b].strip() for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]
    out = []
    for i in range(len(clauses)):
        for j in range(i + 1, len(clauses) + 1):
            stretch = " ".join(clauses[i:j])
            n = _words(stretch)
            if n > 2 * words + 3:
                break
            if n >= max(2, words // 2) and j - i < len(clauses):
                out.append(stretch)
    return out


def _dice_terms(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _matching_pairs(candidates: Sequence[_Candidate], pairs: Sequence[tuple[int, int]],
                    encode: Callable[[Sequence[str]], np.ndarray] | None) -> list[tuple[int, int]]:
    texts = [c.quote.text for c in candidates]
    scores = score_pairs(texts, pairs, encode)
    LOGGER.debug("%d quotes, %d same-speaker pairs, %d linked", len(candidates), len(pairs),
                 sum(1 for s in scores if s is not None and s.matches()))
    return [p for p, s in zip(pairs, scores) if s is not None and s.matches()]


def _connected(n: int, links: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find) of the linked candidates, singletons left out."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in links:
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in sorted({k for link in links for k in link}):
        groups[root(i)].append(i)
    return list(groups.values())


def _drop_nested(members: list[_Candidate]) -> list[_Candidate]:
    """Of an article's quotes in a group that overlap (a direct quote inside the indirect
    sentence that carries it), keep the longest: they are one rendering."""
    kept: list[_Candidate] = []
    for m in sorted(members, key=lambda m: -(m.quote.end - m.quote.start)):
        if not any(k.article.id == m.article.id and k.quote.start < m.quote.end
                   and m.quote.start < k.quote.end for k in kept):
            kept.append(m)
    return kept


# ----------------------------------------------------------------------------- groups


def _build_group(members: list[_Candidate]) -> QuoteGroup:
    reference, reason = _choose_reference(members)
    ordered = [reference] + sorted((m for m in members if m is not reference),
                                   key=lambda m: (m.order, m.quote.start))
    renderings = tuple(_rendering(m, reference) for m in ordered)
    digest = hashlib.sha1("|".join(sorted(f"{m.article.id}:{m.quote.start}-{m.quote.end}"
                                          for m in members)).encode()).hexdigest()[:12]
    named = next((m for m in ordered if m.speaker_key.startswith("entity:")), None)
    entity = named.speaker_key.split(":", 1)[1] if named else None
    speaker = named.speaker_name if named else reference.speaker_name
    return QuoteGroup(id=f"quote-{digest}", speaker=speaker, renderings=renderings,
                      speaker_entity=entity, reference_reason=reason)


def _choose_reference(members: list[_Candidate]) -> tuple[_Candidate, str]:
    """The rendering closest to the original, and why it was chosen."""
    longest = max(m.words for m in members)
    complete = [m for m in members if m.words >= COMPLETE_SHARE * longest]
    first_hand = [m for m in complete if m.first_hand]
    if first_hand:
        best = max(first_hand, key=lambda m: (m.words, -m.order))
        return best, f"quotes the speaker first-hand ({best.article.display_outlet()}: \"{best.first_hand}\")"
    partial = [m for m in members if m.first_hand and m not in complete]
    dated = [m for m in complete if m.article.published]
    if len(dated) >= 2:
        dates = sorted(m.article.published or "" for m in dated)
        if dates[0] != dates[1]:
            best = min(dated, key=lambda m: (m.article.published or "", m.order))
            return best, f"earliest published ({best.article.published})" + _partial_note(partial)
    best = max(complete, key=lambda m: (m.words, -m.order))
    return best, f"most complete ({best.words} words)" + _partial_note(partial)


def _partial_note(partial: list[_Candidate]) -> str:
    if not partial:
        return ""
    m = partial[0]
    return (f"; the first-hand rendering ({m.article.display_outlet()}) quotes only {m.words} words "
            f"of the statement")


def _rendering(m: _Candidate, reference: _Candidate) -> QuoteRendering:
    is_reference = m is reference
    differences, distance = ((), 0.0) if is_reference else word_diff(reference.quote.text, m.quote.text)
    q = m.quote
    return QuoteRendering(article_id=m.article.id, start=q.start, end=q.end,
                          text=m.article.text[q.start:q.end], source_id=m.article.source_id,
                          outlet=m.article.outlet, kind=q.kind, distance=distance,
                          reference=is_reference, differences=differences)


def word_diff(reference: str, rendering: str) -> tuple[tuple[WordDiff, ...], float]:
    """Word-level alignment of ``rendering`` against ``reference``, and its distance.

    Words are compared case-insensitively, punctuation ignored (difflib over word
    tokens). A rendering much shorter than the reference is aligned with the run of whole
    clauses of the reference it renders best, and reference words before the first and
    after the last word the two share are left out: quoting less of a statement is
    coverage, not a difference in wording. ``distance`` = 1 - 2M / (R + N), M words
    matched, R reference words in the aligned stretch, N rendering words: 0 identical,
    1 nothing shared.

    Example:
        >>> diffs, distance = word_diff("all the pomp and pageantry that reflects",
        ...                             "all the pomp and circumstance reflecting")
        >>> [(d.op, d.reference, d.rendering) for d in diffs if d.op != "equal"]
        [('replace', 'pageantry that reflects', 'circumstance reflecting')]
    """
    ren_words = _WORD.findall(rendering)
    options = [reference]
    if _words(reference) >= STRETCH_RATIO * len(ren_words):
        options += clause_stretches(reference, len(ren_words))
    aligned = [(_opcodes(_WORD.findall(o), ren_words), _WORD.findall(o)) for o in options]
    ops, ref_words = max(aligned, key=lambda pair: _similarity(pair[0], len(ren_words)))
    diffs = tuple(WordDiff(op, " ".join(ref_words[i1:i2]), " ".join(ren_words[j1:j2]))
                  for op, i1, i2, j1, j2 in ops)
    return diffs, round(1.0 - _similarity(ops, len(ren_words)), 4)


def _opcodes(ref_words: list[str], ren_words: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes without the reference words outside the shared stretch."""
    ops = difflib.SequenceMatcher(None, _norm(ref_words), _norm(ren_words), autojunk=False).get_opcodes()
    if any(op == "equal" for op, *_ in ops):
        while ops and ops[0][0] == "delete":
            ops = ops[1:]
        while ops and ops[-1][0] == "delete":
            ops = ops[:-1]
    return ops


def _similarity(ops: Sequence[tuple[str, int, int, int, int]], rendering_words: int) -> float:
    """2M / (R + N) over the aligned stretch (difflib's ratio)."""
    matched = sum(i2 - i1 for op, i1, i2, _, _ in ops if op == "equal")
    total = sum(i2 - i1 for _, i1, i2, _, _ in ops) + rendering_words
    return 2 * matched / total if total else 1.0


def _norm(words: list[str]) -> list[str]:
    return [w.lower().replace("’", "'") for w in words]


def _outlet_count(group: QuoteGroup) -> int:
    return len({r.outlet or r.source_id or r.article_id for r in group.renderings})
