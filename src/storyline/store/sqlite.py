"""The embedded store: one SQLite file in WAL mode, FTS5 search, versioned schema.

One writer connection per ``SqliteStore``; every logical change (a batch of articles
with their sources, signatures and links) happens inside one ``atomic()`` block, so a
killed ingest loses nothing already committed and leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from storyline.errors import StoreError
from storyline.records import (
    Annotations,
    Article,
    DuplicateLink,
    FieldOrigin,
    Paragraph,
    PassageHash,
    Rejected,
    Removal,
    SharedPassage,
    Signature,
)
from storyline.store import migrations
from storyline.store.migrations import MIGRATIONS

LOGGER = logging.getLogger(__name__)

_ARTICLE_COLUMNS = (
    "id, source, locator, format, source_id, url, outlet, title, author, published, "
    "language, text, paragraphs, removed, origins"
)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SqliteStore:
    """Storyline's embedded database. Open with ``SqliteStore(path)``; ``":memory:"`` works."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        try:
            self._conn = self._connect(read_only)
            if not read_only:
                self._migrate()
            else:
                self._check_version(read_only=True)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        self._depth = 0

    # ----------------------------------------------------------------- plumbing

    def _connect(self, read_only: bool) -> sqlite3.Connection:
        if read_only:
            uri = f"file:{Path(self.path).resolve()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        else:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.row_factory = sqlite3.Row
        return conn

    def _current_version(self) -> int:
        exists = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        ).fetchone()
        if not exists:
            return 0
        row = self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def _check_version(self, *, read_only: bool = False) -> int:
        return migrations.check_version(self.path, self._current_version(), read_only=read_only)

    def _migrate(self) -> None:
        self._check_version()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated the
            # file between our first look and the lock (two ingests opening a new file).
            version = self._check_version()
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for migration in MIGRATIONS:
                if migration.version <= version:
                    continue
                LOGGER.info("applying migration %d: %s", migration.version, migration.name)
                for statement in _split_sql(migration.sqlite):
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, _now()))
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction around a logical change; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._current_version()

    # ----------------------------------------------------------------- writes

    def source_article(self, source: str, locator: str) -> str | None:
        """The article id already recorded for this (source, locator), if any."""
        row = self._conn.execute(
            "SELECT article_id FROM sources WHERE source=? AND locator=?", (source, locator)
        ).fetchone()
        return row[0] if row else None

    def has_article(self, article_id: str) -> bool:
        return self._conn.execute(
            "SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone() is not None

    def add_article(self, article: Article, signature: Signature | None, minhash_blob: bytes | None) -> None:
        """Store a new article (and its dedupe signature). The caller checked it is new."""
        now = _now()
        self._conn.execute(
            f"INSERT INTO articles ({_ARTICLE_COLUMNS}, ingested_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (article.id, article.source, article.locator, article.format, article.source_id,
             article.url, article.outlet, article.title, article.author, article.published,
             article.language, article.text,
             json.dumps([[p.start, p.end] for p in article.paragraphs]),
             json.dumps([r.to_dict() for r in article.removed], ensure_ascii=False),
             json.dumps([o.to_dict() for o in article.origins], ensure_ascii=False), now))
        if signature is not None and minhash_blob is not None:
            self._conn.execute(
                "INSERT INTO signatures VALUES (?,?,?,?)",
                (article.id, minhash_blob, signature.scheme,
                 json.dumps([[p.hash, p.start, p.end, p.kind] for p in signature.passages])))

    def add_source(self, article: Article, article_id: str) -> None:
        """Record that ``article`` (as read from its source) is stored as ``article_id``."""
        self._conn.execute(
            "INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(source, locator) DO UPDATE SET article_id=excluded.article_id, "
            "ingested_at=excluded.ingested_at",
            (article.source, article.locator, article_id, article.format, article.source_id,
             article.url, article.outlet, article.title, article.published, _now()))

    def add_links(self, links: Iterable[DuplicateLink], shared: Iterable[SharedPassage]) -> None:
        self._conn.executemany(
            "INSERT OR IGNORE INTO near_duplicates VALUES (?,?,?)",
            [(l.article_id, l.other_id, l.similarity) for l in links])
        self._conn.executemany(
            "INSERT OR IGNORE INTO shared_passages VALUES (?,?,?,?,?,?,?)",
            [(s.article_id, s.start, s.end, s.other_id, s.other_start, s.other_end, s.kind)
             for s in shared])

    def add_rejection(self, rejected: Rejected) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO rejections VALUES (?,?,?,?,?)",
            (rejected.source, rejected.line if rejected.line is not None else -1,
             rejected.stage, rejected.reason, _now()))

    def put_annotations(self, annotations: Annotations) -> None:
        """Store (or replace) the annotations of one article."""
        self._conn.execute(
            "INSERT INTO annotations VALUES (?,?,?,?) ON CONFLICT(article_id) DO UPDATE SET "
            "model=excluded.model, data=excluded.data, annotated_at=excluded.annotated_at",
            (annotations.article_id, annotations.model,
             json.dumps(annotations.to_dict(), ensure_ascii=False), _now()))

    def put_story_state(self, state: bytes, articles: int) -> None:
        """Store the story clusterer's state (in parts: see migration 4). Parts past the
        new count may stay behind; ``story_state`` never reads them."""
        parts = migrations.state_parts(state)
        with self.atomic():
            for number, data in enumerate(parts):
                self._conn.execute(
                    "INSERT INTO story_state_parts VALUES (?, ?) ON CONFLICT(part) DO UPDATE SET "
                    "data=excluded.data", (number, data))
            self._conn.execute(
                "INSERT INTO story_state (id, state, articles, updated_at, parts) VALUES (1, x'', ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET state=excluded.state, articles=excluded.articles, "
                "updated_at=excluded.updated_at, parts=excluded.parts", (articles, _now(), len(parts)))

    def story_state(self) -> bytes | None:
        row = self._conn.execute("SELECT state, parts FROM story_state WHERE id = 1").fetchone()
        if row is None:
            return None
        if row[1] == 0:
            return bytes(row[0])
        rows = self._conn.execute(
            "SELECT data FROM story_state_parts WHERE part < ? ORDER BY part", (row[1],))
        return b"".join(bytes(r[0]) for r in rows)

    # ----------------------------------------------------------------- reads

    def annotations(self, ids: Iterable[str] | None = None) -> Iterator[Annotations]:
        """Stored annotations in ingest order (or of the given article ids)."""
        sql = ("SELECT n.data FROM annotations n JOIN articles a ON a.id = n.article_id")
        params: tuple[Any, ...] = ()
        if ids is not None:
            sql += " WHERE n.article_id IN (SELECT value FROM json_each(?))"
            params = (json.dumps(list(ids)),)
        for (data,) in self._conn.execute(sql + " ORDER BY a.seq", params):
            yield Annotations.from_dict(json.loads(data))

    def entity_texts(self) -> dict[str, set[str]]:
        """Every entity key of the stored annotations with the words articles wrote for
        it: what corpus-wide entity resolution needs, read inside SQLite (json_each)
        instead of loading every annotation back into Python."""
        out: dict[str, set[str]] = {}
        rows = self._conn.execute(
            "SELECT DISTINCT json_extract(e.value, '$.id'), json_extract(e.value, '$.text') "
            "FROM annotations n JOIN articles a ON a.id = n.article_id, "
            "json_each(n.data, '$.entities') e")
        for key, text in rows:
            out.setdefault(key, set()).add(text)
        return out

    def article_ids(self) -> list[str]:
        """Ids of every stored article in ingest order."""
        return [r[0] for r in self._conn.execute("SELECT id FROM articles ORDER BY seq")]

    def unannotated(self, model: str | None = None) -> list[str]:
        """Ids of articles with no annotations (or annotations by another model)."""
        rows = self._conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN annotations n ON n.article_id = a.id "
            "WHERE n.article_id IS NULL OR (? IS NOT NULL AND n.model != ?) ORDER BY a.seq",
            (model, model))
        return [r[0] for r in rows]

    def count_articles(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def articles(self, ids: Iterable[str] | None = None) -> Iterator[Article]:
        """Every stored article in ingest order (or the given ids)."""
        if ids is None:
            rows: Iterable[sqlite3.Row] = self._conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY seq")
        else:
            wanted = list(ids)
            rows = self._conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN "
                f"(SELECT value FROM json_each(?)) ORDER BY seq", (json.dumps(wanted),))
        for row in rows:
            yield _row_to_article(row)

    def article(self, article_id: str) -> Article | None:
        return next(self.articles([article_id]), None)

    def sources_of(self, article_id: str) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT source, locator, source_id, outlet, url, format FROM sources "
            "WHERE article_id=? ORDER BY source, locator", (article_id,))
        return [dict(r) for r in rows]

    def signatures(self) -> Iterator[tuple[str, bytes, str, list[PassageHash]]]:
        """Stored dedupe signatures in ingest order: (article id, minhash bytes, scheme, passages)."""
        rows = self._conn.execute(
            "SELECT s.article_id, s.minhash, s.scheme, s.passages FROM signatures s "
            "JOIN articles a ON a.id = s.article_id ORDER BY a.seq")
        for article_id, blob, scheme, passages in rows:
            yield (article_id, bytes(blob), scheme,
                   [PassageHash(h, s, e, k) for h, s, e, k in json.loads(passages)])

    def near_duplicates(self) -> list[DuplicateLink]:
        rows = self._conn.execute(
            "SELECT article_id, other_id, similarity FROM near_duplicates ORDER BY article_id, other_id")
        return [DuplicateLink(r[0], r[1], r[2]) for r in rows]

    def shared_passages(self, article_id: str | None = None) -> list[SharedPassage]:
        sql = ('SELECT article_id, start, "end", other_id, other_start, other_end, kind '
               "FROM shared_passages")
        params: tuple[Any, ...] = ()
        if article_id is not None:
            sql += " WHERE article_id=? OR other_id=?"
            params = (article_id, article_id)
        rows = self._conn.execute(sql + " ORDER BY article_id, start", params)
        return [SharedPassage(*r) for r in rows]

    def exact_duplicates(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Articles read from more than one place: (article id, its sources)."""
        rows = self._conn.execute(
            "SELECT article_id FROM sources GROUP BY article_id HAVING COUNT(*) > 1 ORDER BY article_id")
        return [(r[0], self.sources_of(r[0])) for r in rows]

    def rejections(self) -> list[Rejected]:
        rows = self._conn.execute("SELECT source, line, stage, reason FROM rejections ORDER BY source, line")
        return [Rejected(source=r[0], reason=r[3], stage=r[2], line=None if r[1] < 0 else r[1]) for r in rows]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search (FTS5, bm25 ranking). Plain words are matched as terms, so a
        user's quotes or hyphens never raise a syntax error."""
        match = _fts_query(query)
        if not match:
            return []
        rows = self._conn.execute(
            "SELECT a.id, a.source_id, a.outlet, a.title, a.published, "
            "snippet(articles_fts, 1, '[', ']', ' … ', 12) AS snippet, rank AS score "
            # ORDER BY FTS5's own ``rank`` (bm25 by default) lets SQLite compute
            # snippet() for the returned rows only: 3.5-4.5x faster on 10k articles.
            "FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?", (match, limit))
        return [dict(r) for r in rows]


def _fts_query(query: str) -> str:
    """Turn user text into an FTS5 query: each word quoted, all required; a trailing
    ``*`` keeps prefix search."""
    import re

    terms = re.findall(r"\w+\*?", query)
    return " ".join(f'"{t[:-1]}"*' if t.endswith("*") else f'"{t}"' for t in terms)


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines():
        stripped = line.split("--", 1)[0] if not line.strip().startswith("--") else ""
        buffer += stripped + "\n"
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _row_to_article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"], source=row["source"], locator=row["locator"], format=row["format"],
        text=row["text"], title=row["title"], source_id=row["source_id"], url=row["url"],
        outlet=row["outlet"], author=row["author"], published=row["published"],
        language=row["language"],
        paragraphs=tuple(Paragraph(s, e) for s, e in json.loads(row["paragraphs"])),
        removed=tuple(Removal.from_dict(r) for r in json.loads(row["removed"])),
        origins=tuple(FieldOrigin.from_dict(o) for o in json.loads(row["origins"])),
    )
