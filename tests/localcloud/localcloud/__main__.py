"""`python -m localcloud --port PORT [--seed FILE] [--host HOST]`: run localcloud until SIGTERM.

Stdout carries exactly one line, `localcloud ready http://HOST:PORT`, printed once the socket
listens, so a parent process can wait for it; everything else goes to stderr.

The HTTP server is waitress: one thread reads and writes every connection (HTTP/1.1
keep-alive, so an SDK's pooled connections are reused) and hands complete requests to worker
threads. Werkzeug's development server, which moto ships with, started a thread per
connection and closed every connection after one answer, which cost about a millisecond of
CPU per call before any AWS work began. A request sleeping its injected latency holds a
worker, so the pool grows whenever a request would otherwise wait for one
(`ElasticDispatcher`): latency overlaps across concurrent requests and never queues them.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from localcloud.topology import TOPOLOGY, SeedError

# Connections served at once; an SDK keeps one per request in flight (gold's --parallelism
# goes up to 256, each target with a few calls in flight).
_CONNECTION_LIMIT = 1024
_FIRST_WORKERS = 8


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

    import os

    # AWS accounts come with AWS-managed policies (gold attaches EC2InstanceProfileForImageBuilder
    # and friends); moto only has them when asked before its IAM backend is first built.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # AWS APIs answer SDKs without CORS headers; moto adds them to every answer (a browser
    # convenience) at a cost on every call. Read when moto.settings is first imported.
    os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")

    from waitress.server import create_server

    from localcloud.server import build_app

    app = build_app()
    try:
        server = create_server(
            app,
            host=args.host,
            port=args.port,
            _dispatcher=_elastic_dispatcher(),
            connection_limit=_CONNECTION_LIMIT,
            backlog=_CONNECTION_LIMIT,
            # select() cannot watch file descriptors above 1023.
            asyncore_use_poll=True,
            # No proxy sits in front of localcloud, so there are no forwarding headers to clean.
            clear_untrusted_proxy_headers=False,
            ident="localcloud",
        )
    except OSError as err:
        print(f"localcloud: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 1

    def stop(_signum: int, _frame: Any) -> None:
        # Raised in the main thread, inside server.run(), which catches it and stops the workers.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"localcloud ready http://{args.host}:{server.effective_port}", flush=True)
    try:
        server.run()
    finally:
        server.close()
    return 0


def _elastic_dispatcher() -> Any:
    from waitress.task import ThreadedTaskDispatcher

    class ElasticDispatcher(ThreadedTaskDispatcher):
        """waitress's worker pool, plus a worker whenever a request would wait for one."""

        def add_task(self, task: Any) -> None:
            # Called only from the server's one I/O thread, so two calls never race to grow.
            # waitress's own add_task would also log a queue warning for the new worker,
            # which counts as busy until it first waits.
            with self.lock:
                idle = len(self.threads) - self.stop_count - self.active_count
                running = len(self.threads) - self.stop_count
                waits = len(self.queue) >= idle
            if waits:
                self.set_thread_count(running + 1)
            with self.lock:
                self.queue.append(task)
                self.queue_cv.notify()

    dispatcher = ElasticDispatcher()
    dispatcher.set_thread_count(_FIRST_WORKERS)
    return dispatcher


if __name__ == "__main__":
    sys.exit(main())
