"""An audit report: the page's own layout with every consensus block outlined.

``audit_report(page, comparison)`` returns one self-contained HTML document: the page's
HTML and inline styles, made safe, with each DOM block the consensus voted on marked
``data-unboil="kept|stripped|doubtful"`` (plus ``data-p``, the model's probability,
``data-members``, the member backends that kept it, and ``data-role``), and a fixed
side panel with the list of blocks and "next doubtful" navigation (``audit_nav``), the
agreement matrix, per-backend word counts and the extracted text.

Safety (``inert.sanitize`` and ``inert.csp``): opening a report never runs the page's
code nor contacts any server. Each layer below holds on its own (a test opens a report
with its CSP removed):

- lxml_html_clean's ``Cleaner`` drops scripts, ``javascript:`` URLs, ``on*`` handlers,
  iframes/objects/embeds, ``<link>``, ``<meta>`` (refresh included) and ``<base>``,
  wherever they are (in ``<body>`` too); SVG animation elements (``<set
  attributeName=href to=...>``) go as well;
- then every attribute that fetches or navigates (``src``, ``srcset``, ``href``, any
  ``*:href``, ``action``, ``poster``, ``background``, ``ping``, ...) is removed (links
  keep their target as an inert ``data-href``), and so are attributes whose name a
  browser could read differently (not plain ``[a-z0-9_.:-]``);
- CSS (``<style>``, ``style=""``, SVG presentation attributes such as ``fill`` or
  ``filter``) is read the way a browser tokenizes it -- escapes decoded (``u\\72 l(``
  is ``url(``), comments also read as removed -- and each declaration, rule head or
  at-rule that holds ``url(`` (but a plain ``data:`` one), ``image-set(``,
  ``image(``, ``src(``, ``cross-fade(``, ``expression(`` or ``@import`` is dropped, the
  whole stylesheet if what is left still does; a ``<style>`` inside ``<svg>``/``<math>``,
  which browsers parse as markup, has its ``<`` and ``&`` written as CSS escapes;
- the report's skeleton is unboil's own, whatever the page's element order (a page
  may put ``<body>`` before ``<head>``, and a CSP ``<meta>`` outside ``<head>`` is
  ignored): ``<!DOCTYPE html><html><head>``, then as head's first child a strict
  Content-Security-Policy (nothing may be fetched but ``data:`` images; only the
  report's own inline script, by nonce, runs), then the page's head and body content
  moved in.

Mapping votes to elements: ``Extraction.votes`` are the blocks of
``blocks.segment(page.tree)`` in page order, without a reference to their element.
``_runs`` walks a copy of the tree the way ``segment`` does and records, for every
block, the element it sits in and the text nodes it is made of; votes are matched to
these runs by their text (``difflib``), so a small drift between the two walks costs a
block its outline, never a wrong one.
"""

from __future__ import annotations

import difflib
import html
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .base import DOUBTFUL, KEPT, STRIPPED
from .blocks import is_unseen
from .htmltree import BLOCK_TAGS, SKIP_TAGS, body_of, collapse_ws, strip_invisible
from .inert import csp, sanitize
from .scoring import tokens

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from .base import BlockVote, Extraction
    from .compare import Comparison
    from .page import Page

# -- blocks -> elements ----------------------------------------------------------------


@dataclass
class Run:
    """One block of the page as ``segment`` cuts it, with where its text lives."""

    text: str
    #: the innermost block-level element the text sits in
    anchor: HtmlElement
    #: (element, "text" | "tail") of each non-blank text node of the block
    pieces: list[tuple[HtmlElement, str]] = field(default_factory=list)


def _skipped(el: HtmlElement) -> bool:
    return not isinstance(el.tag, str) or el.tag in SKIP_TAGS or is_unseen(el)


