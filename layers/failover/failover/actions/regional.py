"""Try a regional endpoint, then the next: for the data planes AWS serves from several regions.

ARC routing-control states are served by the cluster's endpoints in five regions and S3
Multi-Region Access Point routes by five control regions; AWS's guidance is to try them in turn.
The order acts from the region being activated first and turns to the region being left last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.base import THROTTLING_CODES
from failover.errors import aws_error

#: errors after which the next endpoint is tried (anything else is an answer: wrong ARN, denied, conflict)
RETRY_NEXT_CODES = THROTTLING_CODES | {
    "EndpointTemporarilyUnavailableException",
    "InternalServerException",
    "InternalError",
    "ServiceUnavailable",
}


def worth_trying_next(err: Exception) -> bool:
    """An endpoint that did not answer, was busy or failed itself: another may answer."""
    if isinstance(err, ClientError):
        code, status = aws_error(err)
        return code in RETRY_NEXT_CODES or status >= 500
    return isinstance(err, BotoCoreError)


def ordered[E](items: Sequence[E], region_of: Callable[[E], str], *, prefer: str, avoid: str) -> list[E]:
    """``items`` with those in ``prefer`` first and those in ``avoid`` last (stable otherwise)."""

    def rank(item: E) -> int:
        region = region_of(item)
        return 0 if region == prefer else (2 if region == avoid else 1)

    return sorted(items, key=rank)


def in_turn[E, T](
    items: Sequence[E], call: Callable[[E], T], label: Callable[[E], str] = str
) -> tuple[T, E, list[str]]:
    """Call ``call(item)`` for each item until one answers; (answer, the item, errors of those tried before).

    Raises the last error when every item failed, or at once on an error that another endpoint would
    repeat (validation, access denied, conflict, not found).
    """
    errors: list[str] = []
    last: Exception | None = None
    for item in items:
        try:
            return call(item), item, errors
        except (ClientError, BotoCoreError) as err:
            if not worth_trying_next(err):
                raise
            errors.append(f"{label(item)}: {err}")
            last = err
    if last is None:
        raise ValueError("no endpoint to try")
    raise last
