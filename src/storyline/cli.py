"""The ``storyline`` command: a thin shell over the library.

Each command parses its options, makes one library call, prints the result (Rich for
people, ``--json`` for scripts) and turns problems into one clear line and an exit code.
Article text is untrusted: it is always printed as plain ``Text``, never as markup.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from storyline import pipeline
from storyline.errors import StorylineError
from storyline.records import Article, IngestReport, Rejected
from storyline.report import FORMATS, render, story_json
from storyline.settings import Settings, load_settings
from storyline.store import Store, is_postgres_url, open_store

app = typer.Typer(
    help="Storyline: read news from many outlets and tell what actually happened.",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None)

DbOption = Annotated[str, typer.Option("--db", help="Database file (SQLite) or postgresql:// URL.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DEFAULT_DB = "storyline.db"


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(message: str, code: int = 2) -> typer.Exit:
    _console(stderr=True).print(Text(f"error: {message}", style="bold red"))
    return typer.Exit(code)


def _open(db: str, *, must_exist: bool = True) -> Store:
    if must_exist and db != ":memory:" and not is_postgres_url(db) and not Path(db).exists():
        raise _fail(f"database {db} does not exist; run `storyline ingest PATH --db {db}` first")
    try:
        return open_store(db)
    except StorylineError as exc:
        raise _fail(str(exc)) from exc


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except StorylineError as exc:
        raise _fail(str(exc)) from exc


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# ----------------------------------------------------------------------------- ingest


EngineOption = Annotated[str, typer.Option(
    "--engine", help="Where the per-article work runs (reading, cleaning, the language layer, "
                     "embeddings): local (this process), processes (a worker process per core) "
                     "or ray (Ray Data; pip install 'storyline[ray]'). Results are the same on "
                     "every engine.")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Worker processes or Ray actors (default: one per core; on a Ray "
                             "cluster, its CPUs).")]
RayAddressOption = Annotated[str | None, typer.Option(
    "--ray-address", help="Run on this Ray cluster (e.g. ray://head:10001, or auto) instead of "
                          "starting a local Ray.")]


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (txt, html, json/jsonl, rss/atom, warc).")],
    db: DbOption = DEFAULT_DB,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    config: Annotated[Path | None, typer.Option(help="TOML file overriding default settings.")] = None,
    threshold: Annotated[float | None, typer.Option(
        "--near-duplicate-threshold", help="MinHash Jaccard threshold for near-duplicates.")] = None,
    annotate: Annotated[bool, typer.Option(
        "--annotate/--no-annotate",
        help="Run the language layer (entities, quotes, dates, numbers) on new articles.")] = True,
    engine_name: EngineOption = "local",
    workers: WorkersOption = None,
    ray_address: RayAddressOption = None,
) -> None:
    """Read news files into the database: clean them, find duplicates, index them.

    Example: storyline ingest examples/putin-dprk-2024/ --db storyline.db

    Example: storyline ingest corpus/ --engine processes --workers 2
    """
    settings = _settings(config, near_duplicate_threshold=threshold)
    engine = _engine(engine_name, workers, ray_address)
    store = _open(db, must_exist=False)
    err = _console(stderr=True)
    annotator = pipeline.Annotator() if annotate else None
    try:
        if quiet:
            report = pipeline.ingest(paths, store, settings, progress=_rejection_printer(err),
                                     annotator=annotator, engine=engine)
        else:
            report = _ingest_with_progress(paths, store, settings, err, annotator, engine=engine)
    except StorylineError as exc:
        raise _fail(str(exc)) from exc
    finally:
        store.close()
        if engine is not None:
            engine.close()
    if not quiet:
        _print_ingest_summary(report, db, engine)
    raise typer.Exit(1 if report.failed else 0)


def _engine(name: str, workers: int | None, address: str | None) -> Any:
    """None for "local" (the in-process path), else the engine from ``make_engine``."""
    from storyline.engine import EngineError, make_engine

    try:
        return None if name == "local" and not address else make_engine(name, workers=workers,
                                                                          address=address)
    except EngineError as exc:
        raise _fail(str(exc)) from exc


def _rejection_printer(err: Console) -> pipeline.IngestProgress:
    return pipeline.IngestProgress(on_rejected=lambda r: err.print(Text(_rejection_line(r), style="yellow")))


def _rejection_line(rejected: Rejected) -> str:
    where = f"{rejected.source}:{rejected.line}" if rejected.line is not None else rejected.source
    return f"skipped {where}: {rejected.reason}"


def _ingest_with_progress(paths: list[Path], store: Store, settings: Settings, err: Console,
                          annotator: pipeline.Annotator | None, *, engine: Any = None) -> IngestReport:
    columns = (TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
               TaskProgressColumn(), TransferSpeedColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[articles]} articles"), TextColumn("{task.fields[worked]}"))
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("ingest", total=None, articles=0, worked="")
        where = "" if engine is None else engine.describe()

        def on_worked(articles: int) -> None:
            # Articles back from the workers, ahead of the store (which commits per batch).
            bar.update(task, worked=f"stored, {articles} through {where}")
        done = {"files": 0, "articles": 0}

        def on_start(files: int, total_bytes: int) -> None:
            bar.update(task, total=files)

        def on_file(result: pipeline.FileResult) -> None:
            done["articles"] += len(result.articles)
            bar.update(task, advance=1, articles=done["articles"])

        hooks = pipeline.IngestProgress(
            on_start=on_start, on_file=on_file, on_worked=on_worked,
            on_rejected=lambda r: bar.console.print(Text(_rejection_line(r), style="yellow")))
        return pipeline.ingest(paths, store, settings, progress=hooks, annotator=annotator, engine=engine)


def _print_ingest_summary(report: IngestReport, db: str, engine: Any = None) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rate = report.read / report.seconds if report.seconds else 0.0
    rows = [("articles read", report.read), ("new articles stored", report.new),
            ("exact duplicates (stored once)", report.exact_duplicates),
            ("already in the database", report.already_ingested),
            ("near-duplicate links", report.near_duplicates),
            ("shared passages", report.shared_passages),
            ("inputs skipped", len(report.rejected))]
    for label, value in rows:
        table.add_row(label, str(value))
    table.add_row("time", f"{report.seconds:.1f} s ({rate:.0f} articles/s, "
                          f"{report.bytes_read / 1e6 / max(report.seconds, 1e-9):.2f} MB/s)")
    if engine is not None:
        table.add_row("engine", engine.describe())
        table.add_row("worker batches retried", str(engine.stats.retried))
        busy = ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in engine.stats.busy.items())
        table.add_row("time on the workers", busy or "-")
    out = _console(stderr=True)
    out.print(Panel(table, title=f"ingest → {db}", expand=False))
    for event in engine.stats.events if engine is not None else ():
        out.print(Text("  engine: " + event.line(), style="yellow"))
    for rejected in report.rejected:
        out.print(Text("  " + _rejection_line(rejected), style="yellow"))


# ----------------------------------------------------------------------------- articles


def article_json(article: Article, store: Store) -> dict[str, Any]:
    """The public JSON shape of an article (what `articles --json` prints)."""
    return {
        "id": article.id, "source_id": article.source_id, "source": article.source,
        "outlet": article.outlet, "title": article.title, "author": article.author,
        "published": article.published, "language": article.language, "url": article.url,
        "format": article.format, "text": article.text,
        "removed": [{"text": r.text, "reason": r.reason} for r in article.removed],
        "metadata_origins": [o.to_dict() for o in article.origins],
        "sources": store.sources_of(article.id),
    }


@app.command()
def articles(db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
             removed: Annotated[bool, typer.Option(help="Also list what cleaning removed.")] = True) -> None:
    """Print every stored article: metadata (and where each value came from), cleaned
    text, and what cleaning removed.

    Example: storyline articles --json > articles.json
    """
    store = _open(db)
    with store:
        if as_json:
            _print_json([article_json(a, store) for a in store.articles()])
            return
        console = _console()
        for article in store.articles():
            console.print(_article_panel(article, removed))


def _article_panel(article: Article, show_removed: bool) -> Panel:
    body = Text()
    meta = [("id", article.id), ("source_id", article.source_id), ("outlet", article.outlet),
            ("author", article.author), ("published", article.published),
            ("language", article.language), ("source", article.source)]
    origins = {o.field: o for o in article.origins}
    for key, value in meta:
        if value is None:
            continue
        body.append(f"{key}: ", style="bold")
        body.append(str(value))
        if key in origins:
            body.append(f"  (from {origins[key].method}: {origins[key].evidence!r})", style="dim")
        body.append("\n")
    body.append("\n")
    body.append(article.text)
    if show_removed and article.removed:
        body.append("\n\nremoved by cleaning:\n", style="bold magenta")
        for removal in article.removed:
            body.append(f"  - [{removal.reason}] ", style="magenta")
            body.append(_shorten(removal.text, 110) + "\n", style="dim")
    return Panel(body, title=Text(article.title or "(untitled)"), title_align="left")


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ----------------------------------------------------------------------------- search


@app.command()
def search(query: Annotated[str, typer.Argument(help="Words to search for (all must match).")],
           db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
           limit: Annotated[int, typer.Option(min=1, max=1000)] = 20) -> None:
    """Full-text search over titles and cleaned texts, best matches first.

    Example: storyline search "arms deals"
    """
    store = _open(db)
    with store:
        hits = store.search(query, limit=limit)
    if as_json:
        _print_json(hits)
        return
    console = _console()
    if not hits:
        console.print(Text(f"no article matches {query!r}"))
        return
    for hit in hits:
        line = Text()
        line.append(f"{hit['id']}  ", style="bold")
        line.append(f"{hit['outlet'] or '-'}  ", style="cyan")
        line.append(hit["title"] or "(untitled)")
        console.print(line)
        console.print(Text("    " + hit["snippet"].replace("\n", " "), style="dim"))


# ----------------------------------------------------------------------------- duplicates


@app.command()
def duplicates(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """List exact duplicates (one article, several sources), near-duplicate articles,
    and passages shared between different articles (copied or syndicated text).

    Example: storyline duplicates --json
    """
    store = _open(db)
    with store:
        data = _duplicates_data(store)
    if as_json:
        _print_json(data)
        return
    _print_duplicates(data)


def _duplicates_data(store: Store) -> dict[str, Any]:
    titles = {a.id: (a.title, a.outlet, a.text) for a in store.articles()}
    shared = []
    for sp in store.shared_passages():
        text = titles.get(sp.article_id, ("", "", ""))[2]
        shared.append({**sp.to_dict(), "text": text[sp.start:sp.end]})
    return {
        "exact": [{"article_id": aid, "title": titles.get(aid, ("",))[0], "sources": srcs}
                  for aid, srcs in store.exact_duplicates()],
        "near": [{**link.to_dict(), "title": titles.get(link.article_id, ("",))[0],
                  "other_title": titles.get(link.other_id, ("",))[0]} for link in store.near_duplicates()],
        "shared_passages": shared,
    }


def _print_duplicates(data: dict[str, Any]) -> None:
    console = _console()
    console.print(Text(f"exact duplicates: {len(data['exact'])}", style="bold"))
    for item in data["exact"]:
        console.print(Text(f"  {item['article_id']}  {item['title']}"))
        for src in item["sources"]:
            console.print(Text(f"      {src['source']} {src['locator']}".rstrip(), style="dim"))
    console.print(Text(f"near-duplicate pairs: {len(data['near'])}", style="bold"))
    for item in data["near"]:
        console.print(Text(f"  {item['similarity']:.2f}  {item['article_id']} {item['title']!r} "
                           f"~ {item['other_id']} {item['other_title']!r}"))
    console.print(Text(f"shared passages: {len(data['shared_passages'])}", style="bold"))
    for item in data["shared_passages"]:
        console.print(Text(f"  {item['kind']}: {item['article_id']}[{item['start']}:{item['end']}] = "
                           f"{item['other_id']}[{item['other_start']}:{item['other_end']}]  "
                           f"{_shorten(item['text'], 80)!r}"))


# ----------------------------------------------------------------------------- language layer


@app.command()
def annotate(db: DbOption = DEFAULT_DB,
             redo: Annotated[bool, typer.Option("--all", help="Re-annotate every article.")] = False) -> None:
    """Run the language layer on stored articles that lack annotations (or were
    annotated by another model version); `--all` redoes every article.

    Example: storyline annotate --all
    """
    store = _open(db)
    with store, Progress(TextColumn("[bold]annotate"), BarColumn(), MofNCompleteColumn(),
                         TimeElapsedColumn(), console=_console(stderr=True)) as bar:
        task = bar.add_task("annotate", total=store.count_articles())
        try:
            done = pipeline.annotate_stored(store, pipeline.Annotator(), redo=redo,
                                            on_batch=lambda n: bar.advance(task, n))
        except StorylineError as exc:
            raise _fail(str(exc)) from exc
    _console(stderr=True).print(Text(f"annotated {done} article(s)"))


def _annotated(store: Store) -> tuple[dict[str, Article], list[Any], Any]:
    """Articles, their annotations, and the corpus-wide entity resolver."""
    from storyline.annotate import EntityResolver

    annotations = list(store.annotations())
    articles_by_id = {a.id: a for a in store.articles([n.article_id for n in annotations])}
    return articles_by_id, annotations, EntityResolver().fit(annotations)


def _layer_rows(db: str, what: str) -> tuple[list[dict[str, Any]], Any]:
    from storyline.annotate import annotation_rows

    store = _open(db)
    with store:
        articles_by_id, annotations, resolver = _annotated(store)
    rows: list[dict[str, Any]] = []
    for ann in annotations:
        for row in annotation_rows(articles_by_id[ann.article_id], ann, what):
            for key in ("entity_id", "speaker_entity"):
                if row.get(key):
                    row[key] = resolver.resolve(row[key])
            rows.append(row)
    return rows, resolver


def _print_layer(db: str, what: str, as_json: bool,
                 columns: dict[str, Callable[[dict[str, Any]], str]]) -> None:
    """Print one kind of annotation as JSON rows, or as a table with the given columns
    plus the article span each row came from (cells are plain Text: never markup)."""
    rows, _ = _layer_rows(db, what)
    if as_json:
        _print_json(rows)
        return
    table = Table(*columns, "article")
    for row in rows:
        cells = [Text(cell(row)) for cell in columns.values()]
        table.add_row(*cells, f"{row['article_id']}[{row['start']}:{row['end']}]")
    _console().print(table)


@app.command()
def entities(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """People, organisations and places with one identity across the corpus, the names
    and roles each outlet used. `--json` lists every mention with its span.

    Example: storyline entities --json
    """
    rows, resolver = _layer_rows(db, "entities")
    if as_json:
        _print_json(rows)
        return
    table = Table("entity", "kind", "names used", "roles given", "articles")
    for entity in resolver.corpus_entities():
        if entity.kind not in ("person", "org", "place"):
            continue
        articles_seen = {m.split("/", 1)[0] for m in entity.members}
        table.add_row(Text(entity.name), Text(entity.kind), Text("; ".join(entity.aliases)),
                      Text("; ".join(dict.fromkeys(entity.roles))), str(len(articles_seen)))
    _console().print(table)


@app.command()
def quotes(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Who said what: direct and indirect quotes with speaker, cue verb and span.

    Example: storyline quotes --json
    """
    _print_layer(db, "quotes", as_json, {
        "speaker": lambda r: r["speaker"] or "?", "kind": lambda r: r["kind"],
        "cue": lambda r: r["cue"] or "", "quote": lambda r: _shorten(r["text"], 90)})


