"""Where the test suite's time goes: the CPU of every test, of the processes it started, of pytest
itself and of the real servers, and the least wall time the machine's cores allow for that CPU.

    uv run python -m bench.suite_cpu [pytest arguments]     (make bench-tests)

Runs `make pytest`'s command (two xdist workers a core, worksteal) with this module as a plugin.
Each test's CPU is read with getrusage before and after it: the worker's own (RUSAGE_SELF) and
that of the processes it started and reaped during the test (RUSAGE_CHILDREN: `portico serve`
with its granian workers, the CLI, a fork's pytest, Node tools, private servers). The servers
the suite shares (PostgreSQL with its backends, MariaDB, Redis, NATS) are read from /proc before
and after the run: their processes' CPU with that of the children they reaped. Linux only.

The bound: `make test`'s pytest cannot end sooner than all that CPU divided by the cores, however
the tests are shared out; the run's wall time against it says how busy the cores were.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_OUT = "SUITE_CPU_OUT"  # the folder each pytest process writes its figures to
_SERVERS = ("postgres", "mariadbd", "redis-server", "nats-server")
_TICKS = os.sysconf("SC_CLK_TCK")

# ---- the plugin: runs in the controller and in each xdist worker ----

_tests: list[tuple[str, float, float, float]] = []


def _usage(who: int) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    own, children, start = (
        _usage(resource.RUSAGE_SELF),
        _usage(resource.RUSAGE_CHILDREN),
        time.monotonic(),
    )
    result = yield
    _tests.append(
        (
            item.nodeid,
            _usage(resource.RUSAGE_SELF) - own,
            _usage(resource.RUSAGE_CHILDREN) - children,
            time.monotonic() - start,
        )
    )
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    folder = os.environ.get(_OUT)
    if not folder:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    figures = {
        "worker": worker,
        "self": _usage(resource.RUSAGE_SELF),
        # The controller's children are the workers, counted by themselves.
        "children": 0.0 if worker == "controller" else _usage(resource.RUSAGE_CHILDREN),
        "tests": _tests,
    }
    (Path(folder) / f"{worker}-{os.getpid()}.json").write_text(json.dumps(figures))


# ---- the script ----


def servers_cpu() -> dict[str, float]:
    """CPU seconds so far of the shared servers' processes, with the children they reaped."""
    used = dict.fromkeys(_SERVERS, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        server = next((s for s in _SERVERS if name.startswith(s)), None)
        if server:
            fields = text.rsplit(")", 1)[1].split()
            used[server] += sum(int(f) for f in fields[11:15]) / _TICKS  # utime..cstime
    return used


def _folder(nodeid: str) -> str:
    parts = nodeid.split("::")[0].split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def report(folder: Path, wall: float, cores: int, servers: dict[str, float]) -> str:
    runs = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    tests = [t for run in runs for t in run["tests"]]
    own = sum(t[1] for t in tests)
    started = sum(t[2] for t in tests)
    outside = sum(r["self"] + r["children"] for r in runs) - own - started
    serving = sum(servers.values())
    total = own + started + outside + serving
    lines = [
        f"{len(tests)} tests, {len([r for r in runs if r['worker'] != 'controller'])} workers, "
        f"{cores} cores: {wall:.0f} s wall",
        f"CPU {total:.0f} s: tests {own + started:.0f} s ({own:.0f} in the workers, {started:.0f} "
        f"in processes they started), pytest outside tests {outside:.0f} s, servers "
        f"{serving:.0f} s ("
        + ", ".join(
            f"{name} {cpu:.0f}" for name, cpu in sorted(servers.items(), key=lambda kv: -kv[1])
        )
        + ")",
        f"least wall time for that CPU on {cores} cores: {total / cores:.0f} s; "
        f"the cores were {100 * total / (cores * wall):.0f} % busy",
        "",
        f"{'folder':<22}{'tests':>7}{'CPU s':>8}{'share':>7}{'started':>9}",
    ]
    by_folder: dict[str, list[float]] = {}
    by_module: dict[str, list[float]] = {}
    for nodeid, cpu, child, spent in tests:
        for key, table in ((_folder(nodeid), by_folder), (nodeid.split("::")[0], by_module)):
            row = table.setdefault(key, [0, 0.0, 0.0, 0.0])
            row[0] += 1
            row[1] += cpu + child
            row[2] += child
            row[3] += spent
    for name, (count, cpu, child, _) in sorted(by_folder.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"{name:<22}{count:>7.0f}{cpu:>8.1f}{100 * cpu / total:>6.0f}%{child:>9.1f}")
    lines += ["", f"{'CPU s':>7}{'started':>9}{'wall s':>8}  module (the 20 dearest)"]
    for name, (_, cpu, child, spent) in sorted(by_module.items(), key=lambda kv: -kv[1][1])[:20]:
        lines.append(f"{cpu:>7.1f}{child:>9.1f}{spent:>8.1f}  {name}")
    return "\n".join(lines)


def main(arguments: list[str]) -> int:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as folder:
        env = {**os.environ, _OUT: folder, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "pytest", "-n", str(2 * cores), "--dist", "worksteal"]
        command += ["-q", "-p", "bench.suite_cpu", *arguments]
        before, start = servers_cpu(), time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=env)
        wall, after = time.monotonic() - start, servers_cpu()
        servers = {name: after[name] - before[name] for name in _SERVERS}
        print(report(Path(folder), wall, cores, servers))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
