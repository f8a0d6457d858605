"""The audit report's block list: every block, grouped kept / doubtful / stripped, each a
link to its place on the page, and "next / previous doubtful" navigation (issue #26).

On a long page (hundreds of blocks) the kept text can sit far below the fold; the side
panel lists the blocks so each is one click away:

- ``claim(root)``, before the blocks are marked: the page's own ``data-unboil*``
  attributes go and its ids starting with ``unboil-`` are renamed (``page-unboil-…``),
  so a page can neither fake a block nor take the report's ids (a link ``#unboil-b3``
  or the panel's ``getElementById`` finds the first element with that id);
- ``anchor(root)``, after the page is sanitized: the first element of each marked
  block gets an id (``unboil-b<N>``; an element keeps its own id when it is unique and
  plain, the page's CSS may select it) -- the link targets;
- ``block_list(votes, ids)``: the list, as HTML. Excerpts are the block's text cut to
  ``EXCERPT`` characters and escaped (text only, never markup); the links are plain
  ``#id`` anchors, so they work without JavaScript (``:target`` outlines the block);
- ``CSS`` and ``SCRIPT`` (appended to the report's own, one nonce'd script): a link
  click or the buttons / keys ``n`` ``j`` (next doubtful) and ``p`` ``k`` (previous)
  scroll the block to the middle of the window, give it a halo and show its votes.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .base import DOUBTFUL, KEPT, STRIPPED
from .htmltree import collapse_ws

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from .base import BlockVote

#: characters of a block's text in its list entry (5,000 blocks: about 0.6 MB of list)
EXCERPT = 80
#: the prefix of the report's own ids
PREFIX = "unboil-"
#: a page's id that can be a link's fragment as is (no percent-encoding to get wrong)
_PLAIN_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
#: the groups in the order the panel shows them; the stripped one starts folded
GROUPS = (DOUBTFUL, KEPT, STRIPPED)


def claim(root: HtmlElement) -> None:
    """Take the report's names back from the page (in place): drop its ``data-unboil*``
    attributes and rename its ids that start with ``unboil-`` (any case)."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        attrib = el.attrib
        for name in [a for a in attrib if a.lower().startswith("data-unboil")]:
            del attrib[name]
        own = attrib.get("id")
        if own is not None and own.lower().startswith(PREFIX):
            attrib["id"] = f"page-{own}"


