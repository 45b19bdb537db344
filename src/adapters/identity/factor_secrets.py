"""AesGcmFactorSecrets: TOTP secrets sealed with AES-256-GCM, recovery codes digested with
HMAC-SHA-256, both under keys derived (HKDF) from PORTICO_MFA_SECRET_KEY.

A sealed secret is `v1.` + base64url(nonce || ciphertext); the owner's id is the associated
data, so a sealed secret copied onto another account's row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.identity.mfa_ports import FactorSecrets

_PREFIX = "v1."
_NONCE = 12


def _derive(material: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


class AesGcmFactorSecrets(FactorSecrets):
    def __init__(self, key_material: str) -> None:
        material = key_material.encode()
        self._aead = AESGCM(_derive(material, b"portico/mfa/seal"))
        self._digest_key = _derive(material, b"portico/mfa/recovery-codes")

    def seal(self, secret: str, owner: UUID) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, secret.encode(), owner.bytes)
        return _PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def open(self, sealed: str, owner: UUID) -> str | None:
        if not sealed.startswith(_PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(_PREFIX) :])
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], owner.bytes).decode()
        except (InvalidTag, ValueError):
            return None

    def digest(self, recovery_code: str) -> str:
        return hmac.new(self._digest_key, recovery_code.encode(), hashlib.sha256).hexdigest()
