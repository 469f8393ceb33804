"""Typed errors. The state machine catches them by name (the Lambda ``errorType``)."""

from __future__ import annotations


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


class ApprovalError(FailoverError):
    """An approval token or callback was rejected."""


class ConfigError(FailoverError):
    """The function's environment is incomplete or wrong."""
