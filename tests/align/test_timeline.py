"""Timeline: the sample's dated and undated statements, and hand-made stories for the rules."""

from __future__ import annotations

import datetime as dt

import pytest

from storyline.align.timeline import bounds, build_timeline, yearless_days
from storyline.records import Annotations, Article, Mention, Sentence, TimeRef

# ----------------------------------------------------------------------------- sample


def _visit(dated):
    found = [e for e in dated if e.date and "2024-06-18" in e.date and "2024-06-19" in e.date]
    assert len(found) == 1, [e.date for e in dated]
    return found[0]


def test_timeline_has_the_june_18_19_visit_citing_three_articles(timeline, by_prefix):
    dated, _ = timeline
    visit = _visit(dated)
    assert visit.date == "2024-06-18/2024-06-19" and visit.granularity == "interval"
    assert "Pyongyang" in visit.text and "June 18" in visit.when and "June 19" in visit.when
    cited = {c.article_id for c in visit.citations}
    # OREANDA dates it; Ukrinform ("Since the evening of June 18") and the third outlet
    # ("On 18-19 June") give no year but state the same visit on those days.
    assert cited == {by_prefix[p].id for p in ("004", "001", "002")}
    assert visit.citations[0].article_id == by_prefix["004"].id
    assert "gives no year" in visit.note


def test_timeline_dated_in_calendar_order_keeping_granularity(timeline):
    dated, _ = timeline
    starts = [bounds(e.date)[0] for e in dated]
    assert starts == sorted(starts)
    by_date = {e.date: e.granularity for e in dated}
    assert by_date["2023"] == "year" and by_date["2022-02"] == "month"


def test_timeline_undated_are_listed_apart_with_a_reason(timeline, by_prefix):
    dated, undated = timeline
    assert undated and all(e.date is None and e.note for e in undated)
    wednesday = [e for e in undated if e.when == "Wednesday"]
    assert {c.article_id for e in wednesday for c in e.citations} == {by_prefix["000"].id, by_prefix["003"].id}
    assert all(len(e.citations) == 1 for e in undated)  # two Wednesdays may be two days
    in_dated = {c for e in dated for c in e.citations}
    assert not any(c in in_dated for e in undated for c in e.citations)


def test_timeline_leaves_out_lengths_of_time(timeline):
    dated, undated = timeline
    assert not any("24 years" in e.when for e in dated + undated)


def test_timeline_every_text_is_its_first_citation(timeline, sample):
    texts = {a.id: a.text for a in sample[0]}
    sentences = {(s.article_id, s.start, s.end) for ann in sample[1].values() for s in ann.sentences}
    for entry in timeline[0] + timeline[1]:
        first = entry.citations[0]
        assert texts[first.article_id][first.start:first.end] == entry.text
        assert all((c.article_id, c.start, c.end) in sentences for c in entry.citations)


# ----------------------------------------------------------------------------- hand-made


def _story(*articles_spec):
    """Articles from (id, published, [(sentence, [(time words, value, granularity)],
    [entity ids])]); one sentence per line."""
    articles, anns = [], {}
    for aid, published, sentences in articles_spec:
        text = "\n".join(s for s, _, _ in sentences)
        article = Article(id=aid, source=f"{aid}.txt", locator="", format="txt", text=text,
                          source_id=aid, outlet=f"Outlet {aid}", published=published)
        sents, refs, mentions, pos = [], [], [], 0
        for i, (sentence, times, entities) in enumerate(sentences):
            sents.append(Sentence(aid, pos, pos + len(sentence), sentence, i, i))
            for words, value, granularity in times:
                start = pos + sentence.index(words)
                refs.append(TimeRef(aid, start, start + len(words), words, value, granularity,
                                    "text" if value else "none",
                                    note="" if value else f"no publication date to resolve {words!r} against"))
            for entity in entities:
                mentions.append(Mention(aid, pos, pos + 1, sentence[0], "PERSON", "person", entity))
            pos += len(sentence) + 1
        articles.append(article)
        anns[aid] = Annotations(aid, "test", sentences=tuple(sents), mentions=tuple(mentions),
                                timerefs=tuple(refs))
    return articles, anns


SUMMIT = "The two presidents met in Geneva on 16 June 2021 for their first summit."
SUMMIT_AGAIN = "On June 16, 2021 the presidents held their first summit meeting in Geneva."
OTHER = "Stock markets in Tokyo fell sharply on 16 June 2021 after weak export data."


