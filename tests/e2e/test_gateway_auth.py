"""Authentication at the gateway: only a valid ES256 token of the auth service, in the Authorization header, gets
past it, and the caller's identity reaching the services is the token's `sub`, never a client-supplied header."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from stack.settings import RUN, StackSettings
from tests.e2e.conftest import User

pytestmark = pytest.mark.e2e


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(user: User, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {"iss": "feedmesh-auth", "aud": "feedmesh", "sub": str(user.id), "iat": now}
    claims["exp"] = now + 600
    claims.update(changes)
    return claims


def _signing_key(stack: StackSettings, token: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """The auth service's private key that signed `token` (from its key ring directory)."""
    kid = jwt.get_unverified_header(token)["kid"]
    ring = Path(stack.values.get("FEEDMESH_AUTH_KEY_DIR") or RUN / "secrets" / "jwt")
    key = serialization.load_pem_private_key((ring / f"{kid}.pem").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return kid, key


def _bad_tokens(stack: StackSettings, user: User) -> dict[str, str]:
    kid, key = _signing_key(stack, user.token)
    header, payload, signature = user.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(user.id + 1)
    public_x = _b64(key.public_key().public_numbers().x.to_bytes(32, "big"))  # the JWK's "x", as published
    foreign = ec.generate_private_key(ec.SECP256R1())
    return {
        "malformed": "not-a-jwt",
        "garbage segments": "aaa.bbb.ccc",
        # signed with the real key, but past its expiry (beyond the 30 s clock skew allowed)
        "expired": jwt.encode(
            _claims(user, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            key,
            algorithm="ES256",
            headers={"kid": kid},
        ),
        "not yet valid": jwt.encode(
            _claims(user, nbf=int(time.time()) + 3600), key, algorithm="ES256", headers={"kid": kid}
        ),
        # a valid token whose payload was changed to another user: the signature no longer matches
        "tampered": f"{header}.{_b64(json.dumps(claims).encode())}.{signature}",
        "alg none": f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT', 'kid': kid}).encode())}."
        f"{_b64(json.dumps(_claims(user)).encode())}.",
        # HS256 with the public key as the shared secret (the classic algorithm confusion)
        "hs256": jwt.encode(_claims(user), public_x, algorithm="HS256", headers={"kid": kid}),
        # right shape, right kid, signed by a key that is not the auth service's
        "foreign key": jwt.encode(_claims(user), foreign, algorithm="ES256", headers={"kid": kid}),
        "foreign kid": jwt.encode(_claims(user), foreign, algorithm="ES256", headers={"kid": "someone-else"}),
        "wrong issuer": jwt.encode(_claims(user, iss="evil"), key, algorithm="ES256", headers={"kid": kid}),
    }


def _assert_error(reply: httpx.Response, status: int, code: int) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["code"] == code and isinstance(body["message"], str) and body["details"] == []


def test_missing_token_is_401(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    _assert_error(client.get(f"/v1/users/{user.id}"), 401, 16)
    _assert_error(client.get("/v1/feed"), 401, 16)
    _assert_error(client.post("/v1/posts", json={"text": "hi"}), 401, 16)


@pytest.mark.parametrize(
    "case",
    [
        "malformed",
        "garbage segments",
        "expired",
        "not yet valid",
        "tampered",
        "alg none",
        "hs256",
        "foreign key",
        "foreign kid",
        "wrong issuer",
    ],
)
def test_bad_token_is_401(case: str, client: httpx.Client, stack: StackSettings, new_user: Callable[..., User]) -> None:
    user = new_user()
    token = _bad_tokens(stack, user)[case]
    _assert_error(client.get(f"/v1/users/{user.id}", headers={"authorization": f"Bearer {token}"}), 401, 16)


def test_wrong_audience_is_refused(client: httpx.Client, stack: StackSettings, new_user: Callable[..., User]) -> None:
    user = new_user()
    kid, key = _signing_key(stack, user.token)
    token = jwt.encode(_claims(user, aud="another-api"), key, algorithm="ES256", headers={"kid": kid})
    _assert_error(client.get(f"/v1/users/{user.id}", headers={"authorization": f"Bearer {token}"}), 403, 7)


def test_token_only_from_the_authorization_header(client: httpx.Client, new_user: Callable[..., User]) -> None:
    user = new_user()
    _assert_error(client.get(f"/v1/users/{user.id}", params={"access_token": user.token}), 401, 16)
    _assert_error(client.get(f"/v1/users/{user.id}", headers={"x-access-token": user.token}), 401, 16)
    _assert_error(client.get(f"/v1/users/{user.id}", headers={"authorization": user.token}), 401, 16)  # no Bearer
    assert client.get(f"/v1/users/{user.id}", headers=user.auth).status_code == 200


def test_a_token_signed_by_the_auth_service_itself_passes(
    client: httpx.Client, stack: StackSettings, new_user: Callable[..., User]
) -> None:
    """The control for the cases above: the same construction with the right key and claims is accepted."""
    user = new_user()
    kid, key = _signing_key(stack, user.token)
    token = jwt.encode(_claims(user), key, algorithm="ES256", headers={"kid": kid})
    assert client.get(f"/v1/users/{user.id}", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_forged_user_id_header_is_ignored(client: httpx.Client, new_user: Callable[..., User]) -> None:
    author, victim = new_user(), new_user()
    forged = {**author.auth, "x-feedmesh-user-id": str(victim.id)}
    post = client.post("/v1/posts", json={"text": "who wrote this?"}, headers=forged)
    assert post.status_code == 200, post.text
    assert post.json()["authorId"] == str(author.id)
    # and without a token the forged header gets nobody in
    _assert_error(client.post("/v1/posts", json={"text": "x"}, headers={"x-feedmesh-user-id": str(victim.id)}), 401, 16)


def test_public_routes_need_no_token(client: httpx.Client) -> None:
    jwks = client.get("/v1/jwks")
    assert jwks.status_code == 200
    assert all(k["kty"] == "EC" and k["alg"] == "ES256" and k["kid"] for k in jwks.json()["keys"])
    assert client.get("/healthz").json() == {"status": "SERVING"}
    openapi = client.get("/openapi.json")
    assert openapi.status_code == 200 and "/v1/posts/{post_id}" in openapi.json()["paths"]
