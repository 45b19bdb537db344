"""ONE contract for SecondFactorStore (each account's TOTP factor) on every adapter of the
identity unit of work: memory, SQL (SQLite, PostgreSQL, MariaDB) and Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.identity.ports import IdentityUnitOfWorkFactory
from domain.identity.events import SecondFactorDisabled, SecondFactorEnabled
from domain.identity.mfa_errors import InvalidSecondFactorCode
from domain.identity.repository import IdentityUnitOfWork
from domain.identity.second_factor import SecondFactor
from domain.identity.user import User
from domain.shared.errors import ConcurrentUpdate
from tests.contract.identity.test_identity_unit_of_work import T0, new_user, race_two, save

DIGESTS = tuple(f"{n:02d}" * 32 for n in range(10))


def enrolled(user: User) -> SecondFactor:
    return SecondFactor.enrol(user_id=user.id, sealed_secret="v1.sealed-" + user.id.hex, now=T0)


async def stored(factory: IdentityUnitOfWorkFactory, user: User) -> SecondFactor | None:
    async with factory(read_only=True) as uow:
        return await uow.second_factors.get(user.id)


async def add_active(factory: IdentityUnitOfWorkFactory, user: User) -> SecondFactor:
    factor = enrolled(user)
    factor.confirm(step=100, recovery_digests=DIGESTS, now=T0)
    async with factory() as uow:
        await uow.second_factors.save(factor)
        await uow.commit()
    return factor


async def test_a_factor_reads_back_as_saved_and_only_for_its_user(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    ada, bob = new_user(), new_user("bob@example.com")
    await save(identity_uow_factory, ada, bob)
    assert await stored(identity_uow_factory, ada) is None

    async with identity_uow_factory() as uow:
        await uow.second_factors.save(enrolled(ada))
        await uow.commit()
    pending = await stored(identity_uow_factory, ada)
    assert pending is not None
    assert (pending.active, pending.last_step, pending.recovery_digests) == (False, None, ())
    assert pending.sealed_secret == "v1.sealed-" + ada.id.hex
    assert (pending.version, pending.persisted_version, pending.created_at) == (1, 1, T0)
    assert await stored(identity_uow_factory, bob) is None

    later = T0 + timedelta(minutes=1)
    async with identity_uow_factory() as uow:
        factor = await uow.second_factors.get(ada.id)
        assert factor is not None
        factor.confirm(step=2_000_000_000, recovery_digests=DIGESTS, now=later)
        await uow.second_factors.save(factor)
        await uow.commit()
    assert [type(e) for e in uow.committed_events] == [SecondFactorEnabled]
    active = await stored(identity_uow_factory, ada)
    assert active is not None
    assert (active.active, active.last_step, active.recovery_digests) == (
        True,
        2_000_000_000,  # beyond 32 bits: a time-step is a big number
        DIGESTS,
    )
    assert (active.version, active.updated_at) == (2, later)


async def test_nothing_is_kept_without_commit(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    async with identity_uow_factory() as uow:
        await uow.second_factors.save(enrolled(user))
        assert await uow.second_factors.get(user.id) is not None  # seen within its own work
    assert await stored(identity_uow_factory, user) is None


async def test_a_spent_recovery_code_stays_spent(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    await add_active(identity_uow_factory, user)
    async with identity_uow_factory() as uow:
        factor = await uow.second_factors.get(user.id)
        assert factor is not None
        factor.use_recovery_code(DIGESTS[3], T0)
        await uow.second_factors.save(factor)
        await uow.commit()
    after = await stored(identity_uow_factory, user)
    assert after is not None
    assert after.recovery_digests == DIGESTS[:3] + DIGESTS[4:]


async def test_a_stale_factor_is_refused(identity_uow_factory: IdentityUnitOfWorkFactory) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    await add_active(identity_uow_factory, user)
    async with identity_uow_factory(read_only=True) as uow:
        stale = await uow.second_factors.get(user.id)
    assert stale is not None
    async with identity_uow_factory() as uow:
        fresh = await uow.second_factors.get(user.id)
        assert fresh is not None
        fresh.accept_step(101, T0)
        await uow.second_factors.save(fresh)
        await uow.commit()

    stale.accept_step(102, T0)
    with pytest.raises(ConcurrentUpdate):
        async with identity_uow_factory() as uow:
            await uow.second_factors.save(stale)
            await uow.commit()
    with pytest.raises(ConcurrentUpdate):  # a second enrolment over an existing factor
        async with identity_uow_factory() as uow:
            await uow.second_factors.save(enrolled(user))
            await uow.commit()
    kept = await stored(identity_uow_factory, user)
    assert kept is not None
    assert (kept.last_step, kept.active) == (101, True)


async def test_concurrent_uses_of_one_code_let_exactly_one_win(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    """Two sign-ins with the same code at once: both read the factor, one saves it."""
    user = new_user()
    await save(identity_uow_factory, user)
    await add_active(identity_uow_factory, user)

    async def accept(uow: IdentityUnitOfWork) -> bool:
        factor = await uow.second_factors.get(user.id)
        assert factor is not None
        factor.accept_step(101, T0)
        await uow.second_factors.save(factor)
        return True

    results = await race_two(identity_uow_factory, accept)
    assert sum(result is True for result in results) == 1
    # The loser is refused at its write (it read the factor before the winner's commit) or, where
    # transactions run one at a time (SQLite), sees the step already accepted: a replay.
    [lost] = [r for r in results if r is not True]
    assert isinstance(lost, ConcurrentUpdate | InvalidSecondFactorCode)
    after = await stored(identity_uow_factory, user)
    assert after is not None
    assert (after.last_step, after.version) == (101, 2)


async def test_a_removed_factor_is_gone_and_its_event_published(
    identity_uow_factory: IdentityUnitOfWorkFactory,
) -> None:
    user = new_user()
    await save(identity_uow_factory, user)
    await add_active(identity_uow_factory, user)
    async with identity_uow_factory() as uow:
        factor = await uow.second_factors.get(user.id)
        assert factor is not None
        factor.disable(T0)
        await uow.second_factors.remove(factor)
        await uow.commit()
    assert [type(e) for e in uow.committed_events] == [SecondFactorDisabled]
    assert await stored(identity_uow_factory, user) is None

    async with identity_uow_factory() as uow:  # enrolling again starts from nothing
        await uow.second_factors.save(enrolled(user))
        await uow.commit()
    again = await stored(identity_uow_factory, user)
    assert again is not None
    assert (again.active, again.version) == (False, 1)
