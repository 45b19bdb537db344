import os
import time
from uuid import UUID

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


def test_a_forked_process_does_not_repeat_its_parents_ids() -> None:
    """The random bits are drawn in bulk: a child must not use the ones its parent holds."""
    ids = Uuid7Generator()
    ids.new_id()  # the parent has drawn random bits not yet used
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(writer, ids.new_id().bytes)
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    childs = UUID(bytes=os.read(reader, 16))
    os.close(reader)
    parents = ids.new_id()

    mask = (1 << 62) - 1  # the low random bits: the same millisecond may be shared
    assert childs.int & mask != parents.int & mask
