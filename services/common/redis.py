"""The process's Redis client. One pool per process; a caller that finds every connection busy waits for one
(bounded) instead of failing at once, which is redis-py's default and turns a burst of concurrent reads into
errors."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis


def create_redis(url: str, *, max_connections: int = 64, wait_seconds: float = 5.0) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait_seconds, socket_timeout=5, socket_connect_timeout=5
    )
    return Redis(connection_pool=pool)
