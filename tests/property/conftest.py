"""A simulated account for the property tests, shared by each module's properties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sim_world() -> Iterator[Any]:
    """One simulated account (template.yaml and plans/example.yaml) shared by a module's properties."""
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as world:
        yield world
