"""The tenant leak contract of the buses (issue 17): over the in-process bus and NATS JetStream,
an event of organisation A reaches its consumer with A's tenant, in the event and in the
message context it runs in, never B's; the audit consumer records it in A's log only.
Messages sent before the tenant was carried read as the single tenant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import msgspec
import pytest

from adapters.audit.memory import MemoryAuditStore, MemoryAuditUnitOfWork
from adapters.messaging.envelope import ORGANISATION_HEADER, TenantMismatch, decode, encode
from adapters.messaging.memory import MemoryBroker, MemoryMessageBus
from adapters.messaging.nats import NatsMessageBus  # [adapter:nats]
from adapters.messaging.retry import RetryPolicy
from adapters.system.ids import Uuid7Generator
from application.audit.list_entries import ListAuditEntries, ListAuditEntriesHandler
from application.audit.record_change import RecordChange
from application.audit.unit_of_work import AuditUnitOfWork
from application.messaging.consumers import Consumer, ConsumerRunner
from application.messaging.context import current_context
from application.shared.ports.messaging import IntegrationEvent, MessageBus
from domain.shared.tenant import Tenant
from tests.support.nats import nats_buses  # [adapter:nats]

RETRY = RetryPolicy(max_deliveries=2, first_delay=0.05, max_delay=0.2, ack_wait=1.0)
WAIT = 30.0  # a guard against hanging, not an assertion
ids = Uuid7Generator()
A = Tenant(UUID("0a0a0a0a-0000-4000-8000-00000000000a"))
B = Tenant(UUID("0b0b0b0b-0000-4000-8000-00000000000b"))


@pytest.fixture(
    params=[
        "memory",
        pytest.param("nats", marks=pytest.mark.nats),  # [adapter:nats]
    ]
)
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[MessageBus]:
    if request.param == "memory":
        memory = MemoryMessageBus(MemoryBroker(), RETRY)
        yield memory
        await memory.close()
        return
    # [adapter:nats begin]
    async with nats_buses(RETRY) as make:
        yield await make()
    # [adapter:nats end]


# [adapter:nats begin]
@pytest.fixture
async def nats_bus() -> AsyncIterator[NatsMessageBus]:
    async with nats_buses(RETRY) as make:
        yield await make()


# [adapter:nats end]


def event(tenant: Tenant, name: str = "catalog.ProductCreated") -> IntegrationEvent:
    return IntegrationEvent(
        id=ids.new_id(),
        type=name,
        version=1,
        occurred_at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        aggregate_id=ids.new_id(),
        payload={"organisation_id": str(tenant.organisation_id)},
        tenant=tenant,
    )


class Witness(Consumer):
    """Notes the tenant of each event it gets and the tenant of the context it runs in."""

    name = "witness"
    contexts = ("catalog",)

    def __init__(self) -> None:
        self.seen: dict[UUID, tuple[Tenant, Tenant | None]] = {}
        self.changed = asyncio.Event()

    async def __call__(self, event: IntegrationEvent) -> bool:
        self.seen[event.id] = (event.tenant, current_context().tenant)
        self.changed.set()
        return True

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.seen) < count:
                self.changed.clear()
                await self.changed.wait()


async def consumed(bus: MessageBus, *events: IntegrationEvent) -> Witness:
    witness = Witness()
    runner = ConsumerRunner(bus, [witness])
    await runner.start()
    try:
        await bus.publish_all(events)
        await witness.wait_for(len(events))
    finally:
        await runner.stop()
    return witness


async def test_each_event_reaches_its_consumer_within_its_own_tenant(bus: MessageBus) -> None:
    of_a, of_b, of_a_again = event(A), event(B), event(A)

    witness = await consumed(bus, of_a, of_b, of_a_again)

    assert witness.seen == {
        of_a.id: (A, A),
        of_b.id: (B, B),
        of_a_again.id: (A, A),
    }


async def test_an_event_of_no_organisation_is_the_single_tenants(bus: MessageBus) -> None:
    platform = replace(event(A), payload={})
    platform = replace(platform, tenant=Tenant.single())

    witness = await consumed(bus, platform)

    assert witness.seen == {platform.id: (Tenant.single(), Tenant.single())}


async def test_the_audit_consumer_records_each_entry_in_its_events_tenant_only(
    bus: MessageBus,
) -> None:
    store = MemoryAuditStore()

    def audit(*, read_only: bool = False) -> AuditUnitOfWork:
        return MemoryAuditUnitOfWork(store, read_only=read_only)

    record = RecordChange(audit)
    runner = ConsumerRunner(bus, [record])
    of_a, of_b = [event(A), event(A)], [event(B)]
    await runner.start()
    try:
        await bus.publish_all([of_a[0], of_b[0], of_a[1]])
        async with asyncio.timeout(WAIT):
            while runner.stats[record.name].applied < 3:
                await asyncio.sleep(0.02)
    finally:
        await runner.stop()

    listing = ListAuditEntriesHandler(audit)
    seen_by_a = (await listing(ListAuditEntries(tenant=A))).items
    seen_by_b = (await listing(ListAuditEntries(tenant=B))).items
    seen_by_single = (await listing(ListAuditEntries(tenant=Tenant.single()))).items
    assert {entry.event_id for entry in seen_by_a} == {e.id for e in of_a}
    assert {entry.event_id for entry in seen_by_b} == {e.id for e in of_b}
    assert {entry.tenant for entry in [*seen_by_a, *seen_by_b]} == {A, B}
    assert {entry.tenant for entry in seen_by_a} == {A}
    assert seen_by_single == []


def test_an_envelope_from_before_the_tenant_reads_as_the_single_tenant() -> None:
    sent = event(A)
    old = msgspec.json.decode(encode(sent))
    del old["organisation_id"]

    assert decode(msgspec.json.encode(old)).tenant == Tenant.single()
    assert decode(encode(sent)).tenant == A
    # NATS's header (a published name, docs/api/asyncapi.json): it fills an envelope without the
    # field, and must agree with one that has it.
    assert ORGANISATION_HEADER == "Portico-Organisation-Id"
    header = str(A.organisation_id)
    assert decode(msgspec.json.encode(old), header).tenant == A
    assert decode(encode(sent), header).tenant == A
    with pytest.raises(TenantMismatch):
        decode(encode(sent), str(B.organisation_id))
    with pytest.raises(TenantMismatch):
        decode(encode(sent), "not-a-uuid")


# [adapter:nats begin]
async def raw_publish(bus: NatsMessageBus, data: bytes, headers: dict[str, str]) -> None:
    """What another publisher (an older Portico, a foreign service) might have sent."""
    js = bus._jetstream()
    await js.publish(f"{bus.namespace}.catalog.ProductCreated", data, headers=headers)


@pytest.mark.nats
async def test_nats_carries_the_tenant_in_a_header_as_well(nats_bus: NatsMessageBus) -> None:
    bus = nats_bus
    sent = event(A)
    await bus.publish(sent)
    js = bus._jetstream()
    message = await js.get_msg(bus.stream_name("catalog"), seq=1)

    assert (message.headers or {})[ORGANISATION_HEADER] == str(A.organisation_id)


@pytest.mark.nats
async def test_nats_messages_from_before_the_tenant_read_as_the_single_tenant(
    nats_bus: NatsMessageBus,
) -> None:
    bus = nats_bus
    first = event(B)
    await bus.publish(first)  # makes the stream
    old = msgspec.json.decode(encode(event(A)))
    del old["organisation_id"]
    await raw_publish(bus, msgspec.json.encode(old), {"Nats-Msg-Id": old["id"]})
    # An envelope without the field, but a header that names the tenant: the header's.
    headed = msgspec.json.decode(encode(event(A)))
    del headed["organisation_id"]
    headers = {"Nats-Msg-Id": headed["id"], ORGANISATION_HEADER: str(A.organisation_id)}
    await raw_publish(bus, msgspec.json.encode(headed), headers)

    witness = Witness()
    runner = ConsumerRunner(bus, [witness])
    await runner.start()
    try:
        await witness.wait_for(3)
    finally:
        await runner.stop()

    assert witness.seen == {
        first.id: (B, B),
        UUID(old["id"]): (Tenant.single(), Tenant.single()),
        UUID(headed["id"]): (A, A),
    }


@pytest.mark.nats
async def test_a_nats_message_naming_two_tenants_is_dead_lettered_not_consumed(
    nats_bus: NatsMessageBus,
) -> None:
    bus = nats_bus
    forged = event(A)
    await bus.publish(event(A))  # makes the stream
    headers = {"Nats-Msg-Id": str(forged.id), ORGANISATION_HEADER: str(B.organisation_id)}
    await raw_publish(bus, encode(forged), headers)

    witness = Witness()
    runner = ConsumerRunner(bus, [witness])
    await runner.start()
    try:
        await witness.wait_for(1)
        async with asyncio.timeout(WAIT):
            while not await bus.dead_letters(witness.name):
                await asyncio.sleep(0.05)
    finally:
        await runner.stop()

    assert forged.id not in witness.seen
    assert [dead.id for dead in await bus.dead_letters(witness.name)] == [forged.id]


# [adapter:nats end]
