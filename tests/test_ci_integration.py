"""The CI gate where CI lives: ``action.yml`` (a composite GitHub Action) and
``.pre-commit-hooks.yaml`` (a pre-commit hook), both run for real.

The action's steps are read from ``action.yml`` and run as a runner would: each
``run:`` in ``bash --noprofile --norc -eo pipefail``, its ``${{ ... }}`` expressions
replaced, with ``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``, ``GITHUB_ACTION_PATH``,
``GITHUB_WORKSPACE`` and ``RUNNER_TEMP`` pointing at temporary files and this
checkout, and the workflow commands in its log parsed (``::stop-commands::`` honoured).
unboil is already installed here, so the action runs with ``install: false`` and the
test's Python: nothing is fetched.

The hook is validated with ``pre-commit validate-manifest`` and run with ``pre-commit
try-repo`` in a temporary git repository holding a small gold set."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from goldsets import PAIR, make_gold

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
#: trafilatura on these two: P .7507/.9469, R 1/.9938, F1 .8576/.9698
BASH = shutil.which("bash")
GIT = shutil.which("git")
PRE_COMMIT = (sys.executable, "-m", "pre_commit")


# -- a runner for action.yml ----------------------------------------------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@dataclass
class Command:
    """A workflow command (``::error file=x,title=y::message``), unescaped."""

    name: str
    props: dict[str, str]
    message: str


def workflow_commands(log: str) -> list[Command]:
    """The workflow commands a runner would act on in ``log``: none between
    ``::stop-commands::TOKEN`` and ``::TOKEN::``."""
    commands: list[Command] = []
    stopped: str | None = None
    for line in log.splitlines():
        if stopped is not None:
            if line == f"::{stopped}::":
                stopped = None
            continue
        m = re.fullmatch(r"::([\w-]+)(?: ([^:]*))?::(.*)", line)
        if not m:
            continue
        name, raw, message = m.groups()
        if name == "stop-commands":
            stopped = message
            continue
        props = {}
        for item in filter(None, (raw or "").split(",")):
            key, _, value = item.partition("=")
            props[key.strip()] = _unescape(value, prop=True)
        commands.append(Command(name, props, _unescape(message)))
    return commands


def _read_outputs(path: Path) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` file: ``name=value`` lines and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text("utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            for more in lines:
                if more == delim:
                    break
                body.append(more)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


@dataclass
class ActionRun:
    status: int
    outputs: dict[str, str]
    summary: str
    log: str
    stderr: str
    steps: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def commands(self) -> list[Command]:
        return workflow_commands(self.log) + workflow_commands(self.stderr)

    @property
    def errors(self) -> list[Command]:
        return [c for c in self.commands if c.name == "error"]


def load_action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text("utf-8"))


def run_action(workspace: Path, runner_temp: Path, **given: str) -> ActionRun:
    """Run action.yml's steps as a runner would, with inputs ``given`` (names with
    ``-`` spelt with ``_``)."""
    assert BASH is not None
    action = load_action()
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs", {})
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    for key, value in given.items():
        name = key.replace("_", "-")
        assert name in declared, f"action.yml has no input {name}"
        inputs[name] = value
    steps: dict[str, dict[str, str]] = {}

    def evaluate(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            expr = m.group(1)
            if found := re.fullmatch(r"inputs\.([\w-]+)", expr):
                assert found.group(1) in inputs, f"action.yml uses an undeclared {expr}"
                return inputs[found.group(1)]
            if found := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
                return steps.get(found.group(1), {}).get(found.group(2), "")
            if expr == "github.action_path":
                return str(ROOT)
            if expr == "runner.temp":
                return str(runner_temp)
            raise AssertionError(f"this test's runner does not know ${{{{ {expr} }}}}")

        return _EXPR.sub(one, text)

    summary = runner_temp / "step-summary.md"
    summary.touch()
    env = {
        **os.environ,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(runner_temp),
    }
    log, errs, status = [], [], 0
    for n, step in enumerate(action["runs"]["steps"]):
        assert "uses" not in step and "if" not in step, f"this test cannot run {step}"
        assert step.get("shell") == "bash", step
        output = runner_temp / f"output-{n}"
        output.write_text("")
        script = runner_temp / f"step-{n}.sh"
        script.write_text(evaluate(step["run"]))
        step_env = {k: evaluate(str(v)) for k, v in (step.get("env") or {}).items()}
        cwd = workspace / evaluate(str(step.get("working-directory", ".")))
        proc = subprocess.run(
            [BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env={**env, **step_env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        log.append(proc.stdout)
        errs.append(proc.stderr)
        if "id" in step:
            steps[step["id"]] = _read_outputs(output)
        if proc.returncode != 0:
            status = proc.returncode
            break
    outputs = {
        name: evaluate(str(spec["value"])) for name, spec in action.get("outputs", {}).items()
    }
    return ActionRun(
        status, outputs, summary.read_text("utf-8"), "".join(log), "".join(errs), steps
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository checkout (its root has .git, so no config above it is read)."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


@pytest.fixture
def runner_temp(tmp_path: Path) -> Path:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return temp


def local(**inputs: str) -> dict[str, str]:
    """Inputs for a run on this machine: unboil as installed, trafilatura only."""
    return {"install": "false", "python": sys.executable, "backends": "trafilatura", **inputs}


needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


# -- the action -----------------------------------------------------------------------


def test_action_metadata_declares_what_its_steps_use() -> None:
    action = load_action()
    text = ACTION.read_text("utf-8")
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", text))
    assert used == set(action["inputs"]), "declared inputs and used inputs differ"
    assert all("description" in spec for spec in action["inputs"].values())
    # inputs reach the scripts through env:, never pasted into the script
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]
    assert {"passed", "exit-code", "json", "markdown", "junit"} <= set(action["outputs"])
    assert action["inputs"]["install"]["default"] == "true"


@needs_bash
def test_action_passes_and_writes_the_summary(workspace: Path, runner_temp: Path) -> None:
    make_gold(workspace / "gold")
    run = run_action(workspace, runner_temp, **local(gold="gold", min_page_f1="0.8"))
    assert run.status == 0, run.log + run.stderr
    assert run.summary.startswith("### ✅ unboil check passed")
    assert run.errors == []
    assert run.outputs["passed"] == "true" and run.outputs["exit-code"] == "0"
    report = json.loads(Path(run.outputs["json"]).read_text("utf-8"))
    assert report["passed"] and report["settings"]["backends"] == ["trafilatura"]
    assert Path(run.outputs["junit"]).read_text("utf-8").startswith("<?xml")
    assert Path(run.outputs["markdown"]).read_text("utf-8") == run.summary
    # the install step reported the Python it found, and its unboil
    assert run.steps["install"]["python"] == sys.executable
    assert "unboil, version" in run.log


ODD = "odd, 100%: a\n::warning::injected"


@needs_bash
def test_action_fails_with_one_annotation_per_failing_page(
    workspace: Path, runner_temp: Path
) -> None:
    """A failing check: the step fails (exit 1) after the summary, one ``::error`` per
    failing page (two reasons on one page: one annotation), one for the gold set's
    overall figure; paths are relative to the repository root though the check runs
    in a subfolder; a page whose name holds ``%``, ``,``, ``:`` and a newline starting
    a workflow command is escaped and starts none."""
    gold = make_gold(workspace / "sub" / "gold")
    shutil.copy(gold / f"{PAIR[0]}.html", gold / f"{ODD}.html")
    shutil.copy(gold / f"{PAIR[0]}.txt", gold / f"{ODD}.txt")
    run = run_action(
        workspace,
        runner_temp,
        **local(
            gold="\n  gold  \n\n",  # one per line, blanks trimmed
            working_directory="sub",
            min_page_f1="0.9",  # seed-independent 0.8576 fails, hollinbridge 0.9698 passes
            min_page_precision="0.8",  # seed-independent 0.7507 fails again
            min_f1="0.99",  # overall
        ),
    )
    assert run.status == 1, run.log + run.stderr
    assert run.outputs["passed"] == "false" and run.outputs["exit-code"] == "1"
    assert run.summary.startswith("### ❌ unboil check failed: 5 failures")
    # unboil check's own lines are in the log, and act as no command
    assert "FAIL gold:seed-independent [trafilatura] f1" in run.log
    assert [c.name for c in run.commands] == ["error"] * 3, run.log
    by_file = {e.props["file"]: e for e in run.errors}
    assert set(by_file) == {
        f"sub/gold/{PAIR[0]}.html",
        f"sub/gold/{ODD}.html",
        "sub/gold",
    }
    page = by_file[f"sub/gold/{PAIR[0]}.html"]
    assert page.props["title"] == f"unboil check: {PAIR[0]}"
    assert page.message == (
        "trafilatura: f1 0.8576 is below min_page_f1 0.9; "
        "trafilatura: precision 0.7507 is below min_page_precision 0.8"
    )
    odd = by_file[f"sub/gold/{ODD}.html"]
    assert odd.props["title"] == f"unboil check: {ODD}"
    overall = by_file["sub/gold"]
    assert overall.props["title"] == "unboil check: gold (overall)"
    assert "min_f1 0.99" in overall.message
    # the escaped line as the runner reads it: one line, no bare "::" in properties
    raw = next(x for x in run.log.splitlines() if x.startswith("::error") and "odd" in x)
    assert "%0A%3A%3Awarning%3A%3Ainjected" in raw and "100%25%3A" in raw


@needs_bash
def test_action_with_a_baseline_from_the_settings_file(workspace: Path, runner_temp: Path) -> None:
    """No gold input: the gold set and baseline come from pyproject.toml; a gold page
    edited since the baseline fails the check."""
    make_gold(workspace / "gold")
    (workspace / "pyproject.toml").write_text(
        '[tool.unboil.check]\ngold = "gold"\nbackends = ["trafilatura"]\n'
        'baseline = "gold/baseline.json"\n'
    )
    subprocess.run(
        [sys.executable, "-m", "unboil", "check", "--update-baseline", "-q"],
        cwd=workspace,
        check=True,
        capture_output=True,
    )
    ok = run_action(workspace, runner_temp, install="false", python=sys.executable)
    assert ok.status == 0, ok.log + ok.stderr
    assert "baseline=gold/baseline.json" in ok.summary
    (workspace / "gold" / f"{PAIR[1]}.txt").write_text("Not the article at all.\n")
    bad = run_action(workspace, runner_temp, install="false", python=sys.executable)
    assert bad.status == 1
    (error,) = bad.errors
    assert "gold set changed since the baseline" in error.message
    assert error.props["file"] == "gold"


@needs_bash
@pytest.mark.parametrize("annotations", ["true", "false"])
def test_action_that_cannot_run_fails_with_the_reason(
    workspace: Path, runner_temp: Path, annotations: str
) -> None:
    """unboil check exits 2 (nothing to check against): no report, so the summary says
    so and the one annotation is the error unboil printed."""
    make_gold(workspace / "gold")
    run = run_action(workspace, runner_temp, **local(gold="gold", annotations=annotations))
    assert run.status == 2
    assert run.outputs["exit-code"] == "2" and run.outputs["passed"] == "false"
    assert run.summary.startswith("### ❌ unboil check could not run (exit 2)")
    assert "nothing to check the scores against" in run.log
    if annotations == "true":
        (error,) = run.errors
        assert error.props == {"title": "unboil check: error"}
        assert "nothing to check the scores against" in error.message
    else:
        assert run.errors == []


@needs_bash
def test_action_rejects_a_bad_install_input(workspace: Path, runner_temp: Path) -> None:
    run = run_action(workspace, runner_temp, install="maybe")
    assert run.status == 2
    assert [e.message for e in run.errors] == ["input install must be true or false"]
    assert "check" not in run.steps  # the check step did not run


def _annotate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "action_annotate", ROOT / ".ci" / "action-annotate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_annotations_escape_and_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    annotate = _annotate_module()
    assert annotate.escape_data("100%\r\nx: a,b") == "100%25%0D%0Ax: a,b"
    assert annotate.escape_property("100%\r\nx: a,b") == "100%25%0D%0Ax%3A a%2Cb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_text("<p>x</p>")

    def failure(goldset: str, page: str | None, backend: str | None, reason: str) -> dict:
        return {"goldset": goldset, "page": page, "backend": backend, "reason": reason}

    report = {
        "goldsets": [{"goldset": "missing", "path": "missing"}],
        "failures": [
            failure("missing", "p1", "readability", "f1 low"),
            failure("missing", "p1", "trafilatura", "f1 low"),
            failure("missing", None, None, "gold set changed since the baseline"),
            failure("agreement", "pages/a.html", None, "agreement 0.2 is below 0.6"),
            failure("agreement", "https://example.org/x", None, "agreement 0.1 is below 0.6"),
        ],
    }
    lines = annotate.annotations(report)
    commands = workflow_commands("\n".join(lines))
    assert [(c.props.get("file"), c.message) for c in commands] == [
        # a gold set that cannot be read now: the page's annotation points at the set
        ("missing", "readability: f1 low; trafilatura: f1 low"),
        ("missing", "gold set changed since the baseline"),
        ("pages/a.html", "agreement 0.2 is below 0.6"),
        (None, "agreement 0.1 is below 0.6"),  # a URL is no file
    ]
    assert commands[3].props["title"] == "unboil check: https://example.org/x (agreement)"


def _yaml_blocks(path: Path) -> list[Any]:
    text = path.read_text("utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]


@pytest.mark.parametrize("doc", ["README.md", "docs/check.md"])
def test_documented_workflow_and_hook_match_the_files(doc: str) -> None:
    """The README's and docs/check.md's snippets use inputs the action has and the
    hook's id, and install unboil from the repository, not from a package index."""
    inputs = set(load_action()["inputs"])
    uses = hooks = 0
    for block in _yaml_blocks(ROOT / doc):
        if not isinstance(block, dict):
            continue
        for job in (block.get("jobs") or {}).values():
            for step in job["steps"]:
                if "/unboil@" in step.get("uses", ""):
                    uses += 1
                    assert set(step.get("with", {})) <= inputs, step
                assert "pip install unboil" not in step.get("run", ""), step
        for repo in block.get("repos") or []:
            if repo["repo"].endswith("/unboil"):
                hooks += 1
                assert [h["id"] for h in repo["hooks"]] == [_hook()["id"]]
    assert uses and hooks


