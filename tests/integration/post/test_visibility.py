"""Who sees which post, decided by the graph service (started in-process with auth): FOLLOWERS, CLOSE_FRIENDS, a
private author and blocks. A post the viewer may not see is NOT_FOUND, exactly like an unknown one."""

from __future__ import annotations

import grpc
import pytest
from feedmesh.post.v1 import post_service_pb2 as pb
from feedmesh.post.v1 import visibility_pb2
from prometheus_client import REGISTRY

from tests.integration.post.conftest import HAVE_GRAPH, Mesh, as_user

pytestmark = pytest.mark.skipif(not HAVE_GRAPH, reason="services.graph is not written yet")

PUBLIC, FOLLOWERS, CLOSE_FRIENDS = visibility_pb2.PUBLIC, visibility_pb2.FOLLOWERS, visibility_pb2.CLOSE_FRIENDS


def graph_checks() -> float:
    labels = {"service": "graph", "method": "BatchCheckVisibility", "code": "OK"}
    return REGISTRY.get_sample_value("feedmesh_rpc_server_seconds_count", labels) or 0.0


async def post(mesh: Mesh, author: int, text: str, visibility: visibility_pb2.Visibility) -> int:
    response = await mesh.post.CreatePost(
        pb.CreatePostRequest(text=text, visibility=visibility), metadata=as_user(author)
    )
    return response.id


async def can_get(mesh: Mesh, viewer: int, post_id: int) -> bool:
    try:
        await mesh.post.GetPost(pb.GetPostRequest(post_id=post_id), metadata=as_user(viewer))
        return True
    except grpc.aio.AioRpcError as exc:
        assert exc.code() == grpc.StatusCode.NOT_FOUND, exc  # never PERMISSION_DENIED: nothing is revealed
        assert exc.details() == "post not found"
        return False


async def listed(mesh: Mesh, viewer: int, author: int, limit: int = 0) -> list[int]:
    ids: list[int] = []
    cursor = ""
    while True:
        page = await mesh.post.ListUserPosts(
            pb.ListUserPostsRequest(user_id=author, cursor=cursor, limit=limit), metadata=as_user(viewer)
        )
        ids += [p.id for p in page.posts]
        if not page.next_cursor:
            return ids
        assert len(page.posts) == (limit or 20)  # pages are full until the author's posts end
        cursor = page.next_cursor


async def test_public_author(mesh: Mesh) -> None:
    from feedmesh.graph.v1 import graph_service_pb2 as g

    author, _ = await mesh.new_user(prefix="va")
    follower, _ = await mesh.new_user(prefix="vf")
    friend, _ = await mesh.new_user(prefix="vc")
    stranger, _ = await mesh.new_user(prefix="vs")
    blocked, _ = await mesh.new_user(prefix="vb")
    blocker, _ = await mesh.new_user(prefix="vk")
    await mesh.graph.FollowUser(g.FollowUserRequest(user_id=author), metadata=as_user(follower))
    await mesh.graph.AddCloseFriend(g.AddCloseFriendRequest(user_id=friend), metadata=as_user(author))
    await mesh.graph.BlockUser(g.BlockUserRequest(user_id=blocked), metadata=as_user(author))
    await mesh.graph.BlockUser(g.BlockUserRequest(user_id=author), metadata=as_user(blocker))

    pub = await post(mesh, author, "for everyone", PUBLIC)
    fol = await post(mesh, author, "for followers", FOLLOWERS)
    cf = await post(mesh, author, "for close friends", CLOSE_FRIENDS)

    expected = {
        author: [pub, fol, cf],
        follower: [pub, fol],
        friend: [pub, cf],  # close friends see CLOSE_FRIENDS posts, but FOLLOWERS ones only if they follow
        stranger: [pub],
        blocked: [],
        blocker: [],
    }
    for viewer, visible in expected.items():
        for post_id in (pub, fol, cf):
            assert await can_get(mesh, viewer, post_id) == (post_id in visible), (viewer, post_id)
        assert await listed(mesh, viewer, author) == sorted(visible, reverse=True), viewer


async def test_a_blocked_follower_loses_access(mesh: Mesh) -> None:
    from feedmesh.graph.v1 import graph_service_pb2 as g

    author, _ = await mesh.new_user(prefix="vd")
    follower, _ = await mesh.new_user(prefix="ve")
    await mesh.graph.FollowUser(g.FollowUserRequest(user_id=author), metadata=as_user(follower))
    fol = await post(mesh, author, "for followers", FOLLOWERS)
    assert await can_get(mesh, follower, fol)
    await mesh.graph.BlockUser(g.BlockUserRequest(user_id=follower), metadata=as_user(author))
    assert not await can_get(mesh, follower, fol)
    assert await listed(mesh, follower, author) == []


