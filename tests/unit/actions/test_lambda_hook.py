"""lambda_hook: invoke the user's function in its region; its error fails the stage."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.actions.helpers import ACCOUNT, SECONDARY_REGION, LambdaFunctions, make_ctx, seeded

from failover.errors import TransientError
from failover.models import ActionStatus

ARN = f"arn:aws:lambda:{SECONDARY_REGION}:{ACCOUNT}:function:warm-caches"
SPEC = {"type": "lambda_hook", "function_arn": ARN, "payload": {"cache": "sessions"}}


def test_invokes_the_function_with_the_request_in_its_region(sim: Any, lambda_functions: LambdaFunctions) -> None:
    # Given a hook that reports what it did
    lambda_functions.functions["warm-caches"] = lambda event: ({"detail": "warmed 3 caches", "undo": []}, None)
    action = seeded(sim, SPEC)

    # When failing over
    result = action.run(make_ctx(request={"request_id": "req-9", "group": "checkout"}))

    # Then the function ran in its own region with the request, the sides and the payload
    assert result.status == ActionStatus.CHANGED
    assert result.detail == "warmed 3 caches"
    [call] = lambda_functions.calls
    assert call["region"] == SECONDARY_REGION
    event = call["event"]
    assert event["phase"] == "apply"
    assert event["request"]["request_id"] == "req-9"
    assert (event["source"], event["target"], event["target_region"]) == ("primary", "secondary", SECONDARY_REGION)
    assert event["payload"] == {"cache": "sessions"}


def test_a_hook_that_changed_nothing_is_unchanged(sim: Any, lambda_functions: LambdaFunctions) -> None:
    lambda_functions.functions["warm-caches"] = lambda event: ({"changed": False, "detail": "already warm"}, None)
    result = seeded(sim, SPEC).run(make_ctx())
    assert result.status == ActionStatus.UNCHANGED
    assert result.detail == "already warm"


def test_dry_run_does_not_invoke(sim: Any, lambda_functions: LambdaFunctions) -> None:
    lambda_functions.functions["warm-caches"] = lambda event: ({}, None)
    result = seeded(sim, SPEC).run(make_ctx(dry_run=True))
    assert result.status == ActionStatus.DRY_RUN
    assert lambda_functions.calls == []


def test_a_function_error_fails_the_action(sim: Any, lambda_functions: LambdaFunctions) -> None:
    lambda_functions.functions["warm-caches"] = lambda event: (
        {"errorType": "RuntimeError", "errorMessage": "cache cluster unreachable"},
        "Unhandled",
    )
    result = seeded(sim, SPEC).run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert result.error == "FunctionError.Unhandled"
    assert "RuntimeError: cache cluster unreachable" in result.detail


def test_a_missing_function_fails(sim: Any, lambda_functions: LambdaFunctions) -> None:
    result = seeded(sim, SPEC).run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert result.error == "ResourceNotFoundException"


def test_throttled_invoke_is_transient(sim: Any, lambda_functions: LambdaFunctions) -> None:
    lambda_functions.functions["warm-caches"] = lambda event: ({}, None)
    sim.inject("lambda.Invoke", "throttle")
    with pytest.raises(TransientError):
        seeded(sim, SPEC).run(make_ctx())


def test_verify_asks_the_hook(sim: Any, lambda_functions: LambdaFunctions) -> None:
    answers = {"apply": ({}, None), "verify": ({"ok": False, "detail": "2 of 3 caches warm"}, None)}
    lambda_functions.functions["warm-caches"] = lambda event: answers[event["phase"]]
    action = seeded(sim, SPEC)
    [check] = action.safe_verify(make_ctx())
    assert check.ok is False
    assert "2 of 3 caches warm" in check.detail
    answers["verify"] = ({"ok": True}, None)
    assert action.safe_verify(make_ctx())[0].ok is True
