"""Access-token claims."""

from __future__ import annotations

from services.auth.domain.tokens import TokenPolicy, access_token_claims


def test_claims_name_the_issuer_audience_subject_and_lifetime() -> None:
    policy = TokenPolicy(issuer="feedmesh-auth", audience="feedmesh", ttl_seconds=3600)
    claims = access_token_claims(policy, 123456789012345678, now=1_800_000_000.9, jti="abc")
    assert claims == {
        "iss": "feedmesh-auth",
        "aud": "feedmesh",
        "sub": "123456789012345678",
        "iat": 1_800_000_000,
        "exp": 1_800_003_600,
        "jti": "abc",
    }
