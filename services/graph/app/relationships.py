"""The use cases that change the graph: follows and requests, blocks, close friends.

Each runs in one unit of work: lock the pair of users, read the current link, let the domain rules decide, write
the change with its counts, outbox event and cache invalidation log entries, commit. The caches of the users whose
counts or followers changed are invalidated after the commit, so a reader can only refill them from committed data
(app.invalidations finishes what a process could not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.errors import NotFound, PermissionDenied
from services.graph.app.ports import GraphTx, GraphUnitOfWork, Invalidator, UserDirectory
from services.graph.domain import links
from services.graph.domain.model import (
    CloseFriendsChanged,
    FollowRequestApproved,
    FollowRequested,
    FollowRequestRejected,
    FollowRequestWithdrawn,
    FollowState,
    Link,
    Profile,
    UserBlocked,
    UserFollowed,
    UserUnfollowed,
)


@dataclass(frozen=True)
class Invalidation:
    """The users whose caches a committed change invalidates, and its entries in the invalidation log."""

    users: list[int]
    entry_ids: list[int]


NOTHING = Invalidation([], [])


class Relationships:
    def __init__(self, uow: GraphUnitOfWork, directory: UserDirectory, invalidator: Invalidator):
        self.uow = uow
        self.directory = directory
        self.invalidator = invalidator

    async def _existing(self, user_id: int) -> Profile:
        found = await self.directory.get_many([user_id])
        if user_id not in found:
            raise NotFound(f"user {user_id} does not exist", reason="USER_NOT_FOUND")
        return found[user_id]

    @staticmethod
    async def _log(tx: GraphTx, pairs: Sequence[tuple[int, int]]) -> Invalidation:
        """In the change's transaction: the users of these pairs, written to the invalidation log."""
        users = sorted({user for pair in pairs for user in pair})
        return Invalidation(users, await tx.log_invalidation(users) if users else [])

    async def _invalidate(self, invalidation: Invalidation) -> None:
        if invalidation.users:
            await self.invalidator.after_commit(invalidation.users, invalidation.entry_ids)

    async def follow(self, caller_id: int, user_id: int) -> FollowState:
        links.check_other(caller_id, user_id, refusal="you cannot follow yourself")
        target = await self._existing(user_id)
        invalidation = NOTHING
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, user_id)
            blocked = await tx.blocked_either(caller_id, user_id)
            step = links.follow(await tx.link(caller_id, user_id), target_private=target.private, blocked=blocked)
            if step.changed and step.after is Link.FOLLOWING:
                await tx.add_follow(caller_id, user_id)
                await tx.emit(caller_id, UserFollowed(follower_id=caller_id, followee_id=user_id))
                invalidation = await self._log(tx, [(caller_id, user_id)])
            elif step.changed:
                await tx.add_request(caller_id, user_id)
                await tx.emit(caller_id, FollowRequested(follower_id=caller_id, followee_id=user_id))
        await self._invalidate(invalidation)
        return links.follow_state(step.after)

    async def unfollow(self, caller_id: int, user_id: int) -> None:
        links.check_other(caller_id, user_id, refusal="you cannot unfollow yourself")
        await self._existing(user_id)
        invalidation = NOTHING
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, user_id)
            step = links.unfollow(await tx.link(caller_id, user_id))
            if step.before is Link.FOLLOWING:
                removed = await tx.remove_follows([(caller_id, user_id)])
                await tx.emit(caller_id, UserUnfollowed(follower_id=caller_id, followee_id=user_id))
                invalidation = await self._log(tx, removed)
            elif step.before is Link.REQUESTED:
                await tx.remove_requests([(caller_id, user_id)])
                await tx.emit(caller_id, FollowRequestWithdrawn(follower_id=caller_id, followee_id=user_id))
        await self._invalidate(invalidation)

    async def approve(self, caller_id: int, requester_id: int) -> None:
        links.check_other(caller_id, requester_id, refusal="you cannot approve a request from yourself")
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, requester_id)
            links.approve(await tx.link(requester_id, caller_id))
            await tx.remove_requests([(requester_id, caller_id)])
            await tx.add_follow(requester_id, caller_id)
            await tx.emit(caller_id, FollowRequestApproved(follower_id=requester_id, followee_id=caller_id))
            await tx.emit(caller_id, UserFollowed(follower_id=requester_id, followee_id=caller_id))
            invalidation = await self._log(tx, [(requester_id, caller_id)])
        await self._invalidate(invalidation)

    async def reject(self, caller_id: int, requester_id: int) -> None:
        links.check_other(caller_id, requester_id, refusal="you cannot reject a request from yourself")
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, requester_id)
            links.reject(await tx.link(requester_id, caller_id))
            await tx.remove_requests([(requester_id, caller_id)])
            await tx.emit(caller_id, FollowRequestRejected(follower_id=requester_id, followee_id=caller_id))

    async def block(self, caller_id: int, user_id: int) -> None:
        """Blocks, and removes follows, pending requests and close-friend entries both ways."""
        links.check_other(caller_id, user_id, refusal="you cannot block yourself")
        await self._existing(user_id)
        both_ways = [(caller_id, user_id), (user_id, caller_id)]
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, user_id)
            added = await tx.add_block(caller_id, user_id)
            removed = await tx.remove_follows(both_ways)
            await tx.remove_requests(both_ways)
            await tx.remove_close_friends(both_ways)
            if added:
                await tx.emit(caller_id, UserBlocked(blocker_id=caller_id, blocked_id=user_id))
            # A new block moves both relationship versions even when no follow was removed: what each may see changed.
            invalidation = await self._log(tx, [(caller_id, user_id)] if added else removed)
        await self._invalidate(invalidation)

    async def unblock(self, caller_id: int, user_id: int) -> None:
        """Lifts a block; the follows it removed stay removed."""
        links.check_other(caller_id, user_id, refusal="you cannot unblock yourself")
        await self._existing(user_id)
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, user_id)
            lifted = await tx.remove_block(caller_id, user_id)
            invalidation = await self._log(tx, [(caller_id, user_id)] if lifted else [])
        await self._invalidate(invalidation)

    async def add_close_friend(self, caller_id: int, user_id: int) -> None:
        links.check_other(caller_id, user_id, refusal="you cannot add yourself to your close friends")
        await self._existing(user_id)
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, user_id)
            if await tx.blocked_either(caller_id, user_id):
                raise PermissionDenied("you cannot add this user to your close friends", reason="BLOCKED")
            changed = await tx.add_close_friend(caller_id, user_id)
            if changed:
                await tx.emit(caller_id, CloseFriendsChanged(owner_id=caller_id, friend_id=user_id, added=True))
            # the friend's relationship version: what it may see changed
            invalidation = await self._log(tx, [(caller_id, user_id)] if changed else [])
        await self._invalidate(invalidation)

    async def remove_close_friend(self, caller_id: int, user_id: int) -> None:
        links.check_other(caller_id, user_id, refusal="you cannot remove yourself from your close friends")
        await self._existing(user_id)
        async with self.uow() as tx:
            await tx.lock_pair(caller_id, user_id)
            changed = bool(await tx.remove_close_friends([(caller_id, user_id)]))
            if changed:
                await tx.emit(caller_id, CloseFriendsChanged(owner_id=caller_id, friend_id=user_id, added=False))
            invalidation = await self._log(tx, [(caller_id, user_id)] if changed else [])
        await self._invalidate(invalidation)
