"""The signing-key ring's rules: naming keys, which key signs, which keys are published, which may be retired.

Each key has a kid that starts with its creation time (UTC, to the microsecond) and ends with a random suffix,
e.g. `20260512T101500123456Z-9f3a1c2e`, so sorting by creation time is sorting by kid and two replicas never pick
the same name.

- Published (JWKS): every key in the ring, newest first, so a token stays verifiable until it expires.
- Signing: the newest key that has been published for at least `activation_seconds`, so verifiers that cache the
  JWKS (the gateway) learn a new key before any token carries it. When no key is that old yet (first start), the
  oldest one signs, the same on every replica.
- Retirable: a key whose successor started signing at least `superseded_for` seconds ago (at least the token TTL):
  every token it signed has expired. The signing key and newer ones are never retirable.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_KID = re.compile(r"^(\d{8}T\d{12})Z-([0-9a-f]{8})$")
_TIME_FORMAT = "%Y%m%dT%H%M%S%f"


@dataclass(frozen=True, order=True)
class KeyVersion:
    """A key's identity: ordered by creation time, then kid."""

    created_us: int  # unix time in microseconds
    kid: str

    @property
    def created_at(self) -> float:
        return self.created_us / 1_000_000


def new_kid(created_us: int, suffix: str) -> str:
    """The kid of a key created at `created_us` (unix microseconds); `suffix` is 8 random hex digits."""
    moment = datetime.fromtimestamp(created_us // 1_000_000, UTC).replace(microsecond=created_us % 1_000_000)
    return f"{moment.strftime(_TIME_FORMAT)}Z-{suffix}"


def parse_kid(kid: str) -> KeyVersion | None:
    """The key version a kid names, or None when it is not a kid of this ring."""
    match = _KID.match(kid)
    if match is None:
        return None
    try:
        moment = datetime.strptime(match.group(1), _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    seconds = int(moment.replace(microsecond=0).timestamp())
    return KeyVersion(created_us=seconds * 1_000_000 + moment.microsecond, kid=kid)


def published(keys: Sequence[KeyVersion]) -> list[KeyVersion]:
    """The keys to publish in the JWKS, newest first."""
    return sorted(keys, reverse=True)


def _activation_us(key: KeyVersion, activation_seconds: float) -> int:
    return key.created_us + int(activation_seconds * 1_000_000)


def signing_key(keys: Sequence[KeyVersion], now: float, activation_seconds: float) -> KeyVersion:
    """The key that signs new tokens at unix time `now`."""
    if not keys:
        raise ValueError("the key ring is empty")
    now_us = int(now * 1_000_000)
    ordered = sorted(keys)
    active = [key for key in ordered if _activation_us(key, activation_seconds) <= now_us]
    return active[-1] if active else ordered[0]


def retirable(
    keys: Sequence[KeyVersion], now: float, activation_seconds: float, superseded_for: float
) -> list[KeyVersion]:
    """The keys that stopped signing at least `superseded_for` seconds before `now`, oldest first."""
    if not keys:
        return []
    signer = signing_key(keys, now, activation_seconds)
    ordered = sorted(keys)
    now_us = int(now * 1_000_000)
    out = []
    for older, successor in itertools.pairwise(ordered):
        if older >= signer:
            break
        stopped_signing_us = _activation_us(successor, activation_seconds)
        if stopped_signing_us + int(superseded_for * 1_000_000) <= now_us:
            out.append(older)
    return out
