"""Applies the inbound events: drafts become notifications when `rules.judge` allows, undos and deletions take
theirs away. Every step is idempotent, so a redelivered event changes nothing.

The "disappear" rules are applied at write time (rows are deleted) rather than filtered at read time: reads then
need no peer call, pages stay exact and full, and the unread count (a Redis set of ids) stays what the list
shows. Tombstones (a source's or a subject's removal time) make the order of arrival irrelevant: an event that
comes after the undo or the block that supersedes it is dropped by `judge`.

A consumed batch is applied as a whole, which is what keeps a burst (one Kafka key: a viral post's likes, a
celebrity's posts) as fast as it comes: the peers are asked once for the batch (app/lookups.py), then every
removal runs, then every draft is judged and made visible together. Removals first gives what applying the events
in order gives: a removal leaves its tombstone whether or not the notification it takes is there yet, so a draft of
the same batch that it supersedes is dropped by `judge`, and a later draft (a re-like, an event after an unblock)
is newer than the tombstone.

A draft is judged first against the removals' facts mirrored in Redis (a removal writes them there before the
store), and made visible from Redis (counted unread, and listed from the pending hash that reads merge with the
store): no Cassandra round trip before a notification is visible. The batch's rest judges it again against the
store (which tells a redelivery, and refuses what a mirror that lost a fact let through), then writes its rows. The
rests of successive batches write in the batches' order, so a source linked by two batches ends naming the later
one's notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from services.notification.app import turns
from services.notification.app.lookups import Lookup, PeerLookups
from services.notification.app.ports import (
    IngestMetrics,
    LiveFeed,
    NotificationStore,
    PendingNotifications,
    RemovalMirror,
    UnreadCounters,
)
from services.notification.app.row_writes import RowWrites
from services.notification.domain import batches, rules
from services.notification.domain.model import Draft, DropRule, Notification, Occurrence, SourceRemoval, SubjectRemoval


@dataclass
class Ingest:
    store: NotificationStore
    unread: UnreadCounters
    pending: PendingNotifications
    mirror: RemovalMirror
    live: LiveFeed
    lookups: PeerLookups
    metrics: IngestMetrics
    clock: Callable[[], float] = time.time
    # The last batch's turns: done once its removals ran, once its rows are handed to `_rows` (or it failed).
    _removed: asyncio.Future[None] | None = field(default=None, init=False, repr=False)
    _written: asyncio.Future[None] | None = field(default=None, init=False, repr=False)
    _rows: RowWrites = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rows = RowWrites(self.store)

    async def apply(self, occurrences: Sequence[Occurrence]) -> asyncio.Task[None]:
        """Starts applying a batch of events and returns it running: its notifications made visible (listed and
        counted unread, from Redis) and published to live streams, then its rows written to Cassandra and the
        tombstones read again. The consumer polls and starts the next batches meanwhile (up to its
        `pipeline_depth` unfinished) and commits each once it and those before it are done. Batches take turns
        only for their removals and their rows, each after the previous batch's."""
        removing, writing = turns.take(self._removed), turns.take(self._written)
        self._removed, self._written = removing.done, writing.done
        return asyncio.create_task(self._apply(occurrences, removing, writing), name="notification-batch")

    async def _apply(self, occurrences: Sequence[Occurrence], removing: turns.Turn, writing: turns.Turn) -> None:
        try:
            if occurrences:  # from the oldest event's commit to its batch being applied: the wait in Kafka, the poll
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
                    await removing.wait()
                    groups = batches.removals_by_target(removals)
                    await asyncio.gather(*(self._remove_in_order(group) for group in groups))
            removing.release()
            shown = await self._make_visible(drafts)
            await self._confirm(shown, self.clock(), writing)
        finally:
            removing.release()
            writing.release()

    async def _make_visible(self, drafts: Sequence[Draft]) -> list[Draft]:
        """Makes the drafts `judge` allows, given the removals' facts mirrored in Redis, visible (pending in Redis
        and counted unread), and returns them. The store judges them again in the batch's rest: it tells a
        redelivery and a notification that replaces an older one of its source, and refuses what a mirror that
        lost a fact let through (ports.RemovalMirror)."""
        drafted = batches.newest_per_source(drafts)
        for rule in drafted.dropped:
            self.metrics.dropped(rule)
        if not drafted.kept:
            return []
        with self._timed("read"):
            removed, tombstones = await asyncio.gather(
                self.mirror.removed_sources([_source_key(d) for d in drafted.kept if rules.undoable(d)]),
                self.mirror.tombstones(list(dict.fromkeys(s for d in drafted.kept for s in d.subjects))),
            )
        shown: list[Draft] = []
        refused: list[Notification] = []
        for draft in drafted.kept:
            at = removed.get(_source_key(draft))
            verdict = rules.judge(draft, None if at is None else rules.StoredSource(None, at), tombstones)
            if verdict.dropped is None:
                shown.append(draft)
            else:
                refused.append(draft.notification)
                self.metrics.dropped(verdict.dropped)
        visible = [d.notification for d in shown]
        with self._timed("visible"):
            # A refused draft may be visible from an earlier delivery whose process died before writing its rows
            # (and a removal since found no rows to take): it is taken out of Redis.
            await asyncio.gather(
                self._forget_in_redis(refused),
                self.pending.add(visible),
                self.unread.add(_ids_by_recipient(visible)),
            )
        return shown

    async def _confirm(self, shown: Sequence[Draft], visible_at: float, writing: turns.Turn) -> None:
        """The rest of a batch. First the store's judgement of what became visible: its sources (those naming the
        same notification already are an earlier delivery's: counted as duplicates, written again, not published;
        a batch that failed half-way may have linked a source before its rows were written, see
        NotificationStore.link) and its subjects' tombstones (a refused one leaves Redis). The new ones are published
        to live streams (a hint: a removal running beside this batch may still take one away below, and the list is
        the record). Then, once the previous batch's rows are handed over, the rows (app/row_writes.py: written in
        the next round, with those of the batches waiting beside it): the notifications' own and group
        rows (they are listed from the store from then on, and leave Redis's pending hash), every source pointing at
        its notification, and the subject rows, by which a removal finds a notification. Then a second look at the
        tombstones and sources: a removal that ran concurrently (another member, another process, the next batch)
        may have read the sources or subject rows before these were written, but then its tombstone was written
        before this look reads it."""
        if not shown:
            return
        with self._timed("sources"):
            stored, tombstones = await self._stored(shown)
        accepted: list[Draft] = []
        repaired: list[Draft] = []
        refused: list[Notification] = []
        replaced: list[tuple[int, int]] = []
        for draft in shown:
            verdict = rules.judge(draft, stored.get(_source_key(draft)), tombstones)
            if verdict.dropped is DropRule.DUPLICATE:
                repaired.append(draft)
            elif verdict.dropped is None:
                accepted.append(draft)
            else:
                refused.append(draft.notification)
            if verdict.dropped is not None:
                self.metrics.dropped(verdict.dropped)
            if verdict.replaces is not None:
                replaced.append((draft.notification.recipient_id, verdict.replaces))
        await asyncio.gather(self._forget_in_redis(refused), self._delete_ids(replaced))
        for draft in accepted:
            self.metrics.written(draft.notification.kind, max(0.0, visible_at - draft.occur_ms / 1000))
        if accepted:
            with self._timed("publish"):
                await self.live.publish([d.notification for d in accepted])
        written = [*accepted, *repaired]
        with self._timed("ordered"):
            await writing.wait()
        if not written:
            return
        rows = self._rows.write(written)
        writing.release()
        with self._timed("write"):
            await rows
        await self.pending.forget([d.notification for d in written])
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

    @contextlib.contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        """Observes the stage's time when it passes (up to visible: lookups, removals, read (the mirror's facts, from
        Redis), visible; in the rest: sources (the store's judgement), publish, ordered (waiting for the previous
        batch's rows), write, confirm; and `queued`, observed in apply)."""
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
        """The source's tombstone first (the mirror's, then the store's), then what it names: a batch whose rest links
        the source beside this removal either linked it before the tombstone (found here) or reads the tombstone
        after linking it (its second look)."""
        key = (removal.recipient_id, removal.source)
        await self.mirror.source_removed(removal.recipient_id, removal.source, removal.at_ms)
        stored = (await self.store.sources([key])).get(key)
        removed_at = max(removal.at_ms, stored.removed_at_ms or 0) if stored else removal.at_ms
        await self.store.remove_source(removal.recipient_id, removal.source, removed_at, unlink=False)
        stored = (await self.store.sources([key])).get(key)
        target = rules.removal_target(stored, removal.at_ms)
        if target is not None:
            await self.store.remove_source(removal.recipient_id, removal.source, removed_at, unlink=True)
            await self._delete_ids([(removal.recipient_id, target)])
            self.metrics.removed(removal.source.split(":", 1)[0], 1)

    async def _remove_subject(self, removal: SubjectRemoval) -> None:
        await self.mirror.subject_removed(removal.subject, removal.at_ms)
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
        await self._forget_in_redis(notifications)

    async def _forget_in_redis(self, notifications: Sequence[Notification]) -> None:
        """No longer counted unread nor listed as pending."""
        if not notifications:
            return
        by_recipient = _ids_by_recipient(notifications)
        await asyncio.gather(
            self.pending.forget(notifications), *(self.unread.remove(r, ids) for r, ids in by_recipient.items())
        )


def _source_key(draft: Draft) -> tuple[int, str]:
    return (draft.notification.recipient_id, draft.source)


def _ids_by_recipient(notifications: Iterable[Notification]) -> dict[int, list[int]]:
    by_recipient: dict[int, list[int]] = {}
    for n in notifications:
        by_recipient.setdefault(n.recipient_id, []).append(n.id)
    return by_recipient
