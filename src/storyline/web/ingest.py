"""Ingest from the browser or the API: uploads saved, feeds fetched, jobs run in the background.

Only an app started with ``allow_ingest`` has these routes, and only a request with the
token may start a job. Uploaded files are saved content-addressed
(``<uploads>/<sha256 prefix>/<safe name>``), so uploading the same file twice is
recognised by the ingest as already ingested (its source path is the same). Each job
runs in one background thread, one job at a time; its progress is a snapshot anyone
holding the job id can read (the id is 128 random bits).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from storyline import pipeline
from storyline.errors import StorylineError
from storyline.ingest import reader_for
from storyline.records import Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

MAX_FILES = 100  # files per upload request
MAX_URLS = 50  # feed URLs per request
FETCH_TIMEOUT_S = 30
JOBS_KEPT = 100
CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLarge(Exception):
    """An uploaded file is larger than ``max_file_bytes``."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(f"file {name!r} is larger than the limit of {limit} bytes (setting max_file_bytes)")


class Chunked(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


def safe_name(filename: str | None) -> str:
    """A file name that is safe on disk and keeps the suffix the readers dispatch on."""
    base = re.split(r"[/\\]", filename or "")[-1]
    name = _UNSAFE.sub("_", base).lstrip(".")[-120:]
    return name or "upload"


def uploads_dir(db: str) -> Path:
    """Where uploads of the database ``db`` are kept: beside a SQLite file, or in the
    temporary folder for a PostgreSQL database."""
    from storyline.store import is_postgres_url  # noqa: PLC0415

    if is_postgres_url(db):
        import tempfile  # noqa: PLC0415

        return Path(tempfile.gettempdir()) / "storyline-uploads"
    path = Path(db)
    return path.with_name(path.name + ".uploads")


async def save_upload(upload: Chunked, filename: str | None, folder: Path, max_bytes: int) -> Path:
    """Stream one upload to ``folder/<sha256 prefix>/<safe name>``, at most ``max_bytes``."""
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".part-{secrets.token_hex(8)}"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(part, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(safe_name(filename), max_bytes)
                digest.update(chunk)
                out.write(chunk)
        return _place(part, folder / digest.hexdigest()[:16] / safe_name(filename))
    finally:
        part.unlink(missing_ok=True)


def _place(part: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    return target


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be fetched as a feed, or None when it can."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f"not an http(s) URL: {url[:200]!r}"
    return None


def fetch_feed(url: str, folder: Path, max_bytes: int) -> Path | Rejected:
    """Download one feed (at most ``max_bytes``) into the uploads folder."""
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 (scheme checked)
            body = response.read(max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Rejected(url, f"cannot fetch the feed: {exc}")
    if len(body) > max_bytes:
        return Rejected(url, f"feed is larger than the limit of {max_bytes} bytes (setting max_file_bytes)")
    name = safe_name(urllib.parse.urlsplit(url).path)
    if reader_for(Path(name)) is None:
        name = "feed.xml"
    target = folder / hashlib.sha256(body).hexdigest()[:16] / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target


@dataclass(slots=True)
class IngestJob:
    """The progress of one ingest, as ``GET /api/ingest/{job}`` shows it.

    ``status`` goes queued -> fetching -> ingesting -> clustering -> done (or failed)."""

    id: str
    inputs: list[str]
    status: str = "queued"
    files: int = 0
    files_done: int = 0
    articles_read: int = 0
    new: int = 0
    exact_duplicates: int = 0
    already_ingested: int = 0
    rejected: list[str] = field(default_factory=list)
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class IngestJobs:
    """Background ingest jobs, one at a time, against the app's writer store.

    Args:
        writer: the app's ``state.Writer`` (its lock serialises writes).
        settings: ingest settings (``max_file_bytes`` limits uploads and feeds too).
        uploads: where fetched feeds are saved.
        on_done: called after a job's articles are stored (re-clusters the stories).
    """

    def __init__(self, writer: Any, settings: Settings, uploads: Path,
                 on_done: Callable[[], None]) -> None:
        self._writer = writer
        self._settings = settings
        self._uploads = uploads
        self._on_done = on_done
        self._jobs: OrderedDict[str, IngestJob] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-ingest")

    def submit(self, paths: list[Path], urls: list[str], inputs: list[str]) -> dict[str, Any]:
        job = IngestJob(id=secrets.token_hex(16), inputs=inputs)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > JOBS_KEPT:
                self._jobs.popitem(last=False)
            snapshot = job.to_dict()
        self._pool.submit(self._run, job, paths, urls)
        return snapshot

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.to_dict()

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _set(self, job: IngestJob, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)

    def _reject(self, job: IngestJob, rejected: Rejected) -> None:
        where = f"{rejected.source}:{rejected.line}" if rejected.line is not None else rejected.source
        with self._lock:
            job.rejected.append(f"{where}: {rejected.reason}")

    def _run(self, job: IngestJob, paths: list[Path], urls: list[str]) -> None:
        try:
            self._ingest(job, paths + self._fetch(job, urls))
            self._set(job, status="clustering")
            self._on_done()
            self._set(job, status="done", finished=time.time())
        except StorylineError as exc:
            self._set(job, status="failed", error=str(exc), finished=time.time())
        except Exception:  # noqa: BLE001 - a job must end with a status, the trace goes to the log
            LOGGER.exception("ingest job %s failed", job.id)
            self._set(job, status="failed", error="internal error (see the server log)", finished=time.time())

    def _fetch(self, job: IngestJob, urls: list[str]) -> list[Path]:
        self._set(job, status="fetching")
        fetched = []
        for url in urls:
            result = fetch_feed(url, self._uploads, self._settings.max_file_bytes)
            if isinstance(result, Rejected):
                self._reject(job, result)
            else:
                fetched.append(result)
        return fetched

    def _ingest(self, job: IngestJob, paths: list[Path]) -> None:
        self._set(job, status="ingesting")

        def on_file(result: pipeline.FileResult) -> None:
            self._set(job, files_done=job.files_done + 1, articles_read=job.articles_read + len(result.articles))

        hooks = pipeline.IngestProgress(on_start=lambda files, _: self._set(job, files=files),
                                        on_file=on_file, on_rejected=lambda r: self._reject(job, r))
        with self._writer.lock:
            report = pipeline.ingest(paths, self._writer.store(), self._settings, progress=hooks,
                                     annotator=pipeline.Annotator())
        self._set(job, new=report.new, exact_duplicates=report.exact_duplicates,
                  already_ingested=report.already_ingested)


__all__ = ["IngestJob", "IngestJobs", "UploadTooLarge", "check_url", "fetch_feed", "safe_name",
           "save_upload", "uploads_dir"]
