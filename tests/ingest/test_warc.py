"""storyline.ingest.warc: HTML responses from a WARC, damage reported, earlier records kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.ingest import read_file
from storyline.records import FieldOrigin, RawArticle, Rejected
from storyline.settings import Settings

PAGE = """<html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title>
<meta property="og:site_name" content="{site}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>Contact us</footer></body></html>"""

PAGES = [
    ("https://www.northernledger.example/world/putin-kim-pact", "en", "utf-8",
     "Putin and Kim sign mutual defence pact", "The Northern Ledger",
     ["Russia and North Korea signed a treaty on Wednesday pledging mutual assistance if either is attacked.",
      "The pact was signed during Vladimir Putin's first visit to Pyongyang in 24 years."]),
    ("https://vesti.example/mir/dogovor", "ru", "windows-1251",
     "Путин и Ким подписали договор", "Вести",
     ["Россия и КНДР подписали в среду договор о всеобъемлющем стратегическом партнёрстве.",
      "Документ предусматривает взаимную помощь в случае агрессии против одной из сторон."]),
]


def _response(writer: WARCWriter, url: str, body: bytes, content_type: str, status: str = "200 OK"):
    headers = StatusAndHeaders(status, [("Content-Type", content_type),
                                        ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)


def write_warc(path: Path, gzip: bool) -> Path:
    """warcinfo, request, HTML response, PNG response, 301, HTML response (cp1251)."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "storyline-tests"}))
        request = StatusAndHeaders("GET /world/putin-kim-pact HTTP/1.1", [("Host", "www.northernledger.example")],
                                   is_http_request=True)
        writer.write_record(writer.create_warc_record(PAGES[0][0], "request", http_headers=request))
        for i, (url, lang, charset, title, site, paragraphs) in enumerate(PAGES):
            html = PAGE.format(lang=lang, charset=charset, title=title, site=site,
                               paragraphs="".join(f"<p>{p}</p>" for p in paragraphs))
            writer.write_record(_response(writer, url, html.encode(charset),
                                          f"text/html; charset={charset}"))
            if i == 0:
                png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
                writer.write_record(_response(writer, "https://www.northernledger.example/logo.png",
                                              png, "image/png"))
                writer.write_record(_response(writer, "https://www.northernledger.example/old",
                                              b"<html><body>Moved</body></html>", "text/html",
                                              "301 Moved Permanently"))
    return path


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_warc_html_responses_become_articles(tmp_path, settings, gzip) -> None:
    path = write_warc(tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc"), gzip)
    first, second = read_file(path, settings)
    assert isinstance(first, RawArticle) and isinstance(second, RawArticle)
    assert [(a.format, a.locator) for a in (first, second)] == [("warc", "record 3"), ("warc", "record 6")]
    assert first.source_id.startswith("<urn:uuid:") and first.source_id != second.source_id

    url, _, _, title, site, paragraphs = PAGES[0]
    assert (first.url, first.title, first.outlet, first.language) == (url, title, site, "en")
    assert FieldOrigin("url", url, "warc-header", url) in first.origins
    assert first.text.split("\n")[-2:] == paragraphs
    assert "Home" not in first.text and "Contact us" not in first.text

    url, _, _, title, site, paragraphs = PAGES[1]
    assert (second.url, second.title, second.outlet, second.language) == (url, title, site, "ru")
    assert second.text.split("\n")[-2:] == paragraphs
    assert "encoding: cp1251 (declared by the document)" in second.notes


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_truncated_warc_keeps_earlier_records_and_reports_the_damage(tmp_path, settings, gzip) -> None:
    whole = write_warc(tmp_path / "whole.warc", gzip).read_bytes()
    cut = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    cut.write_bytes(whole[: len(whole) - 150])  # inside the last HTML response
    article, damage = read_file(cut, settings)
    assert isinstance(article, RawArticle) and article.title == PAGES[0][3]
    assert isinstance(damage, Rejected) and damage.source == str(cut)
    assert damage.reason.startswith("the WARC file is damaged after record 5: ")


def test_warc_cut_inside_a_record_header(tmp_path, settings) -> None:
    whole = write_warc(tmp_path / "whole.warc", gzip=False).read_bytes()
    last = whole.rindex(b"WARC/1.")
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole[: last + 40])
    article, damage = read_file(cut, settings)
    assert article.title == PAGES[0][3]
    assert damage.reason.startswith("the WARC file is damaged after record 5: ")


def test_file_that_is_not_a_warc(write, settings) -> None:
    path = write("notes.warc", "Putin arrives in Pyongyang.\nJust a text file.\n")
    (rejected,) = read_file(path, settings)
    assert rejected.reason.startswith("not a readable WARC file: ")


def test_empty_warc(write, settings) -> None:
    path = write("empty.warc.gz", b"")
    assert list(read_file(path, settings)) == [Rejected(str(path), "empty file")]


def test_oversized_record_is_rejected_and_the_rest_is_read(tmp_path) -> None:
    path = write_warc(tmp_path / "crawl.warc", gzip=False)
    small = Settings(max_file_bytes=500)  # the English page has 535 bytes, the Russian 493
    rejected, article = read_file(path, small)
    assert rejected == Rejected(str(path), "record 3: the page has more than the limit of "
                                           "500 bytes (setting max_file_bytes)")
    assert article.title == PAGES[1][3]
