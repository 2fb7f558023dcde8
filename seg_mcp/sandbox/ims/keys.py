"""The IMS's RS256 signing key: kept in the database (so tokens outlive a restart), published as
a JWKS at `GET /ims/keys`, and the one signer of every token the sandbox issues."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from seg_mcp.sandbox import xdm
from seg_mcp.sandbox.db import Cursor

META_KEY = "ims_rsa_private_key"
ALGORITHM = "RS256"


@dataclass(frozen=True)
class Signer:
    """An RSA key pair: signs JWTs with `kid` in the header and verifies them."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> Signer:
        return cls.from_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_key(cls, key: rsa.RSAPrivateKey) -> Signer:
        numbers = key.public_key().public_numbers()
        digest = hashlib.sha256(f"{numbers.n:x}:{numbers.e:x}".encode()).hexdigest()
        return cls(private_key=key, kid=f"seg-mcp-local-{digest[:12]}")

    @classmethod
    def from_pem(cls, pem: str) -> Signer:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the stored IMS signing key is not an RSA key")
        return cls.from_key(key)

    def pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def __repr__(self) -> str:  # never the key material
        return f"Signer(kid={self.kid!r})"

    def sign(self, payload: dict[str, Any]) -> str:
        return jwt.encode(
            payload, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "JWT"}
        )

    def decode(self, token: str) -> dict[str, Any] | None:
        """The payload of a token this key signed (signature only: expiry, type and revocation
        are the caller's checks), or None."""
        try:
            if jwt.get_unverified_header(token).get("kid") != self.kid:
                return None
            payload = jwt.decode(
                token,
                self.private_key.public_key(),
                algorithms=[ALGORITHM],
                options={"verify_aud": False, "verify_iss": False, "verify_exp": True},
            )
        except jwt.PyJWTError:
            return None
        return payload if isinstance(payload, dict) else None

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key())
        )
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}


def load_or_create(cur: Cursor, schema: str) -> Signer:
    """The signer kept in `<schema>.meta` (created on first start; inside a write)."""
    table = f"{xdm.quote_ident(schema)}.meta"
    row = cur.execute(f"SELECT value FROM {table} WHERE key = ?", [META_KEY]).fetchone()
    if row is not None:
        return Signer.from_pem(row[0])
    signer = Signer.generate()
    cur.execute(f"INSERT INTO {table} VALUES (?, ?)", [META_KEY, signer.pem()])
    return signer
