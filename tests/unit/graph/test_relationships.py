"""The graph-changing use cases on in-memory fakes of their ports: which transitions happen, which events are
emitted (and none for a no-op), and whose caches are invalidated."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.graph.app.relationships import Relationships
from services.graph.domain.model import (
    CloseFriendsChanged,
    FollowRequestApproved,
    FollowRequested,
    FollowRequestRejected,
    FollowRequestWithdrawn,
    FollowState,
    GraphEvent,
    Link,
    Profile,
    UserBlocked,
    UserFollowed,
    UserUnfollowed,
)

ALICE, BOB, CAROL, PRIVATE = 1, 2, 3, 4


@dataclass
class FakeGraph:
    follows: set[tuple[int, int]] = field(default_factory=set)
    requests: set[tuple[int, int]] = field(default_factory=set)
    blocks: set[tuple[int, int]] = field(default_factory=set)
    close_friends: set[tuple[int, int]] = field(default_factory=set)
    events: list[tuple[int, GraphEvent]] = field(default_factory=list)
    logged: list[list[int]] = field(default_factory=list)

    async def lock_pair(self, a: int, b: int) -> None:
        pass

    async def link(self, follower_id: int, followee_id: int) -> Link:
        if (follower_id, followee_id) in self.follows:
            return Link.FOLLOWING
        return Link.REQUESTED if (follower_id, followee_id) in self.requests else Link.NONE

    async def blocked_either(self, a: int, b: int) -> bool:
        return (a, b) in self.blocks or (b, a) in self.blocks

    async def add_follow(self, follower_id: int, followee_id: int) -> bool:
        new = (follower_id, followee_id) not in self.follows
        self.follows.add((follower_id, followee_id))
        return new

    async def remove_follows(self, pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        removed = [p for p in pairs if p in self.follows]
        self.follows -= set(removed)
        return removed

    async def add_request(self, requester_id: int, target_id: int) -> bool:
        new = (requester_id, target_id) not in self.requests
        self.requests.add((requester_id, target_id))
        return new

    async def remove_requests(self, pairs: Sequence[tuple[int, int]]) -> int:
        removed = self.requests & set(pairs)
        self.requests -= removed
        return len(removed)

    async def add_block(self, blocker_id: int, blocked_id: int) -> bool:
        new = (blocker_id, blocked_id) not in self.blocks
        self.blocks.add((blocker_id, blocked_id))
        return new

    async def remove_block(self, blocker_id: int, blocked_id: int) -> bool:
        found = (blocker_id, blocked_id) in self.blocks
        self.blocks.discard((blocker_id, blocked_id))
        return found

    async def add_close_friend(self, owner_id: int, friend_id: int) -> bool:
        new = (owner_id, friend_id) not in self.close_friends
        self.close_friends.add((owner_id, friend_id))
        return new

    async def remove_close_friends(self, pairs: Sequence[tuple[int, int]]) -> int:
        removed = self.close_friends & set(pairs)
        self.close_friends -= removed
        return len(removed)

    async def emit(self, key: int, event: GraphEvent) -> None:
        self.events.append((key, event))

    async def log_invalidation(self, user_ids: Sequence[int]) -> list[int]:
        self.logged.append(list(user_ids))
        return [len(self.logged) * 100 + n for n in range(len(user_ids))]

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeGraph]:
        yield self


class FakeDirectory:
    async def get_many(self, user_ids: Sequence[int]) -> dict[int, Profile]:
        when = datetime(2026, 1, 1, tzinfo=UTC)
        return {
            u: Profile(id=u, handle=f"u{u}", display_name="", private=u == PRIVATE, create_time=when)
            for u in user_ids
            if u in (ALICE, BOB, CAROL, PRIVATE)
        }


@dataclass
class FakeInvalidator:
    invalidated: list[list[int]] = field(default_factory=list)

    async def after_commit(self, user_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        assert len(entry_ids) == len(user_ids)  # every invalidated user was logged with the change
        self.invalidated.append(list(user_ids))


World = tuple[Relationships, FakeGraph, FakeInvalidator]


@pytest.fixture
def world() -> World:
    graph, cache = FakeGraph(), FakeInvalidator()
    return Relationships(graph, FakeDirectory(), cache), graph, cache


async def test_follow_a_public_user(world: World) -> None:
    rel, graph, cache = world
    assert await rel.follow(ALICE, BOB) is FollowState.FOLLOWING
    assert await rel.follow(ALICE, BOB) is FollowState.FOLLOWING
    assert graph.follows == {(ALICE, BOB)}
    assert graph.events == [(ALICE, UserFollowed(ALICE, BOB))]
    assert cache.invalidated == [[ALICE, BOB]]
    assert graph.logged == [[ALICE, BOB]]  # written with the change, in its transaction


async def test_private_request_then_approve(world: World) -> None:
    rel, graph, cache = world
    assert await rel.follow(ALICE, PRIVATE) is FollowState.REQUESTED
    assert await rel.follow(ALICE, PRIVATE) is FollowState.REQUESTED
    assert cache.invalidated == []
    await rel.approve(PRIVATE, ALICE)
    assert graph.follows == {(ALICE, PRIVATE)} and not graph.requests
    assert graph.events == [
        (ALICE, FollowRequested(ALICE, PRIVATE)),
        (PRIVATE, FollowRequestApproved(ALICE, PRIVATE)),
        (PRIVATE, UserFollowed(ALICE, PRIVATE)),
    ]
    assert await rel.follow(ALICE, PRIVATE) is FollowState.FOLLOWING
    with pytest.raises(NotFound):
        await rel.approve(PRIVATE, ALICE)


async def test_reject_and_withdraw(world: World) -> None:
    rel, graph, _cache = world
    await rel.follow(ALICE, PRIVATE)
    await rel.reject(PRIVATE, ALICE)
    assert not graph.requests and not graph.follows
    with pytest.raises(NotFound):
        await rel.reject(PRIVATE, ALICE)
    await rel.follow(ALICE, PRIVATE)
    await rel.unfollow(ALICE, PRIVATE)
    assert not graph.requests
    # Notifications take the request away on either: the rejection is keyed by the private account, the
    # withdrawal by the requester.
    assert graph.events == [
        (ALICE, FollowRequested(ALICE, PRIVATE)),
        (PRIVATE, FollowRequestRejected(ALICE, PRIVATE)),
        (ALICE, FollowRequested(ALICE, PRIVATE)),
        (ALICE, FollowRequestWithdrawn(ALICE, PRIVATE)),
    ]


async def test_unfollow_emits_only_when_following(world: World) -> None:
    rel, graph, _cache = world
    await rel.unfollow(ALICE, BOB)
    assert graph.events == []
    await rel.follow(ALICE, BOB)
    await rel.unfollow(ALICE, BOB)
    await rel.unfollow(ALICE, BOB)
    assert graph.events[1:] == [(ALICE, UserUnfollowed(ALICE, BOB))]


async def test_block_clears_everything_both_ways(world: World) -> None:
    rel, graph, cache = world
    await rel.follow(ALICE, BOB)
    await rel.follow(BOB, ALICE)
    await rel.follow(BOB, PRIVATE)
    await rel.add_close_friend(ALICE, BOB)
    await rel.add_close_friend(BOB, ALICE)
    await rel.follow(PRIVATE, ALICE)
    graph.events.clear()
    cache.invalidated.clear()
    await rel.block(ALICE, BOB)
    await rel.block(ALICE, BOB)
    assert graph.follows == {(PRIVATE, ALICE)}
    assert graph.requests == {(BOB, PRIVATE)}  # other pairs are left alone
    assert graph.close_friends == set()
    assert graph.events == [(ALICE, UserBlocked(ALICE, BOB))]
    assert cache.invalidated == [[ALICE, BOB]]
    for a, b in ((ALICE, BOB), (BOB, ALICE)):
        with pytest.raises(PermissionDenied):
            await rel.follow(a, b)
        with pytest.raises(PermissionDenied):
            await rel.add_close_friend(a, b)
    await rel.unblock(ALICE, BOB)
    assert await rel.follow(BOB, ALICE) is FollowState.FOLLOWING


async def test_a_block_and_its_lifting_move_both_versions(world: World) -> None:
    """Even between strangers (no follow removed): what each may see of the other changed."""
    rel, _graph, cache = world
    for step in (rel.block, rel.block, rel.unblock, rel.unblock):  # each repeated: a repeat changes nothing
        await step(ALICE, CAROL)
    assert cache.invalidated == [[ALICE, CAROL], [ALICE, CAROL]]


async def test_block_withdraws_pending_requests(world: World) -> None:
    rel, graph, _cache = world
    await rel.follow(ALICE, PRIVATE)
    await rel.block(PRIVATE, ALICE)
    assert not graph.requests


async def test_close_friends_events(world: World) -> None:
    rel, graph, cache = world
    await rel.add_close_friend(ALICE, CAROL)
    await rel.add_close_friend(ALICE, CAROL)
    await rel.remove_close_friend(ALICE, CAROL)
    await rel.remove_close_friend(ALICE, CAROL)
    assert graph.events == [
        (ALICE, CloseFriendsChanged(ALICE, CAROL, added=True)),
        (ALICE, CloseFriendsChanged(ALICE, CAROL, added=False)),
    ]
    # Each change moves both relationship versions (what CAROL may see changed); the no-ops move nothing.
    assert cache.invalidated == [[ALICE, CAROL], [ALICE, CAROL]]


ACTIONS = ["follow", "unfollow", "block", "unblock", "add_close_friend", "remove_close_friend"]


@pytest.mark.parametrize("action", ACTIONS)
async def test_yourself_and_strangers(world: World, action: str) -> None:
    rel, graph, _cache = world
    with pytest.raises(InvalidArgument):
        await getattr(rel, action)(ALICE, ALICE)
    with pytest.raises(NotFound):
        await getattr(rel, action)(ALICE, 999)
    assert graph.events == []
