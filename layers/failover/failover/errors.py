"""Typed errors. The state machine catches them by name (the Lambda ``errorType``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.exceptions import ClientError


class FailoverError(Exception):
    """Base of every error this project raises on purpose."""

    code = "FailoverError"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, object]:
        return {"error": type(self).__name__, "message": self.message, "details": self.details}


class PlanError(FailoverError):
    """The failover plan is missing, unreadable or invalid."""


class UnknownGroupError(FailoverError):
    """A request names a failover group the plan does not have."""


class InvalidEventError(FailoverError):
    """An incoming event cannot be parsed into a request."""


class InvalidInputError(FailoverError):
    """A function received input that does not match its contract."""


class ActionError(FailoverError):
    """An action could not read or change the resource it manages."""


class TransientError(FailoverError):
    """A retryable failure (throttling, 5xx) that outlived the SDK's own retries."""


class LockError(FailoverError):
    """The group lock could not be taken or released as asked."""


class StaleLeaseError(FailoverError):
    """This execution no longer holds the group lease (a newer holder has a higher fencing token): it stops."""


class ApprovalError(FailoverError):
    """An approval token or callback was rejected."""


class ConfigError(FailoverError):
    """The function's environment is incomplete or wrong."""


#: AWS error codes that mean "slow down": retried by the SDK, then by us
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "PriorRequestNotComplete",
        "SlowDown",
    }
)
#: codes worth retrying: throttling, capacity and the service's own failures
_TRANSIENT_CODES = THROTTLING_CODES | {
    "ProvisionedThroughputExceededException",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
}


def aws_error(err: ClientError) -> tuple[str, int]:
    """The error code AWS answered with and the response's HTTP status ("" and 0 when it has none)."""
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return str(err.response.get("Error", {}).get("Code", "")), int(status or 0)


def transient_aws_errors[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Raise AWS throttling and 5xx errors that outlived the SDK's retries as ``TransientError``,
    which the state machine retries with backoff; other AWS errors pass through unchanged."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

        try:
            return func(*args, **kwargs)
        except ClientError as err:
            info = err.response.get("Error", {})
            code, status = aws_error(err)
            if code in _TRANSIENT_CODES or status >= 500:
                raise TransientError(
                    f"{err.operation_name}: {info.get('Code')}: {info.get('Message')}",
                    code=info.get("Code"),
                    operation=err.operation_name,
                ) from None
            raise
        except (ConnectionError, ReadTimeoutError) as err:
            raise TransientError(f"AWS endpoint unreachable: {err}") from None

    return wrapper
