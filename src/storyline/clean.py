"""The clean stage: a raw article in, a cleaned article (or a rejection) out.

``clean`` removes what is not reporting and logs every removal with its reason, so
the cleaned text can be audited against the raw one:

1. metadata the text carries (datelines, bylines, "Source: X" lines, a leading outlet
   tag) is moved into the article's fields (``ingest.metadata`` finds it);
2. the title repeated at the top of the body is dropped;
3. boilerplate lines (engagement prompts, comment footers, cookie notices) and
   "Read also" blocks (the heading and the related headlines under it) are dropped,
   following the rules in ``storyline/rules/*.toml``;
4. boilerplate glued onto the end of the last paragraph ("...the case.Leave a review")
   is cut off;
5. paragraphs repeated within the article are dropped (the first one stays).

The reporting text itself is never rewritten (no quote or spelling normalisation):
later stages cite character spans of ``Article.text``. Only whitespace inside a
paragraph is collapsed.

Rules are data: ``rules/clean_<language>.toml`` (``rules/clean_common.toml`` documents
the format);
``load_rules`` reads the shipped files and an optional user file that extends them.
Every language's rules apply to every article: a site's footer is in the language of
its interface, not of the article (the English OREANDA sample ends in the Russian
"Комментарии").
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.errors import ConfigError
from storyline.ingest.metadata import extract_text_metadata
from storyline.records import (
    Article,
    MetadataSpan,
    Paragraph,
    RawArticle,
    Rejected,
    Removal,
    TextMetadata,
)
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

__all__ = ["BoilerplateRule", "CleanRules", "article_id", "clean", "load_rules"]

RULE_KINDS = ("line", "block")
# The rules folder is shared by several stages (quote cues, entity aliases ...); the
# clean stage reads only its own files, rules/clean_<language>.toml.
RULE_FILE_PREFIX = "clean_"
_RULE_KEYS = frozenset({"id", "kind", "reason", "patterns", "max_chars", "trailing",
                        "examples", "enabled"})
_LIMIT_KEYS = ("headline_max_chars", "block_max_items", "repeated_paragraph_min_chars")

# Decorations a boilerplate line may carry around its words: list markers and arrows in
# front, punctuation and arrows behind ("» Leave a comment", "Read also:", "Share →").
_LEAD_MARKS = r"[\s\-–—•*·▪►>|#]*"
_TAIL_MARKS = r"[\s.:!…»›→|]*"
# Glued boilerplate is only cut right after the end of a sentence ("case.Leave a review").
_GLUE_POINT = r"(?<=[.!?…\"”»)\]])[ \t]*"
_LIST_ITEM = re.compile(r"^(?:[-–—•*·▪►>]|\d{1,2}[.)])\s+\S")
_SENTENCE_END = re.compile(r"[.!?…:;][\"”»’)\]]*$")

_Para = tuple[int, str]  # (raw line index, text); module-internal only
_Step = Callable[[list[_Para]], tuple[list[_Para], list[Removal]]]


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    """One cleaning rule, as read from a rules file and compiled.

    ``kind`` "line": a whole line matching ``patterns`` (and not longer than
    ``max_chars``) is removed; with ``trailing`` it is also cut when glued onto the
    end of the last paragraph. ``kind`` "block": a heading ("Read also:") that is
    removed together with the related headlines listed under it.
    """

    id: str
    kind: str
    language: str
    reason: str
    patterns: tuple[str, ...]
    max_chars: int
    trailing: bool
    examples: tuple[str, ...]
    regex: re.Pattern[str]
    trailing_regex: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class CleanRules:
    """All cleaning rules and limits; picklable, so engines can ship it to workers."""

    rules: tuple[BoilerplateRule, ...]
    headline_max_chars: int
    block_max_items: int
    repeated_paragraph_min_chars: int
    files: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> tuple[BoilerplateRule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)


# --------------------------------------------------------------------------- the stage


def clean(raw: RawArticle, rules: CleanRules, settings: Settings) -> Article | Rejected:
    """Clean one raw article: remove boilerplate, move text metadata into fields.

    A pure function of its inputs. Values set by structured metadata (HTML, JSON,
    feeds) win over what text heuristics find; the heuristics fill only what is
    missing, and everything they found is kept in ``Article.origins``.

    Args:
        raw: the article as a reader produced it (one paragraph per line).
        rules: from ``load_rules()``.
        settings: ``min_article_chars`` decides when an article is empty.

    Returns:
        The ``Article`` (``removed`` lists every removal with its reason), or
        ``Rejected(stage="clean")`` when too little text is left.

    Example:
        >>> raw = RawArticle("a.txt", "", "txt", "by Admin\\nKyiv said it would talk.\\nLeave a review",
        ...                  title="Talks")
        >>> art = clean(raw, load_rules(), Settings(min_article_chars=10))
        >>> art.text, art.author, [r.rule for r in art.removed]
        ('Kyiv said it would talk.', 'Admin', ['byline', 'en.engagement'])
    """
    lines = raw.text.splitlines()
    meta = extract_text_metadata(lines, raw.title, known_outlet=raw.outlet)
    paras, removed = _cut_metadata(lines, meta, raw.title)
    steps: tuple[_Step, ...] = (
        functools.partial(_drop_repeated_title, title=raw.title, lead=meta.lead),
        functools.partial(_drop_boilerplate, rules=rules),
        functools.partial(_cut_trailing_glue, rules=rules),
        functools.partial(_drop_repeated_paragraphs, min_chars=rules.repeated_paragraph_min_chars),
    )
    for step in steps:
        paras, step_removed = step(paras)
        removed.extend(step_removed)
    text, offsets = _join_paragraphs([p for _, p in paras])
    if len(text) < settings.min_article_chars:
        return _reject(raw, text, removed, settings)
    return _build_article(raw, meta, text, offsets, removed)


def article_id(text: str) -> str:
    """The content id of a cleaned text: sha256 of its normalised form, 16 hex chars.

    Normalised = NFC, casefolded, whitespace collapsed, so the same text read from two
    files (or with different line wrapping or capitalisation) gets the same id.
    """
    normal = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return hashlib.sha256(" ".join(normal.split()).encode("utf-8")).hexdigest()[:16]


def _build_article(raw: RawArticle, meta: TextMetadata, text: str,
                   offsets: tuple[Paragraph, ...], removed: list[Removal]) -> Article:
    title_from_text = any(s.index == -1 for s in meta.spans)
    title = meta.value("title") if title_from_text else raw.title
    return Article(
        id=article_id(text), source=raw.source, locator=raw.locator, format=raw.format,
        text=text, title=_collapse(title) if title else None, source_id=raw.source_id,
        url=raw.url or meta.value("url"),
        outlet=raw.outlet or meta.value("outlet"),
        author=raw.author or meta.value("author"),
        published=raw.published or meta.value("published"),
        language=raw.language, paragraphs=offsets, removed=tuple(removed),
        origins=raw.origins + meta.origins,
    )


def _reject(raw: RawArticle, text: str, removed: Sequence[Removal], settings: Settings) -> Rejected:
    where = f" ({raw.locator})" if raw.locator else ""
    reason = (f"cleaned text{where} has {len(text)} characters, fewer than min_article_chars="
              f"{settings.min_article_chars}; {len(removed)} piece(s) were removed as "
              f"boilerplate or metadata (see the clean rules)")
    LOGGER.debug("rejected %s: %s", raw.source, reason)
    return Rejected(source=raw.source, reason=reason, stage="clean")


def _collapse(text: str) -> str:
    """Collapse runs of whitespace inside one paragraph (the only rewrite clean does)."""
    return " ".join(text.split())


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _join_paragraphs(texts: Sequence[str]) -> tuple[str, tuple[Paragraph, ...]]:
    offsets, start = [], 0
    for text in texts:
        offsets.append(Paragraph(start, start + len(text)))
        start += len(text) + 2
    return "\n\n".join(texts), tuple(offsets)


# --------------------------------------------------------------------------- steps


def _cut_metadata(lines: Sequence[str], meta: TextMetadata, title: str | None,
                  ) -> tuple[list[_Para], list[Removal]]:
    """Cut the metadata spans out of their lines; collapse whitespace; drop blanks."""
    removed = [Removal(_collapse(title or ""), f"moved to metadata: {span.field} (the first "
                       "line was not a title)", span.method)
               for span in meta.spans if span.index == -1]
    spans_by_line: dict[int, list[MetadataSpan]] = {}
    for span in meta.spans:
        if span.index >= 0:
            spans_by_line.setdefault(span.index, []).append(span)
    paras: list[_Para] = []
    for index, line in enumerate(lines):
        for span in sorted(spans_by_line.get(index, ()), key=lambda s: s.start, reverse=True):
            removed.append(Removal(_collapse(line[span.start:span.end]), _span_reason(span), span.method))
            line = line[:span.start] + line[span.end:]
        if line.strip():
            paras.append((index, _collapse(line)))
    return paras, removed


def _span_reason(span: MetadataSpan) -> str:
    if span.method == "outlet-tag":
        return f"leading outlet tag repeats the source: moved to metadata: {span.field}"
    return f"moved to metadata: {span.field}"


def _drop_repeated_title(paras: list[_Para], *, title: str | None, lead: int | None,
                         ) -> tuple[list[_Para], list[Removal]]:
    """Drop the title repeated above the lead (only there: a quote used as the title
    and repeated later in the body is reporting)."""
    if not title:
        return paras, []
    title_key = _key(title)
    first = paras[0][0] if paras else 0
    head_end = lead if lead is not None else first + 1
    kept, removed = [], []
    for index, text in paras:
        if index < head_end and _key(text) == title_key:
            removed.append(Removal(text, "repeated title", "repeated-title"))
        else:
            kept.append((index, text))
    return kept, removed


def _drop_boilerplate(paras: list[_Para], *, rules: CleanRules) -> tuple[list[_Para], list[Removal]]:
    """Drop boilerplate lines and "Read also" blocks (heading + related headlines)."""
    kept: list[_Para] = []
    removed: list[Removal] = []
    line_rules, block_rules = rules.of_kind("line"), rules.of_kind("block")
    heading: tuple[BoilerplateRule, str] | None = None
    items = 0
    for index, text in paras:
        line_rule = _match_line(text, line_rules)
        if line_rule is not None:
            removed.append(Removal(text, line_rule.reason, line_rule.id))
            continue  # a footer line inside a related block does not end the block
        block = _match_heading(text, block_rules)
        if block is not None:
            block_rule, inline = block
            removed.append(Removal(text, block_rule.reason, block_rule.id))
            heading, items = (None if inline else (block_rule, text)), 0
            continue
        if heading is not None and items < rules.block_max_items and _is_related_item(text, rules):
            removed.append(Removal(text, f"related headline listed under {heading[1]!r}", heading[0].id))
            items += 1
            continue
        heading = None
        kept.append((index, text))
    return kept, removed


def _match_line(text: str, rules: Iterable[BoilerplateRule]) -> BoilerplateRule | None:
    return next((r for r in rules if len(text) <= r.max_chars and r.regex.match(text)), None)


def _match_heading(text: str, rules: Iterable[BoilerplateRule]) -> tuple[BoilerplateRule, bool] | None:
    """(rule, inline) for a related-block heading; inline = "Read also: <headline>"."""
    for rule in rules:
        match = rule.regex.match(text) if len(text) <= rule.max_chars else None
        if match is None:
            continue
        tail = match.group("tail")
        if not tail:
            return rule, False
        if match.group("sep"):
            return rule, True
    return None


def _is_related_item(text: str, rules: CleanRules) -> bool:
    """A list item, or a short line that does not end like a sentence (a headline)."""
    if len(text) > rules.headline_max_chars:
        return False
    return bool(_LIST_ITEM.match(text)) or not _SENTENCE_END.search(text)


def _cut_trailing_glue(paras: list[_Para], *, rules: CleanRules) -> tuple[list[_Para], list[Removal]]:
    """Cut boilerplate glued onto the end of the last paragraph, repeatedly."""
    if not paras:
        return paras, []
    index, text = paras[-1]
    removed: list[Removal] = []
    while (cut := _trailing_match(text, rules)) is not None:
        rule, start = cut
        removed.append(Removal(text[start:].strip(), f"{rule.reason} (glued to the last paragraph)", rule.id))
        text = text[:start].rstrip()
    kept = paras[:-1] + ([(index, text)] if text else [])
    return kept, removed


def _trailing_match(text: str, rules: CleanRules) -> tuple[BoilerplateRule, int] | None:
    for rule in rules.rules:
        if rule.trailing_regex is None:
            continue
        # glued boilerplate is at most max_chars long: search only the paragraph's tail
        # (a lookbehind still sees the character before ``pos``)
        match = rule.trailing_regex.search(text, max(0, len(text) - rule.max_chars - 1))
        if match is not None and len(match.group(0).strip()) <= rule.max_chars:
            return rule, match.start()
    return None


def _drop_repeated_paragraphs(paras: list[_Para], *, min_chars: int,
                              ) -> tuple[list[_Para], list[Removal]]:
    """Drop later copies of a paragraph within this article (normalised comparison).

    Only within one article: the same paragraph in two articles is syndication, which
    dedupe records as a shared passage. Paragraphs shorter than ``min_chars`` may
    legitimately repeat ("He said:") and are kept.
    """
    seen: set[str] = set()
    kept, removed = [], []
    for index, text in paras:
        key = _key(text)
        if len(text) >= min_chars and key in seen:
            removed.append(Removal(text, "repeated paragraph: the same text appears earlier "
                                   "in this article (first occurrence kept)", "repeated-paragraph"))
            continue
        seen.add(key)
        kept.append((index, text))
    return kept, removed


# --------------------------------------------------------------------------- rules


def load_rules(path: Path | None = None, *, languages: Iterable[str] | None = None) -> CleanRules:
    """Load the shipped rule files (``rules/clean_*.toml``), then an optional user file.

    A user rule with the id of a shipped rule replaces it (``enabled = false`` switches
    it off); other user rules are added; ``[limits]`` keys override the shipped ones.

    Args:
        path: a user TOML file in the format of ``storyline/rules/clean_*.toml``.
        languages: keep only rules of these languages (and "common"); default all,
            because footers follow the site's language, not the article's.

    Raises:
        ConfigError: a file cannot be read, or a rule lacks a reason, has an unknown
            kind or key, or a pattern that does not compile; the message names the
            file and the rule.
    """
    shipped = resources.files("storyline").joinpath("rules")
    documents = [(str(f), _parse_toml(f.read_text(encoding="utf-8"), str(f)))
                 for f in sorted(shipped.iterdir(), key=lambda f: f.name)
                 if f.name.startswith(RULE_FILE_PREFIX) and f.name.endswith(".toml")]
    if path is not None:
        try:
            documents.append((str(path), _parse_toml(path.read_text(encoding="utf-8"), str(path))))
        except OSError as exc:
            raise ConfigError(f"cannot read clean rules file {path}: {exc}") from exc
    limits: dict[str, Any] = {}
    raw_rules: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for name, doc in documents:
        limits.update(_read_limits(doc, name))
        language = str(doc.get("language", "common"))
        for entry in doc.get("rules", []):
            rule_id = _require(entry, "id", name, "?")
            raw_rules[rule_id] = (name, language, entry)
    missing = [k for k in _LIMIT_KEYS if k not in limits]
    if missing:
        raise ConfigError(f"clean rules define no {', '.join(missing)}; set them under [limits]")
    wanted = None if languages is None else {*languages, "common"}
    compiled = tuple(_compile_rule(rule_id, name, language, entry, limits)
                     for rule_id, (name, language, entry) in raw_rules.items()
                     if entry.get("enabled", True) and (wanted is None or language in wanted))
    return CleanRules(rules=compiled, files=tuple(n for n, _ in documents),
                      **{k: int(limits[k]) for k in _LIMIT_KEYS})


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"clean rules file {name} is not valid TOML: {exc}") from exc


def _read_limits(doc: dict[str, Any], name: str) -> dict[str, Any]:
    limits = doc.get("limits", {})
    unknown = set(limits) - set(_LIMIT_KEYS)
    if unknown:
        raise ConfigError(f"{name}: unknown limit(s) {', '.join(sorted(unknown))}; "
                          f"known: {', '.join(_LIMIT_KEYS)}")
    return dict(limits)


def _require(entry: dict[str, Any], key: str, name: str, rule_id: str) -> Any:
    if key not in entry or entry[key] in ("", [], None):
        raise ConfigError(f"{name}: rule {rule_id!r} needs {key!r}"
                          + (" (say why the rule exists)" if key == "reason" else ""))
    return entry[key]


def _compile_rule(rule_id: str, name: str, language: str, entry: dict[str, Any],
                  limits: dict[str, Any]) -> BoilerplateRule:
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise ConfigError(f"{name}: rule {rule_id!r} has unknown key(s) {', '.join(sorted(unknown))}; "
                          f"known: {', '.join(sorted(_RULE_KEYS))}")
    kind = _require(entry, "kind", name, rule_id)
    if kind not in RULE_KINDS:
        raise ConfigError(f"{name}: rule {rule_id!r} has kind {kind!r}; use one of {RULE_KINDS}")
    patterns = tuple(_require(entry, "patterns", name, rule_id))
    body = "|".join(f"(?:{p})" for p in patterns)
    try:
        regex = re.compile(_line_regex(kind, body), re.IGNORECASE)
        trailing = (re.compile(f"{_GLUE_POINT}(?:{body}){_TAIL_MARKS}$", re.IGNORECASE)
                    if entry.get("trailing", False) else None)
    except re.error as exc:
        raise ConfigError(f"{name}: rule {rule_id!r} has a pattern that does not compile: {exc}") from exc
    return BoilerplateRule(
        id=rule_id, kind=kind, language=language, reason=_require(entry, "reason", name, rule_id),
        patterns=patterns, max_chars=int(_require(entry, "max_chars", name, rule_id)),
        trailing=trailing is not None, examples=tuple(entry.get("examples", ())),
        regex=regex, trailing_regex=trailing)


def _line_regex(kind: str, body: str) -> str:
    if kind == "line":
        return f"^{_LEAD_MARKS}(?:{body}){_TAIL_MARKS}$"
    # A block heading stands alone ("Read also:") or carries one headline after a
    # separator ("Читайте также: ..."); without a separator it is a sentence.
    return rf"^{_LEAD_MARKS}(?:{body})\s*(?P<sep>[:：—–-])?\s*(?P<tail>.*?){_TAIL_MARKS}$"
