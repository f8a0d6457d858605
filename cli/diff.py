"""``unboil diff``: what one backend kept, dropped or got wrong, block by block.

The diff itself is computed by ``unboil.extractors.diffing``; this module picks the two
sides (two backends, gold and a backend, or the page's full text and a backend) and
renders: rich on a terminal (side by side, unified, or the --stripped audit view),
a plain unified diff otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..extractors.terminal import escape_unsafe, strip_unsafe
from .exitcodes import ExitStatus
from .main import common_options, error, given, handle_errors, note_text_mode
from .options import (
    allow_private_option,
    backend_option,
    captions_option,
    json_option,
    size_option,
    timeout_option,
    title_option,
    write_json,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from ..extractors.base import Extraction
    from ..extractors.diffing import BlockDiff, DiffOp, GoldDiff, WordOp

DEFAULT_BACKEND = "consensus"
FULL_TEXT_BACKEND = "alltext"
DEFAULT_CONTEXT = 3
#: Terminals at least this wide get the side-by-side layout by default.
WIDE = 100

# rich styles
DELETED = "red"
INSERTED = "green"
DELETED_WORD = "bold red strike"
INSERTED_WORD = "bold green underline"
REMOVED = "dim strike"
MOVED = "yellow"
NOTE = "dim italic"


@dataclass
class _Sides:
    """What is compared: a (the reference) against b (the backend under test)."""

    mode: str  # backends | gold | stripped
    label_a: str
    label_b: str
    a: list[str]
    b: list[str]
    info_a: dict[str, Any]
    info_b: dict[str, Any]


@click.command("diff")
@click.argument("source", metavar="PAGE")
@click.option(
    "-a",
    "--backend-a",
    "backend_a",
    default=None,
    metavar="NAME",
    help=f"Backend of the left/old side  [default: {FULL_TEXT_BACKEND}]",
)
@backend_option(DEFAULT_BACKEND)
@click.option(
    "--gold",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Diff the extraction against this gold text (paragraphs separated by blank "
    "lines): missed text is '-', extra text '+'; P/R/F1 in a header line.",
)
@click.option(
    "--stripped",
    is_flag=True,
    help=f"Audit a cleaning: the page's full visible text (-a, default {FULL_TEXT_BACKEND}) "
    "against the extraction; removed text dimmed and struck, kept text plain.",
)
@click.option(
    "--side-by-side/--unified",
    "side_by_side",
    default=None,
    help="Layout on a terminal  [default: side by side when the terminal is wide; "
    "--stripped: the page with removed text struck]. Piped output is always a plain "
    "unified diff.",
)
@click.option(
    "-U",
    "--context",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help=f"Unchanged blocks shown around each change  [default: {DEFAULT_CONTEXT}; "
    "--stripped: every block]",
)
@click.option("--stat", is_flag=True, help="Print a one-line summary: blocks and words changed.")
@json_option("the diff's operations")
@timeout_option()
@allow_private_option
@title_option
@captions_option
@size_option
@common_options
@handle_errors
def diff(
    source: str,
    backend_a: str | None,
    backend: str,
    gold: str | None,
    stripped: bool,
    side_by_side: bool | None,
    context: int | None,
    stat: bool,
    json_out: str | None,
    timeout: float,
    allow_private: bool,
    title: bool,
    captions: bool | None,
    max_bytes: int,
) -> None:
    """Show how two extractions of PAGE differ, block by block, with the changed
    words inside changed blocks. PAGE is a saved .html/.htm file (gzip too), '-' for
    stdin, or an http(s) URL; it is read and parsed once for both sides.

    \b
    unboil diff page.html -a readability -b trafilatura   two backends
    unboil diff page.html --gold page.txt -b readability  against gold text
    unboil diff page.html --stripped -b trafilatura       what the cleaning removed
    curl -s URL | unboil diff - -a justext                a piped page
    unboil diff page.html --stat                          one-line summary

    Piped, the output is a unified diff with one block per line (whitespace runs
    collapsed): `patch` applies it to a file of the left side's blocks, one a line.

    Exit status: 0 when the two texts are the same (against gold: the same words, however
    split into paragraphs), 1 when they differ, 2 on trouble (unreadable page or gold
    file, unknown or failing backend)."""
    from ..extractors.base import ExtractOptions
    from ..extractors.diffing import diff_blocks, diff_gold
    from ..extractors.errors import SourceError
    from ..extractors.pipeline import load_page
    from ..extractors.registry import get

    if gold is not None and stripped:
        raise click.UsageError("--gold and --stripped cannot be combined.")
    if gold is not None and backend_a is not None:
        raise click.UsageError("--gold replaces -a: the gold text is the left side.")
    if stat and json_out == "-":
        raise click.UsageError("--stat and --json cannot be combined (the JSON has the stat).")
    mode = "gold" if gold is not None else "stripped" if stripped else "backends"
    name_a = backend_a or FULL_TEXT_BACKEND

    engine_b = get(backend)
    engine_a: Any = get(name_a) if mode != "gold" else None
    gold_text = _read_gold(gold) if gold is not None else None
    try:
        page = load_page(source, max_bytes=max_bytes, timeout=timeout, allow_private=allow_private)
    except SourceError as exc:
        error(f"{source}: {exc.cause}")
        sys.exit(ExitStatus.USAGE)

    options = ExtractOptions(title=title, captions=captions)
    if page.is_text:  # text mode: the text's units against what the text backend kept
        chosen = [
            f"-{o} {v}"
            for o, n, v in (("a", "backend_a", backend_a), ("b", "backend", backend))
            if given(n) and v != "text"
        ]
        if chosen:
            note_text_mode(source, " and ".join(chosen))
        engine_b, backend = get("text"), "text"
        if engine_a is not None:
            engine_a, name_a = _TextUnits(), _TextUnits.name
    result_b = _run(engine_b.extract(page, options), source)
    if engine_a is None:
        result_a = None
    elif name_a == backend:
        result_a = result_b
    else:
        result_a = _run(engine_a.extract(page, options), source)

    blocks_b = [blk.text for blk in result_b.blocks]
    gold_diff: GoldDiff | None = None
    if gold_text is not None:
        gold_diff = diff_gold(blocks_b, gold_text)
        block_diff = gold_diff.diff
        sides = _Sides(mode, "gold", backend, list(block_diff.a), blocks_b, {"file": gold}, {})
    else:
        assert result_a is not None
        blocks_a = [blk.text for blk in result_a.blocks]
        block_diff = diff_blocks(blocks_a, blocks_b)
        sides = _Sides(mode, name_a, backend, blocks_a, blocks_b, _info(result_a), {})
    sides.info_a = {"label": sides.label_a, **sides.info_a, **_counts(sides.a)}
    sides.info_b = {"label": sides.label_b, **_info(result_b), **_counts(sides.b)}

    to_stdout = False  # the JSON is the output
    if json_out:
        doc: dict[str, Any] = {"source": source, "mode": mode, "a": sides.info_a}
        doc["b"] = sides.info_b
        doc.update(gold_diff.to_dict() if gold_diff is not None else block_diff.to_dict())
        to_stdout = write_json(json_out, doc)
    if stat and not to_stdout:
        line = f"{escape_unsafe(source)}: {sides.label_a} -> {sides.label_b}: "
        line += block_diff.stat.summary()
        if gold_diff is not None:
            line += f"; {_score(gold_diff)}"
        click.echo(line)
    elif not to_stdout:
        if context is None:
            context = len(sides.a) + len(sides.b) if mode == "stripped" else DEFAULT_CONTEXT
        _render(escape_unsafe(source), sides, block_diff, gold_diff, side_by_side, context)
    # against gold, the words decide (a paragraph split or joined otherwise is shown, as
    # the metric ignores it); between two extractions, every block
    same = block_diff.same if gold_diff is None else not (gold_diff.missed or gold_diff.extra)
    sys.exit(ExitStatus.OK if same else ExitStatus.CHECK_FAILED)


class _TextUnits:
    """Text mode's left side: the plain text's units (paragraphs or lines), all kept."""

    name = "text-input"

    def extract(self, page: Any, options: Any) -> Extraction:
        from ..extractors.base import Block, Extraction
        from ..extractors.textmode import split_units

        return Extraction(backend=self.name, blocks=[Block(u) for u in split_units(page.html)])


def _read_gold(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            return strip_unsafe(f.read())  # shown beside texts that lost them too
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        error(f"{path}: cannot read the gold text: {reason}")
        sys.exit(ExitStatus.USAGE)


def _run(result: Extraction, source: str) -> Extraction:
    """A backend's result, or exit 2 with one line when it failed."""
    if result.error:
        error(f"{source}: {result.backend} failed: {result.error}")
        sys.exit(ExitStatus.USAGE)
    if result.reason:
        error(f"{source}: {result.reason} ({result.backend})")
    return result


