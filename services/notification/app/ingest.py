"""Applies the inbound events: drafts become notifications when `rules.judge` allows, undos and deletions take
theirs away. Every step is idempotent, so a redelivered event changes nothing.

The "disappear" rules are applied at write time (rows are deleted) rather than filtered at read time: reads then
need no peer call, pages stay exact and full, and the unread count (a Redis set of ids) stays what the list
shows. Tombstones (a source's or a subject's removal time) make the order of arrival irrelevant: an event that
comes after the undo or the block that supersedes it is dropped by `judge`.

A consumed batch is applied as a whole, which is what keeps a burst (one Kafka key: a viral post's likes, a
celebrity's posts) as fast as it comes: the peers are asked once for the batch (app/lookups.py), then every
removal runs, then every draft is judged and written together (one read of the sources and tombstones, batched
rows, one Redis round trip). Removals first gives what applying the events in order gives: a removal leaves its
tombstone whether or not the notification it takes is there yet, so a draft of the same batch that it supersedes
is dropped by `judge`, and a later draft (a re-like, an event after an unblock) is newer than the tombstone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from services.notification.app.lookups import Lookup, PeerLookups
from services.notification.app.ports import IngestMetrics, LiveFeed, NotificationStore, UnreadCounters
from services.notification.domain import batches, rules
from services.notification.domain.model import Draft, DropRule, Notification, Occurrence, SourceRemoval, SubjectRemoval


@dataclass
class Ingest:
    store: NotificationStore
    unread: UnreadCounters
    live: LiveFeed
    lookups: PeerLookups
    metrics: IngestMetrics
    clock: Callable[[], float] = time.time

    async def apply(self, occurrences: Sequence[Occurrence]) -> asyncio.Task[None]:
        """Applies a batch of events up to its notifications being visible (listed and counted unread), and returns
        the rest, already running: the tombstones read again and the survivors published to live streams. The
        consumer polls the next batch meanwhile (its `pipeline_depth`) and commits this one once the rest is done."""
        if occurrences:  # from the oldest event's commit to its batch being applied: the wait in Kafka and the poll
            self.metrics.stage("queued", max(0.0, self.clock() - min(o.occur_ms for o in occurrences) / 1000))
        drafts: list[Draft] = []
        asked: list[tuple[Occurrence, Lookup]] = []
        removals: list[batches.Removal] = []
        for occurrence in occurrences:
            plan = rules.plan(occurrence)
            drafts += plan.drafts
            asked += [(occurrence, lookup) for lookup in (plan.mentions, plan.close_friends) if lookup is not None]
            removals += [*plan.subject_removals, *plan.source_removals]
        if asked:
            with self._timed("lookups"):
                drafts += await self.lookups.drafts(asked)
        if removals:
            with self._timed("removals"):
                await asyncio.gather(*(self._remove_in_order(group) for group in batches.removals_by_target(removals)))
        accepted, repaired = await self._write(drafts)
        visible_at = self.clock()
        return asyncio.create_task(self._confirm(accepted, repaired, visible_at), name="notification-batch-rest")

    async def _write(self, drafts: Sequence[Draft]) -> tuple[list[Draft], list[Draft]]:
        """Writes the drafts `judge` allows and counts them unread, and writes again those it calls duplicates (a
        batch that failed half-way may have linked a source before its rows were written: see
        NotificationStore.link). Returns both. Only the sources of the kinds an undo takes away are read and
        linked here: they decide whether a draft is superseded or replaces an older one. The other kinds have one
        event per source, whose source says only whether it was delivered before: that is read in the rest."""
        drafted = batches.newest_per_source(drafts)
        for rule in drafted.dropped:
            self.metrics.dropped(rule)
        if not drafted.kept:
            return [], []
        with self._timed("read"):
            stored, tombstones = await self._stored(drafted.kept, [d for d in drafted.kept if rules.undoable(d)])
        accepted: list[Draft] = []
        repaired: list[Draft] = []
        replaced: list[tuple[int, int]] = []
        for draft in drafted.kept:
            verdict = rules.judge(draft, stored.get(_source_key(draft)), tombstones)
            if verdict.dropped is DropRule.DUPLICATE:
                repaired.append(draft)
            elif verdict.dropped is None:
                accepted.append(draft)
            if verdict.dropped is not None:
                self.metrics.dropped(verdict.dropped)
            if verdict.replaces is not None:
                replaced.append((draft.notification.recipient_id, verdict.replaces))
        if replaced:
            await self._delete_ids(replaced)
        if accepted or repaired:
            written = [*accepted, *repaired]
            with self._timed("write"):
                await asyncio.gather(
                    self.store.write(written), self.store.link([d for d in written if rules.undoable(d)])
                )
            with self._timed("unread"):
                await self.unread.add(_ids_by_recipient(d.notification for d in (*accepted, *repaired)))
        return accepted, repaired

    async def _confirm(self, accepted: Sequence[Draft], repaired: Sequence[Draft], visible_at: float) -> None:
        """The rest of a batch. The sources of the drafts no undo takes away were not read before the write: those
        that name the same notification already are an earlier delivery's (counted as duplicates, not published);
        the others are linked now. Then the subject rows, by which a removal finds a notification, and a second
        look at the tombstones: a removal that ran concurrently (another member, another process, the next batch)
        may have read the subject rows before these were written, but then its tombstone was written before this
        look reads it. Then the new ones are published."""
        if not accepted and not repaired:
            return
        later = [d for d in accepted if not rules.undoable(d)]
        with self._timed("sources"):
            known = await self.store.sources([_source_key(d) for d in later]) if later else {}
        again = {d for d in later if (s := known.get(_source_key(d))) and s.notification_id == d.notification.id}
        if again:
            self.metrics.dropped(DropRule.DUPLICATE, len(again))
        new = [d for d in accepted if d not in again]
        for draft in new:
            self.metrics.written(draft.notification.kind, max(0.0, visible_at - draft.occur_ms / 1000))
        written = [*accepted, *repaired]
        with self._timed("subjects"):
            await asyncio.gather(self.store.link(later), self.store.write_subjects(written))
        with self._timed("confirm"):
            stored, tombstones = await self._stored(written, [d for d in written if rules.undoable(d)])
        late: set[Notification] = set()
        for draft in written:
            source = stored.get(_source_key(draft))
            removed_at = rules.StoredSource(None, source.removed_at_ms if source else None)
            verdict = rules.judge(draft, removed_at, tombstones)
            if verdict.dropped is not None:
                late.add(draft.notification)
                self.metrics.dropped(verdict.dropped)
        await self._delete(list(late))
        fresh = [d.notification for d in new if d.notification not in late]
        if fresh:
            with self._timed("publish"):
                await self.live.publish(fresh)

    @contextlib.contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        """Observes the stage's time when it passes (stages: lookups, removals, read, write, unread, sources,
        subjects, confirm, publish; and `queued`, observed in apply)."""
        started = time.perf_counter()
        yield
        self.metrics.stage(stage, time.perf_counter() - started)

    async def _stored(
        self, drafts: Sequence[Draft], sources_of: Sequence[Draft] | None = None
    ) -> tuple[dict[tuple[int, str], rules.StoredSource], dict[str, int]]:
        """The stored sources of `sources_of` (all the drafts by default) and the tombstones of the drafts'
        subjects."""
        subjects = list(dict.fromkeys(s for d in drafts for s in d.subjects))
        keys = [_source_key(d) for d in (drafts if sources_of is None else sources_of)]
        return await asyncio.gather(self.store.sources(keys), self.store.tombstones(subjects))

    async def _remove_in_order(self, removals: Sequence[batches.Removal]) -> None:
        for removal in removals:
            if isinstance(removal, SubjectRemoval):
                await self._remove_subject(removal)
            else:
                await self._remove_source(removal)

    async def _remove_source(self, removal: SourceRemoval) -> None:
        key = (removal.recipient_id, removal.source)
        stored = (await self.store.sources([key])).get(key)
        target = rules.removal_target(stored, removal.at_ms)
        removed_at = max(removal.at_ms, stored.removed_at_ms or 0) if stored else removal.at_ms
        await self.store.remove_source(removal.recipient_id, removal.source, removed_at, unlink=target is not None)
        if target is not None:
            await self._delete_ids([(removal.recipient_id, target)])
            self.metrics.removed(removal.source.split(":", 1)[0], 1)

    async def _remove_subject(self, removal: SubjectRemoval) -> None:
        await self.store.mark_subject_removed(removal.subject, removal.at_ms)
        members = [n for n in await self.store.subject_members(removal.subject) if rules.taken_by(removal, n.id)]
        await self._delete(members)
        if members:
            self.metrics.removed(removal.subject.split(":", 1)[0], len(members))

    async def _delete_ids(self, ids: Sequence[tuple[int, int]]) -> None:
        """Deletes (recipient, notification id) pairs."""
        found = await asyncio.gather(*(self.store.get(recipient, i) for recipient, i in ids))
        await self._delete([n for n in found if n is not None])

    async def _delete(self, notifications: Sequence[Notification]) -> None:
        if not notifications:
            return
        await self.store.delete(notifications)
        by_recipient = _ids_by_recipient(notifications)
        await asyncio.gather(*(self.unread.remove(r, ids) for r, ids in by_recipient.items()))


def _source_key(draft: Draft) -> tuple[int, str]:
    return (draft.notification.recipient_id, draft.source)


def _ids_by_recipient(notifications: Iterable[Notification]) -> dict[int, list[int]]:
    by_recipient: dict[int, list[int]] = {}
    for n in notifications:
        by_recipient.setdefault(n.recipient_id, []).append(n.id)
    return by_recipient
