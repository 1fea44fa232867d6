"""TimelineService over gRPC: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from feedmesh.auth.v1 import user_pb2
from feedmesh.post.v1 import post_pb2
from feedmesh.timeline.v1 import timeline_service_pb2, timeline_service_pb2_grpc

from services.common import identity
from services.common.pagination import page_limit
from services.timeline.app.feed import FeedReader
from services.timeline.domain.cursor import FeedCursor, FeedMode
from services.timeline.domain.feed import FeedItem


def _item(item: FeedItem) -> timeline_service_pb2.FeedItem:
    p, a, s = item.post, item.author, item.stats
    post = post_pb2.Post(
        id=p.id,
        author_id=p.author_id,
        text=p.text,
        media_refs=list(p.media_refs),
        visibility=p.visibility.value,  # the contract's enum value names
        like_count=s.like_count,
        comment_count=s.comment_count,
        share_count=s.share_count,
        mention_ids=list(p.mention_ids),
    )
    post.create_time.FromNanoseconds(p.create_time_ns)
    author = user_pb2.User(
        id=a.id,
        handle=a.handle,
        display_name=a.display_name,
        private=a.private,
        follower_count=a.follower_count,
        following_count=a.following_count,
    )
    if a.create_time_ns:
        author.create_time.FromNanoseconds(a.create_time_ns)
    return timeline_service_pb2.FeedItem(post=post, author=author, liked_by_me=s.liked_by_me)


class TimelineServicer(timeline_service_pb2_grpc.TimelineServiceServicer):
    def __init__(self, feed: FeedReader):
        self.feed = feed

    async def GetFeed(
        self, request: timeline_service_pb2.GetFeedRequest, context: grpc.aio.ServicerContext
    ) -> timeline_service_pb2.GetFeedResponse:
        viewer = identity.caller_id(context)
        limit = page_limit(request.limit)
        mode = FeedMode.parse(request.mode)
        cursor = FeedCursor.decode(request.cursor)
        page = await self.feed.get_feed(viewer, cursor, limit, mode)
        return timeline_service_pb2.GetFeedResponse(
            items=[_item(i) for i in page.items],
            next_cursor=page.next_cursor.encode() if page.next_cursor else "",
            degraded=page.degraded,
        )
