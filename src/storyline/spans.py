"""Helpers for character spans into an article's text (every stage cites spans)."""

from __future__ import annotations


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` shrunk past leading and trailing whitespace of ``text[start:end]``,
    so a cited span never begins or ends with a space or newline."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
