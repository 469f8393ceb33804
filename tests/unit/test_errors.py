"""AWS throttling and 5xx that outlive the SDK's retries become TransientError, which the state machine retries."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from failover.errors import TransientError, transient_aws_errors


def failing(code: str, status: int) -> None:
    raise ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeAlarms"
    )


@pytest.mark.parametrize(
    ("code", "status"), [("Throttling", 400), ("ThrottlingException", 400), ("InternalFailure", 500), ("Whatever", 503)]
)
def test_transient_errors_are_retryable(code: str, status: int) -> None:
    with pytest.raises(TransientError) as err:
        transient_aws_errors(failing)(code, status)
    assert "DescribeAlarms" in err.value.message


def test_other_errors_pass_through() -> None:
    with pytest.raises(ClientError):
        transient_aws_errors(failing)("AccessDenied", 403)


def test_the_gate_retries_a_throttled_read_end_to_end(world: object) -> None:
    """A throttled DescribeAlarms in the gate (past botocore's retries) is retried by the state machine."""
    from failoverctl.drill import execution_report

    group = world.plan.group("web")  # type: ignore[attr-defined]
    world.set_side_health(group, "primary", 0.0)  # type: ignore[attr-defined]
    world.set_alarm("web-primary-health", "us-east-1", "ALARM")  # type: ignore[attr-defined]
    event = world.alarm_event("web-primary-health", "us-east-1")  # type: ignore[attr-defined]
    world.sim.inject("cloudwatch.DescribeAlarms", "throttle", 5)  # type: ignore[attr-defined]
    arn = world.route(event).results[0]["execution_arn"]  # type: ignore[attr-defined]
    report = execution_report(world, arn)  # type: ignore[arg-type]
    assert report.status == "SUCCEEDED"
    assert report.state_names.count("Validate Request") == 1
