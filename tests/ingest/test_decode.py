"""storyline.ingest.decode: bytes -> text, and every bad input as a Rejected."""

from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401 - registers "sloppy-windows-1252"
import pytest

from storyline.ingest import read_file
from storyline.ingest.decode import REPAIR_NOTE, decode_text, describe_size, load_bytes
from storyline.records import RawArticle, Rejected
from storyline.settings import Settings

RUSSIAN = (
    "Путин прибыл в Пхеньян\n"
    "Президент России Владимир Путин прибыл с государственным визитом в КНДР, "
    "сообщает пресс-служба Кремля. Это его первый визит в Пхеньян за 24 года.\n"
    "Стороны подписали договор о всеобъемлющем стратегическом партнёрстве.\n"
)
FRENCH = (
    "Poutine et Kim signent un pacte de défense à Pyongyang\n"
    "Le président russe a été accueilli à l'aéroport par le dirigeant nord-coréen, "
    "a rapporté l'agence officielle. Les deux pays s'engagent à se prêter assistance "
    "en cas d'agression, un accord qualifié de « percée » par Moscou.\n"
)
CURLY = (
    "Kirby: ‘We’re not worried about this trip’\n"
    "“We are concerned about the deepening of relations,” he said — adding that the "
    "visit was “not a surprise”.\n"
)


def only(items: list[RawArticle | Rejected]) -> RawArticle | Rejected:
    assert len(items) == 1, items
    return items[0]


def test_cp1251_russian_text_is_detected_and_decoded(write, settings) -> None:
    path = write("ria.txt", RUSSIAN.encode("cp1251"))
    article = only(list(read_file(path, settings)))
    assert isinstance(article, RawArticle)
    assert article.title == "Путин прибыл в Пхеньян"
    assert "всеобъемлющем стратегическом партнёрстве" in article.text
    assert any("cp1251" in note and "charset-normalizer" in note for note in article.notes)


def test_latin1_text_is_decoded(write, settings) -> None:
    path = write("lemonde.txt", FRENCH.encode("latin-1"))
    article = only(list(read_file(path, settings)))
    assert article.title == "Poutine et Kim signent un pacte de défense à Pyongyang"
    assert "a été accueilli à l'aéroport" in article.text and "« percée »" in article.text
    assert not any(REPAIR_NOTE == note for note in article.notes)


def test_mojibake_is_repaired_and_typographic_quotes_stay(write, settings) -> None:
    # UTF-8 bytes once mis-decoded as Windows-1252 and saved again as UTF-8 (the
    # "sloppy" codec maps 0x9D of ” through, as Windows software does).
    mojibake = CURLY.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")
    assert "â€™" in mojibake.decode("utf-8")
    article = only(list(read_file(write("garbled.txt", mojibake), settings)))
    assert article.title == "Kirby: ‘We’re not worried about this trip’"
    assert article.text == CURLY.split("\n", 1)[1].rstrip("\n")
    assert REPAIR_NOTE in article.notes


def test_clean_typography_is_not_altered(write, settings) -> None:
    article = only(list(read_file(write("curly.txt", CURLY), settings)))
    assert article.text == CURLY.split("\n", 1)[1].rstrip("\n")
    assert article.notes == ("encoding: utf-8 (valid UTF-8)",)


def test_text_is_nfc_with_unix_line_endings(write, settings) -> None:
    decomposed = unicodedata.normalize("NFD", "Café talks\r\nThe café in Zürich said.\r\n")
    article = only(list(read_file(write("nfd.txt", decomposed), settings)))
    assert article.title == "Café talks"
    assert article.text == "The café in Zürich said."
    assert unicodedata.is_normalized("NFC", article.text)


def test_utf16_with_bom_is_text_not_binary(write, settings) -> None:
    article = only(list(read_file(write("utf16.txt", FRENCH.encode("utf-16")), settings)))
    assert article.title.startswith("Poutine et Kim")
    assert "encoding: utf-16 (byte order mark)" in article.notes


def test_declared_charset_is_used_when_bytes_are_not_utf8() -> None:
    html = ('<html><head><meta charset="windows-1251"></head><body><p>'
            + RUSSIAN + "</p></body></html>").encode("cp1251")
    decoded = decode_text(html, "windows-1251")
    assert "Путин прибыл в Пхеньян" in decoded.text
    assert decoded.notes[0] == "encoding: cp1251 (declared by the document)"


