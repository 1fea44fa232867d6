"""PostService RPCs against the real stack: publish, read, delete, the internal reads, idempotency, media, the
outbox rows and the partitions. Visibility between users is in test_visibility.py; Kafka down in test_outbox.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import urllib.request

import asyncpg
import grpc
import pytest
from feedmesh.events.internal.v1 import events_pb2
from feedmesh.media.v1 import media_service_pb2
from feedmesh.post.internal.v1 import post_internal_service_pb2 as internal_pb
from feedmesh.post.v1 import post_pb2, visibility_pb2
from feedmesh.post.v1 import post_service_pb2 as pb
from prometheus_client import REGISTRY

from services.common.ids import id_time_ms
from services.media.domain.uploads import new_media_ref
from services.post.adapters.postgres import PgPartitionStore
from services.post.domain.partitions import month_partition
from tests.integration.post.conftest import Mesh, as_user, suffix


def author() -> int:
    """A fresh author id: post does not check that authors exist, and random ids keep runs apart."""
    return random.randint(10**15, 2 * 10**15)


async def create(mesh: Mesh, user: int, text: str = "hello", **fields: object) -> post_pb2.Post:
    key = fields.pop("key", None)
    metadata = as_user(user, ("idempotency-key", str(key))) if key else as_user(user)
    return await mesh.post.CreatePost(pb.CreatePostRequest(text=text, **fields), metadata=metadata)  # type: ignore[arg-type]


async def rpc_error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    return info.value


async def outbox_events(conn: asyncpg.Connection, user: int) -> list[events_pb2.Event]:
    rows = await conn.fetch(
        "SELECT payload FROM outbox WHERE producer = 'post' AND msg_key = $1 ORDER BY id", str(user).encode()
    )
    return [events_pb2.Event.FromString(r["payload"]) for r in rows]


async def test_create_then_get(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    user = author()
    before_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    created = await create(mesh, user, "  first post\r\nwith two lines  ")
    assert created.id > 0 and created.author_id == user
    assert created.text == "first post\nwith two lines"
    assert created.visibility == visibility_pb2.PUBLIC  # unset means PUBLIC
    assert created.create_time.ToMilliseconds() == id_time_ms(created.id) >= before_ms
    assert list(created.mention_ids) == [] and created.like_count == 0

    got = await mesh.post.GetPost(pb.GetPostRequest(post_id=created.id), metadata=as_user(user))
    assert got == created

    second = await create(mesh, user, "second", visibility=visibility_pb2.CLOSE_FRIENDS)
    assert second.id > created.id and second.visibility == visibility_pb2.CLOSE_FRIENDS

    [published, _] = await outbox_events(pg_conn, user)
    assert published.WhichOneof("payload") == "post_published"
    event = published.post_published
    assert (event.post_id, event.author_id, event.visibility, event.has_media) == (
        created.id,
        user,
        visibility_pb2.PUBLIC,
        False,
    )
    assert event.create_time == created.create_time and published.event_id


@pytest.mark.parametrize(
    ("text", "fields", "message"),
    [
        ("", {}, "text is empty"),
        ("  \n\t ", {}, "text is empty"),
        ("x" * 501, {}, "text is longer than 500 characters"),
        ("bell \x07 here", {}, "control character"),
        ("this has a FORBIDDENWORD in it", {}, "text contains a blocked word"),
        ("a Very Bad  Phrase indeed", {}, "text contains a blocked word"),
        ("https://a.io https://b.io https://c.io https://d.io", {}, "more than 3 links"),
        ("https://a.io/x and again https://a.io/x", {}, "repeats the same link"),
        ("ok", {"visibility": 7}, "visibility must be"),
        ("ok", {"media_refs": [new_media_ref() for _ in range(11)]}, "at most 10 media refs"),
    ],
)
async def test_create_refusals_say_why(mesh: Mesh, text: str, fields: dict[str, object], message: str) -> None:
    err = await rpc_error(create(mesh, author(), text, **fields))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (err.details() or "")


async def test_500_characters_pass(mesh: Mesh) -> None:
    post = await create(mesh, author(), " " + "é" * 500 + " ")
    assert post.text == "é" * 500


async def test_calls_need_a_caller(mesh: Mesh) -> None:
    for call in [
        mesh.post.CreatePost(pb.CreatePostRequest(text="hi")),
        mesh.post.GetPost(pb.GetPostRequest(post_id=1)),
        mesh.post.DeletePost(pb.DeletePostRequest(post_id=1)),
        mesh.post.ListUserPosts(pb.ListUserPostsRequest(user_id=1)),
    ]:
        assert (await rpc_error(call)).code() == grpc.StatusCode.UNAUTHENTICATED


async def test_mentions_are_resolved_through_auth(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    (alice, alice_handle), (bob, bob_handle) = await mesh.new_user(), await mesh.new_user()
    user = author()
    text = f"hey @{bob_handle.upper()} and @{alice_handle}, not @nobody_{suffix()} nor x@{alice_handle}; @{bob_handle}"
    post = await create(mesh, user, text)
    assert list(post.mention_ids) == [bob, alice]
    got = await mesh.post.GetPost(pb.GetPostRequest(post_id=post.id), metadata=as_user(user))
    assert list(got.mention_ids) == [bob, alice]
    [event] = await outbox_events(pg_conn, user)
    assert list(event.post_published.mention_ids) == [bob, alice]


async def test_idempotent_retry_returns_the_first_post(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    user, key = author(), f"key-{suffix()}"
    first = await create(mesh, user, "once", key=key)
    again = await create(mesh, user, "once", key=key)
    assert again == first
    other = await create(mesh, user, "once", key=f"other-{suffix()}")
    assert other.id != first.id
    someone_else = await create(mesh, author(), "once", key=key)  # keys are per author
    assert someone_else.id != first.id
    assert await pg_conn.fetchval("SELECT count(*) FROM post.posts WHERE author_id = $1", user) == 2
    assert len(await outbox_events(pg_conn, user)) == 2


async def test_concurrent_retries_create_one_post(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    user, key = author(), f"race-{suffix()}"
    posts = await asyncio.gather(*(create(mesh, user, f"attempt {i}", key=key) for i in range(12)))
    assert len({p.id for p in posts}) == 1
    assert await pg_conn.fetchval("SELECT count(*) FROM post.posts WHERE author_id = $1", user) == 1
    assert len(await outbox_events(pg_conn, user)) == 1


async def test_get_refusals(mesh: Mesh) -> None:
    user = author()
    err = await rpc_error(mesh.post.GetPost(pb.GetPostRequest(post_id=1), metadata=as_user(user)))
    assert err.code() == grpc.StatusCode.NOT_FOUND and err.details() == "post not found"
    err = await rpc_error(mesh.post.GetPost(pb.GetPostRequest(post_id=0), metadata=as_user(user)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_delete(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    # real accounts: a stranger may see the post of a known author only (unknown authors' posts are no one's)
    (user, _), (stranger, _) = await mesh.new_user(), await mesh.new_user()
    post = await create(mesh, user, "short-lived")
    request = pb.DeletePostRequest(post_id=post.id)

    err = await rpc_error(mesh.post.DeletePost(request, metadata=as_user(stranger)))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    await mesh.post.DeletePost(request, metadata=as_user(user))
    await mesh.post.DeletePost(request, metadata=as_user(user))  # again: fine, changes nothing

    err = await rpc_error(mesh.post.GetPost(pb.GetPostRequest(post_id=post.id), metadata=as_user(user)))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(mesh.post.DeletePost(request, metadata=as_user(stranger)))
    assert err.code() == grpc.StatusCode.NOT_FOUND  # gone: a stranger learns nothing more
    err = await rpc_error(mesh.post.DeletePost(pb.DeletePostRequest(post_id=12345), metadata=as_user(user)))
    assert err.code() == grpc.StatusCode.NOT_FOUND

    row = await pg_conn.fetchrow("SELECT deleted_at, text FROM post.posts WHERE id = $1", post.id)
    assert row["deleted_at"] is not None and row["text"] == "short-lived"  # soft delete
    kinds = [e.WhichOneof("payload") for e in await outbox_events(pg_conn, user)]
    assert kinds == ["post_published", "post_deleted"]
    [_, deleted] = await outbox_events(pg_conn, user)
    assert (deleted.post_deleted.post_id, deleted.post_deleted.author_id) == (post.id, user)


async def test_batch_get_posts(mesh: Mesh) -> None:
    user = author()
    a, b, c = [(await create(mesh, user, t, visibility=visibility_pb2.FOLLOWERS)) for t in "abc"]
    await mesh.post.DeletePost(pb.DeletePostRequest(post_id=b.id), metadata=as_user(user))
    found = await mesh.post_internal.BatchGetPosts(
        internal_pb.BatchGetPostsRequest(post_ids=[c.id, 424242, b.id, a.id, c.id])
    )
    assert [p.id for p in found.posts] == [c.id, a.id]
    assert found.posts[0] == c  # no visibility check for internal callers, no counts
    assert list((await mesh.post_internal.BatchGetPosts(internal_pb.BatchGetPostsRequest())).posts) == []
    err = await rpc_error(
        mesh.post_internal.BatchGetPosts(internal_pb.BatchGetPostsRequest(post_ids=list(range(1, 1002))))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_list_author_post_ids(mesh: Mesh) -> None:
    user = author()
    ids = [(await create(mesh, user, f"n{i}", visibility=visibility_pb2.CLOSE_FRIENDS)).id for i in range(7)]
    await mesh.post.DeletePost(pb.DeletePostRequest(post_id=ids[3]), metadata=as_user(user))
    live = [i for i in reversed(ids) if i != ids[3]]

    async def window(before: int = 0, limit: int = 0) -> list[int]:
        request = internal_pb.ListAuthorPostIdsRequest(author_id=user, before_id=before, limit=limit)
        return list((await mesh.post_internal.ListAuthorPostIds(request)).post_ids)

    assert await window() == live
    assert await window(limit=2) == live[:2]
    assert await window(before=live[1], limit=3) == live[2:5]
    assert await window(before=ids[0]) == []
    err = await rpc_error(mesh.post_internal.ListAuthorPostIds(internal_pb.ListAuthorPostIdsRequest(author_id=0)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = await rpc_error(
        mesh.post_internal.ListAuthorPostIds(internal_pb.ListAuthorPostIdsRequest(author_id=user, limit=-1))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_own_posts_page_with_an_odd_size_while_new_posts_arrive(mesh: Mesh) -> None:
    user = author()
    existing = [(await create(mesh, user, f"old {i}")).id for i in range(23)]
    await mesh.post.DeletePost(pb.DeletePostRequest(post_id=existing[10]), metadata=as_user(user))
    expected = [i for i in reversed(existing) if i != existing[10]]

    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        page = await mesh.post.ListUserPosts(
            pb.ListUserPostsRequest(user_id=user, cursor=cursor, limit=5), metadata=as_user(user)
        )
        pages += 1
        seen += [p.id for p in page.posts]
        await create(mesh, user, f"new while paging {pages}")  # lands above the pages still to come
        if not page.next_cursor:
            break
        assert len(page.posts) == 5
        cursor = page.next_cursor
    assert seen == expected and pages == 5

    err = await rpc_error(
        mesh.post.ListUserPosts(pb.ListUserPostsRequest(user_id=user, cursor="garbage!"), metadata=as_user(user))
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "cursor" in (err.details() or "")


async def test_counts_are_zero_and_the_degradation_is_counted(mesh: Mesh) -> None:
    def degraded() -> float:
        return REGISTRY.get_sample_value("feedmesh_post_stats_degraded_total", {"reason": "not_configured"}) or 0.0

    user = author()
    post = await create(mesh, user, "count me")
    before = degraded()
    got = await mesh.post.GetPost(pb.GetPostRequest(post_id=post.id), metadata=as_user(user))
    assert (got.like_count, got.comment_count, got.share_count) == (0, 0, 0)
    await mesh.post.ListUserPosts(pb.ListUserPostsRequest(user_id=user), metadata=as_user(user))
    assert degraded() == before + 2


async def test_a_media_ref_that_names_no_object_is_refused(mesh: Mesh) -> None:
    missing = new_media_ref()
    err = await rpc_error(create(mesh, author(), "look", media_refs=[missing]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"media ref '{missing}' names no uploaded object" in (err.details() or "")
    err = await rpc_error(create(mesh, author(), "look", media_refs=["not-a-ref"]))
    assert "media ref 'not-a-ref'" in (err.details() or "")


def _put(url: str, body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


async def test_post_with_a_really_uploaded_image(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    user = author()
    body = b"GIF89a" + bytes(range(256))
    upload = await mesh.media.CreateUpload(
        media_service_pb2.CreateUploadRequest(content_type="image/gif", size_bytes=len(body)), metadata=as_user(user)
    )
    assert await asyncio.to_thread(_put, upload.upload_url, body, "image/gif") == 200
    post = await create(mesh, user, "with a picture", media_refs=[upload.media_ref])
    assert list(post.media_refs) == [upload.media_ref]
    got = await mesh.post.GetPost(pb.GetPostRequest(post_id=post.id), metadata=as_user(user))
    assert list(got.media_refs) == [upload.media_ref]
    [event] = await outbox_events(pg_conn, user)
    assert event.post_published.has_media


async def test_posts_land_in_their_month_partition(mesh: Mesh, pg_conn: asyncpg.Connection) -> None:
    post = await create(mesh, author(), "where am I")
    expected = month_partition(dt.datetime.now(dt.UTC).date())
    table = await pg_conn.fetchval("SELECT tableoid::regclass::text FROM post.posts WHERE id = $1", post.id)
    assert table == f"post.{expected.name}"
    # the migration's bounds and the maintenance's agree
    bound = await pg_conn.fetchval(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'post' AND c.relname = $1",
        expected.name,
    )
    assert bound == f"FOR VALUES FROM ('{expected.lower_id}') TO ('{expected.upper_id}')"


async def test_maintenance_moves_early_rows_out_of_the_default_partition(pg_conn: asyncpg.Connection) -> None:
    far = month_partition(dt.date(2031, random.randint(1, 12), 1))
    post_id = far.lower_id + random.randint(1, 1000)
    store = PgPartitionStore()
    try:
        await pg_conn.execute(
            "INSERT INTO post.posts (id, author_id, text, visibility) VALUES ($1, $2, 'from the future', 1)",
            post_id,
            author(),
        )
        assert await pg_conn.fetchval("SELECT tableoid::regclass::text FROM post.posts WHERE id = $1", post_id) == (
            "post.posts_default"
        )
        async with pg_conn.transaction():
            assert await store.ensure(pg_conn, far)
        async with pg_conn.transaction():
            assert not await store.ensure(pg_conn, far)  # already there
        assert await pg_conn.fetchval("SELECT tableoid::regclass::text FROM post.posts WHERE id = $1", post_id) == (
            f"post.{far.name}"
        )
        indexes = await pg_conn.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'post' AND tablename = $1", far.name
        )
        # the primary key, (author_id, id DESC) and the deleted posts' deleted_at, inherited from post.posts
        assert indexes == 3
    finally:
        await pg_conn.execute("DELETE FROM post.posts WHERE id = $1", post_id)
        await pg_conn.execute(f"DROP TABLE IF EXISTS post.{far.name}")
