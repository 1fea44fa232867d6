"""The anti-abuse keys of the engagement service in the shared Redis (prefix `eng:`).

`{<user>}` is a hash tag: one user's keys share a cluster slot, so one script may touch them all.
"""

from __future__ import annotations


def budget_window(user_id: int, action: str, period: str, index: int) -> str:
    """Counter of the user's attempts of `action` in the `index`-th minute or day since the epoch; expires with it."""
    return f"eng:{{{user_id}}}:budget:{action}:{period}:{index}"


def harder_limit(user_id: int) -> str:
    """Present while the burst guard limits the user harder (value: the signal that tripped it); expires then."""
    return f"eng:{{{user_id}}}:harder"


def like_flips(user_id: int, post_id: int) -> str:
    """Hash last=<like|unlike> count=<alternations> of the user's likes and unlikes on one post, for a minute."""
    return f"eng:{{{user_id}}}:flips:{post_id}"


def ban_state(user_id: int) -> str:
    """The user's cached shadow-ban state: never / active / lifted (services.engagement.domain.shadow_bans.BanState)."""
    return f"eng:{{{user_id}}}:ban"