def runs(root: HtmlElement) -> list[Run]:
    """The blocks of a parsed page as ``blocks.segment`` cuts them (same texts, same
    order), each with its anchor element and text nodes."""
    body = body_of(root)
    if _skipped(body):
        return []
    out: list[Run] = []
    buf: list[str] = []
    pieces: list[tuple[HtmlElement, str]] = []
    anchors: list[HtmlElement] = [body]

    def add(el: HtmlElement, which: str) -> None:
        text = el.text if which == "text" else el.tail
        if text:
            buf.append(text)
            if text.strip():
                pieces.append((el, which))

    def flush() -> None:
        if not buf:
            return
        text = collapse_ws(strip_invisible("".join(buf)))
        buf.clear()
        found = list(pieces)
        pieces.clear()
        if text and tokens(text):
            out.append(Run(text, anchors[-1], found))

    stack: list[tuple[HtmlElement, Iterator[HtmlElement]]] = [(body, iter(body))]
    add(body, "text")
    while stack:
        el, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if el.tag in BLOCK_TAGS:
                flush()
                if len(anchors) > 1:
                    anchors.pop()
            if stack:
                add(el, "tail")
            continue
        if _skipped(child):
            add(child, "tail")
            continue
        if child.tag in ("br", "hr"):
            flush()
            add(child, "tail")
            continue
        if child.tag in BLOCK_TAGS:
            flush()
            anchors.append(child)
        add(child, "text")
        stack.append((child, iter(child)))
    flush()
    return out


def match_votes(votes: Sequence[BlockVote], found: Sequence[Run]) -> list[int | None]:
    """For each vote, the index of its run (None: not found). Equal texts are matched
    in order; a differing stretch of the same length on both sides is paired in order."""
    a = [collapse_ws(v.text) for v in votes]
    b = [r.text for r in found]
    result: list[int | None] = [None] * len(a)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                result[i1 + k] = j1 + k
    return result


def _wrap(el: HtmlElement, which: str) -> HtmlElement:
    """Move a text node into a new ``<span>`` in its place; the span."""
    from lxml.html import Element

    span = Element("span")
    if which == "text":
        span.text, el.text = el.text, None
        el.insert(0, span)
    else:
        span.text, el.tail = el.tail, None
        el.addnext(span)
    return span


def _mark(el: HtmlElement, vote: BlockVote, index: int) -> None:
    el.set("data-unboil", vote.status)
    el.set("data-p", f"{vote.probability:.3f}")
    el.set("data-members", ",".join(vote.members))
    el.set("data-role", vote.role)
    el.set("data-block", str(index))
    who = ", ".join(vote.members) or "no member"
    if vote.rule == "box":  # the model's p is not what dropped it
        el.set("data-rule", "box")
        why = f"in a comment/cookie/donation box (model p={vote.probability:.2f})"
        el.set("title", f"{vote.status} · {why} · kept by: {who}")
    else:
        el.set("title", f"{vote.status} · p={vote.probability:.2f} · kept by: {who}")


def mark_blocks(root: HtmlElement, votes: Sequence[BlockVote]) -> int:
    """Mark the elements of the voted blocks in ``root`` (modified); how many votes
    were found on the page. A block that is all of its element's text marks the
    element; else each of its text nodes is wrapped in a marked ``<span>``."""
    found = runs(root)
    matched = match_votes(votes, found)
    per_anchor: dict[HtmlElement, int] = {}
    for r in found:
        per_anchor[r.anchor] = per_anchor.get(r.anchor, 0) + 1
    has_inner: set[HtmlElement] = set()
    for r in found:
        for anc in r.anchor.iterancestors():
            if anc in has_inner:
                break
            has_inner.add(anc)
    body = body_of(root)
    todo: list[tuple[Run, BlockVote, int]] = []
    for i, (vote, j) in enumerate(zip(votes, matched, strict=True)):
        if j is not None:
            todo.append((found[j], vote, i))
    for run, vote, i in todo:
        a = run.anchor
        if a is not body and a.tag != "html" and per_anchor[a] == 1 and a not in has_inner:
            _mark(a, vote, i)
        else:
            for el, which in run.pieces:
                _mark(_wrap(el, which), vote, i)
    return len(todo)


# -- the report ------------------------------------------------------------------------

