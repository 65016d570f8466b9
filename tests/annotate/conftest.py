"""Fixtures for the language layer: the pinned model (loaded once) and the sample corpus.

Until the clean stage lands, ``sample_article`` builds Articles from the sample .txt files
with a deliberately small rule set (title = first line that is not a dateline; text = the
remaining unique, non-boilerplate lines joined by blank lines). The lead will switch these
fixtures to the real ``clean()`` output.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from storyline.annotate import load_model, load_rules
from storyline.records import Article, Paragraph

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "putin-dprk-2024"
# Lines that are page furniture, not reporting (seen in the sample files).
BOILERPLATE = re.compile(r"^(leave a (review|comment)|source link|you may also like|read also:|"
                         r"комментарии|by admin|source: [\w-]+|this website uses cookies.*)$", re.I)
DATELINE = re.compile(r"^\d{2}\.\d{2}\.\d{4},? \d{2}:\d{2}$")


def article_from_lines(name: str, raw: str, published: str | None = None) -> Article:
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    lines = [line for line in lines if not DATELINE.match(line)]
    title = lines[0]
    body = [line for line in dict.fromkeys(lines[1:])
            if line != title and not BOILERPLATE.match(line) and not line.startswith("- ")]
    text = "\n\n".join(body)
    paragraphs, pos = [], 0
    for line in body:
        paragraphs.append(Paragraph(pos, pos + len(line)))
        pos += len(line) + 2
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return Article(id=digest, source=name, locator="", format="txt", text=text, title=title,
                   source_id=name.split("_")[0], published=published,
                   paragraphs=tuple(paragraphs))


def sample_article(prefix: str, published: str | None = None) -> Article:
    path = next(SAMPLE.glob(f"{prefix}_*.txt"))
    return article_from_lines(path.name, path.read_text(encoding="utf-8"), published)


@pytest.fixture(scope="session")
def nlp():
    return load_model()


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def make_sample_article():
    """Factory: ``make_sample_article("004", "2024-06-17T22:29:00")`` -> Article."""
    return sample_article
