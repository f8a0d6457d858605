"""``unboil check``: thresholds, baseline, reports, config precedence, the agreement
canary and exit statuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from goldsets import PAIR, make_gold

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors.baseline import Baseline
from unboil.extractors.check import NOISE
from unboil.extractors.config import find_config_files, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
UNBOIL = Path(sys.executable).with_name("unboil")


#: the backend whose figures on these pages the tests were written with (``check``'s
#: default is consensus, which scores 1 on both)
TRAF = ("-b", "trafilatura")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder (a repository root, so that no config file above it
    is found), the current directory, with a two-page gold set in gold/."""
    (tmp_path / ".git").mkdir()
    make_gold(tmp_path / "gold")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- thresholds ---------------------------------------------------------------------

KINDS = ["f1", "precision", "recall", "page-f1", "page-precision", "page-recall"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_threshold_passes_and_fails(project: Path, kind: str) -> None:
    ok = invoke("gold", *TRAF, f"--min-{kind}", "0.5")
    assert ok.exit_code == ExitStatus.OK, ok.output
    assert "unboil check: passed" in ok.stdout
    bad = invoke("gold", *TRAF, f"--min-{kind}", "0.999")
    assert bad.exit_code == ExitStatus.CHECK_FAILED, bad.output
    rule = f"min_{kind.replace('-', '_')}"
    fails = [x for x in bad.stdout.splitlines() if x.startswith("FAIL ")]
    assert fails and all(rule in x for x in fails)
    if kind.startswith("page"):
        failing = {x.split()[1].split(":")[1] for x in fails}
        # seed-independent's recall is 1
        assert failing == ({PAIR[1]} if kind == "page-recall" else set(PAIR))
    else:
        assert fails == [x for x in fails if x.startswith("FAIL gold (overall) [trafilatura]")]
    assert "unboil check: FAILED" in bad.stdout


def test_a_page_that_fails_to_load_fails_the_check(project: Path) -> None:
    (project / "gold" / "broken.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (project / "gold" / "broken.txt").write_text("Some gold text for a page that is not HTML.\n")
    result = invoke("gold", "--min-f1", "0.1")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert "FAIL gold:broken [consensus] error" in result.stdout  # the default backend


TEXTGOLD = ROOT / "tests" / "data" / "textgold"


def test_a_text_gold_set_is_checked_with_text_mode(project: Path) -> None:
    ok = invoke(str(TEXTGOLD), "--min-f1", "0.8", "--json", "report.json")
    assert ok.exit_code == ExitStatus.OK, ok.output
    assert "text gold set: plain-text input, scored with the text backend only" in ok.stderr
    report = json.loads((project / "report.json").read_text())
    (gold,) = report["goldsets"]
    assert gold["kind"] == "text" and [r["backend"] for r in gold["results"]] == ["text"]
    assert any("text gold set" in note for note in report["notes"])
    bad = invoke(str(TEXTGOLD), "--min-page-f1", "0.999")
    assert bad.exit_code == ExitStatus.CHECK_FAILED
    fails = [x for x in bad.stdout.splitlines() if x.startswith("FAIL ")]
    assert fails and all("[text] f1" in x for x in fails)
    # a baseline is recorded and met
    assert invoke(str(TEXTGOLD), "--baseline", "b.json", "--update-baseline").exit_code == 0
    again = invoke(str(TEXTGOLD), "--baseline", "b.json")
    assert again.exit_code == ExitStatus.OK, again.output


def test_a_text_gold_file_without_its_input_is_a_usage_error(project: Path) -> None:
    (project / "tg").mkdir()
    (project / "tg" / "page.gold.txt").write_text("The article.\n")
    result = invoke("tg", "--min-f1", "0.5")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.strip().splitlines() == [
        f"unboil: {Path('tg') / 'page.gold.txt'}: no text input page.txt next to it"
    ]


# -- reports ------------------------------------------------------------------------

# A JUnit XML schema (the structure CI servers read: testsuites > testsuite >
# testcase > failure/error/skipped), written for this test.
JUNIT_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:complexType name="result" mixed="true">
    <xs:attribute name="message" type="xs:string"/>
    <xs:attribute name="type" type="xs:string"/>
  </xs:complexType>
  <xs:element name="testcase">
    <xs:complexType>
      <xs:sequence>
        <xs:choice minOccurs="0" maxOccurs="unbounded">
          <xs:element name="skipped" type="result"/>
          <xs:element name="error" type="result"/>
          <xs:element name="failure" type="result"/>
        </xs:choice>
        <xs:element name="system-out" type="xs:string" minOccurs="0"/>
        <xs:element name="system-err" type="xs:string" minOccurs="0"/>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="classname" type="xs:string"/>
      <xs:attribute name="time" type="xs:decimal"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="testsuite">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="properties" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="property" minOccurs="0" maxOccurs="unbounded">
                <xs:complexType>
                  <xs:attribute name="name" type="xs:string" use="required"/>
                  <xs:attribute name="value" type="xs:string" use="required"/>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element ref="testcase" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="system-out" type="xs:string" minOccurs="0"/>
        <xs:element name="system-err" type="xs:string" minOccurs="0"/>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
      <xs:attribute name="timestamp" type="xs:dateTime"/>
      <xs:attribute name="hostname" type="xs:string"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="testsuites">
    <xs:complexType>
      <xs:sequence>
        <xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def test_junit_json_and_markdown_reports(project: Path) -> None:
    import junitparser
    import xmlschema

    result = invoke(
        "gold",
        "-b",
        "trafilatura,alltext",
        "--min-page-f1",
        "0.9",
        "--junit",
        "out/junit.xml",
        "--json",
        "out/report.json",
        "--markdown",
        "out/comment.md",
    )
    assert result.exit_code == ExitStatus.CHECK_FAILED
    xml = project / "out" / "junit.xml"
    xmlschema.XMLSchema(JUNIT_XSD).validate(str(xml))

    suites = {s.name: s for s in junitparser.JUnitXml.fromfile(str(xml))}
    assert set(suites) == {"gold [trafilatura]", "gold [alltext]", "overall"}
    for backend in ("trafilatura", "alltext"):
        suite = suites[f"gold [{backend}]"]
        cases = {c.name: c for c in suite}
        assert len(list(suite)) == suite.tests == 2
        assert set(cases) == set(PAIR)  # one case per page
        assert all(c.classname == f"unboil.check.gold.{backend}" for c in cases.values())
    traf = {c.name: c for c in suites["gold [trafilatura]"]}
    assert traf["news-hollinbridge-footbridge"].is_passed
    (failure,) = traf["seed-independent"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "f1 0.8576 is below min_page_f1 0.9"
    assert failure.type == "min_page_f1"
    assert suites["gold [alltext]"].failures == 2  # the all-text floor fails both pages

    report = json.loads((project / "out" / "report.json").read_text())
    assert report["passed"] is False and report["noise"] == NOISE
    assert report["settings"]["min_page_f1"] == 0.9
    assert {f["page"] for f in report["failures"]} == {*PAIR}
    results = {r["backend"]: r for r in report["goldsets"][0]["results"]}
    pages = {p["page"]: p for p in results["trafilatura"]["pages"]}
    assert pages["seed-independent"]["passed"] is False
    assert pages["news-hollinbridge-footbridge"]["f1"] > 0.9

    md = (project / "out" / "comment.md").read_text()
    assert md.startswith("### ❌ unboil check failed: 3 failures")
    assert "| gold | seed-independent | trafilatura | f1 | 0.8576 | 0.9000 | **-0.0424** |" in md
    assert "| gold set | backend | version | P | R | F1 | baseline F1 | Δ F1 | failures |" in md


def test_terminal_output_is_a_table_with_page_failures_first(project: Path) -> None:
    result = invoke("gold", *TRAF, "--min-f1", "0.99", "--min-page-f1", "0.9", "--color")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    out = result.stdout
    assert "failures (pages first)" in out and "\x1b[" in out
    assert out.index("seed-independent") < out.index("(overall)")
    assert "scores" in out and "unboil check FAILED: 2 failures" in out


# -- baseline -----------------------------------------------------------------------


def test_baseline_written_then_compared_and_gold_edits_noticed(project: Path) -> None:
    base = project / "baseline.json"
    made = invoke("gold", *TRAF, "--baseline", str(base), "--update-baseline")
    assert made.exit_code == ExitStatus.OK, made.output
    data = json.loads(base.read_text())
    assert data["schema"] == 1
    entry = data["goldsets"]["gold"]  # relative to the baseline's folder
    assert entry["digest"].startswith("sha256:") and entry["pages"] == 2
    traf = entry["backends"]["trafilatura"]
    assert traf["version"] and set(traf["pages"]) == set(PAIR)
    assert set(traf["pages"]["seed-independent"]) == {"f1", "precision", "recall"}
    assert not list(project.glob(".baseline.json.*"))  # written atomically

    assert invoke("gold", *TRAF, "--baseline", str(base)).exit_code == ExitStatus.OK
    # the same figures from another folder: gold and baseline paths relative to it
    (project / "sub").mkdir()
    os.chdir(project / "sub")
    assert invoke("../gold", *TRAF, "--baseline", "../baseline.json").exit_code == ExitStatus.OK
    os.chdir(project)

    gold_txt = project / "gold" / "seed-independent.txt"
    gold_txt.write_text(gold_txt.read_text() + "\nOne more paragraph of gold.\n")
    changed = invoke("gold", *TRAF, "--baseline", str(base))
    assert changed.exit_code == ExitStatus.CHECK_FAILED
    changed_note = "gold set changed since the baseline: record it again (update_baseline)"
    assert changed_note in changed.stdout
    redo = invoke("gold", *TRAF, "--baseline", str(base), "--update-baseline")
    assert redo.exit_code == ExitStatus.OK
    assert "recorded afresh" in redo.stderr
    assert invoke("gold", *TRAF, "--baseline", str(base)).exit_code == ExitStatus.OK


def test_noise_margin_and_drop_limits(project: Path) -> None:
    base = project / "baseline.json"
    assert invoke("gold", *TRAF, "--baseline", str(base), "--update-baseline").exit_code == 0
    original = json.loads(base.read_text())

    def with_recorded_f1(page_f1: float | None = None, overall: float | None = None) -> None:
        data = json.loads(json.dumps(original))
        traf = data["goldsets"]["gold"]["backends"]["trafilatura"]
        if page_f1 is not None:
            traf["pages"]["seed-independent"]["f1"] = page_f1
        if overall is not None:
            traf["f1"] = overall
        base.write_text(json.dumps(data))

    traf = original["goldsets"]["gold"]["backends"]["trafilatura"]
    page, overall = traf["pages"]["seed-independent"]["f1"], traf["f1"]
    # a drop of exactly max_page_drop plus less than the noise margin passes
    with_recorded_f1(page_f1=page + 0.05 + NOISE * 0.8)
    assert invoke("gold", *TRAF, "--baseline", str(base)).exit_code == ExitStatus.OK
    with_recorded_f1(page_f1=page + 0.05 + NOISE * 2)
    failed = invoke("gold", *TRAF, "--baseline", str(base))
    assert failed.exit_code == ExitStatus.CHECK_FAILED
    assert "FAIL gold:seed-independent [trafilatura] f1 drop" in failed.stdout
    assert "max_page_drop 0.05" in failed.stdout
    # a larger allowance from the flag
    assert invoke("gold", *TRAF, "--baseline", str(base), "--max-page-drop", "0.1").exit_code == 0
    # overall F1: max_drop 0.01
    with_recorded_f1(overall=overall + 0.01 + NOISE * 0.8)
    assert invoke("gold", *TRAF, "--baseline", str(base)).exit_code == ExitStatus.OK
    with_recorded_f1(overall=overall + 0.02)
    failed = invoke("gold", *TRAF, "--baseline", str(base))
    assert failed.exit_code == ExitStatus.CHECK_FAILED
    assert "FAIL gold (overall) [trafilatura] f1 drop (-0.0200)" in failed.stdout


def _write_plugin(folder: Path, version: str, *, worse: bool) -> None:
    """A third-party backend registered through the entry-point group: trafilatura,
    or (``worse``) only the first half of trafilatura's blocks."""
    keep = "blocks[: len(blocks) // 2]" if worse else "blocks"
    (folder / "unboil_halftraf.py").write_text(
        textwrap.dedent(
            f"""
            from unboil.extractors.backends.trafilatura import TrafilaturaBackend

            class HalfTraf(TrafilaturaBackend):
                name = "halftraf"
                description = "trafilatura, maybe worse (a test plugin)"
                distribution = "unboil-halftraf"

                def run(self, page, options):
                    result = super().run(page, options)
                    blocks = result.blocks
                    result.blocks = {keep}
                    return result
            """
        )
    )
    for old in folder.glob("unboil_halftraf-*.dist-info"):
        shutil.rmtree(old)
    dist = folder / f"unboil_halftraf-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: unboil-halftraf\nVersion: {version}\n"
    )
    (dist / "entry_points.txt").write_text(
        "[unboil.backends]\nhalftraf = unboil_halftraf:HalfTraf\n"
    )


def test_a_worse_backend_release_is_caught_by_the_baseline(project: Path) -> None:
    plugins = project / "plugins"
    plugins.mkdir()
    make_gold(project / "gold3", (*PAIR, "blog-weekday-sourdough"))
    env = {**os.environ, "PYTHONPATH": str(plugins), "PYTHONDONTWRITEBYTECODE": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(UNBOIL), "check", "gold3", "-b", "halftraf", "--baseline", "base.json"]
        return subprocess.run(
            [*cmd, *args], env=env, cwd=project, capture_output=True, text=True, timeout=120
        )

    _write_plugin(plugins, "1.0", worse=False)
    made = run("--update-baseline")
    assert made.returncode == ExitStatus.OK, made.stderr
    recorded = (project / "base.json").read_text()
    assert json.loads(recorded)["goldsets"]["gold3"]["backends"]["halftraf"]["version"] == "1.0"
    assert run().returncode == ExitStatus.OK

    _write_plugin(plugins, "1.1", worse=True)
    worse = run("--junit", "junit.xml")
    assert worse.returncode == ExitStatus.CHECK_FAILED, worse.stderr
    fails = [x for x in worse.stdout.splitlines() if x.startswith("FAIL ")]
    assert any(x.startswith("FAIL gold3 (overall) [halftraf] f1 drop") for x in fails)
    assert sum("[halftraf] f1 drop" in x and ":" in x.split()[1] for x in fails) >= 2
    assert "halftraf is version 1.1, the baseline was recorded with 1.0" in worse.stderr
    assert 'failures="' in (project / "junit.xml").read_text()

    refused = run("--update-baseline")
    assert refused.returncode == ExitStatus.CHECK_FAILED
    assert "allow_regression accepts it" in refused.stdout
    assert (project / "base.json").read_text() == recorded  # not lowered

    accepted = run("--update-baseline", "--allow-regression")
    assert accepted.returncode == ExitStatus.OK, accepted.stdout
    assert run().returncode == ExitStatus.OK


def test_the_projects_own_samples_meet_the_committed_baseline() -> None:
    """What CI runs: a change that worsens extraction on samples/ fails."""
    base = SAMPLES / "unboil-baseline.json"
    baseline = Baseline.load(base)
    assert set(baseline.goldsets["."]["backends"]) == {"trafilatura", "consensus"}
    result = invoke(str(SAMPLES), "-b", "trafilatura,consensus", "--baseline", str(base))
    assert result.exit_code == ExitStatus.OK, result.stdout


# -- configuration ------------------------------------------------------------------


def _min_f1_used(result: Result) -> float:
    return float(json.loads(Path("report.json").read_text())["settings"]["min_f1"])


def test_config_precedence_flags_over_unboil_toml_over_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "site"\n\n[tool.unboil.check]\n'
        'gold = "gold"\nbackends = ["trafilatura"]\nmin_f1 = 0.999\nmin_page_recall = 0.5\n'
    )
    # pyproject.toml alone: its threshold fails the check
    result = invoke("--json", "report.json")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert _min_f1_used(result) == 0.999
    # unboil.toml overrides it key by key (min_page_recall still from pyproject)
    (project / "unboil.toml").write_text("[check]\nmin_f1 = 0.5\n")
    result = invoke("--json", "report.json")
    assert result.exit_code == ExitStatus.OK, result.stdout
    assert _min_f1_used(result) == 0.5
    settings = json.loads(Path("report.json").read_text())["settings"]
    assert settings["min_page_recall"] == 0.5 and settings["gold"] == ["gold"]
    # a flag overrides both
    result = invoke("--json", "report.json", "--min-f1", "0.999")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert _min_f1_used(result) == 0.999
    # from a subfolder: the files are found upwards, paths relative to their folder
    (project / "deep" / "er").mkdir(parents=True)
    os.chdir(project / "deep" / "er")
    assert invoke().exit_code == ExitStatus.OK
    os.chdir(project)
    # --config FILE: that file only ([tool.unboil.check] accepted in unboil.toml too)
    other = project / "ci.toml"
    other.write_text(
        '[tool.unboil.check]\ngold = ["gold"]\nbackends = ["trafilatura"]\nmin_page_f1 = 0.999\n'
    )
    result = invoke("--config", str(other))
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert "min_page_f1" in result.stdout and "min_f1" not in result.stdout


def test_config_files_are_found_upwards_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.unboil.check]\nmin_f1 = 0.9\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')  # not unboil's
    (repo / "a" / "b").mkdir(parents=True)
    (repo / "a" / "unboil.toml").write_text("[check]\nmin_f1 = 0.8\n")
    assert find_config_files(repo / "a" / "b") == {"unboil.toml": repo / "a" / "unboil.toml"}
    settings = load_settings("check", start=repo / "a" / "b")
    assert settings.get("min_f1") == 0.8 and settings.origin("min_f1").endswith("unboil.toml")
    # outside the repository the parent's pyproject.toml is found
    assert find_config_files(tmp_path) == {"pyproject.toml": tmp_path / "pyproject.toml"}


