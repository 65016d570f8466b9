"""The article highlighter and the story filters (pure functions, records built by hand)."""

from __future__ import annotations

import datetime as dt

import pytest

from storyline.records import Article, Paragraph, Story, StoryArticle
from storyline.web.views import Mark, article_paragraphs, filter_stories, highlight, safe_link, snippet_html


def test_highlight_escapes_every_segment_and_nests_overlaps():
    text = 'Kim said "<b>no</b> deal" on Monday & left.'
    quote = (text.index("<b>"), text.index('"', text.index("<b>")))
    inner = (text.index("no</b>"), text.index("no</b>") + 2)
    monday = (text.index("Monday"), text.index("Monday") + 6)
    marks = [Mark(0, 3, "ent ent-person", "person: Kim Jong Un"), Mark(*quote, "qt", 'quote — "Kim"'),
             Mark(*inner, "ent ent-other", "other: <no>"), Mark(*monday, "date", "date: 2024-06-17")]
    html = str(highlight(text, marks))
    assert "<b>" not in html and "</b>" not in html
    assert html.startswith('<span class="ent ent-person" title="person: Kim Jong Un">Kim</span> said &#34;')
    assert '<span class="qt" title="quote — &#34;Kim&#34;">&lt;b&gt;</span>' in html
    # The entity inside the quote carries both classes and both labels.
    assert '<span class="ent ent-other qt" title="quote — &#34;Kim&#34; · other: &lt;no&gt;">no</span>' in html
    assert '<span class="qt" title="quote — &#34;Kim&#34;">&lt;/b&gt; deal</span>&#34;' in html
    assert html.endswith('<span class="date" title="date: 2024-06-17">Monday</span> &amp; left.')


def test_highlight_gives_the_cited_span_an_anchor_once():
    text = "One two three four five."
    html = str(highlight(text, [Mark(4, 18, "cited", "cited passage"), Mark(8, 13, "qt", "q")]))
    assert html.count('id="cited"') == 1
    assert html.startswith('One <span id="cited" class="cited" title="cited passage">two </span>')


@pytest.mark.parametrize("text", ["", "plain", "<script>alert(1)</script>", "a\nb & c"])
def test_highlight_without_marks_is_the_escaped_text(text: str):
    from markupsafe import escape

    assert str(highlight(text, [])) == str(escape(text))


def test_paragraphs_cut_marks_at_paragraph_breaks():
    text = "First paragraph here.\nSecond one."
    article = Article(id="a", source="s", locator="", format="txt", text=text,
                      paragraphs=(Paragraph(0, 21), Paragraph(22, 33)))
    first, second = (str(p) for p in article_paragraphs(article, [Mark(6, 28, "qt", "q")]))
    assert first == 'First <span class="qt" title="q">paragraph here.</span>'
    assert second == '<span class="qt" title="q">Second</span> one.'


@pytest.mark.parametrize(("url", "link"), [("https://a.example/x", "https://a.example/x"),
                                           (" HTTP://a.example", "HTTP://a.example"),
                                           ("javascript:alert(1)", None), ("data:text/html,x", None),
                                           ("//evil.example", None), (None, None)])
def test_only_http_urls_become_links(url, link):
    assert safe_link(url) == link


def _story(sid: str, first: str | None, last: str | None, outlets: tuple[str, ...], title: str = "t") -> Story:
    return Story(id=sid, title=title, description="d", articles=(StoryArticle(id=f"{sid}-a", title="x"),),
                 events=(), first_seen=first, last_seen=last, outlets=outlets)


def test_filter_stories_by_overlap_outlet_and_words():
    stories = [_story("s1", "2024-06-10", "2024-06-20", ("TASS",), "Summit in Pyongyang"),
               _story("s2", "2024-07-01", "2024-07-02", ("BBC",)), _story("s3", None, None, ())]
    day = dt.date.fromisoformat
    assert [s.id for s in filter_stories(stories, date_from=day("2024-06-20"))] == ["s1", "s2"]
    assert [s.id for s in filter_stories(stories, date_to=day("2024-06-09"))] == []
    assert [s.id for s in filter_stories(stories, outlet="bbc")] == ["s2"]
    assert [s.id for s in filter_stories(stories, words="pyongyang summit")] == ["s1"]
    assert [s.id for s in filter_stories(stories, words="zzz", article_ids={"s3-a"})] == ["s3"]


def test_snippet_marks_query_terms_only_and_escapes_the_rest():
    html = str(snippet_html("… sent [ammunition] to [Russia] <b>[sic]</b> [ammo] …", "ammunition russia ammo*"))
    assert html == ("… sent <mark>ammunition</mark> to <mark>Russia</mark> &lt;b&gt;[sic]&lt;/b&gt; "
                    "<mark>ammo</mark> …")
