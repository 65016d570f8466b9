"""Dedupe: near-duplicate articles (MinHash LSH) and passages shared between articles.

Corroboration must count independent outlets, so a wire story reprinted by ten papers
counts once. Two kinds of evidence, computed in two steps (compute, then index):

- :func:`signature` is a pure function of one article: a MinHash of its word 5-shingles
  (rensa ``RMinHash``) and a stable hash of each sentence and paragraph, with its span.
  It runs in any worker process and gives the same result in every process.
- :class:`DedupeIndex` is the one stateful object. ``add(sig)`` links the new article to
  earlier near-duplicates (LSH candidates verified by estimated Jaccard) and to earlier
  articles that contain the same sentence or paragraph (syndication, quoted releases).
  ``load(sigs)`` rebuilds it from stored signatures so an incremental ingest resumes.

Example::

    index = DedupeIndex.from_settings(settings)
    for article in articles:
        matches = index.add(signature(article, settings))
        save(matches.links, matches.passages)
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import rensa
from rensa import RMinHash, RMinHashLSH

from storyline.errors import ConfigError
from storyline.records import (
    Article,
    DedupeMatches,
    DuplicateLink,
    PassageHash,
    SharedPassage,
    Signature,
)
from storyline.settings import Settings
from storyline.spans import trim_span

LOGGER = logging.getLogger(__name__)

__all__ = [
    "DedupeIndex",
    "minhash_from_bytes",
    "minhash_to_bytes",
    "shingle_hashes",
    "signature",
    "split_sentences",
]

# Fixed seed of the MinHash permutations. Signatures are stored, so changing it (or the
# token/shingle hashing below) makes every stored signature incomparable: bump
# SCHEME_VERSION with it, and DedupeIndex will refuse to mix old and new signatures.
MINHASH_SEED = 0x5707_11E5
SCHEME_VERSION = 1
_EMPTY_SLOT = 0xFFFF_FFFF  # rensa's value for "no shingle seen" (u32::MAX)

_DEFAULTS = Settings()

# --------------------------------------------------------------------------- shingles
#
# The slow part of MinHash with rensa is not the MinHash (Rust, ~0.04 ms an article) but
# building shingle strings in Python (~0.6 ms with a regex and " ".join, ~1.1 ms naively,
# for the ~4k-character articles of timeline17/FNC-1). Instead we hash every word once
# with numpy, combine the word hashes of each window into a shingle hash, and hand rensa
# one uint64 buffer: ~0.14 ms. bench/shingles.py measures all three.

_U64 = np.uint64
# A word is a maximal run of alphanumeric characters after NFKC + casefold. In the UTF-8
# bytes that is a run of ASCII [a-z0-9] or of non-ASCII bytes, once non-ASCII punctuation
# and spaces (curly quotes, dashes, NBSP...) have been turned into ASCII spaces.
_WORD_BYTES = bytes(
    1 if (chr(i).isascii() and chr(i).isalnum()) or i >= 0x80 else 0 for i in range(256)
)
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")
_HASH_BASE = 0x100000001B3  # FNV-64 prime: odd, so invertible modulo 2**64
_POWER_TABLE_SIZE = 1 << 16
_SHINGLE_MULTIPLIERS_SIZE = 64  # largest supported shingle width
_FMIX_C1 = _U64(0xFF51AFD7ED558CCD)
_FMIX_C2 = _U64(0xC4CEB9FE1A85EC53)
_FMIX_SHIFT = _U64(33)


def _powers(base: int, count: int) -> np.ndarray:
    """``base**i mod 2**64`` for i in range(count) (uint64 arithmetic wraps)."""
    out = np.empty(count, dtype=_U64)
    out[0] = 1
    if count > 1:
        out[1:] = np.cumprod(np.full(count - 1, base, dtype=_U64), dtype=_U64)
    out.flags.writeable = False
    return out


_POWERS = _powers(_HASH_BASE, _POWER_TABLE_SIZE)
_INVERSE_POWERS = _powers(pow(_HASH_BASE, -1, 1 << 64), _POWER_TABLE_SIZE)
# Distinct odd multipliers, one per position in the window, make the shingle hash
# order-sensitive ("a b" != "b a").
_SHINGLE_MULTIPLIERS = np.array(
    [(0x9E3779B97F4A7C15 * (2 * j + 1)) % (1 << 64) | 1 for j in range(_SHINGLE_MULTIPLIERS_SIZE)],
    dtype=_U64,
)
_SHINGLE_MULTIPLIERS.flags.writeable = False


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the whole word."""
    x = x ^ (x >> _FMIX_SHIFT)
    x *= _FMIX_C1
    x ^= x >> _FMIX_SHIFT
    x *= _FMIX_C2
    x ^= x >> _FMIX_SHIFT
    return x


