"""Tests for storyline.ingest.metadata: metadata hidden in plain text.

Sample expectations were read off the five raw files in examples/putin-dprk-2024/ by a
person; the non-sample cases check each heuristic and its limits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.ingest.metadata import (
    extract_text_metadata,
    parse_byline,
    parse_dateline,
    parse_source_line,
)
from storyline.records import TextMetadata

SAMPLES = Path(__file__).resolve().parents[1] / "examples" / "putin-dprk-2024"
LEAD = "The foreign ministers met in Brussels on Tuesday to discuss new sanctions."


def sample_lines(prefix: str) -> tuple[str, list[str]]:
    """(title, lines) as the .txt reader gives them: first line, then the rest."""
    (path,) = SAMPLES.glob(f"{prefix}_*.txt")
    title, *lines = path.read_text(encoding="utf-8").split("\n")
    return title, lines


def origin_of(meta, field):  # type: ignore[no-untyped-def]
    return next((o for o in meta.origins if o.field == field), None)


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize(("prefix", "outlet", "method"), [
    ("000", "TURAN", "correspondent-phrase"),
    ("001", "Ukrinform", "reports-phrase"),
    ("004", "OREANDA-NEWS", "source-line"),
])
def test_extract_text_metadata_finds_sample_outlets(prefix: str, outlet: str, method: str) -> None:
    title, lines = sample_lines(prefix)
    found = origin_of(extract_text_metadata(lines, title), "outlet")
    assert found is not None
    assert (found.value, found.method) == (outlet, method)
    assert found.evidence  # the user can check where it came from


@pytest.mark.parametrize("prefix", ["002", "003"])
def test_extract_text_metadata_leaves_unnamed_outlet_empty(prefix: str) -> None:
    # 002 names no outlet; 003 (VOA) cites "Russian news agency Tass reported May 30"
    # in its body: a wire it quotes, not the outlet it is from.
    title, lines = sample_lines(prefix)
    meta = extract_text_metadata(lines, title)
    assert meta.value("outlet") is None
    assert all(o.value != "Tass" for o in meta.origins)


def test_extract_text_metadata_finds_sample_byline() -> None:
    title, lines = sample_lines("003")
    meta = extract_text_metadata(lines, title)
    author = origin_of(meta, "author")
    assert (author.value, author.method, author.evidence) == ("Admin", "byline", "by Admin")
    (span,) = [s for s in meta.spans if s.field == "author"]
    assert lines[span.index][span.start:span.end] == "by Admin"


def test_extract_text_metadata_reads_sample_dateline_that_the_reader_took_for_a_title() -> None:
    title, lines = sample_lines("004")
    assert title == "17.06.2024, 22:29"
    meta = extract_text_metadata(lines, title)
    published = origin_of(meta, "published")
    assert (published.value, published.method) == ("2024-06-17T22:29:00", "dateline")
    assert meta.value("title") == ("The White House expressed concern about the relations "
                                   "between Russia and North Korea")
    assert {(s.index, s.field) for s in meta.spans} >= {(-1, "published"), (0, "title"), (1, "outlet")}


def test_extract_text_metadata_finds_sample_outlet_tag() -> None:
    title, lines = sample_lines("004")
    meta = extract_text_metadata(lines, title)
    (tag,) = [s for s in meta.spans if s.method == "outlet-tag"]
    assert tag.index == meta.lead
    assert lines[tag.index][tag.start:tag.end] == "OREANDA-NEWS "
    assert lines[tag.index][tag.end:].startswith("The United States is not concerned")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_extract_text_metadata_invents_no_dates(prefix: str) -> None:
    title, lines = sample_lines(prefix)
    assert extract_text_metadata(lines, title).value("published") is None


# --------------------------------------------------------------------------- datelines


@pytest.mark.parametrize(("line", "iso"), [
    ("17.06.2024, 22:29", "2024-06-17T22:29:00"),
    ("June 17, 2024", "2024-06-17"),
    ("2024-06-17 22:29", "2024-06-17T22:29:00"),
    ("17 June 2024", "2024-06-17"),
    ("  17 June 2024  ", "2024-06-17"),
    ("Monday, June 17, 2024 10:30 PM", "2024-06-17T22:30:00"),
    ("Published: Jun. 17, 2024 at 9:05 am EDT", "2024-06-17T09:05:00-04:00"),
    ("2024-06-17T22:29:00+03:00", "2024-06-17T22:29:00+03:00"),
    ("17.06.2024 22:29 MSK", "2024-06-17T22:29:00+03:00"),
    ("17 июня 2024 г.", "2024-06-17"),
    ("17 червня 2024", "2024-06-17"),
    ("17. Juni 2024, 14:05", "2024-06-17T14:05:00"),
    ("17 juin 2024", "2024-06-17"),
    ("17 de junio de 2024", "2024-06-17"),
    # an abbreviation without one defined offset is accepted but not guessed at
    ("June 17, 2024, 22:29 IST", "2024-06-17T22:29:00"),
])
def test_parse_dateline_reads_formats(line: str, iso: str) -> None:
    assert parse_dateline(line) == iso


@pytest.mark.parametrize("line", [
    "32.13.2024",                       # impossible date
    "06/07/2024",                       # day-first or month-first cannot be told
    "On June 17, 2024 the talks began.",
    "June 2024",                        # no day: not a dateline
    "17.06.2024, 25:61",
    "The summit ended on 17 June 2024.",
])
def test_parse_dateline_rejects_non_datelines(line: str) -> None:
    assert parse_dateline(line) is None


def test_extract_text_metadata_reads_datelines_only_in_the_head() -> None:
    lines = ["June 17, 2024", LEAD, "June 18, 2024", "The talks continued."]
    meta = extract_text_metadata(lines, "Sanctions talks")
    assert [o.value for o in meta.origins if o.field == "published"] == ["2024-06-17"]
    assert [s.index for s in meta.spans] == [0]


# --------------------------------------------------------------------------- bylines


@pytest.mark.parametrize(("line", "author"), [
    ("by Admin", "Admin"),
    ("By Jane Doe", "Jane Doe"),
    ("BY JANE DOE", "JANE DOE"),
    ("Author: Jane Doe", "Jane Doe"),
    ("By Jane Doe and John Roe", "Jane Doe and John Roe"),
    ("By Ursula von der Leyen", "Ursula von der Leyen"),
    ("Автор: Иван Петров", "Иван Петров"),
])
def test_parse_byline_reads_names(line: str, author: str) -> None:
    assert parse_byline(line) == author


@pytest.mark.parametrize("line", [
    "By continuing to use this site, you accept our use of cookies.",
    "By Wednesday, the talks had stalled.",
    "By June 17 the troops had withdrawn",
    "Bypass roads were closed.",
    "by",
])
def test_parse_byline_rejects_sentences(line: str) -> None:
    assert parse_byline(line) is None


def test_extract_text_metadata_reads_bylines_only_in_the_head() -> None:
    meta = extract_text_metadata([LEAD, "By Jane Doe"], "Title")
    assert meta.value("author") is None


# --------------------------------------------------------------------------- source lines


@pytest.mark.parametrize(("line", "found"), [
    ("Source: OREANDA-NEWS", ("outlet", "OREANDA-NEWS")),
    ("Source: Reuters.", ("outlet", "Reuters")),
    ("Источник: ТАСС", ("outlet", "ТАСС")),
    ("Джерело: Укрінформ", ("outlet", "Укрінформ")),
    ("Quelle: dpa", ("outlet", "dpa")),
    ("Source: https://example.org/news/1", ("url", "https://example.org/news/1")),
    ("Source Link", None),
    ("Source: a senior official who spoke on condition of anonymity said the talks failed", None),
])
def test_parse_source_line(line: str, found: tuple[str, str] | None) -> None:
    assert parse_source_line(line) == found


def test_extract_text_metadata_finds_source_line_at_the_end() -> None:
    meta = extract_text_metadata([LEAD, "The talks continued.", "Source: Interfax"], "Title")
    assert origin_of(meta, "outlet").method == "source-line"
    assert meta.value("outlet") == "Interfax"


# --------------------------------------------------------------------------- reports phrases


@pytest.mark.parametrize(("lead", "outlet", "method"), [
    ("Kyiv and Warsaw signed a deal on Tuesday, Ukrinform reports.", "Ukrinform", "reports-phrase"),
    ("Kyiv and Warsaw signed a deal on Tuesday, RIA Novosti reports. Talks go on.", "RIA Novosti",
     "reports-phrase"),
    ("Kyiv and Warsaw signed a deal, the Kyiv Independent reports.", "Kyiv Independent", "reports-phrase"),
    ("Kyiv and Warsaw signed a deal, Ukrinform reports with reference to the press service.",
     "Ukrinform", "reports-phrase"),
    ("Київ і Варшава підписали угоду, повідомляє Укрінформ.", "Укрінформ", "reports-phrase"),
    ("Kyiv and Warsaw signed a deal, TURAN's Washington correspondent reports.", "TURAN",
     "correspondent-phrase"),
    ("Kyiv and Warsaw signed a deal, an Interfax correspondent reports.", "Interfax",
     "correspondent-phrase"),
    ("Kyiv and Warsaw signed a deal, a correspondent of Ukrinform reports.", "Ukrinform",
     "correspondent-phrase"),
])
def test_extract_text_metadata_reads_present_tense_lead_phrases(lead: str, outlet: str, method: str) -> None:
    found = origin_of(extract_text_metadata([lead, "More text follows here."], "Title"), "outlet")
    assert (found.value, found.method) == (outlet, method)


@pytest.mark.parametrize("lines", [
    # past tense: a citation of a wire, not the article's own outlet
    ["Preparations are under way, Russian news agency Tass reported May 30."],
    ["Preparations are under way, Tass reported."],
    # present tense, but not in the lead: the body cites another outlet
    [LEAD, "Preparations are under way, Reuters reports."],
    # the phrase must close the lead sentence, not sit in a later one
    ["Talks began. Observers were upbeat. The mood, Reuters reports, was calm and the "
     "delegations met twice."],
    # "told X's correspondent" is reporting, not a signature
    ["The minister told TURAN's correspondent that talks would resume."],
    # a lowercase word is no name
    ["Talks began on Tuesday, he reports."],
])
def test_extract_text_metadata_ignores_cited_outlets(lines: list[str]) -> None:
    assert extract_text_metadata(lines, "Title").value("outlet") is None


# --------------------------------------------------------------------------- outlet tag


def test_extract_text_metadata_uses_known_outlet_for_tag() -> None:
    lines = ["TASS - The Kremlin said on Monday that talks would resume."]
    meta = extract_text_metadata(lines, "Title", known_outlet="TASS")
    (tag,) = meta.spans
    assert lines[0][tag.end:] == "The Kremlin said on Monday that talks would resume."


@pytest.mark.parametrize("lead", [
    "Reuters reported on Monday that talks would resume.",   # a sentence, not a tag
    "Reutersnews The Kremlin said talks would resume.",      # another word
])
def test_extract_text_metadata_keeps_sentences_starting_with_outlet(lead: str) -> None:
    meta = extract_text_metadata(["Source: Reuters", lead], "Title")
    assert [s.method for s in meta.spans] == ["source-line"]


def test_extract_text_metadata_reads_dateline_title_without_guessing_a_title() -> None:
    # the line after the dateline is a paragraph, not a headline: no title is invented
    meta = extract_text_metadata([LEAD], "June 17, 2024")
    assert meta.value("published") == "2024-06-17"
    assert meta.value("title") is None
    assert meta.lead == 0


def test_text_metadata_round_trips_through_json() -> None:
    title, lines = sample_lines("004")
    meta = extract_text_metadata(lines, title)
    assert TextMetadata.from_dict(meta.to_dict()) == meta
