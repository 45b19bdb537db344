"""What `portico serve` holds in memory: RSS of its processes (granian's supervisor and its worker,
or one process where a tree serves alone), idle after start and after a short load (issue 18: at
most 120 MB for the set).

    uv run python -m bench.memory [--python /tmp/nodev/bin/python] [--source DIR]
        [--setups sqlite,servers] [--requests 3000] [--env NAME=VALUE ...] [--mappings N]

--python: the interpreter of the virtualenv to serve from; measure one made as the image makes
it (`UV_PROJECT_ENVIRONMENT=/tmp/nodev uv sync --frozen --no-dev`), since dev dependencies add
imports (bench/README.md). --source: a src/ directory to serve instead (PYTHONPATH), to compare
two checkouts with one virtualenv. --env: a variable for the served processes (and the
bytecode compilation), e.g. MALLOC_ARENA_MAX=2 or PYTHONOPTIMIZE=2. Setups, one granian worker
each, PORTICO_BACKGROUND=auto:

    sqlite   SQLite, PORTICO_CACHE=memory, PORTICO_BUS=memory
    servers  PostgreSQL (PORTICO_BENCH_POSTGRES_URL), PORTICO_CACHE=redis, PORTICO_BUS=nats

The image compiles every module to bytecode when it installs them (UV_COMPILE_BYTECODE=1); a
process that has to compile what it imports keeps 10-17 MB more here (the compiler's garbage
left in its heap), so the virtualenv and the source are compiled first, as the image's are.

Load: --requests GETs, 32 at a time, over /api/v1/products (read through the cache),
/health/ready (every probe) and /health/live. Figures in MB from /proc/<pid>/smaps_rollup: Rss
of each process, idle 3 s after start and 1 s after the load, their sums, and the sum of their
Pss after it (shared pages counted once), each process's Pss in brackets. --mappings N: each
process's N largest mappings by Rss after the load (/proc/PID/smaps).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.engines import POSTGRES, ROOT, free_port, portico_env, server

PATHS = ("/api/v1/products", "/health/ready", "/health/live")


def rss_mb(pid: int, field: str = "Rss") -> float:
    """Rss, or Pss: the pages shared with other processes (granian's library, mapped by both the
    supervisor and its worker) split between them, so the set's Pss adds up to what it takes."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def by_mapping(pid: int) -> Counter[str]:
    """Rss in kB by what is mapped (a library's file, [heap]: glibc's main arena, [anon]: the
    rest, pymalloc's 1 MiB arenas and thread stacks among it), from /proc/<pid>/smaps."""
    found: Counter[str] = Counter()
    name = "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if not fields[0].endswith(":"):  # a mapping's header: address perms offset dev inode [path]
            name = fields[5].rpartition("/site-packages/")[2] if len(fields) > 5 else "[anon]"
        elif fields[0] == "Rss:":
            found[name] += int(fields[1])
    return found


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def processes(pid: int) -> list[int]:
    """`portico serve` and its granian worker, or `portico serve` alone where it serves itself
    (one worker: granian's embedded server, bench/README.md). Called once it answers, when the
    start-up check's short-lived child has exited: any child left is a worker."""
    return [pid, *children(pid)]


async def load(base: str, requests: int) -> Counter[str]:
    failed: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        queue = iter(range(requests))

        async def one_at_a_time() -> None:
            nonlocal failed
            for number in queue:
                response = await client.get(PATHS[number % len(PATHS)])
                if response.status_code >= 500:
                    failed[f"{response.status_code} {response.request.url.path}"] += 1

        await asyncio.gather(*(one_at_a_time() for _ in range(32)))
    return failed


def compile_as_the_image_does(python: str, source: str | None, env: dict[str, str]) -> None:
    """Bytecode for the virtualenv's packages and the source served (PYTHONDONTWRITEBYTECODE,
    set in many shells, would otherwise have every run compile them again)."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    packages = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    where = [packages.stdout.strip(), source or str(ROOT / "src")]
    # at the optimisation level PYTHONOPTIMIZE asks for, if --env sets it
    compiling = {**os.environ, **env}
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", *where], env=compiling, check=False
    )


def measure(
    name: str, env: dict[str, str], python: str, requests: int, mappings: int = 0
) -> dict[str, float]:
    portico = [python, "-m", "entrypoints.cli.main"]
    subprocess.run([*portico, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*portico, "serve", "--port", str(port), "--workers", "1"]
    with server(command, env, f"{base}/health/live") as pid:
        serving = processes(pid)
        time.sleep(3)
        idle = [rss_mb(each) for each in serving]
        failed = asyncio.run(load(base, requests))
        time.sleep(1)
        loaded = [rss_mb(each) for each in serving]
        shared = [rss_mb(each, "Pss") for each in serving]
        where = [by_mapping(each).most_common(mappings) for each in serving] if mappings else []
    figures = {"rss_idle": sum(idle), "rss_loaded": sum(loaded), "pss_loaded": sum(shared)}
    each = " + ".join(f"{start:.0f} / {end:.0f}" for start, end in zip(idle, loaded, strict=True))
    shown = "  ".join(f"{k} {v:.0f}" for k, v in figures.items())
    pss = " + ".join(f"{one:.0f}" for one in shared)
    print(
        f"{name:8} processes (idle / loaded) {each}  {shown} ({pss})  5xx: {dict(failed)}",
        flush=True,
    )
    for pid, largest in zip(serving, where, strict=False):
        print(f"  {pid}: " + ", ".join(f"{kb / 1024:.1f} {what}" for what, kb in largest))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--source", help="a src/ directory to serve instead of the installed one")
    parser.add_argument("--setups", default="sqlite,servers")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--mappings", type=int, default=0, help="each process's N largest mappings")
    args = parser.parse_args()
    extra = dict(variable.split("=", 1) for variable in args.env)
    compile_as_the_image_does(args.python, args.source, extra)
    if args.source:
        extra["PYTHONPATH"] = args.source
    with tempfile.TemporaryDirectory() as scratch:
        for setup in args.setups.split(","):
            if setup == "sqlite":
                url = f"sqlite+aiosqlite:///{scratch}/memory.db"
                env = portico_env(url)
                env.update(PORTICO_CACHE="memory", PORTICO_BUS="memory")
            else:
                env = portico_env(POSTGRES)
                env.update(PORTICO_CACHE="redis", PORTICO_BUS="nats")
            env["PORTICO_BACKGROUND"] = "auto"
            serving = {**env, **extra, "PYTHONUNBUFFERED": "1"}
            measure(setup, serving, args.python, args.requests, args.mappings)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
