"""The peer questions of a batch, asked once for the batch (app/lookups.py), on fakes of the peers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.common.visibility import Visibility
from services.notification.app.lookups import Lookup, PeerLookups
from services.notification.app.ports import Actor, PostFacts
from services.notification.domain import model, rules
from services.notification.domain.model import DropRule, Kind

T = 1_800_000_000_000
AUTHOR, HIDDEN = 1, 13


@dataclass
class Peers:
    visibility_calls: list[list[tuple[int, int]]] = field(default_factory=list)
    handle_calls: list[list[str]] = field(default_factory=list)
    post_calls: list[list[int]] = field(default_factory=list)
    drops: Counter[DropRule] = field(default_factory=Counter)

    async def ids_by_handle(self, handles: Sequence[str]) -> dict[str, int]:
        self.handle_calls.append(list(handles))
        return {h: int(h.removeprefix("u")) for h in handles if h.startswith("u")}

    async def actors(self, user_ids: Sequence[int]) -> dict[int, Actor]:
        return {}

    async def close_friends(self, owner_id: int) -> list[int]:
        return [21, 22, HIDDEN]

    async def visible(self, checks: Sequence[tuple[int, PostFacts]]) -> set[tuple[int, int]]:
        self.visibility_calls.append([(viewer, post.post_id) for viewer, post in checks])
        return {(viewer, post.post_id) for viewer, post in checks if viewer != HIDDEN}

    async def live_posts(self, post_ids: Sequence[int]) -> dict[int, PostFacts]:
        self.post_calls.append(list(post_ids))
        return {p: PostFacts(p, AUTHOR, Visibility.PUBLIC) for p in post_ids if p != 404}

    def written(self, kind: Kind, delay_seconds: float) -> None: ...

    def dropped(self, rule: DropRule, count: int = 1) -> None:
        self.drops[rule] += count

    def removed(self, cause: str, count: int) -> None: ...

    def stage(self, name: str, seconds: float) -> None: ...


def lookups(peers: Peers) -> PeerLookups:
    """One fake plays every peer and the metrics."""
    return PeerLookups(users=peers, graph=peers, posts=peers, metrics=peers)


def asked(change: model.Change, event_id: str) -> tuple[model.Occurrence, Lookup]:
    occurrence = model.Occurrence(event_id, T, change)
    plan = rules.plan(occurrence)
    lookup = plan.mentions or plan.close_friends
    assert lookup is not None
    return occurrence, lookup


def recipients(drafts: Sequence[model.Draft]) -> list[tuple[int, Kind, int]]:
    return sorted((d.notification.recipient_id, d.notification.kind, d.notification.post_id) for d in drafts)


async def test_a_batch_of_mentions_asks_each_peer_once() -> None:
    peers = Peers()
    batch = [
        asked(model.PostPublished(100, AUTHOR, Visibility.PUBLIC, (11, 12, HIDDEN)), "a"),
        asked(model.PostPublished(101, AUTHOR, Visibility.PUBLIC, (11,)), "b"),
        asked(model.CommentCreated(7, 102, 5, AUTHOR, ("u14", "nobody")), "c"),
        asked(model.CommentCreated(8, 404, 5, AUTHOR, ("u15",)), "d"),
    ]
    drafts = await lookups(peers).drafts(batch)
    assert recipients(drafts) == [
        (11, Kind.MENTION, 100),
        (11, Kind.MENTION, 101),
        (12, Kind.MENTION, 100),
        (14, Kind.MENTION, 102),
    ]
    assert peers.handle_calls == [["u14", "nobody", "u15"]]
    assert peers.post_calls == [[102, 404]]
    (checks,) = peers.visibility_calls
    assert sorted(checks) == [(11, 100), (11, 101), (12, 100), (13, 100), (14, 102)]
    assert peers.drops == Counter({DropRule.NOT_VISIBLE: 1, DropRule.UNKNOWN_HANDLE: 1, DropRule.DELETED: 1})


async def test_close_friends_who_may_see_the_post_get_it() -> None:
    peers = Peers()
    drafts = await lookups(peers).drafts([asked(model.PostPublished(100, AUTHOR, Visibility.CLOSE_FRIENDS, ()), "a")])
    assert recipients(drafts) == [(21, Kind.CLOSE_FRIEND_POST, 100), (22, Kind.CLOSE_FRIEND_POST, 100)]
    assert peers.drops == Counter({DropRule.NOT_VISIBLE: 1})
