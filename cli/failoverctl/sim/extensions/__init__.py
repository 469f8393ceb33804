"""Stateful stand-ins for the APIs moto lacks or simplifies, one module per service.

Each module has ``register(sim)``; ``register_all`` calls them all. State lives in ``sim.state``
(reset between worlds) so that every drill and test starts clean.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

EXTENSION_MODULES = [
    "failoverctl.sim.extensions.route53",
    "failoverctl.sim.extensions.arc",
    "failoverctl.sim.extensions.aurora",
    "failoverctl.sim.extensions.rds",
    "failoverctl.sim.extensions.s3control",
    "failoverctl.sim.extensions.cloudwatch",
    "failoverctl.sim.extensions.dynamodb",
    "failoverctl.sim.extensions.docdb",
    "failoverctl.sim.extensions.elasticache_global",
    "failoverctl.sim.extensions.inventory",
    "failoverctl.sim.extensions.health",
]


def register_all(sim: Any) -> None:
    for name in EXTENSION_MODULES:
        import_module(name).register(sim)
