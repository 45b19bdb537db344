"""Generate projects from this template and run each one's own `make test` (test-combinations).

Each combination of answers (COMBINATIONS, data: add an adapter to a list when it becomes
prunable) is copied with `copier copy --trust --defaults --vcs-ref=HEAD` (the working tree,
uncommitted changes included) into a temporary folder, committed in a git repository of its own,
optionally given a scaffolded context (committed too), and tested with its `make test`: its own
`make install` (uv, its re-locked uv.lock), ruff, mypy, import-linter, the API checks and its
pytest, against the same real servers with CI=true and databases of its own. One at a time: each
`make test` already uses every core. A failure prints the tail of that project's output and the
run fails. Template-only (copier.yml `_exclude`, tools/make_it_yours.py TEMPLATE_ONLY).

    python -m tools.combinations                 # all of them
    python -m tools.combinations minimal servers # some
    python -m tools.combinations --keep DIR      # generate under DIR and leave the projects there
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.adapters import NAMES as ADAPTERS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A `make test` that outlives this is stuck (a server it waits for), not slow.
TIMEOUT = 40 * 60
TAIL = 80  # lines of a failing project's output shown


@dataclass(frozen=True)
class Combination:
    name: str
    project: str  # project_name: its slug names the generated command, settings and databases
    contexts: tuple[str, ...]
    adapters: tuple[str, ...]
    # A context scaffolded and committed before `make test`: `<slug> scaffold context ...` args.
    scaffold: tuple[str, ...] = ()


COMBINATIONS = (
    # Everything kept: the template renamed (a two-word name: every spelling changes).
    Combination("everything", "Every Shop", ("catalog", "ordering"), ADAPTERS),
    # SQLite only, identity plus one scaffolded context.
    Combination(
        "minimal",
        "Tiny Shop",
        (),
        (),
        scaffold=("context", "note", "--field", "title:str", "--field", "due:date?"),
    ),
    # PostgreSQL, Redis and NATS, and no sample context.
    Combination("servers", "Served Shop", (), ("postgresql", "redis", "nats")),
)
BY_NAME = {combination.name: combination for combination in COMBINATIONS}


def slug(project: str) -> str:
    return re.sub(r"[^a-z0-9]", "", project.lower())


def _run(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        try:
            result = subprocess.run(  # noqa: S603 (the template's own commands)
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise Failed(f"{' '.join(command)} still running after {TIMEOUT} s", log) from None
    if result.returncode != 0:
        raise Failed(f"{' '.join(command)} exited with {result.returncode}", log)


class Failed(RuntimeError):
    def __init__(self, what: str, log: Path) -> None:
        super().__init__(what)
        self.log = log


_CLIENTS = {
    "postgresql": ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc"],
    "mariadb": ["mariadb", "-h", "127.0.0.1", "-u", "root", "-Ne"],
}


def _sql(server: str, query: str) -> list[str]:
    command = [shutil.which(_CLIENTS[server][0]) or _CLIENTS[server][0], *_CLIENTS[server][1:]]
    result = subprocess.run([*command, query], check=True, capture_output=True, text=True)  # noqa: S603 (our names)
    return result.stdout.split()


def _databases(name: str) -> dict[str, str]:
    """Fresh PostgreSQL and MariaDB databases for one project (not the template's portico_ci*)."""
    _sql("postgresql", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _sql("postgresql", f"CREATE DATABASE {name}")
    _sql("mariadb", f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}")
    return {
        "POSTGRES_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
        "MARIADB_URL": f"mysql+asyncmy://root@127.0.0.1:3306/{name}",
    }


def drop_databases(prefix: str) -> list[str]:
    """Drop the PostgreSQL and MariaDB databases named `prefix` or `prefix_...` (the project's,
    its xdist workers' and its tests'), so runs leave nothing on the servers; the names dropped."""
    if not re.fullmatch(r"[a-z0-9_]+", prefix):  # a slug: safe inside the statements below
        raise ValueError(f"not a database prefix: {prefix!r}")
    # starts_with/LEFT, not LIKE: an underscore in the prefix would be a wildcard there.
    pg_query = f"SELECT datname FROM pg_database WHERE starts_with(datname || '_', '{prefix}_')"  # noqa: S608
    maria_query = (
        "SELECT schema_name FROM information_schema.schemata "  # noqa: S608
        f"WHERE LEFT(CONCAT(schema_name, '_'), {len(prefix) + 1}) = '{prefix}_'"
    )
    pg, maria = _sql("postgresql", pg_query), _sql("mariadb", maria_query)
    for name in pg:
        _sql("postgresql", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for name in maria:
        _sql("mariadb", f"DROP DATABASE IF EXISTS `{name}`")
    return sorted({*pg, *maria})


def _env(combination: Combination) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTICO_", "VIRTUAL_ENV"))}
    prefix = slug(combination.project).upper()
    # The template's settings and test servers, under the project's prefix (MYSHOP_TEST_...).
    env |= {
        k.replace("PORTICO_", f"{prefix}_", 1): v
        for k, v in os.environ.items()
        if k.startswith("PORTICO_TEST_") and not k.endswith(("POSTGRES_URL", "MARIADB_URL"))
    }
    for key, url in _databases(f"{slug(combination.project)}_ci").items():
        env[f"{prefix}_TEST_{key}"] = url
    env["CI"] = "true"
    # The uv the template's Makefile found (on PATH, or in its .tools/): the project's make
    # looks on PATH first.
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    env["PATH"] = f"{Path(uv).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _commit(project: Path, env: dict[str, str], log: Path, message: str) -> None:
    who = ["-c", "user.name=Combinations", "-c", "user.email=ci@example.invalid"]
    _run(["git", "add", "-A"], project, env, log)
    _run(["git", *who, "commit", "-qm", message], project, env, log)


def _cpu() -> float:
    """CPU seconds of the finished child processes: what a `make test` costs on any load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(combination: Combination, workdir: Path) -> tuple[float, float]:
    """Generate the project, then its `make test`: the wall and CPU seconds `make test` took."""
    project = workdir / combination.name
    log = workdir / f"{combination.name}.log"
    log.write_text("")
    env = _env(combination)
    answers = [
        f"--data=project_name={combination.project}",
        f"--data=contexts={list(combination.contexts)}",
        f"--data=adapters={list(combination.adapters)}",
    ]
    copier = [str(BIN / "copier"), "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=HEAD"]
    _run([*copier, *answers, str(ROOT), str(project)], ROOT, env, log)
    _run(["git", "init", "-q", "-b", "main"], project, env, log)
    _commit(project, env, log, "generated")
    if combination.scaffold:
        _run(["make", "install"], project, env, log)
        _run([f".venv/bin/{slug(combination.project)}", "scaffold", *combination.scaffold],
             project, env, log)  # fmt: skip
        # A new context changes the API and publishes events: their documents, as a user would.
        _run(["make", "contracts", "golden"], project, env, log)
        _commit(project, env, log, "scaffolded")
    started, cpu = time.monotonic(), _cpu()
    _run(["make", "test"], project, env, log)
    return time.monotonic() - started, _cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"among {', '.join(BY_NAME)} (default: all)")
    parser.add_argument("--keep", type=Path, help="generate under this folder and keep it")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown combination {unknown[0]!r}: choose among {', '.join(BY_NAME)}")
    chosen = [BY_NAME[name] for name in args.names] or list(COMBINATIONS)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="combinations-"))
    failed = []
    try:
        for combination in chosen:
            print(f"combinations: {combination.name}: generating and running its make test",
                  flush=True)  # fmt: skip
            began = time.monotonic()
            try:
                seconds, cpu = run(combination, workdir)
            except Failed as failure:
                # The others still run: one CI run shows every combination that fails.
                lines = failure.log.read_text(errors="replace").splitlines()
                print("\n".join(lines[-TAIL:]), file=sys.stderr)
                print(f"combinations: {combination.name} FAILED: {failure}", file=sys.stderr)
                failed.append(combination.name)
                continue
            total = time.monotonic() - began
            load = os.getloadavg()[0]
            print(f"combinations: {combination.name} passed: make test {seconds:.0f} s "
                  f"({cpu:.0f} s of CPU), {total:.0f} s in all (load {load:.1f})",
                  flush=True)  # fmt: skip
    finally:
        if not args.keep:  # --keep keeps the projects and their databases, to look into them
            shutil.rmtree(workdir, ignore_errors=True)
            for combination in chosen:
                drop_databases(f"{slug(combination.project)}_ci")
    if failed:
        print(f"combinations: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
