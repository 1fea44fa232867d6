"""The saved session: only its owner can read it, it survives a round trip, and a missing, expired or foreign one
is refused with a reason instead of being sent."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from feedmesh_cli.api_errors import NotLoggedIn
from feedmesh_cli.token_store import SESSION_FILE, Session, TokenStore

GATEWAY = "http://127.0.0.1:8080"


def _session(expires_at: float = 2_000.0) -> Session:
    return Session(GATEWAY, "123", "alice", "token-abc", expires_at)


def test_the_saved_session_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "config" / "feedmesh")
    store.save(_session())
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.load() == _session()
    assert [p.name for p in store.path.parent.iterdir()] == [SESSION_FILE]  # no partial file left behind


def test_saving_again_replaces_the_session_and_keeps_the_mode(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.save(_session())
    store.path.chmod(0o644)
    store.save(Session(GATEWAY, "456", "bob", "token-def", 3_000.0))
    assert store.load() == Session(GATEWAY, "456", "bob", "token-def", 3_000.0)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_logout_forgets_the_session(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.save(_session())
    assert store.delete() is True
    assert store.load() is None
    assert store.delete() is False


def test_a_file_that_is_not_a_session_reads_as_none(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    for text in ("not json", '{"handle": "alice"}', "[]"):
        store.path.write_text(text)
        assert store.load() is None, text


def test_from_login_counts_the_expiry_from_now() -> None:
    answer = {"accessToken": "jwt", "expiresIn": "3600", "userId": "77"}
    session = Session.from_login(GATEWAY, "carol", answer, now=1_000.0)
    assert session == Session(GATEWAY, "77", "carol", "jwt", 4_600.0)
    assert not session.expired(4_599.0) and session.expired(4_600.0)


def test_current_refuses_a_missing_expired_or_foreign_session(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    with pytest.raises(NotLoggedIn, match="no saved session"):
        store.current(GATEWAY, now=1_000.0)
    store.save(_session(expires_at=2_000.0))
    assert store.current(GATEWAY + "/", now=1_999.0).access_token == "token-abc"
    with pytest.raises(NotLoggedIn, match="session of @alice expired"):
        store.current(GATEWAY, now=2_000.0)
    with pytest.raises(NotLoggedIn) as foreign:
        store.current("http://gw.example:80", now=1_000.0)
    assert foreign.value.why == "the saved session is for http://127.0.0.1:8080, not http://gw.example:80"
