"""One Uvicorn worker process serving inherited listening sockets (`python -m bench.serve`).

`uvicorn --fd` takes one socket; this takes several, so that with `--listen reuseport`
each worker serves the shared SO_REUSEPORT port (the kernel balances connections over the
workers) and also a private port of its own. The harness uses the private port to read
that worker's /metrics (GameBuddies' Prometheus counters are per process) and to place
sockets on one chosen worker. Same options as bench/server.py gives the Uvicorn CLI.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", help="ASGI application, module:attribute")
    parser.add_argument("--fd", type=int, action="append", required=True, help="inherited listening socket")
    parser.add_argument("--ws-max-size", type=int, default=16 * 1024)
    args = parser.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import uvicorn

    config = uvicorn.Config(
        args.app,
        lifespan="off",
        ws_per_message_deflate=False,
        access_log=False,
        ws_max_size=args.ws_max_size,
        backlog=4096,
        log_level="warning",
    )
    sockets = [socket.socket(fileno=fd) for fd in args.fd]
    uvicorn.Server(config).run(sockets=sockets)


if __name__ == "__main__":
    main()
