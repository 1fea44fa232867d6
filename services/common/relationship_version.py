"""The relationship version: how a service may cache what the graph service says about a user's relationships
and still see every change on the next read.

The graph service keeps the user's generation (services.common.redis_keys.graph_generation) in the shared Redis.
After every committed change that touches the user's relationships (a follow, unfollow, approved request, block or
close-friends change, on either side), and before the call that made it returns, it sets the key to a fresh unique
token. ListFolloweeIds reads the token (creating one when there is none) before it reads PostgreSQL and returns it
as `relationship_version`.

So an answer cached with its version is current exactly while the key still holds that version. Tokens are never
reused (an INCR counter would be: an expired or evicted key starts again from 1), and a missing key means unknown:
ask the graph service again. A reader may also create the missing token itself (`ensure_versions`, the graph's own
script), provided it reads the versions before it asks about the relationship: a change always replaces the token,
whoever created it, so a token created this way can only make later reads miss, never hit on a stale answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.common import redis_keys
from services.common.redis_mux import Script, load_script
from services.common.tokens import unique_token

VERSION_TTL_SECONDS = 86_400
"""How long a version lives after it was last replaced or created."""


def relationship_version_key(user_id: int) -> str:
    """The key under which the graph service publishes `user_id`'s relationship version (graph's hash tag, so it
    sits in the slot of the graph's other keys of that user)."""
    return redis_keys.graph_generation(user_id)


def ensure_script() -> Script:
    """lua/ensure_relationship_versions.lua: each user's version, created when missing (read when called)."""
    return load_script(__file__, "ensure_relationship_versions.lua")


def ensure_call(user_ids: Sequence[int]) -> tuple[list[str], list[str | int]]:
    """The keys and arguments of one `ensure_script` run for these users (their versions come back in order)."""
    keys = [relationship_version_key(u) for u in user_ids]
    return keys, [*(unique_token() for _ in user_ids), VERSION_TTL_SECONDS]