@pytest.mark.parametrize(
    ("unboil_toml", "message"),
    [
        ("[check]\nmin_f1s = 0.9\n", "unknown setting 'min_f1s'"),
        ("[check]\nmin_f1 = 1.5\n", "min_f1 must be a number from 0 to 1"),
        ("[check]\nbackends = 3\n", "backends must be a name or a list of names"),
        ("[check\n", "not valid TOML"),
        # a setting outside [check], a misspelt table: not ignored (the gate would weaken)
        ("min_f1 = 0.99\n", "unknown key or table 'min_f1' in the top level"),
        ("[chek]\nmin_f1 = 0.99\n", "unknown key or table 'chek'"),
        ("[tool.unboil]\nmin_f1 = 0.99\n", "unknown key or table 'min_f1' in [tool.unboil]"),
    ],
)
def test_bad_config_is_a_usage_error(project: Path, unboil_toml: str, message: str) -> None:
    (project / "unboil.toml").write_text(unboil_toml)
    result = invoke("gold", "--min-f1", "0.5")
    assert result.exit_code == ExitStatus.USAGE
    assert message in result.stderr and "unboil.toml" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no gold set: give GOLD..."),
        (("gold",), "nothing to check the scores against"),
        (("nope", "--min-f1", "0.5"), "nope: no such file or directory"),
        (("gold", "--baseline", "missing.json"), "no baseline yet: record one (update_baseline)"),
        (("gold", "--update-baseline"), "update_baseline needs a baseline file"),
        (("gold", "--min-f1", "0.5", "-b", "nope"), "no backend named 'nope'"),
        (("gold", "--min-f1", "1.5"), "1.5 is not in the range"),
        (("--agreement-below", "0.5", "gold", "-b", "trafilatura"), "at least two backends"),
        (("--agreement-below", "0.5"), "agreement_below needs pages"),
    ],
)
def test_usage_errors_exit_2(project: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == ExitStatus.USAGE, result.output
    assert message in result.stderr


def test_a_malformed_baseline_is_a_usage_error(project: Path) -> None:
    (project / "b.json").write_text('{"schema": 99}')
    result = invoke("gold", "--baseline", "b.json")
    assert result.exit_code == ExitStatus.USAGE
    assert "not a baseline file of schema 1" in result.stderr


# -- the agreement canary -----------------------------------------------------------


def test_agreement_canary_flags_pages_whose_backends_disagree(project: Path) -> None:
    pages = project / "pages"
    pages.mkdir()
    for name in ("seed-independent", "comments-tomato-splitting"):
        shutil.copy(SAMPLES / f"{name}.html", pages)
    # trafilatura, readability and resiliparse agree well on both at 0.6 ...
    ok = invoke("--agreement-below", "0.6", "pages")
    assert ok.exit_code == ExitStatus.OK, ok.stdout
    assert "agreement pages/seed-independent.html: 0.9" in ok.stdout
    # ... less on the page whose comments some of them keep
    low = invoke("--agreement-below", "0.85", "pages", "--json", "canary.json")
    assert low.exit_code == ExitStatus.CHECK_FAILED
    fails = [x for x in low.stdout.splitlines() if x.startswith("FAIL ")]
    assert len(fails) == 1
    assert fails[0].startswith("FAIL agreement:pages/comments-tomato-splitting.html")
    assert "mean agreement 0." in fails[0] and "below 0.85" in fails[0]
    data = json.loads(Path("canary.json").read_text())["agreement"]
    assert [p["flagged"] for p in data] == [True, False]
    assert set(data[1]["pairs"]) == {
        "trafilatura~readability",
        "trafilatura~resiliparse",
        "readability~resiliparse",
    }
    # a page that cannot be read is flagged as well
    missing = invoke("--agreement-below", "0.1", "pages/seed-independent.html", "gone.html")
    assert missing.exit_code == ExitStatus.CHECK_FAILED
    assert "FAIL agreement:gone.html agreement: could not be read" in missing.stdout


def test_check_help() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    for flag in ("--min-f1", "--baseline", "--update-baseline", "--agreement-below", "--junit"):
        assert flag in result.stdout
