"""`unboil diff` and the diff library: ops on constructed texts, the unified form
(which `patch` applies), every mode on the seed sample, every source kind, JSON,
--stat and the exit statuses."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors import registry
from unboil.extractors.base import Backend, Block, Extraction, ExtractOptions
from unboil.extractors.diffing import (
    BlockDiff,
    diff_blocks,
    diff_gold,
    diff_words,
    gold_blocks,
    normalize,
)
from unboil.extractors.errors import UnboilError
from unboil.extractors.page import Page
from unboil.extractors.unified import unified

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed-independent.html"
SEED_GOLD = SAMPLES / "seed-independent.txt"

DONATION = "Your support helps us to tell the story"
COOKIES = "We value your privacy"
ARTICLE = "The reclusive leader called for “rapidly expanding production”"

P1 = "The council approved the footbridge after a long debate on Tuesday night."
P2 = "Work starts in spring and should take about eighteen months to finish."
P3 = "Residents asked for better lighting on the towpath leading to the bridge."
P4 = "The old crossing will stay open until the new bridge carries its first walkers."


def invoke(*args: str, input: bytes | str | None = None, **env: str) -> Result:
    return CliRunner().invoke(cli, ["diff", *args], input=input, env=env, catch_exceptions=False)


def kinds(diff: BlockDiff) -> list[str]:
    return [op.op for op in diff.ops]


def available(name: str) -> bool:
    try:
        registry.get(name)
    except UnboilError:
        return False
    return True


needs_consensus = pytest.mark.skipif(
    not available("consensus"), reason="the consensus backend is not registered/available"
)


def assert_tiles(diff: BlockDiff) -> None:
    """The ops walk both sides in order, and b can be rebuilt from them."""
    i = j = 0
    rebuilt: list[str] = []
    for op in diff.ops:
        assert (op.a_start, op.b_start) == (i, j), op
        assert op.a_end >= op.a_start and op.b_end >= op.b_start
        assert list(op.a_text) == list(diff.a[op.a_start : op.a_end])
        assert list(op.b_text) == list(diff.b[op.b_start : op.b_end])
        rebuilt.extend(op.b_text)
        i, j = op.a_end, op.b_end
    assert (i, j) == (len(diff.a), len(diff.b))
    assert rebuilt == list(diff.b)


def apply_unified(a: Sequence[str], patch: str) -> list[str]:
    """A minimal `patch`: apply a unified diff to lines, checking context."""
    out: list[str] = []
    pos = 0
    lines = patch.splitlines()
    if not lines:
        return list(a)
    assert lines[0].startswith("--- a/") and lines[1].startswith("+++ b/")
    for line in lines[2:]:
        if line.startswith("@@"):
            old = line.split()[1][1:]
            start = int(old.split(",")[0])
            count = int(old.split(",")[1]) if "," in old else 1
            target = start - 1 if count else start
            out.extend(a[pos:target])
            pos = target
        elif line.startswith(" "):
            assert a[pos] == line[1:]
            out.append(a[pos])
            pos += 1
        elif line.startswith("-"):
            assert a[pos] == line[1:]
            pos += 1
        elif line.startswith("+"):
            out.append(line[1:])
    return out + list(a[pos:])


# --- ops on constructed texts ---------------------------------------------------------


def test_identical_blocks_are_the_same() -> None:
    diff = diff_blocks([P1, P2], [P1, "  " + P2.replace(" ", "\n ", 2)])
    assert diff.same
    assert kinds(diff) == ["equal"]
    assert diff.stat.summary() == "no differences (2 blocks)"
    assert unified(diff) == ""


@pytest.mark.parametrize(
    ("a", "b", "ops"),
    [([], [], []), ([], [P1, P2], ["insert"]), ([P1, P2], [], ["delete"])],
)
def test_empty_sides(a: list[str], b: list[str], ops: list[str]) -> None:
    diff = diff_blocks(a, b)
    assert kinds(diff) == ops
    assert diff.same == (not ops)
    assert_tiles(diff)


def test_deleted_and_inserted_blocks() -> None:
    diff = diff_blocks([P1, P2, P3], [P1, P3, P4])
    assert kinds(diff) == ["equal", "delete", "equal", "insert"]
    stat = diff.stat
    assert (stat.added, stat.removed, stat.equal) == (1, 1, 2)
    assert stat.words_removed == len(P2.split()) and stat.words_added == len(P4.split())


def test_moved_block() -> None:
    diff = diff_blocks([P1, P2, P3, P4], [P2, P3, P4, P1])
    assert kinds(diff) == ["move", "equal", "move"]
    out, into = diff.ops[0], diff.ops[2]
    assert (out.a_start, out.a_end, out.other) == (0, 1, 3)
    assert (into.b_start, into.b_end, into.other) == (3, 4, 0)
    assert out.moved_out and not into.moved_out
    assert not out.words  # moved unchanged
    assert diff.stat.moved == 1 and diff.stat.removed == diff.stat.added == 0
    assert out.to_dict()["to"] == 3 and into.to_dict()["from"] == 0
    assert_tiles(diff)


def test_moved_and_slightly_changed_block() -> None:
    changed = P1.replace("Tuesday", "Monday")
    diff = diff_blocks([P1, P2, P3, P4], [P2, P3, P4, changed])
    assert kinds(diff) == ["move", "equal", "move"]
    words = [(w.op, w.text) for w in diff.ops[2].words]
    assert ("delete", "Tuesday") in words and ("insert", "Monday") in words
    assert diff.stat.words_added == diff.stat.words_removed == 1


def test_repeated_blocks_never_move() -> None:
    diff = diff_blocks(["Share", P1, "Share", "Share"], ["Share", "Share", "Share"])
    assert kinds(diff) == ["equal", "delete", "equal"]
    diff = diff_blocks(["Share", P1, P2, "Share"], ["Share", P2, "Share", P1, "Share"])
    assert "move" in kinds(diff)  # P1 moves; the copies of "Share" do not
    assert all(op.a_text != ("Share",) for op in diff.ops if op.op == "move")


def test_changed_block_has_word_ops() -> None:
    a = "The council approved the footbridge after a long debate on Tuesday night."
    b = "The county council approved the new footbridge after a debate on Tuesday."
    diff = diff_blocks([P2, a, P3], [P2, b, P3])
    assert kinds(diff) == ["equal", "replace", "equal"]
    words = [(w.op, w.text) for w in diff.ops[1].words]
    assert words == [
        ("equal", "The"),
        ("insert", "county"),
        ("equal", "council approved the"),
        ("insert", "new"),
        ("equal", "footbridge after a"),
        ("delete", "long"),
        ("equal", "debate on"),
        ("delete", "Tuesday night."),
        ("insert", "Tuesday."),
    ]
    assert diff.stat.changed == 1
    assert (diff.stat.words_added, diff.stat.words_removed) == (3, 3)


def test_dissimilar_blocks_stay_delete_and_insert() -> None:
    diff = diff_blocks([P1, P2, P4], [P1, P3, P4])
    assert kinds(diff) == ["equal", "delete", "insert", "equal"]


def test_changed_blocks_pair_with_their_best_match_in_order() -> None:
    a = [P1, P2, P3]
    b = [P1.replace("long", "short"), "Totally new text here.", P3.replace("better", "more")]
    diff = diff_blocks(a, b)
    assert kinds(diff) == ["replace", "delete", "insert", "replace"]
    assert_tiles(diff)


def test_split_block() -> None:
    diff = diff_blocks([P4, P1 + " " + P2, P3], [P4, P1, P2, P3])
    assert kinds(diff) == ["equal", "split", "equal"]
    op = diff.ops[1]
    assert (op.a_start, op.a_end, op.b_start, op.b_end) == (1, 2, 1, 3)
    assert diff.stat.split == 1 and not diff.stat.words_added and not diff.stat.words_removed


def test_merged_blocks() -> None:
    diff = diff_blocks([P1, P2, P3, P4], [P1, P2 + "\n" + P3 + " " + P4])
    assert kinds(diff) == ["equal", "merge"]
    op = diff.ops[1]
    assert (op.a_start, op.a_end, op.b_start, op.b_end) == (1, 4, 1, 2)
    assert diff.stat.merged == 1


def test_diff_words() -> None:
    assert [(w.op, w.text) for w in diff_words("a b c", "a x c")] == [
        ("equal", "a"),
        ("delete", "b"),
        ("insert", "x"),
        ("equal", "c"),
    ]
    assert diff_words("", "") == ()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from([P1, P2, P3, P4, "Share", P1 + " " + P2, "x y z"]), max_size=12),
    st.lists(st.sampled_from([P1, P2, P3, P4, "Share", P2.replace("spring", "May")]), max_size=12),
)
def test_ops_tile_both_sides_and_the_unified_diff_applies(a: list[str], b: list[str]) -> None:
    diff = diff_blocks(a, b)
    assert_tiles(diff)
    assert diff.same == ([normalize(t) for t in a] == [normalize(t) for t in b])
    for context in (0, 1, 3):
        assert apply_unified([normalize(t) for t in a], unified(diff, context=context)) == [
            normalize(t) for t in b
        ]


# --- the unified form -----------------------------------------------------------------


def test_unified_format_exactly() -> None:
    a = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    b = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    b[1] = "two and a half"
    diff = diff_blocks(a, b)
    assert unified(diff, "alltext", "trafilatura", context=1) == (
        "--- a/alltext\n"
        "+++ b/trafilatura\n"
        "@@ -1,3 +1,3 @@\n"
        " one\n"
        "-two\n"
        "+two and a half\n"
        " three\n"
        "@@ -9 +9,2 @@\n"
        " nine\n"
        "+ten\n"
    )
    assert unified(diff, context=0).splitlines()[2:] == [
        "@@ -2 +2 @@",
        "-two",
        "+two and a half",
        "@@ -9,0 +10 @@",
        "+ten",
    ]
    # changes at most 2 * context blocks apart share one hunk, as with diff -U
    assert unified(diff, context=3).count("@@ ") == 2
    assert unified(diff, context=4).count("@@ ") == 1


def test_unified_one_block_per_line() -> None:
    diff = diff_blocks(["a\nmultiline\n\n block"], ["other"])
    assert "-a multiline block\n" in unified(diff)


@pytest.mark.skipif(shutil.which("patch") is None, reason="no patch program")
def test_patch_applies_the_unified_diff(tmp_path: Path) -> None:
    a = [P1, P2, P3, "Share", P4, "Read more"]
    b = [P2, P3.replace("lighting", "lamps"), "Share", P4, P1, "A new closing line."]
    (tmp_path / "a.txt").write_text("\n".join(a) + "\n", "utf-8")
    (tmp_path / "d.patch").write_text(unified(diff_blocks(a, b)), "utf-8")
    subprocess.run(
        ["patch", "-s", "-o", str(tmp_path / "b.txt"), str(tmp_path / "a.txt")],
        stdin=(tmp_path / "d.patch").open("rb"),
        check=True,
    )
    assert (tmp_path / "b.txt").read_text("utf-8").splitlines() == b


# --- gold -----------------------------------------------------------------------------


def test_gold_blocks() -> None:
    assert gold_blocks("a b\n\n  \nc\nd\n\n") == ["a b", "c\nd"]
    assert gold_blocks("one\ntwo\r\nthree") == ["one", "two", "three"]
    assert gold_blocks("") == []


def test_diff_gold_missed_and_extra() -> None:
    gold = f"{P1}\n\n{P2}\n\n{P3}\n"
    result = diff_gold([P1, "Subscribe now!", P3.replace("the bridge", "it")], gold)
    assert P2 in result.missed and "the bridge." in result.missed
    assert "Subscribe now!" in result.extra and "it." in result.extra
    assert 0 < result.score.precision < 1 and 0 < result.score.recall < 1
    d = result.to_dict()
    assert {"precision", "recall", "f1", "missed", "extra", "same", "stat", "ops"} <= set(d)


# --- the command on the seed sample ----------------------------------------------------


def lines_starting(out: str, mark: str) -> list[str]:
    return [line[1:] for line in out.splitlines() if line.startswith(mark)]


def test_two_backends_plain_unified_when_piped() -> None:
    result = invoke(str(SEED), "-a", "readability", "-b", "trafilatura")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    out = result.stdout
    assert out.startswith("--- a/readability\n+++ b/trafilatura\n@@ -1")
    assert "Read more" in lines_starting(out, "-")
    assert "\x1b[" not in out
    for line in out.splitlines():
        assert line[:1] in {"-", "+", " ", "@"}


def test_same_backend_twice_exits_0_with_no_output() -> None:
    result = invoke(str(SEED), "-a", "trafilatura", "-b", "trafilatura")
    assert result.exit_code == ExitStatus.OK
    assert result.stdout == ""


def test_stripped_marks_the_cookie_banner_as_removed() -> None:
    result = invoke(str(SEED), "--stripped", "-b", "trafilatura")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    removed = lines_starting(result.stdout, "-")
    kept = lines_starting(result.stdout, " ")
    assert COOKIES in removed
    assert any(line.startswith(ARTICLE) for line in kept)
    # the whole page by default: one hunk, every block of alltext on a line
    assert result.stdout.count("\n@@ ") == 1


@needs_consensus
def test_stripped_consensus_removes_the_donation_appeal() -> None:
    result = invoke(str(SEED), "--stripped", "-b", "consensus")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert DONATION in lines_starting(result.stdout, "-")
    assert any(line.startswith(ARTICLE) for line in lines_starting(result.stdout, " "))


def test_gold_shows_the_donation_appeal_as_extra_with_a_score_header() -> None:
    result = invoke(str(SEED), "--gold", str(SEED_GOLD), "-b", "readability")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    header, *rest = result.stdout.splitlines()
    assert header.startswith("# readability against gold ")
    for key in ("P=", "R=", "F1="):
        assert key in header
    assert rest[:2] == ["--- a/gold", "+++ b/readability"]
    assert DONATION in lines_starting(result.stdout, "+")
    assert not lines_starting("\n".join(rest[2:]), "-")  # readability misses nothing


def test_against_gold_the_words_decide_the_exit_status(tmp_path: Path) -> None:
    """The same words in other paragraphs: shown as a split, but not a difference."""
    gold = [b for b in SEED_GOLD.read_text("utf-8").split("\n\n") if b.strip()]
    joined = tmp_path / "joined.txt"  # two gold paragraphs as one
    joined.write_text("\n\n".join([gold[0] + " " + gold[1], *gold[2:]]) + "\n", "utf-8")
    result = invoke(str(SEED), "--gold", str(joined), "-b", "consensus", "--stat")
    assert "1 split" in result.stdout and "F1=1.000" in result.stdout
    assert result.exit_code == ExitStatus.OK
    shorter = tmp_path / "shorter.txt"  # a paragraph the extraction has and gold lacks
    shorter.write_text("\n\n".join(gold[1:]) + "\n", "utf-8")
    result = invoke(str(SEED), "--gold", str(shorter), "-b", "consensus", "--stat")
    assert result.exit_code == ExitStatus.CHECK_FAILED


def test_context_option() -> None:
    full = invoke(str(SEED), "--stripped", "-b", "trafilatura")
    short = invoke(str(SEED), "--stripped", "-b", "trafilatura", "-U", "0")
    assert not lines_starting(short.stdout, " ")
    assert lines_starting(short.stdout, "-") == lines_starting(full.stdout, "-")
    assert short.stdout.count("\n@@ ") >= 2


def test_stat_is_one_line() -> None:
    result = invoke(str(SEED), "--stripped", "-b", "trafilatura", "--stat")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert result.stdout.count("\n") == 1
    assert "removed" in result.stdout and "words: +" in result.stdout
    gold = invoke(str(SEED), "--gold", str(SEED_GOLD), "-b", "trafilatura", "--stat")
    assert gold.stdout.count("\n") == 1 and "F1=" in gold.stdout
    same = invoke(str(SEED), "-a", "readability", "-b", "readability", "--stat")
    assert same.exit_code == ExitStatus.OK and "no differences" in same.stdout


def test_json_schema() -> None:
    result = invoke(str(SEED), "-a", "readability", "-b", "trafilatura", "--json", "-")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    doc = json.loads(result.stdout)
    assert set(doc) == {"source", "mode", "a", "b", "same", "stat", "ops"}
    assert doc["mode"] == "backends" and doc["same"] is False
    assert doc["a"]["label"] == doc["a"]["backend"] == "readability"
    assert {"label", "backend", "version", "seconds", "blocks", "words"} <= set(doc["b"])
    for op in doc["ops"]:
        assert op["op"] in {"equal", "delete", "insert", "replace", "split", "merge", "move"}
        assert {"op", "a", "b", "a_text", "b_text"} <= set(op)
        assert op["a"][1] - op["a"][0] == len(op["a_text"])
    assert sum(len(op["b_text"]) for op in doc["ops"]) == doc["b"]["blocks"]
    assert doc["stat"]["removed"] == 3

    gold = json.loads(
        invoke(str(SEED), "--gold", str(SEED_GOLD), "-b", "trafilatura", "--json", "-").stdout
    )
    assert gold["mode"] == "gold" and gold["a"]["label"] == "gold"
    assert {"precision", "recall", "f1", "missed", "extra"} <= set(gold)
    assert any(DONATION in text for text in gold["extra"])
    # the default backend (consensus) drops the donation appeal trafilatura keeps
    default = json.loads(invoke(str(SEED), "--gold", str(SEED_GOLD), "--json", "-").stdout)
    assert default["b"]["backend"] == "consensus"
    assert not any(DONATION in text for text in default["extra"])
    assert default["f1"] > gold["f1"]


# --- sources --------------------------------------------------------------------------


def test_stdin_source() -> None:
    piped = invoke("-", "--stripped", "-b", "trafilatura", input=SEED.read_bytes())
    from_file = invoke(str(SEED), "--stripped", "-b", "trafilatura")
    assert piped.exit_code == ExitStatus.CHECK_FAILED
    assert piped.stdout == from_file.stdout


def test_url_source(http_server: Any) -> None:
    url = http_server.add("/seed.html", SEED.read_bytes())
    result = invoke(url, "--allow-private", "--stripped", "-b", "trafilatura", "--stat")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert result.stdout.startswith(f"{url}: alltext -> trafilatura: blocks:")
    assert http_server.hits("/seed.html") == 1  # loaded once for both sides


# --- trouble: exit 2 -------------------------------------------------------------------


def assert_trouble(result: Result, *words: str) -> None:
    assert result.exit_code == ExitStatus.USAGE, result.output
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_unreadable_page_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"
    result = invoke(str(missing))
    assert_trouble(result, str(missing))
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert_trouble(invoke(str(tmp_path / "x.png")))


def test_unknown_backend_exits_2() -> None:
    assert_trouble(invoke(str(SEED), "-b", "no-such-backend"), "no-such-backend")
    assert_trouble(invoke(str(SEED), "-a", "no-such-backend"), "no-such-backend")


def test_missing_gold_file_exits_2(tmp_path: Path) -> None:
    result = invoke(str(SEED), "--gold", str(tmp_path / "gold.txt"))
    assert_trouble(result, "gold.txt", "cannot read the gold text")
    assert len(result.stderr.strip().splitlines()) == 1


def test_conflicting_options_exit_2() -> None:
    assert_trouble(invoke(str(SEED), "--gold", str(SEED_GOLD), "--stripped"))
    assert_trouble(invoke(str(SEED), "--gold", str(SEED_GOLD), "-a", "alltext"))
    assert_trouble(invoke(str(SEED), "--stat", "--json", "-"))


class _Broken(Backend):
    name = "broken-test"

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        raise RuntimeError("exploded on this page")


class _Fixed(Backend):
    """Returns ``blocks`` whatever the page."""

    name = "fixed-a"
    blocks: ClassVar[list[str]] = []

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        return Extraction(self.name, blocks=[Block(t) for t in self.blocks])


class _FixedA(_Fixed):
    name = "fixed-a"
    blocks: ClassVar[list[str]] = [P1, P2, "The bridge opens to walkers in the spring.", P4]


class _FixedB(_Fixed):
    name = "fixed-b"
    blocks: ClassVar[list[str]] = [P2, "The bridge opens to cyclists in the autumn.", P4, P1]


@pytest.fixture
def fakes() -> Iterator[None]:
    for cls in (_Broken, _FixedA, _FixedB):
        registry.register(cls)
    yield
    for cls in (_Broken, _FixedA, _FixedB):
        registry.unregister(cls.name)


def test_failing_backend_exits_2_with_one_line(fakes: None) -> None:
    result = invoke(str(SEED), "-a", "broken-test", "-b", "trafilatura")
    assert_trouble(result, "broken-test failed: RuntimeError: exploded on this page")
    assert len(result.stderr.strip().splitlines()) == 1


# --- rich rendering (forced with --color) ----------------------------------------------


def test_side_by_side_on_a_wide_terminal(fakes: None) -> None:
    result = invoke(str(SEED), "-a", "fixed-a", "-b", "fixed-b", "--color", COLUMNS="160")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    out = result.stdout
    assert "\x1b[" in out and "fixed-a" in out and "fixed-b" in out
    assert "moved to block 4" in out and "moved from block 1" in out
    assert "---" not in out.split("fixed-a")[0]  # a table, not a unified diff


def test_word_marks_without_colour(fakes: None) -> None:
    result = invoke(
        str(SEED), "-a", "fixed-a", "-b", "fixed-b", "--color", NO_COLOR="1", COLUMNS="200"
    )
    out = result.stdout
    assert "[-walkers-]" in out and "{+cyclists+}" in out
    assert "\x1b[31m" not in out  # no red


@pytest.mark.parametrize("where", ["before", "after"])
def test_no_color_on_a_terminal(fakes: None, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """--no-color before or after the command name, stdout a terminal: no colour, word
    marks instead (the option's False was dropped: the diff came out in colour)."""
    from unboil.cli import render

    monkeypatch.setattr(render, "is_terminal", lambda stderr=False: True)
    args = ["--no-color", "diff"] if where == "before" else ["diff", "--no-color"]
    args += [str(SEED), "-a", "fixed-a", "-b", "fixed-b", "--unified"]
    env = {"COLUMNS": "200", "FORCE_COLOR": "1"}  # rich: as on a terminal
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    out = result.stdout
    assert "@@ " in out and "[-walkers-]" in out
    assert "\x1b[3" not in out  # no foreground colour


def test_unified_layout_on_a_terminal(fakes: None) -> None:
    result = invoke(
        str(SEED), "-a", "fixed-a", "-b", "fixed-b", "--color", "--unified", COLUMNS="200"
    )
    out = result.stdout
    assert "--- a/fixed-a" in out and "@@ " in out and "(moved to block 4)" in out


def test_stripped_audit_view_on_a_terminal() -> None:
    result = invoke(str(SEED), "--stripped", "-b", "trafilatura", "--color", COLUMNS="200")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    out = result.stdout
    assert "trafilatura kept" in out
    banner = next(line for line in out.splitlines() if COOKIES in line)
    assert "\x1b[2;9m" in banner  # dim + strike
    assert any(ARTICLE in line and "\x1b[9m" not in line for line in out.splitlines())


def test_help_lists_diff() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "diff" in result.stdout
    result = CliRunner().invoke(cli, ["diff", "--help"])
    assert result.exit_code == 0 and "--stripped" in result.stdout
