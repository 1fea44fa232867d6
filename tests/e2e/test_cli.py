"""The `feedmesh` user commands as their own processes against the real gateway: two people sign up, log in, follow,
post, like, read the feed (JSON and text) and their notifications, and log out; the failures a user meets (not
logged in, a refused session, bad input, a taken handle, a wrong password) end in one line with the server's message
and what to do, never a traceback. Each person has their own config directory, as on their own machine."""

from __future__ import annotations

import json
import re
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common.polling import wait_for_sync
from tests.cli_runner import Outcome, run_cli
from tests.e2e.conftest import PASSWORD, Gateway

pytestmark = pytest.mark.e2e

# far above the feed's and the notifications' delivery targets: a failure here is a lost post or notification
DELIVERY_WITHIN = 15.0


@dataclass(frozen=True)
class Person:
    handle: str
    config: Path
    gateway_url: str

    def run(self, *args: str) -> Outcome:
        env = {
            "FEEDMESH_CONFIG_DIR": str(self.config),
            "FEEDMESH_GATEWAY_URL": self.gateway_url,
            "FEEDMESH_PASSWORD": PASSWORD,
        }
        return run_cli(list(args), cwd=self.config.parent, env=env)

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.status == 0 and "Traceback" not in done.err, (args, done)
        return done.out

    def refused(self, *args: str, status: int = 1) -> str:
        """The one line of a refused command (its stderr), checked for the form every failure has."""
        done = self.run(*args)
        assert done.status == status and done.out == "", (args, done)
        assert done.err.startswith("feedmesh: ") and "Traceback" not in done.err, (args, done)
        return done.err

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def signup(self) -> str:
        out = self.ok("signup", self.handle, "--display-name", self.handle.title())
        found = re.fullmatch(rf"signed up as @{self.handle} \(user id (\d+)\) and logged in\n", out)
        assert found, out
        return found.group(1)


def _person(gateway: Gateway, tmp_path: Path, name: str) -> Person:
    (tmp_path / name).mkdir()
    return Person(f"cli_{name}_{secrets.token_hex(4)}", tmp_path / name / "config", gateway.url)