async def test_private_author(mesh: Mesh) -> None:
    from feedmesh.graph.v1 import graph_service_pb2 as g

    author, _ = await mesh.new_user(private=True, prefix="vp")
    approved, _ = await mesh.new_user(prefix="vq")
    pending, _ = await mesh.new_user(prefix="vr")
    friend, _ = await mesh.new_user(prefix="vt")  # on the close-friends list, but not an approved follower
    stranger, _ = await mesh.new_user(prefix="vu")
    await mesh.graph.FollowUser(g.FollowUserRequest(user_id=author), metadata=as_user(approved))
    await mesh.graph.FollowUser(g.FollowUserRequest(user_id=author), metadata=as_user(pending))
    await mesh.graph.ApproveFollowRequest(g.ApproveFollowRequestRequest(user_id=approved), metadata=as_user(author))
    await mesh.graph.AddCloseFriend(g.AddCloseFriendRequest(user_id=friend), metadata=as_user(author))

    pub = await post(mesh, author, "private account, public post", PUBLIC)
    fol = await post(mesh, author, "private account, followers", FOLLOWERS)
    cf = await post(mesh, author, "private account, close friends", CLOSE_FRIENDS)

    expected = {author: [pub, fol, cf], approved: [pub, fol], pending: [], friend: [], stranger: []}
    for viewer, visible in expected.items():
        for post_id in (pub, fol, cf):
            assert await can_get(mesh, viewer, post_id) == (post_id in visible), (viewer, post_id)
        assert await listed(mesh, viewer, author) == sorted(visible, reverse=True), viewer


async def test_pages_are_filled_from_further_down_with_one_graph_call_each(mesh: Mesh) -> None:
    author, _ = await mesh.new_user(prefix="vw")
    stranger, _ = await mesh.new_user(prefix="vx")
    ids = []
    for i in range(30):
        ids.append(await post(mesh, author, f"post {i}", PUBLIC if i % 4 == 0 else FOLLOWERS))
    public = [p for i, p in enumerate(ids) if i % 4 == 0][::-1]  # 8 posts, spread thinly

    before = graph_checks()
    assert await listed(mesh, stranger, author, limit=3) == public
    assert graph_checks() - before == 3  # pages of 3, 3, 2: one BatchCheckVisibility each


async def test_stranger_pages_while_new_posts_arrive(mesh: Mesh) -> None:
    author, _ = await mesh.new_user(prefix="vy")
    stranger, _ = await mesh.new_user(prefix="vz")
    ids = [await post(mesh, author, f"old {i}", PUBLIC if i % 3 else FOLLOWERS) for i in range(25)]
    expected = [p for i, p in enumerate(ids) if i % 3][::-1]
    seen: list[int] = []
    cursor = ""
    while True:
        page = await mesh.post.ListUserPosts(
            pb.ListUserPostsRequest(user_id=author, cursor=cursor, limit=3), metadata=as_user(stranger)
        )
        seen += [p.id for p in page.posts]
        await post(mesh, author, "arrives while paging", PUBLIC)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected


async def test_unknown_author_lists_nothing(mesh: Mesh) -> None:
    viewer, _ = await mesh.new_user(prefix="vn")
    page = await mesh.post.ListUserPosts(pb.ListUserPostsRequest(user_id=987654321987), metadata=as_user(viewer))
    assert list(page.posts) == [] and page.next_cursor == ""


async def test_deleting_a_post_one_may_not_see_is_not_found(mesh: Mesh) -> None:
    """PERMISSION_DENIED would tell a stranger that the post exists: it is NOT_FOUND, as for GetPost."""
    author, _ = await mesh.new_user(prefix="da")
    stranger, _ = await mesh.new_user(prefix="ds")
    private_author, _ = await mesh.new_user(private=True, prefix="dp")
    hidden = [
        await post(mesh, author, "followers only", FOLLOWERS),
        await post(mesh, author, "close friends", CLOSE_FRIENDS),
        await post(mesh, private_author, "private account", PUBLIC),
    ]
    for post_id in hidden:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await mesh.post.DeletePost(pb.DeletePostRequest(post_id=post_id), metadata=as_user(stranger))
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        assert await can_get(mesh, author if post_id != hidden[2] else private_author, post_id)  # not deleted
    public = await post(mesh, author, "for all", PUBLIC)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await mesh.post.DeletePost(pb.DeletePostRequest(post_id=public), metadata=as_user(stranger))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
