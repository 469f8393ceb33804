"""RDS behaviour moto leaves out: Multi-AZ forced failover and read-replica promotion.

- ``RebootDBInstance`` with ``ForceFailover``: moto's reboot changes nothing. Here a forced
  failover of a Multi-AZ instance swaps its availability zone with the standby's
  (``sim.state["rds.standby_az"]``, set by the seeder; by default the next zone letter), as RDS
  does; a forced failover of a Single-AZ instance is refused.
- ``PromoteReadReplica``: moto keeps showing the promoted instance's source. Here the instance
  becomes standalone (no ``ReadReplicaSourceDBInstanceIdentifier``) and leaves its source's
  replica list; promoting an instance that is not a replica is refused.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, caller_account

STANDBY = "rds.standby_az"


def set_standby_az(sim: SimAWS, region: str, db_instance_identifier: str, availability_zone: str) -> None:
    sim.state.setdefault(STANDBY, {})[(region, db_instance_identifier.lower())] = availability_zone


def standby_az(sim: SimAWS, region: str, db_instance_identifier: str, current: str) -> str:
    default = current[:-1] + ("b" if current.endswith("a") else "a")
    return str(sim.state.get(STANDBY, {}).get((region, db_instance_identifier.lower()), default))


def _reboot(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        from moto.rds.models import rds_backends

        identifier = params["DBInstanceIdentifier"].lower()
        instance = rds_backends[caller_account()][region].databases.get(identifier)
        if instance is None:
            raise SimClientError("DBInstanceNotFound", f"DBInstance {identifier} not found.", 404)
        if instance.status != "available":
            raise SimClientError("InvalidDBInstanceState", f"DB instance {identifier} is {instance.status}")
        current = instance.availability_zone
        standby = standby_az(sim, region, identifier, current) if instance.multi_az else None
        if params.get("ForceFailover"):
            if not instance.multi_az or standby is None:
                raise SimClientError(
                    "InvalidParameterCombination", "Cannot do a forced failover on a Single-AZ DB instance"
                )
            instance.availability_zone = standby
            set_standby_az(sim, region, identifier, current)
            current, standby = standby, current
        answer: dict[str, Any] = {
            "DBInstanceIdentifier": instance.db_instance_identifier,
            "DBInstanceArn": instance.db_instance_arn,
            "DBInstanceStatus": "rebooting",
            "MultiAZ": bool(instance.multi_az),
            "AvailabilityZone": current,
        }
        if standby is not None:
            answer["SecondaryAvailabilityZone"] = standby
        return {"DBInstance": answer}

    return handler


def _promote(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        from moto.rds.models import rds_backends

        backend = rds_backends[caller_account()][region]
        identifier = params["DBInstanceIdentifier"].lower()
        instance = backend.databases.get(identifier)
        if instance is None:
            raise SimClientError("DBInstanceNotFound", f"DBInstance {identifier} not found.", 404)
        if not instance.is_replica:
            raise SimClientError("InvalidDBInstanceState", "DB Instance is not a read replica.")
        source_id = instance.source_db_instance_identifier
        try:
            source = backend.find_db_from_id(source_id) if source_id else None
        except Exception:  # the source's region may be gone: promotion does not need it
            source = None
        if source is not None:
            for ref in (instance.db_instance_arn, instance.db_instance_identifier):
                if ref in source.replicas:
                    source.replicas.remove(ref)
        instance.is_replica = False
        instance.source_db_instance_identifier = None
        return {
            "DBInstance": {
                "DBInstanceIdentifier": instance.db_instance_identifier,
                "DBInstanceArn": instance.db_instance_arn,
                "DBInstanceStatus": "modifying",
            }
        }

    return handler


def register(sim: SimAWS) -> None:
    sim.register("rds.RebootDBInstance", _reboot(sim))
    sim.register("rds.PromoteReadReplica", _promote(sim))
