"""Every AuthService RPC and its error cases, against the real PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
import time
from asyncio.subprocess import PIPE
from pathlib import Path

import grpc
import jwt
import pytest
from feedmesh.auth.internal.v1 import auth_internal_service_pb2 as internal_pb
from feedmesh.auth.internal.v1 import auth_internal_service_pb2_grpc as internal_pb_grpc
from feedmesh.auth.v1 import auth_service_pb2 as pb
from feedmesh.auth.v1 import auth_service_pb2_grpc as pb_grpc
from feedmesh.auth.v1 import user_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.auth.settings import AuthSettings
from services.auth.wiring import build
from stack.settings import ROOT, StackSettings
from tests.integration.auth.helpers import register, unique_handle
from tests.integration.harness import start_service


async def rpc_error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


def reason_of(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    status.details[0].Unpack(info)
    return info.reason


async def jwks_keys(auth: pb_grpc.AuthServiceStub) -> dict[str, jwt.PyJWK]:
    response = await auth.GetJwks(pb.GetJwksRequest(), timeout=5)
    return {
        key.kid: jwt.PyJWK(
            {"kty": key.kty, "crv": key.crv, "x": key.x, "y": key.y, "kid": key.kid, "use": key.use, "alg": key.alg}
        )
        for key in response.keys
    }


async def verify_with_jwks(auth: pb_grpc.AuthServiceStub, token: str) -> dict[str, object]:
    keys = await jwks_keys(auth)
    kid = jwt.get_unverified_header(token)["kid"]
    claims: dict[str, object] = jwt.decode(
        token, keys[kid], algorithms=["ES256"], audience="feedmesh", issuer="feedmesh-auth"
    )
    return claims


# --- CreateUser ---------------------------------------------------------------------------------------------------


async def test_create_user_returns_the_account(auth: pb_grpc.AuthServiceStub) -> None:
    handle = unique_handle("New")
    before = time.time()
    user = await register(auth, handle, display_name="  Ada Lovelace ", private=True)
    assert user.id > 0
    assert user.handle == handle.lower()
    assert user.display_name == "Ada Lovelace"
    assert user.private is True
    assert before - 5 <= user.create_time.ToSeconds() <= time.time() + 5
    assert (user.follower_count, user.following_count) == (0, 0)


async def test_user_ids_are_time_ordered(auth: pb_grpc.AuthServiceStub) -> None:
    first = (await register(auth)).id
    second = (await register(auth)).id
    assert second > first


async def test_a_handle_is_taken_whatever_its_case(auth: pb_grpc.AuthServiceStub) -> None:
    handle = unique_handle("dup")
    await register(auth, handle)
    error = await rpc_error(register(auth, handle.upper()))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == "handle is taken"
    assert reason_of(error) == "HANDLE_TAKEN"


async def test_concurrent_registrations_of_one_handle_create_one_account(auth: pb_grpc.AuthServiceStub) -> None:
    handle = unique_handle("race")
    results = await asyncio.gather(*(register(auth, handle) for _ in range(4)), return_exceptions=True)
    created = [r for r in results if isinstance(r, user_pb2.User)]
    errors = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(created) == 1
    assert [e.code() for e in errors] == [grpc.StatusCode.ALREADY_EXISTS] * 3


@pytest.mark.parametrize("handle", ["ab", "a" * 31, "has space", "dash-ed", "émile", "\u212aelvin", "", "x_y\n"])
async def test_a_bad_handle_is_invalid_argument_naming_the_rule(auth: pb_grpc.AuthServiceStub, handle: str) -> None:
    error = await rpc_error(register(auth, handle))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "3-30 characters of a-z, 0-9 and _" in (error.details() or "")
    assert reason_of(error) == "BAD_HANDLE"


async def test_a_short_password_is_invalid_argument(auth: pb_grpc.AuthServiceStub) -> None:
    error = await rpc_error(register(auth, password="1234567"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "password must be 8-128 characters" in (error.details() or "")
    assert "1234567" not in (error.details() or "")


async def test_a_long_display_name_is_invalid_argument(auth: pb_grpc.AuthServiceStub) -> None:
    error = await rpc_error(register(auth, display_name="x" * 65))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(error) == "BAD_DISPLAY_NAME"


# --- CreateSession -----------------------------------------------------------------------------------------------


async def test_login_returns_a_token_the_jwks_verifies(auth: pb_grpc.AuthServiceStub) -> None:
    handle = unique_handle("Login")
    user = await register(auth, handle, password="s3cret-passphrase")
    session = await auth.CreateSession(pb.CreateSessionRequest(handle=handle.upper(), password="s3cret-passphrase"))
    assert session.user_id == user.id
    assert session.expires_in == 3600
    header = jwt.get_unverified_header(session.access_token)
    assert header["alg"] == "ES256"
    assert header["kid"] in await jwks_keys(auth)
    claims = await verify_with_jwks(auth, session.access_token)
    assert claims["sub"] == str(user.id)
    assert (claims["iss"], claims["aud"]) == ("feedmesh-auth", "feedmesh")
    assert claims["exp"] == claims["iat"] + 3600  # type: ignore[operator]
    assert abs(claims["iat"] - time.time()) < 10  # type: ignore[operator]
    assert claims["jti"]


async def test_wrong_password_and_unknown_handle_look_the_same(auth: pb_grpc.AuthServiceStub) -> None:
    handle = unique_handle("pw")
    await register(auth, handle, password="right password")
    wrong = await rpc_error(auth.CreateSession(pb.CreateSessionRequest(handle=handle, password="wrong password")))
    unknown = await rpc_error(
        auth.CreateSession(pb.CreateSessionRequest(handle=unique_handle("nobody"), password="right password"))
    )
    malformed = await rpc_error(auth.CreateSession(pb.CreateSessionRequest(handle="no such!", password="x")))
    for error in (wrong, unknown, malformed):
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert error.details() == "wrong handle or password"
        assert reason_of(error) == "BAD_CREDENTIALS"


async def test_login_upgrades_a_hash_made_with_weaker_parameters(
    stack_settings: StackSettings, auth_schema: None, tmp_path: Path, pg_conn: object
) -> None:
    handle = unique_handle("rehash")
    weak, weak_address = await start_service(
        build, AuthSettings, stack_settings, auth_key_dir=str(tmp_path), password_time_cost=1, password_memory_kib=8192
    )
    try:
        async with grpc.aio.insecure_channel(weak_address) as channel:
            user = await register(pb_grpc.AuthServiceStub(channel), handle, password="upgrade me")
    finally:
        await weak.stop(grace=0)
    stored_weak = await pg_conn.fetchval("SELECT password_hash FROM auth.users WHERE id = $1", user.id)  # type: ignore[attr-defined]
    assert ",t=1," in stored_weak
    strong, strong_address = await start_service(build, AuthSettings, stack_settings, auth_key_dir=str(tmp_path))
    try:
        async with grpc.aio.insecure_channel(strong_address) as channel:
            stub = pb_grpc.AuthServiceStub(channel)
            await stub.CreateSession(pb.CreateSessionRequest(handle=handle, password="upgrade me"))
            stored = await pg_conn.fetchval("SELECT password_hash FROM auth.users WHERE id = $1", user.id)  # type: ignore[attr-defined]
            assert stored.startswith("$argon2id$") and ",t=3," in stored
            await stub.CreateSession(pb.CreateSessionRequest(handle=handle, password="upgrade me"))  # still valid
    finally:
        await strong.stop(grace=0)


# --- GetJwks and key rotation ------------------------------------------------------------------------------------


async def test_jwks_publishes_ec_p256_signing_keys(auth: pb_grpc.AuthServiceStub) -> None:
    response = await auth.GetJwks(pb.GetJwksRequest())
    assert response.keys
    for key in response.keys:
        assert (key.kty, key.crv, key.use, key.alg) == ("EC", "P-256", "sig", "ES256")
        assert key.kid and len(key.x) == 43 and len(key.y) == 43  # 32 bytes, base64url without padding


async def test_a_token_signed_before_a_rotation_still_verifies(auth: pb_grpc.AuthServiceStub, key_dir: Path) -> None:
    handle = unique_handle("rot")
    await register(auth, handle, password="rotate me please")
    before = await auth.CreateSession(pb.CreateSessionRequest(handle=handle, password="rotate me please"))
    old_kid = jwt.get_unverified_header(before.access_token)["kid"]

    cli = await asyncio.create_subprocess_exec(  # the operator's command, in another process
        sys.executable, "-m", "services.auth.keys", "--dir", str(key_dir), "rotate", cwd=ROOT, stdout=PIPE
    )
    stdout, _ = await cli.communicate()
    assert cli.returncode == 0
    new_kid = stdout.decode().strip()
    assert new_kid != old_kid

    jwks = await auth.GetJwks(pb.GetJwksRequest())
    kids = [key.kid for key in jwks.keys]
    assert kids[0] == new_kid and old_kid in kids  # newest first, the old key kept
    assert (await verify_with_jwks(auth, before.access_token))["sub"] == str(before.user_id)

    after = await auth.CreateSession(pb.CreateSessionRequest(handle=handle, password="rotate me please"))
    assert jwt.get_unverified_header(after.access_token)["kid"] == new_kid  # the service signs with it, no restart
    assert (await verify_with_jwks(auth, after.access_token))["sub"] == str(after.user_id)


async def test_the_key_ring_is_created_private_at_first_start(key_dir: Path, auth_address: str) -> None:
    modes = await asyncio.to_thread(lambda: [p.stat().st_mode & 0o777 for p in key_dir.glob("*.pem")])
    assert modes
    assert set(modes) == {0o600}


# --- BatchGetUsers / BatchGetUsersByHandle -----------------------------------------------------------------------


async def test_batch_get_users_in_request_order_skipping_unknown(
    auth: pb_grpc.AuthServiceStub, auth_internal: internal_pb_grpc.AuthInternalServiceStub
) -> None:
    a, b, c = [(await register(auth)) for _ in range(3)]
    response = await auth_internal.BatchGetUsers(
        internal_pb.BatchGetUsersRequest(user_ids=[c.id, 1, a.id, b.id, -5, a.id])
    )
    assert [u.id for u in response.users] == [c.id, a.id, b.id, a.id]
    assert response.users[0].handle == c.handle
    assert response.users[0].create_time == c.create_time
    assert (await auth_internal.BatchGetUsers(internal_pb.BatchGetUsersRequest())).users == []


async def test_batch_get_users_takes_at_most_1000_ids(
    auth: pb_grpc.AuthServiceStub, auth_internal: internal_pb_grpc.AuthInternalServiceStub
) -> None:
    assert (
        len((await auth_internal.BatchGetUsers(internal_pb.BatchGetUsersRequest(user_ids=range(1, 1001)))).users) >= 0
    )
    error = await rpc_error(auth_internal.BatchGetUsers(internal_pb.BatchGetUsersRequest(user_ids=range(1, 1002))))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(error) == "BATCH_TOO_LARGE"


async def test_batch_get_users_by_handle_is_case_insensitive_and_strips_the_at(
    auth: pb_grpc.AuthServiceStub, auth_internal: internal_pb_grpc.AuthInternalServiceStub
) -> None:
    a, b = [(await register(auth)) for _ in range(2)]
    request = internal_pb.BatchGetUsersByHandleRequest(
        handles=[f"@{b.handle.upper()}", unique_handle("ghost"), "not a handle!", a.handle, "@@" + a.handle]
    )
    response = await auth_internal.BatchGetUsersByHandle(request)
    assert [u.id for u in response.users] == [b.id, a.id]
    error = await rpc_error(
        auth_internal.BatchGetUsersByHandle(internal_pb.BatchGetUsersByHandleRequest(handles=["x"] * 1001))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_users_by_handle_prefix_page_in_byte_order_after_a_handle(
    auth: pb_grpc.AuthServiceStub, auth_internal: internal_pb_grpc.AuthInternalServiceStub
) -> None:
    stem = unique_handle("p")[:12]  # "p_" and 10 hex digits, unique to this run
    handles = [f"{stem}{tail}" for tail in ["_b", "_a", "z", "0", "_"]]
    for handle in handles:
        await register(auth, handle)

    async def listed(prefix: str, after: str = "", limit: int = 101) -> list[str]:
        request = internal_pb.ListUsersByHandlePrefixRequest(prefix=prefix, after_handle=after, limit=limit)
        return [u.handle for u in (await auth_internal.ListUsersByHandlePrefix(request)).users]

    assert await listed("@" + stem.upper()) == sorted(handles, key=str.encode)
    assert await listed(stem, limit=2) == [f"{stem}0", f"{stem}_"]
    assert await listed(stem, after=f"{stem}_", limit=2) == [f"{stem}_a", f"{stem}_b"]
    assert await listed(stem + "_") == [f"{stem}_", f"{stem}_a", f"{stem}_b"]  # '_' is not a wildcard
    for prefix, after, limit in [("", "", 5), ("a b", "", 5), ("%", "", 5), (stem, "Not_Stored", 5), (stem, "", 0)]:
        request = internal_pb.ListUsersByHandlePrefixRequest(prefix=prefix, after_handle=after, limit=limit)
        error = await rpc_error(auth_internal.ListUsersByHandlePrefix(request))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (prefix, after, limit)
