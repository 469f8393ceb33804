"""Shared fixtures: fake credentials, moto, and the simulated-AWS extension."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Failover",
        "POWERTOOLS_SERVICE_NAME": "failover",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_PROFILE", None)


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/ by file name (with or without .json)."""
    path = EVENTS / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def aws() -> Iterator[None]:
    """moto for every service, with Step Functions executing definitions for real."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        boto3.setup_default_session(region_name="us-east-1")
        yield


@pytest.fixture
def sim(aws: None) -> Iterator[Any]:
    """moto plus the stateful extension for the APIs moto lacks (and fault injection)."""
    from failoverctl.sim.aws import SIM
    from failoverctl.sim.extensions import register_all

    SIM.install()
    SIM.reset()
    register_all(SIM)
    SIM.enabled = True
    try:
        yield SIM
    finally:
        SIM.enabled = False
        SIM.reset()


@pytest.fixture
def world() -> Iterator[Any]:
    """A simulated account built from template.yaml and plans/example.yaml (no Slack)."""
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as w:
        yield w


@pytest.fixture
def deployed(world: Any) -> Any:
    """The world as a deployed stack: a CloudFormation stack named failover-test with the outputs the CLI reads."""
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "TableName": {"Value": world.resolver.physical["IncidentTable"]},
            "StateMachineArn": {"Value": world.state_machine_arn},
            "TopicArn": {"Value": world.resolver.physical["FailoverTopic"]},
            "EventBusName": {"Value": "default"},
            "PlanFile": {"Value": "example.yaml"},
        },
    }
    world.clients.get("cloudformation").create_stack(StackName="failover-test", TemplateBody=json.dumps(template))
    return world
