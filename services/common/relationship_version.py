"""The relationship version: how a service may cache what the graph service says about a user's relationships
and still see every change on the next read.

The graph service keeps the user's generation (services.common.redis_keys.graph_generation) in the shared Redis.
After every committed change that touches the user's relationships (a follow, unfollow, approved request, block or
close-friends change, on either side), and before the call that made it returns, it sets the key to a fresh unique
token. ListFolloweeIds reads the token (creating one when there is none) before it reads PostgreSQL and returns it
as `relationship_version`.

So an answer cached with its version is current exactly while the key still holds that version. Tokens are never
reused (an INCR counter would be: an expired or evicted key starts again from 1), and a missing key means unknown:
ask the graph service again.
"""

from __future__ import annotations

from services.common import redis_keys


def relationship_version_key(user_id: int) -> str:
    """The key under which the graph service publishes `user_id`'s relationship version (graph's hash tag, so it
    sits in the slot of the graph's other keys of that user)."""
    return redis_keys.graph_generation(user_id)
