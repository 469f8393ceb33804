"""``failoverctl local up|down|status|reset``: the simulated AWS as a server for ``sam local invoke``.

``up`` starts it on 127.0.0.1 (and on the Docker bridge's gateway address, the one address of this
machine that a function's container reaches), seeded from the plan like a drill, and writes the
``--env-vars`` file and the local template under ``.aws-sam-local/``. ``status`` shows what the
invocations changed: executions started, records written, messages published. ``reset`` puts the
local AWS back as it was built (no incident, every resource of the plan serving from its primary).
``down`` stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from subprocess import DEVNULL, STDOUT

from failoverctl.output import emit_json, error
from failoverctl.template import ROOT

STATE_DIR = ROOT / ".aws-sam-local"
DEFAULT_PORT = 4599


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "local", help="the simulated AWS as a server for sam local invoke (up, down, status, reset)"
    )
    p.add_argument("action", choices=["up", "down", "status", "reset"])
    p.add_argument("--plan", default="plans/example.yaml", metavar="FILE")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument(
        "--container-address",
        metavar="IP",
        help="this machine's address as the containers see it (default: the Docker bridge's gateway)",
    )
    p.add_argument("--state-dir", type=Path, default=STATE_DIR, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)
    return p


def read_state(state_dir: Path) -> dict[str, object] | None:
    try:
        state: dict[str, object] = json.loads((state_dir / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if _alive(int(str(state.get("pid", 0)))) else None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _bridge_gateway() -> str | None:
    """The gateway of Docker's default bridge: this machine's address on the containers' network."""
    import ipaddress

    try:
        out = subprocess.run(
            ["docker", "network", "inspect", "bridge", "--format", "{{json .IPAM.Config}}"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        configs = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    for config in configs or []:
        if config.get("Gateway"):
            return str(config["Gateway"])
        if config.get("Subnet"):
            return str(next(ipaddress.ip_network(config["Subnet"]).hosts()))
    return None


def up(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    state = read_state(state_dir)
    if state is not None:
        sys.stdout.write(f"local AWS already up at {state['endpoint']} (pid {state['pid']})\n")
        return 0
    container_address = args.container_address or _bridge_gateway()
    if container_address is None:
        error("no Docker bridge found (is dockerd running? see local/host-setup.sh); or pass --container-address")
        return 2
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "state.json").unlink(missing_ok=True)
    addresses = ["127.0.0.1"] + ([container_address] if container_address != "127.0.0.1" else [])
    cmd = [sys.executable, "-m", "failoverctl.local.server", "--plan", str(Path(args.plan).resolve())]
    for address in addresses:
        cmd += ["--address", address]
    cmd += ["--port", str(args.port), "--state-dir", str(state_dir.resolve())]
    cmd += ["--container-endpoint", f"http://{container_address}:{args.port}"]
    log = (state_dir / "server.log").open("w")
    process = subprocess.Popen(cmd, stdout=log, stderr=STDOUT, stdin=DEVNULL, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error(f"the local AWS stopped while starting; see {state_dir / 'server.log'}")
            return 1
        state = read_state(state_dir)
        if state is not None:
            break
        time.sleep(0.5)
    else:
        process.terminate()
        error("the local AWS did not start within 180 s")
        return 1
    if args.json:
        emit_json(state)
        return 0
    rel = os.path.relpath(state_dir, Path.cwd())
    sys.stdout.write(
        f"local AWS up at {state['endpoint']} (containers: {state['container_endpoint']}), pid {state['pid']}\n"
        f"  state machine {state['state_machine_arn']}\n"
        f"  --env-vars {rel}/env.json   local template {rel}/template.yaml\n"
        f"next: sam build -t {rel}/template.yaml -b {rel}/build   (make local does it)\n"
        f"      sam local invoke -t {rel}/build/template.yaml --env-vars {rel}/env.json TriggerFunction "
        "-e events/cloudwatch_metric_alarm.json\n"
        "      failoverctl local status\n"
    )
    return 0


def down(args: argparse.Namespace) -> int:
    state = read_state(args.state_dir)
    if state is None:
        sys.stdout.write("local AWS is not running\n")
        return 0
    pid = int(str(state["pid"]))
    os.kill(pid, signal.SIGTERM)
    for _ in range(60):
        if not _alive(pid):
            break
        time.sleep(0.5)
    (args.state_dir / "state.json").unlink(missing_ok=True)
    sys.stdout.write(f"local AWS stopped (pid {pid})\n")
    return 0


def fetch_status(state: dict[str, object], *, reset: bool = False) -> dict[str, object]:
    from failoverctl.local.server import RESET_PATH, STATUS_PATH

    url = f"{state['endpoint']}{RESET_PATH if reset else STATUS_PATH}"
    request = urllib.request.Request(url, method="POST" if reset else "GET")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        status: dict[str, object] = json.loads(response.read())
    return status


def status(args: argparse.Namespace) -> int:
    state = read_state(args.state_dir)
    if state is None:
        error("local AWS is not running (make local, or failoverctl local up)")
        return 1
    current = fetch_status(state, reset=args.action == "reset")
    if args.json:
        emit_json(current)
        return 0
    executions = current["executions"]
    assert isinstance(executions, list)
    sys.stdout.write(f"local AWS at {state['endpoint']}\n")
    sys.stdout.write(f"executions started: {len(executions)}\n")
    for item in executions:
        sys.stdout.write(f"  {item['name']}  {item['status']}\n")
    records = current["records"]
    assert isinstance(records, list)
    sys.stdout.write(f"records in the table: {len(records)}\n")
    for record in records:
        sys.stdout.write(f"  {record}\n")
    sys.stdout.write(f"messages published to the topic: {current['messages']}\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return {"up": up, "down": down, "status": status, "reset": status}[args.action](args)
