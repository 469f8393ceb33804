"""A checkpoint of the simulated AWS: everything moto and the extension hold, restorable any time.

``Checkpoint.take(world)`` copies the state of every moto backend in use (each account and region)
and the extension's state (health-check status, routing controls, Aurora writers...);
``restore()`` puts that copy back in place, in the same backend objects, so clients, the local
server and moto's own lookups keep working. The local AWS takes one when it is built and restores it
on ``reset``: every resource a plan names serves from its primary again, whatever earlier
invocations changed (a DNS record switched, a fleet scaled), as in a freshly built world.

Locks and conditions cannot be copied: the copy gets new ones (the state they guard is copied).
"""

from __future__ import annotations

import copy
import copyreg
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_UNCOPYABLE: dict[type, Any] = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
    threading.Condition: threading.Condition,
    threading.Event: threading.Event,
}


def _anew(factory: Any, _obj: object) -> tuple[Any, tuple[()]]:
    return factory, ()


@contextmanager
def _fresh_locks() -> Iterator[None]:
    """While copying: a lock, condition or event is copied as a new one."""
    saved = {kind: copyreg.dispatch_table.get(kind) for kind in _UNCOPYABLE}
    for kind, factory in _UNCOPYABLE.items():
        copyreg.dispatch_table[kind] = functools.partial(_anew, factory)
    try:
        yield
    finally:
        for kind, previous in saved.items():
            if previous is None:
                copyreg.dispatch_table.pop(kind, None)
            else:
                copyreg.dispatch_table[kind] = previous


@dataclass
class Checkpoint:
    world: Any
    backends: list[tuple[Any, dict[str, Any]]]
    state: dict[str, Any]

    @classmethod
    def take(cls, world: Any) -> Checkpoint:
        with world.sim.backend_lock, _fresh_locks():
            live = _backends()
            backends = [(backend, copy.deepcopy(backend.__dict__, _shared(live))) for backend in live]
            return cls(world=world, backends=backends, state=copy.deepcopy(world.sim.state))

    def restore(self) -> None:
        """The simulated AWS as it was when the checkpoint was taken (backends created since are emptied)."""
        kept = {id(backend) for backend, _ in self.backends}
        with self.world.sim.backend_lock, _fresh_locks():
            live = _backends()
            for backend in live:
                if id(backend) not in kept:
                    backend.reset()
            for backend, saved in self.backends:
                backend.__dict__.clear()
                backend.__dict__.update(copy.deepcopy(saved, _shared(live)))
            self.world.sim.state.clear()
            self.world.sim.state.update(copy.deepcopy(self.state))


def _backends() -> list[Any]:
    """Every moto backend in use (one per service, account and region)."""
    from moto.core.base_backend import BackendDict

    instances: list[Any] = list(BackendDict._instances)  # type: ignore[misc]
    return [backend for instance in instances for _, _, backend in instance.iter_backends()]


def _shared(backends: list[Any]) -> dict[int, Any]:
    """A deepcopy memo that keeps the backends themselves: a resource's reference to its backend (an
    SNS topic's, for one) stays a reference to the live backend, not to a copy of it."""
    return {id(backend): backend for backend in backends}