def _info(result: Extraction) -> dict[str, Any]:
    return {
        "backend": result.backend,
        "version": result.version,
        "seconds": round(result.seconds, 6),
    }


def _counts(blocks: Sequence[str]) -> dict[str, int]:
    return {"blocks": len(blocks), "words": sum(len(b.split()) for b in blocks)}


def _score(gold_diff: GoldDiff) -> str:
    s = gold_diff.score
    return f"P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}"


def _gold_header(source: str, sides: _Sides, gold_diff: GoldDiff) -> str:
    return (
        f"{sides.label_b} against gold {sides.info_a.get('file')} ({source}): "
        f"{_score(gold_diff)}; missed '-', extra '+'"
    )


# --------------------------------------------------------------------------- rendering


def _render(
    source: str,
    sides: _Sides,
    block_diff: BlockDiff,
    gold_diff: GoldDiff | None,
    side_by_side: bool | None,
    context: int,
) -> None:
    from ..extractors.unified import unified
    from .render import console, is_terminal

    if not is_terminal():
        if gold_diff is not None:
            click.echo("# " + _gold_header(source, sides, gold_diff))
        click.echo(unified(block_diff, sides.label_a, sides.label_b, context), nl=False)
        return

    out = console()
    if gold_diff is not None:
        out.print(_styled(_gold_header(source, sides, gold_diff), "bold"))
    if block_diff.same:
        out.print(_styled(block_diff.stat.summary(), NOTE))
        return
    if side_by_side is None and sides.mode == "stripped":
        _render_stripped(out, source, sides, block_diff, context)
    elif side_by_side or (side_by_side is None and out.width >= WIDE):
        _render_side_by_side(out, sides, block_diff, context)
    else:
        _render_unified(out, sides, block_diff, context)
    out.print(_styled(block_diff.stat.summary(), NOTE))


