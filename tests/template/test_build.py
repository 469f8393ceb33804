"""`sam build` as a user runs it: the layer holds aarch64 native modules and every validated plan;
an invalid plan fails the build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from failoverctl.template import ROOT

BUILD = ROOT / ".aws-sam" / "build" / "FailoverLayer"
EM_AARCH64 = 183  # ELF e_machine of ARM 64-bit


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


@pytest.fixture(scope="module")
def built() -> Path:
    result = subprocess.run(["make", "build"], cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return BUILD


def test_native_modules_in_the_layer_are_aarch64(built: Path) -> None:
    native = list((built / "python").rglob("*.so"))
    assert native, "pydantic_core and PyYAML ship native modules; none found"
    assert {p.name.split(".")[0] for p in native} >= {"_pydantic_core"}
    for path in native:
        assert elf_machine(path) == EM_AARCH64, path


def test_layer_holds_the_library_and_every_plan_but_not_the_runtime_sdk(built: Path) -> None:
    library = built / "python" / "failover"
    assert (library / "steps" / "validate.py").is_file()
    assert (library / "state.py").is_file()
    shipped = {p.relative_to(library).as_posix() for p in library.rglob("*.py")}
    cli_only = {"rto.py", "lint.py", "params.py", "steps/notify/sample.py"}
    assert not shipped & cli_only, "the command line's tools are not cold-start weight for the functions"
    assert {p.name for p in (built / "plans").glob("*.yaml")} == {p.name for p in (ROOT / "plans").glob("*.yaml")}
    assert not (built / "python" / "botocore").exists(), "boto3/botocore come with the Lambda runtime"


def test_the_layer_ships_compiled_plans_and_bytecode(built: Path) -> None:
    from failover.plan import compiled_path, load_plan

    for plan in (built / "plans").glob("*.yaml"):
        assert compiled_path(plan).is_file(), plan
        assert load_plan(plan) == load_plan(ROOT / "plans" / plan.name)
    # a read-only layer cannot cache bytecode: it is built in, checked by hash, not by timestamp
    pyc = (
        built
        / "python"
        / "failover"
        / "steps"
        / "__pycache__"
        / f"validate.cpython-{sys.version_info[0]}{sys.version_info[1]}.pyc"
    )
    assert pyc.is_file()
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") & 0b11 == 0b01  # hash-based, unchecked


def test_functions_are_built_with_their_handlers(built: Path) -> None:
    for name in ("TriggerFunction", "ValidateFunction", "ExecuteFunction", "ApproveFunction"):
        assert (ROOT / ".aws-sam" / "build" / name / "app.py").is_file()


def test_an_invalid_plan_fails_the_plan_check_of_the_build(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "plans" / "example.yaml").read_text().replace("confirmation_seconds: 60", "confirmation_seconds: -1", 1)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "failover")}
    result = subprocess.run(
        [sys.executable, "-m", "failover.plancheck", str(ROOT / "plans" / "example.yaml"), str(bad)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "confirmation_seconds" in result.stderr
    assert shutil.which("make")


def test_sam_validate_lint_passes(built: Path) -> None:
    sam = ROOT / ".venv-sam" / "bin" / "sam"
    result = subprocess.run(
        [str(sam), "validate", "--lint", "--template", "template.yaml", "--region", "us-east-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr
