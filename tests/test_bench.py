"""Gold sets, `unboil bench` and `unboil compare`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors.goldsets import GoldSetError, load_goldset

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed-independent.html"
BENCH = ROOT.parent / "shared" / "bench"
SCRAPINGHUB = BENCH / "scrapinghub"
MOZILLA = BENCH / "mozilla"
#: text dumps (``unboil -b alltext`` of three Scrapinghub pages, the seed text) + gold
TEXTGOLD = ROOT / "tests" / "data" / "textgold"


#: the tests that read the shared benchmark pages (CI has them at the same path)
needs_bench = pytest.mark.skipif(
    not (SCRAPINGHUB / "ground-truth.json").exists() or not MOZILLA.is_dir(),
    reason=f"no benchmark data at {BENCH}",
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def small_scrapinghub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six Scrapinghub pages in the Scrapinghub layout."""
    root = tmp_path_factory.mktemp("sh")
    (root / "html").mkdir()
    truth = json.loads((SCRAPINGHUB / "ground-truth.json").read_text("utf-8"))
    keep = sorted(truth)[:6]
    for key in keep:
        (root / "html" / f"{key}.html.gz").symlink_to(SCRAPINGHUB / "html" / f"{key}.html.gz")
    (root / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keep}))
    return root


@needs_bench
def test_goldset_layouts_are_recognised() -> None:
    sh = load_goldset(SCRAPINGHUB)
    assert sh.kind == "scrapinghub" and len(sh.pages) == 181
    assert sh.convention == {"title": False, "captions": False}
    assert sh.pages[0].read_bytes().lstrip()[:1] == b"<"
    moz = load_goldset(MOZILLA)
    assert moz.kind == "mozilla" and len(moz.pages) == 130
    assert moz.convention["captions"] is True
    assert all(p.text for p in moz.pages if not p.name[:3].isdigit())
    samples = load_goldset(SAMPLES)
    assert samples.kind == "pairs" and len(samples.pages) >= 6
    assert samples.convention == {"title": False, "captions": False}  # unboil-gold.toml
    seed = next(p for p in samples.pages if p.name == "seed-independent")
    assert seed.text and seed.text.startswith("North Korean leader")


