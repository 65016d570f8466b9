"""Tests for storyline.clean: boilerplate removal, metadata moves, ids, rules loading.

The sample tests run on the five raw files in examples/putin-dprk-2024/. What counts as
boilerplate in them was labelled by a person (NON_REPORTING below), independently of
the rules, so a rule that removes too much or too little fails a test.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from storyline.clean import article_id, clean, load_rules
from storyline.errors import ConfigError
from storyline.ingest import read_file
from storyline.records import Article, RawArticle, Rejected
from storyline.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "examples" / "putin-dprk-2024"
RULES = load_rules()
SETTINGS = Settings()
LEAD = "The foreign ministers met in Brussels on Tuesday to discuss new sanctions against Moscow."
BODY = "The package targets banks and energy exports, two diplomats said after the meeting."

# Lines of each raw sample that are not reporting, labelled by hand (besides the title
# on the first line, which the reader takes as the title).
NON_REPORTING: dict[str, list[str]] = {
    "000": ["Putin's North Korea Visit 'Shows Where Russia Is On The World Stage', White House Says",
            "Leave a review"],
    "001": [],
    "002": ["Read also:",
            "- Russia and North Korea forge alliance, agreeing to mutual defense pact",
            "- NATO to strengthen ties in Asia-Pacific amid Putin’s visit to North Korea",
            "- China pushes rival Ukraine peace plan before Swiss summit, diplomats say to Reuters"],
    "003": ["by Admin", "US warns North Korea against providing Putin platform for war aims",
            "Source Link", "You may also like", "Leave a Comment",
            "This website uses cookies. By continuing to use this site, you accept our use of cookies."],
    "004": ["The White House expressed concern about the relations between Russia and North Korea",
            "Source: OREANDA-NEWS", "Комментарии"],
}
# Leading outlet tags: labelled text at the start of a line that is not reporting.
NON_REPORTING_PREFIXES = {"004": ["OREANDA-NEWS "]}


def sample_path(prefix: str) -> Path:
    (path,) = SAMPLES.glob(f"{prefix}_*.txt")
    return path


def raw_from_txt(path: Path) -> RawArticle:
    """A RawArticle as the .txt reader makes it: the first line is the title."""
    title, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return RawArticle(source=str(path), locator="", format="txt", text=rest, title=title)


def clean_sample(prefix: str) -> Article:
    article = clean(raw_from_txt(sample_path(prefix)), RULES, SETTINGS)
    assert isinstance(article, Article)
    return article


def raw_of(*lines: str, title: str = "Sanctions talks", **fields: str) -> RawArticle:
    return RawArticle(source="test.txt", locator="", format="txt", text="\n".join(lines),
                      title=title, **fields)


def clean_lines(*lines: str, **fields: str) -> Article:
    article = clean(raw_of(*lines, **fields), RULES, SETTINGS)
    assert isinstance(article, Article)
    return article


def collapse(text: str) -> str:
    return " ".join(text.split())


def sentences(line: str) -> list[str]:
    """A simple sentence split, good enough to check survival."""
    return [s for s in re.split(r"(?<=[.!?…])[\"”»']?\s+(?=[\"“«A-ZА-Я])", collapse(line)) if s]


PREFIXES = sorted(NON_REPORTING)


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_removes_sample_boilerplate_with_reasons(prefix: str) -> None:
    article = clean_sample(prefix)
    removed = {r.text: r for r in article.removed}
    for line in NON_REPORTING[prefix]:
        assert line in removed, f"{line!r} not removed"
        assert removed[line].reason and removed[line].rule
        assert line not in article.paragraph_texts()
    for prefix_text in NON_REPORTING_PREFIXES.get(prefix, []):
        assert prefix_text.strip() in removed
        assert not article.text.startswith(prefix_text)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_keeps_every_reporting_sentence(prefix: str) -> None:
    article = clean_sample(prefix)
    title, *lines = sample_path(prefix).read_text(encoding="utf-8").split("\n")
    checked = 0
    for line in lines:
        if line.strip() in NON_REPORTING[prefix] or line.strip() == title:
            continue
        for tag in NON_REPORTING_PREFIXES.get(prefix, []):
            line = line.removeprefix(tag)
        for sentence in sentences(line):
            assert sentence in article.text, sentence
            checked += 1
    assert checked >= 9


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_removes_only_labelled_lines_and_repeats(prefix: str) -> None:
    article = clean_sample(prefix)
    labelled = set(NON_REPORTING[prefix]) | {t.strip() for t in NON_REPORTING_PREFIXES.get(prefix, [])}
    for removal in article.removed:
        assert (removal.text in labelled or removal.rule == "repeated-paragraph"
                or (removal.rule == "dateline" and prefix == "004")), removal


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_never_rewrites_reporting_text(prefix: str) -> None:
    # every cleaned paragraph is a piece of one raw line (whitespace collapsed)
    raw_lines = [collapse(line) for line in sample_path(prefix).read_text(encoding="utf-8").split("\n")]
    for paragraph in clean_sample(prefix).paragraph_texts():
        assert any(paragraph in line for line in raw_lines), paragraph


def test_clean_keeps_the_oreanda_body_once() -> None:
    article = clean_sample("004")
    paragraphs = article.paragraph_texts()
    assert len(paragraphs) == len(set(paragraphs)) == 7
    repeats = [r for r in article.removed if r.rule == "repeated-paragraph"]
    assert len(repeats) == 6
    assert all(r.text in paragraphs for r in repeats)
    assert article.text.count("Russian President Vladimir Putin will arrive in Pyongyang") == 1


def test_clean_fills_oreanda_metadata_from_text() -> None:
    article = clean_sample("004")
    assert article.published == "2024-06-17T22:29:00"  # naive: the text gives no zone
    assert article.outlet == "OREANDA-NEWS"
    assert article.title == "The White House expressed concern about the relations between Russia and North Korea"
    assert article.text.startswith("The United States is not concerned")
    methods = {(o.field, o.method) for o in article.origins}
    assert {("published", "dateline"), ("outlet", "source-line"), ("title", "first-line")} <= methods
    assert article.text.endswith("engaged in speculation.")


@pytest.mark.parametrize(("prefix", "outlet", "author"), [
    ("000", "TURAN", None),
    ("001", "Ukrinform", None),
    ("002", None, None),
    ("003", None, "Admin"),
])
def test_clean_fills_sample_outlet_and_author(prefix: str, outlet: str | None, author: str | None) -> None:
    article = clean_sample(prefix)
    assert (article.outlet, article.author, article.published) == (outlet, author, None)


def test_clean_does_not_take_a_cited_wire_for_the_outlet() -> None:
    article = clean_sample("003")
    assert article.outlet != "Tass"
    assert "Russian news agency Tass reported May 30." in article.text


def test_clean_moves_the_sample_byline_to_metadata() -> None:
    article = clean_sample("003")
    (byline,) = [r for r in article.removed if r.rule == "byline"]
    assert (byline.text, byline.reason) == ("by Admin", "moved to metadata: author")
    assert article.text.startswith("The Biden administration this week warned")


def test_clean_keeps_the_raw_title_of_a_normal_article() -> None:
    article = clean_sample("001")
    assert article.title == "White House comments on Putin's visit to Kim Jong Un: Russia is gathering a coalition"
    assert article.removed == ()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_gives_the_same_article_through_the_text_reader(prefix: str) -> None:
    # the .txt reader picks the headline line itself (for 004 the line after the
    # dateline); clean must reach the same article either way
    (raw,) = read_file(sample_path(prefix), SETTINGS)
    assert isinstance(raw, RawArticle)
    via_reader, via_split = clean(raw, RULES, SETTINGS), clean_sample(prefix)
    assert isinstance(via_reader, Article)
    fields = ("id", "text", "title", "outlet", "author", "published")
    assert [getattr(via_reader, f) for f in fields] == [getattr(via_split, f) for f in fields]


# --------------------------------------------------------------------------- text and id


def test_clean_joins_paragraphs_with_offsets() -> None:
    article = clean_lines("  The   ministers\tmet in Brussels on Tuesday.  ", "", BODY)
    assert article.text == "The ministers met in Brussels on Tuesday.\n\n" + BODY
    assert article.paragraph_texts() == ["The ministers met in Brussels on Tuesday.", BODY]
    assert [(p.start, p.end) for p in article.paragraphs] == [(0, 41), (43, 43 + len(BODY))]


def test_article_id_is_the_same_for_the_same_text_from_different_files() -> None:
    first = clean(raw_of(LEAD, BODY), RULES, SETTINGS)
    second = clean(RawArticle("other/copy.html", "#2", "html", f"{LEAD.upper()}\n\n {BODY}  "),
                   RULES, SETTINGS)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == second.id
    assert re.fullmatch(r"[0-9a-f]{16}", first.id)
    assert article_id(LEAD) != article_id(BODY)
    assert article_id("Cafe\u0301 talks") == article_id("Café TALKS")  # NFC


def test_clean_rejects_articles_left_empty() -> None:
    result = clean(raw_of("Leave a review", "Comments (3)"), RULES, SETTINGS)
    assert isinstance(result, Rejected)
    assert result.stage == "clean" and "min_article_chars" in result.reason


def test_clean_respects_min_article_chars() -> None:
    short = raw_of("Talks resumed in Geneva on Monday afternoon.")
    assert isinstance(clean(short, RULES, SETTINGS), Article)
    assert isinstance(clean(short, RULES, Settings(min_article_chars=100)), Rejected)


def test_clean_prefers_structured_metadata_but_records_text_findings() -> None:
    raw = raw_of("by Admin", "Source: OREANDA-NEWS", LEAD, outlet="VOA", author="Jane Doe")
    article = clean(raw, RULES, SETTINGS)
    assert isinstance(article, Article)
    assert (article.outlet, article.author) == ("VOA", "Jane Doe")
    assert {(o.field, o.value) for o in article.origins} >= {("author", "Admin"), ("outlet", "OREANDA-NEWS")}
    assert article.text == LEAD


def test_clean_is_pure_and_picklable() -> None:
    raw = raw_from_txt(sample_path("004"))
    first, second = clean(raw, RULES, SETTINGS), clean(raw, RULES, SETTINGS)
    assert first == second
    assert pickle.loads(pickle.dumps(RULES)) == RULES
    assert pickle.loads(pickle.dumps(first)) == first
    assert Article.from_dict(first.to_dict()) == first  # type: ignore[union-attr]


# --------------------------------------------------------------------------- rule families


@pytest.mark.parametrize("footer", [
    "Комментарии", "Комментарии (12)", "12 комментариев", "Оставить комментарий",
    "Коментарі", "Коментарі (2)", "Залишити коментар",
    "Kommentare", "Kommentare (7)", "Kommentar schreiben",
    "Commentaires (4)", "Laisser un commentaire",
    "Comentarios", "Deja un comentario",
    "Comments (3)", "3 Comments", "Leave a Comment", "Comments are closed.",
])
def test_clean_removes_comment_footers(footer: str) -> None:
    article = clean_lines(LEAD, BODY, footer)
    assert article.text == f"{LEAD}\n\n{BODY}"
    assert [r.text for r in article.removed] == [footer]


@pytest.mark.parametrize("notice", [
    "This website uses cookies. By continuing to use this site, you accept our use of cookies.",
    "We use cookies to ensure that we give you the best experience on our website. OK",
    "Accept all cookies",
    "Diese Website verwendet Cookies. Wenn Sie die Seite weiter nutzen, stimmen Sie zu.",
    "Ce site utilise des cookies. En poursuivant votre navigation, vous acceptez leur utilisation.",
    "Este sitio web utiliza cookies. Si continúa navegando, acepta su uso.",
    "Этот сайт использует файлы cookie. Продолжая пользоваться сайтом, вы соглашаетесь с этим.",
    "Цей сайт використовує файли cookie. Продовжуючи, ви погоджуєтеся з їх використанням.",
])
def test_clean_removes_cookie_notices(notice: str) -> None:
    article = clean_lines(LEAD, notice, BODY)
    assert article.text == f"{LEAD}\n\n{BODY}"
    (removal,) = article.removed
    assert removal.rule.endswith("cookie-notice") and "cookie" in removal.reason


@pytest.mark.parametrize(("heading", "items"), [
    ("Читайте также:", ["- Путин прибыл в Пхеньян", "- Ким Чен Ын встретил Путина в аэропорту"]),
    ("Читайте также", ["Путин и Ким подписали договор о партнерстве", "Сеул вызвал посла России"]),
    ("Смотрите также:", ["• Пхеньян готовится к визиту"]),
    ("Читайте також:", ["- Путін прибув до Пхеньяна", "- Сеул викликав посла Росії"]),
    ("Lesen Sie auch:", ["- Putin in Pjöngjang eingetroffen"]),
    ("À lire aussi", ["Poutine est arrivé à Pyongyang"]),
    ("Lee también:", ["- Putin llega a Pyongyang"]),
    ("Related articles", ["Kim meets Putin at the airport", "Seoul summons Russian envoy"]),
    ("You may also like", ["1. Kim meets Putin at the airport"]),
])
def test_clean_removes_read_also_blocks(heading: str, items: list[str]) -> None:
    article = clean_lines(LEAD, heading, *items, "", BODY)
    assert article.text == f"{LEAD}\n\n{BODY}"
    assert [r.text for r in article.removed] == [heading, *items]
    assert all(r.reason for r in article.removed)


@pytest.mark.parametrize("line", [
    "Читайте также: Путин прибыл в Пхеньян",
    "Read more: Kim meets Putin at the airport",
    "Lire aussi : Poutine est arrivé à Pyongyang",
])
def test_clean_removes_inline_read_also_without_eating_the_next_line(line: str) -> None:
    article = clean_lines(LEAD, line, "Talks resume in June", BODY)
    assert article.paragraph_texts() == [LEAD, "Talks resume in June", BODY]
    assert [r.text for r in article.removed] == [line]


@pytest.mark.parametrize(("last", "kept", "cut"), [
    ("and that will continue to be the case.Leave a review", "and that will continue to be the case.",
     "Leave a review"),
    ("and that will continue to be the case. Comments (3)", "and that will continue to be the case.",
     "Comments (3)"),
    ("he said.»Share this", "he said.»", "Share this"),
    ("he said.Комментарии", "he said.", "Комментарии"),
])
def test_clean_cuts_boilerplate_glued_to_the_last_line(last: str, kept: str, cut: str) -> None:
    article = clean_lines(LEAD, last)
    assert article.paragraph_texts() == [LEAD, kept]
    (removal,) = article.removed
    assert removal.text == cut and "glued" in removal.reason


def test_clean_drops_title_repeated_at_the_top_only() -> None:
    article = clean_lines("Sanctions talks", LEAD, "Sanctions talks", title="Sanctions talks")
    assert article.paragraph_texts() == [LEAD, "Sanctions talks"]
    assert [r.rule for r in article.removed] == ["repeated-title"]


def test_clean_moves_dateline_and_byline_to_metadata() -> None:
    article = clean_lines("June 17, 2024", "By Jane Doe", LEAD)
    assert (article.published, article.author, article.text) == ("2024-06-17", "Jane Doe", LEAD)
    assert [(r.text, r.reason) for r in article.removed] == [
        ("June 17, 2024", "moved to metadata: published"), ("By Jane Doe", "moved to metadata: author")]


# --------------------------------------------------------------------------- negatives


@pytest.mark.parametrize("sentence", [
    "Cookies were served at the reception, officials said.",
    "This website uses cookies to track users, the regulator found.",
    '"We use cookies to track your behaviour," the company admitted.',
    "Comments from the Kremlin were not immediately available.",
    "The comments section of the ministry's website was closed after the attack.",
    "Комментариев от Кремля не поступило.",
    "Kommentare aus Moskau gab es zunächst nicht.",
    "Share prices fell by three percent on Tuesday.",
    "Subscribers to the agency's wire received the statement first.",
    "See also the report the agency published on Monday, he said.",
    "He urged readers to leave a review of the book.",
    "Related talks in Geneva ended without agreement.",
])
def test_clean_keeps_sentences_mentioning_boilerplate_words(sentence: str) -> None:
    article = clean_lines(LEAD, sentence, BODY)
    assert article.paragraph_texts() == [LEAD, sentence, BODY]
    assert article.removed == ()


def test_clean_keeps_paragraphs_repeated_across_articles() -> None:
    first = clean_lines(LEAD, BODY)
    second = clean_lines("Seoul reacted with alarm to the visit on Wednesday.", BODY)
    assert BODY in first.paragraph_texts() and BODY in second.paragraph_texts()
    assert first.removed == () and second.removed == ()


def test_clean_drops_repeats_within_one_article_but_keeps_short_ones() -> None:
    article = clean_lines(LEAD, "He said:", BODY, "He said:", f"  {BODY.upper()} ")
    assert article.paragraph_texts() == [LEAD, "He said:", BODY, "He said:"]
    (removal,) = article.removed
    assert removal.rule == "repeated-paragraph"


def test_clean_keeps_a_real_paragraph_after_a_read_also_heading() -> None:
    article = clean_lines(LEAD, "Read also:", "- Kim meets Putin", BODY, "Talks resume in June")
    assert article.paragraph_texts() == [LEAD, BODY, "Talks resume in June"]


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80), max_size=12))
@hsettings(max_examples=150, deadline=None)
def test_clean_output_is_always_made_of_raw_pieces(lines: list[str]) -> None:
    result = clean(raw_of(*lines), RULES, Settings(min_article_chars=1))
    if isinstance(result, Article):
        raw_lines = [collapse(line) for line in "\n".join(lines).splitlines()]
        assert all(any(p in line for line in raw_lines) for p in result.paragraph_texts())
        assert result.text == "\n\n".join(result.paragraph_texts())


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_shipped_rule_has_a_reason_and_removes_its_examples(rule) -> None:  # type: ignore[no-untyped-def]
    assert len(rule.reason) > 20
    assert rule.examples, "every shipped rule lists examples"
    for example in rule.examples:
        article = clean_lines(LEAD, example, BODY)
        assert article.paragraph_texts() == [LEAD, BODY], example
        assert [r.rule for r in article.removed] == [rule.id]


def test_load_rules_covers_the_languages() -> None:
    languages = {r.language for r in RULES.rules}
    assert {"en", "ru", "uk", "de", "fr", "es"} <= languages
    for language in ("en", "ru", "uk", "de", "fr", "es"):
        kinds = {r.id.split(".", 1)[1] for r in RULES.rules if r.language == language}
        assert {"comments-footer", "related", "cookie-notice"} <= kinds, language


def test_load_rules_reads_only_clean_rule_files() -> None:
    # rules/ also holds other stages' data (quote cues, entity aliases)
    assert RULES.files and all(Path(f).name.startswith("clean_") for f in RULES.files)


def test_load_rules_filters_languages() -> None:
    rules = load_rules(languages=["en"])
    assert {r.language for r in rules.rules} == {"en", "common"}


def test_load_rules_user_file_extends_and_overrides(tmp_path: Path) -> None:
    user = tmp_path / "rules.toml"
    user.write_text(
        'language = "en"\n'
        "[limits]\nrepeated_paragraph_min_chars = 5\n"
        '[[rules]]\nid = "site.editors-pick"\nkind = "line"\nmax_chars = 40\n'
        "reason = \"this site's promo slot\"\npatterns = [\"editor's pick\"]\n"
        '[[rules]]\nid = "en.engagement"\nenabled = false\n', encoding="utf-8")
    rules = load_rules(user)
    assert rules.repeated_paragraph_min_chars == 5
    assert str(user) in rules.files
    article = clean(raw_of(LEAD, "Editor's pick", "Leave a review", BODY), rules, SETTINGS)
    assert isinstance(article, Article)
    assert article.paragraph_texts() == [LEAD, "Leave a review", BODY]
    assert [r.rule for r in article.removed] == ["site.editors-pick"]


@pytest.mark.parametrize(("body", "message"), [
    ('[[rules]]\nid = "x"\nkind = "line"\nmax_chars = 9\nreason = "r"\npatterns = ["(unclosed"]\n',
     "does not compile"),
    ('[[rules]]\nid = "x"\nkind = "line"\nmax_chars = 9\npatterns = ["a"]\n', "say why"),
    ('[[rules]]\nid = "x"\nkind = "paragraph"\nmax_chars = 9\nreason = "r"\npatterns = ["a"]\n', "kind"),
    ('[[rules]]\nid = "x"\nkind = "line"\nmax_chars = 9\nreason = "r"\npatterns = ["a"]\nregex = 1\n',
     "unknown key"),
    ("[limits]\nmax_lines = 3\n", "unknown limit"),
    ("not = [toml", "not valid TOML"),
])
def test_load_rules_reports_bad_user_files(tmp_path: Path, body: str, message: str) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_rules(user)
    assert "bad.toml" in str(info.value)


def test_load_rules_reports_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")
