"""The second factor's rules (domain/identity/second_factor.py) and the adapters that do its
arithmetic and cryptography: pyotp's codes, AES-GCM sealing, recovery code digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pyotp
import pytest

from adapters.identity.factor_secrets import AesGcmFactorSecrets
from adapters.identity.totp import PyotpAuthenticator
from application.identity.second_factor_check import normalize_recovery_code
from domain.identity.events import RecoveryCodesRenewed, SecondFactorDisabled, SecondFactorEnabled
from domain.identity.mfa_errors import InvalidSecondFactorCode, SecondFactorState
from domain.identity.second_factor import SecondFactor

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXP" * 2
DIGESTS = ("a" * 64, "b" * 64)


def pending() -> SecondFactor:
    return SecondFactor.enrol(user_id=uuid4(), sealed_secret="v1.x", now=T0)


def active() -> SecondFactor:
    factor = pending()
    factor.confirm(step=10, recovery_digests=DIGESTS, now=T0)
    factor.mark_persisted()
    factor.pull_events()
    return factor


def test_an_enrolment_is_pending_and_new() -> None:
    factor = pending()
    assert (factor.active, factor.last_step, factor.recovery_digests) == (False, None, ())
    assert (factor.version, factor.persisted_version) == (1, 0)
    assert factor.pull_events() == []  # nothing happened yet for anyone else


def test_confirming_activates_once_with_recovery_codes() -> None:
    factor = pending()
    factor.confirm(step=10, recovery_digests=DIGESTS, now=T0)
    assert (factor.active, factor.last_step, factor.recovery_digests) == (True, 10, DIGESTS)
    assert [type(e) for e in factor.pull_events()] == [SecondFactorEnabled]
    with pytest.raises(SecondFactorState):
        factor.confirm(step=11, recovery_digests=DIGESTS, now=T0)
    with pytest.raises(SecondFactorState):
        factor.restart_enrolment(sealed_secret="v1.y", now=T0)


def test_a_step_is_accepted_once_and_nothing_older_after_it() -> None:
    factor = active()
    factor.accept_step(12, T0)
    for step in (12, 11, 10):
        with pytest.raises(InvalidSecondFactorCode):
            factor.accept_step(step, T0)
    factor.accept_step(13, T0)
    assert (factor.last_step, factor.version) == (13, 2)  # one change per unit of work


def test_a_recovery_code_is_spent_once_and_only_on_an_active_factor() -> None:
    factor = active()
    factor.use_recovery_code(DIGESTS[0], T0)
    assert factor.recovery_digests == DIGESTS[1:]
    with pytest.raises(InvalidSecondFactorCode) as refused:
        factor.use_recovery_code(DIGESTS[0], T0)
    assert refused.value.field == "recovery_code"
    with pytest.raises(InvalidSecondFactorCode):
        pending().use_recovery_code(DIGESTS[1], T0)


def test_renewing_and_disabling_need_an_active_factor_and_are_recorded() -> None:
    factor = active()
    factor.renew_recovery_codes(("c" * 64,), T0)
    factor.disable(T0 + timedelta(seconds=1))
    assert factor.recovery_digests == ("c" * 64,)
    assert [type(e) for e in factor.pull_events()] == [RecoveryCodesRenewed, SecondFactorDisabled]
    for change in (lambda f: f.disable(T0), lambda f: f.renew_recovery_codes(DIGESTS, T0)):
        with pytest.raises(SecondFactorState):
            change(pending())


def test_codes_match_their_step_with_one_step_of_drift() -> None:
    authenticator = PyotpAuthenticator(issuer="Portico")
    secret = authenticator.new_secret()
    assert len(secret) == 32  # 160 bits
    totp = pyotp.TOTP(secret)
    step = totp.timecode(T0)
    for offset in (-1, 0, 1):
        code = totp.at(T0 + timedelta(seconds=30 * offset))
        assert authenticator.matching_step(secret, code, T0) == step + offset
    for far in (-2, 2):
        code = totp.at(T0 + timedelta(seconds=30 * far))
        if code not in {totp.at(T0 + timedelta(seconds=30 * o)) for o in (-1, 0, 1)}:
            assert authenticator.matching_step(secret, code, T0) is None
    for junk in ("", "12345", "1234567", "abcdef", "\uff11\uff12\uff13\uff14\uff15\uff16"):
        assert authenticator.matching_step(secret, junk, T0) is None


def test_the_enrolment_uri_names_the_issuer_and_the_account() -> None:
    uri = PyotpAuthenticator(issuer="Acme").enrolment_uri(SECRET, account="a@b.co")
    assert uri == f"otpauth://totp/Acme:a%40b.co?secret={SECRET}&issuer=Acme"


def test_a_sealed_secret_opens_only_for_its_owner_with_its_key() -> None:
    sealer, owner = AesGcmFactorSecrets("k" * 32), uuid4()
    sealed = sealer.seal(SECRET, owner)
    assert SECRET not in sealed
    assert sealed != sealer.seal(SECRET, owner)  # a fresh nonce each time
    assert sealer.open(sealed, owner) == SECRET
    assert sealer.open(sealed, uuid4()) is None  # copied onto another account
    assert AesGcmFactorSecrets("z" * 32).open(sealed, owner) is None  # another server's key
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    for broken in ("plain secret", tampered, "v1.!!", "v1."):
        assert sealer.open(broken, owner) is None


def test_recovery_code_digests_are_keyed_and_forgive_how_codes_are_typed() -> None:
    one, other = AesGcmFactorSecrets("k" * 32), AesGcmFactorSecrets("z" * 32)
    code = "abcd-efgh-ijkl-mnop"
    assert normalize_recovery_code(" ABCD EFGH-ijkl-MNOP ") == "abcdefghijklmnop"
    digest = one.digest(normalize_recovery_code(code))
    assert len(digest) == 64
    assert digest == one.digest(normalize_recovery_code("ABCDEFGHIJKLMNOP"))
    assert digest != other.digest(normalize_recovery_code(code))
