"""The visibility answers kept in the engagement process (app.visible_posts), on fakes of the post service and of
what the owners publish in Redis: a decision is reused only under the very versions it was asked at, never for a
deleted post, never when anything is unknown; a refusal is never kept."""

from __future__ import annotations

import pytest

from services.common.errors import NotFound
from services.common.visibility import Visibility
from services.engagement.app.visible_posts import CachedPostDirectory, PublishedState
from services.engagement.domain.model import PostRef

AUTHOR, VIEWER = 10, 20
POST = PostRef(1, AUTHOR, Visibility.FOLLOWERS)


class FakePosts:
    """The post service: answers the posts in `visible_to[viewer]`, NotFound otherwise; counts its calls."""

    def __init__(self) -> None:
        self.visible_to: dict[int, set[int]] = {VIEWER: {POST.id}}
        self.calls = 0

    async def visible_post(self, viewer_id: int, post_id: int) -> PostRef:
        self.calls += 1
        if post_id not in self.visible_to.get(viewer_id, set()):
            raise NotFound("post not found", reason="POST_NOT_FOUND")
        return POST


class FakePublished:
    def __init__(self) -> None:
        self.state = PublishedState(versions="v1 a1", deleted=False)

    async def read(self, viewer_id: int, author_id: int, post_id: int) -> PublishedState:
        return self.state


@pytest.fixture
def parts() -> tuple[CachedPostDirectory, FakePosts, FakePublished]:
    posts, published = FakePosts(), FakePublished()
    return CachedPostDirectory(posts, published, size=100, max_age_seconds=60), posts, published


async def test_a_decision_is_reused_while_both_versions_hold(
    parts: tuple[CachedPostDirectory, FakePosts, FakePublished],
) -> None:
    directory, posts, published = parts
    for _ in range(4):
        assert await directory.visible_post(VIEWER, POST.id) == POST
    assert posts.calls == 2  # the first learns the post, the second the decision

    published.state = PublishedState(versions="v2 a1", deleted=False)  # the viewer's relationships changed
    posts.visible_to[VIEWER] = set()
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER, POST.id)
    with pytest.raises(NotFound):  # the refusal was not kept: asked again
        await directory.visible_post(VIEWER, POST.id)
    assert posts.calls == 4


async def test_a_deleted_post_is_not_found_without_asking(
    parts: tuple[CachedPostDirectory, FakePosts, FakePublished],
) -> None:
    directory, posts, published = parts
    await directory.visible_post(VIEWER, POST.id)
    await directory.visible_post(VIEWER, POST.id)
    published.state = PublishedState(versions="v1 a1", deleted=True)
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER, POST.id)
    assert posts.calls == 2


@pytest.mark.parametrize("unknown", [PublishedState("", False), PublishedState("v1 a1", None)])
async def test_anything_unknown_asks_the_post_service(
    parts: tuple[CachedPostDirectory, FakePosts, FakePublished], unknown: PublishedState
) -> None:
    directory, posts, published = parts
    await directory.visible_post(VIEWER, POST.id)
    await directory.visible_post(VIEWER, POST.id)
    published.state = unknown
    await directory.visible_post(VIEWER, POST.id)
    await directory.visible_post(VIEWER, POST.id)
    assert posts.calls == 4


async def test_a_decision_belongs_to_its_viewer(parts: tuple[CachedPostDirectory, FakePosts, FakePublished]) -> None:
    directory, posts, _ = parts
    await directory.visible_post(VIEWER, POST.id)
    await directory.visible_post(VIEWER, POST.id)
    with pytest.raises(NotFound):
        await directory.visible_post(VIEWER + 1, POST.id)
    assert posts.calls == 3
