"""The group lease: the group lock held by a majority of lock tables in different regions.

Each lock table is a DynamoDB table (key ``pk``/``sk``) in its own region; a conditional write is
strongly consistent within its region, and nothing here relies on replication between regions (a
global table's last-writer-wins replication cannot make anything exclusive). The lease item of a
group in each table:

=========================  ==========  ===================================================
pk                         sk          attributes
=========================  ==========  ===================================================
``GROUP#<group>``          ``LEASE``   ``owner``, ``incident_id``, ``token`` (the fencing
                                       token), ``expires_at`` (epoch seconds), ``granted_at``;
                                       after an activation: ``activated_at``,
                                       ``activated_side``, ``activated_region``,
                                       ``activated_incident``, ``activated_by``
=========================  ==========  ===================================================

- **Grant**: read the item in every table (consistent reads); with a majority answering, the new
  token is one more than the highest seen, and the grant writes it to every table on the condition
  that the table holds no live lease of another owner and no token as high. A majority of
  successful writes grants the lease; otherwise the writes made are withdrawn and nobody holds it
  through them. Two grants cannot both reach a majority: any two majorities share a table, and a
  table accepts one owner at a time. Every majority read meets the last grant's majority, so tokens
  increase with every grant.
- **Confirm** (every write of the holder, and the renewal): a conditional update on every table,
  ``owner`` and ``token`` unchanged and still live, that moves the expiry on. It succeeds on a
  majority only while no later grant exists; a stale holder gets ``StaleLeaseError``. The holder
  also stops ``margin_seconds`` before its own view of the expiry (clock drift, one write's time).
- **Release**: a conditional delete of the holder's items (owner and token match). A holder that
  changed something records its activation in the same write (``Activation``); the next grant
  reads a majority, which meets the release's, so every stack's gate sees the group's last
  activation: the cooldown is shared by all the stacks of a symmetric plan.

A plan without ``settings.lease`` keeps the single-table lock of ``Store.acquire_lock``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from failover.errors import StaleLeaseError
from failover.infra.clients import Clients
from failover.infra.store import LockResult, conditional_failed, plain
from failover.models import Decision, iso
from failover.plan import LeaseSettings, LeaseTable

SK = "LEASE"
#: a lost region must cost a vote, not the failover's time: short timeouts and one retry per table
LEASE_CLIENT = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=3)


@dataclass
class Vote:
    """What one lock table answered."""

    region: str
    ok: bool
    item: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the region could not be reached (or refused for another reason)


#: what a release records of the holder's activation, in every table it writes
ACTIVATION_ATTRIBUTES = ("activated_at", "activated_side", "activated_region", "activated_incident", "activated_by")


@dataclass(frozen=True)
class Activation:
    """What a holder changed, recorded with its release: the group's last activation, seen by every stack."""

    side: str
    region: str
    incident_id: str

    def attributes(self, owner: str, now: int) -> dict[str, Any]:
        values = (now, self.side, self.region, self.incident_id, owner)
        return dict(zip(ACTIVATION_ATTRIBUTES, values, strict=True))


def last_activation(votes: list[Vote]) -> dict[str, Any] | None:
    """The latest activation recorded in the answering tables' items (None when none was recorded)."""
    seen = [v.item for v in votes if v.ok and v.item.get("activated_at") is not None]
    latest = max(seen, key=lambda i: int(i["activated_at"]), default=None)
    if latest is None:
        return None
    return {k: latest[k] for k in ACTIVATION_ATTRIBUTES if k in latest}


@dataclass
class LeaseOutcome:
    """The result of a grant or a confirmation: who holds the lease, with which token, and each vote."""

    held: bool
    owner: str | None
    token: int | None
    expires_at: int | None
    votes: list[Vote]
    majority: int
    took_over: str | None = None
    #: the group's last activation by any stack (from the items the grant read)
    activation: dict[str, Any] | None = None

    @property
    def unreachable(self) -> list[str]:
        return [v.region for v in self.votes if v.error]

    def detail(self) -> str:
        granted = sum(1 for v in self.votes if v.ok)
        parts = [f"{granted} of {len(self.votes)} lock tables (majority {self.majority})"]
        if self.unreachable:
            parts.append(f"unreachable: {', '.join(self.unreachable)}")
        if self.held:
            taken = f"; took over the expired lease of {self.took_over}" if self.took_over else ""
            return f"lease granted with token {self.token}: " + "; ".join(parts) + taken
        holder = f"held by {self.owner} (token {self.token})" if self.owner else "no majority"
        return f"lease not granted, {holder}: " + "; ".join(parts)

    def lock_result(self) -> LockResult:
        """The gate's view: the same shape as the single-table lock."""
        return LockResult(
            self.held,
            self.owner,
            took_over=self.took_over,
            expires_at=self.expires_at,
            detail=self.detail(),
            token=self.token,
            last_activation=self.activation,
        )


