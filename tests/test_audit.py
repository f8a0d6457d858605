"""``unboil audit``: reports opened in a real headless browser (Debian's chromium,
driven by Playwright; CI installs chromium with apt, Playwright never downloads one).

Set UNBOIL_UPDATE_SCREENSHOT=1 to refresh docs/audit-seed.png (the README's picture).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from unboil.cli.main import cli
from unboil.extractors.audit import audit_page, runs
from unboil.extractors.audit_nav import EXCERPT, block_list, excerpt
from unboil.extractors.blocks import segment
from unboil.extractors.htmltree import collapse_ws, parse_html
from unboil.extractors.inert import sanitize
from unboil.extractors.page import Page
from unboil.extractors.sources import load

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed-independent.html"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EVIL_HOST = "198.51.100.7"  # TEST-NET-2: unroutable

needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} missing (CI installs it: apt-get install -y chromium)",
)

_PARAGRAPHS = [
    "The reclusive leader called for “rapidly expanding production” during his visit to a "
    "factory that produces engines for cruise missiles and drones.",
    "Scientists have long suspected the lake's level fluctuates with the seasons.",
]
HOSTILE = f"""<!DOCTYPE html>
<html><head><title>Hostile page</title>
<base href="http://{EVIL_HOST}/">
<meta http-equiv="refresh" content="5;url=http://{EVIL_HOST}/refresh">
<link rel="stylesheet" href="http://{EVIL_HOST}/style.css">
<link rel="preload" as="image" href="http://{EVIL_HOST}/preload.png">
<script src="http://{EVIL_HOST}/evil.js"></script>
<style>@import url(http://{EVIL_HOST}/import.css);
@font-face {{ font-family: x; src: url(http://{EVIL_HOST}/font.woff2); }}
body {{ background: url('http://{EVIL_HOST}/bg.png'); font-family: x; }}</style>
</head>
<body onload="window.__ran=1">
<script>document.body.innerHTML='PWNED'; window.__ran=1;</script>
<nav class="menu"><a href="http://{EVIL_HOST}/home">Home</a> <a href="/news">News</a></nav>
<article><h1>The lake that keeps coming back</h1>
<p>{" ".join([_PARAGRAPHS[1]] * 6)}</p>
<img src="http://{EVIL_HOST}/x.png" srcset="http://{EVIL_HOST}/x2.png 2x" alt="lake"
 onerror="window.__ran=1">
<p style="background-image: url(http://{EVIL_HOST}/p.png)">Every spring the water returns
to the basin, filling it within a few weeks, and every autumn it drains away through
cracks in the limestone floor, leaving meadows where fish swam in summer.</p>
<p>Local farmers graze their cattle on the lake bed in winter and fish in it in summer,
a rhythm that has shaped the villages around it for centuries.</p>
<picture><source srcset="http://{EVIL_HOST}/s.webp"><img src="http://{EVIL_HOST}/s.png"></picture>
<video poster="http://{EVIL_HOST}/poster.png" src="http://{EVIL_HOST}/v.mp4"></video>
<svg><image href="http://{EVIL_HOST}/svg.png" width="10" height="10"/></svg>
<iframe src="http://{EVIL_HOST}/frame"></iframe>
<object data="http://{EVIL_HOST}/obj.swf"></object>
<a href="javascript:window.__ran=1">click me</a>
</article>
<form action="http://{EVIL_HOST}/post"><input name="q"><button>Go</button></form>
<div class="footer">© Hostile Media</div>
<script>window.__ran = 1; document.write('PWNED');</script>
</body></html>
"""


# -- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing (CI installs it: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Opened:
    """A report opened in a fresh browser page, with every request it made."""

    def __init__(self, browser: Any, path: Path, width: int = 1400) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.console: list[str] = []
        # nothing may leave the machine even when a test fails: abort any network
        # request (the request event still fires first, so it is logged)
        self.context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_timeout(200)

    def foreign_requests(self, path: Path) -> list[str]:
        own = path.as_uri()
        return [
            u
            for u in self.requests
            if u != own and not u.startswith(("about:", "data:", "file://"))
        ]

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "seed.html"
    page = load(str(SEED))
    page.source = "samples/seed-independent.html"
    path.write_text(audit_page(page), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "hostile-report.html"
    path.write_text(audit_page(Page.from_html(HOSTILE, "hostile.html")), encoding="utf-8")
    return path


def _status_of(page: Any, snippet: str) -> list[str]:
    """data-unboil of the innermost marked elements whose text holds ``snippet``."""
    result: list[str] = page.evaluate(
        """(snippet) => Array.from(document.querySelectorAll('[data-unboil]'))
            .filter(el => !el.closest('#unboil-panel'))
            .filter(el => el.textContent.replace(/\\s+/g, ' ').includes(snippet))
            .filter(el => !Array.from(el.querySelectorAll('[data-unboil]'))
                .some(inner => inner.textContent.replace(/\\s+/g, ' ').includes(snippet)))
            .map(el => el.getAttribute('data-unboil'))""",
        snippet,
    )
    return result


# -- the seed sample in the browser --------------------------------------------------------


@needs_browser
def test_seed_donation_appeal_stripped_article_kept(browser: Any, seed_report: Path) -> None:
    with Opened(browser, seed_report) as opened:
        page = opened.page
        assert _status_of(page, "Your support helps us to tell the story") == ["stripped"]
        gold = [p for p in (SAMPLES / "seed-independent.txt").read_text().split("\n\n") if p]
        assert len(gold) >= 10
        for para in gold[:3] + gold[-2:]:
            assert _status_of(page, para.strip()[:60]) == ["kept"], para[:60]
        # the outlines are really drawn: green for kept, red for stripped
        colors = page.evaluate(
            """() => ['kept', 'stripped', 'doubtful'].map(s => getComputedStyle(
                document.querySelector(`[data-unboil="${s}"]`)).outlineColor)"""
        )
        assert colors == ["rgb(27, 158, 62)", "rgb(215, 38, 61)", "rgb(224, 161, 0)"]
        assert opened.foreign_requests(seed_report) == []


@needs_browser
def test_hover_panel_shows_members_and_probability(browser: Any, seed_report: Path) -> None:
    with Opened(browser, seed_report) as opened:
        page = opened.page
        page.hover("text=Your support helps us to tell the story")
        info = page.inner_text("#unboil-info")
        assert "stripped" in info
        assert re.search(r"probability: 0\.\d{3}", info)
        assert "trafilatura" in info  # a member kept it, the consensus did not
        decoration = page.evaluate(
            """() => getComputedStyle(document.querySelector(
                '[data-unboil="stripped"]:hover')).textDecorationLine"""
        )
        assert decoration == "line-through"
        first = (SAMPLES / "seed-independent.txt").read_text().split("\n\n")[0]
        page.click(f"text={first[:40]}")
        assert "decision: kept" in page.inner_text("#unboil-info")
        # the side panel: agreement matrix, word counts, extracted text
        assert page.locator("#unboil-agreement tr").count() == 5  # header + 4 backends
        words = page.inner_text("#unboil-words")
        for name in ("trafilatura", "readability", "resiliparse", "consensus"):
            assert name in words
        assert first[:60] in page.inner_text("#unboil-text")
        assert opened.console == []  # no CSP violation reported, no script error


@needs_browser
def test_seed_screenshot_is_not_blank(browser: Any, seed_report: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    with Opened(browser, seed_report) as opened:
        page = opened.page
        page.evaluate(
            """() => { const at = Array.from(document.querySelectorAll('[data-unboil]'))
                  .find(e => e.textContent.includes('Your support helps us'));
                window.scrollTo(0, at.getBoundingClientRect().top + window.scrollY - 260); }"""
        )
        page.hover("text=Your support helps us to tell the story")
        png = page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1400, 900)
    stat = ImageStat.Stat(image)
    assert max(stat.stddev) > 20  # not one flat colour
    assert len(image.getcolors(1_000_000) or []) > 50
    shot = image.resize((1200, round(900 * 1200 / 1400)), Image.Resampling.LANCZOS)
    shot.quantize(colors=256).save(tmp_path / "audit-seed.png", optimize=True)
    if os.environ.get("UNBOIL_UPDATE_SCREENSHOT"):
        shutil.copy(tmp_path / "audit-seed.png", ROOT / "docs" / "audit-seed.png")


# -- a hostile page ---------------------------------------------------------------------------


@needs_browser
def test_hostile_page_raw_does_run_and_fetch(browser: Any, tmp_path: Path) -> None:
    """The control: opened as is, the page runs its script and asks for its image, so
    the log below would catch a report that did."""
    raw = tmp_path / "hostile.html"
    raw.write_text(HOSTILE, encoding="utf-8")
    with Opened(browser, raw) as opened:
        assert opened.page.evaluate("window.__ran") == 1
        assert f"http://{EVIL_HOST}/x.png" in opened.requests


@needs_browser
def test_hostile_page_report_runs_nothing_fetches_nothing(
    browser: Any, hostile_report: Path
) -> None:
    with Opened(browser, hostile_report) as opened:
        page = opened.page
        page.hover("text=Every spring the water returns")
        page.click("text=click me")
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__ran") == "undefined"
        assert "PWNED" not in page.content()
        assert opened.foreign_requests(hostile_report) == []
        assert not any(EVIL_HOST in u for u in opened.requests)
        assert page.url == hostile_report.as_uri()  # no refresh, no navigation
        # the report's own script did run: the hover panel answers
        assert "decision:" in page.inner_text("#unboil-info")
        assert _status_of(page, "Every spring the water returns") == ["kept"]


def test_hostile_report_is_inert_as_text(hostile_report: Path) -> None:
    report = hostile_report.read_text(encoding="utf-8")
    root = parse_html(report)
    head = root.find("head")
    assert head is not None
    first = head[0]
    assert first.tag == "meta" and first.get("http-equiv") == "Content-Security-Policy"
    policy = first.get("content") or ""
    assert "default-src 'none'" in policy and "img-src data:" in policy
    scripts = list(root.iter("script"))
    assert len(scripts) == 1
    assert f"'nonce-{scripts[0].get('nonce')}'" in policy
    assert "PWNED" not in report and "__ran" not in report
    assert EVIL_HOST not in report.replace(f'data-href="http://{EVIL_HOST}/home"', "")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.tag
        attrs = set(el.attrib)
        if el.tag == "a" and _in_block_list(el):  # the panel's own links: #fragments
            assert (el.get("href") or "").startswith("#"), el.get("href")
            attrs.discard("href")
        assert not {"src", "srcset", "href", "action", "poster"} & attrs, el.tag
    for tag in ("iframe", "object", "embed", "link", "base", "form"):
        assert root.find(f".//{tag}") is None or tag == "form", tag
    assert not [m for m in root.iter("meta") if m.get("http-equiv", "").lower() == "refresh"]


def test_sanitize_keeps_inline_styles_and_data_images() -> None:
    dot = "data:image/png;base64,iVBORw0KGgo="
    sheet = (
        f"@media (min-width: 600px) {{ .a {{ display: flex }} }}\n"
        f".b {{ background: url({dot}) no-repeat; margin: 0 auto }}\n"
        f".c {{ background: url('{dot}'); color: blue }}\n"
        ".d { background: url(http://x.example/d.png); color: green }"
    )
    root = parse_html(
        f"<html><head><style>{sheet}</style></head><body>"
        '<p style="color: red; background: url(http://x.example/a.png)">a</p>'
        f'<p style="color: red; background: url({dot})">b</p>'
        f'<img src="{dot}" alt="dot"></body></html>'
    )
    sanitize(root)
    p, q = root.iter("p")
    img = root.find(".//img")
    style = root.find(".//style")
    assert img is not None and style is not None
    assert "color: red" in (p.get("style") or "") and "x.example" not in (p.get("style") or "")
    assert q.get("style") == f"color: red; background: url({dot})"  # data: fetches nothing
    assert img.get("alt") == "dot" and img.get("src") is None  # CSP would allow data:
    # only the declaration that fetches goes; the rule, its neighbours, data: URLs stay
    assert style.text == sheet.replace(" background: url(http://x.example/d.png)", "")


#: CSS declarations a browser fetches for; each is tried in ``style=""`` and in a rule
_E = f"http://{EVIL_HOST}"
FETCHING_DECLARATIONS = {
    "hex-escape": f"background: u\\72 l({_E}/a.png)",
    "hex-escape-no-space": f"background: \\75\\72\\6c({_E}/a.png)",
    "hex-escape-6-digits": f"background: \\000075rl({_E}/a.png)",
    "hex-escape-crlf": f"background: \\75\r\nrl({_E}/a.png)",
    "escaped-letters": f"background: \\u\\r\\l({_E}/a.png)",
    "upper-case": f"background: \\55 RL({_E}/a.png)",
    "escaped-newline": f"background: u\\\nrl({_E}/a.png)",
    "comment-inside": f"background: u/**/rl({_E}/a.png)",
    "image-set-string": f"background-image: image-set('{_E}/a.png' 1x)",
    "webkit-image-set": f'background-image: -webkit-image-set("{_E}/a.png" 1x)',
    "escaped-image-set": f'background-image: \\69mage-set("{_E}/a.png" 1x)',
    "image-string": f'background-image: image("{_E}/a.png")',
    "cross-fade": f"background-image: cross-fade(url({_E}/a.png), red 50%)",
    "cursor": f"cursor: url({_E}/a.cur), auto",
    "list-style": f"list-style: url({_E}/a.png)",
    "border-image": f"border-image: url({_E}/a.png) 30 round",
    "mask": f"mask: url({_E}/a.svg#m)",
    "filter": f"filter: url({_E}/a.svg#f)",
    "content-image-set": f'content: "a" image-set("{_E}/a.png" 1x)',
    "comment-in-string": f'content: "/*" image-set("{_E}/a.png" 1x) "*/"',
    "escaped-quotes-relative": f"background: url(\\22 {EVIL_HOST}\\22)",
    "data-then-url": f"background: url(data:x/*), url({_E}/a.png/*/)",
    "nbsp-before-data": f"background: url(\u00a0data:{EVIL_HOST})",
    "semicolon-in-url": f"background: url({_E}/a;b)",
    "custom-property": f"--x: url({_E}/a.png); background: var(--x)",
    "expression": f"width: expression(fetch('{_E}'))",
    "unclosed": f"background: url({_E}/a.png",
}
#: whole stylesheets a browser fetches for (only in ``<style>``)
FETCHING_SHEETS = {
    "import-string": f'@import "{_E}/a.css";',
    "import-url": f"@import url({_E}/a.css);",
    "escaped-import": f"@\\69mport '{_E}/a.css';",
    "font-face": f"@font-face {{ font-family: f; src: url({_E}/f.woff2) format('woff2'); }}",
    "escaped-font-face": f"@font-face {{ font-family: f; src: \\75 rl({_E}/f.woff2); }}",
    "src-function": f'p {{ background: src("{_E}/a.png") }}',
    "nested": f"@media screen {{ p {{ background: url('{_E}/a.png') }} }}",
    "before": f"p::before {{ content: url({_E}/a.png) }}",
    "comment-across-rules": f"p {{ background: u/*}} q {{*/rl({_E}/a.png) }}",
}


@pytest.mark.parametrize(
    "css",
    list(FETCHING_DECLARATIONS.values()) + list(FETCHING_SHEETS.values()),
    ids=[f"decl-{k}" for k in FETCHING_DECLARATIONS] + [f"sheet-{k}" for k in FETCHING_SHEETS],
)
def test_sanitize_drops_css_that_fetches(css: str) -> None:
    from lxml.html import Element, tostring

    declaration = css not in FETCHING_SHEETS.values()
    root = parse_html("<html><head><title>t</title></head><body><p>x</p></body></html>")
    style = Element("style")
    style.text = f"h1 {{ color: red }}\np {{ {css} }}" if declaration else css
    root[0].append(style)
    p = root.find(".//p")
    assert p is not None
    if declaration:
        p.set("style", f"color: red; {css}")
    sanitize(root)
    out = tostring(root, encoding="unicode")
    assert EVIL_HOST not in out
    if declaration:
        assert "h1 { color: red }" in out and "color: red;" in (p.get("style") or "")


#: markup that fetches besides CSS: SVG references and animations, SVG presentation
#: attributes (CSS values), a ``<style>`` SVG parses as markup, head elements in body
FETCHING_MARKUP = {
    "svg-style-entity": f"<svg><style>.s {{ background: &#117;rl({_E}/a.png) }}</style></svg>",
    "svg-style-tag": f'<svg><style><img src="{_E}/a.png"></style></svg>',
    "math-style-import": f'<math><style>@import "{_E}/a.css";</style></math>',
    "svg-set-href": f'<svg><image><set attributeName="href" to="{_E}/a.png"/></image></svg>',
    "svg-animate-href": (
        f'<svg><image><animate attributeName="href" values="{_E}/a.png"/></image></svg>'
    ),
    "svg-filter-attr": f'<svg><rect filter="u\\72 l({_E}/f.svg#f)"/></svg>',
    "svg-fill-attr": f'<svg><rect fill="url({_E}/p.svg#p)"/></svg>',
    "svg-style-attr": f'<svg><rect style="mask: url({_E}/m.svg#m)"/></svg>',
    "svg-use": f'<svg><use XLINK:HREF="{_E}/u.svg#x"/></svg>',
    "svg-image": f'<svg><image HREF="{_E}/i.png"/></svg>',
    "svg-feimage": f'<svg><filter><feImage href="{_E}/f.png"/></filter></svg>',
    "link-in-body": f'<p><link rel="stylesheet" href="{_E}/l.css"></p>',
    "refresh-in-body": f'<p><meta http-equiv="refresh" content="0;url={_E}/r"></p>',
    "base-in-body": f'<p><base href="{_E}/"></p>',
    "upper-case-src": f'<IMG SRC="{_E}/i.png">',
    "odd-attribute-name": f'<p \'style="background: url({_E}/a.png)">x</p>',
}


@pytest.mark.parametrize("markup", FETCHING_MARKUP.values(), ids=FETCHING_MARKUP.keys())
def test_sanitize_drops_markup_that_fetches(markup: str) -> None:
    from lxml.html import tostring

    root = parse_html(f"<html><body><p>text</p>{markup}</body></html>")
    sanitize(root)
    out = tostring(root, encoding="unicode")
    assert EVIL_HOST not in out, out
    assert "text" in out
    for tag in ("link", "meta", "base", "set", "animate"):
        assert root.find(f".//{tag}") is None, tag


# -- the CSP and the sanitizer, each on its own (issue #23) -----------------------------------


def body_first(base: str) -> str:
    """A page with its ``<body>`` before its ``<head>`` (lxml keeps that order) and
    every CSS and SVG trick for a fetch the browser still follows; each URL is a
    distinct path on ``base``."""

    def u(name: str) -> str:
        return f"{base}/{name}"

    return f"""<!DOCTYPE html>
<html lang="en"><body class="page">
<article><h1>The lake that keeps coming back</h1>
<p style="background: u\\72 l({u("attr-hex-escape.png")})">{_PARAGRAPHS[1]}</p>
<p style="background-image: image-set('{u("attr-image-set.png")}' 1x)">{_PARAGRAPHS[0]}</p>
<p style="background-image: -webkit-image-set('{u("attr-webkit-image-set.png")}' 1x)">Every
spring the water returns to the basin, filling it within a few weeks.</p>
<div id="cur" style="cursor: \\75 rl({u("attr-cursor.cur")}), auto; height: 20px">c</div>
<ul style="list-style: \\000075\\000072\\00006c({u("attr-list.png")})"><li>Local farmers graze
their cattle on the lake bed in winter and fish in it in summer.</li></ul>
<div style="border: 9px solid; border-image: \\55 RL({u("attr-border.png")}) 30 round">b</div>
<div style="mask-image: \\75 rl({u("attr-mask.png")})">m</div>
<div style="filter: \\75 rl({u("attr-filter.svg")}#f)">f</div>
<div style="background: url(\\22 data:x\\22)">relative</div>
<div class="c1">one</div><div class="c2">two</div>
<svg width="20" height="20">
<style>.s {{ fill: red; background: &#117;rl({u("svg-style-entity.png")}) }}</style>
<image HREF="{u("svg-image.png")}" width="10" height="10"/>
<use XLINK:HREF="{u("svg-use.svg")}#x"/>
<filter id="fi"><feImage href="{u("svg-feimage.png")}"/></filter>
<image width="5" height="5"><set attributeName="href" to="{u("svg-set.png")}"/></image>
<rect class="s" width="5" height="5" filter="u\\72 l({u("svg-filter.svg")}#f)"/>
</svg>
<link rel="stylesheet" href="{u("body-link.css")}">
<meta http-equiv="refresh" content="0;url={u("body-refresh")}">
<IMG SRC="{u("img-upper.png")}" alt="">
</article>
</body>
<head><title>Body before head</title>
<base href="{u("base/")}">
<style>
@import "{u("import-string.css")}";
@\\69mport url({u("import-escaped.css")});
</style>
<style>
@font-face {{ font-family: f; src: \\75 rl({u("font.woff2")}); }}
body {{ background: u\\72 l({u("style-hex-escape.png")}); font-family: f; }}
h1 {{ background-image: image-set("{u("style-image-set.png")}" 1x); }}
h1::before {{ content: "x" image-set("{u("style-content.png")}" 1x); }}
.c1 {{ background-image: url(data:x/*), url({u("style-after-data.png")}/*/); }}
.c2 {{ background-image: u\\72 l("{u("style-semicolon.png")};x"); color: red; }}
</style>
</head></html>
"""


#: what Chromium fetches for the raw page (the control): each a trick the report must stop
BODY_FIRST_FETCHES = {
    "/attr-hex-escape.png",
    "/attr-image-set.png",
    "/attr-webkit-image-set.png",
    "/attr-cursor.cur",
    "/attr-list.png",
    "/attr-border.png",
    "/attr-mask.png",
    "/attr-filter.svg",
    "/%22data:x%22",
    "/svg-style-entity.png",
    "/svg-image.png",
    "/svg-use.svg",
    "/svg-feimage.png",
    "/svg-set.png",
    "/body-link.css",
    "/img-upper.png",
    "/import-string.css",
    "/import-escaped.css",
    "/font.woff2",
    "/style-hex-escape.png",
    "/style-image-set.png",
    "/style-content.png",
    "/style-after-data.png/*/",
    "/style-semicolon.png;x",
}
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')


def _served(browser: Any, server: Any, html: str) -> tuple[list[str], list[str], Any]:
    """Serve ``html`` as /page.html on the loopback server and open it in a fresh
    browser context; every other path the server was asked for (the browser's own
    /favicon.ico aside), the console messages, and the open page (close its context)."""
    server.add("/page.html", html)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    # only the loopback server may be reached: anything else is aborted (and still seen)
    context.route(
        re.compile(r"^(https?|wss?|ftp)://(?!127\.0\.0\.1[:/])"), lambda route: route.abort()
    )
    console: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text))
    page.goto(server.url("/page.html"), wait_until="load")
    page.mouse.move(300, 300)  # :hover styles and cursors
    page.wait_for_timeout(500)
    paths = [r.path for r in server.requests]
    return [p for p in paths if p not in ("/page.html", "/favicon.ico")], console, page


@needs_browser
def test_body_first_page_raw_does_fetch(browser: Any, http_server: Any) -> None:
    """The control: opened as is, the page's tricks all reach the loopback server, so
    its log would catch a report that let one through."""
    requested, _, page = _served(browser, http_server, body_first(http_server.base_url))
    page.context.close()
    assert not BODY_FIRST_FETCHES - set(requested)  # nothing it should fetch is missing


def test_report_skeleton_is_unboils_own() -> None:
    """Body before head, two heads, two bodies, text and elements beside them: the
    report is always doctype, html, head with the CSP first, then body."""
    page = (
        '<html lang="fr"><body class="b1"><p>first body</p></body>stray text'
        "<head><title>late title</title><style>p { color: red }</style></head>"
        "<div>stray div</div><body><p>second body</p></body>"
        "<head><style>h1 { color: blue }</style></head></html>"
    )
    report = audit_page(Page.from_html(page, "order.html"))
    assert re.match(
        r'<!DOCTYPE html>\s*<html lang="fr"><head><meta http-equiv="Content-Security-Policy" '
        r"content=\"default-src 'none';",
        report,
    ), report[:200]
    root = parse_html(report)
    assert [c.tag for c in root] == ["head", "body"]
    head, body = root
    assert [c.tag for c in head][:3] == ["meta", "meta", "meta"]
    assert head.findtext("title") == "late title"
    assert [s.text for s in head.iter("style")][:2] == ["p { color: red }", "h1 { color: blue }"]
    assert body.get("class") == "b1"
    text = " ".join(body.itertext())
    for piece in ("first body", "stray text", "stray div", "second body"):
        assert piece in text
    assert text.index("first body") < text.index("stray div") < text.index("second body")


@needs_browser
@pytest.mark.parametrize("with_csp", [True, False], ids=["with-csp", "csp-removed"])
def test_body_first_report_fetches_nothing(
    browser: Any, http_server: Any, tmp_path: Path, with_csp: bool
) -> None:
    """The report of a body-first page, opened from the loopback server, asks it for
    nothing: with its CSP (which Chromium must not ignore), and with the CSP meta
    removed, the sanitizer on its own."""
    path = tmp_path / "report.html"
    html = body_first(http_server.base_url)
    path.write_text(audit_page(Page.from_html(html, "bf.html")), encoding="utf-8")
    report = path.read_text(encoding="utf-8")
    if not with_csp:
        report, removed = CSP_META.subn("", report)
        assert removed == 1
        assert "Content-Security-Policy" not in report
    requested, console, page = _served(browser, http_server, report)
    try:
        assert requested == []
        assert page.url == http_server.url("/page.html")  # no refresh
        head_first = page.evaluate("document.head.firstElementChild.outerHTML")
        assert ("Content-Security-Policy" in head_first) is with_csp
        assert not [m for m in console if "Content Security Policy" in m], console
        assert page.evaluate("document.querySelectorAll('body meta, body link').length") == 0
        # still the page's layout, outlined, and the report's own script runs
        page.hover(f"text={_PARAGRAPHS[1][:40]}")
        assert "decision: kept" in page.inner_text("#unboil-info")
        # a declaration beside a dropped one stays
        assert page.evaluate("getComputedStyle(document.getElementById('cur')).height") == "20px"
    finally:
        page.context.close()


# -- mapping votes to elements --------------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.html")), ids=lambda p: p.stem)
def test_runs_cut_the_page_as_segment_does(sample: Path) -> None:
    page = load(str(sample))
    assert [r.text for r in runs(page.copy_tree())] == [b.text for b in segment(page.tree)]


def test_every_vote_of_the_seed_is_outlined(seed_report: Path) -> None:
    report = seed_report.read_text(encoding="utf-8")
    counts = re.search(r'id="unboil-counts">([^<]*)<', report)
    assert counts is not None
    assert "not located" not in counts.group(1)
    assert re.match(r"\d+ kept, \d+ stripped, \d+ doubtful of \d+ blocks", counts.group(1))


def test_blocks_the_box_rule_dropped_say_so(seed_report: Path) -> None:
    """The donation appeal reads like article prose (the model gives it p > .8); the box
    rule drops it. The vote and the report say the rule decided, not the model."""
    from unboil.extractors.registry import get

    votes = get("consensus").extract(load(str(SEED))).votes
    appeal = [v for v in votes if "Your support makes all the difference" in v.text]
    assert appeal and all(v.rule == "box" and not v.kept and not v.doubtful for v in appeal)
    assert all(v.role == "boilerplate" for v in appeal)
    assert not any(v.rule for v in votes if v.kept)
    from lxml import html as lxml_html

    root = lxml_html.fromstring(seed_report.read_bytes())
    boxed = root.xpath('//*[@data-rule="box"]')
    assert boxed and all(el.get("data-unboil") == "stripped" for el in boxed)
    assert all("donation box (model p=" in el.get("title") for el in boxed)


# -- the commands ---------------------------------------------------------------------------


def test_cli_audit_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["audit", str(SEED), "-b", "trafilatura", "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert 'data-unboil="kept"' in report and 'data-unboil="stripped"' in report
    assert "<th scope='row'>trafilatura</th>" in report.replace('"', "'")
    assert "readability</th>" not in report


def test_cli_audit_needs_output() -> None:
    result = CliRunner().invoke(cli, ["audit", str(SEED)])
    assert result.exit_code == 2


def test_batch_audit_writes_index_lowest_agreement_first(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("seed-independent", "blog-weekday-sourdough"):
        shutil.copy(SAMPLES / f"{name}.html", src / f"{name}.html")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["batch", str(src), "-o", str(out), "-b", "consensus", "--audit", "-j", "1", "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r"href='([^']+)'", index)
    assert sorted(links) == ["blog-weekday-sourdough.audit.html", "seed-independent.audit.html"]
    scores = [float(s) for s in re.findall(r"<tr><td>([\d.]+)</td>", index)]
    assert len(scores) == 2 and scores == sorted(scores)
    for link in links:
        assert 'data-unboil="kept"' in (out / link).read_text(encoding="utf-8")


def test_batch_audit_needs_outdir() -> None:
    result = CliRunner().invoke(cli, ["batch", str(SEED), "-f", "jsonl", "--audit"])
    assert result.exit_code == 2


# -- the block list and "next doubtful" (issue #26) ---------------------------------------

N_LONG = 300
DOUBTFUL_AT = (40, 150, 280)
KEPT_AT = range(100, 200)
#: block 12's text: markup as text, long enough to be cut (in an ``&amp;``, no space near)
HOSTILE_TEXT = (
    "<script>window.__ran=1</script></a></li></ul><b>bold</b><img/src=x/onerror=y>"
    '&amp;"q"&&& and words past the cut'
)
GHOST = "A block the consensus voted on that the page does not hold."


def _long_html() -> str:
    """300 paragraphs, far below the fold, with what could confuse the anchors: a
    unique id (kept as the link's target), an id shared by two elements (replaced), an
    id taking a report's anchor, a fake ``data-unboil`` element, and markup as text."""
    import html as html_lib

    paras = {
        i: f"<p>Paragraph {i} of the long page, with words enough to wrap a line.</p>"
        for i in range(N_LONG)
    }
    paras[5] = "<p id='intro'>Paragraph 5 has a unique id of its own.</p>"
    paras[6] = "<p id='dup'>Paragraph 6 shares its id with an empty div.</p><div id='dup'></div>"
    paras[7] = "<p id='unboil-b9'>Paragraph 7 claims the report's id of block 9.</p>"
    paras[10] = (
        "<p>Paragraph 10 holds a fake mark: "
        "<span data-unboil='doubtful' data-block='40'>a span claiming block 40</span>.</p>"
    )
    paras[12] = f"<p>{html_lib.escape(HOSTILE_TEXT)}</p>"
    return (
        "<!DOCTYPE html><html><head><title>Long page</title>"
        "<style>p { margin: 0 0 28px; }</style></head><body>"
        + "".join(paras[i] for i in range(N_LONG))
        + "</body></html>"
    )


def _long_votes(page: Page) -> list[Any]:
    from unboil.extractors.base import BlockVote

    texts = [b.text for b in segment(page.tree)]
    assert len(texts) == N_LONG
    votes = []
    for i, text in enumerate([*texts, GHOST]):
        kept = i in KEPT_AT or i == 150
        p = 0.6 if i in DOUBTFUL_AT else (0.95 if kept else 0.05)
        members = ["trafilatura"] if kept else []
        votes.append(BlockVote(text, "p", "body", members, p, kept, i in DOUBTFUL_AT))
    return votes


def long_report_html() -> str:
    """The audit report of the long page with votes set by hand (not the model's: the
    groups are known): kept 100-199, doubtful 40, 150 (kept) and 280, the rest stripped,
    and one more vote the page does not hold."""
    from unboil.extractors.audit import audit_report, comparison_of
    from unboil.extractors.base import Block, Extraction

    page = Page.from_html(_long_html(), "long.html")
    votes = _long_votes(page)
    cons = Extraction("consensus", blocks=[Block(v.text) for v in votes if v.kept], votes=votes)
    return audit_report(page, comparison_of(page, [cons]))


@pytest.fixture(scope="module")
def long_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "long.html"
    path.write_text(long_report_html(), encoding="utf-8")
    return path


def _in_block_list(el: Any) -> bool:
    return any(a.get("id") == "unboil-blocks" for a in el.iterancestors())


def _block_list(report: str) -> tuple[Any, dict[str, list[tuple[int | None, str, Any]]]]:
    """The parsed report and its block list: group -> (block index of the link's target
    or None: no link, the entry's text, the target element) per entry. Asserts what holds
    for any report: the groups and their counts, one element per link's id, outside the
    panel and marked with the entry's group."""
    root = parse_html(report)
    section = root.find(".//*[@id='unboil-blocks']")
    assert section is not None
    by_id: dict[str, list[Any]] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") is not None:
            by_id.setdefault(el.get("id"), []).append(el)
    groups: dict[str, list[tuple[int | None, str, Any]]] = {}
    for details in section.iter("details"):
        group = details.get("data-group")
        summary = details.find("summary")
        assert summary is not None
        entries: list[tuple[int | None, str, Any]] = []
        for li in details.iter("li"):
            links = li.findall("a")
            if not links:
                assert li.get("class") == "unboil-lost"
                entries.append((None, li.text_content(), None))
                continue
            href = links[0].get("href") or ""
            assert href.startswith("#"), href
            targets = by_id.get(href[1:], [])
            assert len(targets) == 1, href  # the link goes to one element
            target = targets[0]
            assert not any(a.get("id") == "unboil-panel" for a in target.iterancestors())
            assert target.get("data-unboil") == group, (href, group)
            entries.append((int(target.get("data-block")), links[0].text_content(), target))
        assert summary.text_content() == f"{group} {len(entries)}"
        groups[group] = entries
    assert list(groups) == ["doubtful", "kept", "stripped"]
    return root, groups


def test_block_list_of_the_seed_has_one_entry_per_block(seed_report: Path) -> None:
    report = seed_report.read_text(encoding="utf-8")
    root, groups = _block_list(report)
    counts = root.find(".//*[@id='unboil-counts']")
    assert counts is not None
    m = re.match(r"(\d+) kept, (\d+) stripped, (\d+) doubtful of (\d+) blocks", counts.text or "")
    assert m is not None
    kept, stripped, doubtful, total = map(int, m.groups())
    assert [len(groups[g]) for g in ("kept", "stripped", "doubtful")] == [kept, stripped, doubtful]
    indices = sorted(i for entries in groups.values() for i, _, _ in entries if i is not None)
    assert indices == list(range(total))  # every block once, each linked (all located)
    for entries in groups.values():
        order = [i for i, _, _ in entries if i is not None]
        assert order == sorted(order)  # page order within a group
    first = (SAMPLES / "seed-independent.txt").read_text().split("\n\n")[0].strip()
    assert groups["kept"][0][1] == excerpt(first)


def test_block_list_groups_and_anchors_of_a_long_page(long_report: Path) -> None:
    report = long_report.read_text(encoding="utf-8")
    root, groups = _block_list(report)
    page = Page.from_html(_long_html(), "long.html")
    votes = _long_votes(page)
    assert [i for i, _, _ in groups["doubtful"]] == list(DOUBTFUL_AT)
    assert [i for i, _, _ in groups["kept"]] == [i for i in KEPT_AT if i not in DOUBTFUL_AT]
    others = set(range(N_LONG)) - set(DOUBTFUL_AT) - set(KEPT_AT)
    assert [i for i, _, _ in groups["stripped"][:-1]] == sorted(others)
    assert groups["stripped"][-1][:2] == (None, excerpt(GHOST))  # not on the page: no link
    for entries in groups.values():
        for i, text, target in entries:
            if i is not None:
                assert excerpt(votes[i].text) in text
                assert collapse_ws(target.text_content()).startswith(f"Paragraph {i} ") or i == 12
    doubtful = {i: text for i, text, _ in groups["doubtful"]}
    assert doubtful[150].startswith("kept 0.60 ") and doubtful[40].startswith("stripped 0.60 ")
    hrefs = {i: t.get("id") for entries in groups.values() for i, _, t in entries if t is not None}
    assert hrefs[5] == "intro"  # its own unique id, untouched
    assert hrefs[6] == "unboil-b6"  # a shared id is no target
    assert hrefs[7] == "page-unboil-b9" and hrefs[9] == "unboil-b9"  # the page's id renamed
    assert hrefs[40] == "unboil-b40"
    # the page's fake mark is gone: block 40's link and outline are paragraph 40's
    fake = [el for el in root.iter("span") if "claiming block 40" in el.text_content()]
    assert fake and fake[0].get("data-unboil") is None and fake[0].get("data-block") == "40"
    assert len(root.xpath("//*[@data-unboil][@data-block='40']")) == 1


def test_block_list_escapes_block_text(long_report: Path) -> None:
    """Block text is text in the list: markup in it is escaped, never parsed."""
    report = long_report.read_text(encoding="utf-8")
    section = re.search(r'<section id="unboil-blocks">.*?</section>', report, re.S)
    assert section is not None
    assert (
        '<li><a href="#unboil-b12">&lt;script&gt;window.__ran=1&lt;/script&gt;&lt;/a&gt;'
        "&lt;/li&gt;&lt;/ul&gt;&lt;b&gt;bold&lt;/b&gt;&lt;img/src=x/onerror=y&gt;&amp;a…</a></li>"
    ) in section.group()
    assert "<script" not in section.group() and "<img" not in section.group()
    root, groups = _block_list(report)
    entry = [text for i, text, _ in groups["stripped"] if i == 12]
    assert entry == [excerpt(HOSTILE_TEXT)] and entry[0].endswith("…")
    assert len(list(root.iter("script"))) == 1  # the report's own
    panel = root.find(".//*[@id='unboil-panel']")
    assert panel is not None and [el.tag for el in panel.iter("img", "script")] == []
    assert [b.text for b in panel.iter("b") if b.text == "bold"] == []
    # a vote's text straight into the list: the same
    from unboil.extractors.base import BlockVote

    vote = BlockVote('"><script>x</script>', "p", "body", [], 0.5, False, True)
    html_list = block_list([vote], {0: "unboil-b0"})
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in html_list
    assert "<script" not in html_list


def test_excerpt_is_short_and_whole_words() -> None:
    assert excerpt("  a   short\n text ") == "a short text"
    words = " ".join(f"word{i}" for i in range(100))
    cut = excerpt(words)
    assert len(cut) <= EXCERPT and cut.endswith("…")
    assert words.startswith(cut[:-1]) and words[len(cut) - 1] == " "  # cut at a space
    one = "x" * 500
    assert excerpt(one) == "x" * (EXCERPT - 1) + "…"


def test_block_list_stays_small_on_5000_blocks() -> None:
    """5,000 blocks of 600 characters: the list stays near 120 bytes a block."""
    from unboil.extractors.base import BlockVote

    text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 10
    votes = [
        BlockVote(f"{i} {text}", "p", "body", [], 0.5, i % 3 == 0, i % 50 == 0) for i in range(5000)
    ]
    html_list = block_list(votes, {i: f"unboil-b{i}" for i in range(5000)})
    assert len(html_list.encode("utf-8")) < 5000 * 125
    assert html_list.count("<li>") == 5000


def _lit(page: Any) -> list[list[Any]]:
    """The highlighted (navigated to) blocks: [data-block, fully in the window left of
    the panel, the halo drawn]."""
    result: list[list[Any]] = page.evaluate(
        """() => Array.from(document.querySelectorAll('.unboil-target')).map(el => {
            const r = el.getBoundingClientRect();
            return [el.getAttribute('data-block'),
                    r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth - 420,
                    getComputedStyle(el).boxShadow.includes('rgba(40, 110, 230')]; })"""
    )
    return result


@needs_browser
def test_next_doubtful_and_list_links_jump_to_blocks(browser: Any, long_report: Path) -> None:
    with Opened(browser, long_report) as opened:
        page = opened.page
        assert page.evaluate("window.scrollY") == 0
        assert page.is_visible("#unboil-next")  # shown when the script runs
        assert page.inner_text("#unboil-nav-pos") == "3 doubtful"
        assert "keys: n or j next doubtful block, p or k previous" in page.inner_text("#unboil-nav")
        page.click("#unboil-next")
        assert _lit(page) == [["40", True, True]]
        assert page.evaluate("window.scrollY") > 0  # it was below the fold
        assert "block: #40" in page.inner_text("#unboil-info")
        assert page.inner_text("#unboil-nav-pos") == "doubtful 1 of 3"
        on = page.locator("#unboil-blocks a.unboil-on")
        assert on.count() == 1 and on.get_attribute("href") == "#unboil-b40"
        for key, block in [("n", "150"), ("n", "280"), ("n", "40"), ("p", "280"), ("k", "150")]:
            page.keyboard.press(key)
            assert _lit(page) == [[block, True, True]], key
        assert "decision: doubtful" in page.inner_text("#unboil-info")
        page.click("#unboil-prev")
        assert _lit(page) == [["40", True, True]]
        # from a block clicked on the page, "next" is the next doubtful below it
        page.click("text=Paragraph 160 of the long page")
        page.keyboard.press("j")
        assert _lit(page) == [["280", True, True]]
        # a list link jumps to its block (in the kept group, open)
        page.click("#unboil-blocks [data-group='kept'] a[href='#unboil-b120']")
        assert _lit(page) == [["120", True, True]]
        assert "block: #120" in page.inner_text("#unboil-info")
        assert page.url == long_report.as_uri()  # the script scrolled, no navigation
        # the stripped group starts folded; unfolded, its links work too
        assert not page.is_visible("#unboil-blocks a[href='#unboil-b290']")
        page.click("#unboil-blocks [data-group='stripped'] summary")
        page.click("#unboil-blocks a[href='#unboil-b290']")
        assert _lit(page) == [["290", True, True]]
        page.click("#unboil-blocks a[href='#intro']")  # a block's own id as the target
        assert _lit(page) == [["5", True, True]]
        assert opened.console == []
        assert opened.foreign_requests(long_report) == []
        assert page.evaluate("typeof window.__ran") == "undefined"


@needs_browser
def test_list_links_work_without_javascript(browser: Any, long_report: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, java_script_enabled=False
    )
    context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(long_report.as_uri(), wait_until="load")
        assert not page.is_visible("#unboil-nav")  # the buttons need the script
        page.click("#unboil-blocks [data-group='kept'] a[href='#unboil-b170']")
        page.wait_for_timeout(200)
        assert page.url == long_report.as_uri() + "#unboil-b170"
        box = page.locator("#unboil-b170").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900
        assert page.locator("#unboil-b170").get_attribute("data-block") == "170"
        assert page.locator("[data-unboil]:target").get_attribute("data-block") == "170"
        # outlined as the script's highlight is (page.evaluate runs with scripts off)
        drawn = page.locator("#unboil-b170").evaluate(
            "el => [getComputedStyle(el).outlineWidth, getComputedStyle(el).boxShadow]"
        )
        assert drawn[0] == "4px" and "rgba(40, 110, 230" in drawn[1]
        assert page.evaluate("typeof window.__ran") == "undefined"
    finally:
        context.close()