def _styled(text: str, style: str = "") -> Text:
    from rich.text import Text

    return Text(text, style=style)


def _marks(out: Console) -> bool:
    """Mark changed words with [-...-] and {+...+} when colours are off."""
    return bool(out.no_color) or out.color_system is None


def _words(words: Sequence[WordOp], side: str, marks: bool, base: str = "") -> Text:
    """One side of a changed block, its changed words highlighted."""
    from rich.text import Text

    text = Text(style=base)
    for w in words:
        if w.op == "equal":
            piece, style = w.text, ""
        elif w.op == "delete" and side == "a":
            piece, style = (f"[-{w.text}-]" if marks else w.text), DELETED_WORD
        elif w.op == "insert" and side == "b":
            piece, style = (f"{{+{w.text}+}}" if marks else w.text), INSERTED_WORD
        elif side == "both":
            if w.op == "delete":
                piece, style = (f"[-{w.text}-]" if marks else w.text), REMOVED
            else:
                piece, style = (f"{{+{w.text}+}}" if marks else w.text), INSERTED_WORD
        else:
            continue
        if len(text):
            text.append(" ")
        text.append(piece, style=style)
    return text


def _visible(ops: Sequence[DiffOp], context: int) -> Iterator[DiffOp | int]:
    """The ops to show: unchanged runs trimmed to ``context`` blocks next to each
    change; a trimmed stretch is yielded as the number of blocks left out."""
    from dataclasses import replace

    for k, op in enumerate(ops):
        if op.op != "equal":
            yield op
            continue
        n = op.a_end - op.a_start
        head = context if k > 0 else 0
        tail = context if k < len(ops) - 1 else 0
        if head + tail + 1 >= n:  # eliding one block saves nothing
            yield op
            continue
        if head:
            yield replace(
                op,
                a_end=op.a_start + head,
                b_end=op.b_start + head,
                a_text=op.a_text[:head],
                b_text=op.b_text[:head],
            )
        yield n - head - tail
        if tail:
            yield replace(
                op,
                a_start=op.a_end - tail,
                b_start=op.b_end - tail,
                a_text=op.a_text[n - tail :],
                b_text=op.b_text[n - tail :],
            )


def _skipped(n: int, what: str = "unchanged") -> Text:
    return _styled(f"⋯ {n} {what} block{'s' if n != 1 else ''} ⋯", NOTE)


