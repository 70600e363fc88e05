"""`python -m stack.dagster code-server|webserver|daemon`: prepare DAGSTER_HOME for this environment's settings,
then become Dagster's code server, webserver or daemon (compose.yaml runs these; `wellwon stack up` spawns the same
programs). The webserver and the daemon load the pipelines from the code server named by --code-server."""

from __future__ import annotations

import argparse
import os

from stack.dagster import HOME, CodeServer, code_server_argv, daemon_argv, environment, prepare_home, webserver_argv
from wellwon.config import Settings


def code_server_address(text: str) -> CodeServer:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stack.dagster", description=__doc__)
    parser.add_argument("process", choices=["code-server", "webserver", "daemon"])
    parser.add_argument("--host", default="127.0.0.1", help="the address it serves on (0.0.0.0 in a container)")
    parser.add_argument("--port", type=int, default=None, help="its port (webserver 13000, code server 4000)")
    parser.add_argument(
        "--code-server", type=code_server_address, default=None, metavar="HOST:PORT",
        help="the code server the webserver or daemon loads the pipelines from (else each starts its own)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    config = Settings()
    workspace = prepare_home(HOME, config, code_server=args.code_server)
    if args.process == "code-server":
        program = code_server_argv(args.host, args.port or 4000)
    elif args.process == "webserver":
        program = webserver_argv(workspace, args.port or 13000, args.host)
    else:
        program = daemon_argv(workspace)
    os.execve(program[0], program, {**os.environ, **environment(HOME, config)})


if __name__ == "__main__":
    main()
