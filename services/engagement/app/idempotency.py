"""Idempotency-Key handling shared by the write use cases: a key names one request (an action on a post) of one
user; a retry of it returns the first answer and changes nothing; the same key used for another request is an
error rather than a silent mix-up."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.engagement.app.ports import Conn, IdempotencyKeys
from services.engagement.domain.model import Action, Answer, KeyRecord


@dataclass(frozen=True)
class KeyedRequest:
    keys: IdempotencyKeys
    user_id: int
    key: str | None
    action: Action
    post_id: int

    def _same_request(self, record: KeyRecord) -> KeyRecord:
        if record.action != self.action or record.post_id != self.post_id:
            raise InvalidArgument(
                f"idempotency-key was already used for another request ({record.action} of post {record.post_id})",
                reason="IDEMPOTENCY_KEY_REUSED",
            )
        return record

    async def earlier_answer(self, conn: Conn) -> Answer | None:
        """The answer given to an earlier request with this key, if there was one."""
        if self.key is None:
            return None
        record = await self.keys.find(conn, self.user_id, self.key)
        return self._same_request(record).answer if record is not None else None

    async def claim(self, conn: Conn, answer: Answer | None = None) -> KeyRecord | None:
        """Inside the transaction of the change: None when this request may go ahead (the key is ours now, or
        there is none), else the committed record of the first request, which did the change already."""
        if self.key is None:
            return None
        record = await self.keys.claim(conn, self.user_id, self.key, self.action, self.post_id, answer)
        return self._same_request(record) if record is not None else None

    async def settle(self, conn: Conn, answer: Answer) -> Answer:
        """Records the answer before it is returned; the answer that stands (a concurrent twin may have won)."""
        if self.key is None:
            return answer
        return await self.keys.save_answer(conn, self.user_id, self.key, answer)