def _render_side_by_side(out: Console, sides: _Sides, block_diff: BlockDiff, context: int) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    marks = _marks(out)
    t = Table(box=box.SIMPLE_HEAD, expand=True, header_style="bold", pad_edge=False)
    t.add_column(sides.label_a, ratio=1, overflow="fold")
    t.add_column("", width=1, no_wrap=True)
    t.add_column(sides.label_b, ratio=1, overflow="fold")

    def joined(texts: Sequence[str], style: str = "") -> Text:
        return Text("\n".join(texts), style=style)

    for op in _visible(block_diff.ops, context):
        if isinstance(op, int):
            t.add_row(_skipped(op), "", "")
        elif op.op == "equal":
            for ta, tb in zip(op.a_text, op.b_text, strict=True):
                t.add_row(Text(ta), " ", Text(tb))
        elif op.op == "delete":
            for ta in op.a_text:
                t.add_row(Text(ta, style=DELETED), "<", "")
        elif op.op == "insert":
            for tb in op.b_text:
                t.add_row("", ">", Text(tb, style=INSERTED))
        elif op.op == "replace":
            t.add_row(_words(op.words, "a", marks), "|", _words(op.words, "b", marks))
        elif op.op in ("split", "merge"):
            note = Text(f" ({op.op}: same words)", style=NOTE)
            t.add_row(joined(op.a_text), "|", joined(op.b_text).append_text(note))
        elif op.moved_out:
            left = _words(op.words, "a", marks, MOVED) if op.words else Text(op.a_text[0], MOVED)
            t.add_row(left, "<", Text(f"moved to block {(op.other or 0) + 1} ↓", style=NOTE))
        else:
            right = _words(op.words, "b", marks, MOVED) if op.words else Text(op.b_text[0], MOVED)
            t.add_row(Text(f"moved from block {(op.other or 0) + 1} ↑", style=NOTE), ">", right)
    out.print(t)


def _render_unified(out: Console, sides: _Sides, block_diff: BlockDiff, context: int) -> None:
    from rich.text import Text

    from ..extractors.unified import hunk_header, hunks

    marks = _marks(out)
    out.print(Text(f"--- a/{sides.label_a}", style="bold"))
    out.print(Text(f"+++ b/{sides.label_b}", style="bold"))
    for hunk in hunks(block_diff, context):
        out.print(Text(hunk_header(hunk), style="cyan"))
        for line in hunk:
            op = line.op
            if line.mark == " ":
                out.print(Text(" " + line.text))
                continue
            side, style = ("a", DELETED) if line.mark == "-" else ("b", INSERTED)
            text = Text(line.mark, style=style)
            if op.words and op.op in ("replace", "move"):
                text.append_text(_words(op.words, side, marks, style))
            else:
                text.append(line.text, style=style)
            if op.op == "move":
                where = "to" if line.mark == "-" else "from"
                text.append(f"  (moved {where} block {(op.other or 0) + 1})", style=NOTE)
            elif op.op in ("split", "merge"):
                text.append(f"  ({op.op})", style=NOTE)
            out.print(text)


def _render_stripped(
    out: Console, source: str, sides: _Sides, block_diff: BlockDiff, context: int
) -> None:
    """The page's full text in order: removed blocks dimmed and struck, kept ones
    plain, text the backend added (not in the full text) in green."""
    from rich.text import Text

    marks = _marks(out)
    kept = sum(len(t.split()) for t in sides.b)
    total = sum(len(t.split()) for t in sides.a)
    out.print(
        Text(
            f"{source}: {sides.label_b} kept {kept} of {total} words of the page "
            f"({sides.label_a}); removed text is struck",
            style="bold",
        )
    )
    for op in _visible(block_diff.ops, context):
        if isinstance(op, int):
            out.print(_skipped(op, "kept"))
        elif op.op in ("equal", "split", "merge"):
            for tb in op.b_text:
                out.print(Text("  " + tb))
        elif op.op == "delete":
            for ta in op.a_text:
                out.print(Text("- ", style="dim") + Text(ta, style=REMOVED))
        elif op.op == "insert":
            for tb in op.b_text:
                out.print(Text("+ " + tb, style=INSERTED))
        elif op.op == "replace":
            out.print(Text("~ ", style=MOVED) + _words(op.words, "both", marks))
        elif op.moved_out:
            note = Text(f"  (moved to block {(op.other or 0) + 1} of the extraction)", NOTE)
            out.print(Text("~ " + op.a_text[0], style=MOVED) + note)
        else:
            note = Text(f"  (block {(op.other or 0) + 1} of the page, moved here)", NOTE)
            out.print(Text("~ " + op.b_text[0], style=MOVED) + note)
