"""The key ring on disk (a tmp dir) and the JWTs it signs: rotation, activation, retirement, concurrent first start."""

from __future__ import annotations

import os
import stat
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jwt
import pytest

from services.auth import keys as keys_cli
from services.auth.adapters.keyring import FileKeyRing, JwtTokens, public_jwk
from services.auth.domain.tokens import TokenPolicy, access_token_claims

POLICY = TokenPolicy(issuer="feedmesh-auth", audience="feedmesh", ttl_seconds=3600)


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def token(tokens: JwtTokens, user_id: int = 42) -> str:
    return tokens.sign(access_token_claims(POLICY, user_id, time.time(), f"jti-{user_id}"))


def verify_with_jwks(tokens: JwtTokens, signed: str) -> dict[str, object]:
    """As a verifier (the gateway) does it: only the published JWKS, never the ring itself."""
    by_kid = {jwk["kid"]: jwt.PyJWK(jwk) for jwk in tokens.jwks()}
    kid = jwt.get_unverified_header(signed)["kid"]
    claims: dict[str, object] = jwt.decode(
        signed, by_kid[kid], algorithms=["ES256"], audience=POLICY.audience, issuer=POLICY.issuer
    )
    return claims


def test_first_start_creates_one_private_key(tmp_path: Path) -> None:
    directory = tmp_path / "secrets" / "jwt"
    ring = FileKeyRing(directory, activation_seconds=0)
    ring.ensure_key()
    ring.ensure_key()  # idempotent
    pems = list(directory.glob("*.pem"))
    assert len(pems) == 1
    assert stat.S_IMODE(pems[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []


def _first_start(directory: str) -> str:
    ring = FileKeyRing(Path(directory), activation_seconds=300)
    ring.ensure_key()
    return ring.signing_key().kid


def test_replicas_starting_together_create_a_single_first_key(tmp_path: Path) -> None:
    with ProcessPoolExecutor(6) as pool:
        signers = set(pool.map(_first_start, [str(tmp_path)] * 12))
    assert len(list(tmp_path.glob("*.pem"))) == 1
    assert len(signers) == 1


def test_after_rotation_the_newest_key_signs_and_the_old_one_stays_published(tmp_path: Path) -> None:
    service = JwtTokens(FileKeyRing(tmp_path, activation_seconds=0), POLICY)
    service.ring.ensure_key()
    before = token(service)
    old_kid = jwt.get_unverified_header(before)["kid"]

    new_kid = FileKeyRing(tmp_path, activation_seconds=0).rotate()  # another process: the operator's CLI

    assert [jwk["kid"] for jwk in service.jwks()] == [new_kid, old_kid]  # picked up without a restart
    after = token(service)
    assert jwt.get_unverified_header(after)["kid"] == new_kid
    assert verify_with_jwks(service, before)["sub"] == "42"
    assert verify_with_jwks(service, after)["sub"] == "42"
    assert service.verify(before)["sub"] == "42"


def test_a_rotated_key_is_published_before_it_signs(tmp_path: Path) -> None:
    clock = Clock(time.time())
    ring = FileKeyRing(tmp_path, activation_seconds=300, clock=clock)
    ring.ensure_key()
    first = ring.signing_key().kid  # the only key signs at once, however young
    second = ring.rotate()
    assert [k.kid for k in ring.published()] == [second, first]
    assert ring.signing_key().kid == first
    clock.now += 301
    assert ring.signing_key().kid == second


def test_jwks_are_ec_p256_public_keys(tmp_path: Path) -> None:
    ring = FileKeyRing(tmp_path, activation_seconds=0)
    ring.ensure_key()
    jwk = public_jwk(ring.signing_key())
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("EC", "P-256", "sig", "ES256")
    assert "d" not in jwk
    assert jwt.PyJWK(jwk).key_type == "EC"


def test_prune_retires_superseded_keys_and_their_tokens_stop_verifying(tmp_path: Path) -> None:
    clock = Clock(time.time())
    service = JwtTokens(FileKeyRing(tmp_path, activation_seconds=0, clock=clock), POLICY)
    service.ring.ensure_key()
    old_token = token(service)
    service.ring.rotate()
    assert service.ring.retire(superseded_for=3600) == []  # the old key's tokens may still be valid
    clock.now += 3601
    operator = FileKeyRing(tmp_path, activation_seconds=0, clock=clock)
    retired = operator.retire(superseded_for=3600)
    assert retired == [jwt.get_unverified_header(old_token)["kid"]]
    assert [jwk["kid"] for jwk in service.jwks()] == [service.ring.signing_key().kid]
    with pytest.raises(jwt.InvalidTokenError):
        service.verify(old_token)
    assert operator.retire(superseded_for=0) == []  # the signing key always stays


def test_foreign_or_broken_files_are_ignored(tmp_path: Path) -> None:
    ring = FileKeyRing(tmp_path, activation_seconds=0)
    ring.ensure_key()
    (tmp_path / "README.pem").write_text("not a key")
    (tmp_path / "20260101T000000000000Z-deadbeef.pem").write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n")
    (tmp_path / "notes.txt").write_text("hello")
    assert len(ring.all_keys()) == 1
    assert len(JwtTokens(ring, POLICY).jwks()) == 1


def test_an_empty_ring_cannot_sign(tmp_path: Path) -> None:
    ring = FileKeyRing(tmp_path / "missing", activation_seconds=0)
    assert ring.all_keys() == []
    with pytest.raises(RuntimeError, match="no signing key"):
        ring.signing_key()


def test_a_tampered_or_foreign_token_is_rejected(tmp_path: Path) -> None:
    service = JwtTokens(FileKeyRing(tmp_path / "a", activation_seconds=0), POLICY)
    other = JwtTokens(FileKeyRing(tmp_path / "b", activation_seconds=0), POLICY)
    service.ring.ensure_key()
    other.ring.ensure_key()
    with pytest.raises(jwt.InvalidTokenError):
        service.verify(token(other))
    head, _body, signature = token(service).split(".")
    forged_body = jwt.utils.base64url_encode(b'{"sub":"1"}').decode()
    with pytest.raises(jwt.InvalidTokenError):
        service.verify(f"{head}.{forged_body}.{signature}")


def test_the_cli_rotates_lists_and_refuses_to_prune_under_the_token_ttl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDMESH_AUTH_KEY_DIR", str(tmp_path))
    monkeypatch.setenv("FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS", "0")
    monkeypatch.delenv("FEEDMESH_TOKEN_TTL_SECONDS", raising=False)
    assert keys_cli.main(["rotate"]) == 0
    first = capsys.readouterr().out.strip()
    assert keys_cli.main(["rotate"]) == 0
    second = capsys.readouterr().out.strip()
    assert keys_cli.main(["list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith(second) and listing[0].endswith("signing")
    assert listing[1].startswith(first)
    assert keys_cli.main(["prune", "--older-than", "60"]) == 2
    assert "under the token TTL" in capsys.readouterr().err
    assert keys_cli.main(["prune", "--older-than", "3600"]) == 0
    assert len(os.listdir(tmp_path)) >= 2
