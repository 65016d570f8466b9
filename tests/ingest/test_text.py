"""storyline.ingest.text: plain-text articles, title line and line structure."""

from __future__ import annotations

import pytest

from storyline.ingest import read_file
from storyline.ingest.text import MAX_TITLE_CHARS, find_title_line, not_a_title
from storyline.records import FieldOrigin, RawArticle

# Read off the files by a person: the headline of each sample article.
SAMPLE_TITLES = {
    "000": "Putin's North Korea Visit 'Shows Where Russia Is On The World Stage', White House Says",
    "001": "White House comments on Putin's visit to Kim Jong Un: Russia is gathering a coalition",
    "002": "White House: Putin’s North Korea visit aimed at building a coalition",
    "003": "US warns North Korea against providing Putin platform for war aims",
    "004": "The White House expressed concern about the relations between Russia and North Korea",
}
BODY = "The White House said on Wednesday that the visit showed where Russia stands."


@pytest.mark.parametrize(("prefix", "title"), sorted(SAMPLE_TITLES.items()))
def test_sample_articles_read_with_their_titles(examples_dir, settings, prefix, title) -> None:
    (path,) = examples_dir.glob(f"{prefix}_*.txt")
    (article,) = read_file(path, settings)
    assert isinstance(article, RawArticle)
    assert (article.format, article.locator, article.source) == ("text", "", str(path))
    assert article.title == title
    assert article.origins == (FieldOrigin("title", title, "first-line", title),)
    assert article.text.strip() and not article.text.startswith("\n")


def test_title_line_is_taken_out_but_its_repeats_stay(examples_dir, settings) -> None:
    (path,) = examples_dir.glob("003_*.txt")
    (article,) = read_file(path, settings)
    lines = article.text.split("\n")
    # cleaning removes the repeated title and the byline, and records that it did
    assert lines[:3] == ["by Admin", SAMPLE_TITLES["003"], ""]
    raw = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert lines == raw[2:]  # raw[1] is the blank line under the title


def test_timestamp_above_the_headline_stays_in_the_text(examples_dir, settings) -> None:
    (path,) = examples_dir.glob("004_*.txt")
    (article,) = read_file(path, settings)
    assert article.text.split("\n")[:2] == ["17.06.2024, 22:29", "Source: OREANDA-NEWS"]
    assert SAMPLE_TITLES["004"] not in article.text


@pytest.mark.parametrize(("line", "why"), [
    ("17.06.2024, 22:29", "no letters"),
    ("June 18, 2024 10:30 AM", "a date or time"),
    ("Updated: Tue 18 Jun 2024 09:12 GMT", "a date or time"),
    ("by Admin", "a byline"),
    ("By Jane Smith and John Doe", "a byline"),
    ("Source: OREANDA-NEWS", "a label line"),
    ("By the numbers: Putin's trip to Pyongyang", None),
    ("May Day rally draws thousands in Seoul", None),
    ("Putin to visit North Korea on June 18", None),
])
def test_not_a_title(line: str, why: str | None) -> None:
    assert not_a_title(line) == why


def test_first_line_that_is_a_paragraph_gives_no_title(write, settings) -> None:
    paragraph = "Word " * (MAX_TITLE_CHARS // 5 + 10)
    (article,) = read_file(write("untitled.txt", f"{paragraph}\n{BODY}\n"), settings)
    assert article.title is None and article.origins == ()
    assert article.text.split("\n") == [paragraph.rstrip(), BODY]
    assert any(note.startswith("no title: line 1 has") for note in article.notes)


def test_only_metadata_lines_give_no_title() -> None:
    index, note = find_title_line(["", "17.06.2024", "by Admin"])
    assert index is None and note == "no title: none of the first 2 lines looks like a headline"


def test_blank_lines_inside_the_text_are_kept(write, settings) -> None:
    (article,) = read_file(write("a.txt", f"\n\n  Headline  \n\n{BODY}\n\n\n{BODY}   \n\n"), settings)
    assert article.title == "Headline"
    assert article.text == f"{BODY}\n\n\n{BODY}"
