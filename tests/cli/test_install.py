"""The project installs like a Python tool: a wheel gives a ``failoverctl`` command that works outside a checkout.

Given the wheel built with the tooling already in the virtual environment (no network),
When it is installed into a fresh virtual environment (its dependencies taken from the project's one),
Then ``failoverctl --version`` and ``failoverctl plan check`` run from the installed package, in a folder
that is not the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from failoverctl import __version__

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_NO_INDEX"] = "1"  # never the network
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
        cwd=out,
        env=_clean_env(),
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; the dependencies come from this interpreter's site-packages (.pth)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv).stdout.strip()
    )
    (purelib / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", str(wheel)],
        cwd=venv.parent,
        env=_clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def test_the_wheel_declares_the_console_script_and_the_dependencies(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(meta).decode()
        entry_points = zf.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "failoverctl = failoverctl.cli:main" in entry_points
    requires = [
        line.split(":", 1)[1].strip().lower() for line in metadata.splitlines() if line.startswith("Requires-Dist:")
    ]
    for dependency in ("boto3", "pydantic", "pyyaml", "aws-lambda-powertools", "slack-sdk", "moto"):
        assert any(r.startswith(dependency) for r in requires), (dependency, requires)
    assert all(any(op in r for op in ("<", "~=")) for r in requires), (
        f"every dependency needs an upper bound: {requires}"
    )
    # both packages, and what drills run
    for path in ("failoverctl/cli.py", "failover/plan.py", "failoverctl/project/template.yaml"):
        assert path in names, path
    assert any(n.startswith("failoverctl/project/statemachine/") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_the_installed_command_prints_its_version(installed: Path, tmp_path: Path) -> None:
    result = _run([str(installed / "bin" / "failoverctl"), "--version"], cwd=tmp_path, env=_clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"failoverctl {__version__}"


def test_the_installed_command_checks_a_plan_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    plan = tmp_path / "mine.yaml"
    plan.write_text((ROOT / "plans" / "example.yaml").read_text())
    env = _clean_env()
    where = _run(
        [str(installed / "bin" / "python"), "-c", "import failoverctl; print(failoverctl.__file__)"], tmp_path, env
    )
    assert where.stdout.strip().startswith(str(installed)), where.stdout

    ok = _run([str(installed / "bin" / "failoverctl"), "plan", "check", str(plan)], cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "valid plan with 3 group(s)" in ok.stdout

    plan.write_text("version: 1\ngroups: []\n")
    bad = _run([str(installed / "bin" / "failoverctl"), "plan", "check", str(plan)], cwd=tmp_path, env=env)
    assert bad.returncode == 1
    assert "groups" in bad.stderr
