"""What a start of `portico serve` costs: CPU of its processes until /health/ready first answers
200, this checkout against another one (a baseline clone with its own virtualenv), interleaved.

    uv run python -m bench.startup --against /tmp/base [--rounds 8] [--setups sqlite,postgresql]
        [--workers 1]

Each round starts this checkout's `portico serve` and the other's, in an order that alternates,
one at a time, on a free port, with the default settings (PORTICO_BACKGROUND=auto, the memory
cache and bus; no cache with several workers) but logs at WARNING. It polls /health/ready every
20 ms (the polls cost the server a little, the same for both), then reads /proc/<pid>/stat:
utime + stime of the server, of the children it has reaped (cutime + cstime: the start-up
check's child, when it runs one) and of the workers still running (with --workers 2). Then
SIGTERM. Prints each target's median and range in ms of CPU, and the wall time to the first 200
(noisy: the machine is shared).

Setups: sqlite (a database file migrated once per target) and postgresql (the database at
PORTICO_BENCH_POSTGRES_URL, migrated once by each target).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.engines import POSTGRES, ROOT, free_port, portico_env

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def cpu_ms(pid: int) -> float:
    """CPU of `pid`, of the children it has waited for, and of those still running."""
    fields = _stat(pid)
    ticks = sum(int(fields[index]) for index in (11, 12, 13, 14))  # utime stime cutime cstime
    for child in _children(pid):
        try:
            child_fields = _stat(child)
        except OSError:
            continue
        ticks += sum(int(child_fields[index]) for index in (11, 12, 13, 14))
    return ticks * 1000 / _TICKS


def start_once(checkout: Path, env: dict[str, str], workers: int) -> tuple[float, float]:
    """CPU (ms) of one `portico serve` from `checkout` to its first 200 on /health/ready, and
    the wall time (ms) it took."""
    port = free_port()
    command = [str(checkout / ".venv" / "bin" / "portico"), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    began = time.monotonic()
    process = subprocess.Popen(
        command, env=env, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(timeout=2) as probe:
            while True:
                if process.poll() is not None:
                    error = process.stderr.read() if process.stderr else b""
                    raise RuntimeError(f"{checkout}: serve exited: {error.decode()}")
                try:
                    if probe.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
        wall = (time.monotonic() - began) * 1000
        return cpu_ms(process.pid), wall
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and again to the workers left: with --workers 2, a worker signalled while the app
    is still starting sometimes outlives its supervisor's SIGTERM (seen on integ too)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for child in _children(process.pid):
            os.kill(child, signal.SIGTERM)
        process.wait(timeout=30)


def migrate(checkout: Path, env: dict[str, str]) -> None:
    portico = str(checkout / ".venv" / "bin" / "portico")
    subprocess.run(
        [portico, "db", "upgrade"], env=env, cwd=checkout, check=True, capture_output=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True, help="the baseline checkout")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--setups", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    targets = {"baseline": args.against.resolve(), "this": ROOT}
    with tempfile.TemporaryDirectory() as scratch:
        for setup in args.setups.split(","):
            envs: dict[str, dict[str, str]] = {}
            for name, checkout in targets.items():
                url = (
                    POSTGRES
                    if setup == "postgresql"
                    else f"sqlite+aiosqlite:///{Path(scratch) / f'{name}.db'}"
                )
                envs[name] = {
                    **portico_env(url),
                    "PORTICO_BACKGROUND": "auto",
                    # several workers refuse the memory cache with the memory bus
                    "PORTICO_CACHE": "memory" if args.workers == 1 else "none",
                }
                migrate(checkout, envs[name])
            cpu: dict[str, list[float]] = {name: [] for name in targets}
            wall: dict[str, list[float]] = {name: [] for name in targets}
            for round_ in range(args.rounds):
                order = list(targets) if round_ % 2 == 0 else list(reversed(targets))
                for name in order:
                    spent, took = start_once(targets[name], envs[name], args.workers)
                    cpu[name].append(spent)
                    wall[name].append(took)
            print(f"\n{setup}, --workers {args.workers}, {args.rounds} rounds")
            print("| target | CPU to first 200, median (range) | wall, median |")
            print("| --- | ---: | ---: |")
            for name in targets:
                low, high = min(cpu[name]), max(cpu[name])
                print(
                    f"| {name} | {statistics.median(cpu[name]):.0f} ms ({low:.0f}-{high:.0f}) "
                    f"| {statistics.median(wall[name]):.0f} ms |"
                )


if __name__ == "__main__":
    main()
