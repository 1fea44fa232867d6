"""The post use cases: publish, read, delete, list. Each write commits with its outbox event in one unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.content_safety import ContentPolicy
from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.common.idempotency import check_idempotency_key
from services.common.mentions import parse_mentions
from services.post.app.ports import (
    IdSource,
    MediaStore,
    PostEvents,
    PostRepository,
    Reads,
    StatsSource,
    Tombstones,
    Transactions,
    UserDirectory,
    VisibilityOracle,
)
from services.post.domain import paging
from services.post.domain.model import (
    NO_STATS,
    Post,
    PostView,
    Visibility,
    VisibilityQuery,
    created_at_of,
    require_positive,
)
from services.post.domain.rules import MAX_BATCH_POSTS, check_media_refs


def _not_found() -> NotFound:
    # One message for unknown, deleted and hidden posts: the answer must not tell them apart.
    return NotFound("post not found", reason="POST_NOT_FOUND")


@dataclass(frozen=True)
class NewPost:
    author_id: int
    text: str
    media_refs: Sequence[str]
    visibility: Visibility
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PostPage:
    posts: list[PostView]
    next_cursor: str


@dataclass
class PostUseCases:
    uow: Transactions
    reads: Reads
    repo: PostRepository
    events: PostEvents
    ids: IdSource
    users: UserDirectory
    visibility: VisibilityOracle
    media: MediaStore
    stats: StatsSource
    policy: ContentPolicy
    tombstones: Tombstones

    async def create_post(self, new: NewPost) -> PostView:
        key = check_idempotency_key(new.idempotency_key)
        if key is not None:
            async with self.reads() as conn:
                first = await self.repo.find_by_idempotency_key(conn, new.author_id, key)
            if first is not None:
                return PostView(first)

        text = self.policy.check(new.text)
        refs = check_media_refs(new.media_refs)
        if refs:
            # Attached before the post commits: an upload no post attached is swept after a while (services/media).
            for ref, attached in zip(refs, await self.media.attach(refs), strict=True):
                if not attached:
                    raise InvalidArgument(f"media ref {ref!r} names no uploaded object", reason="MEDIA_NOT_FOUND")
        handles = parse_mentions(text)
        found = await self.users.ids_by_handle(handles) if handles else {}
        mention_ids = tuple(dict.fromkeys(found[h] for h in handles if h in found))

        post_id = self.ids.next_id()
        post = Post(
            id=post_id,
            author_id=new.author_id,
            text=text,
            media_refs=refs,
            visibility=new.visibility,
            mention_ids=mention_ids,
            created_at=created_at_of(post_id),
        )
        async with self.uow() as conn:
            if key is not None:
                owner = await self.repo.claim_idempotency_key(conn, new.author_id, key, post.id)
                if owner != post.id:  # a concurrent request with the same key won: write nothing
                    first = await self.repo.get(conn, owner)
                    if first is None:  # cannot happen: the key and its post commit together
                        raise RuntimeError(f"idempotency key names unknown post {owner}")
                    return PostView(first)
            await self.repo.insert(conn, post)
            await self.events.published(conn, post)
        return PostView(post)

    async def get_post(self, viewer_id: int, post_id: int) -> PostView:
        require_positive(post_id, "post_id")
        async with self.reads() as conn:
            post = await self.repo.get(conn, post_id)
        if post is None or not post.live:
            raise _not_found()
        if not await self._visible_to(viewer_id, post):
            raise _not_found()
        stats = await self.stats.stats(viewer_id, [post.id])
        return PostView(post, stats.get(post.id, NO_STATS))

    async def delete_post(self, caller_id: int, post_id: int) -> None:
        require_positive(post_id, "post_id")
        async with self.uow() as conn:
            post = await self.repo.get(conn, post_id, for_update=True)
            if post is None:
                raise _not_found()
            if post.author_id != caller_id:
                # Refused as GetPost would: a post the caller may not see does not exist for them (a 403 would tell
                # a stranger that a private post is there).
                if not post.live or not await self._visible_to(caller_id, post):
                    raise _not_found()
                raise PermissionDenied("only the author may delete a post", reason="NOT_POST_AUTHOR")
            if post.live:  # deleting again changes nothing and emits nothing
                await self.repo.mark_deleted(conn, post.id, dt.datetime.now(dt.UTC))
                await self.events.deleted(conn, post)
        # Committed: readers that cache post content learn it on their next read (marked again on a repeated delete,
        # so a client's retry repairs a mark that failed).
        await self.tombstones.mark([post.id])

    async def _visible_to(self, viewer_id: int, post: Post) -> bool:
        if viewer_id == post.author_id:
            return True
        [visible] = await self.visibility.visible(
            viewer_id, [VisibilityQuery(post.id, post.author_id, post.visibility)]
        )
        return visible

    async def list_user_posts(self, viewer_id: int, author_id: int, cursor: str, limit: int) -> PostPage:
        require_positive(author_id, "user_id")
        before = paging.decode_before(cursor)
        levels = await self._visible_levels(viewer_id, author_id)
        if not levels:
            return PostPage([], "")
        async with self.reads() as conn:
            rows = await self.repo.list_live_by_author(conn, author_id, before, levels, limit + 1)
        page = rows[:limit]
        stats = await self.stats.stats(viewer_id, [p.id for p in page]) if page else {}
        return PostPage(
            [PostView(p, stats.get(p.id, NO_STATS)) for p in page],
            paging.next_cursor([p.id for p in page], more=len(rows) > limit),
        )

    async def _visible_levels(self, viewer_id: int, author_id: int) -> list[Visibility]:
        """The visibilities of this author's posts that the viewer may see, in ONE graph call.

        Whether a viewer may see a post depends only on the viewer, the author (privacy, follows, blocks, close
        friends) and the post's visibility, so asking once per visibility level decides every post of the author;
        the database then returns only those levels and a page is full unless the author's posts end.
        """
        every = list(Visibility)
        if viewer_id == author_id:
            return every
        decisions = await self.visibility.visible(viewer_id, [VisibilityQuery(0, author_id, v) for v in every])
        return [v for v, ok in zip(every, decisions, strict=True) if ok]

    async def batch_get_posts(self, post_ids: Sequence[int]) -> list[Post]:
        if len(post_ids) > MAX_BATCH_POSTS:
            raise InvalidArgument(
                f"at most {MAX_BATCH_POSTS} post ids per call, got {len(post_ids)}", reason="TOO_MANY_IDS"
            )
        wanted = list(dict.fromkeys(i for i in post_ids if i > 0))
        if not wanted:
            return []
        async with self.reads() as conn:
            found = {p.id: p for p in await self.repo.get_live_many(conn, wanted)}
        return [found[i] for i in wanted if i in found]

    async def list_author_post_ids(self, author_id: int, before_id: int, limit: int) -> list[int]:
        require_positive(author_id, "author_id")
        if before_id < 0:
            raise InvalidArgument(f"before_id must be 0 or a post id, got {before_id}", reason="BAD_BEFORE_ID")
        async with self.reads() as conn:
            return await self.repo.list_live_ids_by_author(conn, author_id, before_id or None, limit)
