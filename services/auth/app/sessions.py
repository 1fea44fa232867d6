"""Use cases of sessions: password login, and the public keys that verify the tokens it issues."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from prometheus_client import Counter

from services.auth.app.ports import PasswordHasher, TokenSigner, UserRepository
from services.auth.domain.tokens import AccessToken, TokenPolicy, access_token_claims
from services.auth.domain.users import PASSWORD_MAX, lookup_handle, normalize_password
from services.common.errors import Unauthenticated

log = logging.getLogger(__name__)

LOGINS = Counter("feedmesh_auth_logins_total", "Password logins by outcome", ["outcome"])

WRONG_CREDENTIALS = "wrong handle or password"
# Registration caps passwords at PASSWORD_MAX characters after NFKC; anything far longer cannot match.
LOGIN_PASSWORD_LIMIT = 8 * PASSWORD_MAX


class Sessions:
    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        signer: TokenSigner,
        policy: TokenPolicy,
        clock: Callable[[], float] = time.time,
    ):
        self.users = users
        self.hasher = hasher
        self.signer = signer
        self.policy = policy
        self.clock = clock

    async def login(self, handle: str, password: str) -> AccessToken:
        """A signed access token; Unauthenticated, with one message, for a wrong handle or a wrong password.

        An unknown handle costs the same argon2 verification as a known one, so timing does not tell them apart.
        """
        if len(password) > LOGIN_PASSWORD_LIMIT:  # no stored password is that long: spare the normalization
            LOGINS.labels("wrong_password").inc()
            raise Unauthenticated(WRONG_CREDENTIALS, reason="BAD_CREDENTIALS")
        candidate = normalize_password(password)
        canonical = lookup_handle(handle)
        credentials = await self.users.credentials(canonical) if canonical is not None else None
        if credentials is None:
            await self.hasher.verify_nothing(candidate)
            LOGINS.labels("unknown_handle").inc()
            raise Unauthenticated(WRONG_CREDENTIALS, reason="BAD_CREDENTIALS")
        if not await self.hasher.verify(credentials.password_hash, candidate):
            LOGINS.labels("wrong_password").inc()
            raise Unauthenticated(WRONG_CREDENTIALS, reason="BAD_CREDENTIALS")
        if self.hasher.needs_rehash(credentials.password_hash):
            await self._rehash(credentials.user_id, credentials.password_hash, candidate)
        claims = access_token_claims(self.policy, credentials.user_id, self.clock(), uuid.uuid4().hex)
        LOGINS.labels("ok").inc()
        return AccessToken(
            token=self.signer.sign(claims), expires_in=self.policy.ttl_seconds, user_id=credentials.user_id
        )

    async def _rehash(self, user_id: int, old_hash: str, password: str) -> None:
        """Upgrades a hash made with older argon2 parameters; a failure here must not fail the login."""
        try:
            await self.users.replace_password_hash(user_id, old_hash, await self.hasher.hash(password))
        except Exception:
            log.exception("could not upgrade a password hash", extra={"user_id": user_id})

    def jwks(self) -> list[dict[str, str]]:
        return self.signer.jwks()
