"""The internal RPCs that fanout and timeline reads use: follower id pages (and their Redis cache) with the author's
celebrity flag, the followee split by the celebrity threshold, and batched visibility decisions."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from feedmesh.graph.internal.v1 import graph_internal_service_pb2 as internal_pb
from feedmesh.graph.internal.v1 import graph_internal_service_pb2_grpc
from feedmesh.graph.v1 import graph_service_pb2 as pb
from feedmesh.graph.v1 import graph_service_pb2_grpc
from feedmesh.post.v1 import visibility_pb2

from services.common import redis_keys
from services.graph.settings import GraphSettings
from services.graph.wiring import build
from stack.settings import StackSettings
from tests.integration.graph.conftest import CELEBRITY_THRESHOLD, Mesh, as_user
from tests.integration.graph.test_relationships import follow, status_of
from tests.integration.harness import start_service

PUBLIC, FOLLOWERS, CLOSE_FRIENDS = visibility_pb2.PUBLIC, visibility_pb2.FOLLOWERS, visibility_pb2.CLOSE_FRIENDS


async def all_follower_ids(mesh: Mesh, author: int, limit: int) -> tuple[list[list[int]], set[int]]:
    pages: list[list[int]] = []
    counts: set[int] = set()
    cursor = ""
    while True:
        page = await mesh.graph_internal.ListFollowerIds(
            internal_pb.ListFollowerIdsRequest(author_id=author, cursor=cursor, limit=limit)
        )
        pages.append(list(page.follower_ids))
        counts.add(page.follower_count)
        cursor = page.next_cursor
        if not cursor:
            return pages, counts


async def test_follower_ids_pages_and_count(mesh: Mesh, redis_client: Any) -> None:
    author = await mesh.new_user()
    followers = await mesh.new_users(5)
    for f in followers:
        await follow(mesh, f, author)
    key = redis_keys.graph_followers(author)
    redis_client.delete(key)

    pages, counts = await all_follower_ids(mesh, author, limit=2)
    assert pages == [sorted(followers)[0:2], sorted(followers)[2:4], sorted(followers)[4:]]
    assert counts == {5}
    assert redis_client.zcard(key) == 6  # the cached set (plus its marker) now serves the pages
    pages, counts = await all_follower_ids(mesh, author, limit=2)
    assert [i for p in pages for i in p] == sorted(followers) and counts == {5}

    late = await mesh.new_user()
    await follow(mesh, late, author)
    assert redis_client.exists(key) == 0  # invalidated after the commit
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=author), metadata=as_user(followers[0]))
    pages, counts = await all_follower_ids(mesh, author, limit=1000)
    assert pages == [sorted([*followers[1:], late])] and counts == {5}


async def test_a_follower_listing_carries_the_version_it_stays_current_for(mesh: Mesh, redis_client: Any) -> None:
    author = await mesh.new_user()
    first, second, late = await mesh.new_users(3)
    await follow(mesh, first, author)
    await follow(mesh, second, author)
    request = internal_pb.ListFollowerIdsRequest(author_id=author, limit=1)
    page = await mesh.graph_internal.ListFollowerIds(request)
    version = page.relationship_version
    assert version and version == redis_client.get(redis_keys.graph_generation(author)).decode()
    again = await mesh.graph_internal.ListFollowerIds(request)  # served from the cached set: the same version
    assert again.relationship_version == version
    assert page.next_cursor
    later = await mesh.graph_internal.ListFollowerIds(
        internal_pb.ListFollowerIdsRequest(author_id=author, cursor=page.next_cursor)
    )
    assert later.relationship_version == ""  # a listing is reused whole, by its first page's version

    await follow(mesh, late, author)
    changed = await mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=author))
    assert changed.relationship_version not in ("", version)
    assert list(changed.follower_ids) == sorted([first, second, late])
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=author), metadata=as_user(first))
    gone = await mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=author))
    assert gone.relationship_version not in ("", version, changed.relationship_version)
    assert list(gone.follower_ids) == sorted([second, late])


async def test_follower_sets_above_the_cache_cap_page_from_postgres(
    mesh: Mesh, stack_settings: StackSettings, redis_client: Any
) -> None:
    author = await mesh.new_user()
    followers = await mesh.new_users(5)
    for f in followers:
        await follow(mesh, f, author)
    server, address = await start_service(build, GraphSettings, stack_settings, follower_cache_max_ids=3)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            capped = Mesh(
                graph=graph_service_pb2_grpc.GraphServiceStub(channel),
                graph_internal=graph_internal_service_pb2_grpc.GraphInternalServiceStub(channel),
                auth=mesh.auth,
            )
            pages, counts = await all_follower_ids(capped, author, limit=2)
    finally:
        await server.stop(grace=0)
    assert [i for p in pages for i in p] == sorted(followers) and counts == {5}
    assert redis_client.exists(redis_keys.graph_followers(author)) == 0


async def test_follower_ids_of_an_author_without_followers(mesh: Mesh) -> None:
    author = await mesh.new_user()
    for _ in range(2):  # a miss, then the cached empty set
        page = await mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=author))
        assert (list(page.follower_ids), page.next_cursor, page.follower_count) == ([], "", 0)


async def test_a_follower_listing_says_whether_its_author_is_a_celebrity(mesh: Mesh) -> None:
    author = await mesh.new_user()
    *below, last = await mesh.new_users(CELEBRITY_THRESHOLD)

    async def flag_per_page() -> list[bool]:
        flags, cursor = [], ""
        while True:
            page = await mesh.graph_internal.ListFollowerIds(
                internal_pb.ListFollowerIdsRequest(author_id=author, cursor=cursor, limit=1)
            )
            flags.append(page.author_is_celebrity)
            cursor = page.next_cursor
            if not cursor:
                return flags

    for f in below:
        await follow(mesh, f, author)
    assert await flag_per_page() == [False] * len(below)  # one follower short of the threshold: pushed
    await follow(mesh, last, author)
    at_threshold = [True] * CELEBRITY_THRESHOLD
    assert await flag_per_page() == at_threshold  # a celebrity, said on every page
    assert await flag_per_page() == at_threshold  # the same from the cached follower set
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=author), metadata=as_user(last))
    assert await flag_per_page() == [False] * len(below)


async def test_follower_ids_errors(mesh: Mesh) -> None:
    bad = mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=1, limit=-1))
    assert await status_of(bad) == grpc.StatusCode.INVALID_ARGUMENT
    bad = mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=1, cursor="nope!"))
    assert await status_of(bad) == grpc.StatusCode.INVALID_ARGUMENT
    bad = mesh.graph_internal.ListFollowerIds(internal_pb.ListFollowerIdsRequest(author_id=0))
    assert await status_of(bad) == grpc.StatusCode.INVALID_ARGUMENT


async def test_counts_survive_a_cold_cache(mesh: Mesh, redis_client: Any) -> None:
    alice, bob = await mesh.new_users(2)
    await follow(mesh, alice, bob)
    user = await mesh.graph.GetUser(pb.GetUserRequest(user_id=bob), metadata=as_user(alice))
    assert user.follower_count == 1
    assert redis_client.hgetall(redis_keys.graph_counts(bob)) == {b"f": b"1", b"g": b"0"}
    redis_client.delete(redis_keys.graph_counts(bob))
    user = await mesh.graph.GetUser(pb.GetUserRequest(user_id=bob), metadata=as_user(alice))
    assert user.follower_count == 1
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=bob), metadata=as_user(alice))
    assert redis_client.exists(redis_keys.graph_counts(bob)) == 0
    user = await mesh.graph.GetUser(pb.GetUserRequest(user_id=bob), metadata=as_user(alice))
    assert user.follower_count == 0


async def test_followee_split_by_threshold(mesh: Mesh) -> None:
    fan, star, small, other = await mesh.new_users(4)
    for f in (fan, other):
        await follow(mesh, f, star)  # 2 followers: at the threshold, a celebrity
    await follow(mesh, fan, small)  # 1 follower: pushed
    split = await mesh.graph_internal.ListFolloweeIds(internal_pb.ListFolloweeIdsRequest(user_id=fan))
    assert list(split.pushed_ids) == [small]
    assert list(split.celebrity_ids) == [star]
    assert split.celebrity_threshold == CELEBRITY_THRESHOLD
    empty = await mesh.graph_internal.ListFolloweeIds(internal_pb.ListFolloweeIdsRequest(user_id=other))
    assert (list(empty.pushed_ids), list(empty.celebrity_ids)) == ([], [star])


async def test_batch_check_visibility_applies_every_rule(mesh: Mesh) -> None:
    viewer, public, friendly, blocker, blocked = await mesh.new_users(5)
    private_followed, private_friend, private_stranger = await mesh.new_users(3, private=True)
    await follow(mesh, viewer, public)
    await follow(mesh, viewer, private_followed)
    await mesh.graph.ApproveFollowRequest(
        pb.ApproveFollowRequestRequest(user_id=viewer), metadata=as_user(private_followed)
    )
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=viewer), metadata=as_user(friendly))
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=viewer), metadata=as_user(private_friend))
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=viewer), metadata=as_user(private_followed))
    await follow(mesh, viewer, blocker)
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=viewer), metadata=as_user(blocker))
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=blocked), metadata=as_user(viewer))

    cases = [
        (viewer, CLOSE_FRIENDS, True),  # your own posts, always
        (public, PUBLIC, True),
        (public, FOLLOWERS, True),  # viewer follows public
        (public, CLOSE_FRIENDS, False),  # following is not enough
        (friendly, PUBLIC, True),
        (friendly, FOLLOWERS, False),  # a close friend who does not follow
        (friendly, CLOSE_FRIENDS, True),
        (private_followed, PUBLIC, True),
        (private_followed, FOLLOWERS, True),
        (private_followed, CLOSE_FRIENDS, True),
        (private_friend, CLOSE_FRIENDS, False),  # private: followers only, even for close friends
        (private_friend, PUBLIC, False),
        (private_stranger, PUBLIC, False),
        (blocker, PUBLIC, False),  # blocked by the author
        (blocked, PUBLIC, False),  # blocked by the viewer
        (9_000_000_000_000_000_001, PUBLIC, False),  # an unknown author
    ]
    response = await mesh.graph_internal.BatchCheckVisibility(
        internal_pb.BatchCheckVisibilityRequest(
            viewer_id=viewer,
            candidates=[
                internal_pb.VisibilityCandidate(post_id=n + 1, author_id=author, visibility=visibility)
                for n, (author, visibility, _visible) in enumerate(cases)
            ],
        )
    )
    assert list(response.visible) == [visible for _a, _v, visible in cases]


async def test_batch_check_visibility_limits(mesh: Mesh) -> None:
    empty = await mesh.graph_internal.BatchCheckVisibility(internal_pb.BatchCheckVisibilityRequest(viewer_id=1))
    assert list(empty.visible) == []
    too_many = internal_pb.BatchCheckVisibilityRequest(
        viewer_id=1, candidates=[internal_pb.VisibilityCandidate(post_id=n, author_id=2) for n in range(1001)]
    )
    assert await status_of(mesh.graph_internal.BatchCheckVisibility(too_many)) == grpc.StatusCode.INVALID_ARGUMENT
    odd = internal_pb.BatchCheckVisibilityRequest(
        viewer_id=1,
        candidates=[internal_pb.VisibilityCandidate(post_id=1, author_id=2, visibility=9)],  # type: ignore[arg-type]
    )
    assert await status_of(mesh.graph_internal.BatchCheckVisibility(odd)) == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("viewer", [0, -5])
async def test_batch_check_visibility_needs_a_viewer(mesh: Mesh, viewer: int) -> None:
    request = internal_pb.BatchCheckVisibilityRequest(viewer_id=viewer)
    assert await status_of(mesh.graph_internal.BatchCheckVisibility(request)) == grpc.StatusCode.INVALID_ARGUMENT


async def test_batch_get_user_counts_are_current_after_each_change(mesh: Mesh) -> None:
    author, fan, stranger = await mesh.new_users(3)

    async def counts_of(*user_ids: int) -> list[tuple[int, int, int]]:
        response = await mesh.graph_internal.BatchGetUserCounts(
            internal_pb.BatchGetUserCountsRequest(user_ids=user_ids)
        )
        return [(c.user_id, c.follower_count, c.following_count) for c in response.counts]

    assert await counts_of(author, fan, author) == [(author, 0, 0), (fan, 0, 0), (author, 0, 0)]  # in request order
    await follow(mesh, fan, author)
    assert await counts_of(author, fan, stranger) == [(author, 1, 0), (fan, 0, 1), (stranger, 0, 0)]
    await mesh.graph.UnfollowUser(pb.UnfollowUserRequest(user_id=author), metadata=as_user(fan))
    assert await counts_of(author, fan) == [(author, 0, 0), (fan, 0, 0)]
    assert await counts_of() == []
    for bad in ([author, 0], list(range(1, 1002))):
        request = internal_pb.BatchGetUserCountsRequest(user_ids=bad)
        assert await status_of(mesh.graph_internal.BatchGetUserCounts(request)) == grpc.StatusCode.INVALID_ARGUMENT
