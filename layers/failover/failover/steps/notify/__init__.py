"""Notifications people act on: one message per phase to SNS and Slack, and approval from Slack.

- ``messages``: the ``Incident`` view of an execution's state, and its readable text.
- ``sns``: one message per phase with filterable attributes and per-protocol bodies.
- ``slack_blocks``: Block Kit messages within Slack's limits.
- ``slack_webhook``: delivery through an incoming webhook with bounded retries.
- ``slack_secret``: the webhook URL from Secrets Manager; ``redact``: keeping it out of every text.
- ``service``: ``deliver(...)``, best effort with a record, for the notify function.
- ``slack_interactive``: verification of Slack's approve/deny button callbacks.
"""

from __future__ import annotations

from failover.steps.notify.messages import Incident
from failover.steps.notify.service import ApprovalLinks, deliver

__all__ = ["ApprovalLinks", "Incident", "deliver"]