def test_build_timeline_merges_the_same_event_on_the_same_day():
    articles, anns = _story(
        ("a", None, [(SUMMIT, [("16 June 2021", "2021-06-16", "day")], ["person:biden"])]),
        ("b", None, [(SUMMIT_AGAIN, [("June 16, 2021", "2021-06-16", "day")], ["person:biden"]),
                     (OTHER, [("16 June 2021", "2021-06-16", "day")], ["org:nikkei"])]))
    dated, undated = build_timeline(articles, anns)
    assert undated == []
    assert [(e.date, [c.article_id for c in e.citations]) for e in dated] == [
        ("2021-06-16", ["a", "b"]), ("2021-06-16", ["b"])]
    assert dated[1].text == OTHER


def test_build_timeline_orders_by_start_and_keeps_granularity():
    articles, anns = _story(("a", None, [
        ("Sales rose in 2020 across the region.", [("2020", "2020", "year")], []),
        ("The plant opened on 3 March 2019 near the river.", [("3 March 2019", "2019-03-03", "day")], []),
        ("Prices jumped in February 2020 after the storm.", [("February 2020", "2020-02", "month")], []),
        ("The strike lasted from 2 to 4 January 2020 in the port.", [("2 to 4 January 2020",
                                                                       "2020-01-02/2020-01-04", "interval")], []),
    ]))
    dated, _ = build_timeline(articles, anns)
    assert [(e.date, e.granularity) for e in dated] == [
        ("2019-03-03", "day"), ("2020", "year"), ("2020-01-02/2020-01-04", "interval"), ("2020-02", "month")]


def test_build_timeline_never_dates_what_has_no_date():
    articles, anns = _story(
        ("a", None, [("The minister resigned on Wednesday after the vote.", [("Wednesday", None, "unknown")],
                      ["person:minister"])]),
        ("b", None, [("The minister resigned on Wednesday, officials said.", [("Wednesday", None, "unknown")],
                      ["person:minister"])]))
    dated, undated = build_timeline(articles, anns)
    assert dated == []
    assert [e.citations[0].article_id for e in undated] == ["a", "b"]
    assert all(e.date is None and "no publication date" in e.note for e in undated)


def test_build_timeline_yearless_day_joins_only_the_same_days():
    dated_sentence = "The two presidents met in Geneva on 16 June 2021 for their first summit."
    articles, anns = _story(
        ("a", "2021-06-17", [(dated_sentence, [("16 June 2021", "2021-06-16", "day")], ["person:biden"])]),
        ("b", None, [("On 16 June the presidents held their first summit in Geneva.",
                      [("16 June", None, "unknown")], ["person:biden"])]),
        ("c", None, [("On 18 June the presidents held their first summit in Geneva.",
                      [("18 June", None, "unknown")], ["person:biden"])]))
    dated, undated = build_timeline(articles, anns)
    assert [c.article_id for c in dated[0].citations] == ["a", "b"]
    assert "'16 June' in article b gives no year" in dated[0].note
    assert [e.citations[0].article_id for e in undated] == ["c"]


@pytest.mark.parametrize("text, expected", [
    ("18-19 June", [(6, 18), (6, 19)]),
    ("June 18", [(6, 18)]),
    ("Wednesday", []),
    ("September", []),
    ("June 18, 2024", []),   # has a year: the language layer resolves it
])
def test_yearless_days(text, expected):
    assert yearless_days(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("2024-06-18", (dt.date(2024, 6, 18), dt.date(2024, 6, 18))),
    ("2024-02", (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
    ("2023", (dt.date(2023, 1, 1), dt.date(2023, 12, 31))),
    ("2024-06-18/2024-06-19", (dt.date(2024, 6, 18), dt.date(2024, 6, 19))),
    ("P24Y", None),
])
def test_bounds(value, expected):
    assert bounds(value) == expected


def test_build_timeline_containing_date_leads_the_entry():
    day = "Putin arrived in Pyongyang on 18 June 2024 for a state visit."
    both = "Putin paid a state visit to Pyongyang on 18-19 June 2024."
    articles, anns = _story(
        ("a", None, [(day, [("18 June 2024", "2024-06-18", "day")], ["person:putin"])]),
        ("b", None, [(both, [("18-19 June 2024", "2024-06-18/2024-06-19", "interval")], ["person:putin"])]))
    (entry,), _ = build_timeline(articles, anns)
    assert (entry.date, entry.when, entry.text) == ("2024-06-18/2024-06-19", "18-19 June 2024", both)
    assert [c.article_id for c in entry.citations] == ["b", "a"]
