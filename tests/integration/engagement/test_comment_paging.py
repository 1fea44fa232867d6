"""Paging a post's comments while others comment: oldest first, no duplicates, and nothing that existed when the
first page was read is skipped."""

from __future__ import annotations

import asyncio

from feedmesh.engagement.v1 import engagement_service_pb2 as pb

from tests.integration.engagement.conftest import Mesh, as_user


async def test_paging_while_comments_arrive(mesh: Mesh) -> None:
    author = await mesh.new_user()
    commenters = [await mesh.new_user() for _ in range(4)]
    post = await mesh.new_post(author)
    for n in range(23):
        await mesh.engagement.CreateComment(
            pb.CreateCommentRequest(post_id=post, text=f"before {n}"), metadata=as_user(commenters[n % 4])
        )
    stop = asyncio.Event()
    written: list[int] = []

    async def keep_commenting(user: int) -> None:
        n = 0
        while not stop.is_set():
            made = await mesh.engagement.CreateComment(
                pb.CreateCommentRequest(post_id=post, text=f"during {user} {n}"), metadata=as_user(user)
            )
            written.append(made.id)
            n += 1

    writers = [asyncio.create_task(keep_commenting(u)) for u in commenters]
    try:
        seen: list[int] = []
        cursor, first_page = "", True
        existing: list[int] = []
        while True:
            page = await mesh.engagement.ListComments(
                pb.ListCommentsRequest(post_id=post, cursor=cursor, limit=5), metadata=as_user(author)
            )
            if first_page:  # what existed when the first page was read, as an independent read sees it
                everything = await mesh.engagement.ListComments(
                    pb.ListCommentsRequest(post_id=post, limit=100), metadata=as_user(author)
                )
                existing, first_page = [c.id for c in everything.comments], False
            seen += [c.id for c in page.comments]
            if not page.next_cursor or len(seen) > 60:
                break
            cursor = page.next_cursor
    finally:
        stop.set()
        await asyncio.gather(*writers)

    assert len(seen) == len(set(seen)), "a comment was served twice"
    assert seen == sorted(seen), "not oldest first"
    assert set(existing[:23]) <= set(seen), "a comment that existed was skipped"
    assert written, "no comment arrived while paging"
