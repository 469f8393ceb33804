"""Corroborated confirmation: the plan's signals, their reading, the vote and how it is told."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from failover.checks.signals import (
    NAME,
    Reading,
    Verdict,
    corroborate,
    decision_signals,
    health_api_regions,
    health_check_reading,
    next_wait,
    tally,
    verdict,
)
from failover.errors import PlanError
from failover.infra.clients import Clients
from failover.models import Check, FailoverRequest, Source, Trigger
from failover.plan import HealthCheckSignal, parse_plan
from failover.state import Corroboration
from failover.steps.notify.messages import Incident

HOOK = "arn:aws:lambda:us-west-2:123456789012:function:switch-traffic"
ACTIONS = [{"name": "switch", "actions": [{"type": "lambda_hook", "name": "switch", "function_arn": HOOK}]}]


def plan_with(signals: dict[str, Any] | None, **group: Any) -> Any:
    doc = {
        "groups": [
            {
                "name": "web",
                "primary": {"name": "east", "region": "us-east-1"},
                "secondary": {"name": "west", "region": "us-west-2"},
                "triggers": {
                    "alarms": [{"name": "web-primary-health", "region": "us-east-1"}],
                    "health_services": ["EC2"],
                },
                "signals": signals,
                "safety": {"confirmation_seconds": 120},
                "stages": ACTIONS,
                **group,
            }
        ]
    }
    return parse_plan(doc)


SIGNALS = {
    "quorum": 3,
    "health_checks": [{"id": "hc-app"}],
    "canaries": [{"name": "web-canary", "region": "us-west-2"}],
    "aws_health": {"look_up": True},
}


def reading(says: str, weight: int = 1, name: str = "s") -> Reading:
    return Reading(name, "canary", says, weight, "", {})  # type: ignore[arg-type]


# ------------------------------------------------------------------ the plan


def test_a_plan_with_signals_lists_every_signal_and_its_weight() -> None:
    group = plan_with(SIGNALS).group("web")
    assert group.signal_weights() == {
        "trigger alarms": 1,
        "health check hc-app": 1,
        "canary web-canary": 1,
        "AWS Health": 1,
    }
    assert group.health_services() == ["EC2"]  # the trigger's services when the signal names none


@pytest.mark.parametrize(
    ("signals", "message"),
    [
        ({**SIGNALS, "quorum": 5}, "could never be reached"),
        ({**SIGNALS, "canaries": [{"name": "web-canary", "region": "us-west-2", "weight": 3}]}, "alone"),
        ({**SIGNALS, "canaries": [{"name": "web-primary-health", "region": "us-east-1"}]}, "independent"),
        ({**SIGNALS, "health_checks": [{"id": "a"}, {"id": "a"}]}, "twice"),
        ({**SIGNALS, "quorum": 1}, "greater than or equal to 2"),
    ],
)
def test_a_quorum_that_one_signal_reaches_or_none_can_is_refused(signals: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError) as caught:
        plan_with(signals)
    assert message in str(caught.value)


def test_looks_are_bounded_so_the_execution_history_stays_within_its_quota() -> None:
    with pytest.raises(PlanError) as caught:
        plan_with({**SIGNALS, "interval_seconds": 1}, safety={"confirmation_seconds": 3600})
    assert "3600 looks" in str(caught.value) and "at most 360" in str(caught.value)
    assert plan_with({**SIGNALS, "interval_seconds": 10}, safety={"confirmation_seconds": 3600})


def test_the_aws_health_signal_needs_services() -> None:
    with pytest.raises(PlanError) as caught:
        plan_with({**SIGNALS, "quorum": 2}, triggers={"alarms": [{"name": "t", "region": "us-east-1"}]})
    assert "signals.aws_health needs services" in str(caught.value)


# ------------------------------------------------------------------ the vote


def test_a_quorum_with_a_healthy_target_decides_at_the_first_look() -> None:
    votes = tally([reading("down"), reading("down"), reading("down"), reading("unknown")], 3, True)
    assert (votes.down, votes.up, votes.unknown) == (3, 0, 1)
    assert verdict(votes, waited_seconds=10, period_seconds=120) == Verdict.CORROBORATED


def test_without_a_quorum_the_gate_waits_the_whole_period() -> None:
    votes = tally([reading("down"), reading("up"), reading("unknown")], 3, True)
    assert verdict(votes, 10, 120) == Verdict.WAIT
    assert verdict(votes, 119, 120) == Verdict.WAIT
    assert verdict(votes, 120, 120) == Verdict.CONFLICT  # a signal says the primary is up: a person decides


def test_a_lone_trigger_nothing_contradicts_decides_as_without_signals() -> None:
    votes = tally([reading("down"), reading("unknown"), reading("unknown")], 3, True)
    assert verdict(votes, 120, 120) == Verdict.UNCORROBORATED
    # and when nothing says down any more (the trigger cleared), there is nothing to disagree about
    assert verdict(tally([reading("up"), reading("up")], 3, True), 120, 120) == Verdict.UNCORROBORATED


def test_an_unhealthy_target_never_corroborates() -> None:
    votes = tally([reading("down", 2), reading("down", 2)], 3, False)
    assert verdict(votes, 10, 120) == Verdict.WAIT
    assert verdict(votes, 120, 120) == Verdict.UNCORROBORATED  # the gate's target check then refuses


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    says=st.lists(st.tuples(st.sampled_from(["down", "up", "unknown"]), st.integers(1, 10)), max_size=8),
    quorum=st.integers(2, 30),
    target=st.booleans(),
    period=st.integers(0, 3600),
    waited=st.integers(0, 3600),
)
def test_the_verdict_follows_the_rules(
    says: list[tuple[str, int]], quorum: int, target: bool, period: int, waited: int
) -> None:
    votes = tally([reading(s, w) for s, w in says], quorum, target)
    found = verdict(votes, waited, period)
    down = sum(w for s, w in says if s == "down")
    up = sum(w for s, w in says if s == "up")
    # early only on a quorum with a healthy target; never waits past the period; a contradiction asks a person
    assert (found == Verdict.CORROBORATED) == (down >= quorum and target)
    assert found != Verdict.WAIT or waited < period
    if waited >= period and found != Verdict.CORROBORATED:
        assert found == (Verdict.CONFLICT if up > 0 and down > 0 else Verdict.UNCORROBORATED)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(period=st.integers(0, 3600), interval=st.integers(1, 300), scale=st.sampled_from([0.0, 0.5, 1.0]))
def test_the_clock_reaches_the_period_exactly_and_never_passes_it(period: int, interval: int, scale: float) -> None:
    clock = Corroboration(period_seconds=period, interval_seconds=interval, waited_seconds=min(interval, period))
    looks = 1
    while clock.waited_seconds < period:
        before = clock.waited_seconds
        clock = next_wait(clock, scale)
        looks += 1
        assert 0 < clock.waited_seconds - before <= interval
        assert clock.next_wait_seconds == int((clock.waited_seconds - before) * scale)
    assert clock.waited_seconds == period
    assert looks == max(1, -(-period // interval))


# ------------------------------------------------------------------ reading the signals


class FakeRoute53:
    def __init__(self, reports: dict[str, list[bool]]) -> None:
        self.reports = reports

    def get_health_check_status(self, HealthCheckId: str) -> dict[str, Any]:
        return {
            "HealthCheckObservations": [
                {"Region": region, "IPAddress": "192.0.2.1", "StatusReport": {"Status": "Success" if ok else "Failure"}}
                for region, oks in self.reports.items()
                for ok in oks
            ]
        }


class FakeClients:
    def __init__(self, **clients: Any) -> None:
        self.clients = clients

    def get(self, service: str, region: str | None = None) -> Any:
        return self.clients[service]


def test_a_checker_region_reports_unhealthy_when_most_of_its_checkers_fail() -> None:
    reports = {
        "us-east-1": [False, False],
        "us-west-1": [False, True],  # split: not most of its checkers
        "eu-west-1": [True, True],
        "sa-east-1": [False, False],
    }
    hc = HealthCheckSignal(id="hc", unhealthy_regions_percent=50)
    found = health_check_reading(hc, FakeClients(route53=FakeRoute53(reports)))  # type: ignore[arg-type]
    assert found.value["unhealthy_regions"] == ["sa-east-1", "us-east-1"]
    assert found.value["unhealthy_regions_percent"] == 50.0
    assert found.says == "down"
    stricter = HealthCheckSignal(id="hc", unhealthy_regions_percent=75)
    assert health_check_reading(stricter, FakeClients(route53=FakeRoute53(reports))).says == "up"  # type: ignore[arg-type]


def test_no_observation_says_nothing() -> None:
    found = health_check_reading(HealthCheckSignal(id="hc"), FakeClients(route53=FakeRoute53({})))  # type: ignore[arg-type]
    assert found.says == "unknown"


@pytest.mark.parametrize(
    ("region", "endpoints"),
    [
        ("eu-west-1", ("us-east-1", "us-east-2")),
        ("us-gov-east-1", ("us-gov-west-1", "us-gov-east-1")),
        ("cn-north-1", ("cn-northwest-1",)),
    ],
)
def test_the_aws_health_api_is_asked_in_the_partition_of_the_primary(region: str, endpoints: tuple[str, ...]) -> None:
    assert health_api_regions(region) == endpoints


def alarm_request(**extra: Any) -> FailoverRequest:
    return FailoverRequest(
        request_id="r1",
        incident_id="web-failover-1",
        group="web",
        source=Source.ALARM,
        trigger=Trigger(alarm_name="web-primary-health", region="us-east-1"),
        **extra,
    )


def seed(clients: Clients, canary: str = "OK", trigger: str = "ALARM") -> None:
    for name, region, state in (("web-primary-health", "us-east-1", trigger), ("web-canary", "us-west-2", canary)):
        cw = clients.get("cloudwatch", region)
        cw.put_metric_alarm(
            AlarmName=name,
            Namespace="N",
            MetricName="M",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def test_signals_read_from_the_simulated_aws_decide_early_on_a_region_outage(sim: Any) -> None:
    from failoverctl.sim.extensions import health as health_ext
    from failoverctl.sim.extensions import route53 as route53_ext

    # Given an application health check failing from every checker region, the canary in ALARM and an open issue
    clients = Clients(default_region="us-west-2")
    hc = boto3.client("route53").create_health_check(
        CallerReference="app",
        HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "app.example.com", "Port": 443},
    )["HealthCheck"]["Id"]
    route53_ext.set_failing_regions(sim, hc, sorted(route53_ext.CHECKERS))
    seed(clients, canary="ALARM")
    health_ext.post_event(sim, "EC2", "us-east-1", "AWS_EC2_OPERATIONAL_ISSUE")
    group = plan_with({**SIGNALS, "health_checks": [{"id": hc}]}).group("web")
    # When the gate looks after the first interval
    clock = Corroboration(period_seconds=120, interval_seconds=10, waited_seconds=10)
    found = corroborate(group, alarm_request(), "secondary", clock, clients)
    # Then all four signals say down, the target is healthy, and it decides 110 s early
    assert found is not None and found.verdict == Verdict.CORROBORATED
    values = found.check.values
    assert (values["down_weight"], values["waited_seconds"], values["looks"]) == (4, 10, 1)
    says = {s["signal"]: (s["says"], s["weight"], s["counted"]) for s in values["signals"]}
    assert says["AWS Health"] == ("down", 1, True)
    assert says[f"health check {hc}"] == ("down", 1, True)
    assert says["target side health"][0] == "healthy"


def test_aws_health_without_a_support_plan_says_nothing_and_the_trigger_event_still_counts(sim: Any) -> None:
    from failoverctl.sim.extensions import health as health_ext

    clients = Clients(default_region="us-west-2")
    seed(clients)
    health_ext.set_subscribed(sim, False)
    group = plan_with({**SIGNALS, "health_checks": [], "quorum": 2}).group("web")
    found = corroborate(group, alarm_request(), "secondary", None, clients)
    assert found is not None
    [aws_health] = [s for s in found.check.values["signals"] if s["signal"] == "AWS Health"]
    assert aws_health["says"] == "unknown"
    assert "support plan" in aws_health["value"]["look_up"]
    # an AWS Health event that started the incident is evidence without the API
    health_request = alarm_request().model_copy(
        update={"source": Source.HEALTH_EVENT, "trigger": Trigger(event_id="arn:aws:health:us-east-1::event/EC2/X/1")}
    )
    found = corroborate(group, health_request, "secondary", None, clients)
    assert found is not None
    [aws_health] = [s for s in found.check.values["signals"] if s["signal"] == "AWS Health"]
    assert aws_health["says"] == "down"
    # and so are the ones the trigger remembered on the incident
    remembered = [
        {"event_arn": "arn:aws:health:us-east-1::event/EC2/X/2"},
        {"event_arn": "arn:aws:health:us-east-1::event/RDS/Y/3"},  # a service the signal does not watch
    ]
    found = corroborate(group, alarm_request(), "secondary", None, clients, remembered=lambda: remembered)
    assert found is not None
    [aws_health] = [s for s in found.check.values["signals"] if s["signal"] == "AWS Health"]
    assert aws_health["value"]["from_trigger"] == ["arn:aws:health:us-east-1::event/EC2/X/2"]


def test_a_persons_request_and_a_group_without_signals_are_not_corroborated(sim: Any) -> None:
    clients = Clients(default_region="us-west-2")
    group = plan_with(SIGNALS).group("web")
    manual = alarm_request().model_copy(update={"source": Source.MANUAL})
    assert corroborate(group, manual, "secondary", None, clients) is None
    assert corroborate(plan_with(None).group("web"), alarm_request(), "secondary", None, clients) is None


# ------------------------------------------------------------------ telling people


def signals_check() -> Check:
    return Check(
        name=NAME,
        ok=False,
        detail="the signals disagree",
        values={
            "verdict": "conflict",
            "quorum": 3,
            "down_weight": 1,
            "up_weight": 1,
            "target_healthy": True,
            "waited_seconds": 120,
            "confirmation_seconds": 120,
            "looks": 12,
            "signals": [
                {"signal": "trigger alarms", "says": "down", "weight": 1, "counted": True, "detail": "t ALARM"},
                {"signal": "canary web-canary", "says": "up", "weight": 1, "counted": False, "detail": "OK"},
                {"signal": "target side health", "says": "healthy", "weight": "required", "counted": True},
            ],
        },
    )


def approval_state() -> dict[str, Any]:
    return {
        "request": alarm_request().to_json(),
        "gate": {
            "decision": {
                "outcome": "approval",
                "reason": "the signals disagree",
                "checks": [signals_check().to_json()],
            },
            "run": {
                "stage_count": 1,
                "verify_attempts": 1,
                "approval_on_timeout": "abort",
                "cursor": {"stage": {"name": "dns"}},
                "stages": [{"name": "dns"}],
            },
        },
    }


def test_every_signal_with_its_weight_is_in_the_text_of_a_notification() -> None:
    text = Incident.from_state("approval", approval_state()).to_text()
    assert "Signals (conflict): weight 1 of the quorum 3" in text
    assert "trigger alarms: down (weight 1, counted): t ALARM" in text
    assert "canary web-canary: up (weight 1, not counted): OK" in text
    assert "target side health: healthy (weight required, counted)" in text


def test_the_incident_report_has_a_row_per_signal_in_markdown_and_html() -> None:
    from failover.report import render_html, render_markdown

    markdown = render_markdown(approval_state(), [])
    assert "| trigger alarms | down | 1 | yes | t ALARM |" in markdown
    assert "| canary web-canary | up | 1 | no | OK |" in markdown
    page = render_html(approval_state(), [])
    assert "<td>canary web-canary</td><td>up</td><td>1</td><td>no</td><td>OK</td>" in page
    assert "Signals (conflict)" in page


def test_a_decision_without_signals_shows_none() -> None:
    assert decision_signals([Check(name="cooldown", ok=True, detail="")]) is None
    heading, rows = decision_signals([signals_check().to_json()]) or ("", [])
    assert "looked 12 time(s), 120 s of the 120 s" in heading
    assert [r.signal for r in rows] == ["trigger alarms", "canary web-canary", "target side health"]


# ------------------------------------------------------------------ static stability


def test_lint_warns_when_the_quorum_needs_signals_read_in_the_region_being_left() -> None:
    from failoverctl.planning.lint import lint_group

    # Given signals where the trigger alarm and the health check are read through us-east-1, the region being left
    group = plan_with(SIGNALS).group("web")
    [finding] = [f for f in lint_group(group) if f.action == "signals"]
    assert finding.severity == "warning"
    assert "the other signals weigh 2, less than the quorum 3" in finding.message
    # When a second canary outside us-east-1 joins, the quorum stays within reach
    more = {**SIGNALS, "canaries": [*SIGNALS["canaries"], {"name": "web-canary-eu", "region": "eu-west-1"}]}
    assert not [f for f in lint_group(plan_with(more).group("web")) if f.action == "signals"]


def test_readiness_finds_a_signal_alarm_or_health_check_that_is_gone(sim: Any) -> None:
    from failover.readiness.resources import check_signals

    # Given the trigger alarm and the canary exist, but not the signal's health check
    clients = Clients(default_region="us-west-2")
    seed(clients)
    group = plan_with(SIGNALS).group("web")
    findings, checked = check_signals(group, clients)
    assert [f.resource for f in findings] == ["health check hc-app"]
    assert checked == 3
    # When the canary is deleted too, it is missing as well
    clients.get("cloudwatch", "us-west-2").delete_alarms(AlarmNames=["web-canary"])
    findings, _ = check_signals(group, clients)
    assert sorted(f.resource for f in findings) == ["alarm web-canary (us-west-2)", "health check hc-app"]
