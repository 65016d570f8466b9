"""Quote groups: the sample's Carpenter renderings, and hand-made stories for the rules."""

from __future__ import annotations

import pytest

from storyline.align.quotes import clause_stretches, group_quotes, word_diff
from storyline.annotate import EntityResolver
from storyline.records import Annotations, Article, Entity, Quote, Sentence

# ----------------------------------------------------------------------------- sample


def _group_with(groups, words):
    found = [g for g in groups if any(words in r.text for r in g.renderings)]
    assert len(found) == 1, [g.id for g in found]
    return found[0]


def test_group_quotes_carpenter_pomp_statement_in_three_outlets(quote_groups, by_prefix):
    group = _group_with(quote_groups, "pomp and pageantry")
    assert group.speaker == "Michael Carpenter"
    assert group.speaker_entity == "person:michael-carpenter"
    articles = {r.article_id for r in group.renderings}
    assert {by_prefix[p].id for p in ("000", "001", "002")} <= articles
    assert len(group.renderings) >= 3
    texts = " | ".join(r.text for r in group.renderings)
    assert "pomp and circumstance" in texts
    assert "It's clear that this is a partnership that has been expanding" in texts


def test_group_quotes_marks_pageantry_against_circumstance(quote_groups):
    group = _group_with(quote_groups, "pomp and pageantry")
    replaced = [(d.reference, d.rendering) for r in group.renderings for d in r.differences
                if d.op == "replace"]
    assert any(("pageantry" in a and "circumstance" in b) or ("circumstance" in a and "pageantry" in b)
               for a, b in replaced), replaced


def test_group_quotes_reference_first_with_reason(quote_groups):
    for group in quote_groups:
        first, *others = group.renderings
        assert first.reference and first.distance == 0.0 and first.differences == ()
        assert group.reference_reason
        assert not any(r.reference for r in others)
        assert all(0.0 <= r.distance <= 1.0 and r.differences for r in others)


def test_group_quotes_transcript_rendering_is_reference_when_complete(quote_groups, by_prefix):
    # TURAN's correspondent heard Carpenter ("told TURAN's correspondent") and quotes
    # the whole "coalition of 50 countries" statement: it is the reference.
    group = _group_with(quote_groups, "Contrast that with the coalition of 50 countries")
    assert group.renderings[0].article_id == by_prefix["000"].id
    assert "first-hand" in group.reference_reason
    # In the pomp statement TURAN quotes one clause only: the most complete rendering is
    # the reference and the reason says why the transcript is not.
    pomp = _group_with(quote_groups, "pomp and pageantry")
    assert pomp.renderings[0].article_id != by_prefix["000"].id
    assert "most complete" in pomp.reference_reason and "TURAN" in pomp.reference_reason


def test_group_quotes_every_text_is_its_span(quote_groups, sample):
    texts = {a.id: a.text for a in sample[0]}
    assert quote_groups
    for group in quote_groups:
        for r in group.renderings:
            assert texts[r.article_id][r.start:r.end] == r.text


def test_group_quotes_same_speaker_and_two_articles(quote_groups, sample, resolver):
    _, annotations = sample
    for group in quote_groups:
        assert len({r.article_id for r in group.renderings}) >= 2
        for r in group.renderings:
            quote = next(q for q in annotations[r.article_id].quotes if (q.start, q.end) == (r.start, r.end))
            assert resolver.resolve(quote.speaker_entity) == group.speaker_entity


def test_group_quotes_sorted_by_outlets_then_speaker(quote_groups):
    keys = [(-len({r.outlet or r.article_id for r in g.renderings}), g.speaker) for g in quote_groups]
    assert keys == sorted(keys)


def test_group_quotes_keeps_different_statements_apart(quote_groups):
    pomp = _group_with(quote_groups, "pomp and pageantry")
    assert not any("50 countries" in r.text or "dual-use" in r.text for r in pomp.renderings)


# ----------------------------------------------------------------------------- word_diff


def test_word_diff_replace_and_distance():
    diffs, distance = word_diff("all the pomp and pageantry that reflects the nature",
                                "all the pomp and circumstance reflecting the nature")
    assert [d.op for d in diffs] == ["equal", "replace", "equal"]
    assert (diffs[1].reference, diffs[1].rendering) == ("pageantry that reflects", "circumstance reflecting")
    # 6 of 9 + 8 words matched: 1 - 12/17
    assert distance == pytest.approx(1 - 12 / 17, abs=1e-4)


@pytest.mark.parametrize("reference, rendering, expected", [
    ("It is clear.", "it is CLEAR", 0.0),           # case and punctuation are not wording
    ("one two three", "four five six", 1.0),
])
def test_word_diff_distance_bounds(reference, rendering, expected):
    assert word_diff(reference, rendering)[1] == expected


