"""The page's markup as every parser gets it: what no browser shows taken out, what
would make a parser quadratic cut down. Computed once per page (``Page.markup``) and
handed to lxml (``Page.tree``) and to the libraries that parse a string themselves
(``htmltree.page_html``), so that all of them read the same document.

- ``<template>`` elements go, with their content: inert markup a browser parses into
  a fragment it never shows.
- A start tag keeps its first ``MAX_ATTRIBUTES`` attributes. libxml2 and lexbor check
  each new attribute against all the earlier ones of its element, so one element with
  tens of thousands of attributes takes them seconds to minutes, in a C call no time
  limit interrupts. No page of the bench holds more than 79 on an element.

Both need the page read as the HTML tokenizer reads it (libxml2 2.14 and lexbor follow
it): a quote opens an attribute value only after ``=``, a ``>`` inside a quoted value
does not end a tag (``a=">"`` cannot hide attributes), and comments, scripts (with
their ``<!--``/``<script>`` escapes), raw-text elements and bogus comments are not
markup. ``_SKIP`` is that tokenizer as one regular expression: it runs in C over
everything that needs no change and stops at a ``<template>`` tag or a start tag with
too many attributes. Every piece of it is possessive, so it reads each character once
whatever the page holds.
"""

from __future__ import annotations

import re
from functools import cache

#: Attributes kept on one element.
MAX_ATTRIBUTES = 256

_WS = "\t\n\f\r "
_NAME = f"[^{_WS}/>][^{_WS}/>=]*+"  # may start with "=" or a quote
_VALUE = f"""(?:"[^"]*+(?:"|\\Z)|'[^']*+(?:'|\\Z)|(?!["'])[^{_WS}>]*+)"""
# one attribute: after separators, or straight after a quoted value
_ATTRIBUTE = (
    f"""(?:[{_WS}/]++|(?<=["'])){_NAME}"""
    f"(?:[{_WS}]*+=[{_WS}]*+{_VALUE}|(?![{_WS}]*=))"
)
_TAG_END = f"[{_WS}/]*+(?:>|\\Z)"
_START = f"<[A-Za-z][^{_WS}/>]*+"
_FITTING = f"(?:{_ATTRIBUTE}){{0,{MAX_ATTRIBUTES}}}+{_TAG_END}"

_RAW = ("style", "xmp", "iframe", "noembed", "noframes", "title", "textarea")
_B = f"(?=[{_WS}/>])"  # the end of a tag name
_SCRIPT_END = f"(?i:</script){_B}"
_SCRIPT_OPEN = f"(?i:<script){_B}"
# HTML's script data states: in "<!--" ... "-->" a "<script" opens a stretch in which
# "</script" does not end the script
_DOUBLE_ESCAPED = f"(?:[^<-]++|-(?!->)|<(?!/(?i:script){_B}))*+"
_ESCAPED = (
    f"-*+(?:>|(?:[^<-]++|-(?!->)|<(?!/(?i:script){_B}|(?i:script){_B})"
    f"|{_SCRIPT_OPEN}{_DOUBLE_ESCAPED}{_SCRIPT_END})*+"
    f"(?:-->|{_SCRIPT_OPEN}{_DOUBLE_ESCAPED}(?:-->|\\Z))?)"
)
#: what follows the start tag of an element whose content is text, to its end tag
_TEXT_AFTER = {name: f"(?:[^<]++|<(?!/(?i:{name}){_B}))*+" for name in _RAW}
_TEXT_AFTER["script"] = f"(?:[^<]++|<(?!/(?i:script){_B}|!--)|<!--{_ESCAPED})*+"
_TEXT_AFTER["plaintext"] = "[\\s\\S]*+"
_NOT_TEMPLATE = f"(?!(?i:template){_B})"

_SKIP = re.compile(
    "(?:"
    "[^<]++"
    "|<!--(?:-?>|(?:[^-]++|-(?!-!?>))*+(?:--!?>)?)"  # comment
    "|<[!?][^>]*+>?"  # doctype, CDATA, bogus comment
    f"|</{_NOT_TEMPLATE}[A-Za-z][^{_WS}/>]*+(?:{_ATTRIBUTE})*+{_TAG_END}"  # end tag
    "|</(?![A-Za-z])[^>]*+>?"
    + "".join(f"|(?i:<{name}){_B}{_FITTING}{text}" for name, text in _TEXT_AFTER.items())
    + f"|<{_NOT_TEMPLATE}{_START[1:]}{_FITTING}"
    "|<(?![A-Za-z!/?])"
    ")*+",
)
_TEMPLATE_TAG = re.compile(f"(?i:<(/?)template){_B}")
_CROWDED = re.compile(f"({_START}(?:{_ATTRIBUTE}){{{MAX_ATTRIBUTES}}}){_ATTRIBUTE}")
_WHOLE_TAG = re.compile(f"</?[A-Za-z][^{_WS}/>]*+(?:{_ATTRIBUTE})*+{_TAG_END}")
_TAG_NAME_END = re.compile(f"[{_WS}/>]")


@cache
def _text_after(name: str) -> re.Pattern[str]:
    return re.compile(_TEXT_AFTER[name])


def tame(html: str) -> str:
    """``html`` without ``<template>`` elements and with at most ``MAX_ATTRIBUTES``
    attributes on any start tag; the same string when there is nothing to change."""
    parts: list[str] = []
    last = 0  # html[:last] is in parts
    pos = 0
    depth = 0  # open templates
    n = len(html)
    while True:
        pos = _SKIP.match(html, pos).end()  # type: ignore[union-attr]  # always matches
        if pos >= n:
            break
        tag = _WHOLE_TAG.match(html, pos)
        assert tag is not None  # _SKIP stops only at a start or end tag
        end = tag.end()
        template = _TEMPLATE_TAG.match(html, pos)
        if template is not None:
            if template.group(1):  # </template>
                if depth == 1:
                    last = end
                depth = max(depth - 1, 0)
            else:
                if depth == 0:
                    parts.append(html[last:pos])
                depth += 1
            if depth:
                last = end
            pos = end
            continue
        crowded = _CROWDED.match(html, pos)
        if crowded is None:  # pragma: no cover - _SKIP stops only at the two cases
            pos = end
            continue
        if depth == 0:
            parts.append(html[last : crowded.end(1)])
            parts.append(">" if html[end - 1 : end] == ">" else "")
        last = pos = end
        name = _TAG_NAME_END.split(html[tag.start() + 1 : end], maxsplit=1)[0].lower()
        if name in _TEXT_AFTER:  # its content is text: skip it as the tokenizer does
            pos = _text_after(name).match(html, pos).end()  # type: ignore[union-attr]
    if depth:
        last = n
    if not parts:
        return html
    parts.append(html[last:])
    return "".join(parts)