def _word_bytes(text: str) -> bytes:
    """Casefolded UTF-8 of ``text`` with every non-word character turned into a space."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _NON_ASCII_NON_WORD.sub(" ", unicodedata.normalize("NFKC", folded))
    return b" " + folded.encode("utf-8", "surrogatepass") + b" "


def _token_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of each word of ``text``, in order (polynomial hash over bytes)."""
    data = _word_bytes(text)
    is_word = np.frombuffer(data.translate(_WORD_BYTES), dtype=np.bool_)
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1  # padding: starts/ends pair up
    starts, ends = edges[0::2], edges[1::2]
    n = len(data)
    powers = _POWERS[:n] if n <= _POWER_TABLE_SIZE else _powers(_HASH_BASE, n)
    prefix = np.zeros(n + 1, dtype=_U64)
    np.cumsum(np.frombuffer(data, dtype=np.uint8) * powers, dtype=_U64, out=prefix[1:])
    # sum(b_i * P**i for i in word) * P**-start = the word's hash wherever it occurs.
    inverse = (_INVERSE_POWERS[starts] if n <= _POWER_TABLE_SIZE
               else _powers(pow(_HASH_BASE, -1, 1 << 64), n)[starts])
    return _fmix64((prefix[ends] - prefix[starts]) * inverse)


def shingle_hashes(text: str, width: int) -> np.ndarray:
    """64-bit hashes of the word ``width``-shingles of ``text`` (uint64 array).

    Words are casefolded alphanumeric runs, so punctuation, quote style and spacing do
    not matter. A text shorter than ``width`` words is one shingle; an empty text none.

    Example:
        >>> len(shingle_hashes("The cat sat on the mat today.", 5))
        3
    """
    if not 1 <= width <= _SHINGLE_MULTIPLIERS_SIZE:
        raise ConfigError(f"shingle_words must be between 1 and {_SHINGLE_MULTIPLIERS_SIZE}, "
                          f"got {width}")
    words = _token_hashes(text)
    width = min(width, len(words))
    count = len(words) - width + 1 if width else 0
    combined = np.zeros(count, dtype=_U64)
    for j in range(width):
        combined += words[j : j + count] * _SHINGLE_MULTIPLIERS[j]
    return _fmix64(combined)


def _minhash(shingles: np.ndarray, num_perm: int) -> tuple[int, ...]:
    """rensa R-MinHash digest (u32 values) of a set of pre-hashed shingles."""
    if not len(shingles):
        return (_EMPTY_SLOT,) * num_perm
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        shingles, (0, len(shingles)), num_perm, MINHASH_SEED)
    return tuple(matrix.to_rows()[0])


def _scheme(settings: Settings) -> str:
    return (f"rminhash/v{SCHEME_VERSION}/rensa-{rensa.RMinHash.ALGORITHM_VERSION}"
            f"/seed-{MINHASH_SEED}/words-{settings.shingle_words}")


# --------------------------------------------------------------------------- passages