_CSS = """
html body { margin-right: 440px !important; }
[data-unboil] { outline-offset: 1px; cursor: help; }
[data-unboil="kept"] { outline: 2px solid #1b9e3e !important;
  background-color: rgba(27,158,62,.08) !important; }
[data-unboil="stripped"] { outline: 2px solid #d7263d !important;
  background-color: rgba(215,38,61,.07) !important; }
[data-unboil="stripped"]:hover, [data-unboil="stripped"]:hover * {
  text-decoration: line-through !important; }
[data-unboil="doubtful"] { outline: 2px dashed #e0a100 !important;
  background-color: rgba(224,161,0,.12) !important; }
[data-unboil].unboil-current { outline-width: 4px !important; }
#unboil-panel, #unboil-panel * { all: revert; }
#unboil-panel { position: fixed !important; top: 0; right: 0; bottom: 0; width: 420px;
  overflow: auto; z-index: 2147483647; box-sizing: border-box; padding: 12px 14px;
  background: #fbfbfa; color: #1d1d1f; border-left: 1px solid #ccc;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; text-align: left; }
#unboil-panel h2 { font-size: 15px; margin: 14px 0 6px; }
#unboil-panel h1 { font-size: 17px; margin: 0 0 4px; }
#unboil-panel table { border-collapse: collapse; font-size: 12px; }
#unboil-panel th, #unboil-panel td { border: 1px solid #ddd; padding: 2px 5px; text-align: right; }
#unboil-panel th[scope=row] { text-align: left; }
#unboil-panel .unboil-legend span { display: inline-block; padding: 0 6px; margin-right: 4px; }
#unboil-panel .unboil-k { outline: 2px solid #1b9e3e; }
#unboil-panel .unboil-s { outline: 2px solid #d7263d; }
#unboil-panel .unboil-d { outline: 2px dashed #e0a100; }
#unboil-panel #unboil-info { min-height: 4.5em; padding: 6px; border: 1px solid #ccc;
  background: #fff; }
#unboil-panel .unboil-text p { margin: 0 0 8px; }
#unboil-panel .unboil-muted { color: #666; }
"""

