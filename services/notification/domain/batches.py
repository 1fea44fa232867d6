"""How the work of one consumed batch is grouped, as pure functions: the batch's drafts are judged and written
together, after its removals (see app/ingest.py for why that order gives what applying the events one by one gives).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.notification.domain.model import Draft, DropRule, SourceRemoval, SubjectRemoval


@dataclass
class Drafted:
    """A batch's drafts reduced to at most one per recipient's source, and what was dropped on the way."""

    kept: list[Draft] = field(default_factory=list)
    dropped: list[DropRule] = field(default_factory=list)


def newest_per_source(drafts: Sequence[Draft]) -> Drafted:
    """The newest draft (highest id) of each recipient's source. One by one, an older draft of the same source
    would be superseded by the newer one (written and replaced, or dropped): the result is the newer one either
    way. The same draft twice (a redelivery inside the batch) is a duplicate; your own action is dropped here too."""
    out = Drafted()
    newest: dict[tuple[int, str], Draft] = {}
    for draft in drafts:
        n = draft.notification
        if n.actor_id == n.recipient_id:
            out.dropped.append(DropRule.OWN_ACTION)
            continue
        key = (n.recipient_id, draft.source)
        held = newest.get(key)
        if held is None:
            newest[key] = draft
        elif held.notification.id == n.id:
            out.dropped.append(DropRule.DUPLICATE)
        else:
            out.dropped.append(DropRule.SUPERSEDED)
            if n.id > held.notification.id:
                newest[key] = draft
    out.kept = list(newest.values())
    return out


Removal = SourceRemoval | SubjectRemoval


def removal_target(removal: Removal) -> tuple[str, int, str]:
    """What a removal reads and writes: removals of one target run in their order, different targets side by side."""
    if isinstance(removal, SubjectRemoval):
        return ("subject", 0, removal.subject)
    return ("source", removal.recipient_id, removal.source)


def removals_by_target(removals: Sequence[Removal]) -> list[list[Removal]]:
    """The removals grouped by target, each group in the batch's order."""
    groups: dict[tuple[str, int, str], list[Removal]] = {}
    for removal in removals:
        groups.setdefault(removal_target(removal), []).append(removal)
    return list(groups.values())