def test_utf8_wins_over_a_wrong_latin1_declaration() -> None:
    decoded = decode_text("Zürich “talks”".encode(), "iso-8859-1")
    assert decoded.text == "Zürich “talks”"
    assert decoded.encoding == "utf-8"


def test_gzip_is_recognised_by_magic_number(write, settings) -> None:
    path = write("story.txt", gzip.compress(CURLY.encode("utf-8")))  # no .gz in the name
    article = only(list(read_file(path, settings)))
    assert article.title == "Kirby: ‘We’re not worried about this trip’"


def test_gzipped_text_with_gz_suffix(write, settings) -> None:
    article = only(list(read_file(write("story.txt.gz", gzip.compress(RUSSIAN.encode())), settings)))
    assert article.title == "Путин прибыл в Пхеньян"


# --------------------------------------------------------------------------- bad input

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("empty.txt", b"", "empty file"),
    ("photo.txt", PNG, "binary file (looks like PNG image), not text"),
    ("report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (looks like PDF document), not text"),
    ("archive.json", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary file (looks like ZIP archive or Office document), not text"),
    ("data.txt", b"abc\x00\x01\x02def" * 10, "binary file (looks like unknown binary data, it contains NUL bytes), not text"),
    ("blank.txt", b" \n\t\r\n  \n", "the file contains only blank space"),
    ("title-only.txt", b"Just a headline\n\n", "the file has a title line but no article text"),
    ("empty.txt.gz", gzip.compress(b""), "empty file (the gzip archive contains no data)"),
])
def test_bad_files_are_rejected_with_a_reason(write, settings, name, content, reason) -> None:
    path = write(name, content)
    assert list(read_file(path, settings)) == [Rejected(str(path), reason)]


def test_truncated_gzip_is_rejected(write, settings) -> None:
    data = gzip.compress(RUSSIAN.encode("utf-8") * 50)
    path = write("cut.html.gz", data[: len(data) // 2])
    (rejected,) = read_file(path, settings)
    assert rejected.reason == ("truncated gzip file: the data ends before the end of the "
                               "compressed stream")


def test_corrupt_gzip_is_rejected(write, settings) -> None:
    data = bytearray(gzip.compress(RUSSIAN.encode("utf-8") * 50))
    data[20:40] = b"\xff" * 20
    (rejected,) = read_file(write("bad.txt.gz", bytes(data)), settings)
    assert rejected.reason.startswith("corrupt gzip file: ")


def test_file_over_the_limit_is_rejected_without_reading_it(write) -> None:
    path = write("long.txt", "Headline\n" + "A sentence of the article. " * 100)
    small = Settings(max_file_bytes=1_000)
    (rejected,) = read_file(path, small)
    assert rejected.reason == "file is 2.7 KB, over the limit of 1 KB (setting max_file_bytes)"


def test_gzip_that_expands_over_the_limit_is_rejected(write) -> None:
    path = write("bomb.txt.gz", gzip.compress(b"Headline\n" + b"a" * 200_000))
    assert path.stat().st_size < 1_000
    (rejected,) = read_file(path, Settings(max_file_bytes=100_000))
    assert rejected.reason == ("file decompresses to more than the limit of 100 KB "
                               "(setting max_file_bytes)")


def test_sparse_file_over_the_default_limit_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: no 60 MB are written or read
        handle.truncate(60_000_000)
    assert Settings().max_file_bytes == 50_000_000
    assert load_bytes(path, Settings()) == Rejected(
        str(path), "file is 60 MB, over the limit of 50 MB (setting max_file_bytes)")


def test_unreadable_path_is_rejected(tmp_path: Path, settings) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    (rejected,) = read_file(folder, settings)
    assert rejected.reason.startswith("cannot read the file: ")


@pytest.mark.parametrize(("n_bytes", "text"), [
    (999, "999 bytes"), (1_000, "1 KB"), (2_650, "2.6 KB"), (50_000_000, "50 MB"), (52_400_000, "52.4 MB"),
])
def test_describe_size(n_bytes: int, text: str) -> None:
    assert describe_size(n_bytes) == text
