"""CircuitBreaker: stop calling a failing dependency, probe it now and then, resume when it answers.

closed     calls pass; `failure_threshold` failures in a row open the circuit.
open       calls fail fast with CircuitOpen until `reset_timeout` has passed.
half_open  one call passes as a probe (others still fail fast); success closes the circuit,
           failure opens it again for another `reset_timeout`.

asyncio-only and lock-free: state changes happen between awaits, so the event loop serialises
them. Only `failure_types` count as failures; any other exception (a bug, a cancellation)
passes through without a verdict. The clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

T = TypeVar("T")
State = Literal["closed", "open", "half_open"]
StateListener = Callable[[str, State, State], None]


class CircuitOpen(Exception):
    """The circuit is open: the call was not attempted."""

    def __init__(self, name: str) -> None:
        super().__init__(f"circuit {name!r} is open")
        self.name = name


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 2.0,
        failure_types: tuple[type[BaseException], ...] = (Exception,),
        clock: Callable[[], float] = time.monotonic,
        on_change: StateListener | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_timeout <= 0:
            raise ValueError("reset_timeout must be positive")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._failure_types = failure_types
        self._clock = clock
        self._on_change = on_change
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        return self._state

    @property
    def failures(self) -> int:
        """Failures in a row so far (reset by any success)."""
        return self._failures

    def allows_calls(self) -> bool:
        """Whether a call made now would be attempted (without attempting it)."""
        if self._state == "closed":
            return True
        if self._state == "open":
            return self._clock() - self._opened_at >= self.reset_timeout
        return not self._probing

    def retry_after(self) -> float:
        """Seconds until a call would be attempted again (0 when it would be now)."""
        if self._state != "open":
            return 0.0
        return max(0.0, self.reset_timeout - (self._clock() - self._opened_at))

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run `operation` if the circuit lets it through, else raise CircuitOpen."""
        probe = self._admit()
        try:
            result = await operation()
        except self._failure_types:
            self._failed(probe)
            raise
        except BaseException:
            if probe:
                self._probing = False
            raise
        self._succeeded(probe)
        return result

    def _admit(self) -> bool:
        """Let the call through (True when it is the half-open probe) or raise CircuitOpen."""
        if self._state == "closed":
            return False
        if self._state == "open":
            if self._clock() - self._opened_at < self.reset_timeout:
                raise CircuitOpen(self.name)
            self._move("half_open")
        if self._probing:
            raise CircuitOpen(self.name)
        self._probing = True
        return True

    def _failed(self, probe: bool) -> None:
        self._failures += 1
        if probe:
            self._probing = False
        if probe or (self._state == "closed" and self._failures >= self.failure_threshold):
            self._opened_at = self._clock()
            self._move("open")

    def _succeeded(self, probe: bool) -> None:
        self._failures = 0
        if probe:
            self._probing = False
            self._move("closed")

    def _move(self, state: State) -> None:
        previous, self._state = self._state, state
        if self._on_change is not None and previous != state:
            self._on_change(self.name, previous, state)