# A sentence ends at . ! ? or … (then closing quotes/brackets) when whitespace and a
# capital letter or digit (maybe after an opening quote) follow, unless the period ends
# an abbreviation or initial ("Mr. Kim", "U.S. officials", "J. Smith").
_SENTENCE_END = re.compile(  # one mark first: sre then scans for it at C speed
    r"[.!?\u2026][.!?\u2026\"'\u201d\u2019\u00bb)\]]*"
    r"(?=\s+[\"'\u201c\u2018\u00ab(\[]*[^\W_a-z])"
)
_WORD_BEFORE_WINDOW = 40
_OPENING_PUNCTUATION = "\"'([{\u201c\u2018\u00ab-\u2014"
# Titles and abbreviations that take a period mid-sentence in English news copy.
ABBREVIATIONS = frozenset("""
    mr mrs ms dr prof sr jr st mt ft gen lt col maj capt cmdr adm sgt cpl pvt gov sen rep
    pres rev hon amb supt insp det no nos vol fig art sec ch op jan feb mar apr jun jul aug
    sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun inc ltd co corp bros
    dept univ assn est approx vs etc al cf ca
""".split())
_INITIALISM = re.compile(r"(?:\w\.)+\w|\w")
_SPACE_FOR_NON_WORD = bytes(i if _WORD_BYTES[i] else 0x20 for i in range(256))
_PASSAGE_HASH_BYTES = 8


