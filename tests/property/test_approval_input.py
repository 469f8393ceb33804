"""Bad input to the approval endpoint: every request gets an HTTP answer; no token but a genuine one is accepted.

Given arbitrary function-URL requests (any shape, any method, any headers, any body, tokens that
are random, truncated, re-signed with another key or mutated from a genuine one), the endpoint
answers with a status and a page or JSON, raises nothing, and leaves the waiting approval unused.
"""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.property.strategies import json_values, table_items

from failover.approval import TokenClaims, sign, verify_token
from failover.errors import ApprovalError
from failover.steps.approve import handle

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
APPROVAL_ID = "prop-approval"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:failover-drill-FailoverStateMachine:web-prop"


@pytest.fixture(scope="module")
def waiting(sim_world: Any) -> dict[str, Any]:
    """A stored approval that waits for a decision, and the key that signs its links."""
    from failover.deps import default_deps

    deps = default_deps()
    expires = int(time.time()) + 3600
    deps.store.put_approval(APPROVAL_ID, "task-token-prop", EXECUTION, "web", expires)
    secret = sim_world.clients.get("secretsmanager").get_secret_value(
        SecretId=sim_world.resolver.physical["ApprovalSigningSecret"]
    )["SecretString"]
    key = secret.encode()
    genuine = sign(key, TokenClaims(APPROVAL_ID, EXECUTION, "approve", expires))
    return {"deps": deps, "key": key, "genuine": genuine, "expires": expires}


def _mutated(genuine: str) -> st.SearchStrategy[str]:
    def change(data: st.DataObject) -> str:
        index = data.draw(st.integers(min_value=0, max_value=len(genuine) - 1))
        replacement = data.draw(st.text(min_size=1, max_size=3))
        token = genuine[:index] + replacement + genuine[index + 1 :]
        return token if token != genuine else genuine + "x"

    return st.data().map(change)


def tokens(state: dict[str, Any]) -> st.SearchStrategy[Any]:
    genuine: str = state["genuine"]
    other_key = sign(b"not-the-key", TokenClaims(APPROVAL_ID, EXECUTION, "approve", state["expires"]))
    return st.one_of(
        json_values,
        st.text(max_size=120),
        st.just(other_key),
        st.integers(min_value=1, max_value=len(genuine) - 1).map(lambda n: genuine[:n]),
        st.builds(lambda a, b: f"{a}.{b}", st.text(max_size=40), st.text(max_size=40)),
        st.text(max_size=5).map(lambda s: genuine + s).filter(lambda t: t != genuine),
        st.just(genuine).flatmap(
            lambda g: st.integers(0, len(g) - 1).flatmap(
                lambda i: st.characters().filter(lambda c: c != g[i]).map(lambda c: g[:i] + c + g[i + 1 :])
            )
        ),
    )


def requests(state: dict[str, Any]) -> st.SearchStrategy[Any]:
    token = tokens(state)
    method = st.sampled_from(["GET", "POST", "PUT", "DELETE", "get", "", "PATCH"]) | st.text(max_size=8)
    form = st.builds(lambda t, by: urlencode({"token": t, "by": by}), token.map(str), st.text(max_size=30))
    body = st.none() | st.text(max_size=200) | form | form.map(lambda f: base64.b64encode(f.encode()).decode())
    headers = st.dictionaries(
        st.sampled_from(
            ["content-type", "x-slack-signature", "x-slack-request-timestamp", "X-Slack-Signature", "host"]
        ),
        st.text(max_size=40),
        max_size=4,
    )
    shaped = st.fixed_dictionaries(
        {
            "version": st.just("2.0"),
            "rawPath": st.just("/"),
            "headers": headers | json_values,
            "queryStringParameters": st.none() | st.fixed_dictionaries({"token": token}) | json_values,
            "requestContext": st.fixed_dictionaries({"http": st.fixed_dictionaries({"method": method})}) | json_values,
            "body": body | json_values,
            "isBase64Encoded": st.booleans() | json_values,
        }
    )
    return json_values | shaped


@pytest.fixture
def state(waiting: dict[str, Any]) -> dict[str, Any]:
    return waiting


def test_the_endpoint_answers_any_request(sim_world: Any, state: dict[str, Any]) -> None:
    deps = state["deps"]
    before = table_items(sim_world)

    @PROPERTY
    @given(event=requests(state))
    def check(event: Any) -> None:
        response = handle(event, deps)
        assert isinstance(response, dict)
        assert isinstance(response["statusCode"], int)
        assert 200 <= response["statusCode"] < 600
        assert isinstance(response["body"], str)
        assert "task-token-prop" not in response["body"]  # the task token never leaves the table
        if response["statusCode"] == 200:
            # only a confirmation page (GET, decides nothing) or a Slack "not accepted" note may say 200
            assert "Failover approved" not in response["body"]
            assert "Failover denied" not in response["body"]

    check()
    assert table_items(sim_world) == before  # no approval used, nothing partial written
    assert deps.store.approval(APPROVAL_ID)["used"] is False


def test_no_token_but_the_genuine_one_verifies(state: dict[str, Any]) -> None:
    key: bytes = state["key"]

    @PROPERTY
    @given(token=tokens(state))
    def check(token: Any) -> None:
        with pytest.raises(ApprovalError) as err:
            verify_token(key, token)
        assert err.value.message
        assert err.value.details.get("reason") in ("malformed", "forged", "expired")

    check()
    assert verify_token(key, state["genuine"]).approval_id == APPROVAL_ID


@PROPERTY
@given(key=st.binary(max_size=64), token=json_values | st.text(max_size=300))
def test_verify_token_raises_only_approval_errors(key: bytes, token: Any) -> None:
    try:
        claims = verify_token(key, token)
    except ApprovalError as err:
        message = err.message
        assert message
        return
    assert claims.decision in ("approve", "deny")
