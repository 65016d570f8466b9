"""storyline.ingest: discover, dispatch, read_file isolation and read_paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import storyline.ingest as ingest
from storyline.ingest import READERS, discover, read_file, read_paths, reader_for
from storyline.records import RawArticle, Rejected

BODY = "Officials in Seoul said on Thursday that the treaty changed the security picture."


def make_tree(root: Path) -> None:
    for name in ("b/2.txt", "b/10.html", "a.txt", "c/deep/x.jsonl", "c/deep/notes.md",
                 ".hidden.txt", ".git/HEAD.txt", "c/.cache/y.txt", "feed.xml.gz", "README"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Title\n{BODY}\n", encoding="utf-8")


def test_discover_walks_folders_sorted_skipping_hidden_and_unknown(tmp_path) -> None:
    make_tree(tmp_path)
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.txt", "b/10.html", "b/2.txt", "c/deep/x.jsonl", "feed.xml.gz"]


def test_discover_is_stable_and_lists_each_file_once(tmp_path) -> None:
    make_tree(tmp_path)
    first = list(discover([tmp_path, tmp_path / "b", tmp_path / "a.txt"]))
    assert first == list(discover([tmp_path]))
    assert first == list(discover([tmp_path, tmp_path / "b", tmp_path / "a.txt"]))


def test_discover_reports_named_paths_it_cannot_read(tmp_path) -> None:
    make_tree(tmp_path)
    missing, notes, readme, named = discover([
        tmp_path / "missing.txt", tmp_path / "c/deep/notes.md", tmp_path / "README", tmp_path / "a.txt"])
    assert missing == Rejected(str(tmp_path / "missing.txt"), "no such file or folder")
    assert notes.reason.startswith("unsupported file type .md; readable: .atom, .htm, .html")
    assert readme.reason.startswith("unsupported file type (none); ")
    assert named == tmp_path / "a.txt"


def test_discover_reads_a_named_hidden_file(tmp_path) -> None:
    make_tree(tmp_path)
    assert list(discover([tmp_path / ".hidden.txt"])) == [tmp_path / ".hidden.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list any folder")
def test_discover_reports_an_unlistable_folder(tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        (rejected,) = discover([tmp_path])
        assert rejected.source == str(locked) and rejected.reason.startswith("cannot list the folder")
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize(("name", "reader"), [
    ("a.txt", "read_text"), ("a.HTML", "read_html"), ("a.htm.gz", "read_html"),
    ("a.jsonl", "read_jsonl"), ("a.ndjson", "read_jsonl"), ("a.json", "read_json"),
    ("a.rss", "read_feed"), ("a.atom", "read_feed"), ("a.xml", "read_feed"),
    ("a.warc", "read_warc"), ("a.warc.gz", "read_warc"), ("a.md", None), ("a.gz", None),
])
def test_reader_for(name: str, reader: str | None) -> None:
    found = reader_for(Path(name))
    assert (found.__name__ if found else None) == reader


def test_read_paths_reads_everything_and_reports_problems(tmp_path, data_dir, examples_dir, settings) -> None:
    items = list(read_paths([examples_dir, data_dir, tmp_path / "gone"], settings))
    articles = [i for i in items if isinstance(i, RawArticle)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(articles) == 5 + 1 + 2 + 2 + 2  # samples, page, jsonl, rss, atom
    assert {Path(r.source).name for r in rejected} == {
        "headlines.rss", "malformed.json", "no-article.html", "not-a-feed.xml", "wire.jsonl", "gone"}
    assert items[-1] == Rejected(str(tmp_path / "gone"), "no such file or folder")


def test_a_reader_crash_becomes_a_rejected_for_that_file_only(write, settings, monkeypatch) -> None:
    def exploding_reader(path, settings):
        yield RawArticle(str(path), "", "text", BODY, title="First")
        raise RuntimeError("parser bug")

    monkeypatch.setitem(READERS, ".txt", exploding_reader)
    path = write("a.txt", BODY)
    article, rejected = read_file(path, settings)
    assert article.title == "First"
    assert rejected == Rejected(str(path), "could not be read (RuntimeError: parser bug)")


def test_public_api() -> None:
    assert set(ingest.__all__) == {"READERS", "discover", "read_file", "read_paths", "reader_for"}
