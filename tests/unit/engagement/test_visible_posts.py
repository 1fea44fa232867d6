"""The visibility answers kept in the engagement process (app.visible_posts), on fakes of the post service, the graph
and what the owners publish in Redis: a decision is reused only under the very versions it was asked at, never for a
deleted post, never when anything is unknown; a refusal is never kept; a known post that is not deleted is decided by
the graph alone, the post service asked only for posts not known yet or when the tombstones are unknown."""

from __future__ import annotations

import pytest

from services.common.errors import NotFound
from services.common.visibility import Visibility
from services.engagement.app.visible_posts import CachedPostDirectory, PublishedState
from services.engagement.domain.model import PostRef

AUTHOR, VIEWER = 10, 20
POST = PostRef(1, AUTHOR, Visibility.FOLLOWERS)


class FakePosts:
    """The post service: GetPost answers the posts in `visible_to[viewer]`, NotFound otherwise; BatchGetPosts the
    live posts. Counts the calls of each."""

    def __init__(self, visible_to: dict[int, set[int]]) -> None:
        self.visible_to = visible_to
        self.live = {POST.id}
        self.calls = 0
        self.learnt = 0

    async def visible_post(self, viewer_id: int, post_id: int) -> PostRef:
        self.calls += 1
        if post_id not in self.visible_to.get(viewer_id, set()):
            raise NotFound("post not found", reason="POST_NOT_FOUND")
        return POST

    async def live_post(self, post_id: int) -> PostRef:
        self.learnt += 1
        if post_id not in self.live:
            raise NotFound("post not found", reason="POST_NOT_FOUND")
        return POST


class FakeGraph:
    """The graph's decision on the same facts as the post service's; counts its calls."""

    def __init__(self, visible_to: dict[int, set[int]]) -> None:
        self.visible_to = visible_to
        self.calls = 0

    async def may_see(self, viewer_id: int, post: PostRef) -> bool:
        self.calls += 1
        return post.id in self.visible_to.get(viewer_id, set())


class FakePublished:
    def __init__(self) -> None:
        self.state = PublishedState(versions="v1 a1", deleted=False)
        self.reads = 0

    async def read(self, viewer_id: int, author_id: int, post_id: int) -> PublishedState:
        self.reads += 1
        return self.state


Parts = tuple[CachedPostDirectory, FakePosts, FakeGraph, FakePublished]


@pytest.fixture
def parts() -> Parts:
    visible_to = {VIEWER: {POST.id}}
    posts, graph, published = FakePosts(visible_to), FakeGraph(visible_to), FakePublished()
    return (
        CachedPostDirectory(posts, graph, published, size=100, max_age_seconds=60, post_max_age_seconds=3600),
        posts,
        graph,
        published,
    )


async def test_a_decision_is_reused_while_both_versions_hold(parts: Parts) -> None:
    directory, posts, graph, published = parts
    for _ in range(4):
        assert await directory.visible_post(VIEWER, POST.id) == POST
    assert (posts.learnt, posts.calls, graph.calls) == (1, 0, 1)  # the post service tells the post, the graph decides

    published.state = PublishedState(versions="v2 a1", deleted=False)  # the viewer's relationships changed
    posts.visible_to[VIEWER] = set()
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER, POST.id)
    with pytest.raises(NotFound):  # the refusal was not kept: asked again
        await directory.visible_post(VIEWER, POST.id)
    assert (posts.learnt, posts.calls, graph.calls) == (1, 0, 3)


async def test_a_deleted_post_is_not_found_without_asking(parts: Parts) -> None:
    directory, posts, graph, published = parts
    await directory.visible_post(VIEWER, POST.id)
    await directory.visible_post(VIEWER, POST.id)
    published.state = PublishedState(versions="v1 a1", deleted=True)
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER, POST.id)
    assert (posts.learnt, posts.calls, graph.calls) == (1, 0, 1)


async def test_unknown_versions_ask_the_graph_every_time(parts: Parts) -> None:
    directory, posts, graph, published = parts
    await directory.visible_post(VIEWER, POST.id)
    published.state = PublishedState("", False)
    for _ in range(3):
        await directory.visible_post(VIEWER, POST.id)
    assert (posts.calls, graph.calls) == (0, 4)


async def test_unknown_tombstones_ask_the_post_service_every_time(parts: Parts) -> None:
    directory, posts, graph, published = parts
    await directory.visible_post(VIEWER, POST.id)
    published.state = PublishedState("v1 a1", None)
    for _ in range(3):
        await directory.visible_post(VIEWER, POST.id)
    assert (posts.calls, graph.calls) == (3, 1)
    posts.visible_to[VIEWER] = set()  # deleted, say: the post service's answer stands
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER, POST.id)


async def test_a_decision_belongs_to_its_viewer(parts: Parts) -> None:
    directory, posts, graph, _ = parts
    await directory.visible_post(VIEWER, POST.id)
    await directory.visible_post(VIEWER, POST.id)
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER + 1, POST.id)
    assert (posts.learnt, posts.calls, graph.calls) == (1, 0, 2)


async def test_a_post_not_known_is_learnt_once_and_decided_by_what_is_kept(parts: Parts) -> None:
    directory, posts, graph, published = parts
    other = PostRef(2, AUTHOR, Visibility.FOLLOWERS)  # the same author and audience: the same decision
    posts.live.add(other.id)
    await directory.visible_post(VIEWER, POST.id)
    assert await directory.visible_post(VIEWER, other.id) == POST  # the fake answers POST for any live post
    assert (posts.learnt, graph.calls) == (2, 1)
    posts.live.clear()  # deleted: a post not known yet is not found without any visibility question
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER, 3)
    assert (posts.learnt, graph.calls, published.reads) == (3, 1, 2)


async def test_what_the_caller_read_beside_its_other_reads_is_used(parts: Parts) -> None:
    directory, _, graph, published = parts
    assert await directory.read_published(VIEWER, POST.id) is None  # not known yet: nothing to read
    await directory.visible_post(VIEWER, POST.id)
    state = await directory.read_published(VIEWER, POST.id)
    assert state == published.state and published.reads == 2
    published.state = PublishedState(versions="v1 a1", deleted=True)  # what the caller read is what counts
    assert await directory.visible_post(VIEWER, POST.id, state) == POST
    assert published.reads == 2 and graph.calls == 1