def anchor(root: HtmlElement) -> dict[int, str]:
    """Give the first element of each marked block an id (in place); block index -> id.
    Run after ``sanitize``: a block it removed has no id, so no link points nowhere."""
    seen: Counter[str] = Counter()
    first: dict[int, HtmlElement] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        own = el.get("id")
        if own is not None:
            seen[own] += 1
        block = el.get("data-block")
        if el.get("data-unboil") is not None and block is not None and block.isdigit():
            first.setdefault(int(block), el)
    ids: dict[int, str] = {}
    for index, el in first.items():
        own = el.get("id")
        if own is not None and seen[own] == 1 and _PLAIN_ID.match(own):
            ids[index] = own
        else:  # none, shared with another element, or odd: the report's own
            ids[index] = f"{PREFIX}b{index}"
            el.set("id", ids[index])
    return ids


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` on one line, at most ``limit`` characters (cut at a space when one is
    near the end, then ``…``)."""
    text = collapse_ws(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def block_list(votes: Sequence[BlockVote], ids: Mapping[int, str]) -> str:
    """The panel's section of blocks: the navigation (shown when the script runs), then
    one folding group per status, in page order, each entry a link to its block (a block
    not located on the page is listed without one). Every text is escaped."""
    entries: dict[str, list[str]] = {g: [] for g in GROUPS}
    for index, vote in enumerate(votes):
        group = vote.status
        label = _e(excerpt(vote.text))
        if group == DOUBTFUL:  # a doubtful block is kept or not: say which, and how near
            decided = KEPT if vote.kept else STRIPPED
            label = f"<b>{decided} {vote.probability:.2f}</b> {label}"
        target = ids.get(index)
        if target is None:
            entries[group].append(f"<li class='unboil-lost'>{label}</li>")
        else:
            entries[group].append(f"<li><a href='#{_e(target)}'>{label}</a></li>")
    groups = "".join(
        f"<details class='unboil-list' data-group='{g}'{'' if g == STRIPPED else ' open'}>"
        f"<summary>{g} <span class='unboil-n'>{len(entries[g])}</span></summary>"
        f"<ul>{''.join(entries[g])}</ul></details>"
        for g in GROUPS
    )
    return (
        "<section id='unboil-blocks'><h2>Blocks</h2>"
        "<div id='unboil-nav' hidden=''>"
        "<button type='button' id='unboil-prev'>◀ previous doubtful</button> "
        "<button type='button' id='unboil-next'>next doubtful ▶</button> "
        "<span id='unboil-nav-pos' class='unboil-muted'></span>"
        "<div class='unboil-muted'>keys: <kbd>n</kbd> or <kbd>j</kbd> next doubtful block, "
        "<kbd>p</kbd> or <kbd>k</kbd> previous</div></div>"
        f"{groups}</section>"
    )


CSS = """
[data-unboil] { scroll-margin-top: 20vh; }
[data-unboil].unboil-target, [data-unboil]:target { outline-width: 4px !important;
  box-shadow: 0 0 0 9px rgba(40,110,230,.5) !important; }
#unboil-panel [hidden] { display: none; }
#unboil-panel #unboil-nav { margin: 0 0 6px; }
#unboil-panel #unboil-nav button { font-size: 12px; }
#unboil-panel kbd { font: 11px monospace; border: 1px solid #bbb; border-radius: 3px;
  padding: 0 3px; background: #fff; }
#unboil-panel .unboil-list { margin: 4px 0; }
#unboil-panel .unboil-list summary { cursor: pointer; font-weight: bold; padding-left: 4px; }
#unboil-panel .unboil-list[data-group="kept"] summary { border-left: 4px solid #1b9e3e; }
#unboil-panel .unboil-list[data-group="stripped"] summary { border-left: 4px solid #d7263d; }
#unboil-panel .unboil-list[data-group="doubtful"] summary { border-left: 4px dashed #e0a100; }
#unboil-panel .unboil-n { font-weight: normal; color: #666; }
#unboil-panel .unboil-list ul { position: relative; max-height: 13em; overflow: auto;
  margin: 3px 0 0; padding: 0; list-style: none; border: 1px solid #ddd; background: #fff; }
#unboil-panel .unboil-list li { margin: 0; padding: 0; font-size: 12px; }
#unboil-panel .unboil-list li > a, #unboil-panel .unboil-lost { display: block;
  padding: 1px 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  color: inherit; text-decoration: none; }
#unboil-panel .unboil-list a:hover, #unboil-panel .unboil-list a:focus { background: #eef3ff; }
#unboil-panel .unboil-list a.unboil-on { background: #cfe0ff; }
#unboil-panel .unboil-list b { font-weight: 600; color: #8a6200; }
#unboil-panel .unboil-lost { color: #888; font-style: italic; }
"""

SCRIPT = """
(function () {
  var list = document.getElementById("unboil-blocks");
  if (!list) return;
  var nav = document.getElementById("unboil-nav");
  var pos = document.getElementById("unboil-nav-pos");
  var parts = {}, links = {}, doubtful = [];
  document.querySelectorAll("[data-unboil][data-block]").forEach(function (el) {
    if (el.closest("#unboil-panel")) return;
    var b = el.getAttribute("data-block");
    (parts[b] = parts[b] || []).push(el);
  });
  function blockOf(a) {
    var id = a.getAttribute("href");
    var el = id && id.charAt(0) === "#" ? document.getElementById(id.slice(1)) : null;
    return el && !el.closest("#unboil-panel") ? el.getAttribute("data-block") : null;
  }
  list.querySelectorAll("a[href]").forEach(function (a) {
    var b = blockOf(a);
    if (b === null) return;
    links[b] = a;
    if (a.closest("[data-group='doubtful']")) doubtful.push(+b);
  });
  doubtful.sort(function (x, y) { return x - y; });
  var current = -1, lit = [], on = null;
  function reveal(a) {  // scroll the list, never the page, to the entry
    var box = a.closest("ul");
    if (!box || !a.offsetParent) return;
    if (a.offsetTop < box.scrollTop ||
        a.offsetTop + a.offsetHeight > box.scrollTop + box.clientHeight)
      box.scrollTop = a.offsetTop - box.clientHeight / 2;
  }
  function where() {
    var i = doubtful.indexOf(current);
    pos.textContent = !doubtful.length ? "no doubtful block" : i < 0 ?
      doubtful.length + " doubtful" : "doubtful " + (i + 1) + " of " + doubtful.length;
  }
  function go(b, scroll) {
    lit.forEach(function (el) { el.classList.remove("unboil-target"); });
    lit = parts[b] || [];
    lit.forEach(function (el) { el.classList.add("unboil-target"); });
    current = +b;
    if (on) on.classList.remove("unboil-on");
    on = links[b] || null;
    if (on) { on.classList.add("unboil-on"); reveal(on); }
    where();
    if (scroll && lit.length) {
      lit[0].scrollIntoView({block: "center", inline: "nearest"});
      lit[0].dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));  // the votes
    }
  }
  function step(dir) {
    if (!doubtful.length) return;
    var b = null, i;
    if (dir > 0) {
      for (i = 0; i < doubtful.length && b === null; i++)
        if (doubtful[i] > current) b = doubtful[i];
      if (b === null) b = doubtful[0];
    } else {
      for (i = doubtful.length - 1; i >= 0 && b === null; i--)
        if (doubtful[i] < current) b = doubtful[i];
      if (b === null) b = doubtful[doubtful.length - 1];
    }
    go(b, true);
  }
  list.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href]") : null;
    var b = a ? blockOf(a) : null;
    if (b === null) return;
    ev.preventDefault();
    go(b, true);
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-unboil][data-block]") : null;
    if (el && !el.closest("#unboil-panel")) go(el.getAttribute("data-block"), false);
  });
  document.getElementById("unboil-next").addEventListener("click", function () { step(1); });
  document.getElementById("unboil-prev").addEventListener("click", function () { step(-1); });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (ev.key === "n" || ev.key === "j") step(1);
    else if (ev.key === "p" || ev.key === "k") step(-1);
    else return;
    ev.preventDefault();
  });
  if (!doubtful.length) {
    document.getElementById("unboil-next").disabled = true;
    document.getElementById("unboil-prev").disabled = true;
  }
  where();
  nav.hidden = false;
})();
"""
