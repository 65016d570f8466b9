"""Names, aliases, per-article entities and the corpus-wide resolver."""

from __future__ import annotations

import pytest

from storyline.annotate import annotate
from storyline.annotate.entities import EntityResolver, initials, load_aliases, normalise_name
from storyline.records import Annotations, Article, Entity


@pytest.mark.parametrize("a, b", [
    ("Kim Jong-un", "Kim Jong Un"),
    ("the State Department's", "State Department"),
    ("U.S.", "US"),
    ("North Korea’s", "North Korea"),
])
def test_normalise_name_equates_spelling_variants(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_kim_yo_jong_is_not_kim_jong_un():
    assert normalise_name("Kim Yo Jong") != normalise_name("Kim Jong Un")


@pytest.mark.parametrize("alias", ["DPRK", "Democratic People’s Republic of Korea", "North Korea"])
def test_alias_table_maps_north_korea(alias):
    entry = load_aliases().lookup(alias)
    assert entry is not None and (entry.name, entry.kind) == ("North Korea", "place")


def test_initials():
    assert initials("Defense Intelligence Agency") == "dia"


def entity(article_id, key, name, aliases=()):
    return Entity(key, article_id, 0, len(name), name, key.split(":")[0], name,
                  tuple(aliases) or (name,), 1)


def ann(article_id, *entities):
    return Annotations(article_id, "test", entities=entities)


def test_resolver_merges_surname_only_article_with_unique_full_name():
    resolver = EntityResolver().fit([
        ann("a", entity("a", "person:michael-carpenter", "Michael Carpenter")),
        ann("b", entity("b", "person:carpenter", "Carpenter")),
    ])
    assert resolver.resolve("person:carpenter") == "person:michael-carpenter"
    [person] = resolver.corpus_entities()
    assert person.name == "Michael Carpenter" and person.members == (
        "a/person:michael-carpenter", "b/person:carpenter")


def test_resolver_keeps_ambiguous_single_names_apart():
    resolver = EntityResolver().fit([
        ann("a", entity("a", "person:kim-jong-un", "Kim Jong Un"),
            entity("a", "person:kim-yo-jong", "Kim Yo Jong")),
        ann("b", entity("b", "person:kim", "Kim")),
    ])
    assert resolver.resolve("person:kim") == "person:kim"
    assert resolver.resolve("person:kim-yo-jong") != resolver.resolve("person:kim-jong-un")


def test_resolver_middle_initials_and_acronyms_and_refit():
    data = [ann("a", entity("a", "person:john-kirby", "John Kirby"),
                entity("a", "org:defense-intelligence-agency", "Defense Intelligence Agency")),
            ann("b", entity("b", "person:john-f-kirby", "John F. Kirby"),
                entity("b", "org:dia", "DIA"))]
    resolver = EntityResolver().fit(data)
    assert resolver.resolve("person:john-f-kirby") == "person:john-kirby"
    assert resolver.resolve("org:dia") == "org:defense-intelligence-agency"
    assert EntityResolver().fit(data[:1]).resolve("org:dia") == "org:dia"
    assert resolver.fit(data[:1]).resolve("person:john-f-kirby") == "person:john-f-kirby"


def test_per_article_acronym_and_metonymy(nlp, rules):
    text = ("The Defense Intelligence Agency published a report. The DIA said Pyongyang "
            "has been providing missiles to Moscow. Putin will travel to Pyongyang.")
    a = annotate(Article(id="x", source="t", locator="", format="txt", text=text), nlp, rules)
    ids = {m.text: m.entity_id for m in a.mentions if m.text in ("DIA", "Defense Intelligence Agency")}
    assert set(ids.values()) == {"org:defense-intelligence-agency"}
    senses = [(m.sense, m.entity_id) for m in a.mentions if m.text == "Pyongyang"]
    assert senses == [("government", "place:north-korea"), ("place", "place:pyongyang")]
