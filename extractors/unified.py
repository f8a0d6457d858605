"""A ``diffing.BlockDiff`` as a unified diff over blocks: one block per line
(whitespace runs collapsed), hunks with context as ``diff -U`` makes them, which
``patch`` applies (``unified``); the lines and hunks themselves for a renderer
(``line_ops``, ``hunks``, ``hunk_header``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .diffing import BlockDiff, DiffOp, normalize


def _range(start: int, stop: int) -> str:
    """A hunk range as ``diff -u`` writes it (1-based; the count left out when 1)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: ``mark`` is ' ', '-' or '+'; ``a_index`` and
    ``b_index`` are where the line stands on each side (for a '-' line the b index
    is the position reached in b, for a '+' line the other way round); ``op`` is
    the op it comes from."""

    mark: str
    a_index: int
    b_index: int
    text: str
    op: DiffOp


def line_ops(diff: BlockDiff) -> list[DiffLine]:
    """The diff as lines, one block per line (``normalize``\\ d): a changed block
    is a '-' line and a '+' line, a move a '-' line here and a '+' line there."""
    lines: list[DiffLine] = []
    for op in diff.ops:
        if op.op == "equal":
            for k in range(op.a_end - op.a_start):
                i, j = op.a_start + k, op.b_start + k
                lines.append(DiffLine(" ", i, j, normalize(diff.a[i]), op))
            continue
        for i in range(op.a_start, op.a_end):
            lines.append(DiffLine("-", i, op.b_start, normalize(diff.a[i]), op))
        for j in range(op.b_start, op.b_end):
            lines.append(DiffLine("+", op.a_end, j, normalize(diff.b[j]), op))
    return lines


def hunks(diff: BlockDiff, context: int = 3) -> list[list[DiffLine]]:
    """Groups of ``line_ops`` with up to ``context`` unchanged lines around each
    change, as in ``diff -U``: changes at most 2 * context lines apart share a
    hunk."""
    lines = line_ops(diff)
    changed = [k for k, line in enumerate(lines) if line.mark != " "]
    if not changed:
        return []
    context = max(0, context)
    groups: list[list[DiffLine]] = []
    start = max(0, changed[0] - context)
    end = min(len(lines), changed[0] + 1 + context)
    for k in changed[1:]:
        if k - context > end:
            groups.append(lines[start:end])
            start = k - context
        end = min(len(lines), k + 1 + context)
    groups.append(lines[start:end])
    return groups


def hunk_header(hunk: Sequence[DiffLine]) -> str:
    """``@@ -i,n +j,m @@`` for a hunk (1-based block numbers, as lines)."""
    a_lines = [line for line in hunk if line.mark != "+"]
    b_lines = [line for line in hunk if line.mark != "-"]
    a0 = a_lines[0].a_index if a_lines else hunk[0].a_index
    b0 = b_lines[0].b_index if b_lines else hunk[0].b_index
    return f"@@ -{_range(a0, a0 + len(a_lines))} +{_range(b0, b0 + len(b_lines))} @@"


def unified(diff: BlockDiff, label_a: str = "a", label_b: str = "b", context: int = 3) -> str:
    """A unified diff over blocks, one block per line (``normalize``\\ d), with
    ``context`` unchanged blocks around each change; empty when there is no
    difference. ``patch`` turns a file of a's lines into b's."""
    groups = hunks(diff, context)
    if not groups:
        return ""
    out = [f"--- a/{label_a}", f"+++ b/{label_b}"]
    for hunk in groups:
        out.append(hunk_header(hunk))
        out.extend(line.mark + line.text for line in hunk)
    return "\n".join(out) + "\n"
