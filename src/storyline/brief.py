"""The cited brief: choose central, corroborated, non-redundant sentences under a budget.

Only sentences that exist verbatim in a source are ever returned: a ``BriefSentence`` is
the text of one ``CandidateSentence`` plus a citation for it and for every rendering of
the same statement by another article. Nothing is generated, shortened or joined.

How a sentence is chosen (multi-document centrality, corroboration, lead prior, MMR):

1. **Similarity.** Each pair of candidates gets a lexical TF-IDF cosine (computed here,
   stemmed and stop-worded) and, when sentence embeddings are given, an embedding
   cosine rescaled to the story's own level (every sentence of a story is close to every
   other in embedding space; only the excess says two sentences share content).
2. **Centrality.** Content the story keeps returning to: mean similarity to all other
   candidates (lexical and semantic), PageRank over TextRank's word-overlap graph and
   LexRank's count of neighbours, each scaled to the story's maximum.
3. **Corroboration.** A statement that other outlets also make (the renderings the
   brief will cite) scores higher, saturating with the number of outlets; an outlet
   repeating itself is one voice. The align stage's ``independent_outlets`` count, which
   also discounts syndication, replaces ours when a candidate carries it.
4. **Lead prior.** News puts the most important facts first (inverted pyramid), so a
   candidate's score decays with its position in its article.
5. **Selection.** Greedy maximal marginal relevance under the budget: at each step the
   candidate that still fits with the best relevance minus its redundancy with what is
   already chosen, scaled by its length (capped) to a small power: longer sentences
   carry more of the story per pick. Near-repeats and other renderings of a chosen
   sentence are never chosen; they become its citations.

The weights are in ``SelectionParams``; their defaults were tuned on the AllSides NeuS
validation split and the lead prior on Timeline17's dev topics (``bench/summaries.py``),
never on the held-out splits. Contested candidates are chosen like any other; their
brief sentence carries ``contested`` and the ``speaker`` asserting it.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storyline.errors import ConfigError
from storyline.records import BriefSentence, CandidateSentence, Citation

LOGGER = logging.getLogger(__name__)

__all__ = ["SelectionParams", "content_terms", "lexical_similarity", "select_sentences", "text_bytes",
           "text_words"]

# Function words carry no content for similarity: without this list "the", "said" and
# "of" would make every pair of news sentences look alike.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told according new one two like get got may might must
    s t don""".split()
)

WORD_PATTERN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SelectionParams:
    """Weights of the selection score. Tuned on AllSides NeuS val (see module docstring)."""

    # Centrality = lexical degree + semantic_weight * semantic degree + graph_weight *
    # (PageRank over TextRank's word-overlap graph + LexRank's thresholded degree), each
    # scaled to its story maximum. On val R-1: lexical degree alone 45.2, semantic alone
    # 45.4, both 45.6, with the two graph centralities 45.9; the graph terms also made
    # the result steadier across subsets of val (first 60 clusters: 43.5 -> 44.4).
    semantic_weight: float = 1.0
    graph_weight: float = 0.5
    # LexRank's threshold: two sentences are neighbours above this TF-IDF cosine.
    neighbour_threshold: float = 0.1
    # Corroboration (1 - 1/2**k for k other outlets stating the same thing, the ones the
    # brief cites; see _corroboration) next to centrality. ROUGE on val does not move
    # between 0 and 2 (45.8-45.9 R-1): the weight is set by what a brief is for, so that
    # a statement several outlets make beats a single-source one of similar centrality.
    corroboration_weight: float = 1.0
    # Lead prior: score multiplier 1 + lead_weight * lead_decay ** position. Neutral on
    # AllSides (its articles are leads only); on Timeline17 dev dates (full articles)
    # 25.5/6.1 without it, 26.0/6.7 with it.
    lead_weight: float = 0.2
    lead_decay: float = 0.5
    # MMR trade-off: 1.0 ignores redundancy, 0.0 only avoids it.
    mmr_lambda: float = 0.7
    # The MMR gain is divided by min(words, length_cap) ** length_exponent: 1 is per-word
    # value (short sentences win), below 0 longer, more informative sentences are
    # preferred. On val -0.3 beat 0 by 0.7 R-1 and 0.5 by 1.5. Past length_cap words a
    # sentence is not more informative, only longer (a 100-word quote would otherwise
    # crowd out two corroborated facts); the cap costs nothing on val.
    length_exponent: float = -0.3
    length_cap: int = 40
    # Redundancy similarity: this share semantic, the rest lexical.
    redundancy_semantic: float = 0.3
    # A candidate this similar to a chosen one is a repeat: never chosen again.
    redundancy_threshold: float = 0.6
    # Two renderings are "the same statement" (cited together) above these cosines
    # (raw embedding cosine; lexical TF-IDF cosine).
    same_semantic: float = 0.85
    same_lexical: float = 0.7
    # Sentences shorter than this many words are fragments (bylines, "Read more").
    min_words: int = 4
    # The similarity matrices are quadratic in candidates: above this many, only the
    # earliest sentences of each article are kept (the lead prior prefers them anyway).
    max_candidates: int = 3000

    def __post_init__(self) -> None:
        for name in ("mmr_lambda", "redundancy_semantic", "redundancy_threshold",
                     "neighbour_threshold",
                     "same_semantic", "same_lexical", "lead_decay"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"SelectionParams.{name} must be within [0, 1], got {value}")
        if self.length_cap < 1:
            raise ConfigError(f"SelectionParams.length_cap must be at least 1, got {self.length_cap}")
        if self.max_candidates < 1:
            raise ConfigError(f"SelectionParams.max_candidates must be at least 1, got {self.max_candidates}")


