"""Assemble a ``RawArticle`` from a reader's text and the metadata it found.

Readers collect ``FieldOrigin`` values in order of trust (what a JSON record or a
feed says about itself first, then what trafilatura/htmldate read from the page).
The first value for a field wins; the origins kept on the article are exactly the
ones whose values it carries, so every metadata value can be traced to its evidence.
"""

from __future__ import annotations

from collections.abc import Iterable

from storyline.records import FieldOrigin, RawArticle

# RawArticle fields that hold metadata with a FieldOrigin.
METADATA_FIELDS: tuple[str, ...] = ("title", "url", "outlet", "author", "published", "language")


def origin(field: str, value: object, method: str, evidence: object = None) -> FieldOrigin | None:
    """A FieldOrigin for a non-empty string value (whitespace collapsed), else None."""
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    if not cleaned:
        return None
    raw = value if evidence is None else evidence
    return FieldOrigin(field, cleaned, method, str(raw).strip())


def make_article(
    source: str,
    locator: str,
    fmt: str,
    text: str,
    origins: Iterable[FieldOrigin | None],
    *,
    source_id: str | None = None,
    notes: Iterable[str] = (),
) -> RawArticle:
    """A RawArticle whose metadata is the first origin given for each field.

    Args:
        source: the file path.
        locator: where in the file ("" for a whole file, "line 3", "record 2").
        fmt: the reader ("text", "html", "json", "feed", "warc").
        text: the article text, one paragraph per line.
        origins: candidate values, most trusted first; ``None`` entries are skipped.
        source_id: the source's own id for the article, if it has one.
        notes: what the reader did that a user may want to know.

    Example:
        >>> a = make_article("a.json", "line 1", "json", "Body.",
        ...                  [origin("title", "T", "json"), origin("title", "U", "trafilatura")])
        >>> a.title, [o.method for o in a.origins]
        ('T', ['json'])
    """
    chosen: dict[str, FieldOrigin] = {}
    for item in origins:
        if item is not None and item.field in METADATA_FIELDS and item.field not in chosen:
            chosen[item.field] = item
    values = {name: chosen[name].value if name in chosen else None for name in METADATA_FIELDS}
    ordered = tuple(chosen[name] for name in METADATA_FIELDS if name in chosen)
    return RawArticle(source=source, locator=locator, format=fmt, text=text,
                      source_id=source_id, origins=ordered, notes=tuple(notes), **values)
