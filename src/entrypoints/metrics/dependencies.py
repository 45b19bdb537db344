"""DependencyMetrics: how the dependencies behave, as every process that uses them sees them.

The database pools (connections in use, idle, beyond the pool's size, and the waits for one),
the cache (hits and misses of the read-through, failures against Redis), the payment provider
(calls by outcome), and every circuit breaker's state. The adapters report to it through their
own observer protocols (`PoolObserver`, `CacheObserver`, `PaymentCounts`, a breaker's
`on_change`), so they know nothing of Prometheus.

Under `portico serve` each granian worker counts into prometheus-client's per-process files and
the serving process sums them: the gauges of live processes add up (`livesum`: connections in
use across workers), the circuit state is the worst one (`livemax`). `portico worker` serves
this registry as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from application.shared.ports.cache import CacheSpace
from entrypoints.settings import Settings

if TYPE_CHECKING:
    pass


class DependencyMetrics:
    def __init__(self) -> None:
        # Imported here: a process with metrics off never loads prometheus-client (1.7 MB).
        from prometheus_client import CollectorRegistry, Counter, Gauge

        self.registry = CollectorRegistry()
        registry = self.registry
        self._pool_connections = Gauge(
            "portico_db_pool_connections",
            "Connections of the pool, by state: in_use (checked out) or idle (in the pool).",
            ["database", "state"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._pool_overflow = Gauge(
            "portico_db_pool_overflow",
            "Connections open beyond the pool's size (0 with PostgreSQL and MariaDB, whose pools "
            "have no overflow).",
            ["database"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._pool_size = Gauge(
            "portico_db_pool_size",
            "Connections the pool keeps (PORTICO_DATABASE_POOL_SIZE, per process).",
            ["database"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._pool_waits = Counter(
            "portico_db_pool_waits",
            "Checkouts that found every connection taken and waited for one.",
            ["database"],
            registry=registry,
        )
        self._pool_wait_seconds = Counter(
            "portico_db_pool_wait_seconds",
            "Time spent waiting for a connection of the pool.",
            ["database"],
            registry=registry,
        )
        self._cache_reads = Counter(
            "portico_cache_reads",
            "Read-through lookups, by cache (context:name) and result (hit or miss).",
            ["cache", "result"],
            registry=registry,
        )
        self._cache_errors = Counter(
            "portico_cache_errors",
            "Cache operations that failed against the cache's store (timeouts, connection "
            "errors); refused while the circuit is open, they are not tried and not counted.",
            ["cache", "operation"],
            registry=registry,
        )
        self._payments = Counter(
            "portico_payment_calls",
            "Calls to the payment provider, by operation and outcome (ok, declined, rejected, "
            "error, breaker_open).",
            ["operation", "outcome"],
            registry=registry,
        )
        self._circuit_open = Gauge(
            "portico_circuit_open",
            "1 while the circuit breaker is open or probing (half-open) in any process, 0 once "
            "closed; absent until it first opens.",
            ["circuit"],
            multiprocess_mode="livemax",
            registry=registry,
        )
        # Per database: its gauges (in use, idle, overflow) and the values last written.
        self._pools: dict[str, tuple[list[Any], list[int]]] = {}
        self._reads: dict[tuple[CacheSpace[Any], bool], Any] = {}

    # PoolObserver
    def pool_opened(self, database: str, size: int) -> None:
        self._pool_size.labels(database).set(size)
        self._pools[database] = (
            [
                self._pool_connections.labels(database, "in_use"),
                self._pool_connections.labels(database, "idle"),
                self._pool_overflow.labels(database),
            ],
            [-1, -1, -1],
        )
        self.pool_changed(database, 0, 0, 0)

    def pool_changed(self, database: str, in_use: int, idle: int, overflow: int) -> None:
        """At every checkout and checkin: only the figures that moved are written."""
        pool = self._pools.get(database)
        if pool is None:
            return
        gauges, last = pool
        for index, value in enumerate((in_use, idle, overflow)):
            if last[index] != value:
                last[index] = value
                gauges[index].set(value)

    def pool_waited(self, database: str, seconds: float) -> None:
        self._pool_waits.labels(database).inc()
        self._pool_wait_seconds.labels(database).inc(seconds)

    # CacheObserver
    def looked_up(self, space: CacheSpace[Any], hit: bool) -> None:
        counter = self._reads.get((space, hit))
        if counter is None:
            name = f"{space.context}:{space.name}"
            counter = self._reads[space, hit] = self._cache_reads.labels(
                name, "hit" if hit else "miss"
            )
        counter.inc()

    def failed(self, space: CacheSpace[Any] | None, operation: str) -> None:
        name = f"{space.context}:{space.name}" if space is not None else "-"
        self._cache_errors.labels(name, operation).inc()

    # PaymentCounts
    def payment_called(self, operation: str, outcome: str) -> None:
        self._payments.labels(operation, outcome).inc()

    # a CircuitBreaker's on_change
    def circuit_changed(self, name: str, previous: str, state: str) -> None:
        self._circuit_open.labels(name).set(0 if state == "closed" else 1)


def dependency_metrics(settings: Settings) -> DependencyMetrics | None:
    """None with metrics off: then nothing is counted at all."""
    return DependencyMetrics() if settings.metrics.enabled else None
