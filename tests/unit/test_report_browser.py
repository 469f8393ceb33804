"""The incident report in a real browser: headless Chromium lays the HTML page out, and the layout is measured.

The report itself carries no script; the test measures a copy of it with a measuring script added,
through Chromium's ``--dump-dom`` after layout, and takes a screenshot of the report as it is.
Chromium is Debian's ``chromium`` package (``make chromium`` installs it; ``make test`` does first).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from failover import report

WIDTH, HEIGHT = 1280, 1800
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
)
EXECUTION = (
    "arn:aws:states:eu-central-1:210987654321:execution:failover-prod-failover:shop-failover-20260301T101500Z-1a2b3c4d"
)
RC = "arn:aws:route53-recovery-control::210987654321:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/"

#: measures the laid-out page and writes what it found into the document, for --dump-dom
MEASURE = """
<script>
window.addEventListener("load", () => {
  const box = (e) => e.getBoundingClientRect();
  const changes = document.querySelector("table.changes");
  const svg = document.querySelector("figure.timeline svg");
  const cells = (sel) => [...document.querySelectorAll(sel)];
  const out = {
    viewport: document.documentElement.clientWidth,
    scroll_width: document.documentElement.scrollWidth,
    changes: {left: box(changes).left, right: box(changes).right},
    undo: cells("table.changes tr td:last-child").map((c) => ({left: box(c).left, right: box(c).right})),
    headers: cells("table.changes th").map((c) => ({text: c.textContent, right: box(c).right})),
    svg: {left: box(svg).left, right: box(svg).right, width: box(svg).width},
    ticks: cells("svg text.tick").map((t) => ({text: t.textContent, left: box(t).left, right: box(t).right,
                                               height: box(t).height})),
    timeline: cells("table.timeline tr").slice(1).map((r) => [r.cells[1].textContent, r.cells[2].textContent]),
    stages: cells("h3.stage").map((h) => h.textContent),
    summary: Object.fromEntries(cells("table.summary tr").map((r) => [r.cells[0].textContent, r.cells[1].textContent])),
  };
  const pre = document.createElement("pre");
  pre.id = "layout";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _action(stage: str, name: str, kind: str, at: str, undo: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "action": kind,
        "name": name,
        "stage": stage,
        "target": f"{name} in eu-central-1",
        "status": "changed",
        "detail": f"{name}: moved to the secondary side",
        "changes": [f"{name}: secondary On", f"{name}: primary Off"],
        "undo": undo,
        "started_at": at,
        "finished_at": at.replace("00.000Z", "02.500Z"),
    }


def _verification(stage: str, attempt: int, ok: bool, at: str) -> dict[str, Any]:
    check = {"name": f"{stage}: serving on the secondary", "ok": ok, "detail": "2 of 2" if ok else "0 of 2"}
    return {"ok": ok, "attempt": attempt, "max_attempts": 10, "stage": stage, "checks": [check], "checked_at": at}


def incident() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A two-stage failover whose timeline already records its decision, actions and verifications."""
    undo_db = [
        {
            "api": "rds.SwitchoverGlobalCluster",
            "GlobalClusterIdentifier": "shop-global",
            "TargetDbClusterIdentifier": "arn:aws:rds:eu-west-1:210987654321:cluster:shop-euw1",
        }
    ]
    entries = [
        {"RoutingControlArn": RC + "shopeuc10000000", "RoutingControlState": "Off"},
        {"RoutingControlArn": RC + "shopeuw10000000", "RoutingControlState": "On"},
    ]
    undo_rc = [
        {"api": "route53-recovery-cluster.UpdateRoutingControlStates", "UpdateRoutingControlStateEntries": entries}
    ]
    actions = [
        _action("data", "shop-db", "aurora_global", "2026-03-01T10:17:10.000Z", undo_db),
        _action("traffic", "shop-routing", "arc_routing_control", "2026-03-01T10:19:00.000Z", undo_rc),
    ]
    verifications = [
        _verification("data", 1, False, "2026-03-01T10:17:30.000Z"),
        _verification("data", 2, True, "2026-03-01T10:18:40.000Z"),
        _verification("traffic", 1, True, "2026-03-01T10:19:35.000Z"),
    ]
    decision = {"outcome": "proceed", "reason": "all checks passed", "decided_at": "2026-03-01T10:17:05.000Z"}
    stages = [{"name": "data"}, {"name": "traffic"}]
    state = {
        "request": {
            "request_id": "r-7",
            "incident_id": "shop-failover-20260301T101500Z-1a2b3c4d",
            "group": "shop",
            "source": "alarm",
            "trigger": {"alarm_name": "shop-primary-canary", "state": "ALARM", "time": "2026-03-01T10:15:00.000Z"},
        },
        "gate": {
            "decision": decision,
            "run": {
                "stage_count": 2,
                "verify_attempts": 10,
                "approval_on_timeout": "abort",
                "cursor": {"stage": stages[0]},
                "stages": stages,
            },
        },
        "cursor": {"index": 1, "stage": stages[1], "completed": actions, "verifications": verifications, "done": True},
        "closed": {"incident": {"outcome": "succeeded", "rto_objective_seconds": 900}},
    }
    timeline = [
        {
            "at": "2026-03-01T10:16:00.000Z",
            "kind": "triggered",
            "detail": "alarm shop-primary-canary: execution started",
            "data": {"execution_arn": EXECUTION},
        },
        {"at": decision["decided_at"], "kind": "decision", "detail": "proceed: all checks passed"},
        *(
            {"at": a["finished_at"], "kind": "action", "detail": f"{a['stage']}/{a['name']}: changed: {a['detail']}"}
            for a in actions
        ),
        *(
            {
                "at": v["checked_at"],
                "kind": "verified" if v["ok"] else "verify_retry",
                "detail": f"stage '{v['stage']}' attempt {v['attempt']}/10: " + ("verified" if v["ok"] else "not yet"),
            }
            for v in verifications
        ),
        {"at": "2026-03-01T10:19:40.000Z", "kind": "closed", "detail": "incident closed: succeeded"},
    ]
    return state, timeline


def chromium(tmp_path: Path, page: Path, *args: str) -> str:
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert binary, "Chromium is missing: `make chromium` installs Debian's chromium package (make test does)"
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    done = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("report")
    state, timeline = incident()
    page = report.render_html(state, timeline)
    (tmp / "report.html").write_text(page, encoding="utf-8")
    (tmp / "measured.html").write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = chromium(tmp, tmp / "measured.html", "--dump-dom", "--virtual-time-budget=3000")
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    screenshot = tmp / "report.png"
    chromium(tmp, tmp / "report.html", f"--screenshot={screenshot}")
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")), screenshot


def test_given_the_report_in_chromium_then_nothing_runs_past_the_page(laid_out: tuple[dict[str, Any], Path]) -> None:
    layout, _ = laid_out
    assert layout["scroll_width"] <= layout["viewport"] == WIDTH
    assert layout["svg"]["right"] <= layout["viewport"]
    assert layout["svg"]["width"] >= 800  # the picture takes the page's width, not a thumbnail


def test_given_the_changes_table_then_its_undo_column_fits_within_it(laid_out: tuple[dict[str, Any], Path]) -> None:
    layout, _ = laid_out
    table = layout["changes"]
    assert table["right"] <= layout["viewport"]
    assert [h["text"] for h in layout["headers"]][-1] == "Undo"
    assert len(layout["undo"]) == 2
    for cell in layout["undo"]:
        assert table["left"] < cell["left"] < cell["right"] <= table["right"] + 1
        assert cell["right"] - cell["left"] >= 150  # room to read a step, not a sliver


def test_given_the_timeline_picture_then_its_axis_has_legible_times_in_order(
    laid_out: tuple[dict[str, Any], Path],
) -> None:
    layout, _ = laid_out
    ticks = [t for t in layout["ticks"] if t["text"].startswith("+")]
    assert len(ticks) >= 4
    assert ticks[0]["text"] == "+0 s"
    for left, right in itertools.pairwise(ticks):
        assert left["right"] < right["left"], (left, right)  # labels do not overlap
    assert all(t["height"] >= 10 for t in ticks)  # at least 10 px tall on a 1280 px page
    assert any(t["text"].startswith("0 = 2026-03-01T10:15:00") for t in layout["ticks"])


def test_given_a_timeline_that_records_every_step_then_each_event_is_one_line(
    laid_out: tuple[dict[str, Any], Path],
) -> None:
    layout, _ = laid_out
    state, timeline = incident()
    rows = [tuple(r) for r in layout["timeline"]]
    assert len(rows) == len(set(rows)) == len(timeline)
    assert sum(kind == "decision" for kind, _ in rows) == 1
    assert sum(kind == "action" for kind, _ in rows) == len(state["cursor"]["completed"])


def test_given_verifications_of_two_stages_then_they_are_grouped_by_stage_and_the_execution_is_named(
    laid_out: tuple[dict[str, Any], Path],
) -> None:
    layout, _ = laid_out
    assert layout["stages"] == ["Stage data", "Stage traffic"]
    assert layout["summary"]["Execution"] == EXECUTION


def test_given_the_report_then_chromium_takes_a_full_width_screenshot(laid_out: tuple[dict[str, Any], Path]) -> None:
    _, screenshot = laid_out
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 50_000  # a rendered page, not a blank one
