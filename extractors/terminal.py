"""Characters a page or a file name must not send to a terminal.

An escape sequence (``ESC ] 0 ; title BEL``, ``CSI``) can retitle or repaint a
terminal, a carriage return or a bidi override (U+202E) can make text read as
something else, and zero-width characters hide text. Extracted text loses them
(``strip_unsafe``: ``Backend.extract`` applies it to every backend's output); names
shown to the user are escaped instead (``escape_unsafe``: ``\\x1b``, ``\\u202e``), so
that they stay recognisable; JSON output writes the survivors as ``\\u`` escapes
(``escape_json``), which decode to the same text.

Kept in text: tab and newline; the zero-width joiners (U+200C, U+200D), which spell
words in Persian and Indic scripts and join emoji; the direction marks (U+200E,
U+200F, U+061C), which reorder nothing but neutral characters next to them.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and the C1 controls, bidi embeddings,
# overrides and isolates, zero-width spaces and word joiners, the BOM, line and
# paragraph separators, interlinear annotation marks
_UNSAFE_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
# in JSON strings: the above, the joiners and direction marks too (decoded unchanged)
_UNSAFE_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def strip_unsafe(text: str) -> str:
    """``text`` without the characters above; a carriage return ends a line."""
    if _UNSAFE_TEXT.search(text) is None:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE_TEXT.sub("", text)


def escape_unsafe(name: str) -> str:
    """A name (a file, a URL, a message) fit for one line of a terminal: every
    character Python does not call printable written as its escape (``\\n``,
    ``\\x1b``, ``\\u202e``)."""
    if name.isprintable():
        return name
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name
    )


def escape_json(text: str) -> str:
    """Serialised JSON with the characters above written as ``\\u`` escapes (they can
    only occur inside its strings)."""
    if _UNSAFE_JSON.search(text) is None:
        return text
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
