"""Absolute and relative dates, the tense rule, anchors, and refusing to guess."""

from __future__ import annotations

import pytest

from storyline.annotate.dates import _absolute, extract_timerefs


@pytest.mark.parametrize("text, value, granularity", [
    ("17.06.2024", "2024-06-17", "day"),
    ("2024-06-17", "2024-06-17", "day"),
    ("6/17/2024", "2024-06-17", "day"),
    ("17/6/2024", "2024-06-17", "day"),
    ("May 30, 2024", "2024-05-30", "day"),
    ("30 May 2024", "2024-05-30", "day"),
    ("18-19 June 2024", "2024-06-18/2024-06-19", "interval"),
    ("June 18-19, 2024", "2024-06-18/2024-06-19", "interval"),
    ("February 2022", "2022-02", "month"),
    ("Sept. 2019", "2019-09", "month"),
    ("2023", "2023", "year"),
    ("the 1990s", "1990/1999", "decade"),
])
def test_absolute_forms(text, value, granularity):
    assert _absolute(text) == (value, granularity)


def timerefs(nlp, text, published="2024-06-17"):
    return {t.text: t for t in extract_timerefs(nlp(text), "a", published)}


@pytest.mark.parametrize("sentence, expression, value", [
    ("Putin visited the city on Wednesday.", "Wednesday", "2024-06-12"),
    ("Putin will arrive on Wednesday.", "Wednesday", "2024-06-19"),
    ("The ministers met last week.", "last week", "2024-06-10/2024-06-16"),
    ("Kim visited Russia in September.", "September", "2023-09"),
    ("The summit will take place in July.", "July", "2024-07"),
    ("Russia has been shipping shells since November.", "since November", "2023-11-01/2024-06-17"),
    ("Officials met two weeks ago.", "two weeks ago", "2024-06-03/2024-06-09"),
    ("He left yesterday.", "yesterday", "2024-06-16"),
    ("The report was released on May 29.", "May 29", "2024-05-29"),
    ("The dateline read 17.06.2024.", "17.06.2024", "2024-06-17"),
])
def test_relative_dates_resolve_against_publication(nlp, sentence, expression, value):
    refs = timerefs(nlp, sentence)
    assert refs[expression].value == value, refs


def test_duration_anchored_on_a_date_in_the_same_sentence(nlp):
    refs = timerefs(nlp, "About seven months after its invasion in February 2022, Russia sought shells.")
    ref = refs["About seven months"]
    assert (ref.value, ref.resolved_from, ref.anchor, ref.qualifier) == ("2022-09", "anchor", "2022-02", "about")


def test_nothing_to_resolve_against_is_said_not_guessed(nlp):
    refs = timerefs(nlp, "The ministers met on Wednesday and again in 2023.", published=None)
    assert refs["Wednesday"].value is None and refs["Wednesday"].resolved_from == "none"
    assert "no publication date" in refs["Wednesday"].note
    assert refs["2023"].value == "2023"  # absolute dates need no anchor


def test_same_day_follows_the_last_day_named(nlp):
    refs = timerefs(nlp, "Putin spoke on May 5. The same day, Kim answered.")
    assert refs["same day"].value == "2024-05-05"
