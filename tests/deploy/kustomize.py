"""A small kustomize: renders deploy/k8s overlays offline, for the schema checks.

No kustomize binary is at hand where the tests run, so this applies the subset of kustomization
fields the manifests use, and refuses any other: resources (files and folders), namespace,
labels (metadata only), images, and patches (strategic-merge patches of maps only, where a map
merge is what kustomize does; JSON 6902 patches with replace and add). A field or patch outside
that subset fails the render rather than passing unrendered.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
FIELDS = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}


class Unsupported(Exception):
    """The kustomization uses something this renderer does not do."""


def render(folder: Path) -> list[Manifest]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    if unknown := set(kustomization) - FIELDS:
        raise Unsupported(f"{folder}: fields {sorted(unknown)}")
    manifests: list[Manifest] = []
    for resource in kustomization.get("resources", []):
        path = folder / resource
        if path.is_dir():
            manifests += render(path)
        else:
            manifests += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in kustomization.get("patches", []):
        _patch(manifests, patch, folder)
    for labels in kustomization.get("labels", []):
        if set(labels) - {"pairs"}:
            raise Unsupported(f"{folder}: labels other than pairs")
        for manifest in manifests:
            manifest["metadata"].setdefault("labels", {}).update(labels["pairs"])
    for image in kustomization.get("images", []):
        for container in (c for m in manifests for c in _containers(m)):
            if container["image"].split(":")[0] == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    if "namespace" in kustomization:
        for manifest in manifests:
            manifest["metadata"]["namespace"] = kustomization["namespace"]
    return manifests


def _containers(manifest: Manifest) -> list[Manifest]:
    if manifest["kind"] not in ("Deployment", "Job"):
        return []
    pod = manifest["spec"]["template"]["spec"]
    return [*pod["containers"], *pod.get("initContainers", [])]


def _find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    if len(found) != 1:
        raise Unsupported(f"patch target {kind}/{name} matches {len(found)} resources")
    return found[0]


def _patch(manifests: list[Manifest], entry: Manifest, folder: Path) -> None:
    text = (folder / entry["path"]).read_text() if "path" in entry else entry["patch"]
    body = yaml.safe_load(text)
    if isinstance(body, list):  # JSON 6902
        target = _find(manifests, entry["target"]["kind"], entry["target"]["name"])
        for operation in body:
            _apply(target, operation)
    else:  # strategic merge, identified by its own kind and name
        target = _find(manifests, body["kind"], body["metadata"]["name"])
        _merge(target, body)


def _merge(target: Manifest, patch: Manifest) -> None:
    for key, value in patch.items():
        if isinstance(value, list):
            raise Unsupported(f"strategic merge of a list ({key}): use a JSON 6902 patch")
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _apply(target: Manifest, operation: Manifest) -> None:
    if operation["op"] not in ("replace", "add"):
        raise Unsupported(f"JSON patch op {operation['op']}")
    *parents, last = operation["path"].lstrip("/").split("/")
    node: Any = target
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if operation["op"] == "add":
            node.insert(index, copy.deepcopy(operation["value"]))
        else:
            node[index] = copy.deepcopy(operation["value"])
    elif operation["op"] == "replace" and last not in node:
        raise Unsupported(f"replace of a missing path {operation['path']}")
    else:
        node[last] = copy.deepcopy(operation["value"])
