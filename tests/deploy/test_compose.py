"""compose.yaml keeps its promises: what `docker compose up` would rely on, read from the file.

The Compose specification's schema (check-jsonschema, `make deploy-check`) says the file is
well-formed; these say it is the deployment docs/deployment.md describes.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from entrypoints.identity.builders import key_ring
from entrypoints.settings import load_settings

ROOT = Path(__file__).parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
PORTICO = ("api", "worker", "migrate")
REDIS = (
    "redis",  # [adapter:redis]
)
NATS = (
    "nats-0",  # [adapter:nats]
    "nats-1",  # [adapter:nats]
    "nats-2",  # [adapter:nats]
)


def _command(service: str) -> list[str]:
    return list(SERVICES[service]["command"])


def test_the_same_image_serves_works_and_migrates() -> None:
    assert {SERVICES[name]["image"] for name in PORTICO} == {"portico:latest"}
    assert _command("api") == ["serve"]
    assert _command("worker") == ["worker"]
    assert _command("migrate") == ["db", "upgrade"]


@pytest.mark.parametrize(("service", "replicas"), [("api", 3), ("worker", 2)])
def test_the_api_and_the_worker_run_as_replicas(service: str, replicas: int) -> None:
    assert SERVICES[service]["deploy"]["replicas"] == replicas


@pytest.mark.parametrize("service", ["api", "worker"])
def test_nothing_starts_before_the_migration_has_completed(service: str) -> None:
    assert SERVICES[service]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert SERVICES["migrate"]["restart"] == "no"


def test_every_long_running_service_has_a_health_check_the_others_wait_for() -> None:
    for name, service in SERVICES.items():
        check = service["healthcheck"]
        if name in ("migrate", "worker"):  # a job; a process with no port (restart covers it)
            assert check == {"disable": True}
            continue
        assert check["test"][0] == "CMD", name
    awaited = {
        dependency
        for service in SERVICES.values()
        for dependency, condition in service.get("depends_on", {}).items()
        if condition["condition"] == "service_healthy"
    }
    assert awaited == {"api", "postgres", *REDIS, *NATS}
    assert "/health/live" in " ".join(SERVICES["api"]["healthcheck"]["test"])


def test_the_balancer_alone_is_published_and_alone_is_trusted_for_forwarded_headers() -> None:
    published = [name for name, service in SERVICES.items() if "ports" in service]
    assert published == ["lb"]
    address = SERVICES["lb"]["networks"]["edge"]["ipv4_address"]
    assert SERVICES["api"]["environment"]["PORTICO_TRUSTED_PROXIES"] == address
    config = (ROOT / "deploy/haproxy/haproxy.cfg").read_text()
    assert "server-template api" in config
    assert "option httpchk GET /health/ready" in config
    assert "option forwardfor" in config


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


# [adapter:nats begin]
def test_nats_runs_as_a_three_node_jetstream_cluster_each_on_its_volume() -> None:
    routes = {f"nats://{name}:6222" for name in NATS}
    for name in NATS:
        command = [str(part) for part in SERVICES[name]["command"]]
        assert "-js" in command
        assert _option(command, "-sd") == "/data"
        assert SERVICES[name]["volumes"] == [f"{name}-data:/data"]
        assert _option(command, "-n") == name  # JetStream tells the peers apart by name
        assert _option(command, "--cluster_name") == "portico"
        assert set(_option(command, "--routes").split(",")) == routes
    environment = SERVICES["api"]["environment"]
    servers = environment["PORTICO_NATS_URL"].split(",")
    assert servers == [f"nats://{name}:4222" for name in NATS]  # a client reconnects elsewhere
    assert environment["PORTICO_NATS_REPLICAS"] == str(len(NATS))  # a stream outlives a node


# [adapter:nats end]


def test_stateful_services_keep_their_data_in_named_volumes() -> None:
    for name in ("postgres", *REDIS, *NATS):
        (volume,) = SERVICES[name]["volumes"]
        assert volume.split(":")[0] in COMPOSE["volumes"], name


_SECRET_WORDS = re.compile(r"PASSWORD|SECRET|API_KEY|DATABASE_URL|SENTRY_DSN|SIGNING_KEY")


def test_secrets_come_from_files_never_inline() -> None:
    for name, service in SERVICES.items():
        for variable, value in (service.get("environment") or {}).items():
            if _SECRET_WORDS.search(variable):
                assert str(value).startswith("/run/secrets/"), (name, variable)
        for secret in service.get("secrets", []):
            assert secret in COMPOSE["secrets"], (name, secret)
    for secret in COMPOSE["secrets"].values():
        assert set(secret) == {"file"}
        assert secret["file"].startswith("./deploy/secrets/")
    ignored = (ROOT / "deploy/secrets/.gitignore").read_text().split()
    assert "*" in ignored


def test_the_secret_files_made_for_compose_are_what_portico_reads(tmp_path: Path) -> None:
    script = tmp_path / "deploy/make-secrets.sh"
    (tmp_path / "deploy/secrets").mkdir(parents=True)
    script.write_bytes((ROOT / "deploy/make-secrets.sh").read_bytes())
    subprocess.run(["bash", str(script)], check=True, capture_output=True)
    secrets = tmp_path / "deploy/secrets"
    api = SERVICES["api"]["environment"]
    mounted = {
        f"/run/secrets/{name}": secrets / Path(s["file"]).name
        for name, s in COMPOSE["secrets"].items()
    }
    settings = load_settings(
        {
            "PORTICO_ENVIRONMENT": "production",
            "PORTICO_DATABASE_URL_FILE": str(mounted[api["PORTICO_DATABASE_URL_FILE"]]),
            "PORTICO_AUTH_SIGNING_KEYS": str(mounted[api["PORTICO_AUTH_SIGNING_KEYS"]]),
            "PORTICO_MFA_SECRET_KEY_FILE": str(mounted[api["PORTICO_MFA_SECRET_KEY_FILE"]]),
        },
        env_file=None,
    )
    password = (secrets / "postgres_password").read_text().strip()
    assert settings.database.url == f"postgresql://portico:{password}@postgres:5432/portico"
    assert key_ring(settings).jwks()["keys"][0]["kty"] == "OKP"  # the Ed25519 key loads
    assert len(settings.mfa.secret_key) == 64  # 256 random bits, hex
