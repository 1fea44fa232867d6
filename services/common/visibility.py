"""May a viewer see a post? The one rule every read path applies, as a pure function: the graph service's
BatchCheckVisibility and the timeline's feed reads both decide with `may_see`.

In order: the author always sees their own posts; a block either way hides everything; a private author's posts
are seen only by approved followers, whatever the post's visibility; then FOLLOWERS needs a follower,
CLOSE_FRIENDS needs a place on the author's close-friends list, and PUBLIC is seen by everyone left.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Visibility(enum.Enum):
    """Who may see a post, on top of the author's account privacy."""

    PUBLIC = "PUBLIC"
    FOLLOWERS = "FOLLOWERS"
    CLOSE_FRIENDS = "CLOSE_FRIENDS"


@dataclass(frozen=True)
class Relationship:
    """What matters about a viewer and an author to decide on the author's posts."""

    blocked: bool = False
    """Either has blocked the other."""
    follows: bool = False
    """The viewer is an approved follower of the author."""
    close_friend: bool = False
    """The viewer is on the author's close-friends list."""


def may_see(
    *, viewer_id: int, author_id: int, visibility: Visibility, author_private: bool, relationship: Relationship
) -> bool:
    if viewer_id == author_id:
        return True
    if relationship.blocked:
        return False
    if author_private and not relationship.follows:
        return False
    if visibility is Visibility.FOLLOWERS:
        return relationship.follows
    if visibility is Visibility.CLOSE_FRIENDS:
        return relationship.close_friend
    return True
