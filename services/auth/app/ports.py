"""What the use cases need from the outside world, as Protocols; adapters/ implements them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from services.auth.domain.users import Credentials, Registration, User


class UserRepository(Protocol):
    async def insert(self, user_id: int, registration: Registration, password_hash: str) -> User:
        """Stores a new account; AlreadyExists when the handle is taken."""
        ...

    async def credentials(self, handle: str) -> Credentials | None:
        """The id and password hash of the account with this (canonical) handle."""
        ...

    async def replace_password_hash(self, user_id: int, old_hash: str, new_hash: str) -> None:
        """Swaps the hash if it is still `old_hash` (a concurrent change wins)."""
        ...

    async def by_ids(self, user_ids: Sequence[int]) -> list[User]:
        """The accounts with these ids, in any order; unknown ids are absent."""
        ...

    async def by_handle_prefix(self, prefix: str, upper_bound: str, after_handle: str, limit: int) -> list[User]:
        """Up to `limit` users with handle in [prefix, upper_bound) and above `after_handle`, byte order."""
        ...

    async def by_handles(self, handles: Sequence[str]) -> list[User]:
        """The accounts with these canonical handles, in any order; unknown handles are absent."""
        ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; False (never an exception) for a mismatch or a malformed hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    async def verify_nothing(self, password: str) -> None:
        """Spends the time of a verification, for logins of unknown handles."""
        ...


class IdSource(Protocol):
    def next_id(self) -> int: ...


class TokenSigner(Protocol):
    def sign(self, claims: dict[str, Any]) -> str:
        """The claims as a JWT signed with the ring's signing key."""
        ...

    def jwks(self) -> list[dict[str, str]]:
        """The public keys as JWKs, newest first."""
        ...