def text_words(text: str) -> int:
    """Words as the budget counts them: whitespace-separated tokens."""
    return len(text.split())


def text_bytes(text: str) -> int:
    """Bytes as the budget counts them: UTF-8 length."""
    return len(text.encode("utf-8"))


def select_sentences(
    candidates: Sequence[CandidateSentence],
    embeddings: np.ndarray | None,
    budget_words: int | None = None,
    budget_bytes: int | None = None,
    *,
    params: SelectionParams | None = None,
) -> list[BriefSentence]:
    """Choose the brief's sentences from ``candidates`` within the budget.

    A pure function: the same inputs give the same brief.

    Args:
        candidates: sentences of the story's articles, each an exact span of its article.
        embeddings: one row per candidate (any scale; rows are normalised here), or None
            to rank on lexical similarity alone.
        budget_words: at most this many words in all chosen sentences together.
        budget_bytes: at most this many UTF-8 bytes in the chosen sentences joined by one
            space each. When both budgets are given, both hold.
        params: selection weights; the tuned defaults when None.

    Returns:
        The chosen sentences in reading order (by publication time, then position in the
        article), each with a citation for itself first and then for every equivalent
        rendering in another article. Empty when nothing fits.

    Raises:
        ConfigError: no budget, a negative budget, or embeddings that do not match.

    Example:
        >>> from storyline.records import CandidateSentence
        >>> text = "Kim met Putin in Pyongyang on Wednesday."
        >>> c = CandidateSentence("a1", 0, len(text), text, outlet="X")
        >>> [s.text for s in select_sentences([c], None, budget_words=10)]
        ['Kim met Putin in Pyongyang on Wednesday.']
    """
    params = params or SelectionParams()
    _check_inputs(candidates, embeddings, budget_words, budget_bytes)
    eligible = _eligible(candidates, params)
    if not eligible:
        return []
    pool = [candidates[i] for i in eligible]
    term_lists = [content_terms(c.text) for c in pool]
    lexical = lexical_similarity(term_lists)
    semantic = None if embeddings is None else _cosine_matrix(
        np.asarray(embeddings, dtype=np.float64)[eligible])
    topical = None if semantic is None else _above_story_level(semantic)
    same = _same_statement(term_lists, lexical, semantic, params)
    relevance = _relevance(pool, term_lists, lexical, topical, same, params)
    redundancy = lexical if topical is None else (
        params.redundancy_semantic * topical + (1.0 - params.redundancy_semantic) * lexical)
    chosen = _greedy_select(pool, relevance, redundancy, same, budget_words, budget_bytes, params)
    ranking = lexical if semantic is None else (lexical + semantic) / 2
    sentences = [(pool[i], _brief_sentence(pool, i, same, ranking)) for i in chosen]
    sentences.sort(key=lambda pair: _reading_order(pair[0], candidates))
    return [sentence for _, sentence in sentences]