@app.command()
def dates(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Time references on a calendar: value, granularity and how each was resolved.

    Example: storyline dates --json
    """
    _print_layer(db, "dates", as_json, {
        "text": lambda r: r["text"], "value": lambda r: r["value"] or "unresolved",
        "granularity": lambda r: r["granularity"], "resolved from": lambda r: r["resolved_from"] or ""})


@app.command()
def numbers(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Numbers with their qualifiers and what they count ("roughly 100 countries").

    Example: storyline numbers --json
    """
    _print_layer(db, "numbers", as_json, {
        "text": lambda r: r["text"], "value": lambda r: str(r["value"]),
        "qualifier": lambda r: r["qualifier"] or "", "counts": lambda r: r["counts"] or ""})


# ----------------------------------------------------------------------------- stories


@app.command()
def stories(db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
            recluster: Annotated[bool, typer.Option(
                "--recluster", help="Rebuild all stories from scratch with the current settings.")] = False,
            engine_name: EngineOption = "local",
            workers: WorkersOption = None,
            ray_address: RayAddressOption = None,
            ) -> None:
    """Which articles tell the same story, and the events inside each story.

    New articles join the stories found before (ids stay stable); `--recluster`
    starts over. With `--engine processes|ray` the sentence embeddings (the costly,
    per-article part) run on the engine; clustering stays here. Example: storyline
    stories --json
    """
    engine = _engine(engine_name, workers, ray_address)
    store = _open(db)
    with store:
        try:
            clusterer = pipeline.update_stories(store, recluster=recluster, engine=engine)
        except StorylineError as exc:
            raise _fail(str(exc)) from exc
        finally:
            if engine is not None:
                engine.close()
    found = clusterer.stories_
    if as_json:
        _print_json([story_json(s) for s in found])
        return
    console = _console()
    for story in found:
        body = Text()
        body.append(story.description + "\n", style="italic")
        estimate = "  (dates estimated from the text of undated articles)" if story.estimated else ""
        body.append(f"{story.first_seen or '?'} → {story.last_seen or '?'}{estimate}   outlets: "
                    f"{', '.join(story.outlets) or '-'}\n", style="dim")
        for event in story.events:
            about = "≈ " if event.estimated else ""
            body.append(f"\n● {about}{event.start or '?'} – {event.end or '?'}  ", style="bold cyan")
            body.append(event.title + "\n")
            titles = {a.id: a for a in story.articles}
            for aid in event.article_ids:
                art = titles.get(aid)
                body.append(f"    {aid}  {(art.outlet if art else None) or '-'}: ", style="dim")
                body.append((art.title if art else "") + "\n")
        console.print(Panel(body, title=Text(f"{story.id}  {story.title}"), title_align="left"))


# ----------------------------------------------------------------------------- reports

FormatOption = Annotated[str, typer.Option("--format", "-f", help="Report format: md, html or json.")]
OutOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file "
                                                 "(default: standard output).")]
