"""The sam-local guard and the standard-output writer the Lambda runtime interface client installs."""

from __future__ import annotations

import io
import sys

import pytest

from failover.errors import ConfigError
from failover.local_guard import LocalEndpointMissingError, check_local_endpoint


def test_sam_local_without_endpoint_refuses_and_says_how_to_run_locally() -> None:
    # Given what sam local sets, and no local endpoint
    env = {"AWS_SAM_LOCAL": "true", "AWS_REGION": "eu-west-1"}
    # When the function starts, Then it refuses with the way to run it locally
    with pytest.raises(LocalEndpointMissingError) as err:
        check_local_endpoint(env)
    assert "make local" in str(err.value)
    assert "real AWS account" in str(err.value)
    assert isinstance(err.value, ConfigError)


@pytest.mark.parametrize("endpoint", ["", "   "])
def test_blank_endpoint_counts_as_none(endpoint: str) -> None:
    with pytest.raises(LocalEndpointMissingError):
        check_local_endpoint({"AWS_SAM_LOCAL": "true", "AWS_ENDPOINT_URL": endpoint})


@pytest.mark.parametrize(
    "env",
    [
        {},  # Lambda: sam local's variable is never set
        {"AWS_SAM_LOCAL": "false"},
        {"AWS_SAM_LOCAL": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:4599"},
    ],
)
def test_deployed_and_local_endpoint_start(env: dict[str, str]) -> None:
    check_local_endpoint(env)


class _RuntimeClientStdout:
    """What awslambdaric installs as sys.stdout: its write returns None."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def write(self, msg: str) -> None:
        self.stream.write(msg)

    def flush(self) -> None:
        pass


def test_log_lines_reach_a_stdout_whose_write_returns_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from failover.observability import logger

    # Given standard output replaced as the runtime interface client replaces it
    fake = _RuntimeClientStdout()
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stdout", fake)
    monkeypatch.setattr(sys, "stderr", errors)
    # When the function logs
    logger.info("failover started", extra={"group": "web"})
    # Then the line is written once, and logging reports no error
    assert '"failover started"' in fake.stream.getvalue()
    assert '"group":"web"' in fake.stream.getvalue()
    assert "Logging error" not in errors.getvalue()
