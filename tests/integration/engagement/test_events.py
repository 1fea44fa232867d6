"""A like's and an unlike's events reach Kafka (feedmesh.engagement, keyed by post) whichever relay publishes the
engagement outbox: this process's, woken in-process with no notification, or another's (the stack's engagement
service, or a replica), notified through PostgreSQL."""

from __future__ import annotations

from feedmesh.engagement.v1 import engagement_service_pb2 as pb
from feedmesh.events.v1 import events_pb2
from kafka import TopicPartition

from services.common.polling import wait_for_sync
from stack.settings import StackSettings
from tests.integration.engagement.conftest import Mesh, as_user, start_engagement
from tests.integration.kafka_reading import end_offsets, reader

TOPIC = "feedmesh.engagement"


def read_kinds(settings: StackSettings, start: dict[TopicPartition, int], post_id: int, want: int) -> list[str]:
    """The kinds of the post's events after `start`, deduplicated by event id, in log order."""
    consumer = reader(settings)
    key = str(post_id).encode()
    seen: set[str] = set()
    kinds: list[str] = []

    def read_more() -> list[str]:
        for records in consumer.poll(timeout_ms=200).values():
            for record in records:
                event = events_pb2.Event.FromString(record.value)
                if record.key == key and event.event_id not in seen:
                    seen.add(event.event_id)
                    kinds.append(str(event.WhichOneof("payload")))
        return kinds

    try:
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        what = f"{want} events of post {post_id}"
        wait_for_sync(read_more, lambda k: len(k) >= want, what=what, within=10, interval=0)
    finally:
        consumer.close()
    return kinds


async def test_like_and_unlike_events_reach_kafka_from_every_replica(mesh: Mesh, stack_settings: StackSettings) -> None:
    author, liker = await mesh.new_user(), await mesh.new_user()
    posts = [await mesh.new_post(author), await mesh.new_post(author)]
    start = end_offsets(stack_settings, TOPIC)
    async with start_engagement(mesh) as replica:
        for stub, post_id in zip((mesh.engagement, replica), posts, strict=True):
            await stub.LikePost(pb.LikePostRequest(post_id=post_id), metadata=as_user(liker))
            await stub.UnlikePost(pb.UnlikePostRequest(post_id=post_id), metadata=as_user(liker))
        for post_id in posts:
            assert read_kinds(stack_settings, start, post_id, 2) == ["post_liked", "post_unliked"]
