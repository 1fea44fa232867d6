"""Use cases of accounts: registration, and the batch lookups other services hydrate user lists with."""

from __future__ import annotations

from collections.abc import Sequence

from services.auth.app.ports import IdSource, PasswordHasher, UserRepository
from services.auth.domain.users import (
    User,
    check_after_handle,
    check_batch_size,
    check_prefix_limit,
    handle_prefix,
    in_request_order,
    lookup_handle,
    prefix_upper_bound,
    validate_registration,
)


class Accounts:
    def __init__(self, users: UserRepository, hasher: PasswordHasher, ids: IdSource):
        self.users = users
        self.hasher = hasher
        self.ids = ids

    async def register(self, handle: str, password: str, display_name: str, private: bool) -> User:
        """A new account; InvalidArgument for a bad field, AlreadyExists when the handle is taken."""
        registration = validate_registration(handle, password, display_name, private)
        password_hash = await self.hasher.hash(registration.password)
        return await self.users.insert(self.ids.next_id(), registration, password_hash)

    async def by_ids(self, user_ids: Sequence[int]) -> list[User]:
        """The accounts in request order, unknown ids skipped; at most 1000 ids."""
        check_batch_size(len(user_ids), "user ids")
        wanted = list(dict.fromkeys(uid for uid in user_ids if uid > 0))
        if not wanted:
            return []
        found = {user.id: user for user in await self.users.by_ids(wanted)}
        return in_request_order(list(user_ids), found)

    async def by_handles(self, handles: Sequence[str]) -> list[User]:
        """The accounts in request order, case-insensitive, a leading '@' ignored, unknown handles skipped."""
        check_batch_size(len(handles), "handles")
        canonical = [h for h in (lookup_handle(raw) for raw in handles) if h is not None]
        if not canonical:
            return []
        found = {user.handle: user for user in await self.users.by_handles(list(dict.fromkeys(canonical)))}
        return in_request_order(canonical, found)

    async def by_handle_prefix(self, raw_prefix: str, after_handle: str, limit: int) -> list[User]:
        """The accounts whose handle starts with the prefix (case-insensitive, a leading '@' ignored) and sorts
        after `after_handle`, in handle order, at most `limit`."""
        prefix = handle_prefix(raw_prefix)
        after = check_after_handle(after_handle)
        size = check_prefix_limit(limit)
        return await self.users.by_handle_prefix(prefix, prefix_upper_bound(prefix), after, size)
