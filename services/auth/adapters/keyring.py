"""The signing-key ring on disk, and ES256 JWTs signed and verified with it.

The ring is a directory (FEEDMESH_AUTH_KEY_DIR) holding one unencrypted PKCS#8 PEM per key, named `<kid>.pem`,
mode 0600, in a 0700 directory. Which key signs, which are published and which may be retired are the rules of
`services.auth.domain.keys`; this module only stores and loads keys.

Every replica on the host shares the directory: a change (rotate, prune, another replica's first key) is picked up
on the next sign or JWKS call, by listing the directory (a few microseconds) and parsing only new files: no
restart. Writers hold an exclusive flock on `<dir>/.lock`, so two replicas starting together create one first key,
and a key file appears atomically, complete, under its final name (written aside, then hard-linked: the link
fails rather than replace an existing file).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from services.auth.domain import keys as rules
from services.auth.domain.keys import KeyVersion
from services.auth.domain.tokens import TokenPolicy

log = logging.getLogger(__name__)

ALGORITHM = "ES256"
_SUFFIX = ".pem"
_LOCK_FILE = ".lock"


@dataclass(frozen=True)
class RingKey:
    version: KeyVersion
    private_key: ec.EllipticCurvePrivateKey

    @property
    def kid(self) -> str:
        return self.version.kid


class FileKeyRing:
    def __init__(self, directory: Path, *, activation_seconds: float, clock: Callable[[], float] = time.time):
        self.directory = directory
        self.activation_seconds = activation_seconds
        self.clock = clock
        self._loaded: dict[str, RingKey] = {}  # file name -> key
        self._unreadable: set[str] = set()

    # --- reading -------------------------------------------------------------------------------------------------

    def all_keys(self) -> list[RingKey]:
        """Every key in the ring, oldest first, as the directory holds them now."""
        self._refresh()
        return sorted(self._loaded.values(), key=lambda k: k.version)

    def signing_key(self) -> RingKey:
        ring = self.all_keys()
        if not ring:
            raise RuntimeError(f"no signing key in {self.directory}: run `python -m services.auth.keys rotate`")
        chosen = rules.signing_key([k.version for k in ring], self.clock(), self.activation_seconds)
        return next(k for k in ring if k.version == chosen)

    def published(self) -> list[RingKey]:
        """The keys to publish, newest first."""
        return list(reversed(self.all_keys()))

    def _refresh(self) -> None:
        try:
            names = {name for name in os.listdir(self.directory) if name.endswith(_SUFFIX)}
        except FileNotFoundError:
            names = set()
        for gone in set(self._loaded) - names:
            del self._loaded[gone]
        self._unreadable &= names
        for name in names - set(self._loaded) - self._unreadable:
            key = self._read(name)
            if key is None:
                self._unreadable.add(name)
            else:
                self._loaded[name] = key

    def _read(self, name: str) -> RingKey | None:
        version = rules.parse_kid(name.removesuffix(_SUFFIX))
        if version is None:
            log.warning("ignoring a file that is not a ring key", extra={"file": name, "dir": str(self.directory)})
            return None
        try:
            private_key = serialization.load_pem_private_key((self.directory / name).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            log.warning("ignoring an unreadable ring key", extra={"file": name, "error": str(exc)})
            return None
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(private_key.curve, ec.SECP256R1):
            log.warning("ignoring a ring key that is not EC P-256", extra={"file": name})
            return None
        return RingKey(version, private_key)

    # --- writing (under the ring's lock) ------------------------------------------------------------------------

    def ensure_key(self) -> None:
        """Creates the first key if the ring has none (safe when replicas start together)."""
        if self.all_keys():
            return
        with self._locked():
            if not self.all_keys():  # re-read under the lock: another process may have just created it
                self._create()

    def rotate(self) -> str:
        """Adds a new key; it is published at once and signs once `activation_seconds` have passed."""
        with self._locked():
            return self._create()

    def retire(self, superseded_for: float) -> list[str]:
        """Deletes the keys that stopped signing at least `superseded_for` seconds ago; returns their kids."""
        with self._locked():
            ring = self.all_keys()
            doomed = rules.retirable([k.version for k in ring], self.clock(), self.activation_seconds, superseded_for)
            for version in doomed:
                (self.directory / f"{version.kid}{_SUFFIX}").unlink(missing_ok=True)
                log.info("retired a signing key", extra={"kid": version.kid})
            self._refresh()
            return [v.kid for v in doomed]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if not self.directory.exists():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.directory / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _create(self) -> str:
        self._refresh()
        created_us = time.time_ns() // 1_000
        newest = max((k.version.created_us for k in self._loaded.values()), default=0)
        created_us = max(created_us, newest + 1)  # a clock that stepped back must not make the new key "older"
        kid = rules.new_kid(created_us, secrets.token_hex(4))
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        final = self.directory / f"{kid}{_SUFFIX}"
        aside = self.directory / f".{kid}.tmp"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(aside, final)  # atomic, and never replaces an existing key
        finally:
            aside.unlink()
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        log.info("created a signing key", extra={"kid": kid, "dir": str(self.directory)})
        self._refresh()
        return kid


def _b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()


def public_jwk(key: RingKey) -> dict[str, str]:
    """The public half of a ring key as an RFC 7517 JWK."""
    numbers = key.private_key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url_uint(numbers.x),
        "y": _b64url_uint(numbers.y),
        "kid": key.kid,
        "use": "sig",
        "alg": ALGORITHM,
    }


class JwtTokens:
    """Signs access tokens with the ring's signing key; publishes and verifies with every key in the ring."""

    def __init__(self, ring: FileKeyRing, policy: TokenPolicy):
        self.ring = ring
        self.policy = policy

    def sign(self, claims: dict[str, Any]) -> str:
        key = self.ring.signing_key()
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})

    def jwks(self) -> list[dict[str, str]]:
        return [public_jwk(key) for key in self.ring.published()]

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token of this issuer and audience; jwt.InvalidTokenError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        key = next((k for k in self.ring.all_keys() if k.kid == kid), None)
        if key is None:
            raise jwt.InvalidTokenError(f"unknown kid {kid!r}")
        return jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[ALGORITHM],
            audience=self.policy.audience,
            issuer=self.policy.issuer,
            options={"require": ["iss", "aud", "sub", "iat", "exp", "jti"]},
        )
