"""The store contract: every test runs against SQLite and against a real PostgreSQL
server (the ``backend`` fixture), so both stores behave the same for the pipeline."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from storyline.errors import SchemaVersionError
from storyline.records import (
    Annotations,
    Article,
    DuplicateLink,
    Entity,
    FieldOrigin,
    Paragraph,
    PassageHash,
    Rejected,
    Removal,
    Sentence,
    SharedPassage,
    Signature,
)
from storyline.store.migrations import LATEST_VERSION, MIGRATIONS


def make_article(article_id: str, text: str, **fields) -> Article:
    return Article(id=article_id, source=fields.pop("source", f"/data/{article_id}.txt"),
                   locator=fields.pop("locator", ""), format="text", text=text,
                   paragraphs=(Paragraph(0, len(text)),), **fields)


def test_store_migrates_once_to_latest_version(backend):
    store = backend.open()
    assert store.schema_version == LATEST_VERSION
    store.close()
    again = backend.open()
    count = backend.execute(again, "SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
    assert (again.schema_version, count) == (LATEST_VERSION, len(MIGRATIONS))
    again.close()


def test_store_refuses_a_newer_schema(backend):
    store = backend.open()
    backend.execute(store, "INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    store.close()
    with pytest.raises(SchemaVersionError, match="newer than this Storyline"):
        backend.open()
    with pytest.raises(SchemaVersionError):
        backend.open(read_only=True)


def test_store_article_round_trip_keeps_every_field(backend):
    store = backend.open()
    article = make_article(
        "a1", "Kim Yo Jong denied it. «Цитата» here.", title="T <b>", outlet="TURAN",
        author="Admin", published="2024-06-17T22:29:00", language="en", source_id="rec-1",
        url="https://example.org/a?b=1",
        removed=(Removal("Leave a review", "engagement boilerplate", "engagement"),),
        origins=(FieldOrigin("outlet", "TURAN", "correspondent-phrase", "TURAN's ... reports"),))
    sig = Signature("a1", (1, 2, 3), (PassageHash("abc", 0, 10, "sentence"),), "scheme-x")
    with store.atomic():
        store.add_article(article, sig, b"\x01\x02\x00\xff")
        store.add_source(article, article.id)
    assert store.article("a1") == article
    assert store.article("missing") is None
    assert store.has_article("a1") and not store.has_article("a2")
    assert list(store.signatures()) == [
        ("a1", b"\x01\x02\x00\xff", "scheme-x", [PassageHash("abc", 0, 10, "sentence")])]
    assert store.sources_of("a1") == [{"source": "/data/a1.txt", "locator": "", "source_id": "rec-1",
                                       "outlet": "TURAN", "url": "https://example.org/a?b=1",
                                       "format": "text"}]


def test_store_articles_keep_ingest_order(backend):
    """Ingest order, not id order: the PostgreSQL store sorts a batch by id to take
    locks in a fixed order and must still number the articles as they were added."""
    store = backend.open()
    ids = ["m", "c", "x", "a", "k"]
    with store.atomic():
        for article_id in ids[:3]:
            store.add_article(make_article(article_id, f"text {article_id}"), None, None)
    with store.atomic():
        for article_id in ids[3:]:
            store.add_article(make_article(article_id, f"text {article_id}"), None, None)
    assert [a.id for a in store.articles()] == ids
    assert [a.id for a in store.articles(["k", "m", "x"])] == ["m", "x", "k"]
    assert store.count_articles() == 5


def test_store_atomic_rolls_back_the_whole_batch(backend):
    store = backend.open()
    with pytest.raises(RuntimeError):
        with store.atomic():
            store.add_article(make_article("a1", "first text"), None, None)
            with store.atomic():  # nested blocks join the outer transaction
                store.add_article(make_article("a2", "second text"), None, None)
            raise RuntimeError("killed half way")
    assert store.count_articles() == 0
    with store.atomic():
        store.add_article(make_article("a3", "third text"), None, None)
    assert [a.id for a in store.articles()] == ["a3"]


def test_store_reads_inside_atomic_see_the_batch(backend):
    """The pipeline asks has_article/source_article about articles of the same batch
    (an exact duplicate two files apart); other reads must see the batch too."""
    store = backend.open()
    article = make_article("a1", "same text", source="/a.txt")
    with store.atomic():
        store.add_article(article, None, None)
        store.add_source(article, "a1")
        assert store.has_article("a1")
        assert store.source_article("/a.txt", "") == "a1"
        assert store.count_articles() == 1
        store.add_article(make_article("a2", "other text"), None, None)
        assert [a.id for a in store.articles()] == ["a1", "a2"]
    assert store.count_articles() == 2


def test_store_writes_outside_atomic_are_committed(backend):
    store = backend.open()
    store.add_article(make_article("a1", "some text"), None, None)
    store.add_rejection(Rejected("/x.txt", "empty", stage="clean"))
    store.close()
    again = backend.open()
    assert again.count_articles() == 1 and len(again.rejections()) == 1


def test_store_links_and_rejections_are_idempotent(backend):
    store = backend.open()
    link = DuplicateLink("a2", "a1", 0.9123456789012345)
    shared = SharedPassage("a2", 0, 10, "a1", 5, 15, "sentence")
    for _ in range(2):
        with store.atomic():
            store.add_links([link], [shared])
            store.add_rejection(Rejected("/x/bad.jsonl", "malformed JSON", line=3))
            store.add_rejection(Rejected("/x/empty.txt", "empty", stage="clean"))
    assert store.near_duplicates() == [link]  # the float survives exactly
    assert store.shared_passages() == [shared]
    assert store.shared_passages("a1") == [shared] and store.shared_passages("zz") == []
    assert store.rejections() == [Rejected("/x/bad.jsonl", "malformed JSON", line=3),
                                  Rejected("/x/empty.txt", "empty", stage="clean")]


def test_store_exact_duplicate_sources_are_listed(backend):
    store = backend.open()
    first = make_article("a1", "same text", source="/a.txt")
    second = make_article("a1", "same text", source="/b.txt")
    with store.atomic():
        store.add_article(first, None, None)
        store.add_source(first, "a1")
        store.add_source(second, "a1")
    (aid, sources), = store.exact_duplicates()
    assert aid == "a1" and [s["source"] for s in sources] == ["/a.txt", "/b.txt"]
    assert store.source_article("/b.txt", "") == "a1"
    assert store.source_article("/c.txt", "") is None


def test_store_annotations_replace_and_unannotated(backend):
    store = backend.open()
    text = "Kim met Putin."
    with store.atomic():
        for article_id in ("a1", "a2"):
            store.add_article(make_article(article_id, text), None, None)
    first = Annotations("a1", "model 1", sentences=(Sentence("a1", 0, len(text), text, 0),))
    with store.atomic():
        store.put_annotations(first)
    assert store.unannotated() == ["a2"]
    assert store.unannotated("model 2") == ["a1", "a2"]
    second = Annotations("a1", "model 2", problems=("unbalanced quote",))
    with store.atomic():
        store.put_annotations(second)
        store.put_annotations(Annotations("a2", "model 2"))
    assert list(store.annotations()) == [second, Annotations("a2", "model 2")]
    assert list(store.annotations(["a2"])) == [Annotations("a2", "model 2")]
    assert store.unannotated("model 2") == []


def test_store_entity_texts_and_article_ids(backend):
    """What corpus-wide entity resolution reads without loading annotations back:
    each entity key with every surface text, replaced annotations counting as replaced,
    and the article ids in ingest order."""
    store = backend.open()
    with store.atomic():
        for article_id in ("b2", "a1", "c3"):
            store.add_article(make_article(article_id, "The DIA and Kim met."), None, None)
    def entity(article_id, key, text, kind="org"):
        return Entity(key, article_id, 0, len(text), text, kind, text)
    with store.atomic():
        store.put_annotations(Annotations("b2", "m", entities=(entity("b2", "org:dia", "DIA"),)))
        store.put_annotations(Annotations("a1", "m", entities=(
            entity("a1", "org:dia", "D.I.A."), entity("a1", "person:kim", "Kim", "person"))))
        store.put_annotations(Annotations("c3", "m", entities=(entity("c3", "org:dia", "Dia"),)))
    with store.atomic():  # re-annotated: its old texts are gone
        store.put_annotations(Annotations("c3", "m2", entities=(entity("c3", "place:kyiv", "Kyiv", "place"),)))
    assert store.entity_texts() == {"org:dia": {"DIA", "D.I.A."}, "person:kim": {"Kim"},
                                    "place:kyiv": {"Kyiv"}}
    assert store.article_ids() == ["b2", "a1", "c3"]


def test_store_story_state_round_trip(backend):
    store = backend.open()
    assert store.story_state() is None
    for state in (b"\x00first", b"second\xff"):
        with store.atomic():
            store.put_story_state(state, 3)
    assert store.story_state() == b"second\xff"


def test_store_story_state_in_parts(backend, monkeypatch):
    """A state bigger than one part (a big corpus's, past the databases' 1 GB value
    limit) comes back whole; a smaller one after it does not pick up stale parts; a
    state kept whole by an older version (parts = 0) still reads."""
    from storyline.store import migrations

    monkeypatch.setattr(migrations, "STATE_PART_BYTES", 7)
    store = backend.open()
    big = bytes(range(256)) * 3
    with store.atomic():
        store.put_story_state(big, 10)
    assert store.story_state() == big
    store.put_story_state(b"small state", 11)  # outside atomic: its own transaction
    assert store.story_state() == b"small state"
    store.put_story_state(b"", 0)
    assert store.story_state() == b""
    store.put_story_state(b"legacy", 1)
    backend.execute(store, "UPDATE story_state SET parts = 0, "
                           "state = (SELECT data FROM story_state_parts WHERE part = 0)")
    backend.execute(store, "DELETE FROM story_state_parts")
    assert store.story_state() == b"legacy"


@pytest.mark.parametrize("query", ['"unbalanced', "arms-deals", "OR AND NOT", "*", "(", "Кремль",
                                   "-", "a:b & !c", "'", "deal* OR"])
def test_store_search_never_raises_on_user_syntax(backend, query):
    store = backend.open()
    with store.atomic():
        store.add_article(make_article("a1", "North Korea denied arms deals. Кремль молчит."), None, None)
    assert isinstance(store.search(query), list)


def test_store_search_ranks_and_snippets(backend):
    store = backend.open()
    with store.atomic():
        store.add_article(make_article("a1", "North Korea denied arms deals with Russia."), None, None)
        store.add_article(make_article("a2", "The weather in Kharkiv."), None, None)
        store.add_article(make_article("a3", "Arms, arms, arms: deals on arms deals and arms deals."),
                          None, None)
    hits = store.search("arms deals")
    assert {h["id"] for h in hits} == {"a1", "a3"}
    assert set(hits[0]) == {"id", "source_id", "outlet", "title", "published", "snippet", "score"}
    assert hits[0]["score"] <= hits[1]["score"]  # lower is better in both stores
    assert "[arms]" in next(h for h in hits if h["id"] == "a1")["snippet"]
    assert store.search("arms deals", limit=1) == hits[:1]
    assert [h["id"] for h in store.search("kharkiv")] == ["a2"]
    assert store.search("nothing-like-this") == []


def test_store_search_prefix_and_non_latin_case(backend):
    store = backend.open()
    with store.atomic():
        store.add_article(make_article("a1", "Кремль молчит о сделке."), None, None)
        store.add_article(make_article("a2", "Pyongyang hosted the summit."), None, None)
    assert [h["id"] for h in store.search("кремль")] == ["a1"]
    assert [h["id"] for h in store.search("КРЕМЛЬ")] == ["a1"]
    assert [h["id"] for h in store.search("Pyong*")] == ["a2"]
    assert [h["id"] for h in store.search("summit Pyong*")] == ["a2"]


def test_store_read_only_connection_cannot_write(backend):
    backend.open().close()
    reader = backend.open(read_only=True)
    assert reader.schema_version == LATEST_VERSION
    with pytest.raises(backend.write_error):
        backend.execute(reader, "INSERT INTO rejections VALUES ('a', 1, 'x', 'y', 'z')")


@hsettings(max_examples=30, deadline=None,
           # One store serves every example (a fresh PostgreSQL database per example would
           # take seconds); each example writes its own article id.
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_characters="\x00"), min_size=1, max_size=300),
       title=st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters="\x00"),
                                          max_size=60)))
def test_store_round_trip_any_text(backend, text, title):
    store = backend.open()
    article = make_article(uuid.uuid4().hex, text, title=title)
    with store.atomic():
        store.add_article(article, None, None)
    assert store.article(article.id) == article
    store.close()
