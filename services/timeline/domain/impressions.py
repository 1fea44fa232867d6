"""What a served page showed, as impressions (FeedImpression events): the training data of the ranking
model and the exposures of the A/B report. The first `ranked_items` of a page are in ranked order (that model's
impressions); the rest were served chronologically (below a ranked window, or a chronological or degraded page)."""

from __future__ import annotations

from dataclasses import dataclass

from services.timeline.domain.feed import FeedPage

RANKED = "ranked"
CHRONOLOGICAL = "chronological"


@dataclass(frozen=True, slots=True)
class Impression:
    viewer_id: int
    post_id: int
    author_id: int
    position: int  # 0-based, across the pages of one feed
    mode: str
    model_version: str
    experiment: str
    page_id: str
    post_create_time_ns: int
    has_media: bool
    score: float
    served_at_ns: int


def impressions_of(
    viewer: int, page: FeedPage, first_position: int, page_id: str, served_at_ns: int
) -> list[Impression]:
    """One impression per item; a score only where the page knows it (a ranked first page)."""
    out = []
    for index, item in enumerate(page.items):
        post = item.post
        ranked = index < page.ranked_items
        out.append(
            Impression(
                viewer_id=viewer,
                post_id=post.id,
                author_id=post.author_id,
                position=first_position + index,
                mode=RANKED if ranked else CHRONOLOGICAL,
                model_version=page.model_version if ranked else "",
                experiment=page.experiment,
                page_id=page_id,
                post_create_time_ns=post.create_time_ns,
                has_media=bool(post.media_refs),
                score=page.scores[index] if index < len(page.scores) else 0.0,
                served_at_ns=served_at_ns,
            )
        )
    return out