WordsOption = Annotated[int | None, typer.Option("--words", min=1, help="Brief length budget in words "
                                                  "(default 150).")]
BytesOption = Annotated[int | None, typer.Option("--bytes", min=1, help="Brief length budget in UTF-8 bytes.")]
NoEmbeddingsOption = Annotated[bool, typer.Option(
    "--no-embeddings", help="Compare sentences by their words only (faster; misses translations).")]


def _budget(words: int | None, size: int | None) -> Any:
    from storyline.align import DEFAULT_BRIEF_WORDS, Budget

    if words is None and size is None:
        words = DEFAULT_BRIEF_WORDS
    return Budget(words=words, bytes=size)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def _write_report(store: Store, story_list: list[Any], fmt: str, output: Path | None, budget: Any,
                  embeddings: bool, title: str) -> None:
    err = _console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("loading models", total=len(story_list))
        models = pipeline.analysis_models(store, embeddings=embeddings)
        bar.update(task, description="analysing stories")
        analyses = pipeline.analyse_stories(store, story_list, models, budget=budget,
                                            on_story=lambda _: bar.advance(task))
    articles = {a.id: a for a in store.articles([x.id for s in story_list for x in s.articles])}
    text = render(analyses, fmt, articles, title=title)
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err.print(Text(f"wrote {fmt} report on {len(analyses)} stories to {output.resolve()}"))


