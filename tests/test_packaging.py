"""The wheel ``python -m build`` makes installs and runs in a fresh venv: the package
data (models, py.typed) is in it and ``unboil`` runs from it, not from the checkout."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "seed-independent.html"


def test_the_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # isolated, as a user's build is: the build backend pyproject.toml asks for
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("unboil-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # the dependencies (not what is tested) from this environment, after the venv's own
    purelib = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (purelib / "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    where = subprocess.run(
        [str(python), "-c", "import unboil, unboil.extractors.trees as t; print(unboil.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(env_dir)
    run = subprocess.run(
        [str(env_dir / "bin" / "unboil"), str(SEED)], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("North Korean leader Kim Jong-un")
    assert "Support independent journalism" not in run.stdout
    files = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in (
        "unboil/py.typed",
        "unboil/extractors/models/consensus.json",
        "unboil/cli/main.py",
    ):
        assert name in files
    assert "tests/" not in files and "benchmarks/" not in files
