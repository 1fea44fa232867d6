"""Events that arrive together are applied as a batch (removals first, then the drafts judged together): the lists
must be what applying them one by one gives. The service is stopped while they are made, so that they wait in Kafka
and come in as few batches as the consumer can take."""

from __future__ import annotations

from collections import Counter

from feedmesh.notification.v1 import notification_service_pb2 as pb

from tests.integration.notification.conftest import Mesh


async def test_undos_deletes_and_blocks_inside_one_batch(mesh: Mesh) -> None:
    a, b, c, d, e = [await mesh.new_user() for _ in range(5)]
    post1 = await mesh.new_post(a, "a post")
    await mesh.settle()
    await mesh.stop_notification()
    try:
        await mesh.like(b, post1)  # liked, undone, liked again: one LIKE
        await mesh.unlike(b, post1)
        await mesh.like(b, post1)
        await mesh.like(c, post1)  # liked and undone: nothing
        await mesh.unlike(c, post1)
        await mesh.follow(d, a)  # followed, undone, followed again: one FOLLOW
        await mesh.unfollow(d, a)
        await mesh.follow(d, a)
        await mesh.follow(e, a)  # then blocked: nothing
        await mesh.block(a, e)
        post2 = await mesh.new_post(a, f"soon gone @{b.handle} @{c.handle}")
        await mesh.delete_post(a, post2)  # its mentions go with it
        comment = await mesh.comment(c, post1, f"also soon gone @{b.handle}")
        await mesh.delete_comment(c, post1, comment)
        await mesh.published()
    finally:
        await mesh.start_notification()
    await mesh.settle()

    listed = {user: [(n.kind, n.actor.id, n.post_id) for n in await mesh.listing(user)] for user in (a, b, c)}
    assert Counter(listed[a]) == Counter([(pb.LIKE, b.id, post1), (pb.FOLLOW, d.id, 0)])
    assert listed[b] == [] and listed[c] == []
    assert [await mesh.unread(u) for u in (a, b, c)] == [2, 0, 0]
