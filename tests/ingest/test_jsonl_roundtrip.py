"""Hypothesis round trip: what is written as JSON Lines is what the reader gives back."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from storyline.ingest import read_file
from storyline.ingest.decode import repair_text
from storyline.records import RawArticle
from storyline.settings import Settings

# Any printable text: no surrogates, no control characters other than the newline
# (the reader turns \r into \n by design), no unassigned code points.
CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"))
LINE = st.text(CHARS, min_size=1, max_size=60)
TITLE = LINE.map(lambda s: " ".join(s.split())).filter(bool)
TEXT = st.lists(LINE, min_size=1, max_size=6).map("\n".join).filter(lambda s: s.strip())


def is_stable(value: str) -> bool:
    """True for text the reader returns unchanged: NFC, and nothing ftfy takes for mojibake."""
    return unicodedata.is_normalized("NFC", value) and repair_text(value) == value


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TITLE, TEXT), min_size=1, max_size=5), st.booleans())
def test_jsonl_round_trip(records: list[tuple[str, str]], ensure_ascii: bool) -> None:
    for title, text in records:
        assume(is_stable(title) and is_stable(text) and text == text.strip("\n"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "articles.jsonl"
        lines = (json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=ensure_ascii)
                 for i, (t, x) in enumerate(records))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        items = list(read_file(path, Settings()))
    assert all(isinstance(item, RawArticle) for item in items)
    assert [(a.title, a.text) for a in items] == records
    assert [(a.source_id, a.locator) for a in items] == [
        (str(i), f"line {i + 1}") for i in range(len(records))]
