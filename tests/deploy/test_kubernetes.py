"""deploy/k8s: each overlay, rendered, is valid Kubernetes and keeps the deployment's promises.

Rendered by tests/deploy/kustomize.py (no kustomize binary here) and validated, strictly (no
unknown fields), against the schemas kubernetes-validate ships: the oldest Kubernetes still
common and the newest it knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from entrypoints.settings import FILE_SUFFIX, SECRETS
from tests.deploy.kustomize import Manifest, Unsupported, render

K8S = Path(__file__).parents[2] / "deploy/k8s"
OVERLAYS = sorted(path.name for path in (K8S / "overlays").iterdir())
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
SECRET_MOUNT = "/run/secrets/portico"


@pytest.fixture(params=OVERLAYS, scope="module")
def rendered(request: pytest.FixtureRequest) -> list[Manifest]:
    return render(K8S / "overlays" / request.param)


def _one(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    (found,) = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def _pods(manifests: list[Manifest]) -> list[Manifest]:
    return [m["spec"]["template"]["spec"] for m in manifests if m["kind"] in ("Deployment", "Job")]


def test_there_are_overlays_for_staging_and_production() -> None:
    assert OVERLAYS == ["production", "staging"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_kubernetes(rendered: list[Manifest], version: str) -> None:
    for manifest in rendered:
        kubernetes_validate.validate(manifest, version, strict=True)


def test_the_same_image_serves_works_and_migrates(rendered: list[Manifest]) -> None:
    commands = {
        m["metadata"]["name"]: (c["image"], c["args"])
        for m in rendered
        if m["kind"] in ("Deployment", "Job")
        for c in m["spec"]["template"]["spec"]["containers"]
    }
    (image,) = {image for image, _ in commands.values()}
    assert image.startswith("registry.example.com/portico:")
    assert {name: args for name, (_, args) in commands.items()} == {
        "portico-api": ["serve"],
        "portico-worker": ["worker"],
        "portico-migrate": ["db", "upgrade"],
    }


def test_every_pod_is_restricted(rendered: list[Manifest]) -> None:
    for pod in _pods(rendered):
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        for container in pod["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]]
            assert "emptyDir" in volumes[mounts["/app/var"]]
            assert volumes[mounts[SECRET_MOUNT]]["secret"]["secretName"] == "portico-secrets"
            assert "memory" in container["resources"]["limits"]


def test_the_api_is_probed_on_the_health_routes(rendered: list[Manifest]) -> None:
    (api,) = _one(rendered, "Deployment", "portico-api")["spec"]["template"]["spec"]["containers"]
    assert api["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert api["readinessProbe"]["httpGet"]["path"] == "/health/ready"


def test_service_ingress_autoscalers_and_budgets_point_at_what_exists(
    rendered: list[Manifest],
) -> None:
    service = _one(rendered, "Service", "portico-api")
    api = _one(rendered, "Deployment", "portico-api")
    assert (
        service["spec"]["selector"].items() <= api["spec"]["template"]["metadata"]["labels"].items()
    )
    (rule,) = _one(rendered, "Ingress", "portico-api")["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "portico-api"
    deployments = {m["metadata"]["name"]: m for m in rendered if m["kind"] == "Deployment"}
    scaled = {
        m["spec"]["scaleTargetRef"]["name"]
        for m in rendered
        if m["kind"] == "HorizontalPodAutoscaler"
    }
    assert scaled == set(deployments)
    budgeted = set()
    for budget in (m for m in rendered if m["kind"] == "PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"].items()
        budgeted |= {
            name
            for name, deployment in deployments.items()
            if selector <= deployment["spec"]["template"]["metadata"]["labels"].items()
        }
    assert budgeted == set(deployments)


def test_configuration_comes_from_the_config_map_and_secrets_only_as_files(
    rendered: list[Manifest],
) -> None:
    config: dict[str, Any] = _one(rendered, "ConfigMap", "portico-config")["data"]
    for variable in SECRETS:  # a server's address may be plain config, its credentials not
        if variable.endswith("_URL") and variable in config:
            assert "@" not in config[variable], variable
        else:
            assert variable not in config, variable
    files = {key: value for key, value in config.items() if key.endswith(FILE_SUFFIX)}
    assert set(files) <= {variable + FILE_SUFFIX for variable in SECRETS}
    assert files["PORTICO_DATABASE_URL_FILE"].startswith(SECRET_MOUNT + "/")
    assert all(path.startswith(SECRET_MOUNT + "/") for path in files.values())
    assert config["PORTICO_AUTH_SIGNING_KEYS"].startswith(SECRET_MOUNT + "/")
    for pod in _pods(rendered):
        for container in pod["containers"]:
            assert "env" not in container  # nothing inline, secret or not
            assert container["envFrom"] == [{"configMapRef": {"name": "portico-config"}}]


def test_the_renderer_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [d.yaml]\npatches: [{path: p.yaml}]\n")
    (tmp_path / "d.yaml").write_text("kind: Deployment\nmetadata: {name: d}\nspec: {}\n")
    (tmp_path / "p.yaml").write_text("kind: Deployment\nmetadata: {name: d}\nspec: {x: [1]}\n")
    with pytest.raises(Unsupported, match="strategic merge of a list"):
        render(tmp_path)
    (tmp_path / "kustomization.yaml").write_text("resources: [d.yaml]\nreplicas: []\n")
    with pytest.raises(Unsupported, match="replicas"):
        render(tmp_path)


# [adapter:nats begin]
def test_production_keeps_each_stream_on_three_nats_nodes() -> None:
    production = _one(render(K8S / "overlays" / "production"), "ConfigMap", "portico-config")
    staging = _one(render(K8S / "overlays" / "staging"), "ConfigMap", "portico-config")
    assert production["data"]["PORTICO_NATS_REPLICAS"] == "3"
    assert "PORTICO_NATS_REPLICAS" not in staging["data"]  # one node: JetStream refuses three


# [adapter:nats end]
