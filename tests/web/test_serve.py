"""`storyline serve` (issue 6): binds 127.0.0.1 by default, prints the address and the
ingest token, serves the app; refuses a database that does not exist; answers only
requests that name a loopback host."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from fastapi.testclient import TestClient

from storyline.web import create_app


def test_serve_starts_on_loopback_and_prints_the_token(sample_db: str, unused_port: int, tmp_path: Path):
    log = tmp_path / "serve.log"
    env = dict(os.environ, STORYLINE_TOKEN="")  # empty: a fresh token is made and printed
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "storyline.cli", "serve", "--db", sample_db,
                                 "--port", str(unused_port), "--allow-ingest"], stdout=out, stderr=subprocess.STDOUT,
                                env=env)
    try:
        url = f"http://127.0.0.1:{unused_port}"
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(url + "/api/stories", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.5)
        printed = log.read_text()
        assert f"http://127.0.0.1:{unused_port}/" in printed
        token = next(line.split(": ", 1)[1].strip() for line in printed.splitlines()
                     if line.startswith("ingest token: "))
        assert len(token) >= 24
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout if shutil.which("ss") else ""
        if listening:  # iproute2 present: the socket is bound to loopback only
            assert f"127.0.0.1:{unused_port}" in listening and f"0.0.0.0:{unused_port}" not in listening
    finally:
        proc.send_signal(signal.SIGKILL)  # a test of start-up: no need to wait for a graceful stop
        proc.wait(30)


def test_serve_refuses_a_missing_database(tmp_path: Path):
    missing = tmp_path / "none.db"
    result = subprocess.run([sys.executable, "-m", "storyline.cli", "serve", "--db", str(missing)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "does not exist" in " ".join(result.stderr.split())
    assert not missing.exists()


def test_requests_naming_another_host_are_refused(sample_db: str):
    guarded = TestClient(create_app(sample_db, allowed_hosts=["127.0.0.1", "localhost"]),
                         base_url="http://rebound.example")
    response = guarded.get("/api/stories")
    assert response.status_code == 400
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