def test_goldset_errors(tmp_path: Path) -> None:
    with pytest.raises(GoldSetError, match="no such file"):
        load_goldset(tmp_path / "nope")
    with pytest.raises(GoldSetError, match=r"no NAME\.html"):
        load_goldset(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(GoldSetError, match=r"bad\.json"):
        load_goldset(bad)


def _rows(stdout: str) -> dict[str, list[str]]:
    lines = [x for x in stdout.splitlines() if x and not x.startswith("#")]
    assert lines[0].split("\t") == ["backend", "version", "P", "R", "F1", "failed", "ms/page"]
    return {x.split("\t")[0]: x.split("\t") for x in lines[1:]}


def test_bench_table_on_samples() -> None:
    result = invoke("bench", str(SAMPLES), "-b", "trafilatura,alltext", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# samples: ")
    rows = _rows(result.stdout)
    assert set(rows) == {"trafilatura", "alltext"}
    # the all-text floor keeps everything: high recall, low precision
    assert float(rows["alltext"][3]) > 0.95 > float(rows["alltext"][2])
    assert float(rows["trafilatura"][4]) > float(rows["alltext"][4])
    assert rows["trafilatura"][5] == "0", result.stdout


@needs_bench
def test_bench_json_on_scrapinghub_pages_and_workers(small_scrapinghub: Path) -> None:
    one = invoke(
        "bench", str(small_scrapinghub), "-b", "trafilatura,readability", "--json", "-", "-j", "1"
    )
    two = invoke(
        "bench", str(small_scrapinghub), "-b", "trafilatura,readability", "--json", "-", "-j", "2"
    )
    assert one.exit_code == two.exit_code == 0
    data = json.loads(one.stdout)["goldsets"][0]
    assert data["kind"] == "scrapinghub" and data["pages"] == 6
    assert data["convention"] == {"title": False, "captions": False}
    results = {r["backend"]: r for r in data["results"]}
    assert results["trafilatura"]["f1"] > 0.85 and results["readability"]["f1"] > 0.8
    assert len(results["trafilatura"]["page_results"]) == 6
    assert results["trafilatura"]["version"]
    other = {r["backend"]: r["f1"] for r in json.loads(two.stdout)["goldsets"][0]["results"]}
    assert other == {k: v["f1"] for k, v in results.items()}  # same scores with 2 workers


def test_bench_with_without_segments(tmp_path: Path) -> None:
    gold = tmp_path / "segments.json"
    gold.write_text(
        json.dumps(
            [
                {
                    "file": str(SEED),
                    "with": [
                        "The reclusive leader called for “rapidly expanding production”",
                        "Mr Kim was seen firing at least two different scoped rifles",
                    ],
                    "without": ["We value your privacy", "Most popular"],
                }
            ]
        )
    )
    result = invoke("bench", str(gold), "-b", "trafilatura,alltext", "--json", "-")
    assert result.exit_code == 0, result.stderr
    res = {r["backend"]: r for r in json.loads(result.stdout)["goldsets"][0]["results"]}
    assert res["trafilatura"]["recall"] == 1.0 and res["trafilatura"]["precision"] == 1.0
    assert res["alltext"]["recall"] == 1.0 and res["alltext"]["precision"] < 1.0


def test_a_missing_page_of_a_gold_set_is_one_plain_error(tmp_path: Path) -> None:
    gold = tmp_path / "segments.json"
    gold.write_text(json.dumps([{"file": "missing.html", "with": ["x"], "without": []}]))
    result = CliRunner().invoke(cli, ["check", str(gold), "-b", "trafilatura", "--min-f1", "0.5"])
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert "missing.html" in result.stdout and "no such file" in result.stdout
    assert "Errno" not in result.stdout + result.stderr


def test_bench_unknown_backend_is_a_usage_error() -> None:
    result = invoke("bench", str(SAMPLES), "-b", "nope")
    assert result.exit_code == ExitStatus.USAGE
    assert "no backend named 'nope'" in result.stderr


def test_compare_table_and_json() -> None:
    result = invoke("compare", str(SEED), "-b", "trafilatura,readability,alltext")
    assert result.exit_code == 0, result.stderr
    lines = [x for x in result.stdout.splitlines() if x and not x.startswith("#")]
    assert lines[0].split("\t")[:4] == ["backend", "blocks", "words", "seconds"]
    rows = {x.split("\t")[0]: x.split("\t") for x in lines[1:4]}
    assert rows["trafilatura"][4] == "1.00"  # agreement with itself
    data = json.loads(
        invoke("compare", str(SEED), "-b", "trafilatura,readability,alltext", "--json", "-").stdout
    )
    backends = {b["backend"]: b for b in data["backends"]}
    assert set(backends) == {"trafilatura", "readability", "alltext"}
    tr, rd = backends["trafilatura"]["agreement"], backends["readability"]["agreement"]
    assert tr["readability"] == rd["trafilatura"] > tr["alltext"]
    assert backends["alltext"]["words"] > backends["trafilatura"]["words"]


def test_compare_bad_page(tmp_path: Path) -> None:
    result = invoke("compare", str(tmp_path / "nope.html"), "-b", "trafilatura")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert result.stderr.startswith(f"unboil: {tmp_path / 'nope.html'}: no such file")


@needs_bench
def test_bench_flags_consensus_figures_on_its_training_pages(small_scrapinghub: Path) -> None:
    result = invoke("bench", str(small_scrapinghub), "-b", "consensus", "--json", "-")
    data = json.loads(result.stdout)["goldsets"][0]
    assert data["notes"] == [
        "consensus was trained on 6 of these 6 pages: its figure here is not "
        "cross-validated (see benchmarks/CONSENSUS.md)"
    ]
    plain = invoke("bench", str(SAMPLES), "-b", "consensus", "--json", "-")
    assert json.loads(plain.stdout)["goldsets"][0]["notes"] == []


def test_text_goldset_layout(tmp_path: Path) -> None:
    gs = load_goldset(TEXTGOLD)
    assert gs.kind == "text" and len(gs.pages) == 4
    assert {p.input_format for p in gs.pages} == {"text"}
    seed = next(p for p in gs.pages if p.name == "seed-independent")
    assert seed.path.name == "seed-independent.txt"
    assert seed.text and seed.text.startswith("North Korean leader")
    # a gold file without its input, a folder that mixes HTML pages and text dumps
    (tmp_path / "lonely.gold.txt").write_text("The article.\n")
    with pytest.raises(GoldSetError, match=r"lonely\.gold\.txt: no text input lonely\.txt"):
        load_goldset(tmp_path)
    (tmp_path / "lonely.txt").write_text("The article.\n")
    (tmp_path / "page.html").write_text("<p>The article.</p>")
    with pytest.raises(GoldSetError, match="mixes HTML pages and text dumps"):
        load_goldset(tmp_path)


def test_bench_text_goldset_runs_text_mode() -> None:
    from unboil.extractors.scoring import evaluate

    result = invoke("bench", str(TEXTGOLD), "-b", "trafilatura,alltext", "--json", "-", "-j", "1")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["goldsets"][0]
    assert data["kind"] == "text" and data["pages"] == 4
    (res,) = data["results"]
    assert res["backend"] == "text" and res["failed"] == 0
    assert data["notes"][0] == (
        "text gold set: plain-text input, scored with the text backend only"
    )
    # cleaning beats keeping the whole dump, and the seed text is cleaned well
    everything = evaluate(
        (p.read_text("utf-8"), (TEXTGOLD / p.name.replace(".txt", ".gold.txt")).read_text("utf-8"))
        for p in sorted(TEXTGOLD.glob("*.txt"))
        if not p.name.endswith(".gold.txt")
    )
    assert res["f1"] > everything.f1 + 0.1 and res["precision"] > everything.precision
    pages = {p["name"]: p for p in res["page_results"]}
    assert pages["seed-independent"]["f1"] > 0.9
    table = invoke("bench", str(TEXTGOLD), "-j", "1", "-q")
    assert set(_rows(table.stdout)) == {"text"}


def test_bench_text_goldset_bad_input(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    for name in ("seed-independent.txt", "seed-independent.gold.txt"):
        (gold / name).write_bytes((TEXTGOLD / name).read_bytes())
    (gold / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (gold / "broken.gold.txt").write_text("Some article text.\n")
    data = json.loads(invoke("bench", str(gold), "--json", "-", "-j", "1").stdout)["goldsets"][0]
    (res,) = data["results"]
    assert res["failed"] == 1
    (broken,) = [p for p in res["page_results"] if p["error"]]
    assert broken["name"] == "broken" and "PNG" in broken["error"]


@needs_bench
def test_bench_flags_text_figures_on_its_training_pages(tmp_path: Path) -> None:
    from unboil.extractors import textmode

    truth = json.loads((SCRAPINGHUB / "ground-truth.json").read_text("utf-8"))
    held = set(textmode.model().meta["held_out_pages"])
    keys = sorted(held)[:2] + sorted(set(truth) - held)[:3]
    (tmp_path / "html").mkdir()
    for key in keys:
        (tmp_path / "html" / f"{key}.html.gz").symlink_to(SCRAPINGHUB / "html" / f"{key}.html.gz")
    (tmp_path / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keys}))
    data = json.loads(invoke("bench", str(tmp_path), "-b", "text", "--json", "-").stdout)
    assert data["goldsets"][0]["notes"] == [
        "text was trained on 3 of these 5 pages: its figure here is not "
        "cross-validated (see benchmarks/TEXT.md)"
    ]
    # the text dumps are recognised too: one of the four dumps is a training page
    notes = json.loads(invoke("bench", str(TEXTGOLD), "--json", "-").stdout)["goldsets"][0]["notes"]
    assert notes[1:] == [
        "text was trained on 1 of these 4 pages: its figure here is not "
        "cross-validated (see benchmarks/TEXT.md)"
    ]
    plain = json.loads(invoke("bench", str(SAMPLES), "-b", "text", "--json", "-").stdout)
    assert plain["goldsets"][0]["notes"] == []
