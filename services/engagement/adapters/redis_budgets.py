"""The budget counter in Redis (app.abuse_ports.BudgetCounter): one script call per attempt (lua/admit.lua) checks
every budget window and burst signal and counts the attempt, atomically, on the shared pipelined connection."""

from __future__ import annotations

from services.common import redis_keys
from services.common.redis_mux import RedisMux, RedisMuxError, RedisReplyError, load_script
from services.engagement.app.abuse_ports import CounterUnavailable
from services.engagement.domain.admission import Attempt, Verdict
from services.engagement.domain.burst import BurstChecks, BurstSignal

_GUARD_OFF = BurstChecks(flip_threshold=0, flip_window_seconds=0, minute_threshold=0, penalty_seconds=0)


class RedisBudgetCounter:
    def __init__(self, mux: RedisMux):
        self.mux = mux
        self._admit = load_script(__file__, "admit.lua")

    async def admit(self, attempt: Attempt) -> Verdict:
        user = attempt.user_id
        keys = [redis_keys.engagement_harder_limit(user)]
        keys += [
            redis_keys.engagement_budget_window(user, w.action.value, w.period.label, w.index) for w in attempt.windows
        ]
        checks = attempt.burst or _GUARD_OFF
        flip_threshold = checks.flip_threshold if attempt.post_id is not None else 0
        if flip_threshold:
            keys.append(redis_keys.engagement_like_flips(user, attempt.post_id or 0))
        args: list[str | int] = [
            len(attempt.windows),
            0 if attempt.burst is None else 1,
            checks.penalty_seconds,
            flip_threshold,
            checks.flip_window_seconds,
            checks.minute_threshold,
            attempt.action.value,
        ]
        for window in attempt.windows:
            args += [window.limit, window.harder_limit, window.ttl_seconds(attempt.now)]
        try:
            admitted, exhausted, harder_ms, signal = await self.mux.run_script(self._admit, keys, args)
        except (RedisMuxError, RedisReplyError) as exc:
            raise CounterUnavailable(str(exc)) from exc
        return Verdict(
            admitted=bool(admitted),
            exhausted=attempt.windows[exhausted - 1] if exhausted else None,
            rate_limited_until=attempt.now + harder_ms / 1000 if harder_ms else None,
            signal=BurstSignal(signal) if signal else None,
        )

    async def rate_limited_until(self, user_id: int, now: float) -> float | None:
        left_ms = await self.mux.execute("PTTL", redis_keys.engagement_harder_limit(user_id))
        return now + left_ms / 1000 if left_ms > 0 else None

    async def clear_rate_limit(self, user_id: int) -> bool:
        return bool(await self.mux.execute("DEL", redis_keys.engagement_harder_limit(user_id)))