_SCRIPT = """
(function () {
  var info = document.getElementById("unboil-info");
  var current = null;
  function show(el) {
    if (current) current.classList.remove("unboil-current");
    current = el;
    el.classList.add("unboil-current");
    var members = el.getAttribute("data-members");
    info.textContent = "";
    var lines = [
      ["block", "#" + el.getAttribute("data-block") + " (" + el.getAttribute("data-role") + ")"],
      ["decision", el.getAttribute("data-unboil") +
        (el.getAttribute("data-rule") === "box" ? " (a comment/cookie/donation box)" : "")],
      ["probability", el.getAttribute("data-p") +
        (el.getAttribute("data-rule") === "box" ? " (the model's; the box rule decided)" : "")],
      ["kept by", members ? members.split(",").join(", ") : "no member backend"]
    ];
    lines.forEach(function (kv) {
      var row = document.createElement("div");
      var key = document.createElement("b");
      key.textContent = kv[0] + ": ";
      row.appendChild(key);
      row.appendChild(document.createTextNode(kv[1]));
      info.appendChild(row);
    });
  }
  function handler(ev) {
    var el = ev.target.closest ? ev.target.closest("[data-unboil]") : null;
    if (!el) return;
    if (ev.type === "click") ev.preventDefault();
    show(el);
  }
  document.addEventListener("mouseover", handler);
  document.addEventListener("click", handler);
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _panel(
    comparison: Comparison, cons: Extraction, votes: Sequence[BlockVote], found: int, nav: str
) -> str:
    names = list(comparison.extractions)
    counts = {KEPT: 0, STRIPPED: 0, DOUBTFUL: 0}
    for v in votes:
        counts[v.status] += 1
    head = "".join(f"<th scope='col'>{_e(n[:8])}</th>" for n in names)
    matrix = "".join(
        f"<tr><th scope='row'>{_e(a)}</th>"
        + "".join(f"<td>{comparison.agreement[a][b]:.2f}</td>" for b in names)
        + "</tr>"
        for a in names
    )
    words = "".join(
        f"<tr><th scope='row'>{_e(n)}</th><td>{e.words}</td><td>{len(e.blocks)}</td>"
        f"<td>{_e(e.error or e.reason or '')}</td></tr>"
        for n, e in comparison.extractions.items()
    )
    text = "".join(f"<p>{_e(b.text)}</p>" for b in cons.blocks) or (
        f"<p class='unboil-muted'>{_e(cons.error or cons.reason or 'no text')}</p>"
    )
    return (
        "<aside id='unboil-panel' data-unboil-panel=''>"
        f"<h1>unboil audit</h1><div class='unboil-muted'>{_e(comparison.source)}</div>"
        "<p class='unboil-legend'><span class='unboil-k'>kept</span>"
        "<span class='unboil-s'>stripped</span><span class='unboil-d'>doubtful</span></p>"
        f"<p id='unboil-counts'>{counts[KEPT]} kept, {counts[STRIPPED]} stripped, "
        f"{counts[DOUBTFUL]} doubtful of {len(votes)} blocks"
        f"{'' if found == len(votes) else f' ({len(votes) - found} not located on the page)'}"
        "</p>"
        "<div id='unboil-info'><span class='unboil-muted'>Hover or click a block to see "
        "which backends kept it.</span></div>"
        f"{nav}"
        "<h2>Agreement (shingle F1)</h2>"
        f"<table id='unboil-agreement'><tr><th></th>{head}</tr>{matrix}</table>"
        "<h2>Words per backend</h2>"
        "<table id='unboil-words'><tr><th>backend</th><th>words</th><th>blocks</th><th></th></tr>"
        f"{words}</table>"
        f"<h2>Extracted text ({cons.words} words)</h2>"
        f"<div class='unboil-text' id='unboil-text'>{text}</div>"
        "</aside>"
    )


def _skeleton(page: HtmlElement, nonce: str) -> tuple[HtmlElement, HtmlElement, HtmlElement]:
    """The report's ``<html>``, ``<head>`` and ``<body>``, built here, never taken from
    the page: a CSP ``<meta>`` counts only in ``<head>``, and a page may come with its
    ``<body>`` before its ``<head>`` (lxml keeps that order), several of each, or text
    and elements beside them. The CSP is head's first child and nothing precedes it;
    the content of the page's heads and bodies (sanitized) is moved in, in order."""
    from lxml.etree import SubElement
    from lxml.html import Element

    root = Element("html", dict(page.attrib))
    head = SubElement(root, "head")
    SubElement(head, "meta", {"http-equiv": "Content-Security-Policy", "content": csp(nonce)})
    SubElement(head, "meta", {"charset": "utf-8"})
    SubElement(head, "meta", {"name": "referrer", "content": "no-referrer"})
    first = page.find("body")
    body = SubElement(root, "body", dict(first.attrib) if first is not None else {})

    def text(value: str | None) -> None:
        if value and value.strip():
            if len(body):
                body[-1].tail = (body[-1].tail or "") + value
            else:
                body.text = (body.text or "") + value

    text(page.text)
    for child in list(page):
        tail, child.tail = child.tail, None
        if child.tag == "head":
            text(child.text)
            head.extend(list(child))
        elif child.tag == "body":
            text(child.text)
            body.extend(list(child))
        elif isinstance(child.tag, str):
            body.append(child)
        text(tail)
    return root, head, body


