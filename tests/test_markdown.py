"""``-f markdown``: the page's structure kept, whichever backend chose the text (issue
#26): ordered lists numbered, inline code in backticks, code blocks fenced with their
text intact, emphasis, headings at their level, the headline with --title, links with
--links (absolute when the page's URL is known). The text itself never changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from unboil.cli.main import cli
from unboil.extractors.base import Block, Extraction
from unboil.extractors.formats import escape_markdown, to_markdown
from unboil.extractors.htmltree import body_of, element_blocks, parse_html
from unboil.extractors.page import Page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TARN = str(SAMPLES / "docs-tarn-configuration.html")
KESTREL = str(SAMPLES / "docs-kestrel-quickstart.html")
#: the backends that keep these pages' content
BACKENDS = ["trafilatura", "readability", "consensus"]


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def markdown(page: str, backend: str, *options: str) -> str:
    result = invoke("-b", backend, "-f", "markdown", *options, page)
    assert result.exit_code == 0, result.output
    return result.stdout


def gold_block(sample: str, first_line: str) -> str:
    """The block of a sample's gold text that starts with ``first_line``."""
    gold = (SAMPLES / sample).read_text("utf-8")
    return next(b.strip("\n") for b in gold.split("\n\n") if b.startswith(first_line))


def page_markdown(html: str, url: str | None = None, *, links: bool = False) -> str:
    """Every block of a page (the alltext walk) as markdown, with the page's markup."""
    page = Page.from_html(html)
    blocks = element_blocks(body_of(page.tree))
    return to_markdown(Extraction("alltext", blocks=blocks), page, links=links, url=url)


