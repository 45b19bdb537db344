from pathlib import Path

import pytest

from entrypoints.settings import Settings, SettingsError, load_settings


def test_defaults_need_no_server() -> None:
    settings = load_settings({}, env_file=None)
    assert settings == Settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.persistence == "sql"


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORTICO_PORT=9000\nPORTICO_WORKERS=3\n")
    settings = load_settings({"PORTICO_PORT": "9100"}, env_file=env_file)
    assert (settings.port, settings.workers) == (9100, 3)


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
    ],
)
def test_a_bad_setting_is_named_with_what_it_accepts(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_test_suite_variables_are_not_mistaken_for_settings() -> None:
    assert load_settings({"PORTICO_TEST_POSTGRES_URL": "x"}, env_file=None) == Settings()


def test_every_setting_is_documented_in_env_example() -> None:
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    for field in Settings.__struct_fields__:
        assert f"PORTICO_{field.upper()}=" in example


def test_http_payments_need_a_provider_url() -> None:
    with pytest.raises(SettingsError, match="PORTICO_PAYMENT_PROVIDER_URL"):
        load_settings({"PORTICO_PAYMENTS": "http"}, env_file=None)
    settings = load_settings(
        {"PORTICO_PAYMENTS": "http", "PORTICO_PAYMENT_PROVIDER_URL": "https://pay.example"},
        env_file=None,
    )
    assert (settings.payments, settings.payment_attempts) == ("http", 3)


@pytest.mark.parametrize(
    ("cache", "bus", "in_process_worker", "listens", "runs_worker"),
    [
        ("memory", "nats", "auto", True, False),  # each API process forgets others' writes
        ("memory", "nats", "on", True, True),
        ("memory", "memory", "auto", False, True),  # one process: after-commit is enough
        ("redis", "nats", "auto", False, False),  # one cache shared by every process
        ("none", "nats", "off", False, False),
    ],
)
def test_api_processes_listen_for_cache_invalidation_with_the_memory_cache_and_nats(
    cache: str, bus: str, in_process_worker: str, listens: bool, runs_worker: bool
) -> None:
    settings = load_settings(
        {
            "PORTICO_CACHE": cache,
            "PORTICO_BUS": bus,
            "PORTICO_IN_PROCESS_WORKER": in_process_worker,
        },
        env_file=None,
    )
    assert settings.listens_for_cache_invalidation is listens
    assert settings.runs_worker_in_process is runs_worker