def _check_inputs(
    candidates: Sequence[CandidateSentence],
    embeddings: np.ndarray | None,
    budget_words: int | None,
    budget_bytes: int | None,
) -> None:
    """Fail fast on a call that cannot give a meaningful brief."""
    if budget_words is None and budget_bytes is None:
        raise ConfigError("a brief needs a length budget: give budget_words or budget_bytes")
    for name, value in (("budget_words", budget_words), ("budget_bytes", budget_bytes)):
        if value is not None and value < 0:
            raise ConfigError(f"{name} must be zero or positive, got {value}")
    if embeddings is not None and len(embeddings) != len(candidates):
        raise ConfigError(
            f"embeddings has {len(embeddings)} rows for {len(candidates)} candidates; "
            "give one row per candidate, in the same order")


def _eligible(candidates: Sequence[CandidateSentence], params: SelectionParams) -> list[int]:
    """Indices of real sentences (not fragments), capped at ``max_candidates`` leads."""
    eligible = [i for i, c in enumerate(candidates) if _word_count(c.text) >= params.min_words]
    if len(eligible) > params.max_candidates:
        LOGGER.info("brief: %d candidate sentences, keeping the %d earliest in their articles",
                    len(eligible), params.max_candidates)
        eligible = sorted(sorted(eligible, key=lambda i: (candidates[i].position, i))
                          [:params.max_candidates])
    return eligible


def _word_count(text: str) -> int:
    return len(WORD_PATTERN.findall(text))


# --------------------------------------------------------------------------- similarity


