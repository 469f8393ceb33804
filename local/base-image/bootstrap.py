"""Starts the runtime interface client with the module search path of the Lambda Python runtime:
the function's code, then the layers (/opt/python), then the runtime's own packages."""

import os
import sys


def main() -> None:
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    runtime_dir = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")
    front = [task_root, "/opt/python/lib/python3.13/site-packages", "/opt/python", runtime_dir]
    sys.path[:] = front + [p for p in sys.path if p not in front and p != os.path.dirname(__file__)]

    from awslambdaric.__main__ import main as ric_main

    ric_main(["awslambdaric", os.environ["_HANDLER"]])


if __name__ == "__main__":
    main()
