"""A bounded mixed load for end-to-end tests behind a balancer, retrying as a careful client does.

Each task loops over a weighted mix: product reads, product writes (PATCH of the task's own
product: setting a name twice leaves the same state, so a resend is safe) and orders, each with
an Idempotency-Key that its resends repeat. A request is resent after a transport error, a 502,
503 or 504 (the balancer had no replica for it), a 409 request-in-progress (its first attempt
died with its process and holds the key until housekeeping frees it) or a 409 concurrent-update
(it lost a race for a product's version more often than the server retries it).
Anything else unexpected, or running out of attempts, is a failure.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

MIX = {"read": 55, "write": 15, "order": 30}
EXPECTED = {"read": 200, "write": 200, "order": 201}
# 409s that say "nothing was done, try again": the key's first attempt still holds it, or the
# command lost a race for a product's version more often than the server retries it itself.
RETRYABLE_CONFLICTS = ("/request-in-progress", "/concurrent-update")
ATTEMPTS = 60  # with the backoff below, ~25 s: a stuck key is freed well within it
# Each client pauses between requests: a bounded load (at most 20 requests a second a client)
# leaves the cores to the processes being tested, and to a killed one starting again.
PAUSE = 0.05


@dataclass
class Plan:
    admin: dict[str, str]  # Authorization headers
    customer: dict[str, str]
    read_ids: list[str]
    write_ids: list[str]  # one per task


@dataclass
class Figures:
    requests: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retries: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # Idempotency-Key -> every order id its answers named (one, if the key did its job).
    orders: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def p99_ms(self, kind: str | None = None) -> float:
        values = [v for k, vs in self.latencies.items() if kind in (None, k) for v in vs]
        if len(values) < 2:
            return max(values, default=0.0)
        return statistics.quantiles(values, n=100, method="inclusive")[98]

    def summary(self) -> str:
        lines = ["| kind | requests | p50 | p99 | retried | failed |", "|---|--:|--:|--:|--:|--:|"]
        for kind in MIX:
            values = self.latencies.get(kind, [])
            p50 = statistics.median(values) if values else 0.0
            lines.append(
                f"| {kind} | {self.requests[kind]} | {p50:.1f} ms | {self.p99_ms(kind):.1f} ms"
                f" | {sum(self.retries[kind].values())} | {sum(self.failures[kind].values())} |"
            )
        retries = {kind: dict(counts) for kind, counts in self.retries.items() if counts}
        lines.append(f"resent after: {retries or 'nothing'}")
        return "\n".join(lines)


class MixedLoad:
    def __init__(self, http: httpx.AsyncClient, plan: Plan) -> None:
        self.http = http
        self.plan = plan
        self.figures = Figures()
        self.stop = asyncio.Event()

    async def run(self, task: int) -> None:
        rng = random.Random(task)
        count = 0
        while not self.stop.is_set():
            kind = rng.choices(list(MIX), list(MIX.values()))[0]
            count += 1
            if kind == "read":
                await self.call(kind, "GET", f"/api/v1/products/{rng.choice(self.plan.read_ids)}")
            elif kind == "write":
                body = {"name": f"Product of task {task}, change {count}"}
                product = self.plan.write_ids[task]
                headers = self.plan.admin
                await self.call(kind, "PATCH", f"/api/v1/products/{product}", body, headers)
            else:
                key = f"order-{task}-{count}"
                line = {"product_id": rng.choice(self.plan.read_ids), "quantity": 1}
                headers = {**self.plan.customer, "Idempotency-Key": key}
                answer = await self.call(kind, "POST", "/api/v1/orders", {"lines": [line]}, headers)
                if answer is not None:
                    self.figures.orders[key].add(str(answer["order_id"]))
            await asyncio.sleep(PAUSE)

    async def call(
        self,
        kind: str,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The answer's JSON once it is the expected status; None after a failure."""
        figures, started = self.figures, time.monotonic()
        for attempt in range(ATTEMPTS):
            try:
                response = await self.http.request(method, url, json=body, headers=headers)
            except httpx.TransportError as error:
                outcome = type(error).__name__
            else:
                if response.status_code == EXPECTED[kind]:
                    figures.requests[kind] += 1
                    figures.latencies[kind].append((time.monotonic() - started) * 1000)
                    return response.json()
                outcome = str(response.status_code)
                problem = str(response.json().get("type", "")) if outcome == "409" else ""
                if problem.endswith(RETRYABLE_CONFLICTS):
                    outcome = f"409 {problem.rsplit('/', 1)[1]}"
                elif response.status_code not in (502, 503, 504):
                    figures.failures[kind][f"{outcome} {response.text[:200]}"] += 1
                    return None
            figures.retries[kind][outcome] += 1
            await asyncio.sleep(min(0.05 * 2**attempt, 0.5))
        figures.failures[kind][f"gave up after {outcome}"] += 1
        return None
