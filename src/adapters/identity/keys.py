"""KeyRing: our token-signing keys, by kid. From PEM or JWKS files, or a generated dev key.

Each key signs with the one algorithm its type allows (Ed25519 keys: the `Ed25519` JWS
algorithm of RFC 9864, the fully-specified successor of `EdDSA`; P-256: ES256; RSA: RS256), and a
token is verified only with the key its kid names and only with that key's algorithm, which rules
out algorithm confusion (an HS256 token "signed" with our public key) and `alg: none`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey, import_key

AnyKey = OKPKey | ECKey | RSAKey


class KeyRingError(ValueError):
    """A key source cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    algorithm: str
    key: AnyKey

    @property
    def is_private(self) -> bool:
        return bool(self.key.is_private)


def algorithm_for(key: AnyKey) -> str:
    if isinstance(key, OKPKey) and key.get("crv") == "Ed25519":
        return "Ed25519"
    if isinstance(key, ECKey) and key.get("crv") == "P-256":
        return "ES256"
    if isinstance(key, RSAKey):
        return "RS256"
    raise KeyRingError(f"unsupported key type {key.key_type} {key.get('crv') or ''}".strip())


class KeyRing:
    """Every key we verify with; `signing` (a private key) is the one new tokens use."""

    def __init__(self, keys: list[SigningKey], signing_kid: str | None = None) -> None:
        if not keys:
            raise KeyRingError("no signing key was given")
        self.by_kid = {key.kid: key for key in keys}
        if len(self.by_kid) != len(keys):
            raise KeyRingError("two keys share a kid")
        kid = signing_kid or keys[0].kid
        if kid not in self.by_kid:
            raise KeyRingError(f"no key has the kid {kid!r}; the kids are {sorted(self.by_kid)}")
        self.signing = self.by_kid[kid]
        if not self.signing.is_private:
            raise KeyRingError(f"the signing key {kid!r} is a public key; give its private key")

    def jwks(self) -> dict[str, Any]:
        """The public halves, as a JWK Set to publish at /.well-known/jwks.json."""
        published = []
        for key in self.by_kid.values():
            public = key.key.as_dict(private=False)
            public.update(kid=key.kid, alg=key.algorithm, use="sig")
            published.append(public)
        return {"keys": published}


def _with_kid(key: AnyKey) -> SigningKey:
    kid = key.kid or key.thumbprint()
    return SigningKey(kid=kid, algorithm=algorithm_for(key), key=key)


def load_key_file(path: Path) -> list[SigningKey]:
    """A PEM file (one key; kid = its RFC 7638 thumbprint) or a JWKS JSON file (kids kept)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyRingError(f"cannot read the key file {path}: {error.strerror}") from None
    try:
        if data.lstrip().startswith(b"{"):
            keys: list[Any] = list(KeySet.import_key_set(json.loads(data)).keys)
        else:
            keys = [import_key(data, _pem_type(data))]
    except KeyRingError:
        raise
    except (ValueError, TypeError, JoseError) as error:
        raise KeyRingError(f"{path} is not a PEM key or a JWK Set with a key: {error}") from None
    if any(not isinstance(key, OKPKey | ECKey | RSAKey) for key in keys):
        raise KeyRingError(f"{path}: symmetric keys are not accepted; use Ed25519, P-256 or RSA")
    return [_with_kid(key) for key in keys]


def _pem_type(data: bytes) -> Any:
    """The JWK key type of a PEM key (joserfc wants it said explicitly)."""
    loaded: Any
    try:
        loaded = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        loaded = load_pem_public_key(data)
    if isinstance(loaded, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "OKP"
    if isinstance(loaded, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "EC"
    if isinstance(loaded, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA"
    raise KeyRingError("the PEM holds a key type that is not Ed25519, P-256 or RSA")


def load_key_ring(paths: list[Path], signing_kid: str | None = None) -> KeyRing:
    keys = [key for path in paths for key in load_key_file(path)]
    return KeyRing(keys, signing_kid)


def development_key_ring(path: Path) -> KeyRing:
    """The embedded default: an Ed25519 key made on first run and kept in `path` (mode 0600)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = OKPKey.generate_key("Ed25519", private=True)
        document = {"keys": [{**key.as_dict(private=True), "kid": "dev-" + key.thumbprint()[:16]}]}
        # Written aside, then linked into place: two processes starting together keep one key.
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(document, file)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return load_key_ring([path])
