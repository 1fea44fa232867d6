"""A like's and an unlike's events reach Kafka (feedmesh.engagement, keyed by post) whichever relay publishes the
engagement outbox: this process's, woken in-process with no notification, or another's (the stack's engagement
service, or a replica), notified through PostgreSQL."""

from __future__ import annotations

from feedmesh.engagement.v1 import engagement_service_pb2 as pb

from stack.settings import StackSettings
from tests.integration.engagement.conftest import Mesh, as_user, start_engagement
from tests.integration.engagement.kafka_events import post_events, topic_end


async def test_like_and_unlike_events_reach_kafka_from_every_replica(mesh: Mesh, stack_settings: StackSettings) -> None:
    author, liker = await mesh.new_user(), await mesh.new_user()
    posts = [await mesh.new_post(author), await mesh.new_post(author)]
    start = topic_end(stack_settings)
    async with start_engagement(mesh) as replica:
        for stub, post_id in zip((mesh.engagement, replica), posts, strict=True):
            await stub.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(liker))
            await stub.UnlikePost(pb.UnlikePostRequest(post_id=post_id), metadata=as_user(liker))
        for post_id in posts:
            assert post_events(stack_settings, start, post_id, 2) == ["post_liked", "post_unliked"]