def _is_abbreviation(text: str, match: re.Match[str]) -> bool:
    """True when the period ends an abbreviation or an initial, not a sentence."""
    mark, at = match.group(), match.start()
    if not mark.startswith(".") or mark.startswith("..") or not text[at - 1 : at].isalpha():
        return False
    before = text[max(0, at - _WORD_BEFORE_WINDOW) : at].rsplit(None, 1)
    word = before[-1].lstrip(_OPENING_PUNCTUATION) if before else ""
    if not word:
        return False
    if word.casefold() in ABBREVIATIONS:
        return True
    # "U.S." and "J." – but not "5." or an ordinary word.
    return bool(_INITIALISM.fullmatch(word)) and not word[-1].isdigit() and (
        "." in word or word.isupper())


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` (one paragraph), as offsets into ``text``.

    A fast regex splitter, good enough for news copy: it knows common abbreviations and
    initials and never splits where a lower-case word follows ('"Why?" he asked.').

    Example:
        >>> t = 'Mr. Kim met Putin. "We agree," he said. Talks end Friday.'
        >>> [t[s:e] for s, e in split_sentences(t)]
        ['Mr. Kim met Putin.', '"We agree," he said.', 'Talks end Friday.']
    """
    end = len(text) if end is None else end
    spans, position = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _is_abbreviation(text, match):
            continue
        span = trim_span(text, position, match.end())
        if span[0] < span[1]:
            spans.append(span)
        position = match.end()
    span = trim_span(text, position, end)
    if span[0] < span[1]:
        spans.append(span)
    return spans


def _normalise(passage: str) -> bytes:
    """The passage's words (as :func:`shingle_hashes` sees them: NFKC, casefolded
    alphanumeric runs) joined by single spaces, in UTF-8. Quote style, dashes,
    punctuation and spacing differences between outlets disappear:
    "Putin’s “deal”" and "Putin's \"deal\"" both give b"putin s deal"."""
    return b" ".join(_word_bytes(passage).translate(_SPACE_FOR_NON_WORD).split())


def _passage_hash(normalised: bytes) -> str:
    """Stable 64-bit hash (hex) — Python's hash() is salted per process."""
    return hashlib.blake2b(normalised, digest_size=_PASSAGE_HASH_BYTES).hexdigest()


def _paragraph_spans(article: Article) -> list[tuple[int, int]]:
    """The article's paragraphs, or its non-empty lines when cleaning gave none."""
    if article.paragraphs:
        return [(p.start, p.end) for p in article.paragraphs]
    spans, position = [], 0
    for line in article.text.split("\n"):
        spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def _passages(article: Article, min_words: int) -> tuple[PassageHash, ...]:
    """Hash each sentence and each multi-sentence paragraph of at least ``min_words``
    words; a passage repeated inside the article is kept once (its first occurrence)."""
    text, seen, out = article.text, set(), []

    def keep(normalised: bytes, start: int, end: int, kind: str) -> None:
        if normalised.count(b" ") + 1 < min_words:
            return
        key = _passage_hash(normalised)
        if key not in seen:
            seen.add(key)
            out.append(PassageHash(key, start, end, kind))

    for p_start, p_end in _paragraph_spans(article):
        normalised = []
        for start, end in split_sentences(text, p_start, p_end):
            norm = _normalise(text[start:end])
            if norm:
                keep(norm, start, end, "sentence")
                normalised.append(norm)
        if len(normalised) > 1:
            # Sentences are separated by whitespace only, so the paragraph normalises
            # to its normalised sentences joined by spaces (saves a second pass).
            keep(b" ".join(normalised), *trim_span(text, p_start, p_end), "paragraph")
    return tuple(out)


def signature(article: Article, settings: Settings) -> Signature:
    """What dedupe needs of one article: MinHash of word shingles and passage hashes.

    Pure and deterministic across processes (fixed seed, no salted ``hash()``), so it
    can run in any engine worker and be stored.

    Args:
        article: the cleaned article.
        settings: ``shingle_words``, ``minhash_permutations`` and
            ``min_shared_passage_words`` are used.

    Returns:
        Signature with ``minhash`` (``minhash_permutations`` u32 values; all 2**32-1 for
        an article without words) and one PassageHash per kept sentence/paragraph.

    Example::

        sig = signature(article, Settings())
        len(sig.minhash)  # 128
    """
    shingles = shingle_hashes(article.text, settings.shingle_words)
    return Signature(
        article_id=article.id,
        minhash=_minhash(shingles, settings.minhash_permutations),
        passages=_passages(article, settings.min_shared_passage_words),
        scheme=_scheme(settings),
    )


# --------------------------------------------------------------------------- storage


def minhash_to_bytes(minhash: Iterable[int]) -> bytes:
    """Compact storage of a MinHash digest: little-endian uint32 array (4 bytes/value)."""
    return np.asarray(tuple(minhash), dtype="<u4").tobytes()


def minhash_from_bytes(data: bytes) -> tuple[int, ...]:
    """Inverse of :func:`minhash_to_bytes`."""
    if len(data) % 4:
        raise ValueError(f"a stored MinHash has a multiple of 4 bytes, got {len(data)}")
    return tuple(np.frombuffer(data, dtype="<u4").tolist())


# --------------------------------------------------------------------------- index


_VARINT_LIMITS = np.array([1 << 7, 1 << 14, 1 << 21, 1 << 28], dtype=np.uint32)
_VARINT_SHIFTS = np.arange(0, 35, 7, dtype=np.uint32)
_VARINT_POSITIONS = np.arange(5)[None, :]


def _varints(values: np.ndarray) -> bytes:
    """LEB128 encoding of u32 values (postcard's integer encoding), vectorised."""
    septets = ((values[:, None] >> _VARINT_SHIFTS) & 0x7F).astype(np.uint8)
    length = (np.searchsorted(_VARINT_LIMITS, values, side="right") + 1)[:, None]
    septets[_VARINT_POSITIONS < length - 1] |= 0x80
    return septets[_VARINT_POSITIONS < length].tobytes()


def _rminhash(digest: np.ndarray, state_prefix: bytes) -> RMinHash:
    """An RMinHash holding a stored digest, for rensa's LSH (which only takes RMinHash).

    rensa 0.5 has no public constructor from a digest; its pickled state is a fixed
    prefix (format tag, num_perm, seed, length) followed by the values as varints, so we
    restore that state. :func:`_state_prefix` checks the format once per index.
    """
    minhash = RMinHash(len(digest), MINHASH_SEED)
    minhash.__setstate__(state_prefix + _varints(digest))
    return minhash


def _state_prefix(num_perm: int) -> bytes:
    """rensa's pickled state of an empty RMinHash minus its num_perm empty slots,
    checked by restoring a known digest (so a format change fails loudly)."""
    empty = RMinHash(num_perm, MINHASH_SEED).__getstate__()
    slot = _varints(np.array([_EMPTY_SLOT], dtype=np.uint32))
    prefix = empty[: len(empty) - len(slot) * num_perm]
    probe = np.arange(num_perm, dtype=np.uint32) * np.uint32(2_654_435_761 % (1 << 32))
    if (not empty.endswith(slot * num_perm)
            or _rminhash(probe, prefix).digest() != probe.tolist()):
        raise RuntimeError("rensa's RMinHash state format changed; pin rensa==0.5.0 "
                           "or update storyline.dedupe._rminhash")
    return prefix


def lsh_bands(threshold: float, num_perm: int,
              recall_at_threshold: float = 0.95) -> tuple[int, int]:
    """LSH (bands, rows per band): the fewest bands that make a pair at exactly
    ``threshold`` a candidate with probability >= ``recall_at_threshold``,
    i.e. 1 - (1 - t**rows)**bands, with rows = num_perm // bands.

    Candidates are verified with the estimated Jaccard afterwards, so an extra candidate
    costs one vector compare while a missed one is a missed duplicate: we buy recall;
    fewer bands keep the index smaller. The LSH uses the first bands*rows values.
    """
    for bands in range(1, num_perm + 1):
        rows = num_perm // bands
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall_at_threshold:
            return bands, rows
    return num_perm, 1


@dataclass(slots=True)
class _Occurrence:
    article: int
    start: int
    end: int
    kind: int


_KINDS = ("sentence", "paragraph")
_DIGEST_BLOCK_ROWS = 4096


class _PassageTable:
    """Passage hash -> its earliest occurrences (article, span), kept compact.

    Most passages occur once, so a dict of Python objects (~150 bytes an occurrence)
    would dominate memory at 100k articles x 40 passages. Instead: numpy columns sorted
    by hash (21 bytes an occurrence), plus a buffer of recent additions (typed
    ``array`` columns, a dict hash -> first buffered row, rows of one hash chained by
    ``next``), merged into the sorted columns when it reaches 1/32 of them: the buffer
    (~130 bytes a row) stays small and merges copy the columns a bounded number of
    times per doubling.
    """

    _MIN_BUFFER = 1 << 15
    _END = -1
    _TYPECODES = ("Q", "I", "I", "I", "B")  # hash, article, start, end, kind
    _DTYPES = (np.uint64, np.uint32, np.uint32, np.uint32, np.uint8)

    def __init__(self, max_occurrences: int) -> None:
        self.max_occurrences = max_occurrences
        self.columns = [np.empty(0, dtype=t) for t in self._DTYPES]
        self._clear_buffer()

    def _clear_buffer(self) -> None:
        self._heads: dict[int, int] = {}
        self._buffer = [array(code) for code in self._TYPECODES]
        self._next = array("q")

    def __len__(self) -> int:
        return len(self.columns[0]) + len(self._next)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.columns)

    def add(self, article: int, passages: tuple[PassageHash, ...]) -> list[list[_Occurrence]]:
        """Record the passages of a new article; return, per passage, its earlier
        occurrences (oldest first, at most ``max_occurrences``)."""
        keys = [int(p.hash, 16) for p in passages]
        found = self._sorted_occurrences(np.array(keys, dtype=_U64))
        kept = []
        for index, (key, earlier) in enumerate(zip(keys, found)):
            if key in self._heads:
                earlier.extend(self._buffered_occurrences(key))
            # Past the cap a passage is boilerplate; storing more only costs memory.
            if len(earlier) < self.max_occurrences:
                kept.append(index)
            del earlier[self.max_occurrences :]
        self._append(article, [passages[i] for i in kept], [keys[i] for i in kept])
        if len(self._next) >= max(self._MIN_BUFFER, len(self.columns[0]) // 32):
            self._merge()
        return found

    def _buffered_occurrences(self, key: int) -> Iterator[_Occurrence]:
        row = self._heads.get(key, self._END)
        while row != self._END:
            yield _Occurrence(*(column[row] for column in self._buffer[1:]))
            row = self._next[row]

    def _append(self, article: int, passages: list[PassageHash], keys: list[int]) -> None:
        first = len(self._next)
        hashes, articles, starts, ends, kinds = self._buffer
        hashes.extend(keys)
        articles.extend([article] * len(keys))
        starts.extend([p.start for p in passages])
        ends.extend([p.end for p in passages])
        kinds.extend([_KINDS.index(p.kind) for p in passages])
        self._next.extend([self._END] * len(keys))
        for row, key in enumerate(keys, first):
            last = self._heads.setdefault(key, row)
            if last != row:  # chain behind the hash's earlier buffered rows
                while self._next[last] != self._END:
                    last = self._next[last]
                self._next[last] = row

    def _sorted_occurrences(self, keys: np.ndarray) -> list[list[_Occurrence]]:
        """Occurrences of each key in the sorted columns (insertion order per hash)."""
        found: list[list[_Occurrence]] = [[] for _ in range(len(keys))]
        hashes = self.columns[0]
        if not len(hashes):
            return found
        low = np.searchsorted(hashes, keys)
        hits = np.flatnonzero(hashes[np.minimum(low, len(hashes) - 1)] == keys)
        # Most passages are new: the upper bound is only looked up for the hits.
        high = np.searchsorted(hashes, keys[hits], side="right")
        for k, lo, hi in zip(hits.tolist(), low[hits].tolist(), high.tolist()):
            found[k] = [_Occurrence(*row)
                        for row in zip(*(c[lo:hi].tolist() for c in self.columns[1:]))]
        return found

    def _merge(self) -> None:
        """Fold the buffer into the sorted columns, keeping insertion order per hash."""
        new = [np.frombuffer(column, dtype=dtype)
               for column, dtype in zip(self._buffer, self._DTYPES)]
        order = np.argsort(new[0], kind="stable")  # stable: a hash's rows keep their order
        where = np.searchsorted(self.columns[0], new[0][order], side="right")
        for k, values in enumerate(new):  # one column at a time: the old one is freed first
            self.columns[k] = np.insert(self.columns[k], where, values[order])
        del new
        self._clear_buffer()


class DedupeIndex:
    """Near-duplicate and shared-passage index over the articles seen so far.

    Parameters are stored unchanged (scikit-learn style); what is learned from the
    signatures ends in ``_``. Articles are numbered in the order they are added; the
    number is the LSH key and the row of :meth:`digests`.

    Args:
        threshold: estimated Jaccard (word 5-shingles) at or above which two articles
            are linked as near-duplicates.
        num_perm: MinHash permutations of the signatures it will receive.
        max_passage_links: a passage found in many earlier articles links to the
            earliest this many (bounds the cost of boilerplate that survived cleaning).
        num_bands: LSH bands; None chooses them with :func:`lsh_bands`.

    Example::

        index = DedupeIndex(threshold=0.65, num_perm=128)
        index.add(signature(article, settings))            # DedupeMatches(links=(), ...)
        index.add(signature(edited_copy, settings)).links  # (DuplicateLink(..., other_id=article.id),)
    """

    def __init__(self, threshold: float = _DEFAULTS.near_duplicate_threshold,
                 num_perm: int = _DEFAULTS.minhash_permutations, *,
                 max_passage_links: int = 50, num_bands: int | None = None) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.max_passage_links = max_passage_links
        self.num_bands = num_bands

    @classmethod
    def from_settings(cls, settings: Settings) -> DedupeIndex:
        return cls(settings.near_duplicate_threshold, settings.minhash_permutations)

    def __len__(self) -> int:
        return len(getattr(self, "ids_", ()))

    def digests(self, keys: Iterable[int] | None = None) -> np.ndarray:
        """MinHash digests of the given article numbers (all when None), one per row."""
        if keys is None:
            blocks = self.digest_blocks_ if hasattr(self, "ids_") else []
            whole = np.concatenate(blocks) if blocks else np.empty((0, self.num_perm), np.uint32)
            return whole[: len(self)]
        rows = [self.digest_blocks_[k // _DIGEST_BLOCK_ROWS][k % _DIGEST_BLOCK_ROWS] for k in keys]
        return np.stack(rows) if rows else np.empty((0, self.num_perm), np.uint32)

    def load(self, signatures: Iterable[Signature]) -> DedupeIndex:
        """Rebuild the index from stored signatures (in their original order); returns
        self. Loading then adding equals adding everything in one go."""
        self._reset()
        for sig in signatures:
            if sig.article_id not in self.positions_:
                self._insert(sig)
        LOGGER.info("dedupe index loaded: %d articles, %d passages", len(self.ids_),
                    len(self.passages_))
        return self

    def add(self, sig: Signature) -> DedupeMatches:
        """Index one new article and report what it shares with earlier ones.

        Re-adding an article already indexed changes nothing and reports nothing
        (ingest is idempotent).

        Raises:
            ConfigError: the signature has another number of permutations or another
                scheme than the signatures already indexed.
        """
        if not hasattr(self, "ids_"):
            self._reset()
        if sig.article_id in self.positions_:
            return DedupeMatches(sig.article_id)
        links, occurrences = self._insert(sig)
        return DedupeMatches(sig.article_id, links, self._shared(sig, occurrences))

    # -- internals

    def _reset(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.num_perm < 1 or self.max_passage_links < 1:
            raise ConfigError("num_perm and max_passage_links must be positive integers")
        if self.num_bands:
            bands, rows = self.num_bands, self.num_perm // self.num_bands
        else:
            bands, rows = lsh_bands(self.threshold, self.num_perm)
        # rensa wants num_perm divisible by the bands: band the first bands*rows values.
        self.lsh_ = RMinHashLSH(self.threshold, bands * rows, bands)
        self.ids_: list[str] = []
        self.positions_: dict[str, int] = {}
        # Fixed-size blocks, not one array grown by doubling: no over-allocation and no
        # copy of everything when it grows (~50 MiB of digests at 100k articles).
        self.digest_blocks_: list[np.ndarray] = []
        self.passages_ = _PassageTable(self.max_passage_links)
        self.scheme_: str | None = None
        self._state_prefix = _state_prefix(bands * rows)

    def _check(self, sig: Signature) -> None:
        if len(sig.minhash) != self.num_perm:
            raise ConfigError(
                f"signature of {sig.article_id} has {len(sig.minhash)} permutations, the "
                f"index {self.num_perm}: recompute signatures after changing "
                f"minhash_permutations")
        if self.scheme_ is None:
            self.scheme_ = sig.scheme
        elif sig.scheme != self.scheme_:
            raise ConfigError(
                f"signature of {sig.article_id} was made with {sig.scheme!r}, the index "
                f"holds {self.scheme_!r}: recompute stored signatures after changing "
                f"shingle_words or upgrading storyline/rensa")

    def _insert(self, sig: Signature) -> tuple[tuple[DuplicateLink, ...], list[list[_Occurrence]]]:
        """Add ``sig`` to every structure; return its near-duplicate links and, per
        passage, the earlier occurrences."""
        self._check(sig)
        key = len(self.ids_)
        digest = np.asarray(sig.minhash, dtype=np.uint32)
        links: tuple[DuplicateLink, ...] = ()
        if (digest != _EMPTY_SLOT).any():  # an article without words matches nothing
            minhash = _rminhash(digest[: self.lsh_.get_num_perm()], self._state_prefix)
            links = self._near_duplicates(sig.article_id, digest, self.lsh_.query(minhash))
            self.lsh_.insert(key, minhash)
        if key % _DIGEST_BLOCK_ROWS == 0:
            self.digest_blocks_.append(np.empty((_DIGEST_BLOCK_ROWS, self.num_perm), np.uint32))
        self.digest_blocks_[-1][key % _DIGEST_BLOCK_ROWS] = digest
        self.ids_.append(sig.article_id)
        self.positions_[sig.article_id] = key
        return links, self.passages_.add(key, sig.passages)

    def _near_duplicates(self, article_id: str, digest: np.ndarray,
                         candidates: list[int]) -> tuple[DuplicateLink, ...]:
        """Keep the LSH candidates whose estimated Jaccard reaches the threshold."""
        if not candidates:
            return ()
        keys = sorted(candidates)
        similarity = (self.digests(keys) == digest).mean(axis=1)
        order = np.argsort(-similarity, kind="stable")
        return tuple(
            DuplicateLink(article_id, self.ids_[keys[i]], round(float(similarity[i]), 4))
            for i in order if similarity[i] >= self.threshold)

    def _shared(self, sig: Signature,
                occurrences: list[list[_Occurrence]]) -> tuple[SharedPassage, ...]:
        """SharedPassage records; a sentence inside a paragraph already shared with the
        same article is left out (the paragraph says it)."""
        shared = [
            SharedPassage(sig.article_id, passage.start, passage.end, self.ids_[o.article],
                          o.start, o.end, passage.kind)
            for passage, found in zip(sig.passages, occurrences) for o in found]
        paragraphs = [s for s in shared if s.kind == "paragraph"]
        return tuple(s for s in shared if s.kind == "paragraph" or not any(
            p.other_id == s.other_id and p.start <= s.start and s.end <= p.end
            for p in paragraphs))
