"""Quotation marks, statements vs scare quotes, split and multi-paragraph quotes."""

from __future__ import annotations

import pytest

from storyline.annotate import annotate
from storyline.annotate.quotes import find_quoted_spans, is_statement, load_quote_rules
from storyline.records import Article


def article(text: str, published: str | None = "2024-06-17") -> Article:
    return Article(id="t", source="test", locator="", format="txt", text=text, published=published)


def test_marks_pair_per_paragraph_and_open_paragraph_continues():
    text = ('He said "first part of it\n\n"second paragraph goes on," he said.\n\n'
            '"A quote that opens a paragraph\n\nand ends here."')
    spans, problems = find_quoted_spans(text)
    inner = [text[s.inner_start:s.inner_end] for s in spans]
    assert "second paragraph goes on," in inner
    assert "A quote that opens a paragraph" in inner  # continues in the next paragraph
    assert any("never closed" in p for p in problems)  # 'He said "first part' has no close


def test_stray_closing_mark_is_a_problem_not_a_crash():
    spans, problems = find_quoted_spans("A sentence” with a stray mark. “Then a quote.”")
    assert [s.inner_start for s in spans] and problems


@pytest.mark.parametrize("text, expected", [
    ('"We are not worried about this trip," Kirby said.', True),
    ('Kirby said, "We are not worried about this trip."', True),
    ('Shapps says the "bizarre" scenes are a "warning".', False),
    ('the report is "the most absurd rumor."', False),
    ('The spokesperson said that "deepening cooperation should be of great concern."', True),
    ('He talked about "a platform to promote his war" against Ukraine.', False),
])
def test_statement_or_phrase(text, expected):
    rules = load_quote_rules()
    spans, _ = find_quoted_spans(text)
    span = spans[0]
    assert is_statement(text, span, (0, len(text)), rules) is expected


def test_split_quote_shares_speaker_cue_and_statement(nlp, rules):
    text = ('"We are watching this very closely," Maria Lopez said, "and we will respond '
            'when the time comes."')
    quotes = annotate(article(text), nlp, rules).quotes
    direct = [q for q in quotes if q.kind == "direct"]
    assert len(direct) == 2
    assert {q.speaker for q in direct} == {"Maria Lopez"}
    assert {q.cue for q in direct} == {"said"} and len({q.statement for q in direct}) == 1


def test_pronoun_resolves_to_last_person_quoted_not_a_name_inside_the_quote(nlp, rules):
    text = ('Senator John Miller spoke to reporters on Monday.\n\n'
            '"I met Angela Weber and we talked for an hour," he said.')
    [quote] = [q for q in annotate(article(text), nlp, rules).quotes if q.kind == "direct"]
    assert (quote.speaker, quote.method) == ("John Miller", "pronoun")
    assert text[quote.speaker_start:quote.speaker_end] == "he"


def test_indirect_speech_and_according_to(nlp, rules):
    text = ("Miller argues that the plan will fail within a year. "
            "According to the ministry, the talks have stalled since March.")
    quotes = annotate(article(text), nlp, rules).quotes
    assert [(q.kind, q.speaker, q.cue) for q in quotes] == [
        ("indirect", "Miller", "argues"), ("indirect", "the ministry", "according to")]
    assert quotes[0].text == "the plan will fail within a year"


def test_definite_description_corefers_with_earlier_one(nlp, rules):
    text = ('A company spokesperson said in an email, "We have no comment on the matter at all."\n\n'
            'The spokesperson added, "The review will continue as planned next month."')
    quotes = annotate(article(text), nlp, rules).quotes
    assert [q.speaker for q in quotes] == ["A company spokesperson"] * 2
    assert quotes[1].method == "description-coreference"
