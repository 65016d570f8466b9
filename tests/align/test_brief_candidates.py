"""Brief candidates on the sample corpus: a quotation over several sentences stays whole,
so no brief sentence is a headless piece of a quote."""

from __future__ import annotations

from storyline.align import brief_candidates, whole_quotations


def test_a_quotation_over_two_sentences_is_one_candidate(sample, by_prefix):
    _, annotations = sample
    turan = by_prefix["000"]
    candidates = whole_quotations(turan, annotations[turan.id].sentences)
    texts = [c.text for c in candidates]
    assert "\"That's not a negotiation. That's a surrender,\" Carpenter said." in texts
    assert not any(t.startswith("\"That's not a negotiation.") and t.endswith("negotiation.") for t in texts)
    # The three-sentence quote that follows closes with "predation." and is one span.
    last = next(t for t in texts if t.startswith("\"In fact, it's pretty clear"))
    assert last.endswith("from precisely such predation.\"")
    for c in candidates:
        assert turan.text[c.start:c.end] == c.text


def test_candidates_never_leave_a_quote_open_inside_a_paragraph(sample):
    articles, annotations = sample
    candidates = brief_candidates(articles, annotations, facts=[])
    by_id = {a.id: a for a in articles}
    for c in candidates:
        assert by_id[c.article_id].text[c.start:c.end] == c.text
    # Sentences whose quotation closes in a later sentence of the same paragraph are joined.
    open_pieces = [c.text for c in candidates if c.text.startswith("\"") and c.text.count("\"") == 1
                   and c.text.endswith(".")]
    assert "\"That's not a negotiation." not in open_pieces


def test_plain_sentences_are_left_alone(sample):
    articles, annotations = sample
    for article in articles:
        sentences = annotations[article.id].sentences
        joined = whole_quotations(article, sentences)
        assert len(joined) <= len(sentences)
        plain = {(s.start, s.end) for s in sentences if '"' not in s.text and "\u201c" not in s.text}
        kept = {(c.start, c.end) for c in joined}
        # A sentence without quotation marks is only ever joined as the tail of a quote.
        assert len(plain - kept) <= len(sentences) - len(joined)
