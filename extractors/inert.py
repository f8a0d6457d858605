"""A page made inert for the audit report: nothing in it runs or fetches when the
report is opened (``sanitize``: scripts, event handlers, frames, objects, forms'
actions, ``<base>``, meta refresh and every attribute or CSS ``url()`` that would fetch
something removed, CSS read as a browser tokenizes it), and the report's
Content-Security-Policy (``csp``)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: attributes that fetch a resource or navigate somewhere
_URL_ATTRS = frozenset(
    {"src", "srcset", "href", "action", "formaction", "poster", "background", "ping"}
    | {"data", "codebase", "archive", "longdesc", "cite", "manifest", "lowsrc", "dynsrc"}
    | {"imagesrcset", "imagesizes", "xlink:href", "{http://www.w3.org/1999/xlink}href"}
    | {"attributionsrc", "icon"}
)
#: tags removed with their content (on top of what the Cleaner removes); SVG animation
#: elements can set ``href`` (``<set attributeName="href" to="http://...">``)
_KILL_TAGS = ("script", "noscript", "iframe", "frame", "frameset", "object", "embed")
_KILL_TAGS_MORE = ("applet", "link", "meta", "base", "portal", "template", "fencedframe")
_KILL_SVG = ("set", "animate", "animatemotion", "animatetransform", "animatecolor", "mpath")
#: attribute names a browser reads as the same name lxml does
_PLAIN_ATTR = re.compile(r"[a-z_][-a-z0-9_.:]*\Z")

# -- CSS, read as a browser tokenizes it (css-syntax-3) --
# an escape: up to 6 hex digits and one optional whitespace, an escaped newline (a line
# continuation in strings), any other character, or a lone backslash at the end
_CSS_ESCAPE = re.compile(
    r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|(\r\n|[\n\r\f])|(.)|\Z)", re.S
)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
# a data: URL written plainly: no escape, quote, paren or whitespace inside (CSS
# whitespace only: a no-break space before ``data:`` makes a relative URL)
_CSS_DATA_URL = re.compile(
    r"""url\([ \t\n\r\f]*(['"]?)data:[^'"()\\ \t\n\r\f]*\1[ \t\n\r\f]*\)""", re.I
)
# what makes a browser fetch from CSS; strings are URLs in image-set(), image(),
# src() and @import, so those go whatever their argument
_CSS_FETCH = re.compile(r"(?:url|image-set|image|src|cross-fade|expression)\s*\(|@import", re.I)
# where a stylesheet is cut into declarations, rule heads and at-rules (not inside a
# data: URL: its ``;base64`` would cut it)
_CSS_CUT = re.compile(_CSS_DATA_URL.pattern + r"|[{};]", re.I)
# strings and comments, to drop comments but not what looks like one inside a string
_CSS_STRING_OR_COMMENT = re.compile(
    r""""(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|/\*.*?(?:\*/|\Z)""", re.S
)


def csp(nonce: str) -> str:
    """The report's Content-Security-Policy."""
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'"
    )


def _css_unescape(css: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1):
            cp = int(m.group(1), 16)
            ok = 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF
            return chr(cp) if ok else "\ufffd"
        if m.group(2) is not None:
            return ""
        return m.group(3) if m.group(3) is not None else "\ufffd"

    return _CSS_ESCAPE.sub(one, css) if "\\" in css else css


def _css_fetches(css: str) -> bool:
    """Whether a browser could fetch something for this CSS text (any context:
    declarations, a stylesheet, an SVG presentation attribute). Over-approximate:
    escapes are decoded everywhere, comments read both as a browser does and as
    removed, character references decoded (a ``<style>`` in SVG is markup)."""
    texts = [css]
    if "&" in css:
        texts.append(html.unescape(css))
    for text in texts:
        text = _css_unescape(_CSS_DATA_URL.sub(" ", text))
        if _CSS_FETCH.search(text):
            return True
        if "/*" in text and _CSS_FETCH.search(_CSS_COMMENT.sub("", text)):
            return True
    return False


def _drop_comment(m: re.Match[str]) -> str:
    # to a browser a comment splits tokens; removed outright, ``u/**/rl(`` reads as
    # ``url(`` here and goes too
    return "" if m.group().startswith("/*") else m.group()


def _clean_css(css: str) -> str:
    """CSS that fetches nothing: each declaration, rule head or at-rule a browser could
    fetch for is dropped (``_css_fetches``), the whole text if what is left still
    could (comments split across pieces). Layout stays; background images go."""
    if not _css_fetches(css):
        return css
    css = _CSS_STRING_OR_COMMENT.sub(_drop_comment, css)
    out: list[str] = []
    start = 0
    for m in _CSS_CUT.finditer(css):
        if m.group() in ("{", "}", ";"):  # a cut, not a data: URL
            piece = css[start : m.start()]
            out.append("" if _css_fetches(piece) else piece)
            out.append(m.group())
            start = m.end()
    piece = css[start:]
    out.append("" if _css_fetches(piece) else piece)
    cleaned = "".join(out)
    return "" if _css_fetches(cleaned) else cleaned


def _style_text(el: HtmlElement, css: str) -> str:
    """A ``<style>``'s text as lxml writes it out (raw): made inert, with ``</`` (that
    could close it) and, in SVG or MathML, where browsers parse it as markup, every
    ``<`` and ``&`` written as CSS escapes, which mean the same character to CSS."""
    css = _clean_css(css)
    if any(a.tag in ("svg", "math") for a in el.iterancestors()):
        return css.replace("&", "\\26 ").replace("<", "\\3c ")
    return css.replace("</", "\\3c /")


def sanitize(root: HtmlElement) -> None:
    """Make a parsed page inert (in place): nothing runs, nothing is fetched."""
    from lxml import etree
    from lxml_html_clean import Cleaner

    kill = _KILL_TAGS + _KILL_TAGS_MORE + _KILL_SVG
    for el in root.iter("style"):
        if len(el):  # a <style> holds text only: its children's text is CSS too
            text = "".join(el.itertext())
            el[:] = []
            el.text = text
    # CSS is cleaned before the Cleaner (whose own pass would leave ``@import "x"`` as a
    # bare string) and after it (what its cuts join up is checked again)
    for el in root.iter():
        if isinstance(el.tag, str):
            if el.get("style"):
                el.set("style", _clean_css(el.get("style") or ""))
            if el.tag == "style" and el.text:
                el.text = _clean_css(el.text)
    Cleaner(
        scripts=True,
        javascript=True,
        comments=True,
        style=False,
        inline_style=False,
        links=True,
        meta=True,
        page_structure=False,
        processing_instructions=True,
        embedded=True,
        frames=True,
        forms=False,
        annoying_tags=False,
        remove_unknown_tags=False,
        safe_attrs_only=False,
        kill_tags=kill,
    )(root)
    for el in list(root.iter(*kill)):
        el.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        attrib = el.attrib
        for name in list(attrib):
            low = name.lower()
            if low == "style":
                css = _clean_css(attrib[name])
                if css.strip(" ;"):
                    attrib[name] = css
                else:
                    del attrib[name]
            elif (
                low.startswith("on")
                or low in _URL_ATTRS
                or low.endswith(("}href", ":href"))
                or not _PLAIN_ATTR.match(low)
            ):
                value = attrib.pop(name)
                if low == "href" and el.tag == "a":
                    attrib["data-href"] = value
            elif _css_fetches(attrib[name]):
                del attrib[name]  # an SVG presentation attribute: fill="url(...)"
        if el.tag == "a":
            attrib.pop("target", None)
        if el.tag == "style" and el.text:
            el.text = _style_text(el, el.text)
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        el.drop_tree()
