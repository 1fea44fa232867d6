"""The Idempotency-Key answers in PostgreSQL (engagement.idempotency_keys): what a key was first used for, and the
answer given, stored as JSON."""

from __future__ import annotations

import datetime as dt
import json

import asyncpg

from services.common.postgres import load_sql
from services.engagement.domain.model import Action, Answer, Comment, KeyRecord, LikeState, ShareCount

_CLAIM = load_sql(__file__, "claim_idempotency_key.sql")
_FIND = load_sql(__file__, "find_idempotency_key.sql")
_SAVE_ANSWER = load_sql(__file__, "save_idempotency_answer.sql")
PRUNE_IDEMPOTENCY_KEYS = load_sql(__file__, "prune_idempotency_keys.sql")


def encode_answer(answer: Answer) -> str:
    match answer:
        case LikeState(liked=liked, like_count=count):
            return json.dumps({"liked": liked, "like_count": count})
        case ShareCount(share_count=count):
            return json.dumps({"share_count": count})
        case Comment():
            created = answer.created_at.isoformat()
            return json.dumps(
                {"comment": [answer.id, answer.post_id, answer.author_id, answer.text, created]}, ensure_ascii=False
            )
    raise TypeError(f"not an answer: {answer!r}")


def decode_answer(raw: str | None) -> Answer | None:
    if raw is None:
        return None
    value = json.loads(raw)
    if "comment" in value:
        comment_id, post_id, author_id, text, created = value["comment"]
        return Comment(comment_id, post_id, author_id, text, dt.datetime.fromisoformat(created))
    if "share_count" in value:
        return ShareCount(value["share_count"])
    return LikeState(value["liked"], value["like_count"])


class PgIdempotencyKeys:
    async def find(self, conn: asyncpg.Connection, user_id: int, key: str) -> KeyRecord | None:
        row = await conn.fetchrow(_FIND, user_id, key)
        return KeyRecord(Action(row["action"]), row["post_id"], decode_answer(row["answer"])) if row else None

    async def claim(
        self, conn: asyncpg.Connection, user_id: int, key: str, action: Action, post_id: int, answer: Answer | None
    ) -> KeyRecord | None:
        encoded = encode_answer(answer) if answer is not None else None
        if await conn.fetchval(_CLAIM, user_id, key, action.value, post_id, encoded):
            return None
        # Taken: by a transaction that has committed by now (ON CONFLICT waited for it). A new statement sees it.
        found = await self.find(conn, user_id, key)
        if found is None:
            raise RuntimeError("idempotency key conflicted but has no record")
        return found

    async def save_answer(self, conn: asyncpg.Connection, user_id: int, key: str, answer: Answer) -> Answer:
        stored = await conn.fetchval(_SAVE_ANSWER, user_id, key, encode_answer(answer))
        if stored is None:
            # A twin saved its answer after this statement's snapshot: our UPDATE waited for it and then skipped the
            # row, but the statement's own SELECT still sees the old row. A new statement sees the twin's answer.
            found = await self.find(conn, user_id, key)
            stored_answer = found.answer if found is not None else None
            return stored_answer or answer
        return decode_answer(stored) or answer
