"""Ingest through the API (issue 6): only with the token, size limits on uploads,
background jobs with progress, uploads and feeds fetched from a local server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from storyline.web import create_app

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://gazette.example/</link>
<item><title>Harbour crane collapses during storm</title><link>https://gazette.example/crane</link>
<pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate>
<description>A container crane at the north harbour collapsed during Monday's storm, the port authority said.
Nobody was hurt, and the authority said the quay would reopen on Thursday after inspections.</description></item>
<item><title>Port authority orders crane inspections</title><link>https://gazette.example/inspections</link>
<pubDate>Wed, 06 Mar 2024 10:00:00 GMT</pubDate>
<description>The port authority ordered inspections of every crane at the harbour after Monday's collapse,
its director told reporters on Wednesday, adding that the work would take two weeks.</description></item>
</channel></rss>
"""


@pytest.fixture
def feed_url(tmp_path: Path) -> Iterator[str]:
    """An RSS feed served by a local HTTP server on 127.0.0.1 (no outside network)."""
    (tmp_path / "harbour.rss").write_text(FEED, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/harbour.rss"
    httpd.shutdown()
    httpd.server_close()


def _upload(client: TestClient, content: bytes, name: str = "a.jsonl", **kwargs: object):
    return client.post("/api/ingest", files={"files": (name, content)}, **kwargs)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"X-Storyline-Token": "x"},
                                     {"Authorization": "Basic d2ViOnRlc3Q="}])
def test_ingest_without_the_right_token_is_403(ingest_client: TestClient, headers: dict):
    response = _upload(ingest_client, b'{"text": "A short article about nothing at all, long enough."}\n',
                       headers=headers)
    assert response.status_code == 403 and list(response.json()) == ["detail"]


def test_ingest_json_urls_need_the_token_header(ingest_client: TestClient):
    assert ingest_client.post("/api/ingest", json=["https://example.org/feed.xml"]).status_code == 403


def test_ingest_token_in_the_form_field_is_accepted(ingest_client: TestClient, token: str, wait_for_job):
    record = b'{"title": "Form token", "text": "The village council met on Monday and approved a new library, its chair said."}\n'
    response = ingest_client.post("/api/ingest", files={"files": ("form.jsonl", record)}, data={"token": token})
    assert response.status_code == 202, response.text
    assert wait_for_job(ingest_client, response.json()["url"])["status"] == "done"


def test_upload_over_max_file_bytes_is_413(ingest_client: TestClient, token: str, ingest_limit: int):
    line = b'{"text": "' + b"word " * 40 + b'"}\n'
    big = line * (ingest_limit // len(line) + 1)
    response = _upload(ingest_client, big, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert "max_file_bytes" in response.json()["detail"]


def test_request_body_over_the_limit_is_refused_before_reading(ingest_client: TestClient, token: str,
                                                               ingest_limit: int):
    huge = b"x" * (ingest_limit + (2 << 20))
    response = _upload(ingest_client, huge, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and "over the limit" in response.json()["detail"]


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"content": b"just text", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"json": []}, 422),
    ({"json": ["file:///etc/passwd"]}, 422),
    ({"json": ["javascript:alert(1)"]}, 422),
    ({"json": {"urls": "not a list"}}, 422),
    ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422),
    ({"data": {"urls": ""}, "files": {"other": ("x.txt", b"x")}}, 422),
])
def test_bad_ingest_requests_are_refused_with_a_message(ingest_client: TestClient, token: str,
                                                        kwargs: dict, status: int):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    response = ingest_client.post("/api/ingest", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)


def test_ingested_upload_becomes_a_story_and_reupload_changes_nothing(
        ingest_client: TestClient, hostile_ingested: dict, hostile_jsonl: Path, token: str, wait_for_job):
    job = hostile_ingested
    assert job["files"] == job["files_done"] == 1
    assert job["articles_read"] == 2 and job["new"] == 2 and not job["rejected"]
    assert job["finished"] >= job["created"]
    stories = ingest_client.get("/api/stories", params={"q": "bakery"}).json()["stories"]
    assert stories and sum(s["articles"] for s in stories) >= 2
    again = _upload(ingest_client, hostile_jsonl.read_bytes(), name="hostile.jsonl",
                    headers={"Authorization": f"Bearer {token}"})
    second = wait_for_job(ingest_client, again.json()["url"])
    assert second["status"] == "done" and second["new"] == 0 and second["already_ingested"] == 2


def test_rejected_inputs_are_listed_in_the_job(ingest_client: TestClient, token: str, wait_for_job):
    response = ingest_client.post(
        "/api/ingest", headers={"Authorization": f"Bearer {token}"},
        files=[("files", ("notes.docx", b"PK\x03\x04 binary")), ("files", ("broken.jsonl", b"{oops\n"))])
    job = wait_for_job(ingest_client, response.json()["url"])
    assert job["status"] == "done" and job["new"] == 0
    assert any("notes.docx" in r and "unsupported file type" in r for r in job["rejected"])
    assert any("broken.jsonl" in r for r in job["rejected"])


def test_feed_urls_are_fetched_and_ingested(ingest_client: TestClient, token: str, feed_url: str, wait_for_job):
    response = ingest_client.post("/api/ingest", json=[feed_url], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202
    assert response.json()["inputs"] == [feed_url]
    job = wait_for_job(ingest_client, response.json()["url"])
    assert job["status"] == "done" and job["new"] + job["already_ingested"] == 2, job
    hits = ingest_client.get("/api/search", params={"q": "crane harbour"}).json()["hits"]
    assert {h["title"] for h in hits} >= {"Harbour crane collapses during storm"}


def test_a_story_not_yet_analysed_shows_a_page_that_reloads_itself(ingest_app, ingest_server: str, token: str,
                                                                  feed_url: str, wait_for_job):
    """A second app on the ingest database whose pages never wait for an analysis."""
    client = TestClient(ingest_app, raise_server_exceptions=False)
    wait_for_job(client, client.post("/api/ingest", json=[feed_url],
                                     headers={"Authorization": f"Bearer {token}"}).json()["url"])
    db = ingest_app.state.service.db
    with TestClient(create_app(db, precompute=0, page_wait_s=0.0)) as impatient:
        story = impatient.get("/api/stories", params={"q": "crane"}).json()["stories"][0]
        first = impatient.get(story["url"], headers={"Accept": "text/html"})
        assert first.status_code == 200
        assert 'http-equiv="refresh"' in first.text and "Analysing this story" in first.text
        assert "Harbour crane collapses during storm" in first.text  # the articles are listed meanwhile
        assert impatient.get(f"/api/stories/{story['id']}").status_code == 200  # waits for it
        done = impatient.get(story["url"], headers={"Accept": "text/html"}).text
        assert 'http-equiv="refresh"' not in done and 'id="brief"' in done
