"""The one module that knows the order of the stages.

    ingest (read_file) -> clean -> dedupe.signature      per file, pure: any engine can run it
    store: exact duplicates, DedupeIndex (near duplicates, shared passages)
    annotate (new articles only; the model is loaded once, on first need) -> commit per batch

Per-file work (`process_file`) is a pure function of the file and the settings, so an
engine can run it in another process. Everything that needs the whole corpus (the
dedupe index, the store) happens here, in one place, in ingest order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline import dedupe
from storyline.clean import CleanRules, clean, load_rules
from storyline.ingest import discover, read_file
from storyline.records import Annotations, Article, IngestOutcome, IngestReport, Rejected, Signature
from storyline.settings import Settings
from storyline.store import Store

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileResult:
    """What the per-file stages made of one input file."""

    path: str
    size: int
    articles: tuple[tuple[Article, Signature], ...] = ()
    rejected: tuple[Rejected, ...] = ()


def process_file(path: Path, settings: Settings, rules: CleanRules) -> FileResult:
    """Read, clean and sign every article of one file. Pure: no store, no globals."""
    articles: list[tuple[Article, Signature]] = []
    rejected: list[Rejected] = []
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    for item in read_file(path, settings):
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        cleaned = clean(item, rules, settings)
        if isinstance(cleaned, Rejected):
            rejected.append(cleaned)
            continue
        articles.append((cleaned, dedupe.signature(cleaned, settings)))
    return FileResult(str(path), size, tuple(articles), tuple(rejected))


@dataclass
class IngestProgress:
    """Hooks the caller (the CLI's progress bar) can set; all optional."""

    on_start: Callable[[int, int], None] = lambda files, total_bytes: None
    on_file: Callable[[FileResult], None] = lambda result: None
    on_rejected: Callable[[Rejected], None] = lambda rejected: None
    # With an engine: articles back from the workers so far (stored or not yet).
    on_worked: Callable[[int], None] = lambda articles: None


class Annotator:
    """The language layer with its model loaded once, on first use (loading spaCy
    costs seconds; a re-ingest that finds nothing new never pays it)."""

    def __init__(self) -> None:
        self._nlp: Any = None
        self._rules: Any = None

    def annotate(self, articles: list[Article]) -> Iterator[Annotations]:
        if not articles:
            return iter(())
        from storyline import annotate  # heavy import (spaCy), only when needed

        if self._nlp is None:
            self._nlp = annotate.load_model()
            self._rules = annotate.load_rules()
        return annotate.annotate_many(articles, self._nlp, self._rules)


@dataclass
class _Tally:
    read: int = 0
    new: int = 0
    exact: int = 0
    already: int = 0
    near: int = 0
    shared: int = 0
    bytes_read: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def load_dedupe_index(store: Store, settings: Settings) -> dedupe.DedupeIndex:
    """Rebuild the near-duplicate and shared-passage index from stored signatures,
    so an incremental ingest links new articles to everything stored before."""
    index = dedupe.DedupeIndex.from_settings(settings)
    index.load(
        Signature(article_id, dedupe.minhash_from_bytes(blob), tuple(passages), scheme)
        for article_id, blob, scheme, passages in store.signatures())
    return index


def ingest(paths: Iterable[Path], store: Store, settings: Settings, *,
           rules: CleanRules | None = None,
           progress: IngestProgress | None = None,
           annotator: Annotator | None = None,
           map_files: Callable[..., Iterator[FileResult]] | None = None,
           engine: Any = None) -> IngestReport:
    """Ingest files and folders into ``store``. Idempotent: re-running adds nothing.

    Args:
        paths: files or folders (searched recursively).
        store: an open store; each batch of files is committed in one transaction.
        settings: thresholds and limits.
        rules: cleaning rules (default: the shipped ones).
        progress: optional progress hooks.
        annotator: runs the language layer on each new article; None skips it
            (`storyline annotate` can run it later).
        map_files: how to run ``process_file`` over the files (default: in-process);
            an engine passes its own parallel map here.
        engine: a ``storyline.engine.Engine`` to run the per-file stages and the
            language layer on (workers, Ray); the store, dedupe index and the decision
            what is new stay here, in input order, so the results are those of a local
            run. None: everything in this process (as before).
    """
    started = time.perf_counter()
    rules = rules or load_rules()
    progress = progress or IngestProgress()
    tally = _Tally()
    files: list[Path] = []
    for item in discover(paths):
        if isinstance(item, Rejected):
            tally.rejected.append(item)
            progress.on_rejected(item)
        else:
            files.append(item)
    progress.on_start(len(files), sum(_size(p) for p in files))
    index = load_dedupe_index(store, settings)
    mapper = map_files or _map_local
    if engine is not None:
        from storyline.engine.ingest import EngineIngest

        plan = EngineIngest(engine, store, annotate=annotator is not None, on_worked=progress.on_worked)
        mapper, annotator = plan.map_files, (plan if annotator is not None else None)  # type: ignore[assignment]
    batch: list[FileResult] = []
    for result in mapper(process_file, files, settings, rules):
        batch.append(result)
        if sum(len(r.articles) for r in batch) >= settings.batch_size:
            _store_batch(batch, store, index, tally, progress, annotator)
            batch = []
    if batch:
        _store_batch(batch, store, index, tally, progress, annotator)
    return IngestReport(
        read=tally.read, new=tally.new, exact_duplicates=tally.exact,
        already_ingested=tally.already, near_duplicates=tally.near,
        shared_passages=tally.shared, rejected=tuple(tally.rejected),
        seconds=time.perf_counter() - started, bytes_read=tally.bytes_read,
        failed=bool(tally.rejected))


def _map_local(func: Callable[..., FileResult], files: list[Path],
               settings: Settings, rules: CleanRules) -> Iterator[FileResult]:
    for path in files:
        yield func(path, settings, rules)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _store_batch(batch: list[FileResult], store: Store, index: dedupe.DedupeIndex,
                 tally: _Tally, progress: IngestProgress, annotator: Annotator | None) -> None:
    """Store one batch of files (articles, links, annotations) in one transaction,
    then report them."""
    with store.atomic():
        new: list[Article] = []
        for result in batch:
            for article, sig in result.articles:
                outcome = store_article(article, sig, store, index, tally)
                LOGGER.debug("%s %s: %s", outcome.source, outcome.locator, outcome.status)
                if outcome.status == "new":
                    new.append(article)
            for rejected in result.rejected:
                store.add_rejection(rejected)
        if annotator is not None:
            for annotations in annotator.annotate(new):
                store.put_annotations(annotations)
    for result in batch:
        tally.bytes_read += result.size
        for rejected in result.rejected:
            tally.rejected.append(rejected)
            progress.on_rejected(rejected)
        progress.on_file(result)


def store_article(article: Article, sig: Signature, store: Store,
                  index: dedupe.DedupeIndex, tally: _Tally | None = None) -> IngestOutcome:
    """Decide what one cleaned article is (new, exact duplicate, already ingested) and
    store it accordingly. Must run inside ``store.atomic()``."""
    tally = tally or _Tally()
    tally.read += 1
    known = store.source_article(article.source, article.locator)
    if known == article.id:
        tally.already += 1
        return IngestOutcome(article.id, article.source, article.locator, "already-ingested")
    if store.has_article(article.id):
        store.add_source(article, article.id)
        tally.exact += 1
        return IngestOutcome(article.id, article.source, article.locator, "exact-duplicate", article.id)
    matches = index.add(sig)
    store.add_article(article, sig, dedupe.minhash_to_bytes(sig.minhash))
    store.add_source(article, article.id)
    store.add_links(matches.links, matches.passages)
    tally.new += 1
    tally.near += len(matches.links)
    tally.shared += len(matches.passages)
    return IngestOutcome(article.id, article.source, article.locator, "new")


def annotate_stored(store: Store, annotator: Annotator, *, redo: bool = False,
                    batch_size: int = 100, on_batch: Callable[[int], None] | None = None) -> int:
    """(Re-)annotate stored articles: those never annotated, those annotated by another
    model, or all of them with ``redo``. Returns how many were annotated."""
    ids = [a.id for a in store.articles()] if redo else store.unannotated(_model_label(annotator))
    for start in range(0, len(ids), batch_size):
        chunk = list(store.articles(ids[start:start + batch_size]))
        with store.atomic():
            for annotations in annotator.annotate(chunk):
                store.put_annotations(annotations)
        if on_batch:
            on_batch(len(chunk))
    return len(ids)


def _model_label(annotator: Annotator) -> str:
    from storyline.annotate import MODEL_PIN

    # The label annotate.model_label() gives the pinned model once loaded.
    return f"{MODEL_PIN.name} {MODEL_PIN.version}"


STORY_ENTITY_KINDS = ("person", "org", "place")


def story_inputs(store: Store, ids: Iterable[str] | None = None) -> list[Any]:
    """What the story clusterer reads of each stored article (or of the given ids, in
    ingest order): title, text, time, outlet and the corpus-wide identities of the
    people, organisations and places it names (from the language layer, when it ran).
    An article without a publication date gets a ``time_hint``: the latest day its text
    reports; every article the first day its text speaks of in the future, if any
    (``stories.timehint``).

    Entities are resolved against the whole corpus, from the entity keys and surface
    texts the store reads out of every annotation (``Store.entity_texts``), so building
    the inputs of a few new articles does not read the others back."""
    from storyline.annotate.entities import entity_links
    from storyline.records import StoryInput
    from storyline.stories.timehint import anticipated_day, estimate_time_hint

    wanted = None if ids is None else list(ids)
    if wanted == []:
        return []
    links = entity_links(store.entity_texts())
    annotations = {a.article_id: a for a in store.annotations(wanted)}
    inputs = []
    for article in store.articles(wanted):
        ann = annotations.get(article.id)
        keys = () if ann is None else tuple(dict.fromkeys(
            links.get(m.entity_id, m.entity_id) for m in ann.mentions
            if m.entity_id and m.kind in STORY_ENTITY_KINDS))
        hint = None if article.published or ann is None else estimate_time_hint(ann.timerefs, article.text)
        ahead = None if ann is None else anticipated_day(ann.timerefs, article.text)
        inputs.append(StoryInput(article_id=article.id, title=article.title or "", text=article.text,
                                 published=article.published, outlet=article.outlet,
                                 source_id=article.source_id, entities=keys,
                                 language=article.language, time_hint=hint, anticipates=ahead))
    return inputs


def update_stories(store: Store, *, recluster: bool = False, engine: Any = None) -> Any:
    """Cluster stored articles into stories. Incremental: the clusterer's state is kept
    in the store, so story ids stay stable as later ingests add articles, and an update
    builds the inputs of the articles it has not seen only (an update after a small
    ingest costs what the new articles cost, not the corpus); ``recluster`` starts from
    scratch with the current settings. With an ``engine`` the sentence embeddings (the
    costly, per-article part) are computed on it, in fixed chunks, so every engine gives
    the same vectors and stories; clustering stays here."""
    from storyline.stories import StoryClusterer

    state = None if recluster else store.story_state()
    clusterer = StoryClusterer.from_state(state) if state else StoryClusterer()
    fresh = recluster or state is None
    if fresh:
        inputs = story_inputs(store)
    else:
        seen = set(clusterer.article_ids_)
        inputs = story_inputs(store, [i for i in store.article_ids() if i not in seen])
    vectors = None
    if engine is not None and clusterer.embedding == "minilm" and inputs:
        from storyline.engine.stories import embed_inputs

        vectors = embed_inputs(engine, inputs)
    clusterer = clusterer.fit(inputs, vectors) if fresh else clusterer.partial_fit(inputs, vectors)
    with store.atomic():
        store.put_story_state(clusterer.to_state(), len(clusterer.article_ids_))
    return clusterer


# --------------------------------------------------------------------------- analysis


def analysis_models(store: Store, *, embeddings: bool = True, annotate_missing: bool = True) -> Any:
    """The models analysis reads with: spaCy (loaded and verified), the packaged
    sentence encoder (None with ``embeddings=False``: words only) and the corpus-wide
    entity resolver fitted on every stored annotation. Articles ingested without the
    language layer are annotated (and stored) first, unless ``annotate_missing`` is
    False (a server must not spend hours on a ``--no-annotate`` database before its first
    page; ``analyse_stories`` then annotates each story's articles when it reads them)."""
    from storyline.align import Models
    from storyline.annotate import EntityResolver, load_model

    if annotate_missing:
        annotate_stored(store, Annotator())
    encode = None
    if embeddings:
        from storyline.embed import embed_texts

        encode = embed_texts
    resolver = EntityResolver().fit(list(store.annotations()))
    return Models(nlp=load_model(), encode=encode, resolver=resolver)


def analyse_stories(store: Store, stories: Iterable[Any], models: Any, *, budget: Any = None,
                    on_story: Callable[[Any], None] | None = None) -> list[Any]:
    """``align.analyse_story`` for each story, reading its articles, annotations and
    dedupe links from the store. Articles without annotations are annotated first."""
    from storyline.align import Budget, analyse_story

    budget = budget or Budget()
    out = []
    for story in stories:
        ids = [a.id for a in story.articles]
        articles = list(store.articles(ids))
        annotations = {a.article_id: a for a in store.annotations(ids)}
        missing = [a for a in articles if a.id not in annotations]
        if missing:
            annotations |= {a.article_id: a for a in Annotator().annotate(missing)}
        members = set(ids)
        passages = [p for i in ids for p in store.shared_passages(i) if p.other_id in members]
        near = [n for n in store.near_duplicates() if n.article_id in members and n.other_id in members]
        analysis = analyse_story(story, articles, annotations, models, passages=passages, near=near,
                                 budget=budget)
        out.append(analysis)
        if on_story:
            on_story(analysis)
    return out


def keyed_stories(store: Store, paths: Iterable[Path], key: str) -> list[Any]:
    """Stories given by the user: JSON Lines records grouped by the value of ``key``
    (records without it are left out, with a warning), each story one event."""
    import json

    from storyline.records import Story, StoryArticle, StoryEvent

    groups: dict[str, list[str]] = {}
    missing = 0
    for found in discover(paths):
        if isinstance(found, Rejected) or found.suffix.lower() not in (".jsonl", ".ndjson", ".json"):
            continue
        with open(found, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                value = record.get(key) if isinstance(record, dict) else None
                article_id = store.source_article(str(found), f"line {number}")
                if value is None or article_id is None:
                    missing += value is None
                    continue
                members = groups.setdefault(str(value), [])
                if article_id not in members:
                    members.append(article_id)
    if missing:
        LOGGER.warning("%d records have no %r field: left out of the stories", missing, key)
    stories = []
    for value, ids in groups.items():
        articles = list(store.articles(ids))
        listed = tuple(StoryArticle(id=a.id, title=a.title or "", source_id=a.source_id, outlet=a.outlet,
                                    published=a.published) for a in articles)
        days = sorted(a.published[:10] for a in articles if a.published)
        story_id = f"{key}:{value}"
        title = next((a.title for a in articles if a.title), value)
        event = StoryEvent(id=f"{story_id}/e1", story_id=story_id, title=title,
                           article_ids=tuple(a.id for a in articles),
                           start=days[0] if days else None, end=days[-1] if days else None)
        stories.append(Story(id=story_id, title=title, description=_lead(articles), articles=listed,
                             events=(event,), first_seen=event.start, last_seen=event.end,
                             outlets=tuple(sorted({a.outlet for a in articles if a.outlet}))))
    return stories


def _lead(articles: list[Article]) -> str:
    from storyline.stories.events import first_sentence

    first = articles[0] if articles else None
    return first_sentence(first.text, first.title or "") if first else ""


__all__ = ["Annotator", "analyse_stories", "analysis_models", "keyed_stories", "story_inputs", "update_stories", "annotate_stored", "FileResult", "IngestProgress", "ingest", "load_dedupe_index", "process_file",
           "store_article"]
