"""`python -m stack.dagster webserver|daemon|code-server`: prepare DAGSTER_HOME for this environment's settings, then
become Dagster's webserver, daemon or the code location's server (compose.yaml runs these; `wellwon stack up` spawns
the same programs). The webserver and the daemon wait for the code server to answer first."""

from __future__ import annotations

import argparse
import os

from stack.dagster import (
    CODE_SERVER_PORT,
    HOME,
    WEBSERVER_PORT,
    CodeServer,
    code_server_argv,
    daemon_argv,
    environment,
    prepare_home,
    webserver_argv,
)
from wellwon.config import Settings

PORTS = {"webserver": WEBSERVER_PORT, "code-server": CODE_SERVER_PORT}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stack.dagster", description=__doc__)
    parser.add_argument("process", choices=["webserver", "daemon", "code-server"])
    parser.add_argument("--host", default="127.0.0.1", help="the address served (0.0.0.0 in a container)")
    served = f"the port served (webserver {WEBSERVER_PORT}, code-server {CODE_SERVER_PORT})"
    parser.add_argument("--port", type=int, help=served)
    parser.add_argument("--code-server", default=f"127.0.0.1:{CODE_SERVER_PORT}", help="the code server's HOST:PORT")
    args = parser.parse_args(argv)
    config = Settings()
    port = args.port or PORTS.get(args.process, 0)
    if args.process == "code-server":
        program = code_server_argv(port, host=args.host)
    else:
        code_server = CodeServer.parse(args.code_server)
        workspace = prepare_home(HOME, config, code_server)
        code_server.wait(timeout=600)
        program = webserver_argv(workspace, port, args.host) if args.process == "webserver" else daemon_argv(workspace)
    os.execve(program[0], program, {**os.environ, **environment(HOME, config)})


if __name__ == "__main__":
    main()
