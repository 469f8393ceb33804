"""State and audit in one DynamoDB table: locks, active side, pauses, incidents and their timelines.

Keys (``pk`` / ``sk``, TTL attribute ``expires_at`` in epoch seconds):

=========================  ===============================  ==========================================
pk                         sk                               what
=========================  ===============================  ==========================================
``GROUP#<group>``          ``STATE``                        active side, last failover, pause flag,
                                                            one-way actions that ran (``one_way``)
``GROUP#<group>``          ``LOCK``                         the group lock: owner, incident, expiry
``GROUP#<group>``          ``LEASE``                        the group lease in a lock table
                                                            (``failover/infra/lease.py``)
``GROUP#<group>``          ``CLAIM#<direction>``            the open incident of a group (dedupe)
``GROUP#<group>``          ``INCIDENT#<started>#<id>``      one incident's summary (history)
``GLOBAL``                 ``SETTINGS``                     the global pause switch
``GLOBAL``                 ``RATE#<slot>``                  rate-limit slots (expire after the window)
``INCIDENT#<id>``          ``T#<at>#<seq>``                 the incident timeline
``APPROVAL#<id>``          ``TOKEN``                        a waiting approval's task token
``READINESS``              ``LAST``                         the last plan evaluation's finding keys
=========================  ===============================  ==========================================
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from failover.errors import LockError, TransientError
from failover.infra.clients import Clients
from failover.models import iso

_SEQ = itertools.count()


def plain(value: Any) -> Any:
    """DynamoDB values back to JSON types (Decimal -> int/float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _dynamo(value: Any) -> Any:
    """JSON values to what DynamoDB accepts (float -> Decimal, empty strings kept)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_dynamo(v) for v in value]
    return value


_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _typed(values: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (already DynamoDB-safe: Decimal, not float) as DynamoDB's typed attributes."""
    return {k: _SERIALIZER.serialize(v) for k, v in values.items()}


def _untyped(item: Mapping[str, Any] | None) -> dict[str, Any]:
    """A typed item as JSON values (numbers as int or float); {} for no item."""
    return plain({k: _DESERIALIZER.deserialize(v) for k, v in (item or {}).items()})


def conditional_failed(err: ClientError) -> bool:
    return err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


@dataclass
class LockResult:
    acquired: bool
    owner: str | None
    took_over: str | None = None
    expires_at: int | None = None
    detail: str = ""
    token: int | None = None  # the lease's fencing token (None for the single-table lock)
    #: the group's last activation by any stack, as the lease's tables record it (None without a lease)
    last_activation: dict[str, Any] | None = None


@dataclass
class Claim:
    incident_id: str
    created: bool
    events: int
    execution_arn: str | None = None


class Store:
    """The table through DynamoDB's low-level client (typed attributes converted here).

    The client is the one ``Clients`` hands every caller: a cold function loads DynamoDB's service
    model once and never the resource model of boto3's resource API.
    """

    def __init__(self, table_name: str, clients: Clients, region: str | None = None) -> None:
        self.table_name = table_name
        self.client = clients.get("dynamodb", region)
        self._clients = clients
        self._region = region

        #: run before every write of the group's state; raises when the writer no longer holds the lease
        self.fence: Callable[[], object] | None = None

    def fenced(self, fence: Callable[[], object] | None) -> Store:
        """A view of this store whose group-state writes are checked by ``fence`` first (``infra/lease.py``).

        A copy: the store is shared by a warm container's invocations, the fence belongs to one execution.
        """
        view = copy.copy(self)
        view.fence = fence
        return view

    def _check_fence(self) -> None:
        if self.fence is not None:
            self.fence()

    @cached_property
    def table(self) -> Any:
        """boto3's resource ``Table`` for the same table (tools and tests; the functions never create it)."""
        return self._clients.resource("dynamodb", self._region).Table(self.table_name)

    # ---------------------------------------------------------------- low-level calls on the table

    def _get(self, pk: str, sk: str) -> dict[str, Any]:
        item = self.client.get_item(TableName=self.table_name, Key=_typed({"pk": pk, "sk": sk}), ConsistentRead=True)
        return _untyped(item.get("Item"))

    def _put(self, item: Mapping[str, Any], *, values: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if values:
            kwargs["ExpressionAttributeValues"] = _typed(values)
        return self.client.put_item(TableName=self.table_name, Item=_typed(item), **kwargs)

    def _update(self, pk: str, sk: str, *, values: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if values:
            kwargs["ExpressionAttributeValues"] = _typed(values)
        return self.client.update_item(TableName=self.table_name, Key=_typed({"pk": pk, "sk": sk}), **kwargs)

    def _delete(self, pk: str, sk: str, *, values: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if values:
            kwargs["ExpressionAttributeValues"] = _typed(values)
        return self.client.delete_item(TableName=self.table_name, Key=_typed({"pk": pk, "sk": sk}), **kwargs)

    def _query(self, pk: str, sk_prefix: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of partition ``pk`` (whose sort key starts with ``sk_prefix``), page by page."""
        condition = "pk = :pk" + (" AND begins_with(sk, :sk)" if sk_prefix is not None else "")
        values = {":pk": pk} if sk_prefix is None else {":pk": pk, ":sk": sk_prefix}
        kwargs |= {"TableName": self.table_name, "KeyConditionExpression": condition}
        kwargs["ExpressionAttributeValues"] = _typed(values)
        items: list[dict[str, Any]] = []
        while True:
            resp = self.client.query(**kwargs)
            items.extend(_untyped(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp or "Limit" in kwargs:
                return items
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    # ---------------------------------------------------------------- group state

    def group_state(self, group: str) -> dict[str, Any]:
        return self._get(f"GROUP#{group}", "STATE")

    def set_active(self, group: str, side: str, incident_id: str | None, *, failover: bool) -> None:
        self._check_fence()
        now = int(time.time())
        names = {"#a": "active_side", "#u": "updated_at"}
        values: dict[str, Any] = {":a": side, ":u": iso()}
        expr = "SET #a = :a, #u = :u"
        if failover:
            names.update({"#lf": "last_failover_at", "#le": "last_failover_epoch", "#li": "last_incident_id"})
            values.update({":lf": iso(), ":le": now, ":li": incident_id or ""})
            expr += ", #lf = :lf, #le = :le, #li = :li"
        self._update(f"GROUP#{group}", "STATE", UpdateExpression=expr, ExpressionAttributeNames=names, values=values)

    def one_way(self, group: str) -> list[dict[str, Any]]:
        """The one-way actions that ran for ``group`` and whose side left is not re-protected yet."""
        entries: list[dict[str, Any]] = self.group_state(group).get("one_way") or []
        return entries

    def record_one_way(self, group: str, entry: Mapping[str, Any]) -> None:
        """Record a one-way action that ran (``name``, ``from_side``, ``to_side``, ``reprotect``, ...).

        It replaces the same action's earlier entry, and entries whose side left is the side this one
        moved to: moving there again is the re-protection they asked for, already verified by the gate.
        """
        self._check_fence()
        kept = [
            e
            for e in self.one_way(group)
            if e.get("name") != entry.get("name") and e.get("from_side") != entry.get("to_side")
        ]
        self._set_one_way(group, [*kept, dict(entry)])

    def clear_one_way(self, group: str, side: str) -> None:
        """Forget the one-way actions that left ``side``: traffic is back on it after its re-protection."""
        self._check_fence()
        entries = self.one_way(group)
        kept = [e for e in entries if e.get("from_side") != side]
        if len(kept) == len(entries):
            return
        self._set_one_way(group, kept)

    def _set_one_way(self, group: str, entries: list[dict[str, Any]]) -> None:
        self._update(
            f"GROUP#{group}",
            "STATE",
            UpdateExpression="SET #o = :o",
            ExpressionAttributeNames={"#o": "one_way"},
            values={":o": _dynamo(entries)},
        )

    def set_paused(self, group: str | None, paused: bool, by: str, reason: str = "") -> None:
        pk, sk = ("GLOBAL", "SETTINGS") if group is None else (f"GROUP#{group}", "STATE")
        self._update(
            pk,
            sk,
            UpdateExpression="SET paused = :p, paused_by = :b, paused_reason = :r, paused_at = :t",
            values={":p": paused, ":b": by, ":r": reason, ":t": iso()},
        )

    def global_settings(self) -> dict[str, Any]:
        return self._get("GLOBAL", "SETTINGS")

    def group_names(self) -> list[str]:
        """Every group the table holds an item for (a scan of partition keys; the table is small)."""
        names: set[str] = set()
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "ProjectionExpression": "pk",
            "FilterExpression": "begins_with(pk, :g)",
            "ExpressionAttributeValues": _typed({":g": "GROUP#"}),
        }
        while True:
            resp = self.client.scan(**kwargs)
            names.update(str(_untyped(item)["pk"]).removeprefix("GROUP#") for item in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return sorted(names)
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def group_state_and_settings(self, group: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """``group_state`` and ``global_settings`` in one strongly consistent read (BatchGetItem)."""
        state_key = (f"GROUP#{group}", "STATE")
        settings_key = ("GLOBAL", "SETTINGS")
        keys: list[dict[str, Any]] = [_typed({"pk": pk, "sk": sk}) for pk, sk in (state_key, settings_key)]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for _ in range(5):  # DynamoDB may leave keys unprocessed under load: ask again for those
            resp = self.client.batch_get_item(RequestItems={self.table_name: {"Keys": keys, "ConsistentRead": True}})
            for typed in resp.get("Responses", {}).get(self.table_name, []):
                item = _untyped(typed)
                found[(item["pk"], item["sk"])] = item
            keys = resp.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
            if not keys:
                break
        else:
            return self.group_state(group), self.global_settings()
        return found.get(state_key, {}), found.get(settings_key, {})

    # ---------------------------------------------------------------- the group lock

    def acquire_lock(self, group: str, owner: str, incident_id: str, ttl_seconds: int) -> LockResult:
        """Take the group lock; an expired lock (a crashed execution's) is taken over and reported."""
        now = int(time.time())
        expires = now + ttl_seconds
        pk = f"GROUP#{group}"
        try:
            old = self._put(
                {
                    "pk": pk,
                    "sk": "LOCK",
                    "owner": owner,
                    "incident_id": incident_id,
                    "acquired_at": iso(),
                    "expires_at": expires,
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR #o = :owner",
                ExpressionAttributeNames={"#o": "owner"},
                values={":now": now, ":owner": owner},
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except ClientError as err:
            if not conditional_failed(err):
                raise
            held = self._get(pk, "LOCK")
            return LockResult(
                False,
                held.get("owner"),
                expires_at=held.get("expires_at"),
                detail=f"held by {held.get('owner')} until {held.get('expires_at')}",
            )
        old_plain = _untyped(old)
        took_over = None
        if old_plain and old_plain.get("owner") != owner:
            took_over = str(old_plain.get("owner"))
        detail = "acquired" if not took_over else f"took over the expired lock of {took_over}"
        return LockResult(True, owner, took_over=took_over, expires_at=expires, detail=detail)

    def _delete_if(self, key: dict[str, str], attribute: str, value: str) -> bool:
        """Delete the item only while its ``attribute`` is still ``value``; whether it was deleted."""
        try:
            self._delete(
                key["pk"],
                key["sk"],
                ConditionExpression="#a = :v",
                ExpressionAttributeNames={"#a": attribute},
                values={":v": value},
            )
            return True
        except ClientError as err:
            if conditional_failed(err):
                return False
            raise

    def release_lock(self, group: str, owner: str) -> bool:
        """Release the lock only if ``owner`` holds it. Returns whether it was released."""
        return self._delete_if({"pk": f"GROUP#{group}", "sk": "LOCK"}, "owner", owner)

    def lock(self, group: str) -> dict[str, Any]:
        return self._get(f"GROUP#{group}", "LOCK")

    def leave_lock(self, group: str, owner: str, incident_id: str, *, acquired_at: str, expires_at: int) -> None:
        """Write the lock as an execution that crashed would leave it (drills rehearse the takeover)."""
        self._put(
            {
                "pk": f"GROUP#{group}",
                "sk": "LOCK",
                "owner": owner,
                "incident_id": incident_id,
                "acquired_at": acquired_at,
                "expires_at": expires_at,
            }
        )

    # ---------------------------------------------------------------- incident claims (dedupe)

    def claim_incident(self, group: str, direction: str, incident_id: str, window_seconds: int) -> Claim:
        """Open an incident for (group, direction), or join the one already open in the window.

        Deliveries race (Lambda invokes the trigger concurrently) and an incident may close between
        a failed open and the join: the join is conditional on the claim still being there and
        open, and a failed join opens a new claim again. The loop ends within a few rounds because
        every round either opens or joins unless the claim changed in between.
        """
        pk, sk = f"GROUP#{group}", f"CLAIM#{direction}"
        for _ in range(10):
            now = int(time.time())
            try:
                self._put(
                    {
                        "pk": pk,
                        "sk": sk,
                        "incident_id": incident_id,
                        "created_at": iso(),
                        "expires_at": now + window_seconds,
                        "events": 1,
                    },
                    ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                    values={":now": now},
                )
                return Claim(incident_id, True, 1)
            except ClientError as err:
                if not conditional_failed(err):
                    raise
            try:
                typed = self._update(
                    pk,
                    sk,
                    UpdateExpression="ADD events :one",
                    ConditionExpression="attribute_exists(incident_id) AND expires_at >= :now",
                    values={":one": 1, ":now": now},
                    ReturnValues="ALL_NEW",
                )["Attributes"]
            except ClientError as err:
                if not conditional_failed(err):
                    raise
                continue  # closed or expired since the open failed: open a new one
            item = _untyped(typed)
            return Claim(str(item["incident_id"]), False, int(item.get("events", 0)), item.get("execution_arn"))
        raise TransientError(f"the open incident of group '{group}' kept changing; the event is retried")

    def claim(self, group: str, direction: str) -> dict[str, Any]:
        """The open incident of (group, direction), with how many events joined it; {} when none."""
        return self._get(f"GROUP#{group}", f"CLAIM#{direction}")

    def mark_claim_started(self, group: str, direction: str, incident_id: str, execution_arn: str) -> None:
        try:
            self._update(
                f"GROUP#{group}",
                f"CLAIM#{direction}",
                UpdateExpression="SET execution_arn = :e",
                ConditionExpression="incident_id = :i",
                values={":e": execution_arn, ":i": incident_id},
            )
        except ClientError as err:
            if not conditional_failed(err):
                raise

    def release_claim(self, group: str, direction: str, incident_id: str) -> bool:
        """Close the group's open incident so that the next alarm transition starts a new one."""
        return self._delete_if({"pk": f"GROUP#{group}", "sk": f"CLAIM#{direction}"}, "incident_id", incident_id)

    # ---------------------------------------------------------------- rate limit (sliding-window slots)

    def take_rate_slot(self, max_failovers: int, window_seconds: int, group: str, incident_id: str) -> int | None:
        """Take one of ``max_failovers`` slots for ``window_seconds``; None when all are taken.

        Each slot is an item written with a condition, so concurrent executions cannot both take
        the last slot: the limit holds exactly even when every group fails at once.
        """
        now = int(time.time())
        for slot in range(max_failovers):
            try:
                self._put(
                    {
                        "pk": "GLOBAL",
                        "sk": f"RATE#{slot}",
                        "group": group,
                        "incident_id": incident_id,
                        "taken_at": iso(),
                        "expires_at": now + window_seconds,
                    },
                    ConditionExpression="attribute_not_exists(pk) OR expires_at < :now OR incident_id = :i",
                    values={":now": now, ":i": incident_id},
                )
                return slot
            except ClientError as err:
                if not conditional_failed(err):
                    raise
        return None

    def rate_slots(self) -> list[dict[str, Any]]:
        now = int(time.time())
        return [i for i in self._query("GLOBAL", "RATE#", ConsistentRead=True) if int(i.get("expires_at", 0)) >= now]

    def release_rate_slot(self, incident_id: str) -> None:
        for item in self.rate_slots():
            if item.get("incident_id") == incident_id:
                self._delete_if({"pk": "GLOBAL", "sk": item["sk"]}, "incident_id", incident_id)

    # ---------------------------------------------------------------- incidents and timelines

    def put_incident(
        self, group: str, incident_id: str, started_at: str, fields: dict[str, Any] | None = None, **extra: Any
    ) -> None:
        self._put(
            _dynamo(
                {
                    **(fields or {}),
                    **extra,
                    "pk": f"GROUP#{group}",
                    "sk": f"INCIDENT#{started_at}#{incident_id}",
                    "group": group,
                    "incident_id": incident_id,
                    "started_at": started_at,
                }
            )
        )

    def incidents(self, group: str, limit: int = 20) -> list[dict[str, Any]]:
        return self._query(f"GROUP#{group}", "INCIDENT#", ScanIndexForward=False, Limit=limit)

    def add_event(self, incident_id: str, kind: str, detail: str, *, at: str | None = None, **data: Any) -> None:
        """Add to the incident's timeline; ``at`` (ISO time, default now) places the entry in it."""
        at = at or iso()
        self._put(
            _dynamo(
                {
                    "pk": f"INCIDENT#{incident_id}",
                    "sk": f"T#{at}#{next(_SEQ):06d}",
                    "at": at,
                    "kind": kind,
                    "detail": detail,
                    "data": data,
                }
            )
        )

    def record_decision(self, incident_id: str | None, decision: Mapping[str, Any]) -> None:
        """The gate's decision in the incident's timeline, placed at the time it was made.

        A proceed decision is recorded beside the first stage (with the started notification): the
        first traffic change does not wait for this write. The gate's function records the others.
        """
        if not incident_id:
            return
        self.add_event(
            incident_id,
            "decision",
            f"{decision.get('outcome')}: {decision.get('reason')}",
            at=str(decision["decided_at"]) if decision.get("decided_at") else None,
            decision=dict(decision),
        )

    def remembered_health_events(self, incident_id: str | None) -> list[dict[str, Any]]:
        """The AWS Health events the trigger recorded on an open incident (``event_arn``, ``region``)."""
        if not incident_id:
            return []
        return [dict(e.get("data") or {}) for e in self.timeline(incident_id) if e.get("kind") == "aws_health"]

    def timeline(self, incident_id: str) -> list[dict[str, Any]]:
        return self._query(f"INCIDENT#{incident_id}")

    # ---------------------------------------------------------------- approvals

    def put_approval(self, approval_id: str, token: str, execution_id: str, group: str, expires_at: int) -> None:
        self._put(
            {
                "pk": f"APPROVAL#{approval_id}",
                "sk": "TOKEN",
                "task_token": token,
                "execution_id": execution_id,
                "group": group,
                "expires_at": expires_at,
                "used": False,
                "created_at": iso(),
            }
        )
        # an index entry so that a person can decide by execution name (failoverctl approve EXECUTION)
        self._put(
            {
                "pk": "APPROVALS",
                "sk": f"{execution_id.rsplit(':', 1)[-1]}#{approval_id}",
                "approval_id": approval_id,
                "group": group,
                "expires_at": expires_at,
            }
        )

    def approvals_for(self, execution_name: str) -> list[dict[str, Any]]:
        """The approval requests of an execution (by name)."""
        return self._query("APPROVALS", f"{execution_name}#", ConsistentRead=True)

    def pending_approvals(self) -> list[dict[str, Any]]:
        """Approval requests that are neither used nor expired."""
        now = int(time.time())
        out = []
        for index in self._query("APPROVALS", ConsistentRead=True):
            if int(index.get("expires_at", 0)) < now:
                continue
            item = self.approval(str(index["approval_id"]))
            if item and not item.get("used"):
                out.append(item | {"approval_id": index["approval_id"]})
        return out

    def use_approval(self, approval_id: str, by: str, approved: bool) -> dict[str, Any]:
        """Mark an approval used (single use). Raises LockError if it was already used or is unknown."""
        try:
            item = self._update(
                f"APPROVAL#{approval_id}",
                "TOKEN",
                UpdateExpression="SET used = :t, decided_by = :b, approved = :a, decided_at = :at",
                ConditionExpression="attribute_exists(pk) AND used = :f",
                values={":t": True, ":f": False, ":b": by, ":a": approved, ":at": iso()},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as err:
            if conditional_failed(err):
                raise LockError("this approval was already used or does not exist", approval_id=approval_id) from None
            raise
        return _untyped(item)

    def approval(self, approval_id: str) -> dict[str, Any]:
        return self._get(f"APPROVAL#{approval_id}", "TOKEN")

    # ---------------------------------------------------------------- plan readiness

    def readiness_findings(self) -> list[str] | None:
        """The finding keys of the last plan evaluation; None before the first."""
        item = self._get("READINESS", "LAST")
        return [str(k) for k in item.get("findings", [])] if item else None

    def save_readiness_findings(self, keys: list[str], evaluated_at: str) -> None:
        self._put({"pk": "READINESS", "sk": "LAST", "findings": keys, "evaluated_at": evaluated_at, "saved_at": iso()})
