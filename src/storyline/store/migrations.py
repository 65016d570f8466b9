"""Versioned schema: an ordered list of migrations, each applied once and recorded.

A migration is plain SQL per dialect (SQLite now; PostgreSQL later shares the list,
so each migration names the statements for each dialect it supports). Append new
migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyline.errors import SchemaVersionError


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "articles, sources, dedupe links, rejections, full-text search",
        """
        CREATE TABLE articles (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            locator TEXT NOT NULL,
            format TEXT NOT NULL,
            source_id TEXT,
            url TEXT,
            outlet TEXT,
            title TEXT,
            author TEXT,
            published TEXT,
            language TEXT,
            text TEXT NOT NULL,
            paragraphs TEXT NOT NULL,   -- JSON [[start, end], ...]
            removed TEXT NOT NULL,      -- JSON [{text, reason, rule}, ...]
            origins TEXT NOT NULL,      -- JSON [{field, value, method, evidence}, ...]
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX articles_published ON articles(published);

        -- Every place an article was read from; exact duplicates add rows here only.
        CREATE TABLE sources (
            source TEXT NOT NULL,
            locator TEXT NOT NULL,
            article_id TEXT NOT NULL REFERENCES articles(id),
            format TEXT NOT NULL,
            source_id TEXT,
            url TEXT,
            outlet TEXT,
            title TEXT,
            published TEXT,
            ingested_at TEXT NOT NULL,
            PRIMARY KEY (source, locator)
        );
        CREATE INDEX sources_article ON sources(article_id);

        CREATE TABLE signatures (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            minhash BLOB NOT NULL,
            scheme TEXT NOT NULL,       -- how the MinHash was computed (dedupe refuses to mix)
            passages TEXT NOT NULL      -- JSON [[hash, start, end, kind], ...]
        );

        CREATE TABLE near_duplicates (
            article_id TEXT NOT NULL,
            other_id TEXT NOT NULL,
            similarity REAL NOT NULL,
            PRIMARY KEY (article_id, other_id)
        );

        CREATE TABLE shared_passages (
            article_id TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            other_id TEXT NOT NULL,
            other_start INTEGER NOT NULL,
            other_end INTEGER NOT NULL,
            kind TEXT NOT NULL,
            PRIMARY KEY (article_id, start, other_id, other_start, kind)
        );
        CREATE INDEX shared_passages_other ON shared_passages(other_id);

        CREATE TABLE rejections (
            source TEXT NOT NULL,
            line INTEGER NOT NULL DEFAULT -1,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (source, line, stage, reason)
        );

        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='seq',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.seq, old.title, old.text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.seq, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
        END;
        """,
    ),
)

MIGRATIONS += (
    Migration(
        2,
        "language-layer annotations per article",
        """
        -- One row per annotated article: the Annotations record as JSON (every item a
        -- span of articles.text), and the model that made it, so `storyline annotate`
        -- can find what an upgrade must redo.
        CREATE TABLE annotations (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            model TEXT NOT NULL,
            data TEXT NOT NULL,
            annotated_at TEXT NOT NULL
        );
        """,
    ),
)

MIGRATIONS += (
    Migration(
        3,
        "story clusterer state",
        """
        -- The incremental story clusterer's learned state (StoryClusterer.to_state), so
        -- story ids stay stable as later ingests add articles.
        CREATE TABLE story_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            state BLOB NOT NULL,
            articles INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    ),
)

MIGRATIONS += (
    Migration(
        4,
        "story clusterer state in parts",
        """
        -- The clusterer state grows by ~7.8 KB per article, and SQLite and PostgreSQL cap
        -- one value near 1 GB (~130k articles): the state is stored in parts of at most
        -- STATE_PART_BYTES. story_state.parts = 0 marks a state kept whole in
        -- story_state.state (written before this migration).
        CREATE TABLE story_state_parts (
            part INTEGER PRIMARY KEY,
            data BLOB NOT NULL
        );
        ALTER TABLE story_state ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
        """,
    ),
)

# Largest story-state part in one row: far below both databases' 1 GB value limit, and
# small enough that a driver does not hold two copies of a huge parameter.
STATE_PART_BYTES = 128 * 2**20


def state_parts(state: bytes) -> list[bytes]:
    """``state`` cut into the parts the ``story_state_parts`` rows hold (at least one)."""
    return [state[i:i + STATE_PART_BYTES] for i in range(0, max(len(state), 1), STATE_PART_BYTES)]


LATEST_VERSION = MIGRATIONS[-1].version


def check_version(database: str, version: int, *, read_only: bool = False) -> int:
    """``version`` if this Storyline can use a database at it, else a SchemaVersionError
    saying what to do: a newer schema needs a newer Storyline; an older one is migrated
    by opening it for writing, which a read-only connection cannot do (its reads would
    fail on missing tables and columns)."""
    if version > LATEST_VERSION:
        raise SchemaVersionError(
            f"database {database} has schema version {version}, newer than this "
            f"Storyline understands ({LATEST_VERSION}); upgrade Storyline")
    if read_only and version < LATEST_VERSION:
        raise SchemaVersionError(
            f"database {database} has schema version {version}, older than this "
            f"Storyline's ({LATEST_VERSION}); open it once for writing to migrate it "
            f"(e.g. `storyline stories --db {database}`)")
    return version
