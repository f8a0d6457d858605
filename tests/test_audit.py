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
from unboil.extractors.audit import audit_page, runs, sanitize
from unboil.extractors.blocks import segment
from unboil.extractors.htmltree import parse_html
from unboil.extractors.loading import load
from unboil.extractors.page import Page

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
    opened = Opened(browser, seed_report)
    try:
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
    finally:
        opened.close()


@needs_browser
def test_hover_panel_shows_members_and_probability(browser: Any, seed_report: Path) -> None:
    opened = Opened(browser, seed_report)
    try:
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
    finally:
        opened.close()


@needs_browser
def test_seed_screenshot_is_not_blank(browser: Any, seed_report: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    opened = Opened(browser, seed_report)
    try:
        page = opened.page
        page.evaluate(
            """() => { const at = Array.from(document.querySelectorAll('[data-unboil]'))
                  .find(e => e.textContent.includes('Your support helps us'));
                window.scrollTo(0, at.getBoundingClientRect().top + window.scrollY - 260); }"""
        )
        page.hover("text=Your support helps us to tell the story")
        png = page.screenshot()
    finally:
        opened.close()
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
    opened = Opened(browser, raw)
    try:
        assert opened.page.evaluate("window.__ran") == 1
        assert f"http://{EVIL_HOST}/x.png" in opened.requests
    finally:
        opened.close()


@needs_browser
def test_hostile_page_report_runs_nothing_fetches_nothing(
    browser: Any, hostile_report: Path
) -> None:
    opened = Opened(browser, hostile_report)
    try:
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
    finally:
        opened.close()


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
        assert not {"src", "srcset", "href", "action", "poster"} & set(el.attrib), el.tag
    for tag in ("iframe", "object", "embed", "link", "base", "form"):
        assert root.find(f".//{tag}") is None or tag == "form", tag
    assert not [m for m in root.iter("meta") if m.get("http-equiv", "").lower() == "refresh"]


def test_sanitize_keeps_inline_styles_and_data_images() -> None:
    root = parse_html(
        '<html><body><p style="color: red; background: url(http://x.example/a.png)">a</p>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"></body></html>'
    )
    sanitize(root)
    p = root.find(".//p")
    img = root.find(".//img")
    assert p is not None and img is not None
    assert "color: red" in (p.get("style") or "") and "x.example" not in (p.get("style") or "")
    assert img.get("alt") == "dot" and img.get("src") is None  # CSP would allow data:


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
