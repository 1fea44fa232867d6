"""The engagement version: how a service may keep copies of what the engagement service says about posts (counts,
likedByMe) and still show a user their own likes, comments and shares on their next read.

The engagement service keeps each user's version in the shared Redis (services.common.redis_keys
.engagement_user_version). After every committed like, unlike, comment, comment delete or share by the user, and
after its change is in the counter cache, before the call returns, it sets the key to a fresh unique token; a shadow
ban or unban of the user replaces it too. The key has no TTL: a user who never engaged has none, and "" (no key) is
a version like any other. The token starts with "h" when the user may have hidden engagement of their own
(shadow-banned now or before): the counts such a user sees are theirs alone (services/engagement/domain
/shadow_bans.py), so a copy of what everyone sees must not be shown to them.

So a reader that reads the version, then asks BatchGetPostStats, may show that answer's likedByMe to the user while
the version is unchanged; and counts asked by anyone after it first saw the user's version include the user's own
changes. Redis losing the key (a restart without persistence) changes the version: a reader asks again.
"""

from __future__ import annotations

from services.common import redis_keys
from services.common.tokens import unique_token

HIDDEN_MARK = "h"


def engagement_version_key(user_id: int) -> str:
    return redis_keys.engagement_user_version(user_id)


def new_version(*, sees_own_hidden: bool) -> str:
    """A fresh token (never reused: an expired counter would start again and match an old copy)."""
    token = unique_token()
    return HIDDEN_MARK + token if sees_own_hidden else "v" + token


def replace_command(user_id: int, *, sees_own_hidden: bool) -> list[str]:
    """The Redis command that gives the user a fresh version: sent by the engagement service in the round trip that
    applies the user's change to the counter cache, after it (Redis runs one connection's commands in order)."""
    return ["SET", engagement_version_key(user_id), new_version(sees_own_hidden=sees_own_hidden)]


def sees_own_hidden(version: str) -> bool:
    """Whether the user of this version sees counts of their own (so no shared copy of the counts will do)."""
    return version.startswith(HIDDEN_MARK)
