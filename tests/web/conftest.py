"""Fixtures of the web tests: a database built once from the sample corpus, the app over
it served by a real uvicorn on a free local port, FastAPI's TestClient on the same app,
and headless Chromium (Debian's package, installed by .ci/install-chromium)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from storyline import pipeline
from storyline.settings import Settings
from storyline.store import open_store
from storyline.web import create_app

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "putin-dprk-2024"
ARTIFACTS = REPO / "tests" / "artifacts"
TOKEN = "web-test-token-4f1c"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Uploads over this are refused in the ingest tests (a small limit keeps them fast).
INGEST_MAX_FILE_BYTES = 200_000

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unused_port() -> int:
    """A local port nothing listens on (at the time of asking)."""
    return free_port()


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread (start-up runs the app's lifespan)."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 300
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(900)  # shutdown waits for a running analysis (see AnalysisCache.stop)


def build_db(path: Path, inputs: list[Path]) -> str:
    store = open_store(path)
    try:
        pipeline.ingest(inputs, store, Settings(), annotator=pipeline.Annotator())
    finally:
        store.close()
    return str(path)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample corpus ingested (with the language layer) once per session."""
    return build_db(tmp_path_factory.mktemp("web") / "sample.db", [SAMPLE])


@pytest.fixture(scope="session")
def app(sample_db: str) -> object:
    return create_app(sample_db, allow_ingest=True, token=TOKEN, precompute=1)


@pytest.fixture(scope="session")
def server(app: object) -> Iterator[str]:
    """The base URL of a live server over the sample database."""
    with LiveServer(app) as live:
        yield live.url


@pytest.fixture(scope="session")
def api_schema(server: str) -> object:
    """The live server's OpenAPI schema, loaded by schemathesis."""
    import schemathesis

    return schemathesis.openapi.from_url(server + "/api/openapi.json")


@pytest.fixture(scope="session")
def client(app: object, server: str) -> TestClient:
    """TestClient on the live server's app (already started: no second lifespan)."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def sample_story(client: TestClient) -> dict:
    """The story listing of the sample corpus (its five articles tell one story)."""
    stories = client.get("/api/stories", params={"limit": 200}).json()["stories"]
    return max(stories, key=lambda s: s["articles"])


@pytest.fixture(scope="session")
def sample_analysis(client: TestClient, sample_story: dict) -> dict:
    """``GET /api/stories/{id}`` of the sample story (waits for the analysis once)."""
    response = client.get(f"/api/stories/{sample_story['id']}")
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- ingest server


HOSTILE = [
    {"id": "hostile-1", "outlet": "<script>window.__pwned = 'outlet'</script>Evil Outlet",
     "title": "<img src=x onerror=\"window.__pwned='title';alert('title')\"> Bakery wins the regional bread prize",
     "url": "javascript:alert('url')", "published": "2024-03-02",
     "text": ("The Millbrook bakery won the regional bread prize on Saturday, the county fair said. "
              "<script>window.__pwned = 'text'; alert('text')</script> The judges praised its sourdough.\n"
              "\"We bake every loaf by hand,\" said owner Martha Quill. <a href=\"javascript:alert('link')\">"
              "click for the recipe</a> and <img src=x onerror=alert('img')> was printed in the flyer.\n"
              "The prize comes with a trophy and a year of free flour from the county mill, the fair said.")},
    {"id": "hostile-2", "outlet": "\"><svg onload=alert('svg')>Gazette",
     "title": "Millbrook bakery takes bread prize </title><script>alert('t2')</script>",
     "url": "https://example.org/bakery?<b>x</b>", "published": "2024-03-03",
     "text": ("Martha Quill's Millbrook bakery took the regional bread prize on Saturday, the county fair said. "
              "'\"><script>alert(document.cookie)</script> Judges singled out the sourdough.\n"
              "\"We bake every loaf by hand,\" Quill said after the ceremony, holding the trophy. "
              "{{ 7*7 }} ${7*7} <iframe src=\"javascript:alert('frame')\"></iframe>\n"
              "The bakery also receives a year of free flour from the county mill, organisers said.")},
]


@pytest.fixture(scope="session")
def hostile_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def ingest_app(tmp_path_factory: pytest.TempPathFactory) -> object:
    """An app over an empty database, ingest allowed with a small upload limit."""
    db = tmp_path_factory.mktemp("ingest") / "ingest.db"
    open_store(db).close()
    return create_app(str(db), allow_ingest=True, token=TOKEN, precompute=0,
                      settings=Settings(max_file_bytes=INGEST_MAX_FILE_BYTES))


@pytest.fixture(scope="session")
def ingest_limit() -> int:
    """The ingest app's max_file_bytes."""
    return INGEST_MAX_FILE_BYTES


@pytest.fixture(scope="session")
def ingest_server(ingest_app: object) -> Iterator[str]:
    with LiveServer(ingest_app) as live:
        yield live.url


@pytest.fixture(scope="session")
def ingest_client(ingest_app: object, ingest_server: str) -> TestClient:
    return TestClient(ingest_app, raise_server_exceptions=False)


def _wait_for_job(client: TestClient, job_url: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(job_url).json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


@pytest.fixture(scope="session")
def wait_for_job() -> object:
    """``wait_for_job(client, job_url)``: poll an ingest job until it is done or failed."""
    return _wait_for_job


@pytest.fixture(scope="session")
def token() -> str:
    return TOKEN


@pytest.fixture(scope="session")
def hostile_records() -> list[dict]:
    """Articles whose every field tries to inject markup or script."""
    return HOSTILE


@pytest.fixture(scope="session")
def hostile_ingested(ingest_client: TestClient, hostile_jsonl: Path) -> dict:
    """The hostile articles, ingested through POST /api/ingest with the token."""
    with open(hostile_jsonl, "rb") as handle:
        response = ingest_client.post("/api/ingest", files={"files": ("hostile.jsonl", handle)},
                                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202, response.text
    job = _wait_for_job(ingest_client, response.json()["url"])
    assert job["status"] == "done", job
    return job


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did that it must not: dialogs opened, console errors, CSP reports."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []


@pytest.fixture
def page(browser: object) -> Iterator[tuple[object, PageWatch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    watch = PageWatch()

    def on_dialog(dialog: object) -> None:
        watch.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    tab.on("dialog", on_dialog)
    tab.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield tab, watch
    context.close()


def _screenshot(tab: object, name: str, **options: object) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), **options)  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="session")
def screenshot() -> object:
    """``screenshot(page, name, **options)``: save tests/artifacts/NAME.png (git-ignored);
    look at them — they are what a user sees."""
    return _screenshot
