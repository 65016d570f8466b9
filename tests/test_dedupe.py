"""Tests for storyline.dedupe on the real sample corpus (examples/putin-dprk-2024)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from storyline import dedupe
from storyline.dedupe import (
    DedupeIndex,
    minhash_from_bytes,
    minhash_to_bytes,
    shingle_hashes,
    signature,
    split_sentences,
)
from storyline.errors import ConfigError
from storyline.records import Article, Paragraph, PassageHash, Signature
from storyline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "putin-dprk-2024"
SETTINGS = Settings()


def make_article(text: str, source: str = "test") -> Article:
    """An Article as cleaning would give it: one paragraph per non-empty line."""
    paragraphs, position = [], 0
    for line in text.split("\n"):
        if line.strip():
            paragraphs.append(Paragraph(position, position + len(line)))
        position += len(line) + 1
    return Article(id=hashlib.sha256(text.encode()).hexdigest()[:16], source=source,
                   locator="", format="txt", text=text, paragraphs=tuple(paragraphs))


def sample_texts() -> list[str]:
    return [p.read_text(encoding="utf-8").strip() for p in sorted(SAMPLE.glob("*.txt"))]


def sample_articles() -> list[Article]:
    return [make_article(t, source=str(i)) for i, t in enumerate(sample_texts())]


def lines(article: Article) -> list[str]:
    return article.paragraph_texts()


def multi_sentence_paragraph(article: Article) -> str:
    """The first paragraph of ``article`` with two or more sentences of 8+ words."""
    for text in lines(article):
        spans = split_sentences(text)
        if len(spans) >= 2 and all(len(text[s:e].split()) >= 8 for s, e in spans):
            return text
    raise AssertionError("sample article has no multi-sentence paragraph")


# --------------------------------------------------------------------------- signature


def test_signature_is_deterministic_across_processes():
    article = sample_articles()[0]
    here = json.dumps(signature(article, SETTINGS).to_dict(), sort_keys=True)
    code = (
        "import json, sys\n"
        "from storyline.dedupe import signature\n"
        "from storyline.records import Article\n"
        "from storyline.settings import Settings\n"
        "article = Article.from_dict(json.loads(sys.stdin.read()))\n"
        "print(json.dumps(signature(article, Settings()).to_dict(), sort_keys=True))\n"
    )
    # A different hash seed in the child: Python's salted hash() must play no part.
    env = dict(os.environ, PYTHONHASHSEED="12345")
    child = subprocess.run([sys.executable, "-c", code], input=json.dumps(article.to_dict()),
                           capture_output=True, text=True, env=env, check=True)
    assert child.stdout.strip() == here


def test_signature_shape_on_sample_article():
    article = sample_articles()[0]
    sig = signature(article, SETTINGS)
    assert sig.article_id == article.id
    assert len(sig.minhash) == SETTINGS.minhash_permutations
    assert all(0 <= v < 2**32 for v in sig.minhash)
    assert sig.passages and {p.kind for p in sig.passages} <= {"sentence", "paragraph"}
    for passage in sig.passages:
        excerpt = article.text[passage.start : passage.end]
        assert excerpt == excerpt.strip() and excerpt
        assert len(passage.hash) == 16
    assert len({p.hash for p in sig.passages}) == len(sig.passages)
    assert Signature.from_dict(json.loads(json.dumps(sig.to_dict()))) == sig
    assert pickle.loads(pickle.dumps(sig)) == sig


def test_signature_of_empty_text_links_nothing():
    empty = make_article("")
    tiny = make_article("...")
    index = DedupeIndex()
    assert index.add(signature(empty, SETTINGS)).links == ()
    assert index.add(signature(tiny, SETTINGS)).links == ()


def test_quote_style_and_spacing_do_not_change_passage_hashes():
    straight = make_article('Putin said: "It\'s a deal between Russia and North Korea today," he added.')
    curly = make_article("Putin  said: \u201cIt\u2019s a deal between Russia and North Korea today,\u201d he added.")
    assert [p.hash for p in signature(straight, SETTINGS).passages] == \
        [p.hash for p in signature(curly, SETTINGS).passages]


def test_split_sentences_knows_abbreviations_and_quotes():
    text = ('Mr. Kim met Putin in the U.S. capital. "Why now?" he asked. '
            "J. R. Smith of the State Dept. said so. Talks end Friday.")
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Mr. Kim met Putin in the U.S. capital.", '"Why now?" he asked.',
        "J. R. Smith of the State Dept. said so.", "Talks end Friday."]


def test_split_sentences_on_real_paragraph():
    article = sample_articles()[0]
    paragraph = multi_sentence_paragraph(article)
    spans = split_sentences(paragraph)
    assert "".join(paragraph[s:e] for s, e in spans).replace(" ", "") == \
        paragraph.replace(" ", "")
    assert all(paragraph[e - 1] in '.!?"\u201d\u2019)' for s, e in spans)


# --------------------------------------------------------------------------- index


def test_near_duplicate_with_new_title_and_dropped_paragraph_is_linked():
    original = sample_articles()[0]
    paragraphs = lines(original)
    dropped = max(range(2, len(paragraphs)), key=lambda i: len(paragraphs[i]))  # the longest
    edited = ["Kremlin's Korea trip draws sharp US response"] + [
        p for i, p in enumerate(paragraphs) if i not in (0, dropped)]
    copy = make_article("\n".join(edited), source="copy")
    index = DedupeIndex()
    index.add(signature(original, SETTINGS))
    links = index.add(signature(copy, SETTINGS)).links
    assert [link.other_id for link in links] == [original.id]
    assert links[0].article_id == copy.id
    assert SETTINGS.near_duplicate_threshold <= links[0].similarity < 1.0


def test_different_sample_articles_are_not_linked():
    index = DedupeIndex()
    for article in sample_articles():
        assert index.add(signature(article, SETTINGS)).links == ()
    assert len(index) == 5


def test_copied_paragraph_is_a_shared_passage_with_exact_spans():
    source, target = sample_articles()[0], sample_articles()[4]
    paragraph = multi_sentence_paragraph(source)
    target_lines = lines(target)
    copied = make_article("\n".join(target_lines[:3] + [paragraph] + target_lines[3:]))
    index = DedupeIndex()
    index.add(signature(source, SETTINGS))
    matches = index.add(signature(copied, SETTINGS))
    assert matches.links == ()
    paragraphs = [p for p in matches.passages if p.kind == "paragraph"]
    assert len(paragraphs) == 1
    shared = paragraphs[0]
    assert (shared.article_id, shared.other_id) == (copied.id, source.id)
    assert copied.text[shared.start : shared.end] == paragraph
    assert source.text[shared.other_start : shared.other_end] == paragraph
    # Its sentences are covered by the paragraph link, not repeated one by one.
    assert not [p for p in matches.passages
                if p.kind == "sentence" and shared.start <= p.start < shared.end]


def test_shared_sentence_links_to_each_earlier_article_with_spans():
    articles = sample_articles()
    sentence = ("The Kremlin said the agreement would be published in full after both "
                "parliaments ratify it.")
    first = make_article(articles[1].text + "\n" + sentence)
    second = make_article(sentence + "\n" + articles[2].text)
    third = make_article(articles[3].text + "\n" + sentence)
    index = DedupeIndex()
    index.add(signature(first, SETTINGS))
    index.add(signature(second, SETTINGS))
    found = [p for p in index.add(signature(third, SETTINGS)).passages
             if third.text[p.start : p.end] == sentence]
    assert [p.other_id for p in found] == [first.id, second.id]
    for p in found:
        other = first if p.other_id == first.id else second
        assert other.text[p.other_start : p.other_end] == sentence


def test_passage_links_are_capped():
    sentence = "Officials from both countries met again on Tuesday to discuss the new treaty."
    articles = [make_article(f"{t}\n{sentence}") for t in sample_texts()]
    index = DedupeIndex(max_passage_links=2)
    for article in articles[:-1]:
        index.add(signature(article, SETTINGS))
    last = articles[-1]
    found = [p for p in index.add(signature(last, SETTINGS)).passages
             if last.text[p.start : p.end] == sentence]
    assert [p.other_id for p in found] == [articles[0].id, articles[1].id]


def test_short_stock_sentences_are_not_shared_passages():
    stock = ["He said.", "Read more here.", "The talks continue on Monday."]
    a, b = sample_articles()[1], sample_articles()[2]
    with_stock_a = make_article(a.text + "\n" + " ".join(stock))
    with_stock_b = make_article(" ".join(stock) + "\n" + b.text)
    index = DedupeIndex()
    index.add(signature(with_stock_a, SETTINGS))
    matches = index.add(signature(with_stock_b, SETTINGS))
    shared_text = {with_stock_b.text[p.start : p.end] for p in matches.passages}
    assert not shared_text & set(stock)
    assert all(len(t.split()) >= SETTINGS.min_shared_passage_words for t in shared_text)


def corpus_for_resume() -> list[Article]:
    """Sample articles plus edited copies, so links and passages both occur."""
    articles = sample_articles()
    first_lines = lines(articles[0])
    near = make_article("\n".join(["A new headline"] + first_lines[2:]))
    mixed = make_article("\n".join(lines(articles[3])[:4] + [multi_sentence_paragraph(articles[0])]))
    return [*articles, near, mixed, make_article(articles[2].text + "\nMore text follows here.")]


@pytest.mark.parametrize("merge_every", [4, 1 << 15])
def test_load_then_add_equals_adding_everything(monkeypatch, merge_every):
    # A tiny merge threshold exercises the sorted-column path, the default the dict path.
    monkeypatch.setattr(dedupe._PassageTable, "_MIN_BUFFER", merge_every)
    sigs = [signature(a, SETTINGS) for a in corpus_for_resume()]
    one_go = DedupeIndex()
    expected = [one_go.add(s) for s in sigs]
    assert any(m.links for m in expected) and any(m.passages for m in expected)
    for split in (0, 3, 6):
        resumed = DedupeIndex().load(sigs[:split])
        assert [resumed.add(s) for s in sigs[split:]] == expected[split:]
        np.testing.assert_array_equal(resumed.digests(), one_go.digests())


def test_adding_twice_is_a_no_op():
    sig = signature(sample_articles()[0], SETTINGS)
    index = DedupeIndex()
    index.add(sig)
    assert index.add(sig).links == () and index.add(sig).passages == ()
    assert len(index) == 1


def test_index_refuses_signatures_from_another_scheme():
    article = sample_articles()[0]
    index = DedupeIndex()
    index.add(signature(article, SETTINGS))
    other = signature(sample_articles()[1], SETTINGS.replace(shingle_words=3))
    with pytest.raises(ConfigError, match="shingle_words"):
        index.add(other)
    with pytest.raises(ConfigError, match="permutations"):
        index.add(signature(sample_articles()[2], SETTINGS.replace(minhash_permutations=64)))


def test_invalid_threshold_is_reported_on_first_use():
    with pytest.raises(ConfigError, match="threshold"):
        DedupeIndex(threshold=1.5).add(signature(sample_articles()[0], SETTINGS))


def test_rensa_state_round_trip_keeps_the_digest():
    digest = np.asarray(signature(sample_articles()[0], SETTINGS).minhash, dtype=np.uint32)
    prefix = dedupe._state_prefix(len(digest))
    assert dedupe._rminhash(digest, prefix).digest() == digest.tolist()
    edge = np.array([0, 127, 128, 2**14 - 1, 2**14, 2**28, 2**32 - 1] * 2, dtype=np.uint32)
    assert dedupe._rminhash(edge, dedupe._state_prefix(len(edge))).digest() == edge.tolist()


def test_lsh_bands_reach_the_recall_target():
    for threshold in (0.5, 0.7, 0.9):
        bands, rows = dedupe.lsh_bands(threshold, 128)
        assert bands * rows <= 128
        assert 1 - (1 - threshold**rows) ** bands >= 0.95


# --------------------------------------------------------------------------- storage


def test_minhash_bytes_round_trip():
    minhash = signature(sample_articles()[1], SETTINGS).minhash
    data = minhash_to_bytes(minhash)
    assert len(data) == 4 * len(minhash)
    assert minhash_from_bytes(data) == minhash
    assert data[:4] == minhash[0].to_bytes(4, "little")
    with pytest.raises(ValueError, match="multiple of 4"):
        minhash_from_bytes(data[:-1])


# --------------------------------------------------------------------------- properties


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=8))
def test_shingling_never_crashes_and_is_deterministic(text, width):
    first = shingle_hashes(text, width)
    assert first.dtype == np.uint64
    np.testing.assert_array_equal(first, shingle_hashes(text, width))
    words = len(shingle_hashes(text, 1))
    assert len(first) == (words - width + 1 if words >= width else min(words, 1))


def test_shingle_hash_does_not_depend_on_position_or_punctuation():
    words = "Putin and Kim signed a mutual defence pact"
    alone = shingle_hashes(words, 5)
    # Past 64 KiB the powers table is computed on the fly: same hashes there too.
    for prefix in ("", "Earlier: ", "x " * 40_000):
        late = shingle_hashes(prefix + words.replace(" a ", " \u201ca\u201d "), 5)
        np.testing.assert_array_equal(late[-len(alone):], alone)


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), max_size=6, unique=True), max_size=30),
       st.integers(1, 4), st.integers(1, 8))
def test_passage_table_matches_a_plain_dict(articles, cap, merge_every):
    """The compact table (sorted columns + buffer, merged often here) answers exactly
    like a dict of lists: earlier occurrences oldest first, at most ``cap``."""
    original = dedupe._PassageTable._MIN_BUFFER
    dedupe._PassageTable._MIN_BUFFER = merge_every
    try:
        table, model = dedupe._PassageTable(cap), {}
        for article, hashes in enumerate(articles):
            passages = tuple(PassageHash(f"{h:016x}", article * 10 + h, article * 10 + h + 1,
                                                "sentence") for h in hashes)
            found = table.add(article, passages)
            for passage, occurrences in zip(passages, found):
                expected = model.setdefault(passage.hash, [])
                assert [(o.article, o.start) for o in occurrences] == expected[:cap]
                if len(expected) < cap:
                    expected.append((article, passage.start))
    finally:
        dedupe._PassageTable._MIN_BUFFER = original


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text())
def test_sentence_spans_are_ordered_trimmed_and_in_bounds(text):
    previous_end = 0
    for start, end in split_sentences(text):
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.text())
def test_signature_of_arbitrary_text(text):
    article = make_article(text)
    sig = signature(article, SETTINGS)
    assert sig == signature(article, SETTINGS)
    for passage in sig.passages:
        assert 0 <= passage.start < passage.end <= len(text)
