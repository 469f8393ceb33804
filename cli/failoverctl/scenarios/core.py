"""The core scenarios: a primary outage and the three ways the gate must say no or do nothing."""

from __future__ import annotations

from failoverctl.scenarios.base import (
    Expect,
    Scenario,
    already_failed_over,
    flap,
    primary_down,
    register,
    secondary_unhealthy,
)

register(
    Scenario(
        name="primary-outage",
        summary="The primary's health alarm fires; the gate confirms, DNS moves to the secondary and is verified.",
        setup=primary_down,
        expect=Expect(notified=["started", "succeeded"]),
    )
)
register(
    Scenario(
        name="flapping",
        summary="The alarm returns to OK during the confirmation wait: the gate skips, nothing changes.",
        setup=flap,
        expect=Expect.skipped(),
    )
)
register(
    Scenario(
        name="secondary-unhealthy",
        summary="The primary fails but the secondary is unhealthy too: the gate refuses and says why.",
        setup=secondary_unhealthy,
        expect=Expect.skipped(),
    )
)
register(
    Scenario(
        name="already-failed-over",
        summary="Traffic is already on the secondary when the alarm fires: a no-op that succeeds.",
        setup=already_failed_over,
        expect=Expect.skipped("secondary"),
    )
)
