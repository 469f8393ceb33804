"""The functions' environment, read once into a typed model (never ``os.environ`` scattered around)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from failover.errors import ConfigError


class Env(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(alias="TABLE_NAME")
    plan_file: str = Field(alias="PLAN_FILE")
    region: str = Field(default="us-east-1", alias="AWS_REGION")
    state_machine_arn: str | None = Field(default=None, alias="STATE_MACHINE_ARN")
    topic_arn: str | None = Field(default=None, alias="TOPIC_ARN")
    slack_secret_arn: str | None = Field(default=None, alias="SLACK_WEBHOOK_SECRET_ARN")
    approval_secret_arn: str | None = Field(default=None, alias="APPROVAL_SECRET_ARN")
    approval_url: str | None = Field(default=None, alias="APPROVAL_URL")
    report_bucket: str | None = Field(default=None, alias="REPORT_BUCKET")
    global_dry_run: bool = Field(default=False, alias="FORCE_DRY_RUN")
    event_bus_name: str = Field(default="default", alias="EVENT_BUS_NAME")
    wait_scale: float = Field(
        default=1.0, ge=0, le=1, alias="WAIT_SCALE", description="Scales the plan's waits; drills set 0."
    )
    idempotency: bool = Field(default=True, alias="IDEMPOTENCY_ENABLED")


def _blank_to_none(environ: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if v != ""}


@lru_cache(maxsize=1)
def _cached_env(key: tuple[tuple[str, str], ...]) -> Env:
    try:
        return Env.model_validate(dict(key))
    except ValidationError as err:
        missing = [str(e["loc"][0]) for e in err.errors(include_url=False)]
        raise ConfigError(f"the function's environment is incomplete: {', '.join(missing)}") from None


def get_env() -> Env:
    """The environment as a model; cached per distinct environment (tests change it freely)."""
    names = {f.alias for f in Env.model_fields.values() if f.alias}
    relevant = _blank_to_none({k: v for k, v in os.environ.items() if k in names})
    return _cached_env(tuple(sorted(relevant.items())))
