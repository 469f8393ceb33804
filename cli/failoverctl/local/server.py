"""The simulated AWS as an HTTP server, for functions running in their Lambda containers.

One process builds the same ``World`` a drill builds (moto with Step Functions executing
definitions for real, the extension, the stack's resources as template.yaml defines them and the
plan's resources) and serves moto's backends over HTTP with moto's own server application, which
reads the very backends the world seeded. A function in a container calls this server through
``AWS_ENDPOINT_URL``; the executions it starts run in this process, their Task states invoking the
functions in-process, as in a drill.

``GET /_failover/status`` answers what the local AWS holds: executions, table records, messages
published to the topic, and the calls served. ``POST /_failover/reset`` puts the local AWS back
as it was built: running executions are stopped, then every backend is restored from the checkpoint
taken at start-up (``sim/checkpoint.py``): the table holds no incident, every group is active on
its primary and every resource the plan names serves from the primary again (whatever an earlier
invocation switched), so each sample event meets the state it was written for. The replication lag
metrics are published again every minute and at each reset, as AWS publishes them, so a lag check
finds a recent datapoint however long the server has run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from failoverctl.sim.checkpoint import Checkpoint

STATUS_PATH = "/_failover/status"
RESET_PATH = "/_failover/reset"
#: the seed of moto's identifiers in the local AWS
IDS_SEED = 4599


#: how often the replication lag metrics are published again (AWS publishes them every minute)
METRICS_EVERY_SECONDS = 60.0

# calls the local AWS made itself (the status endpoint's reads, the metrics it publishes), left out
# of the count it reports
_OWN_CALLS = {"count": 0}


def snapshot(world: Any) -> dict[str, Any]:
    """What the local AWS holds now (read in-process, so reading changes nothing; the calls it
    makes to read are not counted among the calls the functions made)."""
    started = world.sim.count_calls()
    sfn = world.clients.get("stepfunctions")
    executions = []
    for item in sfn.list_executions(stateMachineArn=world.state_machine_arn)["executions"]:
        executions.append({"name": item["name"], "status": item["status"], "arn": item["executionArn"]})
    ddb = world.clients.get("dynamodb")
    table = world.resolver.physical["IncidentTable"]
    records: list[str] = []
    scan: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**scan)
        records.extend(
            "|".join(str(next(iter(i[k].values()))) for k in ("pk", "sk") if k in i) for i in page.get("Items", [])
        )
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    from moto.sns.models import sns_backends

    from failoverctl.template import ACCOUNT

    topic_arn = world.resolver.physical["FailoverTopic"]
    topic = sns_backends[ACCOUNT][world.region].topics.get(topic_arn)
    subjects = [str(sent[2] or "") for sent in getattr(topic, "sent_notifications", [])]
    outside = started - _OWN_CALLS["count"]
    _OWN_CALLS["count"] += world.sim.count_calls() - started
    return {
        "executions": executions,
        "records": sorted(records),
        "messages": len(subjects),
        "message_subjects": subjects,
        "calls": outside,
    }


def reset(world: Any, initial: Checkpoint) -> None:
    """Stop running executions, then restore the simulated AWS from ``initial`` (taken when it was built)."""
    sfn = world.clients.get("stepfunctions")
    running = sfn.list_executions(stateMachineArn=world.state_machine_arn, statusFilter="RUNNING")["executions"]
    for item in running:
        sfn.stop_execution(executionArn=item["executionArn"], error="LocalReset", cause="failoverctl local reset")
    initial.restore()
    publish_metrics(world)


def publish_metrics(world: Any) -> None:
    """Each group's replication lag, as of now. AWS publishes these every minute (Aurora's
    ``AuroraGlobalDBReplicationLag``, DynamoDB's ``ReplicationLatency``...); the one datapoint the
    world seeds when it is built leaves the lag check's look-back window within minutes, and a
    function invoked later would find the lag unproven."""
    started = world.sim.count_calls()
    world.publish_replication_lag()
    _OWN_CALLS["count"] += world.sim.count_calls() - started


class _App:
    """moto's server application, with the status endpoint in front of it."""

    def __init__(self, world: Any, moto_app: Any) -> None:
        from failoverctl.sim.checkpoint import Checkpoint

        self.world = world
        self.initial = Checkpoint.take(world)
        self.moto_app = moto_app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if (path, method) in ((STATUS_PATH, "GET"), (RESET_PATH, "POST")):
            with self.lock:
                if path == RESET_PATH:
                    reset(self.world, self.initial)
                body = json.dumps(snapshot(self.world))
            return Response(body, mimetype="application/json")(environ, start_response)
        return self.moto_app(environ, start_response)

    def keep_publishing(self, stop: threading.Event) -> None:
        while not stop.wait(METRICS_EVERY_SECONDS):
            with self.lock:
                publish_metrics(self.world)


def serve(plan: Path, addresses: list[str], port: int, state_dir: Path, container_endpoint: str) -> None:
    """Build the world, serve it on every address, write ``state.json`` when ready, run until SIGTERM."""
    from moto.moto_api._internal import mock_random
    from moto.server import DomainDispatcherApplication, create_backend_app

    from failoverctl.local.files import write_state
    from failoverctl.sim.world import World

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # the identifiers moto makes up (hosted zone and health check ids, ARNs with a random part) are
    # the same at every start: the plan rewritten to them, and so the local build, stay valid, and
    # servers started side by side (one per test worker) serve the same ids to the same build
    mock_random.seed(IDS_SEED)
    with World(plan) as world:
        from failoverctl.local.extensions_app import ExtensionsApp

        app = _App(world, ExtensionsApp(world.sim, DomainDispatcherApplication(create_backend_app)))
        servers: list[BaseWSGIServer] = [make_server(address, port, app, threaded=True) for address in addresses]
        for server in servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        threading.Thread(target=app.keep_publishing, args=(stop,), daemon=True).start()
        write_state(state_dir, world, addresses, port, container_endpoint, os.getpid())
        stop.wait()
        for server in servers:
            server.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m failoverctl.local.server")
    parser.add_argument("--plan", required=True, type=Path)
    parser.add_argument("--address", action="append", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--container-endpoint", required=True)
    args = parser.parse_args(argv)
    serve(args.plan, args.address, args.port, args.state_dir, args.container_endpoint)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
