"""Redis behind Sentinel: the settings that name the sentinels, and the primary they agree on.

With `FEEDMESH_REDIS_SENTINELS` empty (one node) the services use `FEEDMESH_REDIS_URL` as it is. Set (the cluster
topology, docs/cluster.md), they ask the sentinels which server is the primary of `FEEDMESH_REDIS_SENTINEL_MASTER`
whenever they (re)connect, so a promoted replica is found after a failover; the URL still gives the database
number and credentials.
"""

from __future__ import annotations

import asyncio
import dataclasses

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.common.settings import SettingsError, env_name


def parse_hosts(entries: tuple[str, ...]) -> list[tuple[str, int]]:
    """host:port entries as (host, port) pairs; a missing or bad port names the variable."""
    hosts = []
    for entry in entries:
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise SettingsError(f"{env_name('redis_sentinels')}: {entry!r} is not host:port")
        hosts.append((host, int(port)))
    return hosts


@dataclasses.dataclass(frozen=True, kw_only=True)
class RedisSentinelSettings:
    """Mixed into the settings of a service that uses Redis, beside its `redis_url`."""

    redis_sentinels: tuple[str, ...] = ()
    redis_sentinel_master: str = "feedmesh"

    def sentinel(self) -> SentinelTarget | None:
        if not self.redis_sentinels:
            return None
        return SentinelTarget(tuple(parse_hosts(self.redis_sentinels)), self.redis_sentinel_master)


@dataclasses.dataclass(frozen=True)
class SentinelTarget:
    """The sentinels to ask, and the name of the primary they watch."""

    sentinels: tuple[tuple[str, int], ...]
    master: str

    async def primary(self, wait_seconds: float = 1.0) -> tuple[str, int]:
        """The primary's address as the first sentinel that answers names it."""
        errors = []
        for host, port in self.sentinels:
            client = Redis(host=host, port=port, socket_timeout=wait_seconds, socket_connect_timeout=wait_seconds)
            try:
                found = await asyncio.wait_for(
                    client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master), wait_seconds
                )
                if found:
                    address, found_port = found
                    return _text(address), int(found_port)
                errors.append(f"{host}:{port} knows no primary {self.master!r}")
            except (OSError, TimeoutError, RedisError) as exc:  # this one is down: ask the next
                errors.append(f"{host}:{port}: {type(exc).__name__}: {exc}")
            finally:
                await client.aclose()
        raise ConnectionError(f"no sentinel names a primary: {'; '.join(errors)}")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
