"""The names of feedmesh's keys in the shared Redis, by owning service: one place to see every key layout.

Each service writes only its own section's keys; another service reads them only where the owner publishes them
(see docs/service-conventions.md, Redis).
"""

from __future__ import annotations

# --- engagement (owner: services/engagement) ----------------------------------------------------------------------
# Per post, under the post's hash tag (one slot for all of a post's keys, so one script may touch them together):
# three sets whose members are the likers' user ids, the comment ids and the share ids, each complete (every
# committed row of that kind, and the sentinel member) or absent; and `gen`, a random token replaced by every
# change, which a rebuild compares before it publishes. Private to the engagement service.
ENGAGEMENT_SENTINEL = "0"  # no user, comment or share has id 0


def engagement_gen(post_id: int) -> str:
    return f"eng:{{{post_id}}}:gen"


def engagement_likers(post_id: int) -> str:
    return f"eng:{{{post_id}}}:likes"


def engagement_comments(post_id: int) -> str:
    return f"eng:{{{post_id}}}:comments"


def engagement_shares(post_id: int) -> str:
    return f"eng:{{{post_id}}}:shares"


def engagement_staged(post_id: int, name: str, token: str) -> str:
    """A rebuild's private copy of one of the sets, published by renaming it."""
    return f"eng:{{{post_id}}}:{name}:staged:{token}"