def content_terms(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed (plural and possessive endings)."""
    terms = []
    for word in WORD_PATTERN.findall(text.lower().replace("’", "'")):
        word = word.removesuffix("'s")
        if word in STOP_WORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        terms.append(word)
    return terms


def lexical_similarity(term_lists: Sequence[list[str]]) -> np.ndarray:
    """TF-IDF cosine between all pairs, with IDF over the candidate sentences themselves."""
    bags = [_counts(terms) for terms in term_lists]
    doc_freq = _document_frequency(bags)
    n = len(bags)
    idf = {t: math.log((1 + n) / (1 + df)) + 1.0 for t, df in doc_freq.items()}
    weighted = [{t: count * idf[t] for t, count in bag.items()} for bag in bags]
    matrix = _shared_term_matrix(weighted, doc_freq)
    norms = np.array([math.sqrt(sum(w * w for w in bag.values())) for bag in weighted])
    norms[norms == 0] = 1.0
    matrix /= norms[:, None]
    return np.clip(matrix @ matrix.T, 0.0, 1.0)


def _overlap_similarity(term_lists: Sequence[list[str]]) -> np.ndarray:
    """TextRank's edge weight: shared term occurrences / (log |a| + log |b|)."""
    bags = [_counts(terms) for terms in term_lists]
    matrix = _shared_term_matrix([{t: float(c) for t, c in bag.items()} for bag in bags],
                                 _document_frequency(bags))
    overlap = matrix @ matrix.T
    logs = np.log(np.maximum([len(terms) for terms in term_lists], 1))
    norm = logs[:, None] + logs[None, :]
    # Two one-word sentences have norm 0: their overlap (0 or 1) is the weight itself.
    weights = np.where(norm > 1e-9, overlap / np.where(norm > 1e-9, norm, 1.0), overlap)
    np.fill_diagonal(weights, 0.0)
    return weights


def _counts(terms: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for term in terms:
        counts[term] = counts.get(term, 0) + 1
    return counts


def _document_frequency(bags: Sequence[dict[str, int]]) -> dict[str, int]:
    doc_freq: dict[str, int] = {}
    for bag in bags:
        for term in bag:
            doc_freq[term] = doc_freq.get(term, 0) + 1
    return doc_freq


def _shared_term_matrix(weights: Sequence[dict[str, float]], doc_freq: dict[str, int]) -> np.ndarray:
    """Rows of term weights over the terms found in two sentences or more.

    A term found in one sentence can never be shared, so leaving it out of the columns
    gives exactly the same dot products with a much smaller matrix.
    """
    shared = {t: k for k, t in enumerate(sorted(t for t, df in doc_freq.items() if df > 1))}
    matrix = np.zeros((len(weights), max(len(shared), 1)))
    for row, bag in enumerate(weights):
        for term, weight in bag.items():
            if term in shared:
                matrix[row, shared[term]] = weight
    return matrix


def _cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = 1.0
    unit = vectors / norms[:, None]
    return np.clip(unit @ unit.T, 0.0, 1.0)


# --------------------------------------------------------------------------- scoring


def _outlet_key(candidate: CandidateSentence) -> str:
    """Who stands behind a sentence: the outlet, or the article when the outlet is unknown."""
    return candidate.outlet or f"article:{candidate.article_id}"


def _above_story_level(semantic: np.ndarray) -> np.ndarray:
    """Embedding cosines rescaled so that the story's mean pair is 0 and identity is 1.

    Every sentence of one story is close to every other in embedding space (same topic,
    cosine ~0.4 for MiniLM); only the similarity above that level says that two
    sentences share content, so it is what centrality and redundancy use.
    """
    n = len(semantic)
    if n < 2:
        return np.zeros_like(semantic)
    level = float(semantic[~np.eye(n, dtype=bool)].mean())
    if level >= 1.0:
        return np.ones_like(semantic)
    return np.clip((semantic - level) / (1.0 - level), 0.0, 1.0)


def _relevance(
    pool: Sequence[CandidateSentence],
    term_lists: Sequence[list[str]],
    lexical: np.ndarray,
    topical: np.ndarray | None,
    same: np.ndarray,
    params: SelectionParams,
) -> np.ndarray:
    """(Centrality + corroboration) times the lead prior."""
    centrality = _centrality(term_lists, lexical, topical, params)
    corroboration = _corroboration(pool, same)
    lead = np.array([1.0 + params.lead_weight * params.lead_decay ** max(c.position, 0)
                     for c in pool])
    return (centrality + params.corroboration_weight * corroboration) * lead


def _centrality(
    term_lists: Sequence[list[str]],
    lexical: np.ndarray,
    topical: np.ndarray | None,
    params: SelectionParams,
) -> np.ndarray:
    """Several views of "the story keeps returning to this", each scaled to [0, 1].

    Mean similarity (lexical; semantic when embeddings are given) rewards sentences
    close to everything; PageRank over TextRank's overlap graph rewards sentences close
    to other central ones (and longer, informative ones); LexRank's thresholded degree
    counts how many sentences share content, whatever the similarity scale.
    """
    centrality = _scaled(_degree(lexical))
    if topical is not None:
        centrality = centrality + params.semantic_weight * _scaled(_degree(topical))
    neighbours = (lexical > params.neighbour_threshold).astype(float)
    np.fill_diagonal(neighbours, 0.0)
    graph = _scaled(_pagerank(_overlap_similarity(term_lists))) + _scaled(neighbours.sum(axis=1))
    return centrality + params.graph_weight * graph


def _pagerank(weights: np.ndarray, damping: float = 0.85, tolerance: float = 1e-8) -> np.ndarray:
    """Stationary distribution of a random walk over the weighted graph (with teleport)."""
    n = len(weights)
    if n == 0:
        return np.zeros(0)
    sums = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, sums, out=np.full_like(weights, 1.0 / n), where=sums > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(200):
        updated = (1.0 - damping) / n + damping * transition.T @ rank
        if np.abs(updated - rank).sum() < tolerance:
            return updated
        rank = updated
    return rank


def _degree(similarity: np.ndarray) -> np.ndarray:
    """Mean similarity of each candidate to all the others (LexRank's degree centrality)."""
    n = len(similarity)
    return (similarity.sum(axis=1) - np.diag(similarity)) / max(n - 1, 1)


def _scaled(values: np.ndarray) -> np.ndarray:
    """Divide by the maximum so that weights mean the same in every story."""
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values


def _corroboration(pool: Sequence[CandidateSentence], same: np.ndarray) -> np.ndarray:
    """1 - 1/2**k for a statement that k other outlets also make (0 when single-source).

    k counts outlets, not articles (an outlet repeating itself is one voice), that have a
    rendering of the same statement: exactly the renderings the brief will cite. The
    align stage's ``independent_outlets`` replaces the count when a candidate carries it,
    since align also discounts syndicated copies across outlets. The first confirmation
    matters most, hence the saturating form.
    """
    outlets = [_outlet_key(c) for c in pool]
    others = np.zeros(len(pool))
    for name in sorted(set(outlets)):
        members = [j for j, o in enumerate(outlets) if o == name]
        others += same[:, members].any(axis=1) & np.array([o != name for o in outlets])
    from_align = np.array([
        np.nan if c.independent_outlets is None else max(c.independent_outlets - 1, 0)
        for c in pool])
    others = np.where(np.isnan(from_align), others, from_align)
    return 1.0 - 0.5 ** others


# --------------------------------------------------------------------------- selection


def _greedy_select(
    pool: Sequence[CandidateSentence],
    relevance: np.ndarray,
    similarity: np.ndarray,
    same: np.ndarray,
    budget_words: int | None,
    budget_bytes: int | None,
    params: SelectionParams,
) -> list[int]:
    """Budgeted MMR: repeatedly add the best-scoring candidate (length-adjusted) that fits.

    A candidate too similar to a chosen one, or stating the same thing, is closed: it
    will be cited as a rendering instead of repeated.
    """
    words = np.array([text_words(c.text) for c in pool], dtype=float)
    sizes = [text_bytes(c.text) for c in pool]
    scale = float(relevance.max()) or 1.0
    chosen: list[int] = []
    used_words, used_bytes = 0, 0
    redundancy = np.zeros(len(pool))
    open_ = np.ones(len(pool), dtype=bool)
    while True:
        fits = open_ & _fits(words, sizes, used_words, used_bytes, bool(chosen),
                             budget_words, budget_bytes)
        if not fits.any():
            return chosen
        gain = params.mmr_lambda * relevance / scale - (1 - params.mmr_lambda) * redundancy
        length = np.clip(words, 1, params.length_cap)
        score = np.where(fits, gain / np.power(length, params.length_exponent), -np.inf)
        best = int(np.argmax(score))
        chosen.append(best)
        used_words += int(words[best])
        used_bytes += sizes[best] + (1 if len(chosen) > 1 else 0)
        redundancy = np.maximum(redundancy, similarity[:, best])
        open_ &= (redundancy < params.redundancy_threshold) & ~same[:, best]
        open_[best] = False


def _fits(
    words: np.ndarray,
    sizes: Sequence[int],
    used_words: int,
    used_bytes: int,
    has_any: bool,
    budget_words: int | None,
    budget_bytes: int | None,
) -> np.ndarray:
    """Which candidates can still be added without breaking either budget."""
    ok = np.ones(len(words), dtype=bool)
    if budget_words is not None:
        ok &= used_words + words <= budget_words
    if budget_bytes is not None:
        separator = 1 if has_any else 0
        ok &= np.array([used_bytes + separator + s <= budget_bytes for s in sizes])
    return ok


# --------------------------------------------------------------------------- citations


def _same_statement(
    term_lists: Sequence[list[str]],
    lexical: np.ndarray,
    semantic: np.ndarray | None,
    params: SelectionParams,
) -> np.ndarray:
    """Which pairs are renderings of one statement: identical text or very high similarity."""
    same = lexical >= params.same_lexical
    if semantic is not None:
        same |= semantic >= params.same_semantic
    groups: dict[str, list[int]] = {}
    for i, terms in enumerate(term_lists):
        key = " ".join(terms)
        if key:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        same[np.ix_(members, members)] = True
    return same


def _brief_sentence(
    pool: Sequence[CandidateSentence], index: int, same: np.ndarray, similarity: np.ndarray,
) -> BriefSentence:
    """The chosen candidate, cited first, then the closest rendering in each other article."""
    chosen = pool[index]
    renderings = sorted(np.flatnonzero(same[index]), key=lambda j: -similarity[index, j])
    citations = [_citation(chosen)]
    seen = {chosen.article_id}
    for j in renderings:
        other = pool[int(j)]
        if other.article_id not in seen:
            seen.add(other.article_id)
            citations.append(_citation(other))
    contested = chosen.contested or any(pool[int(j)].contested for j in renderings)
    speaker = chosen.speaker or next((pool[int(j)].speaker for j in renderings
                                      if pool[int(j)].speaker), None)
    return BriefSentence(text=chosen.text, citations=tuple(citations),
                         contested=contested, speaker=speaker)


def _citation(candidate: CandidateSentence) -> Citation:
    return Citation(article_id=candidate.article_id, source_id=candidate.source_id,
                    outlet=candidate.outlet, start=candidate.start, end=candidate.end)


def _reading_order(
    candidate: CandidateSentence, candidates: Sequence[CandidateSentence],
) -> tuple[int, str, int, int]:
    """Earliest publication first (undated last), then position, then input order."""
    first_article = next(i for i, c in enumerate(candidates) if c.article_id == candidate.article_id)
    published = candidate.published
    return (0 if published else 1, published or "", candidate.position, first_article)
