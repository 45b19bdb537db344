"""The local issuer and its keys: token shape, key files, rotation by kid, the dev key."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, OKPKey, RSAKey

from adapters.identity.keys import KeyRingError, development_key_ring, load_key_ring
from adapters.identity.local_tokens import LocalTokenIssuer, LocalTokenVerifier
from application.identity.ports import AccessGrant
from domain.identity.errors import InvalidToken
from domain.identity.roles import Role
from tests.support.clock import FixedClock
from tests.support.jwt_craft import parts
from tests.support.oidc_provider import rsa_key

NOW = datetime(2026, 5, 1, 8, 30, 15, 999_000, tzinfo=UTC)
GRANT = AccessGrant(subject="user-7", roles=frozenset({Role.STAFF, Role.ADMIN}), access_version=3)


def write_pem(path: Path, key: OKPKey | ECKey | RSAKey, *, private: bool = True) -> Path:
    path.write_bytes(key.as_pem(private=private))
    return path


def pair(
    ring_paths: list[Path], kid: str | None = None
) -> tuple[LocalTokenIssuer, LocalTokenVerifier]:
    ring = load_key_ring(ring_paths, kid)
    clock = FixedClock(NOW)
    issuer = LocalTokenIssuer(ring, clock, issuer="portico", audience="api", lifetime_seconds=600)
    return issuer, LocalTokenVerifier(ring, clock, issuer="portico", audience="api")


def test_an_issued_token_has_the_rfc_9068_shape(tmp_path: Path) -> None:
    ring = development_key_ring(tmp_path / "dev.json")
    issuer = LocalTokenIssuer(
        ring, FixedClock(NOW), issuer="portico", audience="api", lifetime_seconds=600
    )
    first, second = issuer.issue(GRANT), issuer.issue(GRANT)
    header, claims, _ = parts(first.value)

    assert header == {"typ": "at+jwt", "alg": "Ed25519", "kid": ring.signing.kid}
    issued = int(NOW.replace(microsecond=0).timestamp())
    assert claims["iss"] == "portico"
    assert claims["aud"] == "api"
    assert claims["sub"] == "user-7"
    assert claims["iat"] == claims["nbf"] == issued
    assert claims["exp"] == issued + 600
    assert claims["roles"] == ["admin", "staff"]
    assert claims["av"] == 3
    assert claims["jti"] != parts(second.value)[1]["jti"]
    assert first.lifetime_seconds == 600
    assert first.expires_at == NOW.replace(microsecond=0) + timedelta(seconds=600)


async def test_pem_keys_of_each_type_sign_with_their_one_algorithm(tmp_path: Path) -> None:
    keys = {
        "Ed25519": OKPKey.generate_key("Ed25519"),
        "ES256": ECKey.generate_key("P-256"),
        "RS256": rsa_key("pem-test"),
    }
    for algorithm, key in keys.items():
        issuer, verifier = pair([write_pem(tmp_path / f"{algorithm}.pem", key)])
        token = issuer.issue(GRANT).value
        assert parts(token)[0]["alg"] == algorithm
        assert parts(token)[0]["kid"] == key.thumbprint()
        assert (await verifier.verify(token)).subject == "user-7"


async def test_rotation_old_tokens_verify_until_their_key_is_removed(tmp_path: Path) -> None:
    old = write_pem(tmp_path / "old.pem", OKPKey.generate_key("Ed25519"))
    new_key = OKPKey.generate_key("Ed25519")
    new = write_pem(tmp_path / "new.pem", new_key)
    old_issuer, _ = pair([old])
    old_token = old_issuer.issue(GRANT).value

    # Step 1: both keys known, the new one signs; old tokens still pass.
    issuer, verifier = pair([old, new], kid=new_key.thumbprint())
    assert parts(issuer.issue(GRANT).value)[0]["kid"] == new_key.thumbprint()
    assert (await verifier.verify(old_token)).subject == "user-7"
    # Step 2: once old tokens have expired, the old key goes; its tokens no longer pass.
    _, verifier = pair([new])
    with pytest.raises(InvalidToken):
        await verifier.verify(old_token)


def test_a_jwks_file_keeps_its_kids_and_publishes_only_public_halves(tmp_path: Path) -> None:
    one = OKPKey.generate_key("Ed25519", parameters={"kid": "2026-01"})
    two = ECKey.generate_key("P-256", parameters={"kid": "2026-02"})
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [k.as_dict(private=True) for k in (one, two)]}))

    ring = load_key_ring([path], "2026-02")
    published = ring.jwks()["keys"]

    assert ring.signing.kid == "2026-02"
    assert ring.signing.algorithm == "ES256"
    assert [(k["kid"], k["alg"], k["use"]) for k in published] == [
        ("2026-01", "Ed25519", "sig"),
        ("2026-02", "ES256", "sig"),
    ]
    assert all("d" not in key for key in published)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a key", "not a PEM key"),
        (b'{"keys": []}', "with a key"),
        (
            b'{"keys": [{"kty": "oct", "kid": "s", '
            b'"k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]}',
            "symmetric",
        ),
    ],
)
def test_unusable_key_files_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(KeyRingError, match=message):
        load_key_ring([path])


def test_a_public_key_cannot_be_the_signing_key(tmp_path: Path) -> None:
    path = write_pem(tmp_path / "public.pem", OKPKey.generate_key("Ed25519"), private=False)
    with pytest.raises(KeyRingError, match="public key"):
        load_key_ring([path])


def test_an_unknown_signing_kid_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = write_pem(tmp_path / "k.pem", OKPKey.generate_key("Ed25519"))
    with pytest.raises(KeyRingError, match="no key has the kid"):
        load_key_ring([path], "nope")
    with pytest.raises(KeyRingError, match="cannot read"):
        load_key_ring([tmp_path / "missing.pem"])


def test_the_development_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "dev-signing-key.json"
    first = development_key_ring(path)
    second = development_key_ring(path)

    assert first.signing.kid == second.signing.kid
    assert first.signing.kid.startswith("dev-")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]
