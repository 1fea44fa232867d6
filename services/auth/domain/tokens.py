"""Access tokens: which claims a token carries, and for how long it is valid.

The token is a JWT (signed by the key ring, see domain/keys.py): `iss` and `aud` name this deployment, `sub` is the
user id as a string (the gateway forwards it as `x-feedmesh-user-id`), `iat`/`exp` bound its life, `jti` makes each
token unique (for logs and a future deny list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    ttl_seconds: int


@dataclass(frozen=True)
class AccessToken:
    """A signed token, as CreateSession returns it."""

    token: str
    expires_in: int
    user_id: int


def access_token_claims(policy: TokenPolicy, user_id: int, now: float, jti: str) -> dict[str, Any]:
    """The claims of a token issued to `user_id` at unix time `now`."""
    issued_at = int(now)
    return {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": str(user_id),
        "iat": issued_at,
        "exp": issued_at + policy.ttl_seconds,
        "jti": jti,
    }
