"""The use cases over simple fakes of their ports: registration, login, batch lookups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from services.auth.app.accounts import Accounts
from services.auth.app.sessions import Sessions
from services.auth.domain.tokens import TokenPolicy
from services.auth.domain.users import Credentials, Registration, User
from services.common.errors import AlreadyExists, InvalidArgument, Unauthenticated

NOW = 1_800_000_000.0


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[User, str]] = {}
        self.queries: list[tuple[str, list[Any]]] = []
        self.fail_rehash = False

    async def insert(self, user_id: int, registration: Registration, password_hash: str) -> User:
        if any(u.handle == registration.handle for u, _ in self.rows.values()):
            raise AlreadyExists("handle is taken", reason="HANDLE_TAKEN")
        user = User(user_id, registration.handle, registration.display_name, registration.private, datetime.now(UTC))
        self.rows[user_id] = (user, password_hash)
        return user

    async def credentials(self, handle: str) -> Credentials | None:
        return next((Credentials(u.id, h) for u, h in self.rows.values() if u.handle == handle), None)

    async def replace_password_hash(self, user_id: int, old_hash: str, new_hash: str) -> None:
        if self.fail_rehash:
            raise ConnectionError("database went away")
        user, current = self.rows[user_id]
        if current == old_hash:
            self.rows[user_id] = (user, new_hash)

    async def by_ids(self, user_ids: Sequence[int]) -> list[User]:
        self.queries.append(("ids", list(user_ids)))
        return [u for u, _ in self.rows.values() if u.id in user_ids]

    async def by_handles(self, handles: Sequence[str]) -> list[User]:
        self.queries.append(("handles", list(handles)))
        return [u for u, _ in self.rows.values() if u.handle in handles]

    async def by_handle_prefix(self, prefix: str, upper_bound: str, after_handle: str, limit: int) -> list[User]:
        self.queries.append(("prefix", [prefix, upper_bound, after_handle, limit]))
        found = sorted((u for u, _ in self.rows.values()), key=lambda u: u.handle.encode())
        return [u for u in found if prefix <= u.handle < upper_bound and u.handle > after_handle][:limit]


class FakeHasher:
    """'hash' is a readable prefix; 'v1:' hashes are outdated."""

    def __init__(self) -> None:
        self.dummy_verifications = 0

    async def hash(self, password: str) -> str:
        return f"v2:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.split(":", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith("v2:")

    async def verify_nothing(self, password: str) -> None:
        self.dummy_verifications += 1


class FakeSigner:
    def sign(self, claims: dict[str, Any]) -> str:
        return f"token-for-{claims['sub']}-until-{claims['exp']}"

    def jwks(self) -> list[dict[str, str]]:
        return [{"kid": "k1"}]


class Ids:
    def __init__(self) -> None:
        self.last = 1000

    def next_id(self) -> int:
        self.last += 1
        return self.last


@pytest.fixture
def users() -> FakeUsers:
    return FakeUsers()


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def accounts(users: FakeUsers, hasher: FakeHasher) -> Accounts:
    return Accounts(users, hasher, Ids())


@pytest.fixture
def sessions(users: FakeUsers, hasher: FakeHasher) -> Sessions:
    return Sessions(users, hasher, FakeSigner(), TokenPolicy("iss", "aud", 600), clock=lambda: NOW)


async def test_register_validates_then_stores_only_the_hash(accounts: Accounts, users: FakeUsers) -> None:
    user = await accounts.register("Ada", "\ufb01ne password", " Ada ", False)  # the ligature normalizes to "fi"
    assert (user.id, user.handle, user.display_name) == (1001, "ada", "Ada")
    assert users.rows[1001][1] == "v2:fine password"
    with pytest.raises(AlreadyExists):
        await accounts.register("ADA", "another password", "", False)
    with pytest.raises(InvalidArgument):
        await accounts.register("a d a", "another password", "", False)


async def test_handle_prefix_lookups_page_in_handle_order(accounts: Accounts, users: FakeUsers) -> None:
    for handle in ["al_b", "alb", "al_a", "ali", "bob"]:
        await accounts.register(handle, "a long password", "", False)
    assert [u.handle for u in await accounts.by_handle_prefix("@AL", "", 3)] == ["al_a", "al_b", "alb"]
    assert users.queries[-1] == ("prefix", ["al", "am", "", 3])
    assert [u.handle for u in await accounts.by_handle_prefix("al", "alb", 3)] == ["ali"]
    assert [u.handle for u in await accounts.by_handle_prefix("al_", "", 10)] == ["al_a", "al_b"]
    for prefix, after, limit in [("a b", "", 3), ("al", "ALB", 3), ("al", "", 0), ("al", "", 102)]:
        with pytest.raises(InvalidArgument):
            await accounts.by_handle_prefix(prefix, after, limit)


async def test_login_issues_a_token_for_the_account(accounts: Accounts, sessions: Sessions) -> None:
    user = await accounts.register("bob", "bob's password", "", False)
    token = await sessions.login("@BOB", "bob's password")
    assert (token.user_id, token.expires_in) == (user.id, 600)
    assert token.token == f"token-for-{user.id}-until-{int(NOW) + 600}"


async def test_wrong_password_and_unknown_handle_fail_alike_and_both_verify(
    accounts: Accounts, sessions: Sessions, hasher: FakeHasher
) -> None:
    await accounts.register("carol", "carol's password", "", False)
    messages = []
    for handle, password in (("carol", "wrong password"), ("nobody", "carol's password"), ("not valid!", "x")):
        with pytest.raises(Unauthenticated) as caught:
            await sessions.login(handle, password)
        messages.append((caught.value.message, caught.value.reason))
    assert set(messages) == {("wrong handle or password", "BAD_CREDENTIALS")}
    assert hasher.dummy_verifications == 2  # the unknown and the malformed handle cost a verification too
    with pytest.raises(Unauthenticated):
        await sessions.login("carol", "x" * 100_000)


async def test_login_upgrades_an_outdated_hash(sessions: Sessions, users: FakeUsers) -> None:
    users.rows[7] = (User(7, "dave", "", False, datetime.now(UTC)), "v1:dave's password")
    await sessions.login("dave", "dave's password")
    assert users.rows[7][1] == "v2:dave's password"


async def test_a_failed_upgrade_does_not_fail_the_login(sessions: Sessions, users: FakeUsers) -> None:
    users.rows[8] = (User(8, "erin", "", False, datetime.now(UTC)), "v1:erin's password")
    users.fail_rehash = True
    assert (await sessions.login("erin", "erin's password")).user_id == 8
    assert users.rows[8][1] == "v1:erin's password"


async def test_batch_lookups_are_one_query_in_request_order(accounts: Accounts, users: FakeUsers) -> None:
    a = await accounts.register("aaa", "password1", "", False)
    b = await accounts.register("bbb", "password2", "", False)
    assert [u.id for u in await accounts.by_ids([b.id, 5, a.id, b.id, 0])] == [b.id, a.id, b.id]
    assert users.queries == [("ids", [b.id, 5, a.id])]
    assert [u.id for u in await accounts.by_handles(["@BBB", "zzz", "a a", "aaa", "bbb"])] == [b.id, a.id, b.id]
    assert users.queries[-1] == ("handles", ["bbb", "zzz", "aaa"])
    assert await accounts.by_ids([]) == [] and await accounts.by_handles(["!"]) == []
    assert len(users.queries) == 2  # nothing to look up: no query
    with pytest.raises(InvalidArgument):
        await accounts.by_ids(list(range(1, 1002)))
