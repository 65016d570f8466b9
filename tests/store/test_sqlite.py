"""The embedded store: schema, idempotent writes, atomic batches, search, round-trips."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from storyline.errors import SchemaVersionError
from storyline.records import (
    Article,
    DuplicateLink,
    FieldOrigin,
    Paragraph,
    PassageHash,
    Rejected,
    Removal,
    SharedPassage,
    Signature,
)
from storyline.store import open_store
from storyline.store.migrations import LATEST_VERSION


def make_article(article_id: str, text: str, **fields) -> Article:
    return Article(id=article_id, source=fields.pop("source", f"/data/{article_id}.txt"),
                   locator=fields.pop("locator", ""), format="text", text=text,
                   paragraphs=(Paragraph(0, len(text)),), **fields)


def test_store_migrates_to_latest_version_with_wal(tmp_path):
    store = open_store(tmp_path / "s.db")
    assert store.schema_version == LATEST_VERSION
    mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()
    # Re-opening does not re-apply migrations.
    again = open_store(tmp_path / "s.db")
    count = again._conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
    assert count == LATEST_VERSION


def test_store_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "future.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match="newer than this Storyline"):
        open_store(path)


def test_store_migrates_a_version_3_story_state_and_reads_it(tmp_path):
    """A database written before the story state went into parts (version 3, the
    state whole in one row): a read-only open says to migrate instead of failing on a
    missing column; a writing open migrates and the old state reads back unchanged."""
    from storyline.store.migrations import MIGRATIONS
    from storyline.store.sqlite import _split_sql

    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at TEXT NOT NULL)")
    for migration in MIGRATIONS[:3]:
        for statement in _split_sql(migration.sqlite):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (migration.version, migration.name))
    conn.execute("INSERT INTO story_state VALUES (1, ?, 7, 'then')", (b"old compressed state",))
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match="older than this Storyline's.*open it once for writing"):
        open_store(path, read_only=True)
    store = open_store(path)
    assert store.schema_version == LATEST_VERSION
    assert store.story_state() == b"old compressed state"
    store.put_story_state(b"new state", 8)
    store.close()
    assert open_store(path, read_only=True).story_state() == b"new state"


def test_store_article_round_trip_keeps_every_field(tmp_path):
    store = open_store(tmp_path / "s.db")
    article = make_article(
        "a1", "Kim Yo Jong denied it. «Цитата» here.", title="T <b>", outlet="TURAN",
        author="Admin", published="2024-06-17T22:29:00", language="en", source_id="rec-1",
        removed=(Removal("Leave a review", "engagement boilerplate", "engagement"),),
        origins=(FieldOrigin("outlet", "TURAN", "correspondent-phrase", "TURAN's ... reports"),))
    sig = Signature("a1", (1, 2, 3), (PassageHash("abc", 0, 10, "sentence"),), "scheme-x")
    with store.atomic():
        store.add_article(article, sig, b"\x01\x02")
        store.add_source(article, article.id)
    assert store.article("a1") == article
    (aid, blob, scheme, passages), = list(store.signatures())
    assert (aid, blob, scheme, passages) == (
        "a1", b"\x01\x02", "scheme-x", [PassageHash("abc", 0, 10, "sentence")])


def test_store_atomic_rolls_back_the_whole_batch(tmp_path):
    store = open_store(tmp_path / "s.db")
    with pytest.raises(RuntimeError):
        with store.atomic():
            store.add_article(make_article("a1", "first text"), None, None)
            raise RuntimeError("killed half way")
    assert store.count_articles() == 0


def test_store_links_and_rejections_are_idempotent(tmp_path):
    store = open_store(tmp_path / "s.db")
    link = DuplicateLink("a2", "a1", 0.91)
    shared = SharedPassage("a2", 0, 10, "a1", 5, 15, "sentence")
    for _ in range(2):
        with store.atomic():
            store.add_links([link], [shared])
            store.add_rejection(Rejected("/x/bad.jsonl", "malformed JSON", line=3))
    assert store.near_duplicates() == [link]
    assert store.shared_passages() == [shared]
    assert store.rejections() == [Rejected("/x/bad.jsonl", "malformed JSON", line=3)]


def test_store_exact_duplicate_sources_are_listed(tmp_path):
    store = open_store(tmp_path / "s.db")
    first = make_article("a1", "same text", source="/a.txt")
    second = make_article("a1", "same text", source="/b.txt")
    with store.atomic():
        store.add_article(first, None, None)
        store.add_source(first, "a1")
        store.add_source(second, "a1")
    (aid, sources), = store.exact_duplicates()
    assert aid == "a1" and [s["source"] for s in sources] == ["/a.txt", "/b.txt"]
    assert store.source_article("/b.txt", "") == "a1"


@pytest.mark.parametrize("query", ['"unbalanced', "arms-deals", "OR AND NOT", "*", "(", "Кремль"])
def test_store_search_never_raises_on_user_syntax(tmp_path, query):
    store = open_store(tmp_path / "s.db")
    with store.atomic():
        store.add_article(make_article("a1", "North Korea denied arms deals. Кремль молчит."), None, None)
    assert isinstance(store.search(query), list)


def test_store_search_ranks_and_snippets(tmp_path):
    store = open_store(tmp_path / "s.db")
    with store.atomic():
        store.add_article(make_article("a1", "North Korea denied arms deals with Russia."), None, None)
        store.add_article(make_article("a2", "The weather in Kharkiv."), None, None)
    hits = store.search("arms deals")
    assert [h["id"] for h in hits] == ["a1"]
    assert "[arms]" in hits[0]["snippet"]


def test_store_read_only_connection_cannot_write(tmp_path):
    path = tmp_path / "s.db"
    open_store(path).close()
    reader = open_store(path, read_only=True)
    with pytest.raises(sqlite3.OperationalError):
        reader._conn.execute("INSERT INTO rejections VALUES ('a', 1, 'x', 'y', 'z')")


@hsettings(max_examples=40, deadline=None)
@given(text=st.text(min_size=1, max_size=300), title=st.one_of(st.none(), st.text(max_size=60)))
def test_store_round_trip_any_text(text, title):
    store = open_store(":memory:")
    article = make_article("x", text, title=title)
    with store.atomic():
        store.add_article(article, None, None)
    assert store.article("x") == article
