"""The post use cases on in-memory fakes of their ports: the orchestration rules, without servers."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Sequence

import pytest

from services.common.content_safety import ContentPolicy
from services.common.errors import InvalidArgument, NotFound, PermissionDenied
from services.post.app.posts import NewPost, PostUseCases
from services.post.domain.model import Post, PostStats, Visibility, VisibilityQuery


class FakeRepo:
    def __init__(self) -> None:
        self.posts: dict[int, Post] = {}
        self.keys: dict[tuple[int, str], int] = {}

    async def insert(self, conn: object, post: Post) -> None:
        self.posts[post.id] = post

    async def claim_idempotency_key(self, conn: object, author_id: int, key: str, post_id: int) -> int:
        return self.keys.setdefault((author_id, key), post_id)

    async def find_by_idempotency_key(self, conn: object, author_id: int, key: str) -> Post | None:
        found = self.keys.get((author_id, key))
        return self.posts.get(found) if found else None

    async def get(self, conn: object, post_id: int, *, for_update: bool = False) -> Post | None:
        return self.posts.get(post_id)

    async def mark_deleted(self, conn: object, post_id: int, when: dt.datetime) -> None:
        post = self.posts[post_id]
        self.posts[post_id] = Post(**{**post.__dict__, "deleted_at": when})

    async def get_live_many(self, conn: object, post_ids: Sequence[int]) -> list[Post]:
        return [p for i, p in self.posts.items() if i in post_ids and p.live]

    async def list_live_by_author(
        self, conn: object, author_id: int, before_id: int | None, visibilities: Sequence[Visibility], limit: int
    ) -> list[Post]:
        rows = [
            p
            for p in self.posts.values()
            if p.author_id == author_id and p.live and p.visibility in visibilities and p.id < (before_id or 1 << 62)
        ]
        return sorted(rows, key=lambda p: -p.id)[:limit]

    async def list_live_ids_by_author(
        self, conn: object, author_id: int, before_id: int | None, limit: int
    ) -> list[int]:
        return [p.id for p in await self.list_live_by_author(conn, author_id, before_id, list(Visibility), limit)]


class FakeEvents:
    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []

    async def published(self, conn: object, post: Post) -> None:
        self.log.append(("published", post.id))

    async def deleted(self, conn: object, post: Post) -> None:
        self.log.append(("deleted", post.id))


class Ids:
    def __init__(self) -> None:
        self._next = itertools.count(110165911142400000 + 1)

    def next_id(self) -> int:
        return next(self._next)


class Users:
    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]:
        return {h: {"alice": 11, "bob": 12}[h] for h in handles if h in {"alice", "bob"}}


class Graph:
    """Viewer 2 sees PUBLIC only; everyone else sees everything."""

    def __init__(self) -> None:
        self.calls: list[list[VisibilityQuery]] = []

    async def visible(self, viewer_id: int, queries: Sequence[VisibilityQuery]) -> list[bool]:
        self.calls.append(list(queries))
        return [viewer_id != 2 or q.visibility is Visibility.PUBLIC for q in queries]


class Media:
    async def attach(self, refs: Sequence[str]) -> list[bool]:
        return [r.startswith("m_ok") for r in refs]


class Tombstones:
    def __init__(self) -> None:
        self.marked: list[int] = []

    async def mark(self, post_ids: Sequence[int]) -> None:
        self.marked.extend(post_ids)


class Stats:
    async def stats(self, viewer_id: int, post_ids: Sequence[int]) -> dict[int, PostStats]:
        return {i: PostStats(like_count=3) for i in post_ids}


@contextlib.asynccontextmanager
async def _conn() -> AsyncIterator[object]:
    yield object()


@pytest.fixture
def cases() -> PostUseCases:
    return PostUseCases(
        uow=_conn,
        reads=_conn,
        repo=FakeRepo(),
        events=FakeEvents(),
        ids=Ids(),
        users=Users(),
        visibility=Graph(),
        media=Media(),
        stats=Stats(),
        policy=ContentPolicy(),
        tombstones=Tombstones(),
    )


def new(text: str = "hello", *, author: int = 1, vis: Visibility = Visibility.PUBLIC, **kw: object) -> NewPost:
    return NewPost(author_id=author, text=text, media_refs=kw.pop("refs", []), visibility=vis, **kw)  # type: ignore[arg-type]


async def test_create_resolves_mentions_and_emits_published(cases: PostUseCases) -> None:
    view = await cases.create_post(new("  hi @Bob and @alice and @nobody @bob  "))
    assert view.post.text == "hi @Bob and @alice and @nobody @bob"
    assert view.post.mention_ids == (12, 11)
    assert cases.events.log == [("published", view.post.id)]  # type: ignore[attr-defined]


async def test_unknown_media_ref_is_named(cases: PostUseCases) -> None:
    with pytest.raises(InvalidArgument, match="media ref 'm_missing' names no uploaded object"):
        await cases.create_post(new(refs=["m_ok1", "m_missing"]))


async def test_idempotent_retry_returns_the_first_post(cases: PostUseCases) -> None:
    first = await cases.create_post(new("one", idempotency_key="k1"))
    again = await cases.create_post(new("a different body", idempotency_key="k1"))
    other_author = await cases.create_post(new("one", author=2, idempotency_key="k1"))
    assert again.post == first.post and other_author.post.id != first.post.id
    assert len(cases.repo.posts) == 2  # type: ignore[attr-defined]


async def test_get_hides_deleted_and_invisible_posts_as_not_found(cases: PostUseCases) -> None:
    public = (await cases.create_post(new("p"))).post
    friends = (await cases.create_post(new("f", vis=Visibility.FOLLOWERS))).post
    assert (await cases.get_post(2, public.id)).stats.like_count == 3
    assert (await cases.get_post(1, friends.id)).post == friends  # the author, without asking the graph
    with pytest.raises(NotFound):
        await cases.get_post(2, friends.id)
    await cases.delete_post(1, public.id)
    with pytest.raises(NotFound):
        await cases.get_post(1, public.id)
    with pytest.raises(NotFound):
        await cases.get_post(1, 999)


async def test_delete_rules(cases: PostUseCases) -> None:
    post = (await cases.create_post(new("p"))).post
    with pytest.raises(PermissionDenied):
        await cases.delete_post(2, post.id)
    await cases.delete_post(1, post.id)
    await cases.delete_post(1, post.id)  # again: nothing changes, no second event
    with pytest.raises(NotFound):
        await cases.delete_post(2, post.id)  # deleted: others learn nothing
    with pytest.raises(NotFound):
        await cases.delete_post(1, 12345)
    assert [e for e, _ in cases.events.log] == ["published", "deleted"]  # type: ignore[attr-defined]
    assert cases.tombstones.marked == [post.id, post.id]  # type: ignore[attr-defined]  # after each delete by the author


async def test_list_asks_the_graph_once_per_page_and_fills_the_page(cases: PostUseCases) -> None:
    ids = []
    for i in range(12):
        vis = Visibility.PUBLIC if i % 3 == 0 else Visibility.FOLLOWERS
        ids.append((await cases.create_post(new(f"post {i}", vis=vis))).post.id)
    graph: Graph = cases.visibility  # type: ignore[assignment]
    public_ids = [i for n, i in enumerate(ids) if n % 3 == 0][::-1]

    page = await cases.list_user_posts(2, 1, "", 3)
    assert [v.post.id for v in page.posts] == public_ids[:3] and page.next_cursor
    assert len(graph.calls) == 1
    page = await cases.list_user_posts(2, 1, page.next_cursor, 3)
    assert [v.post.id for v in page.posts] == public_ids[3:] and page.next_cursor == ""
    assert len(graph.calls) == 2

    own = await cases.list_user_posts(1, 1, "", 100)
    assert [v.post.id for v in own.posts] == ids[::-1] and len(graph.calls) == 2


async def test_batch_get_keeps_request_order_and_skips_missing(cases: PostUseCases) -> None:
    a = (await cases.create_post(new("a"))).post
    b = (await cases.create_post(new("b"))).post
    await cases.delete_post(1, a.id)
    c = (await cases.create_post(new("c"))).post
    assert [p.id for p in await cases.batch_get_posts([c.id, 77, a.id, b.id, c.id])] == [c.id, b.id]
    with pytest.raises(InvalidArgument):
        await cases.batch_get_posts(list(range(1, 1002)))
