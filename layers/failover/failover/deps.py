"""Collaborators of the handlers, built on first use from the environment and cached per warm container.

Handlers accept a ``Deps`` so tests pass their own instead of patching.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from failover.config import Env, get_env
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.plan import Plan, load_plan_cached


@dataclass
class Deps:
    env: Env
    clients: Clients
    plan: Plan
    store: Store


@lru_cache(maxsize=4)
def _deps(env: Env) -> Deps:
    clients = Clients(default_region=env.region)
    return Deps(env=env, clients=clients, plan=load_plan_cached(env.plan_file), store=Store(env.table_name, clients))


def default_deps() -> Deps:
    env = get_env()
    deps = _deps(env)
    # the plan may change between invocations in a drill; reload it when the file changes
    deps.plan = load_plan_cached(env.plan_file)
    return deps
