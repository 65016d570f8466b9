"""End to end in real headless Chromium (issue 6): a reader opens the story list, opens
the story, clicks a brief citation and sees the source sentence in place, searches,
and opens an article. Screenshots go to tests/artifacts/ — look at them."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_reader_opens_a_story_and_checks_a_brief_citation(page, server: str, sample_story: dict,
                                                          sample_analysis: dict, screenshot):
    tab, watch = page
    tab.goto(server + "/")
    item = tab.locator(".story-item", has=tab.locator(f'a[href="/stories/{sample_story["id"]}"]'))
    expect(item).to_contain_text("TURAN")
    expect(item.locator(".span-dates")).to_contain_text(sample_story["first_seen"][:10])
    screenshot(tab, "01-story-list", full_page=True)

    item.locator("a.story-title").click()
    expect(tab.locator("#brief")).to_be_visible()
    expect(tab.locator("h1")).to_have_text(sample_analysis["title"])
    screenshot(tab, "02-story-page", full_page=True)

    first = tab.locator("li.brief-sentence").first
    sentence = sample_analysis["brief"][0]
    cite = first.locator("a.cite").first
    panel = tab.locator("#" + cite.get_attribute("data-panel"))
    expect(panel).to_be_hidden()
    cite.click()
    expect(panel).to_be_visible()
    expect(cite).to_have_attribute("aria-expanded", "true")
    assert tab.url.endswith(f"/stories/{sample_story['id']}"), "opened in place, no navigation"
    # The panel shows the exact source words (the brief quotes them verbatim) with context.
    assert _norm(panel.locator("mark.source-words").inner_text()) == _norm(sentence["text"])
    assert len(_norm(panel.locator(".source-text").inner_text())) > len(_norm(sentence["text"]))
    panel.scroll_into_view_if_needed()
    screenshot(tab, "03-citation-open")
    cite.click()
    expect(panel).to_be_hidden()
    assert watch.dialogs == [] and watch.errors == []


def test_story_page_sections_are_drawn(page, server: str, sample_story: dict, sample_analysis: dict, screenshot):
    tab, watch = page
    tab.goto(f"{server}/stories/{sample_story['id']}")
    facts = tab.locator("#facts table.facts").first
    expect(facts.locator("span.status.contested").first).to_be_visible()
    expect(facts.locator("span.status.corroborated").first).to_be_visible()
    assert facts.locator("th.outlet").count() >= 3
    quotes = tab.locator("#quotes")
    assert quotes.locator("del").count() > 0 and quotes.locator("ins").count() > 0
    assert tab.locator("#timeline svg circle").count() == len(
        [e for e in sample_analysis["timeline"] if e["date"]])
    assert tab.locator("#network svg circle").count() > 1 and tab.locator("#network svg line").count() > 0
    for section in ("facts", "quotes", "timeline", "network"):
        locator = tab.locator(f"#{section}")
        locator.scroll_into_view_if_needed()
        screenshot(tab, f"04-section-{section}", full_page=True, clip=_clip(locator, tab))
    assert watch.dialogs == [] and watch.errors == []


def _clip(locator, tab) -> dict:
    """The section's box on the full page, at most 1,400 px tall (screenshots stay readable)."""
    box = locator.bounding_box()
    scroll = tab.evaluate("window.scrollY")
    return {"x": 0, "y": box["y"] + scroll, "width": 1280, "height": min(box["height"], 1400)}


def test_reader_searches_and_opens_an_article(page, server: str, screenshot):
    tab, watch = page
    tab.goto(server + "/")
    tab.locator("header .top-search input[name=q]").fill("ammunition")
    tab.locator("header .top-search input[name=q]").press("Enter")
    expect(tab.locator("#story-count")).to_contain_text("matching “ammunition”")
    hits = tab.locator("li.hit")
    expect(hits.first).to_be_visible()
    screenshot(tab, "05-search", full_page=True)

    title = hits.first.locator("a").inner_text()
    hits.first.locator("a").click()
    expect(tab.locator("h1.article-title")).to_have_text(title)
    text = tab.locator("article.article-text")
    assert text.locator("span.ent-person").count() > 0
    assert text.locator("span.ent-place").count() > 0
    assert text.locator("span.qt").count() > 0 and text.locator("span.date").count() > 0
    assert re.search(r"ammunition", text.inner_text(), re.IGNORECASE)
    expect(tab.locator("section.removed h2")).to_have_text(re.compile("Removed by cleaning", re.I))
    screenshot(tab, "06-article", full_page=True)
    assert watch.dialogs == [] and watch.errors == []


def test_citation_link_opens_the_article_at_the_cited_words(page, server: str, sample_story: dict,
                                                            sample_analysis: dict, screenshot):
    """What a citation does without script, or when its 'open the article here' is followed."""
    tab, _ = page
    citation = sample_analysis["facts"][0]
    tab.goto(f"{server}/articles/{citation['article_id']}?start={citation['start']}&end={citation['end']}#cited")
    cited = tab.locator("#cited")
    expect(cited).to_be_visible()
    marked = _norm("".join(tab.locator("span.cited").all_inner_texts()))
    assert marked == _norm(citation["text"])
    screenshot(tab, "07-article-cited")
