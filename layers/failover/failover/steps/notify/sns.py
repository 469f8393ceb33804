"""One SNS message per phase: filterable attributes, and a body for people and one for machines.

``MessageStructure="json"`` lets one publish carry a different body per protocol: e-mail (and the
``default`` used by any protocol not listed) gets readable text, while ``sqs``, ``lambda``,
``http``, ``https`` and ``firehose`` subscribers get the incident as JSON. Message attributes
(group, phase, severity, direction, dry_run) let a subscription filter, e.g. only failures to a pager.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.models import NotificationRecord
from failover.observability import logger
from failover.steps.notify.messages import Incident

# SNS accepts at most 256 KiB per message, attributes included; stay well under it.
MAX_MESSAGE_BYTES = 240 * 1024
MACHINE_PROTOCOLS = ("sqs", "lambda", "http", "https", "firehose")


def attributes(incident: Incident) -> dict[str, dict[str, str]]:
    """The message attributes subscribers filter on (all ``String``; values never empty)."""
    values = {
        "group": incident.group,
        "phase": incident.phase,
        "severity": incident.severity,
        "direction": incident.direction,
        "dry_run": "true" if incident.dry_run else "false",
        "status": incident.status,
    }
    return {k: {"DataType": "String", "StringValue": v[:256] or "-"} for k, v in values.items()}


def message_body(incident: Incident, *, max_bytes: int = MAX_MESSAGE_BYTES) -> str:
    """The ``MessageStructure="json"`` body, shrunk until it fits ``max_bytes``."""
    text_chars, items, string_chars = 16000, 200, 4000
    while True:
        text = incident.to_text(max_items=min(items, 50), max_chars=text_chars)
        machine = json.dumps(incident.to_machine(max_items=items, max_chars=string_chars), separators=(",", ":"))
        body: dict[str, str] = {"default": text, "email": text}
        body.update(dict.fromkeys(MACHINE_PROTOCOLS, machine))
        encoded = json.dumps(body, ensure_ascii=False)
        if len(encoded.encode("utf-8")) <= max_bytes or text_chars <= 500:
            return encoded
        text_chars, items, string_chars = text_chars // 2, max(1, items // 2), max(200, string_chars // 2)


def publish(
    incident: Incident,
    *,
    topic_arn: str,
    sns_client: Any,
) -> NotificationRecord:
    """Publish one message for ``incident``; return a record (an error is recorded, not raised)."""
    kwargs: dict[str, Any] = {
        "TopicArn": topic_arn,
        "Subject": incident.subject(),
        "Message": message_body(incident),
        "MessageStructure": "json",
        "MessageAttributes": attributes(incident),
    }
    if topic_arn.endswith(".fifo"):
        kwargs["MessageGroupId"] = incident.group
        dedupe = f"{incident.execution_id or incident.incident_id}:{incident.phase}"
        kwargs["MessageDeduplicationId"] = hashlib.sha256(dedupe.encode()).hexdigest()[:64]
    try:
        response = sns_client.publish(**kwargs)
    except (ClientError, BotoCoreError) as err:
        code = err.response.get("Error", {}).get("Code", "ClientError") if isinstance(err, ClientError) else "SDK"
        logger.warning(
            "sns notification failed", extra={"phase": incident.phase, "group": incident.group, "error_code": code}
        )
        return NotificationRecord(channel="sns", phase=incident.phase, ok=False, detail=f"{code}: {err}"[:1000])
    message_id = response.get("MessageId")
    attempts = 1 + int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)
    logger.info(
        "sns notification sent",
        extra={"phase": incident.phase, "group": incident.group, "message_id": message_id, "attempts": attempts},
    )
    return NotificationRecord(
        channel="sns",
        phase=incident.phase,
        ok=True,
        detail=f"published to {topic_arn.rsplit(':', 1)[-1]}",
        message_id=message_id,
        attempts=attempts,
    )
