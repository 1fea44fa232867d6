"""BatchCheckAudience (one post, many viewers) decides as BatchCheckVisibility (one viewer, many posts) does, for
every viewer, author kind and visibility; and refuses bad input."""

from __future__ import annotations

import grpc
from feedmesh.graph.internal.v1 import graph_internal_service_pb2 as internal_pb
from feedmesh.graph.v1 import graph_service_pb2 as pb

from tests.integration.graph.conftest import Mesh, as_user
from tests.integration.graph.test_internal import CLOSE_FRIENDS, FOLLOWERS, PUBLIC
from tests.integration.graph.test_relationships import follow, status_of


async def test_audience_decisions_mirror_visibility_decisions(mesh: Mesh) -> None:
    public, fan, friend, stranger, blocker, blocked = await mesh.new_users(6)
    (private,) = await mesh.new_users(1, private=True)
    for author in (public, private):
        await follow(mesh, fan, author)
        await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=friend), metadata=as_user(author))
    await mesh.graph.ApproveFollowRequest(pb.ApproveFollowRequestRequest(user_id=fan), metadata=as_user(private))
    await mesh.graph.AddCloseFriend(pb.AddCloseFriendRequest(user_id=fan), metadata=as_user(public))
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=public), metadata=as_user(blocker))
    await mesh.graph.BlockUser(pb.BlockUserRequest(user_id=blocked), metadata=as_user(public))
    viewers = [fan, friend, stranger, blocker, blocked, public, private]

    seen: dict[tuple[int, int], list[bool]] = {}
    for author in (public, private):
        for visibility in (PUBLIC, FOLLOWERS, CLOSE_FRIENDS):
            post = internal_pb.VisibilityCandidate(post_id=7, author_id=author, visibility=visibility)
            audience = await mesh.graph_internal.BatchCheckAudience(
                internal_pb.BatchCheckAudienceRequest(post=post, viewer_ids=viewers)
            )
            one_by_one = [
                (
                    await mesh.graph_internal.BatchCheckVisibility(
                        internal_pb.BatchCheckVisibilityRequest(viewer_id=v, candidates=[post])
                    )
                ).visible[0]
                for v in viewers
            ]
            assert list(audience.visible) == one_by_one, (author, visibility)
            seen[(author, visibility)] = list(audience.visible)
    #                                      fan    friend stranger blocker blocked public private
    assert seen[(public, PUBLIC)] == [True, True, True, False, False, True, True]
    assert seen[(public, CLOSE_FRIENDS)] == [True, True, False, False, False, True, False]
    assert seen[(private, FOLLOWERS)] == [True, False, False, False, False, False, True]


async def test_audience_refuses_bad_input(mesh: Mesh) -> None:
    (author,) = await mesh.new_users(1)
    post = internal_pb.VisibilityCandidate(post_id=1, author_id=author, visibility=PUBLIC)
    empty = await mesh.graph_internal.BatchCheckAudience(internal_pb.BatchCheckAudienceRequest(post=post))
    assert list(empty.visible) == []
    for request in (
        internal_pb.BatchCheckAudienceRequest(post=post, viewer_ids=list(range(1, 1002))),
        internal_pb.BatchCheckAudienceRequest(post=post, viewer_ids=[0]),
        internal_pb.BatchCheckAudienceRequest(
            post=internal_pb.VisibilityCandidate(post_id=1, author_id=0), viewer_ids=[1]
        ),
    ):
        assert await status_of(mesh.graph_internal.BatchCheckAudience(request)) == grpc.StatusCode.INVALID_ARGUMENT
