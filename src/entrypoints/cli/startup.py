"""Checks made before serving, so a wrong setting stops with one line instead of a traceback.

They build only what they check (the database, the Redis clients), not the platform's container:
`portico serve` with several workers or --reload runs them in a child process on every start
(serve.py), and the containers and adapters they would import cost that child about half of its
CPU (bench/README.md). With one worker they run in the serving process itself."""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from adapters.persistence.sql.row_security import guard_problems  # [adapter:postgresql]
from entrypoints.modules import load_modules, unsupported_store
from entrypoints.platform.builders import open_sql_database
from entrypoints.settings import Settings, SettingsError, env_name


def check_database(settings: Settings) -> None:
    """Raise SettingsError naming PORTICO_DATABASE_URL when the database cannot be reached, and
    first when a context has no adapter for PORTICO_PERSISTENCE (the root container refuses it
    too, with the same line)."""
    if refusal := unsupported_store(settings.persistence, load_modules()):
        raise SettingsError(refusal)
    variable = env_name("database.url")
    # [adapter:redis begin]
    if settings.stores_in_redis:
        check_store(settings)
        return
    # [adapter:redis end]
    if not settings.has_database:  # nothing to reach with this configuration
        return
    try:
        database = open_sql_database(settings)
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise SettingsError(f"{variable} is not a database URL we can use: {error}") from None
    shown = database.engine.url.render_as_string(hide_password=True)

    async def ping() -> list[str]:
        problems: list[str] = []
        try:
            async with asyncio.timeout(settings.http.readiness_timeout * 3):
                await database.ping()
                # [adapter:postgresql begin]
                if database.row_security:
                    async with database.connect() as connection:
                        problems = await guard_problems(connection)
                # [adapter:postgresql end]
        finally:
            await database.close()
        return problems

    try:
        problems = asyncio.run(ping())
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SettingsError(f"{variable}: cannot reach the database at {shown}: {reason}") from None
    if problems:  # the guard asked for would silently not be there
        raise SettingsError(f"{env_name('database.row_security')}=true, but " + "; ".join(problems))


# [adapter:redis begin]
def check_store(settings: Settings) -> None:
    """With PORTICO_PERSISTENCE=redis: raise SettingsError when Redis cannot be reached, or in
    production when its AOF would not keep every acknowledged write (a warning elsewhere)."""
    from adapters.persistence.redis.durability import Durability, read_durability
    from entrypoints.platform.redis import build_redis_documents

    documents = build_redis_documents(settings)

    async def durability() -> Durability:
        try:
            async with asyncio.timeout(settings.http.readiness_timeout * 3):
                return await read_durability(documents)
        finally:
            await documents.close()

    try:
        found = asyncio.run(durability())
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SettingsError(f"{env_name('redis.url')}: cannot reach Redis: {reason}") from None
    if found.keeps_acknowledged_writes:
        return
    problem = (
        f"{env_name('persistence')}=redis needs the server's append-only file (appendonly yes, "
        "appendfsync everysec or always) and no eviction of its keys (maxmemory-policy "
        f"noeviction or volatile-*) to keep acknowledged writes, and {found.describe()} "
        "(docs/persistence.md#durability)"
    )
    if settings.environment == "production" and settings.redis.require_aof:
        raise SettingsError(f"{problem}; {env_name('redis.require_aof')}=false accepts the loss")
    structlog.get_logger("portico").warning("redis.not_durable", problem=problem)


def check_cache(settings: Settings) -> None:
    """Raise SettingsError naming PORTICO_REDIS_URL when it is not a Redis URL.

    Redis being unreachable is not an error: the API serves from the database meanwhile.
    """
    if not settings.caches_in_redis:
        return
    from entrypoints.platform.redis import build_redis_cache

    try:
        build_redis_cache(settings)
    except ValueError as error:
        raise SettingsError(f"{env_name('redis.url')} is not a Redis URL: {error}") from None


# [adapter:redis end]


def check_settings(settings: Settings) -> None:
    """Every check `portico serve` makes before serving, in this process: with one worker it
    serves the app here anyway (entrypoints/cli/serve.py), and `main` runs them in a child."""
    check_database(settings)
    check_cache(settings)  # [adapter:redis]


def main() -> int:
    """`python -m entrypoints.cli.startup`: `portico serve`'s checks, on the settings it sends
    on stdin, in a process of their own (entrypoints/cli/serve.py says why)."""
    import sys

    import msgspec

    from entrypoints.logs import configure_logging

    settings = msgspec.json.decode(sys.stdin.buffer.read(), type=Settings)
    configure_logging(settings)  # the lines a check logs look like the server's
    try:
        check_settings(settings)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
