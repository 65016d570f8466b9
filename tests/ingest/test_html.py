"""storyline.ingest.html: pages -> article text and metadata with origins."""

from __future__ import annotations

import gzip

from storyline.ingest import read_file
from storyline.ingest.decode import REPAIR_NOTE
from storyline.ingest.html import NO_ARTICLE, extract_page, markup_text
from storyline.records import FieldOrigin, RawArticle, Rejected

URL = "https://www.northernledger.example/world/2024/06/19/putin-kim-defence-pact"
PARAGRAPH = ("Russian President Vladimir Putin and North Korean leader Kim Jong Un signed an "
             "agreement on Wednesday that commits each country to come to the other's aid if it "
             "is attacked, the most significant step in their relations in decades.")


def test_news_page_text_is_the_article_one_paragraph_per_line(data_dir, settings) -> None:
    (article,) = read_file(data_dir / "news-page.html", settings)
    assert isinstance(article, RawArticle)
    lines = article.text.split("\n")
    assert PARAGRAPH in lines
    assert lines[-1].startswith("Analysts in Seoul said the wording of the treaty")
    assert len(lines) == 7  # headline + six paragraphs
    for boilerplate in ("Subscribe", "cookies", "Related stories", "Reader1984",
                        "All rights reserved", "Privacy"):
        assert boilerplate not in article.text


def test_news_page_metadata_each_with_its_origin(data_dir, settings) -> None:
    (article,) = read_file(data_dir / "news-page.html", settings)
    assert (article.format, article.locator) == ("html", "")
    assert article.title == "Putin and Kim sign mutual defence pact in Pyongyang"
    assert (article.url, article.outlet, article.author) == (URL, "The Northern Ledger", "Maria Jensen")
    assert (article.published, article.language) == ("2024-06-19", "en")
    assert article.origins == (
        FieldOrigin("title", article.title, "trafilatura", article.title),
        FieldOrigin("url", URL, "trafilatura", URL),
        FieldOrigin("outlet", "The Northern Ledger", "trafilatura", "The Northern Ledger"),
        FieldOrigin("author", "Maria Jensen", "trafilatura", "Maria Jensen"),
        FieldOrigin("published", "2024-06-19", "htmldate", "2024-06-19"),
        FieldOrigin("language", "en", "html-lang", "en-GB"),
    )


def test_page_without_an_article_is_rejected(data_dir, settings) -> None:
    path = data_dir / "no-article.html"
    assert list(read_file(path, settings)) == [Rejected(str(path), "no article text found in the page")]
    assert NO_ARTICLE == "no article text found in the page"


def test_copyright_year_is_not_taken_for_a_publication_date() -> None:
    html = ("<html><body><article>" + f"<p>{PARAGRAPH}</p>" * 3 +
            "</article><footer>© 2024 The Northern Ledger</footer></body></html>")
    page = extract_page(html)
    assert "published" not in {o.field for o in page.origins}


def test_gzipped_page(data_dir, write, settings) -> None:
    page = gzip.compress((data_dir / "news-page.html").read_bytes())
    (article,) = read_file(write("page.html.gz", page), settings)
    assert article.title == "Putin and Kim sign mutual defence pact in Pyongyang"
    assert PARAGRAPH in article.text


def test_page_in_a_declared_legacy_charset(write, settings) -> None:
    body = "".join(f"<p>Президент России Владимир Путин прибыл в Пхеньян, абзац {i}.</p>" for i in range(5))
    html = (f'<html lang="ru"><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            f"<title>Путин в Пхеньяне</title></head><body><article>{body}</article></body></html>")
    (article,) = read_file(write("ru.html", html.encode("cp1251")), settings)
    assert "Президент России Владимир Путин прибыл в Пхеньян, абзац 0." in article.text
    assert article.language == "ru"
    assert "encoding: cp1251 (declared by the document)" in article.notes


def garbled_page(title: str, sentence: str) -> bytes:
    """A page whose UTF-8 was once read as Windows-1252 and saved again as UTF-8."""
    html = (f"<html><head><title>{title}</title></head><body><article>"
            + f"<p>{PARAGRAPH} {sentence}</p>" * 3 + "</article></body></html>")
    return html.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")


def test_mojibake_in_a_page_is_repaired_in_text_and_title(write, settings) -> None:
    title, sentence = "Kim calls Russia’s leader “a friend", "He hailed “a new era."
    (article,) = read_file(write("garbled.html", garbled_page(title, sentence)), settings)
    assert (article.title, sentence in article.text) == (title, True)
    assert REPAIR_NOTE in article.notes
    (title_origin,) = [o for o in article.origins if o.field == "title"]
    assert title_origin.evidence == "Kim calls Russiaâ€™s leader â€œa friend"  # what the page said


def test_mojibake_with_c1_controls_is_repaired_before_parsing(write, settings) -> None:
    # ” is E2 80 9D: its mojibake holds U+009D, which the HTML parser would drop.
    title, sentence = "Kim calls Russia’s leader “the dearest friend”", "He said it was “a new era”."
    (article,) = read_file(write("garbled.html", garbled_page(title, sentence)), settings)
    assert (article.title, sentence in article.text) == (title, True)
    assert REPAIR_NOTE in article.notes


def test_markup_text_keeps_block_structure() -> None:
    fragment = "<p>One <b>bold</b> line.</p><script>var x;</script><ul><li>a</li><li>b</li></ul>tail<br>end"
    assert markup_text(fragment) == "One bold line.\na\nb\ntail\nend"
