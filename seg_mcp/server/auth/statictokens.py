"""Static bearer tokens for automations (`seg-mcp serve --auth token`).

Only SHA-256 hashes of the tokens are configured, never the tokens. Each names its sandboxes and
whether it is read-only. In a TOML file (`SEG_MCP_TOKENS_FILE` or `--tokens-file`):

```toml
[tokens.nightly-report]
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
sandboxes = ["dev"]
read_only = true
```

or the same as JSON in `SEG_MCP_TOKENS` (`{"nightly-report": {"sha256": "…", …}}`).
`seg-mcp serve --new-token NAME` makes a token and prints its entry. The platform is called with
the deployment's own credential; the token limits what the server lets the caller do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from seg_mcp.server.identity import Principal

__all__ = ["StaticToken", "StaticTokens", "TokenConfigError", "hash_token", "new_token"]

TOKEN_PREFIX = "segmcp_"


class TokenConfigError(ValueError):
    """The static-token configuration is unusable (the message says where and what)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class StaticToken(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    sandboxes: tuple[str, ...] = Field(min_length=1)
    read_only: bool = False

    @field_validator("sha256", mode="before")
    @classmethod
    def lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class StaticTokens:
    def __init__(self, tokens: list[StaticToken], deployment_sandboxes: tuple[str, ...]) -> None:
        if not tokens:
            raise TokenConfigError(
                "--auth token needs at least one token: set SEG_MCP_TOKENS_FILE (or --tokens-file)"
                " to a TOML file with [tokens.<name>] tables, or SEG_MCP_TOKENS; make one with "
                "`seg-mcp serve --new-token NAME`"
            )
        for token in tokens:
            unknown = [s for s in token.sandboxes if s not in deployment_sandboxes]
            if unknown:
                raise TokenConfigError(
                    f"token {token.name!r} names sandboxes {', '.join(unknown)} that this "
                    f"deployment does not offer ({', '.join(deployment_sandboxes)})"
                )
        self._by_hash = {t.sha256: t for t in tokens}

    def principal(self, presented: str) -> Principal | None:
        digest = hash_token(presented)
        for known, token in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return Principal(
                    kind="token",
                    token_name=token.name,
                    sandboxes=token.sandboxes,
                    read_only=token.read_only,
                )
        return None

    @classmethod
    def load(
        cls, *, file: Path | None, env_json: str | None, deployment_sandboxes: tuple[str, ...]
    ) -> StaticTokens:
        raw: dict[str, Any] = {}
        where = "SEG_MCP_TOKENS"
        if file is not None:
            where = str(file)
            try:
                raw = tomllib.loads(file.read_text(encoding="utf-8")).get("tokens") or {}
            except FileNotFoundError:
                raise TokenConfigError(f"the tokens file {file} does not exist") from None
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise TokenConfigError(f"cannot read the tokens file {file}: {exc}") from None
        elif env_json:
            try:
                raw = json.loads(env_json)
            except ValueError:
                raise TokenConfigError("SEG_MCP_TOKENS is not valid JSON") from None
        if not isinstance(raw, dict):
            raise TokenConfigError(f"{where}: expected a table of tokens by name")
        tokens = []
        for name, entry in raw.items():
            if not isinstance(entry, dict):
                raise TokenConfigError(f"{where}: token {name!r} is not a table")
            if any(k in entry for k in ("token", "secret", "value")):
                raise TokenConfigError(
                    f"{where}: token {name!r} holds a token value; configure only its sha256 "
                    "(`seg-mcp serve --hash-token` prints it)"
                )
            try:
                tokens.append(StaticToken.model_validate({**entry, "name": name}))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                )
                raise TokenConfigError(f"{where}: token {name!r}: {problems}") from None
        return cls(tokens, deployment_sandboxes)
