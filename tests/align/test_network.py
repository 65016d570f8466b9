"""Actor network: the sample's edges, and single parsed sentences for the rules."""

from __future__ import annotations

import pytest

from storyline.align.network import build_network, sentence_edges

RUSSIA_SIDE = {"Russia", "Vladimir Putin", "Kremlin"}
NORTH_KOREA_SIDE = {"North Korea", "Kim Jong Un"}

# ----------------------------------------------------------------------------- sample


def test_network_russia_and_north_korea_signed_a_treaty(network):
    signed = [e for e in network if e.relation.startswith("sign") and
              ("treaty" in e.relation or "agreement" in e.relation)]
    assert any({e.source, e.target} & RUSSIA_SIDE and {e.source, e.target} & NORTH_KOREA_SIDE
               and not e.negated for e in signed), signed


def test_network_china_sends_dual_use_goods_but_no_weapons(network, by_prefix):
    dual_use = [e for e in network if e.source == "China" and e.target == "Russia"
                and "dual-use product" in e.relation and not e.negated]
    assert dual_use
    weapons = [e for e in network if e.source == "China" and e.target == "Russia"
               and "weapon" in e.relation and e.negated]
    assert len(weapons) == 1
    # TURAN's transcript and both translations say it: one edge, three citations.
    assert {c.article_id for c in weapons[0].citations} == {by_prefix[p].id for p in ("000", "001", "002")}


def test_network_north_korea_denies_arms_deals(network):
    denied = [e for e in network if e.source == "North Korea" and e.target == "Russia" and e.negated]
    relations = {e.relation for e in denied}
    assert "supply weapon to" in relations          # "has repeatedly denied ... that it supplies"
    assert any("arms deal" in r for r in relations)  # "has never had any arms deals"
    kim = [e for e in network if e.source == "Kim Yo Jong" and e.relation.startswith("deny")]
    assert kim and kim[0].target == "Russia" and not kim[0].negated


def test_network_uses_canonical_names(network, resolver):
    names = {c.name for c in resolver.corpus_entities()}
    assert all(e.source in names and e.target in names and e.source != e.target for e in network)


def test_network_citations_are_sentences_and_text_is_the_first(network, sample):
    texts = {a.id: a.text for a in sample[0]}
    sentences = {(s.article_id, s.start, s.end) for ann in sample[1].values() for s in ann.sentences}
    for edge in network:
        first = edge.citations[0]
        assert texts[first.article_id][first.start:first.end] == edge.text
        assert all((c.article_id, c.start, c.end) in sentences for c in edge.citations)
        assert len(set(edge.citations)) == len(edge.citations)


def test_network_sorted_by_citations(network):
    counts = [len(e.citations) for e in network]
    assert counts == sorted(counts, reverse=True)


def test_network_reporting_verbs_make_no_edges(network):
    assert not any(e.relation.split()[0] in ("say", "tell", "add", "note") for e in network)


# ----------------------------------------------------------------------------- one sentence


def _edges(nlp, sentence, entities):
    doc = nlp(sentence)
    entity_of = {}
    for name, entity in entities.items():
        start = sentence.index(name)
        for token in doc.char_span(start, start + len(name), alignment_mode="expand"):
            entity_of[token.i] = entity
    return {(e.source, e.relation, e.target, e.negated) for e in sentence_edges(doc, entity_of)}


def test_sentence_edges_conjoined_subjects_and_object(nlp):
    edges = _edges(nlp, "Russia and Belarus sent troops to Ukraine.",
                   {"Russia": "RU", "Belarus": "BY", "Ukraine": "UA"})
    assert edges == {("RU", "send troop to", "UA", False), ("BY", "send troop to", "UA", False)}


def test_sentence_edges_conjoined_subjects_acting_together(nlp):
    edges = _edges(nlp, "Russia and North Korea signed a partnership treaty in Pyongyang.",
                   {"Russia": "RU", "North Korea": "KP", "Pyongyang": "PY"})
    assert ("KP", "sign partnership treaty with", "RU", False) in edges


def test_sentence_edges_passive_voice(nlp):
    edges = _edges(nlp, "The convoy of Ukraine was attacked by Russia near the border.",
                   {"Ukraine": "UA", "Russia": "RU"})
    assert edges == set()  # the target is the convoy, not Ukraine
    edges = _edges(nlp, "Ukraine was attacked by Russia in 2022.", {"Ukraine": "UA", "Russia": "RU"})
    assert edges == {("RU", "attack", "UA", False)}


@pytest.mark.parametrize("sentence", [
    "China does not supply weapons to Russia.",
    "China has never supplied weapons to Russia.",
    "China denied that it supplies weapons to Russia.",
])
def test_sentence_edges_negation_and_denial(nlp, sentence):
    edges = _edges(nlp, sentence, {"China": "CN", "Russia": "RU"})
    assert ("CN", "supply weapon to", "RU", True) in edges


def test_sentence_edges_denier_is_attributed(nlp):
    edges = _edges(nlp, "Kim Yo Jong denied that North Korea sold missiles to Russia.",
                   {"Kim Yo Jong": "KYJ", "North Korea": "KP", "Russia": "RU"})
    assert ("KP", "sell missile to", "RU", True) in edges
    assert ("KYJ", "deny sell missile to", "RU", False) in edges


def test_sentence_edges_transfer_with_and_shared_recipient(nlp):
    edges = _edges(nlp, "China is not providing Russia with weapons, but it is sending dual-use products.",
                   {"China": "CN", "Russia": "RU"})
    assert ("CN", "provide weapon to", "RU", True) in edges
    assert ("CN", "send dual-use product to", "RU", False) in edges


def test_sentence_edges_reporting_verb_is_not_an_action(nlp):
    assert _edges(nlp, "Ilyichev told RIA Novosti that the sanctions work.",
                  {"Ilyichev": "PI", "RIA Novosti": "RIA"}) == set()
