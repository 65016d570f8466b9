"""One table of settings: every setting has a name, a default and a help text.

Defaults live here; a user TOML file (``--config FILE``) overrides only the keys it
sets, and command-line flags override both. Tuned values say what they were tuned on.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyline.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("max_file_bytes", 50_000_000,
            "Files larger than this are rejected with a message instead of being read."),
    Setting("min_article_chars", 40,
            "An article whose cleaned text is shorter than this is rejected as empty."),
    Setting("near_duplicate_threshold", 0.65,
            "Estimated Jaccard similarity of word 5-shingles at or above which two articles "
            "are linked as near-duplicates (MinHash LSH). Tuned in bench/minhash.py (e): over "
            "319k same-topic pairs of real articles (timeline17, FNC-1, AllSides; "
            "near-duplicate = word-level diff ratio >= 0.8) and 250 edited copies per kind of "
            "edit, 0.65 has the best F1: no false link among the real pairs, recall 0.95-1.0 "
            "for a changed title, an added boilerplate line, a dropped paragraph or all "
            "three, 11 of 15 real near-duplicates. 0.7 misses 16% of the combined edits and "
            "half the real ones; 0.6 and below link successive versions of a developing story."),
    Setting("minhash_permutations", 128,
            "Number of MinHash permutations per article signature."),
    Setting("shingle_words", 5, "Words per shingle for MinHash signatures."),
    Setting("min_shared_passage_words", 8,
            "Sentences shorter than this are not recorded as shared passages "
            "(short stock phrases like 'he said' are not syndication)."),
    Setting("batch_size", 200, "Articles committed to the store per transaction."),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    max_file_bytes: int = _DEFAULTS["max_file_bytes"]
    min_article_chars: int = _DEFAULTS["min_article_chars"]
    near_duplicate_threshold: float = _DEFAULTS["near_duplicate_threshold"]
    minhash_permutations: int = _DEFAULTS["minhash_permutations"]
    shingle_words: int = _DEFAULTS["shingle_words"]
    min_shared_passage_words: int = _DEFAULTS["min_shared_passage_words"]
    batch_size: int = _DEFAULTS["batch_size"]

    def __post_init__(self) -> None:
        if not 0.0 < self.near_duplicate_threshold < 1.0:
            raise ConfigError(
                f"near_duplicate_threshold must be between 0 and 1 (exclusive), "
                f"got {self.near_duplicate_threshold}")
        for name in ("max_file_bytes", "minhash_permutations", "shingle_words", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)}")

    def replace(self, **changes: Any) -> Settings:
        """A copy with the given non-None values changed (CLI flags map onto this)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then the user's TOML file (only the keys it sets), then ``overrides``."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
        unknown = set(values) - set(_DEFAULTS)
        if unknown:
            raise ConfigError(f"unknown setting(s) in {path}: {', '.join(sorted(unknown))}; "
                              f"known: {', '.join(sorted(_DEFAULTS))}")
    return Settings(**values).replace(**overrides)