def audit_report(page: Page, comparison: Comparison) -> str:
    """The audit report of ``page`` as one HTML document (a string). ``comparison``
    must hold the consensus extraction (``compare(page, [..., "consensus"])``)."""
    from lxml.html import Element, fragment_fromstring, tostring

    from . import audit_nav

    cons = comparison.consensus
    if cons is None:
        raise ValueError("an audit needs the consensus: compare the page with 'consensus'")
    votes = cons.votes or []
    root = page.copy_tree()
    if root.tag != "html":
        wrapper = Element("html")
        wrapper.append(root)
        root = wrapper
    if root.find("body") is None:
        body = Element("body")
        for child in [c for c in root if c.tag != "head"]:
            body.append(child)
        root.append(body)
    audit_nav.claim(root)
    found = mark_blocks(root, votes)
    sanitize(root)
    nav = audit_nav.block_list(votes, audit_nav.anchor(root))
    nonce = secrets.token_urlsafe(16)
    root, head, body = _skeleton(root, nonce)
    style = Element("style")
    style.set("id", "unboil-style")
    style.text = _CSS + audit_nav.CSS
    head.append(style)
    body.append(fragment_fromstring(_panel(comparison, cons, votes, found, nav)))
    script = Element("script")
    script.set("nonce", nonce)
    script.text = _SCRIPT + audit_nav.SCRIPT
    body.append(script)
    out: bytes = tostring(root, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
    return out.decode("utf-8")


def audit_page(page: Page, backends: Sequence[str] | None = None) -> str:
    """Run the consensus (and ``backends``, by default its members) on ``page``; its
    audit report."""
    from .compare import CONSENSUS, compare
    from .consensus import model

    names = list(backends) if backends else list(model().members)
    names = [n for n in names if n != CONSENSUS] + [CONSENSUS]
    return audit_report(page, compare(page, names))


# -- batch index -----------------------------------------------------------------------


def index_html(rows: Sequence[tuple[str, float | None, str | None, str]]) -> str:
    """The batch index: (source, agreement, audit page relative href or None, status)
    rows, lowest agreement first (pages without a score last)."""
    ordered = sorted(rows, key=lambda r: (r[1] is None, r[1] if r[1] is not None else 0.0, r[0]))
    body = []
    for source, agreement, href, state in ordered:
        score = "-" if agreement is None else f"{agreement:.3f}"
        link = f"<a href='{_e(href)}'>{_e(source)}</a>" if href else _e(source)
        body.append(f"<tr><td>{score}</td><td>{link}</td><td>{_e(state)}</td></tr>")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\"><title>unboil audit</title><style>"
        "body{font:14px/1.4 system-ui,sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px}"
        "td:first-child{text-align:right}</style></head><body><h1>unboil audit</h1>"
        f"<p>{len(rows)} pages, lowest agreement first.</p>"
        "<table id='unboil-index'><tr><th>agreement</th><th>page</th><th>status</th></tr>"
        + "".join(body)
        + "</table></body></html>"
    )


# -- reuse of an extraction (batch) ----------------------------------------------------


def comparison_of(page: Page, extractions: Sequence[Extraction]) -> Comparison:
    """A ``Comparison`` of extractions already made (the consensus's members are
    taken from it; the consensus comes last)."""
    from .compare import CONSENSUS, Comparison
    from .scoring import agreement_matrix

    found: dict[str, Extraction] = {}
    cons = None
    for e in extractions:
        if e.backend == CONSENSUS:
            cons = e
            found.update({k: v for k, v in (e.members or {}).items() if k not in found})
        else:
            found[e.backend] = e
    if cons is not None:
        found[CONSENSUS] = cons
    matrix = agreement_matrix({n: e.text for n, e in found.items()})
    return Comparison(page.source, found, matrix)


def audit_of(page: Page, result: Extraction) -> tuple[str, Extraction]:
    """The audit report of a page already extracted by some backend (the consensus is
    run unless ``result`` is it); the report and the consensus extraction."""
    from .compare import CONSENSUS
    from .registry import get

    if result.backend == CONSENSUS and result.votes is not None:
        cons = result
        extractions = [result]
    else:
        cons = get(CONSENSUS).extract(page)
        extractions = [result, cons]
    return audit_report(page, comparison_of(page, extractions)), cons


INDEX_NAME = "index.html"


def write_index(outdir: str) -> str:
    """Write ``OUTDIR/index.html`` from the batch manifest (the last record of each
    page): every page, lowest agreement first, linking to its audit page; its path."""
    from pathlib import Path
    from urllib.parse import quote

    from .fsutil import atomic_write
    from .manifest import MANIFEST_NAME, read_manifest

    last: dict[str, dict[str, object]] = {}
    for rec in read_manifest(Path(outdir, MANIFEST_NAME)):
        last[str(rec.get("source"))] = rec
    rows: list[tuple[str, float | None, str | None, str]] = []
    for source, rec in last.items():
        score = rec.get("agreement")
        href = rec.get("audit")
        rows.append(
            (
                source,
                float(score) if isinstance(score, int | float) else None,
                quote(str(href)) if href else None,
                str(rec.get("status") or ""),
            )
        )
    path = str(Path(outdir, INDEX_NAME))
    atomic_write(path, index_html(rows))
    return path