def _feed_item(person: Person, post_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        items = person.json("feed", "--mode", "chronological", "--limit", "100")["items"]
        return next((item for item in items if item["post"]["id"] == post_id), None)

    found = wait_for_sync(
        probe, what=f"post {post_id} in @{person.handle}'s feed", within=DELIVERY_WITHIN, interval=0.3
    )
    assert found is not None
    return found


def test_two_people_follow_post_like_and_read_through_the_cli(gateway: Gateway, tmp_path: Path) -> None:
    alice, bob = _person(gateway, tmp_path, "alice"), _person(gateway, tmp_path, "bob")
    alice_id, bob_id = alice.signup(), bob.signup()

    # login replaces the session signup saved; the file is the owner's only
    assert bob.ok("logout") == f"logged out @{bob.handle}\n"
    login = bob.ok("login", bob.handle)
    assert login.startswith(f"logged in as @{bob.handle} (user id {bob_id}) at {gateway.url}"), login
    assert stat.S_IMODE((bob.config / "session.json").stat().st_mode) == 0o600
    assert bob.ok("whoami").startswith(f"@{bob.handle} (user id {bob_id})")

    assert bob.ok("follow", alice_id) == f"following user {alice_id}\n"
    post = alice.json("post", f"hello @{bob.handle}, from the cli")
    assert post["authorId"] == alice_id and post["text"] == f"hello @{bob.handle}, from the cli"

    picture = tmp_path / "picture.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(64))
    with_media = alice.json("post", "a picture", "--media", str(picture), "--visibility", "followers")
    [ref] = with_media["mediaRefs"]
    assert with_media["visibility"] == "FOLLOWERS"
    assert httpx.get(f"{gateway.url}/media/{ref}", timeout=10).content == picture.read_bytes()

    item = _feed_item(bob, post["id"])
    assert item["author"]["handle"] == alice.handle and item["likedByMe"] is False

    assert bob.ok("like", post["id"]) == f"liked post {post['id']} (1 like)\n"
    liked = bob.json("feed", "--mode", "chronological")["items"]
    liked_item = next(i for i in liked if i["post"]["id"] == post["id"])
    assert liked_item["likedByMe"] is True and liked_item["post"]["likeCount"] == "1"

    lines = bob.ok("feed", "--mode", "chronological").splitlines()
    at = lines.index(next(line for line in lines if line.endswith(f"post {post['id']}")))
    assert lines[at].startswith(f"@{alice.handle} ({alice.handle.title()})  ") and " ago  " in lines[at]
    assert lines[at + 1 : at + 3] == [
        f"hello @{bob.handle}, from the cli",
        "1 like · 0 comments · 0 shares · liked by you",
    ]

    def alice_notifications() -> set[tuple[str, str, str]]:
        listed = alice.json("notifications", "--limit", "100")["notifications"]
        return {(n["kind"], n["actor"]["id"], n.get("postId", "0")) for n in listed}

    wanted = {("FOLLOW", bob_id, "0"), ("LIKE", bob_id, post["id"])}
    wait_for_sync(
        alice_notifications,
        wanted.issubset,
        what="bob's FOLLOW and LIKE at alice",
        within=DELIVERY_WITHIN,
        interval=0.3,
    )
    shown = alice.ok("notifications")
    assert re.search(rf"\*.*@{bob.handle} .*followed you", shown), shown
    assert re.search(rf"\*.*@{bob.handle} .*liked your post {post['id']}", shown), shown
    mentions = wait_for_sync(
        lambda: bob.json("notifications")["notifications"],
        lambda listed: any(n["kind"] == "MENTION" and n.get("postId") == post["id"] for n in listed),
        what="alice's MENTION at bob",
        within=DELIVERY_WITHIN,
        interval=0.3,
    )
    assert any(n["actor"]["handle"] == alice.handle for n in mentions)

    assert bob.ok("unlike", post["id"]) == f"unliked post {post['id']} (0 likes)\n"
    assert bob.ok("unfollow", alice_id) == f"not following user {alice_id}\n"
    assert bob.ok("logout") == f"logged out @{bob.handle}\n"
    assert "run `feedmesh login HANDLE`" in bob.refused("feed")


def test_what_a_user_gets_wrong_is_explained(gateway: Gateway, tmp_path: Path) -> None:
    carol, stranger = _person(gateway, tmp_path, "carol"), _person(gateway, tmp_path, "stranger")

    # not logged in at all
    assert stranger.refused("feed") == (
        f"feedmesh: not logged in (no saved session in {stranger.config / 'session.json'}): "
        "run `feedmesh login HANDLE`\n"
    )
    assert stranger.refused("login", stranger.handle) == "feedmesh: login refused: wrong handle or password\n"
    bad_handle = stranger.refused("signup", "No Such Handle!")
    assert bad_handle.startswith("feedmesh: bad request: handle must be 3-30 characters"), bad_handle

    carol_id = carol.signup()
    elsewhere = Person(carol.handle, _person(gateway, tmp_path, "elsewhere").config, gateway.url)
    assert elsewhere.refused("signup", carol.handle).startswith("feedmesh: conflict: ")

    assert carol.refused("post", "   ") == "feedmesh: bad request: text is empty\n"
    assert carol.refused("post", "x" * 501).startswith("feedmesh: bad request: ")
    assert carol.refused("follow", carol_id) == "feedmesh: bad request: you cannot follow yourself\n"
    assert carol.refused("follow", "1") == "feedmesh: not found: user 1 does not exist\n"
    assert carol.refused("like", "1").startswith("feedmesh: not found: ")
    assert carol.refused("feed", "--page-token", "not-a-cursor").startswith("feedmesh: bad request: ")

    # a session the gateway refuses (a token it did not sign) is a 401 that says to log in again
    saved = json.loads((carol.config / "session.json").read_text())
    (carol.config / "session.json").write_text(json.dumps({**saved, "access_token": "not-a-jwt"}))
    refused = carol.refused("notifications")
    assert refused.startswith("feedmesh: not logged in: the gateway refused the saved session (Jwt")
    assert refused.endswith("run `feedmesh login HANDLE`\n")

    # a session that expired is not sent
    (carol.config / "session.json").write_text(json.dumps({**saved, "expires_at": time.time() - 1}))
    assert carol.refused("feed") == f"feedmesh: not logged in (the session of @{carol.handle} expired): " + (
        "run `feedmesh login HANDLE`\n"
    )