class Lease:
    """The lease over the plan's lock tables; ``clock`` is injectable so tests move time."""

    def __init__(
        self, settings: LeaseSettings, clients: Clients, *, clock: Callable[[], float] = time.time, retries: int = 2
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.clock = clock
        self.retries = retries

    @property
    def majority(self) -> int:
        return self.settings.majority

    def _table(self, table: LeaseTable) -> Any:
        return self.clients.resource("dynamodb", table.region, LEASE_CLIENT).Table(table.name)

    def _each(self, call: Callable[[LeaseTable], Vote]) -> list[Vote]:
        """``call`` on every table at once: a region that does not answer costs its timeout once, not per table."""

        def safe(table: LeaseTable) -> Vote:
            try:
                return call(table)
            except (ClientError, BotoCoreError) as err:
                return Vote(table.region, False, error=f"{type(err).__name__}: {err}")

        with ThreadPoolExecutor(max_workers=len(self.settings.tables), thread_name_prefix="lease") as pool:
            return list(pool.map(safe, self.settings.tables))

    def read(self, group: str) -> list[Vote]:
        """The lease item in every table (consistent reads); ``ok`` means the table answered."""

        def one(table: LeaseTable) -> Vote:
            item = self._table(table).get_item(Key=_key(group), ConsistentRead=True).get("Item")
            return Vote(table.region, True, plain(item) if item else {})

        return self._each(one)

    # ------------------------------------------------------------------ grant

    def acquire(self, group: str, owner: str, incident_id: str, ttl_seconds: int) -> LeaseOutcome:
        """Grant the lease to ``owner`` on a majority of tables, or say who holds it.

        Two contenders can split the tables so that neither has a majority: each withdraws and tries
        again after a random pause, at most ``retries`` times.
        """
        outcome = self._acquire_once(group, owner, incident_id, ttl_seconds)
        for _ in range(self.retries):
            if outcome.held or outcome.owner or len(outcome.unreachable) > len(self.settings.tables) - self.majority:
                return outcome
            time.sleep(random.uniform(0.05, 0.3))  # noqa: S311 - jitter, not a secret
            outcome = self._acquire_once(group, owner, incident_id, ttl_seconds)
        return outcome

    def _acquire_once(self, group: str, owner: str, incident_id: str, ttl_seconds: int) -> LeaseOutcome:
        seen = self.read(group)
        answered = [v for v in seen if v.ok]
        if len(answered) < self.majority:
            return LeaseOutcome(False, None, None, None, seen, self.majority)
        token = max((int(v.item.get("token", 0)) for v in answered), default=0) + 1
        now = int(self.clock())
        expires = now + ttl_seconds
        previous = {v.region: v.item for v in answered}
        activation = last_activation(seen)  # carried into every table the grant writes (a put replaces the item)

        def grant(table: LeaseTable) -> Vote:
            try:
                self._table(table).put_item(
                    Item={
                        **_key(group),
                        "owner": owner,
                        "incident_id": incident_id,
                        "token": token,
                        "expires_at": expires,
                        "granted_at": iso(),
                        **(activation or {}),
                    },
                    ConditionExpression="(attribute_not_exists(pk) OR expires_at < :now OR #o = :owner) "
                    "AND (attribute_not_exists(#t) OR #t < :token)",
                    ExpressionAttributeNames={"#o": "owner", "#t": "token"},
                    ExpressionAttributeValues={":now": now, ":owner": owner, ":token": token},
                )
            except ClientError as err:
                if conditional_failed(err):
                    return Vote(table.region, False, previous.get(table.region, {}))
                raise
            return Vote(table.region, True, {"owner": owner, "token": token, "expires_at": expires})

        votes = self._each(grant)
        if sum(1 for v in votes if v.ok) >= self.majority:
            # a grant over another owner's item means that lease expired (the condition allowed it)
            took_over = next((str(i["owner"]) for i in previous.values() if i.get("owner") not in (None, owner)), None)
            return LeaseOutcome(
                True, owner, token, expires, votes, self.majority, took_over=took_over, activation=activation
            )
        self._withdraw(group, owner, token)
        holder = _live_holder(votes, now)
        return LeaseOutcome(
            False,
            holder.get("owner"),
            holder.get("token"),
            holder.get("expires_at"),
            votes,
            self.majority,
        )

    # ------------------------------------------------------------------ fence

    def confirm(self, group: str, owner: str, token: int, ttl_seconds: int) -> LeaseOutcome:
        """Prove ``owner`` still holds the lease with ``token`` on a majority, and renew it for ``ttl_seconds``."""
        now = int(self.clock())
        expires = now + ttl_seconds

        def renew(table: LeaseTable) -> Vote:
            try:
                self._table(table).update_item(
                    Key=_key(group),
                    UpdateExpression="SET expires_at = :exp",
                    ConditionExpression="#o = :owner AND #t = :token AND expires_at >= :live",
                    ExpressionAttributeNames={"#o": "owner", "#t": "token"},
                    ExpressionAttributeValues={
                        ":owner": owner,
                        ":token": token,
                        ":exp": expires,
                        ":live": now + self.settings.margin_seconds,
                    },
                )
            except ClientError as err:
                if conditional_failed(err):
                    return Vote(table.region, False)
                raise
            return Vote(table.region, True, {"owner": owner, "token": token, "expires_at": expires})

        votes = self._each(renew)
        if sum(1 for v in votes if v.ok) >= self.majority:
            return LeaseOutcome(True, owner, token, expires, votes, self.majority)
        seen = [v for v in self.read(group) if v.ok]
        newer = _live_holder(seen, now)
        latest = max((int(v.item.get("token", 0)) for v in seen), default=0)
        return LeaseOutcome(
            False,
            newer.get("owner"),
            newer.get("token") or latest or None,
            newer.get("expires_at"),
            votes,
            self.majority,
        )

    def fence(self, group: str, owner: str, token: int, ttl_seconds: int) -> LeaseOutcome:
        """``confirm``, raising ``StaleLeaseError`` (with the newer holder) when this holder is stale."""
        outcome = self.confirm(group, owner, token, ttl_seconds)
        if not outcome.held:
            raise StaleLeaseError(
                f"this execution no longer holds the lease of group '{group}' (token {token}); "
                + (
                    f"{outcome.owner} holds it with token {outcome.token}"
                    if outcome.owner
                    else f"it was granted again since, with token {outcome.token}"
                    if outcome.token and outcome.token > token
                    else "no majority of lock tables confirms it"
                )
                + ": it stops without changing anything more",
                group=group,
                token=token,
                holder=outcome.owner,
                holder_token=outcome.token,
                unreachable=outcome.unreachable,
            )
        return outcome

    # ------------------------------------------------------------------ release

    def release(self, group: str, owner: str, token: int | None = None, activation: Activation | None = None) -> bool:
        """Delete ``owner``'s lease items (those with ``token`` when given), recording ``activation`` when
        the holder changed something; True when a majority was released."""
        return sum(1 for v in self._withdraw(group, owner, token, activation) if v.ok) >= self.majority

    def _withdraw(self, group: str, owner: str, token: int | None, activation: Activation | None = None) -> list[Vote]:
        condition = "#o = :owner" + (" AND #t = :token" if token is not None else "")
        values: dict[str, Any] = {":owner": owner} | ({":token": token} if token is not None else {})
        names = {"#o": "owner"} | ({"#t": "token"} if token is not None else {})
        update = "REMOVE #o, incident_id SET expires_at = :zero"
        if activation is not None:
            recorded = activation.attributes(owner, int(self.clock()))
            update += "".join(f", {k} = :{k}" for k in recorded)
            values |= {f":{k}": v for k, v in recorded.items()}

        def delete(table: LeaseTable) -> Vote:
            try:
                # keep the token so that the next grant's token is higher: only the owner goes
                self._table(table).update_item(
                    Key=_key(group),
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values | {":zero": 0},
                )
            except ClientError as err:
                if conditional_failed(err):
                    return Vote(table.region, False)
                raise
            return Vote(table.region, True)

        return self._each(delete)

    def expire(self, group: str, expires_at: int) -> None:
        """Set the lease's expiry in every table as if its time had run out (drills rehearse a holder's crash)."""

        def age(table: LeaseTable) -> Vote:
            self._table(table).update_item(
                Key=_key(group),
                UpdateExpression="SET expires_at = :e",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":e": expires_at},
            )
            return Vote(table.region, True)

        self._each(age)


def _key(group: str) -> dict[str, str]:
    return {"pk": f"GROUP#{group}", "sk": SK}


def _live_holder(votes: list[Vote], now: int) -> dict[str, Any]:
    """The live lease with the highest token among the votes' items; {} when none."""
    live = [v.item for v in votes if v.item.get("owner") and int(v.item.get("expires_at", 0)) >= now]
    return max(live, key=lambda i: int(i.get("token", 0)), default={})


def lease_for(settings: LeaseSettings | None, clients: Clients) -> Lease | None:
    """The plan's lease, or None when the plan keeps the single-table lock."""
    return Lease(settings, clients) if settings is not None else None


def fence_for(
    settings: LeaseSettings | None, clients: Clients, group: str, decision: Decision | None, ttl_seconds: int
) -> Callable[[], LeaseOutcome] | None:
    """The check an execution runs before each of its writes: None when it holds no lease token."""
    lease = lease_for(settings, clients)
    if lease is None or decision is None or decision.lease_token is None or not decision.lock_owner:
        return None
    owner, token = decision.lock_owner, decision.lease_token
    return lambda: lease.fence(group, owner, token, ttl_seconds)
