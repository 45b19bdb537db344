"""What tracing costs: wrk on GET /api/v1/products/{id} with PORTICO_OTEL_ENABLED off and on.

Same setup as bench/run.py (PostgreSQL, one granian worker, 100 products) with one cache mode
(--cache, default none: every request runs its SELECT, so it makes an HTTP span and a SQL span).
With tracing on, every request is sampled and exported to an OTLP/HTTP sink on loopback that
answers at once. The modes alternate (off, on, off, on...) for --rounds, so a change of the
machine's load hits both.

    uv run python bench/tracing.py --duration 10 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.run import DEFAULT_DB, ROOT, Server, environment, portico, reset_database, wrk


class _Sink(BaseHTTPRequestHandler):
    """Accepts every export, reads it, answers an empty ExportTraceServiceResponse."""

    spans_bytes = 0

    def do_POST(self) -> None:
        _Sink.spans_bytes += len(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--cache", default="none")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--products", type=int, default=100)
    # Another checkout's src/ (e.g. the main branch) as a third mode: what "off" costs against it.
    parser.add_argument("--baseline", default="")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = parser.parse_args()

    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{sink.server_address[1]}/v1/traces"

    asyncio.run(reset_database(args.database_url))
    base = {
        "PORTICO_DATABASE_URL": args.database_url,
        "PORTICO_LOG_LEVEL": "WARNING",
        "PORTICO_ACCESS_LOG": "false",
        "PORTICO_BACKGROUND": "off",
        "PORTICO_CACHE": args.cache,
    }
    subprocess.run(portico("db", "upgrade"), env=environment(base), cwd=ROOT, check=True)
    admin, password = f"bench-{time.time_ns()}@example.com", "bench administrator secret"
    subprocess.run(
        portico("users", "create-admin", "--email", admin),
        env=environment(base),
        cwd=ROOT,
        check=True,
        input=password,
        text=True,
        capture_output=True,
    )
    seeder = Server(base)
    ids = []
    with httpx.Client(base_url=seeder.url) as http:
        login = http.post("/api/v1/auth/login", json={"email": admin, "password": password})
        http.headers["Authorization"] = f"Bearer {login.raise_for_status().json()['access_token']}"
        for n in range(args.products):
            body = {
                "sku": f"BENCH-{n:04d}",
                "name": f"Bench product {n}",
                "price": {"amount": "9.99", "currency": "EUR"},
                "stock": 100,
            }
            ids.append(http.post("/api/v1/products", json=body).raise_for_status().json()["id"])
    seeder.stop()

    modes: dict[str, dict[str, str]] = {
        "off": {},
        "on": {"PORTICO_OTEL_ENABLED": "true", "PORTICO_OTEL_ENDPOINT": endpoint},
    }
    if args.baseline:
        modes = {"baseline": {"PYTHONPATH": args.baseline}, **modes}
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(args.rounds):
        for mode, extra in modes.items():
            server = Server({**base, **extra})
            try:
                with httpx.Client(base_url=server.url) as http:  # warm-up
                    for product_id in ids * 2:
                        http.get(f"/api/v1/products/{product_id}").raise_for_status()
                rate, p99, total = wrk(server.url, ids, args)
            finally:
                server.stop()
            rates[mode].append(rate)
            print(f"round {round_ + 1} {mode}: {rate:.0f} req/s, p99 {p99}, {total}", flush=True)
    sink.shutdown()
    print()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, one granian worker, "
        f"PORTICO_CACHE={args.cache}, {args.rounds} interleaved rounds; "
        f"{_Sink.spans_bytes} bytes of spans exported"
    )
    print("| tracing | req/s (median) | runs |")
    print("| --- | ---: | --- |")
    for mode, values in rates.items():
        runs = ", ".join(f"{v:.0f}" for v in values)
        print(f"| {mode} | {statistics.median(values):.0f} | {runs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
