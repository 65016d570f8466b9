"""The ``storyline`` command: a thin shell over the library.

Each command parses its options, makes one library call, prints the result (Rich for
people, ``--json`` for scripts) and turns problems into one clear line and an exit code.
Article text is untrusted: it is always printed as plain ``Text``, never as markup.
"""

from __future__ import annotations

import json
import logging
import sys
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
from storyline.settings import Settings, load_settings
from storyline.store import Store, open_store

app = typer.Typer(
    help="Storyline: read news from many outlets and tell what actually happened.",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None)

DbOption = Annotated[str, typer.Option("--db", help="Database file (SQLite).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DEFAULT_DB = "storyline.db"


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(message: str, code: int = 2) -> typer.Exit:
    _console(stderr=True).print(Text(f"error: {message}", style="bold red"))
    return typer.Exit(code)


def _open(db: str, *, must_exist: bool = True) -> Store:
    if must_exist and db != ":memory:" and not Path(db).exists():
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


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (txt, html, json/jsonl, rss/atom, warc).")],
    db: DbOption = DEFAULT_DB,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    config: Annotated[Path | None, typer.Option(help="TOML file overriding default settings.")] = None,
    threshold: Annotated[float | None, typer.Option(
        "--near-duplicate-threshold", help="MinHash Jaccard threshold for near-duplicates.")] = None,
) -> None:
    """Read news files into the database: clean them, find duplicates, index them.

    Example: storyline ingest examples/putin-dprk-2024/ --db storyline.db
    """
    settings = _settings(config, near_duplicate_threshold=threshold)
    store = _open(db, must_exist=False)
    err = _console(stderr=True)
    try:
        if quiet:
            report = pipeline.ingest(paths, store, settings, progress=_rejection_printer(err))
        else:
            report = _ingest_with_progress(paths, store, settings, err)
    except StorylineError as exc:
        raise _fail(str(exc)) from exc
    finally:
        store.close()
    if not quiet:
        _print_ingest_summary(report, db)
    raise typer.Exit(1 if report.failed else 0)


def _rejection_printer(err: Console) -> pipeline.IngestProgress:
    return pipeline.IngestProgress(on_rejected=lambda r: err.print(Text(_rejection_line(r), style="yellow")))


def _rejection_line(rejected: Rejected) -> str:
    where = f"{rejected.source}:{rejected.line}" if rejected.line is not None else rejected.source
    return f"skipped {where}: {rejected.reason}"


def _ingest_with_progress(paths: list[Path], store: Store, settings: Settings, err: Console) -> IngestReport:
    columns = (TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
               TaskProgressColumn(), TransferSpeedColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[articles]} articles"))
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("ingest", total=None, articles=0)
        done = {"files": 0, "articles": 0}

        def on_start(files: int, total_bytes: int) -> None:
            bar.update(task, total=files)

        def on_file(result: pipeline.FileResult) -> None:
            done["articles"] += len(result.articles)
            bar.update(task, advance=1, articles=done["articles"])

        hooks = pipeline.IngestProgress(
            on_start=on_start, on_file=on_file,
            on_rejected=lambda r: bar.console.print(Text(_rejection_line(r), style="yellow")))
        return pipeline.ingest(paths, store, settings, progress=hooks)


def _print_ingest_summary(report: IngestReport, db: str) -> None:
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
    out = _console(stderr=True)
    out.print(Panel(table, title=f"ingest → {db}", expand=False))
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


def main() -> None:  # pragma: no cover - console entry point
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
