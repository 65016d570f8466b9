"""storyline.ingest.feeds: RSS 2.0 and Atom entries -> articles."""

from __future__ import annotations

from storyline.ingest import read_file
from storyline.records import FieldOrigin, RawArticle, Rejected


def test_rss_entries_prefer_full_content_and_strip_html(data_dir, settings) -> None:
    path = data_dir / "headlines.rss"
    full, summary_only, empty = read_file(path, settings)

    assert isinstance(full, RawArticle)
    assert (full.format, full.locator, full.source_id) == ("feed", "entry 1", "ledger-48213")
    assert full.title == "Putin and Kim sign mutual defence pact in Pyongyang"
    assert full.url == "https://www.northernledger.example/world/2024/06/19/putin-kim-defence-pact"
    assert (full.outlet, full.author, full.language) == ("The Northern Ledger – World", "Maria Jensen", "en")
    assert full.published == "2024-06-19T14:05:00+01:00"
    lines = full.text.split("\n")
    assert len(lines) == 3 and "<p>" not in full.text
    assert lines[1] == ("The pact was signed during Mr Putin's first visit to Pyongyang in 24 years. "
                        "Mr Kim described it as an “alliance”.")
    assert "pledged to help each other" not in full.text  # the summary is not used
    assert FieldOrigin("published", "2024-06-19T14:05:00+01:00", "feed",
                       "Wed, 19 Jun 2024 14:05:00 +0100") in full.origins
    assert FieldOrigin("outlet", "The Northern Ledger – World", "feed",
                       "The Northern Ledger – World") in full.origins

    assert summary_only.text == ("Vladimir Putin landed in Pyongyang early on Wednesday local time, "
                                 "where he was greeted at the airport by Kim Jong Un.")
    assert summary_only.author is None

    assert empty == Rejected(str(path), "entry 3: the entry has no content or summary")


def test_atom_entries_html_and_text_content(data_dir, settings) -> None:
    html_entry, text_entry = read_file(data_dir / "world.atom", settings)
    assert html_entry.title == "What the Russia–North Korea treaty says"
    assert html_entry.source_id == "tag:harbourpost.example,2024:asia/7731"
    assert html_entry.url == "https://harbourpost.example/asia/2024/06/20/treaty-explained"
    assert (html_entry.outlet, html_entry.author) == ("Harbour Post: Asia", "Min-jun Park")
    assert html_entry.published == "2024-06-20T07:30:00+09:00"  # published, not updated
    assert html_entry.text.split("\n")[0].startswith("The treaty signed in Pyongyang on Wednesday")
    assert "A short guide" not in html_entry.text

    assert text_entry.published == "2024-06-21T10:00:00+09:00"  # only <updated> was given
    assert text_entry.text.split("\n") == [
        "South Korea's foreign ministry summoned the Russian ambassador on Friday to protest against the treaty.",
        "The vice foreign minister urged Moscow to stop military cooperation with Pyongyang.",
    ]


def test_xml_that_is_not_a_feed_is_rejected(data_dir, settings) -> None:
    path = data_dir / "not-a-feed.xml"
    assert list(read_file(path, settings)) == [
        Rejected(str(path), "not an RSS/Atom feed: no <rss>, <feed> or <rdf:RDF> element found")]


def test_text_named_like_a_feed_is_rejected(write, settings) -> None:
    path = write("notes.rss", "Putin arrives in Pyongyang.\nThis is a note, not a feed.\n")
    (rejected,) = read_file(path, settings)
    assert rejected.reason.startswith("not an RSS/Atom feed: ")


def test_feed_without_entries(write, settings) -> None:
    path = write("quiet.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
                              "<link>https://quiet.example/</link></channel></rss>")
    assert list(read_file(path, settings)) == [Rejected(str(path), "the feed has no entries")]
