"""No secret leaves its store: every drill scenario, with everything it prints, logs, sends and records checked.

The secrets are the Slack webhook URL (its path is the credential) and the approval signing key.
Each scenario runs the whole pipeline with its logs captured: the functions' structured log
(``lambdas.log``), the ``logging`` records (caplog), stdout and stderr (capsys). None of them, nor
the drill report, the SNS messages, the Slack payloads or the incident table, may contain either.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import failoverctl.drill as drill
from failoverctl.scenarios import SCENARIOS
from failoverctl.sim.slack_server import WEBHOOK_PATH
from failoverctl.sim.world import World


class RecordingWorld(World):
    """A world that keeps what the test needs before it is torn down."""

    seen: list[dict[str, Any]] = []

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "lambdas"):
            sm = self.clients.get("secretsmanager")
            key = sm.get_secret_value(SecretId=self.resolver.physical["ApprovalSigningSecret"])["SecretString"]
            items = self.store.table.scan(ConsistentRead=True).get("Items", [])
            RecordingWorld.seen.append(
                {
                    "log": self.lambdas.log.getvalue(),
                    "signing_key": key,
                    "slack_url": self.slack_url,
                    "table": json.dumps(items, default=str),
                }
            )
        super().__exit__(*exc)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    RecordingWorld.seen = []
    monkeypatch.setattr(drill, "World", RecordingWorld)
    return RecordingWorld.seen


def _secrets(world: dict[str, Any]) -> dict[str, str]:
    found = {"signing key": str(world["signing_key"]), "webhook path": WEBHOOK_PATH.rsplit("/", 1)[-1]}
    if world["slack_url"]:
        found["webhook URL"] = str(world["slack_url"])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_secret_in_logs_reports_notifications_or_records(
    name: str, recorded: list[dict[str, Any]], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level("INFO")  # the deployed level (POWERTOOLS_LOG_LEVEL); botocore's DEBUG wire log is not ours
    # Given a scenario, When it runs end to end with every output captured
    report = drill.run_scenario(SCENARIOS[name])
    out, err = capsys.readouterr()
    [world] = recorded
    assert world["log"], "the functions logged nothing: the capture is not wired"
    places = {
        "function logs": world["log"],
        "log records": "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records),
        "stdout": out,
        "stderr": err,
        "drill report": json.dumps(report.to_json(), default=str),
        "SNS messages": json.dumps(report.sns, default=str),
        "Slack payloads": json.dumps(report.slack, default=str),
        "incident table": world["table"],
    }
    # Then no secret appears anywhere
    for secret_name, secret in _secrets(world).items():
        assert len(secret) >= 16
        for place, text in places.items():
            assert secret not in text, f"{name}: the {secret_name} appears in the {place}"
