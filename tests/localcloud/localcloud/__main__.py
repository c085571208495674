"""`python -m localcloud --port PORT [--seed FILE] [--host HOST]`: run localcloud until SIGTERM.

Stdout carries exactly one line, `localcloud ready http://HOST:PORT`, printed once the socket
listens, so a parent process can wait for it; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from localcloud.topology import TOPOLOGY, SeedError


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the seed, serve until SIGTERM or SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="localcloud", description="moto plus gold's AWS extensions")
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0: any free port)")
    parser.add_argument("--seed", help="TOML topology seed (default: the origin scenario's accounts)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)

    if args.seed:
        try:
            TOPOLOGY.load(args.seed)
        except (OSError, SeedError) as err:
            print(f"localcloud: invalid seed: {err}", file=sys.stderr)
            return 2

    import logging
    import os

    # AWS accounts come with AWS-managed policies (gold attaches EC2InstanceProfileForImageBuilder
    # and friends); moto only has them when asked before its IAM backend is first built.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from localcloud.server import build_app

    # One log line per request would flood the parent's stderr pipe; the request log has them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = build_app()
    try:
        server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    except OSError as err:
        print(f"localcloud: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 1

    def stop(_signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, so it must not run on the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"localcloud ready http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
