import time

from adapters.system.ids import Uuid7Generator


def test_uuid7_are_version_7_and_ordered_by_time() -> None:
    ids = Uuid7Generator()
    first = ids.new_id()
    time.sleep(0.002)
    second = ids.new_id()
    assert first.version == second.version == 7
    assert first.variant == second.variant == "specified in RFC 4122"
    assert first < second
    assert len({ids.new_id() for _ in range(1000)}) == 1000
