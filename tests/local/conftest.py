"""The local AWS as a server (failoverctl local's), started once for the tests of this folder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A local AWS on 127.0.0.1 for functions run on this machine (no container)."""
    state_dir = tmp_path_factory.mktemp("local-aws")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/failover'}:{ROOT / 'cli'}:{ROOT}"}
    cmd = [sys.executable, "-m", "failoverctl.local.server", "--plan", str(ROOT / "plans/example.yaml")]
    cmd += ["--address", "127.0.0.1", "--port", str(port), "--state-dir", str(state_dir)]
    cmd += ["--container-endpoint", f"http://127.0.0.1:{port}"]
    log = (state_dir / "server.log").open("w")
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 180
        while not (state_dir / "state.json").exists():
            assert process.poll() is None, (state_dir / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the local AWS did not start"
            time.sleep(0.2)
        state = json.loads((state_dir / "state.json").read_text())
        state["state_dir"] = state_dir
        state["env"] = json.loads((state_dir / "env.json").read_text())
        yield state
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
