"""Operations against a deployed stack, in moto: a CloudFormation stack with the outputs the CLI reads,
the table (key schema read from template.yaml), an event bus, a state machine and the report bucket."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from failover.infra.clients import Clients
from failover.infra.store import Store
from failoverctl import deployed
from failoverctl.cli import main
from failoverctl.commands import live_drill

ROOT = Path(__file__).resolve().parents[2]
#: the stack's plan: one group, web
PLAN_YAML = (Path(__file__).resolve().parents[1] / "plans" / "web.yaml").read_text()
REGION = "us-east-1"
STACK = "failover-test"
ROLE = "arn:aws:iam::123456789012:role/failover-test"

#: a stand-in for the real definition: Pass states that produce the state keys the real one does
DEFINITION: dict[str, Any] = {
    "StartAt": "Validate Request",
    "States": {
        "Validate Request": {
            "Type": "Pass",
            "Result": {
                "decision": {
                    "outcome": "proceed",
                    "reason": "all checks passed",
                    "checks": [{"name": "target healthy", "ok": True, "detail": "2 of 2 healthy"}],
                },
                "run": {
                    "stage_count": 1,
                    "verify_attempts": 10,
                    "approval_on_timeout": "abort",
                    "cursor": {"stage": {"name": "dns"}},
                    "stages": [{"name": "dns"}],
                },
            },
            "ResultPath": "$.gate",
            "Next": "Fail Over",
        },
        "Fail Over": {
            "Type": "Pass",
            "Result": {
                "stage": {"name": "dns"},
                "completed": [
                    {
                        "action": "route53_records",
                        "name": "web-dns",
                        "stage": "dns",
                        "target": "app.example.com. CNAME (Z0EXAMPLE12345)",
                        "status": "dry_run",
                        "detail": "DRY RUN: would UPSERT app.example.com.",
                        "undo": [],
                        "started_at": "2026-01-01T00:01:00.000Z",
                        "finished_at": "2026-01-01T00:01:01.000Z",
                    }
                ],
                "verification": {"ok": True, "attempt": 1, "max_attempts": 10, "checks": []},
                "done": True,
            },
            "ResultPath": "$.cursor",
            "Next": "Succeeded",
        },
        "Succeeded": {"Type": "Succeed"},
    },
}
FAILING: dict[str, Any] = {
    "StartAt": "Boom",
    "States": {"Boom": {"Type": "Fail", "Error": "ActionFailed", "Cause": "x"}},
}


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml, keeping CloudFormation's short-form tags as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def table_key_schema() -> tuple[list[dict[str, str]], list[dict[str, str]], str]:
    """(KeySchema, AttributeDefinitions, TTL attribute) of the table the template deploys."""
    template = ROOT / "template.yaml"
    if template.is_file():
        resources = yaml.load(template.read_text(), Loader=_CfnLoader)["Resources"]
        for resource in resources.values():
            if resource.get("Type") == "AWS::DynamoDB::Table":
                props = resource["Properties"]
                ttl = props.get("TimeToLiveSpecification", {}).get("AttributeName", "expires_at")
                return props["KeySchema"], props["AttributeDefinitions"], ttl
    return (
        [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        "expires_at",
    )


@dataclass
class OpsWorld:
    table: str
    machine: str
    bus: str
    bucket: str
    queue_url: str
    store: Store

    def received(self) -> list[dict[str, Any]]:
        """Events the bus delivered to the capture queue (what the trigger would receive)."""
        sqs = boto3.client("sqs", region_name=REGION)
        messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def start(self, name: str, payload: dict[str, Any] | None = None) -> str:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn: str = sfn.start_execution(stateMachineArn=self.machine, name=name, input=json.dumps(payload or {}))[
            "executionArn"
        ]
        return arn

    def wait(self, arn: str) -> dict[str, Any]:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        deadline = time.monotonic() + 60  # moto runs executions in a thread; a busy machine is slow
        while time.monotonic() < deadline:
            execution: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.02)
        raise AssertionError("the execution did not finish")


@pytest.fixture
def ops_world(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> OpsWorld:
    """Given a deployed failover stack (in moto) whose outputs name its table, machine, bus and bucket."""
    plan_file = tmp_path / "plans" / "web.yaml"
    plan_file.parent.mkdir()
    plan_file.write_text(PLAN_YAML)
    key_schema, attributes, ttl = table_key_schema()
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName="failover-incidents",
        KeySchema=key_schema,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(
        TableName="failover-incidents", TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
    )
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(name="failover-test-sm", definition=json.dumps(DEFINITION), roleArn=ROLE)[
        "stateMachineArn"
    ]
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="failover-bus")
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="captured-requests")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="manual-requests",
        EventBusName="failover-bus",
        EventPattern=json.dumps({"source": ["failover.manual"], "detail-type": ["Failover Requested"]}),
    )
    events.put_targets(Rule="manual-requests", EventBusName="failover-bus", Targets=[{"Id": "q", "Arn": queue_arn}])
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="failover-topic")["TopicArn"]
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="failover-reports")
    outputs = {
        "StateMachineArn": machine,
        "TableName": "failover-incidents",
        "TopicArn": topic,
        "EventBusName": "failover-bus",
        "ReportBucketName": "failover-reports",
        "PlanFile": plan_file.name,  # a file name in plans/, as the template gives it
    }
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    monkeypatch.setenv("FAILOVER_STACK", STACK)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(deployed, "_sleep", lambda seconds: time.sleep(0.02))
    return OpsWorld(
        table="failover-incidents",
        machine=machine,
        bus="failover-bus",
        bucket="failover-reports",
        queue_url=queue_url,
        store=Store("failover-incidents", Clients(REGION), REGION),
    )


def status_text(capsys: pytest.CaptureFixture[str]) -> str:
    """``failoverctl status`` as a person reads it (it must succeed)."""
    assert main(["status", "--stack", STACK]) == 0
    return capsys.readouterr().out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """Run failoverctl with --json; return the exit code and the parsed output."""
    code = main([*argv, "--stack", STACK, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


# ---------------------------------------------------------------- status


def test_status_lists_the_plan_groups_before_anything_ran(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    code, body = run(capsys, "status")
    assert code == 0
    assert body["stack"] == STACK
    assert body["paused_globally"] is False
    [web] = body["groups"]
    assert web["group"] == "web"
    assert web["active_side"] == "primary"
    assert web["recorded"] is False
    assert web["lock"] is None
    assert web["last_incident"] is None


def test_status_shows_side_lock_pause_and_last_incident(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given web failed over, is locked by a running execution and paused; and a group known only to the table
    store = ops_world.store
    store.set_active("web", "secondary", "web-failover-1", failover=True)
    store.acquire_lock("web", "exec-1", "web-failover-1", 600)
    store.set_paused("web", True, by="alice", reason="maintenance")
    store.put_incident("web", "web-failover-1", "2026-01-01T00:00:00.000Z", outcome="succeeded")
    store.set_active("db", "primary", None, failover=False)
    # When status runs
    code, body = run(capsys, "status")
    # Then each group shows what the table holds
    assert code == 0
    groups = {g["group"]: g for g in body["groups"]}
    assert list(groups) == ["web", "db"]
    web = groups["web"]
    assert web["active_side"] == "secondary"
    assert web["paused"] is True
    assert (web["paused_by"], web["paused_reason"]) == ("alice", "maintenance")
    assert web["lock"]["owner"] == "exec-1"
    assert web["lock"]["expired"] is False
    assert web["last_incident"]["incident_id"] == "web-failover-1"
    assert web["last_incident"]["outcome"] == "succeeded"
    # And as text
    text = status_text(capsys)
    assert "web: on secondary, PAUSED by alice: maintenance, lock held by exec-1" in text
    assert "last incident: web-failover-1 succeeded" in text


def test_status_says_which_one_way_actions_ran_and_what_re_protection_needs(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given web failed over by promoting its replica, recorded as one-way
    entry = {
        "name": "web-db",
        "action": "rds_promote_replica",
        "from_side": "primary",
        "to_side": "secondary",
        "incident_id": "web-failover-1",
        "reprotect": "recreate web-db as a replica of web-db-replica",
    }
    ops_world.store.set_active("web", "secondary", "web-failover-1", failover=True)
    ops_world.store.record_one_way("web", entry)
    # When status runs
    code, body = run(capsys, "status")
    # Then the group lists it, as JSON and as text
    assert code == 0
    [web] = body["groups"]
    assert web["one_way"] == [entry]
    text = status_text(capsys)
    assert "one-way: rds_promote_replica web-db ran in web-failover-1" in text
    assert "the primary side needs re-protection before traffic returns: recreate web-db as a replica" in text


# ---------------------------------------------------------------- history


def test_history_joins_incidents_timelines_and_executions(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one incident in the table with its execution, and one execution the table has not recorded yet
    store = ops_world.store
    arn = ops_world.start("web-failover-20260101T000000Z-aaaa0001", {"request": {"group": "web"}})
    ops_world.wait(arn)
    store.put_incident(
        "web",
        "web-failover-20260101T000000Z-aaaa0001",
        "2026-01-01T00:00:00.000Z",
        outcome="succeeded",
        execution_id=arn,
    )
    store.add_event("web-failover-20260101T000000Z-aaaa0001", "trigger", "alarm web-primary-health: started")
    store.add_event("web-failover-20260101T000000Z-aaaa0001", "decision", "proceed: all checks passed")
    orphan = ops_world.start("web-failback-20990101T000000Z-bbbb0002")
    ops_world.wait(orphan)
    ops_world.start("webby-failover-x")  # another group's execution, whose name starts alike
    # When history runs for web
    code, body = run(capsys, "history", "--group", "web")
    # Then both incidents are listed with their execution status, newest first
    assert code == 0
    [entry] = body["groups"]
    incidents = {i["incident_id"]: i for i in entry["incidents"]}
    assert set(incidents) == {"web-failover-20260101T000000Z-aaaa0001", "web-failback-20990101T000000Z-bbbb0002"}
    recorded = incidents["web-failover-20260101T000000Z-aaaa0001"]
    assert recorded["execution"]["status"] == "SUCCEEDED"
    assert [t["kind"] for t in recorded["timeline"]] == ["trigger", "decision"]
    assert incidents["web-failback-20990101T000000Z-bbbb0002"]["execution"]["arn"] == orphan
    # And --limit keeps the newest
    code, body = run(capsys, "history", "--group", "web", "--limit", "1")
    assert [i["incident_id"] for i in body["groups"][0]["incidents"]] == ["web-failback-20990101T000000Z-bbbb0002"]


def test_history_text_and_unknown_group(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--stack", STACK]) == 0
    assert "web:\n  no incident" in capsys.readouterr().out
    code, body = run(capsys, "history", "--group", "nope")
    assert code == 2
    assert body["error"] == "UnknownGroup"
    assert body["known"] == ["web"]


# ---------------------------------------------------------------- failover / failback


def test_failover_puts_the_manual_request_on_the_bus_and_finds_the_execution(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the trigger starts an execution named <group>-<direction>-... once the event arrives
    started: list[str] = []

    def trigger_runs(seconds: float) -> None:
        if not started:
            started.append(ops_world.start("web-failover-20260101T000000Z-cafe0001"))

    monkeypatch.setattr(deployed, "_sleep", trigger_runs)
    # When a person requests a dry-run failover
    code, body = run(capsys, "failover", "--group", "web", "--dry-run", "--reason", "planned test", "--wait", "5")
    # Then the bus got the request with the caller's identity, and the execution to follow is printed
    assert code == 0
    [event] = ops_world.received()
    assert event["source"] == "failover.manual"
    assert event["detail-type"] == "Failover Requested"
    assert event["detail"] == {
        "group": "web",
        "direction": "failover",
        "dry_run": True,
        "reason": "planned test",
        "requested_by": "arn:aws:sts::123456789012:user/moto",
    }
    assert body["event_bus"] == "failover-bus"
    assert body["execution"]["arn"] == started[0]
    assert body["execution"]["console_url"].endswith(started[0])


def test_failback_without_an_execution_yet(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run(capsys, "failback", "--group", "web", "--wait", "0")
    assert code == 0
    assert body["requested"]["direction"] == "failback"
    assert body["requested"]["dry_run"] is False
    assert body["execution"] is None
    [event] = ops_world.received()
    assert event["detail"]["direction"] == "failback"
    # as text, the user is told where to look
    assert main(["failback", "--group", "web", "--wait", "0", "--stack", STACK]) == 0
    assert "failoverctl history --group web" in capsys.readouterr().out


def test_an_execution_older_than_the_request_is_not_the_one_to_follow(ops_world: OpsWorld) -> None:
    ops_world.start("web-failover-20260101T000000Z-old00001")
    stack = deployed.connect(argparse.Namespace(stack=STACK, region=REGION))
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert deployed.find_execution(stack, "web", "failover", later, wait_seconds=0) is None
    found = deployed.find_execution(stack, "web", "failover", datetime.now(UTC), wait_seconds=0)
    assert found is not None
    assert found["name"] == "web-failover-20260101T000000Z-old00001"
    assert deployed.find_execution(stack, "web", "failback", datetime.now(UTC), wait_seconds=0) is None


def test_failover_of_an_unknown_group_sends_nothing(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run(capsys, "failover", "--group", "nope", "--wait", "0")
    assert code == 2
    assert body["error"] == "UnknownGroup"
    assert ops_world.received() == []


def test_failover_needs_the_group_option(ops_world: OpsWorld) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["failover", "--stack", STACK])
    assert exit_info.value.code == 2


# ---------------------------------------------------------------- pause / resume


def test_pause_and_resume_a_group_and_everything(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    store = ops_world.store
    code, body = run(capsys, "pause", "--group", "web", "--reason", "database maintenance")
    assert code == 0
    assert body == {
        "paused": True,
        "scope": "group",
        "group": "web",
        "by": "arn:aws:sts::123456789012:user/moto",
        "reason": "database maintenance",
        "still_paused_globally": False,
    }
    state = store.group_state("web")
    assert state["paused"] is True
    assert state["paused_reason"] == "database maintenance"

    code, body = run(capsys, "pause", "--all", "--reason", "region evacuation drill")
    assert code == 0
    assert store.global_settings()["paused"] is True

    code, body = run(capsys, "resume", "--group", "web")
    assert code == 0
    assert store.group_state("web")["paused"] is False
    assert body["still_paused_globally"] is True

    assert main(["resume", "--all", "--stack", STACK]) == 0
    assert "resumed all groups" in capsys.readouterr().out
    assert store.global_settings()["paused"] is False


def test_pause_scope_is_required_and_exclusive(ops_world: OpsWorld) -> None:
    for argv in (["pause"], ["pause", "--group", "web", "--all"], ["resume"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--stack", STACK])
        assert exit_info.value.code == 2


def test_pause_of_an_unknown_group_changes_nothing(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run(capsys, "pause", "--group", "nope")
    assert code == 2
    assert body["error"] == "UnknownGroup"
    assert ops_world.store.group_state("nope") == {}


# ---------------------------------------------------------------- report


def _finished_incident(world: OpsWorld) -> str:
    name = "web-failover-20260101T000000Z-feed0001"
    request = {
        "request_id": "r-1",
        "incident_id": name,
        "group": "web",
        "direction": "failover",
        "source": "manual",
        "requested_by": "alice <admin>",
        "dry_run": True,
        "received_at": "2026-01-01T00:00:00.000Z",
    }
    world.wait(world.start(name, {"request": request, "timing": {}}))
    world.store.add_event(name, "trigger", "manual request by alice: execution started")
    return name


def test_report_renders_markdown_to_stdout(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    name = _finished_incident(ops_world)
    assert main(["report", name, "--stack", STACK]) == 0
    md = capsys.readouterr().out
    assert md.startswith(f"# Incident {name}")
    assert "alice &lt;admin&gt;" in md
    assert "manual request by alice: execution started" in md
    assert "| state | Validate Request |" in md
    assert "DRY RUN: would UPSERT app.example.com." in md


def test_report_writes_html_and_uploads(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    name = _finished_incident(ops_world)
    out = tmp_path / "incident.html"
    code, body = run(capsys, "report", name, "--out", str(out), "--upload")
    assert code == 0
    assert body["format"] == "html"
    assert body["status"] == "SUCCEEDED"
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert 'class="bar action"' in page
    assert body["uploaded"]["html"] == f"s3://failover-reports/reports/web/{name}.html"
    s3 = boto3.client("s3", region_name=REGION)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="failover-reports")["Contents"])
    assert keys == [f"reports/web/{name}.html", f"reports/web/{name}.md"]


def test_report_of_an_unknown_execution(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run(capsys, "report", "web-failover-nope")
    assert code == 2
    assert body["error"] == "ExecutionNotFound"


# ---------------------------------------------------------------- live drill


def drill_args(**overrides: Any) -> argparse.Namespace:
    values: dict[str, Any] = {
        "group": "web",
        "dry_run": True,
        "stack": STACK,
        "region": None,
        "json": True,
        "plan": None,
        "timeout": 120,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


def test_live_drill_runs_the_deployed_machine_in_dry_run(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a live dry-run drill runs for web
    code = live_drill.run_live_drill(drill_args())
    body = json.loads(capsys.readouterr().out)
    # Then the deployed machine ran a dry-run drill request for web and the outcome is printed
    assert code == 0
    assert body["status"] == "SUCCEEDED"
    assert body["name"].startswith("web-failover-drill-")
    assert body["decision"]["outcome"] == "proceed"
    assert body["actions"][0]["status"] == "dry_run"
    assert body["verified"] is True
    sfn = boto3.client("stepfunctions", region_name=REGION)
    sent = json.loads(sfn.describe_execution(executionArn=body["execution"])["input"])
    assert sent["request"]["dry_run"] is True
    assert sent["request"]["source"] == "drill"
    assert sent["request"]["incident_id"] == body["name"]
    assert sent["timing"] == {"confirmation_seconds": 0, "verify_interval_seconds": 15, "approval_timeout_seconds": 900}


def test_live_drill_refuses_without_dry_run_and_reports_failure(
    ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    assert live_drill.run_live_drill(drill_args(dry_run=False)) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "DryRunRequired"
    assert live_drill.run_live_drill(drill_args(group="nope")) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "UnknownGroup"
    # Given a deployed machine that fails
    boto3.client("stepfunctions", region_name=REGION).update_state_machine(
        stateMachineArn=ops_world.machine, definition=json.dumps(FAILING)
    )
    assert live_drill.run_live_drill(drill_args(json=False)) == 1
    assert "status: FAILED" in capsys.readouterr().out


# ---------------------------------------------------------------- errors


def test_stack_not_found(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["status", "--stack", "no-such-stack", "--json"])
    body = json.loads(capsys.readouterr().out)
    assert code == 2
    assert body["error"] == "StackNotFound"
    assert main(["status", "--stack", "no-such-stack"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("failoverctl: stack 'no-such-stack' not found")
    assert "Traceback" not in err


def test_missing_output_is_named(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    template = {"Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"TableName": {"Value": "t"}}}
    boto3.client("cloudformation", region_name=REGION).create_stack(StackName="half", TemplateBody=json.dumps(template))
    code = main(["failover", "--group", "web", "--stack", "half", "--json", "--plan", "plans/web.yaml", "--wait", "0"])
    body = json.loads(capsys.readouterr().out)
    assert code == 2
    assert body["error"] == "OutputMissing"
    assert body["output"] == "EventBusName"


def test_aws_error_exits_1(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a stack whose table is gone
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName=ops_world.table)
    code, body = run(capsys, "status")
    assert code == 1
    assert body["error"] == "ResourceNotFoundException"


def test_bad_plan_file_exits_2(ops_world: OpsWorld, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: [")
    code, body = run(capsys, "status", "--plan", str(bad))
    assert code == 2
    assert body["error"] == "PlanError"


def test_no_credentials_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given no credentials anywhere (no moto here: nothing may answer)
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["status", "--stack", STACK, "--region", REGION, "--json"])
    body = json.loads(capsys.readouterr().out)
    assert code == 2
    assert body["error"] == "NoCredentials"


def test_no_region_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main(["status", "--stack", STACK]) == 2
    assert "no AWS region" in capsys.readouterr().err
