"""``markup.tame``: what every parser gets. No element keeps more than MAX_ATTRIBUTES
attributes in lxml (libxml2) or lexbor (resiliparse), however a page hides them from
a scan, and ``<template>`` content is gone; pages without either come out unchanged.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unboil.extractors.htmltree import parse_html
from unboil.extractors.loading import load_file
from unboil.extractors.markup import MAX_ATTRIBUTES, tame
from unboil.extractors.page import Page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
N = 40_000
NAMES = " ".join(f"a{i}" for i in range(N))


def lxml_most(html: str) -> int:
    root = parse_html(html)
    return max((len(el.attrib) for el in root.iter() if isinstance(el.tag, str)), default=0)


def lexbor_most(html: str) -> int:
    from resiliparse.parse.html import HTMLTree

    most, stack = 0, [HTMLTree.parse(html).document]
    while stack:
        node = stack.pop()
        most = max(most, len(getattr(node, "attrs", None) or ()))
        stack.extend(node.child_nodes)
    return most


# each hides N attributes of one element from a scan that reads tags less carefully
CROWDED = {
    "plain": f"<div {NAMES}>x</div>",
    "valued": "<div " + " ".join(f'a{i}="v"' for i in range(N)) + ">x</div>",
    "quoted >": "<div " + "".join(f'a{i}=">"' for i in range(N)) + ">x</div>",
    "= then quote in a name": f'<div =" b=">" {NAMES}>x</div>',
    "tag inside a value": f'<a title="<x a=">{"p" * 600}<div {NAMES} c=">">x</div>',
    "tag inside a comment": f'<!-- <x a=" --><div {NAMES} c=">">x</div>',
    "tag inside a script": f'<script>s = "<x a=\\"";</script><div {NAMES} c=">">x</div>',
    "script escapes": (
        f'<script><!--<script>x</script><b title="</script>"></script><div {NAMES}>x</div>'
    ),
    "end tag in capitals": f"<style>a{{}}</STYLE ><div {NAMES}>x</div>",
    "crowded raw-text tags": f"<style {NAMES}><div {NAMES}></style><p {NAMES}>x</p>",
    "quote in an end tag": f'</p title="<x a="><div {NAMES} c=">">x</div>',
    "slashes": "<div/" + "/".join(f"b{i}" for i in range(N)) + ">x</div>",
    "svg": f"<svg><path {NAMES}/></svg><p>x</p>",
    "inside a template": f"<template><div {NAMES}></div></template><p>x</p>",
}


@pytest.mark.parametrize("html", CROWDED.values(), ids=list(CROWDED))
def test_no_parser_sees_a_crowded_element(html: str) -> None:
    tamed = tame(html)
    assert lxml_most(tamed) <= MAX_ATTRIBUTES
    assert lexbor_most(tamed) <= MAX_ATTRIBUTES
    assert "x" in parse_html(tamed).text_content()  # the element's text is kept


def test_an_element_keeps_its_first_attributes_and_its_tag_end() -> None:
    html = "<p " + " ".join(f'a{i}="{i}"' for i in range(300)) + ' class="late">text</p><i>on</i>'
    root = parse_html(tame(html))
    p = root.find(".//p")
    assert p is not None
    assert list(p.attrib) == [f"a{i}" for i in range(MAX_ATTRIBUTES)]
    assert p.text == "text"
    assert root.find(".//i") is not None


def test_attributes_up_to_the_limit_are_left_alone() -> None:
    html = "<p " + " ".join(f"a{i}" for i in range(MAX_ATTRIBUTES)) + ">text</p>"
    assert tame(html) is html


def test_unterminated_quote_with_many_attributes_before_it() -> None:
    tamed = tame(f'<p>keep</p><div {NAMES} c="never closed')
    assert len(tamed) < 2000
    assert lxml_most(tamed) <= MAX_ATTRIBUTES


def test_overlapping_tag_starts_are_read_once() -> None:
    """A page in which every ``<`` could start a tag inside another's attributes: the
    scan reads each character once (a scan that tried every ``<`` took 11 s on 2 MB)."""
    html = ("<a " * 250 + ">") * 8000  # 2 MB
    start = time.perf_counter()
    tame(html)
    assert time.perf_counter() - start < 5  # generous: well under a second here


# -- templates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a</p><template><p>T</p></template><p>b</p>", "<p>a</p><p>b</p>"),
        ("<p>a</p><TEMPLATE id=x><p>T</p></Template ><p>b</p>", "<p>a</p><p>b</p>"),
        ("<p>a</p><template><template>T</template>T2</template>b", "<p>a</p>b"),
        ("<p>a</p><template><p>T never closed", "<p>a</p>"),
        ("<p>a</p></template><p>b</p>", "<p>a</p></template><p>b</p>"),
        # template text that is not a tag stays
        ('<script>s = "<template>x</template>";</script>', None),
        ("<!-- <template>x</template> --><p>a</p>", None),
        ('<p title="<template>">a</p>', None),
        ("<textarea><template>x</template></textarea>", None),
        ("<template><script>s = '</template>';</script>T</template><p>b</p>", "<p>b</p>"),
    ],
)
def test_templates_dropped_as_a_browser_reads_them(html: str, expected: str | None) -> None:
    assert tame(html) == (html if expected is None else expected)


def test_template_text_reaches_no_backend() -> None:
    from unboil.extractors.registry import get

    para = "This paragraph is what the article says, in enough words to be kept."
    html = (
        f"<html><body><article><h1>Title</h1><p>{para}</p>"
        f"<template><p>INERT {para}</p></template><p>{para}</p></article></body></html>"
    )
    for backend in ("trafilatura", "readability", "resiliparse", "boilerpy3", "alltext"):
        result = get(backend).extract(Page.from_html(html))
        assert "INERT" not in result.text, backend


def test_pages_without_either_are_unchanged() -> None:
    for path in sorted(SAMPLES.glob("*.html")):
        html = load_file(path).html
        assert tame(html) is html, path.name


# -- a page built to disagree with the scan --------------------------------------------

PIECES = [
    "<div",
    "<x ",
    " a",
    " b=",
    '="',
    "='",
    '"',
    "'",
    ">",
    '">"',
    "=",
    "/",
    " ",
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<script>",
    "</script>",
    "<!--<script>",
    "<style>",
    "</style>",
    "<textarea>",
    "</textarea>",
    "<![CDATA[",
    "]]>",
    "<svg>",
    "</svg>",
    "<noscript>",
    "</noscript>",
    "<template>",
    "</template>",
    "</p ",
    "<?",
    "<!x",
    "<",
    "text",
]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    before=st.lists(st.sampled_from(PIECES), max_size=12),
    inside=st.lists(st.sampled_from(PIECES), max_size=4),
    after=st.lists(st.sampled_from(PIECES), max_size=6),
)
def test_token_soup_never_hides_a_crowded_element(
    before: list[str], inside: list[str], after: list[str]
) -> None:
    crowd = " ".join(f"c{i}" for i in range(600))
    html = "".join(before) + f"<div {crowd}" + "".join(inside) + f" {crowd}>" + "".join(after)
    tamed = tame(html)
    assert lxml_most(tamed) <= MAX_ATTRIBUTES, html[:300]
    assert lexbor_most(tamed) <= MAX_ATTRIBUTES, html[:300]


# -- every command within its time limit -----------------------------------------------


def _page(tmp_path: Path, attributes: int) -> Path:
    path = tmp_path / "crowded.html"
    para = "<p>This paragraph is what the article says, in enough words to be kept.</p>"
    attrs = " ".join(f'data-a{i}="v"' for i in range(attributes))
    path.write_text(f"<html><body><article><div {attrs}>{para * 4}</div></article></body></html>")
    return path


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["compare"],
        ["diff", "--stripped"],
        ["audit", "-o", "{tmp}/report.html"],
    ],
    ids=["extract", "compare", "diff", "audit"],
)
def test_every_command_finishes_within_its_limit(tmp_path: Path, command: list[str]) -> None:
    """50,000 attributes on one element: 22 s for ``--timeout 5`` before (a parse no
    timer interrupts); now the element is cut before any parser sees it."""
    page = _page(tmp_path, 50_000)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "unboil.cli", *args, "--timeout", "5", str(page)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - start < 15, proc.stderr  # the limit and start-up
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1), proc.stderr  # diff: 1, the texts differ


def test_bench_and_check_on_a_crowded_page(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    page = _page(gold, 50_000)
    page.with_suffix(".txt").write_text(
        "This paragraph is what the article says, in enough words to be kept.\n"
    )
    for command in (["bench", str(gold), "-b", "trafilatura"], ["check", str(gold)]):
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "unboil.cli", *command],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert time.monotonic() - start < 30, (command, proc.stderr)
        assert "Traceback" not in proc.stderr
