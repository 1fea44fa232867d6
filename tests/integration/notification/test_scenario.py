"""Every kind and every "never" rule in one scenario, checked against a model: each recipient's full paged list
holds exactly the notifications the model expects, newest first, once each. Then every event of the scenario is
delivered again (the group rewound) and nothing changes."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from feedmesh.notification.v1 import notification_service_pb2 as pb
from feedmesh.post.v1 import visibility_pb2
from prometheus_client import REGISTRY

from tests.integration.kafka_reading import end_offsets
from tests.integration.notification.conftest import Mesh, User

Expected = tuple[int, int, int, int]  # kind, actor, post, comment


def shape(n: pb.Notification) -> Expected:
    return (n.kind, n.actor.id, n.post_id, n.comment_id)


def duplicates_dropped() -> float:
    return REGISTRY.get_sample_value("feedmesh_notification_dropped_total", {"rule": "duplicate"}) or 0.0


async def check_lists(mesh: Mesh, expected: dict[User, list[Expected]]) -> dict[User, list[int]]:
    ids = {}
    for user, wanted in expected.items():
        listed = await mesh.listing(user)
        got = [shape(n) for n in listed]
        assert Counter(got) == Counter(wanted), f"{user.handle}: {got} != {wanted}"
        ids[user] = [n.id for n in listed]
        assert ids[user] == sorted(set(ids[user]), reverse=True), "not newest first, or repeated"
        assert all(n.actor.handle for n in listed), "actors are hydrated"
        assert await mesh.unread(user) == len(wanted)
    return ids


async def test_every_kind_and_every_never_rule(mesh: Mesh) -> None:
    offsets = {
        tp: o for topic in mesh.topics() for tp, o in (await asyncio.to_thread(end_offsets, mesh.stack, topic)).items()
    }
    a, b, c, d, e, x = [await mesh.new_user() for _ in range(6)]
    p = await mesh.new_user(private=True)
    expected: dict[User, list[Expected]] = {u: [] for u in (a, b, c, d, e, x, p)}
    FOLLOW, REQUEST, LIKE, COMMENT, MENTION, CLOSE = (
        pb.FOLLOW,
        pb.FOLLOW_REQUEST,
        pb.LIKE,
        pb.COMMENT,
        pb.MENTION,
        pb.CLOSE_FRIEND_POST,
    )

    # Follows and requests: approved -> FOLLOW; withdrawn, rejected, an undone follow -> nothing; pending -> REQUEST.
    await mesh.follow(b, a)
    expected[a].append((FOLLOW, b.id, 0, 0))
    await mesh.follow(c, p)
    await mesh.approve(p, c)
    expected[p].append((FOLLOW, c.id, 0, 0))
    await mesh.follow(d, p)
    await mesh.unfollow(d, p)
    await mesh.follow(e, p)
    await mesh.reject(p, e)
    await mesh.follow(x, p)
    expected[p].append((REQUEST, x.id, 0, 0))
    await mesh.follow(e, a)
    await mesh.unfollow(e, a)

    # Mentions in posts: a known handle that may see the post; not an unknown one, not yourself, not a non-follower
    # of a private account.
    unknown = f"nobody_{uuid.uuid4().hex[:8]}"
    post1 = await mesh.new_post(a, f"hello @{b.handle} @{unknown} @{a.handle}")
    expected[b].append((MENTION, a.id, post1, 0))
    post2 = await mesh.new_post(p, f"hi @{c.handle} @{d.handle}", visibility_pb2.FOLLOWERS)
    expected[c].append((MENTION, p.id, post2, 0))

    # A close-friends post: each close friend.
    await mesh.add_close_friend(a, b)
    await mesh.add_close_friend(a, c)
    post3 = await mesh.new_post(a, "for friends only", visibility_pb2.CLOSE_FRIENDS)
    expected[b].append((CLOSE, a.id, post3, 0))
    expected[c].append((CLOSE, a.id, post3, 0))

    # Likes: one; one undone; one of your own.
    await mesh.like(b, post1)
    expected[a].append((LIKE, b.id, post1, 0))
    await mesh.like(c, post1)
    await mesh.unlike(c, post1)
    await mesh.like(a, post1)

    # Comments: with a mention; deleted; your own; on a private account's post, mentioning one who may not see it.
    comment1 = await mesh.comment(c, post1, f"nice @{b.handle} @{unknown}")
    expected[a].append((COMMENT, c.id, post1, comment1))
    expected[b].append((MENTION, c.id, post1, comment1))
    comment2 = await mesh.comment(b, post1, "soon gone")
    await mesh.delete_comment(b, post1, comment2)
    await mesh.comment(a, post1, f"my own, @{a.handle}")
    comment4 = await mesh.comment(c, post2, f"@{d.handle} look")
    expected[p].append((COMMENT, c.id, post2, comment4))

    # A deleted post takes its likes and comments away.
    post4 = await mesh.new_post(a, "doomed")
    await mesh.like(d, post4)
    await mesh.comment(d, post4, "first")
    await mesh.delete_post(a, post4)

    # Blocks, both ways: the one you blocked, and the one who blocked you.
    await mesh.like(e, post1)
    await mesh.comment(e, post1, f"hey @{a.handle}")
    await mesh.block(a, e)
    await mesh.follow(d, a)
    await mesh.block(d, a)

    await mesh.settle()
    first = await check_lists(mesh, expected)

    # Every event once more: the same notifications, the same ids, the same counts.
    duplicates_before = duplicates_dropped()
    await mesh.restart_notification(offsets)
    await mesh.settle()
    assert await check_lists(mesh, expected) == first
    assert duplicates_dropped() - duplicates_before >= sum(map(len, expected.values())), "nothing was redelivered"
