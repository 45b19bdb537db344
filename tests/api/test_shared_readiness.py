"""Readiness checks at once share one run of the probes (entrypoints/http/health.py)."""

from __future__ import annotations

import asyncio

import httpx
from dependency_injector import providers

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.http.health import SharedReadiness
from entrypoints.platform.probes import Status
from entrypoints.settings import HttpSettings, LoggingSettings, Settings

WAIT = 30.0  # a guard against hanging, never an assertion on speed


class HeldProbe:
    """A probe that answers when the test lets it, counting its runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()

    async def __call__(self) -> Status:
        self.runs += 1
        await self.release.wait()
        return "up"


class CountedJoins:
    """The app's SharedReadiness, counting the requests that reached it."""

    def __init__(self, shared: SharedReadiness) -> None:
        self.shared = shared
        self.joined = 0

    async def __call__(self) -> object:
        self.joined += 1
        return await self.shared()


async def _started(probe: HeldProbe) -> None:
    async with asyncio.timeout(WAIT):
        while probe.runs == 0:
            await asyncio.sleep(0.001)


def _container(probe: HeldProbe) -> Container:
    settings = Settings(
        environment="test",
        persistence="memory",
        logging=LoggingSettings(level="ERROR"),
        # The probe is held until the test lets it go: its 2 s default bound is not under test.
        http=HttpSettings(readiness_timeout=60),
    )
    container = build_container(settings)
    container.probes.override(providers.Dict(held=providers.Object(probe)))
    return container


async def test_checks_that_overlap_share_one_run_and_the_next_one_runs_again() -> None:
    probe = HeldProbe()
    check = SharedReadiness(_container(probe))

    waiting = [asyncio.ensure_future(check()) for _ in range(20)]
    await _started(probe)
    assert probe.runs == 1
    probe.release.set()
    answers = await asyncio.gather(*waiting)

    assert {answer.status for answer in answers} == {"up"}
    assert probe.runs == 1
    await check()  # after the answer, a new check asks again
    assert probe.runs == 2


async def test_a_request_that_goes_away_leaves_the_check_to_the_others() -> None:
    probe = HeldProbe()
    check = SharedReadiness(_container(probe))

    leaving, staying = asyncio.ensure_future(check()), asyncio.ensure_future(check())
    await _started(probe)
    leaving.cancel()
    await asyncio.sleep(0)
    probe.release.set()

    assert (await staying).checks["held"].status == "up"
    assert leaving.cancelled()
    assert probe.runs == 1


async def test_concurrent_readiness_requests_run_the_probes_once() -> None:
    probe = HeldProbe()
    # The app called on this loop (Litestar's test client waits for each request in turn).
    app = create_app(_container(probe))
    check = app.state.readiness = CountedJoins(app.state.readiness)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        requests = [asyncio.ensure_future(client.get("/health/ready")) for _ in range(10)]
        async with asyncio.timeout(WAIT):
            while check.joined < len(requests):  # every request waits on the check under way
                await asyncio.sleep(0.001)
        probe.release.set()
        responses = await asyncio.gather(*requests)

    assert [r.status_code for r in responses] == [200] * 10, responses[0].text
    assert {r.json()["checks"]["held"]["status"] for r in responses} == {"up"}
    assert probe.runs == 1
