"""Text mode: plain-text input cleaned by the ``text`` backend."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors import registry, textmode
from unboil.extractors.page import Page
from unboil.extractors.scoring import evaluate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "text"
SEED = DATA / "seed-text.raw.txt"
GOLD = DATA / "seed-text.txt"
BENCH = Path("/work/shared/bench/scrapinghub")

DEBRIS = (
    "Your support helps us to tell the story",
    "From reproductive rights to climate change to Big Tech",
    "At such a critical moment in US history",
    "The Independent is trusted by Americans",
    "Your support makes all the difference.",
    "Join our commenting forum",
    "Join thought-provoking conversations",
    "Comments",
    "Thank you for registering",
    "Please refresh the page or navigate",
    "(KCNA via KNS)",
)


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def article() -> list[str]:
    return [p.strip() for p in GOLD.read_text("utf-8").split("\n\n") if p.strip()]


def kept_units(text: str) -> list[str]:
    units, _probs, kept = textmode.classify(text)
    return [u for u, k in zip(units, kept, strict=True) if k]


def assert_clean(units: list[str]) -> None:
    for para in article():
        assert para in units, f"article paragraph dropped: {para[:60]}"
    for debris in DEBRIS:
        hits = [u for u in units if u == debris or (debris in u and len(debris) > 12)]
        assert not hits, f"debris kept: {hits[0][:80]}"


# --- splitting and the model --------------------------------------------------------


def test_split_units() -> None:
    assert textmode.split_units("a b\n\nc\nd\n\n\n e  f \n") == ["a b", "c", "d", "e f"]
    wrapped = (
        "This is a paragraph that was wrapped at a fixed width by\n"
        "its editor so that every line is about as long as the\nothers."
    )
    assert textmode.split_units(wrapped) == [" ".join(wrapped.split())]
    assert textmode.split_units("") == []


def test_long_units_are_cut_at_sentence_ends() -> None:
    prose = " ".join(article())  # the article as one line of about 3,000 characters
    assert len(prose) > textmode.MAX_UNIT_CHARS
    pieces = textmode.split_units(prose)
    assert len(pieces) >= 2
    assert all(len(p) <= textmode.MAX_UNIT_CHARS for p in pieces)
    assert " ".join(pieces) == prose
    assert all(p.endswith((".", '"', "”", "’")) for p in pieces[:-1])
    # no sentence end, no space: a hard cut, nothing lost
    blob = "x" * (3 * textmode.MAX_UNIT_CHARS + 7)
    pieces = textmode.split_units(blob)
    assert [len(p) for p in pieces] == [textmode.MAX_UNIT_CHARS] * 3 + [7]


def test_megabytes_on_one_line() -> None:
    # the article again and again with no line break at all: the classifier sees
    # bounded units (a cost linear in the size) and keeps the prose; two megabytes
    # hold several times MAX_UNITS sentences (the packing; benchmarks time 10 MB)
    line = " ".join(article())
    text = " ".join([line] * (2_000_000 // len(line) + 1))
    units, probs, kept = textmode.classify(text)
    # (it has no line structure: its sentences are the units, packed together by runs
    # of about MAX_UNIT_CHARS characters)
    assert textmode.split_text(text)[1] == "flat"
    assert len(units) <= textmode.MAX_UNITS + 1
    assert max(map(len, units)) <= 2 * textmode.MAX_UNIT_CHARS
    assert " ".join(units) == text
    assert len(probs) == len(kept) == len(units)
    kept_chars = sum(len(u) for u, k in zip(units, kept, strict=True) if k)
    assert kept_chars > 0.8 * len(text)


def test_a_million_one_character_lines() -> None:
    lines = [chr(ord("a") + i % 26) for i in range(1_000_000)]
    units, probs, kept = textmode.classify("\n".join(lines))
    assert 1 < len(units) <= textmode.MAX_UNITS + 1
    assert " ".join(units).split(" ") == lines  # packed in order, nothing lost
    assert len(probs) == len(kept) == len(units)
    assert all(0.0 <= p <= 1.0 for p in probs)


def test_seed_text_keeps_the_article_and_drops_the_debris() -> None:
    assert_clean(kept_units(SEED.read_text("utf-8")))


def test_seed_text_one_line_per_paragraph() -> None:
    # no blank lines at all: split on lines
    text = "\n".join(textmode.split_units(SEED.read_text("utf-8")))
    assert_clean(kept_units(text))


# --- Markdown dumps ---------------------------------------------------------------------

#: html2text's Markdown (wrapped at its default 78 columns) of samples/seed-independent.html
MD_SEED = DATA / "seed-independent.md"


def test_markdown_is_split_as_markdown_and_shown_without_markup() -> None:
    text = (
        "# A [headline](https://news.example/a)\n\n"
        "A paragraph wrapped by the dump with a [link whose text\nruns on](https://news.example/wework-\n"
        "withdraws/) and **bold** and _italic_ words.\n\n"
        '  * [Home](/)\n  * [World](/world "World news")\n'
        "  * a list item that wraps\n    onto a second line\n\n"
        "> a quoted line\n> that goes on\n\n"
        "![](https://img.example/a.jpg)\n\n* * *\n\n"
        "[Foo (bar)](https://en.wikipedia.org/wiki/Foo_(bar)) and a\\_b\n"
    )
    assert textmode.is_markdown(text)
    assert textmode.split_units(text) == [
        "A headline",
        "A paragraph wrapped by the dump with a link whose text runs on and bold and italic words.",
        "Home",
        "World",
        "a list item that wraps onto a second line",
        "a quoted line that goes on",
        "Foo (bar) and a_b",
    ]


def test_wrapped_link_targets_are_taken_out() -> None:
    # html2text breaks a long URL after a hyphen: the target is still one target
    unit = "The [company shelved its plans](https://vb.example/2019/09/30/wework- withdraws/) for"
    assert textmode.unmark(unit) == "The company shelved its plans for"
    assert textmode.unmark("snake_case and 2*3*4 stay") == "snake_case and 2*3*4 stay"


def test_plain_dumps_are_not_markdown() -> None:
    """The model reads the alltext dumps it was trained on exactly as before: none of
    the Scrapinghub pages' dumps is taken for Markdown or for flat text, or has a line
    joined."""
    from unboil.extractors.loading import load_bytes

    alltext = registry.get("alltext")
    pages = sorted((BENCH / "html").glob("*.html.gz"))
    assert len(pages) == 181
    for path in pages:
        text = alltext.extract(load_bytes(gzip.decompress(path.read_bytes()), path.name)).text
        assert textmode.split_text(text)[1] == "plain", path.name
        assert not textmode._INLINE_BREAK.search(text), path.name
        assert not textmode._INLINE_PUNCT.search(text), path.name
    assert not textmode.is_markdown(SEED.read_text("utf-8"))


def test_markdown_dump_keeps_the_article_and_drops_the_debris() -> None:
    from unboil.extractors.scoring import tokens

    text = MD_SEED.read_text("utf-8")
    assert textmode.is_markdown(text)
    kept = kept_units(text)
    # html2text straightens the quotes: compare words
    kept_words = [tokens(u) for u in kept]
    for para in article():
        assert tokens(para) in kept_words, f"article paragraph dropped: {para[:60]}"
    for debris in DEBRIS:
        assert not [u for u in kept if debris in u], debris
    assert not [u for u in kept if "](" in u or u.startswith(("#", "* ", "!["))]
    # and on the command line, with what was stripped
    result = invoke(str(MD_SEED))
    assert result.exit_code == 0, result.stderr
    assert "Join our commenting forum" not in result.stdout
    assert "Kim Jong-un" in result.stdout and "](" not in result.stdout
    result = invoke("diff", "--stripped", str(MD_SEED))
    assert "Join our commenting forum" in result.stdout
    # its first level-1 heading (wrapped over two lines by the dump) is the title
    title = json.loads(invoke(str(MD_SEED), "-f", "json").stdout)["title"]
    assert title == (
        "North Korea’s Kim Jong-un orders increase in arms factory capacity for "
        "‘war readiness’, state media reports"
    )
    assert json.loads(invoke(str(SEED), "-f", "json").stdout)["title"] is None


#: BeautifulSoup's get_text("\\n") of samples/seed-independent.html (one line per text node)
SOUP_SEED = DATA / "seed-independent.soup.txt"


def test_lines_cut_inside_a_sentence_are_joined() -> None:
    dump = "A flaw in the game \nMinecraft\n makes it easy\n, he said\n.\n\nShare\nTweet\n"
    assert textmode.split_units(dump) == [
        "A flaw in the game Minecraft makes it easy, he said.",
        "Share",
        "Tweet",
    ]
    # an indent is not a sentence going on: code keeps its lines
    assert textmode.split_units("def f():\n    return 1\n") == ["def f():", "return 1"]


def test_one_line_per_text_node_dump_keeps_whole_paragraphs() -> None:
    text = SOUP_SEED.read_text("utf-8")
    assert "official \nKorean Central News Agency\n." in text  # a sentence cut at a link
    kept = kept_units(text)
    for para in article():
        assert para in kept, f"article paragraph not kept whole: {para[:60]}"
    for debris in DEBRIS:
        assert not [u for u in kept if debris in u], debris


def test_model_ships_small_and_loads() -> None:
    # both models together under 2 MB
    from importlib.resources import files

    models = files("unboil.extractors.models")
    sizes = sum(
        len(models.joinpath(name).read_bytes())
        for name in (textmode.MODEL_FILE, textmode.FLAT_MODEL_FILE)
    )
    assert sizes < 2 * 1024 * 1024
    for m in (textmode.model(), textmode.flat_model()):
        assert m.stage1.features == textmode.feature_names()
        assert 0 < m.threshold < 1
        assert m.meta["held_out_pages"] == textmode.model().meta["held_out_pages"]
    assert textmode.flat_model().meta["kind"] == "flat"


def test_text_without_line_breaks_goes_by_sentence_to_the_flat_model() -> None:
    """A dump flattened to one line (``get_text(" ")``) is cut into sentences and read
    by the model trained on such text: most of the article, little of the debris."""
    one_line = " ".join(SEED.read_text("utf-8").split())
    units, kind = textmode.split_text(one_line)
    assert kind == "flat" and len(units) > 15
    assert "Mr Kim was seen firing at least two different scoped rifles" in " ".join(units)
    kept = "\n\n".join(kept_units(one_line))
    gold = GOLD.read_text("utf-8")
    assert evaluate([(kept, gold)]).f1 > evaluate([(one_line, gold)]).f1 + 0.1
    assert evaluate([(kept, gold)]).f1 > 0.85
    for debris in ("Join our commenting forum", "Thank you for registering"):
        assert debris not in kept
    # with line structure, the same words go to the paragraph model as before
    assert textmode.split_text(SEED.read_text("utf-8"))[1] == "plain"


def test_backend_registered_and_on_html() -> None:
    backend = registry.get("text")
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in article()) + "</body></html>"
    result = backend.extract(Page.from_html(html))
    assert result.ok and result.words > 300


@pytest.mark.skipif(not (BENCH / "ground-truth.json").exists(), reason="no benchmark data")
def test_held_out_pages_score_sanely() -> None:
    from unboil.extractors.loading import load_bytes

    m = textmode.model()
    truth = json.loads((BENCH / "ground-truth.json").read_text("utf-8"))
    alltext = registry.get("alltext")
    pairs = []
    for key in m.meta["held_out_pages"][:8]:
        raw = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes())
        text = alltext.extract(load_bytes(raw, key)).text
        pairs.append(("\n\n".join(kept_units(text)), truth[key]["articleBody"]))
    assert evaluate(pairs).f1 > 0.7


# --- the CLI --------------------------------------------------------------------------


def test_cli_detects_text() -> None:
    result = invoke(str(SEED))
    assert result.exit_code == 0, result.stderr
    paras = [p for p in result.stdout.split("\n\n") if p.strip()]
    assert_clean([p.strip() for p in paras])


def test_cli_stdin_text_and_json() -> None:
    result = invoke("-", "-f", "json", input=SEED.read_text("utf-8"))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["backend"] == "text"
    assert article()[0] in doc["text"]


def test_cli_text_mode_whatever_backend() -> None:
    """A backend given with -b does not apply to plain text: said once, on stderr."""
    result = invoke(str(SEED), "-b", "alltext")
    assert result.exit_code == 0
    assert "Join our commenting forum" not in result.stdout
    assert result.stderr.count("is plain text, cleaned by the text backend (-b alltext") == 1
    assert "note:" not in invoke(str(SEED)).stderr  # no -b given: nothing to say
    diff = CliRunner().invoke(cli, ["diff", str(SEED), "-a", "trafilatura", "--stat"])
    assert "(-a trafilatura: for HTML)" in diff.stderr


def test_cli_input_format_html_refuses_text() -> None:
    result = invoke(str(SEED), "--input-format", "html")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert "plain text" in result.stderr


def test_cli_input_format_text_forces_text(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>" + "</p>\n\n<p>".join(article()) + "</p>", encoding="utf-8")
    result = invoke(str(page), "--input-format", "text", "-f", "json")
    assert json.loads(result.stdout)["backend"] == "text"


def test_batch_with_a_text_file(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "seed.txt").write_text(SEED.read_text("utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("batch", str(inp / "seed.txt"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    (rec,) = [json.loads(x) for x in (out / "unboil-manifest.jsonl").read_text().splitlines()]
    assert rec["status"] == "ok" and rec["backend"] == "text"
    text = (out / rec["output"]).read_text("utf-8")
    assert article()[0] in text and "Join our commenting forum" not in text


def test_diff_stripped_on_text() -> None:
    result = invoke("diff", str(SEED), "--stripped")
    assert result.exit_code == ExitStatus.CHECK_FAILED  # something was removed
    removed = [x[1:] for x in result.stdout.splitlines() if x.startswith("-")]
    assert "Join our commenting forum" in removed
    assert not any(article()[0] in x for x in removed)
    doc = json.loads(invoke("diff", str(SEED), "--stripped", "--json", "-").stdout)
    assert doc["b"]["label"] == "text"


# --- lines repeated across a batch (batch --drop-repeated) ----------------------------

SAMPLES = ROOT / "samples"
SITE_ARTICLES = (
    "blog-weekday-sourdough",
    "comments-tomato-splitting",
    "news-hollinbridge-footbridge",
    "docs-tarn-configuration",
)
#: template lines of a made-up site: sentences the model alone keeps
TEMPLATE = (
    "The Valley Courier has been owned by its readers since 1921 and every story we "
    "publish is paid for by them.",
    "Read more from our local reporting team on the weekend edition.",
)


def site_text(name: str) -> str:
    gold = (SAMPLES / f"{name}.txt").read_text("utf-8")
    return "\n\n".join(["The Valley Courier", "Home | News | Sport", gold, *TEMPLATE])


def test_batch_repeats_counts_texts_not_copies() -> None:
    counter = textmode.BatchRepeats()
    for name in SITE_ARTICLES[:3]:
        counter.add(name, site_text(name))
    counter.add("copy", site_text(SITE_ARTICLES[0]))  # the same text again: not counted
    template = {textmode.repeat_key(line) for line in TEMPLATE}
    three = counter.repeated(3)
    assert set(three) == {*SITE_ARTICLES[:3], "copy"}
    assert all(keys == template for keys in three.values())
    assert counter.repeated(4) == {}  # three texts, not four
    # lines under REPEAT_MIN_WORDS words are the model's ("The Valley Courier")
    assert textmode.repeat_key("The Valley Courier") not in three["copy"]
    # case, spacing and numbers aside
    assert textmode.repeat_key("Comments (3)") == textmode.repeat_key("comments  (12)")


def test_repeats_leave_a_near_copy_alone() -> None:
    units = textmode.split_units(site_text(SITE_ARTICLES[0]))
    template = {textmode.repeat_key(line) for line in TEMPLATE}
    assert [units[i] for i in textmode.repeats(units, template)] == list(TEMPLATE)
    # when the shared lines are half the text's words, it is the same article again
    everything = {textmode.repeat_key(u) for u in units}
    assert textmode.repeats(units, everything) == []


def test_batch_drop_repeated(tmp_path: Path) -> None:
    inp = tmp_path / "site"
    inp.mkdir()
    for name in SITE_ARTICLES:
        (inp / f"{name}.txt").write_text(site_text(name), encoding="utf-8")

    def run(out: Path, *options: str) -> dict[str, str]:
        result = invoke("batch", str(inp), "--glob", "*.txt", "-o", str(out), "-j", "1", *options)
        assert result.exit_code == 0, result.stderr
        return {p.stem: p.read_text("utf-8") for p in out.glob("*.txt")}

    plain = run(tmp_path / "plain")
    dropped = run(tmp_path / "dropped", "--drop-repeated", "3")
    assert set(plain) == set(dropped) == set(SITE_ARTICLES)
    # the model alone keeps the site's sentences on most pages
    assert sum(TEMPLATE[0] in text for text in plain.values()) >= 3
    for name, text in dropped.items():
        assert not any(line in text for line in TEMPLATE), name
        gold = (SAMPLES / f"{name}.txt").read_text("utf-8")
        first = gold.strip().split("\n\n")[0]
        assert (first in text) == (first in plain[name]), name  # the article is untouched
    # a resumed run counts the pages done before too: it drops the same lines
    first = tmp_path / "dropped" / f"{SITE_ARTICLES[0]}.txt"
    first.unlink()
    again = run(tmp_path / "dropped", "--drop-repeated", "3", "--resume")
    assert again == dropped
