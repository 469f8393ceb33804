"""The incident report: content, a self-contained HTML page that parses, escaping, one bar per action."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

import boto3
import pytest

from failover import report
from failover.models import parse_time

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)> | `'
VOID = {"meta", "br", "img", "hr", "input", "link", "col"}


def action(stage: str, name: str, started: str, finished: str, status: str = "changed") -> dict[str, Any]:
    return {
        "action": "route53_records",
        "name": name,
        "stage": stage,
        "target": f"{name}.example.com. CNAME (Z0EXAMPLE12345)",
        "status": status,
        "detail": f"UPSERT {name} -> secondary",
        "changes": [f"UPSERT {name}.example.com. CNAME web-usw2.example.com"],
        "undo": [{"action": "UPSERT", "record": f"{name}.example.com.", "values": ["web-use1.example.com"]}],
        "started_at": started,
        "finished_at": finished,
        "duration_ms": 1200,
    }


STATE: dict[str, Any] = {
    "request": {
        "request_id": "r-1",
        "incident_id": "web-failover-20260101T000000Z-abcd1234",
        "group": "web",
        "direction": "failover",
        "source": "alarm",
        "trigger": {
            "alarm_name": "web-primary-health",
            "state": "ALARM",
            "reason": "Threshold Crossed",
            "time": "2026-01-01T00:00:00.000Z",
        },
        "dry_run": False,
        "requested_by": "automation",
        "received_at": "2026-01-01T00:00:05.000Z",
    },
    "timing": {"confirmation_seconds": 60, "verify_interval_seconds": 15, "approval_timeout_seconds": 900},
    "gate": {
        "decision": {
            "outcome": "proceed",
            "reason": "all checks passed",
            "checks": [
                {"name": "automation enabled", "ok": True, "detail": "not paused"},
                {"name": "target healthy", "ok": True, "detail": "2 of 2 health checkers healthy"},
                {"name": "replication lag", "ok": False, "detail": "lag 3 s over budget 1 s", "blocking": False},
            ],
            "decided_at": "2026-01-01T00:01:06.000Z",
        },
        "run": {
            "stage_count": 2,
            "verify_attempts": 10,
            "approval_on_timeout": "abort",
            "cursor": {"stage": {"name": "dns"}},
            "stages": [{"name": "dns"}, {"name": "db"}],
        },
    },
    "cursor": {
        "index": 1,
        "stage": {"name": "db"},
        "completed": [
            action("dns", "web-dns", "2026-01-01T00:01:10.000Z", "2026-01-01T00:01:12.000Z"),
            action("dns", "api-dns", "2026-01-01T00:01:10.000Z", "2026-01-01T00:01:11.000Z", "unchanged"),
            action("db", "db-promote", "2026-01-01T00:02:30.000Z", "2026-01-01T00:03:00.000Z"),
        ],
        "verifications": [
            {
                "ok": False,
                "attempt": 1,
                "max_attempts": 10,
                "checks": [{"name": "web-dns: INSYNC", "ok": False, "detail": "PENDING"}],
                "checked_at": "2026-01-01T00:01:27.000Z",
            },
            {
                "ok": True,
                "attempt": 2,
                "max_attempts": 10,
                "checks": [{"name": "web-dns: INSYNC", "ok": True, "detail": "INSYNC"}],
                "checked_at": "2026-01-01T00:03:20.000Z",
            },
        ],
        "verification": {
            "ok": True,
            "attempt": 2,
            "max_attempts": 10,
            "checks": [],
            "checked_at": "2026-01-01T00:03:20.000Z",
        },
        "done": True,
    },
    "notifications": {
        "started": {
            "records": [{"channel": "sns", "phase": "started", "ok": True, "detail": "published", "message_id": "m-1"}]
        },
        "succeeded": {"records": [{"channel": "slack", "phase": "succeeded", "ok": False, "detail": "HTTP 500"}]},
        "failed_error": {"Error": "Lambda.Unknown"},
    },
    "closed": {"incident": {"outcome": "succeeded", "rto_objective_seconds": 600}},
}

TIMELINE = [
    {"at": "2026-01-01T00:00:05.000Z", "kind": "trigger", "detail": "alarm web-primary-health: execution started"},
    {"at": "2026-01-01T00:03:21.000Z", "kind": "notification", "detail": "succeeded sent to sns"},
]


class StrictParser(HTMLParser):
    """Tracks open elements: every non-void element must be closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def parse(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    return parser


def test_markdown_tells_the_whole_story() -> None:
    md = report.render_markdown(STATE, TIMELINE)
    for text in (
        "# Incident web-failover-20260101T000000Z-abcd1234",
        "| Group | web |",
        "**succeeded**",
        "## Timeline",
        "alarm web-primary-health: execution started",
        "## Decision",
        "| replication lag | FAILED | lag 3 s over budget 1 s |",
        "### dns / web-dns (route53_records)",
        "- undo:",
        '"values": [',
        "## Verification",
        "attempt 2: ok",
        "| started | sns | yes | published | m-1 |",
        "| succeeded | slack | NO | HTTP 500 | - |",
        "failed: notification failed",
    ):
        assert text in md, text
    # failure at the alarm's time, verified 200 s later, against the 600 s objective
    assert "200 s from the failure to verified traffic on the target, within the RTO objective of 600 s" in md


def test_objective_from_the_closed_incident() -> None:
    state = copy.deepcopy(STATE)
    state["gate"]["run"] = {}
    state["closed"]["incident"]["rto_objective_seconds"] = 150
    assert "OVER the RTO objective of 150 s" in report.render_markdown(state, TIMELINE)


def test_objective_missed_and_dry_run_wording() -> None:
    md = report.render_markdown(STATE, TIMELINE, rto_objective_seconds=120)
    assert "OVER the RTO objective of 120 s" in md
    dry = copy.deepcopy(STATE)
    dry["request"]["dry_run"] = True
    assert "dry run: no traffic moved" in report.render_markdown(dry, [])


def test_html_is_self_contained_and_parses() -> None:
    page = report.render_html(STATE, TIMELINE)
    parser = parse(page)
    assert parser.problems == []
    assert parser.stack == []
    tags = [t for t, _ in parser.tags]
    assert "svg" in tags
    assert "script" not in tags
    assert "link" not in tags
    assert not any(attrs.get("src") or attrs.get("href") for _, attrs in parser.tags)
    for text in ("lag 3 s over budget 1 s", "web-use1.example.com", "HTTP 500", "within the RTO objective of 600 s"):
        assert text in page


def test_svg_has_one_bar_per_action_and_one_per_stage() -> None:
    parser = parse(report.render_html(STATE, TIMELINE))
    classes = [attrs.get("class") or "" for tag, attrs in parser.tags if tag == "rect"]
    assert sum("action" in c.split() for c in classes) == len(STATE["cursor"]["completed"]) == 3
    assert sum("stage" in c.split() for c in classes) == 2


def test_no_action_still_renders() -> None:
    gate = {"decision": {"outcome": "skip", "reason": "already there"}, "run": STATE["gate"]["run"]}
    skipped = {"request": STATE["request"], "gate": gate}
    page = report.render_html(skipped, [])
    assert parse(page).problems == []
    assert "No action ran." in page
    assert "skipped" in report.render_markdown(skipped, [])


def test_hostile_strings_are_escaped_everywhere() -> None:
    # Given user-controlled text in the request, a check, an action and a timeline entry
    state = copy.deepcopy(STATE)
    state["request"]["reason"] = HOSTILE
    state["request"]["requested_by"] = HOSTILE
    state["gate"]["decision"]["checks"][0]["detail"] = HOSTILE
    state["cursor"]["completed"][0]["name"] = HOSTILE
    state["cursor"]["completed"][0]["detail"] = HOSTILE
    timeline = [*TIMELINE, {"at": "2026-01-01T00:01:00Z", "kind": HOSTILE, "detail": HOSTILE}]
    # Then the HTML page has no element or attribute that came from them
    page = report.render_html(state, timeline)
    parser = parse(page)
    assert parser.problems == []
    assert "<script>" not in page
    assert not any(tag in ("script", "img") for tag, _ in parser.tags)
    assert not any("onerror" in attrs for _, attrs in parser.tags)
    assert "&lt;script&gt;" in page
    # And the Markdown neither carries raw HTML nor breaks its tables
    md = report.render_markdown(state, timeline)
    assert "<script>" not in md
    assert "<img" not in md
    assert "\\|" in md


def test_history_states_join_the_timeline() -> None:
    history = [
        {"type": "ExecutionStarted", "timestamp": "2026-01-01T00:00:05Z"},
        {
            "type": "TaskStateEntered",
            "timestamp": "2026-01-01T00:01:05Z",
            "stateEnteredEventDetails": {"name": "Validate Request"},
        },
        {"type": "ExecutionSucceeded", "timestamp": "2026-01-01T00:03:30Z"},
    ]
    md = report.render_markdown(STATE, TIMELINE, history, execution={"status": "SUCCEEDED"})
    assert "| state | Validate Request |" in md
    assert "execution SUCCEEDED" in md


def test_write_report_uploads_both_formats(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="reports")
    uris = report.write_report("reports", "reports/web/incident-1", STATE, TIMELINE)
    assert uris == {"md": "s3://reports/reports/web/incident-1.md", "html": "s3://reports/reports/web/incident-1.html"}
    html_obj = s3.get_object(Bucket="reports", Key="reports/web/incident-1.html")
    assert html_obj["ContentType"].startswith("text/html")
    assert b"<svg" in html_obj["Body"].read()
    md = s3.get_object(Bucket="reports", Key="reports/web/incident-1.md")["Body"].read().decode()
    assert md.startswith("# Incident web-failover-20260101T000000Z-abcd1234")


@pytest.mark.parametrize("value", [None, "", "not a time", 12])
def test_parse_time_is_lenient(value: Any) -> None:
    assert parse_time(value) is None


def test_a_one_way_action_says_what_re_protection_needs() -> None:
    # Given a promotion among the changes, and a route53 change that is not one-way
    state = copy.deepcopy(STATE)
    promoted = action("database", "orders-db", "2026-01-01T00:01:00.000Z", "2026-01-01T00:02:00.000Z")
    promoted.update(action="rds_promote_replica", one_way="recreate orders-db as a replica of orders-db-replica")
    state["cursor"]["completed"].append(promoted)
    # Then both renderings say it, once
    for page in (report.render_markdown(state, TIMELINE), report.render_html(state, TIMELINE)):
        assert page.count("re-protection needs: recreate orders-db as a replica of orders-db-replica") == 1


def test_a_drills_simulated_time_is_in_the_summary_and_its_own_section() -> None:
    simulated = {
        "seconds": {"decision": 214.0, "first_change": 216.0, "recovery": 276.0},
        "ticks": [
            {"at": 0.0, "event": "failure", "detail": "the primary fails"},
            {"at": 276.0, "event": "verified", "detail": "stage dns verified"},
        ],
        "plan_rto_seconds": 338.0,
        "rto_objective_seconds": 600,
        "notes": ["resolvers may keep the old answer up to 60 s longer"],
    }
    md = report.render_markdown(STATE, TIMELINE, simulated=simulated)
    summary = (
        "decision 214 s, first traffic change 216 s, verified recovery 276 s"
        " (plan rto estimate 338 s, RTO objective 600 s)"
    )
    assert f"| Simulated time (drill) | {summary} |" in md
    assert "| 276 | verified | stage dns verified |" in md
    page = report.render_html(STATE, TIMELINE, simulated=simulated)
    assert "<h2>Simulated time</h2>" in page and summary in page
    assert "Simulated time" not in report.render_markdown(STATE, TIMELINE)  # a real incident has none


def test_each_event_is_one_line_when_the_timeline_records_the_steps() -> None:
    # Given a timeline where the steps recorded the decision, an action and a verification
    recorded = [
        *TIMELINE,
        {"at": "2026-01-01T00:01:06.000Z", "kind": "decision", "detail": "proceed: all checks passed"},
        {
            "at": "2026-01-01T00:01:12.000Z",
            "kind": "action",
            "detail": "dns/web-dns: changed: UPSERT web-dns -> secondary",
        },
        {"at": "2026-01-01T00:01:27.000Z", "kind": "verify_retry", "detail": "stage '-' attempt 1/10: not yet"},
    ]
    md = report.render_markdown(STATE, recorded)
    timeline = md.split("## Timeline")[1].split("## Decision")[0]
    # Then none of them is repeated from the state, and what the timeline lacks comes from it once
    assert timeline.count("| decision |") == 1
    assert timeline.count("dns/web-dns:") == 1
    assert timeline.count("dns/api-dns:") == 1 and timeline.count("db/db-promote:") == 1
    assert timeline.count("attempt 1/10") == 1 and timeline.count("attempt 2/10") == 1
    # and the verification section lists each attempt once (the latest is also kept apart in the state)
    section = md.split("## Verification")[1].split("## Notifications")[0]
    assert section.count("- attempt 2:") == 1


def test_a_drill_that_never_moved_traffic_says_why_and_a_group_with_signals_has_both_estimates() -> None:
    simulated = {
        "seconds": {
            "decision": 184.0,
            "first_change": None,
            "recovery": None,
            "reasons": {"first_change": "the gate skipped: the trigger cleared", "recovery": "the gate skipped"},
        },
        "ticks": [{"at": 184.0, "event": "decision", "detail": "skip"}],
        "plan_rto_seconds": 308.0,
        "plan_rto_corroborated_seconds": 198.0,
        "rto_objective_seconds": 300,
    }
    md = report.render_markdown(STATE, TIMELINE, simulated=simulated)
    assert "first traffic change none (the gate skipped: the trigger cleared)" in md
    assert "verified recovery none (the gate skipped)" in md
    assert "plan rto estimate 308 s, 198 s when a quorum of signals agrees at once" in md