@app.command()
def show(story: Annotated[str, typer.Argument(help="Story id (as `storyline stories` lists it).")],
         db: DbOption = DEFAULT_DB, fmt: FormatOption = "md", output: OutOption = None,
         words: WordsOption = None, size: BytesOption = None,
         no_embeddings: NoEmbeddingsOption = False) -> None:
    """The full analysis of one story: brief, facts, quote groups, timeline, network.

    Example: storyline show s-1a2b3c4d --format html -o story.html
    """
    _check_format(fmt)
    store = _open(db)
    with store:
        try:
            clusterer = pipeline.update_stories(store)
            wanted = clusterer.resolve(story)
            found = [s for s in clusterer.stories_ if s.id == wanted]
            if not found:
                raise _fail(f"no story {story!r} in {db}; `storyline stories --db {db}` lists them")
            _write_report(store, found, fmt, output, _budget(words, size), not no_embeddings,
                          title=found[0].title)
        except StorylineError as exc:
            raise _fail(str(exc)) from exc


@app.command()
def brief(paths: Annotated[list[Path], typer.Argument(help="Files or folders to read.")],
          db: Annotated[str | None, typer.Option("--db", help="Database to ingest into and keep "
                                                 "(default: a temporary one).")] = None,
          fmt: FormatOption = "md", output: OutOption = None, words: WordsOption = None,
          size: BytesOption = None,
          story_key: Annotated[str | None, typer.Option(
              "--story-key", help="Group JSON Lines records into stories by this field instead of "
                                  "clustering them.")] = None,
          no_embeddings: NoEmbeddingsOption = False) -> None:
    """One shot: ingest PATH... and write the report of every story found.

    Example: storyline brief examples/putin-dprk-2024 --format html -o brief.html
    """
    import tempfile

    _check_format(fmt)
    with tempfile.TemporaryDirectory(prefix="storyline-") as tmp:
        location = db or str(Path(tmp) / "brief.db")
        store = _open(location, must_exist=False)
        with store:
            err = _console(stderr=True)
            try:
                _ingest_with_progress(paths, store, _settings(None), err, pipeline.Annotator())
            except StorylineError as exc:
                raise _fail(str(exc)) from exc
            if story_key:
                found = pipeline.keyed_stories(store, paths, story_key)
            else:
                found = pipeline.update_stories(store).stories_
            if not found:
                raise _fail("no article could be read from the given paths; nothing to report")
            try:
                _write_report(store, found, fmt, output, _budget(words, size), not no_embeddings,
                              title="Storyline brief: " + ", ".join(str(p) for p in paths))
            except StorylineError as exc:
                raise _fail(str(exc)) from exc


