import re
from pathlib import Path

import pytest

from adapters.messaging.nats import NatsMessageBus  # [adapter:nats]
from entrypoints.settings import (
    FILE_SUFFIX,
    REMOVED,
    SECRETS,
    VARIABLES,
    Settings,
    SettingsError,
    env_name,
    load_settings,
)


def test_defaults_need_no_server() -> None:
    settings = load_settings({}, env_file=None)
    assert settings == Settings()
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert settings.persistence == "sql"


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORTICO_PORT=9000\nPORTICO_WORKERS=3\n")
    settings = load_settings({"PORTICO_PORT": "9100"}, env_file=env_file)
    assert (settings.http.port, settings.http.workers) == (9100, 3)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"PORTICO_PERSISTENCE": "mongo"},
            "PORTICO_PERSISTENCE='mongo' is invalid: expected one of",
        ),
        ({"PORTICO_PORT": "eighty"}, "PORTICO_PORT='eighty' is invalid: expected an integer"),
        ({"PORTICO_PORT": "70000"}, "PORTICO_PORT='70000' is invalid"),
        (
            {"PORTICO_ACCESS_LOG": "maybe"},
            "PORTICO_ACCESS_LOG='maybe' is invalid: expected true or",
        ),
        ({"PORTICO_DATABSE_URL": "x"}, "PORTICO_DATABSE_URL is not a setting"),
        (
            {"PORTICO_CACHE_TTL": "-1"},
            "PORTICO_CACHE_TTL='-1' is invalid: expected a number > 0",
        ),
        (
            {"PORTICO_BACKGROUND": "inprocess"},
            "PORTICO_BACKGROUND='inprocess' is invalid: expected one of: auto, serve, worker, off",
        ),
    ],
)
def test_a_bad_setting_is_named_with_what_it_accepts(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_test_suite_variables_are_not_mistaken_for_settings() -> None:
    assert load_settings({"PORTICO_TEST_SERVER_URL": "x"}, env_file=None) == Settings()


def _fields(owner: type = Settings, prefix: str = "") -> list[str]:
    """Every setting's dotted path, groups unfolded."""
    paths: list[str] = []
    for name in owner.__struct_fields__:  # type: ignore[attr-defined]
        group = type(getattr(owner(), name))
        nested = hasattr(group, "__struct_fields__")
        paths += _fields(group, f"{prefix}{name}.") if nested else [prefix + name]
    return paths


def test_every_setting_has_exactly_one_variable() -> None:
    assert sorted(VARIABLES.values()) == sorted(_fields())
    assert env_name("database.url") == "PORTICO_DATABASE_URL"
    assert env_name("cache.backend") == "PORTICO_CACHE"


def test_every_variable_is_documented_in_env_example_and_the_readme() -> None:
    root = Path(__file__).parents[2]
    example, readme = (root / ".env.example").read_text(), (root / "README.md").read_text()
    for variable in VARIABLES:
        assert f"{variable}=" in example
        assert f"`{variable}`" in readme, variable
    for variable in REMOVED:
        assert f"{variable}=" not in example


@pytest.mark.parametrize("variable", ["PORTICO_IN_PROCESS_WORKER", "PORTICO_PROJECTOR"])
def test_a_removed_variable_is_refused_naming_its_replacement(
    variable: str, tmp_path: Path
) -> None:
    expected = f"{variable} was removed: use PORTICO_BACKGROUND=auto|serve|worker|off"
    with pytest.raises(SettingsError, match=re.escape(expected)) as caught:
        load_settings({variable: "auto"}, env_file=None)
    assert "\n" not in str(caught.value)
    env_file = tmp_path / ".env"
    env_file.write_text(f"{variable}=off\n")
    with pytest.raises(SettingsError, match=re.escape(expected)):
        load_settings({}, env_file=env_file)


# [adapter:http-payments begin]
def test_http_payments_need_a_provider_url() -> None:
    with pytest.raises(SettingsError, match="PORTICO_PAYMENT_PROVIDER_URL"):
        load_settings({"PORTICO_PAYMENTS": "http"}, env_file=None)
    settings = load_settings(
        {"PORTICO_PAYMENTS": "http", "PORTICO_PAYMENT_PROVIDER_URL": "https://pay.example"},
        env_file=None,
    )
    assert (settings.payments.backend, settings.payments.attempts) == ("http", 3)


# [adapter:http-payments end]
# [adapter:postgresql begin]
def test_row_security_needs_postgresql() -> None:
    with pytest.raises(
        SettingsError, match="PORTICO_POSTGRES_ROW_SECURITY=true needs a PostgreSQL"
    ):
        load_settings({"PORTICO_POSTGRES_ROW_SECURITY": "true"}, env_file=None)
    for url in ("postgresql://app@db/portico", "postgres://app@db/portico"):
        settings = load_settings(
            {"PORTICO_POSTGRES_ROW_SECURITY": "true", "PORTICO_DATABASE_URL": url}, env_file=None
        )
        assert settings.database.row_security


# [adapter:postgresql end]


@pytest.mark.parametrize(
    ("cache", "bus", "background", "listens", "runs_worker"),
    [
        ("memory", "nats", "auto", True, False),  # [adapter:nats]
        ("memory", "nats", "serve", True, True),  # [adapter:nats]
        ("memory", "memory", "auto", False, True),  # one process: after-commit is enough
        # [adapter:redis begin]
        ("redis", "nats", "auto", False, False),  # [adapter:nats]
        # [adapter:redis end]
        ("none", "nats", "off", False, False),  # [adapter:nats]
    ],
)
def test_api_processes_listen_for_cache_invalidation_with_the_memory_cache_and_nats(
    cache: str, bus: str, background: str, listens: bool, runs_worker: bool
) -> None:
    settings = load_settings(
        {"PORTICO_CACHE": cache, "PORTICO_BUS": bus, "PORTICO_BACKGROUND": background},
        env_file=None,
    )
    assert settings.listens_for_cache_invalidation is listens
    assert settings.runs_worker_in_process is runs_worker


@pytest.mark.parametrize(
    ("background", "bus", "serve", "worker"),
    [
        ("auto", "memory", True, False),  # the in-process bus reaches no other process
        ("auto", "nats", False, True),  # [adapter:nats]
        ("serve", "nats", True, False),  # [adapter:nats]
        ("worker", "memory", False, True),
        ("off", "nats", False, False),  # [adapter:nats]
    ],
)
def test_one_setting_says_where_the_relay_consumers_and_projector_run(
    background: str, bus: str, serve: bool, worker: bool
) -> None:
    settings = load_settings({"PORTICO_BACKGROUND": background, "PORTICO_BUS": bus}, env_file=None)
    assert (settings.runs_worker_in_process, settings.projects_in_serve) == (serve, serve)
    assert settings.projects_in_worker is worker


def test_a_secret_is_read_from_the_file_its_file_variable_names(tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql+asyncpg://app:s3cret@db/shop\n")
    settings = load_settings({"PORTICO_DATABASE_URL_FILE": str(secret)}, env_file=None)
    assert settings.database.url == "postgresql+asyncpg://app:s3cret@db/shop"


def test_every_secret_has_a_file_variable(tmp_path: Path) -> None:
    environ = {}
    for variable in SECRETS:
        assert variable in VARIABLES
        (tmp_path / variable).write_text(f"https://{variable.lower()}@example.com/1\n")
        environ[variable + FILE_SUFFIX] = str(tmp_path / variable)
    settings = load_settings(environ, env_file=None)
    # [adapter:http-payments begin]
    assert settings.payments.api_key == "https://portico_payment_api_key@example.com/1"
    # [adapter:http-payments end]
    assert settings.logging.sentry_dsn == "https://portico_sentry_dsn@example.com/1"


def test_a_secret_set_both_ways_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file")
    environ = {"PORTICO_SENTRY_DSN": "inline", "PORTICO_SENTRY_DSN_FILE": str(secret)}
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert str(caught.value) == "set PORTICO_SENTRY_DSN or PORTICO_SENTRY_DSN_FILE, not both"


def test_a_missing_secret_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    with pytest.raises(SettingsError) as caught:
        load_settings({"PORTICO_DATABASE_URL_FILE": str(missing)}, env_file=None)
    assert str(caught.value).startswith(f"PORTICO_DATABASE_URL_FILE={str(missing)!r}: cannot read")
    assert "\n" not in str(caught.value)


def test_only_secrets_take_a_file_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTICO_PORT_FILE is not a setting"):
        load_settings({"PORTICO_PORT_FILE": str(tmp_path)}, env_file=None)


def test_every_file_variable_is_documented() -> None:
    root = Path(__file__).parents[2]
    example, readme = (root / ".env.example").read_text(), (root / "README.md").read_text()
    for variable in SECRETS:
        assert f"{variable}{FILE_SUFFIX}" in example, variable
        assert f"`{variable}{FILE_SUFFIX}`" in readme, variable


# [adapter:nats begin]
def test_a_nats_cluster_is_its_servers_comma_separated_with_stream_replicas() -> None:
    settings = load_settings(
        {
            "PORTICO_NATS_URL": "nats://a:4222, nats://b:4222,nats://c:4222,",
            "PORTICO_NATS_REPLICAS": "3",
        },
        env_file=None,
    )
    bus = NatsMessageBus(settings.bus.nats_url, replicas=settings.bus.nats_replicas)
    assert bus.servers == ["nats://a:4222", "nats://b:4222", "nats://c:4222"]
    assert bus.replicas == 3
    assert load_settings({}, env_file=None).bus.nats_replicas == 1


# [adapter:nats end]
