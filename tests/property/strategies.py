"""Strategies for hostile and broken input, and helpers to compare the incident table before and after."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

#: any JSON value: what an EventBridge target or a function URL can be handed
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=25,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document (dict keys and list indexes)."""
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(paths(child, (*prefix, index)))
    return out


def mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    """A copy of ``doc`` with the node at ``path`` replaced by ``value``, deleted, or given an extra key."""
    doc = json.loads(json.dumps(doc))
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "extra" and isinstance(parent[last], dict):
        parent[last]["unexpected_key"] = value
    else:
        parent[last] = value
    return doc


@st.composite
def mutations(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one to three nodes replaced by arbitrary JSON, deleted, or extended."""
    doc = document
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths(doc)))
        action = draw(st.sampled_from(["replace", "delete", "extra"]))
        if action == "delete" and not path:
            action = "replace"
        doc = mutate(doc, path, action, draw(json_values))
    return doc


def table_items(world: Any) -> list[dict[str, Any]]:
    """Everything in the incident table, for before/after comparisons."""
    table = world.store.table
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"ConsistentRead": True}
    while True:
        resp = table.scan(**kwargs)
        items.extend(resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return sorted(items, key=lambda i: (str(i["pk"]), str(i["sk"])))
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
