"""Number values, qualifiers, units and counted nouns."""

from __future__ import annotations

import pytest

from storyline.annotate.numbers import extract_numbers, parse_value


@pytest.mark.parametrize("text, value", [
    ("roughly 100", 100), ("5,000", 5000), ("$1.2 billion", 1.2e9), ("seven", 7),
    ("nearly 20 percent", 20), ("hundreds", None),
])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_numbers_in_context(nlp):
    doc = nlp("More than 300 soldiers and hundreds of containers arrived, costing $4 million.")
    found = {n.text: n for n in extract_numbers(doc, "a")}
    soldiers = next(n for n in found.values() if n.counts == "soldiers")
    assert (soldiers.value, soldiers.qualifier) == (300, "more than")
    assert found["hundreds"].value is None and found["hundreds"].counts == "containers"
    money = next(n for n in found.values() if n.unit == "USD")
    assert money.value == 4e6
