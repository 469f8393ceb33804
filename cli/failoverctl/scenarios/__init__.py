"""Drill scenarios, one module per theme; importing this package registers them all in ``SCENARIOS``."""

from __future__ import annotations

from importlib import import_module

from failoverctl.scenarios.base import SCENARIOS, Context, Expect, Scenario

SCENARIO_MODULES = [
    "failoverctl.scenarios.core",
    "failoverctl.scenarios.safety",
    "failoverctl.scenarios.layers",
    "failoverctl.scenarios.containers",
    "failoverctl.scenarios.notifications",
    "failoverctl.scenarios.faults",
    "failoverctl.scenarios.readiness",
    "failoverctl.scenarios.one_way",
    "failoverctl.scenarios.signals",
    "failoverctl.scenarios.escalation",
    "failoverctl.scenarios.standbys",
    "failoverctl.scenarios.accounts",
    "failoverctl.scenarios.multi_region",
]

for _name in SCENARIO_MODULES:
    import_module(_name)

__all__ = ["SCENARIOS", "Context", "Expect", "Scenario"]
