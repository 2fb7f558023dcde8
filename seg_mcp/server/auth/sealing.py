"""Self-contained, encrypted and authenticated tokens: what makes the HTTP server stateless.

Everything the OAuth layer hands out (registered client ids, the IMS `state`, authorization codes,
access and refresh tokens) is a `Sealer.seal(kind, payload)` string: JSON sealed with AES-256-GCM
under a key derived (HKDF-SHA256) from the deployment's secret, the kind bound in as associated
data (an authorization code cannot be replayed as an access token), and an expiry inside. Any
replica holding the same secret opens what another one sealed; nothing is kept per session.

The secret comes from `SEG_MCP_AUTH_SECRET` (comma-separated: the first seals, all open, for
rotation) or else from a key file in the data directory, created 0600 on first use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["KEY_FILE_NAME", "SealError", "Sealer", "load_secrets", "request_state_keys"]

KEY_FILE_NAME = "auth-secret"
_VERSION = "1"
_NONCE = 12


class SealError(ValueError):
    """A sealed string is malformed, forged, of another kind, or expired. Never says which
    secret or which byte: only that it is not valid."""


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"seg-mcp", info=info).derive(
        secret.encode("utf-8")
    )


class Sealer:
    """Seals and opens JSON payloads; `kind` is a short tag such as "at" (access token)."""

    def __init__(self, secret_values: list[str]) -> None:
        if not secret_values or not all(secret_values):
            raise ValueError("at least one non-empty auth secret is required")
        self._keys = [AESGCM(_derive(s, b"seg-mcp seal v1")) for s in secret_values]
        self._mac_key = _derive(secret_values[0], b"seg-mcp mac v1")

    def __repr__(self) -> str:
        return f"Sealer(keys={len(self._keys)})"

    def seal(self, kind: str, payload: dict[str, Any], ttl: float | None = None) -> str:
        body = dict(payload)
        if ttl is not None:
            body["exp"] = int(time.time() + ttl)
        nonce = os.urandom(_NONCE)
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        sealed = self._keys[0].encrypt(nonce, data, f"{_VERSION}.{kind}".encode())
        return f"sm{_VERSION}{kind}.{_b64e(nonce + sealed)}"

    def open(self, kind: str, token: str, *, now: float | None = None) -> dict[str, Any]:
        prefix = f"sm{_VERSION}{kind}."
        if not token.startswith(prefix):
            raise SealError(f"not a {kind} token")
        try:
            raw = _b64d(token[len(prefix) :])
        except (binascii.Error, ValueError):
            raise SealError("malformed token") from None
        if len(raw) <= _NONCE:
            raise SealError("malformed token")
        aad = f"{_VERSION}.{kind}".encode()
        for key in self._keys:
            try:
                data = key.decrypt(raw[:_NONCE], raw[_NONCE:], aad)
                break
            except InvalidTag:
                continue
        else:
            raise SealError("token not issued by this deployment")
        payload: dict[str, Any] = json.loads(data)
        exp = payload.get("exp")
        if exp is not None and (time.time() if now is None else now) >= exp:
            raise SealError("token expired")
        return payload

    def mac(self, text: str) -> str:
        """A keyed digest (e.g. a registered client's secret, derived from its client id)."""
        return hmac.new(self._mac_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def request_state_keys(secret_values: list[str]) -> list[bytes]:
    """The keys of the MCP SDK's `requestState` sealing (the 2026-07-28 input-required round
    trip), one per secret in the same order (the first seals, all open): any replica with the
    same secret completes a round trip another one started. A label of their own keeps them
    apart from the token keys."""
    return [_derive(s, b"seg-mcp request-state v1") for s in secret_values]


def load_secrets(env_value: str | None, data_dir: Path) -> list[str]:
    """The deployment's auth secrets: `SEG_MCP_AUTH_SECRET`'s values, else the key file under
    `data_dir` (created 0600 with 32 random bytes on first use)."""
    if env_value and env_value.strip():
        return [s.strip() for s in env_value.split(",") if s.strip()]
    path = data_dir / KEY_FILE_NAME
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return [text]
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another replica made it first
        return [path.read_text(encoding="ascii").strip()]
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return [value]
