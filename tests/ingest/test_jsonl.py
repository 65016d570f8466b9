"""storyline.ingest.jsonl: JSON Lines and JSON records, bad lines rejected one by one."""

from __future__ import annotations

import json

import pytest

from storyline.ingest import read_file
from storyline.ingest.dates import normalise_published
from storyline.records import FieldOrigin, RawArticle, Rejected

TEXT = "Russia and North Korea signed a treaty on Wednesday pledging mutual assistance."


def test_jsonl_records_malformed_line_and_html_record(data_dir, settings) -> None:
    path = data_dir / "wire.jsonl"
    first, bad, third = read_file(path, settings)

    assert isinstance(first, RawArticle)
    assert (first.format, first.locator, first.source_id) == ("json", "line 1", "wire-0001")
    assert first.title == "Russia, North Korea sign mutual defence treaty"
    assert (first.url, first.outlet, first.author, first.language) == (
        "https://wire.example/2024/06/19/putin-kim-pact", "Wire Example", "Olga Petrova", "en")
    assert first.published == "2024-06-19T09:41:00+03:00"
    assert first.text.split("\n")[2] == "Kim Jong Un called the two countries' relationship an “alliance”."
    assert {o.method for o in first.origins} == {"json"}

    assert bad == Rejected(str(path), "line 2 is not valid JSON: Unterminated string starting at "
                                      "(column 128)", line=2)

    assert (third.locator, third.source_id, third.title) == (
        "line 3", "wire-0003", "Beijing stays quiet on Putin-Kim treaty")
    assert "China's foreign ministry declined on Thursday" in third.text
    assert "Home" not in third.text and "©" not in third.text  # through the HTML path
    assert third.published == "2024-06-20T06:15:00+00:00"
    # the record's own outlet wins over the page's og:site_name
    assert third.outlet == "Wire Example"
    assert "text extracted from the record's 'html' field" in third.notes


@pytest.mark.parametrize("layout", ["array", "articles", "single"])
def test_json_layouts(write, settings, layout) -> None:
    records = [{"id": 7, "title": "One", "text": TEXT}, {"title": "Two", "text": TEXT + " Again."}]
    data = {"array": records, "articles": {"articles": records}, "single": records[0]}[layout]
    items = list(read_file(write("a.json", json.dumps(data)), settings))
    expected = ["One", "Two"] if layout != "single" else ["One"]
    assert [a.title for a in items] == expected
    assert [a.locator for a in items] == [f"record {i}" for i in range(1, len(expected) + 1)]
    assert items[0].source_id == "7"


def test_json_file_holding_json_lines_is_read_as_lines(write, settings) -> None:
    content = "\n".join(json.dumps({"title": t, "text": TEXT}) for t in ("A", "B"))
    items = list(read_file(write("export.json", content), settings))
    assert [(a.title, a.locator) for a in items] == [("A", "line 1"), ("B", "line 2")]


def test_malformed_json_file_is_rejected_with_its_line(data_dir, settings) -> None:
    path = data_dir / "malformed.json"
    assert list(read_file(path, settings)) == [
        Rejected(str(path), "not valid JSON: Expecting ',' delimiter at line 4, column 31", line=4)]


@pytest.mark.parametrize(("record", "reason"), [
    ({"title": "No body"}, "line 1: the record has no 'text' or 'html' field with content"),
    ({"title": "Blank", "text": "  \n "}, "line 1: the record has no 'text' or 'html' field with content"),
    ({"title": "Number", "text": 42}, "line 1: 'text' is a number, not a string"),
    (["a", "list"], "line 1 is an array, not an article object"),
    ("just a string", "line 1 is a string, not an article object"),
    ({"html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"},
     "line 1: no article text found in the page (from its 'html' field)"),
])
def test_bad_records_are_rejected_and_the_file_goes_on(write, settings, record, reason) -> None:
    good = {"title": "Good", "text": TEXT}
    path = write("mixed.jsonl", f"{json.dumps(record)}\n\n{json.dumps(good)}\n")
    bad, article = read_file(path, settings)
    assert bad == Rejected(str(path), reason, line=1)
    assert (article.title, article.locator) == ("Good", "line 3")


@pytest.mark.parametrize(("document", "reason"), [
    ('{"title": "no articles here"}',
     "the JSON object has neither article fields ('text' or 'html') nor an 'articles' list"),
    ("[1, 2]", None),
    ('"text"', "the JSON document is a string, not articles"),
])
def test_json_documents_that_are_not_articles(write, settings, document, reason) -> None:
    path = write("odd.json", document)
    items = list(read_file(path, settings))
    if reason is None:
        assert [r.reason for r in items] == ["record 1 is a number, not an article object",
                                              "record 2 is a number, not an article object"]
    else:
        assert items == [Rejected(str(path), reason)]


def test_non_string_metadata_is_ignored_with_a_note(write, settings) -> None:
    record = {"title": ["not", "a", "string"], "author": None, "text": TEXT}
    (article,) = read_file(write("a.jsonl", json.dumps(record)), settings)
    assert article.title is None and article.author is None
    assert "'title' ignored: it is an array, not a string" in article.notes


def test_escaped_mojibake_in_values_is_repaired(write, settings) -> None:
    # \u escapes hide mojibake from a repair of the raw file; values are repaired one by one
    record = {"title": "Kim\u00e2\u20ac\u2122s visit", "text": TEXT}
    (article,) = read_file(write("a.jsonl", json.dumps(record)), settings)
    assert article.title == "Kim’s visit"
    assert article.origins == (FieldOrigin("title", "Kim’s visit", "json", "Kim’s visit"),)


@pytest.mark.parametrize(("raw", "iso", "noted"), [
    ("2024-06-18", "2024-06-18", False),
    ("2024-06-18T10:00:00Z", "2024-06-18T10:00:00+00:00", False),
    ("2024-06-18T10:00:00+09:00", "2024-06-18T10:00:00+09:00", False),
    ("2024-06-18T10:00:00", "2024-06-18T10:00:00", False),       # no zone given: none invented
    ("Tue, 18 Jun 2024 22:29:00 +0300", "2024-06-18T22:29:00+03:00", False),
    ("June 18, 2024", "2024-06-18", False),
    ("18th June 2024", "2024-06-18", False),
    ("06/07/2024", None, True),                                  # day or month first?
    (1718700000, None, True),                                    # seconds or milliseconds?
    ("last Tuesday", None, True),
    ("2024-13-45", None, True),
    ("", None, False),
    (None, None, False),
])
def test_published_is_iso_8601_or_null(raw, iso, noted) -> None:
    value, note = normalise_published(raw)
    assert value == iso
    assert (note is not None) == noted


def test_published_evidence_keeps_the_raw_value(write, settings) -> None:
    record = {"title": "T", "published": "Tue, 18 Jun 2024 22:29:00 +0300", "text": TEXT}
    (article,) = read_file(write("a.jsonl", json.dumps(record)), settings)
    assert FieldOrigin("published", "2024-06-18T22:29:00+03:00", "json",
                       "Tue, 18 Jun 2024 22:29:00 +0300") in article.origins


def test_unreadable_published_is_left_empty_with_a_note(write, settings) -> None:
    record = {"title": "T", "published": "06/07/2024", "text": TEXT}
    (article,) = read_file(write("a.jsonl", json.dumps(record)), settings)
    assert article.published is None
    assert any("'06/07/2024'" in note for note in article.notes)
