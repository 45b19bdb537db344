"""Which value wins for the SDK's settings: a PORTICO_OTEL_* value that is set, else the standard
OTEL_* variable (read by the SDK itself), else our default."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from entrypoints.otel import _tracer_provider
from entrypoints.settings import Settings, TracingSettings


def _provider(**tracing: Any) -> TracerProvider:
    provider = _tracer_provider(Settings(tracing=TracingSettings(enabled=True, **tracing)))
    provider.shutdown()  # its exporter's thread: nothing is sent here
    return provider


def test_portico_values_win_over_the_otel_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-otel")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    provider = _provider(service_name="from-portico", sample_ratio=0.5)
    assert provider.resource.attributes["service.name"] == "from-portico"
    assert "TraceIdRatioBased{0.5}" in provider.sampler.get_description()


def test_unset_values_leave_the_otel_variables_in_charge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-otel")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    provider = _provider()
    assert provider.resource.attributes["service.name"] == "from-otel"
    assert "AlwaysOffSampler" in provider.sampler.get_description()


def test_with_neither_the_service_is_portico_and_every_trace_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER"):
        monkeypatch.delenv(name, raising=False)
    provider = _provider()
    assert provider.resource.attributes["service.name"] == "portico"
    assert "ParentBased{root:AlwaysOnSampler" in provider.sampler.get_description()
