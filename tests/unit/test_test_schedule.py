"""The suite's order under xdist (tests/support/schedule.py): each worker's share begins with
slow tests, a module's together, and nothing is lost or repeated."""

from __future__ import annotations

from tests.support.schedule import shares, spread_slow


def _slow(name: str) -> bool:
    return name.endswith("!")


def _module(name: str) -> str:
    return name.partition(":")[0]


def test_each_workers_share_starts_with_its_slow_tests() -> None:
    items = [
        "fork:a!",
        "fork:b!",
        "fork:c!",
        "scaffold:x!",
        "soak:y!",
        *(f"t:{n}" for n in range(15)),
    ]
    ordered = spread_slow(items, 2, _slow, _module)

    assert sorted(ordered) == sorted(items)
    first, second = ordered[:10], ordered[10:]  # worksteal's first shares of 20 for 2 workers
    assert first[:3] == ["fork:a!", "fork:b!", "fork:c!"]  # a module stays on one worker
    assert second[:2] == ["scaffold:x!", "soak:y!"]
    assert [item for item in ordered if not _slow(item)] == [f"t:{n}" for n in range(15)]


def test_one_worker_runs_every_slow_test_first() -> None:
    items = ["t:1", "a:s!", "t:2", "b:s!"]
    assert spread_slow(items, 1, _slow, _module) == ["a:s!", "b:s!", "t:1", "t:2"]


def test_the_shares_are_cut_as_worksteal_cuts_them() -> None:
    assert shares(2304, 2) == [1152, 1152]
    assert shares(10, 3) == [3, 3, 4]
