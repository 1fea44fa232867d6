"""The process's Redis client. One pool per process; a caller that finds every connection busy waits for one
(bounded) instead of failing at once, which is redis-py's default and turns a burst of concurrent reads into
errors. Behind Sentinel (`sentinel` given) the client asks the sentinels for the primary at every new connection
(redis-py's SentinelConnectionPool), which does not wait for a free connection: it opens one more instead."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.sentinel import Sentinel

from services.common.redis_sentinel import SentinelTarget


def create_redis(
    url: str, *, sentinel: SentinelTarget | None = None, max_connections: int = 64, wait_seconds: float = 5.0
) -> Redis:
    if sentinel is not None:
        parsed = urlparse(url)
        sentinels = Sentinel(list(sentinel.sentinels), socket_timeout=1, socket_connect_timeout=1)
        return sentinels.master_for(
            sentinel.master,
            db=int(parsed.path.lstrip("/") or 0),
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            socket_timeout=5,
            socket_connect_timeout=5,
        )
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait_seconds, socket_timeout=5, socket_connect_timeout=5
    )
    return Redis(connection_pool=pool)
