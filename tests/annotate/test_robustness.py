"""Odd input never crashes annotation and every span still points into the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.annotate import annotate
from storyline.records import Article

PIECES = st.sampled_from([
    '"', "\u201c", "\u201d", " said ", "He", " Kim Jong Un", " on Wednesday", " 17.06.2024",
    ", ", ". ", "\n\n", " according to", " the spokesperson", " 50 countries", " since May",
    " that ", "Carpenter", " warned", "\u2014", " about seven months after", " in 2022",
])


def check(article: Article, nlp, rules) -> None:
    ann = annotate(article, nlp, rules)
    for group in (ann.sentences, ann.mentions, ann.entities, ann.roles, ann.quotes,
                  ann.timerefs, ann.numbers):
        for item in group:
            assert 0 <= item.start <= item.end <= len(article.text)
            assert article.text[item.start:item.end] == item.text


def test_empty_and_whitespace_articles(nlp, rules):
    for text in ("", "   ", "\n\n\n"):
        check(Article(id="e", source="t", locator="", format="txt", text=text), nlp, rules)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PIECES, min_size=1, max_size=40), st.sampled_from([None, "2024-06-17", "garbage"]))
def test_random_news_like_text(nlp, rules, pieces, published):
    text = "".join(pieces)
    check(Article(id="r", source="t", locator="", format="txt", text=text, published=published),
          nlp, rules)