# ----------------------------------------------------------------------------- web

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


@app.command()
def serve(db: DbOption = DEFAULT_DB,
          host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 is this machine only.")
                          ] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
          allow_ingest: Annotated[bool, typer.Option(
              "--allow-ingest", help="Accept files and feed URLs from the browser and POST /api/ingest, "
                                     "with the token printed at start-up (or $STORYLINE_TOKEN).")] = False,
          ) -> None:
    """Browse the stories, their cited analyses and the articles in a browser; JSON API
    under /api (schema at /api/openapi.json).

    Example: storyline serve --db build/demo.db   (then open http://127.0.0.1:8000/)
    """
    import os  # noqa: PLC0415
    import secrets  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    from storyline.web import create_app  # noqa: PLC0415
    from storyline.web.app import TOKEN_ENV  # noqa: PLC0415

    _open(db).close()  # a missing or newer database fails here, with the fix
    token = (os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)) if allow_ingest else None
    loopback = host in LOOPBACK_HOSTS
    # On a loopback address only requests naming it are served (no DNS rebinding).
    web_app = create_app(db, allow_ingest=allow_ingest, token=token,
                         allowed_hosts=list(LOOPBACK_HOSTS) if loopback else None)
    err = _console(stderr=True)
    shown = f"[{host}]" if ":" in host else host
    err.print(Text(f"Storyline: http://{shown}:{port}/   (database {db}; Ctrl-C stops)", style="bold"))
    if token is not None:
        err.print(Text(f"ingest token: {token}" if not os.environ.get(TOKEN_ENV) else
                       f"ingest token: the value of ${TOKEN_ENV}"))
    if not loopback:
        err.print(Text(f"warning: listening on {host}: everyone who can reach it can read the stories",
                       style="yellow"))
    logging.getLogger("storyline.web").setLevel(logging.INFO)
    uvicorn.run(web_app, host=host, port=port, log_level="info")


def main() -> None:  # pragma: no cover - console entry point
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
