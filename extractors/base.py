"""The backend contract: a ``Backend`` turns a ``Page`` into an ``Extraction``.

An extraction is a list of ``Block``\\ s (paragraphs, headings, list items, ... in page
order) plus the title and whatever metadata the library gives. Consensus, scoring and
diffs all work on blocks.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .limits import ExtractionTimeout

if TYPE_CHECKING:
    from .page import Page

#: Block kinds. ``h1``..``h6`` are headings; the rest are body kinds.
BLOCK_KINDS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "quote", "pre", "table", "caption")

NO_ARTICLE = "no article found"


#: Marks of inline markup in ``Markup.inline``: C0 control characters, which no parsed
#: text holds (``htmltree.parse_html`` drops them). Emphasis, strong emphasis and code
#: open and close; a link opens with ``LINK``, its href and ``HREF_END``, and closes
#: with ``LINK_END``.
EM, EM_END, STRONG, STRONG_END, CODE, CODE_END = "\x02", "\x03", "\x04", "\x05", "\x06", "\x07"
LINK, HREF_END, LINK_END = "\x0e", "\x0f", "\x10"
#: the characters that start a mark (a link's href lies between LINK and HREF_END)
MARKS = frozenset((EM, EM_END, STRONG, STRONG_END, CODE, CODE_END, LINK, LINK_END))
#: each closing mark's opening one
OPENING_OF = {EM_END: EM, STRONG_END: STRONG, CODE_END: CODE, LINK_END: LINK}
#: patterns of an opening mark (a link's with its href) and of a closing one
OPENING_MARK = f"(?:[{EM}{STRONG}{CODE}]|{LINK}[^{HREF_END}]*{HREF_END})"
CLOSING_MARK = f"[{EM_END}{STRONG_END}{CODE_END}{LINK_END}]"


@dataclass(frozen=True)
class Markup:
    """What markdown keeps of a block besides its text (``htmltree`` makes it from the
    page's HTML with ``marks=True``; ``formats.to_markdown`` renders it)."""

    #: the block's text with its inline markup as marks (``MARKS``): the text itself
    #: once the marks and hrefs are taken out; None when it has none
    inline: str | None = None
    #: an ordered list item's number (``start=`` and ``value=`` honoured); None: a bullet
    number: int | None = None
    #: how many lists the item's list sits in (0: a top-level list)
    depth: int = 0
    #: the first block of its list item (else a paragraph that continues the item)
    first: bool = True


@dataclass(frozen=True)
class Block:
    """One paragraph-like unit of extracted text."""

    text: str
    kind: str = "p"
    #: a table's cells, row by row, empty ones included (``text`` has a line per row,
    #: its non-empty cells joined by " | "): markdown keeps the columns
    cells: tuple[tuple[str, ...], ...] | None = field(default=None, compare=False, repr=False)
    #: inline markup and list numbering, for markdown (None: none known; ``text`` is
    #: the same either way)
    markup: Markup | None = field(default=None, compare=False, repr=False)

    @property
    def is_heading(self) -> bool:
        return len(self.kind) == 2 and self.kind[0] == "h" and self.kind[1].isdigit()


@dataclass
class ExtractOptions:
    """Choices that are the user's, not the backend's."""

    #: Put the page title (headline) in front of the text.
    title: bool = False
    #: Figure captions: True keeps them, False drops them, None leaves it to the
    #: backend (consensus: as its strongest member does).
    captions: bool | None = None
    #: Ask the library for metadata (author, date, ...). Off, backends may skip work
    #: (trafilatura's date detection costs about a third of its time); the title is
    #: then the page's own <title>.
    metadata: bool = True


#: how reports group blocks (``BlockVote.status``)
KEPT, STRIPPED, DOUBTFUL = "kept", "stripped", "doubtful"


@dataclass
class BlockVote:
    """How the consensus decided one block of the page."""

    text: str
    kind: str
    #: title, lead, body, caption or boilerplate (the block's role on the page)
    role: str
    #: the member backends that kept (most of) this block
    members: list[str]
    #: the model's probability that the block is article text
    probability: float
    kept: bool
    #: kept or dropped without much confidence (probability near the threshold)
    doubtful: bool = False
    #: set when a rule, not the model, decided: "box" (dropped as part of a comment,
    #: cookie, newsletter or donation box, whatever its probability)
    rule: str | None = None

    @property
    def status(self) -> str:
        """How reports group the block: ``DOUBTFUL``, else ``KEPT`` or ``STRIPPED``."""
        if self.doubtful:
            return DOUBTFUL
        return KEPT if self.kept else STRIPPED


@dataclass
class Extraction:
    """What one backend made of one page."""

    backend: str
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    seconds: float = 0.0
    #: One-line error when the backend failed on this page, else None.
    error: str | None = None
    #: Why the text is empty when the backend ran fine but found no article.
    reason: str | None = None
    #: The traceback of ``error`` (shown with --debug, not serialised).
    detail: str | None = field(default=None, repr=False)
    #: Consensus only: every block of the page with its vote, in page order.
    votes: list[BlockVote] | None = field(default=None, repr=False)
    #: Consensus only: what each member backend returned for this page.
    members: dict[str, Extraction] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        """The blocks as plain text, separated by blank lines."""
        return "\n\n".join(b.text for b in self.blocks)

    def __str__(self) -> str:
        """The text (``print(extraction)`` prints the cleaned page)."""
        return self.text

    @property
    def words(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)

    @property
    def quality(self) -> dict[str, Any]:
        """Output statistics that make silent truncation and mojibake visible: the
        length of the text, and the share of its characters that are U+FFFD
        (undecodable bytes) or control characters (binary data taken for text)."""
        text = self.text
        chars = len(text)
        replacement = text.count("\ufffd")
        control = sum(map(text.count, _CONTROLS)) if chars else 0  # 29 scans in C
        return {
            "chars": chars,
            "replacement_share": round(replacement / chars, 6) if chars else 0.0,
            "control_share": round(control / chars, 6) if chars else 0.0,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "version": self.version,
            "title": self.title,
            "text": self.text,
            "blocks": [{"kind": b.kind, "text": b.text} for b in self.blocks],
            "metadata": self.metadata,
            "words": self.words,
            "seconds": round(self.seconds, 6),
            "error": self.error,
            "reason": self.reason,
        }


#: the C0 control characters other than tab, LF and CR
_CONTROLS = tuple(chr(c) for c in range(32) if chr(c) not in "\t\n\r")


@functools.cache
def _distribution_version(distribution: str) -> str | None:
    """Installed version of a distribution, looked up once per process (it is
    reported with every extraction)."""
    import importlib.metadata  # slow to import: not at start-up (`unboil --version`)

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type and its first line of message."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {msg}" if msg else name


def _make_printable(result: Extraction) -> None:
    """No control, bidi-override or zero-width character of the page survives in an
    extraction, whatever the library left in (``terminal.strip_unsafe``)."""
    from .terminal import strip_unsafe

    for i, b in enumerate(result.blocks):
        text = strip_unsafe(b.text)
        cells = b.cells
        if cells is not None:
            cells = tuple(tuple(strip_unsafe(c) for c in row) for row in cells)
        if text is not b.text or cells != b.cells:
            result.blocks[i] = Block(text, b.kind, cells, b.markup)
    for vote in result.votes or ():
        vote.text = strip_unsafe(vote.text)
    if result.title:
        result.title = strip_unsafe(result.title)
    if result.metadata:
        result.metadata = _printable_values(result.metadata)


def _printable_values(value: Any) -> Any:
    from .terminal import strip_unsafe

    if isinstance(value, str):
        return strip_unsafe(value)
    if isinstance(value, dict):
        return {k: _printable_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_printable_values(v) for v in value)
    return value


class Backend(ABC):
    """A pluggable extractor. Subclass it, implement ``run``, register it through the
    ``unboil.backends`` entry-point group.

    Class attributes describe the backend without importing its library:
    ``modules`` are the import names that must be importable, ``distribution`` is the
    PyPI name whose version is reported, ``install`` is the command that makes it
    available.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    modules: ClassVar[tuple[str, ...]] = ()
    distribution: ClassVar[str | None] = None
    install: ClassVar[str] = ""
    #: True when ``run`` uses ``page.tree`` (the shared lxml parse).
    uses_tree: ClassVar[bool] = False

    def available(self) -> bool:
        """True when every module the backend needs can be imported (not importing it)."""
        return all(importlib.util.find_spec(m) is not None for m in self.modules)

    def version(self) -> str | None:
        return None if self.distribution is None else _distribution_version(self.distribution)

    def warm(self, *, metadata: bool = False) -> None:
        """Do the one-time set-up now: import the libraries (and, in subclasses, load
        stop-lists and models) that the first ``run`` would (``metadata``: a run with
        ``ExtractOptions.metadata``). A batch calls it in the parent before forking its
        workers, so each worker (recycled ones too) starts ready instead of paying for
        it again. May raise ImportError."""
        for module in self.modules:
            importlib.import_module(module)

    @abstractmethod
    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        """Extract the article of ``page``. May raise; ``extract`` turns that into an
        error result."""

    def extract(self, page: Page, options: ExtractOptions | None = None) -> Extraction:
        """Run the backend on a page; never raises for a page-level failure."""
        options = options or ExtractOptions()
        start = time.perf_counter()
        try:
            result = self.run(page, options)
        except (KeyboardInterrupt, SystemExit, ExtractionTimeout):
            raise  # a page's time limit stops the whole page, members of consensus included
        except BaseException as exc:
            import traceback

            result = Extraction(
                backend=self.name, error=one_line(exc), detail=traceback.format_exc()
            )
        result.backend = self.name
        result.seconds = time.perf_counter() - start
        result.version = self.version()
        _make_printable(result)
        result.blocks = [b for b in result.blocks if b.text.strip()]
        if result.ok and not result.blocks and result.reason is None:
            result.reason = NO_ARTICLE
        title = (result.title or "").strip()
        already = bool(result.blocks) and result.blocks[0].text.strip() == title
        if options.title and title and result.ok and not already:
            result.blocks.insert(0, Block(title, "h1"))
        return result
