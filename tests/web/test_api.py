"""The JSON API and the pages over the sample corpus, through FastAPI's TestClient
(issue 6): filters and paging, the story JSON equal to `storyline show --format json`,
articles with exact spans, search, one error shape, security headers everywhere."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from storyline import pipeline
from storyline.report import render
from storyline.store import open_store
from storyline.web import create_app
from storyline.web.app import CSP

SAMPLE_OUTLETS = {"TURAN", "Ukrinform", "OREANDA-NEWS"}


def _day(value: str, shift: int = 0) -> str:
    return (dt.date.fromisoformat(value[:10]) + dt.timedelta(days=shift)).isoformat()


# --------------------------------------------------------------------------- stories


def test_stories_lists_the_sample_story_with_outlets_and_time_span(client: TestClient, sample_story: dict):
    listing = client.get("/api/stories").json()
    assert listing["total"] >= 1 and listing["offset"] == 0 and listing["limit"] == 20
    assert sample_story["articles"] == 5
    assert SAMPLE_OUTLETS <= set(sample_story["outlets"])
    assert sample_story["first_seen"] <= sample_story["last_seen"]
    assert sample_story["url"] == f"/stories/{sample_story['id']}"
    days = [s["last_seen"] or "" for s in listing["stories"]]
    assert days == sorted(days, reverse=True), "newest first"


@pytest.mark.parametrize(("params", "found"), [
    ({"q": "Pyongyang"}, True),  # in the articles' text (full-text search)
    ({"q": "coalition"}, True),  # in the story title
    ({"q": "zebra unicorn xylophone"}, False),
    ({"outlet": "turan"}, True),  # outlets compared without case
    ({"outlet": "The Onion"}, False),
])
def test_stories_filter_by_words_and_outlet(client: TestClient, sample_story: dict, params: dict, found: bool):
    ids = [s["id"] for s in client.get("/api/stories", params=params).json()["stories"]]
    assert (sample_story["id"] in ids) is found


def test_stories_filter_by_date_range_overlap(client: TestClient, sample_story: dict):
    first, last = sample_story["first_seen"], sample_story["last_seen"]

    def listed(**params: str) -> bool:
        stories = client.get("/api/stories", params=params).json()["stories"]
        return sample_story["id"] in [s["id"] for s in stories]

    assert listed(**{"from": _day(first), "to": _day(last)})
    assert listed(**{"from": _day(last)})  # active on its last day
    assert listed(to=_day(first))
    assert not listed(**{"from": _day(last, 1)})
    assert not listed(to=_day(first, -1))


def test_stories_paging(client: TestClient):
    total = client.get("/api/stories").json()["total"]
    page = client.get("/api/stories", params={"limit": 1, "offset": 0}).json()
    assert len(page["stories"]) == min(1, total)
    beyond = client.get("/api/stories", params={"offset": total}).json()
    assert beyond["stories"] == [] and beyond["total"] == total


def test_story_json_is_what_storyline_show_prints(sample_db: str, sample_story: dict, sample_analysis: dict):
    """The API's story is `storyline show --format json`'s story, computed here the way
    the command computes it."""
    store = open_store(sample_db)
    try:
        story = next(s for s in pipeline.update_stories(store).stories_ if s.id == sample_story["id"])
        analyses = pipeline.analyse_stories(store, [story], pipeline.analysis_models(store))
        articles = {a.id: a for a in store.articles()}
    finally:
        store.close()
    shown = json.loads(render(analyses, "json", articles))["stories"][0]
    assert sample_analysis == shown


def test_story_brief_cites_exact_source_words(client: TestClient, sample_analysis: dict):
    texts: dict[str, str] = {}
    assert sample_analysis["brief"], "the sample story has a brief"
    for sentence in sample_analysis["brief"]:
        first = sentence["citations"][0]
        aid = first["article_id"]
        texts.setdefault(aid, client.get(f"/api/articles/{aid}").json()["text"])
        assert texts[aid][first["start"]:first["end"]] == sentence["text"]
    statuses = {f["status"] for f in sample_analysis["facts"]}
    assert {"corroborated", "contested"} <= statuses


# --------------------------------------------------------------------------- articles, search


def test_article_has_text_metadata_removals_and_exact_annotation_spans(client: TestClient,
                                                                       sample_story: dict):
    story = client.get(f"/api/stories/{sample_story['id']}").json()
    removed_seen = 0
    for listed in story["articles"]:
        article = client.get(f"/api/articles/{listed['id']}").json()
        text = article["text"]
        assert article["id"] == listed["id"] and article["title"] == listed["title"]
        assert article["sources"] and article["sources"][0]["source"].endswith(".txt")
        for removal in article["removed"]:
            assert removal["text"] and removal["reason"]
        removed_seen += len(article["removed"])
        annotations = article["annotations"]
        assert annotations is not None and annotations["article_id"] == listed["id"]
        for layer in ("sentences", "mentions", "quotes", "timerefs", "numbers"):
            for item in annotations[layer]:
                assert text[item["start"]:item["end"]] == item["text"], (layer, item)
        assert annotations["mentions"] and annotations["sentences"]
    assert removed_seen > 0, "cleaning removed boilerplate from some sample article"


def test_search_returns_ranked_hits_with_links(client: TestClient, sample_story: dict):
    body = client.get("/api/search", params={"q": "Pyongyang"}).json()
    assert body["query"] == "Pyongyang" and body["hits"]
    ids = {a["id"] for a in client.get(f"/api/stories/{sample_story['id']}").json()["articles"]}
    for hit in body["hits"]:
        assert hit["id"] in ids and hit["url"] == f"/articles/{hit['id']}"
        assert "pyongyang" in hit["snippet"].casefold()
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores)  # bm25: lower is better
    assert client.get("/api/search", params={"q": "\"unbalanced -(quote"}).status_code == 200


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("path", "status"), [
    ("/api/stories/s-0000000000", 404),
    ("/api/articles/0000000000000000", 404),
    ("/api/ingest/0123456789abcdef", 404),
    ("/api/no-such-endpoint", 404),
    ("/api/stories?limit=0", 422),
    ("/api/stories?limit=abc", 422),
    ("/api/stories?offset=-1", 422),
    ("/api/stories?from=yesterday", 422),
    ("/api/stories?to=2024-02-30", 422),
    ("/api/search", 422),
    ("/api/search?q=", 422),
    ("/api/search?q=x&limit=100000", 422),
    ("/articles/0000000000000000?start=-5", 422),
])
def test_errors_are_one_json_shape_without_a_trace(client: TestClient, path: str, status: int):
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_validation_message_names_the_parameter(client: TestClient):
    detail = client.get("/api/stories", params={"limit": 0}).json()["detail"]
    assert detail.startswith("query parameter 'limit'")


def test_wrong_method_is_a_json_405(client: TestClient):
    response = client.post("/api/stories")
    assert response.status_code == 405 and list(response.json()) == ["detail"]


def test_pages_answer_browsers_with_an_html_error(client: TestClient):
    response = client.get("/stories/s-0000000000", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no story &#39;s-0000000000&#39;" in response.text


@pytest.mark.parametrize("path", ["/", "/api/stories", "/api/openapi.json", "/static/storyline.css",
                                  "/static/storyline.js", "/api/stories/nope", "/api/search",
                                  "/articles/nope"])
def test_security_headers_on_every_response(client: TestClient, path: str):
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


# --------------------------------------------------------------------------- pages


def test_story_list_page_shows_stories_newest_first_with_outlets(client: TestClient, sample_story: dict):
    html = client.get("/").text
    assert f'href="/stories/{sample_story["id"]}"' in html
    for outlet in SAMPLE_OUTLETS:
        assert outlet in html
    assert 'name="q"' in html and "<script>" not in html.replace('<script src="/static/storyline.js" defer></script>', "")


def test_story_page_has_brief_facts_quotes_timeline_network(client: TestClient, sample_story: dict,
                                                           sample_analysis: dict):
    html = client.get(f"/stories/{sample_story['id']}").text
    for section in ('id="brief"', 'id="facts"', 'id="quotes"', 'id="timeline"', 'id="network"'):
        assert section in html
    assert 'class="cite"' in html and "source-panel" in html
    assert "<del>" in html and "<ins>" in html  # quote differences marked
    assert 'class="chart timeline-chart"' in html and 'class="chart network-chart"' in html


def test_article_page_marks_the_cited_span(client: TestClient, sample_analysis: dict):
    first = sample_analysis["brief"][0]["citations"][0]
    html = client.get(f"/articles/{first['article_id']}",
                      params={"start": first["start"], "end": first["end"]}).text
    assert 'id="cited"' in html and "Removed by cleaning" in html
    assert 'class="ent ent-person"' in html or 'class="ent ent-person' in html


def test_ingest_is_404_unless_allowed(sample_db: str):
    closed = TestClient(create_app(sample_db), raise_server_exceptions=False)
    response = closed.post("/api/ingest", json=["https://example.org/feed.xml"])
    assert response.status_code == 404 and "--allow-ingest" in response.json()["detail"]
    assert closed.get("/ingest", headers={"Accept": "text/html"}).status_code == 404
    assert closed.get("/api/ingest/abc").status_code == 404


def test_openapi_schema_describes_the_api(client: TestClient):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}", "/api/search",
                 "/api/ingest", "/api/ingest/{job_id}"):
        assert path in paths
    assert paths["/api/stories"]["get"]["responses"]["422"]["content"]["application/json"]
