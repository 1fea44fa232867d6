"""BatchCheckVisibility: one viewer, up to 1000 posts, a fixed number of round trips whatever the count: the
authors' profiles (one Redis MGET, auth only for misses) and the viewer's relationships to every author (one SQL
statement), fetched concurrently, then the pure rule per post. BatchCheckAudience is its mirror for one post and up
to 1000 viewers (a post's mentions): the author's profile and every viewer's relationship to the author."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.common.visibility import may_see
from services.graph.app.ports import GraphReader, UserDirectory
from services.graph.domain import rules
from services.graph.domain.model import Candidate, Relationship


class VisibilityChecks:
    def __init__(self, reader: GraphReader, directory: UserDirectory):
        self.reader = reader
        self.directory = directory

    async def check(self, viewer_id: int, candidates: Sequence[Candidate]) -> list[bool]:
        rules.check_user_id(viewer_id, field="viewer_id")
        rules.check_candidate_count(len(candidates))
        authors = sorted({c.author_id for c in candidates if c.author_id != viewer_id and c.author_id > 0})
        if authors:
            profiles, relationships = await asyncio.gather(
                self.directory.get_many(authors), self.reader.relationships(viewer_id, authors)
            )
        else:
            profiles, relationships = {}, {}
        none = Relationship()
        decisions = []
        for c in candidates:
            if c.author_id == viewer_id:
                decisions.append(True)
                continue
            author = profiles.get(c.author_id)
            decisions.append(
                author is not None  # an unknown author's posts are shown to no one but themselves
                and may_see(
                    viewer_id=viewer_id,
                    author_id=c.author_id,
                    visibility=c.visibility,
                    author_private=author.private,
                    relationship=relationships.get(c.author_id, none),
                )
            )
        return decisions

    async def audience(self, post: Candidate, viewer_ids: Sequence[int]) -> list[bool]:
        rules.check_user_id(post.author_id, field="author_id")
        rules.check_candidate_count(len(viewer_ids))
        for viewer_id in viewer_ids:
            rules.check_user_id(viewer_id, field="viewer_id")
        others = sorted({v for v in viewer_ids if v != post.author_id})
        if others:
            profiles, relationships = await asyncio.gather(
                self.directory.get_many([post.author_id]), self.reader.audience(post.author_id, others)
            )
        else:
            profiles, relationships = {}, {}
        author = profiles.get(post.author_id)
        none = Relationship()
        return [
            viewer_id == post.author_id
            or (
                author is not None
                and may_see(
                    viewer_id=viewer_id,
                    author_id=post.author_id,
                    visibility=post.visibility,
                    author_private=author.private,
                    relationship=relationships.get(viewer_id, none),
                )
            )
            for viewer_id in viewer_ids
        ]
