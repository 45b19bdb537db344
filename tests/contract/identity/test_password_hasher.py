"""ONE contract for PasswordHasher, on every adapter (argon2id today)."""

from __future__ import annotations

import pytest

from adapters.identity.argon2 import Argon2PasswordHasher
from application.identity.ports import PasswordHasher

CHEAP = {"time_cost": 1, "memory_kib": 64, "parallelism": 1}


@pytest.fixture(params=["argon2"])
def hasher(request: pytest.FixtureRequest) -> PasswordHasher:
    return Argon2PasswordHasher(**CHEAP)


@pytest.fixture
def stronger(request: pytest.FixtureRequest) -> PasswordHasher:
    """The same adapter with other (stronger) parameters."""
    return Argon2PasswordHasher(time_cost=2, memory_kib=128, parallelism=1)


async def test_the_right_password_verifies_and_a_wrong_one_does_not(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("a long enough secret")
    assert await hasher.verify(hashed, "a long enough secret") is True
    assert await hasher.verify(hashed, "a long enough secreT") is False
    assert await hasher.verify(hashed, "") is False


async def test_the_hash_hides_the_password_and_is_salted(hasher: PasswordHasher) -> None:
    first = await hasher.hash("a long enough secret")
    second = await hasher.hash("a long enough secret")
    assert "a long enough secret" not in first
    assert first != second
    assert await hasher.verify(second, "a long enough secret")


async def test_argon2id_is_the_algorithm(hasher: PasswordHasher) -> None:
    assert (await hasher.hash("a long enough secret")).startswith("$argon2id$")


async def test_unicode_passwords_work(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("pässwörd-ünïcode-密码")
    assert await hasher.verify(hashed, "pässwörd-ünïcode-密码")
    assert not await hasher.verify(hashed, "passwort-unicode-密码")


@pytest.mark.parametrize("junk", ["", "plain text", "$argon2id$v=19$m=1,t=1,p=1$junk", "$2b$12$x"])
async def test_a_malformed_hash_verifies_nothing_and_needs_rehash(
    hasher: PasswordHasher, junk: str
) -> None:
    assert await hasher.verify(junk, "a long enough secret") is False
    assert hasher.needs_rehash(junk) is True


async def test_needs_rehash_when_the_parameters_changed(
    hasher: PasswordHasher, stronger: PasswordHasher
) -> None:
    weak_hash = await hasher.hash("a long enough secret")
    assert hasher.needs_rehash(weak_hash) is False
    assert stronger.needs_rehash(weak_hash) is True
    # Old hashes still verify under the new parameters, so users are rehashed at their next login.
    assert await stronger.verify(weak_hash, "a long enough secret") is True