# -- the documentation samples, on the backends that keep them ------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_tarn_ordered_list_is_numbered_with_its_inline_code(backend: str) -> None:
    lines = markdown(TARN, backend).splitlines()
    assert "1. The path given with `--config` on the command line." in lines
    assert "2. The path in the `TARN_CONFIG` environment variable." in lines
    assert "4. The user-wide file at `~/.config/tarn/config.toml`." in lines
    assert not any(x.startswith("- The path") for x in lines)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tarn_code_blocks_are_fenced_with_their_text_intact(backend: str) -> None:
    out = markdown(TARN, backend)
    for first in ("# .tarn.toml", "[profiles.ci]", "$ tarn config check"):
        code = gold_block("docs-tarn-configuration.txt", first)
        assert f"\n```\n{code}\n```\n" in out, first
    # a one-line code block is still a block, not inline code
    assert "\n```\n$ TARN_PROFILE=ci tarn run -- make test\n```\n" in out
    # nothing escaped inside code
    assert 'vars = { LOG_LEVEL = "info", TZ = "UTC" }' in out and "\\_" not in out.split("```")[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_tarn_inline_code_emphasis_and_headings(backend: str) -> None:
    out = markdown(TARN, backend)
    lines = out.splitlines()
    assert any(x.startswith("`tarn` reads its settings from a TOML file") for x in lines)
    assert "Keys under `[project]` apply to every command." in out
    assert "Profiles can *inherit* from other profiles" in out
    assert "the `--profile` flag, the `TARN_PROFILE` environment variable" in out
    assert "TARN\\_" not in out  # code, not escaped text
    for heading in ("Where tarn looks for configuration", "File format", "Profiles"):
        assert f"## {heading}" in lines, heading
    assert "¶" not in out and "](" not in out  # no permalinks; no links without --links


@pytest.mark.parametrize("backend", BACKENDS)
def test_tarn_headline_with_title(backend: str) -> None:
    out = markdown(TARN, backend, "--title")
    assert out.startswith("# Configuration"), out[:80]


@pytest.mark.parametrize("backend", ["trafilatura", "consensus"])
def test_tarn_links(backend: str) -> None:
    out = markdown(TARN, backend, "--links")
    edit = "https://git.example/tarn-cli/tarn/edit/main/docs/configuration.md"
    assert f"[Edit this page on GitHub]({edit})" in out
    assert "`tarn` reads its settings" in out  # links leave the rest as it was
    assert "[¶]" not in out and "](#" not in out


@pytest.mark.parametrize("backend", BACKENDS)
def test_kestrel_lists(backend: str) -> None:
    out = markdown(KESTREL, backend)
    assert (
        "1. Make a folder for your jobs and change into it.\n"
        "2. Run `kestrel init`. It writes a starter `kestrel.yaml` and an empty `logs/` folder.\n"
        "3. Open `kestrel.yaml` in your editor.\n"
    ) in out
    # a nested ordered list under its item, numbered from 1
    assert (
        "2. `kestrel log backup-notes` shows the last output of the job.\n"
        "   1. Add `--all` to see every run, not only the last one.\n"
        "   2. Add `--json` to get one record per line for other tools.\n"
        "3. The files in `logs/` keep everything, one file per day.\n"
    ) in out
    # a nested bullet list
    assert (
        "- Optionally, somewhere to send notifications:\n"
        "  - Slack: an *incoming webhook* URL.\n"
        "  - Matrix: a room ID and an access token.\n"
    ) in out
    # <ol start="4">
    assert "4. Schedules and calendars: cron expressions, `every:` and holiday calendars.\n" in out
    assert "6. Running kestrel as a service under systemd, started at boot.\n" in out


@pytest.mark.parametrize("backend", BACKENDS)
def test_kestrel_code_emphasis_and_heading_levels(backend: str) -> None:
    out = markdown(KESTREL, backend)
    lines = out.splitlines()
    for first in ("# kestrel.yaml", "$ kestrel run --foreground"):
        code = gold_block("docs-kestrel-quickstart.txt", first)
        assert f"```\n{code}\n```" in out, first
    assert "  backup-notes:\n    run: tar czf ~/backups/notes.tgz ~/notes\n" in out  # indented
    assert "you have installed **kestrel 0.9** or later" in out
    assert "runs once, **not** once for every missed run" in out
    assert "A name such as `Backup_Notes` is *rejected* when" in out
    assert "Press `Ctrl`+`C` to stop the scheduler." in out  # <kbd>
    assert "## Before you begin" in lines and "## Next steps" in lines
    assert "### Job names" in lines and "### Stopping and resuming" in lines
    assert "#### Missed runs" in lines
    assert "](" not in out and "\u200b" not in out


@pytest.mark.parametrize("backend", BACKENDS)
def test_kestrel_headline_with_title(backend: str) -> None:
    assert markdown(KESTREL, backend, "--title").startswith("# Quickstart")


@pytest.mark.parametrize("backend", BACKENDS)
def test_kestrel_links_resolved_against_the_declared_url(backend: str) -> None:
    """A saved page: its relative links resolved against its canonical URL (as
    trafilatura takes it); absolute and mailto links as they are; heading permalinks
    (a zero-width space as text) dropped."""
    out = markdown(KESTREL, backend, "--links")
    base = "https://kestrel-sched.example/docs/0.9"
    assert f"follow the [installation guide]({base}/installation/) first." in out
    assert f"4. [Schedules and calendars]({base}/schedules/): cron expressions" in out
    assert f"6. [Running kestrel as a service]({base}/guides/systemd/) under systemd" in out
    assert "[users mailing list](mailto:users@lists.kestrel-sched.example)" in out
    assert "## Before you begin\n" in out and "[](" not in out


@pytest.mark.parametrize("backend", ["trafilatura", "consensus"])
def test_kestrel_links_resolved_against_url(backend: str) -> None:
    out = markdown(KESTREL, backend, "--links", "--url", "https://mirror.example/k/quickstart/")
    assert "[installation guide](https://mirror.example/k/installation/)" in out
    assert "[Notifications](https://mirror.example/k/notifications/)" in out
    # absolute links stay where they point
    assert "[FAQ](https://kestrel-sched.example/docs/0.9/faq/)" in out


def test_links_and_url_leave_txt_alone() -> None:
    plain = invoke(KESTREL).stdout
    assert invoke("--links", "--url", "https://mirror.example/k/", KESTREL).stdout == plain
    assert "](" not in plain and "`" not in plain


def test_url_must_be_a_web_address() -> None:
    result = CliRunner().invoke(cli, ["-f", "markdown", "--url", "notes/page.html", KESTREL])
    assert result.exit_code == 2
    assert "not an http(s) URL" in result.stderr


def test_structure_leaves_the_text_as_it_was() -> None:
    """Marks or not, the blocks of every sample have the same texts and kinds."""
    for path in sorted(SAMPLES.glob("*.html")):
        body = body_of(Page.from_html(path.read_text("utf-8", "replace")).tree)
        plain = [(b.text, b.kind) for b in element_blocks(body)]
        marked = element_blocks(body, marks=True)
        assert [(b.text, b.kind) for b in marked] == plain, path.name
        assert any(b.markup is not None and b.markup.inline for b in marked), path.name


# -- the renderer on small pages -------------------------------------------------------


def test_relative_links_kept_when_no_url_is_known() -> None:
    html = (
        '<p>See <a href="../guide/">the guide</a>, <a href="#top">the top</a>, '
        '<a href="javascript:void(0)">a script</a>, <a href="data:text/plain,x">data</a> '
        'and <a href="https://example.org/a b(c)">another site</a>.</p>'
    )
    out = page_markdown(html, links=True)
    assert out == (
        "See [the guide](../guide/), [the top](#top), a script, data and "
        "[another site](https://example.org/a%20b%28c%29).\n"
    )
    assert page_markdown(html).startswith("See the guide, the top, a script")
    resolved = page_markdown(html, "https://site.example/docs/page.html", links=True)
    assert "[the guide](https://site.example/guide/)" in resolved
    assert "[the top](https://site.example/docs/page.html#top)" in resolved


def test_base_href_is_honoured() -> None:
    html = (
        '<html><head><base href="https://cdn.example/v2/"></head>'
        '<body><p><a href="start.html">Start</a> here.</p></body></html>'
    )
    assert page_markdown(html, links=True) == "[Start](https://cdn.example/v2/start.html) here.\n"


def test_ordered_list_numbering_start_value_reversed() -> None:
    html = (
        '<ol start="7"><li>seven</li><li value="10">ten</li><li>eleven</li></ol><p>gap</p>'
        "<ol reversed><li>three</li><li>two</li><li>one</li></ol><p>gap</p>"
        '<ul><li>bullet<ol start="0"><li>zero</li><li>one</li></ol></li>'
        "<li>more<p>its second paragraph</p></li></ul>"
    )
    assert page_markdown(html) == (
        "7. seven\n10. ten\n11. eleven\n\ngap\n\n3. three\n2. two\n1. one\n\ngap\n\n"
        "- bullet\n  0. zero\n  1. one\n- more\n\n  its second paragraph\n"
    )


def test_code_with_backticks_and_markup_characters() -> None:
    html = (
        "<p>Use <code>a*b_c</code>, <code>x ` y</code> and <code>`q`</code> with <em>care</em>.</p>"
        "<pre>```\nfence inside\n    kept *as* is_\n```</pre>"
    )
    out = page_markdown(html)
    assert "Use `a*b_c`, ``x ` y`` and `` `q` `` with *care*." in out
    assert "\n````\n```\nfence inside\n    kept *as* is_\n```\n````\n" in out


def test_literal_markup_in_text_is_escaped_but_marks_are_not() -> None:
    html = (
        "<p>1. not a list, with *stars*, <b>bold</b> and <i>[brackets]</i></p>"
        "<p><em>Emphasis</em> first, # not a heading</p>"
        '<p>Wow!<a href="https://x.example/">link</a> and <strong> spaced </strong>words</p>'
        "<p>Nested <em>a <em>b</em> c</em>, empty <em> </em>, <a href='/x'><img alt=''></a>.</p>"
    )
    out = page_markdown(html, links=True).split("\n\n")
    assert out[0] == "1\\. not a list, with \\*stars\\*, **bold** and *\\[brackets\\]*"
    assert out[1] == "*Emphasis* first, # not a heading"
    assert out[2] == "Wow\\![link](https://x.example/) and **spaced** words"
    assert out[3] == "Nested *a b c*, empty , .\n"
    assert escape_markdown("# x\n2) y\n3.5 z") == "\\# x\n2\\) y\n3.5 z"


def test_links_that_span_blocks_and_headings_with_links() -> None:
    html = (
        '<a href="/card"><h3>Card title</h3><p>Card text</p></a>'
        '<h2>Usage<a class="headerlink" href="#usage">¶</a></h2>'
        '<h2><a href="/news">News</a> today</h2>'
        '<a name="anchor"><p>No <em>target</em></p><p>here</p></a>'
    )
    out = page_markdown(html, "https://s.example/", links=True)
    assert out == (
        "### [Card title](https://s.example/card)\n\n[Card text](https://s.example/card)\n\n"
        "## Usage\n\n## [News](https://s.example/news) today\n\nNo *target*\n\nhere\n"
    )


def test_without_the_page_the_text_is_escaped_as_before() -> None:
    blocks = [Block("Title", "h2"), Block("a_b *c*", "p"), Block("one", "li"), Block("x", "pre")]
    assert to_markdown(Extraction("t", blocks=blocks)) == (
        "## Title\n\na\\_b \\*c\\*\n\n- one\n\n```\nx\n```\n"
    )


def test_plain_backends_take_the_pages_structure() -> None:
    """A backend that gives plain paragraphs (boilerpy3, goose3, ... as text lines)
    gets the page's headings, items and inline markup where its text is the page's."""
    html = (
        "<h2>Setup</h2><ol><li>Install <code>kestrel</code>.</li><li>Run it.</li></ol>"
        "<p>Then <em>wait</em>.</p><p>Unknown</p>"
    )
    page = Page.from_html(html)
    blocks = [Block(t) for t in ("Setup", "Install kestrel.", "Run it.", "Then wait.", "Other")]
    assert to_markdown(Extraction("x", blocks=blocks), page) == (
        "## Setup\n\n1. Install `kestrel`.\n2. Run it.\n\nThen *wait*.\n\nOther\n"
    )


def test_the_headline_matches_the_heading_not_the_menu_entry() -> None:
    html = (
        '<nav><ul><li><a href="/q">Quickstart</a></li></ul></nav>'
        "<article><h1>Quickstart</h1><p>Body text.</p></article>"
    )
    page = Page.from_html(html)
    blocks = [Block("Quickstart", "h1"), Block("Body text.")]
    out = to_markdown(Extraction("x", blocks=blocks), page, links=True)
    assert out == "# Quickstart\n\nBody text.\n"


def test_unsafe_characters_do_not_reach_the_markdown() -> None:
    html = '<p>A <em>right\u202eto-left</em> <a href="https://x.example/\u202e">trick</a>.</p>'
    out = page_markdown(html, links=True)
    assert "\u202e" not in out and "*rightto-left*" in out


def test_parse_keeps_no_mark_characters() -> None:
    """The marks are characters no parsed text holds."""
    root = parse_html("<p>a\x02b\x03c\x0e\x0f\x10d&#2;</p>")
    assert root.text_content() == "abcd"


def test_batch_markdown_keeps_the_structure_too(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("batch", KESTREL, "-o", str(out), "-f", "markdown", "-b", "readability", "-q")
    assert result.exit_code == 0, result.stderr
    text = (out / "docs-kestrel-quickstart.md").read_text()
    assert "1. Make a folder for your jobs" in text
    assert "2. Run `kestrel init`." in text
    assert "```\n# kestrel.yaml\n" in text