# -- the pre-commit hook ----------------------------------------------------------------


def _hook() -> dict[str, Any]:
    (hook,) = yaml.safe_load(HOOKS.read_text("utf-8"))
    return hook


def test_hook_manifest() -> None:
    hook = _hook()
    assert hook["id"] == "unboil-check"
    assert hook["entry"] == "unboil check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for changed in (
        "samples/news.html",
        "gold/page.htm",
        "gold/page.html.gz",
        "gold/page.txt",
        "gold/unboil-gold.toml",
        "samples/unboil-baseline.json",
        "pyproject.toml",
        "unboil.toml",
    ):
        assert files.search(changed), changed
    for unrelated in ("src/app.py", "README.md", "image.png"):
        assert not files.search(unrelated), unrelated
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (the test extra has it)")
    proc = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(HOOKS)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


GIT_IDENTITY = (
    *("-c", "user.name=unboil test", "-c", "user.email=test@unboil.invalid"),
    *("-c", "commit.gpgsign=false"),
)


def _git(cwd: Path, *args: str) -> None:
    assert GIT is not None
    subprocess.run(
        [GIT, *GIT_IDENTITY, *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def package_files() -> list[str]:
    """What ``pip install .`` needs of this checkout: pyproject.toml, its readme and
    licence files, the package folders, and the hook manifest."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    setuptools = project.get("tool", {}).get("setuptools", {})
    readme = project["project"].get("readme")
    names = ["pyproject.toml", ".pre-commit-hooks.yaml"]
    names += [readme] if isinstance(readme, str) else []
    names += sorted({d.split("/")[0] for d in setuptools.get("package-dir", {}).values()})
    for pattern in project["project"].get("license-files", []):
        names += [p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern)]
    return names


#: the test environment's own tools, which the hook's environment keeps its own of
OWN_TOOLS = re.compile(
    r"^(unboil|__editable__|pip|setuptools|wheel|_distutils_hack|pkg_resources)\b|\.pth$"
)


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_hook_runs_with_pre_commit_try_repo(tmp_path: Path) -> None:
    """``pre-commit try-repo`` with this checkout's files, in a repository holding a
    gold set and its settings in pyproject.toml: pre-commit makes the hook's own
    environment, installs unboil from the repository into it, and runs ``unboil
    check``, whose failure fails the hook.

    pre-commit installs the package (built from these files) into a fresh virtualenv;
    its dependencies are found already installed through PYTHONPATH (links to this
    environment's packages, unboil and the packaging tools left out), so the run does
    not download trafilatura, lxml, numpy... (25 to 35 s on a busy 2-core machine instead
    of 90; it still fetches setuptools to build the package)."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (the test extra has it)")
    # the hook's repository: try-repo would leave out files git does not track yet,
    # so it gets a repository of its own holding this checkout's files as they are
    src = tmp_path / "unboil-src"
    src.mkdir()
    for name in package_files():
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, src / name)
    _git(src, "init", "-q")
    _git(src, "add", "-A")
    _git(src, "commit", "-q", "-m", "unboil")
    # the user's repository
    proj = tmp_path / "project"
    make_gold(proj / "gold")
    (proj / "pyproject.toml").write_text(
        '[tool.unboil.check]\ngold = "gold"\nbackends = ["trafilatura"]\n'
        "min_page_f1 = 0.9  # seed-independent 0.8576 fails, hollinbridge 0.9698 passes\n"
    )
    _git(proj, "init", "-q")
    _git(proj, "add", "-A")
    deps = tmp_path / "deps"
    deps.mkdir()
    for site in dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")):
        for entry in Path(site).iterdir():
            if not OWN_TOOLS.search(entry.name) and not (deps / entry.name).exists():
                (deps / entry.name).symlink_to(entry)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PYTHONPATH": str(deps),
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(
        [*PRE_COMMIT, "try-repo", str(src), "unboil-check", "--all-files", "--verbose"],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"unboil check \(extraction quality\)\.+Failed", out), out
    # unboil check ran on the gold set from pyproject.toml (no file names passed)
    assert f"FAIL gold:{PAIR[0]} [trafilatura] f1" in out
    assert f"FAIL gold:{PAIR[1]}" not in out
    assert re.search(r"unboil check: FAILED: 1 failure\b", out), out