def test_word_diff_fragment_is_aligned_with_its_clause():
    reference = ("It also shows where Russia is on the world stage, where its closest partners are "
                 "North Korea, Iran and Syria, and hence pose a threat to Ukraine, but also to European security")
    diffs, distance = word_diff(reference, "which increases the threat to Ukraine, as well as to European security")
    assert not any("world stage" in d.reference for d in diffs)  # coverage, not difference
    assert ("but also", "as well as") in [(d.reference, d.rendering) for d in diffs]
    assert distance < 0.6


def test_clause_stretches_follow_clause_marks():
    stretches = clause_stretches("One two three, four five six; seven eight nine.", 3)
    assert "One two three," in stretches and "four five six;" in stretches
    assert all(len(s.split()) <= 9 for s in stretches)


# ----------------------------------------------------------------------------- hand-made


def _article(aid, text, outlet, published=None):
    return Article(id=aid, source=f"{aid}.txt", locator="", format="txt", text=text, outlet=outlet,
                   source_id=aid, published=published)


def _annotations(article, quotes_spec, speakers):
    """Annotations with one sentence per line, the given quotes ((quoted words, speaker
    key, kind)) and one entity per speaker key."""
    text = article.text
    sentences, pos = [], 0
    for i, line in enumerate(text.split("\n")):
        sentences.append(Sentence(article.id, pos, pos + len(line), line, i, i))
        pos += len(line) + 1
    quotes = []
    for n, (words, key, kind) in enumerate(quotes_spec):
        start = text.index(words)
        quotes.append(Quote(article.id, start, start + len(words), words, kind, speaker=speakers[key],
                            speaker_entity=key, method="named", statement=n))
    entities = tuple(Entity(key, article.id, 0, 1, text[0:1], "person", name) for key, name in speakers.items())
    return Annotations(article.id, "test", sentences=tuple(sentences), entities=entities, quotes=tuple(quotes))


SPEAKERS = {"person:ann-lee": "Ann Lee", "person:bo-kim": "Bo Kim"}
WORDS = "We will never accept a deal that rewards the invasion of a sovereign country"


def _story(second_words, second_speaker="person:ann-lee", *, published=("2024-01-02", "2024-01-01")):
    a = _article("a1", f'"{WORDS}," Ann Lee told Daily Post reporters.', "Daily Post", published[0])
    b = _article("b2", f'"{second_words}," she said.', "Evening Star", published[1])
    anns = {a.id: _annotations(a, [(WORDS, "person:ann-lee", "direct")], SPEAKERS),
            b.id: _annotations(b, [(second_words, second_speaker, "direct")], SPEAKERS)}
    return [a, b], anns, EntityResolver().fit(anns.values())


def test_group_quotes_hand_made_pair_first_hand_reference():
    articles, anns, resolver = _story("We will never accept any deal that rewards the invasion of a sovereign nation")
    (group,) = group_quotes(articles, anns, resolver)
    assert group.speaker == "Ann Lee"
    # a1 was published later but its outlet heard the speaker ("told Daily Post reporters").
    assert group.renderings[0].article_id == "a1"
    assert "first-hand" in group.reference_reason and "Daily Post" in group.reference_reason
    ops = [(d.op, d.reference, d.rendering) for d in group.renderings[1].differences if d.op != "equal"]
    assert ops == [("replace", "a", "any"), ("replace", "country", "nation")]


def test_group_quotes_earliest_when_nobody_is_first_hand():
    articles, anns, resolver = _story("We will never accept any deal that rewards the invasion of a sovereign nation")
    plain = articles[0].text.replace("told Daily Post reporters", "said")
    articles[0] = _article("a1", plain, "Daily Post", "2024-01-02")
    anns["a1"] = _annotations(articles[0], [(WORDS, "person:ann-lee", "direct")], SPEAKERS)
    (group,) = group_quotes(articles, anns, resolver)
    assert group.renderings[0].article_id == "b2"
    assert group.reference_reason.startswith("earliest published (2024-01-01")


def test_group_quotes_needs_the_same_speaker():
    articles, anns, resolver = _story(WORDS, second_speaker="person:bo-kim")
    assert group_quotes(articles, anns, resolver) == []


def test_group_quotes_different_statement_is_not_grouped():
    articles, anns, resolver = _story("Our farmers expect the price of wheat to fall again before the harvest")
    assert group_quotes(articles, anns, resolver) == []


def test_group_quotes_one_article_alone_makes_no_group():
    first = "We will never accept a deal that rewards the invasion"
    second = "a deal that rewards the invasion of a sovereign country is no deal"
    a = _article("a1", f'"{first}," Ann Lee said. "{second}," she added.', "Daily Post")
    anns = {a.id: _annotations(a, [(first, "person:ann-lee", "direct"), (second, "person:ann-lee", "direct")],
                               SPEAKERS)}
    assert group_quotes([a], anns, EntityResolver().fit(anns.values())) == []
