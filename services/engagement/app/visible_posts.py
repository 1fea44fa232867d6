"""May the caller engage with this post? The post service and the graph decide (services/common/visibility.py); this
keeps their answers in the process so that the common like makes no peer call, each with the rule that keeps it
exact:

- a post's author and audience never change, only deletion does: the post is kept by id, and every use asks the
  post service's tombstone set whether it is deleted (services.common.post_tombstones); no set, no answer: ask.
  The set keeps only recent deletions, so a post is kept at most the maximum age its retention is derived from,
  counted from before the post service was asked (services.common.tombstone_retention);
- "this viewer may see this author's posts of this audience" is kept under both users' relationship versions
  (services.common.relationship_version), read before the post service is asked and again on every use: a block,
  an unfollow or any other change of either user's relationships replaces a version, and the next use asks again.
  A bounded age covers a graph that could not publish a change.

The versions and the tombstone are read in one Redis round trip, which a write shares with its other Redis reads
(`read_published`, then `visible_post` with what it read). Only "may see" is kept: a refusal is asked again. A post
not known yet is learnt from the post service without any visibility check (BatchGetPosts: live or not, author,
audience); "may see", when not kept, is the graph's to say (GraphInternalService.BatchCheckAudience with the post's
author and audience, the rule the post service's GetPost applies; viewers of one author's posts asked about together,
adapters/peers.py), unless the tombstone set is unknown: then GetPost, as the caller, decides everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from services.common.errors import NotFound
from services.common.local_cache import LruCache
from services.common.metric_children import Children
from services.common.visibility import Visibility
from services.engagement.app.ports import PostDirectory
from services.engagement.domain.model import PostRef

LOOKUPS = Children(
    Counter(
        "feedmesh_engagement_visibility_cache_total",
        "Visibility checks of engagement writes by what answered them",
        ["result"],
    )
)


@dataclass(frozen=True)
class PublishedState:
    """What the owners publish about one (viewer, post) pair, read together: `versions` joins both users'
    relationship versions ("" when either is unknown); `deleted` is None when the tombstone set is unknown."""

    versions: str
    deleted: bool | None


class PublishedStateReader(Protocol):
    async def read(self, viewer_id: int, author_id: int, post_id: int) -> PublishedState:
        """Never raises: a Redis that does not answer is unknown on both counts."""
        ...


class AudienceCheck(Protocol):
    async def may_see(self, viewer_id: int, post: PostRef) -> bool:
        """Whether the viewer may see the author's posts of the post's audience (services/common/visibility.py)."""
        ...


class CachedPostDirectory:
    """A PostDirectory over the post service's and the graph's answers (implements app.ports.PostDirectory)."""

    def __init__(
        self,
        posts: PostDirectory,
        audience: AudienceCheck,
        published: PublishedStateReader,
        *,
        size: int,
        max_age_seconds: float,
        post_max_age_seconds: float,
    ):
        self.posts = posts
        self.audience = audience
        self.published = published
        self.known_posts: LruCache[int, PostRef] = LruCache(size, post_max_age_seconds, name="engagement.known_posts")
        self.may_see: LruCache[tuple[int, int, Visibility], bool] = LruCache(
            size, max_age_seconds, name="engagement.visibility"
        )

    async def read_published(self, viewer_id: int, post_id: int) -> PublishedState | None:
        """What the owners publish about a known post and this viewer, for `visible_post`; None for a post not known
        yet (nothing to read)."""
        post = self.known_posts.get(post_id)
        return None if post is None else await self.published.read(viewer_id, post.author_id, post_id)

    async def visible_post(self, viewer_id: int, post_id: int, published: PublishedState | None = None) -> PostRef:
        """`published`: `read_published`'s answer, when the caller read it beside its other Redis reads."""
        post = self.known_posts.get(post_id)
        if post is None:
            LOOKUPS.labels("unknown_post").inc()
            asked_at = self.known_posts.clock()
            post = await self.posts.live_post(post_id)  # NotFound when unknown or deleted
            self.known_posts.put(post.id, post, stored_at=asked_at)
            published = None
        state = published if published is not None else await self.published.read(viewer_id, post.author_id, post_id)
        if state.deleted:
            LOOKUPS.labels("deleted").inc()
            raise NotFound("post not found", reason="POST_NOT_FOUND")
        decided = (viewer_id, post.author_id, post.visibility)
        if state.deleted is not None and state.versions and self.may_see.get(decided, state.versions):
            LOOKUPS.labels("hit").inc()
            return post
        if state.deleted is None:  # the tombstones are unknown: the post service knows whether it is deleted
            LOOKUPS.labels("miss_asked_post_service").inc()
            post = await self.posts.visible_post(viewer_id, post_id)  # NotFound when it may not
        else:
            LOOKUPS.labels("miss_asked_graph").inc()
            if not await self.audience.may_see(viewer_id, post):
                raise NotFound("post not found", reason="POST_NOT_FOUND")
        if state.versions:
            self.may_see.put(decided, True, state.versions)
        return post
