"""`python -m stack.dagster webserver|daemon`: prepare DAGSTER_HOME for this environment's settings, then become
Dagster's webserver or daemon (compose.yaml runs these; `wellwon stack up` spawns the same programs)."""

from __future__ import annotations

import argparse
import os

from stack.dagster import HOME, daemon_argv, environment, prepare_home, webserver_argv
from wellwon.config import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stack.dagster", description=__doc__)
    parser.add_argument("process", choices=["webserver", "daemon"])
    parser.add_argument("--host", default="127.0.0.1", help="the webserver's address (0.0.0.0 in a container)")
    parser.add_argument("--port", type=int, default=13000, help="the webserver's port")
    args = parser.parse_args(argv)
    config = Settings()
    workspace = prepare_home(HOME, config)
    program = webserver_argv(workspace, args.port, args.host) if args.process == "webserver" else daemon_argv(workspace)
    os.execve(program[0], program, {**os.environ, **environment(HOME, config)})


if __name__ == "__main__":
    main()
